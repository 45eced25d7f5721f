// The whole client: start `cymig server` for .cypher files. The server's commands (the
// "Show derived down script" code lens) are registered by vscode-languageclient itself.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("cymig").get("path", "cymig");
  client = new LanguageClient(
    "cymig",
    "cymig",
    { command, args: ["server"] },
    { documentSelector: [{ scheme: "file", language: "cypher" }] }
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
