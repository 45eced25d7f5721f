//! Schema commands (Neo4j 5 and legacy 4.x), SHOW, TERMINATE and administration commands.

use super::expr::internal;
use super::{child, has_child, LResult, Lowerer, Pair};
use crate::ast::*;
use crate::span::Span;
use crate::syntax::grammar::Rule;

/// SHOW targets analysed as [`ShowCommand`]; the others (databases, users, ...) are admin commands.
const SHOW_TARGETS: &[&str] = &[
    "INDEX",
    "INDEXES",
    "CONSTRAINT",
    "CONSTRAINTS",
    "PROCEDURE",
    "PROCEDURES",
    "FUNCTION",
    "FUNCTIONS",
    "TRANSACTION",
    "TRANSACTIONS",
    "SETTING",
    "SETTINGS",
];

impl Lowerer {
    pub(super) fn create_constraint(&self, pair: Pair) -> LResult<CreateConstraint> {
        let span = self.span(&pair);
        let mut name = None;
        let mut if_not_exists = false;
        let mut definition = None;
        let mut options = None;
        let mut legacy = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_name => name = Some(self.name(&p)),
                Rule::if_not_exists => if_not_exists = true,
                Rule::constraint_for => definition = Some(self.constraint_definition(p)?),
                Rule::constraint_legacy => {
                    let lspan = self.span(&p);
                    definition = Some(self.constraint_definition(p)?);
                    legacy = Some(lspan);
                }
                Rule::options => options = Some(self.options(p)?),
                _ => {}
            }
        }
        let (entity, kind, properties) = definition.ok_or_else(|| internal(span))?;
        if let Some(l) = legacy.as_mut() {
            // "spans from `ON` to the end" (options included).
            l.end = span.end;
        }
        Ok(CreateConstraint { span, name, if_not_exists, entity, kind, properties, options, legacy })
    }

    /// The entity, kind and properties of `FOR … REQUIRE …` or `ON … ASSERT …`.
    fn constraint_definition(&self, pair: Pair) -> LResult<(SchemaEntity, ConstraintKind, Vec<PropertyRef>)> {
        let span = self.span(&pair);
        let mut entity = None;
        let mut properties = Vec::new();
        let mut kind_pair = None;
        let mut exists_form = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_entity => entity = Some(self.schema_entity(p)?),
                Rule::property_ref => properties.push(self.property_ref(p)?),
                Rule::legacy_exists => {
                    exists_form = true;
                    for r in p.into_inner().filter(|r| r.as_rule() == Rule::property_ref) {
                        properties.push(self.property_ref(r)?);
                    }
                }
                Rule::constraint_kind => kind_pair = Some(p),
                _ => {}
            }
        }
        let entity = entity.ok_or_else(|| internal(span))?;
        let kind = match kind_pair {
            _ if exists_form => ConstraintKind::NotNull,
            Some(k) => constraint_kind(k, entity.kind),
            None => return Err(internal(span)),
        };
        Ok((entity, kind, properties))
    }

    fn schema_entity(&self, pair: Pair) -> LResult<SchemaEntity> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or_else(|| internal(span))?;
        let kind =
            if inner.as_rule() == Rule::schema_relationship { EntityKind::Relationship } else { EntityKind::Node };
        let mut variable = None;
        let mut labels = Vec::new();
        for p in inner.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.name(&p)),
                Rule::label_name => labels.push(self.name(&p)),
                _ => {}
            }
        }
        Ok(SchemaEntity { span, kind, variable, labels })
    }

    fn lookup_entity(&self, pair: Pair) -> SchemaEntity {
        let span = self.span(&pair);
        let kind = if pair.as_str().contains('[') { EntityKind::Relationship } else { EntityKind::Node };
        let variable = pair.into_inner().filter(|p| p.as_rule() == Rule::variable).last().map(|v| self.name(&v));
        SchemaEntity { span, kind, variable, labels: Vec::new() }
    }

    fn property_ref(&self, pair: Pair) -> LResult<PropertyRef> {
        let span = self.span(&pair);
        let v = child(&pair, Rule::variable).ok_or_else(|| internal(span))?;
        let k = child(&pair, Rule::symbolic_name_key).ok_or_else(|| internal(span))?;
        Ok(PropertyRef { span, variable: self.name(&v), key: self.name(&k) })
    }

    fn options(&self, pair: Pair) -> LResult<Expr> {
        let span = self.span(&pair);
        let value = pair
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::map_literal | Rule::parameter))
            .ok_or_else(|| internal(span))?;
        let vspan = self.span(&value);
        let kind = match value.as_rule() {
            Rule::map_literal => ExprKind::Map(self.map_literal(value)?),
            _ => ExprKind::Parameter(self.parameter(&value)),
        };
        Ok(Expr { span: vspan, kind })
    }

    pub(super) fn drop_constraint(&self, pair: Pair) -> LResult<DropConstraint> {
        let span = self.span(&pair);
        let mut if_exists = false;
        let mut target = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_name => target = Some(DropTarget::Name(self.name(&p))),
                Rule::if_exists => if_exists = true,
                Rule::constraint_legacy_target => {
                    let lspan = Span::new(self.span(&p).start, span.end);
                    let (entity, kind, properties) = self.constraint_definition(p)?;
                    target = Some(DropTarget::LegacyDefinition { span: lspan, entity, kind: Some(kind), properties });
                }
                _ => {}
            }
        }
        let target = target.ok_or_else(|| internal(span))?;
        Ok(DropConstraint { span, if_exists, target })
    }

    pub(super) fn create_index(&self, pair: Pair) -> LResult<CreateIndex> {
        let span = self.span(&pair);
        let mut index = CreateIndex {
            span,
            name: None,
            if_not_exists: false,
            or_replace: false,
            kind: IndexKind::Default,
            entity: SchemaEntity { span, kind: EntityKind::Node, variable: None, labels: Vec::new() },
            properties: Vec::new(),
            options: None,
            legacy: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::K_REPLACE => index.or_replace = true,
                Rule::index_kind => index.kind = index_kind(p.as_str()),
                Rule::schema_name => index.name = Some(self.name(&p)),
                Rule::if_not_exists => index.if_not_exists = true,
                Rule::index_for => self.index_for(p, &mut index)?,
                Rule::index_legacy => {
                    index.legacy = Some(Span::new(self.span(&p).start, span.end));
                    let (entity, properties) = self.legacy_index_target(p)?;
                    index.entity = entity;
                    index.properties = properties;
                }
                Rule::options => index.options = Some(self.options(p)?),
                _ => {}
            }
        }
        Ok(index)
    }

    fn index_for(&self, pair: Pair, index: &mut CreateIndex) -> LResult<()> {
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_entity => index.entity = self.schema_entity(p)?,
                Rule::lookup_entity => index.entity = self.lookup_entity(p),
                Rule::property_ref => index.properties.push(self.property_ref(p)?),
                _ => {}
            }
        }
        Ok(())
    }

    /// `ON :Label(p1, p2)`: the properties have no variable; theirs is an empty name.
    fn legacy_index_target(&self, pair: Pair) -> LResult<(SchemaEntity, Vec<PropertyRef>)> {
        let span = self.span(&pair);
        let label = child(&pair, Rule::label_name).ok_or_else(|| internal(span))?;
        let label = self.name(&label);
        let entity = SchemaEntity { span: label.span, kind: EntityKind::Node, variable: None, labels: vec![label] };
        let properties = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::symbolic_name_key)
            .map(|k| {
                let key = self.name(&k);
                let variable = Name { span: Span::at(key.span.start), value: String::new() };
                PropertyRef { span: key.span, variable, key }
            })
            .collect();
        Ok((entity, properties))
    }

    pub(super) fn drop_index(&self, pair: Pair) -> LResult<DropIndex> {
        let span = self.span(&pair);
        let mut if_exists = false;
        let mut target = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_name => target = Some(DropTarget::Name(self.name(&p))),
                Rule::if_exists => if_exists = true,
                Rule::index_legacy => {
                    let lspan = Span::new(self.span(&p).start, span.end);
                    let (entity, properties) = self.legacy_index_target(p)?;
                    target = Some(DropTarget::LegacyDefinition { span: lspan, entity, kind: None, properties });
                }
                _ => {}
            }
        }
        let target = target.ok_or_else(|| internal(span))?;
        Ok(DropIndex { span, if_exists, target })
    }

    /// SHOW INDEXES / CONSTRAINTS / ... or, for databases, users and the like, an admin command.
    pub(super) fn show_command(&self, pair: Pair) -> LResult<StatementKind> {
        let span = self.span(&pair);
        let words: Vec<String> = pair
            .clone()
            .into_inner()
            .filter(|p| p.as_rule() == Rule::show_word)
            .map(|p| p.as_str().to_ascii_uppercase())
            .collect();
        if !words.iter().any(|w| SHOW_TARGETS.contains(&w.as_str())) {
            let mut keywords = vec!["SHOW".to_string()];
            keywords.extend(words);
            return Ok(StatementKind::Admin(AdminCommand { span, keywords }));
        }
        let (_, yield_, where_, return_, next) = self.show_tail(pair)?;
        Ok(StatementKind::Show(ShowCommand { span, target: words.join(" "), yield_, where_, return_, next }))
    }

    pub(super) fn terminate_command(&self, pair: Pair) -> LResult<TerminateCommand> {
        let span = self.span(&pair);
        let (ids, yield_, where_, return_, next) = self.show_tail(pair)?;
        Ok(TerminateCommand { span, ids, yield_, where_, return_, next })
    }

    #[allow(clippy::type_complexity)]
    fn show_tail(
        &self,
        pair: Pair,
    ) -> LResult<(Vec<Expr>, Option<ShowYield>, Option<Expr>, Option<ReturnClause>, Option<Box<StatementKind>>)> {
        let mut next = None;
        let mut ids = Vec::new();
        let mut yield_ = None;
        let mut where_ = None;
        let mut return_ = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::show_ids => {
                    for e in p.into_inner() {
                        ids.push(self.expr(e)?);
                    }
                }
                Rule::show_yield => {
                    let yspan = self.span(&p);
                    let proj = child(&p, Rule::projection).ok_or_else(|| internal(yspan))?;
                    let w = child(&p, Rule::where_clause).map(|w| self.where_clause(w)).transpose()?;
                    yield_ = Some(ShowYield { span: yspan, projection: self.projection(proj)?, where_: w });
                }
                Rule::where_clause => where_ = Some(self.where_clause(p)?),
                Rule::return_clause => return_ = Some(self.return_clause(p)?),
                Rule::show_command => next = Some(Box::new(self.show_command(p)?)),
                Rule::terminate_command => next = Some(Box::new(StatementKind::Terminate(self.terminate_command(p)?))),
                _ => {}
            }
        }
        Ok((ids, yield_, where_, return_, next))
    }

    pub(super) fn admin_command(&self, pair: Pair) -> LResult<AdminCommand> {
        let span = self.span(&pair);
        let lead = child(&pair, Rule::admin_lead).ok_or_else(|| internal(span))?;
        let keywords = lead.into_inner().map(|k| k.as_str().to_ascii_uppercase()).collect();
        Ok(AdminCommand { span, keywords })
    }
}

fn constraint_kind(pair: Pair, entity: EntityKind) -> ConstraintKind {
    if let Some(t) = child(&pair, Rule::cypher_type) {
        return ConstraintKind::PropertyType(t.as_str().trim_end().to_string());
    }
    if has_child(&pair, Rule::K_UNIQUE) {
        return ConstraintKind::Unique;
    }
    if has_child(&pair, Rule::K_KEY) {
        let relationship = has_child(&pair, Rule::K_RELATIONSHIP)
            || has_child(&pair, Rule::K_REL)
            || (!has_child(&pair, Rule::K_NODE) && entity == EntityKind::Relationship);
        return if relationship { ConstraintKind::RelationshipKey } else { ConstraintKind::NodeKey };
    }
    ConstraintKind::NotNull
}

fn index_kind(text: &str) -> IndexKind {
    match text.to_ascii_uppercase().as_str() {
        "RANGE" => IndexKind::Range,
        "TEXT" => IndexKind::Text,
        "POINT" => IndexKind::Point,
        "FULLTEXT" => IndexKind::Fulltext,
        "LOOKUP" => IndexKind::Lookup,
        "VECTOR" => IndexKind::Vector,
        "BTREE" => IndexKind::Btree,
        _ => IndexKind::Default,
    }
}
