//! Patterns and label expressions.

use super::expr::internal;
use super::{LResult, Lowerer, Pair};
use crate::ast::*;
use crate::syntax::grammar::Rule;

impl Lowerer {
    pub(super) fn pattern(&self, pair: Pair) -> LResult<Pattern> {
        let span = self.span(&pair);
        let parts = pair.into_inner().map(|p| self.pattern_part(p)).collect::<LResult<_>>()?;
        Ok(Pattern { span, parts })
    }

    pub(super) fn pattern_part(&self, pair: Pair) -> LResult<PatternPart> {
        let span = self.span(&pair);
        let mut variable = None;
        let mut selector = None;
        let mut path = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.name(&p)),
                Rule::path_selector => {
                    selector = Some(PathSelector::Gql { span: self.span(&p), text: self.text(&p).to_string() })
                }
                Rule::shortest_path_pattern => {
                    let (s, inner) = self.shortest_path(p)?;
                    selector = Some(s);
                    path = Some(inner);
                }
                Rule::path_pattern => path = Some(self.path_pattern(p)?),
                _ => {}
            }
        }
        let path = path.ok_or_else(|| internal(span))?;
        Ok(PatternPart { span, variable, selector, path })
    }

    pub(super) fn shortest_path(&self, pair: Pair) -> LResult<(PathSelector, PathPattern)> {
        let span = self.span(&pair);
        let mut all = false;
        let mut path = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_ALLSHORTESTPATHS => all = true,
                Rule::path_pattern => path = Some(self.path_pattern(p)?),
                _ => {}
            }
        }
        let path = path.ok_or_else(|| internal(span))?;
        Ok((PathSelector::ShortestPathFunction { span, all }, path))
    }

    /// `path_pattern` and `relationships_pattern`: nodes, relationships (with an optional
    /// quantifier right after them) and parenthesized sub-paths.
    pub(super) fn path_pattern(&self, pair: Pair) -> LResult<PathPattern> {
        let span = self.span(&pair);
        let mut elements: Vec<PathElement> = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::node_pattern => elements.push(PathElement::Node(self.node_pattern(p)?)),
                Rule::relationship_pattern => elements.push(PathElement::Relationship(self.relationship_pattern(p)?)),
                Rule::parenthesized_path => elements.push(PathElement::Parenthesized(self.parenthesized_path(p)?)),
                Rule::quantifier => {
                    let q = self.quantifier(p)?;
                    if let Some(PathElement::Relationship(r)) = elements.last_mut() {
                        r.span = r.span.cover(q.span());
                        r.quantifier = Some(q);
                    }
                }
                _ => {}
            }
        }
        Ok(PathPattern { span, elements })
    }

    fn node_pattern(&self, pair: Pair) -> LResult<NodePattern> {
        let span = self.span(&pair);
        let mut node = NodePattern { span, variable: None, labels: None, properties: None, where_: None };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => node.variable = Some(self.name(&p)),
                Rule::label_expr => node.labels = Some(self.label_expr(p)?),
                Rule::map_literal | Rule::parameter | Rule::legacy_parameter => {
                    node.properties = Some(self.properties(p)?)
                }
                Rule::expression => node.where_ = Some(self.expr(p)?),
                _ => {}
            }
        }
        Ok(node)
    }

    /// A pattern's `{…}` or `$param` properties, as an expression.
    fn properties(&self, pair: Pair) -> LResult<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::map_literal => ExprKind::Map(self.map_literal(pair)?),
            _ => ExprKind::Parameter(self.parameter(&pair)),
        };
        Ok(Expr { span, kind })
    }

    fn relationship_pattern(&self, pair: Pair) -> LResult<RelationshipPattern> {
        let span = self.span(&pair);
        let mut left = false;
        let mut right = false;
        let mut rel = RelationshipPattern {
            span,
            direction: Direction::Either,
            variable: None,
            types: None,
            length: None,
            properties: None,
            where_: None,
            quantifier: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::arrow_left => left = true,
                Rule::arrow_right => right = true,
                Rule::relationship_detail => self.relationship_detail(p, &mut rel)?,
                _ => {}
            }
        }
        rel.direction = match (left, right) {
            (true, false) => Direction::Incoming,
            (false, true) => Direction::Outgoing,
            _ => Direction::Either,
        };
        Ok(rel)
    }

    fn relationship_detail(&self, pair: Pair, rel: &mut RelationshipPattern) -> LResult<()> {
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => rel.variable = Some(self.name(&p)),
                Rule::label_expr => rel.types = Some(self.label_expr(p)?),
                Rule::var_length => rel.length = Some(self.var_length(p)?),
                Rule::map_literal | Rule::parameter | Rule::legacy_parameter => {
                    rel.properties = Some(self.properties(p)?)
                }
                Rule::expression => rel.where_ = Some(self.expr(p)?),
                _ => {}
            }
        }
        Ok(())
    }

    fn var_length(&self, pair: Pair) -> LResult<RangeQuantifier> {
        let span = self.span(&pair);
        let mut min = None;
        let mut max = None;
        let mut dots = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::range_min => min = Some(self.small_integer_expr(&p)?),
                Rule::range_max => max = Some(self.small_integer_expr(&p)?),
                Rule::range_dots => dots = true,
                _ => {}
            }
        }
        if !dots && min.is_some() {
            max = min.clone();
        }
        Ok(RangeQuantifier { span, min, max, exact: !dots })
    }

    fn small_integer_expr(&self, pair: &Pair) -> LResult<Expr> {
        let value = self.small_integer(pair)?;
        let value = i64::try_from(value).map_err(|_| self.error(pair, "integer literal is too large"))?;
        Ok(Expr { span: self.span(pair), kind: ExprKind::Literal(Literal::Integer(value)) })
    }

    fn small_integer(&self, pair: &Pair) -> LResult<u64> {
        pair.as_str().parse::<u64>().map_err(|_| self.error(pair, "integer literal is too large"))
    }

    fn parenthesized_path(&self, pair: Pair) -> LResult<ParenthesizedPath> {
        let span = self.span(&pair);
        let mut variable = None;
        let mut selector = None;
        let mut path = None;
        let mut where_ = None;
        let mut quantifier = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.name(&p)),
                Rule::path_selector => {
                    selector = Some(PathSelector::Gql { span: self.span(&p), text: self.text(&p).to_string() })
                }
                Rule::path_pattern => path = Some(self.path_pattern(p)?),
                Rule::expression => where_ = Some(self.expr(p)?),
                Rule::quantifier => quantifier = Some(self.quantifier(p)?),
                _ => {}
            }
        }
        let path = path.ok_or_else(|| internal(span))?;
        let part_span = path.span;
        Ok(ParenthesizedPath {
            span,
            pattern: Box::new(PatternPart { span: part_span, variable, selector, path }),
            where_,
            quantifier,
        })
    }

    fn quantifier(&self, pair: Pair) -> LResult<Quantifier> {
        let span = self.span(&pair);
        match pair.as_str() {
            "+" => return Ok(Quantifier::Plus { span }),
            "*" => return Ok(Quantifier::Star { span }),
            _ => {}
        }
        let mut min = None;
        let mut max = None;
        let mut comma = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::quantifier_min => min = Some(self.small_integer(&p)?),
                Rule::quantifier_max => max = Some(self.small_integer(&p)?),
                Rule::quantifier_comma => comma = true,
                _ => {}
            }
        }
        if !comma {
            max = min;
        }
        Ok(Quantifier::Range { span, min, max })
    }

    /// `label_expr` and `label_expr_in_expression`: `|` over `&`/`:` over `!` over atoms.
    pub(super) fn label_expr(&self, pair: Pair) -> LResult<LabelExpr> {
        let span = self.span(&pair);
        let mut alternatives = pair.into_inner().map(|p| self.label_and(p)).collect::<LResult<Vec<_>>>()?;
        if alternatives.len() == 1 {
            return alternatives.pop().ok_or_else(|| internal(span));
        }
        Ok(LabelExpr::Or(span, alternatives))
    }

    fn label_and(&self, pair: Pair) -> LResult<LabelExpr> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner().map(|p| self.label_not(p)).collect::<LResult<Vec<_>>>()?;
        if parts.len() == 1 {
            return parts.pop().ok_or_else(|| internal(span));
        }
        Ok(LabelExpr::And(span, parts))
    }

    fn label_not(&self, pair: Pair) -> LResult<LabelExpr> {
        let span = self.span(&pair);
        let mut bangs = Vec::new();
        let mut atom = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::label_bang => bangs.push(self.span(&p).start),
                Rule::label_wildcard => atom = Some(LabelExpr::Wildcard(self.span(&p))),
                Rule::label_name => atom = Some(LabelExpr::Name(self.name(&p))),
                Rule::label_expr => atom = Some(self.label_expr(p)?),
                Rule::dynamic_label => {
                    let ds = self.span(&p);
                    let e = super::child(&p, Rule::expression).ok_or_else(|| internal(ds))?;
                    atom = Some(LabelExpr::Dynamic(ds, Box::new(self.expr(e)?)));
                }
                _ => {}
            }
        }
        let mut result = atom.ok_or_else(|| internal(span))?;
        for start in bangs.into_iter().rev() {
            let s = crate::span::Span::new(start, span.end);
            result = LabelExpr::Not(s, Box::new(result));
        }
        Ok(result)
    }
}
