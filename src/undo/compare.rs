//! Does an explicit down script undo its up migration, and only that? `cymig derive-down
//! --check` and the `down-mismatch` rule both read this comparison.
//!
//! Effects are compared, not text: the schema model replays the up and then the down (so a
//! down must bring the catalog back exactly), and [`super::effects`] says for every data write
//! what it changes and which entities it reaches. A down is reported when it
//! - leaves an up effect in place (`incomplete`);
//! - deletes or removes more than the up created: every `:User` for an up that created one
//!   (`over-delete`), or nodes the up never created (`not-created`);
//! - drops schema the up did not create: an earlier migration's (`drops-older`) or a name no
//!   migration creates (`drops-unknown`); or creates schema that did not exist before the up
//!   (`creates-new`);
//! - reads a label or property that a later migration renames and whose own down does not
//!   rename back (`reads-renamed`): when this down runs, nothing has that name any more;
//! - is a statement Neo4j rejects (`rejected`; such a statement counts for nothing), or
//!   creates schema that exists already after the up, without IF NOT EXISTS (`exists-already`).
//!
//! Where the model is unsure (an up that writes through a procedure or FOREACH, a label no
//! earlier migration knows) it stays silent rather than guess.

use super::effects::{script_effects, Effect, Scope, ScriptEffects};
use super::lookup::{DownTouches, Wanted};
use crate::ast::{Clause, Comment, DropTarget, EntityKind, SchemaCommand, Statement, StatementKind};
use crate::expr::variables;
use crate::migration::{Directive, DirectiveKind, Migration};
use crate::schema::effects::{analyze, linear_clauses, Action, Touch};
use crate::schema::{Catalog, SchemaEvent, SchemaModel, SchemaObject};
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// A script as the comparison reads it.
#[derive(Clone, Copy)]
pub struct Script<'a> {
    pub statements: &'a [Statement],
    pub text: &'a str,
    pub comments: &'a [Comment],
}

/// What the rest of the history says about the up migration.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The catalog before the up ran.
    pub before: Catalog,
    /// The data touches of earlier migrations: which labels and properties already had data.
    pub earlier: EarlierTouches,
    /// Renames made by later migrations that their own downs do not undo.
    pub later: Vec<LaterRename>,
}

/// The data touches of the migrations before one: a prefix of the set's touches, which every
/// down of the set shares (a copy per down script, and a scan of it per question, made linting
/// a set with a down per migration quadratic: 2,000 pairs took 720 MB).
#[derive(Clone, Debug, Default)]
pub struct EarlierTouches {
    log: std::sync::Arc<TouchLog>,
    len: usize,
}

/// Touches in set order, with where each label is first touched and each property first written.
#[derive(Debug, Default)]
pub struct TouchLog {
    touches: Vec<Touch>,
    first_touch: std::collections::HashMap<String, usize>,
    first_write: std::collections::HashMap<(String, String), usize>,
}

impl TouchLog {
    pub fn new(touches: Vec<Touch>) -> TouchLog {
        let mut log = TouchLog { touches, ..TouchLog::default() };
        for (i, t) in log.touches.iter().enumerate() {
            log.first_touch.entry(t.label.clone()).or_insert(i);
            if let Some(p) = t.property.as_deref().filter(|p| t.writes_property(&t.label, p)) {
                log.first_write.entry((t.label.clone(), p.to_string())).or_insert(i);
            }
        }
        log
    }

    /// The first `len` touches.
    pub fn prefix(self: &std::sync::Arc<Self>, len: usize) -> EarlierTouches {
        EarlierTouches { log: self.clone(), len: len.min(self.touches.len()) }
    }
}

impl From<Vec<Touch>> for EarlierTouches {
    fn from(touches: Vec<Touch>) -> Self {
        let len = touches.len();
        std::sync::Arc::new(TouchLog::new(touches)).prefix(len)
    }
}

impl EarlierTouches {
    pub fn iter(&self) -> impl Iterator<Item = &Touch> {
        self.log.touches[..self.len].iter()
    }

    /// Whether an earlier migration touched `label` at all.
    fn touch(&self, label: &str) -> bool {
        self.log.first_touch.get(label).is_some_and(|&i| i < self.len)
    }

    /// Whether an earlier migration wrote `property` on `label`.
    fn write(&self, label: &str, property: &str) -> bool {
        let key = (label.to_string(), property.to_string());
        self.log.first_write.get(&key).is_some_and(|&i| i < self.len)
    }
}

