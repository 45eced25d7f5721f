//! Queries and clauses.

use super::expr::internal;
use super::{child, has_child, LResult, Lowerer, Pair};
use crate::ast::*;
use crate::syntax::grammar::Rule;

impl Lowerer {
    pub(super) fn regular_query(&self, pair: Pair) -> LResult<Query> {
        let span = self.span(&pair);
        let mut periodic_commit = None;
        let mut first = None;
        let mut unions = Vec::new();
        let mut pending_union: Option<(crate::span::Span, bool)> = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::periodic_commit => periodic_commit = Some(self.periodic_commit(p)?),
                Rule::union => pending_union = Some((self.span(&p), has_child(&p, Rule::K_ALL))),
                Rule::single_query => {
                    let query = self.single_query(p)?;
                    match pending_union.take() {
                        Some((uspan, all)) => unions.push(UnionPart { span: uspan, all, query }),
                        None => first = Some(query),
                    }
                }
                _ => {}
            }
        }
        let first = first.ok_or_else(|| internal(span))?;
        Ok(Query { span, periodic_commit, first, unions })
    }

    fn periodic_commit(&self, pair: Pair) -> LResult<PeriodicCommit> {
        let span = self.span(&pair);
        let batch_size = match child(&pair, Rule::dec_int) {
            Some(n) => match self.integer(&n)? {
                super::literal::IntValue::Fits(v) => {
                    Some(Expr { span: self.span(&n), kind: ExprKind::Literal(Literal::Integer(v)) })
                }
                super::literal::IntValue::MinMagnitude => return Err(self.error(&n, "integer literal is too large")),
            },
            None => None,
        };
        Ok(PeriodicCommit { span, batch_size })
    }

    fn single_query(&self, pair: Pair) -> LResult<SingleQuery> {
        let span = self.span(&pair);
        let clauses = self.clauses(pair)?;
        Ok(SingleQuery { span, clauses })
    }

    /// Every clause child of `pair` (a single query or a FOREACH body).
    fn clauses(&self, pair: Pair) -> LResult<Vec<Clause>> {
        let mut clauses = Vec::new();
        for p in pair.into_inner() {
            if let Some(clause) = self.clause(p)? {
                clauses.push(clause);
            }
        }
        Ok(clauses)
    }

    fn clause(&self, pair: Pair) -> LResult<Option<Clause>> {
        let span = self.span(&pair);
        let clause = match pair.as_rule() {
            Rule::use_clause => {
                let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
                Clause::Use(UseClause { span, graph: self.expr(e)? })
            }
            Rule::match_clause => Clause::Match(self.match_clause(pair)?),
            Rule::unwind_clause => {
                let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
                let v = child(&pair, Rule::variable).ok_or_else(|| internal(span))?;
                Clause::Unwind(UnwindClause { span, expr: self.expr(e)?, variable: self.name(&v) })
            }
            Rule::with_clause => {
                let proj = child(&pair, Rule::projection).ok_or_else(|| internal(span))?;
                let where_ = child(&pair, Rule::where_clause).map(|w| self.where_clause(w)).transpose()?;
                Clause::With(WithClause { span, projection: self.projection(proj)?, where_ })
            }
            Rule::return_clause => Clause::Return(self.return_clause(pair)?),
            Rule::modifier_clause => Clause::With(self.modifier_clause(pair)?),
            Rule::create_clause => {
                let unique = child(&pair, Rule::create_unique).map(|u| self.span(&u));
                let pat = child(&pair, Rule::pattern).ok_or_else(|| internal(span))?;
                Clause::Create(CreateClause { span, unique, pattern: self.pattern(pat)? })
            }
            Rule::start_clause => Clause::Start(self.start_clause(pair)?),
            Rule::merge_clause => Clause::Merge(self.merge_clause(pair)?),
            Rule::set_clause => Clause::Set(self.set_clause(pair)?),
            Rule::remove_clause => Clause::Remove(self.remove_clause(pair)?),
            Rule::delete_clause => {
                let detach = has_child(&pair, Rule::K_DETACH);
                let exprs = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::expression)
                    .map(|p| self.expr(p))
                    .collect::<LResult<_>>()?;
                Clause::Delete(DeleteClause { span, detach, exprs })
            }
            Rule::foreach_clause => Clause::Foreach(self.foreach_clause(pair)?),
            Rule::call_procedure => Clause::CallProcedure(self.call_procedure(pair)?),
            Rule::call_subquery => Clause::CallSubquery(self.call_subquery(pair)?),
            Rule::load_csv_clause => Clause::LoadCsv(self.load_csv(pair)?),
            Rule::finish_clause => Clause::Finish(FinishClause { span }),
            _ => return Ok(None),
        };
        Ok(Some(clause))
    }

    fn start_clause(&self, pair: Pair) -> LResult<StartClause> {
        let span = self.span(&pair);
        let mut points = Vec::new();
        let mut where_ = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::start_point => points.push(self.start_point(p)?),
                Rule::where_clause => where_ = Some(self.where_clause(p)?),
                _ => {}
            }
        }
        Ok(StartClause { span, points, where_ })
    }

    fn start_point(&self, pair: Pair) -> LResult<StartPoint> {
        let span = self.span(&pair);
        let mut variable = None;
        let mut relationship = false;
        let mut lookup = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.name(&p)),
                Rule::start_kind => relationship = !has_child(&p, Rule::K_NODE),
                Rule::start_ids => {
                    lookup = Some(if has_child(&p, Rule::start_all) {
                        StartLookup::All
                    } else {
                        let ids = p
                            .into_inner()
                            .filter(|e| e.as_rule() == Rule::expression)
                            .map(|e| self.expr(e))
                            .collect::<LResult<_>>()?;
                        StartLookup::Ids(ids)
                    })
                }
                Rule::start_index => {
                    let mut names = Vec::new();
                    let mut query = None;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::symbolic_name_key => names.push(self.name(&q)),
                            Rule::expression => query = Some(self.expr(q)?),
                            _ => {}
                        }
                    }
                    let mut names = names.into_iter();
                    let index = names.next().ok_or_else(|| internal(span))?;
                    let query = query.ok_or_else(|| internal(span))?;
                    lookup = Some(StartLookup::Index { index, key: names.next(), query });
                }
                _ => {}
            }
        }
        let variable = variable.ok_or_else(|| internal(span))?;
        let lookup = lookup.ok_or_else(|| internal(span))?;
        Ok(StartPoint { span, variable, relationship, lookup })
    }

    fn match_clause(&self, pair: Pair) -> LResult<MatchClause> {
        let span = self.span(&pair);
        let mut clause = MatchClause {
            span,
            optional: false,
            pattern: Pattern { span, parts: Vec::new() },
            hints: Vec::new(),
            where_: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_OPTIONAL => clause.optional = true,
                Rule::pattern => clause.pattern = self.pattern(p)?,
                Rule::hint => clause.hints.push(Hint { span: self.span(&p) }),
                Rule::where_clause => clause.where_ = Some(self.where_clause(p)?),
                _ => {}
            }
        }
        Ok(clause)
    }

    pub(super) fn return_clause(&self, pair: Pair) -> LResult<ReturnClause> {
        let span = self.span(&pair);
        let proj = child(&pair, Rule::projection).ok_or_else(|| internal(span))?;
        Ok(ReturnClause { span, projection: self.projection(proj)? })
    }

    pub(super) fn projection(&self, pair: Pair) -> LResult<Projection> {
        let span = self.span(&pair);
        let mut proj = Projection {
            span,
            distinct: false,
            star: false,
            items: Vec::new(),
            order_by: Vec::new(),
            skip: None,
            limit: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_DISTINCT => proj.distinct = true,
                Rule::projection_star => proj.star = true,
                Rule::projection_item => proj.items.push(self.projection_item(p)?),
                Rule::order_by => {
                    for item in p.into_inner().filter(|i| i.as_rule() == Rule::sort_item) {
                        proj.order_by.push(self.sort_item(item)?);
                    }
                }
                Rule::skip => proj.skip = Some(self.keyword_expr(p)?),
                Rule::limit => proj.limit = Some(self.keyword_expr(p)?),
                _ => {}
            }
        }
        Ok(proj)
    }

    /// A standalone `ORDER BY … SKIP … LIMIT …`: Neo4j reads it as `WITH *` with those modifiers,
    /// and so do the rules.
    fn modifier_clause(&self, pair: Pair) -> LResult<WithClause> {
        let span = self.span(&pair);
        let mut projection = self.projection(pair)?;
        projection.star = true;
        Ok(WithClause { span, projection, where_: None })
    }

    /// The expression of `SKIP e`, `LIMIT e` and similar keyword-led rules.
    fn keyword_expr(&self, pair: Pair) -> LResult<Expr> {
        let span = self.span(&pair);
        let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
        self.expr(e)
    }

    fn projection_item(&self, pair: Pair) -> LResult<ProjectionItem> {
        let span = self.span(&pair);
        let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
        let alias = child(&pair, Rule::variable).map(|v| self.name(&v));
        Ok(ProjectionItem { span, expr: self.expr(e)?, alias })
    }

    fn sort_item(&self, pair: Pair) -> LResult<SortItem> {
        let span = self.span(&pair);
        let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
        let descending = child(&pair, Rule::sort_direction)
            .map(|d| d.as_str().to_ascii_uppercase().starts_with("DESC"))
            .unwrap_or(false);
        Ok(SortItem { span, expr: self.expr(e)?, descending })
    }

    fn merge_clause(&self, pair: Pair) -> LResult<MergeClause> {
        let span = self.span(&pair);
        let mut pattern = None;
        let mut actions = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::pattern_part => pattern = Some(self.pattern_part(p)?),
                Rule::merge_action => {
                    let aspan = self.span(&p);
                    let on_create = has_child(&p, Rule::K_CREATE);
                    let set = child(&p, Rule::set_clause).ok_or_else(|| internal(aspan))?;
                    actions.push(MergeAction { span: aspan, on_create, set: self.set_clause(set)? });
                }
                _ => {}
            }
        }
        let pattern = pattern.ok_or_else(|| internal(span))?;
        Ok(MergeClause { span, pattern, actions })
    }

    fn set_clause(&self, pair: Pair) -> LResult<SetClause> {
        let span = self.span(&pair);
        let mut items = Vec::new();
        for item in pair.into_inner().filter(|p| p.as_rule() == Rule::set_item) {
            let inner = item.into_inner().next().ok_or_else(|| internal(span))?;
            items.push(self.set_item(inner)?);
        }
        Ok(SetClause { span, items })
    }

    fn set_item(&self, pair: Pair) -> LResult<SetItem> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if rule == Rule::set_labels {
            let (target, labels) = self.set_labels(pair)?;
            return Ok(SetItem::Labels { span, target, labels });
        }
        let mut target = None;
        let mut value = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::property_target => target = Some(self.property_target(p)?),
                Rule::variable => target = Some(Expr { span: self.span(&p), kind: ExprKind::Variable(self.name(&p)) }),
                Rule::expression => value = Some(self.expr(p)?),
                _ => {}
            }
        }
        let (Some(target), Some(value)) = (target, value) else { return Err(internal(span)) };
        let is_variable = matches!(target.kind, ExprKind::Variable(_));
        Ok(match rule {
            // `n = {…}` is read by the property rule too (its target may be a bare variable).
            Rule::set_property if is_variable => SetItem::Replace { span, target, value },
            Rule::set_property => SetItem::Property { span, target, value },
            Rule::set_merge => SetItem::Merge { span, target, value },
            _ => SetItem::Replace { span, target, value },
        })
    }

    /// `n:A:B` / `n IS A`. A dynamic label `$(expr)` is kept as a name spelled as written.
    fn set_labels(&self, pair: Pair) -> LResult<(Name, Vec<Name>)> {
        let span = self.span(&pair);
        let mut target = None;
        let mut labels = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => target = Some(self.name(&p)),
                Rule::label_name => labels.push(self.name(&p)),
                Rule::dynamic_label => labels.push(Name { span: self.span(&p), value: self.text(&p).to_string() }),
                _ => {}
            }
        }
        let target = target.ok_or_else(|| internal(span))?;
        Ok((target, labels))
    }

    /// `n.p`, `n[k]`, `n.a.b`: the operand followed by its lookups, as one expression.
    fn property_target(&self, pair: Pair) -> LResult<Expr> {
        // The grammar shape (primary lookup+) is a subset of an expression's operand, so the
        // expression folder lowers it.
        self.operand_sequence(pair)
    }

    fn remove_clause(&self, pair: Pair) -> LResult<RemoveClause> {
        let span = self.span(&pair);
        let mut items = Vec::new();
        for item in pair.into_inner().filter(|p| p.as_rule() == Rule::remove_item) {
            let ispan = self.span(&item);
            let inner = item.into_inner().next().ok_or_else(|| internal(ispan))?;
            if inner.as_rule() == Rule::set_labels {
                let (target, labels) = self.set_labels(inner)?;
                items.push(RemoveItem::Labels { span: ispan, target, labels });
            } else {
                let target = self.property_target(inner)?;
                if matches!(target.kind, ExprKind::Variable(_)) {
                    return Err(crate::syntax::lower::LowerError {
                        span: ispan,
                        message: "expected a property such as `n.prop` or labels such as `n:Label` to remove".into(),
                    });
                }
                items.push(RemoveItem::Property { span: ispan, target });
            }
        }
        Ok(RemoveClause { span, items })
    }

    fn foreach_clause(&self, pair: Pair) -> LResult<ForeachClause> {
        let span = self.span(&pair);
        let v = child(&pair, Rule::variable).ok_or_else(|| internal(span))?;
        let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
        let variable = self.name(&v);
        let list = self.expr(e)?;
        let clauses = self.clauses(pair)?;
        Ok(ForeachClause { span, variable, list, clauses })
    }

    fn call_procedure(&self, pair: Pair) -> LResult<CallProcedureClause> {
        let span = self.span(&pair);
        let mut procedure = None;
        let mut args = None;
        let mut yield_ = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::procedure_name => procedure = Some(self.qualified_name(p)),
                Rule::procedure_args => args = Some(p.into_inner().map(|a| self.expr(a)).collect::<LResult<Vec<_>>>()?),
                Rule::yield_clause => yield_ = Some(self.yield_clause(p)?),
                _ => {}
            }
        }
        let procedure = procedure.ok_or_else(|| internal(span))?;
        Ok(CallProcedureClause { span, procedure, args, yield_, embedded: Vec::new() })
    }

    fn yield_clause(&self, pair: Pair) -> LResult<YieldClause> {
        let span = self.span(&pair);
        let mut clause = YieldClause { span, star: false, items: Vec::new(), where_: None };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::yield_star => clause.star = true,
                Rule::yield_item => {
                    let ispan = self.span(&p);
                    let field = child(&p, Rule::symbolic_name_key).ok_or_else(|| internal(ispan))?;
                    let alias = child(&p, Rule::variable).map(|v| self.name(&v));
                    clause.items.push(YieldItem { span: ispan, field: self.name(&field), alias });
                }
                Rule::where_clause => clause.where_ = Some(self.where_clause(p)?),
                _ => {}
            }
        }
        Ok(clause)
    }

    fn call_subquery(&self, pair: Pair) -> LResult<CallSubqueryClause> {
        let span = self.span(&pair);
        let mut optional = false;
        let mut scope = None;
        let mut body = None;
        let mut in_transactions = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_OPTIONAL => optional = true,
                Rule::subquery_scope => {
                    let sspan = self.span(&p);
                    let all = has_child(&p, Rule::scope_all);
                    let variables =
                        p.into_inner().filter(|v| v.as_rule() == Rule::variable).map(|v| self.name(&v)).collect();
                    scope = Some(SubqueryScope { span: sspan, all, variables });
                }
                Rule::regular_query => body = Some(self.regular_query(p)?),
                Rule::in_transactions => in_transactions = Some(self.in_transactions(p)?),
                _ => {}
            }
        }
        let body = body.ok_or_else(|| internal(span))?;
        Ok(CallSubqueryClause { span, optional, scope, body, in_transactions })
    }

    fn in_transactions(&self, pair: Pair) -> LResult<InTransactions> {
        let span = self.span(&pair);
        let mut tx = InTransactions { span, concurrency: None, batch_size: None, on_error: None, report_status: None };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_CONCURRENT if tx.concurrency.is_none() => tx.concurrency = Some(None),
                Rule::concurrency_count => tx.concurrency = Some(Some(self.inner_expr(p)?)),
                Rule::tx_batch => tx.batch_size = Some(self.keyword_expr(p)?),
                Rule::tx_on_error => {
                    let espan = self.span(&p);
                    let action = child(&p, Rule::on_error_action).ok_or_else(|| internal(espan))?;
                    tx.on_error = Some(self.on_error(action)?);
                }
                Rule::tx_report => {
                    let rspan = self.span(&p);
                    let v = child(&p, Rule::variable).ok_or_else(|| internal(rspan))?;
                    tx.report_status = Some(self.name(&v));
                }
                _ => {}
            }
        }
        Ok(tx)
    }

    fn on_error(&self, pair: Pair) -> LResult<OnError> {
        let span = self.span(&pair);
        let first = pair.into_inner().next().ok_or_else(|| internal(span))?;
        Ok(match first.as_rule() {
            Rule::K_CONTINUE => OnError::Continue,
            Rule::K_BREAK => OnError::Break,
            Rule::K_FAIL => OnError::Fail,
            _ => {
                let mut duration = None;
                let mut then = None;
                for p in first.into_inner() {
                    match p.as_rule() {
                        Rule::expression => duration = Some(self.expr(p)?),
                        Rule::K_CONTINUE => then = Some(Box::new(OnError::Continue)),
                        Rule::K_BREAK => then = Some(Box::new(OnError::Break)),
                        Rule::K_FAIL => then = Some(Box::new(OnError::Fail)),
                        _ => {}
                    }
                }
                OnError::Retry { duration, then }
            }
        })
    }

    fn load_csv(&self, pair: Pair) -> LResult<LoadCsvClause> {
        let span = self.span(&pair);
        let with_headers = has_child(&pair, Rule::K_HEADERS);
        let from = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
        let v = child(&pair, Rule::variable).ok_or_else(|| internal(span))?;
        let field_terminator = child(&pair, Rule::string_lit).map(|s| self.string(&s)).transpose()?;
        Ok(LoadCsvClause { span, with_headers, from: self.expr(from)?, variable: self.name(&v), field_terminator })
    }
}
