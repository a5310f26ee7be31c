//! YAML templates → the spanned tree. saphyr parses (YAML 1.2 core schema);
//! this module converts its character markers into byte offsets, rewrites
//! short-form intrinsics (`!Ref X`) into their long form (`{Ref: X}`), and
//! keeps the source text of every number.
//!
//! YAML 1.1 habits: `yes`/`no`/`on`/`off` and dates such as `2012-10-17` are
//! strings under 1.2, which is what CloudFormation wants, so nothing needs
//! undoing; numbers keep their written text (`1.50`), so a value that
//! CloudFormation treats as a string reads as written. `.inf`/`.nan` stay
//! strings. Anchors and aliases are expanded by saphyr.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::eval::short_form;
use super::tree::{Entry, N, Node, Src, pointer_token};
use crate::{IngestError, Located};

/// saphyr's character indices → byte offsets.
struct Offsets {
    byte_of: Vec<usize>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let byte_of = if text.is_ascii() {
            Vec::new()
        } else {
            let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            v.push(text.len());
            v
        };
        Offsets { byte_of, len: text.len() }
    }
    fn byte(&self, char_index: usize) -> usize {
        if self.byte_of.is_empty() {
            char_index.min(self.len)
        } else {
            self.byte_of.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

pub(crate) fn parse(src: &Src<'_>) -> Result<Node, IngestError> {
    let offsets = Offsets::new(src.text);
    let docs = MarkedYaml::load_from_str(src.text).map_err(|e| {
        let m = e.marker();
        let at = src.at(offsets.byte(m.index()), 0);
        let hint = match nested_short_forms(src.text, at.line) {
            Some((line, outer, inner)) => format!(
                "line {line} puts two tags on one value (`!{outer} !{inner}`); YAML allows one, so write the inner function in long form: `!{outer} {{\"Fn::{inner}\": ...}}`"
            ),
            None => "fix the YAML syntax here; the parser may only notice a problem (an unclosed bracket or quote, a tab, a bad indent) on the line after it".to_string(),
        };
        src.error(at, format!("invalid yaml: {}", e.info()), hint)
    })?;
    match docs.len() {
        0 => Err(src.error(
            Located::start(),
            "the template is empty",
            "a CloudFormation template is a mapping with at least a `Resources:` section",
        )),
        1 => Loader { src, offsets }.convert(&docs[0], String::new()),
        n => {
            let at = src.at(offsets.byte(docs[1].span.start.index()), 0);
            Err(src.error(
                at,
                format!("the file holds {n} YAML documents; a template is one"),
                "remove the `---` separator and keep one template per file",
            ))
        }
    }
}

/// `!Base64 !Sub ...` on the error line or the one before: (line, outer, inner).
fn nested_short_forms(text: &str, line: u32) -> Option<(u32, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    for l in [line, line.saturating_sub(1)] {
        let Some(s) = l.checked_sub(1).and_then(|i| lines.get(i as usize)) else { continue };
        let words: Vec<&str> = s.split_whitespace().collect();
        for w in words.windows(2) {
            let (Some(a), Some(b)) = (w[0].strip_prefix('!'), w[1].strip_prefix('!')) else { continue };
            if short_form(a).is_some() && short_form(b).is_some() {
                return Some((l, a.to_string(), b.to_string()));
            }
        }
    }
    None
}

struct Loader<'s, 'a> {
    src: &'s Src<'a>,
    offsets: Offsets,
}

impl Loader<'_, '_> {
    fn span(&self, y: &MarkedYaml<'_>) -> (usize, usize) {
        let start = self.offsets.byte(y.span.start.index());
        let end = self.offsets.byte(y.span.end.index()).max(start);
        (start, end)
    }

    fn convert(&self, y: &MarkedYaml<'_>, ptr: String) -> Result<Node, IngestError> {
        let (start, end) = self.span(y);
        self.convert_at(y, ptr, start, end)
    }

    /// Converts `y`, whose text spans `start..end` (given explicitly for the
    /// inner node of a tag, to which saphyr gives an empty span).
    fn convert_at(&self, y: &MarkedYaml<'_>, ptr: String, start: usize, end: usize) -> Result<Node, IngestError> {
        let src = self.src;
        let scalar_at = src.at(start, end - start);
        let raw = || src.text.get(start..end).unwrap_or("").trim().to_string();
        let (v, at, short) = match &y.data {
            YamlData::Value(s) => (self.scalar(s, raw()), scalar_at, false),
            YamlData::Representation(s, _, _) => (N::Str(s.to_string()), scalar_at, false),
            YamlData::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    out.push(self.convert(it, format!("{ptr}/{i}"))?);
                }
                (N::Seq(out), src.at(start, 0), false)
            }
            YamlData::Mapping(m) => {
                let mut out = Vec::with_capacity(m.len());
                for (k, v) in m.iter() {
                    let (ks, ke) = self.span(k);
                    let key_at = src.at(ks, ke - ks);
                    let key = match &k.data {
                        YamlData::Value(Scalar::String(s)) => s.to_string(),
                        YamlData::Value(Scalar::Null) => {
                            return Err(src.error(key_at, "a mapping key is empty", "give the key a name"));
                        }
                        YamlData::Value(_) | YamlData::Representation(..) => src.text[ks..ke].trim().to_string(),
                        _ => {
                            return Err(src.error(
                                key_at,
                                "mapping keys must be plain strings",
                                "CloudFormation keys are names such as `Type` or a logical id",
                            ));
                        }
                    };
                    let child = format!("{ptr}/{}", pointer_token(&key));
                    let value = self.convert(v, child)?;
                    out.push(Entry { key, key_at, value });
                }
                (N::Map(out), src.at(start, 0), false)
            }
            YamlData::Tagged(tag, inner) => {
                let tag_text = format!("{}{}", tag.handle, tag.suffix);
                if tag.is_yaml_core_schema() {
                    return self.convert_at(inner, ptr, start, end);
                }
                let tag_at = src.at(start, tag_text.len());
                let Some(long) = short_form(&tag.suffix).filter(|_| tag.handle == "!") else {
                    return Err(src.error(
                        tag_at,
                        format!("unknown intrinsic function `{tag_text}`"),
                        super::eval::supported_hint(&tag_text),
                    ));
                };
                // The inner node starts after the tag and its blanks.
                let (is, ie) = self.span(inner);
                let (is, ie) = if ie > is {
                    (is, ie)
                } else {
                    let after = start + tag_text.len();
                    let blanks = src.text[after.min(end)..end].len() - src.text[after.min(end)..end].trim_start().len();
                    (after + blanks, end.max(after + blanks))
                };
                let child = format!("{ptr}/{}", pointer_token(long));
                let value = self.convert_at(inner, child, is, ie)?;
                (N::Map(vec![Entry { key: long.to_string(), key_at: tag_at, value }]), tag_at, true)
            }
            YamlData::Alias(_) => {
                return Err(src.error(
                    scalar_at,
                    "this yaml alias cannot be resolved",
                    "define the anchor (`&name`) before using it",
                ));
            }
            YamlData::BadValue => {
                return Err(src.error(scalar_at, "this value cannot be read", "check the YAML syntax here"));
            }
        };
        Ok(Node { at, ptr, v, short })
    }

    fn scalar(&self, s: &Scalar<'_>, raw: String) -> N {
        match s {
            Scalar::Null => N::Null,
            Scalar::Boolean(b) => N::Bool(*b),
            Scalar::Integer(i) => N::Num((*i).into(), raw),
            Scalar::FloatingPoint(f) => match serde_json::Number::from_f64(f.into_inner()) {
                Some(n) => N::Num(n, raw),
                None => N::Str(raw),
            },
            Scalar::String(s) => N::Str(s.to_string()),
        }
    }
}