/// A rename by a later migration: of a label (`property: None`) or of a property on `label`.
#[derive(Clone, Debug, PartialEq)]
pub struct LaterRename {
    pub version: String,
    pub label: String,
    pub property: Option<String>,
    pub to: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Rejected,
    OverDelete,
    NotCreated,
    DropsOlder,
    DropsUnknown,
    CreatesNew,
    ReadsRenamed,
    ExistsAlready,
    Incomplete,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rejected => "rejected",
            Kind::OverDelete => "over-delete",
            Kind::NotCreated => "not-created",
            Kind::DropsOlder => "drops-older",
            Kind::DropsUnknown => "drops-unknown",
            Kind::CreatesNew => "creates-new",
            Kind::ReadsRenamed => "reads-renamed",
            Kind::ExistsAlready => "exists-already",
            Kind::Incomplete => "incomplete",
        }
    }
}

/// One way the down script fails its up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    pub kind: Kind,
    /// The down statement at fault (`None` for an up effect the down leaves in place).
    pub down: Option<Span>,
    /// The up statement whose effect is left in place, for `incomplete`.
    pub up: Option<Span>,
    pub message: String,
    pub fix: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub findings: Vec<Finding>,
    /// The findings pushed so far: a finding is reported once.
    seen: HashSet<Finding>,
}

