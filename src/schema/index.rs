//! Lookups over a replayed migration set, built once: derivation asks, for every statement of
//! every migration, which earlier migrations wrote a property, and a scan of the earlier
//! migrations per question made planning a set cubic in its size (606 one-line migrations took
//! a fifth of a second, 2,000 took three).

use super::{MigrationModel, SchemaEvent};
use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub(super) struct ModelIndex {
    /// The position of each version's first migration.
    position: HashMap<String, usize>,
    /// Label (or type), then property: the migrations that write it.
    writers: HashMap<String, HashMap<String, Writers>>,
    /// Name (or legacy definition) of an index or constraint: the events that create or drop it.
    named_events: HashMap<String, Vec<NamedEvent>>,
}

/// The migrations that write one property of one label, in set order.
#[derive(Clone, Debug, Default)]
struct Writers {
    positions: Vec<usize>,
    /// `literal[i]`: the one literal every write of `positions[..=i]` wrote, if there is one.
    literal: Vec<Option<String>>,
}

/// A schema event about one name, where it happened.
#[derive(Clone, Copy, Debug)]
pub(super) struct NamedEvent {
    pub position: usize,
    pub offset: usize,
    /// Dropped (true) or created (false).
    pub dropped: bool,
}

/// The events of `events` (those of the migration at `at`) that name an index or constraint,
/// each with that name, in file order.
pub(super) fn named_events_at(at: usize, events: &[SchemaEvent]) -> impl Iterator<Item = (&str, NamedEvent)> {
    events.iter().filter_map(move |e| {
        let (name, dropped) = match e {
            SchemaEvent::Dropped { object, .. } => (object.name.as_deref(), true),
            SchemaEvent::DroppedUnknown { target, .. } => (Some(target.as_str()), true),
            SchemaEvent::Created { object, .. } => (object.name.as_deref(), false),
            SchemaEvent::AlreadyExists { .. } => (None, false),
        };
        name.map(|name| (name, NamedEvent { position: at, offset: e.statement().start, dropped }))
    })
}

impl ModelIndex {
    pub(super) fn build(migrations: &[MigrationModel]) -> ModelIndex {
        let mut index = ModelIndex::default();
        for (at, m) in migrations.iter().enumerate() {
            index.position.entry(m.version.clone()).or_insert(at);
            index.add_writes(at, m);
            index.add_named_events(at, &m.events);
        }
        index
    }

    fn add_writes(&mut self, at: usize, m: &MigrationModel) {
        for t in &m.touches {
            let Some(property) = t.property.as_deref().filter(|p| t.writes_property(&t.label, p)) else { continue };
            let writers = self.writers.entry(t.label.clone()).or_default().entry(property.to_string()).or_default();
            let literal = match writers.literal.last() {
                None => t.value.clone(),
                Some(common) => common.clone().filter(|v| t.value.as_ref() == Some(v)),
            };
            if writers.positions.last() == Some(&at) {
                writers.literal.pop();
            } else {
                writers.positions.push(at);
            }
            writers.literal.push(literal);
        }
    }

    fn add_named_events(&mut self, at: usize, events: &[SchemaEvent]) {
        for (name, event) in named_events_at(at, events) {
            self.named_events.entry(name.to_string()).or_default().push(event);
        }
    }

    pub(super) fn position(&self, version: &str) -> Option<usize> {
        self.position.get(version).copied()
    }

    fn writers(&self, label: &str, property: &str) -> Option<&Writers> {
        self.writers.get(label).and_then(|p| p.get(property))
    }

    /// Positions before `end` of the migrations that write `label.property`, ascending.
    pub(super) fn writers_before(&self, end: usize, label: &str, property: &str) -> &[usize] {
        self.writers(label, property).map_or(&[], |w| &w.positions[..w.positions.partition_point(|&p| p < end)])
    }

    /// The literal every write of `label.property` before `end` wrote: `None` when none wrote it,
    /// `Some(None)` when they did not all write one literal.
    pub(super) fn literal_before(&self, end: usize, label: &str, property: &str) -> Option<Option<&str>> {
        let w = self.writers(label, property)?;
        let n = w.positions.partition_point(|&p| p < end);
        n.checked_sub(1).map(|last| w.literal[last].as_deref())
    }

    /// The events about `name`, in set and file order.
    pub(super) fn named_events(&self, name: &str) -> &[NamedEvent] {
        self.named_events.get(name).map_or(&[], Vec::as_slice)
    }
}
