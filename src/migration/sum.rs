//! `cymig.sum`: a chained hash of every migration file, so edits to existing migrations are
//! caught (`edited-migration`) and two branches that each add a migration collide in review.
//!
//! Format (text, `\n` line endings):
//!
//! ```text
//! h1:<base64 sha256 of every following line, each with its "\n">
//! V1__constraints.cypher h1:<base64>
//! U1__constraints.cypher h1:<base64>
//! V2__backfill.cypher h1:<base64>
//! V2__backfill.verify.cypher h1:<base64>
//! R__views.cypher h1:<base64>
//! ```
//!
//! One line per migration file in version order — each version's up file, then its down
//! script, then its verify file — followed by the repeatable migrations by description. Files
//! with naming problems are not listed (they are not migrations). Paths are relative to the
//! set's directory with `/` separators.
//!
//! Each line's hash is `sha256(previous line's hash ‖ path ‖ 0x00 ‖ sha256(content))` (the first
//! line has no previous hash), so it covers that file *and* every line before it: appending a
//! migration on two branches changes the same last lines and the header, and git reports a
//! conflict. Because a line chains on the *recorded* hash of the previous line, an edit is
//! attributed to exactly the file that changed.
//!
//! Content is hashed as bytes with every CRLF turned into LF, so a Windows checkout with
//! `core.autocrlf` does not flag every migration; any other change, whitespace included, is an
//! edit.

use super::{FileRole, MigrationFile, MigrationSet};
use crate::error::{Error, Result};
use crate::source::SourceFile;
use crate::span::Span;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const SUM_FILE: &str = "cymig.sum";
const HASH_PREFIX: &str = "h1:";

/// The sha256 of a file's content with CRLF normalised to LF.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let mut rest = bytes;
    while let Some(i) = find_crlf(rest) {
        hasher.update(&rest[..i]);
        hasher.update(b"\n");
        rest = &rest[i + 2..];
    }
    hasher.update(rest);
    hasher.finalize().into()
}

fn find_crlf(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\r\n")
}

fn chain_hash(previous: Option<&[u8]>, relative_path: &str, content: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    if let Some(previous) = previous {
        hasher.update(previous);
    }
    hasher.update(relative_path.as_bytes());
    hasher.update([0u8]);
    hasher.update(content);
    hasher.finalize().into()
}

fn header_hash(body: &str) -> [u8; 32] {
    Sha256::digest(body.as_bytes()).into()
}

/// The text of `cymig.sum` for `set`.
pub fn render(set: &MigrationSet) -> String {
    let mut body = String::new();
    let mut previous: Option<[u8; 32]> = None;
    for file in set.summed_files() {
        let hash = chain_hash(previous.as_ref().map(|h| &h[..]), &file.relative_path, &file.content_hash);
        body.push_str(&format!("{} {HASH_PREFIX}{}\n", file.relative_path, base64(&hash)));
        previous = Some(hash);
    }
    format!("{HASH_PREFIX}{}\n{body}", base64(&header_hash(&body)))
}

/// Writes `cymig.sum` into the set's directory; returns its path.
pub fn write(set: &MigrationSet) -> Result<PathBuf> {
    let path = set.sum_path();
    std::fs::write(&path, render(set)).map_err(|source| Error::Io { path: path.clone(), source })?;
    Ok(path)
}

/// How one file compares with `cymig.sum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SumStatus {
    /// Content and position match.
    Ok,
    /// The content no longer matches the recorded hash.
    Edited,
    /// The content is unchanged but the lines before it changed (another migration was
    /// inserted, removed or re-hashed before it — typically a merge of two branches).
    Rechained,
    /// The file is a migration but `cymig.sum` does not list it.
    NotInSum,
    /// `cymig.sum` lists a file that no longer exists.
    Removed,
}

/// One file's result.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SumEntry {
    /// Relative to the set's directory, `/` separators.
    pub relative_path: String,
    /// The file on disk (for `Removed`: where it would be).
    pub path: PathBuf,
    pub status: SumStatus,
    pub role: Option<FileRole>,
    /// The line listing it in `cymig.sum` (span into [`SumCheck::source`]); `None` for
    /// `NotInSum`.
    pub line_span: Option<Span>,
}