impl Comparison {
    fn push(&mut self, finding: Finding) {
        if self.seen.insert(finding.clone()) {
            self.findings.push(finding);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Compares `migration`'s explicit down script (a `U…`/`.down` file or its in-file down
/// section) with its up, in the history `migrations` (the set, in version order).
pub fn compare(model: &SchemaModel, migrations: &[Migration], migration: &Migration) -> Option<Comparison> {
    let (down_file, down_statements) = match &migration.down {
        Some(d) => (d, d.migration_statements()),
        None if migration.up.down_start.is_some() => (&migration.up, migration.up.in_file_down_statements()),
        None => return None,
    };
    let up_statements =
        to_undo(migration.up.migration_statements(), &migration.up.script.statements, &migration.up.directives);
    let up =
        Script { statements: &up_statements, text: &migration.up.source.text, comments: &migration.up.script.comments };
    let down =
        Script { statements: down_statements, text: &down_file.source.text, comments: &down_file.script.comments };
    let history = history_of(model, migrations, migration);
    let mut result = compare_scripts(&up, &down, &history);
    let range = down_statements.first().map(|s| s.span.start).unwrap_or(0);
    // Each syntax error goes first, the last one in the file first of all, as it always has.
    let rejected: Vec<Finding> = down_file
        .script
        .errors
        .iter()
        .filter(|e| e.span.start >= range || migration.down.is_some())
        .rev()
        .map(|e| Finding {
            kind: Kind::Rejected,
            down: Some(e.span),
            up: None,
            message: format!("syntax error: {}; Neo4j rejects this statement", e.message),
            fix: "fix the syntax".to_string(),
        })
        .collect();
    result.findings.splice(0..0, rejected);
    Some(result)
}

/// The up statements a down must undo: those not acknowledged with `// cymig:irreversible`.
pub fn to_undo(statements: &[Statement], all: &[Statement], directives: &[Directive]) -> Vec<Statement> {
    let acknowledged: Vec<usize> = directives
        .iter()
        .filter(|d| matches!(d.kind, DirectiveKind::Irreversible { .. }))
        .filter_map(|d| d.target_statement(all))
        .collect();
    let start = all.iter().position(|s| statements.first().is_some_and(|f| f.span == s.span)).unwrap_or(0);
    statements
        .iter()
        .enumerate()
        .filter(|(i, _)| !acknowledged.contains(&(start + i)))
        .map(|(_, s)| s.clone())
        .collect()
}

/// The catalog before `migration`, the touches of the migrations before it, and the renames
/// of the ones after it that their downs do not undo.
pub fn history_of(model: &SchemaModel, migrations: &[Migration], migration: &Migration) -> History {
    let version = &migration.version.raw;
    let before = model.migration(version).map(|m| m.before.clone()).unwrap_or_default();
    let position = migrations.iter().position(|m| m.version.raw == *version).unwrap_or(migrations.len());
    let earlier: Vec<Touch> = model.migrations.iter().take(position).flat_map(|m| m.touches.iter().cloned()).collect();
    let earlier = earlier.into();
    let later = migrations.iter().skip(position + 1).flat_map(unrestored_renames).collect();
    History { before, earlier, later }
}

/// The renames of `m` that its explicit down does not undo (none when it has no down: a
/// rollback cannot go past it then).
pub fn unrestored_renames(m: &Migration) -> Vec<LaterRename> {
    let down = match &m.down {
        Some(d) => script_effects(d.migration_statements(), &d.source.text),
        None if m.up.down_start.is_some() => script_effects(m.up.in_file_down_statements(), &m.up.source.text),
        None => return Vec::new(),
    };
    let up = script_effects(m.up.migration_statements(), &m.up.source.text);
    renames_not_undone(&up, &down, &m.version.raw)
}

/// The renames of `up` that `down` does not reverse.
pub fn renames_not_undone(up: &ScriptEffects, down: &ScriptEffects, version: &str) -> Vec<LaterRename> {
    let mut out = Vec::new();
    let down_labels = down.label_renames();
    let back_labels: HashSet<(&str, &str)> = down_labels.iter().map(|(f, t, _)| (f.as_str(), t.as_str())).collect();
    for (from, to, _) in up.label_renames() {
        if !back_labels.contains(&(to.as_str(), from.as_str())) {
            out.push(LaterRename { version: version.to_string(), label: from, property: None, to });
        }
    }
    let down_props = down.property_renames();
    let back_props: HashSet<(&str, &str, &str)> =
        down_props.iter().map(|(l, f, t, _)| (l.as_str(), f.as_str(), t.as_str())).collect();
    for (label, from, to, _) in up.property_renames() {
        let undone_on = |l: &str| back_props.contains(&(l, to.as_str(), from.as_str()));
        if !undone_on(&label) && !undone_on("") {
            out.push(LaterRename { version: version.to_string(), label, property: Some(from), to });
        }
    }
    out
}

/// Compares two scripts: `down` must undo `up`, and only `up`.
pub fn compare_scripts(up: &Script, down: &Script, history: &History) -> Comparison {
    let mut result = Comparison::default();
    let working = runnable(down, &mut result);
    schema_findings(up, down, &working, &history.before, &mut result);
    let up_fx = script_effects(up.statements, up.text);
    let down_fx = script_effects(&working, down.text);
    data_findings(&up_fx, &down_fx, history, &mut result);
    rename_findings(&down_fx, &history.later, &mut result);
    result.findings.sort_by_key(|f| (f.down.is_none(), f.down.or(f.up).map(|s| s.start), f.kind));
    result
}

/// The down statements Neo4j runs; a finding for each one it rejects.
fn runnable(down: &Script, result: &mut Comparison) -> Vec<Statement> {
    let mut out = Vec::new();
    for s in down.statements {
        let mut why: Vec<String> = crate::semantic::analyze(s, down.text).into_iter().map(|e| e.message).collect();
        if let Some(v) = unbound_where_variable(s) {
            why.push(format!("variable `{v}` is used in WHERE but never bound"));
        }
        match why.first() {
            Some(message) => result.push(Finding {
                kind: Kind::Rejected,
                down: Some(s.span),
                up: None,
                message: format!("Neo4j rejects this statement ({message}): it undoes nothing"),
                fix: "fix the statement; `cymig lint` on the down script says how".to_string(),
            }),
            None => out.push(s.clone()),
        }
    }
    out
}

fn schema_findings(up: &Script, down: &Script, working: &[Statement], before: &Catalog, result: &mut Comparison) {
    let mut after_up = before.clone();
    let mut up_events = Vec::new();
    let uses = crate::ast::DatabaseUses::of(up.comments);
    for s in up.statements {
        if let Some(e) = after_up.of_database_mut(uses.at(s.span.start)).apply_statement(s, up.text, None) {
            up_events.push(e);
        }
    }
    let mut after_down = after_up.clone();
    let uses = crate::ast::DatabaseUses::of(down.comments);
    for s in working {
        let catalog = after_down.of_database_mut(uses.at(s.span.start));
        let Some(event) = catalog.apply_statement(s, down.text, None) else { continue };
        if let SchemaEvent::Created { object, .. } = &event {
            // The up dropped something the model never saw created: this may be it, back.
            if up_drops_unknown(up, &up_events, object) {
                continue;
            }
        }
        if let Some(f) = down_schema_finding(&event, before, &after_up, s.span) {
            result.push(f);
        }
    }
    for object in created_by(before, &after_up).filter(|o| holds(&after_down, o)) {
        result.push(Finding {
            kind: Kind::Incomplete,
            down: None,
            up: up_event_span(&up_events, object),
            message: format!("the up migration creates {}, which this down script does not drop", object.describe()),
            fix: match object.drop_cypher() {
                Some(d) => format!("add `{d};`"),
                None => "drop it by the name Neo4j gave it (SHOW INDEXES / SHOW CONSTRAINTS)".to_string(),
            },
        });
    }
    for object in dropped_by(before, &up_events, &after_up).into_iter().filter(|o| !holds(&after_down, o)) {
        result.push(Finding {
            kind: Kind::Incomplete,
            down: None,
            up: up_event_span(&up_events, object),
            message: format!("the up migration drops {}, which this down script does not re-create", object.describe()),
            fix: format!("add `{};`", object.create_cypher()),
        });
    }
}

/// The objects of `after` (`before` with statements applied) that `before` does not hold, oldest
/// first: `after.iter().filter(|o| !holds(before, o))`, reading only what was created since
/// (a scan of the whole catalog per down script made linting a set with downs quadratic).
fn created_by<'a>(before: &'a Catalog, after: &'a Catalog) -> impl Iterator<Item = &'a SchemaObject> {
    after.iter_from(before.slots()).filter(|o| !holds(before, o))
}

/// The objects of `before` that `after` (`before` with the statements of `events` applied)
/// does not hold, oldest first: `before.iter().filter(|o| !holds(after, o))`, reading only
/// what `events` dropped (an object still in its place in `after` is held by it).
fn dropped_by<'a>(before: &'a Catalog, events: &[SchemaEvent], after: &Catalog) -> Vec<&'a SchemaObject> {
    let dropped = events.iter().filter_map(|e| match e {
        SchemaEvent::Dropped { object, .. } => Some(object),
        _ => None,
    });
    let mut out = before.equal_to_any(dropped);
    out.retain(|o| !holds(after, o));
    out
}

fn down_schema_finding(event: &SchemaEvent, before: &Catalog, after_up: &Catalog, at: Span) -> Option<Finding> {
    let (kind, message, fix) = match event {
        SchemaEvent::Dropped { object, .. } if holds(before, object) && holds(after_up, object) => (
            Kind::DropsOlder,
            format!(
                "drops {}, which existed before the up migration{} and is not one it creates",
                object.describe(),
                object.created_by.as_deref().map(|v| format!(" (created by version {v})")).unwrap_or_default()
            ),
            "remove this statement: the rollback would take away a constraint or index older migrations rely on"
                .to_string(),
        ),
        SchemaEvent::DroppedUnknown { target, if_exists, .. } => (
            Kind::DropsUnknown,
            format!(
                "drops `{target}`, which neither the up migration nor an earlier one creates{}",
                if *if_exists {
                    ": IF EXISTS makes it a no-op, so whatever it was meant to drop stays"
                } else {
                    ": Neo4j fails on a missing index or constraint, unless it was made outside the migrations"
                }
            ),
            "drop the name the up migration creates (`cymig derive-down` prints it)".to_string(),
        ),
        SchemaEvent::Created { object, .. } if !holds(before, object) => (
            Kind::CreatesNew,
            format!("creates {}, which did not exist before the up migration", object.describe()),
            "remove it: a down re-creates only what its up drops".to_string(),
        ),
        SchemaEvent::AlreadyExists { existing, if_not_exists: false, .. } => (
            Kind::ExistsAlready,
            format!(
                "creates {}, which exists already after the up migration: Neo4j fails this statement",
                existing.describe()
            ),
            "remove it, or add IF NOT EXISTS if another migration may have dropped it".to_string(),
        ),
        _ => return None,
    };
    Some(Finding { kind, down: Some(at), up: None, message, fix })
}

/// Whether one of the up's drops of an object the model did not know names or describes `object`.
fn up_drops_unknown(up: &Script, events: &[SchemaEvent], object: &SchemaObject) -> bool {
    events.iter().any(|e| {
        let SchemaEvent::DroppedUnknown { statement, .. } = e else { return false };
        let Some(command) = up.statements.iter().find(|s| s.span == *statement).and_then(|s| s.as_schema()) else {
            return false;
        };
        let (target, is_index) = match command {
            SchemaCommand::DropIndex(d) => (&d.target, true),
            SchemaCommand::DropConstraint(d) => (&d.target, false),
            _ => return false,
        };
        let named = matches!(target, DropTarget::Name(n) if object.name.as_deref() == Some(n.value.as_str()));
        is_index == object.kind.is_index() && (named || object.matches_legacy_target(target, is_index))
    })
}

fn up_event_span(events: &[SchemaEvent], object: &SchemaObject) -> Option<Span> {
    events.iter().find_map(|e| match e {
        SchemaEvent::Created { object: o, statement } | SchemaEvent::Dropped { object: o, statement }
            if same_object(o, object) =>
        {
            Some(*statement)
        }
        _ => None,
    })
}

/// Whether `catalog` has `object`, under its name or on its schema (a down that re-creates an
/// index under another name still restores what queries rely on).
pub fn holds(catalog: &Catalog, object: &SchemaObject) -> bool {
    let named = object.name.as_deref().and_then(|name| match object.kind.is_index() {
        true => catalog.index_named(name),
        false => catalog.constraint_named(name),
    });
    named.is_some() || catalog.equivalent(object).is_some()
}

fn same_object(a: &SchemaObject, b: &SchemaObject) -> bool {
    (a.name.is_some() && a.name == b.name && a.kind.is_index() == b.kind.is_index()) || a.same_schema(b)
}

fn data_findings(up: &ScriptEffects, down: &ScriptEffects, history: &History, result: &mut Comparison) {
    let up_on_label = effects_by_label(up);
    for d in &down.effects {
        if let Some(f) = excess(d, up, &up_on_label, history) {
            result.push(f);
        }
    }
    let deleted_created = deleted_created_labels(up, down);
    let renames = up.label_renames();
    let down_index = DownTouches::new(down.effects.iter().map(|e| &e.touch), &renames);
    let facts = UpFacts::of(up, down);
    for e in &up.effects {
        let carried_off = e.carriers.iter().any(|c| deleted_created.contains(c.as_str()));
        if carried_off || undone(&e.touch, &facts, &down_index) {
            continue;
        }
        result.push(Finding {
            kind: Kind::Incomplete,
            down: None,
            up: Some(e.statement()),
            message: describe_gap(&e.touch),
            fix: "undo it in the down script, or mark the up statement `// cymig:irreversible -- <reason>`".to_string(),
        });
    }
}

/// The up's effects on each label, in script order.
fn effects_by_label(up: &ScriptEffects) -> HashMap<&str, Vec<&Effect>> {
    let mut by_label: HashMap<&str, Vec<&Effect>> = HashMap::new();
    for e in &up.effects {
        by_label.entry(e.touch.label.as_str()).or_default().push(e);
    }
    by_label
}

/// A down write that reaches more than the up changed.
fn excess(
    d: &Effect,
    up: &ScriptEffects,
    up_on_label: &HashMap<&str, Vec<&Effect>>,
    history: &History,
) -> Option<Finding> {
    let t = &d.touch;
    if t.label.is_empty() || up.opaque {
        return None;
    }
    let on_label: &[&Effect] = up_on_label.get(t.label.as_str()).map_or(&[], Vec::as_slice);
    let creates = |e: &&&Effect| e.touch.action == Action::Create && e.touch.property.is_none();
    let thing = describe_thing(t);
    if t.action == Action::Delete && t.property.is_none() {
        if on_label.iter().any(|e| e.touch.action == Action::Delete) {
            return None;
        }
        let Some(first_created) = on_label.iter().find(creates) else {
            return Some(Finding {
                kind: Kind::NotCreated,
                down: Some(d.statement()),
                up: None,
                message: format!(
                    "deletes {thing}, but the up migration creates none: the rollback destroys data that existed before it"
                ),
                fix: format!("undo only what the up changed on {thing} (the relationships or properties it added)"),
            });
        };
        if d.scope == Scope::All && known_before(&t.label, None, history) && only_some(on_label) {
            return Some(over_delete(d, &thing, None, first_created.statement()));
        }
        return None;
    }
    if t.action != Action::Remove || d.scope != Scope::All {
        return None;
    }
    let prop = t.property.as_deref();
    let written: Vec<&Effect> = on_label
        .iter()
        .copied()
        .filter(|e| e.touch.property.as_deref() == prop && matches!(e.touch.action, Action::Set | Action::Create))
        .collect();
    let first = written.first()?;
    let whole = on_label.iter().filter(|e| e.touch.property.as_deref() == prop || e.touch.property.is_none());
    let whole: Vec<&Effect> = whole.copied().collect();
    (known_before(&t.label, prop, history) && only_some(&whole))
        .then(|| over_delete(d, &thing, prop, first.statement()))
}

/// Every up write on the label reaches only entities it created from fixed values, or found by
/// a key: none reaches every entity of the label, or a set a pattern decides.
fn only_some(effects: &[&Effect]) -> bool {
    !effects.is_empty()
        && effects.iter().all(|e| match e.scope {
            Scope::Keyed => true,
            Scope::Created => e.driverless,
            Scope::Filtered | Scope::All => false,
        })
}

fn over_delete(d: &Effect, thing: &str, prop: Option<&str>, up: Span) -> Finding {
    let (verb, what) = match prop {
        None => ("deletes", format!("every {thing}")),
        Some(p) => ("removes", format!("`{p}` from every {thing}")),
    };
    Finding {
        kind: Kind::OverDelete,
        down: Some(d.statement()),
        up: Some(up),
        message: format!(
            "{verb} {what}, but the up migration changes only some of them: the rollback also reaches {thing} that existed before it or were made since"
        ),
        fix: "find them by the key the up wrote (`MATCH (n:Label {key: …})`), as `cymig derive-down` does".to_string(),
    }
}

/// Whether entities of `label` (with `property`) may exist that the up did not make: an earlier
/// migration wrote them, or schema is defined on them. Without that, an unscoped delete of a
/// label the up introduced is left alone.
fn known_before(label: &str, property: Option<&str>, history: &History) -> bool {
    let by_touch = match property {
        None => history.earlier.touch(label),
        Some(p) => history.earlier.write(label, p),
    };
    by_touch || history.before.defines_on(label, property)
}

/// Labels of nodes the up creates and the down deletes: what was on them goes with them.
fn deleted_created_labels<'a>(up: &ScriptEffects, down: &'a ScriptEffects) -> HashSet<&'a str> {
    let created: HashSet<&str> = up
        .effects
        .iter()
        .filter(|e| e.touch.action == Action::Create && e.touch.entity == EntityKind::Node)
        .map(|e| e.touch.label.as_str())
        .collect();
    down.effects
        .iter()
        .filter(|d| d.touch.action == Action::Delete && d.touch.entity == EntityKind::Node && d.detach)
        .map(|d| d.touch.label.as_str())
        .filter(|l| created.contains(l))
        .collect()
}

