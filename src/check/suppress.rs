//! Applies `cymig:ignore` / `cymig:ignore-file` directives to a file's findings, and reports the
//! directives themselves when they are unused, name unknown rules, or give no reason.

use crate::ast::Script;
use crate::diagnostic::Diagnostic;
use crate::migration::{Directive, DirectiveKind};
use crate::rules::{registry, unused_suppression::META};
use crate::span::Span;

/// Removes suppressed diagnostics; returns the `unused-suppression` findings.
/// `enabled(rule)` says whether a rule runs at all (suppressions of disabled rules are not
/// "unused").
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    directives: &[Directive],
    script: &Script,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for d in directives {
        match &d.kind {
            DirectiveKind::Ignore { rules, reason } | DirectiveKind::IgnoreFile { rules, reason } => {
                let file_wide = matches!(d.kind, DirectiveKind::IgnoreFile { .. });
                let scope =
                    if file_wide { Some(Span::new(0, usize::MAX)) } else { target_statement(script, d.span.end) };
                if rules.is_empty() {
                    findings.push(META.diagnostic(d.span, "suppression names no rule").help_owned(
                        "write `cymig:ignore <rule>[, <rule>] -- <reason>`; `cymig rule --list` lists the rules",
                    ));
                }
                for (name, span) in rules {
                    let Some(rule) = registry::by_name(name) else {
                        let help = match registry::suggestion(name).filter(|s| registry::by_name(s).is_some()) {
                            Some(close) => format!("did you mean `{close}`? `cymig rule --list` lists the rules"),
                            None => "`cymig rule --list` lists the rules".to_string(),
                        };
                        findings.push(
                            META.diagnostic(*span, format!("unknown rule `{name}` in suppression")).help_owned(&help),
                        );
                        continue;
                    };
                    let rule_name = rule.meta().name;
                    let before = diagnostics.len();
                    if let Some(scope) = scope {
                        diagnostics.retain(|x| !(x.rule == rule_name && in_scope(x.span, scope, file_wide)));
                    }
                    if diagnostics.len() == before && enabled(rule_name) && rule_name != META.name {
                        let what = if file_wide { "in this file" } else { "on the next statement" };
                        findings.push(
                            META.diagnostic(*span, format!("`{rule_name}` is suppressed but reports nothing {what}"))
                                .help_owned("remove the stale suppression"),
                        );
                    }
                }
                if reason.is_none() {
                    findings.push(
                        META.diagnostic(d.span, "suppression without a reason")
                            .help_owned("say why after `--`: `cymig:ignore <rule> -- <reason>`"),
                    );
                }
            }
            DirectiveKind::Irreversible { reason: None } => findings.push(
                META.diagnostic(d.span, "`cymig:irreversible` without a reason")
                    .help_owned("say why after `--`: `cymig:irreversible -- <reason>`"),
            ),
            DirectiveKind::Irreversible { .. } => {}
            DirectiveKind::Unknown { text } => findings.push(unknown_directive(d.span, text)),
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    findings
}

/// Every directive, as the help of an unknown one lists them.
const DIRECTIVES: [&str; 4] = ["ignore", "ignore-file", "irreversible", "verify"];

/// A directive cymig does not know (`cymig:ignroe`), or a known one written with arguments it
/// does not take (`cymig:verify now`).
fn unknown_directive(span: Span, text: &str) -> Diagnostic {
    let word = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().unwrap_or("");
    let known = DIRECTIVES.map(|d| format!("`cymig:{d}`")).join(", ");
    let (message, help) = match word {
        "verify" => (
            "`cymig:verify` takes no rule and no reason".to_string(),
            format!("write `// cymig:verify` alone; known directives: {known}"),
        ),
        "irreversible" => (
            "`cymig:irreversible` takes no rule, only a reason".to_string(),
            format!("write `cymig:irreversible -- <reason>`; known directives: {known}"),
        ),
        _ => {
            let close = crate::suggest::closest(word, DIRECTIVES)
                .map(|d| format!("did you mean `cymig:{d}`? "))
                .unwrap_or_default();
            (format!("unknown directive `cymig:{word}`"), format!("{close}known directives: {known}"))
        }
    };
    META.diagnostic(span, message).help_owned(&help)
}

/// The statement (or unparsable statement) a directive ending at `end` applies to.
fn target_statement(script: &Script, end: usize) -> Option<Span> {
    let parsed = script.statements.iter().map(|s| s.span);
    let broken = script.errors.iter().map(|e| e.statement_span);
    parsed.chain(broken).filter(|s| s.start >= end).min_by_key(|s| s.start)
}

fn in_scope(span: Span, scope: Span, file_wide: bool) -> bool {
    file_wide || (scope.start <= span.start && span.start <= scope.end)
}

impl Diagnostic {
    fn help_owned(mut self, help: &str) -> Diagnostic {
        self.help = Some(help.to_string());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{AdminCommand, Statement, StatementKind};
    use crate::check::directives::scan_comments;
    use crate::migration::directive;

    fn parse_directives(text: &str, _: &[()]) -> Vec<Directive> {
        directive::parse_directives(text, &scan_comments(text))
    }

    fn stmt(span: Span) -> Statement {
        Statement { span, prefixes: vec![], kind: StatementKind::Admin(AdminCommand { span, keywords: vec![] }) }
    }

    fn diag(rule: &str, at: usize) -> Diagnostic {
        registry::by_name(rule).unwrap().meta().diagnostic(Span::new(at, at + 1), "x")
    }

    #[test]
    fn ignore_applies_to_the_next_statement_only() {
        let text = "// cymig:ignore unbatched-write -- tiny\nAAAA;\nBBBB;\n";
        let script =
            Script { statements: vec![stmt(Span::new(40, 44)), stmt(Span::new(46, 50))], ..Default::default() };
        let directives = parse_directives(text, &[]);
        let mut ds = vec![diag("unbatched-write", 41), diag("unbatched-write", 47), diag("irreversible", 41)];
        let unused = apply(&mut ds, &directives, &script, &|_| true);
        assert!(unused.is_empty(), "{unused:?}");
        let left: Vec<_> = ds.iter().map(|d| (d.rule, d.span.start)).collect();
        assert_eq!(left, vec![("unbatched-write", 47), ("irreversible", 41)]);
    }

    #[test]
    fn stale_unknown_and_reasonless_suppressions_are_reported() {
        let text = "// cymig:ignore-file destructive-delete, nope\nAAAA;\n";
        let script = Script { statements: vec![stmt(Span::new(46, 50))], ..Default::default() };
        let directives = parse_directives(text, &[]);
        let mut ds = vec![];
        let found = apply(&mut ds, &directives, &script, &|_| true);
        let messages: Vec<_> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "`destructive-delete` is suppressed but reports nothing in this file",
                "unknown rule `nope` in suppression",
                "suppression without a reason"
            ]
        );
        // A suppression of a rule that is switched off is not "unused".
        let found = apply(&mut vec![], &directives, &script, &|r| r != "destructive-delete");
        assert_eq!(found.len(), 2);
    }
}
