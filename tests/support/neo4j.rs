//! A real Neo4j for the tests.
//!
//! [`fresh_db`] returns exclusive access to an empty database: the first call in a test binary
//! starts the embedded Neo4j 5.26 + APOC harness (`tests/neo4j/run`, built with Maven on first
//! use) and later calls reuse it. Tests that use it are serialised (Community edition has one
//! user database) and the database is reset before each one: constraints and indexes dropped, data
//! deleted in batches.
//!
//! When `NEO4J_URI` is set (with `NEO4J_USERNAME`, `NEO4J_PASSWORD`), that server is used instead —
//! and wiped before every test, so never point it at a database you care about.
//!
//! The harness process dies with the test binary: its standard input is a pipe that only this
//! process holds, and the launcher shuts down when the pipe closes (even after `kill -9`).
//!
//! This one file serves both the integration tests (`mod support;`) and the crate's unit tests
//! (`#[path]`-included from `src/exec`), so the crate needs no test-only feature or public API.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Connection details of the server the tests use.
#[derive(Debug)]
pub struct Neo4jServer {
    pub uri: String,
    pub user: String,
    pub password: String,
    /// Held (never read) so the launcher's stdin stays open for the life of this process.
    process: Option<Mutex<(Child, ChildStdin)>>,
}

/// Exclusive use of the (reset) test database until dropped.
pub struct TestDb {
    pub server: &'static Neo4jServer,
    _serial: Option<MutexGuard<'static, ()>>,
}

impl TestDb {
    /// Connection details of another server (a [`PrivateServer`]), for the same helpers.
    pub fn external(server: &Neo4jServer) -> TestDb {
        let copy = Neo4jServer {
            uri: server.uri.clone(),
            user: server.user.clone(),
            password: server.password.clone(),
            process: None,
        };
        TestDb { server: Box::leak(Box::new(copy)), _serial: None }
    }
}

impl std::ops::Deref for TestDb {
    type Target = Neo4jServer;
    fn deref(&self) -> &Neo4jServer {
        self.server
    }
}

static SERVER: OnceLock<Result<Neo4jServer, String>> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// How long a cold start may take: the first run downloads Neo4j with Maven.
const START_TIMEOUT: Duration = Duration::from_secs(600);
const READY_PREFIX: &str = "CYMIG_NEO4J_READY ";

/// The shared server, started on first use. Panics with instructions when it cannot start.
pub fn server() -> &'static Neo4jServer {
    match SERVER.get_or_init(start_or_connect) {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    }
}

/// Exclusive access to an empty database.
pub fn fresh_db() -> TestDb {
    let server = server();
    let serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(e) = block_on(reset(server)) {
        panic!("could not reset the test database at {}: {e}", server.uri);
    }
    TestDb { server, _serial: Some(serial) }
}

/// Runs a future on a fresh single-threaded runtime (neo4rs connections belong to the runtime
/// that opened them, so each call connects anew).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime").block_on(future)
}

/// Opens a neo4rs connection to the test server.
pub async fn connect(server: &Neo4jServer) -> neo4rs::Graph {
    let config = neo4rs::ConfigBuilder::default()
        .uri(server.uri.as_str())
        .user(server.user.as_str())
        .password(server.password.as_str())
        .max_connections(4)
        .build()
        .expect("neo4rs config");
    neo4rs::Graph::connect(config).expect("connect to the test Neo4j")
}

/// Runs a read query whose column is named `v` and returns it as strings (for assertions).
pub async fn strings(graph: &neo4rs::Graph, cypher: &str) -> Vec<String> {
    let mut rows = graph.execute(neo4rs::query(cypher)).await.expect(cypher);
    let mut out = Vec::new();
    while let Some(row) = rows.next().await.expect(cypher) {
        out.push(cell_text(&row));
    }
    out
}

/// Runs a query that returns one integer, in a column named `v`.
pub async fn count(graph: &neo4rs::Graph, cypher: &str) -> i64 {
    let mut rows = graph.execute(neo4rs::query(cypher)).await.expect(cypher);
    let row = rows.next().await.expect(cypher).expect("one row");
    row.get::<i64>("v").expect("an integer in column v")
}

fn cell_text(row: &neo4rs::Row) -> String {
    let key = "v";
    if let Ok(s) = row.get::<String>(key) {
        return s;
    }
    if let Ok(i) = row.get::<i64>(key) {
        return i.to_string();
    }
    if let Ok(b) = row.get::<bool>(key) {
        return b.to_string();
    }
    format!("{:?}", row.get::<neo4rs::BoltType>(key))
}

