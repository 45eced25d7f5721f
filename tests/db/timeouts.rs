//! A server that accepts the connection and never answers: every database command must give up
//! within the configured timeout with a clear message (exit 2), never hang. No Neo4j needed.

use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "s3cret-Never-Shown";

/// Listens on a free local port, accepts every connection and never writes a byte.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

fn migrations(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations/V1__one.cypher"), "CREATE (:One {id: 1});\n").unwrap();
    if let Some(toml) = config {
        std::fs::write(dir.path().join("cymig.toml"), toml).unwrap();
    }
    dir
}

fn cymig(cwd: &std::path::Path, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(args)
        .current_dir(cwd)
        .env("NEO4J_PASSWORD", PASSWORD)
        .env_remove("NEO4J_URI")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run cymig");
    (out, started.elapsed())
}

#[test]
fn status_gives_up_on_a_server_that_never_answers_within_the_connect_timeout_flag() {
    let port = silent_server();
    let dir = migrations(None);
    let uri = format!("bolt://127.0.0.1:{port}");
    let (out, took) = cymig(dir.path(), &["status", "migrations", "--uri", &uri, "--connect-timeout", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(took >= Duration::from_secs(2), "gave up before the timeout: {took:?}");
    assert!(
        stderr.contains(&format!("cannot connect to {uri}: no answer within 2 s"))
            && stderr.contains("--connect-timeout"),
        "{stderr}"
    );
    assert!(!stderr.contains(PASSWORD) && !String::from_utf8_lossy(&out.stdout).contains(PASSWORD));
}

#[test]
fn the_connect_timeout_comes_from_cymig_toml_too() {
    let port = silent_server();
    let dir = migrations(Some(&format!(
        "migrations = \"migrations\"\n\n[database]\nuri = \"bolt://127.0.0.1:{port}\"\nconnect-timeout = \"1s\"\n"
    )));
    let (out, took) = cymig(dir.path(), &["up"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(stderr.contains("no answer within 1 s"), "{stderr}");
}

#[test]
fn a_zero_timeout_is_a_usage_error() {
    let dir = migrations(None);
    let (out, _) = cymig(dir.path(), &["status", "migrations", "--connect-timeout", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let dir = migrations(Some("[database]\nrequest-timeout = \"0s\"\n"));
    let (out, _) = cymig(dir.path(), &["status", "migrations"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("database.request-timeout") && stderr.contains("more than zero"), "{stderr}");
}
