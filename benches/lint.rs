//! Linting versus parsing alone, over the repository's fixtures and a generated migration set.
//! The checker must stay within 2x of parsing: `cargo bench --bench lint` prints both; the
//! ratio is lint / parse on the same input.

use cymig::check::{self, LintOptions};
use std::path::Path;

fn main() {
    divan::main();
}

fn fixture_texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name().into_iter().flatten() {
        if entry.path().extension().is_some_and(|e| e == "cypher") {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                out.push((entry.path().to_string_lossy().into_owned(), text));
            }
        }
    }
    out
}

/// A typical migration file: schema first, then batched and unbatched data changes.
fn generated_texts(files: usize) -> Vec<(String, String)> {
    (0..files)
        .map(|i| {
            let text = format!(
                "// V{i}__generated.cypher\n\
                 CREATE CONSTRAINT thing_{i}_id IF NOT EXISTS FOR (t:Thing{i}) REQUIRE t.id IS UNIQUE;\n\
                 CREATE INDEX thing_{i}_name IF NOT EXISTS FOR (t:Thing{i}) ON (t.name);\n\
                 MATCH (t:Thing{i}) WHERE t.score IS NULL AND t.name STARTS WITH 'a'\n\
                 CALL (t) {{\n  SET t.score = coalesce(t.base, 0) * 2 + size([x IN t.tags WHERE x <> '' | x])\n}} IN TRANSACTIONS OF 1000 ROWS;\n\
                 UNWIND $rows AS row\n\
                 WITH row WHERE row.id IS NOT NULL\n\
                 MERGE (t:Thing{i} {{id: row.id}})\n\
                 ON CREATE SET t.name = row.name, t.createdAt = datetime()\n\
                 ON MATCH SET t.seen = t.seen + 1\n\
                 WITH t, row\n\
                 MATCH (o:Owner {{id: row.owner}})\n\
                 MERGE (t)-[:OWNED_BY]->(o)\n\
                 RETURN count(*) AS merged;\n\
                 MATCH (a:Thing{i})-[r:LINKS]->(b:Thing{i})\n\
                 WHERE NOT exists(a.flag) AND EXISTS {{ (b)-[:OWNED_BY]->(:Owner) }}\n\
                 SET r.weight = CASE WHEN a.score > b.score THEN 1 ELSE 0 END\n\
                 RETURN count(r);\n"
            );
            (format!("V{i}__generated.cypher"), text)
        })
        .collect()
}

fn inputs(which: &str) -> Vec<(String, String)> {
    match which {
        "fixtures" => fixture_texts(),
        _ => generated_texts(200),
    }
}

#[divan::bench(args = ["fixtures", "generated"])]
fn parse(bencher: divan::Bencher, which: &str) {
    let texts = inputs(which);
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        for (_, text) in &texts {
            divan::black_box(cymig::syntax::parse(divan::black_box(text)));
        }
    });
}

/// Parsing plus every rule, suppressions and severities (what `cymig lint` does per file).
#[divan::bench(args = ["fixtures", "generated"])]
fn lint(bencher: divan::Bencher, which: &str) {
    let texts = inputs(which);
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let options = LintOptions::default();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        for (path, text) in &texts {
            divan::black_box(check::lint_source(path, divan::black_box(text), &options));
        }
    });
}

/// The rules alone on already-parsed files: the checker's own cost.
#[divan::bench(args = ["fixtures", "generated"])]
fn rules_only(bencher: divan::Bencher, which: &str) {
    let parsed: Vec<_> =
        inputs(which).into_iter().map(|(path, text)| check::set::ParsedFile::parse(path.into(), text)).collect();
    let bytes: usize = parsed.iter().map(|p| p.source.text.len()).sum();
    let options = LintOptions::default();
    let catalog = cymig::schema::Catalog::default();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        for p in &parsed {
            let view = check::FileView {
                script: &p.script,
                directives: &p.directives,
                role: cymig::rules::FileRole::Standalone,
                catalog_before: &catalog,
                set_facts: Default::default(),
            };
            divan::black_box(check::lint_file(&p.source, &view, &options));
        }
    });
}

