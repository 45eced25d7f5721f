use super::legacy_constraint_syntax::soften_on_44;
use super::text::quote_name;
use crate::span::tight;
use super::*;
use crate::ast::{CallProcedureClause, Clause, Expr, ExprKind, Literal, StatementKind};
use crate::diagnostic::Edit;
use crate::span::Span;

pub struct RemovedProcedure;

pub static META: RuleMeta = RuleMeta {
    summary: "Procedure removed in Neo4j 5 (`db.indexes()`, `dbms.listQueries()`, …)",
    docs: r#"## What it does
Flags calls to built-in procedures that Neo4j 5 removed, and names the Cypher command that
replaced each: `db.indexes()` → `SHOW INDEXES`, `db.constraints()` → `SHOW CONSTRAINTS`,
`db.schemaStatements()` → `SHOW INDEXES/CONSTRAINTS YIELD createStatement`,
`dbms.listQueries()` / `dbms.listTransactions()` → `SHOW TRANSACTIONS`,
`dbms.killQuery(ies)()` / `dbms.killTransaction(s)()` → `TERMINATE TRANSACTIONS`,
`dbms.procedures()` / `dbms.functions()` → `SHOW PROCEDURES` / `SHOW FUNCTIONS`,
`db.createIndex()` → `CREATE INDEX`, `db.createUniquePropertyConstraint()` /
`db.createNodeKey()` → `CREATE CONSTRAINT`, `db.index.fulltext.createNodeIndex()` /
`createRelationshipIndex()` → `CREATE FULLTEXT INDEX`, `db.index.fulltext.drop()` →
`DROP INDEX`, `dbms.security.*` → the user and role administration commands, and
`db.index.vector.createNodeIndex()` (deprecated) → `CREATE VECTOR INDEX`.
An error when targeting Neo4j 5 or later, a warning on 4.4 (where they are deprecated).

## Why it matters
The call fails with `Neo.ClientError.Procedure.ProcedureNotFound` after the upgrade — typically
in the verification step of a deployment runbook, when it is most confusing.

## Example
```cypher
CALL db.constraints();
CALL dbms.listQueries() YIELD queryId, query, elapsedTimeMillis
WHERE elapsedTimeMillis > 30000 RETURN *;
```

## Use instead
```cypher
SHOW CONSTRAINTS;
SHOW TRANSACTIONS YIELD transactionId, currentQueryId, currentQuery, elapsedTime
WHERE elapsedTime > duration('PT30S') RETURN *;
```
The fix rewrites calls whose replacement is mechanical: the bare listing procedures, schema
procedures called with literal arguments, and YIELD forms whose columns exist under the same
names in the replacement (an unsafe fix: the values of some columns changed).
"#,
    ..identity::removed_procedure
};

struct Replacement {
    name: &'static str,
    replacement: &'static str,
    /// The columns the replacement command yields, when a YIELD can be kept as is.
    columns: &'static [&'static str],
    note: &'static str,
    /// Only deprecated (not removed) in Neo4j 5.
    deprecated_only: bool,
}