fn rename_findings(down: &ScriptEffects, later: &[LaterRename], result: &mut Comparison) {
    let renames = renames_by_name(later);
    for read in &down.reads {
        // A label rename hits a read of that label; a property rename, a read of that
        // property on its label or, for a rename on no label, on any.
        let mut hits: Vec<usize> = match &read.property {
            None => renames.get(&(read.label.as_str(), None)).cloned().unwrap_or_default(),
            Some(q) => [read.label.as_str(), ""]
                .iter()
                .flat_map(|l| renames.get(&(*l, Some(q.as_str()))).into_iter().flatten().copied())
                .collect(),
        };
        hits.sort_unstable();
        hits.dedup();
        for r in hits.into_iter().map(|i| &later[i]) {
            let (old, new) = match &r.property {
                None => (format!(":{}", r.label), format!(":{}", r.to)),
                Some(p) => (format!("`{p}` of :{}", read.label), format!("`{}`", r.to)),
            };
            result.push(Finding {
                kind: Kind::ReadsRenamed,
                down: Some(read.statement),
                up: None,
                message: format!(
                    "reads {old}, which version {} renames to {new} without renaming it back in its down: when this runs, nothing has the old name",
                    r.version
                ),
                fix: format!("make version {}'s down rename {new} back, or read {new} here", r.version),
            });
        }
    }
}

