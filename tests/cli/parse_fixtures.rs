//! Snapshots of the typed AST (compact: spans dropped, names shown as 'value') and of the
//! syntax errors (line:col and message) for every fixture in fixtures/parse/, plus a check
//! that every name's span points at that name in the source.

use cymig::source::SourceFile;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/parse");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures/parse exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cypher"))
        .collect();
    files.sort();
    files
}

/// `{span, value}` -> `'value'`, `{span, kind}` -> kind; spans, nulls, empty lists and false
/// flags are dropped.
fn compact(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            if map.len() == 2 && map.contains_key("span") {
                if let Some(Value::String(s)) = map.get("value") {
                    return format!("'{s}'");
                }
                if let Some(kind) = map.get("kind") {
                    return compact(kind);
                }
            }
            let fields: Vec<String> = map
                .iter()
                .filter(|(k, v)| {
                    k.as_str() != "span"
                        && !matches!(v, Value::Null | Value::Bool(false))
                        && !matches!(v, Value::Array(a) if a.is_empty())
                })
                .map(|(k, v)| format!("{k}: {}", compact(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Array(items) => {
            // Enum tuple variants such as `Or(span, [...])` serialise as arrays led by a span.
            let shown: Vec<String> = items.iter().filter(|i| !is_span(i)).map(compact).collect();
            format!("[{}]", shown.join(", "))
        }
        other => other.to_string(),
    }
}

fn is_span(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 2 && m.contains_key("start") && m.contains_key("end"))
}

/// Every `{span, value}` name must cover its own text (backticks unescaped; string literals,
/// which share the shape, are skipped).
fn check_name_spans(v: &Value, text: &str, problems: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let (Some(Value::Object(span)), Some(Value::String(value)), 2) =
                (map.get("span"), map.get("value"), map.len())
            {
                let start = span["start"].as_u64().unwrap_or(0) as usize;
                let end = span["end"].as_u64().unwrap_or(0) as usize;
                let written = text.get(start..end).unwrap_or("<out of range>");
                let unquoted = if written.starts_with('`') && written.len() >= 2 {
                    written[1..written.len() - 1].replace("``", "`")
                } else {
                    written.to_string()
                };
                let is_string_literal = written.starts_with(['\'', '"']);
                if unquoted != *value && !value.is_empty() && !is_string_literal {
                    problems.push(format!("name {value:?} has span text {written:?}"));
                }
            }
            map.values().for_each(|c| check_name_spans(c, text, problems));
        }
        Value::Array(items) => items.iter().for_each(|c| check_name_spans(c, text, problems)),
        _ => {}
    }
}

fn render(path: &PathBuf) -> String {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let source = SourceFile::new(path.clone(), text.clone());
    let script = cymig::syntax::parse(&text);
    let mut out = String::new();
    let mut problems = Vec::new();
    for statement in &script.statements {
        let written: String =
            text[statement.span.start..statement.span.end].split_whitespace().collect::<Vec<_>>().join(" ");
        let (start, end) = source.span_line_cols(statement.span);
        out.push_str(&format!("── {}:{}-{}:{} {}\n", start.line, start.column, end.line, end.column, written));
        let json = serde_json::to_value(statement).expect("AST serialises");
        check_name_spans(&json, &text, &mut problems);
        let mut shown = serde_json::Map::new();
        if let Value::Object(map) = json {
            for key in ["prefixes", "kind"] {
                if let Some(v) = map.get(key) {
                    shown.insert(key.to_string(), v.clone());
                }
            }
        }
        out.push_str(&compact(&Value::Object(shown)));
        out.push_str("\n\n");
    }
    for error in &script.errors {
        let (start, end) = source.span_line_cols(error.span);
        out.push_str(&format!("error {}:{}-{}:{} {}\n", start.line, start.column, end.line, end.column, error.message));
    }
    for comment in &script.comments {
        out.push_str(&format!("comment {:?} {:?}\n", comment.kind, comment.text));
    }
    assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    out
}

#[test]
fn parse_fixtures_snapshots() {
    for path in fixtures() {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("fixture").to_string();
        let rendered = render(&path);
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("parse", rendered);
        });
    }
}
