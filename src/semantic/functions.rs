//! Neo4j's built-in functions and how many arguments each takes, and the check of every call
//! against them: too few or too many arguments to a built-in, and a function in the default
//! namespace that is not a built-in. Neo4j refuses user-defined functions in the default
//! namespace ("It is not allowed to define functions in the root namespace"), so an unknown
//! name without a namespace fails on every server; a namespaced one (`apoc.coll.sum`,
//! `my.fn`) may be a plugin's and is never reported.
//!
//! The arities were read off Neo4j's own front end (`../shared/oracle`, `RETURN f(null, …)`
//! with 0 to 4 arguments, under `CYPHER 5` and `CYPHER 25`); where the two disagree the table
//! takes the wider range, so a call some supported version accepts is never reported.

use super::{Analysis, ErrorKind};
use crate::ast::{Clause, Expr, ExprKind, Query};
use crate::visit::{self, Visitor};

/// Lower-case name, fewest and most arguments (`None`: any number, or not certain).
const BUILT_INS: &[(&str, usize, Option<usize>)] = &[
    ("abs", 1, Some(1)),
    ("acos", 1, Some(1)),
    ("asin", 1, Some(1)),
    ("atan", 1, Some(1)),
    ("atan2", 2, Some(2)),
    ("avg", 1, Some(1)),
    ("btrim", 1, Some(2)),
    ("ceil", 1, Some(1)),
    ("char_length", 1, Some(1)),
    ("character_length", 1, Some(1)),
    ("coalesce", 1, None),
    ("collect", 1, Some(1)),
    ("cos", 1, Some(1)),
    ("cot", 1, Some(1)),
    ("count", 1, Some(1)),
    ("date", 0, Some(1)),
    ("date.realtime", 0, Some(1)),
    ("date.statement", 0, Some(1)),
    ("date.transaction", 0, Some(1)),
    ("date.truncate", 1, Some(3)),
    ("datetime", 0, Some(1)),
    ("datetime.fromepoch", 2, Some(2)),
    ("datetime.fromepochmillis", 1, Some(1)),
    ("datetime.realtime", 0, Some(1)),
    ("datetime.statement", 0, Some(1)),
    ("datetime.transaction", 0, Some(1)),
    ("datetime.truncate", 1, Some(3)),
    ("db.namefromelementid", 1, Some(1)),
    ("degrees", 1, Some(1)),
    ("duration", 1, Some(1)),
    ("duration.between", 2, Some(2)),
    ("duration.indays", 2, Some(2)),
    ("duration.inmonths", 2, Some(2)),
    ("duration.inseconds", 2, Some(2)),
    ("e", 0, Some(0)),
    ("elementid", 1, Some(1)),
    ("endnode", 1, Some(1)),
    ("exp", 1, Some(1)),
    ("file", 0, Some(0)),
    ("floor", 1, Some(1)),
    ("graph.byelementid", 1, Some(1)),
    ("graph.byname", 1, Some(1)),
    ("graph.names", 0, Some(0)),
    ("graph.propertiesbyname", 1, Some(1)),
    ("haversin", 1, Some(1)),
    ("head", 1, Some(1)),
    ("id", 1, Some(1)),
    ("isempty", 1, Some(1)),
    ("isnan", 1, Some(1)),
    ("keys", 1, Some(1)),
    ("labels", 1, Some(1)),
    ("last", 1, Some(1)),
    ("left", 2, Some(2)),
    ("length", 1, Some(1)),
    ("linenumber", 0, Some(0)),
    ("localdatetime", 0, Some(1)),
    ("localdatetime.realtime", 0, Some(1)),
    ("localdatetime.statement", 0, Some(1)),
    ("localdatetime.transaction", 0, Some(1)),
    ("localdatetime.truncate", 1, Some(3)),
    ("localtime", 0, Some(1)),
    ("localtime.realtime", 0, Some(1)),
    ("localtime.statement", 0, Some(1)),
    ("localtime.transaction", 0, Some(1)),
    ("localtime.truncate", 1, Some(3)),
    ("log", 1, Some(1)),
    ("log10", 1, Some(1)),
    ("lower", 1, Some(1)),
    ("ltrim", 1, Some(2)),
    ("max", 1, Some(1)),
    ("min", 1, Some(1)),
    ("nodes", 1, Some(1)),
    ("normalize", 1, Some(2)),
    ("nullif", 2, Some(2)),
    ("percentilecont", 2, Some(2)),
    ("percentiledisc", 2, Some(2)),
    ("pi", 0, Some(0)),
    ("point", 1, Some(1)),
    ("point.distance", 2, Some(2)),
    ("point.withinbbox", 3, Some(3)),
    ("properties", 1, Some(1)),
    ("radians", 1, Some(1)),
    ("rand", 0, Some(0)),
    ("randomuuid", 0, Some(0)),
    ("range", 2, Some(3)),
    ("relationships", 1, Some(1)),
    ("replace", 3, Some(4)),
    ("reverse", 1, Some(1)),
    ("right", 2, Some(2)),
    ("round", 1, Some(3)),
    ("rtrim", 1, Some(2)),
    ("sign", 1, Some(1)),
    ("sin", 1, Some(1)),
    ("size", 1, Some(1)),
    ("split", 2, Some(2)),
    ("sqrt", 1, Some(1)),
    ("startnode", 1, Some(1)),
    ("stdev", 1, Some(1)),
    ("stdevp", 1, Some(1)),
    ("substring", 2, Some(3)),
    ("sum", 1, Some(1)),
    ("tail", 1, Some(1)),
    ("tan", 1, Some(1)),
    ("time", 0, Some(1)),
    ("time.realtime", 0, Some(1)),
    ("time.statement", 0, Some(1)),
    ("time.transaction", 0, Some(1)),
    ("time.truncate", 1, Some(3)),
    ("timestamp", 0, None),
    ("toboolean", 1, Some(1)),
    ("tobooleanlist", 1, Some(1)),
    ("tobooleanornull", 1, Some(1)),
    ("tofloat", 1, Some(1)),
    ("tofloatlist", 1, Some(1)),
    ("tofloatornull", 1, Some(1)),
    ("tointeger", 1, Some(1)),
    ("tointegerlist", 1, Some(1)),
    ("tointegerornull", 1, Some(1)),
    ("tolower", 1, Some(1)),
    ("tostring", 1, Some(1)),
    ("tostringlist", 1, Some(1)),
    ("tostringornull", 1, Some(1)),
    ("toupper", 1, Some(1)),
    ("type", 1, Some(1)),
    ("upper", 1, Some(1)),
    ("valuetype", 1, Some(1)),
    ("vector.similarity.cosine", 2, Some(2)),
    ("vector.similarity.euclidean", 2, Some(2)),
];

