//! No panic on any input: every TCK query (`../shared/tck/tck.jsonl`) that parses is run through
//! the schema model, down derivation and the plan compiler as a one-migration set; every derived
//! script must re-parse. Skips with a message when ../shared is absent (users' machines).

use cymig::derive::derive;
use cymig::schema::{ModelInput, SchemaModel};
use cymig::source::SourceFile;
use std::path::Path;

use crate::support::tck_path;

#[test]
fn derivation_never_panics_and_always_reparses_on_tck_queries() {
    let path = tck_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: {} not found (the TCK is only beside the clone in CI)", path.display());
        return;
    };
    let mut derived = 0;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some(query) = v["query"].as_str() else { continue };
        let script = cymig::syntax::parse(query);
        if !script.errors.is_empty() || script.statements.is_empty() {
            continue;
        }
        let source = SourceFile::new("V1__tck.cypher", query);
        let input = ModelInput {
            version: "1",
            path: Path::new("V1__tck.cypher"),
            text: query,
            statements: &script.statements,
            comments: &script.comments,
        };
        let model = SchemaModel::replay(&[input]);
        let down = derive(&model, "1", &source, &script.statements, &[], &cymig::check::findings_of);
        if let Some(rendered) = down.render() {
            let reparsed = cymig::syntax::parse(&rendered);
            assert!(
                reparsed.errors.is_empty(),
                "derived down of {query:?} does not re-parse:\n{rendered}\n{:?}",
                reparsed.errors
            );
            derived += 1;
        }
    }
    println!("{derived} TCK queries gave a derived down; all re-parse");
    assert!(derived > 100, "derived {derived} downs");
}
