//! Expressions. The grammar reads an expression as a flat sequence of operands and operators;
//! here it is folded with Neo4j's precedence using explicit stacks, so long operator chains
//! cost no native stack.

use super::literal::IntValue;
use super::{child, LResult, LowerError, Lowerer, Pair};
use crate::ast::*;
use crate::span::Span;
use crate::syntax::grammar::Rule;

/// Deepest nesting accepted: deeper trees would make every recursive consumer of the AST
/// (visitors, `Drop`) a stack-overflow risk. The left operand of a binary operator does not
/// nest: a flat chain `a OR b OR …` is a list to the reader, and Neo4j accepts long ones.
pub(crate) const MAX_EXPR_DEPTH: u32 = 1000;

/// Deepest tree accepted, flat chains included: the tree of a chain is as deep as the chain is
/// long, and the recursive consumers still walk it.
pub(crate) const MAX_CHAIN_DEPTH: u32 = 10 * MAX_EXPR_DEPTH;

// Binding powers, loosest first (Neo4j: OR < XOR < AND < NOT < comparison < string and list
// predicates / IS NULL < + - || < * / % < ^ < unary + - < property, index, label).
const BP_NOT: u8 = 4;
const BP_PREDICATE: u8 = 6;
const BP_UNARY: u8 = 10;

struct Operand {
    expr: Expr,
    /// The height of the tree.
    depth: u32,
    /// The height without the left spines of operator chains (see [`MAX_EXPR_DEPTH`]).
    nesting: u32,
    /// `9223372036854775808`, only valid under a unary minus.
    big_int: bool,
}

enum PendingOp {
    Prefix { op: UnaryOp, start: usize, bp: u8 },
    Infix { op: BinaryOp, bp: u8 },
}

impl PendingOp {
    fn bp(&self) -> u8 {
        match self {
            PendingOp::Prefix { bp, .. } | PendingOp::Infix { bp, .. } => *bp,
        }
    }
}

fn infix_binding(pair: &Pair) -> (BinaryOp, u8) {
    let text = pair.as_str();
    let first = pair.clone().into_inner().next().map(|p| p.as_rule());
    match first {
        Some(Rule::K_OR) => (BinaryOp::Or, 1),
        Some(Rule::K_XOR) => (BinaryOp::Xor, 2),
        Some(Rule::K_AND) => (BinaryOp::And, 3),
        Some(Rule::K_STARTS) => (BinaryOp::StartsWith, BP_PREDICATE),
        Some(Rule::K_ENDS) => (BinaryOp::EndsWith, BP_PREDICATE),
        Some(Rule::K_CONTAINS) => (BinaryOp::Contains, BP_PREDICATE),
        Some(Rule::K_IN) => (BinaryOp::In, BP_PREDICATE),
        _ => match text {
            "=" => (BinaryOp::Eq, 5),
            "<>" | "!=" => (BinaryOp::NotEq, 5),
            "<" => (BinaryOp::Lt, 5),
            ">" => (BinaryOp::Gt, 5),
            "<=" => (BinaryOp::Le, 5),
            ">=" => (BinaryOp::Ge, 5),
            "=~" => (BinaryOp::RegexMatch, BP_PREDICATE),
            "+" => (BinaryOp::Add, 7),
            "-" => (BinaryOp::Sub, 7),
            "||" => (BinaryOp::Concat, 7),
            "*" => (BinaryOp::Mul, 8),
            "/" => (BinaryOp::Div, 8),
            "%" => (BinaryOp::Mod, 8),
            _ => (BinaryOp::Pow, 9),
        },
    }
}

