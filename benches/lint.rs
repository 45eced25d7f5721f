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
