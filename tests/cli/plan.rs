//! Transaction plans: a mixed schema+data migration, batched migrations, and index-then-data
//! migrations, snapshotted as text (the Markdown table) and as JSON (the documented shape).

use cymig::migration::{MigrationSet, Version};
use cymig::plan::{compile, output, PlanOptions, StatementClass, TransactionMode};
use std::path::Path;

fn plan_of(dir: &str, options: &PlanOptions) -> cymig::plan::Plan {
    let set = MigrationSet::load(Path::new(dir)).expect("fixture set loads");
    for m in &set.migrations {
        assert!(m.up.script.errors.is_empty(), "{} parses: {:?}", m.up.path().display(), m.up.script.errors);
    }
    compile(&set, options)
}

fn snapshot(dir: &str, name: &str) {
    let plan = plan_of(dir, &PlanOptions::default());
    insta::assert_snapshot!(format!("{name}_text"), output::text(&plan));
    insta::assert_snapshot!(format!("{name}_json"), output::json(&plan));
}

#[test]
fn mixed_migration() {
    snapshot("fixtures/plan/mixed", "mixed");
}

#[test]
fn batched_migration() {
    snapshot("fixtures/plan/batched", "batched");
}

#[test]
fn index_then_data_migrations() {
    snapshot("fixtures/plan/index-then-data", "index_then_data");
}

/// The rules themselves, independent of the snapshots.
#[test]
fn schema_never_shares_a_transaction_with_data_and_batches_run_alone() {
    for dir in ["fixtures/plan/mixed", "fixtures/plan/batched", "fixtures/plan/index-then-data", "fixtures/seed-002"] {
        let plan = plan_of(dir, &PlanOptions::default());
        for m in &plan.migrations {
            for step in &m.steps {
                let kinds: Vec<StatementClass> = step.statements.iter().map(|s| s.kind).collect();
                if kinds.contains(&StatementClass::Schema) {
                    assert_eq!(kinds.len(), 1, "{dir}: a schema statement runs alone");
                    assert_eq!(step.transaction, TransactionMode::AutoCommit);
                }
                let batched = step.statements.iter().any(|s| {
                    let t = s.text.to_ascii_uppercase();
                    t.contains("IN TRANSACTIONS") || t.contains("APOC.PERIODIC.ITERATE")
                });
                if batched {
                    assert_eq!(step.statements.len(), 1, "{dir}: a batched statement runs alone");
                    assert_eq!(step.transaction, TransactionMode::AutoCommit);
                }
                if step.transaction == TransactionMode::Explicit {
                    assert!(kinds.iter().all(|k| matches!(k, StatementClass::Data | StatementClass::Read)));
                }
            }
            assert_eq!(m.checksum.len(), 64, "sha256 hex");
        }
    }
}

#[test]
fn index_creation_is_awaited_before_later_steps() {
    let plan = plan_of("fixtures/plan/index-then-data", &PlanOptions::default());
    let v1 = &plan.migrations[0];
    let awaited: Vec<&String> = v1.steps.iter().flat_map(|s| &s.await_indexes).collect();
    assert_eq!(awaited, vec!["product_code", "supplier_id"]);
    // Awaited on the last schema step, before the data step that uses them.
    assert_eq!(v1.steps[1].await_indexes.len(), 2);
    assert_eq!(v1.steps[2].transaction, TransactionMode::Explicit);
}

#[test]
fn from_and_to_select_versions_inclusively() {
    let v = |s: &str| Some(Version::parse(s).unwrap());
    let plan = plan_of("fixtures/seed-002", &PlanOptions { from: v("3"), to: v("5") });
    let versions: Vec<&str> = plan.migrations.iter().map(|m| m.version_text().unwrap()).collect();
    assert_eq!(versions, vec!["3", "4", "5"]);
}

#[test]
fn checksum_is_sha256_of_the_file_bytes() {
    use sha2::Digest;
    let plan = plan_of("fixtures/plan/mixed", &PlanOptions::default());
    let bytes = std::fs::read(&plan.migrations[0].file).unwrap();
    let expected: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(plan.migrations[0].checksum, expected);
}

/// Statements after `:use <db>` run in that database (cypher-shell, neo4j-migrations): each step
/// names its database (`:use neo4j` returns to the configured one), the plan shows it, and a
/// derived down switches databases with `:use` where the up did. Nothing is left unsupported.
#[test]
fn use_statements_route_steps_and_placeholders_are_listed() {
    let plan = plan_of("fixtures/layouts/use-database", &PlanOptions::default());
    assert!(plan.migrations.iter().all(|m| m.unsupported.is_none()), "{:?}", plan.migrations[0].unsupported);
    let databases: Vec<Vec<Option<&str>>> =
        plan.migrations.iter().map(|m| m.steps.iter().map(|s| s.database.as_deref()).collect()).collect();
    assert_eq!(databases, [vec![Some("system"), Some("foo"), None], vec![Some("foo")], vec![None]]);
    let down = plan.migrations[1].down.as_ref().expect("V2's MERGE has a derived down");
    assert_eq!(down.steps.iter().map(|s| s.database.as_deref()).collect::<Vec<_>>(), [Some("foo")]);
    insta::assert_snapshot!("use_database_plan", format!("{}\n{}", output::text(&plan), down.text));
    // (That fixture keeps one real syntax error, which `up` would report before planning.)
    let set = MigrationSet::load(Path::new("fixtures/layouts/placeholders")).expect("fixture set loads");
    let placeholders = compile(&set, &PlanOptions::default());
    // Placeholders are listed with their places; `up` replaces them from the configuration and
    // refuses one in code that has no value (src/exec/placeholders.rs).
    let first = &placeholders.migrations[0].placeholders[0];
    assert!(first.at.ends_with("V1__schema.cypher:3:19") && first.name == "name" && first.in_code, "{first:?}");
}

