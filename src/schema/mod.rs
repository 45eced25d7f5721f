//! The schema model: replaying a migration set in version order gives, after each migration, the
//! catalog of indexes and constraints, what each schema statement did to it, and which labels,
//! relationship types and properties each migration creates, sets, renames or removes.
//!
//! ```text
//! let model = SchemaModel::from_migrations(&migrations);
//! model.catalog_after("3").unique_constraint_covering(EntityKind::Node, "Person", &["email"]);
//! model.definition_before("4", "person_email");   // what a DROP in V4 removes
//! model.indexes_created_in("4");                   // for await-indexes
//! ```
//!
//! Versions are the raw version strings of the file names (`1_10`, `2025_01_08_001`); the model
//! keeps the order it was given (the migration set's numeric order).

mod catalog;
pub mod effects;
mod index;

pub use catalog::{quote_name, Catalog, ObjectKind, SchemaObject};
pub use effects::{Action, Touch};

use crate::ast::{DropTarget, SchemaCommand, Statement, StatementKind};
use crate::migration::Migration;
use crate::span::Span;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One migration as the model replays it.
#[derive(Clone, Copy, Debug)]
pub struct ModelInput<'a> {
    pub version: &'a str,
    pub path: &'a Path,
    pub text: &'a str,
    /// The migration's statements (without a `cymig:verify` section).
    pub statements: &'a [Statement],
    /// The file's comments: a statement after `:use <db>` runs against another database and
    /// is not part of this model (the default database's).
    pub comments: &'a [crate::ast::Comment],
}

impl<'a> ModelInput<'a> {
    /// How the model replays `m`'s up file.
    pub fn of(m: &'a Migration) -> Self {
        let (text, statements, comments) = m.up.schema_input();
        ModelInput { version: &m.version.raw, path: m.up.source.path(), text, statements, comments }
    }
}

/// What one schema statement did to the catalog.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum SchemaEvent {
    /// The object did not exist and is created.
    Created { statement: Span, object: SchemaObject },
    /// An object with that name or schema exists already: with IF NOT EXISTS this is a no-op,
    /// without it Neo4j fails the statement.
    AlreadyExists { statement: Span, object: SchemaObject, existing: SchemaObject, if_not_exists: bool },
    /// Drops an object whose definition the model knows (created by an earlier statement).
    Dropped { statement: Span, object: SchemaObject },
    /// Drops an object no earlier migration created: its definition is unknown, so the drop
    /// cannot be undone. `target` is the name, or the legacy definition as written.
    DroppedUnknown { statement: Span, target: String, if_exists: bool },
}

impl SchemaEvent {
    pub fn statement(&self) -> Span {
        match self {
            SchemaEvent::Created { statement, .. }
            | SchemaEvent::AlreadyExists { statement, .. }
            | SchemaEvent::Dropped { statement, .. }
            | SchemaEvent::DroppedUnknown { statement, .. } => *statement,
        }
    }
}

/// The model's view of one migration.
#[derive(Clone, Debug, Serialize)]
pub struct MigrationModel {
    pub version: String,
    pub file: PathBuf,
    /// The catalog before this migration ran.
    pub before: Catalog,
    /// The catalog after it ran.
    pub after: Catalog,
    /// Schema events in source order.
    pub events: Vec<SchemaEvent>,
    /// Labels, relationship types and properties the migration's data statements touch.
    pub touches: Vec<Touch>,
    /// Its `// assume that version …` guards admit only Neo4j versions before 5, where an
    /// unnamed index or constraint can still be dropped by its definition.
    #[serde(skip)]
    pub runs_before_neo4j_5: bool,
}

impl MigrationModel {
    /// The catalog just before the statement starting at byte `offset` of this migration.
    pub fn catalog_at(&self, offset: usize) -> Catalog {
        let mut catalog = self.before.clone();
        for event in self.events.iter().filter(|e| e.statement().start < offset) {
            apply_event(&mut catalog, event);
        }
        catalog
    }

