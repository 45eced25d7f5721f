//! Differential test against Neo4j's own front end (../shared/oracle/run): a fixed sample of
//! statements — every statement of the fixtures and our migrations, hand-written edge cases, the
//! TCK's grammar-level error queries — must get the same accept/reject verdict from both parsers,
//! except the disagreements listed with their conclusion in tests/oracle_disagreements.txt.
//!
//! Runs only when ../shared/oracle (or $CYMIG_SHARED_DIR/oracle) exists and node and npm work;
//! otherwise it prints why it skipped. The oracle takes ~20 ms a statement: keep the sample small.
//!
//! Verdicts: the oracle rejects when it reports syntax errors (its semantic errors — unbound
//! variables, typing — are not the parser's business). Neo4j 5 rejects the legacy 4.x forms
//! (`ON … ASSERT`, `exists(n.p)`, …) that cymig parses on purpose, to report them with a fix: those
//! are listed as intended disagreements.

use cymig::span::Span;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// At most this many statements go to the oracle (it is slow and single-threaded).
const MAX_SAMPLE: usize = 150;

struct Case {
    id: String,
    query: String,
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

use crate::support::shared_dir;

fn works(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Why the test cannot run here, if it cannot.
fn skip_reason(oracle: &Path) -> Option<String> {
    if !oracle.exists() {
        return Some(format!("{} not found (set CYMIG_SHARED_DIR)", oracle.display()));
    }
    if !works("node") || !works("npm") {
        return Some("node and npm are needed to run the oracle".into());
    }
    if cymig::syntax::parse("RETURN 1").statements.is_empty() {
        return Some("the parser is still a stub".into());
    }
    None
}

/// Hand-written statements at the grammar's edges, accepted and rejected ones.
const GENERATED: &[(&str, &str)] = &[
    ("gen:keyword-names", "MATCH (match:Match {return: 1}) RETURN match.return AS `order`"),
    ("gen:keyword-prefix-ident", "MATCH (n) WITH n AS matches, n AS returnValue RETURN matches, returnValue"),
    ("gen:label-expression", "MATCH (n:(A|B)&!C) RETURN n"),
    ("gen:wildcard-label", "MATCH (n:%) RETURN count(n)"),
    ("gen:qpp", "MATCH (a:Station)((x)-[:LINK]->(y)){1,3}(b:Station) RETURN a, b"),
    ("gen:shortest", "MATCH p = SHORTEST 1 (a:A)-[:R]-+(b:B) RETURN p"),
    ("gen:shortestPath", "MATCH p = shortestPath((a:A)-[*..5]-(b:B)) RETURN p"),
    ("gen:call-scope", "MATCH (n:Person) CALL (n) { SET n.seen = true } IN TRANSACTIONS OF 500 ROWS"),
    ("gen:call-concurrent", "MATCH (n:P) CALL (n) { DETACH DELETE n } IN 4 CONCURRENT TRANSACTIONS OF 100 ROWS ON ERROR CONTINUE REPORT STATUS AS s RETURN s"),
    ("gen:call-retry", "UNWIND range(1, 10) AS i CALL (i) { CREATE (:N {i: i}) } IN TRANSACTIONS ON ERROR RETRY FOR 3 SECONDS THEN FAIL"),
    ("gen:call-star", "MATCH (n) CALL (*) { RETURN n.x AS x } RETURN x"),
    ("gen:optional-call", "MATCH (n) OPTIONAL CALL (n) { MATCH (n)-->(m) RETURN m } RETURN n, m"),
    ("gen:load-csv", "LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS row FIELDTERMINATOR ';' MERGE (:Person {id: row.id})"),
    ("gen:foreach", "MATCH p = (a)-->(b) FOREACH (n IN nodes(p) | SET n.marked = true)"),
    ("gen:merge-actions", "MERGE (n:Person {id: 1}) ON CREATE SET n.created = timestamp() ON MATCH SET n.seen = n.seen + 1"),
    ("gen:set-forms", "MATCH (n:A) SET n += {a: 1}, n:B:C, n.x = null SET n = properties(n)"),
    ("gen:case-forms", "RETURN CASE 1 WHEN 1 THEN 'a' ELSE 'b' END, CASE WHEN true THEN 1 END"),
    ("gen:subquery-exprs", "MATCH (n) WHERE EXISTS { (n)-->() } AND COUNT { (n)-->() } > 1 RETURN COLLECT { MATCH (n)-->(m) RETURN m.name } AS names"),
    ("gen:type-predicate", "MATCH (n) WHERE n.x IS :: INTEGER NOT NULL RETURN n"),
    ("gen:string-ops", "MATCH (n) WHERE n.a STARTS WITH 'x' AND n.b ENDS WITH 'y' AND n.c CONTAINS 'z' AND n.d =~ '.*' RETURN n"),
    ("gen:comprehensions", "RETURN [x IN range(1,10) WHERE x % 2 = 0 | x * x][1..3] AS xs, [(a)-->(b) | b.name] AS names"),
    ("gen:map-projection", "MATCH (n) RETURN n {.name, .age, answer: 42, .*} AS m"),
    ("gen:number-literals", "RETURN 0x1F, 0o17, 1_000_000, 1.5e-3, .5, 1E10, -9223372036854775808"),
    ("gen:string-escapes", "RETURN 'it\\'s', \"a \\\"q\\\"\", '\\u00e9\\n\\t'"),
    ("gen:namespaced-fn", "RETURN apoc.text.join(['a', 'b'], ',') AS s"),
    ("gen:count-star", "MATCH (n) RETURN count(*) AS c, count(DISTINCT n) AS d"),
    ("gen:union", "RETURN 1 AS x UNION ALL RETURN 2 AS x UNION RETURN 3 AS x"),
    ("gen:cypher-prefix", "CYPHER 5 EXPLAIN MATCH (n) RETURN n"),
    ("gen:use", "USE neo4j MATCH (n) RETURN n"),
    ("gen:create-constraint-key", "CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE (n.first, n.last) IS NODE KEY OPTIONS {}"),
    ("gen:create-constraint-rel", "CREATE CONSTRAINT since_type FOR ()-[r:KNOWS]-() REQUIRE r.since IS :: DATE"),
    ("gen:create-constraint-notnull", "CREATE CONSTRAINT name_exists FOR (n:Person) REQUIRE n.name IS NOT NULL"),
    ("gen:create-index-text", "CREATE TEXT INDEX person_name_text IF NOT EXISTS FOR (n:Person) ON (n.name)"),
    ("gen:create-index-fulltext", "CREATE FULLTEXT INDEX titles FOR (n:Movie|Book) ON EACH [n.title, n.subtitle] OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}"),
    ("gen:create-index-vector", "CREATE VECTOR INDEX emb IF NOT EXISTS FOR (n:Doc) ON n.embedding OPTIONS {indexConfig: {`vector.dimensions`: 1536, `vector.similarity_function`: 'cosine'}}"),
    ("gen:create-index-point", "CREATE POINT INDEX loc FOR ()-[r:AT]-() ON (r.location)"),
    ("gen:create-index-lookup", "CREATE LOOKUP INDEX node_labels IF NOT EXISTS FOR (n) ON EACH labels(n)"),
    ("gen:drop-index", "DROP INDEX person_name IF EXISTS"),
    ("gen:drop-constraint", "DROP CONSTRAINT person_key IF EXISTS"),
    ("gen:show-indexes", "SHOW RANGE INDEXES YIELD name, state WHERE state <> 'ONLINE' RETURN name"),
    ("gen:show-constraints", "SHOW CONSTRAINTS"),
    ("gen:show-transactions", "SHOW TRANSACTIONS YIELD transactionId, elapsedTime WHERE elapsedTime > duration('PT1H') RETURN transactionId"),
    ("gen:terminate", "TERMINATE TRANSACTIONS 'neo4j-transaction-1'"),
    ("gen:call-procedure-yield", "CALL db.labels() YIELD label WHERE label STARTS WITH 'P' RETURN label"),
    ("gen:call-implicit", "CALL db.awaitIndexes(300)"),
    ("gen:comments", "MATCH (n) /* block ; comment */ RETURN n // line ; comment"),
    ("gen:backtick-escape", "MATCH (n:`We``ird Label`) RETURN n.`a b`"),
    ("gen:legacy-constraint", "CREATE CONSTRAINT ON (n:Person) ASSERT n.id IS UNIQUE"),
    ("gen:legacy-exists-constraint", "CREATE CONSTRAINT ON (n:Person) ASSERT exists(n.name)"),
    ("gen:legacy-index", "CREATE INDEX ON :Person(name)"),
    ("gen:legacy-drop-index", "DROP INDEX ON :Person(name)"),
    ("gen:legacy-exists-fn", "MATCH (n:Person) WHERE exists(n.name) RETURN n"),
    ("gen:legacy-param", "MATCH (n:Person {id: {id}}) RETURN n"),
    ("gen:legacy-periodic-commit", "USING PERIODIC COMMIT 500 LOAD CSV FROM 'file:///x.csv' AS row CREATE (:X {v: row[0]})"),
    ("gen:legacy-start", "START n=node(1, 2), r=rel:knows(since = 2020) RETURN n, r"),
    ("gen:legacy-create-unique", "MATCH (a:A), (b:B) CREATE UNIQUE (a)-[:R]->(b)"),
    ("gen:legacy-has", "MATCH (n) WHERE has(n.email) RETURN n"),
    ("gen:btree-index", "CREATE BTREE INDEX idx FOR (n:Person) ON (n.name)"),
    ("gen:bad-missing-paren", "MATCH (n:Person {name: 'Ann'} RETURN n"),
    ("gen:bad-unclosed-map", "MATCH (n:Person {name: 'Ann' SET n.active = true"),
    ("gen:bad-trailing-comma", "RETURN 1, 2,"),
    ("gen:bad-keyword-only", "MATCH"),
    ("gen:bad-double-where", "MATCH (n) WHERE WHERE n.x RETURN n"),
    ("gen:bad-order-without-by", "MATCH (n) RETURN n ORDER n.name"),
    ("gen:bad-unterminated-string", "RETURN 'abc"),
    ("gen:bad-unterminated-comment", "RETURN 1 /* never closed"),
    ("gen:bad-rel-both-arrows", "MATCH (a)<-[:R]->(b) RETURN a"),
    ("gen:bad-create-index-no-on", "CREATE INDEX idx FOR (n:Person)"),
    ("gen:bad-set-no-value", "MATCH (n) SET n.x = RETURN n"),
    ("gen:bad-int-overflow", "RETURN 9223372036854775808"),
    ("gen:bad-float-overflow", "RETURN 1e309"),
    ("gen:bad-prefix-keyword", "MATCHX (n) RETURN n"),
    ("gen:bad-unicode-escape", "RETURN '\\uZZZZ'"),
    ("gen:trim-forms", "RETURN trim(BOTH 'x' FROM 'xax'), trim(LEADING FROM ' a'), trim('x' FROM 'xa'), trim(FROM ' a'), trim(' a ')"),
    ("gen:trim-variable-named-both", "WITH ' a ' AS both RETURN trim(both) AS s"),
    ("gen:normalize-form", "RETURN normalize('a', NFKC) AS a, normalize('a', nfd) AS b"),
    ("gen:is-normalized", "MATCH (n) WHERE n.name IS NOT NFC NORMALIZED OR n.alias IS NORMALIZED RETURN n"),
    ("gen:case-extended", "RETURN CASE 3 WHEN > 5 THEN 'a' WHEN IS NULL THEN 'n' WHEN 1, 2 THEN 'b' WHEN :: STRING THEN 's' WHEN <= 1 IS NULL THEN 't' ELSE 'c' END AS s"),
    ("gen:case-extended-string", "RETURN CASE 'ab' WHEN STARTS WITH 'a' THEN 1 WHEN ENDS WITH 'b' THEN 2 WHEN =~ 'a.*' THEN 3 WHEN IS NOT NORMALIZED THEN 4 END AS s"),
    ("gen:float-keywords", "RETURN INF AS a, -Infinity AS b, NaN AS c, nan <> nan AS d"),
    ("gen:comprehension-label-bar", "MATCH (n) RETURN [x IN [n] WHERE x:A | x] AS a, [x IN [n] WHERE x:A|B | x.name] AS b"),
    ("gen:pattern-comprehension-label-bar", "MATCH (a) RETURN [(a)-->(b:B) WHERE b:C | b] AS a, [(a)-->(b) WHERE b:C|D | b.name] AS b"),
    ("gen:relationship-where-label-bar", "MATCH ()-[r WHERE r:A|B]->() RETURN [r:A|B] AS s"),
    ("gen:bad-case-extended-and", "RETURN CASE 3 WHEN > 1 AND true THEN 1 END AS s"),
    ("gen:bad-case-extended-chained", "RETURN CASE 3 WHEN > 1 = 2 THEN 1 END AS s"),
    ("gen:bad-case-extended-contains", "RETURN CASE 'ab' WHEN CONTAINS 'x' THEN 1 END AS s"),
    ("gen:bad-case-extended-no-subject", "RETURN CASE WHEN > 5 THEN 1 END AS s"),
    ("gen:bad-case-extended-label", "MATCH (n) RETURN CASE n WHEN IS A THEN 1 END AS s"),
];

/// Each statement of every .cypher file in fixtures/ and migrations/, as our parser splits them.
fn file_statements() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in ["fixtures", "migrations"] {
        for entry in walkdir::WalkDir::new(repo().join(dir)).sort_by_file_name().into_iter().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "cypher") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let name = path.strip_prefix(repo()).unwrap_or(path).display().to_string();
            let script = cymig::syntax::parse(&text);
            let mut spans: Vec<Span> = script.statements.iter().map(|s| s.span).collect();
            spans.extend(script.errors.iter().map(|e| e.statement_span));
            spans.sort_by_key(|s| s.start);
            for (i, span) in spans.iter().enumerate() {
                cases.push(Case { id: format!("{name}#{}", i + 1), query: span.text(&text).to_string() });
            }
        }
    }
    cases
}

