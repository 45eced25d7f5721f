//! Indexes and constraints as the schema model knows them, and the Cypher that creates or drops
//! each one (Neo4j 5 syntax).

use crate::ast::{
    ConstraintKind, CreateConstraint, CreateIndex, DropTarget, EntityKind, IndexKind, PropertyRef, SchemaEntity,
};
use imbl::{HashMap, Vector};
use serde::Serialize;
use std::sync::Arc;

/// What kind of schema object this is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ObjectKind {
    Index(IndexKind),
    Constraint(ConstraintKind),
}

impl ObjectKind {
    pub fn is_index(&self) -> bool {
        matches!(self, ObjectKind::Index(_))
    }

    pub fn is_constraint(&self) -> bool {
        matches!(self, ObjectKind::Constraint(_))
    }

    /// Uniqueness and key constraints: the ones that make a MERGE on their properties safe.
    pub fn is_unique_or_key(&self) -> bool {
        matches!(
            self,
            ObjectKind::Constraint(ConstraintKind::Unique | ConstraintKind::NodeKey | ConstraintKind::RelationshipKey)
        )
    }

    /// Constraints backed by an index (uniqueness and key constraints), which come online like
    /// indexes do.
    pub fn is_index_backed(&self) -> bool {
        self.is_index() || self.is_unique_or_key()
    }
}

/// One index or constraint, as defined by the statement that created it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemaObject {
    /// `None` when the statement left naming to Neo4j (the name is then generated).
    pub name: Option<String>,
    pub kind: ObjectKind,
    pub entity: EntityKind,
    /// Labels (nodes) or relationship types; several only for full-text indexes; none for LOOKUP.
    pub labels: Vec<String>,
    /// Property keys, in definition order.
    pub properties: Vec<String>,
    /// The `OPTIONS {…}` map as written.
    pub options: Option<String>,
    /// The version of the migration that created it (as written in the file name).
    pub created_by: Option<String>,
}

impl SchemaObject {
    pub fn from_create_index(c: &CreateIndex, source: &str, created_by: Option<&str>) -> Self {
        SchemaObject {
            name: c.name.as_ref().map(|n| n.value.clone()),
            kind: ObjectKind::Index(c.kind),
            entity: c.entity.kind,
            labels: label_names(&c.entity),
            properties: property_keys(&c.properties),
            options: c.options.as_ref().map(|o| o.span.text(source).to_string()),
            created_by: created_by.map(str::to_string),
        }
    }

    pub fn from_create_constraint(c: &CreateConstraint, source: &str, created_by: Option<&str>) -> Self {
        SchemaObject {
            name: c.name.as_ref().map(|n| n.value.clone()),
            kind: ObjectKind::Constraint(normalise_key_kind(&c.kind, c.entity.kind)),
            entity: c.entity.kind,
            labels: label_names(&c.entity),
            properties: property_keys(&c.properties),
            options: c.options.as_ref().map(|o| o.span.text(source).to_string()),
            created_by: created_by.map(str::to_string),
        }
    }

    /// True when both describe the same schema (kind, entity, labels, properties), whatever
    /// their names: Neo4j refuses a second index or constraint on the same schema.
    pub fn same_schema(&self, other: &SchemaObject) -> bool {
        self.kind_equivalent(&other.kind)
            && self.entity == other.entity
            && self.labels == other.labels
            && self.properties == other.properties
    }

    fn kind_equivalent(&self, other: &ObjectKind) -> bool {
        match (&self.kind, other) {
            (ObjectKind::Index(a), ObjectKind::Index(b)) => range_like(*a) == range_like(*b),
            (a, b) => a == b,
        }
    }

    /// True when this object matches a legacy drop-by-definition (`DROP INDEX ON :L(p)`,
    /// `DROP CONSTRAINT ON (n:L) ASSERT …`).
    pub fn matches_legacy_target(&self, target: &DropTarget, is_index: bool) -> bool {
        let DropTarget::LegacyDefinition { entity, kind, properties, .. } = target else {
            return false;
        };
        let kind_ok = match (&self.kind, kind) {
            (ObjectKind::Index(k), _) if is_index => range_like(*k),
            (ObjectKind::Constraint(have), Some(want)) if !is_index => *have == normalise_key_kind(want, entity.kind),
            (ObjectKind::Constraint(_), None) if !is_index => true,
            _ => false,
        };
        kind_ok
            && self.entity == entity.kind
            && self.labels == label_names(entity)
            && self.properties == property_keys(properties)
    }