    /// The catalog before each statement, asked for in file order: each event is replayed once
    /// (a replay from the migration's start per statement was quadratic in a file's statements).
    pub fn catalogs_in_order(&self) -> CatalogCursor<'_> {
        CatalogCursor { migration: self, catalog: self.before.clone(), applied: 0 }
    }

    /// Indexes and index-backed constraints this migration creates (for await-indexes).
    pub fn indexes_created(&self) -> Vec<&SchemaObject> {
        self.events
            .iter()
            .filter_map(|e| match e {
                SchemaEvent::Created { object, .. } if object.kind.is_index_backed() => Some(object),
                _ => None,
            })
            .collect()
    }

    /// The event of the schema statement with this span, if any.
    pub fn event_for(&self, statement: Span) -> Option<&SchemaEvent> {
        events_of(&self.events, statement).first()
    }
}

/// See [`MigrationModel::catalogs_in_order`].
pub struct CatalogCursor<'a> {
    migration: &'a MigrationModel,
    catalog: Catalog,
    /// How many of the migration's events `catalog` has seen.
    applied: usize,
}

impl CatalogCursor<'_> {
    /// The catalog just before the statement starting at byte `offset`; `offset` must not be
    /// before that of the previous call.
    pub fn at(&mut self, offset: usize) -> &Catalog {
        let events = &self.migration.events;
        while let Some(event) = events.get(self.applied).filter(|e| e.statement().start < offset) {
            apply_event(&mut self.catalog, event);
            self.applied += 1;
        }
        &self.catalog
    }
}

/// The whole history: one [`MigrationModel`] per migration, in order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SchemaModel {
    pub migrations: Vec<MigrationModel>,
    /// The configured target, when the caller knows it (`cymig derive-down` reads `cymig.toml`).
    #[serde(skip)]
    pub target: Option<crate::config::TargetVersion>,
    #[serde(skip)]
    index: index::ModelIndex,
    #[serde(skip)]
    stand_in: Option<StandIn>,
}

/// A file in the place of a migration of the set ([`SchemaModel::with_stand_in`]).
#[derive(Clone, Debug)]
struct StandIn {
    position: usize,
    model: MigrationModel,
    /// Its events that name an index or constraint, with the names.
    named: Vec<(String, index::NamedEvent)>,
}

/// Replays one migration from `catalog`, leaving in it the catalog after.
fn replay_one(input: &ModelInput<'_>, catalog: &mut Catalog) -> MigrationModel {
    let before = catalog.clone();
    let mut events = Vec::new();
    let uses = crate::ast::DatabaseUses::of(input.comments);
    for statement in input.statements {
        if uses.at(statement.span.start).is_some() {
            continue;
        }
        if let Some(event) = schema_event(statement, input.text, Some(input.version), catalog) {
            apply_event(catalog, &event);
            events.push(event);
        }
    }
    MigrationModel {
        version: input.version.to_string(),
        file: input.path.to_path_buf(),
        before,
        after: catalog.clone(),
        events,
        touches: effects::touches_of_statements(input.statements, input.text),
        runs_before_neo4j_5: runs_before_neo4j_5(input.comments),
    }
}

impl SchemaModel {
    /// The model of migrations given as (version, text) pairs, for unit tests here and in derive.
    #[cfg(test)]
    pub(crate) fn replay_texts(files: &[(&str, &str)]) -> SchemaModel {
        let scripts: Vec<_> = files.iter().map(|(_, text)| crate::syntax::parse(text)).collect();
        let inputs: Vec<ModelInput<'_>> = files
            .iter()
            .zip(&scripts)
            .map(|((v, text), script)| ModelInput {
                version: v,
                path: Path::new("V.cypher"),
                text,
                statements: &script.statements,
                comments: &script.comments,
            })
            .collect();
        SchemaModel::replay(&inputs)
    }

