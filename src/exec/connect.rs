//! Connecting to Neo4j, and keeping the password out of every message.

use super::counters::Counters;
use crate::error::{Error, Result};
use neo4rs::{ConfigBuilder, Graph, Query, Row, Txn};
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

/// `CYMIG_TRACE_TIMING=1`: every request to Neo4j prints its wall time and the start of its text
/// to stderr, to find where a run's time goes (the history records only the migrations' own).
/// Its first call is the zero of the `at` column, so gaps between requests show.
fn tracing_since() -> Option<Instant> {
    static SINCE: std::sync::OnceLock<Option<Instant>> = std::sync::OnceLock::new();
    *SINCE
        .get_or_init(|| std::env::var("CYMIG_TRACE_TIMING").is_ok_and(|v| !v.is_empty() && v != "0").then(Instant::now))
}

/// `CYMIG_TRACE_TIMING=full` prints each request's whole text, to replay it elsewhere.
fn tracing_full() -> bool {
    std::env::var("CYMIG_TRACE_TIMING").is_ok_and(|v| v == "full")
}

/// Prints one traced request (see [`tracing_since`]); `what` is its query text or its kind.
pub fn trace(what: &str, started: Instant) {
    if let Some(since) = tracing_since() {
        // Both ends: a history write starts with the lock check and ends with what it writes.
        let text: Vec<char> = what.split_whitespace().collect::<Vec<_>>().join(" ").chars().collect();
        let text: String = if text.len() > 130 && !tracing_full() {
            text[..60].iter().chain(&[' ', '…', ' ']).chain(&text[text.len() - 60..]).collect()
        } else {
            text.into_iter().collect()
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "cymig trace at {:>9.1} ms {:>8.1} ms  {text}",
            ms(started.saturating_duration_since(since)),
            ms(started.elapsed())
        );
    }
}

/// The URI schemes neo4rs speaks: plain, TLS (`+s`), TLS accepting self-signed certs (`+ssc`).
pub const SCHEMES: [&str; 6] = ["bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"];

/// A password. Its `Debug` and `Display` never show it.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where and as whom to connect.
#[derive(Clone, Debug)]
pub struct ConnectionOptions {
    pub uri: String,
    pub user: String,
    pub password: Secret,
    /// `None`: the server's default database.
    pub database: Option<String>,
    /// TCP connect, Bolt handshake and login together.
    pub connect_timeout: Duration,
    /// Each of cymig's own requests (see [`Db::rows`]).
    pub request_timeout: Duration,
}

/// neo4rs bounds every read of a reply by its `connection_timeout` (30 s by default), which
/// would fail any migration statement running longer, while the server goes on running (and
/// an auto-commit one committing) it. Statements are bounded by the server's
/// `db.transaction.timeout` instead; cymig's own requests by [`ConnectionOptions::request_timeout`].
const DRIVER_READ_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// An open connection pool plus what is needed to report errors without leaking secrets.
#[derive(Clone)]
pub struct Db {
    graph: Graph,
    password: Secret,
    /// The URI as shown in messages (any `user:password@` part removed).
    pub shown_uri: String,
    pub database: Option<String>,
    request_timeout: Duration,
}

/// Checks the scheme and refuses credentials embedded in the URI (they would end up in logs).
pub fn validate_uri(uri: &str) -> Result<()> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(Error::Usage(format!(
            "--uri `{}` has no scheme; use one of {}",
            strip_userinfo(uri),
            SCHEMES.join(", ")
        )));
    };
    if !SCHEMES.contains(&scheme) {
        return Err(Error::Usage(format!(
            "--uri scheme `{scheme}` is not supported; use one of {}",
            SCHEMES.join(", ")
        )));
    }
    if rest.split('/').next().unwrap_or("").contains('@') {
        return Err(Error::Usage(
            "--uri must not contain credentials; give the user with --user and the password with \
             NEO4J_PASSWORD, --password-file or the prompt"
                .into(),
        ));
    }
    Ok(())
}

