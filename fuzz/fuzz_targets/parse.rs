//! The parser on arbitrary input: it must not panic, hang or overflow the stack, and every span
//! it returns must lie inside the text on character boundaries (reporters slice with them).
#![no_main]

use cymig::ast::Script;
use cymig::check::FileResult;
use cymig::diagnostic::{Diagnostic, Severity};
use cymig::report::{self, ReportOptions};
use cymig::source::SourceFile;
use cymig::span::Span;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    // Arbitrary bytes as the CLI would see them after a lossy decode…
    let lossy = String::from_utf8_lossy(data);
    check(&lossy);
    // …and valid UTF-8 as it is.
    if let Ok(text) = std::str::from_utf8(data) {
        if text.len() != lossy.len() {
            check(text);
        }
    }
});

fn check(text: &str) {
    let script = cymig::syntax::parse(text);
    assert_spans_inside(text, &script);
    render_errors(text, &script);
}

fn assert_spans_inside(text: &str, script: &Script) {
    let inside = |span: Span| {
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end)
    };
    for statement in &script.statements {
        assert!(inside(statement.span), "statement span {:?} outside the text", statement.span);
    }
    for error in &script.errors {
        assert!(inside(error.span), "error span {:?} outside the text", error.span);
        assert!(inside(error.statement_span), "statement span {:?} outside the text", error.statement_span);
        assert!(!error.message.is_empty(), "empty syntax error message");
    }
    for comment in &script.comments {
        assert!(inside(comment.span), "comment span {:?} outside the text", comment.span);
    }
}

/// The text reporter slices the source with every span: it must cope with whatever the parser says.
fn render_errors(text: &str, script: &Script) {
    if script.errors.is_empty() {
        return;
    }
    let diagnostics = script
        .errors
        .iter()
        .map(|e| Diagnostic {
            rule: "syntax-error",
            code: "CM001",
            severity: Severity::Error,
            span: e.span,
            message: e.message.clone(),
            help: None,
            fix: None,
        })
        .collect();
    let results = [FileResult { source: Arc::new(SourceFile::new("fuzz.cypher", text)), diagnostics }];
    report::text(&results, &ReportOptions::default(), &mut std::io::sink()).expect("rendering to a sink");
}
