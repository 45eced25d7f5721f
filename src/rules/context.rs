//! What a rule knows about the file it checks: the text, the AST, directives, settings, and —
//! when the file belongs to a migration set — its role in the set and the schema before it.

use crate::ast::{Script, Statement};
use crate::migration::{Directive, DirectiveKind};
use crate::schema::Catalog;
use crate::source::SourceFile;
use crate::span::Span;
use serde::Serialize;

/// The target Neo4j version and edition are the configuration's types.
pub use crate::config::{Edition, TargetVersion as Target};

/// Settings rules read (selection and severities are applied by the checker, not rules).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settings {
    pub target: Target,
    pub edition: Edition,
    /// Whether the edition was stated (configuration, a flag or the file's own precondition)
    /// rather than assumed: what only one edition rejects is an error only where it is stated.
    pub edition_stated: bool,
    /// `OF n ROWS` used by batching fixes.
    pub batch_size: u64,
    /// Batch sizes outside `[min_batch, max_batch]` are reported by `ineffective-batching`.
    pub min_batch: u64,
    pub max_batch: u64,
    /// The file runs only on Neo4j versions before 4.4 (a neo4j-migrations guard such as
    /// `// assume that version is 4.3`), where the 4.x schema syntax is current, not deprecated.
    pub before_4_4: bool,
    /// Procedures the server has besides the built-in ones (`[lint] procedures`).
    pub procedures: Vec<crate::semantic::ProcedureSignature>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            target: Target::V5,
            edition: Edition::Community,
            edition_stated: false,
            batch_size: 10_000,
            min_batch: 100,
            max_batch: 100_000,
            before_4_4: false,
            procedures: Vec::new(),
        }
    }
}

/// The role a file plays in its migration set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// A versioned up migration (`V1__x.cypher`, `1_x.up.cypher`).
    Up { version: String, has_down: bool },
    /// An explicit down script (`U1__x.cypher`, `1_x.down.cypher`).
    Down { version: String },
    /// A repeatable migration (`R__x.cypher`).
    Repeatable,
    /// A `….verify.cypher` companion: read-only checks run after the migration.
    Verify,
    /// A neo4j-migrations lifecycle callback (`beforeMigrate.cypher`, …): run by that tool on
    /// every run of its phase, never rolled back.
    Callback,
    /// A file outside any migration set, or one that follows no naming convention inside a
    /// migration directory (meant as a migration, misnamed).
    Standalone,
    /// A `.cypher` file in a directory that holds no migration (`schema.cypher`, `reset.cypher`
    /// beside lesson files, test data): a script run by hand, not a migration, so the rules
    /// about down scripts do not apply.
    Script,
}

/// Set-level facts about one file, computed when the set is loaded.
#[derive(Clone, Debug, Default)]
pub struct SetFacts {
    /// Layout problems the loader found (bad names, orphan downs, duplicate versions,
    /// invalid UTF-8), each for the rule that reports it.
    pub problems: Vec<SetFinding>,
    /// Why the file no longer matches `cymig.sum`, if it does not, and what to do.
    pub edited: Option<(String, String)>,
    /// For a standalone file: the schema its set's standalone scripts define, all of them
    /// together. Such scripts are not ordered (setup scripts run by hand: `schema.cypher`,
    /// then `load.cypher`), so a constraint one of them declares may back another one's MERGE.
    pub scripts_catalog: std::sync::Arc<Catalog>,
    /// The change sets of an XML changelog (empty for `.cypher` files): each runs in its own
    /// transaction and may carry its own rollback.
    pub change_sets: Vec<crate::migration::changelog_xml::ChangeSet>,
    /// For an up migration whose explicit down script holds no statement (an empty or
    /// comment-only file, or an empty `-- +migrate Down` section): that script, as the message
    /// names it. Such a down undoes nothing, so the up counts as having none.
    pub empty_down: Option<String>,
    /// A Liquibase formatted-Cypher changelog that `cymig up` applies change set by change set
    /// (see `MigrationSet::applies_change_sets`).
    pub applied_change_sets: bool,
    /// For an explicit down script: the catalog before its up migration ran, which the down
    /// must restore.
    pub before_up: Option<std::sync::Arc<Catalog>>,
    /// For a migration with an explicit down script (its up and its down file): what
    /// `down-mismatch` compares the down with.
    pub down_history: Option<std::sync::Arc<DownHistory>>,
}

