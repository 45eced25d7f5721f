//! A cheap pre-scan bounding nesting before pest recurses: brackets, and runs of prefix
//! operators (`NOT NOT …`, `- - …`, `!!…`), each of which costs the parser and the lowering
//! stack. Strings, comments and backtick names are skipped.

/// Deepest nesting accepted. Real statements stay far below; Neo4j itself rejects far less.
pub(crate) const MAX_NESTING: usize = 500;

/// Nesting above which the statement is parsed on a thread with a large stack.
pub(crate) const BIG_STACK_NESTING: usize = 40;

/// The deepest nesting in `text`, and the byte offset where `limit` was first exceeded.
pub(crate) fn max_nesting(text: &str, limit: usize) -> (usize, Option<usize>) {
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut run: usize = 0;
    let mut max = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let mut next = i + 1;
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                run = 0;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                run = 0;
            }
            b'-' | b'+' | b'!' => run += 1,
            b'\'' | b'"' | b'`' => {
                next = skip_quoted(bytes, i);
                run = 0;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                next = bytes[i..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |p| i + p);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                next = find(bytes, i + 2, b"*/").map_or(bytes.len(), |p| p + 2);
            }
            b if b.is_ascii_whitespace() => {}
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                let word_end = bytes[i..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80))
                    .map_or(bytes.len(), |p| i + p);
                if bytes[i..word_end].eq_ignore_ascii_case(b"not") {
                    run += 1;
                } else {
                    run = 0;
                }
                next = word_end;
            }
            _ => run = 0,
        }
        let level = depth + run;
        if level > max {
            max = level;
            if max > limit {
                return (max, Some(i));
            }
        }
        i = next;
    }
    (max, None)
}

/// The offset just past the string or backtick name opening at `start` (the end of the text
/// when it is unterminated).
pub(super) fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::max_nesting;

    #[test]
    fn counts_brackets_and_prefix_runs_but_not_strings() {
        assert_eq!(max_nesting("RETURN ((1))", 100).0, 2);
        assert_eq!(max_nesting("RETURN NOT NOT NOT x", 100).0, 3);
        assert_eq!(max_nesting("RETURN '((((('", 100).0, 0);
        assert_eq!(max_nesting("RETURN 1 // ((((", 100).0, 0);
        assert!(max_nesting(&"(".repeat(1000), 500).1.is_some());
    }
}
