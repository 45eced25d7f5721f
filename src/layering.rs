//! The layering of `lib.rs`, enforced: every `crate::…` path in a module's code (comments aside)
//! names a module of its own layer or of one below it. A new dependency against the pipeline's
//! direction fails here, with the file that adds it.

use std::collections::BTreeSet;
use std::path::Path;

/// Bottom to top; modules in one layer may use each other.
const LAYERS: &[&[&str]] = &[
    &["span", "error", "suggest"],
    &["source", "diagnostic", "ast", "visit", "expr"],
    &["syntax"],
    // What Cypher means needs no files: the schema model reads the procedure table.
    &["semantic"],
    &["migration", "config", "schema"],
    &["undo"],
    &["rules"],
    &["check", "report"],
    &["derive"],
    &["plan"],
    &["exec"],
    &["cli", "server"],
];

/// Dependencies the layer order allows that the pipeline still forbids, and why.
const FORBIDDEN: &[(&str, &str, &str)] =
    &[("derive", "check", "derivation takes the checker as an argument (`derive::Checker`), never calls it back")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules that `code` names through `crate::` (also in `crate::{a, b::c}`).
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            used.extend(group.split(',').map(|part| ident(part.trim())).filter(|m| !m.is_empty()));
        } else {
            used.insert(ident(rest));
        }
    }
    used
}

/// The code of a file without its comment lines (doc links may point anywhere).
fn code_of(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&src).into_iter().filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if matches!(module, "lib" | "main" | "layering") {
            continue;
        }
        let Some(own) = layer_of(module) else {
            found.push(format!("src/{module}: not in LAYERS (give the new module its layer)"));
            continue;
        };
        let text = std::fs::read_to_string(path).expect("readable");
        for used in used_modules(&code_of(&text)) {
            let shown = relative.display();
            match layer_of(&used) {
                Some(layer) if layer > own => {
                    found.push(format!("src/{shown}: `{module}` uses `{used}`, a later layer"))
                }
                None => found.push(format!("src/{shown}: uses `crate::{used}`, which is in no layer")),
                _ => {}
            }
            if let Some((_, _, why)) = FORBIDDEN.iter().find(|(from, to, _)| *from == module && *to == used) {
                found.push(format!("src/{shown}: `{module}` uses `{used}`: {why}"));
            }
        }
    }
    found
}

#[test]
fn every_module_uses_only_its_own_layer_and_the_ones_below() {
    let found = violations();
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn the_scan_sees_grouped_and_qualified_paths_but_not_comments() {
    let code = code_of("use crate::{ast::X, exec};\n/// [`crate::cli`]\nlet n = crate::plan::compile(x); $crate::no;");
    let used: Vec<String> = used_modules(&code).into_iter().collect();
    assert_eq!(used, ["ast", "exec", "plan"]);
}
