//! The editor server behind `cymig server`: the Language Server Protocol over stdio.
//!
//! Diagnostics are `cymig lint <file>`'s findings for each open file, with the whole migration
//! set as context and the open buffers standing in for their files; code actions apply the
//! rules' fixes or add a suppression; hover shows a finding's rule documentation or where the
//! set defines an index, constraint or label; a code lens shows the derived down script.

mod actions;
mod commands;
mod convert;
mod documents;
mod hover;
mod session;
mod transport;

use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CodeLensOptions, ExecuteCommandOptions,
    HoverProviderCapability, InitializeResult, PositionEncodingKind, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};

/// Serves until the editor exits; returns the process exit code.
pub fn run(overrides: crate::config::CliOverrides) -> i32 {
    session::Session::new(overrides).run()
}

fn capabilities() -> InitializeResult {
    let sync = TextDocumentSyncOptions {
        open_close: Some(true),
        change: Some(TextDocumentSyncKind::INCREMENTAL),
        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
        ..Default::default()
    };
    let actions = CodeActionOptions { code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]), ..Default::default() };
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::UTF16),
            text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
            code_action_provider: Some(CodeActionProviderCapability::Options(actions)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![commands::SHOW_DERIVED_DOWN.to_string()],
                ..Default::default()
            }),
            ..Default::default()
        },
        server_info: Some(ServerInfo {
            name: "cymig".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}