/// The parts of a flat expression that are operators rather than operands.
fn is_operator_part(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::prefix_op
            | Rule::infix_op
            | Rule::null_check
            | Rule::type_check
            | Rule::normalized_check
            | Rule::property_lookup
            | Rule::index_op
            | Rule::label_check
            | Rule::where_label_check
    )
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Lowerer {
    pub(super) fn expr(&self, pair: Pair) -> LResult<Expr> {
        self.expr_operand(pair).map(|o| o.expr)
    }

    fn expr_operand(&self, pair: Pair) -> LResult<Operand> {
        let parts = pair.into_inner();
        // Most expressions are one operand (`n.name`, `$p`, `1`): no operator stacks for them.
        if parts.len() == 1 {
            if let Some(only) = parts.peek().filter(|p| !is_operator_part(p.as_rule())) {
                let operand = self.primary(only)?;
                let (depth, nesting) = (operand.depth, operand.nesting);
                return Ok(Operand { expr: self.finish(operand)?, depth, nesting, big_int: false });
            }
        }
        let mut operands: Vec<Operand> = Vec::new();
        let mut ops: Vec<PendingOp> = Vec::new();
        for part in parts {
            match part.as_rule() {
                Rule::prefix_op => {
                    let op = match part.as_str() {
                        "-" => UnaryOp::Minus,
                        "+" => UnaryOp::Plus,
                        _ => UnaryOp::Not,
                    };
                    let bp = if op == UnaryOp::Not { BP_NOT } else { BP_UNARY };
                    ops.push(PendingOp::Prefix { op, start: self.span(&part).start, bp });
                }
                Rule::infix_op => {
                    let (op, bp) = infix_binding(&part);
                    while ops.last().is_some_and(|top| top.bp() >= bp) {
                        self.reduce(&mut ops, &mut operands, &part)?;
                    }
                    ops.push(PendingOp::Infix { op, bp });
                }
                Rule::null_check | Rule::type_check | Rule::normalized_check => {
                    while ops.last().is_some_and(|top| top.bp() > BP_PREDICATE) {
                        self.reduce(&mut ops, &mut operands, &part)?;
                    }
                    self.apply_postfix(&mut operands, part)?;
                }
                Rule::property_lookup | Rule::index_op | Rule::label_check | Rule::where_label_check => {
                    self.apply_postfix(&mut operands, part)?;
                }
                _ => {
                    let operand = self.primary(part)?;
                    operands.push(operand);
                }
            }
        }
        while !ops.is_empty() {
            self.reduce_at_end(&mut ops, &mut operands)?;
        }
        let result = operands.pop().ok_or_else(|| internal(Span::default()))?;
        let (depth, nesting) = (result.depth, result.nesting);
        Ok(Operand { expr: self.finish(result)?, depth, nesting, big_int: false })
    }

    /// An operand that is complete: a lone `9223372036854775808` is an overflow.
    fn finish(&self, operand: Operand) -> LResult<Expr> {
        if operand.big_int {
            return Err(LowerError { span: operand.expr.span, message: "integer literal is too large".to_string() });
        }
        Ok(operand.expr)
    }

    fn reduce_at_end(&self, ops: &mut Vec<PendingOp>, operands: &mut Vec<Operand>) -> LResult<()> {
        let Some(op) = ops.pop() else { return Ok(()) };
        self.apply_op(op, operands)
    }

    fn reduce(&self, ops: &mut Vec<PendingOp>, operands: &mut Vec<Operand>, _at: &Pair) -> LResult<()> {
        self.reduce_at_end(ops, operands)
    }

    fn apply_op(&self, op: PendingOp, operands: &mut Vec<Operand>) -> LResult<()> {
        match op {
            PendingOp::Prefix { op, start, .. } => {
                let operand = operands.pop().ok_or_else(|| internal(Span::at(start)))?;
                let span = Span::new(start, operand.expr.span.end);
                let folded = fold_sign(op, &operand, span);
                let result = match folded {
                    Some(expr) => Operand { expr, depth: operand.depth, nesting: operand.nesting, big_int: false },
                    None => {
                        let (depth, nesting) = (operand.depth + 1, operand.nesting + 1);
                        let inner = self.finish(operand)?;
                        Operand {
                            expr: Expr { span, kind: ExprKind::Unary { op, operand: boxed(inner) } },
                            depth,
                            nesting,
                            big_int: false,
                        }
                    }
                };
                operands.push(self.check_depth(result)?);
            }
            PendingOp::Infix { op, .. } => {
                let rhs = operands.pop().ok_or_else(|| internal(Span::default()))?;
                let lhs = operands.pop().ok_or_else(|| internal(rhs.expr.span))?;
                let depth = lhs.depth.max(rhs.depth) + 1;
                let nesting = lhs.nesting.max(rhs.nesting + 1);
                let (lhs, rhs) = (self.finish(lhs)?, self.finish(rhs)?);
                let span = lhs.span.cover(rhs.span);
                let expr = Expr { span, kind: ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) } };
                operands.push(self.check_depth(Operand { expr, depth, nesting, big_int: false })?);
            }
        }
        Ok(())
    }

    fn check_depth(&self, operand: Operand) -> LResult<Operand> {
        let message = if operand.nesting > MAX_EXPR_DEPTH {
            format!("expression nesting too deep (more than {MAX_EXPR_DEPTH} levels)")
        } else if operand.depth > MAX_CHAIN_DEPTH {
            format!("expression too long (more than {MAX_CHAIN_DEPTH} operators in one chain)")
        } else {
            return Ok(operand);
        };
        Err(LowerError { span: operand.expr.span, message })
    }

    fn apply_postfix(&self, operands: &mut Vec<Operand>, part: Pair) -> LResult<()> {
        let part_span = self.span(&part);
        let subject = operands.pop().ok_or_else(|| internal(part_span))?;
        let (depth, nesting) = (subject.depth + 1, subject.nesting + 1);
        let subject = self.finish(subject)?;
        let span = subject.span.cover(part_span);
        let kind = match part.as_rule() {
            Rule::property_lookup => {
                let key = part.into_inner().next().map(|k| self.name(&k)).ok_or_else(|| internal(span))?;
                ExprKind::Property { subject: boxed(subject), key }
            }
            Rule::index_op => self.index_or_slice(subject, part)?,
            Rule::null_check => {
                let negated = super::has_child(&part, Rule::K_NOT);
                ExprKind::IsNull { operand: boxed(subject), negated }
            }
            Rule::type_check => self.is_type(subject, &part),
            Rule::normalized_check => self.is_normalized(subject, &part),
            _ => {
                let labels_pair = child(&part, Rule::label_expr_in_expression)
                    .or_else(|| child(&part, Rule::label_expr_before_bar))
                    .ok_or_else(|| internal(span))?;
                let labels = self.label_expr(labels_pair)?;
                ExprKind::LabelCheck { subject: boxed(subject), labels }
            }
        };
        operands.push(self.check_depth(Operand { expr: Expr { span, kind }, depth, nesting, big_int: false })?);
        Ok(())
    }

    fn is_type(&self, operand: Expr, part: &Pair) -> ExprKind {
        let negated = super::has_child(part, Rule::K_NOT);
        let type_name = child(part, Rule::cypher_type).map(|t| self.text(&t).to_string()).unwrap_or_default();
        ExprKind::IsType { operand: boxed(operand), negated, type_name }
    }

    fn is_normalized(&self, operand: Expr, part: &Pair) -> ExprKind {
        let negated = super::has_child(part, Rule::K_NOT);
        let form = child(part, Rule::normal_form).and_then(|f| normal_form(f.as_str()));
        ExprKind::IsNormalized { operand: boxed(operand), negated, form }
    }

    fn index_or_slice(&self, subject: Expr, part: Pair) -> LResult<ExprKind> {
        let mut before: Option<Expr> = None;
        let mut dots = false;
        let mut to: Option<Expr> = None;
        for p in part.into_inner() {
            match p.as_rule() {
                Rule::slice_dots => dots = true,
                Rule::slice_to => {
                    if let Some(e) = p.into_inner().next() {
                        to = Some(self.expr(e)?);
                    }
                }
                _ => before = Some(self.expr(p)?),
            }
        }
        if dots {
            return Ok(ExprKind::Slice { subject: boxed(subject), from: before.map(boxed), to: to.map(boxed) });
        }
        let index = before.ok_or_else(|| internal(subject.span))?;
        Ok(ExprKind::Index { subject: boxed(subject), index: boxed(index) })
    }

    fn primary(&self, pair: Pair) -> LResult<Operand> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut big_int = false;
        let kind = match rule {
            Rule::dec_int | Rule::hex_int | Rule::octal_int => match self.integer(&pair)? {
                IntValue::Fits(v) => ExprKind::Literal(Literal::Integer(v)),
                IntValue::MinMagnitude => {
                    big_int = true;
                    ExprKind::Literal(Literal::Integer(i64::MIN))
                }
            },
            Rule::float_lit => ExprKind::Literal(Literal::Float(self.float(&pair)?)),
            Rule::string_lit => ExprKind::Literal(Literal::String(self.string(&pair)?)),
            Rule::K_TRUE | Rule::K_FALSE | Rule::K_NULL => {
                ExprKind::Literal(Self::boolean_or_null(rule).unwrap_or(Literal::Null))
            }
            Rule::float_keyword => {
                let nan = pair.as_str().trim_end().eq_ignore_ascii_case("nan");
                ExprKind::Literal(Literal::Float(if nan { f64::NAN } else { f64::INFINITY }))
            }
            Rule::trim_expr => self.trim_expr(pair)?,
            Rule::parameter | Rule::legacy_parameter => ExprKind::Parameter(self.parameter(&pair)),
            Rule::variable => ExprKind::Variable(self.name(&pair)),
            Rule::paren_expr => {
                let inner = pair.into_inner().next().ok_or_else(|| internal(span))?;
                let operand = self.expr_operand(inner)?;
                return Ok(Operand { depth: operand.depth + 1, nesting: operand.nesting + 1, ..operand });
            }
            Rule::count_star => ExprKind::CountStar,
            Rule::list_literal => {
                let items = pair.into_inner().map(|p| self.expr(p)).collect::<LResult<Vec<_>>>()?;
                ExprKind::List(items)
            }
            Rule::map_literal => ExprKind::Map(self.map_literal(pair)?),
            Rule::name_expr => return self.name_expr(pair),
            Rule::case_expr => self.case_expr(pair)?,
            Rule::exists_subquery => ExprKind::Exists(Box::new(self.subquery_expr(pair)?)),
            Rule::count_subquery => ExprKind::Count(Box::new(self.subquery_expr(pair)?)),
            Rule::collect_subquery => {
                let q = child(&pair, Rule::regular_query).ok_or_else(|| internal(span))?;
                ExprKind::Collect(Box::new(self.regular_query(q)?))
            }
            Rule::quantified_expr => self.quantified(pair)?,
            Rule::reduce_expr => self.reduce_expr(pair)?,
            Rule::list_comprehension => self.list_comprehension(pair)?,
            Rule::pattern_comprehension => self.pattern_comprehension(pair)?,
            Rule::pattern_expr => {
                let rels = pair.into_inner().next().ok_or_else(|| internal(span))?;
                let path = self.path_pattern(rels)?;
                ExprKind::Pattern(Box::new(PatternPart { span, variable: None, selector: None, path }))
            }
            Rule::shortest_path_expr => {
                let sp = pair.into_inner().next().ok_or_else(|| internal(span))?;
                let (selector, path) = self.shortest_path(sp)?;
                ExprKind::Pattern(Box::new(PatternPart { span, variable: None, selector: Some(selector), path }))
            }
            _ => return Err(internal(span)),
        };
        Ok(Operand { expr: Expr { span, kind }, depth: 1, nesting: 1, big_int })
    }

    pub(super) fn map_literal(&self, pair: Pair) -> LResult<MapLiteral> {
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            let span = self.span(&entry);
            let mut it = entry.into_inner();
            let key = it.next().map(|k| self.name(&k)).ok_or_else(|| internal(span))?;
            let value = self.expr(it.next().ok_or_else(|| internal(span))?)?;
            entries.push(MapEntry { span, key, value });
        }
        Ok(MapLiteral { entries })
    }

    /// `a`, `a.b.c` (a variable and its property lookups), `ns.f(args)` or `n{.a, b}`.
    fn name_expr(&self, pair: Pair) -> LResult<Operand> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name_pair = inner.next().ok_or_else(|| internal(span))?;
        let suffix = inner.next();
        match suffix {
            Some(call) if call.as_rule() == Rule::call_suffix => {
                let name = self.qualified_name(name_pair);
                let takes_normal_form = name.parts.len() == 1 && name.parts[0].value.eq_ignore_ascii_case("normalize");
                let mut distinct = false;
                let mut args = Vec::new();
                for p in call.into_inner() {
                    match p.as_rule() {
                        Rule::K_DISTINCT => distinct = true,
                        Rule::expression => {
                            // `normalize(s, NFKC)`: a bare normal form, not a variable (as in Neo4j,
                            // even where a variable `nfkc` exists).
                            let form =
                                normal_form(p.as_str().trim_end()).filter(|_| takes_normal_form && args.len() == 1);
                            match form {
                                Some(form) => args.push(Expr { span: self.span(&p), kind: ExprKind::NormalForm(form) }),
                                None => args.push(self.expr(p)?),
                            }
                        }
                        _ => {}
                    }
                }
                let kind = ExprKind::FunctionCall { name, distinct, args };
                Ok(Operand { expr: Expr { span, kind }, depth: 1, nesting: 1, big_int: false })
            }
            Some(body) => {
                let mut parts = name_pair.into_inner();
                let subject = parts.next().map(|p| self.name(&p)).ok_or_else(|| internal(span))?;
                if let Some(extra) = parts.next() {
                    return Err(self.error(&extra, "a map projection applies to a variable, not to a property"));
                }
                let items = body.into_inner().map(|i| self.map_projection_item(i)).collect::<LResult<_>>()?;
                let kind = ExprKind::MapProjection { subject, items };
                Ok(Operand { expr: Expr { span, kind }, depth: 1, nesting: 1, big_int: false })
            }
            None => self.property_chain(name_pair),
        }
    }

    /// `a.b.c` read as a name path: the variable `a` and its lookups, folded left.
    fn property_chain(&self, pair: Pair) -> LResult<Operand> {
        let mut parts = pair.into_inner();
        let first = parts.next().ok_or_else(|| internal(Span::default()))?;
        let name = self.name(&first);
        let mut operand = Operand {
            expr: Expr { span: name.span, kind: ExprKind::Variable(name) },
            depth: 1,
            nesting: 1,
            big_int: false,
        };
        for part in parts {
            let key = self.name(&part);
            let span = operand.expr.span.cover(key.span);
            let kind = ExprKind::Property { subject: boxed(operand.expr), key };
            operand = self.check_depth(Operand {
                expr: Expr { span, kind },
                depth: operand.depth + 1,
                nesting: operand.nesting + 1,
                big_int: false,
            })?;
        }
        Ok(operand)
    }

    fn case_expr(&self, pair: Pair) -> LResult<ExprKind> {
        let mut subject = None;
        let mut alternatives = Vec::new();
        let mut default = None;
        let mut after_else = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expression if after_else => default = Some(boxed(self.expr(p)?)),
                Rule::expression => subject = Some(boxed(self.expr(p)?)),
                Rule::case_alternative => alternatives.extend(self.case_alternatives(p, subject.is_some())?),
                Rule::K_ELSE => after_else = true,
                _ => {}
            }
        }
        Ok(ExprKind::Case { subject, alternatives, default })
    }

    /// `WHEN a, b THEN x` is two alternatives sharing their result.
    fn case_alternatives(&self, pair: Pair, has_subject: bool) -> LResult<Vec<CaseAlternative>> {
        let span = self.span(&pair);
        let mut exprs: Vec<Expr> = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expression => exprs.push(self.expr(p)?),
                Rule::case_when_predicate if has_subject => exprs.push(self.case_when_predicate(p)?),
                Rule::case_when_predicate => {
                    return Err(self.error(
                        &p,
                        "a WHEN without a left operand needs a value after CASE (`CASE x WHEN > 5 THEN …`); \
                         otherwise write the whole condition (`WHEN x > 5`)",
                    ))
                }
                _ => {}
            }
        }
        let Some((then, whens)) = exprs.split_last() else { return Err(internal(span)) };
        Ok(whens.iter().map(|w| CaseAlternative { span, when: w.clone(), then: then.clone() }).collect())
    }

    /// An extended WHEN (`> 5`, `IS NULL`, `:: INTEGER`, `STARTS WITH 'a'`), as a predicate on
    /// [`ExprKind::CaseSubject`].
    fn case_when_predicate(&self, pair: Pair) -> LResult<Expr> {
        let span = self.span(&pair);
        let subject = Expr { span: Span::at(span.start), kind: ExprKind::CaseSubject };
        let mut inner = pair.clone().into_inner();
        let first = inner.next().ok_or_else(|| internal(span))?;
        let kind = match first.as_rule() {
            Rule::case_when_operator => {
                let operand = inner.next().ok_or_else(|| internal(span))?;
                let op = when_operator(first.as_str());
                let string_op = matches!(op, BinaryOp::RegexMatch | BinaryOp::StartsWith | BinaryOp::EndsWith);
                if let Some(bad) = when_operand_excess(&operand, !string_op) {
                    let written = first.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
                    let reads = if string_op {
                        "an arithmetic expression"
                    } else {
                        "an arithmetic expression with at most one IS NULL / IN / STARTS WITH test"
                    };
                    let found = bad.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
                    return Err(self.error(
                        &bad,
                        format!(
                            "`{found}` cannot follow the operand of `WHEN {written}` (Neo4j reads that operand as {reads}); \
                             for a compound condition write `CASE WHEN <value> {written} … {found} …`"
                        ),
                    ));
                }
                let rhs = self.expr(operand)?;
                ExprKind::Binary { op, lhs: boxed(subject), rhs: boxed(rhs) }
            }
            Rule::null_check => {
                ExprKind::IsNull { operand: boxed(subject), negated: super::has_child(&first, Rule::K_NOT) }
            }
            Rule::normalized_check => self.is_normalized(subject, &first),
            _ => self.is_type(subject, &pair),
        };
        Ok(Expr { span, kind })
    }

    fn trim_expr(&self, pair: Pair) -> LResult<ExprKind> {
        let span = self.span(&pair);
        let mut keyword = None;
        let mut side = None;
        let mut from = false;
        let mut exprs = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_TRIM => keyword = Some(self.name(&p)),
                Rule::trim_side => {
                    side = Some(match p.as_str().trim_end().to_ascii_uppercase().as_str() {
                        "LEADING" => TrimSide::Leading,
                        "TRAILING" => TrimSide::Trailing,
                        _ => TrimSide::Both,
                    })
                }
                Rule::K_FROM => from = true,
                Rule::expression => exprs.push(self.expr(p)?),
                _ => {}
            }
        }
        if !from {
            let keyword = keyword.ok_or_else(|| internal(span))?;
            let name = QualifiedName { span: keyword.span, parts: vec![keyword] };
            return Ok(ExprKind::FunctionCall { name, distinct: false, args: exprs });
        }
        let source = boxed(exprs.pop().ok_or_else(|| internal(span))?);
        let characters = exprs.pop().map(boxed);
        Ok(ExprKind::Trim { side, characters, source })
    }

    fn subquery_expr(&self, pair: Pair) -> LResult<SubqueryExpr> {
        let span = self.span(&pair);
        let body = pair
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::regular_query | Rule::subquery_pattern))
            .ok_or_else(|| internal(span))?;
        if body.as_rule() == Rule::regular_query {
            return Ok(SubqueryExpr::Query(self.regular_query(body)?));
        }
        let mut pattern = None;
        let mut where_ = None;
        for p in body.into_inner() {
            match p.as_rule() {
                Rule::pattern => pattern = Some(self.pattern(p)?),
                Rule::where_clause => where_ = Some(self.where_clause(p)?),
                _ => {}
            }
        }
        let pattern = pattern.ok_or_else(|| internal(span))?;
        Ok(SubqueryExpr::Pattern { pattern, where_ })
    }

    pub(super) fn where_clause(&self, pair: Pair) -> LResult<Expr> {
        let span = self.span(&pair);
        let e = child(&pair, Rule::expression).ok_or_else(|| internal(span))?;
        self.expr(e)
    }

    fn quantified(&self, pair: Pair) -> LResult<ExprKind> {
        let span = self.span(&pair);
        let mut quantifier = ListQuantifier::All;
        let mut variable = None;
        let mut exprs = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_ALL => quantifier = ListQuantifier::All,
                Rule::K_ANY => quantifier = ListQuantifier::Any,
                Rule::K_NONE => quantifier = ListQuantifier::None,
                Rule::K_SINGLE => quantifier = ListQuantifier::Single,
                Rule::variable => variable = Some(self.name(&p)),
                Rule::expression => exprs.push(self.expr(p)?),
                _ => {}
            }
        }
        let mut exprs = exprs.into_iter();
        let variable = variable.ok_or_else(|| internal(span))?;
        let list = boxed(exprs.next().ok_or_else(|| internal(span))?);
        let where_ = exprs.next().map(boxed);
        Ok(ExprKind::Quantified { quantifier, variable, list, where_ })
    }

    fn reduce_expr(&self, pair: Pair) -> LResult<ExprKind> {
        let span = self.span(&pair);
        let mut names = Vec::new();
        let mut exprs = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => names.push(self.name(&p)),
                Rule::expression => exprs.push(self.expr(p)?),
                _ => {}
            }
        }
        let (Ok([accumulator, variable]), Ok([init, list, expr])) =
            (<[Name; 2]>::try_from(names), <[Expr; 3]>::try_from(exprs))
        else {
            return Err(internal(span));
        };
        Ok(ExprKind::Reduce { accumulator, init: boxed(init), variable, list: boxed(list), expr: boxed(expr) })
    }

    fn list_comprehension(&self, pair: Pair) -> LResult<ExprKind> {
        let span = self.span(&pair);
        let mut variable = None;
        let mut list = None;
        let mut where_ = None;
        let mut map = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.name(&p)),
                Rule::expression => list = Some(boxed(self.expr(p)?)),
                Rule::comprehension_where => where_ = Some(boxed(self.expr(p)?)),
                Rule::comprehension_map => map = Some(boxed(self.inner_expr(p)?)),
                _ => {}
            }
        }
        let variable = variable.ok_or_else(|| internal(span))?;
        let list = list.ok_or_else(|| internal(span))?;
        Ok(ExprKind::ListComprehension { variable, list, where_, map })
    }

    fn pattern_comprehension(&self, pair: Pair) -> LResult<ExprKind> {
        let span = self.span(&pair);
        let mut variable = None;
        let mut pattern = None;
        let mut where_ = None;
        let mut map = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.name(&p)),
                Rule::relationships_pattern => pattern = Some(Box::new(self.path_pattern(p)?)),
                Rule::comprehension_where => where_ = Some(boxed(self.expr(p)?)),
                Rule::comprehension_map => map = Some(boxed(self.inner_expr(p)?)),
                _ => {}
            }
        }
        let pattern = pattern.ok_or_else(|| internal(span))?;
        let map = map.ok_or_else(|| internal(span))?;
        Ok(ExprKind::PatternComprehension { variable, pattern, where_, map })
    }

    /// The expression wrapped by a single-child rule such as `comprehension_where`.
    pub(super) fn inner_expr(&self, pair: Pair) -> LResult<Expr> {
        let span = self.span(&pair);
        let e = pair.into_inner().next().ok_or_else(|| internal(span))?;
        self.expr(e)
    }

    fn map_projection_item(&self, pair: Pair) -> LResult<MapProjectionItem> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let parts: Vec<Pair> = pair.into_inner().collect();
        match parts.as_slice() {
            [] => Ok(MapProjectionItem::AllProperties(span)),
            [only] if only.as_rule() == Rule::variable => Ok(MapProjectionItem::Variable(self.name(only))),
            [key] if text.starts_with('.') => Ok(MapProjectionItem::Property(self.name(key))),
            [key, value] => {
                Ok(MapProjectionItem::Literal { span, key: self.name(key), value: self.expr(value.clone())? })
            }
            _ => Err(internal(span)),
        }
    }
}

