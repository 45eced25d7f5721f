//! `--format html`, and the page shell every HTML output of cymig shares (`lint`, `plan`,
//! `status`): one self-contained file — styles inline, no scripts, no fonts or images fetched —
//! so a CI job can upload it as an artifact and a reviewer can open it offline.

use super::{ordered, plural, positions, shown_path, Base, ReportOptions, Totals};
use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Severity};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Text made safe for element content and attribute values.
pub fn escape(text: &str) -> String {
    super::escape_markup(text, false)
}

const STYLE: &str = "
:root { color-scheme: light; --err: #b42318; --warn: #b54708; --info: #175cd3; --ok: #067647; --muted: #667085;
  --line: #eaecf0; --bg-soft: #f9fafb; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #101828; margin: 0;
  padding: 24px 32px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
code, pre { font: 12.5px/1.45 ui-monospace, 'SF Mono', Menlo, Consolas, monospace; }
pre { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  overflow-x: auto; margin: 4px 0; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.error { color: var(--err); } .warning { color: var(--warn); } .info { color: var(--info); }
.ok { color: var(--ok); } .muted { color: var(--muted); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; margin: 14px 0; }
.card > h2 { margin-top: 12px; }
.summary { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 4px; }
.summary div { border: 1px solid var(--line); border-radius: 8px; padding: 6px 12px; }
.summary b { font-size: 18px; display: block; }
ul.plain { margin: 4px 0; padding-left: 18px; }
";

/// A whole page: `title` in the head and as the heading, `subtitle` under it, then `body`.
pub fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"cymig {version}\">\n<title>{t}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<h1>{t}</h1>\n<p class=\"sub\">{s}</p>\n{body}</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
        t = escape(title),
        s = escape(subtitle),
    )
}

/// A coloured badge; `class` is one of the page's state classes (`error`, `ok`, …).
pub fn badge(class: &str, text: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", escape(text))
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// The findings of `results` as one table (location, severity, rule, message, help, fix), or a
/// line saying there are none. `with_file`: show the file in the location column.
pub fn findings_table(results: &[FileResult], options: &ReportOptions, with_file: bool) -> String {
    let results = super::redact::redacted(results);
    let rows: Vec<(&FileResult, &Diagnostic)> =
        results.iter().flat_map(|r| ordered(r).into_iter().map(move |d| (r, d))).collect();
    if rows.is_empty() {
        return "<p class=\"ok\">No findings.</p>\n".to_string();
    }
    let mut out = String::from("<table>\n<tr><th>Location</th><th>Severity</th><th>Rule</th><th>Finding</th></tr>\n");
    for (result, d) in rows {
        let (start, _) = positions(&result.source, d.span);
        let location = if with_file {
            format!("{}:{}:{}", shown_path(&result.source, Base::WorkingDir), start.line, start.column)
        } else {
            format!("line {}:{}", start.line, start.column)
        };
        let rule = match options.rule_url(d.rule) {
            Some(url) => format!("<a href=\"{}\">{}</a>", escape(&url), escape(d.rule)),
            None => escape(d.rule),
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code> {rule}</td><td>{}",
            escape(&location),
            badge(severity_class(d.severity), severity_word(d.severity)),
            escape(d.code),
            escape(&d.message),
        );
        if let Some(help) = &d.help {
            let _ = write!(out, "<br><span class=\"muted\">help: {}</span>", escape(help));
        }
        if let Some(fix) = &d.fix {
            let kind = if fix.is_safe() { "fix" } else { "unsafe fix" };
            let _ = write!(out, "<br><span class=\"muted\">{kind}: {}</span>", escape(&fix.message));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// Error / warning / info counts as summary boxes.
pub fn totals_boxes(totals: &Totals) -> String {
    format!(
        "<div class=\"summary\"><div><b class=\"error\">{}</b>errors</div><div><b class=\"warning\">{}</b>warnings</div>\
         <div><b class=\"info\">{}</b>infos</div><div><b>{}</b>files checked</div></div>\n",
        totals.errors, totals.warnings, totals.infos, totals.files
    )
}

/// `cymig lint --format html`: the findings of every file on one page.
pub fn html(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let totals = Totals::of(results);
    let subtitle = format!(
        "{} with findings of {} checked",
        plural(totals.files_with_findings, "file", "files"),
        plural(totals.files, "file", "files")
    );
    let body = format!("{}{}", totals_boxes(&totals), findings_table(results, options, true));
    out.write_all(page("cymig lint", &subtitle, &body).as_bytes())
}