    /// Replays versioned migrations in the order given (the migration set's version order).
    pub fn from_migrations(migrations: &[Migration]) -> Self {
        let inputs: Vec<ModelInput<'_>> = migrations.iter().map(ModelInput::of).collect();
        Self::replay(&inputs)
    }

    /// Replays migrations given as parsed scripts, in the order given.
    pub fn replay(inputs: &[ModelInput<'_>]) -> Self {
        let mut catalog = Catalog::default();
        let migrations: Vec<MigrationModel> = inputs.iter().map(|input| replay_one(input, &mut catalog)).collect();
        let index = index::ModelIndex::build(&migrations);
        SchemaModel { migrations, target: None, index, stand_in: None }
    }

    /// `f` asked of this model with `input` standing in the place of the migration of version
    /// `place`, replayed from the catalog before it: an alternative file of that version
    /// (neo4j-migrations preconditions) is planned against the same earlier migrations.
    /// What derivation asks of a migration reads only it and what came before it, so the later
    /// migrations are not replayed again, and each alternative costs its own file, not the set
    /// (a copy of the set replayed per alternative made planning quadratic in the set).
    pub fn with_stand_in<R>(&mut self, place: &str, input: &ModelInput<'_>, f: impl FnOnce(&SchemaModel) -> R) -> R {
        let Some(position) = self.position(place) else { return f(self) };
        let mut catalog = self.migrations[position].before.clone();
        let model = replay_one(input, &mut catalog);
        let named =
            index::named_events_at(position, &model.events).map(|(name, event)| (name.to_string(), event)).collect();
        self.stand_in = Some(StandIn { position, model, named });
        let result = f(self);
        self.stand_in = None;
        result
    }

    pub fn migration(&self, version: &str) -> Option<&MigrationModel> {
        self.position(version).map(|at| match &self.stand_in {
            Some(s) if s.position == at => &s.model,
            _ => &self.migrations[at],
        })
    }

    /// Where the (first) migration of `version` stands in the set.
    pub fn position(&self, version: &str) -> Option<usize> {
        match &self.stand_in {
            Some(s) if s.model.version == version => Some(s.position),
            _ => self.index.position(version),
        }
    }

    /// The events about `name`, in set and file order: the stand-in's in its place.
    fn named_events(&self, name: &str) -> std::borrow::Cow<'_, [index::NamedEvent]> {
        let events = self.index.named_events(name);
        let Some(s) = &self.stand_in else { return events.into() };
        let mut merged: Vec<index::NamedEvent> = events.iter().filter(|e| e.position != s.position).copied().collect();
        merged.extend(s.named.iter().filter(|(n, _)| n == name).map(|(_, e)| *e));
        merged.sort_by_key(|e| (e.position, e.offset));
        merged.into()
    }

    /// Whether `version` runs only on Neo4j 4.x (its guards or the configured target say so):
    /// there `DROP INDEX ON :L(p)` and `DROP CONSTRAINT ON … ASSERT …` drop unnamed objects.
    pub fn drops_by_definition(&self, version: &str) -> bool {
        self.target == Some(crate::config::TargetVersion::V4_4)
            || self.migration(version).is_some_and(|m| m.runs_before_neo4j_5)
    }

    /// The migration that dropped the object named (or legacy-defined as) `target` before byte
    /// `offset` of `version`, when one did and none re-created it: a `DROP … IF EXISTS` of it
    /// there is a no-op.
    pub fn dropped_before(&self, version: &str, offset: usize, target: &str) -> Option<&str> {
        let end = self.position(version);
        let mut found = None;
        for e in self.named_events(target).iter() {
            let earlier = end.is_none_or(|end| e.position < end || (e.position == end && e.offset < offset));
            if !earlier {
                break;
            }
            found = e.dropped.then_some(e.position);
        }
        found.map(|at| self.migrations[at].version.as_str())
    }