/// The positions of `later`'s renames by the label and property they rename.
fn renames_by_name(later: &[LaterRename]) -> HashMap<(&str, Option<&str>), Vec<usize>> {
    let mut by_name: HashMap<(&str, Option<&str>), Vec<usize>> = HashMap::new();
    for (i, r) in later.iter().enumerate() {
        by_name.entry((r.label.as_str(), r.property.as_deref())).or_default().push(i);
    }
    by_name
}

/// What `undone` reads of the up and the down besides the down's touches.
struct UpFacts<'a> {
    /// Node labels the up creates entities with.
    created: HashSet<&'a str>,
    /// `(label, from)` of each property the up renames away from `from`.
    renamed_from: HashSet<(&'a str, &'a str)>,
    /// Relationship types whose end nodes the down DETACH DELETEs: they go with the nodes.
    detached: HashSet<&'a str>,
}

impl<'a> UpFacts<'a> {
    fn of(up: &'a ScriptEffects, down: &'a ScriptEffects) -> Self {
        let touches = || up.effects.iter().map(|e| &e.touch);
        UpFacts {
            created: touches()
                .filter(|u| u.property.is_none() && u.action == Action::Create)
                .map(|u| u.label.as_str())
                .collect(),
            renamed_from: touches()
                .filter_map(|u| match &u.action {
                    Action::Rename { from } => Some((u.label.as_str(), from.as_str())),
                    _ => None,
                })
                .collect(),
            detached: down.adjacent_to_detached.iter().map(String::as_str).collect(),
        }
    }
}

