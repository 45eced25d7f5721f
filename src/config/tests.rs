use super::read::uri_has_password;
use super::*;

fn parse(text: &str) -> Result<Config> {
    Config::from_toml(text, Path::new("/repo/cymig.toml"))
}

fn error(text: &str) -> String {
    match parse(text) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn full_example_is_read() {
    let config = parse(
        r#"
migrations = "db/migrations"
target = "4.4"
edition = "enterprise"

[lint]
select = ["require-if-not-exists", "unbatched-write"]
ignore = ["label-less-scan"]

[lint.per-path-ignores]
"legacy/**" = ["exists-function"]

[lint.severity]
cartesian-product = "error"
irreversible = "off"

[lint.batching]
default-batch-size = 2000
max-unbatched-rows = 500

[database]
uri = "neo4j+s://db.example.com"
user = "migrator"
database = "graph"
password-file = "secrets/neo4j"
lock-timeout = "2m"
lease = 90
connect-timeout = "3s"
request-timeout = 20

[hooks]
pre-up = "neo4j-admin database dump graph"
"#,
    )
    .expect("valid");
    assert_eq!(config.migrations, PathBuf::from("/repo/db/migrations"));
    assert_eq!(config.target, TargetVersion::V4_4);
    assert_eq!(config.edition, Edition::Enterprise);
    assert_eq!(config.lint.select, ["require-if-not-exists", "unbatched-write"]);
    assert_eq!(config.lint.ignore, ["label-less-scan"]);
    assert_eq!(
        config.lint.per_path_ignores,
        vec![PerPathIgnore { pattern: "legacy/**".into(), rules: vec!["exists-function".into()] }]
    );
    assert_eq!(config.lint.severity.get("cartesian-product"), Some(&RuleSeverity::Error));
    assert_eq!(config.lint.severity.get("irreversible"), Some(&RuleSeverity::Off));
    assert_eq!(config.lint.batching, Batching { default_batch_size: 2000, max_unbatched_rows: 500 });
    assert_eq!(config.database.uri, "neo4j+s://db.example.com");
    assert_eq!(config.database.user, "migrator");
    assert_eq!(config.database.database.as_deref(), Some("graph"));
    assert_eq!(config.database.password_file, Some(PathBuf::from("/repo/secrets/neo4j")));
    assert_eq!(config.database.lock_timeout, Duration::from_secs(120));
    assert_eq!(config.database.lease, Duration::from_secs(90));
    assert_eq!(config.database.connect_timeout, Duration::from_secs(3));
    assert_eq!(config.database.request_timeout, Duration::from_secs(20));
    assert_eq!(config.hooks.pre_up.as_deref(), Some("neo4j-admin database dump graph"));
    assert_eq!(config.origin("target"), Origin::File(PathBuf::from("/repo/cymig.toml")));
    assert_eq!(config.origin("lint.batching.default-batch-size"), config.origin("target"));
    let rules: Vec<&str> = config.rule_references.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        rules,
        [
            "require-if-not-exists",
            "unbatched-write",
            "label-less-scan",
            "exists-function",
            "cartesian-product",
            "irreversible"
        ]
    );
}

#[test]
fn an_empty_file_gives_the_defaults() {
    let config = parse("").expect("valid");
    assert_eq!(config.target, TargetVersion::V5);
    assert_eq!(config.edition, Edition::Community);
    assert_eq!(config.migrations, PathBuf::from("/repo/migrations"));
    assert_eq!(config.lint.batching, Batching::default());
    assert_eq!(config.origin("target"), Origin::Default);
}

#[test]
fn dotted_keys_and_inline_tables_work_like_tables() {
    let config = parse("lint.ignore = [\"a\"]\nlint.severity = { b = \"info\" }\n").expect("valid");
    assert_eq!(config.lint.ignore, ["a"]);
    assert_eq!(config.lint.severity.get("b"), Some(&RuleSeverity::Info));
}

#[test]
fn target_versions() {
    for (text, expected) in [
        ("\"4.4\"", TargetVersion::V4_4),
        ("4.4", TargetVersion::V4_4),
        ("\"5\"", TargetVersion::V5),
        ("5", TargetVersion::V5),
        ("\"5.26\"", TargetVersion::V5),
        ("\"2025\"", TargetVersion::V2025),
        ("2025.06", TargetVersion::V2025),
        ("\"2026.01\"", TargetVersion::V2025),
        ("\"25\"", TargetVersion::V2025),
    ] {
        let config = parse(&format!("target = {text}\n")).expect(text);
        assert_eq!(config.target, expected, "{text}");
    }
    assert_eq!(TargetVersion::V4_4.to_string(), "4.4");
    assert_eq!("2025".parse::<TargetVersion>(), Ok(TargetVersion::V2025));
    assert!(TargetVersion::V4_4 < TargetVersion::V5 && TargetVersion::V5 < TargetVersion::V2025);
    assert!(error("target = \"3.5\"\n").contains("line 1, column 10: `target` must be a Neo4j version"));
    assert!(error("target = true\n").contains("`target` must be a Neo4j version"));
}

