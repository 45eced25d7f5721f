//! The server's main loop: the initialize handshake, then requests and notifications in order,
//! with diagnostics debounced while the user types.

use super::documents::{self, Documents};
use super::transport::{self, Incoming, Writer};
use super::{actions, commands, convert, hover};
use crate::check::{self, LintOptions};
use crate::config::{CliOverrides, Config};
use crate::diagnostic::Diagnostic;
use lsp_server::{ErrorCode, Message, Notification, Request, Response, ResponseError};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long typing must pause before the set is linted again.
const DEBOUNCE: Duration = Duration::from_millis(200);

pub struct Session {
    writer: Writer,
    pub(super) docs: Documents,
    /// The `cymig server` flags over each file's `cymig.toml`.
    overrides: CliOverrides,
    dirty: BTreeSet<String>,
    deadline: Option<Instant>,
    shutdown: bool,
    last_error: Option<String>,
}

type Handled = Result<Value, ResponseError>;

impl Session {
    pub fn new(overrides: CliOverrides) -> Self {
        Session {
            writer: Writer::stdout(),
            docs: Documents::default(),
            overrides,
            dirty: BTreeSet::new(),
            deadline: None,
            shutdown: false,
            last_error: None,
        }
    }

    /// Serves until `exit` or the end of input: 0 after a `shutdown` request, else 1 (as the
    /// specification asks).
    pub fn run(mut self) -> i32 {
        let incoming = transport::spawn_reader();
        if !self.initialize(&incoming) {
            return 1;
        }
        loop {
            let next = match self.deadline {
                Some(at) => incoming.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => incoming.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match next {
                Err(RecvTimeoutError::Timeout) => self.flush(),
                Err(RecvTimeoutError::Disconnected) => return self.exit_code(),
                Ok(Incoming::Malformed(error)) => self.writer.send_raw(&error),
                Ok(Incoming::Message(Message::Request(r))) => self.request(r),
                Ok(Incoming::Message(Message::Notification(n))) if n.method == notif::Exit::METHOD => {
                    return self.exit_code();
                }
                Ok(Incoming::Message(Message::Notification(n))) => self.notification(n),
                Ok(Incoming::Message(Message::Response(_))) => {}
            }
        }
    }

    fn exit_code(&self) -> i32 {
        i32::from(!self.shutdown)
    }

    /// Answers requests before `initialize` with the error the specification names; false when
    /// the input ends (or `exit` comes) first.
    fn initialize(&mut self, incoming: &Receiver<Incoming>) -> bool {
        while let Ok(next) = incoming.recv() {
            match next {
                Incoming::Malformed(error) => self.writer.send_raw(&error),
                Incoming::Message(Message::Request(r)) if r.method == req::Initialize::METHOD => {
                    let result = serde_json::to_value(super::capabilities()).unwrap_or_default();
                    self.writer.send(Response::new_ok(r.id, result).into());
                    return true;
                }
                Incoming::Message(Message::Request(r)) => {
                    let code = ErrorCode::ServerNotInitialized as i32;
                    self.writer.send(Response::new_err(r.id, code, "initialize first".into()).into());
                }
                Incoming::Message(Message::Notification(n)) if n.method == notif::Exit::METHOD => return false,
                Incoming::Message(_) => {}
            }
        }
        false
    }

    fn request(&mut self, r: Request) {
        let id = r.id.clone();
        let handled = if self.shutdown {
            Err(error(ErrorCode::InvalidRequest, "the server is shutting down"))
        } else {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(r))).unwrap_or_else(|_| {
                Err(error(ErrorCode::InternalError, "internal error while answering (please report it)"))
            })
        };
        self.writer.send(Response { id, response_result: handled }.into());
    }

    fn handle(&mut self, r: Request) -> Handled {
        match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(r.params)?;
                let uri = p.text_document.uri.as_str().to_string();
                self.ensure_linted(&uri);
                to_value(self.docs.get(&uri).map(|doc| actions::code_actions(&p, doc)))
            }
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(r.params)?;
                let uri = p.text_document_position_params.text_document.uri.as_str().to_string();
                self.ensure_linted(&uri);
                let position = p.text_document_position_params.position;
                let options = self.docs.get(&uri).and_then(|doc| self.options_for(&doc.path).ok());
                let overlay = self.docs.overlay();
                let doc = self.docs.get(&uri);
                to_value(doc.zip(options).and_then(|(doc, options)| hover::hover(doc, position, &options, &overlay)))
            }
            req::CodeLensRequest::METHOD => {
                let p: lsp_types::CodeLensParams = params(r.params)?;
                to_value(commands::code_lenses(&p.text_document.uri))
            }
            req::ExecuteCommand::METHOD => {
                let p: lsp_types::ExecuteCommandParams = params(r.params)?;
                self.execute(p)
            }
            _ => Err(error(ErrorCode::MethodNotFound, &format!("cymig does not answer `{}`", r.method))),
        }
    }

    fn execute(&mut self, p: lsp_types::ExecuteCommandParams) -> Handled {
        if p.command != commands::SHOW_DERIVED_DOWN {
            return Err(error(ErrorCode::InvalidParams, &format!("unknown command `{}`", p.command)));
        }
        let uri = p
            .arguments
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| error(ErrorCode::InvalidParams, "give the migration's URI as the command's argument"))?;
        let path = documents::path_of(uri).map_err(|e| error(ErrorCode::InvalidParams, &e))?;
        let shown = commands::derived_down(&path, &self.docs.overlay());
        let (kind, text) = match &shown {
            Ok(script) => (lsp_types::MessageType::INFO, script.clone()),
            Err(why) => (lsp_types::MessageType::WARNING, why.clone()),
        };
        self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams { typ: kind, message: text });
        match shown {
            Ok(script) => Ok(Value::String(script)),
            Err(why) => Err(error(ErrorCode::RequestFailed, &why)),
        }
    }

    fn notification(&mut self, n: Notification) {
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notified(n)));
        let message = match handled {
            Ok(Ok(())) => return,
            Ok(Err(why)) => why,
            Err(_) => "internal error while handling a notification (please report it)".to_string(),
        };
        self.log(&message);
    }

    fn notified(&mut self, n: Notification) -> Result<(), String> {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let p: lsp_types::DidOpenTextDocumentParams = read(&n)?;
                let uri = p.text_document.uri.as_str().to_string();
                self.docs.open(&uri, p.text_document.text, p.text_document.version)?;
                self.ensure_linted(&uri);
            }
            notif::DidChangeTextDocument::METHOD => {
                let p: lsp_types::DidChangeTextDocumentParams = read(&n)?;
                let uri = p.text_document.uri.as_str().to_string();
                if self.docs.change(&uri, p.text_document.version, p.content_changes) {
                    self.changed(&uri);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                let p: lsp_types::DidCloseTextDocumentParams = read(&n)?;
                self.docs.close(p.text_document.uri.as_str());
                self.dirty.remove(p.text_document.uri.as_str());
                let cleared = lsp_types::PublishDiagnosticsParams::new(p.text_document.uri, Vec::new(), None);
                self.notify::<notif::PublishDiagnostics>(cleared);
            }
            // Another file of the set changed on disk: every open file may read differently.
            notif::DidSaveTextDocument::METHOD | notif::DidChangeWatchedFiles::METHOD => self.relint_all(),
            _ => {}
        }
        Ok(())
    }

    /// The changed document is linted again, and so are the open documents beside it: the
    /// schema a migration creates is context for the others of its set.
    fn changed(&mut self, uri: &str) {
        let dir = self.docs.get(uri).and_then(|d| d.path.parent().map(Path::to_path_buf));
        let beside: Vec<String> = self
            .docs
            .uris()
            .filter(|u| self.docs.get(u).and_then(|d| d.path.parent()) == dir.as_deref())
            .cloned()
            .collect();
        for other in beside {
            if let Some(doc) = self.docs.get_mut(&other) {
                doc.findings = None;
            }
            self.dirty.insert(other);
        }
        self.deadline = Some(Instant::now() + DEBOUNCE);
    }

    fn relint_all(&mut self) {
        let uris: Vec<String> = self.docs.uris().cloned().collect();
        for uri in uris {
            if let Some(doc) = self.docs.get_mut(&uri) {
                doc.findings = None;
            }
            self.dirty.insert(uri);
        }
        self.deadline = Some(Instant::now() + DEBOUNCE);
    }

    fn flush(&mut self) {
        self.deadline = None;
        for uri in std::mem::take(&mut self.dirty) {
            self.ensure_linted(&uri);
        }
    }

    /// Lints the document when its text changed since it was last linted, and publishes.
    fn ensure_linted(&mut self, uri: &str) {
        self.dirty.remove(uri);
        let Some(doc) = self.docs.get(uri) else { return };
        if doc.findings.is_some() {
            return;
        }
        let (path, text, version) = (doc.path.clone(), doc.text.clone(), Some(doc.version));
        let findings = match self.lint(&path, &text) {
            Ok(findings) => {
                self.last_error = None;
                findings
            }
            Err(why) => {
                self.show_error(format!("cymig: {why}"));
                Vec::new()
            }
        };
        // The editor shows the words of a finding (and may log them); its edits are the file's own.
        let secrets = crate::config::Secrets::of(&text, crate::report::text_kind(&path));
        let findings: Vec<Diagnostic> = findings.iter().map(|d| crate::report::redact_words(&secrets, d)).collect();
        let index = convert::LineIndex::new(&text);
        let diagnostics = findings.iter().map(|d| convert::diagnostic(&index, d)).collect();
        if let Ok(uri) = lsp_types::Uri::from_str(uri) {
            self.notify::<notif::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams { uri, diagnostics, version });
        }
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.findings = Some(findings);
        }
    }

    /// The findings `cymig lint <file>` would report with every open document as the editor
    /// holds it; a file not saved yet is linted on its own.
    fn lint(&self, path: &Path, text: &str) -> crate::error::Result<Vec<Diagnostic>> {
        let options = self.options_for(path)?;
        if !path.is_file() {
            return Ok(check::lint_source(&path.to_string_lossy(), text, &options).diagnostics);
        }
        let outcome = check::lint_overlaid(&[path.to_path_buf()], &options, &self.docs.overlay())?;
        let wanted = documents::canonical(path);
        let file = outcome.files.into_iter().find(|f| documents::canonical(&f.source.path) == wanted);
        Ok(file.map(|f| f.diagnostics).unwrap_or_default())
    }

    /// `cymig.toml` found upwards from the file (or the `--config` given) under the server's
    /// flags, as `cymig lint` reads it: an editor's files may belong to different projects.
    pub(super) fn options_for(&self, path: &Path) -> crate::error::Result<LintOptions> {
        let options = check::options::for_config(&Config::load(path, &self.overrides)?)?;
        options.validate()?;
        Ok(options)
    }

    /// Shows a configuration or IO error once, not again on every keystroke until it changes.
    fn show_error(&mut self, message: String) {
        if self.last_error.as_ref() != Some(&message) {
            self.last_error = Some(message.clone());
            self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                typ: lsp_types::MessageType::ERROR,
                message,
            });
        }
    }

    fn notify<N: lsp_types::notification::Notification>(&mut self, params: N::Params) {
        self.writer.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn log(&mut self, message: &str) {
        let params = lsp_types::LogMessageParams { typ: lsp_types::MessageType::WARNING, message: message.to_string() };
        self.notify::<notif::LogMessage>(params);
    }
}

fn read<P: serde::de::DeserializeOwned>(n: &Notification) -> Result<P, String> {
    serde_json::from_value(n.params.clone()).map_err(|e| format!("invalid `{}` parameters: {e}", n.method))
}

fn params<P: serde::de::DeserializeOwned>(value: Value) -> Result<P, ResponseError> {
    serde_json::from_value(value).map_err(|e| error(ErrorCode::InvalidParams, &format!("invalid parameters: {e}")))
}

fn to_value(result: impl serde::Serialize) -> Handled {
    serde_json::to_value(result).map_err(|e| error(ErrorCode::InternalError, &e.to_string()))
}

fn error(code: ErrorCode, message: &str) -> ResponseError {
    ResponseError { code: code as i32, message: message.to_string(), data: None }
}