/// The result of checking a set against its `cymig.sum`.
#[derive(Clone, Debug)]
pub struct SumCheck {
    /// `cymig.sum` itself, for rendering findings on its lines.
    pub source: Arc<SourceFile>,
    /// Why the file itself is not trustworthy: its header does not match its lines (edited by
    /// hand, or a merge conflict resolved by keeping both sides), or a line is malformed.
    pub tampered: Option<Tampered>,
    /// Every summed file of the set and every line of the sum, in sum order, then files not in
    /// the sum in version order.
    pub entries: Vec<SumEntry>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Tampered {
    pub span: Span,
    pub message: String,
}

impl SumStatus {
    /// What happened, in user terms, for a finding's message.
    pub fn describe(self) -> &'static str {
        match self {
            SumStatus::Ok => "matches cymig.sum",
            SumStatus::Edited => "was edited after cymig.sum was written (its content no longer matches)",
            SumStatus::Rechained => {
                "is unchanged, but the lines before it in cymig.sum changed (a merge kept both \
                 branches' lines, or a migration before it was added, removed or re-hashed)"
            }
            SumStatus::NotInSum => "is not in cymig.sum",
            SumStatus::Removed => "is listed in cymig.sum but no longer exists",
        }
    }

    /// What to do about it.
    pub fn help(self) -> &'static str {
        match self {
            SumStatus::Ok => "",
            SumStatus::Edited => {
                "add a new migration instead of editing one that may have been applied; if the edit \
                 is intended (a comment, formatting), run `cymig hash` and commit cymig.sum"
            }
            SumStatus::Rechained | SumStatus::NotInSum => {
                "review the migration order, then run `cymig hash` and commit cymig.sum"
            }
            SumStatus::Removed => {
                "restore the file if it was applied anywhere; otherwise run `cymig hash` and commit cymig.sum"
            }
        }
    }
}

impl SumEntry {
    /// "`V3__x.cypher` was edited after cymig.sum was written (…)".
    pub fn message(&self) -> String {
        format!("`{}` {}", self.relative_path, self.status.describe())
    }
}

impl SumCheck {
    /// The result for one file of the set (by its path relative to the set's directory).
    pub fn entry(&self, relative_path: &str) -> Option<&SumEntry> {
        self.entries.iter().find(|e| e.relative_path == relative_path)
    }

    /// Whether everything matches.
    pub fn is_clean(&self) -> bool {
        self.tampered.is_none() && self.entries.iter().all(|e| e.status == SumStatus::Ok)
    }

    pub fn problems(&self) -> impl Iterator<Item = &SumEntry> {
        self.entries.iter().filter(|e| e.status != SumStatus::Ok)
    }
}

/// Checks `set` against its `cymig.sum`. `Ok(None)` when the set has no `cymig.sum`.
pub fn verify(set: &MigrationSet) -> Result<Option<SumCheck>> {
    let path = set.sum_path();
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(Some(check_text(set, SourceFile::new(path, text))))
}

/// Checks `set` against the given `cymig.sum` text.
pub fn check_text(set: &MigrationSet, source: SourceFile) -> SumCheck {
    let parsed = parse_sum(&source.text);
    let files: HashMap<&str, &MigrationFile> = set.summed_files().map(|f| (f.relative_path.as_str(), f)).collect();
    let mut entries = Vec::new();
    let mut listed: HashSet<&str> = HashSet::new();
    let mut previous_hashes: Vec<Vec<u8>> = Vec::new();
    for line in &parsed.lines {
        listed.insert(line.path.as_str());
        let previous = previous_hashes.last().map(Vec::as_slice);
        let (status, role, path) = match files.get(line.path.as_str()) {
            Some(file) => {
                (line_status(file, &line.hash, previous, &previous_hashes), Some(file.role), file.path().to_path_buf())
            }
            None => (SumStatus::Removed, None, set.root.join(&line.path)),
        };
        entries.push(SumEntry { relative_path: line.path.clone(), path, status, role, line_span: Some(line.span) });
        previous_hashes.push(line.hash.clone());
    }
    for file in set.summed_files().filter(|f| !listed.contains(f.relative_path.as_str())) {
        entries.push(SumEntry {
            relative_path: file.relative_path.clone(),
            path: file.path().to_path_buf(),
            status: SumStatus::NotInSum,
            role: Some(file.role),
            line_span: None,
        });
    }
    SumCheck { tampered: parsed.tampered, entries, source: Arc::new(source) }
}

