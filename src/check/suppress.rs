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
                let scope = if file_wide { Some(Span::new(0, usize::MAX)) } else { target_statement(script, d.span.end) };
                if rules.is_empty() {
                    findings.push(META.diagnostic(d.span, "suppression names no rule").help_owned(
                        "write `cymig:ignore <rule>[, <rule>] -- <reason>`; `cymig rule --list` lists the rules",
                    ));
                }
                for (name, span) in rules {
                    let Some(rule) = registry::by_name(name) else {
                        findings.push(
                            META.diagnostic(*span, format!("unknown rule `{name}` in suppression"))
                                .help_owned("`cymig rule --list` lists the rules"),
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
            DirectiveKind::Unknown { text } => {
                let word = text.split_whitespace().next().unwrap_or("");
                findings.push(
                    META.diagnostic(d.span, format!("unknown directive `cymig:{word}`"))
                        .help_owned("known directives: `cymig:ignore`, `cymig:ignore-file`, `cymig:irreversible`"),
                );
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    findings
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