const SHOW_INDEX_COLUMNS: &[&str] = &[
    "id",
    "name",
    "state",
    "populationPercent",
    "type",
    "entityType",
    "labelsOrTypes",
    "properties",
    "indexProvider",
    "owningConstraint",
    "lastRead",
    "readCount",
    "trackedSince",
    "options",
    "failureMessage",
    "createStatement",
];
const SHOW_CONSTRAINT_COLUMNS: &[&str] = &[
    "id",
    "name",
    "type",
    "entityType",
    "labelsOrTypes",
    "properties",
    "ownedIndex",
    "propertyType",
    "options",
    "createStatement",
];
const SHOW_TRANSACTION_COLUMNS: &[&str] = &[
    "database",
    "transactionId",
    "currentQueryId",
    "connectionId",
    "clientAddress",
    "username",
    "metaData",
    "currentQuery",
    "parameters",
    "planner",
    "runtime",
    "indexes",
    "startTime",
    "currentQueryStartTime",
    "protocol",
    "requestUri",
    "status",
    "currentQueryStatus",
    "statusDetails",
    "resourceInformation",
    "activeLockCount",
    "currentQueryActiveLockCount",
    "elapsedTime",
    "cpuTime",
    "waitTime",
    "idleTime",
    "currentQueryElapsedTime",
    "currentQueryCpuTime",
    "currentQueryWaitTime",
    "currentQueryIdleTime",
    "currentQueryAllocatedBytes",
    "allocatedDirectBytes",
    "estimatedUsedHeapMemory",
    "pageHits",
    "pageFaults",
    "currentQueryPageHits",
    "currentQueryPageFaults",
    "initializationStackTrace",
];
const SHOW_PROCEDURE_COLUMNS: &[&str] = &[
    "name",
    "description",
    "mode",
    "worksOnSystem",
    "signature",
    "argumentDescription",
    "returnDescription",
    "admin",
    "rolesExecution",
    "rolesBoostedExecution",
    "isDeprecated",
    "deprecatedBy",
    "option",
];
const SHOW_FUNCTION_COLUMNS: &[&str] = &[
    "name",
    "category",
    "description",
    "isBuiltIn",
    "signature",
    "argumentDescription",
    "returnDescription",
    "aggregating",
    "rolesExecution",
    "rolesBoostedExecution",
    "isDeprecated",
    "deprecatedBy",
];

