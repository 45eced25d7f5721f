//! The signatures of Neo4j's built-in procedures (`db.*`, `dbms.*`, `tx.*`): how many
//! arguments each takes and the columns it yields, and the check of every `CALL` against them.
//! Read off Neo4j's own front end (`../shared/oracle`, whose procedure table is that of a recent
//! Neo4j Enterprise); deprecated procedures, whose signatures moved between versions, and
//! procedures it does not list (4.x ones, plugins) are not checked. Arguments a newer version
//! made optional and columns it added only widen what is accepted, so the newest table is the
//! safe one to check against.

use super::{Analysis, ErrorKind};
use crate::ast::{CallProcedureClause, Clause};

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
    let Some(sig) = PROCEDURES.iter().find(|s| s.0 == name) else { return };
    check_arguments(cx, call, sig);
    check_yield(cx, call, sig);
}

fn check_arguments(cx: &mut Analysis, call: &CallProcedureClause, sig: &Signature) {
    // `CALL db.awaitIndex` without parentheses takes its arguments from parameters.
    let Some(args) = &call.args else { return };
    let Signature(name, required, total, _) = *sig;
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
