//! The signatures of Neo4j's built-in procedures (`db.*`, `dbms.*`, `tx.*`): how many
//! arguments each takes and the columns it yields, and the check of every `CALL` against them.
//! Read off Neo4j's own front end (`../shared/oracle`, whose procedure table is that of a recent
//! Neo4j Enterprise); deprecated procedures, whose signatures moved between versions, and
//! procedures it does not list (4.x ones, plugins) are not checked. Arguments a newer version
//! made optional and columns it added only widen what is accepted, so the newest table is the
//! safe one to check against.
//!
//! A server's own procedures (plugins, a team's extensions) are declared to cymig by their
//! signatures as Neo4j prints them (`SHOW PROCEDURES YIELD signature`), in `[lint] procedures`:
//! [`ProcedureSignature::parse`] reads one, and calls to it are checked the same way, and more
//! (argument types where a literal is passed, YIELD from a VOID procedure), since the user
//! vouches for the signature.

use super::types::literal_type;
use super::{Analysis, ErrorKind};
use crate::ast::{CallProcedureClause, Clause};
use serde::Serialize;

/// Name as Neo4j spells it, required arguments, all arguments, yielded columns.
struct Signature(&'static str, usize, usize, &'static [&'static str]);

const PROCEDURES: &[Signature] = &[
    Signature("db.awaitIndex", 1, 2, &[]),
    Signature("db.awaitIndexes", 0, 1, &[]),
    Signature("db.cdc.current", 0, 0, &["id"]),
    Signature("db.cdc.earliest", 0, 0, &["id"]),
    Signature("db.cdc.query", 0, 2, &["id", "txId", "seq", "metadata", "event"]),
    Signature("db.checkpoint", 0, 0, &["success", "message"]),
    Signature("db.clearQueryCaches", 0, 0, &["value"]),
    Signature("db.create.setNodeVectorProperty", 3, 3, &[]),
    Signature("db.create.setRelationshipVectorProperty", 3, 3, &[]),
    Signature("db.createLabel", 1, 1, &[]),
    Signature("db.createProperty", 1, 1, &[]),
    Signature("db.createRelationshipType", 1, 1, &[]),
    Signature("db.index.fulltext.awaitEventuallyConsistentIndexRefresh", 0, 0, &[]),
    Signature("db.index.fulltext.listAvailableAnalyzers", 0, 0, &["analyzer", "description", "stopwords"]),
    Signature("db.index.fulltext.queryNodes", 2, 3, &["node", "score"]),
    Signature("db.index.fulltext.queryRelationships", 2, 3, &["relationship", "score"]),
    Signature("db.index.vector.queryNodes", 3, 3, &["node", "score"]),
    Signature("db.index.vector.queryRelationships", 3, 3, &["relationship", "score"]),
    Signature("db.info", 0, 0, &["id", "name", "creationDate"]),
    Signature("db.labels", 0, 0, &["label"]),
    Signature("db.listLocks", 0, 0, &["mode", "resourceType", "resourceId", "transactionId"]),
    Signature("db.ping", 0, 0, &["success"]),
    Signature("db.prepareForReplanning", 0, 1, &[]),
    Signature("db.propertyKeys", 0, 0, &["propertyKey"]),
    Signature("db.relationshipTypes", 0, 0, &["relationshipType"]),
    Signature("db.resampleIndex", 1, 1, &[]),
    Signature("db.resampleOutdatedIndexes", 0, 0, &[]),
    Signature(
        "db.schema.nodeTypeProperties",
        0,
        0,
        &["nodeType", "nodeLabels", "propertyName", "propertyTypes", "mandatory"],
    ),
    Signature("db.schema.relTypeProperties", 0, 0, &["relType", "propertyName", "propertyTypes", "mandatory"]),
    Signature("db.schema.visualization", 0, 0, &["nodes", "relationships"]),
    Signature("db.stats.clear", 1, 1, &["section", "success", "message"]),
    Signature("db.stats.collect", 1, 2, &["section", "success", "message"]),
    Signature("db.stats.retrieve", 1, 2, &["section", "data"]),
    Signature("db.stats.retrieveAllAnonymized", 1, 2, &["section", "data"]),
    Signature("db.stats.status", 0, 0, &["section", "status", "data"]),
    Signature("db.stats.stop", 1, 1, &["section", "success", "message"]),
    Signature("dbms.checkConfigValue", 2, 2, &["valid", "message"]),
    Signature(
        "dbms.cluster.checkConnectivity",
        0,
        2,
        &["serverId", "name", "address", "mode-constraint", "port-name", "port-address", "result"],
    ),
    Signature("dbms.cluster.cordonServer", 1, 1, &[]),
    Signature(
        "dbms.cluster.deallocateDatabaseFromServer",
        2,
        3,
        &["database", "fromServerName", "fromServerId", "toServerName", "toServerId", "mode"],
    ),
    Signature(
        "dbms.cluster.deallocateDatabaseFromServers",
        2,
        3,
        &["database", "fromServerName", "fromServerId", "toServerName", "toServerId", "mode"],
    ),
    Signature(
        "dbms.cluster.deallocateNumberOfDatabases",
        2,
        3,
        &["database", "fromServerName", "fromServerId", "toServerName", "toServerId", "mode"],
    ),
    Signature("dbms.cluster.moveToNextDiscoveryVersion", 0, 0, &[]),
    Signature(
        "dbms.cluster.protocols",
        0,
        0,
        &["orientation", "remoteAddress", "applicationProtocol", "applicationProtocolVersion", "modifierProtocols"],
    ),
    Signature(
        "dbms.cluster.reallocateDatabase",
        1,
        2,
        &["database", "fromServerName", "fromServerId", "toServerName", "toServerId", "mode"],
    ),
    Signature(
        "dbms.cluster.reallocateNumberOfDatabases",
        1,
        2,
        &["database", "fromServerName", "fromServerId", "toServerName", "toServerId", "mode"],
    ),
    Signature("dbms.cluster.recreateDatabase", 1, 2, &[]),
    Signature("dbms.cluster.secondaryReplicationDisable", 2, 2, &["state"]),
    Signature("dbms.cluster.setAutomaticallyEnableFreeServers", 1, 1, &[]),
    Signature(
        "dbms.cluster.showParallelDiscoveryState",
        0,
        0,
        &["mode", "stateComparison", "v1ServerCount", "v2ServerCount"],
    ),
    Signature(
        "dbms.cluster.statusCheck",
        1,
        2,
        &[
            "database",
            "serverId",
            "serverName",
            "address",
            "replicationSuccessful",
            "memberStatus",
            "recognisedLeader",
            "recognisedLeaderTerm",
            "requester",
            "error",
        ],
    ),
    Signature("dbms.cluster.switchDiscoveryServiceVersion", 1, 1, &[]),
    Signature("dbms.components", 0, 0, &["name", "versions", "edition"]),
    Signature("dbms.info", 0, 0, &["id", "name", "creationDate"]),
    Signature("dbms.killConnection", 1, 1, &["connectionId", "username", "message"]),
    Signature("dbms.killConnections", 1, 1, &["connectionId", "username", "message"]),
    Signature("dbms.listActiveLocks", 1, 1, &["mode", "resourceType", "resourceId"]),
    Signature("dbms.listCapabilities", 0, 0, &["name", "description", "value"]),
    Signature(
        "dbms.listConfig",
        0,
        1,
        &["name", "description", "value", "dynamic", "defaultValue", "startupValue", "explicitlySet", "validValues"],
    ),
    Signature(
        "dbms.listConnections",
        0,
        0,
        &["connectionId", "connectTime", "connector", "username", "userAgent", "serverAddress", "clientAddress"],
    ),
    Signature(
        "dbms.listPools",
        0,
        0,
        &[
            "pool",
            "databaseName",
            "heapMemoryUsed",
            "heapMemoryUsedBytes",
            "nativeMemoryUsed",
            "nativeMemoryUsedBytes",
            "freeMemory",
            "freeMemoryBytes",
            "totalPoolMemory",
            "totalPoolMemoryBytes",
        ],
    ),
    Signature("dbms.quarantineDatabase", 2, 3, &["databaseName", "quarantined", "result"]),
    Signature("dbms.queryJmx", 1, 1, &["name", "description", "attributes"]),
    Signature("dbms.routing.getRoutingTable", 1, 2, &["ttl", "servers"]),
    Signature(
        "dbms.scheduler.failedJobs",
        0,
        0,
        &[
            "jobId",
            "group",
            "database",
            "submitter",
            "description",
            "type",
            "submitted",
            "executionStart",
            "failureTime",
            "failureDescription",
        ],
    ),
    Signature("dbms.scheduler.groups", 0, 0, &["group", "threads"]),
    Signature(
        "dbms.scheduler.jobs",
        0,
        0,
        &[
            "jobId",
            "group",
            "submitted",
            "database",
            "submitter",
            "description",
            "type",
            "scheduledAt",
            "period",
            "state",
            "currentStateDescription",
        ],
    ),
    Signature("dbms.security.clearAuthCache", 0, 0, &[]),
    Signature("dbms.setConfigValue", 2, 2, &[]),
    Signature("dbms.setDefaultAllocationNumbers", 2, 2, &[]),
    Signature("dbms.setDefaultDatabase", 1, 1, &["result"]),
    Signature("dbms.showCurrentUser", 0, 0, &["username", "roles", "flags"]),
    Signature(
        "dbms.showTopologyGraphConfig",
        0,
        0,
        &["allocator", "defaultPrimariesCount", "defaultSecondariesCount", "defaultDatabase", "autoEnableFreeServers"],
    ),
    Signature("tx.getMetaData", 0, 0, &["metadata"]),
    Signature("tx.setMetaData", 1, 1, &[]),
];

pub(super) fn check_clause(cx: &mut Analysis, c: &Clause) {
    let Clause::CallProcedure(call) = c else { return };
    let name = call.procedure.dotted();
    if let Some(declared) = cx.procedures.iter().find(|p| p.name == name) {
        check_declared(cx, call, declared);
        return;
    }
    let Some(sig) = PROCEDURES.iter().find(|s| s.0 == name) else { return };
    check_arguments(cx, call, sig.0, sig.1, sig.2);
    check_yield(cx, call, sig);
}

fn check_arguments(cx: &mut Analysis, call: &CallProcedureClause, name: &str, required: usize, total: usize) {
    // `CALL db.awaitIndex` without parentheses takes its arguments from parameters.
    let Some(args) = &call.args else { return };
    let message = if args.len() < required {
        format!(
            "Procedure call does not provide the required number of arguments: got {} expected at least {required} (total: {total})",
            args.len()
        )
    } else if args.len() > total {
        let expected = if total == 0 { "none".to_string() } else { format!("no more than {total}") };
        format!("Procedure call provides too many arguments: got {} expected {expected}.", args.len())
    } else {
        return;
    };
    let takes = if required == total { format!("{total}") } else { format!("{required} to {total}") };
    cx.error(ErrorKind::Procedure, call.procedure.span, message).help = Some(format!("{name} takes {takes} arguments"));
}

/// A call to a procedure the configuration declares: argument count, the type of each literal
/// argument, and what it yields.
fn check_declared(cx: &mut Analysis, call: &CallProcedureClause, sig: &ProcedureSignature) {
    let required = sig.params.iter().filter(|p| !p.default).count();
    check_arguments(cx, call, &sig.name, required, sig.params.len());
    for (arg, param) in call.args.iter().flatten().zip(&sig.params) {
        let Some(was) = literal_type(arg) else { continue };
        if let Some(expected) = refused_by(&param.ty, was) {
            let message = format!("Type mismatch: expected {expected} but was {was}");
            cx.error(ErrorKind::ArgumentType, arg.span, message).help =
                Some(format!("`{}` of {} is {}", param.name, sig.name, param.ty));
        }
    }
    let Some(y) = &call.yield_ else { return };
    let Some(outputs) = &sig.outputs else {
        cx.error(ErrorKind::Procedure, y.span, "Cannot yield value from void procedure.").help =
            Some(format!("{} returns nothing: drop the YIELD", sig.name));
        return;
    };
    for item in y.items.iter().filter(|i| !outputs.contains(&i.field.value)) {
        let message = format!("Unknown procedure output: `{}`", item.field.value);
        cx.error(ErrorKind::Procedure, item.field.span, message).help =
            Some(format!("{} yields {}", sig.name, outputs.join(", ")));
    }
}

/// The type a parameter declared as `ty` (`INTEGER?`, `LIST? OF STRING?`) expects, when a
/// literal of type `was` can never be one; `None` when it fits or the declared type is one
/// cymig does not know.
fn refused_by(ty: &str, was: &str) -> Option<&'static str> {
    let base = ty.trim().trim_end_matches('?').trim().to_ascii_uppercase();
    let (expected, takes): (&'static str, &[&str]) = match base.split_whitespace().next().unwrap_or("") {
        "INTEGER" | "INT" => ("Integer", &["Integer"]),
        "FLOAT" => ("Float", &["Integer", "Float"]),
        "NUMBER" => ("Number", &["Integer", "Float"]),
        "STRING" => ("String", &["String"]),
        "BOOLEAN" | "BOOL" => ("Boolean", &["Boolean"]),
        "MAP" => ("Map", &["Map"]),
        "LIST" | "LIST?" => ("List<T>", &["List"]),
        "NODE" => ("Node", &[]),
        "RELATIONSHIP" => ("Relationship", &[]),
        "PATH" => ("Path", &[]),
        _ => return None,
    };
    (!takes.contains(&was)).then_some(expected)
}

fn check_yield(cx: &mut Analysis, call: &CallProcedureClause, sig: &Signature) {
    let Some(y) = &call.yield_ else { return };
    if y.star || sig.3.is_empty() {
        return;
    }
    for item in y.items.iter().filter(|i| !sig.3.contains(&i.field.value.as_str())) {
        let message = format!("Unknown procedure output: `{}`", item.field.value);
        cx.error(ErrorKind::Procedure, item.field.span, message).help =
            Some(format!("{} yields {}", sig.0, sig.3.join(", ")));
    }
}

/// A procedure's signature as Neo4j prints it:
/// `my.proc(name :: STRING?, limit = 10 :: INTEGER?) :: (out :: STRING?)`, or `:: VOID`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProcedureSignature {
    pub name: String,
    pub params: Vec<Parameter>,
    /// The columns it yields; `None` for a VOID procedure (`:: VOID` or `:: ()`).
    pub outputs: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Parameter {
    pub name: String,
    /// The type as written (`INTEGER?`).
    pub ty: String,
    /// Has a default value (`limit = 10 :: INTEGER?`): may be left out.
    pub default: bool,
}

/// Why a signature could not be read, and where in its text (a byte offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureError {
    pub offset: usize,
    pub message: String,
}

