//! Ingest: Terraform plan JSON, Terraform JSON configuration and
//! CloudFormation (JSON or YAML) → the same [`InfraModel`] that synth builds.
//!
//! Architecture invariant: no IO. Callers pass file names and text. Every
//! resource carries provenance (file, JSON pointer, line:col). Values unknown
//! until apply become [`ecsforge_model::Value::Unknown`]; references between
//! resources become [`ecsforge_model::Value::Ref`], never guesses.

use ecsforge_model::InfraModel;

pub mod cloudformation;
mod error;
pub mod terraform;

pub use error::{IngestError, Located};

/// The input formats ecsforge understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `terraform show -json <planfile>`.
    TerraformPlan,
    /// One `*.tf.json` file of a root module (see [`ingest_terraform_json`] for a whole module).
    TerraformJson,
    /// A CloudFormation template, JSON or YAML.
    CloudFormation,
}

/// Guesses the format from the file name and the first bytes of the text.
pub fn detect(file: &str, text: &str) -> Option<Format> {
    let head: String = text.chars().take(4096).collect();
    if file.ends_with(".tf.json") {
        return Some(Format::TerraformJson);
    }
    if head.contains("\"format_version\"")
        && (head.contains("\"terraform_version\"") || head.contains("\"planned_values\""))
    {
        return Some(Format::TerraformPlan);
    }
    if head.contains("AWSTemplateFormatVersion") || head.contains("\"Resources\"") || head.contains("Resources:") {
        return Some(Format::CloudFormation);
    }
    None
}

/// Ingests one file of a detected format.
pub fn ingest(file: &str, text: &str) -> Result<InfraModel, IngestError> {
    match detect(file, text) {
        Some(Format::TerraformPlan) => terraform::plan::ingest(file, text),
        Some(Format::TerraformJson) => ingest_terraform_json(&[(file.to_string(), text.to_string())]),
        Some(Format::CloudFormation) => cloudformation::ingest(file, text),
        None => Err(IngestError::new(
            file,
            text,
            error::Located::start(),
            "cannot tell what kind of file this is",
            "ecsforge reads `terraform show -json` plans, *.tf.json files and CloudFormation templates",
        )),
    }
}

/// Ingests a Terraform root module written in JSON syntax: every `*.tf.json`
/// file of the module, as `(name, text)` pairs.
pub fn ingest_terraform_json(files: &[(String, String)]) -> Result<InfraModel, IngestError> {
    terraform::config::ingest(files)
}
