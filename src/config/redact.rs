//! Settings for display: secrets in them masked.

use std::ops::Range;

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
/// `SET ENCRYPTED PASSWORD 'x'`, `SET PASSWORD FROM 'a' TO 'b'`, the password argument of the
/// 4.x procedures `dbms.security.createUser`, `changePassword` and `changeUserPassword`) masked
/// as `'***'`. A literal cut off (a server message quoting part of a statement) is masked to its
/// end.
pub fn redact_cypher_passwords(text: &str) -> String {
    if !mentions_password(text) {
        return text.to_string();
    }
    replace_literals(text, &scan(text, 0..text.len(), TextKind::Other), |_| "***".to_string())
}

/// Cypher source for display with every position kept: each character of a password literal is
/// replaced by one of the same UTF-8 length (`*` for ASCII), line breaks stay. Byte offsets,
/// lines, character and UTF-16 columns are those of the original, so spans and carets computed
/// on the file point at the same place in the masked text. The length of a password shows; its
/// characters do not.
pub fn mask_cypher_passwords(text: &str, kind: TextKind) -> String {
    replace_literals(text, &password_literals(text, kind), |body| body.chars().map(same_length_mask).collect())
}

/// The byte ranges of the bodies (between the quotes) of the password literals of Cypher source,
/// in order. A string literal, a name in backticks or a comment is read as a text of its own (a
/// `password` in one does not reach past its end), so a statement in a string (run by a
/// procedure) or commented out is masked too.
pub fn password_literals(text: &str, kind: TextKind) -> Vec<Range<usize>> {
    if !mentions_password(text) {
        return Vec::new();
    }
    scan(text, 0..text.len(), kind)
}

/// How a text is read for passwords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// A Cypher file: string literals, names in backticks and comments are known.
    Cypher,
    /// Any other text (a comment, a message, an XML changelog, whose quotes are not Cypher's):
    /// every `password` word counts.
    Other,
}

/// The password literal bodies in `range` of `text`.
fn scan(text: &str, range: Range<usize>, mode: TextKind) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let rest = &text[at..range.end];
        let Some(c) = rest.chars().next() else { break };
        if mode == TextKind::Cypher {
            // A string's text may be Cypher (`apoc.cypher.runSchema('CREATE USER …')`): read as
            // any text, within the string.
            if matches!(c, '\'' | '"' | '`') {
                let end = closing_quote(&text[at + 1..range.end], c).map_or(range.end, |end| at + 1 + end);
                found.extend(scan(text, at + 1..end, TextKind::Other));
                at = (end + 1).min(range.end);
                continue;
            }
            if let Some(end) = comment_end(rest) {
                found.extend(scan(text, at..at + end, TextKind::Other));
                at += end;
                continue;
            }
        }
        if !is_word_char(c) {
            at += c.len_utf8();
            continue;
        }
        let word_end = at + rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        let word = &text[at..word_end];
        let literals = if word.eq_ignore_ascii_case("password") {
            keyword_literals(&text[..range.end], word_end)
        } else if let Some(argument) = password_argument(word) {
            procedure_argument(&text[..range.end], word_end, argument).into_iter().collect()
        } else {
            Vec::new()
        };
        at = literals.last().map_or(word_end, |body| (body.end + 1).min(range.end));
        found.extend(literals);
    }
    found
}

/// Which argument (0-based) of the 4.x user procedures is the password.
fn password_argument(name: &str) -> Option<usize> {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is("changePassword") {
        Some(0)
    } else if is("createUser") || is("changeUserPassword") {
        Some(1)
    } else {
        None
    }
}

/// The length of the comment `text` starts with, if it starts with one.
fn comment_end(text: &str) -> Option<usize> {
    if text.starts_with("//") {
        return Some(text.find('\n').unwrap_or(text.len()));
    }
    text.strip_prefix("/*").map(|body| body.find("*/").map_or(text.len(), |end| end + 4))
}

/// The password literals of one text, to find them again where a message or a fix quotes them.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    /// Each literal as written, quotes included (`'s3cret'`), longest first.
    quoted: Vec<Quoted>,
    /// Each literal's value, escapes undone (what the AST holds).
    values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Quoted {
    open: &'static str,
    value: String,
    /// Empty when the literal is cut off.
    close: &'static str,
}

impl Quoted {
    fn written(&self) -> String {
        format!("{}{}{}", self.open, self.value, self.close)
    }
}

impl Secrets {
    pub fn of(text: &str, kind: TextKind) -> Secrets {
        let mut secrets = Secrets::default();
        for body in password_literals(text, kind) {
            let value = &text[body.clone()];
            let Some(open) = quote_before(&text[..body.start]).filter(|_| !value.is_empty()) else { continue };
            let close = if text[body.end..].starts_with(open) { open } else { "" };
            secrets.quoted.push(Quoted { open, value: value.to_string(), close });
            secrets.values.push(unescaped(value));
        }
        secrets.quoted.sort_by_key(|q| std::cmp::Reverse(q.value.len()));
        secrets.quoted.dedup();
        secrets
    }