impl ProcedureSignature {
    pub fn parse(text: &str) -> Result<ProcedureSignature, SignatureError> {
        let mut p = SignatureParser { text, at: 0 };
        let name = p.name(true)?;
        p.expect("(")?;
        let params = p.list(|p| {
            let name = p.name(false)?;
            let default = p.eat("=");
            if default {
                p.until_type()?;
            }
            p.expect("::")?;
            Ok(Parameter { name, ty: p.type_text()?, default })
        })?;
        p.expect("::")?;
        let outputs = if p.eat_word("VOID") {
            None
        } else {
            p.expect("(")?;
            let columns = p.list(|p| {
                let name = p.name(false)?;
                p.expect("::")?;
                p.type_text()?;
                Ok(name)
            })?;
            (!columns.is_empty()).then_some(columns)
        };
        p.skip_space();
        if p.at < text.len() {
            return Err(p.error("unexpected text after the signature"));
        }
        Ok(ProcedureSignature { name, params, outputs })
    }
}

struct SignatureParser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> SignatureParser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        self.at = self.text.len() - self.rest().trim_start().len();
    }

    fn error(&self, message: &str) -> SignatureError {
        SignatureError { offset: self.at, message: message.to_string() }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        let found = self.rest().starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    fn eat_word(&mut self, word: &str) -> bool {
        self.skip_space();
        let rest = self.rest();
        let found = rest.len() >= word.len()
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && !rest[word.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if found {
            self.at += word.len();
        }
        found
    }

    fn expect(&mut self, token: &str) -> Result<(), SignatureError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    /// An identifier (dotted for a procedure's name), or a backquoted one.
    fn name(&mut self, dotted: bool) -> Result<String, SignatureError> {
        self.skip_space();
        let rest = self.rest();
        if let Some(quoted) = rest.strip_prefix('`') {
            let Some(end) = quoted.find('`') else { return Err(self.error("unclosed backquote")) };
            self.at += end + 2;
            return Ok(quoted[..end].to_string());
        }
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || (dotted && c == '.'))).unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.error(if dotted { "expected a procedure name" } else { "expected a name" }));
        }
        self.at += len;
        Ok(rest[..len].to_string())
    }

    /// Items separated by commas up to `)`.
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, SignatureError>,
    ) -> Result<Vec<T>, SignatureError> {
        let mut items = Vec::new();
        if self.eat(")") {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if self.eat(")") {
                return Ok(items);
            }
            self.expect(",")?;
        }
    }

    /// A default value, up to its `::`.
    fn until_type(&mut self) -> Result<(), SignatureError> {
        match self.rest().find("::") {
            Some(end) if !self.rest()[..end].trim().is_empty() => {
                self.at += end;
                Ok(())
            }
            _ => Err(self.error("expected a default value and `::`")),
        }
    }

    /// A type, up to the `,` or `)` after it.
    fn type_text(&mut self) -> Result<String, SignatureError> {
        self.skip_space();
        let len = self.rest().find([',', ')']).unwrap_or(self.rest().len());
        let ty = self.rest()[..len].trim_end().to_string();
        if ty.is_empty() {
            return Err(self.error("expected a type"));
        }
        self.at += len;
        Ok(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_signatures_as_show_procedures_prints_them() {
        let sig =
            ProcedureSignature::parse("acme.audit(entity :: STRING?, since = null :: INTEGER?) :: (id :: INTEGER?)")
                .expect("parses");
        assert_eq!(sig.name, "acme.audit");
        let params: Vec<(&str, &str, bool)> =
            sig.params.iter().map(|p| (p.name.as_str(), p.ty.as_str(), p.default)).collect();
        assert_eq!(params, [("entity", "STRING?", false), ("since", "INTEGER?", true)]);
        assert_eq!(sig.outputs, Some(vec!["id".to_string()]));
        for void in ["acme.flush() :: VOID", "acme.flush() :: ()", " acme.flush ( ) :: void "] {
            assert_eq!(ProcedureSignature::parse(void).expect(void).outputs, None, "{void}");
        }
        let list = ProcedureSignature::parse("my.p(xs :: LIST? OF STRING?) :: (`out put` :: MAP?)").expect("parses");
        assert_eq!((list.params[0].ty.as_str(), list.outputs), ("LIST? OF STRING?", Some(vec!["out put".to_string()])));
    }

    #[test]
    fn a_malformed_signature_says_where() {
        let at = |text: &str| ProcedureSignature::parse(text).map(|_| ()).map_err(|e| (e.offset, e.message));
        assert_eq!(at("my.proc(in INTEGER?) :: VOID"), Err((11, "expected `::`".into())));
        assert_eq!(at("my.proc(in :: INTEGER?)"), Err((23, "expected `::`".into())));
        assert_eq!(at("(in :: INTEGER?) :: VOID"), Err((0, "expected a procedure name".into())));
        assert_eq!(at("my.proc(in :: ) :: VOID"), Err((14, "expected a type".into())));
        assert_eq!(at("my.proc() :: VOID extra"), Err((18, "unexpected text after the signature".into())));
    }

    /// Only a literal of a type the parameter never takes is refused.
    #[test]
    fn literal_arguments_against_declared_types() {
        assert_eq!(refused_by("INTEGER?", "Boolean"), Some("Integer"));
        assert_eq!(refused_by("FLOAT?", "Integer"), None);
        assert_eq!(refused_by("NUMBER?", "Float"), None);
        assert_eq!(refused_by("LIST? OF INTEGER?", "List"), None);
        assert_eq!(refused_by("NODE?", "Map"), Some("Node"));
        assert_eq!(refused_by("ANY?", "String"), None);
        assert_eq!(refused_by("DATETIME?", "String"), None);
    }
}
