//! JSON-RPC over stdio with `Content-Length` framing. Reading is ours rather than
//! `lsp_server`'s: its reader thread ends on the first malformed message, and a server must
//! answer one with an error and go on.

use lsp_server::Message;
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc;

/// A message body larger than this is refused unread (an editor's largest is a whole file).
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

pub enum Incoming {
    Message(Message),
    /// A message that could not be read: the error response to send.
    Malformed(Value),
}

/// Reads stdin on a thread of its own; the channel closes at end of input.
pub fn spawn_reader() -> mpsc::Receiver<Incoming> {
    let (sender, receiver) = mpsc::sync_channel(16);
    let _ = std::thread::Builder::new().name("cymig-lsp-reader".into()).spawn(move || {
        let mut input = io::BufReader::new(io::stdin().lock());
        while let Ok(Some(incoming)) = read(&mut input) {
            let exit = matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
            if sender.send(incoming).is_err() || exit {
                break;
            }
        }
    });
    receiver
}

/// The next message; `Ok(None)` at end of input. An IO error ends reading.
pub fn read(input: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let length = match read_headers(input)? {
        None => return Ok(None),
        Some(Err(why)) => return Ok(Some(Incoming::Malformed(error(Value::Null, PARSE_ERROR, &why)))),
        Some(Ok(length)) => length,
    };
    if length > MAX_BODY_BYTES {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        let why = format!("message of {length} bytes is too large");
        return Ok(Some(Incoming::Malformed(error(Value::Null, PARSE_ERROR, &why))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(parse(&body)))
}

/// The body length the headers give: `Ok(None)` at end of input, `Err` for headers without a
/// usable `Content-Length` (the blank line after them is consumed, so reading goes on).
fn read_headers(input: &mut impl BufRead) -> io::Result<Option<Result<usize, String>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_none() {
                continue;
            }
            return Ok(length);
        }
        let Some((name, value)) = header.split_once(':') else {
            length = Some(Err(format!("malformed header `{header}`")));
            continue;
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().map_err(|_| format!("malformed Content-Length `{}`", value.trim())));
        }
    }
}

fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Incoming::Malformed(error(Value::Null, PARSE_ERROR, &format!("invalid JSON: {e}"))),
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    // `Message` is untagged: anything with an `id` would read as a response.
    let read = match (value.get("method").is_some(), value.get("id").is_some()) {
        (true, true) => serde_json::from_value(value).map(Message::Request),
        (true, false) => serde_json::from_value(value).map(Message::Notification),
        (false, _) if value.get("result").is_some() || value.get("error").is_some() => {
            serde_json::from_value(value).map(Message::Response)
        }
        (false, _) => {
            return Incoming::Malformed(error(id, INVALID_REQUEST, "not a request, notification or response"))
        }
    };
    match read {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed(error(id, INVALID_REQUEST, &format!("not a JSON-RPC message: {e}"))),
    }
}

const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;

fn error(id: Value, code: i32, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// Writes framed messages to stdout; a client that went away is not an error to report.
pub struct Writer {
    out: io::Stdout,
}

impl Writer {
    pub fn stdout() -> Self {
        Writer { out: io::stdout() }
    }

    pub fn send(&mut self, message: Message) {
        let mut out = self.out.lock();
        let _ = message.write(&mut out).and_then(|()| out.flush());
    }

    pub fn send_raw(&mut self, value: &Value) {
        let body = value.to_string();
        let mut out = self.out.lock();
        let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len()).and_then(|()| out.flush());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str) -> Vec<Value> {
        let mut input = io::BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(incoming) = read(&mut input).unwrap() {
            out.push(match incoming {
                Incoming::Message(m) => serde_json::to_value(&m).unwrap(),
                Incoming::Malformed(v) => v,
            });
        }
        out
    }

    #[test]
    fn malformed_messages_are_answered_and_reading_goes_on() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\n{{bad}}Content-Length: 19\r\n\r\n{{\"id\":7,\"method\":3}}Bogus\r\n\r\nContent-Length: {}\r\n\r\n{good}",
            good.len()
        );
        let read = read_all(&input);
        assert_eq!(read.len(), 4, "{read:?}");
        assert_eq!(read[0]["error"]["code"], PARSE_ERROR);
        assert_eq!(read[1]["error"]["code"], INVALID_REQUEST);
        assert_eq!(read[1]["id"], 7);
        assert_eq!(read[2]["error"]["code"], PARSE_ERROR);
        assert_eq!(read[3]["method"], "initialized");
    }
}
