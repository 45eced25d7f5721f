//! What reports may show of a file: the literals that set a password masked, in the source text
//! (excerpts, fix previews) and in the words of every finding (message, help, fix description).
//!
//! The source is masked with characters of the same UTF-8 length
//! ([`crate::config::mask_cypher_passwords`]), so every span, line and column a reporter
//! computes on the masked text is the one it would compute on the file. Findings keep the
//! positions of the file.

use crate::check::FileResult;
use crate::config::{mask_cypher_passwords, Secrets, TextKind};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// `results` as reports show them; borrowed when nothing in them is a password.
pub(crate) fn redacted(results: &[FileResult]) -> Cow<'_, [FileResult]> {
    let shown: Vec<Option<FileResult>> = results.iter().map(redacted_file).collect();
    if shown.iter().all(Option::is_none) {
        return Cow::Borrowed(results);
    }
    Cow::Owned(shown.into_iter().zip(results).map(|(shown, result)| shown.unwrap_or_else(|| result.clone())).collect())
}

/// `result` with its passwords masked, or `None` when it shows none.
fn redacted_file(result: &FileResult) -> Option<FileResult> {
    let kind = text_kind(result.source.path());
    let secrets = Secrets::of(&result.source.text, kind);
    if secrets.is_empty() && !result.diagnostics.iter().any(|d| words(d).any(|w| secrets.may_show_in(w))) {
        return None;
    }
    let diagnostics: Vec<Diagnostic> = result.diagnostics.iter().map(|d| for_report(&secrets, d)).collect();
    if secrets.is_empty() && diagnostics == result.diagnostics {
        return None;
    }
    let source = if secrets.is_empty() {
        result.source.clone()
    } else {
        let masked = mask_cypher_passwords(&result.source.text, kind);
        Arc::new(SourceFile::new(result.source.path.clone(), masked))
    };
    Some(FileResult { source, diagnostics })
}

/// Every text of a finding that may quote its file.
fn words(d: &Diagnostic) -> impl Iterator<Item = &str> {
    let fix = d
        .fix
        .iter()
        .flat_map(|f| std::iter::once(f.message.as_str()).chain(f.edits.iter().map(|e| e.replacement.as_str())));
    std::iter::once(d.message.as_str()).chain(d.help.as_deref()).chain(fix)
}

/// How a file's text is read for passwords: an XML changelog's quotes are not Cypher's.
pub fn text_kind(path: &Path) -> TextKind {
    match path.extension() {
        Some(ext) if ext.eq_ignore_ascii_case("xml") => TextKind::Other,
        _ => TextKind::Cypher,
    }
}

/// A finding's words with the passwords of its file (`secrets`) masked; its edits untouched
/// (an editor applies them to the file itself).
pub fn redact_words(secrets: &Secrets, d: &Diagnostic) -> Diagnostic {
    let mut shown = d.clone();
    shown.message = secrets.redact(&d.message);
    shown.help = d.help.as_deref().map(|help| secrets.redact(help));
    if let Some(fix) = &mut shown.fix {
        fix.message = secrets.redact(&fix.message);
    }
    shown
}

/// A finding as a report shows it: also without a fix that writes a password out. A report's
/// fix is applied from the report (a reviewdog suggestion, a SARIF fix), where a masked one
/// would replace the password by the mask; `--fix` still applies it.
fn for_report(secrets: &Secrets, d: &Diagnostic) -> Diagnostic {
    let mut shown = redact_words(secrets, d);
    let writes_password =
        |edits: &[crate::diagnostic::Edit]| edits.iter().any(|e| secrets.redact(&e.replacement) != e.replacement);
    if shown.fix.as_ref().is_some_and(|fix| writes_password(&fix.edits)) {
        shown.fix = None;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::super::{write_report, Format, ReportOptions};
    use super::*;
    use crate::diagnostic::{Applicability, Edit, Fix, Severity};
    use crate::span::Span;
    use clap::ValueEnum;

    const TEXT: &str = "CREATE USER alice SET PASSWORD 'hunter2' CHANGE NOT REQUIRED;\nRETURN 1;\n";

    fn finding(message: &str, replacement: &str) -> Diagnostic {
        let statement = Span::new(0, TEXT.find(';').unwrap());
        Diagnostic {
            rule: "some-rule",
            code: "CM999",
            severity: Severity::Warning,
            span: statement,
            message: message.to_string(),
            help: Some("was `'hunter2'` meant?".to_string()),
            fix: Some(Fix {
                message: "rewrite".to_string(),
                edits: vec![Edit::replace(statement, replacement)],
                applicability: Applicability::Safe,
            }),
        }
    }

    fn results() -> Vec<FileResult> {
        let source = Arc::new(SourceFile::new("V1__users.cypher", TEXT));
        let diagnostics = vec![
            finding("`'hunter2' CHANGE NOT REQUIRED` quotes the password", "CREATE USER alice IF NOT EXISTS"),
            finding("a fix that writes the statement again", &format!("{} IF NOT EXISTS", &TEXT[..60])),
        ];
        vec![FileResult { source, diagnostics }]
    }

    #[test]
    fn no_format_shows_a_password() {
        for format in Format::value_variants() {
            let mut out = Vec::new();
            write_report(*format, &results(), &ReportOptions::default(), &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert!(out.contains("V1__users.cypher"), "{format:?}: {out}");
            assert!(!out.contains("hunter2"), "{format:?}: {out}");
        }
    }

    #[test]
    fn only_a_fix_that_writes_a_password_is_dropped() {
        let shown = redacted(&results()).into_owned();
        assert_eq!(shown[0].source.text, TEXT.replace("hunter2", "*******"));
        assert_eq!(shown[0].diagnostics[0].message, "`'***' CHANGE NOT REQUIRED` quotes the password");
        assert_eq!(shown[0].diagnostics[0].help.as_deref(), Some("was `'***'` meant?"));
        assert!(shown[0].diagnostics[0].fix.is_some());
        assert!(shown[0].diagnostics[1].fix.is_none());
    }

    #[test]
    fn results_without_passwords_are_not_copied() {
        let source = Arc::new(SourceFile::new("V2__x.cypher", "RETURN 'password';\n"));
        let results = [FileResult { source, diagnostics: vec![] }];
        assert!(matches!(redacted(&results), Cow::Borrowed(_)));
    }
}
