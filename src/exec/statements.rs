//! Lexical helpers for scripts the plan hands over as text (down scripts, verify queries, seed
//! scripts): splitting on `;` outside strings and comments, telling schema commands and batched
//! statements apart, and finding the driving query of a batched statement for dry-run estimates.
//! The plan's own up steps never go through here: the compiler classified them from the AST.

use crate::plan::TransactionMode;

/// Splits a script into statements on `;` outside string literals, backtick names and comments.
/// Empty statements and comment-only statements are dropped.
pub fn split(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                current.push(c);
                while let Some(d) = chars.next() {
                    current.push(d);
                    if d == '\\' && c != '`' {
                        if let Some(e) = chars.next() {
                            current.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        current.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                current.push(' ');
            }
            ';' => push_statement(&mut out, &mut current),
            _ => current.push(c),
        }
    }
    push_statement(&mut out, &mut current);
    out
}

fn push_statement(out: &mut Vec<String>, current: &mut String) {
    let text = current.trim();
    if !text.is_empty() {
        out.push(text.to_string());
    }
    current.clear();
}

/// Upper-cased words of a statement, for keyword tests.
fn words(statement: &str) -> Vec<String> {
    statement
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// `CREATE|DROP [OR REPLACE] … INDEX|CONSTRAINT …`.
pub fn is_schema(statement: &str) -> bool {
    let w = words(statement);
    let first = w.first().map(String::as_str);
    matches!(first, Some("CREATE") | Some("DROP")) && w.iter().take(6).any(|x| x == "INDEX" || x == "CONSTRAINT")
}

/// `CALL { … } IN TRANSACTIONS`, `USING PERIODIC COMMIT` or `apoc.periodic.*`: must run in an
/// auto-commit transaction.
pub fn is_batched(statement: &str) -> bool {
    let w = words(statement);
    let in_tx = w.windows(2).any(|p| p[0] == "IN" && p[1] == "TRANSACTIONS");
    let periodic = w.windows(2).any(|p| p[0] == "PERIODIC" && p[1] == "COMMIT");
    in_tx || periodic || w.iter().any(|x| x.starts_with("APOC.PERIODIC."))
}

/// The transaction mode a statement needs.
pub fn mode_of(statement: &str) -> TransactionMode {
    if is_schema(statement) || is_batched(statement) {
        TransactionMode::AutoCommit
    } else {
        TransactionMode::Explicit
    }
}

/// Groups a script into transaction units: consecutive plain statements share an explicit
/// transaction; each schema or batched statement is a unit of its own.
pub fn units(script: &str) -> Vec<(TransactionMode, Vec<String>)> {
    let mut units: Vec<(TransactionMode, Vec<String>)> = Vec::new();
    for statement in split(script) {
        let mode = mode_of(&statement);
        match units.last_mut() {
            Some((TransactionMode::Explicit, group)) if mode == TransactionMode::Explicit => group.push(statement),
            _ => units.push((mode, vec![statement])),
        }
    }
    units
}

/// For a batched statement, a read query counting the rows its batches would process, and the
/// batch size: `(count query, rows per batch)`. `None` when the shape is not recognised.
pub fn batch_estimate(statement: &str) -> Option<(String, u64)> {
    if let Some(est) = apoc_iterate_estimate(statement) {
        return Some(est);
    }
    call_in_transactions_estimate(statement)
}

/// `… CALL { BODY } IN [n CONCURRENT] TRANSACTIONS [OF n ROWS]` ending the statement, rewritten to
/// stream one row per driving row as its batch commits:
/// `… CALL { BODY WITH count(*) AS __cymig_n RETURN 1 AS __cymig_row } IN … TRANSACTIONS … RETURN __cymig_row`
/// (the added clause on a line of its own).
/// The aggregate gives exactly one row per driving row whatever BODY matched, and returns the
/// rows its batch produced after the batch commits, so counting rows as they arrive counts
/// committed rows while the step runs. Error handling is unchanged (the default `ON ERROR FAIL`).
/// Returns the query and the rows per batch; `None` when the statement does not end that way
/// (`ON ERROR`, `REPORT STATUS`, a final `RETURN`, a `UNION` body…): it runs as written.
///
/// Measured on Neo4j 5.26: `REPORT STATUS` would also count, but it returns its first row only
/// after the last batch; a returning subquery streams as batches commit.
pub fn with_row_stream(statement: &str) -> Option<(String, u64)> {
    let body = statement.trim_end().trim_end_matches(';').trim_end();
    let close = body.rfind('}')?;
    let tail = &body[close + 1..];
    if !is_in_transactions_tail(tail) || words(body).iter().any(|w| w == "UNION" || w == "__CYMIG_ROW") {
        return None;
    }
    let rows = batch_size_after(&tail.to_ascii_uppercase(), "TRANSACTIONS OF").unwrap_or(1000);
    let query = format!(
        // On a line of its own: the body may end in a `//` comment.
        "{}\nWITH count(*) AS __cymig_n RETURN 1 AS __cymig_row\n}}{tail} RETURN __cymig_row",
        body[..close].trim_end()
    );
    Some((query, rows))
}

/// `IN [n] [CONCURRENT] TRANSACTIONS [OF n ROW|ROWS]` and nothing else.
fn is_in_transactions_tail(tail: &str) -> bool {
    if !tail.chars().all(|c| c.is_ascii_alphanumeric() || c.is_whitespace()) {
        return false;
    }
    let w: Vec<String> = tail.split_whitespace().map(|w| w.to_ascii_uppercase()).collect();
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    let is_int = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let rest = match w.as_slice() {
        ["IN", "TRANSACTIONS", rest @ ..] | ["IN", "CONCURRENT", "TRANSACTIONS", rest @ ..] => rest,
        ["IN", n, "CONCURRENT", "TRANSACTIONS", rest @ ..] if is_int(n) => rest,
        _ => return false,
    };
    match rest {
        [] => true,
        ["OF", n, "ROW" | "ROWS"] => is_int(n),
        _ => false,
    }
}

/// `CALL apoc.periodic.iterate(…)`: returns one row of counters (and swallows batch errors).
pub fn is_apoc_iterate(statement: &str) -> bool {
    words(statement).iter().any(|w| w == "APOC.PERIODIC.ITERATE")
}

/// `<driving query> CALL { … } IN TRANSACTIONS [OF n ROWS]` → `<driving query> RETURN count(*)`.
fn call_in_transactions_estimate(statement: &str) -> Option<(String, u64)> {
    let upper = statement.to_ascii_uppercase();
    let call = find_call_brace(&upper)?;
    let driving = statement[..call].trim();
    let rows = batch_size_after(&upper, "IN TRANSACTIONS OF").unwrap_or(1000);
    let query =
        if driving.is_empty() { "RETURN 1 AS v".to_string() } else { format!("{driving} RETURN count(*) AS v") };
    Some((query, rows))
}

fn find_call_brace(upper: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = upper[from..].find("CALL") {
        let at = from + pos;
        let rest = upper[at + 4..].trim_start();
        // `CALL { … }`, or the scoped form `CALL (x, y) { … }` (not a procedure: no name).
        let after_scope = match rest.strip_prefix('(') {
            Some(scope) => scope.split_once(')').map_or("", |(_, after)| after.trim_start()),
            None => rest,
        };
        if after_scope.starts_with('{') {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

fn batch_size_after(upper: &str, marker: &str) -> Option<u64> {
    let normalized: String = upper.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = normalized.find(marker)? + marker.len();
    normalized[at..].split_whitespace().next()?.parse().ok()
}

/// `CALL apoc.periodic.iterate('outer', 'inner', {batchSize: n})` → `CALL { outer } RETURN count(*)`.
fn apoc_iterate_estimate(statement: &str) -> Option<(String, u64)> {
    let lower = statement.to_ascii_lowercase();
    let at = lower.find("apoc.periodic.iterate")?;
    let outer = first_string_literal(&statement[at..])?;
    let rows = lower
        .find("batchsize")
        .and_then(|b| lower[b + "batchsize".len()..].trim_start().strip_prefix(':').map(str::trim_start))
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    Some((format!("CALL {{ {outer} }} RETURN count(*) AS v"), rows))
}

/// The first single- or double-quoted literal, unescaped (`\'` → `'`, `\\` → `\`).
fn first_string_literal(text: &str) -> Option<String> {
    let start = text.find(['\'', '"'])?;
    let quote = text[start..].chars().next()?;
    let mut out = String::new();
    let mut chars = text[start + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            c if c == quote => return Some(out),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_strings_and_comments() {
        let s = split("CREATE (:A {x: 'a;b'}); // c; d\nMATCH (n) /* ; */ RETURN n;\n;  ");
        assert_eq!(s, vec!["CREATE (:A {x: 'a;b'})", "MATCH (n)   RETURN n"]);
    }

    #[test]
    fn groups_units_by_transaction_mode() {
        let u = units(
            "CREATE INDEX i FOR (n:A) ON (n.x); MATCH (n:A) SET n.y = 1; MATCH (n:B) SET n.z = 2;\n\
             MATCH (n) CALL { WITH n SET n.q = 1 } IN TRANSACTIONS OF 50 ROWS;",
        );
        let modes: Vec<_> = u.iter().map(|(m, s)| (*m, s.len())).collect();
        assert_eq!(
            modes,
            vec![(TransactionMode::AutoCommit, 1), (TransactionMode::Explicit, 2), (TransactionMode::AutoCommit, 1)]
        );
    }

    #[test]
    fn estimates_batched_statements() {
        let (q, n) = batch_estimate(
            "MATCH (p:Project) WHERE p.x IS NULL CALL { WITH p SET p.x = 1 } IN TRANSACTIONS OF 500 ROWS",
        )
        .unwrap();
        assert_eq!((q.as_str(), n), ("MATCH (p:Project) WHERE p.x IS NULL RETURN count(*) AS v", 500));
        let (q, n) =
            batch_estimate("MATCH (p:Project) WHERE p.x IS NULL\nCALL (p) { SET p.x = 1 } IN TRANSACTIONS OF 7 ROWS")
                .unwrap();
        assert_eq!((q.as_str(), n), ("MATCH (p:Project) WHERE p.x IS NULL RETURN count(*) AS v", 7));
        assert!(batch_estimate("CALL db.labels() YIELD label CALL { RETURN 1 } IN TRANSACTIONS").is_some());
        let (q, n) = batch_estimate(
            "CALL apoc.periodic.iterate('MATCH (c:Customer) WHERE c.status IS NULL RETURN c', 'SET c.status = \\'active\\'', {batchSize: 2000, parallel: false})",
        )
        .unwrap();
        assert_eq!(
            (q.as_str(), n),
            ("CALL { MATCH (c:Customer) WHERE c.status IS NULL RETURN c } RETURN count(*) AS v", 2000)
        );
    }

    #[test]
    fn row_stream_only_for_a_trailing_call_in_transactions() {
        let (q, n) = with_row_stream("MATCH (p:P)\nCALL (p) { SET p.x = 1 } IN TRANSACTIONS OF 100 ROWS;").unwrap();
        assert_eq!(q, "MATCH (p:P)\nCALL (p) { SET p.x = 1\nWITH count(*) AS __cymig_n RETURN 1 AS __cymig_row\n} IN TRANSACTIONS OF 100 ROWS RETURN __cymig_row");
        let (q, _) = with_row_stream("MATCH (p:P) CALL (p) {\n  SET p.x = 1 // the flag\n} IN TRANSACTIONS").unwrap();
        assert!(q.contains("// the flag\nWITH count(*)"), "{q}");
        assert_eq!(n, 100);
        let (_, n) = with_row_stream(
            "UNWIND range(1, 9) AS i CALL (i) { CREATE (:A {i: i}) } IN 2 CONCURRENT TRANSACTIONS OF 3 ROWS",
        )
        .unwrap();
        assert_eq!(n, 3);
        assert_eq!(with_row_stream("MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS").map(|(_, n)| n), Some(1000));
        for unchanged in [
            "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10 ROWS ON ERROR CONTINUE",
            "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10 ROWS REPORT STATUS AS s RETURN s",
            "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF $size ROWS",
            "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS // done",
            "MATCH (n) CALL (n) { CREATE (:A) UNION CREATE (:B) } IN TRANSACTIONS",
            "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'SET n.x = 1', {batchSize: 10})",
        ] {
            assert_eq!(with_row_stream(unchanged), None, "{unchanged}");
        }
    }
}
