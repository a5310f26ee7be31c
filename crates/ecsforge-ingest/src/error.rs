//! Ingest errors: always a file, a line:col, a message and a hint.

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan, ThemeCharacters, ThemeStyles};

/// A position in an input file: byte offset plus 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Located {
    pub offset: usize,
    pub len: usize,
    pub line: u32,
    pub col: u32,
}

impl Located {
    pub fn start() -> Self {
        Located { offset: 0, len: 0, line: 1, col: 1 }
    }

    /// The position of byte `offset` in `text`.
    pub fn at(text: &str, offset: usize, len: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() as u32 + 1;
        let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
        Located { offset, len, line, col }
    }

    /// The position of a 1-based line and a 1-based *byte* column, as
    /// serde_json reports them; the column shown is counted in characters.
    pub fn from_line_col(text: &str, line: usize, col: usize) -> Self {
        let mut offset = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let mut in_line = col.saturating_sub(1).min(l.len());
                while !l.is_char_boundary(in_line) {
                    in_line -= 1;
                }
                let chars = l[..in_line].chars().count();
                return Located { offset: offset + in_line, len: 0, line: line as u32, col: chars as u32 + 1 };
            }
            offset += l.len();
        }
        Located { offset: text.len(), len: 0, line: line as u32, col: col.max(1) as u32 }
    }
}

/// A file ecsforge could not read as infrastructure.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{}:{}: {message}; hint: {hint}", at.line, at.col)]
pub struct IngestError {
    pub file: String,
    pub source_text: String,
    pub at: Located,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Rendered {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: SourceSpan,
    #[help]
    help: String,
}

impl IngestError {
    pub fn new(file: &str, text: &str, at: Located, message: impl Into<String>, hint: impl Into<String>) -> Self {
        IngestError {
            file: file.to_string(),
            source_text: text.to_string(),
            at,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Renders with the source line and a caret; `fancy` adds colour and Unicode.
    pub fn render(&self, fancy: bool) -> String {
        let theme = if fancy {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme { characters: ThemeCharacters::ascii(), styles: ThemeStyles::none() }
        };
        if ecsforge_model::text::is_long_line(&self.source_text, self.at.offset) {
            // Minified input: show the location and an excerpt, not the line.
            return format!(
                "  x {}\n  --> {}:{}:{}\n   | {}\n  help: {}\n",
                self.message,
                self.file,
                self.at.line,
                self.at.col,
                ecsforge_model::text::excerpt(&self.source_text, self.at.offset),
                self.hint
            );
        }
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
        let r = Rendered {
            message: self.message.clone(),
            src: NamedSource::new(&self.file, self.source_text.clone()),
            span: SourceSpan::new(self.at.offset.into(), self.at.len),
            help: self.hint.clone(),
        };
        let mut out = String::new();
        let _ = handler.render_report(&mut out, &r);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let t = "ab\ncdé\nf";
        assert_eq!(Located::at(t, 4, 0), Located { offset: 4, len: 0, line: 2, col: 2 });
        assert_eq!(Located::from_line_col(t, 3, 1).offset, 8);
        // serde_json columns are bytes: "cdé" is 4 bytes, so byte column 5 is after "é".
        assert_eq!(Located::from_line_col(t, 2, 5), Located { offset: 7, len: 0, line: 2, col: 4 });
    }
}