fn start_or_connect() -> Result<Neo4jServer, String> {
    if let Ok(uri) = std::env::var("NEO4J_URI") {
        return Ok(Neo4jServer {
            uri,
            user: std::env::var("NEO4J_USERNAME").unwrap_or_else(|_| "neo4j".into()),
            password: std::env::var("NEO4J_PASSWORD").unwrap_or_default(),
            process: None,
        });
    }
    start_harness()
}

fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start_harness() -> Result<Neo4jServer, String> {
    spawn_harness(&[], "neo4j-harness-server.log")
}

/// A server of its own for a test that stops and restarts Neo4j, keeping its database in
/// `data` across restarts. Dropping it closes its stdin (clean shutdown); [`PrivateServer::kill`]
/// kills it like a crash.
pub struct PrivateServer {
    pub server: Neo4jServer,
}

impl PrivateServer {
    pub fn start(data: &Path) -> PrivateServer {
        let data = data.to_str().expect("utf-8 path");
        match spawn_harness(&["--data", data], "neo4j-harness-private.log") {
            Ok(server) => PrivateServer { server },
            Err(e) => panic!("{e}"),
        }
    }

    /// SIGKILL, as a crash or a pulled plug would.
    pub fn kill(self) {
        if let Some(process) = &self.server.process {
            let mut guard = process.lock().unwrap_or_else(|p| p.into_inner());
            let _ = guard.0.kill();
            let _ = guard.0.wait();
        }
    }
}

fn spawn_harness(args: &[&str], log_name: &str) -> Result<Neo4jServer, String> {
    let root = project_root();
    require_tool("java", "-version", "a Java 17+ JDK (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless)")?;
    require_tool("mvn", "-v", "Maven 3.8+ (Debian/Ubuntu: apt-get install maven)")?;
    let password = generated_password();
    let log_path = root.join("target").join(log_name);
    let _ = std::fs::create_dir_all(root.join("target"));
    let log = std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let mut child = Command::new("bash")
        .arg(root.join("tests/neo4j/run"))
        .args(args)
        .env("CYMIG_NEO4J_PASSWORD", &password)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("could not start tests/neo4j/run: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin pipe")?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let uri = wait_for_ready(stdout, &mut child, &log_path)?;
    Ok(Neo4jServer { uri, user: "neo4j".into(), password, process: Some(Mutex::new((child, stdin))) })
}

fn require_tool(tool: &str, version_flag: &str, what: &str) -> Result<(), String> {
    match Command::new(tool).arg(version_flag).stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "the database tests need `{tool}` to start their embedded Neo4j; install {what}, \
             or set NEO4J_URI (and NEO4J_USERNAME / NEO4J_PASSWORD) to use a running Neo4j 5.26 \
             whose database may be wiped"
        )),
    }
}

fn wait_for_ready(stdout: std::process::ChildStdout, child: &mut Child, log: &Path) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(uri) = line.strip_prefix(READY_PREFIX) {
                let _ = tx.send(uri.trim().to_string());
            }
        }
    });
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(uri) => return Ok(uri),
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(harness_failed(&format!("exited with {status}"), log));
                }
            }
            Err(_) => {
                let _ = child.kill();
                return Err(harness_failed("did not become ready", log));
            }
        }
    }
}

fn harness_failed(what: &str, log: &Path) -> String {
    let tail: String = std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "the embedded Neo4j (tests/neo4j/run) {what}; its log is {}:\n{tail}\n\
         Try `tests/neo4j/run` by hand, or set NEO4J_URI to use a running Neo4j 5.26.",
        log.display()
    )
}

/// A password for this run only; never printed.
fn generated_password() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    format!("cymig-{:016x}", h.finish())
}

/// Empties the database: constraints first (they own their backing indexes), then the other
/// indexes (token lookup indexes stay: Neo4j creates them itself), then the data in batches.
pub async fn reset(server: &Neo4jServer) -> Result<(), neo4rs::Error> {
    let graph = connect(server).await;
    for name in names(&graph, "SHOW CONSTRAINTS YIELD name RETURN name").await? {
        graph.run(neo4rs::query(&format!("DROP CONSTRAINT {} IF EXISTS", quote(&name)))).await?;
    }
    for name in names(&graph, "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name").await? {
        graph.run(neo4rs::query(&format!("DROP INDEX {} IF EXISTS", quote(&name)))).await?;
    }
    graph.run(neo4rs::query("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")).await.map(drop)
}

async fn names(graph: &neo4rs::Graph, cypher: &str) -> Result<Vec<String>, neo4rs::Error> {
    let mut rows = graph.execute(neo4rs::query(cypher)).await?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().await? {
        out.push(row.get::<String>("name").unwrap_or_default());
    }
    Ok(out)
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
