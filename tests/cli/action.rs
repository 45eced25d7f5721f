//! The GitHub Action's script (`.github/action/cymig-action.sh`) run against fixture repositories:
//! git repositories with a base and a head commit, the real cymig binary, and a stub `gh` on PATH
//! that records its calls and answers with canned JSON (GitHub's API is not reachable here).

use std::path::{Path, PathBuf};
use std::process::Command;

const CLEAN: &str = "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;\n";
const DELETES_ALL: &str = "MATCH (n) DETACH DELETE n;\n";
const MARKER: &str = "<!-- cymig-report -->";

/// Records `gh` calls in $GH_LOG (the last body sent in $GH_LOG.body); answers from $GH_CANNED, where
/// `<METHOD> <path with / as _>` holds the JSON to print and `….fail` the stderr of a failure.
const GH_STUB: &str = r#"#!/usr/bin/env bash
method=GET path=
shift # api
while [[ $# -gt 0 ]]; do
  case $1 in
    --method) method=$2; shift ;;
    -F) cp "${2#body=@}" "$GH_LOG.body"; shift ;;
    --paginate) ;;
    *) path=$1 ;;
  esac
  shift
done
echo "$method $path" >> "$GH_LOG"
key="$GH_CANNED/$method ${path//\//_}"
if [[ -f "$key.fail" ]]; then cat "$key.fail" >&2; exit 1; fi
if [[ -f "$key" ]]; then cat "$key"; exit 0; fi
if [[ $path == user ]]; then echo 'gh: Resource not accessible by integration (HTTP 403)' >&2; exit 1; fi
echo '[]'
"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A repository whose base commit holds `base` and whose head commit applies `head`
/// (`None` deletes the file), plus the stub `gh` and the runner's files.
struct Fixture {
    tmp: tempfile::TempDir,
    base: String,
    head: String,
    env: Vec<(String, String)>,
    workdir: Option<PathBuf>,
}