fn strip_userinfo(uri: &str) -> String {
    match uri.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://{host}"),
            None => uri.to_string(),
        },
        None => uri.to_string(),
    }
}

impl Db {
    /// Connects and checks the connection with a trivial query, so a wrong address or password
    /// fails here with a clear message rather than in the middle of a migration.
    pub async fn connect(options: &ConnectionOptions) -> Result<Db> {
        tracing_since();
        validate_uri(&options.uri)?;
        let shown_uri = strip_userinfo(&options.uri);
        let mut builder = ConfigBuilder::default()
            .uri(options.uri.as_str())
            .user(options.user.as_str())
            .password(options.password.expose())
            .connection_timeout(DRIVER_READ_TIMEOUT)
            .max_connections(8);
        if let Some(db) = &options.database {
            builder = builder.db(db.as_str());
        }
        let redact = |e: neo4rs::Error| redact_with(&options.password, &e.to_string());
        let config =
            builder.build().map_err(|e| Error::Database(format!("invalid connection settings: {}", redact(e))))?;
        let graph = Graph::connect(config).map_err(|e| {
            Error::Database(format!("cannot connect to {shown_uri} as `{}`: {}", options.user, redact(e)))
        })?;
        let db = Db {
            graph,
            password: options.password.clone(),
            shown_uri,
            database: options.database.clone(),
            request_timeout: options.request_timeout,
        };
        // The pool connects lazily: this first query opens the connection, so it is what the
        // connect timeout bounds (a port that accepts and never answers hangs in the handshake).
        let first = tokio::time::timeout(options.connect_timeout, db.rows_raw(neo4rs::query("RETURN 1 AS ok")));
        match first.await {
            Ok(Ok(_)) => Ok(db),
            Ok(Err(e)) => Err(Error::Database(format!(
                "cannot use {} as `{}`: {}",
                db.shown_uri,
                options.user,
                strip_prefix(&db.error("query failed", e))
            ))),
            Err(_) => Err(Error::Database(format!(
                "cannot connect to {}: no answer within {} (connecting, the Bolt handshake and the login \
                 must finish within database.connect-timeout / --connect-timeout). Is it a Neo4j Bolt port, \
                 reachable from here?",
                db.shown_uri,
                seconds(options.connect_timeout)
            ))),
        }
    }

    /// Awaits one of cymig's own requests for at most the request timeout; a server that stops
    /// answering then fails the command instead of hanging it.
    async fn bounded<T>(&self, request: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::time::timeout(self.request_timeout, request).await.unwrap_or_else(|_| Err(self.timed_out()))
    }

    /// [`Db::bounded`] for a request returning the raw driver error: a timeout is reported as
    /// the driver's own `ConnectionTimedOut` (a connection failure to the caller).
    pub async fn within<T>(
        &self,
        request: impl Future<Output = std::result::Result<T, neo4rs::Error>>,
    ) -> std::result::Result<T, neo4rs::Error> {
        tokio::time::timeout(self.request_timeout, request).await.unwrap_or(Err(neo4rs::Error::ConnectionTimedOut))
    }

    fn timed_out(&self) -> Error {
        Error::Database(format!(
            "{} did not answer within {} (database.request-timeout / --request-timeout)",
            self.shown_uri,
            seconds(self.request_timeout)
        ))
    }

    /// A database error with the password removed from the text.
    pub fn error(&self, context: &str, e: neo4rs::Error) -> Error {
        Error::Database(format!("{context}: {}", self.redact(&e.to_string())))
    }

    /// A text for display without the connection's password, nor a password a migration's
    /// statement sets (Neo4j quotes the statement in some errors).
    pub fn redact(&self, text: &str) -> String {
        crate::config::redact_cypher_passwords(&redact_with(&self.password, text))
    }

    /// Runs one of cymig's own queries (history, lock, status: short by design) in an
    /// auto-commit transaction and collects its rows, within the request timeout.
    pub async fn rows(&self, q: Query) -> Result<Vec<Row>> {
        self.bounded(async { self.rows_raw(q).await.map_err(|e| self.error("query failed", e)) }).await
    }