/// Whether the down counters `t` (its touches on the label, a label the up renames it to, or
/// no label).
fn undone<'a>(t: &'a Touch, up: &UpFacts<'a>, down: &DownTouches<'a>) -> bool {
    let label = t.label.as_str();
    let has = |wanted| down.any(label, wanted);
    let entity_deleted = has(Wanted::Deleted);
    match (&t.action, t.property.as_deref()) {
        // Entities the up created: the down must delete them (for relationships, detaching
        // their nodes also counts).
        (Action::Create, None) => entity_deleted || up.detached.contains(label),
        // Properties given at creation go with the entity.
        (Action::Create, Some(_)) => entity_deleted || up.detached.contains(label) || up.created.contains(label),
        (Action::Set, Some(p)) => entity_deleted || has(Wanted::RemovedOrSet(p)) || has(Wanted::RenamedFrom(p)),
        (Action::Set, None) => entity_deleted || has(Wanted::LabelRemoved),
        (Action::Rename { from }, Some(p)) => {
            has(Wanted::RenamedBack { from, to: p }) || (has(Wanted::SetOrRenamed(from)) && has(Wanted::Removed(p)))
        }
        // The removal half of a rename is checked with the rename.
        (Action::Remove, Some(p)) => up.renamed_from.contains(&(label, p)) || has(Wanted::Restored(p)),
        (Action::Remove, None) => has(Wanted::LabelRestored),
        (Action::Delete, _) => has(Wanted::Created),
        (Action::Rename { .. }, None) => true,
    }
}

