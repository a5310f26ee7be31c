//! Manifest diagnostics and their rendering (miette, with the source line and a caret).

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan, ThemeCharacters, ThemeStyles};

use crate::schema::Loc;

/// One problem in the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub loc: Loc,
    pub label: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, loc: Loc, label: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), loc, label: label.into(), help: None }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every problem found in one manifest. Nothing is synthesized when this is returned.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {} problem(s) in the manifest; nothing was written", diagnostics.len())]
pub struct ManifestError {
    pub file: String,
    pub source_text: String,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Rendered {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

/// Output style of [`ManifestError::render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unicode box drawing and colour, for terminals.
    Fancy,
    /// Plain ASCII without colour: logs, CI, snapshots.
    Plain,
}

impl ManifestError {
    /// Renders every diagnostic with `file:line:col`, the source line and a caret.
    pub fn render(&self, style: Style) -> String {
        let theme = match style {
            Style::Fancy => GraphicalTheme::unicode(),
            Style::Plain => GraphicalTheme { characters: ThemeCharacters::ascii(), styles: ThemeStyles::none() },
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
        let mut out = String::new();
        for d in &self.diagnostics {
            let len = d.loc.end.saturating_sub(d.loc.start);
            if ecsforge_model::text::is_long_line(&self.source_text, d.loc.start) {
                // A one-line (flow-style) manifest: location and excerpt only.
                out.push_str(&format!(
                    "  x {}\n  --> {}:{}:{}\n   | {}\n  {}\n",
                    d.message,
                    self.file,
                    d.loc.line,
                    d.loc.col,
                    ecsforge_model::text::excerpt(&self.source_text, d.loc.start),
                    d.help.as_ref().map(|h| format!("help: {h}")).unwrap_or_default()
                ));
                out.push('\n');
                continue;
            }
            let r = Rendered {
                message: d.message.clone(),
                src: NamedSource::new(&self.file, self.source_text.clone()),
                span: SourceSpan::new(d.loc.start.into(), len),
                label: d.label.clone(),
                help: d.help.clone(),
            };
            let _ = handler.render_report(&mut out, &r);
            out.push('\n');
        }
        out.push_str(&format!(
            "error: {} problem{} in {}; nothing was written\n",
            self.diagnostics.len(),
            if self.diagnostics.len() == 1 { "" } else { "s" },
            self.file
        ));
        out
    }
}