/// The TCK queries whose rejection is the parser's job (see ../shared/tck/README.md).
fn tck_grammar_errors() -> Vec<Case> {
    let Ok(text) = std::fs::read_to_string(shared_dir().join("tck/tck.jsonl")) else { return Vec::new() };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["role"] == "main")
        .filter(|v| {
            let tags = v["tags"].to_string();
            let expect = v["expect"].as_str().unwrap_or("");
            tags.contains("skipGrammarCheck")
                || expect.contains("IntegerOverflow")
                || expect.contains("FloatingPointOverflow")
        })
        .filter_map(|v| {
            Some(Case { id: format!("tck:{}", v["id"].as_str()?), query: v["query"].as_str()?.to_string() })
        })
        .collect()
}

fn sample() -> Vec<Case> {
    let mut cases: Vec<Case> =
        GENERATED.iter().map(|(id, query)| Case { id: id.to_string(), query: query.to_string() }).collect();
    cases.extend(tck_grammar_errors());
    let room = MAX_SAMPLE.saturating_sub(cases.len());
    let files = file_statements();
    // An even spread over the file statements when they do not all fit.
    let step = files.len().div_ceil(room.max(1)).max(1);
    cases.extend(files.into_iter().step_by(step));
    cases.truncate(MAX_SAMPLE);
    cases
}

