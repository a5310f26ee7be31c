//! The one spanned tree both loaders (JSON and YAML) produce: every node
//! knows its byte offset, line:col and JSON pointer, so every later error and
//! every resource has a location.

use crate::{IngestError, Located};

/// The source file: its name, its text and a line index for fast positions.
pub(crate) struct Src<'a> {
    pub file: &'a str,
    pub text: &'a str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl<'a> Src<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Src { file, text, line_starts }
    }

    /// The position of byte `offset`, spanning `len` bytes.
    pub fn at(&self, offset: usize, len: usize) -> Located {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
        Located { offset, len: len.min(self.text.len() - offset), line: line as u32, col: col as u32 }
    }

    pub fn error(&self, at: Located, message: impl Into<String>, hint: impl Into<String>) -> IngestError {
        IngestError::new(self.file, self.text, at, message, hint)
    }
}

/// One node of a template.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub at: Located,
    /// RFC 6901 pointer (for YAML, the equivalent path).
    pub ptr: String,
    pub v: N,
    /// A mapping made from a YAML short-form tag (`!Ref X` → `{Ref: X}`).
    pub short: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum N {
    Null,
    Bool(bool),
    /// A number and the text it was written as.
    Num(serde_json::Number, String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order.
    Map(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub key_at: Located,
    pub value: Node,
}

impl Node {
    pub fn entries(&self) -> &[Entry] {
        match &self.v {
            N::Map(e) => e,
            _ => &[],
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            N::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.v {
            N::Seq(s) => s,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.v, N::Map(_))
    }

    /// The node at a path of keys / list indices below this one.
    pub fn at_path(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for p in path {
            n = match &n.v {
                N::Map(_) => n.get(p)?,
                N::Seq(items) => items.get(p.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(n)
    }

    /// For messages: what this node is.
    pub fn describe(&self) -> String {
        match &self.v {
            N::Null => "null".into(),
            N::Bool(b) => format!("the boolean {b}"),
            N::Num(_, raw) => format!("the number {raw}"),
            N::Str(s) => format!("the string \"{s}\""),
            N::Seq(items) => match items.len() {
                1 => "a list of 1 item".into(),
                n => format!("a list of {n} items"),
            },
            N::Map(e) if e.len() == 1 && (e[0].key == "Ref" || e[0].key.starts_with("Fn::")) => e[0].key.clone(),
            N::Map(_) => "a mapping".into(),
        }
    }
}

/// Escapes one JSON-pointer token (RFC 6901).
pub(crate) fn pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