    pub fn is_empty(&self) -> bool {
        self.quoted.is_empty()
    }

    /// `text` (a message, a help, a fix's replacement) with the password literals it writes
    /// out masked as `'***'`, also where it quotes one without its `PASSWORD` keyword.
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact_cypher_passwords(text);
        for quoted in &self.quoted {
            let written = quoted.written();
            if out.contains(&written) {
                out = out.replace(&written, &format!("{}***{}", quoted.open, quoted.close));
            }
        }
        out
    }

    /// Whether [`Secrets::redact`] may change `text` (a quick test, to copy nothing otherwise).
    pub fn may_show_in(&self, text: &str) -> bool {
        mentions_password(text) || self.quoted.iter().any(|q| text.contains(&q.written()))
    }

    /// Whether `value` (a string of the AST) is one of the passwords.
    pub fn is_password(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }
}

/// Cheap test before the scan: every form names `password` or `createUser`.
fn mentions_password(text: &str) -> bool {
    let bytes = text.as_bytes();
    let at = |i: usize, word: &[u8]| bytes.get(i..i + word.len()).is_some_and(|b| b.eq_ignore_ascii_case(word));
    (0..bytes.len()).any(|i| match bytes[i] {
        b'p' | b'P' => at(i, b"password"),
        b'c' | b'C' => at(i, b"createuser"),
        _ => false,
    })
}

fn replace_literals(text: &str, bodies: &[Range<usize>], mask: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for body in bodies.iter().cloned() {
        out.push_str(&text[at..body.start]);
        out.push_str(&mask(&text[body.clone()]));
        at = body.end;
    }
    out.push_str(&text[at..]);
    out
}

fn same_length_mask(c: char) -> char {
    match c.len_utf8() {
        _ if c == '\n' || c == '\r' => c,
        1 => '*',
        2 => '\u{d7}',
        3 => '\u{2217}',
        _ => '\u{1d7ce}',
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The literals after `PASSWORD` at `at` (several with `FROM` and `TO` between them).
fn keyword_literals(text: &str, mut at: usize) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    loop {
        at = skip_blank(text, at);
        let rest = &text[at..];
        if let Some(quote) = opening_quote(rest) {
            let body = at + quote.len();
            let end = literal_end(&text[body..], quote).map_or(text.len(), |end| body + end);
            found.push(body..end);
            at = (end + quote.len()).min(text.len());
            continue;
        }
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if !(word.eq_ignore_ascii_case("from") || word.eq_ignore_ascii_case("to")) {
            return found;
        }
        at += word.len();
    }
}

/// The quotes a password literal may be written with: Cypher's, Cypher's escaped inside another
/// string (`apoc.cypher.runSchema('… SET PASSWORD \'x\'', {})`), and XML's entities.
const QUOTES: [&str; 6] = ["'", "\"", "\\'", "\\\"", "&apos;", "&quot;"];

/// The quote `text` starts with.
fn opening_quote(text: &str) -> Option<&'static str> {
    QUOTES.into_iter().find(|q| text.starts_with(q))
}

/// The quote that `text` (up to the start of a literal's body) ends with.
fn quote_before(text: &str) -> Option<&'static str> {
    QUOTES.into_iter().rev().find(|q| text.ends_with(q))
}

/// Where the literal opened by `quote`, whose body starts `body`, ends.
fn literal_end(body: &str, quote: &str) -> Option<usize> {
    match quote {
        "'" | "\"" => closing_quote(body, quote.chars().next()?),
        _ => body.find(quote),
    }
}

/// The body of the string literal passed as argument `wanted` (0-based) of the call whose name
/// ends at `at`, if the name is followed by an argument list.
fn procedure_argument(text: &str, at: usize, wanted: usize) -> Option<Range<usize>> {
    let mut at = skip_blank(text, at);
    if !text[at..].starts_with('(') {
        return None;
    }
    let (mut argument, mut depth) = (0, 0usize);
    at += 1;
    while at < text.len() {
        at = skip_blank(text, at);
        let c = text[at..].chars().next()?;
        match c {
            '\'' | '"' => {
                let body = at + 1;
                let end = closing_quote(&text[body..], c).map_or(text.len(), |end| body + end);
                if argument == wanted && depth == 0 {
                    return Some(body..end);
                }
                at = end + 1;
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return None,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => argument += 1,
            _ => {}
        }
        if argument > wanted {
            return None;
        }
        at += c.len_utf8();
    }
    None
}

/// The offset after any whitespace and comments (`//…`, `/*…*/`) at `at`.
fn skip_blank(text: &str, mut at: usize) -> usize {
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if let Some(comment) = trimmed.strip_prefix("/*") {
            at += comment.find("*/").map_or(trimmed.len(), |end| end + 4);
        } else {
            return at;
        }
    }
}

