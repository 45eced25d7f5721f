//! `cymig config --show`, configuration errors and `cymig hash`, run as a user would.

use std::fs;
use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cymig(dir: &Path, args: &[&str]) -> Run {
    cymig_in(dir, dir, args)
}

/// Runs in `dir`; `root` (the temporary project) is shown as `[TMP]`.
fn cymig_in(root: &Path, dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(args)
        .current_dir(dir)
        .env_remove("NEO4J_PASSWORD")
        .output()
        .expect("run cymig");
    let tmp = fs::canonicalize(root).expect("canonical").to_string_lossy().into_owned();
    let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&tmp, "[TMP]");
    Run { code: output.status.code().unwrap_or(-1), stdout: clean(&output.stdout), stderr: clean(&output.stderr) }
}

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("cymig.toml"), config).expect("write");
    fs::create_dir_all(dir.path().join("db/migrations")).expect("mkdir");
    dir
}

const CONFIG: &str = r#"migrations = "db/migrations"
target = "5.26"
edition = "enterprise"

[lint]
ignore = ["label-less-scan"]

[lint.per-path-ignores]
"legacy/**" = ["exists-function", "legacy-index-syntax"]

[lint.severity]
cartesian-product = "error"

[lint.batching]
default-batch-size = 5000

[database]
uri = "neo4j://db.internal:7687"
user = "migrator"
password-file = "secrets/neo4j-password"
lock-timeout = "2m"

[hooks]
pre-up = "neo4j-admin database dump neo4j --to-path=backups"
"#;