/// The up migration of a down script, and the data touches of the migrations before it.
#[derive(Clone, Debug, Default)]
pub struct DownHistory {
    /// The up file's text and migration statements (`None` on the up file itself).
    pub up: Option<(String, Vec<crate::ast::Statement>, Vec<crate::ast::Comment>)>,
    pub earlier: crate::undo::compare::EarlierTouches,
}

impl SetFacts {
    /// The change set `span` lies in, if the file is an XML changelog.
    pub fn change_set_of(&self, span: Span) -> Option<&crate::migration::changelog_xml::ChangeSet> {
        self.change_sets.iter().find(|c| c.span.start <= span.start && span.end <= c.span.end)
    }
}

#[derive(Clone, Debug)]
pub struct SetFinding {
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl SetFacts {
    /// Reports the problems meant for `meta`'s rule.
    pub fn report(&self, meta: &'static super::RuleMeta, out: &mut super::Findings) {
        for p in self.problems.iter().filter(|p| p.rule == meta.name) {
            let d = out.report(meta, p.span, p.message.clone());
            if let Some(h) = &p.help {
                d.help(h.clone());
            }
        }
    }
}

pub struct FileContext<'a> {
    pub source: &'a SourceFile,
    pub script: &'a Script,
    pub directives: &'a [Directive],
    pub settings: &'a Settings,
    pub role: FileRole,
    /// Constraints and indexes known before this file runs (earlier migrations; for a down
    /// script, everything up to and including its up migration).
    pub catalog_before: &'a Catalog,
    pub set: SetFacts,
    /// The catalog after each schema statement of this file, built on first use by
    /// [`FileContext::catalog_at`] (`Default::default()` when constructing).
    pub catalog_snapshots: CatalogSnapshots,
    /// The semantic model of each statement of the file, built on first use by
    /// [`FileContext::model`] (`Default::default()` when constructing).
    pub models: SemanticModels,
}

/// One [`crate::semantic::Model`] per statement of the file, shared by every rule that asks.
#[derive(Default)]
pub struct SemanticModels(std::cell::RefCell<Vec<Option<std::rc::Rc<crate::semantic::Model>>>>);

/// The catalog within one file, replayed forward as rules ask for later statements: rules visit
/// statements in order, so a pass over the file replays each schema statement once and the
/// catalog is shared (`Arc`), not copied per statement. A per-statement snapshot (or a scan of
/// the statements before each one) was quadratic in a file's statements: a 40,000-statement
/// file took 24 s and 750 MB. Asking for an earlier statement restarts the replay, which rules
/// only do once per pass.
#[derive(Default)]
pub struct CatalogSnapshots(std::cell::RefCell<Option<Replay>>);

struct Replay {
    /// How many statements of the file `catalog` has seen.
    applied: usize,
    catalog: std::sync::Arc<Catalog>,
    /// Where each `:use <db>` framing line starts, with the database it selects.
    uses: Vec<(usize, Option<String>)>,
}

impl Replay {
    fn database_at(&self, offset: usize) -> Option<&str> {
        let i = self.uses.partition_point(|(start, _)| *start < offset);
        i.checked_sub(1).and_then(|i| self.uses[i].1.as_deref())
    }
}

/// The catalog before a statement, in the statement's database (see [`FileContext::catalog_at`]).
pub struct CatalogAt {
    catalog: std::sync::Arc<Catalog>,
    database: Option<String>,
}

impl std::ops::Deref for CatalogAt {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        self.catalog.of_database(self.database.as_deref())
    }
}