#[test]
fn unknown_keys_name_the_key_its_position_and_the_valid_keys() {
    let message = error("target = \"5\"\n\n[lint]\nselect = []\nignor = [\"x\"]\n");
    assert_eq!(
        message,
        "/repo/cymig.toml: line 5, column 1: unknown key `ignor` in [lint]; valid keys: select, \
         ignore, per-path-ignores, severity, batching, exclude, extend-exclude, procedures (did you mean `ignore`?)"
    );
    let message = error("migration = \"m\"\n");
    assert!(message.contains("line 1, column 1: unknown key `migration` at the top level"), "{message}");
    assert!(message.contains("did you mean `migrations`?"), "{message}");
    assert!(error("[lint.batching]\nsize = 3\n").contains("unknown key `size` in [lint.batching]"));
}

#[test]
fn a_password_key_is_refused_without_echoing_it() {
    let message = error("[database]\nuser = \"neo4j\"\npassword = \"hunter2\"\n");
    assert!(message.starts_with("/repo/cymig.toml: line 3, column 1: `database.password` is not allowed"), "{message}");
    assert!(message.contains("NEO4J_PASSWORD") && message.contains("password-file"), "{message}");
    assert!(!message.contains("hunter2"));
    let message = error("[database]\nuri = \"bolt://neo4j:hunter2@localhost\"\n");
    assert!(message.contains("must not contain a password") && !message.contains("hunter2"), "{message}");
}