    /// The catalog before `version` ran (empty for an unknown version).
    pub fn catalog_before(&self, version: &str) -> Catalog {
        self.migration(version).map(|m| m.before.clone()).unwrap_or_default()
    }

    /// The catalog after `version` ran (empty for an unknown version).
    pub fn catalog_after(&self, version: &str) -> Catalog {
        self.migration(version).map(|m| m.after.clone()).unwrap_or_default()
    }

    /// The catalog after the last migration.
    pub fn final_catalog(&self) -> Catalog {
        self.migrations.last().map(|m| m.after.clone()).unwrap_or_default()
    }

    /// Is there a uniqueness or key constraint on `label` covered by `keys`, created in an
    /// earlier migration or in `version` itself before byte `offset` of its file?
    pub fn has_unique_constraint_at(
        &self,
        version: &str,
        offset: usize,
        entity: crate::ast::EntityKind,
        label: &str,
        keys: &[&str],
    ) -> bool {
        self.migration(version)
            .map(|m| m.catalog_at(offset).unique_constraint_covering(entity, label, keys).is_some())
            .unwrap_or(false)
    }

    /// The definition of the index or constraint named `name` as it stood before `version` ran.
    pub fn definition_before(&self, version: &str, name: &str) -> Option<SchemaObject> {
        self.migration(version).and_then(|m| m.before.by_name(name).cloned())
    }

    /// Indexes and index-backed constraints created by `version`.
    pub fn indexes_created_in(&self, version: &str) -> Vec<SchemaObject> {
        self.migration(version).map(|m| m.indexes_created().into_iter().cloned().collect()).unwrap_or_default()
    }

    /// Positions of the migrations before `version` that wrote `property` on `label` (set,
    /// renamed to, created), ascending.
    pub fn earlier_writers_of(&self, version: &str, label: &str, property: &str) -> &[usize] {
        self.index.writers_before(self.end_of_earlier(version), label, property)
    }

    /// The literal every migration before `version` that wrote `property` on `label` wrote:
    /// `None` when none wrote it, `Some(None)` when one wrote something else (a computed value,
    /// a rename, another literal).
    pub fn earlier_literal_of(&self, version: &str, label: &str, property: &str) -> Option<Option<&str>> {
        self.index.literal_before(self.end_of_earlier(version), label, property)
    }

    /// The position of `version`, or the end of the set when it is not in it.
    fn end_of_earlier(&self, version: &str) -> usize {
        self.position(version).unwrap_or(self.migrations.len())
    }
}

impl Catalog {
    /// Replays one statement of a migration whose text is `text` (anything but a schema
    /// command is ignored), with the compiler's semantics: a create of an existing name or
    /// schema is a no-op, a drop removes the object it finds. Returns what the statement did.
    /// The checker replays files statement by statement with this.
    pub fn apply_statement(
        &mut self,
        statement: &Statement,
        text: &str,
        created_by: Option<&str>,
    ) -> Option<SchemaEvent> {
        let event = schema_event(statement, text, created_by, self)?;
        apply_event(self, &event);
        Some(event)
    }

    /// [`Catalog::apply_statement`] on the catalog of the database the statement runs against
    /// (after a `:use <db>` among `comments`).
    pub fn apply_statement_in(
        &mut self,
        comments: &[crate::ast::Comment],
        statement: &Statement,
        text: &str,
        created_by: Option<&str>,
    ) -> Option<SchemaEvent> {
        let database = crate::ast::database_at(comments, statement.span.start);
        self.of_database_mut(database.as_deref()).apply_statement(statement, text, created_by)
    }