impl<'a> FileContext<'a> {
    pub fn text(&self) -> &'a str {
        &self.source.text
    }

    pub fn slice(&self, span: Span) -> &'a str {
        span.text(&self.source.text)
    }

    /// The statement a directive ending at `end` applies to: the first one starting after it.
    pub fn statement_after(&self, end: usize) -> Option<&'a Statement> {
        self.script.statements.iter().find(|s| s.span.start >= end)
    }

    /// Whether `stmt` is acknowledged as irreversible by a `cymig:irreversible` directive.
    pub fn acknowledged_irreversible(&self, stmt: &Statement) -> bool {
        self.directives.iter().any(|d| {
            matches!(d.kind, DirectiveKind::Irreversible { .. })
                && self.statement_after(d.span.end).map(|s| s.span) == Some(stmt.span)
        })
    }

    /// The catalog as it stands just before `stmt`: earlier migrations plus the schema
    /// statements earlier in this file.
    pub fn catalog_at(&self, stmt: &Statement) -> CatalogAt {
        let statements = &self.script.statements;
        let before = statements.partition_point(|s| s.span.start < stmt.span.start);
        let mut slot = self.catalog_snapshots.0.borrow_mut();
        if slot.as_ref().is_none_or(|r| r.applied > before) {
            *slot = Some(self.start_replay());
        }
        let Some(replay) = slot.as_mut() else { unreachable!("the replay was just started") };
        let created_by = match &self.role {
            FileRole::Up { version, .. } => Some(version.as_str()),
            _ => None,
        };
        while replay.applied < before {
            let s = &statements[replay.applied];
            replay.applied += 1;
            if crate::schema::changes_schema(s) {
                let database = replay.database_at(s.span.start).map(str::to_string);
                let catalog = std::sync::Arc::make_mut(&mut replay.catalog);
                catalog.of_database_mut(database.as_deref()).apply_statement(s, self.text(), created_by);
            }
        }
        let database = replay.database_at(stmt.span.start).map(str::to_string);
        CatalogAt { catalog: replay.catalog.clone(), database }
    }

    fn start_replay(&self) -> Replay {
        let uses = (self.script.comments.iter())
            .filter(|c| c.kind == crate::ast::CommentKind::Framing)
            .filter_map(|c| crate::ast::use_target(&c.text).map(|db| (c.span.start, (db != "neo4j").then_some(db))))
            .collect();
        Replay { applied: 0, catalog: std::sync::Arc::new(self.catalog_before.clone()), uses }
    }

    /// The semantic model of `stmt`: built once for a statement of the file, afresh for one
    /// that is not (the Cypher in a procedure's string).
    pub fn model(&self, stmt: &Statement) -> std::rc::Rc<crate::semantic::Model> {
        let statements = &self.script.statements;
        let i = statements.partition_point(|s| s.span.start < stmt.span.start);
        let Some(i) = statements.get(i).is_some_and(|s| std::ptr::eq(s, stmt)).then_some(i) else {
            return std::rc::Rc::new(self.build_model(stmt));
        };
        let mut cache = self.models.0.borrow_mut();
        if cache.len() < statements.len() {
            cache.resize(statements.len(), None);
        }
        cache[i].get_or_insert_with(|| std::rc::Rc::new(self.build_model(stmt))).clone()
    }

    fn build_model(&self, stmt: &Statement) -> crate::semantic::Model {
        crate::semantic::Model::build_with(stmt, self.text(), &[], &self.settings.procedures)
    }

    /// A hand-run script under a test directory (`src/test/resources/`, `tests/`, …) or named as a
    /// test (`testPlainFormat.cypher`): its test loads it into a fresh database, so whether it
    /// could be re-run is not a question anyone asks.
    pub fn is_test_fixture(&self) -> bool {
        let path = &self.source.path;
        self.role == FileRole::Script
            && (crate::migration::under_test_dir(path) || crate::migration::named_as_test(path))
    }

    pub fn is_up_migration(&self) -> bool {
        matches!(self.role, FileRole::Up { .. } | FileRole::Standalone | FileRole::Script)
    }
}