/// The offset of the quote closing a string literal whose body starts `body` (`\` escapes, but
/// not in a name in backticks).
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quote != '`' => escaped = true,
            c if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// A literal's body with its backslash escapes undone (`\'` is `'`); `\n` and the like are
/// left as the letter, close enough to recognise the value.
fn unescaped(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut escaped = false;
    for c in body.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_cypher_passwords as redact;
    use super::{mask_cypher_passwords, Secrets, TextKind};

    fn mask(text: &str) -> String {
        mask_cypher_passwords(text, TextKind::Cypher)
    }

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

    #[test]
    fn masking_keeps_every_position() {
        let text = "CREATE USER a SET PLAINTEXT PASSWORD 'héllo𝄞x' CHANGE NOT REQUIRED;\nRETURN 1;\n";
        let masked = mask(text);
        assert_eq!(
            masked,
            "CREATE USER a SET PLAINTEXT PASSWORD '*\u{d7}***\u{1d7ce}*' CHANGE NOT REQUIRED;\nRETURN 1;\n"
        );
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked.chars().count(), text.chars().count());
        assert_eq!(masked.encode_utf16().count(), text.encode_utf16().count());
        assert_eq!(mask("SET PASSWORD\n  'multi\nline' x"), "SET PASSWORD\n  '*****\n****' x");
    }

    #[test]
    fn every_form_of_a_password_is_masked_in_source() {
        let cases = [
            (
                "ALTER CURRENT USER SET PASSWORD FROM 'old' TO \"new\"",
                "ALTER CURRENT USER SET PASSWORD FROM '***' TO \"***\"",
            ),
            ("SET ENCRYPTED PASSWORD '1,abc,def'", "SET ENCRYPTED PASSWORD '*********'"),
            ("SET PASSWORD /* why */ 'abc'", "SET PASSWORD /* why */ '***'"),
            (
                "CALL dbms.security.createUser('bob', 'abc', false)",
                "CALL dbms.security.createUser('bob', '***', false)",
            ),
            (
                "CALL dbms.security.changeUserPassword('a,b', \"abc\")",
                "CALL dbms.security.changeUserPassword('a,b', \"***\")",
            ),
            ("CALL dbms.changePassword( 'abc' )", "CALL dbms.changePassword( '***' )"),
            ("CALL dbms.security.createUser('password', 'abc')", "CALL dbms.security.createUser('password', '***')"),
            ("// SET PASSWORD 'abc' (don't)\nRETURN 1", "// SET PASSWORD '***' (don't)\nRETURN 1"),
            ("SET PASSWORD $pw", "SET PASSWORD $pw"),
            ("CREATE USER `a\\` SET PASSWORD 'abc'", "CREATE USER `a\\` SET PASSWORD '***'"),
            (
                "CALL apoc.cypher.runSchema('CREATE USER a SET PASSWORD \\'abc\\'', {})",
                "CALL apoc.cypher.runSchema('CREATE USER a SET PASSWORD \\'***\\'', {})",
            ),
            ("RETURN \"SET PASSWORD 'abc'\" AS s", "RETURN \"SET PASSWORD '***'\" AS s"),
        ];
        for (text, masked) in cases {
            assert_eq!(mask(text), masked, "{text}");
        }
    }

    #[test]
    fn a_password_inside_a_string_or_name_is_no_keyword() {
        let text = "MATCH (u) WHERE u.hint = 'no password' AND u.`password` = 'x' RETURN 'kept'";
        assert_eq!(mask(text), text);
    }

    #[test]
    fn xml_quotes_are_known() {
        let xml = "<query>CREATE USER a SET PASSWORD &apos;abc&apos;</query>";
        assert_eq!(mask_cypher_passwords(xml, TextKind::Other), xml.replace("abc", "***"));
        let secrets = Secrets::of(xml, TextKind::Other);
        assert_eq!(secrets.redact("`&apos;abc&apos;`"), "`&apos;***&apos;`");
    }

    #[test]
    fn secrets_are_found_again_where_a_message_quotes_them() {
        let secrets = Secrets::of("CREATE USER a SET PASSWORD 'it\\'s' CHANGE NOT REQUIRED", TextKind::Cypher);
        assert_eq!(secrets.redact("`'it\\'s' CHANGE NOT REQUIRED` is odd"), "`'***' CHANGE NOT REQUIRED` is odd");
        assert_eq!(secrets.redact("SET PASSWORD \"x\""), "SET PASSWORD \"***\"");
        assert!(secrets.is_password("it's"));
        assert!(Secrets::of("RETURN 'x'", TextKind::Cypher).is_empty());
    }
}