fn line_status(file: &MigrationFile, recorded: &[u8], previous: Option<&[u8]>, all_previous: &[Vec<u8>]) -> SumStatus {
    let hash = |prev: Option<&[u8]>| chain_hash(prev, &file.relative_path, &file.content_hash);
    if hash(previous)[..] == *recorded {
        return SumStatus::Ok;
    }
    // Same content, different predecessor: the file was hashed after another line (or first).
    let rechained = std::iter::once(None)
        .chain(all_previous.iter().map(|h| Some(h.as_slice())))
        .any(|prev| hash(prev)[..] == *recorded);
    if rechained {
        SumStatus::Rechained
    } else {
        SumStatus::Edited
    }
}

struct SumLine {
    path: String,
    hash: Vec<u8>,
    span: Span,
}

struct ParsedSum {
    lines: Vec<SumLine>,
    tampered: Option<Tampered>,
}

fn parse_sum(text: &str) -> ParsedSum {
    let mut lines = Vec::new();
    let mut tampered = None;
    let mut header: Option<(Vec<u8>, Span)> = None;
    let mut body_start = text.len();
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let span = Span::new(offset, offset + line.len());
        offset += raw_line.len();
        if header.is_none() {
            header = Some((decode_hash(line).unwrap_or_default(), span));
            body_start = offset;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Some((path, hash)) => lines.push(SumLine { path, hash, span }),
            None => {
                tampered.get_or_insert(Tampered {
                    span,
                    message: format!("malformed line in {SUM_FILE}: expected `<path> h1:<hash>`"),
                });
            }
        }
    }
    match header {
        None => {
            tampered.get_or_insert(Tampered { span: Span::at(0), message: format!("{SUM_FILE} is empty") });
        }
        Some((recorded, span)) => {
            let body = normalised_body(&text[body_start.min(text.len())..]);
            if recorded[..] != header_hash(&body)[..] && tampered.is_none() {
                tampered = Some(Tampered {
                    span,
                    message: format!(
                        "{SUM_FILE} was edited by hand: its header does not match its lines (after a merge, re-run `cymig hash`)"
                    ),
                });
            }
        }
    }
    ParsedSum { lines, tampered }
}

/// The lines after the header as `render` writes them (LF endings), so a CRLF checkout of
/// `cymig.sum` still verifies.
fn normalised_body(text: &str) -> String {
    text.split_inclusive('\n').map(|l| format!("{}\n", l.trim_end_matches(['\n', '\r']))).collect()
}

fn parse_line(line: &str) -> Option<(String, Vec<u8>)> {
    let (path, hash) = line.rsplit_once(' ')?;
    let hash = decode_hash(hash)?;
    (!path.is_empty() && hash.len() == 32).then(|| (path.to_string(), hash))
}

fn decode_hash(text: &str) -> Option<Vec<u8>> {
    base64_decode(text.trim().strip_prefix(HASH_PREFIX)?)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (a 32-byte hash is 44 characters).
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let value = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Where `cymig.sum` of the set in `dir` lives.
pub fn sum_path(dir: &Path) -> PathBuf {
    dir.join(SUM_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let hash = content_hash(b"x");
        assert_eq!(base64_decode(&base64(&hash)).as_deref(), Some(&hash[..]));
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn crlf_is_hashed_as_lf_but_other_whitespace_counts() {
        assert_eq!(content_hash(b"a\r\nb\r\n"), content_hash(b"a\nb\n"));
        assert_ne!(content_hash(b"a\r\r\nb"), content_hash(b"a\nb"), "a lone CR is content");
        assert_ne!(content_hash(b"a\nb\n"), content_hash(b"a\nb"));
        assert_ne!(content_hash(b"a\rb"), content_hash(b"a\nb"));
    }

    #[test]
    fn each_line_chains_on_the_previous_one() {
        let c = content_hash(b"CREATE ...;");
        let first = chain_hash(None, "V1__a.cypher", &c);
        let second = chain_hash(Some(&first), "V2__b.cypher", &c);
        let second_alone = chain_hash(None, "V2__b.cypher", &c);
        assert_ne!(second, second_alone);
        assert_ne!(chain_hash(None, "V1__b.cypher", &c), first, "the path is covered");
    }
}
