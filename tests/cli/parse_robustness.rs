//! Bad input of any kind gives syntax errors: no panic, no stack overflow, no hang.

use cymig::syntax::parse;
/// Parses on a thread with a small (2 MiB, the test default) stack. A hang shows as a test that
/// never ends; the parser's pest call budget is what rules it out (src/syntax/budget.rs).
fn parse_bounded(text: String) -> cymig::ast::Script {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse(&text))
        .expect("spawn")
        .join()
        .expect("parse must not panic or overflow its stack")
}

fn assert_error_containing(text: String, needle: &str) {
    let script = parse_bounded(text);
    assert!(
        script.errors.iter().any(|e| e.message.contains(needle)),
        "expected an error containing {needle:?}, got {:?}",
        script.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
}

#[test]
fn deep_brackets_are_a_syntax_error() {
    for open in ["(", "[", "{", "[(", "({a:"] {
        assert_error_containing(format!("RETURN {}", open.repeat(100_000)), "nesting too deep");
    }
}

#[test]
fn long_prefix_operator_runs_are_a_syntax_error() {
    assert_error_containing(format!("RETURN {}true", "NOT ".repeat(100_000)), "nesting too deep");
    assert_error_containing(format!("RETURN {}1", "- ".repeat(100_000)), "nesting too deep");
    assert_error_containing(format!("MATCH (n:{}A) RETURN n", "!".repeat(100_000)), "nesting too deep");
}

#[test]
fn moderately_deep_nesting_still_parses() {
    let script = parse_bounded(format!("RETURN {}1{}", "(".repeat(300), ")".repeat(300)));
    assert!(script.errors.is_empty(), "{:?}", script.errors);
    let script = parse_bounded(format!("RETURN {}1{}", "[".repeat(300), "]".repeat(300)));
    assert!(script.errors.is_empty(), "{:?}", script.errors);
}

/// Also runs the backtracking check: pest's call budget is process-wide and sized from the text
/// being parsed, so a huge statement parsed concurrently would lend it a huge budget.
#[test]
fn long_operator_chains_do_not_overflow_and_backtracking_is_bounded() {
    pathological_backtracking_is_bounded();
    let chain = vec!["1"; 100_000].join(" + ");
    assert_error_containing(format!("RETURN {chain}"), "expression too long");
    let chain = vec!["a"; 100_000].join(".");
    assert_error_containing(format!("RETURN {chain}"), "too deep");
    let ok = vec!["1"; 500].join(" + ");
    assert!(parse_bounded(format!("RETURN {ok}")).errors.is_empty());
}

#[test]
fn unterminated_tokens_are_reported() {
    for text in ["RETURN 'abc", "RETURN \"abc", "RETURN `abc", "RETURN 1 /* never closed", "MATCH (n"] {
        let script = parse_bounded(text.to_string());
        assert_eq!(script.errors.len(), 1, "{text}: {:?}", script.errors);
    }
}

#[test]
fn empty_and_comment_only_inputs_have_no_statements() {
    for text in ["", "   \n", ";;;", "// only a comment", "/* a */ ; // b\n;"] {
        let script = parse_bounded(text.to_string());
        assert!(script.statements.is_empty() && script.errors.is_empty(), "{text:?}");
    }
}

fn pathological_backtracking_is_bounded() {
    // Nested constructs that fail late and could be re-read by a sibling alternative.
    for unit in ["[({a:", "[x IN [y IN ", "all(x IN any(y IN ", "({a: ({b: "] {
        let text = format!("RETURN {} 1 ,, ", unit.repeat(30));
        let script = parse_bounded(text);
        assert_eq!(script.errors.len(), 1);
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic generator over a Cypher-ish alphabet.
    let alphabet: Vec<&str> = vec![
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "'",
        "\"",
        "`",
        "/*",
        "*/",
        "//",
        "\n",
        ";",
        ":",
        ",",
        ".",
        "..",
        "-",
        ">",
        "<",
        "MATCH",
        "RETURN",
        "CREATE",
        "INDEX",
        "ON",
        "ASSERT",
        "n",
        "x",
        "1",
        "0x",
        "$",
        "|",
        "*",
        "=",
        "NOT",
        "IS",
        "NULL",
        "CALL",
        "IN",
        "TRANSACTIONS",
        "é",
        "\u{0}",
        "\\",
        "\\u",
        " ",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut text = String::new();
        let len = (seed % 40) as usize;
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let _ = parse(&text);
    }
}