/// One migration file of `n` statements, the mix a large generated or hand-grown migration
/// holds: constraints and indexes, MERGE by key, MATCH … SET, CREATE, LOAD CSV and CALL IN
/// TRANSACTIONS, APOC batching. Every rule must stay linear in a file's statements: compare
/// the time per statement across sizes (`cargo bench --bench lint -- large_file`).
fn large_file(n: usize) -> String {
    let mut out = String::with_capacity(n * 80);
    for i in 0..n {
        let (label, key) = (format!("L{}", i % 50), i / 10);
        let stmt = match i % 10 {
            0 => format!("CREATE CONSTRAINT c_{i} IF NOT EXISTS FOR (n:{label}) REQUIRE n.k{key} IS UNIQUE;"),
            1 => format!("CREATE INDEX i_{i} IF NOT EXISTS FOR (n:{label}) ON (n.p{i});"),
            2 | 3 => format!("MERGE (n:{label} {{k{key}: $id}}) ON CREATE SET n.created = datetime();"),
            4 => format!("MATCH (n:{label}) WHERE n.flag = {i} SET n.done = true;"),
            5 => format!("CREATE (:{label} {{id: {i}, name: 'x{i}'}});"),
            6 => format!("LOAD CSV WITH HEADERS FROM 'file:///f{i}.csv' AS row CALL (row) {{ MERGE (n:{label} {{id: row.id}}) SET n.v = row.v }} IN TRANSACTIONS OF 1000 ROWS;"),
            7 => format!("MATCH (a:{label} {{id: $a}}), (b:{label} {{id: $b}}) MERGE (a)-[:R{}]->(b);", i % 7),
            8 => format!("MATCH (n:{label}) WHERE n.score IS NULL CALL (n) {{ SET n.score = 0 }} IN TRANSACTIONS OF 500 ROWS;"),
            _ => format!("CALL apoc.periodic.iterate('MATCH (n:{label}) RETURN n', 'SET n.x = {i}', {{batchSize: 1000}});"),
        };
        out.push_str(&stmt);
        out.push('\n');
    }
    out
}

#[divan::bench(args = [10_000, 50_000, 100_000], sample_count = 2, sample_size = 1)]
fn large_file_parse(bencher: divan::Bencher, n: usize) {
    let text = large_file(n);
    bencher.counter(divan::counter::ItemsCount::new(n)).bench(|| divan::black_box(cymig::syntax::parse(&text)));
}

#[divan::bench(args = [10_000, 50_000, 100_000], sample_count = 2, sample_size = 1)]
fn large_file_lint(bencher: divan::Bencher, n: usize) {
    let text = large_file(n);
    let options = LintOptions::default();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| divan::black_box(check::lint_source("V1__large.cypher", &text, &options)));
}

/// One statement of `n` MATCH clauses, each binding a node joined to the one before (a generated
/// import query). The scope before each clause grows with it, so the semantic model must share
/// it, not copy it per clause: compare the time per clause across sizes
/// (`cargo bench --bench lint -- long_statement`).
fn long_statement(n: usize) -> String {
    let mut out = String::from("MATCH (n0:L {id: 0})\n");
    for i in 1..n {
        out.push_str(&format!("MATCH (n{i}:L {{id: {i}}})<-[:R]-(n{})\n", i - 1));
    }
    out.push_str("SET n0.done = true;\n");
    out
}

#[divan::bench(args = [1_000, 4_000, 16_000], sample_count = 2, sample_size = 1)]
fn long_statement_lint(bencher: divan::Bencher, n: usize) {
    let text = long_statement(n);
    let options = LintOptions::default();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| divan::black_box(check::lint_source("V1__long.cypher", &text, &options)));
}

/// A directory of `n` one-line Flyway migrations (`V<i>__bench.cypher`: `CREATE (:Bench {i: <i>})`),
/// planned whole: every migration's down is derived against the ones before it, so the plan
/// must stay linear in the set's size (it was cubic: an index over the model's migrations
/// answers what a scan of the earlier ones did). Compare the time per migration across sizes
/// (`cargo bench --bench lint -- plan_set`).
#[divan::bench(args = [500, 2_000, 8_000], sample_count = 2, sample_size = 1)]
fn plan_set(bencher: divan::Bencher, n: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for i in 1..=n {
        let file = dir.path().join(format!("V{i}__bench.cypher"));
        std::fs::write(file, format!("CREATE (:Bench {{i: {i}}});\n")).expect("a migration written");
    }
    bench_plan_of(bencher, dir.path(), n);
}

