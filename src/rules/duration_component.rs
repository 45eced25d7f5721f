use super::*;
use crate::ast::ExprKind;
use crate::diagnostic::Edit;

pub struct DurationComponent;

pub static META: RuleMeta = RuleMeta {
    summary: "`duration.between(a, b).days` is a component, not the total number of days",
    docs: r#"## What it does
Flags reading a day or time unit (`.days`, `.weeks`, `.hours`, `.minutes`, `.seconds`,
`.milliseconds`, …) straight off `duration.between(…)`, `duration.inMonths(…)` or
`duration.inDays(…)`.

## Why it matters
A Neo4j duration keeps months, days and seconds apart. `duration.between(a, b)` puts whole
months in the months part, so `.days` only counts the days left over after them: a deadline
a year and two days away has `.days = 2`, and a "due within 30 days" rule flags it. Worse,
`duration.inMonths(a, b).days` and `duration.inDays(a, b).hours` are always 0. The migration
runs without an error and writes wrong data.

## Example
```cypher
MATCH (p:Project)
SET p.urgent = duration.between(date(), p.deadline).days < 30;
```

## Use instead
```cypher
MATCH (p:Project)
SET p.urgent = duration.inDays(date(), p.deadline).days < 30;
```
`duration.inDays` gives the whole span in days, `duration.inSeconds` in seconds (then read
`.hours`, `.minutes`, …). The fix swaps the function; it is not applied by `--fix`, because
it changes the value the migration writes.
"#,
    ..identity::duration_component
};

/// The part of a duration a component is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Days,
    Seconds,
}

impl Part {
    fn of_component(key: &str) -> Option<Part> {
        match key.to_ascii_lowercase().as_str() {
            "days" | "weeks" => Some(Part::Days),
            "hours" | "minutes" | "seconds" | "milliseconds" | "microseconds" | "nanoseconds" => Some(Part::Seconds),
            _ => None,
        }
    }

    /// The `duration.in…` function whose result has the whole span in this part.
    fn total_function(self) -> &'static str {
        match self {
            Part::Days => "duration.inDays",
            Part::Seconds => "duration.inSeconds",
        }
    }
}

impl Rule for DurationComponent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::EXPR
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_expr(&self, _cx: &FileContext, e: &Expr, _site: ExprSite, out: &mut Findings) {
        let ExprKind::Property { subject, key } = &e.kind else { return };
        let ExprKind::FunctionCall { name, args, .. } = &subject.kind else { return };
        let Some(part) = Part::of_component(&key.value) else { return };
        let function = name.dotted().to_ascii_lowercase();
        let message = match (function.as_str(), part) {
            ("duration.between", Part::Days) => format!(
                "`.{}` of `duration.between(…)` counts only what is left after the whole months, not the whole span",
                key.value
            ),
            ("duration.between", Part::Seconds) => format!(
                "`.{}` of `duration.between(…)` counts only what is left after the whole months and days, not the whole span",
                key.value
            ),
            ("duration.inmonths", _) | ("duration.indays", Part::Seconds) => {
                format!("`.{}` of `{}(…)` is always 0", key.value, name.dotted())
            }
            _ => return,
        };
        if args.len() != 2 {
            return;
        }
        let total = part.total_function();
        out.report(&META, e.span, message)
            .help(format!("use `{total}(…).{}` for the whole span", key.value))
            .fix(Fix::unsafe_(format!("call `{total}` instead"), vec![Edit::replace(name.span, total)]));
    }
}