/// The oracle's verdict per id: `true` when Neo4j's parser accepts the statement.
fn oracle_accepts(oracle: &Path, cases: &[Case]) -> BTreeMap<String, (bool, String)> {
    let mut child = Command::new(oracle)
        .args(["--version", "CYPHER 5", "--schema", "none", "--stages", "lint,neo4j"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    {
        let mut stdin = child.stdin.take().expect("oracle stdin");
        for case in cases {
            let line = serde_json::json!({ "id": case.id, "query": case.query });
            writeln!(stdin, "{line}").expect("write to the oracle");
        }
    }
    let output = child.wait_with_output().expect("the oracle finishes");
    assert!(output.status.success(), "the oracle failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| {
            let errors = v["syntax_errors"].as_array().cloned().unwrap_or_default();
            let first = errors
                .first()
                .and_then(|e| e["message"].as_str())
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            (v["id"].as_str().unwrap_or("").to_string(), (errors.is_empty(), first))
        })
        .collect()
}

/// `id | conclusion` lines; `#` starts a comment.
fn known_disagreements() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo().join("tests/oracle_disagreements.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('|').map(|(id, why)| (id.trim().to_string(), why.trim().to_string())))
        .collect()
}

#[test]
fn our_parser_agrees_with_neo4j_on_the_sample() {
    let oracle = shared_dir().join("oracle/run");
    if let Some(reason) = skip_reason(&oracle) {
        eprintln!("skipped: differential test with the oracle: {reason}");
        return;
    }
    let cases = sample();
    let verdicts = oracle_accepts(&oracle, &cases);
    let known = known_disagreements();
    let mut unexplained = Vec::new();
    let mut agreeing_known = Vec::new();
    for case in &cases {
        let script = cymig::syntax::parse(&case.query);
        let ours = script.errors.is_empty() && !script.statements.is_empty();
        let Some((theirs, their_message)) = verdicts.get(&case.id) else {
            unexplained.push(format!("{}: no verdict from the oracle", case.id));
            continue;
        };
        if ours == *theirs {
            if known.contains_key(&case.id) {
                agreeing_known.push(case.id.clone());
            }
            continue;
        }
        if !known.contains_key(&case.id) {
            let our_message = script.errors.first().map_or("", |e| e.message.as_str());
            unexplained.push(format!(
                "{}: cymig {}, Neo4j {}\n  query: {:?}\n  cymig: {our_message}\n  neo4j: {their_message}",
                case.id,
                if ours { "accepts" } else { "rejects" },
                if *theirs { "accepts" } else { "rejects" },
                case.query
            ));
        }
    }
    eprintln!("{} statements compared with the oracle", cases.len());
    if !agreeing_known.is_empty() {
        eprintln!("listed in oracle_disagreements.txt but now agreeing (remove them): {}", agreeing_known.join(", "));
    }
    assert!(
        unexplained.is_empty(),
        "{} disagreement(s) with Neo4j's parser not in tests/oracle_disagreements.txt:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}
