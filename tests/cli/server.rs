//! `cymig server` driven as an editor drives it: the real binary, Content-Length framed JSON-RPC
//! on its stdin and stdout, the responses snapshotted (temporary paths redacted).

use crate::support::cli;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// Longer than any lint of these small sets, short enough that a hung server fails the test.
const PATIENCE: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    dir: String,
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cymig"))
            .arg("server")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cymig server");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            while let Some(message) = read_message(&mut stdout) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let dir = dir.canonicalize().unwrap().to_string_lossy().into_owned();
        Client { child, stdin, incoming, next_id: 0, dir }
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}/{name}", self.dir)
    }

    fn write_body(&mut self, body: &[u8]) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let message = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        self.write_body(message.to_string().as_bytes());
    }

    /// Sends a request; returns what the server sent until its response, the response last.
    fn request(&mut self, method: &str, params: Value) -> Vec<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.write_body(message.to_string().as_bytes());
        self.until(|m| m["id"] == id && m.get("method").is_none())
    }

    fn until(&mut self, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let message = self.incoming.recv_timeout(PATIENCE).expect("the server answers");
            let last = done(&message);
            seen.push(self.redacted(message));
            if last {
                return seen;
            }
        }
    }

    /// The diagnostics published for the document's `version`.
    fn diagnostics(&mut self, version: i64) -> Value {
        let seen =
            self.until(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version);
        seen.last().unwrap()["params"]["diagnostics"].clone()
    }

    fn redacted(&self, message: Value) -> Value {
        serde_json::from_str(&message.to_string().replace(&self.dir, "[TMP]")).unwrap()
    }

    fn open(&mut self, name: &str, text: &str) {
        let document = json!({ "uri": self.uri(name), "languageId": "cypher", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": document }));
    }

    fn change(&mut self, name: &str, version: i64, changes: Value) {
        let document = json!({ "uri": self.uri(name), "version": version });
        self.notify("textDocument/didChange", json!({ "textDocument": document, "contentChanges": changes }));
    }

    fn at(&self, name: &str, line: u32, character: u32) -> Value {
        json!({ "textDocument": { "uri": self.uri(name) }, "position": { "line": line, "character": character } })
    }

    fn initialize(&mut self) -> Vec<Value> {
        let seen = self.request("initialize", json!({ "processId": null, "rootUri": null, "capabilities": {} }));
        self.notify("initialized", json!({}));
        seen
    }

    /// `shutdown`, then `exit`: the server's exit code.
    fn shut_down(mut self) -> (Vec<Value>, i32) {
        let seen = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        (seen, self.wait())
    }

    fn wait(mut self) -> i32 {
        drop(self.stdin);
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}

fn read_message(input: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    input.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn pretty(transcript: &[(&str, Value)]) -> String {
    transcript.iter().map(|(step, v)| format!("== {step}\n{}\n", serde_json::to_string_pretty(v).unwrap())).collect()
}

/// A set whose first migration makes `Person.id` unique: a MERGE on it is no finding.
fn person_set() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("V1__person.cypher", "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;\n");
    write("V2__people.cypher", "MERGE (p:Person {id: 1}) SET p.name = 'Ada';\n");
    dir
}

/// The hover text cut to its heading: the rest is the rule's documentation, checked equal to
/// `cymig rule <name>` instead of snapshotted twice.
fn hover_heading(mut seen: Vec<Value>, rule: &str, dir: &Path) -> Value {
    let value = seen.last().unwrap()["result"]["contents"]["value"].as_str().unwrap().to_string();
    let docs = cli::cymig(&["rule", rule], dir);
    assert_eq!(value, String::from_utf8_lossy(&docs.stdout), "hover shows `cymig rule {rule}`");
    let heading: String = value.lines().take(3).collect::<Vec<_>>().join("\n");
    seen.last_mut().unwrap()["result"]["contents"]["value"] = Value::String(heading + "\n…");
    Value::Array(seen)
}

#[test]
fn an_editing_session() {
    let dir = person_set();
    let mut client = Client::start(dir.path());
    let mut transcript = vec![("initialize", Value::Array(client.initialize()))];

    let original = std::fs::read_to_string(dir.path().join("V2__people.cypher")).unwrap();
    client.open("V2__people.cypher", &original);
    transcript.push(("didOpen: the constraint in V1 backs the MERGE", client.diagnostics(1)));

    let insert = json!([{ "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 0 } },
                          "text": "MATCH (n:Person) WHERE exists(n.email) RETURN n;\n" }]);
    client.change("V2__people.cypher", 2, insert);
    transcript.push(("didChange introduces a finding", client.diagnostics(2)));

    let cursor = json!({ "start": { "line": 1, "character": 25 }, "end": { "line": 1, "character": 25 } });
    let params = json!({ "textDocument": { "uri": client.uri("V2__people.cypher") }, "range": cursor,
                         "context": { "diagnostics": [] } });
    transcript.push(("codeAction on it", Value::Array(client.request("textDocument/codeAction", params))));

    let on_finding = client.at("V2__people.cypher", 1, 25);
    let hover = client.request("textDocument/hover", on_finding);
    transcript.push(("hover on the finding", hover_heading(hover, "exists-function", dir.path())));

    let on_label = client.at("V2__people.cypher", 0, 10);
    transcript.push(("hover on a label", Value::Array(client.request("textDocument/hover", on_label))));
    let on_name = client.at("V1__person.cypher", 0, 20);
    client.open("V1__person.cypher", &std::fs::read_to_string(dir.path().join("V1__person.cypher")).unwrap());
    client.diagnostics(1);
    transcript.push(("hover on a constraint name", Value::Array(client.request("textDocument/hover", on_name))));

    client.change("V2__people.cypher", 3, json!([{ "text": original }]));
    transcript.push(("didChange removes it again", client.diagnostics(3)));

    let lens = json!({ "textDocument": { "uri": client.uri("V1__person.cypher") } });
    transcript.push(("codeLens", Value::Array(client.request("textDocument/codeLens", lens))));
    let command = json!({ "command": "cymig.showDerivedDown", "arguments": [client.uri("V1__person.cypher")] });
    transcript.push(("the derived-down command", Value::Array(client.request("workspace/executeCommand", command))));

    let (seen, code) = client.shut_down();
    transcript.push(("shutdown", Value::Array(seen)));
    insta::assert_snapshot!(pretty(&transcript));
    assert_eq!(code, 0, "exit after shutdown");
}

/// A finding as `cymig lint --format json` gives it, from an LSP diagnostic (ASCII text, so
/// UTF-16 columns are character columns).
fn as_lint_json(d: &Value) -> Value {
    let at = |end: &str, what: &str| d["range"][end][what].as_u64().unwrap() + 1;
    let (message, help) = d["message"].as_str().unwrap().split_once("\nhelp: ").unwrap();
    json!({ "rule": d["code"], "line": at("start", "line"), "column": at("start", "character"),
            "end_line": at("end", "line"), "end_column": at("end", "character"), "message": message, "help": help })
}

#[test]
fn the_open_buffers_are_the_set_cymig_lint_would_read() {
    let dir = person_set();
    let mut client = Client::start(dir.path());
    client.initialize();
    let merge = "MERGE (c:Company {name: 'x'});\n";
    client.open("V2__people.cypher", merge);
    let unsaved = client.diagnostics(1);

    std::fs::write(dir.path().join("V2__people.cypher"), merge).unwrap();
    let linted = cli::cymig(&["lint", "--format", "json", "V2__people.cypher"], dir.path());
    let keep = ["rule", "line", "column", "end_line", "end_column", "message", "help"];
    let from_cli: Vec<Value> = serde_json::from_slice::<Vec<Value>>(&linted.stdout)
        .unwrap()
        .into_iter()
        .map(|f| keep.iter().map(|k| (k.to_string(), f[*k].clone())).collect())
        .collect();
    let from_server: Vec<Value> = unsaved.as_array().unwrap().iter().map(as_lint_json).collect();
    assert_eq!(from_server, from_cli, "the server reports what `cymig lint` reports");
    assert_eq!(from_cli.len(), 1, "{from_cli:?}");

    // A constraint typed (not saved) into V1 backs V2's MERGE at once.
    let v1 = std::fs::read_to_string(dir.path().join("V1__person.cypher")).unwrap();
    client.open("V1__person.cypher", &v1);
    client.diagnostics(1);
    let constraint = "CREATE CONSTRAINT company_name IF NOT EXISTS FOR (c:Company) REQUIRE c.name IS UNIQUE;\n";
    client.change("V1__person.cypher", 2, json!([{ "text": format!("{v1}{constraint}") }]));
    let backed = client.until(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"].as_str().unwrap().ends_with("V2__people.cypher")
    });
    insta::assert_snapshot!(pretty(&[("V2 after V1 gained the constraint", backed.last().unwrap()["params"].clone())]));
    let (_, code) = client.shut_down();
    assert_eq!(code, 0);
}

#[test]
fn an_irreversible_statement_can_be_acknowledged_or_suppressed() {
    let dir = person_set();
    let mut client = Client::start(dir.path());
    client.initialize();
    client.open("V3__purge.cypher", "// people leave\n  MATCH (p:Person {left: true}) DETACH DELETE p;\n");
    let found = client.diagnostics(1);
    let statement = json!({ "start": { "line": 1, "character": 2 }, "end": { "line": 1, "character": 47 } });
    let params = json!({ "textDocument": { "uri": client.uri("V3__purge.cypher") }, "range": statement,
                         "context": { "diagnostics": [] } });
    let actions = client.request("textDocument/codeAction", params);
    let summary: Vec<Value> = actions.last().unwrap()["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let edits = &a["edit"]["changes"]["file://[TMP]/V3__purge.cypher"];
            json!({ "title": a["title"], "for": a["diagnostics"][0]["code"], "edits": edits })
        })
        .collect();
    insta::assert_snapshot!(pretty(&[("findings", found), ("code actions", Value::Array(summary))]));
    client.shut_down();
}