    /// True when the object is on the single label (or type) `label` and exactly `properties`,
    /// in that order.
    pub fn is_defined_as(&self, label: &str, properties: &[&str]) -> bool {
        self.labels.len() == 1
            && self.labels[0] == label
            && self.properties.iter().map(String::as_str).eq(properties.iter().copied())
    }

    /// A short human description: `uniqueness constraint `person_email` on :Person(email)`.
    pub fn describe(&self) -> String {
        let what = match &self.kind {
            ObjectKind::Index(k) => format!("{} index", index_kind_word(*k).to_lowercase()),
            ObjectKind::Constraint(k) => format!("{} constraint", constraint_kind_word(k)),
        };
        let name = self.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_else(|| " (unnamed)".into());
        let labels = match self.entity {
            EntityKind::Node => self.labels.iter().map(|l| format!(":{l}")).collect::<Vec<_>>().join("|"),
            EntityKind::Relationship => {
                format!("[:{}]", self.labels.join("|"))
            }
        };
        format!("{what}{name} on {labels}({})", self.properties.join(", "))
    }

    /// `DROP INDEX name IF EXISTS` / `DROP CONSTRAINT name IF EXISTS`; `None` when the object has
    /// no name we know (Neo4j 5 drops by name only).
    pub fn drop_cypher(&self) -> Option<String> {
        let name = self.name.as_deref()?;
        let what = if self.kind.is_index() { "INDEX" } else { "CONSTRAINT" };
        Some(format!("DROP {what} {} IF EXISTS", quote_name(name)))
    }

    /// The object a legacy `DROP INDEX ON :L(p)` / `DROP CONSTRAINT ON (n:L) ASSERT …` names: its
    /// definition is spelled out (its name and options are not). `None` for a name target or a
    /// constraint whose kind the statement does not give.
    pub fn from_legacy_target(target: &DropTarget, is_index: bool) -> Option<Self> {
        let DropTarget::LegacyDefinition { entity, kind, properties, .. } = target else { return None };
        let kind = if is_index {
            ObjectKind::Index(IndexKind::Default)
        } else {
            ObjectKind::Constraint(normalise_key_kind(kind.as_ref()?, entity.kind))
        };
        Some(SchemaObject {
            name: None,
            kind,
            entity: entity.kind,
            labels: label_names(entity),
            properties: property_keys(properties),
            options: None,
            created_by: None,
        })
    }

    /// The Neo4j 4.x drop by definition of this object (`DROP INDEX ON :L(p)`, `DROP CONSTRAINT
    /// ON (n:L) ASSERT n.p IS UNIQUE`): the only way to drop an unnamed one there. `None` for the
    /// kinds 4.x cannot drop by definition.
    pub fn legacy_drop_cypher(&self) -> Option<String> {
        let [label] = self.labels.as_slice() else { return None };
        if self.properties.is_empty() {
            return None;
        }
        let label = quote_name(label);
        let node = self.entity == EntityKind::Node;
        match &self.kind {
            ObjectKind::Index(k) if range_like(*k) && node => {
                let props = self.properties.iter().map(|p| quote_name(p)).collect::<Vec<_>>().join(", ");
                Some(format!("DROP INDEX ON :{label}({props})"))
            }
            ObjectKind::Constraint(kind) => {
                let var = if node { "n" } else { "r" };
                let entity = if node { format!("({var}:{label})") } else { format!("()-[{var}:{label}]-()") };
                let list = self.property_list(var);
                let predicate = match kind {
                    ConstraintKind::Unique if node && self.properties.len() == 1 => format!("{list} IS UNIQUE"),
                    ConstraintKind::Unique if node => format!("({list}) IS UNIQUE"),
                    ConstraintKind::NodeKey if node => format!("({list}) IS NODE KEY"),
                    ConstraintKind::NotNull if self.properties.len() == 1 => format!("exists({list})"),
                    _ => return None,
                };
                Some(format!("DROP CONSTRAINT ON {entity} ASSERT {predicate}"))
            }
            _ => None,
        }
    }