fn describe_thing(t: &Touch) -> String {
    match (t.entity, t.label.is_empty()) {
        (EntityKind::Node, false) => format!(":{}", t.label),
        (EntityKind::Relationship, false) => format!("[:{}]", t.label),
        _ => "entities".to_string(),
    }
}

fn describe_gap(t: &Touch) -> String {
    let thing = describe_thing(t);
    match (&t.action, t.property.as_deref()) {
        (Action::Create, None) => format!("creates {thing}; the down script never deletes them"),
        (Action::Create, Some(p)) => format!("creates {thing} with `{p}`; the down script never deletes them"),
        (Action::Set, Some(p)) => format!("sets `{p}` on {thing}; the down script never removes or restores it"),
        (Action::Set, None) => format!("adds the label {thing}; the down script never removes it"),
        (Action::Rename { from }, Some(p)) => {
            format!("renames `{from}` to `{p}` on {thing}; the down script never renames it back")
        }
        (Action::Remove, Some(p)) => format!("removes `{p}` from {thing}; the down script never restores it"),
        (Action::Remove, None) => format!("removes the label {thing}; the down script never restores it"),
        (Action::Delete, _) => format!("deletes {thing}; the down script never re-creates them"),
        (Action::Rename { .. }, None) => format!("renames {thing}"),
    }
}

