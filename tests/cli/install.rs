//! Installing cymig without building it by hand: `--version` naming the commit, shell
//! completions, the man page, the packaging files (pyproject, pre-commit hooks, release
//! workflow), and, on request, a real wheel installed in a fresh venv.
//!
//! The wheel test compiles the crate again through maturin (minutes on two cores), so it runs
//! only with `CYMIG_TEST_WHEEL=1`; without it, it says so and passes. `docker build` likewise
//! runs only with `CYMIG_TEST_DOCKER=1` and a reachable Docker daemon.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cymig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cymig")).args(args).output().expect("run cymig")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `cymig 0.1.0 (commit 2f6984c)`, or `(commit unknown)` when built without git.
fn assert_version_line(line: &str) {
    let expected_prefix = format!("cymig {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = line
        .trim_end()
        .strip_prefix(&expected_prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version output: {line:?}"));
    let is_hash = commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit());
    assert!(is_hash || commit == "unknown", "commit in --version: {commit:?}");
}

#[test]
fn version_names_the_commit() {
    let out = cymig(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_version_line(&stdout(&out));
}

#[test]
fn bash_completions_list_the_subcommands() {
    let out = cymig(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = stdout(&out);
    assert!(script.contains("complete -F _cymig"), "not a bash completion script");
    for sub in ["lint", "parse", "derive-down", "mark-applied", "completions", "man"] {
        assert!(script.contains(sub), "bash completion lacks `{sub}`");
    }
    // Flags of a subcommand, not just the names.
    assert!(script.contains("--fix"), "bash completion lacks `lint --fix`");
}

#[test]
fn every_shell_has_completions_and_an_unknown_one_is_a_usage_error() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = cymig(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(stdout(&out).contains("derive-down"), "{shell} completion lacks a subcommand");
    }
    let out = cymig(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn man_page_renders() {
    let out = cymig(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    // clap_mangen opens with two roff string definitions (.ie/.el), then the title header.
    let first_macro = page
        .lines()
        .find(|l| l.starts_with('.') && !l.starts_with(".ie") && !l.starts_with(".el"))
        .expect("a roff macro");
    assert!(first_macro.starts_with(".TH cymig 1"), "first macro: {first_macro:?}");
    assert!(first_macro.contains(env!("CARGO_PKG_VERSION")));
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", ".SH VERSION"] {
        assert!(page.contains(section), "man page lacks {section}");
    }
    assert!(page.contains("cymig\\-lint(1)") || page.contains("lint"), "man page lacks `lint`");
}

#[test]
fn man_into_a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .arg("man")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Parses YAML with Python's yaml module and prints a JSON summary; `None` (the test then
/// says why and passes) where python3 or PyYAML is missing.
fn python_yaml(path: &Path, summary: &str) -> Option<String> {
    let script =
        format!("import json, sys, yaml\ndoc = yaml.safe_load(open(sys.argv[1]))\nprint(json.dumps({summary}))");
    let out = match Command::new("python3").arg("-c").arg(&script).arg(path).output() {
        Ok(out) => out,
        Err(e) => {
            println!("skipping the YAML check of {}: python3 not runnable ({e})", path.display());
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'yaml'") {
        println!("skipping the YAML check of {}: PyYAML is not installed", path.display());
        return None;
    }
    assert!(out.status.success(), "{} does not parse:\n{stderr}", path.display());
    Some(stdout(&out).trim().to_string())
}

#[test]
fn release_workflow_is_valid_yaml_with_the_platform_matrix() {
    let path = root().join(".github/workflows/release.yml");
    let summary = "sorted(j.get('target') for j in doc['jobs']['build']['strategy']['matrix']['include'])";
    let Some(targets) = python_yaml(&path, summary) else { return };
    assert_eq!(
        targets,
        r#"["aarch64-apple-darwin", "aarch64-unknown-linux-musl", "x86_64-apple-darwin", "x86_64-pc-windows-msvc", "x86_64-unknown-linux-musl"]"#
    );
}

#[test]
fn pre_commit_hooks_install_the_wheel_and_keep_a_rust_variant() {
    let path = root().join(".pre-commit-hooks.yaml");
    let Some(hooks) = python_yaml(&path, "[[h['id'], h['language'], h['entry']] for h in doc]") else {
        return;
    };
    assert_eq!(
        hooks,
        r#"[["cymig-lint", "python", "cymig lint"], ["cymig-lint-fix", "python", "cymig lint --fix"], ["cymig-parse", "python", "cymig parse"], ["cymig-lint-rust", "rust", "cymig lint"]]"#
    );
}

#[test]
fn pyproject_ships_the_binary_with_the_crate_version() {
    let text = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
    let doc: toml::Table = text.parse().expect("pyproject.toml parses");
    assert_eq!(doc["build-system"]["build-backend"].as_str(), Some("maturin"));
    assert_eq!(doc["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    // No version of its own: maturin takes Cargo.toml's, so the two cannot disagree.
    assert!(doc["project"].get("version").is_none());
    assert_eq!(doc["project"]["dynamic"].as_array().unwrap()[0].as_str(), Some("version"));
}

fn run_checked(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `pip install .` from the checkout, as a user (or pre-commit's `language: python`) does, in a
/// fresh venv; then the installed `cymig` lints the bundled migrations.
#[test]
fn wheel_installs_a_working_cymig() {
    if std::env::var("CYMIG_TEST_WHEEL").as_deref() != Ok("1") {
        println!("skipping the wheel build: set CYMIG_TEST_WHEEL=1 (it compiles the crate again, minutes)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv");
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let pip = |args: &[&str]| {
        Command::new(bin.join("pip"))
            .args(["--disable-pip-version-check", "--no-input"])
            .args(args)
            .env("PIP_DEFAULT_TIMEOUT", "30")
            .output()
            .expect("run pip")
    };
    let maturin = pip(&["install", "maturin>=1.5,<2"]);
    if !maturin.status.success() {
        println!(
            "skipping the wheel build: pip cannot install maturin (no package index reachable?):\n{}",
            String::from_utf8_lossy(&maturin.stderr)
        );
        return;
    }
    // The `release` profile (not pyproject's `dist`, fat LTO) in the usual target dir: the
    // dependencies `cargo test --release` just built are reused, only cymig is compiled again.
    let wheels = tmp.path().join("wheels");
    run_checked(
        Command::new(bin.join("maturin"))
            .args(["build", "--locked", "--profile", "release", "--out"])
            .arg(&wheels)
            .current_dir(root()),
        "maturin build",
    );
    let wheel = std::fs::read_dir(&wheels).unwrap().next().expect("a wheel").unwrap().path();
    run_checked(Command::new(bin.join("pip")).args(["install", "--no-index"]).arg(&wheel), "pip install <wheel>");

    let installed = bin.join("cymig");
    assert!(installed.exists(), "the wheel put no cymig in {}", bin.display());
    let version = run_checked(Command::new(&installed).arg("--version"), "cymig --version");
    assert_version_line(&stdout(&version));
    let lint = Command::new(&installed).args(["lint", "migrations/"]).current_dir(root()).output().unwrap();
    assert_eq!(lint.status.code(), Some(0), "{}", String::from_utf8_lossy(&lint.stdout));
}

/// The Dockerfile builds and its image runs `cymig --version`; only with `CYMIG_TEST_DOCKER=1`
/// and a Docker daemon, since the `dist` build takes many minutes.
#[test]
fn docker_image_runs_cymig() {
    if std::env::var("CYMIG_TEST_DOCKER").as_deref() != Ok("1") {
        println!("skipping docker build: set CYMIG_TEST_DOCKER=1 (a full dist build, many minutes)");
        return;
    }
    let daemon = Command::new("docker").arg("info").output();
    if !matches!(&daemon, Ok(o) if o.status.success()) {
        println!("skipping docker build: no docker command or no reachable Docker daemon");
        return;
    }
    let tag = "cymig-install-test";
    run_checked(Command::new("docker").args(["build", "-t", tag, "."]).current_dir(root()), "docker build");
    let out = run_checked(Command::new("docker").args(["run", "--rm", tag, "--version"]), "docker run");
    assert!(stdout(&out).starts_with("cymig "));
}
