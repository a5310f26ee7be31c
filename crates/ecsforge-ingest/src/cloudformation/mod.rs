//! CloudFormation templates (JSON or YAML) → [`InfraModel`].
//!
//! # Pipeline
//! 1. `json.rs` / `yaml.rs` load the text into one spanned tree (`tree.rs`):
//!    every node has a byte offset, line:col and JSON pointer. YAML short
//!    forms (`!Ref X`) become their long form (`{Ref: X}`).
//! 2. `template.rs` reads the sections (Parameters, Mappings, Conditions,
//!    Resources, Outputs) and validates them.
//! 3. `eval.rs` evaluates intrinsic functions: known values are computed,
//!    references to resources become `Value::Ref`/`Value::Template`, the rest
//!    becomes `Value::Unknown`.
//! 4. `resources/` translates each resource into the hashicorp/aws provider
//!    schema, the model's canonical shape (`AWS::EC2::VPC` → `aws_vpc`, ...),
//!    splitting a CloudFormation resource where Terraform uses several
//!    (ECR lifecycle policies, IAM inline policies, S3 bucket settings).
//!
//! # Semantics worth knowing
//! * Parameters take their value from [`Options::parameters`], else their
//!   `Default`; without either a reference to them is `Unknown`.
//!   `AWS::Region`, `AWS::AccountId` and `AWS::StackName` are `Unknown` unless
//!   [`Options`] supplies them; `AWS::Partition` and `AWS::URLSuffix` follow
//!   the region (`aws` / `amazonaws.com` when it is unknown).
//! * A resource or output whose `Condition` is false is omitted; one whose
//!   condition is unknown is kept. `Fn::If` on an unknown condition is `Unknown`.
//! * A string built by `Fn::Sub`/`Fn::Join` from known and unknown pieces is
//!   a `Value::Template` with `Part::Unknown` pieces, so its known parts stay
//!   readable (`com.amazonaws.<unknown>.s3`); with nothing known it is
//!   `Unknown`. Where a whole string is needed (mapping keys, indexes,
//!   delimiters, `Fn::Equals`) a partly unknown string counts as unknown.
//! * `Fn::Base64` keeps the decoded text: the deployed property holds the
//!   encoded form, but analyses want to read it.
//! * `Fn::ImportValue`, `Fn::GetAZs` and `Fn::Transform` are `Unknown`.
//! * Defaults CloudFormation applies and analyses depend on are written out
//!   (VPC DNS flags, endpoint type and private DNS, a security group's
//!   default allow-all egress, `assign_public_ip = false`, ...).

use std::collections::BTreeMap;

use ecsforge_model::InfraModel;

use crate::IngestError;

mod eval;
mod json;
mod names;
mod resources;
mod template;
mod tree;
mod yaml;

/// What the caller knows that the template does not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `AWS::Region`.
    pub region: Option<String>,
    /// `AWS::AccountId`.
    pub account_id: Option<String>,
    /// `AWS::StackName`.
    pub stack_name: Option<String>,
    /// Parameter values, as `aws cloudformation deploy --parameter-overrides` takes them.
    pub parameters: BTreeMap<String, String>,
}

/// Ingests a template with no parameter values or pseudo parameters supplied.
pub fn ingest(file: &str, text: &str) -> Result<InfraModel, IngestError> {
    ingest_with(file, text, &Options::default())
}

/// Ingests a template. Text starting with `{` is JSON, anything else YAML.
pub fn ingest_with(file: &str, text: &str, options: &Options) -> Result<InfraModel, IngestError> {
    let src = tree::Src::new(file, text);
    let root = if text.trim_start().starts_with('{') { json::parse(&src)? } else { yaml::parse(&src)? };
    template::build(&src, &root, options)
}