    /// Runs a statement in an auto-commit transaction and returns what it changed, with the raw
    /// driver error so the caller can classify it (transient or not).
    ///
    /// It pulls (and drops) the rows instead of calling `Graph::run`: neo4rs retries `run` when
    /// any error arrives while the statement executes, which would re-run a `CALL … IN
    /// TRANSACTIONS` whose first batches already committed. `execute` retries only a RUN request
    /// the server refused with a transient error, before the statement executed; every failure
    /// after that reaches the executor, which records it and never re-runs a partly committed
    /// step by itself.
    pub async fn run_raw(&self, q: Query) -> std::result::Result<Counters, neo4rs::Error> {
        self.stream_raw(q, |_| {}).await
    }

    /// Runs an auto-commit query, handing each row to `on_row` as it arrives, and returns what
    /// it changed (the raw driver error, unclassified).
    pub async fn stream_raw(
        &self,
        q: Query,
        mut on_row: impl FnMut(Row),
    ) -> std::result::Result<Counters, neo4rs::Error> {
        let (started, text) = (Instant::now(), q.query().to_string());
        let mut stream = self.graph.execute(q).await?;
        while let Some(row) = stream.next().await? {
            on_row(row);
        }
        let summary = stream.finish().await?;
        trace(&text, started);
        Ok(Counters::from(summary.stats()))
    }

    /// Runs a query the user wrote (a verify query) or one that reads the whole graph (a
    /// fingerprint) and collects its rows: like a migration statement, not cut off by the
    /// request timeout.
    pub async fn statement_rows(&self, q: Query) -> Result<Vec<Row>> {
        self.statement_rows_on(None, q).await
    }

    /// [`Db::statement_rows`] in `database` (`None`: the configured database).
    pub async fn statement_rows_on(&self, database: Option<&str>, q: Query) -> Result<Vec<Row>> {
        self.rows_raw_on(database, q).await.map_err(|e| self.error("query failed", e))
    }

    /// [`Db::rows`] returning the raw driver error, for the caller to classify.
    pub async fn rows_raw(&self, q: Query) -> std::result::Result<Vec<Row>, neo4rs::Error> {
        self.rows_raw_on(None, q).await
    }

    /// [`Db::rows_raw`] in `database` (`None`: the configured database). Sent as a write, as
    /// `Graph::execute` sends one: on a cluster it reads what the migrations just wrote.
    async fn rows_raw_on(&self, database: Option<&str>, q: Query) -> std::result::Result<Vec<Row>, neo4rs::Error> {
        let (started, text) = (Instant::now(), q.query().to_string());
        let mut stream = match database {
            None => self.graph.execute(q).await?,
            Some(name) => self.graph.execute_on(neo4rs::Operation::Write, name, q).await?,
        };
        let mut rows = Vec::new();
        while let Some(row) = stream.next().await? {
            rows.push(row);
        }
        trace(&text, started);
        Ok(rows)
    }

    /// Runs one of cymig's own statements in an auto-commit transaction, within the request
    /// timeout (see [`Db::run_raw`] for why not `Graph::run`).
    pub async fn run(&self, q: Query) -> Result<Counters> {
        self.bounded(async { self.run_raw(q).await.map_err(|e| self.error("statement failed", e)) }).await
    }

    /// Begins a transaction (a short request, bounded by the request timeout; the statements
    /// run in it are not).
    pub async fn begin(&self) -> std::result::Result<Txn, neo4rs::Error> {
        let started = Instant::now();
        let txn = self.within(self.graph.start_txn()).await;
        trace("BEGIN", started);
        txn
    }

    /// [`Db::begin`] on `database` (a `:use <db>` line; `None`: the configured database).
    pub async fn begin_on(&self, database: Option<&str>) -> std::result::Result<Txn, neo4rs::Error> {
        match database {
            None => self.begin().await,
            Some(db) => self.within(self.graph.start_txn_on(db)).await,
        }
    }