    /// Replays a file's statements, each in the catalog of its database.
    pub fn apply_script_statements<'a>(
        &mut self,
        comments: &[crate::ast::Comment],
        statements: impl IntoIterator<Item = &'a Statement>,
        text: &str,
        created_by: Option<&str>,
    ) {
        let uses = crate::ast::DatabaseUses::of(comments);
        for statement in statements {
            self.of_database_mut(uses.at(statement.span.start)).apply_statement(statement, text, created_by);
        }
    }

    /// Replays statements in order (see [`Catalog::apply_statement`]).
    pub fn apply_statements<'a>(
        &mut self,
        statements: impl IntoIterator<Item = &'a Statement>,
        text: &str,
        created_by: Option<&str>,
    ) {
        for statement in statements {
            self.apply_statement(statement, text, created_by);
        }
    }
}

/// Whether replaying `statement` can change a catalog (cheap: it asks the statement's kind).
pub fn changes_schema(statement: &Statement) -> bool {
    matches!(statement.kind, StatementKind::Schema(_))
}

fn schema_event(statement: &Statement, text: &str, version: Option<&str>, catalog: &Catalog) -> Option<SchemaEvent> {
    let StatementKind::Schema(command) = &statement.kind else {
        return None;
    };
    let span = statement.span;
    let created = |object: SchemaObject, if_not_exists: bool| {
        let existing =
            object.name.as_deref().and_then(|n| catalog.by_name(n)).or_else(|| catalog.equivalent(&object)).cloned();
        match existing {
            Some(existing) => SchemaEvent::AlreadyExists { statement: span, object, existing, if_not_exists },
            None => SchemaEvent::Created { statement: span, object },
        }
    };
    Some(match command {
        SchemaCommand::CreateIndex(c) => created(SchemaObject::from_create_index(c, text, version), c.if_not_exists),
        SchemaCommand::CreateConstraint(c) => {
            created(SchemaObject::from_create_constraint(c, text, version), c.if_not_exists)
        }
        SchemaCommand::DropIndex(d) => dropped(span, &d.target, d.if_exists, true, catalog, text),
        SchemaCommand::DropConstraint(d) => dropped(span, &d.target, d.if_exists, false, catalog, text),
    })
}

fn dropped(
    span: Span,
    target: &DropTarget,
    if_exists: bool,
    is_index: bool,
    catalog: &Catalog,
    text: &str,
) -> SchemaEvent {
    let found = match target {
        DropTarget::Name(name) => catalog.by_name(&name.value),
        DropTarget::LegacyDefinition { .. } => catalog.legacy_target(target, is_index),
    };
    match found {
        Some(object) => SchemaEvent::Dropped { statement: span, object: object.clone() },
        None => {
            let target = match target {
                DropTarget::Name(name) => name.value.clone(),
                DropTarget::LegacyDefinition { span, .. } => span.text(text).to_string(),
            };
            SchemaEvent::DroppedUnknown { statement: span, target, if_exists }
        }
    }
}

/// The events of the statement with span `statement` among `events` (in file order, as the
/// model records them): a binary search, as a scan per statement was quadratic in a file.
pub fn events_of(events: &[SchemaEvent], statement: Span) -> &[SchemaEvent] {
    let start = events.partition_point(|e| e.statement().start < statement.start);
    let len = events[start..].iter().take_while(|e| e.statement().start == statement.start).count();
    let found = &events[start..start + len];
    match found.iter().all(|e| e.statement() == statement) {
        true => found,
        false => &[],
    }
}

fn runs_before_neo4j_5(comments: &[crate::ast::Comment]) -> bool {
    use crate::migration::precondition;
    precondition::only_before(&precondition::parse(comments), &[5])
}