    /// The Neo4j 5 statement that creates exactly this object, with `IF NOT EXISTS` (so a
    /// re-run after a partial failure is harmless) and the same options.
    pub fn create_cypher(&self) -> String {
        let name = self.name.as_deref().map(|n| format!(" {}", quote_name(n))).unwrap_or_default();
        let var = if self.entity == EntityKind::Node { "n" } else { "r" };
        let entity = self.entity_pattern(var);
        let mut out = match &self.kind {
            ObjectKind::Index(kind) => {
                let keyword = match kind {
                    IndexKind::Default | IndexKind::Btree => "",
                    other => index_kind_word(*other),
                };
                let keyword = if keyword.is_empty() { String::new() } else { format!("{keyword} ") };
                let on = match kind {
                    IndexKind::Lookup if self.entity == EntityKind::Node => "ON EACH labels(n)".to_string(),
                    IndexKind::Lookup => "ON EACH type(r)".to_string(),
                    IndexKind::Fulltext => format!("ON EACH [{}]", self.property_list(var)),
                    _ => format!("ON ({})", self.property_list(var)),
                };
                format!("CREATE {keyword}INDEX{name} IF NOT EXISTS FOR {entity} {on}")
            }
            ObjectKind::Constraint(kind) => {
                let props = if self.properties.len() == 1 {
                    self.property_list(var)
                } else {
                    format!("({})", self.property_list(var))
                };
                let predicate = match kind {
                    ConstraintKind::Unique => "IS UNIQUE".to_string(),
                    ConstraintKind::NodeKey => "IS NODE KEY".to_string(),
                    ConstraintKind::RelationshipKey => "IS RELATIONSHIP KEY".to_string(),
                    ConstraintKind::NotNull => "IS NOT NULL".to_string(),
                    ConstraintKind::PropertyType(t) => format!("IS :: {t}"),
                };
                format!("CREATE CONSTRAINT{name} IF NOT EXISTS FOR {entity} REQUIRE {props} {predicate}")
            }
        };
        if let Some(options) = &self.options {
            out.push_str(" OPTIONS ");
            out.push_str(options);
        }
        out
    }

    fn entity_pattern(&self, var: &str) -> String {
        let labels = self.labels.iter().map(|l| quote_name(l)).collect::<Vec<_>>().join("|");
        let labels = if labels.is_empty() { String::new() } else { format!(":{labels}") };
        match self.entity {
            EntityKind::Node => format!("({var}{labels})"),
            EntityKind::Relationship => format!("()-[{var}{labels}]-()"),
        }
    }

    fn property_list(&self, var: &str) -> String {
        self.properties.iter().map(|p| format!("{var}.{}", quote_name(p))).collect::<Vec<_>>().join(", ")
    }
}

/// Indexes that Neo4j 5 treats as the same range index: no keyword, `RANGE`, and the 4.x `BTREE`.
fn range_like(kind: IndexKind) -> bool {
    matches!(kind, IndexKind::Default | IndexKind::Range | IndexKind::Btree)
}

/// `IS KEY` on a relationship is a relationship key even when the AST says NodeKey, and vice versa.
fn normalise_key_kind(kind: &ConstraintKind, entity: EntityKind) -> ConstraintKind {
    match (kind, entity) {
        (ConstraintKind::NodeKey, EntityKind::Relationship) => ConstraintKind::RelationshipKey,
        (ConstraintKind::RelationshipKey, EntityKind::Node) => ConstraintKind::NodeKey,
        (k, _) => k.clone(),
    }
}

pub(crate) fn index_kind_word(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Default => "RANGE",
        IndexKind::Range => "RANGE",
        IndexKind::Text => "TEXT",
        IndexKind::Point => "POINT",
        IndexKind::Fulltext => "FULLTEXT",
        IndexKind::Lookup => "LOOKUP",
        IndexKind::Vector => "VECTOR",
        IndexKind::Btree => "BTREE",
    }
}