const TABLE: &[Replacement] = &[
    Replacement { name: "db.indexes", replacement: "SHOW INDEXES", columns: SHOW_INDEX_COLUMNS, note: "", deprecated_only: false },
    Replacement { name: "db.indexdetails", replacement: "SHOW INDEXES YIELD *", columns: &[], note: "filter with `WHERE name = …`", deprecated_only: false },
    Replacement { name: "db.constraints", replacement: "SHOW CONSTRAINTS", columns: SHOW_CONSTRAINT_COLUMNS, note: "the `description` column became `createStatement`; `type` values are e.g. `UNIQUENESS`, `NODE_KEY`", deprecated_only: false },
    Replacement { name: "db.schemastatements", replacement: "SHOW INDEXES YIELD name, createStatement / SHOW CONSTRAINTS YIELD name, createStatement", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.listqueries", replacement: "SHOW TRANSACTIONS", columns: &[], note: "columns: `queryId` → `currentQueryId`, `query` → `currentQuery`, `elapsedTimeMillis` → `elapsedTime` (a duration: compare with `duration('PT30S')`)", deprecated_only: false },
    Replacement { name: "dbms.listtransactions", replacement: "SHOW TRANSACTIONS", columns: SHOW_TRANSACTION_COLUMNS, note: "", deprecated_only: false },
    Replacement { name: "dbms.killquery", replacement: "TERMINATE TRANSACTIONS", columns: &[], note: "it takes transaction ids (`SHOW TRANSACTIONS YIELD transactionId, currentQueryId`), not query ids", deprecated_only: false },
    Replacement { name: "dbms.killqueries", replacement: "TERMINATE TRANSACTIONS", columns: &[], note: "it takes transaction ids, not query ids", deprecated_only: false },
    Replacement { name: "dbms.killtransaction", replacement: "TERMINATE TRANSACTIONS", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.killtransactions", replacement: "TERMINATE TRANSACTIONS", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.procedures", replacement: "SHOW PROCEDURES", columns: SHOW_PROCEDURE_COLUMNS, note: "", deprecated_only: false },
    Replacement { name: "dbms.functions", replacement: "SHOW FUNCTIONS", columns: SHOW_FUNCTION_COLUMNS, note: "", deprecated_only: false },
    Replacement { name: "db.createindex", replacement: "CREATE INDEX name FOR (n:Label) ON (n.prop)", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "db.createuniquepropertyconstraint", replacement: "CREATE CONSTRAINT name FOR (n:Label) REQUIRE n.prop IS UNIQUE", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "db.createnodekey", replacement: "CREATE CONSTRAINT name FOR (n:Label) REQUIRE (n.a, n.b) IS NODE KEY", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "db.index.fulltext.createnodeindex", replacement: "CREATE FULLTEXT INDEX name FOR (n:Label) ON EACH [n.prop]", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "db.index.fulltext.createrelationshipindex", replacement: "CREATE FULLTEXT INDEX name FOR ()-[r:TYPE]-() ON EACH [r.prop]", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "db.index.fulltext.drop", replacement: "DROP INDEX name", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "db.index.vector.createnodeindex", replacement: "CREATE VECTOR INDEX name FOR (n:Label) ON (n.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 1536, `vector.similarity_function`: 'cosine'}}", columns: &[], note: "", deprecated_only: true },
    Replacement { name: "dbms.security.createuser", replacement: "CREATE USER", columns: &[], note: "run it against the `system` database", deprecated_only: false },
    Replacement { name: "dbms.security.deleteuser", replacement: "DROP USER", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.listusers", replacement: "SHOW USERS", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.changepassword", replacement: "ALTER CURRENT USER SET PASSWORD FROM … TO …", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.changeuserpassword", replacement: "ALTER USER name SET PASSWORD …", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.suspenduser", replacement: "ALTER USER name SET STATUS SUSPENDED", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.activateuser", replacement: "ALTER USER name SET STATUS ACTIVE", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.listroles", replacement: "SHOW ROLES", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.createrole", replacement: "CREATE ROLE", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.deleterole", replacement: "DROP ROLE", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.addroletouser", replacement: "GRANT ROLE role TO user", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.security.removerolefromuser", replacement: "REVOKE ROLE role FROM user", columns: &[], note: "", deprecated_only: false },
    Replacement { name: "dbms.cluster.role", replacement: "SHOW DATABASES", columns: &[], note: "read the `role` column", deprecated_only: false },
];

impl Rule for RemovedProcedure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        let whole = q.unions.is_empty() && q.periodic_commit.is_none() && stmt.prefixes.is_empty();
        for sq in q.single_queries() {
            for (i, c) in sq.clauses.iter().enumerate() {
                let Clause::CallProcedure(call) = c else { continue };
                let name = call.procedure.dotted();
                let Some(r) = TABLE.iter().find(|r| r.name.eq_ignore_ascii_case(&name)) else { continue };
                let verb = if r.deprecated_only {
                    "is deprecated"
                } else if cx.settings.target == Target::V4_4 {
                    "is deprecated (removed in Neo4j 5)"
                } else {
                    "was removed in Neo4j 5"
                };
                let d = out.report(&META, call.procedure.span, format!("`{name}()` {verb}; use `{}`", r.replacement));
                if cx.settings.target == Target::V4_4 || r.deprecated_only {
                    d.severity(Severity::Warning);
                }
                soften_on_44(cx, d);
                let mut help = format!("replace the call with `{}`", r.replacement);
                if !r.note.is_empty() {
                    help.push_str(&format!(" ({})", r.note));
                }
                d.help(help);
                let rest_ok = sq.clauses[i + 1..].iter().all(|c| matches!(c, Clause::Return(_)));
                if whole && i == 0 && rest_ok {
                    if let Some(fix) = fix_for(cx, &name.to_ascii_lowercase(), r, call, sq.clauses.len() == 1) {
                        d.fix(fix);
                    }
                }
            }
        }
    }
}

