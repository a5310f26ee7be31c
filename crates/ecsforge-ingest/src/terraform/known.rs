//! Known plan values deserialized straight into model values.

use std::collections::BTreeMap;

use ecsforge_model::Value;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::expr::{is_json_document_attr, looks_like_document};

/// A known string attribute `name`: a parsed document when the attribute holds one.
pub(crate) fn known_string(name: &str, s: String) -> Value {
    if is_json_document_attr(name)
        && looks_like_document(&s)
        && let Ok(Known::<false>(doc)) = serde_json::from_str::<Known<false>>(&s)
    {
        return Value::json(doc);
    }
    Value::String(s)
}

/// A model value deserialized straight from JSON text, without an intermediate
/// `serde_json::Value`. With `DOCS`, string attributes holding JSON documents
/// become [`Value::Json`]; inside a document nothing is reinterpreted.
pub(crate) struct Known<const DOCS: bool>(pub Value);

impl<'de, const DOCS: bool> Deserialize<'de> for Known<DOCS> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KnownVisitor::<DOCS>).map(Known)
    }
}

struct KnownVisitor<const DOCS: bool>;

impl<'de, const DOCS: bool> Visitor<'de> for KnownVisitor<DOCS> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Known::<DOCS>::deserialize(d).map(|k| k.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Known::<DOCS>(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let Known::<DOCS>(v) = map.next_value()?;
            let v = match v {
                Value::String(s) if DOCS => known_string(&key, s),
                v => v,
            };
            out.insert(key, v);
        }
        Ok(Value::Map(out))
    }
}