fn constraint_kind_word(kind: &ConstraintKind) -> String {
    match kind {
        ConstraintKind::Unique => "uniqueness".into(),
        ConstraintKind::NodeKey => "node key".into(),
        ConstraintKind::RelationshipKey => "relationship key".into(),
        ConstraintKind::NotNull => "existence".into(),
        ConstraintKind::PropertyType(t) => format!("property type ({t})"),
    }
}

fn label_names(entity: &SchemaEntity) -> Vec<String> {
    entity.labels.iter().map(|l| l.value.clone()).collect()
}

fn property_keys(props: &[PropertyRef]) -> Vec<String> {
    props.iter().map(|p| p.key.value.clone()).collect()
}

/// A name as Cypher source: bare when it is a plain identifier, backtick-quoted otherwise.
pub fn quote_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// The indexes and constraints that exist at one point of the migration history.
///
/// Objects are shared (`Arc`), and the vector and lookup are persistent (`imbl`): linting takes
/// a snapshot of the catalog before every file and statement, and the schema model keeps the
/// one before and after every migration, so a snapshot and a change after it must cost what
/// changed, not a copy of everything (deep copies of the objects made a 200-file set spend most
/// of its lint time in the allocator; copies of the lookup made a set of 2,000 one-index
/// migrations take 2 GB, quadratic in the set).
///
/// A dropped object leaves a hole (`None`), so the positions the lookup holds stay valid: a
/// drop that shifted every later object and rebuilt the lookup made a file with many drops
/// cubic to plan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Catalog {
    #[serde(serialize_with = "live_objects")]
    objects: Vector<Option<Arc<SchemaObject>>>,
    /// How many objects are not dropped.
    #[serde(skip)]
    live: usize,
    /// The catalogs of the other databases statements run against after `:use <db>`, by name:
    /// an index created in one is not in another's.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub databases: std::collections::BTreeMap<String, Catalog>,
    #[serde(skip)]
    lookup: Lookup,
}

fn live_objects<S: serde::Serializer>(objects: &Vector<Option<Arc<SchemaObject>>>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(objects.iter().flatten())
}

/// Two catalogs are equal when they hold the same objects: the lookup is derived from them.
impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter()) && self.databases == other.databases
    }
}

/// Positions in `objects` by what the lookups ask for, so a lookup reads only its candidates:
/// rules ask the catalog about every MERGE and MATCH, and a scan of every object made a file
/// with thousands of constraints quadratic to lint.
#[derive(Clone, Debug, Default)]
struct Lookup {
    by_name: HashMap<String, Vec<usize>>,
    /// Per entity kind (nodes, relationships): label or type, then the first property key.
    by_first_key: [HashMap<String, HashMap<String, Vec<usize>>>; 2],
    /// Objects without a label or a property (LOOKUP indexes): few, and scanned.
    unkeyed: Vec<usize>,
    /// Label or type (of either entity kind), then a property key after the first: composite
    /// objects only. With `by_first_key` (emptied entries removed), it says without a scan
    /// whether schema is defined on a label and property: down-mismatch asks it per delete of a
    /// down script, and a scan of the catalog per question made linting a set with a down per
    /// migration quadratic.
    by_later_key: HashMap<String, HashMap<String, Vec<usize>>>,
}

impl Lookup {
    fn add(&mut self, at: usize, object: &SchemaObject) {
        if let Some(name) = &object.name {
            self.by_name.entry(name.clone()).or_default().push(at);
        }
        let Some(first) = object.properties.first() else {
            self.unkeyed.push(at);
            return;
        };
        if object.labels.is_empty() {
            self.unkeyed.push(at);
        }
        let by_label = &mut self.by_first_key[entity_slot(object.entity)];
        for label in &object.labels {
            let positions = by_label.entry(label.clone()).or_default().entry(first.clone()).or_default();
            if positions.last() != Some(&at) {
                positions.push(at);
            }
            for key in &object.properties[1..] {
                let positions = self.by_later_key.entry(label.clone()).or_default().entry(key.clone()).or_default();
                if positions.last() != Some(&at) {
                    positions.push(at);
                }
            }
        }
    }

