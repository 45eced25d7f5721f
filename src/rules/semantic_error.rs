use super::*;
use crate::diagnostic::Edit;

pub struct SemanticError;

pub static META: RuleMeta = RuleMeta {
    summary: "A statement that parses but that Neo4j's semantic analysis rejects",
    docs: r#"## What it does
Checks what Neo4j's front end checks after parsing, and a grammar cannot:

- **clause order**: a `WITH` between an updating clause (`CREATE`, `MERGE`, `SET`, `REMOVE`,
  `DELETE`, `FOREACH`) and a following `MATCH`, `OPTIONAL MATCH`, `UNWIND`, `CALL` or
  `LOAD CSV`; `RETURN` and `FINISH` only last; a query ends in `RETURN`, `FINISH`, an updating
  clause, a unit subquery or a procedure call without `YIELD`; `FOREACH` holds only updating
  clauses; `EXISTS`/`COUNT`/`COLLECT` subqueries do not write; `UNION` parts agree on their
  column names and do not mix `UNION` and `UNION ALL`;
- **variables bound twice**: `MATCH (a) CREATE (a:X)`, `MATCH (a) MERGE (a)`, a bound
  relationship in `CREATE`/`MERGE`, a path variable that is already a variable, `UNWIND … AS x`
  or `YIELD x` over a bound `x`, a subquery returning a name the outer query has, two result
  columns with one name, an unaliased expression in `WITH`;
- **aggregation**: an aggregate outside `WITH`/`RETURN` (in `MATCH … WHERE`, `SET`, a pattern,
  `UNWIND`…), inside another aggregate or a list comprehension, beside a variable that is not
  a grouping key (`RETURN n.x + count(*)`), or in the ORDER BY of a projection that does not
  aggregate;
- **CREATE and MERGE patterns**: label expressions (`CREATE (n:A|B)`), a relationship without
  exactly one type, an undirected or variable-length relationship in `CREATE`; `DELETE n:Label`;
- **literal types**: a number, string, list or map written as an operand of `AND`, `OR`,
  `XOR` or `NOT` (`WHERE n.active AND 1`), a right side of `IN` that is a literal but not a list
  (`n.age IN 30`), a float or negative number after `SKIP` or `LIMIT`. Only literals: a
  variable, property, call or parameter may hold the right type when the query runs;
- **variable kinds**: a variable bound as a relationship used as a node (`MATCH ()-[r]->()
  MATCH (r)`), or one name both in one pattern (`MATCH (r)-[r]->()`), also through `WITH r AS x`;
  a literal a `WITH` projects (`WITH 'Alice' AS name MATCH (name)`) or the list a
  variable-length relationship binds (`MATCH ()-[r*]->() MATCH (r)`) used as a node or a single
  relationship of a `MATCH`. Quantified paths are left alone;
- **function calls**: a built-in function given too few or too many arguments (`toUpper(a, b)`,
  `substring(s)`), and a function without a namespace that is no built-in (`to_upper(s)`,
  `toInt(s)`, removed in Neo4j 4.0). Neo4j allows no user-defined function in the default
  namespace, so such a name fails on every server; namespaced functions (`apoc.*`, your own)
  are never reported;
- **procedure calls**: a built-in procedure (`db.*`, `dbms.*`, `tx.*` of Neo4j 5) given too
  few or too many arguments, or a `YIELD` of a column it does not have. Plugin procedures and
  those of Neo4j 4 are not checked;
- **types that are certain**: a value whose type the query itself fixes (a node, relationship or
  path a pattern binds, a literal, a comprehension's variable over a literal list, passed on by
  `WITH`) given to what never takes it: `type(n)` on a node, `labels(p)` or `size(p)` on a
  path, `properties(1)`, a path's property (`p.name`), `-`, `*`, `/`, `%`, `^` over a string,
  boolean, map, list or graph element, a node as a predicate (`WHERE n`), `DELETE 1 + 1`. A
  property, parameter or function result may hold anything, and is never judged;
- **grouping**: an aggregating column whose other parts are not grouping keys as Neo4j counts
  them, a variable or a property of a variable projected on its own (`RETURN n.a + n.b,
  n.a + n.b + count(*)` is refused, `RETURN n.a, n.a + count(*)` runs); `RETURN *` with no
  variable in scope (`MATCH () RETURN *`);
- **declared procedures** (`[lint] procedures` in `cymig.toml`, signatures as `SHOW PROCEDURES`
  prints them): the number of arguments, a literal argument of a type the parameter never takes,
  `YIELD` of a column it lacks or from a `VOID` procedure;
- **values known before the query runs**: a variable or a pattern in `SKIP` or `LIMIT`
  (`LIMIT n.count`), a parameter map as the properties of a pattern in `MATCH`, `MERGE` or an
  expression (`MATCH (n $props)`: only `CREATE` takes one).

Undefined variables are `undefined-variable`'s findings. Each check reports only what Neo4j 5
rejects (compared with Neo4j's own front end and with Neo4j 5.26); where cymig cannot be sure, it
says nothing. Some things the openCypher TCK rejects are not reported because Neo4j 5 accepts
them (an aggregate in `WITH … WHERE`, labels on a bound node in `MERGE`).

## Why it matters
Neo4j refuses the whole statement before running any of it: the migration fails at deploy time.
The commonest cause in migration files is a missing `;`: `CREATE (:A)` on one line and
`MATCH (n:A) RETURN n` on the next are one statement to Neo4j, which answers "WITH is required
between CREATE and MATCH".

## Example
```cypher
CREATE (:Config {key: 'mode'})
MATCH (c:Config) RETURN c;

MATCH (u:User) SET u.active = true
MATCH (u)-[:OWNS]->(p:Project) SET p.active = true;

MATCH (a:Account) CREATE (a:Archived);
```

## Use instead
```cypher
CREATE (:Config {key: 'mode'});
MATCH (c:Config) RETURN c;

MATCH (u:User) SET u.active = true
WITH * MATCH (u)-[:OWNS]->(p:Project) SET p.active = true;

MATCH (a:Account) SET a:Archived;
```
When the clause after the updating one starts a new line, the part before it is a complete
statement and the rest uses none of its variables, the help says a `;` is probably missing and
the fix inserts it. That fix is **unsafe**: it splits one statement into two, which Neo4j then
runs as two queries — the second sees the first one's writes but none of its rows, and when the
first part returns rows a tool may treat them differently; the author may also have meant a
`WITH` instead. When the rest does use variables of the first part, the fix inserts `WITH *`,
which is what Neo4j asks for and keeps every variable: it is safe. Statements prefixed
`CYPHER 25` are not checked for the `WITH`: Cypher 25 no longer requires it.
"#,
    ..identity::semantic_error
};

impl Rule for SemanticError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        for e in cx.model(stmt).errors() {
            let d = out.report(&META, e.span, e.message.clone());
            if let Some(help) = &e.help {
                d.help(help.clone());
            }
            if let Some(r) = &e.repair {
                let edits = vec![Edit::replace(r.span, r.replacement.clone())];
                let message = r.message.clone();
                d.fix(if r.safe { Fix::safe(message, edits) } else { Fix::unsafe_(message, edits) });
            }
        }
    }
}
