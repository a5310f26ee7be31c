//! JSON templates → the spanned tree. serde_json checks the syntax first, so
//! a broken file reads like a JSON error; the tree is then built from
//! `RawValue`s, whose slices point into the text and so give byte offsets.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::tree::{Entry, N, Node, Src, pointer_token};
use crate::{IngestError, Located};

pub(crate) fn parse(src: &Src<'_>) -> Result<Node, IngestError> {
    let raw: &RawValue = serde_json::from_str(src.text).map_err(|e| {
        let msg = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let msg = msg.strip_suffix(&suffix).unwrap_or(&msg).to_string();
        let hint = match e.classify() {
            serde_json::error::Category::Eof => {
                "the file ends in the middle of a value; is it truncated? close every `{` and `[`"
            }
            _ => "fix the JSON syntax here; a missing comma or quote often shows up at the start of the next value",
        };
        src.error(Located::from_line_col(src.text, e.line(), e.column()), format!("invalid json: {msg}"), hint)
    })?;
    build(src, raw, String::new())
}

fn offset_of(src: &Src<'_>, s: &str) -> usize {
    s.as_ptr() as usize - src.text.as_ptr() as usize
}

fn build(src: &Src<'_>, raw: &RawValue, ptr: String) -> Result<Node, IngestError> {
    let s = raw.get();
    let off = offset_of(src, s);
    let scalar_at = src.at(off, s.len());
    let internal =
        |e: serde_json::Error| src.error(scalar_at, format!("invalid json: {e}"), "fix the JSON syntax here");
    let (v, at) = match s.as_bytes().first() {
        Some(b'{') => {
            let Entries(entries) = serde_json::from_str(s).map_err(internal)?;
            let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key_at = key_position(src, offset_of(src, value.get()), &key);
                if out.iter().any(|e| e.key == key) {
                    return Err(src.error(
                        key_at,
                        format!("duplicate key `{key}`"),
                        "each key may appear once in a mapping; remove or rename one of them",
                    ));
                }
                let child = format!("{ptr}/{}", pointer_token(&key));
                out.push(Entry { key, key_at, value: build(src, value, child)? });
            }
            (N::Map(out), src.at(off, 0))
        }
        Some(b'[') => {
            let Items(items) = serde_json::from_str(s).map_err(internal)?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(build(src, item, format!("{ptr}/{i}"))?);
            }
            (N::Seq(out), src.at(off, 0))
        }
        Some(b'"') => (N::Str(serde_json::from_str(s).map_err(internal)?), scalar_at),
        Some(b't') => (N::Bool(true), scalar_at),
        Some(b'f') => (N::Bool(false), scalar_at),
        Some(b'n') => (N::Null, scalar_at),
        _ => (N::Num(serde_json::from_str(s).map_err(internal)?, s.to_string()), scalar_at),
    };
    Ok(Node { at, ptr, v, short: false })
}

/// Finds the `"key"` that precedes the value at `value_offset` (`"key" : value`).
fn key_position(src: &Src<'_>, value_offset: usize, key: &str) -> Located {
    let bytes = src.text.as_bytes();
    let mut i = value_offset;
    let skip_ws = |mut i: usize| {
        while i > 0 && bytes[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    i = skip_ws(i);
    if i > 0 && bytes[i - 1] == b':' {
        i = skip_ws(i - 1);
        if i > 0 && bytes[i - 1] == b'"' {
            let end = i;
            let mut j = end - 1;
            while j > 0 {
                j -= 1;
                if bytes[j] == b'"' {
                    let backslashes = bytes[..j].iter().rev().take_while(|&&b| b == b'\\').count();
                    if backslashes % 2 == 0 {
                        return src.at(j, end - j);
                    }
                }
            }
        }
    }
    src.at(value_offset, key.len())
}

struct Entries<'a>(Vec<(String, &'a RawValue)>);
struct Items<'a>(Vec<&'a RawValue>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Items<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<&'de RawValue>()? {
                    out.push(v);
                }
                Ok(Items(out))
            }
        }
        d.deserialize_seq(V)
    }
}