#[test]
fn malformed_messages_get_json_rpc_errors() {
    let dir = person_set();
    let mut client = Client::start(dir.path());
    let mut transcript =
        vec![("a request before initialize", Value::Array(client.request("textDocument/hover", json!({}))))];
    client.initialize();
    client.write_body(b"{not json");
    transcript.push(("invalid JSON", Value::Array(client.until(|m| m.get("error").is_some()))));
    client.write_body(br#"{"jsonrpc":"2.0","id":41,"method":7}"#);
    transcript.push(("not a request", Value::Array(client.until(|m| m.get("error").is_some()))));
    client.write_body(b"{}");
    transcript.push(("an empty object", Value::Array(client.until(|m| m.get("error").is_some()))));
    transcript.push(("invalid params", Value::Array(client.request("textDocument/hover", json!({ "position": 3 })))));
    transcript.push(("an unknown method", Value::Array(client.request("cymig/unknown", json!({})))));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": "untitled:1", "languageId": "cypher",
                                                                  "version": 1, "text": "RETURN 1" } }),
    );
    transcript.push(("a document that is no file", Value::Array(client.until(|m| m["method"] == "window/logMessage"))));
    let unknown = json!({ "command": "cymig.nothing", "arguments": [] });
    transcript.push(("an unknown command", Value::Array(client.request("workspace/executeCommand", unknown))));
    let hover = client.at("V9__not_open.cypher", 0, 0);
    transcript.push(("hover on a document not open", Value::Array(client.request("textDocument/hover", hover))));
    insta::assert_snapshot!(pretty(&transcript));
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 1, "exit without shutdown");
}

