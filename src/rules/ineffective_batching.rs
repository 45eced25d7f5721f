use super::text::{line_indent, quote_name};
use crate::semantic::{clause_references, clause_writes};
use crate::span::tight;
use super::*;
use crate::ast::{CallSubqueryClause, Clause, ExprKind, Literal, StatementKind};
use crate::diagnostic::Edit;
use crate::span::Span;

pub struct IneffectiveBatching;

pub static META: RuleMeta = RuleMeta {
    summary: "CALL { … } IN TRANSACTIONS that still runs as one transaction",
    docs: r#"## What it does
Flags `CALL { … } IN TRANSACTIONS` that receives no input rows from outside the subquery — the
`MATCH` that finds the work is *inside* it — and batch sizes outside the configured bounds
(`min-batch`/`max-batch`, 100 and 100000 by default).

## Why it matters
`IN TRANSACTIONS` commits once per *batch of input rows*. With a single input row the whole
subquery, and every write it makes, is one transaction: exactly what batching was meant to
avoid. A tiny batch size commits once per handful of rows (slow, log-heavy); a huge one is
effectively unbatched.

## Example
```cypher
CALL {
  MATCH (p:Project) WHERE p.priority IS NULL
  SET p.priority = 'medium'
} IN TRANSACTIONS OF 1000 ROWS;
```

## Use instead
```cypher
MATCH (p:Project) WHERE p.priority IS NULL
CALL (p) {
  SET p.priority = 'medium'
} IN TRANSACTIONS OF 1000 ROWS;
```
The fix moves the leading reads out of the subquery and imports their variables.
"#,
    ..identity::ineffective_batching
};

impl Rule for IneffectiveBatching {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        let model = cx.model(stmt);
        for sq in q.single_queries() {
            for (i, c) in sq.clauses.iter().enumerate() {
                let Clause::CallSubquery(call) = c else { continue };
                let Some(tx) = &call.in_transactions else { continue };
                check_batch_size(cx, tx.batch_size.as_ref(), out);
                if produces_single_row(&sq.clauses[..i]) && body_drives_itself(call) {
                    report_single_row(cx, &model, call, out);
                }
            }
        }
    }
}

fn check_batch_size(cx: &FileContext, size: Option<&crate::ast::Expr>, out: &mut Findings) {
    let Some(e) = size else { return };
    let ExprKind::Literal(Literal::Integer(n)) = e.kind else { return };
    let (min, max) = (cx.settings.min_batch as i64, cx.settings.max_batch as i64);
    if n < min {
        out.report(&META, e.span, format!("batches of {n} rows commit far too often")).help(format!(
            "commit overhead dominates below {min} rows per transaction; use `OF {} ROWS`",
            cx.settings.batch_size
        ));
    } else if n > max {
        out.report(&META, e.span, format!("batches of {n} rows are effectively one transaction")).help(format!(
            "keep batches at most {max} rows so each transaction stays small; use `OF {} ROWS`",
            cx.settings.batch_size
        ));
    }
}

/// Clauses that yield exactly one row: none, `USE`, or `WITH` of plain values.
fn produces_single_row(before: &[Clause]) -> bool {
    before.iter().all(|c| match c {
        Clause::Use(_) => true,
        Clause::With(w) => !w
            .projection
            .items
            .iter()
            .any(|i| matches!(i.expr.kind, ExprKind::FunctionCall { .. } | ExprKind::Collect(_))),
        _ => false,
    })
}

/// Whether the subquery body reads its own input (a MATCH/UNWIND/LOAD CSV before its first write).
fn body_drives_itself(call: &CallSubqueryClause) -> bool {
    call.body.single_queries().any(|sq| {
        let first_write = sq.clauses.iter().position(clause_writes).unwrap_or(sq.clauses.len());
        sq.clauses[..first_write].iter().any(|c| {
            matches!(c, Clause::Match(m) if !m.optional) || matches!(c, Clause::Unwind(_) | Clause::LoadCsv(_))
        })
    })
}

fn report_single_row(cx: &FileContext, model: &crate::semantic::Model, call: &CallSubqueryClause, out: &mut Findings) {
    let head = Span::new(call.span.start, call.body.span.start.min(call.span.end));
    let d = out.report(&META, head, "`CALL { … } IN TRANSACTIONS` receives a single input row, so it commits once");
    d.help("batching commits per batch of *outer* rows: move the MATCH that finds the work before the CALL and import its variables");
    if let Some(edits) = hoist_reads(cx, model, call) {
        d.fix(Fix::unsafe_("move the reads before the subquery", edits));
    }
}

/// `CALL { MATCH … write } IN TRANSACTIONS` → `MATCH … CALL (vars) { write } IN TRANSACTIONS`:
/// the new subquery imports what the writes use of the variables bound before them.
fn hoist_reads(cx: &FileContext, model: &crate::semantic::Model, call: &CallSubqueryClause) -> Option<Vec<Edit>> {
    if !call.body.unions.is_empty() || call.optional {
        return None;
    }
    let clauses = &call.body.first.clauses;
    if matches!(clauses.first(), Some(Clause::With(_))) || matches!(clauses.last(), Some(Clause::Return(_))) {
        return None;
    }
    let w = clauses.iter().position(clause_writes)?;
    if w == 0 {
        return None;
    }
    let reads = tight(cx.text(), clauses[0].span().cover(clauses[w - 1].span())).text(cx.text());
    let writes_span = tight(cx.text(), clauses[w].span().cover(clauses[clauses.len() - 1].span()));
    let call_span = tight(cx.text(), call.span);
    let vars = model.bound_before(&clauses[w]).map(|b| b.names()).unwrap_or_default();
    let used = clause_references(&clauses[w..]);
    let imports: Vec<String> = vars.into_iter().filter(|v| used.iter().any(|u| u == v)).map(quote_name).collect();
    let indent = line_indent(cx.text(), call.span.start);
    let tx = tight(cx.text(), call.in_transactions.as_ref()?.span).text(cx.text());
    let head = if cx.settings.target >= Target::V5 {
        format!("CALL ({}) {{\n", imports.join(", "))
    } else {
        format!("CALL {{\n{indent}  WITH {}\n", imports.join(", "))
    };
    let replacement =
        format!("{reads}\n{indent}{head}{indent}  {}\n{indent}}} {tx}", writes_span.text(cx.text()).trim());
    Some(vec![Edit::replace(call_span, replacement)])
}