#[test]
fn syntax_errors_have_a_position_and_do_not_quote_the_line() {
    let message = error("[database]\npasword = \"hunter2\n");
    assert!(message.contains("invalid TOML"), "{message}");
    assert!(message.contains("line 2"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn type_errors_name_the_key() {
    assert!(error("[lint]\nselect = \"x\"\n")
        .contains("line 2, column 10: `lint.select` must be an array of rule names, found string"));
    assert!(error("[lint]\nselect = [1]\n").contains("`lint.select` must hold rule names"));
    assert!(error("[lint.severity]\nx = \"fatal\"\n").contains("`lint.severity.x` must be \"error\""));
    assert!(error("[lint.batching]\ndefault-batch-size = 0\n").contains("must be a positive integer"));
    assert!(error("[lint.batching]\nmax-unbatched-rows = 0\n").contains("must be a positive integer"));
    assert!(error("[database]\nconnect-timeout = 0\n").contains("must be more than zero"));
    assert!(error("[database]\nlease = \"soon\"\n").contains("`database.lease` must be a duration"));
    assert!(error("edition = \"pro\"\n").contains("`edition` must be"));
    assert!(error("lint = 3\n").contains("`lint` must be a table"));
}

#[test]
fn cli_overrides_win_and_are_recorded() {
    let mut config = parse("target = \"4.4\"\n[lint]\nselect = [\"a\"]\nignore = [\"b\"]\n").expect("valid");
    config.apply(&CliOverrides {
        target: Some(TargetVersion::V2025),
        extend_select: vec!["c".into()],
        ignore: vec!["d".into()],
        uri: Some("bolt://other:7687".into()),
        ..CliOverrides::default()
    });
    assert_eq!(config.target, TargetVersion::V2025);
    assert_eq!(config.origin("target"), Origin::Cli);
    assert_eq!(config.lint.select, ["a", "c"]);
    assert_eq!(config.lint.ignore, ["b", "d"]);
    assert_eq!(config.database.uri, "bolt://other:7687");
    assert_eq!(config.origin("database.uri"), Origin::Cli);
    assert_eq!(config.origin("edition"), Origin::Default);

    config.apply(&CliOverrides { select: vec!["z".into()], ..CliOverrides::default() });
    assert_eq!(config.lint.select, ["z"]);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
    assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
    assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
    assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
    assert_eq!(parse_duration("5 days"), None);
    assert_eq!(parse_duration(""), None);
    assert_eq!(format_duration(Duration::from_secs(300)), "5m");
    assert_eq!(format_duration(Duration::from_secs(90)), "90s");
    assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
}

#[test]
fn secrets_in_hook_commands_are_masked_for_display() {
    assert_eq!(
        redact_command("NEO4J_PASSWORD=hunter2 neo4j-admin dump --password hunter2 --token=abc --to-path=x"),
        "NEO4J_PASSWORD=*** neo4j-admin dump --password *** --token=*** --to-path=x"
    );
    assert_eq!(redact_command("neo4j-admin database dump neo4j"), "neo4j-admin database dump neo4j");
}

#[test]
fn uris_are_redacted_for_display() {
    assert_eq!(redact_uri("bolt://u:p@host:7687/db"), "bolt://***@host:7687/db");
    assert_eq!(redact_uri("bolt://host:7687"), "bolt://host:7687");
    assert!(uri_has_password("neo4j+s://u:p@h"));
    assert!(!uri_has_password("neo4j+s://u@h"));
}

#[test]
fn discovery_walks_up_and_the_first_file_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("a/b/c")).expect("mkdir");
    std::fs::write(root.join("cymig.toml"), "target = \"4.4\"\n").expect("write");
    std::fs::write(root.join("a/cymig.toml"), "target = \"2025\"\n").expect("write");
    std::fs::write(root.join("a/b/c/V1__x.cypher"), "").expect("write");
    assert_eq!(discover(&root.join("a/b/c/V1__x.cypher")), Some(root.join("a/cymig.toml")));
    assert_eq!(discover(&root.join("a/b")), Some(root.join("a/cymig.toml")));
    assert_eq!(discover(root), Some(root.join("cymig.toml")));

    let config = Config::load(&root.join("a/b/c"), &CliOverrides::default()).expect("load");
    assert_eq!(config.target, TargetVersion::V2025);
    assert_eq!(config.base_dir, root.join("a"));

    let explicit = CliOverrides { config: Some(root.join("cymig.toml")), ..CliOverrides::default() };
    assert_eq!(Config::load(&root.join("a/b/c"), &explicit).expect("load").target, TargetVersion::V4_4);

    let missing = CliOverrides { config: Some(root.join("nope.toml")), ..CliOverrides::default() };
    assert!(Config::load(root, &missing).is_err());

    let none = CliOverrides { no_config: true, ..CliOverrides::default() };
    assert_eq!(Config::load(&root.join("a"), &none).expect("load").target, TargetVersion::V5);
}

/// One table of keys: a file setting every key the reader accepts, each to a value other than
/// its default, changes what `config --show` prints for each of them, from the file; and
/// `config --show` prints nothing the table does not list.
#[test]
fn every_key_is_read_and_shown() {
    let config = parse(
        r#"
target = "2025"
edition = "enterprise"

[migrations]
dir = "db"
layout = "custom"
up = "V{version}__{description}.cypher"
down = "U{version}__{description}.cypher"
repeatable = "R__{description}.cypher"
callback = "afterMigrate__{description}.cypher"
placeholders = { env = "prod" }

[lint]
select = ["a"]
ignore = ["b"]
per-path-ignores = { "x/**" = ["c"] }
severity = { d = "info" }
batching = { default-batch-size = 1, max-unbatched-rows = 2 }
exclude = ["e"]
extend-exclude = ["f"]
procedures = ["my.proc(in :: INTEGER?) :: (out :: STRING?)"]

[database]
uri = "neo4j://other:7687"
user = "u"
database = "db"
password-file = "pw"
lock-timeout = "1s"
lease = "2s"
connect-timeout = "3s"
request-timeout = "4s"

[hooks]
pre-up = "true"
"#,
    )
    .expect("valid");
    let defaults = Config::defaults_in(PathBuf::from("/repo"));
    let shown = |c: &Config| -> Vec<(String, String)> {
        let text = |v: &ShownValue| match v {
            ShownValue::Str(s) => s.clone(),
            ShownValue::Int(n) => n.to_string(),
            ShownValue::List(items) => items.join(","),
            ShownValue::Unset => "(unset)".into(),
        };
        effective_settings(c).iter().map(|s| (keys::dotted(&s.table, &s.key), text(&s.value))).collect()
    };
    let before: BTreeMap<String, String> = shown(&defaults).into_iter().collect();
    let after = shown(&config);
    let mut settings = Vec::new();
    for key in keys::KEYS {
        let name = keys::dotted(key.table, key.name);
        match key.kind {
            keys::Kind::Setting { .. } => settings.push(name.clone()),
            keys::Kind::Map { show: Some(_), .. } => {
                settings.push(after.iter().find(|(k, _)| k.starts_with(&name)).expect(&name).0.clone())
            }
            _ => {}
        }
        if !matches!(key.kind, keys::Kind::Table { .. } | keys::Kind::Refused(_)) {
            assert_eq!(config.origin(&name), Origin::File(PathBuf::from("/repo/cymig.toml")), "{name} is read");
        }
    }
    let mut printed: Vec<String> = after.iter().map(|(k, _)| k.clone()).collect();
    printed.sort();
    settings.sort();
    assert_eq!(printed, settings, "config --show prints the settings of the table, each once");
    for (key, value) in &after {
        assert_ne!(before.get(key), Some(value), "{key}: reading it changes what is shown");
    }
    assert_eq!(config.placeholders.get("env").map(String::as_str), Some("prod"));
}

/// A malformed procedure signature is refused where it stops making sense, inside the string.
#[test]
fn a_malformed_procedure_signature_is_refused_at_its_position() {
    let err = parse("[lint]\nprocedures = [\n  \"my.proc(in INTEGER?) :: VOID\",\n]\n").expect_err("refused");
    let message = err.to_string();
    assert!(message.contains("line 3, column 15"), "{message}");
    assert!(message.contains("expected `::`"), "{message}");
    let err = parse("[lint]\nprocedures = [1]\n").expect_err("refused");
    assert!(err.to_string().contains("must hold procedure signatures"), "{err}");
    let ok =
        parse("[lint]\nprocedures = [\"a.b(x = 1 :: INTEGER?, y :: LIST? OF STRING?) :: VOID\"]\n").expect("valid");
    assert_eq!(ok.lint.procedures.len(), 1);
}
