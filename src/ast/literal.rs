//! Literal values, strings and parameters.

use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Literal {
    Integer(i64),
    /// `INF`, `INFINITY` and `NAN` included (serialised as the strings `"Infinity"`, `"NaN"`, …,
    /// since JSON has no such numbers).
    Float(#[serde(serialize_with = "serialize_float")] f64),
    String(StringLit),
    Boolean(bool),
    Null,
}

fn serialize_float<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        v if v.is_nan() => serializer.serialize_str("NaN"),
        v if v.is_infinite() => serializer.serialize_str(if *v > 0.0 { "Infinity" } else { "-Infinity" }),
        v => serializer.serialize_f64(*v),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StringLit {
    pub span: Span,
    /// The unescaped value.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parameter {
    /// The name, or the decimal index for `$0`.
    pub name: String,
    /// Written in the 4.x form `{name}`.
    pub legacy: bool,
}
