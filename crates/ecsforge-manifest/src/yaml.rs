//! YAML text → a small spanned tree. saphyr does the parsing; this module only
//! converts its character-indexed markers into byte offsets and 1-based
//! line/column, and records each node's JSON-pointer path.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diag::Diagnostic;
use crate::schema::Loc;

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub loc: Loc,
    pub data: Data,
    /// The source text of a plain (unquoted) number or boolean, so a value
    /// wanted as a string keeps what was written (`1.50`, not `1.5`).
    pub raw: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum Data {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; keys are always strings here.
    Map(Vec<(Node, Node)>),
}

impl Data {
    pub fn describe(&self) -> String {
        match self {
            Data::Null => "null".into(),
            Data::Bool(b) => format!("the boolean {b}"),
            Data::Int(i) => format!("the integer {i}"),
            Data::Float(f) => format!("the number {f}"),
            Data::Str(s) => format!("the string \"{s}\""),
            Data::Seq(_) => "a list".into(),
            Data::Map(_) => "a mapping".into(),
        }
    }
}

/// Maps saphyr's character indices to byte offsets.
struct Offsets {
    /// `byte_of[i]` = byte offset of character `i`; empty when the text is ASCII.
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

fn loc(offsets: &Offsets, span_start: &saphyr::Marker, span_end: &saphyr::Marker, pointer: &str) -> Loc {
    let start = offsets.byte(span_start.index());
    let end = offsets.byte(span_end.index()).max(start);
    Loc { start, end, line: span_start.line() as u32, col: span_start.col() as u32 + 1, pointer: pointer.to_string() }
}

/// Escapes one JSON-pointer token (RFC 6901).
pub(crate) fn pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Parses one YAML document.
pub(crate) fn parse(text: &str) -> Result<Node, Vec<Diagnostic>> {
    let src = text;
    let offsets = Offsets::new(text);
    let docs = match MarkedYaml::load_from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let m = e.marker();
            let at = offsets.byte(m.index());
            let l = Loc { start: at, end: at, line: m.line() as u32, col: m.col() as u32 + 1, pointer: String::new() };
            return Err(vec![Diagnostic::new(format!("invalid yaml: {}", e.info()), l, "here")
                .help("fix the YAML syntax here; the parser may only notice a problem (an unclosed bracket or quote, a tab) on the line after it")]);
        }
    };
    match docs.len() {
        0 => Err(vec![
            Diagnostic::new(
                "the manifest is empty",
                Loc { line: 1, col: 1, ..Loc::default() },
                "no YAML document here",
            )
            .help("start from examples/ecr-private/ecsforge.yaml"),
        ]),
        1 => {
            let mut diags = Vec::new();
            let node = convert(&docs[0], src, &offsets, "", &mut diags);
            if diags.is_empty() { Ok(node) } else { Err(diags) }
        }
        n => {
            let l = loc(&offsets, &docs[1].span.start, &docs[1].span.end, "");
            Err(vec![
                Diagnostic::new(
                    format!("the manifest holds {n} YAML documents; expected one"),
                    l,
                    "second document starts here",
                )
                .help("remove the `---` separator and merge the documents"),
            ])
        }
    }
}

fn convert(y: &MarkedYaml<'_>, src: &str, offsets: &Offsets, pointer: &str, diags: &mut Vec<Diagnostic>) -> Node {
    let l = loc(offsets, &y.span.start, &y.span.end, pointer);
    let data = match &y.data {
        YamlData::Value(s) => match s {
            Scalar::Null => Data::Null,
            Scalar::Boolean(b) => Data::Bool(*b),
            Scalar::Integer(i) => Data::Int(*i),
            Scalar::FloatingPoint(f) => Data::Float(f.into_inner()),
            Scalar::String(s) => Data::Str(s.to_string()),
        },
        YamlData::Representation(s, _, _) => Data::Str(s.to_string()),
        YamlData::Sequence(items) => Data::Seq(
            items
                .iter()
                .enumerate()
                .map(|(i, it)| convert(it, src, offsets, &format!("{pointer}/{i}"), diags))
                .collect(),
        ),
        YamlData::Mapping(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m.iter() {
                let key = convert(k, src, offsets, pointer, diags);
                let key_text = match &key.data {
                    Data::Str(s) => s.clone(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    other => {
                        diags.push(Diagnostic::new(
                            format!("mapping keys must be strings, found {}", other.describe()),
                            key.loc.clone(),
                            "this key",
                        ));
                        continue;
                    }
                };
                let child_ptr = format!("{pointer}/{}", pointer_token(&key_text));
                let value = convert(v, src, offsets, &child_ptr, diags);
                let key = Node { loc: Loc { pointer: child_ptr, ..key.loc }, data: Data::Str(key_text), raw: None };
                entries.push((key, value));
            }
            Data::Map(entries)
        }
        YamlData::Tagged(tag, _) => {
            diags.push(
                Diagnostic::new(
                    format!("yaml tag `!{}` is not supported in the manifest", tag.suffix),
                    l.clone(),
                    "this tag",
                )
                .help("remove the tag; manifest values are plain YAML"),
            );
            Data::Null
        }
        YamlData::Alias(_) => {
            diags.push(
                Diagnostic::new("yaml aliases are not supported in the manifest", l.clone(), "this alias")
                    .help("write the value out in full"),
            );
            Data::Null
        }
        YamlData::BadValue => {
            diags.push(Diagnostic::new("this value cannot be read", l.clone(), "here"));
            Data::Null
        }
    };
    let raw = match data {
        Data::Bool(_) | Data::Int(_) | Data::Float(_) => {
            src.get(l.start..l.end).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
        }
        _ => None,
    };
    Node { loc: l, data, raw }
}