/// Names in the default namespace that are no plain call of [`BUILT_INS`] but that Neo4j knows,
/// or that other rules report: special forms (`exists(n.p)`, `all(x IN …)`, `trim(… FROM …)`),
/// `distance` (Neo4j 4.4, a supported target), `has`, `filter` and `extract` (3.x, reported
/// with a fix elsewhere or not parsed), and functions of recent Cypher 25 releases the
/// front-end table above does not have yet.
#[rustfmt::skip]
const OTHER_KNOWN: &[&str] = &[
    "exists", "all", "any", "none", "single", "reduce", "trim", "shortestpath", "allshortestpaths",
    "distance", "has", "filter", "extract", "vector", "vector_dimension_count", "vector_distance",
    "vector_norm", "cosh", "sinh", "tanh", "coth",
];

/// Functions of Neo4j 3.x that 4.0 removed, and what replaced them.
const REMOVED: &[(&str, &str)] = &[("toint", "toInteger"), ("rels", "relationships"), ("str", "toString")];

/// The fewest and most arguments of the built-in function `name` (any case, dotted), if it is one.
pub fn arity(name: &str) -> Option<(usize, Option<usize>)> {
    let name = name.to_ascii_lowercase();
    BUILT_INS.iter().find(|(n, ..)| *n == name).map(|(_, min, max)| (*min, *max))
}

/// Whether Neo4j knows a function of this name without a namespace.
pub fn is_known_root(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    arity(&name).is_some() || OTHER_KNOWN.contains(&name.as_str())
}

/// Every call written directly in a clause's expressions (those of nested clauses and
/// subqueries are checked with their own clause).
pub(super) fn check_clause(cx: &mut Analysis, c: &Clause) {
    struct Calls<'a>(Vec<&'a Expr>);
    impl<'a> Visitor<'a> for Calls<'a> {
        fn visit_query(&mut self, _q: &'a Query) {}
        fn visit_clause(&mut self, _c: &'a Clause) {}
        fn visit_expr(&mut self, e: &'a Expr) {
            if matches!(e.kind, ExprKind::FunctionCall { .. }) {
                self.0.push(e);
            }
            visit::walk_expr(self, e)
        }
    }
    let mut calls = Calls(Vec::new());
    visit::walk_clause(&mut calls, c);
    for e in calls.0 {
        check_call(cx, e);
    }
}

fn check_call(cx: &mut Analysis, e: &Expr) {
    let ExprKind::FunctionCall { name, args, .. } = &e.kind else { return };
    let dotted = name.dotted();
    match arity(&dotted) {
        Some((min, _)) if args.len() < min => {
            let message = format!("Insufficient parameters for function '{dotted}'");
            cx.error(ErrorKind::Arguments, e.span, message).help = Some(expected(&dotted));
        }
        Some((_, Some(max))) if args.len() > max => {
            let message = format!("Too many parameters for function '{dotted}'");
            cx.error(ErrorKind::Arguments, e.span, message).help = Some(expected(&dotted));
        }
        Some(_) => {}
        None if name.parts.len() == 1 && !is_known_root(&dotted) => {
            let message = format!("Unknown function '{dotted}'");
            let lower = dotted.to_ascii_lowercase();
            let help = match REMOVED.iter().find(|(old, _)| *old == lower) {
                Some((_, new)) => format!("{dotted}() was removed in Neo4j 4.0: use {new}()"),
                None => {
                    "no built-in function has this name, and Neo4j allows no user-defined function without a namespace"
                        .into()
                }
            };
            cx.error(ErrorKind::UnknownFunction, name.span, message).help = Some(help);
        }
        None => {}
    }
}

fn expected(name: &str) -> String {
    let count = |n: usize| if n == 1 { "1 argument".to_string() } else { format!("{n} arguments") };
    match arity(name) {
        Some((min, Some(max))) if min == max => format!("{name}() takes {}", count(min)),
        Some((min, Some(max))) => format!("{name}() takes {min} to {max} arguments"),
        Some((min, None)) => format!("{name}() takes at least {}", count(min)),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arities_are_case_insensitive_and_open_where_unsure() {
        assert_eq!(arity("toUpper"), Some((1, Some(1))));
        assert_eq!(arity("ROUND"), Some((1, Some(3))));
        assert_eq!(arity("coalesce"), Some((1, None)));
        assert_eq!(arity("apoc.coll.sum"), None);
        assert!(is_known_root("Distance"));
        assert!(!is_known_root("foo"));
    }
}