fn apply_event(catalog: &mut Catalog, event: &SchemaEvent) {
    match event {
        SchemaEvent::Created { object, .. } => catalog.insert(object.clone()),
        SchemaEvent::Dropped { object, .. } => catalog.remove(object),
        SchemaEvent::AlreadyExists { .. } | SchemaEvent::DroppedUnknown { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::EntityKind;

    fn model(files: &[(&str, &str)]) -> SchemaModel {
        SchemaModel::replay_texts(files)
    }

    #[test]
    fn replays_creates_drops_and_if_not_exists_no_ops() {
        let m = model(&[
            (
                "1",
                "CREATE CONSTRAINT person_email IF NOT EXISTS FOR (p:Person) REQUIRE p.email IS UNIQUE;\n\
                   CREATE INDEX person_name FOR (p:Person) ON (p.name) OPTIONS {indexProvider: 'range-1.0'};",
            ),
            (
                "2",
                "CREATE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name);\n\
                   MERGE (p:Person {email: 'a@b.c'});",
            ),
            ("3", "DROP INDEX person_name IF EXISTS;\nDROP INDEX unknown_one IF EXISTS;"),
        ]);
        assert_eq!(m.catalog_after("1").len(), 2);
        assert!(matches!(m.migration("2").unwrap().events[0], SchemaEvent::AlreadyExists { if_not_exists: true, .. }));
        let before = m.definition_before("3", "person_name").expect("known definition");
        assert_eq!(before.options.as_deref(), Some("{indexProvider: 'range-1.0'}"));
        assert_eq!(before.created_by.as_deref(), Some("1"));
        let events = &m.migration("3").unwrap().events;
        assert!(
            matches!(&events[0], SchemaEvent::Dropped { object, .. } if object.name.as_deref() == Some("person_name"))
        );
        assert!(matches!(&events[1], SchemaEvent::DroppedUnknown { target, .. } if target == "unknown_one"));
        assert_eq!(m.catalog_after("3").len(), 1);
        assert!(m.has_unique_constraint_at("2", 0, EntityKind::Node, "Person", &["email"]));
        assert!(!m.has_unique_constraint_at("2", 0, EntityKind::Node, "Person", &["name"]));
        assert_eq!(m.indexes_created_in("1").len(), 2);
        assert!(m.indexes_created_in("2").is_empty());
    }

    #[test]
    fn catalog_at_sees_only_earlier_statements_of_the_migration() {
        let text =
            "MERGE (c:Country {code: 'FR'});\nCREATE CONSTRAINT country_code FOR (c:Country) REQUIRE c.code IS UNIQUE;";
        let m = model(&[("1", text)]);
        let mm = m.migration("1").unwrap();
        assert!(mm.catalog_at(0).unique_constraint_covering(EntityKind::Node, "Country", &["code"]).is_none());
        assert!(mm.catalog_at(text.len()).unique_constraint_covering(EntityKind::Node, "Country", &["code"]).is_some());
    }

    #[test]
    fn apply_statement_replays_like_the_model_and_answers_the_checkers_questions() {
        let text = "CREATE CONSTRAINT person_email FOR (p:Person) REQUIRE p.email IS UNIQUE;\n\
                    CREATE INDEX ON :Vehicle(plate);\n\
                    CREATE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name);\n\
                    CREATE RANGE INDEX again IF NOT EXISTS FOR (p:Person) ON (p.name);\n\
                    DROP INDEX ON :Vehicle(plate);";
        let script = crate::syntax::parse(text);
        let mut catalog = Catalog::default();
        let events: Vec<_> =
            script.statements.iter().filter_map(|s| catalog.apply_statement(s, text, Some("1"))).collect();
        assert!(matches!(&events[3], SchemaEvent::AlreadyExists { if_not_exists: true, .. }));
        assert!(matches!(&events[4], SchemaEvent::Dropped { object, .. } if object.name.is_none()));
        assert_eq!(catalog, m_final(&[("1", text)]));
        assert!(catalog.is_unique_property("Person", "email"));
        assert!(!catalog.is_unique_property("Person", "name"));
        assert!(catalog.constraint_named("person_email").is_some());
        assert!(catalog.index_named("person_email").is_none());
        assert_eq!(catalog.index_defined_as("Person", &["name"]).and_then(|i| i.name.as_deref()), Some("person_name"));
        assert_eq!(
            catalog.constraint_defined_as("Person", &["email"]).and_then(|c| c.created_by.as_deref()),
            Some("1")
        );
        assert!(catalog.index_defined_as("Vehicle", &["plate"]).is_none());
    }

    fn m_final(files: &[(&str, &str)]) -> Catalog {
        model(files).final_catalog()
    }

    #[test]
    fn legacy_drop_by_definition_finds_the_legacy_index() {
        let m = model(&[("1", "CREATE INDEX ON :Vehicle(plate);"), ("2", "DROP INDEX ON :Vehicle(plate);")]);
        assert!(
            matches!(&m.migration("2").unwrap().events[0], SchemaEvent::Dropped { object, .. } if object.name.is_none())
        );
    }

    #[test]
    fn records_what_data_statements_touch() {
        let m = model(&[(
            "1",
            "MATCH (p:Project) SET p.customerId = p.customerGuid REMOVE p.customerGuid;\n\
             MATCH (c:Customer) SET c:Client REMOVE c:Customer;\n\
             CREATE (:Country {code: 'FR'});",
        )]);
        let touches = &m.migration("1").unwrap().touches;
        let has = |label: &str, prop: Option<&str>, action: Action| {
            touches.iter().any(|t| t.label == label && t.property.as_deref() == prop && t.action == action)
        };
        assert!(has("Project", Some("customerId"), Action::Rename { from: "customerGuid".into() }));
        assert!(has("Project", Some("customerGuid"), Action::Remove));
        assert!(has("Client", None, Action::Set));
        assert!(has("Customer", None, Action::Remove));
        assert!(has("Country", None, Action::Create));
        assert!(has("Country", Some("code"), Action::Create));
        assert!(m.earlier_writers_of("1", "Project", "customerId").is_empty());
    }

    /// The scans the index replaced, as they were.
    fn scanned_writers<'a>(m: &'a SchemaModel, version: &str, label: &str, property: &str) -> Vec<&'a str> {
        let earlier = m.migrations.iter().take_while(|mm| mm.version != version);
        earlier
            .filter(|mm| mm.touches.iter().any(|t| t.writes_property(label, property)))
            .map(|mm| mm.version.as_str())
            .collect()
    }

    fn scanned_literal(m: &SchemaModel, version: &str, label: &str, property: &str) -> Option<Option<String>> {
        let mut value: Option<&str> = None;
        for mm in m.migrations.iter().take_while(|mm| mm.version != version) {
            for t in mm.touches.iter().filter(|t| t.writes_property(label, property)) {
                let Some(v) = t.value.as_deref() else { return Some(None) };
                if value.is_some_and(|seen| seen != v) {
                    return Some(None);
                }
                value = Some(v);
            }
        }
        value.map(|v| Some(v.to_string()))
    }

    #[test]
    fn the_index_answers_as_a_scan_of_the_earlier_migrations_did() {
        let m = model(&[
            ("1", "CREATE (:A {x: 1, y: 'a'});\nCREATE INDEX i1 FOR (n:A) ON (n.x);"),
            ("2", "MATCH (a:A) SET a.x = 1;\nMATCH (b:B) SET b.z = b.w;\nDROP INDEX i1;"),
            ("3", "MATCH (a:A) SET a.y = 'b', a.x = 1;\nDROP INDEX i1 IF EXISTS;\nCREATE INDEX i1 FOR (n:A) ON (n.y);"),
            ("4", "MATCH (a:A) SET a.x = 2;\nMATCH (b:B) SET b.z = 3;\nDROP INDEX i1;\nDROP INDEX i2 IF EXISTS;"),
            ("5", "MATCH (a:A) SET a.x = a.x + 1;"),
        ]);
        for version in ["1", "2", "3", "4", "5", "6"] {
            for (label, property) in [("A", "x"), ("A", "y"), ("B", "z"), ("B", "w"), ("C", "x")] {
                let indexed: Vec<&str> = m
                    .earlier_writers_of(version, label, property)
                    .iter()
                    .map(|&p| m.migrations[p].version.as_str())
                    .collect();
                assert_eq!(indexed, scanned_writers(&m, version, label, property), "{version} {label}.{property}");
                let literal = m.earlier_literal_of(version, label, property).map(|v| v.map(str::to_string));
                assert_eq!(literal, scanned_literal(&m, version, label, property), "{version} {label}.{property}");
            }
        }
        assert_eq!(m.earlier_literal_of("3", "A", "x"), Some(Some("1")));
        assert_eq!(m.earlier_literal_of("5", "A", "x"), Some(None));
        assert_eq!(m.dropped_before("3", 0, "i1"), Some("2"));
        assert_eq!(m.dropped_before("3", 60, "i1"), Some("3"));
        assert_eq!(m.dropped_before("4", 0, "i1"), None);
        assert_eq!(m.dropped_before("5", 0, "i1"), Some("4"));
        assert_eq!(m.dropped_before("5", 0, "i2"), Some("4"));
        assert_eq!(m.migration("4").map(|mm| mm.version.as_str()), Some("4"));
        assert!(m.migration("6").is_none());
    }

    #[test]
    fn a_dropped_object_leaves_the_catalog_as_if_it_never_was() {
        let m = model(&[
            (
                "1",
                "CREATE INDEX a FOR (n:A) ON (n.x);\nCREATE INDEX b FOR (n:A) ON (n.x, n.y);\nCREATE INDEX ON :C(z);",
            ),
            ("2", "DROP INDEX a;\nDROP INDEX ON :C(z);\nCREATE INDEX a FOR (n:B) ON (n.x);"),
        ]);
        let after = m.catalog_after("2");
        let rebuilt = model(&[("1", "CREATE INDEX b FOR (n:A) ON (n.x, n.y);\nCREATE INDEX a FOR (n:B) ON (n.x);")]);
        let names = |c: &Catalog| c.iter().map(|o| o.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&after), names(&rebuilt.final_catalog()));
        assert_eq!(after.len(), 2);
        assert_eq!(after.by_name("a").map(|o| o.labels.clone()), Some(vec!["B".to_string()]));
        assert!(after.index_defined_as("C", &["z"]).is_none());
        assert!(after.has_index_on(EntityKind::Node, "A", "x"));
        assert_eq!(
            serde_json::to_value(&after).ok(),
            serde_json::to_value(rebuilt.final_catalog()).ok().map(|mut v| {
                // The rebuilt set created them in version 1; the drops' set in 1 and 2.
                v["objects"][1]["created_by"] = "2".into();
                v
            })
        );
    }

    /// `:use` lines found once answer as `database_at`'s read of every comment before did.
    #[test]
    fn database_uses_answer_as_database_at() {
        let text = "// one\nCREATE (:A);\n:use foo\n// two\nCREATE (:B);\n:use `My-Db`;\nCREATE (:C);\n:use neo4j\n\
                    CREATE (:D);\n:begin\nCREATE (:E);\n:commit\n:use system\nCREATE DATABASE x;";
        let script = crate::syntax::parse(text);
        let uses = crate::ast::DatabaseUses::of(&script.comments);
        for offset in 0..=text.len() {
            assert_eq!(uses.at(offset), crate::ast::database_at(&script.comments, offset).as_deref(), "at {offset}");
        }
        let at = |s: &str| uses.at(text.find(s).unwrap());
        assert_eq!((at("CREATE (:A)"), at("CREATE (:B)"), at("CREATE (:C)")), (None, Some("foo"), Some("my-db")));
        assert_eq!((at("CREATE (:D)"), at("CREATE (:E)"), at("CREATE DATABASE")), (None, None, Some("system")));
        assert_eq!(crate::ast::DatabaseUses::of(&[]).at(10), None);
    }
}