    /// [`Db::run_raw`] on `database` (`None`: the configured database).
    pub async fn run_raw_on(&self, database: Option<&str>, q: Query) -> std::result::Result<Counters, neo4rs::Error> {
        let Some(db) = database else { return self.run_raw(q).await };
        let mut stream = self.graph.execute_on(neo4rs::Operation::Write, db, q).await?;
        while stream.next().await?.is_some() {}
        let summary = stream.finish().await?;
        Ok(Counters::from(summary.stats()))
    }
}

/// Runs a statement inside a transaction, drops its rows and returns what it changed.
/// One round trip: the driver pipelines DISCARD with RUN, where reading rows would send PULL
/// only once RUN is answered.
pub async fn txn_run(txn: &mut Txn, q: Query) -> std::result::Result<Counters, neo4rs::Error> {
    let (started, text) = (Instant::now(), q.query().to_string());
    let summary = txn.run(q).await?;
    trace(&text, started);
    Ok(Counters::from(summary.stats()))
}

/// Collects all rows of a query inside a transaction.
pub async fn txn_rows(txn: &mut Txn, q: Query) -> std::result::Result<Vec<Row>, neo4rs::Error> {
    let (started, text) = (Instant::now(), q.query().to_string());
    let mut stream = txn.execute(q).await?;
    let mut rows = Vec::new();
    while let Some(row) = stream.next(txn.handle()).await? {
        rows.push(row);
    }
    trace(&text, started);
    Ok(rows)
}

