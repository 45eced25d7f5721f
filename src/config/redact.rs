//! Settings for display: secrets in them masked.

/// The URI with any user information replaced, for display.
pub fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else { return uri.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{}", &rest[end..]),
        None => uri.to_string(),
    }
}

/// A shell command for display: the value of any word naming a password, secret or token
/// (`--password=x`, `--password x`, `NEO4J_PASSWORD=x`) is masked.
pub fn redact_command(command: &str) -> String {
    let sensitive = |word: &str| {
        let lower = word.to_ascii_lowercase();
        ["password", "passwd", "secret", "token"].iter().any(|s| lower.contains(s))
    };
    let mut out = Vec::new();
    let mut mask_next = false;
    for word in command.split(' ') {
        if mask_next && !word.is_empty() {
            out.push("***".to_string());
            mask_next = false;
            continue;
        }
        match word.split_once('=') {
            Some((name, _)) if sensitive(name) => out.push(format!("{name}=***")),
            None if sensitive(word) && word.starts_with('-') => {
                out.push(word.to_string());
                mask_next = true;
            }
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// Cypher for display: the string literals that set a password (`SET PASSWORD 'x'`,
/// `SET ENCRYPTED PASSWORD 'x'`, `SET PASSWORD FROM 'a' TO 'b'`) masked. A literal cut off (a
/// server message quoting part of a statement) is masked to its end.
pub fn redact_cypher_passwords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = next_word(&lower, at, "password") {
        let after = found + "password".len();
        out.push_str(&text[at..after]);
        at = mask_literals(text, after, &mut out);
    }
    out.push_str(&text[at..]);
    out
}

/// The offset of `word` (lower case) as a whole word in `lower` at or after `from`.
fn next_word(lower: &str, from: usize, word: &str) -> Option<usize> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut start = from;
    while let Some(i) = lower[start..].find(word).map(|i| i + start) {
        let end = i + word.len();
        if !is_word(lower[..i].chars().next_back()) && !is_word(lower[end..].chars().next()) {
            return Some(i);
        }
        start = end;
    }
    None
}

/// Copies what follows `PASSWORD` at `at` into `out` with its literals (and `FROM`/`TO` between
/// them) masked; returns where the copy stopped.
fn mask_literals(text: &str, mut at: usize, out: &mut String) -> usize {
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        let space = &rest[..rest.len() - trimmed.len()];
        let Some(quote) = trimmed.chars().next() else { return at };
        if quote == '\'' || quote == '"' {
            out.push_str(space);
            out.push(quote);
            out.push_str("***");
            let body = &trimmed[1..];
            match closing_quote(body, quote) {
                Some(end) => {
                    out.push(quote);
                    at = text.len() - body.len() + end + 1;
                }
                None => return text.len(),
            }
            continue;
        }
        let word: String = trimmed.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if !(word.eq_ignore_ascii_case("from") || word.eq_ignore_ascii_case("to")) {
            return at;
        }
        out.push_str(space);
        out.push_str(&word);
        at = text.len() - trimmed.len() + word.len();
    }
}

/// The offset of the quote closing a string literal whose body starts `body` (`\` escapes).
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::redact_cypher_passwords as redact;

    #[test]
    fn password_literals_are_masked_and_nothing_else() {
        assert_eq!(
            redact("CREATE USER x IF NOT EXISTS SET PASSWORD 's3cr\\'et' CHANGE NOT REQUIRED"),
            "CREATE USER x IF NOT EXISTS SET PASSWORD '***' CHANGE NOT REQUIRED"
        );
        assert_eq!(redact("alter user a set encrypted Password \"x\""), "alter user a set encrypted Password \"***\"");
        assert_eq!(
            redact("ALTER CURRENT USER SET PASSWORD FROM 'old' TO 'new'"),
            "ALTER CURRENT USER SET PASSWORD FROM '***' TO '***'"
        );
        assert_eq!(redact("line 1: \"SET PASSWORD 'cut of"), "line 1: \"SET PASSWORD '***");
        assert_eq!(redact("CREATE USER password SET PASSWORD $pw"), "CREATE USER password SET PASSWORD $pw");
        assert_eq!(redact("SET n.password = 'kept', n.passwords = 'k'"), "SET n.password = 'kept', n.passwords = 'k'");
    }
}
