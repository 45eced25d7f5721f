//! The down's touches found by label and property. Each up effect asks whether the down undoes
//! it; answering by a pass over the whole down made a comparison grow with the square of a
//! file's size, so the down is grouped once and every question costs a lookup (each answer is
//! kept, since thousands of effects ask the same one).

use crate::schema::effects::{Action, Touch};
use std::cell::RefCell;
use std::collections::HashMap;

/// What an up effect needs a down touch of the same (or a related) label to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wanted<'a> {
    /// Deletes the entities.
    Deleted,
    /// Creates entities.
    Created,
    /// Removes the label.
    LabelRemoved,
    /// Adds the label or creates entities with it.
    LabelRestored,
    /// Removes or sets the property.
    RemovedOrSet(&'a str),
    /// Renames the property to another name.
    RenamedFrom(&'a str),
    /// Renames `to` back to `from`.
    RenamedBack { from: &'a str, to: &'a str },
    /// Sets the property, or renames something to it.
    SetOrRenamed(&'a str),
    /// Removes the property.
    Removed(&'a str),
    /// Sets or creates the property, or renames something to it.
    Restored(&'a str),
}

/// How the down touches that may satisfy a [`Wanted`] are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key<'a> {
    /// Touches of this property (`None`: of the label or type itself).
    Property(Option<&'a str>),
    /// Renames away from this property name.
    RenameFrom(&'a str),
}

impl<'a> Wanted<'a> {
    fn key(self) -> Key<'a> {
        match self {
            Wanted::Deleted | Wanted::Created | Wanted::LabelRemoved | Wanted::LabelRestored => Key::Property(None),
            Wanted::RenamedFrom(p) => Key::RenameFrom(p),
            Wanted::RenamedBack { from, .. } => Key::Property(Some(from)),
            Wanted::RemovedOrSet(p) | Wanted::SetOrRenamed(p) | Wanted::Removed(p) | Wanted::Restored(p) => {
                Key::Property(Some(p))
            }
        }
    }

    /// Whether `d` (already of the wanted property) does it.
    fn holds(self, d: &Touch) -> bool {
        match self {
            Wanted::Deleted => d.action == Action::Delete,
            Wanted::Created => d.action == Action::Create,
            Wanted::LabelRemoved | Wanted::Removed(_) => d.action == Action::Remove,
            Wanted::LabelRestored => matches!(d.action, Action::Set | Action::Create),
            Wanted::RemovedOrSet(_) => matches!(d.action, Action::Remove | Action::Set),
            Wanted::RenamedFrom(_) => true,
            Wanted::RenamedBack { to, .. } => matches!(&d.action, Action::Rename { from } if from == to),
            Wanted::SetOrRenamed(_) => matches!(d.action, Action::Set | Action::Rename { .. }),
            Wanted::Restored(_) => matches!(d.action, Action::Set | Action::Create | Action::Rename { .. }),
        }
    }
}

/// A down's touches, grouped once; see the module docs.
pub struct DownTouches<'a> {
    by_label: HashMap<(&'a str, Key<'a>), Vec<&'a Touch>>,
    any_label: HashMap<Key<'a>, Vec<&'a Touch>>,
    /// Labels the up renames, each with the labels it is renamed to or from: the down may undo
    /// the rename first and then work on the other name.
    aliases: HashMap<&'a str, Vec<&'a str>>,
    answers: RefCell<HashMap<(Option<&'a str>, Wanted<'a>), bool>>,
}

impl<'a> DownTouches<'a> {
    pub fn new(
        down: impl IntoIterator<Item = &'a Touch>,
        label_renames: &'a [(String, String, crate::span::Span)],
    ) -> Self {
        let mut by_label: HashMap<(&str, Key), Vec<&Touch>> = HashMap::new();
        let mut any_label: HashMap<Key, Vec<&Touch>> = HashMap::new();
        for d in down {
            let mut keys = vec![Key::Property(d.property.as_deref())];
            if let Action::Rename { from } = &d.action {
                keys.push(Key::RenameFrom(from));
            }
            for key in keys {
                by_label.entry((d.label.as_str(), key)).or_default().push(d);
                any_label.entry(key).or_default().push(d);
            }
        }
        let mut aliases: HashMap<&str, Vec<&str>> = HashMap::new();
        for (from, to, _) in label_renames {
            aliases.entry(from).or_default().push(to);
            aliases.entry(to).or_default().push(from);
        }
        DownTouches { by_label, any_label, aliases, answers: RefCell::new(HashMap::new()) }
    }

    /// Whether a down touch does what is `wanted` on `label`: of that label, of a label the up
    /// renames it to or from, or of no label; any touch when `label` is empty.
    pub fn any(&self, label: &'a str, wanted: Wanted<'a>) -> bool {
        if label.is_empty() {
            return self.answer(None, wanted);
        }
        let related = self.aliases.get(label).into_iter().flatten();
        self.answer(Some(label), wanted)
            || self.answer(Some(""), wanted)
            || related.into_iter().any(|&other| self.answer(Some(other), wanted))
    }

    fn answer(&self, label: Option<&'a str>, wanted: Wanted<'a>) -> bool {
        if let Some(&known) = self.answers.borrow().get(&(label, wanted)) {
            return known;
        }
        let touches = match label {
            Some(l) => self.by_label.get(&(l, wanted.key())),
            None => self.any_label.get(&wanted.key()),
        };
        let found = touches.is_some_and(|ts| ts.iter().any(|d| wanted.holds(d)));
        self.answers.borrow_mut().insert((label, wanted), found);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::EntityKind;
    use crate::span::Span;

    fn touch(label: &str, property: Option<&str>, action: Action) -> Touch {
        Touch {
            entity: EntityKind::Node,
            label: label.into(),
            property: property.map(str::to_string),
            action,
            statement: Span::default(),
            value: None,
        }
    }

    /// The lookup answers as the pass over every touch it replaced did.
    #[test]
    fn answers_as_a_scan_of_the_whole_down_would() {
        let rename = |from: &str| Action::Rename { from: from.into() };
        let down = vec![
            touch("A", None, Action::Delete),
            touch("A", Some("x"), Action::Remove),
            touch("", Some("y"), Action::Set),
            touch("B", Some("old"), rename("new")),
            touch("C", None, Action::Create),
        ];
        let renames = vec![("A".to_string(), "Z".to_string(), Span::default())];
        let index = DownTouches::new(&down, &renames);
        let labels = ["A", "B", "C", "Z", "Q", ""];
        let wanted = [
            Wanted::Deleted,
            Wanted::Created,
            Wanted::LabelRemoved,
            Wanted::LabelRestored,
            Wanted::RemovedOrSet("x"),
            Wanted::RemovedOrSet("y"),
            Wanted::RenamedFrom("new"),
            Wanted::RenamedBack { from: "old", to: "new" },
            Wanted::SetOrRenamed("old"),
            Wanted::Removed("x"),
            Wanted::Restored("y"),
            Wanted::Restored("old"),
        ];
        for label in labels {
            for w in wanted {
                let same = |d: &Touch| {
                    d.label == label
                        || d.label.is_empty()
                        || label.is_empty()
                        || renames
                            .iter()
                            .any(|(f, t, _)| (f == &d.label && t == label) || (f == label && t == &d.label))
                };
                let on_key = |d: &Touch| match w.key() {
                    Key::Property(p) => d.property.as_deref() == p,
                    Key::RenameFrom(p) => matches!(&d.action, Action::Rename { from } if from == p),
                };
                let scanned = down.iter().any(|d| same(d) && on_key(d) && w.holds(d));
                assert_eq!(index.any(label, w), scanned, "{label:?} {w:?}");
                assert_eq!(index.any(label, w), scanned, "asked again: {label:?} {w:?}");
            }
        }
    }
}