fn fix_for(cx: &FileContext, name: &str, r: &Replacement, call: &CallProcedureClause, alone: bool) -> Option<Fix> {
    let args = call.args.as_deref().unwrap_or(&[]);
    if let Some(y) = &call.yield_ {
        // Keep YIELD … WHERE … RETURN when every yielded column exists under the same name.
        if r.columns.is_empty()
            || y.star
            || !y.items.iter().all(|i| r.columns.contains(&i.field.value.as_str()))
            || !args.is_empty()
        {
            return None;
        }
        let head = Span::new(call.span.start, y.span.start);
        let ws = head.text(cx.text()).len() - head.text(cx.text()).trim_end().len();
        let head = Span::new(head.start, head.end - ws);
        return Some(Fix::unsafe_(
            format!("replace with `{}`", r.replacement),
            vec![Edit::replace(head, r.replacement)],
        ));
    }
    if !alone {
        return None;
    }
    let text = match name {
        "db.indexes"
        | "db.constraints"
        | "dbms.listtransactions"
        | "dbms.listqueries"
        | "dbms.procedures"
        | "dbms.functions"
        | "db.indexdetails"
            if args.is_empty() || name == "db.indexdetails" =>
        {
            if name == "db.indexdetails" {
                let n = string_arg(args.first()?)?;
                format!("SHOW INDEXES YIELD * WHERE name = '{}'", n.replace('\'', "\\'"))
            } else {
                r.replacement.to_string()
            }
        }
        "dbms.killtransaction" => format!("TERMINATE TRANSACTIONS {}", cx.slice(args.first()?.span)),
        "dbms.killtransactions" => {
            let ids = string_list(args.first()?)?;
            format!(
                "TERMINATE TRANSACTIONS {}",
                ids.iter().map(|s| format!("'{}'", s.replace('\'', "\\'"))).collect::<Vec<_>>().join(", ")
            )
        }
        "db.createindex" => {
            let (n, labels, props) = schema_args(args)?;
            format!(
                "CREATE INDEX {} FOR (n:{}) ON ({})",
                quote_name(&n),
                single(&labels)?,
                prop_list("n", &props, ", ")
            )
        }
        "db.createuniquepropertyconstraint" | "db.createnodekey" => {
            let (n, labels, props) = schema_args(args)?;
            let kind = if name == "db.createnodekey" { "IS NODE KEY" } else { "IS UNIQUE" };
            let props = if props.len() == 1 {
                prop_list("n", &props, ", ")
            } else {
                format!("({})", prop_list("n", &props, ", "))
            };
            format!("CREATE CONSTRAINT {} FOR (n:{}) REQUIRE {props} {kind}", quote_name(&n), single(&labels)?)
        }
        "db.index.fulltext.createnodeindex" | "db.index.fulltext.createrelationshipindex" => {
            if args.len() > 3 {
                return None; // index configuration: keep it by hand in OPTIONS
            }
            let (n, labels, props) = schema_args(args)?;
            let labels = labels.iter().map(|l| quote_name(l)).collect::<Vec<_>>().join("|");
            let (pattern, var) = if name.ends_with("createnodeindex") {
                (format!("(n:{labels})"), "n")
            } else {
                (format!("()-[r:{labels}]-()"), "r")
            };
            format!("CREATE FULLTEXT INDEX {} FOR {pattern} ON EACH [{}]", quote_name(&n), prop_list(var, &props, ", "))
        }
        "db.index.fulltext.drop" => format!("DROP INDEX {}", quote_name(&string_arg(args.first()?)?)),
        _ => return None,
    };
    Some(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(tight(cx.text(), call.span), text)]))
}

fn string_arg(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.value.clone()),
        _ => None,
    }
}

fn string_list(e: &Expr) -> Option<Vec<String>> {
    match &e.kind {
        ExprKind::List(items) => items.iter().map(string_arg).collect(),
        _ => None,
    }
}

fn schema_args(args: &[Expr]) -> Option<(String, Vec<String>, Vec<String>)> {
    let name = string_arg(args.first()?)?;
    let labels = string_list(args.get(1)?)?;
    let props = string_list(args.get(2)?)?;
    if labels.is_empty() || props.is_empty() {
        return None;
    }
    Some((name, labels, props))
}

fn single(labels: &[String]) -> Option<String> {
    (labels.len() == 1).then(|| quote_name(&labels[0]))
}

fn prop_list(var: &str, props: &[String], sep: &str) -> String {
    props.iter().map(|p| format!("{var}.{}", quote_name(p))).collect::<Vec<_>>().join(sep)
}