impl Fixture {
    fn new(base: &[(&str, &str)], head: &[(&str, Option<&str>)]) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        for dir in ["repo", "bin", "canned", "runner"] {
            std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        }
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["config", "user.email", "ci@example.com"]);
        git(&repo, &["config", "user.name", "CI"]);
        for (path, text) in base {
            write(&repo.join(path), text);
        }
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "base"]);
        let base_sha = git(&repo, &["rev-parse", "HEAD"]);
        for (path, text) in head {
            match text {
                Some(text) => write(&repo.join(path), text),
                None => std::fs::remove_file(repo.join(path)).unwrap(),
            }
        }
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "head", "--allow-empty"]);
        let head_sha = git(&repo, &["rev-parse", "HEAD"]);
        let stub = tmp.path().join("bin/gh");
        write(&stub, GH_STUB);
        make_executable(&stub);
        Fixture { tmp, base: base_sha, head: head_sha, env: Vec::new(), workdir: None }
    }

    fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    /// Runs in a depth-1 clone of the head, as actions/checkout leaves it by default.
    fn shallow(mut self) -> Fixture {
        let url = format!("file://{}", self.repo().display());
        git(self.tmp.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
        self.workdir = Some(self.tmp.path().join("shallow"));
        self
    }

    fn set(mut self, key: &str, value: &str) -> Fixture {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// What the stub `gh` answers to `method path`.
    fn canned(self, method: &str, path: &str, json: &str) -> Fixture {
        write(&self.canned_path(method, path), json);
        self
    }

    fn failing(self, method: &str, path: &str, stderr: &str) -> Fixture {
        let mut file = self.canned_path(method, path).into_os_string();
        file.push(".fail");
        write(Path::new(&file), stderr);
        self
    }

    fn canned_path(&self, method: &str, path: &str) -> PathBuf {
        self.tmp.path().join("canned").join(format!("{method} {}", path.replace('/', "_")))
    }

    fn run(&self) -> Run {
        let t = self.tmp.path();
        let path = format!("{}:{}", t.join("bin").display(), std::env::var("PATH").unwrap());
        let mut cmd = Command::new("bash");
        cmd.arg(root().join(".github/action/cymig-action.sh"))
            .current_dir(self.workdir.clone().unwrap_or_else(|| self.repo()))
            .env_clear()
            .env("PATH", path)
            .env("HOME", t)
            .env("NO_COLOR", "1")
            .env("CYMIG", env!("CARGO_BIN_EXE_cymig"))
            .env("RUNNER_TEMP", t.join("runner"))
            .env("GITHUB_OUTPUT", t.join("output"))
            .env("GITHUB_STEP_SUMMARY", t.join("summary"))
            .env("GH_LOG", t.join("gh.log"))
            .env("GH_CANNED", t.join("canned"))
            .env("GH_TOKEN", "token")
            .env("REPO", "acme/graph")
            .env("PR_NUMBER", "7")
            .env("BASE_SHA", &self.base)
            .env("HEAD_SHA", &self.head)
            .env("HEAD_REPO_FORK", "false");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the action script");
        let read = |name: &str| std::fs::read_to_string(t.join(name)).unwrap_or_default();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            files: read("runner/cymig-files.txt"),
            output: read("output"),
            summary: read("summary"),
            gh: read("gh.log"),
            body: read("gh.log.body"),
        }
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    files: String,
    output: String,
    summary: String,
    gh: String,
    body: String,
}

impl Run {
    /// The `gh` calls, as `METHOD path`.
    fn calls(&self) -> Vec<&str> {
        self.gh.lines().collect()
    }

    fn annotations(&self) -> Vec<&str> {
        self.stdout.lines().filter(|l| l.starts_with("::")).collect()
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A base with one clean migration and its sum; the head adds one that deletes every node.
fn adds_error() -> Fixture {
    Fixture::new(
        &[("migrations/V1__people.cypher", CLEAN), ("README.md", "graph\n")],
        &[("migrations/V2__wipe.cypher", Some(DELETES_ALL)), ("README.md", Some("graph!\n"))],
    )
}

fn with_sum(files: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(&tmp.path().join(path), text);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["hash", "migrations"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sum = std::fs::read_to_string(tmp.path().join("migrations/cymig.sum")).unwrap();
    let mut all: Vec<(&str, String)> = files.iter().map(|(p, t)| (*p, t.to_string())).collect();
    all.push(("migrations/cymig.sum", sum));
    all
}

#[test]
fn paths_dot_selects_the_changed_migrations() {
    let run = adds_error().set("INPUT_PATHS", ".").run();
    assert_eq!(run.files, "migrations/V2__wipe.cypher\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.output.contains("exit-code=1\n"), "{}", run.output);
    let errors: Vec<_> = run.annotations().into_iter().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 2, "{}", run.stdout);
    assert!(errors[0].starts_with("::error file=migrations/V2__wipe.cypher,line=1,col=11,"));
    assert!(errors[0].contains("title=destructive-delete::"));
    assert_eq!(errors[1], "::error title=cymig::cymig lint found errors (exit 1)");
    assert!(run.summary.starts_with(MARKER), "{}", run.summary);
    assert!(run.summary.contains("`migrations/V2__wipe.cypher:1:11` | `destructive-delete`"));
    // No comment yet and something to say: one is created, with the summary's report.
    assert_eq!(
        run.calls(),
        ["GET user", "GET repos/acme/graph/issues/7/comments", "POST repos/acme/graph/issues/7/comments"]
    );
    assert_eq!(run.body, run.summary);
}

#[test]
fn a_shallow_checkout_fetches_the_history_it_needs() {
    let fx = adds_error().shallow();
    let shallow = fx.workdir.clone().unwrap();
    assert!(
        Command::new("git").args(["cat-file", "-e", &fx.base]).current_dir(&shallow).status().unwrap().code()
            != Some(0)
    );
    let run = fx.run();
    assert_eq!(run.files, "migrations/V2__wipe.cypher\n", "{}", run.stdout);
    assert_eq!(run.code, 1);
}

#[test]
fn dot_slash_and_trailing_slash_select_the_same_files() {
    for paths in ["./migrations/", "migrations/", "./migrations", "migrations//"] {
        let run = adds_error().set("INPUT_PATHS", paths).run();
        assert_eq!(run.files, "migrations/V2__wipe.cypher\n", "paths: {paths}");
        assert_eq!(run.code, 1, "paths: {paths}: {}", run.stderr);
    }
}

#[test]
fn a_glob_selects_every_matching_directory_and_nothing_else() {
    let fx = Fixture::new(
        &[("db/app/migrations/V1__a.cypher", CLEAN), ("db/audit/migrations/V1__a.cypher", CLEAN)],
        &[
            ("db/app/migrations/V2__b.cypher", Some(CLEAN)),
            ("db/audit/migrations/V2__b.cypher", Some(CLEAN)),
            ("scratch/V1__try.cypher", Some(DELETES_ALL)),
        ],
    );
    let run = fx.set("INPUT_PATHS", "db/*/migrations").run();
    assert_eq!(run.files, "db/app/migrations/V2__b.cypher\ndb/audit/migrations/V2__b.cypher\n");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Clean, and no comment to update: nothing is posted.
    assert_eq!(run.calls(), ["GET user", "GET repos/acme/graph/issues/7/comments"]);
}

#[test]
fn a_path_that_matches_nothing_warns_and_lints_nothing() {
    let run = adds_error().set("INPUT_PATHS", "db/migrations").run();
    assert_eq!(run.files, "");
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("::warning title=cymig::paths: `db/migrations` matches no file or directory"),
        "{}",
        run.stdout
    );
    assert_eq!(run.summary, format!("{MARKER}\n### cymig: no migration changes\n"));
}

#[test]
fn a_change_to_cymig_sum_lints_the_whole_directory() {
    let base = with_sum(&[("migrations/V1__people.cypher", CLEAN)]);
    let base: Vec<(&str, &str)> = base.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let fx = Fixture::new(&base, &[("migrations/cymig.sum", Some("h1:tampered\n"))]);
    let run = fx.run();
    assert_eq!(run.files, "migrations\n");
    // A hand-edited sum is a finding on the sum, which only the whole-directory lint reports.
    assert!(run.stdout.contains("file=migrations/cymig.sum"), "{}", run.stdout);
}

#[test]
fn a_change_to_cymig_toml_above_the_directory_lints_it_whole() {
    let fx = Fixture::new(&[("migrations/V1__people.cypher", CLEAN)], &[("cymig.toml", Some("[lint]\nignore = []\n"))]);
    let run = fx.run();
    assert_eq!(run.files, "migrations\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_deleted_migration_lints_the_whole_directory() {
    let base = with_sum(&[("migrations/V1__people.cypher", CLEAN), ("migrations/V2__more.cypher", CLEAN)]);
    let base: Vec<(&str, &str)> = base.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let fx = Fixture::new(&base, &[("migrations/V2__more.cypher", None)]);
    let run = fx.run();
    assert_eq!(run.files, "migrations\n");
    assert!(run.stdout.contains("file=migrations/cymig.sum"), "the sum lists a file that is gone:\n{}", run.stdout);
}

#[test]
fn not_a_pull_request_lints_everything_under_paths() {
    let run = adds_error().set("PR_NUMBER", "").run();
    assert_eq!(run.files, "migrations\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.gh, "", "no pull request, no comment");
}

#[test]
fn fork_pull_request_skips_the_comment_with_a_notice() {
    let run = adds_error().set("HEAD_REPO_FORK", "true").run();
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("::error file=migrations/V2__wipe.cypher,"),
        "annotations still printed:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("::notice title=cymig::pull request from a fork"), "{}", run.stdout);
    assert!(run.summary.starts_with(MARKER));
    assert_eq!(run.gh, "", "no API call at all");
}

#[test]
fn a_403_on_the_comment_is_a_notice_not_a_failure() {
    let run = adds_error()
        .set("INPUT_FAIL_ON_FINDINGS", "false")
        .failing(
            "POST",
            "repos/acme/graph/issues/7/comments",
            "gh: Resource not accessible by integration (HTTP 403)\n",
        )
        .run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("::notice title=cymig::the token cannot write the pull request comment (HTTP 403"),
        "{}",
        run.stdout
    );
}

#[test]
fn exit_2_fails_with_cymigs_error_and_posts_nothing() {
    let run = adds_error().set("INPUT_ARGS", "--config ci/missing.toml").run();
    assert_eq!(run.code, 2);
    assert!(run.output.contains("exit-code=2\n"));
    let errors = run.annotations();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert!(errors[0].starts_with("::error title=cymig::"), "{}", errors[0]);
    assert!(errors[0].contains("ci/missing.toml"), "cymig's own message: {}", errors[0]);
    assert_eq!(run.summary, "");
    assert_eq!(run.gh, "");
}

#[test]
fn a_marker_comment_by_someone_else_is_not_overwritten() {
    let comments = format!(
        r#"[{{"id": 11, "user": {{"login": "mallory"}}, "body": "{MARKER}\nquoted"}},
           {{"id": 12, "user": {{"login": "octocat"}}, "body": "LGTM"}}]"#
    );
    let run = adds_error().canned("GET", "repos/acme/graph/issues/7/comments", &comments).run();
    assert_eq!(
        run.calls(),
        ["GET user", "GET repos/acme/graph/issues/7/comments", "POST repos/acme/graph/issues/7/comments"]
    );
}

#[test]
fn our_own_comment_is_updated_in_place() {
    let comments = format!(
        r#"[{{"id": 11, "user": {{"login": "mallory"}}, "body": "{MARKER}"}}]
           [{{"id": 21, "user": {{"login": "github-actions[bot]"}}, "body": "{MARKER}\nold"}}]"#
    );
    let run = adds_error().canned("GET", "repos/acme/graph/issues/7/comments", &comments).run();
    assert_eq!(
        run.calls(),
        ["GET user", "GET repos/acme/graph/issues/7/comments", "PATCH repos/acme/graph/issues/comments/21"]
    );

    // A personal token: its user's comment is ours too.
    let comments = format!(r#"[{{"id": 31, "user": {{"login": "ci-bot"}}, "body": "{MARKER}\nold"}}]"#);
    let run = adds_error()
        .canned("GET", "user", r#"{"login": "ci-bot"}"#)
        .canned("GET", "repos/acme/graph/issues/7/comments", &comments)
        .run();
    assert_eq!(
        run.calls(),
        ["GET user", "GET repos/acme/graph/issues/7/comments", "PATCH repos/acme/graph/issues/comments/31"]
    );
}

#[test]
fn fail_on_findings_false_reports_without_failing() {
    let run = adds_error().set("INPUT_FAIL_ON_FINDINGS", "false").run();
    assert_eq!(run.code, 0);
    assert!(run.output.contains("exit-code=1\n"));
    assert!(run.stdout.contains("::error file=migrations/V2__wipe.cypher,"));
    assert!(run.stdout.contains("::notice title=cymig::cymig lint found errors (exit 1); fail-on-findings is false"));
    assert!(run.calls().contains(&"POST repos/acme/graph/issues/7/comments"));
}

/// install.sh against a local "release": the asset and SHA256SUMS served from a directory.
fn install(asset_bytes: Option<&[u8]>, sums: impl Fn(&str) -> String) -> (i32, String, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let release = tmp.path().join("release");
    let target = match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-gnu",
        _ => "x86_64-unknown-linux-gnu",
    };
    let asset = format!("cymig-9.8.7-{target}.tar.gz");
    let stage = tmp.path().join(format!("cymig-9.8.7-{target}"));
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::create_dir_all(&release).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_cymig"), stage.join("cymig")).unwrap();
    let tar = Command::new("tar")
        .args(["-czf", release.join(&asset).to_str().unwrap(), "-C", tmp.path().to_str().unwrap()])
        .arg(stage.file_name().unwrap())
        .status()
        .unwrap();
    assert!(tar.success());
    let digest = Command::new("sha256sum").arg(release.join(&asset)).output().unwrap();
    let digest = String::from_utf8_lossy(&digest.stdout).split(' ').next().unwrap().to_owned();
    if let Some(bytes) = asset_bytes {
        std::fs::write(release.join(&asset), bytes).unwrap();
    }
    write(&release.join("SHA256SUMS"), &sums(&format!("{digest}  {asset}\n")));
    let runner = tmp.path().join("runner");
    std::fs::create_dir_all(&runner).unwrap();
    let out = Command::new("bash")
        .arg(root().join(".github/action/install.sh"))
        .env("CYMIG_VERSION", "v9.8.7")
        .env("CYMIG_RELEASE_URL", format!("file://{}", release.display()))
        .env("RUNNER_TEMP", &runner)
        .env("GITHUB_OUTPUT", tmp.path().join("output"))
        .env("GITHUB_PATH", tmp.path().join("path"))
        .output()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(tmp.path().join(name)).unwrap_or_default();
    let path = read("path");
    if let Some(dir) = path.lines().next() {
        let version = Command::new(Path::new(dir).join("cymig")).arg("--version").output().unwrap();
        assert!(version.status.success());
    }
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), stdout, read("output"), path)
}

#[test]
fn install_verifies_the_release_checksum() {
    let (code, stdout, output, path) = install(None, |line| format!("0000  other.tar.gz\n{line}"));
    assert_eq!((code, output.as_str()), (0, "installed=true\n"), "{stdout}");
    assert!(path.ends_with("cymig-9.8.7/bin\n"), "{path}");

    let (code, stdout, output, path) = install(Some(b"not the release"), |line| line.to_owned());
    assert_eq!(code, 1, "a mismatch stops the job: {stdout}");
    assert!(stdout.contains("::error title=cymig::checksum mismatch for cymig-9.8.7-"), "{stdout}");
    assert_eq!((output.as_str(), path.as_str()), ("", ""));

    let (code, stdout, output, _) = install(None, |_| "0000  other.tar.gz\n".to_owned());
    assert_eq!((code, output.as_str()), (0, "installed=false\n"), "not listed: build instead: {stdout}");
}
