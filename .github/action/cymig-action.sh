#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it), kept here so tests/action.rs can run it against
# fixture repositories with a stub `gh`.
#
# Inputs come from the environment (action.yml maps them):
#   INPUT_PATHS            space-separated directories, files or globs (`.`, `./migrations/`, `db/*/migrations`)
#   INPUT_ALL_FILES        "true": lint everything under INPUT_PATHS, not only the pull request's changes
#   INPUT_COMMENT          "true": keep one sticky pull request comment with the Markdown report
#   INPUT_STRICT           "true": pass --strict
#   INPUT_FAIL_ON_FINDINGS "false": report findings without failing the job
#   INPUT_SARIF_FILE       also write a SARIF report here
#   INPUT_ARGS             extra arguments for `cymig lint`
#   PR_NUMBER, REPO, BASE_SHA, HEAD_SHA, HEAD_REPO_FORK   from the pull_request event
#   GH_TOKEN, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, CYMIG (binary, default `cymig`)
set -uo pipefail

CYMIG=${CYMIG:-cymig}
TMP=${RUNNER_TEMP:-$(mktemp -d)}
GITHUB_OUTPUT=${GITHUB_OUTPUT:-/dev/null}
GITHUB_STEP_SUMMARY=${GITHUB_STEP_SUMMARY:-/dev/null}
MARKER='<!-- cymig-report -->'
REPORT="$TMP/cymig-report.md"

is_true() { [[ "${1:-}" == "true" ]]; }

# A path as git prints it: no leading `./`, no trailing `/`; the repository root is "".
normalize() {
  local p=$1
  while [[ "$p" == ./* ]]; do p=${p#./}; done
  while [[ "$p" == */ && "$p" != / ]]; do p=${p%/}; done
  [[ "$p" == "." ]] && p=""
  printf '%s\n' "$p"
}

# Sets ROOTS to what INPUT_PATHS selects: each word expanded as a glob (** included) from the
# repository root, so `.`, `./migrations/` and `db/*/migrations` all name existing directories or
# files.
resolve_roots() {
  local word match found
  ROOTS=()
  shopt -s nullglob globstar
  for word in ${INPUT_PATHS:-migrations}; do
    found=false
    # shellcheck disable=SC2206 # the word is a glob on purpose
    for match in $word; do
      [[ -e "$match" ]] || continue
      ROOTS+=("$(normalize "$match")")
      found=true
    done
    $found || echo "::warning title=cymig::paths: \`$word\` matches no file or directory"
  done
  shopt -u nullglob globstar
}