    /// Undoes [`Lookup::add`].
    fn remove(&mut self, at: usize, object: &SchemaObject) {
        let forget = |positions: &mut Vec<usize>| positions.retain(|&p| p != at);
        if let Some(positions) = object.name.as_ref().and_then(|name| self.by_name.get_mut(name)) {
            forget(positions);
        }
        let Some(first) = object.properties.first() else {
            forget(&mut self.unkeyed);
            return;
        };
        if object.labels.is_empty() {
            forget(&mut self.unkeyed);
        }
        let by_label = &mut self.by_first_key[entity_slot(object.entity)];
        for label in &object.labels {
            forget_in(by_label, label, first, at);
            for key in &object.properties[1..] {
                forget_in(&mut self.by_later_key, label, key, at);
            }
        }
    }

    /// Where every object equal to `object` is (among others).
    fn candidates(&self, object: &SchemaObject) -> &[usize] {
        if let Some(name) = &object.name {
            return self.named(name);
        }
        match (object.labels.first(), object.properties.first()) {
            (Some(label), Some(key)) => self.first_key(object.entity, label, key),
            _ => &self.unkeyed,
        }
    }

    fn named(&self, name: &str) -> &[usize] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// Objects of `entity` on `label` whose first property key is `key`, oldest first.
    fn first_key(&self, entity: EntityKind, label: &str, key: &str) -> &[usize] {
        let by_label = &self.by_first_key[entity_slot(entity)];
        by_label.get(label).and_then(|keys| keys.get(key)).map_or(&[], Vec::as_slice)
    }
}

/// Forgets position `at` under `label`, then `key`, and the entries that leaves empty: an entry
/// is there only while an object is (see [`Catalog::defines_on`]).
fn forget_in(by_label: &mut HashMap<String, HashMap<String, Vec<usize>>>, label: &str, key: &str, at: usize) {
    let Some(keys) = by_label.get_mut(label) else { return };
    if let Some(positions) = keys.get_mut(key) {
        positions.retain(|&p| p != at);
        if positions.is_empty() {
            keys.remove(key);
        }
    }
    if keys.is_empty() {
        by_label.remove(label);
    }
}

fn entity_slot(entity: EntityKind) -> usize {
    match entity {
        EntityKind::Node => 0,
        EntityKind::Relationship => 1,
    }
}

impl Catalog {
    /// The catalog of `database` (`None`: this one, the default database's); empty for a
    /// database no statement used yet.
    pub fn of_database(&self, database: Option<&str>) -> &Catalog {
        static EMPTY: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        match database {
            None => self,
            Some(name) => self.databases.get(name).unwrap_or_else(|| EMPTY.get_or_init(Catalog::default)),
        }
    }

    pub(crate) fn of_database_mut(&mut self, database: Option<&str>) -> &mut Catalog {
        match database {
            None => self,
            Some(name) => self.databases.entry(name.to_string()).or_default(),
        }
    }

