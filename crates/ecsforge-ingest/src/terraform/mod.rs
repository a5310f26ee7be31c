//! Terraform inputs: plan JSON (`plan`) and JSON-syntax configuration (`config`).
//!
//! Both produce the model in the hashicorp/aws provider schema, which is the
//! shape Terraform itself uses, so attributes map across almost unchanged.
//! The shared rules live in `expr` (JSON-document attributes, references,
//! string templates); `pos` turns byte offsets into line:col in one pass.

pub mod config;
mod expr;
mod known;
pub mod plan;
mod pos;

use std::fmt;

use ecsforge_model::{InfraModel, Value};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::{IngestError, Located};

/// The members of a JSON object in file order, duplicates kept, values borrowed
/// from the text (so their offsets are known).
pub(crate) struct Entries<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'a>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(k) = map.next_key::<String>()? {
                    out.push((k, map.next_value::<&'a RawValue>()?));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A serde_json error as an [`IngestError`] at its line:col. `what` names the
/// input (`plan JSON`, `Terraform JSON`).
pub(crate) fn json_error(file: &str, text: &str, e: &serde_json::Error, what: &str) -> IngestError {
    let at = serde_position(text, e.line(), e.column());
    let (message, hint) = match e.classify() {
        serde_json::error::Category::Eof => (
            format!("truncated {what}: {e}"),
            "the file ends in the middle of a value; was it cut off while being written or copied? \
             regenerate it and close every `{` and `[`",
        ),
        serde_json::error::Category::Syntax => (
            format!("invalid {what}: {e}"),
            "fix the JSON syntax here; a missing comma or quote often shows up at the start of the next value",
        ),
        _ => (
            format!("unexpected {what} structure: {e}"),
            "the value here has the wrong type; was the file written by a different tool?",
        ),
    };
    IngestError::new(file, text, at, message, hint)
}

/// Where serde_json reports an error. Its column counts bytes, not characters
/// (`Located::from_line_col` reads it as characters, which drifts after
/// non-ASCII text), so find the byte and let [`Located::at`] count characters.
fn serde_position(text: &str, line: usize, col: usize) -> Located {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let mut offset = (line_start + col.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    Located::at(text, offset, 0)
}

/// The offset of the first non-blank byte (where a top-level value starts).
pub(crate) fn first_value(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// The value of tag `key` when every resource carrying it agrees; else empty.
pub(crate) fn agreed_tag(model: &InfraModel, key: &str) -> String {
    let mut found: Option<&str> = None;
    for r in model.resources.values() {
        let Some(v) = r.get("tags").and_then(|t| t.get(key)).and_then(Value::as_str) else { continue };
        match found {
            None => found = Some(v),
            Some(f) if f == v => {}
            Some(_) => return String::new(),
        }
    }
    found.unwrap_or_default().to_string()
}