# Is $1 (a repository-relative file) inside root $2?
under() {
  [[ -z "$2" || "$1" == "$2" || "$1" == "$2"/* ]]
}

# The files the pull request changes, deletions included (renames as delete + add, so the old
# name counts as deleted). Prints nothing and fails when they cannot be known.
changed_files() {
  [[ -n "${BASE_SHA:-}" && -n "${HEAD_SHA:-}" ]] || return 1
  if ! git merge-base "$BASE_SHA" "$HEAD_SHA" >/dev/null 2>&1; then
    # actions/checkout fetches one commit by default: fetch enough history for a merge base.
    git fetch --quiet --no-tags --unshallow origin >/dev/null 2>&1 \
      || git fetch --quiet --no-tags origin "$BASE_SHA" "$HEAD_SHA" >/dev/null 2>&1 || true
  fi
  git diff --name-only --no-renames "$BASE_SHA...$HEAD_SHA" -- 2>/dev/null
}

# Writes the file list (one per line) to $1: the changed .cypher files under the roots, or a
# whole root when a change there affects every migration (cymig.sum, cymig.toml, a deletion).
select_files() {
  local list=$1 root file changed
  resolve_roots
  : >"$list"
  if is_true "${INPUT_ALL_FILES:-false}" || [[ -z "${PR_NUMBER:-}" ]]; then
    for root in "${ROOTS[@]}"; do printf '%s\n' "${root:-.}" >>"$list"; done
    return
  fi
  if ! changed=$(changed_files); then
    echo "::notice title=cymig::could not diff $BASE_SHA...$HEAD_SHA (fetch-depth: 0 on actions/checkout avoids this); linting everything under paths"
    for root in "${ROOTS[@]}"; do printf '%s\n' "${root:-.}" >>"$list"; done
    return
  fi
  for root in "${ROOTS[@]}"; do
    local whole=false files=()
    while IFS= read -r file; do
      [[ -n "$file" ]] || continue
      if [[ "$(basename "$file")" == cymig.toml ]] && under "$root" "$(dirname "$file" | sed 's#^\.$##')"; then
        whole=true # a configuration above the root applies to it too
      fi
      under "$file" "$root" || continue
      case "$file" in
        */cymig.sum | cymig.sum | */cymig.toml | cymig.toml) whole=true ;;
        *.cypher) if [[ -f "$file" ]]; then files+=("$file"); else whole=true; fi ;;
      esac
    done <<<"$changed"
    if $whole && [[ -d "${root:-.}" ]]; then
      printf '%s\n' "${root:-.}" >>"$list"
    elif [[ ${#files[@]} -gt 0 ]]; then
      printf '%s\n' "${files[@]}" >>"$list"
    fi
  done
  sort -u -o "$list" "$list"
}

# Runs cymig lint with the given format; stdout to $2, stderr to $TMP/cymig-stderr.txt.
# Prints the exit code.
lint() {
  local format=$1 out=$2 args=()
  is_true "${INPUT_STRICT:-false}" && args+=(--strict)
  # shellcheck disable=SC2206 # extra arguments are meant to be split
  args+=(${INPUT_ARGS:-})
  "$CYMIG" lint --format "$format" "${args[@]}" -- "${FILES[@]}" >"$out" 2>"$TMP/cymig-stderr.txt"
  echo $?
}

# gh api, with its stderr kept so a 403 (read-only token) can be told from other failures.
api() {
  gh api "$@" 2>"$TMP/cymig-gh-stderr.txt"
}

forbidden() {
  grep -q 'HTTP 403' "$TMP/cymig-gh-stderr.txt" 2>/dev/null
}

# The id of our sticky comment: it starts with the marker AND was written by the Actions bot or
# by the token's user, so a comment someone else quoted the marker into is never overwritten.
sticky_comment_id() {
  local me
  me=$(api user 2>/dev/null | jq -r '.login // empty' 2>/dev/null) || me=""
  api --paginate "repos/$REPO/issues/$PR_NUMBER/comments" \
    | jq -rs --arg marker "$MARKER" --arg me "$me" '
        add // [] | map(select((.body // "") | startswith($marker)))
        | map(select(.user.login == "github-actions[bot]" or ($me != "" and .user.login == $me)))
        | .[0].id // empty'
}

update_comment() {
  local has_findings=$1 id
  if is_true "${HEAD_REPO_FORK:-false}"; then
    echo "::notice title=cymig::pull request from a fork: its token is read-only, so the report is in the job summary and annotations, not in a comment"
    return 0
  fi
  if ! id=$(sticky_comment_id); then
    if forbidden; then
      echo "::notice title=cymig::the token cannot read the pull request's comments (HTTP 403): the report is in the job summary and annotations"
      return 0
    fi
    echo "::warning title=cymig::could not list the pull request's comments: $(cat "$TMP/cymig-gh-stderr.txt")"
    return 0
  fi
  if [[ -n "$id" ]]; then
    api --method PATCH "repos/$REPO/issues/comments/$id" -F body=@"$REPORT" >/dev/null && return 0
  elif $has_findings; then
    api --method POST "repos/$REPO/issues/$PR_NUMBER/comments" -F body=@"$REPORT" >/dev/null && return 0
  else
    return 0 # nothing to say and nothing to update: no new comment
  fi
  if forbidden; then
    echo "::notice title=cymig::the token cannot write the pull request comment (HTTP 403, e.g. a fork): the report is in the job summary and annotations"
  else
    echo "::warning title=cymig::could not write the pull request comment: $(cat "$TMP/cymig-gh-stderr.txt")"
  fi
}

main() {
  local list="$TMP/cymig-files.txt" code has_findings=false
  select_files "$list"
  mapfile -t FILES <"$list"
  echo "report=$REPORT" >>"$GITHUB_OUTPUT"
  if [[ ${#FILES[@]} -eq 0 ]]; then
    printf '%s\n### cymig: no migration changes\n' "$MARKER" >"$REPORT"
    echo "exit-code=0" >>"$GITHUB_OUTPUT"
    cat "$REPORT" >>"$GITHUB_STEP_SUMMARY"
    is_true "${INPUT_COMMENT:-true}" && [[ -n "${PR_NUMBER:-}" ]] && update_comment false
    return 0
  fi
  echo "cymig lint: ${FILES[*]}"

  code=$(lint github "$TMP/cymig-annotations.txt")
  echo "exit-code=$code" >>"$GITHUB_OUTPUT"
  if [[ "$code" == 2 ]]; then
    # A usage, configuration or IO error: there is no report, so say why and post nothing.
    local message
    message=$(grep -v '^$' "$TMP/cymig-stderr.txt" | sed 's/^error: //' | head -n 20)
    message=${message//%/%25}
    message=${message//$'\n'/%0A}
    echo "::error title=cymig::${message:-cymig lint exited with 2}"
    return 2
  fi
  cat "$TMP/cymig-annotations.txt"
  cat "$TMP/cymig-stderr.txt" >&2
  lint markdown "$REPORT" >/dev/null
  if [[ -n "${INPUT_SARIF_FILE:-}" ]]; then lint sarif "$INPUT_SARIF_FILE" >/dev/null; fi
  cat "$REPORT" >>"$GITHUB_STEP_SUMMARY"
  [[ -s "$TMP/cymig-annotations.txt" ]] && has_findings=true
  if is_true "${INPUT_COMMENT:-true}" && [[ -n "${PR_NUMBER:-}" ]]; then
    update_comment "$has_findings"
  fi
  if [[ "$code" != 0 ]]; then
    if is_true "${INPUT_FAIL_ON_FINDINGS:-true}"; then
      echo "::error title=cymig::cymig lint found errors (exit $code)"
      return "$code"
    fi
    echo "::notice title=cymig::cymig lint found errors (exit $code); fail-on-findings is false, so the job passes"
  fi
  return 0
}

main