#[test]
fn a_broken_configuration_is_shown_once() {
    let dir = person_set();
    std::fs::write(dir.path().join("cymig.toml"), "[lint]\nignroe = []\n").unwrap();
    let mut client = Client::start(dir.path());
    client.initialize();
    client.open("V2__people.cypher", "RETURN 1;\n");
    let opened = client.until(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 1);
    client.change("V2__people.cypher", 2, json!([{ "text": "RETURN 2;\n" }]));
    let changed = client.until(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2);
    insta::assert_snapshot!(pretty(&[("didOpen", Value::Array(opened)), ("didChange", Value::Array(changed))]));
    client.shut_down();
}

/// What the editor is sent about a file that sets passwords (diagnostics, code actions, hover)
/// holds none of them.
#[test]
fn passwords_are_not_sent_to_the_editor() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/secrets/V1__users.cypher"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("V1__users.cypher"), &text).unwrap();
    let mut client = Client::start(dir.path());
    client.initialize();
    client.open("V1__users.cypher", &text);
    let found = client.diagnostics(1);
    assert!(found.as_array().is_some_and(|d| d.len() > 5), "{found}");
    let everything = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 20, "character": 0 } });
    let params = json!({ "textDocument": { "uri": client.uri("V1__users.cypher") }, "range": everything,
                         "context": { "diagnostics": [] } });
    let actions = client.request("textDocument/codeAction", params);
    let hover = client.request("textDocument/hover", client.at("V1__users.cypher", 10, 10));
    let sent = format!("{found} {} {}", Value::Array(actions), Value::Array(hover));
    assert!(sent.contains("removed-procedure"), "{sent}");
    for secret in
        ["hunter2secret", "plainSecret9", "oldSecret1", "newSecret2", "pässwörd", "procSecret77", "procSecret88"]
    {
        assert!(!sent.contains(secret), "{secret} sent to the editor: {sent}");
    }
    client.shut_down();
}
