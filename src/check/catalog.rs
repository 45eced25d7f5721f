//! The checker's view of the schema: constraints and indexes created by the migrations replayed
//! so far. It answers the questions the schema-aware rules ask (is there a uniqueness constraint
//! on `:L(k)`? does a DROP refer to a known definition?). The compile step's schema model is the
//! richer one; this one only needs names, kinds, labels and properties.

use crate::ast::{
    ConstraintKind, DropTarget, EntityKind, IndexKind, SchemaCommand, Statement, StatementKind,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintDef {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub entity: EntityKind,
    pub label: String,
    pub properties: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDef {
    pub name: Option<String>,
    pub kind: IndexKind,
    pub entity: EntityKind,
    pub labels: Vec<String>,
    pub properties: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub constraints: Vec<ConstraintDef>,
    pub indexes: Vec<IndexDef>,
}

impl Catalog {
    /// Replays one statement (anything but a schema command is ignored).
    pub fn apply(&mut self, stmt: &Statement) {
        let StatementKind::Schema(cmd) = &stmt.kind else { return };
        match cmd {
            SchemaCommand::CreateConstraint(c) => {
                let def = ConstraintDef {
                    name: c.name.as_ref().map(|n| n.value.clone()),
                    kind: c.kind.clone(),
                    entity: c.entity.kind,
                    label: c.entity.labels.first().map(|l| l.value.clone()).unwrap_or_default(),
                    properties: c.properties.iter().map(|p| p.key.value.clone()).collect(),
                };
                if !self.constraints.iter().any(|d| same_constraint(d, &def)) {
                    self.constraints.push(def);
                }
            }
            SchemaCommand::CreateIndex(c) => {
                let def = IndexDef {
                    name: c.name.as_ref().map(|n| n.value.clone()),
                    kind: c.kind,
                    entity: c.entity.kind,
                    labels: c.entity.labels.iter().map(|l| l.value.clone()).collect(),
                    properties: c.properties.iter().map(|p| p.key.value.clone()).collect(),
                };
                if !self.indexes.iter().any(|d| d.name.is_some() && d.name == def.name) {
                    self.indexes.push(def);
                }
            }
            SchemaCommand::DropConstraint(d) => match &d.target {
                DropTarget::Name(n) => self.constraints.retain(|c| c.name.as_deref() != Some(&n.value)),
                DropTarget::LegacyDefinition { entity, properties, .. } => {
                    let label = entity.labels.first().map(|l| l.value.as_str()).unwrap_or("");
                    let props: Vec<&str> = properties.iter().map(|p| p.key.value.as_str()).collect();
                    self.constraints.retain(|c| !(c.label == label && c.properties == props));
                }
            },
            SchemaCommand::DropIndex(d) => match &d.target {
                DropTarget::Name(n) => self.indexes.retain(|i| i.name.as_deref() != Some(&n.value)),
                DropTarget::LegacyDefinition { entity, properties, .. } => {
                    let props: Vec<&str> = properties.iter().map(|p| p.key.value.as_str()).collect();
                    self.indexes.retain(|i| {
                        !(i.labels.iter().map(String::as_str).eq(entity.labels.iter().map(|l| l.value.as_str()))
                            && i.properties == props)
                    });
                }
            },
        }
    }

    pub fn apply_all<'a>(&mut self, statements: impl IntoIterator<Item = &'a Statement>) {
        for s in statements {
            self.apply(s);
        }
    }

    /// A uniqueness or key constraint on `label` whose properties are all among `keys`, so that
    /// a MERGE on `keys` is backed by it (and the lock it takes).
    pub fn unique_constraint_covering(&self, label: &str, keys: &[&str]) -> Option<&ConstraintDef> {
        self.constraints.iter().find(|c| {
            c.entity == EntityKind::Node
                && c.label == label
                && matches!(c.kind, ConstraintKind::Unique | ConstraintKind::NodeKey)
                && !c.properties.is_empty()
                && c.properties.iter().all(|p| keys.contains(&p.as_str()))
        })
    }

    /// Whether `property` of `label` is covered by a uniqueness or key constraint.
    pub fn is_unique_property(&self, label: &str, property: &str) -> bool {
        self.unique_constraint_covering(label, &[property]).is_some()
    }

    pub fn constraint_named(&self, name: &str) -> Option<&ConstraintDef> {
        self.constraints.iter().find(|c| c.name.as_deref() == Some(name))
    }

    pub fn index_named(&self, name: &str) -> Option<&IndexDef> {
        self.indexes.iter().find(|c| c.name.as_deref() == Some(name))
    }

    /// A constraint with this definition, for rewriting legacy drops into drops by name.
    pub fn constraint_defined_as(&self, label: &str, properties: &[&str]) -> Option<&ConstraintDef> {
        self.constraints.iter().find(|c| c.label == label && c.properties.iter().map(String::as_str).eq(properties.iter().copied()))
    }

    pub fn index_defined_as(&self, label: &str, properties: &[&str]) -> Option<&IndexDef> {
        self.indexes.iter().find(|i| {
            i.labels.len() == 1 && i.labels[0] == label && i.properties.iter().map(String::as_str).eq(properties.iter().copied())
        })
    }

    /// Indexes and constraints (which are backed by indexes) that can serve lookups of
    /// `label.property`.
    pub fn indexes_property(&self, label: &str, property: &str) -> bool {
        self.indexes.iter().any(|i| i.labels.iter().any(|l| l == label) && i.properties.iter().any(|p| p == property))
            || self.constraints.iter().any(|c| {
                c.label == label
                    && matches!(c.kind, ConstraintKind::Unique | ConstraintKind::NodeKey | ConstraintKind::RelationshipKey)
                    && c.properties.iter().any(|p| p == property)
            })
    }
}

fn same_constraint(a: &ConstraintDef, b: &ConstraintDef) -> bool {
    match (&a.name, &b.name) {
        (Some(x), Some(y)) => x == y,
        _ => a.kind == b.kind && a.entity == b.entity && a.label == b.label && a.properties == b.properties,
    }
}