/// `15 s`, `1.5 s`: a timeout as configured.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn strip_prefix(e: &Error) -> String {
    match e {
        Error::Database(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Removes every occurrence of the secret (servers sometimes echo input in error messages).
pub fn redact_with(secret: &Secret, text: &str) -> String {
    if secret.expose().len() < 3 {
        return text.to_string();
    }
    text.replace(secret.expose(), "<redacted>")
}

/// The server's own words for a failed query: `code: message`. neo4rs reports a failure that
/// arrives while rows stream as an "unexpected response" wrapping the server's message; this
/// digs the code and message out of it, and falls back to the driver's text.
pub fn server_message(e: &neo4rs::Error) -> String {
    if let neo4rs::Error::Neo4j(n) = e {
        return format!("{}: {}", n.code(), n.message());
    }
    let text = e.to_string();
    let field = |name: &str| {
        let marker = format!("\"{name}\" }}: String(BoltString {{ value: \"");
        let start = text.find(&marker)? + marker.len();
        let end = text[start..].find("\" })")?;
        Some(text[start..start + end].replace("\\\"", "\"").replace("\\\\", "\\"))
    };
    match (field("code"), field("message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (None, Some(message)) => message,
        _ => text,
    }
}

/// `Transactions committed: N` — how many inner transactions of a `CALL … IN TRANSACTIONS` had
/// committed when it failed, as Neo4j 5 appends it to the error message.
pub fn transactions_committed(message: &str) -> Option<i64> {
    let marker = "Transactions committed: ";
    let at = message.rfind(marker)? + marker.len();
    message[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// `true` for `Neo.TransientError.*`: the server rolled the transaction back and says a retry
/// may succeed. Memory errors are filed there too, but the same transaction runs out of memory
/// again: they are not retried.
pub fn is_transient(e: &neo4rs::Error) -> bool {
    matches!(e, neo4rs::Error::Neo4j(n) if transient_code(n.code()))
}

fn transient_code(code: &str) -> bool {
    code.starts_with("Neo.TransientError.") && !out_of_memory_code(code)
}

fn out_of_memory_code(code: &str) -> bool {
    code.starts_with("Neo.") && (code.contains("OutOfMemory") || code.contains("MemoryLimit"))
}

/// Neo4j ran out of memory for the transaction (`Neo.TransientError.General.MemoryPoolOutOfMemoryError`,
/// `….OutOfMemoryError`, `….TransactionMemoryLimit`, and the `ClientError` forms).
pub fn is_out_of_memory(e: &neo4rs::Error) -> bool {
    out_of_memory_code(server_message(e).split(':').next().unwrap_or_default())
}

/// What to do about a memory error, appended to its message; empty for any other error.
pub fn out_of_memory_advice(e: &neo4rs::Error) -> &'static str {
    if !is_out_of_memory(e) {
        return "";
    }
    ". Neo4j ran out of memory for this transaction; cymig does not retry it, since the same \
     transaction would run out again. Batch the write: `CALL { … } IN TRANSACTIONS OF n ROWS` \
     (`cymig lint --fix --unsafe-fixes` writes it for unbatched-write), or give the server more \
     transaction memory (db.memory.transaction.max, dbms.memory.transaction.total.max)"
}

/// `true` when the connection itself failed: the outcome of an in-flight commit is unknown.
pub fn is_connection_loss(e: &neo4rs::Error) -> bool {
    match e {
        neo4rs::Error::IOError { .. } | neo4rs::Error::ConnectionError | neo4rs::Error::ConnectionTimedOut => true,
        // neo4rs reports a connection closed mid-stream as an unexpected reply wrapping the IO error.
        neo4rs::Error::UnexpectedMessage(m) => m.contains("IOError") || m.contains("ConnectionError"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_scheme() {
        for scheme in SCHEMES {
            assert!(validate_uri(&format!("{scheme}://localhost:7687")).is_ok(), "{scheme}");
        }
    }

    #[test]
    fn refuses_unknown_schemes_and_embedded_credentials() {
        assert!(validate_uri("http://localhost:7474").is_err());
        assert!(validate_uri("localhost:7687").is_err());
        let err = validate_uri("bolt://neo4j:hunter22@localhost:7687").unwrap_err().to_string();
        assert!(!err.contains("hunter22"), "{err}");
    }

    #[test]
    fn server_messages_are_dug_out_of_streamed_failures() {
        let e = neo4rs::Error::UnexpectedMessage(
            "unexpected response for PULL: Ok(Failure(Failure { metadata: BoltMap { value: {BoltString { value: \"code\" }: String(BoltString { value: \"Neo.ClientError.Statement.ArithmeticError\" }), BoltString { value: \"message\" }: String(BoltString { value: \"/ by zero (Transactions committed: 12)\" })} } }))".into(),
        );
        let m = server_message(&e);
        assert_eq!(m, "Neo.ClientError.Statement.ArithmeticError: / by zero (Transactions committed: 12)");
        assert_eq!(transactions_committed(&m), Some(12));
        assert_eq!(transactions_committed("/ by zero"), None);
    }

    #[test]
    fn memory_errors_are_not_transient_and_point_at_batching() {
        let oom = "Neo.TransientError.General.MemoryPoolOutOfMemoryError";
        assert!(!transient_code(oom));
        assert!(transient_code("Neo.TransientError.Transaction.DeadlockDetected"));
        assert!(!transient_code("Neo.TransientError.General.TransactionMemoryLimit"));
        let streamed = neo4rs::Error::UnexpectedMessage(format!(
            "unexpected response for PULL: Ok(Failure(Failure {{ metadata: BoltMap {{ value: {{BoltString {{ value: \"code\" }}: String(BoltString {{ value: \"{oom}\" }}), BoltString {{ value: \"message\" }}: String(BoltString {{ value: \"The allocation of an extra 2.0 MiB would use more than the limit 10.0 MiB.\" }})}} }} }}))"
        ));
        assert!(is_out_of_memory(&streamed));
        assert!(!is_transient(&streamed));
        let advice = out_of_memory_advice(&streamed);
        assert!(advice.contains("IN TRANSACTIONS") && advice.contains("does not retry"), "{advice}");
        assert_eq!(out_of_memory_advice(&neo4rs::Error::ConnectionError), "");
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
        assert_eq!(redact_with(&s, "bad password hunter22!"), "bad password <redacted>!");
    }
}