/// Times planning the set in `dir`, `n` items (migrations or versions) per plan.
fn bench_plan_of(bencher: divan::Bencher, dir: &std::path::Path, n: usize) {
    let sets = cymig::migration::load_paths(&[dir.to_path_buf()], None).expect("the set loads");
    let options = cymig::plan::PlanOptions::default();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| divan::black_box(cymig::plan::compile(&sets[0], &options)));
}

/// A directory of `n` versions, each two files whose preconditions exclude each other
/// (`// assume that edition is community` / `… enterprise`: neo4j-migrations alternatives),
/// planned whole: each alternative's down is derived against the migrations before its place,
/// so the time per version must stay flat across sizes (a copy of the set replayed per
/// alternative made it quadratic: 400 versions took 2.5 s). `cargo bench --bench lint -- plan_alternatives`.
#[divan::bench(args = [250, 1_000, 4_000], sample_count = 2, sample_size = 1)]
fn plan_alternatives(bencher: divan::Bencher, n: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for i in 1..=n {
        for edition in ["community", "enterprise"] {
            let file = dir.path().join(format!("V{i}__{edition}.cypher"));
            let text = format!(
                "// assume that edition is {edition}\nCREATE INDEX {edition}_{i} IF NOT EXISTS FOR (n:L{i}) ON (n.p);\n"
            );
            std::fs::write(file, text).expect("a migration written");
        }
    }
    bench_plan_of(bencher, dir.path(), n);
}

/// A directory of `n` one-index Flyway migrations (`CREATE INDEX i_<i> … FOR (n:L<i>) ON (n.p)`),
/// its plan rendered as the HTML page (without lint findings): each migration's card shows what
/// it added and dropped, the whole schema is listed once, so the page and its time must stay
/// linear in the set (the whole schema after every migration made both quadratic: 8,000
/// migrations, 1.75 GB). `cargo bench --bench lint -- plan_html`.
#[divan::bench(args = [500, 2_000, 8_000], sample_count = 2, sample_size = 1)]
fn plan_html(bencher: divan::Bencher, n: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for i in 1..=n {
        let file = dir.path().join(format!("V{i}__bench.cypher"));
        std::fs::write(file, format!("CREATE INDEX i_{i} IF NOT EXISTS FOR (n:L{i}) ON (n.p);\n"))
            .expect("a migration written");
    }
    let sets = cymig::migration::load_paths(&[dir.path().to_path_buf()], None).expect("the set loads");
    let plan = cymig::plan::compile(&sets[0], &cymig::plan::PlanOptions::default());
    let options = cymig::report::ReportOptions::default();
    bencher.counter(divan::counter::ItemsCount::new(n)).bench(|| {
        divan::black_box(cymig::plan::html::page(dir.path(), "flyway", &sets[0], &plan, &[], &options).len())
    });
}

/// An up of `n` statement pairs and its hand-written down, compared statement by statement (the
/// `down-mismatch` rule, `derive-down --check`): each up effect looks its undoing up in the
/// down by label and property, so the time per statement must stay flat across sizes (a scan of
/// the whole down per effect made 8,000 pairs take 5.5 s).
/// `cargo bench --bench lint -- down_compare`.
#[divan::bench(args = [1_000, 4_000, 16_000], sample_count = 2, sample_size = 1)]
fn down_compare(bencher: divan::Bencher, n: usize) {
    let (mut up, mut down) = (String::new(), String::new());
    for i in 0..n {
        let label = format!("L{}", i % 50);
        up.push_str(&format!("MATCH (n:{label} {{k: {i}}}) SET n.p{i} = {i};\nCREATE (:C{label} {{k: {i}}});\n"));
        down.push_str(&format!(
            "MATCH (n:{label} {{k: {i}}}) REMOVE n.p{i};\nMATCH (c:C{label} {{k: {i}}}) DETACH DELETE c;\n"
        ));
    }
    let (up_script, down_script) = (cymig::syntax::parse(&up), cymig::syntax::parse(&down));
    let up_side =
        cymig::undo::compare::Script { statements: &up_script.statements, text: &up, comments: &up_script.comments };
    let down_side = cymig::undo::compare::Script {
        statements: &down_script.statements,
        text: &down,
        comments: &down_script.comments,
    };
    let history = cymig::undo::compare::History::default();
    bencher.counter(divan::counter::ItemsCount::new(2 * n)).bench(|| {
        divan::black_box(cymig::undo::compare::compare_scripts(&up_side, &down_side, &history).findings.len())
    });
}
