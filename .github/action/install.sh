#!/usr/bin/env bash
# Installs the cymig release binary for this runner: `cymig-<version>-<target>.tar.gz` from the
# GitHub release `v<version>`, checked against that release's SHA256SUMS. Prints
# `installed=true|false` to $GITHUB_OUTPUT; on false action.yml falls back to a cached
# `cargo install --locked`, so a missing asset costs one build per version, not one per run.
#
# Environment: ACTION_PATH, CYMIG_VERSION (e.g. 0.4.0; a leading v is dropped), CYMIG_REPOSITORY (owner/name),
# CYMIG_RELEASE_URL (base URL of the release downloads; default the GitHub release of
# CYMIG_REPOSITORY, overridable for mirrors and tests), RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH.
set -uo pipefail

GITHUB_OUTPUT=${GITHUB_OUTPUT:-/dev/null}
GITHUB_PATH=${GITHUB_PATH:-/dev/null}
TMP=${RUNNER_TEMP:-$(mktemp -d)}

fallback() {
  echo "::notice title=cymig::$1; building with cargo install --locked instead"
  echo "installed=false" >>"$GITHUB_OUTPUT"
  exit 0
}

# The Rust target triple the release is built for, or nothing for a runner without one.
target() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo x86_64-unknown-linux-gnu ;;
    Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-gnu ;;
    Darwin-x86_64) echo x86_64-apple-darwin ;;
    Darwin-arm64 | Darwin-aarch64) echo aarch64-apple-darwin ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

# github.action_ref and github.action_repository can be empty inside a composite action's steps
# (actions/runner#2473); the runner checks actions out at _actions/<owner>/<repo>/<ref>.
from_action_path() {
  local path=${ACTION_PATH:-}
  [[ "$path" == */_actions/*/*/* ]] || return 0
  : "${CYMIG_VERSION:=$(basename "$path")}"
  : "${CYMIG_REPOSITORY:=$(basename "$(dirname "$(dirname "$path")")")/$(basename "$(dirname "$path")")}"
}

main() {
  CYMIG_VERSION=${CYMIG_VERSION:-}
  CYMIG_REPOSITORY=${CYMIG_REPOSITORY:-}
  [[ -n "$CYMIG_VERSION" && -n "$CYMIG_REPOSITORY" ]] || from_action_path
  local version=${CYMIG_VERSION#v} target asset base dir expected actual bin
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fallback "no release version (\`version\` input or a vX.Y.Z action ref)"
  target=$(target)
  [[ -n "$target" ]] || fallback "no release binary for $(uname -s) $(uname -m)"
  asset="cymig-$version-$target.tar.gz"
  base=${CYMIG_RELEASE_URL:-https://github.com/${CYMIG_REPOSITORY:-}/releases/download/v$version}
  dir="$TMP/cymig-$version"
  mkdir -p "$dir/bin"
  curl -fsSL --retry 3 -o "$dir/$asset" "$base/$asset" || fallback "could not download $base/$asset"
  curl -fsSL --retry 3 -o "$dir/SHA256SUMS" "$base/SHA256SUMS" || fallback "could not download $base/SHA256SUMS"
  # SHA256SUMS is sha256sum's output: `<hex>  <file>` (or `<hex> *<file>` in binary mode).
  expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$dir/SHA256SUMS")
  actual=$(sha256 "$dir/$asset")
  [[ -n "$expected" ]] || fallback "$asset is not listed in SHA256SUMS"
  if [[ "$expected" != "$actual" ]]; then
    # Tampering or a broken release: stop rather than run it or quietly build something else.
    echo "::error title=cymig::checksum mismatch for $asset (SHA256SUMS says $expected, the download is $actual)"
    exit 1
  fi
  tar -xzf "$dir/$asset" -C "$dir" || fallback "could not unpack $asset"
  bin=$(find "$dir" -path "$dir/bin" -prune -o -type f -name cymig -print | head -n 1)
  [[ -n "$bin" ]] || fallback "$asset holds no cymig binary"
  install -m 0755 "$bin" "$dir/bin/cymig"
  "$dir/bin/cymig" --version >/dev/null 2>&1 || fallback "the release binary does not run here"
  echo "$dir/bin" >>"$GITHUB_PATH"
  echo "installed=true" >>"$GITHUB_OUTPUT"
  echo "installed cymig $version ($target), sha256 $actual"
}

main
