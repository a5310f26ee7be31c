//! The ecsforge manifest: YAML in, a validated [`Manifest`] or every problem out.
//!
//! Architecture invariant: no IO here. Callers read the file and pass its
//! name and text; errors carry spans into that text.

mod data;
mod diag;
/// The Fargate task-size table (shared with the rules through the model crate).
pub use ecsforge_model::fargate;
mod load;
pub mod password;
pub mod schema;
mod yaml;

pub use diag::{Diagnostic, ManifestError, Style};
pub use load::endpoint_error;
pub use schema::*;

/// Parses and validates a manifest. `file` is only used in messages and provenance.
pub fn load(file: &str, text: &str) -> Result<Manifest, ManifestError> {
    let fail = |diagnostics| ManifestError { file: file.to_string(), source_text: text.to_string(), diagnostics };
    let root = yaml::parse(text).map_err(fail)?;
    let mut cx = load::Cx::default();
    match load::manifest(&mut cx, file, &root) {
        Some(m) if cx.diags.is_empty() => Ok(m),
        _ => {
            let mut diags = cx.diags;
            diags.sort_by_key(|d| (d.loc.start, d.loc.end));
            diags.dedup();
            Err(fail(diags))
        }
    }
}