/// An empty or comment-only down script is planned as no down script: the migration is then
/// derived or irreversible, never "rolled back" by running nothing.
#[test]
fn an_empty_down_script_is_no_down_script() {
    let set = MigrationSet::load(Path::new("fixtures/rules/irreversible")).expect("fixture set loads");
    let plan = compile(&set, &PlanOptions::default());
    let down_of = |v: &str| plan.migrations.iter().find(|m| m.version_text() == Some(v)).unwrap().down.clone();
    assert!(down_of("4").is_some_and(|d| d.explicit), "U4 holds a statement");
    assert!(down_of("6").is_none(), "U6 holds only a comment and DETACH DELETE cannot be derived");
    assert!(down_of("8").is_none(), "U8 is empty");
}

/// `cymig plan --format html` as a reviewer receives it: the bytes of the page (the version in
/// the generator tag redacted), run from the repository root so paths are relative.
fn plan_html(dir: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["plan", dir, "--format", "html"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run cymig");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 page")
}

fn redact_version(page: &str) -> String {
    page.replace(&format!("content=\"cymig {}\"", env!("CARGO_PKG_VERSION")), "content=\"cymig [version]\"")
}

#[test]
fn html_plan_shows_steps_schema_downs_and_findings() {
    let page = plan_html("fixtures/plan/report");
    for expected in [
        "down: derived, exact",
        "down: derived, exact under assumptions",
        "down: refused",
        "down: hand-written",
        "auto-commit",
        "explicit transaction",
        "require-if-not-exists",
        "&lt;script&gt;alert(&quot;not run&quot;)&lt;/script&gt; &amp; more",
    ] {
        assert!(page.contains(expected), "missing {expected:?}");
    }
    assert!(!page.contains("<script"), "the page runs no script, and a statement's text never becomes one");
    assert!(!page.contains("http://") && !page.contains("https://"), "self-contained: nothing is fetched");
    insta::assert_snapshot!("report_html", redact_version(&page));
}

/// The page in a real browser: Debian's Chromium renders it headless without a console message,
/// and the screenshot lands in `target/screenshots/` for a human to look at.
#[test]
fn html_plan_renders_in_headless_chromium() {
    let browser = std::env::var("CYMIG_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&browser).exists() {
        eprintln!("SKIPPED html_plan_renders_in_headless_chromium: no Chromium at {browser} (set CYMIG_CHROMIUM)");
        return;
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&target).unwrap();
    let page = target.join("plan.html");
    std::fs::write(&page, plan_html("fixtures/plan/report")).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let chromium = |extra: &[&str]| {
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--enable-logging=stderr".into(),
            "--v=0".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(format!("file://{}", page.display()));
        std::process::Command::new(&browser).args(&args).output().expect("run chromium")
    };
    let shot = target.join("plan.png");
    let _ = std::fs::remove_file(&shot);
    let rendered = chromium(&["--window-size=1280,2400", &format!("--screenshot={}", shot.display())]);
    let log = String::from_utf8_lossy(&rendered.stderr);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&shot).unwrap_or_else(|_| panic!("no screenshot; chromium said:\n{log}"));
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "a rendered page, not a blank one");
    let dom = chromium(&["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("V3 · drop_legacy") && dom.contains("down: refused"), "{dom}");
    eprintln!("screenshot: {}", shot.display());
}

/// Alternative files of one version are planned with it, each with its own derived down, even
/// where their statements stand at the same places in the files.
#[test]
fn alternatives_of_a_version_are_planned_each_with_its_own_down() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("V1__a.cypher", "// assume q' RETURN 1 = 0\nCREATE INDEX a_idx IF NOT EXISTS FOR (n:A) ON (n.x);\n");
    write("V1__b.cypher", "// assume q' RETURN 1 = 1\nCREATE INDEX b_idx IF NOT EXISTS FOR (n:B) ON (n.x);\n");
    let plan = plan_of(dir.path().to_str().unwrap(), &PlanOptions::default());
    assert_eq!(plan.migrations.len(), 1);
    let (a, b) = (&plan.migrations[0], &plan.migrations[0].alternatives[0]);
    assert!(a.file.ends_with("V1__a.cypher") && b.file.ends_with("V1__b.cypher"), "{:?} {:?}", a.file, b.file);
    let down = |m: &cymig::plan::MigrationPlan| m.down.as_ref().map(|d| d.text.clone()).unwrap_or_default();
    assert!(down(a).contains("DROP INDEX a_idx IF EXISTS") && !down(a).contains("b_idx"), "{}", down(a));
    assert!(down(b).contains("DROP INDEX b_idx IF EXISTS") && !down(b).contains("a_idx"), "{}", down(b));
}