/// A variable read in a MATCH … WHERE that nothing bound before: Neo4j rejects the statement.
fn unbound_where_variable(s: &Statement) -> Option<String> {
    let StatementKind::Query(q) = &s.kind else { return None };
    let clauses = linear_clauses(q)?;
    for (i, c) in clauses.iter().enumerate() {
        let Clause::Match(m) = c else { continue };
        let Some(w) = &m.where_ else { continue };
        let bound = analyze(&clauses[..=i]);
        for v in variables(w) {
            if bound.binding(&v).is_none() {
                return Some(v);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaModel;

    /// Sets whose catalogs have named and unnamed, multi-label, relationship and dropped objects.
    const SETS: &[&[(&str, &str)]] = &[
        &[
            ("1", "CREATE INDEX a FOR (n:A) ON (n.x);\nCREATE INDEX ON :B(y);\nCREATE INDEX r FOR ()-[r:R]-() ON (r.x);"),
            ("2", "CREATE FULLTEXT INDEX ft FOR (n:A|C) ON EACH [n.y, n.z];\nDROP INDEX a;\nMATCH (a:A) SET a.x = 1;"),
            ("3", "CREATE CONSTRAINT ax FOR (n:A) REQUIRE n.x IS UNIQUE;\nDROP INDEX ON :B(y);\nDROP INDEX nope IF EXISTS;"),
            ("4", "DROP CONSTRAINT ax;\nCREATE INDEX a FOR (n:A) ON (n.x);\nDROP INDEX a;\nCREATE INDEX a2 FOR (n:A) ON (n.x);"),
            ("5", "CREATE LOOKUP INDEX lk FOR (n) ON EACH labels(n);\nDROP INDEX ft;\nDROP INDEX r;"),
            ("6", "DROP INDEX lk;\nDROP INDEX a2;\nCREATE INDEX ON :B(y, x);\nCREATE INDEX b FOR (n:B) ON (n.x, n.y);"),
        ],
        &[
            ("1", "CREATE INDEX i1 FOR (n:L) ON (n.p1);\nCREATE INDEX i2 FOR (n:L) ON (n.p2);"),
            ("2", "CREATE INDEX i3 FOR (n:L) ON (n.p1, n.p2);\nDROP INDEX i1;"),
            ("3", "DROP INDEX i2;\nDROP INDEX i3;"),
            ("4", "CREATE INDEX i1 FOR (n:L) ON (n.p1);"),
        ],
    ];

    /// The scan of the catalog that [`Catalog::defines_on`] replaced in `known_before`, as it was.
    fn scanned_defines_on(catalog: &Catalog, label: &str, property: Option<&str>) -> bool {
        catalog.iter().any(|o| {
            o.labels.iter().any(|l| l == label) && property.is_none_or(|p| o.properties.iter().any(|k| k == p))
        })
    }

    #[test]
    fn the_catalog_lookups_answer_as_the_scans_of_the_catalog_did() {
        for set in SETS {
            let model = SchemaModel::replay_texts(set);
            for m in &model.migrations {
                for catalog in [&m.before, &m.after] {
                    for label in ["A", "B", "C", "L", "R", "Z"] {
                        for property in [None, Some("x"), Some("y"), Some("z"), Some("p1"), Some("p2"), Some("w")] {
                            assert_eq!(
                                catalog.defines_on(label, property),
                                scanned_defines_on(catalog, label, property),
                                "version {} {label} {property:?}",
                                m.version
                            );
                        }
                    }
                }
                let created: Vec<&SchemaObject> = created_by(&m.before, &m.after).collect();
                let scanned: Vec<&SchemaObject> = m.after.iter().filter(|o| !holds(&m.before, o)).collect();
                assert_eq!(created, scanned, "created by version {}", m.version);
                let dropped = dropped_by(&m.before, &m.events, &m.after);
                let scanned: Vec<&SchemaObject> = m.before.iter().filter(|o| !holds(&m.after, o)).collect();
                assert_eq!(dropped, scanned, "dropped by version {}", m.version);
            }
        }
        let last = SchemaModel::replay_texts(SETS[0]).final_catalog();
        assert!(last.defines_on("B", Some("y")) && !last.defines_on("A", None) && !last.defines_on("R", None));
    }

    /// A drop in another database (after `:use`) leaves the default database's objects in place.
    #[test]
    fn a_drop_in_another_database_drops_nothing_here() {
        let up = "CREATE INDEX a FOR (n:A) ON (n.x);";
        let mut before = Catalog::default();
        let script = crate::syntax::parse(up);
        before.apply_statements(&script.statements, up, Some("1"));
        let text = ":use other\nCREATE INDEX a FOR (n:A) ON (n.x);\nDROP INDEX a;\n:use neo4j\nCREATE INDEX b FOR (n:B) ON (n.y);";
        let script = crate::syntax::parse(text);
        let mut after = before.clone();
        let events: Vec<SchemaEvent> = script
            .statements
            .iter()
            .filter_map(|s| after.apply_statement_in(&script.comments, s, text, Some("2")))
            .collect();
        assert!(events.iter().any(|e| matches!(e, SchemaEvent::Dropped { .. })));
        assert!(dropped_by(&before, &events, &after).is_empty());
        let created: Vec<Option<&str>> = created_by(&before, &after).map(|o| o.name.as_deref()).collect();
        assert_eq!(created, [Some("b")]);
        assert_eq!(
            dropped_by(&before, &events, &after),
            before.iter().filter(|o| !holds(&after, o)).collect::<Vec<_>>()
        );
    }

    /// `known_before` by schema: a down's unscoped delete of a label that an earlier index is
    /// on is an over-delete; once that index is dropped, it is not.
    #[test]
    fn an_unscoped_delete_is_an_over_delete_only_while_schema_is_on_its_label() {
        let up_text = "CREATE (:A {k: 1});";
        let down_text = "MATCH (n:A) DETACH DELETE n;";
        let (up_script, down_script) = (crate::syntax::parse(up_text), crate::syntax::parse(down_text));
        let up = Script { statements: &up_script.statements, text: up_text, comments: &up_script.comments };
        let down = Script { statements: &down_script.statements, text: down_text, comments: &down_script.comments };
        let model = SchemaModel::replay_texts(&[("1", "CREATE INDEX a FOR (n:A) ON (n.x);"), ("2", "DROP INDEX a;")]);
        let kinds = |before: &Catalog| {
            let history = History { before: before.clone(), ..History::default() };
            compare_scripts(&up, &down, &history).findings.iter().map(|f| f.kind).collect::<Vec<_>>()
        };
        assert_eq!(kinds(&model.catalog_after("1")), [Kind::OverDelete]);
        assert!(kinds(&model.catalog_after("2")).is_empty());
        assert!(kinds(&Catalog::default()).is_empty());
    }
}