fn normal_form(text: &str) -> Option<NormalForm> {
    Some(match text.to_ascii_uppercase().as_str() {
        "NFC" => NormalForm::Nfc,
        "NFD" => NormalForm::Nfd,
        "NFKC" => NormalForm::Nfkc,
        "NFKD" => NormalForm::Nfkd,
        _ => return None,
    })
}

fn when_operator(text: &str) -> BinaryOp {
    let upper = text.trim_end().to_ascii_uppercase();
    match upper.as_str() {
        "=~" => BinaryOp::RegexMatch,
        "=" => BinaryOp::Eq,
        "<>" | "!=" => BinaryOp::NotEq,
        "<" => BinaryOp::Lt,
        ">" => BinaryOp::Gt,
        "<=" => BinaryOp::Le,
        ">=" => BinaryOp::Ge,
        u if u.starts_with("STARTS") => BinaryOp::StartsWith,
        _ => BinaryOp::EndsWith,
    }
}

/// Neo4j reads the operand of `WHEN > x` as an arithmetic expression optionally followed by one
/// test (`IS NULL`, `IN l`, …), and that of `WHEN STARTS WITH x` as arithmetic only: the first
/// top-level part beyond that (outside parentheses), if any.
fn when_operand_excess<'i>(operand: &Pair<'i>, allow_one_test: bool) -> Option<Pair<'i>> {
    let mut tests = 0;
    for part in operand.clone().into_inner() {
        let excess = match part.as_rule() {
            Rule::prefix_op => part.as_str().trim_end().eq_ignore_ascii_case("not"),
            Rule::null_check | Rule::type_check | Rule::normalized_check => {
                tests += 1;
                !allow_one_test || tests > 1
            }
            Rule::infix_op => match infix_binding(&part) {
                (_, bp) if bp < 5 => true,
                (_, 5) => true,
                (_, BP_PREDICATE) => {
                    tests += 1;
                    !allow_one_test || tests > 1
                }
                _ => false,
            },
            _ => false,
        };
        if excess {
            return Some(part);
        }
    }
    None
}

/// `-5` and `-9223372036854775808` are literals, as in Neo4j's grammar.
fn fold_sign(op: UnaryOp, operand: &Operand, span: Span) -> Option<Expr> {
    if op != UnaryOp::Minus {
        return None;
    }
    let literal = match &operand.expr.kind {
        ExprKind::Literal(Literal::Integer(v)) if operand.big_int => Literal::Integer(*v),
        ExprKind::Literal(Literal::Integer(v)) => Literal::Integer(v.checked_neg()?),
        ExprKind::Literal(Literal::Float(v)) => Literal::Float(-v),
        _ => return None,
    };
    Some(Expr { span, kind: ExprKind::Literal(literal) })
}

/// The grammar guarantees the shapes lowering relies on; this reports a broken guarantee as a
/// syntax error instead of a panic.
pub(super) fn internal(span: Span) -> LowerError {
    LowerError { span, message: "internal error: unexpected parse tree shape".to_string() }
}

impl Lowerer {
    /// A rule shaped like an expression operand (`primary lookup*`), e.g. a SET target.
    pub(super) fn operand_sequence(&self, pair: Pair) -> LResult<Expr> {
        self.expr(pair)
    }
}