#[test]
fn show_prints_every_setting_with_its_origin() {
    let dir = project(CONFIG);
    let run = cymig(dir.path(), &["config", "--show"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("config_show_toml", run.stdout);
}

#[test]
fn show_from_a_subdirectory_finds_the_file_above_and_flags_win() {
    let dir = project(CONFIG);
    let run = cymig_in(
        dir.path(),
        dir.path().join("db/migrations").as_path(),
        &["config", "--show", "--format", "json", "--target", "2025", "--ignore", "cartesian-product"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("config_show_json", run.stdout);
}

#[test]
fn show_without_a_config_file_prints_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = cymig(dir.path(), &["config", "--show", "--no-config"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("config_show_defaults", run.stdout);
}

#[test]
fn a_parsable_show_output_round_trips() {
    let dir = project(CONFIG);
    let shown = cymig(dir.path(), &["config", "--show"]).stdout;
    let again = tempfile::tempdir().expect("tempdir");
    fs::write(again.path().join("cymig.toml"), &shown).expect("write");
    let run = cymig(again.path(), &["config", "--show", "--format", "json"]);
    assert_eq!(run.code, 0, "the printed TOML is a valid cymig.toml: {}", run.stderr);
}

#[test]
fn config_errors_exit_2_with_position_and_valid_keys() {
    let cases = [
        ("unknown_key", "[lint]\nselect = []\nignroe = [\"x\"]\n"),
        ("password_key", "[database]\nuser = \"neo4j\"\npassword = \"s3cret\"\n"),
        ("bad_target", "target = \"3.5\"\n"),
        ("bad_severity", "[lint.severity]\nunbatched-write = \"fatal\"\n"),
        ("toml_syntax", "[database\nuser = \"neo4j\"\n"),
        ("wrong_type", "[lint.batching]\ndefault-batch-size = \"many\"\n"),
        ("bad_procedure", "[lint]\nprocedures = [\"acme.audit(entity :: STRING?) :: (id INTEGER?)\"]\n"),
    ];
    let mut all = String::new();
    for (name, config) in cases {
        let dir = project(config);
        let run = cymig(dir.path(), &["config", "--show"]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{name}");
        assert!(!run.stderr.contains("s3cret"), "{name} leaks a secret");
        all.push_str(&format!("--- {name}\n{}", run.stderr));
    }
    insta::assert_snapshot!("config_errors", all);
}

#[test]
fn hash_writes_and_checks_the_sum() {
    let dir = project("migrations = \"db/migrations\"\n");
    let migrations = dir.path().join("db/migrations");
    fs::write(migrations.join("V1__a.cypher"), "RETURN 1;\n").expect("write");
    fs::write(migrations.join("V2__b.cypher"), "RETURN 2;\n").expect("write");
    fs::write(migrations.join("oops.cypher"), "RETURN 3;\n").expect("write");

    let run = cymig(dir.path(), &["hash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "wrote [TMP]/db/migrations/cymig.sum (2 files)\n");
    assert!(run.stderr.contains("oops.cypher is not listed"), "{}", run.stderr);

    let run = cymig(dir.path(), &["hash", "--check", "db/migrations"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "db/migrations: cymig.sum matches\n"));

    fs::write(migrations.join("V1__a.cypher"), "RETURN 10;\n").expect("write");
    let run = cymig(dir.path(), &["hash", "--check", "db/migrations"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("hash_check_edited", run.stdout);

    let run = cymig(dir.path(), &["hash", "nowhere"]);
    assert_eq!(run.code, 2);
}

#[test]
fn show_prints_the_migrations_table_and_its_layout_with_their_origin() {
    let dir = project("target = \"5\"\n\n[migrations]\ndir = \"db/migrations\"\nlayout = \"flyway\"\n");
    let named = cymig(dir.path(), &["config", "--show"]);
    assert_eq!(named.code, 0, "{}", named.stderr);
    let dir = project(
        "[migrations]\ndir = \"db/migrations\"\nup = \"{version}-{description}.cypher\"\n\
         down = \"rollback/{version}-{description}.cypher\"\n",
    );
    let custom = cymig(dir.path(), &["config", "--show", "--migrations", "elsewhere"]);
    assert_eq!(custom.code, 0, "{}", custom.stderr);
    let json = cymig(dir.path(), &["config", "--show", "--format", "json"]);
    let settings: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let layout = settings["settings"].as_array().unwrap().iter().find(|s| s["key"] == "migrations.layout").cloned();
    assert_eq!(layout.map(|l| (l["value"].clone(), l["origin"].clone())), Some(("custom".into(), "file".into())));
    insta::assert_snapshot!("config_show_migrations_table", format!("{}--- custom\n{}", named.stdout, custom.stdout));
}

#[test]
fn the_old_migrations_string_still_sets_the_directory() {
    let dir = project("migrations = \"db/migrations\"\n");
    let run = cymig(dir.path(), &["config", "--show", "--format", "json"]);
    let settings: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let dir_setting = settings["settings"].as_array().unwrap().iter().find(|s| s["key"] == "migrations.dir").cloned();
    assert_eq!(
        dir_setting.map(|s| (s["value"].clone(), s["origin"].clone())),
        Some(("db/migrations".into(), "file".into()))
    );
}

#[test]
fn migrations_table_errors_exit_2_with_position_and_valid_choices() {
    let cases = [
        ("unknown_layout", "[migrations]\ndir = \"db\"\nlayout = \"flyaway\"\n"),
        ("unknown_key", "[migrations]\ndirectory = \"db\"\n"),
        ("not_cypher", "[migrations]\nup = \"V{version}__{description}.sql\"\n"),
        ("no_version", "[migrations]\nup = \"{description}.cypher\"\n"),
        ("unknown_placeholder", "[migrations]\nup = \"{version}_{name}.cypher\"\n"),
        ("down_without_up", "[migrations]\ndown = \"U{version}__{description}.cypher\"\n"),
        ("layout_and_patterns", "[migrations]\nlayout = \"flyway\"\nup = \"{version}-{description}.cypher\"\n"),
        ("custom_without_up", "[migrations]\nlayout = \"custom\"\n"),
        ("string_and_table", "migrations = \"db\"\n\n[migrations]\nlayout = \"flyway\"\n"),
        ("wrong_type", "migrations = 3\n"),
    ];
    let mut all = String::new();
    for (name, config) in cases {
        let dir = project(config);
        let run = cymig(dir.path(), &["config", "--show"]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        all.push_str(&format!("--- {name}\n{}", run.stderr));
    }
    insta::assert_snapshot!("config_migrations_errors", all);
}

/// `[lint] procedures` declares a plugin's procedures: `semantic-error` checks calls to them as
/// it checks the built-in ones; without the declaration the same calls are left alone.
#[test]
fn lint_checks_calls_to_the_configured_procedures() {
    let statements = "CALL acme.audit(1) YIELD id RETURN id;\n\
                      CALL acme.audit('users') YIELD nope RETURN nope;\n\
                      CALL acme.audit('users', 2) YIELD id RETURN id;\n\
                      CALL acme.flush() YIELD done RETURN done;\n\
                      CALL acme.audit('users') YIELD id RETURN id;\n";
    let config = "[lint]\nselect = [\"semantic-error\"]\nprocedures = [\n  \"acme.audit(entity :: STRING?) :: (id :: INTEGER?)\",\n  \"acme.flush() :: VOID\",\n]\n";
    let dir = project(config);
    fs::write(dir.path().join("db/migrations/V1__audit.cypher"), statements).expect("write");
    let run = cymig(dir.path(), &["lint", "--format", "json", "db/migrations"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found: Vec<(u64, String)> = report
        .as_array()
        .expect("an array of findings")
        .iter()
        .map(|d| (d["line"].as_u64().unwrap_or(0), d["message"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(
        found,
        [
            (1, "Type mismatch: expected String but was Integer".to_string()),
            (2, "Unknown procedure output: `nope`".to_string()),
            (3, "Procedure call provides too many arguments: got 2 expected no more than 1.".to_string()),
            (4, "Cannot yield value from void procedure.".to_string()),
        ],
        "{}",
        run.stdout
    );
    let plain = project("[lint]\nselect = [\"semantic-error\"]\n");
    fs::write(plain.path().join("db/migrations/V1__audit.cypher"), statements).expect("write");
    let run = cymig(plain.path(), &["lint", "db/migrations"]);
    assert_eq!(run.code, 0, "undeclared procedures are not checked: {}", run.stdout);
}

#[test]
fn lint_reads_the_configured_layout_of_the_migrations_directory() {
    let dir = project("[migrations]\ndir = \"db/migrations\"\nlayout = \"golang-migrate\"\n");
    let migrations = dir.path().join("db/migrations");
    fs::write(migrations.join("1_init.up.cypher"), "RETURN 1;\n").expect("write");
    fs::write(migrations.join("1_init.down.cypher"), "RETURN 1;\n").expect("write");
    fs::write(migrations.join("V2__flyway.cypher"), "RETURN 2;\n").expect("write");
    let run = cymig(dir.path(), &["lint", "-v", "--format", "json", "db/migrations"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "cymig: db/migrations: configured layout golang-migrate (golang-migrate .up/.down): \
         1 .up/.down migration, 1 down script, 1 misnamed file\n"
    );
    assert!(run.stdout.contains("does not follow the configured layout `golang-migrate`"), "{}", run.stdout);
    assert!(run.stdout.contains("rename it to `2_flyway.up.cypher`"), "{}", run.stdout);
}

#[test]
fn hash_lists_the_migrations_of_the_configured_layout() {
    let dir = project("[migrations]\ndir = \"db/migrations\"\nlayout = \"numbered\"\n");
    let migrations = dir.path().join("db/migrations");
    fs::write(migrations.join("0001_init.cypher"), "RETURN 1;\n").expect("write");
    fs::write(migrations.join("V2__flyway.cypher"), "RETURN 2;\n").expect("write");
    let run = cymig(dir.path(), &["hash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "wrote [TMP]/db/migrations/cymig.sum (1 file)\n");
    // What lint reads as the set matches the sum: no edited-migration finding.
    let run = cymig(dir.path(), &["lint", "--format", "json", "db/migrations"]);
    assert!(!run.stdout.contains("edited-migration"), "{}", run.stdout);
}

/// `cymig up --config relaxed.toml` lints with that file, not with the `cymig.toml` found by
/// searching (which blocks the removed `exists()` here). It gets past the lint to the password,
/// which is missing: exit 2 before any connection.
#[test]
fn up_lints_with_the_configuration_it_was_given() {
    let dir = project("migrations = \"db/migrations\"\n");
    fs::write(
        dir.path().join("relaxed.toml"),
        "migrations = \"db/migrations\"\n[lint]\nignore = [\"exists-function\"]\n",
    )
    .expect("write");
    let migration = "MATCH (p:Person) WHERE exists(p.name) SET p.named = true;\n";
    fs::write(dir.path().join("db/migrations/V1__named.cypher"), migration).expect("write");
    let blocked = cymig(dir.path(), &["up"]);
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    assert!(blocked.stderr.contains("the migrations have errors"), "{}", blocked.stderr);
    let relaxed = cymig(dir.path(), &["up", "--config", "relaxed.toml"]);
    assert!(!relaxed.stderr.contains("the migrations have errors"), "{}", relaxed.stderr);
    assert_eq!((relaxed.code, relaxed.stderr.contains("no password")), (2, true), "{}", relaxed.stderr);
}

/// Duration flags read `60s`, `5m`, `500ms` or seconds, as `cymig.toml` does; a bad one is a
/// usage error naming the flag.
#[test]
fn duration_flags_accept_units() {
    let dir = project("migrations = \"db/migrations\"\n");
    let good = cymig(
        dir.path(),
        &["up", "--lock-timeout", "60s", "--lock-lease", "5m", "--index-timeout", "90", "--progress-every", "500ms"],
    );
    assert_eq!((good.code, good.stderr.contains("no password")), (2, true), "{}", good.stderr);
    let bad = cymig(dir.path(), &["up", "--lock-timeout", "soon"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("invalid value 'soon' for '--lock-timeout <DURATION>'"), "{}", bad.stderr);
    assert!(bad.stderr.contains("write 60s, 5m, 1h, 500ms or a number of seconds"), "{}", bad.stderr);
}

/// Every option of every subcommand says what it does, and a command does not offer flags it
/// never reads.
#[test]
fn every_option_has_a_description_and_is_read() {
    use clap::CommandFactory;
    let cli = cymig::cli::Cli::command();
    let mut undescribed = Vec::new();
    for sub in cli.get_subcommands() {
        for arg in sub.get_arguments() {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                undescribed.push(format!("{} {}", sub.get_name(), arg.get_id()));
            }
        }
    }
    assert!(undescribed.is_empty(), "options without a description: {undescribed:?}");
    let flags = |name: &str| -> Vec<String> {
        let sub = cli.find_subcommand(name).expect("subcommand");
        sub.get_arguments().filter_map(|a| a.get_long().map(str::to_string)).collect()
    };
    for (command, unread) in [
        ("status", &["lock-timeout", "lock-lease", "index-timeout", "progress-every"][..]),
        ("validate", &["lock-timeout", "lock-lease", "index-timeout", "progress-every"]),
        ("unlock", &["lock-timeout", "lock-lease", "index-timeout", "progress-every"]),
        ("mark-applied", &["index-timeout", "progress-every"]),
        ("repair", &["index-timeout", "progress-every"]),
        ("baseline", &["index-timeout", "progress-every"]),
    ] {
        let offered = flags(command);
        for flag in unread {
            assert!(!offered.iter().any(|f| f == flag), "`cymig {command}` offers --{flag}, which it never reads");
        }
    }
    for command in ["up", "down", "retry", "verify"] {
        let offered = flags(command);
        for flag in ["lock-timeout", "lock-lease", "index-timeout", "progress-every"] {
            assert!(offered.iter().any(|f| f == flag), "`cymig {command}` lacks --{flag}");
        }
    }
}

/// Every command that reads `cymig.toml` takes the same configuration flags (one `ConfigFlags`),
/// so `--config x.toml`, `--no-config` and `--target` mean one thing everywhere.
#[test]
fn every_command_that_reads_the_configuration_takes_the_same_flags() {
    use clap::CommandFactory;
    let cli = cymig::cli::Cli::command();
    let reading = [
        "lint",
        "config",
        "hash",
        "plan",
        "derive-down",
        "status",
        "up",
        "down",
        "retry",
        "mark-applied",
        "repair",
        "validate",
        "baseline",
        "unlock",
        "verify",
        "server",
    ];
    for name in reading {
        let sub = cli.find_subcommand(name).expect("subcommand");
        let offered: Vec<&str> = sub.get_arguments().filter_map(|a| a.get_long()).collect();
        for flag in ["config", "no-config", "target", "edition", "select", "extend-select", "ignore", "migrations"] {
            assert!(offered.contains(&flag), "`cymig {name}` lacks --{flag}");
        }
    }
}

/// `cymig up --no-config` ignores the cymig.toml that would block it, as `lint --no-config` does.
#[test]
fn up_takes_no_config_like_lint() {
    let dir = project("migrations = \"db/migrations\"\n[lint.severity]\nunbatched-write = \"error\"\n");
    let migration = "MATCH (p:Person) WHERE p.flag IS NULL SET p.flag = true;\n";
    fs::write(dir.path().join("db/migrations/V1__flag.cypher"), migration).expect("write");
    let blocked = cymig(dir.path(), &["up", "db/migrations"]);
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    let unconfigured = cymig(dir.path(), &["up", "--no-config", "db/migrations"]);
    assert_eq!((unconfigured.code, unconfigured.stderr.contains("no password")), (2, true), "{}", unconfigured.stderr);
}

/// `lint.exclude` and `lint.extend-exclude` are globs of paths `cymig lint` does not read.
#[test]
fn lint_excludes_configured_globs() {
    let dir = project("[lint]\nexclude = [\"legacy\"]\nextend-exclude = [\"**/*.generated.cypher\"]\n");
    let m = dir.path().join("db/migrations");
    fs::create_dir_all(m.join("legacy")).expect("mkdir");
    fs::write(m.join("V1__a.cypher"), "MATCH (p:Person {id: 1}) RETURN p;\n").expect("write");
    fs::write(m.join("legacy/V0__old.cypher"), "MATCH (p:Person) WHERE exists(p.x) RETURN p;\n").expect("write");
    fs::write(m.join("V2__b.generated.cypher"), "MATCH (p:Person) WHERE exists(p.x) RETURN p;\n").expect("write");
    let run = cymig(dir.path(), &["lint", "db/migrations"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("(1 file checked)"), "{}", run.stdout);
    let bad = project("[lint]\nexclude = \"legacy\"\n");
    let run = cymig(bad.path(), &["lint", "db/migrations"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("lint_exclude_error", run.stderr);
}

/// `cymig unlock` lints nothing: a lint flag given to it is refused before any connection.
#[test]
fn unlock_refuses_lint_flags_it_would_ignore() {
    let dir = project("");
    let o = cymig(dir.path(), &["unlock", "--select", "CM001", "--target", "5"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("`cymig unlock` lints nothing: --target, --select have no effect on it; leave it out"),
        "{}",
        o.stderr
    );
}