    /// Every object, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &SchemaObject> {
        self.objects.iter().flatten().map(|o| &**o)
    }

    /// Whether an object is defined on the label or type `label` (among its labels) and, when
    /// `property` is given, on that property too: `iter().any(…)` without the scan.
    pub fn defines_on(&self, label: &str, property: Option<&str>) -> bool {
        let lookup = &self.lookup;
        let [nodes, relationships] = &lookup.by_first_key;
        match property {
            // An object with a property is under its first key; one without is unkeyed.
            None => {
                nodes.contains_key(label)
                    || relationships.contains_key(label)
                    || lookup
                        .unkeyed
                        .iter()
                        .any(|&i| self.object(i).is_some_and(|o| o.labels.iter().any(|l| l == label)))
            }
            Some(p) => {
                let has = |by_label: &HashMap<String, HashMap<String, Vec<usize>>>| {
                    by_label.get(label).is_some_and(|keys| keys.contains_key(p))
                };
                has(nodes) || has(relationships) || has(&lookup.by_later_key)
            }
        }
    }

    /// Where the next object goes: a catalog made from this one by creating and dropping
    /// objects holds the ones it created at this position and after (see [`Catalog::iter_from`]).
    pub fn slots(&self) -> usize {
        self.objects.len()
    }

    /// The objects from position `slot` on, oldest first: with `slot` the [`Catalog::slots`] of
    /// the catalog this one was made from, the objects created since.
    pub fn iter_from(&self, slot: usize) -> impl Iterator<Item = &SchemaObject> {
        // A focus narrowed to the range: `iter().skip(slot)` would step over the first `slot`.
        self.objects.focus().narrow(slot.min(self.objects.len())..).into_iter().flatten().map(|o| &**o)
    }

    /// The objects that share `object`'s name or, unnamed, its entity kind and first label and
    /// property (or lack them): every object equal to it, or described as it is, is among them.
    pub fn like(&self, object: &SchemaObject) -> impl Iterator<Item = &SchemaObject> {
        self.lookup.candidates(object).iter().filter_map(|&i| self.object(i))
    }

    /// The objects equal to one of `objects`, oldest first, each once: with the objects of the
    /// drops made since this catalog, the ones of it that may be gone (a catalog made from this
    /// one loses only what is dropped), found without a scan.
    pub fn equal_to_any<'a>(&self, objects: impl IntoIterator<Item = &'a SchemaObject>) -> Vec<&SchemaObject> {
        let mut found: Vec<usize> = objects
            .into_iter()
            .flat_map(|o| self.lookup.candidates(o).iter().copied().filter(move |&i| self.object(i) == Some(o)))
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().filter_map(|i| self.object(i)).collect()
    }

    /// How many objects the catalog holds.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn object(&self, at: usize) -> Option<&SchemaObject> {
        self.objects.get(at).and_then(|o| o.as_deref())
    }

    /// The oldest object among `positions` that satisfies `accept`.
    fn first_of<'a>(
        &self,
        positions: impl IntoIterator<Item = &'a usize>,
        accept: impl Fn(&SchemaObject) -> bool,
    ) -> Option<&SchemaObject> {
        let found = positions.into_iter().copied().filter(|&i| self.object(i).is_some_and(&accept)).min();
        found.and_then(|i| self.object(i))
    }

    pub fn by_name(&self, name: &str) -> Option<&SchemaObject> {
        self.first_of(self.lookup.named(name), |_| true)
    }

    /// An object on the same schema (see [`SchemaObject::same_schema`]).
    pub fn equivalent(&self, object: &SchemaObject) -> Option<&SchemaObject> {
        let candidates = match (object.labels.first(), object.properties.first()) {
            (Some(label), Some(key)) => self.lookup.first_key(object.entity, label, key),
            _ => &self.lookup.unkeyed,
        };
        self.first_of(candidates, |o| o.same_schema(object))
    }

    pub fn indexes(&self) -> impl Iterator<Item = &SchemaObject> {
        self.iter().filter(|o| o.kind.is_index())
    }

    pub fn constraints(&self) -> impl Iterator<Item = &SchemaObject> {
        self.iter().filter(|o| o.kind.is_constraint())
    }

    /// A uniqueness or key constraint on `label` whose properties are all among `keys` — the
    /// condition under which `MERGE (:label {keys…})` is safe from duplicates.
    pub fn unique_constraint_covering(&self, entity: EntityKind, label: &str, keys: &[&str]) -> Option<&SchemaObject> {
        // A covering constraint's first property is one of the keys.
        let candidates = keys.iter().flat_map(|key| self.lookup.first_key(entity, label, key));
        self.first_of(candidates, |o| {
            o.kind.is_unique_or_key()
                && o.entity == entity
                && o.labels.len() == 1
                && o.labels[0] == label
                && !o.properties.is_empty()
                && o.properties.iter().all(|p| keys.contains(&p.as_str()))
        })
    }

    /// A uniqueness or key constraint on `label` (among others) whose first property is
    /// `property`: its index serves lookups on it as soon as the constraint exists.
    pub fn unique_constraint_led_by(&self, entity: EntityKind, label: &str, property: &str) -> Option<&SchemaObject> {
        self.first_of(self.lookup.first_key(entity, label, property), |o| o.kind.is_unique_or_key())
    }

    /// True when an index (or index-backed constraint) can serve lookups on `label.property`.
    pub fn has_index_on(&self, entity: EntityKind, label: &str, property: &str) -> bool {
        self.lookup
            .first_key(entity, label, property)
            .iter()
            .any(|&i| self.object(i).is_some_and(|o| o.kind.is_index_backed()))
    }

    /// Whether `property` of node label `label` is covered by a uniqueness or key constraint on
    /// it alone, so a match on it finds at most one node.
    pub fn is_unique_property(&self, label: &str, property: &str) -> bool {
        self.unique_constraint_covering(EntityKind::Node, label, &[property]).is_some()
    }

    pub fn constraint_named(&self, name: &str) -> Option<&SchemaObject> {
        self.first_of(self.lookup.named(name), |o| o.kind.is_constraint())
    }

    pub fn index_named(&self, name: &str) -> Option<&SchemaObject> {
        self.first_of(self.lookup.named(name), |o| o.kind.is_index())
    }

    /// A constraint on exactly `label(properties…)`, of any kind: what a legacy drop by
    /// definition refers to, so it can be rewritten as a drop by name.
    pub fn constraint_defined_as(&self, label: &str, properties: &[&str]) -> Option<&SchemaObject> {
        self.defined_as(label, properties, |o| o.kind.is_constraint())
    }

    /// An index on exactly `label(properties…)`, of any kind (see [`Catalog::constraint_defined_as`]).
    pub fn index_defined_as(&self, label: &str, properties: &[&str]) -> Option<&SchemaObject> {
        self.defined_as(label, properties, |o| o.kind.is_index())
    }

    fn defined_as(
        &self,
        label: &str,
        properties: &[&str],
        kind: impl Fn(&SchemaObject) -> bool,
    ) -> Option<&SchemaObject> {
        let accept = |o: &SchemaObject| kind(o) && o.is_defined_as(label, properties);
        let Some(first) = properties.first() else {
            return self.first_of(&self.lookup.unkeyed, accept);
        };
        let nodes = self.lookup.first_key(EntityKind::Node, label, first);
        let relationships = self.lookup.first_key(EntityKind::Relationship, label, first);
        self.first_of(nodes.iter().chain(relationships), accept)
    }

    /// The object a legacy drop by definition (`DROP INDEX ON :L(p)`) drops.
    pub fn legacy_target(&self, target: &DropTarget, is_index: bool) -> Option<&SchemaObject> {
        let DropTarget::LegacyDefinition { entity, properties, .. } = target else { return None };
        let candidates = match (entity.labels.first(), properties.first()) {
            (Some(label), Some(key)) => self.lookup.first_key(entity.kind, &label.value, &key.key.value),
            _ => &self.lookup.unkeyed,
        };
        self.first_of(candidates, |o| o.matches_legacy_target(target, is_index))
    }

    pub(crate) fn insert(&mut self, object: SchemaObject) {
        self.lookup.add(self.objects.len(), &object);
        self.objects.push_back(Some(Arc::new(object)));
        self.live += 1;
    }

    /// Removes the oldest object equal to `object`, leaving a hole in its place.
    pub(crate) fn remove(&mut self, object: &SchemaObject) {
        let found = self.lookup.candidates(object).iter().copied().filter(|&i| self.object(i) == Some(object)).min();
        if let Some(i) = found {
            self.objects.set(i, None);
            self.lookup.remove(i, object);
            self.live -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique(name: Option<&str>) -> SchemaObject {
        SchemaObject {
            name: name.map(str::to_string),
            kind: ObjectKind::Constraint(ConstraintKind::Unique),
            entity: EntityKind::Node,
            labels: vec!["Person".into()],
            properties: vec!["email".into()],
            options: None,
            created_by: Some("1".into()),
        }
    }

    #[test]
    fn recreates_a_constraint_in_neo4j_5_syntax() {
        let c = unique(Some("person_email"));
        assert_eq!(
            c.create_cypher(),
            "CREATE CONSTRAINT person_email IF NOT EXISTS FOR (n:Person) REQUIRE n.email IS UNIQUE"
        );
        assert_eq!(c.drop_cypher().as_deref(), Some("DROP CONSTRAINT person_email IF EXISTS"));
        assert_eq!(unique(None).drop_cypher(), None);
    }

    #[test]
    fn drops_an_unnamed_object_by_definition_in_4x_syntax() {
        assert_eq!(
            unique(None).legacy_drop_cypher().as_deref(),
            Some("DROP CONSTRAINT ON (n:Person) ASSERT n.email IS UNIQUE")
        );
        let key = SchemaObject {
            kind: ObjectKind::Constraint(ConstraintKind::NodeKey),
            properties: vec!["a".into(), "b c".into()],
            ..unique(None)
        };
        assert_eq!(
            key.legacy_drop_cypher().as_deref(),
            Some("DROP CONSTRAINT ON (n:Person) ASSERT (n.a, n.`b c`) IS NODE KEY")
        );
        let index = SchemaObject { kind: ObjectKind::Index(IndexKind::Btree), ..unique(None) };
        assert_eq!(index.legacy_drop_cypher().as_deref(), Some("DROP INDEX ON :Person(email)"));
        // 4.x has no drop by definition for these: they stay refused.
        let text = SchemaObject { kind: ObjectKind::Index(IndexKind::Text), ..unique(None) };
        assert_eq!(text.legacy_drop_cypher(), None);
        let rel = SchemaObject {
            entity: EntityKind::Relationship,
            kind: ObjectKind::Index(IndexKind::Range),
            ..unique(None)
        };
        assert_eq!(rel.legacy_drop_cypher(), None);
    }

    #[test]
    fn a_legacy_drop_spells_out_what_it_drops() {
        let script = crate::syntax::parse("DROP CONSTRAINT ON (p:Plane) ASSERT p.tail IS UNIQUE;");
        let Some(crate::ast::SchemaCommand::DropConstraint(d)) = script.statements[0].as_schema() else {
            panic!("a drop constraint")
        };
        let object = SchemaObject::from_legacy_target(&d.target, false).expect("spelled out");
        assert_eq!(object.create_cypher(), "CREATE CONSTRAINT IF NOT EXISTS FOR (n:Plane) REQUIRE n.tail IS UNIQUE");
    }

    #[test]
    fn recreates_relationship_and_fulltext_indexes_with_options() {
        let rel = SchemaObject {
            name: Some("since idx".into()),
            kind: ObjectKind::Index(IndexKind::Range),
            entity: EntityKind::Relationship,
            labels: vec!["KNOWS".into()],
            properties: vec!["since".into()],
            options: None,
            created_by: None,
        };
        assert_eq!(
            rel.create_cypher(),
            "CREATE RANGE INDEX `since idx` IF NOT EXISTS FOR ()-[r:KNOWS]-() ON (r.since)"
        );
        let ft = SchemaObject {
            name: Some("search".into()),
            kind: ObjectKind::Index(IndexKind::Fulltext),
            entity: EntityKind::Node,
            labels: vec!["A".into(), "B".into()],
            properties: vec!["x".into(), "y".into()],
            options: Some("{indexConfig: {`fulltext.analyzer`: 'english'}}".into()),
            created_by: None,
        };
        assert_eq!(
            ft.create_cypher(),
            "CREATE FULLTEXT INDEX search IF NOT EXISTS FOR (n:A|B) ON EACH [n.x, n.y] OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}"
        );
    }

    #[test]
    fn a_key_constraint_covering_the_merge_keys_counts() {
        let mut catalog = Catalog::default();
        catalog.insert(unique(Some("person_email")));
        assert!(catalog.unique_constraint_covering(EntityKind::Node, "Person", &["email", "name"]).is_some());
        assert!(catalog.unique_constraint_covering(EntityKind::Node, "Person", &["name"]).is_none());
    }
}
