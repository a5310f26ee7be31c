//! `InfraModel`: the one typed resource graph every ecsforge view works on.
//!
//! Synth builds it from a manifest; later, ingest builds it from Terraform
//! plans, Terraform JSON and CloudFormation. Rules, reachability and cost read
//! only this model, never raw input.
//!
//! # Shape
//! * A [`Resource`] is one cloud resource, keyed by its [`Address`]
//!   (`aws_vpc.main`, `module.net.aws_subnet.private["a"]`, or a CloudFormation
//!   logical id mapped to the same form).
//! * Its [`Kind`] is a closed enum of the resource types the analyses know,
//!   plus [`Kind::Other`] for anything else, so nothing is dropped.
//! * Its attributes are an attribute tree in the **hashicorp/aws provider
//!   schema** (the canonical shape; CloudFormation ingest translates into it).
//!   A [`Value::Ref`] is a resolved reference to another resource's attribute;
//!   [`Value::Unknown`] is a value only known after apply, never guessed.
//!
//! # Architecture invariant
//! This crate does no IO, and iteration order is always sorted
//! (`BTreeMap`), so every view of the model is deterministic.

use std::collections::BTreeMap;
use std::fmt;

pub mod fargate;
pub mod kind;
pub mod link;
pub mod text;
pub mod value;

pub use kind::Kind;
pub use value::{Reference, Value};

/// A resource address: `<type>.<name>`, optionally prefixed by module path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Address(pub String);

impl Address {
    pub fn new(resource_type: &str, name: &str) -> Self {
        Address(format!("{resource_type}.{name}"))
    }
    /// The resource type part (`aws_vpc` of `module.x.aws_vpc.main`).
    pub fn resource_type(&self) -> &str {
        let mut parts = self.without_module().splitn(2, '.');
        parts.next().unwrap_or("")
    }
    /// The name part (`main` of `aws_vpc.main`).
    pub fn name(&self) -> &str {
        let rest = self.without_module();
        rest.split_once('.').map(|(_, n)| n).unwrap_or(rest)
    }
    fn without_module(&self) -> &str {
        let mut s = self.0.as_str();
        while let Some(rest) = s.strip_prefix("module.") {
            // module.<name>.<rest>
            match rest.split_once('.') {
                Some((_, r)) => s = r,
                None => return s,
            }
        }
        s
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a model node came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The input file, as the user named it.
    pub file: String,
    /// RFC 6901 JSON pointer into that file (for YAML, the equivalent path).
    pub pointer: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub col: u32,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{} ({})", self.file, self.line, self.col, self.pointer)
    }
}

/// Which concern a resource belongs to; the Terraform emitter writes one file
/// per concern. Ingested resources use [`Concern::Other`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Concern {
    Network,
    Endpoints,
    Security,
    Cluster,
    Alb,
    /// Everything belonging to one service, by service name.
    Service(String),
    Other,
    /// SNS topics, alarms, dashboards and the event rules feeding them.
    Monitoring,
    /// Environment-wide CI/CD resources (artifact bucket, notifications, OIDC).
    Ci,
    /// The Windows SMB file server (`file_server:`).
    FileServer,
    /// The Terraform state bucket and lock table (the bootstrap root).
    State,
    /// DynamoDB tables and their key.
    Data,
}

impl Concern {
    /// The file stem used by the Terraform emitter.
    pub fn file_stem(&self) -> String {
        match self {
            Concern::Network => "network".into(),
            Concern::Endpoints => "endpoints".into(),
            Concern::Security => "security".into(),
            Concern::Cluster => "cluster".into(),
            Concern::Alb => "alb".into(),
            Concern::Service(s) => format!("service_{}", s.replace('-', "_")),
            Concern::Other => "other".into(),
            Concern::Monitoring => "monitoring".into(),
            Concern::Ci => "ci".into(),
            Concern::FileServer => "file_server".into(),
            Concern::State => "state".into(),
            Concern::Data => "data".into(),
        }
    }
}

/// One resource of the graph.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Resource {
    pub address: Address,
    pub kind: Kind,
    /// Attributes in the hashicorp/aws provider schema. Blocks are lists of maps.
    pub attrs: BTreeMap<String, Value>,
    /// Explicit ordering dependencies (Terraform `depends_on`).
    pub depends_on: Vec<Address>,
    /// Attributes whose drift is ignored (Terraform `lifecycle.ignore_changes`).
    pub ignore_changes: Vec<String>,
    pub concern: Concern,
    pub provenance: Provenance,
    /// Whether the source format lets this resource carry tags. Usually
    /// [`Kind::taggable`]; ingest clears it where the source cannot tag the
    /// resource although Terraform could (a CloudFormation
    /// `AWS::EC2::SecurityGroupIngress`, an inline rule), so tag rules judge
    /// only what the author could have tagged.
    pub taggable: bool,
}

impl Resource {
    pub fn new(kind: Kind, name: &str, concern: Concern, provenance: Provenance) -> Self {
        let taggable = kind.taggable();
        Resource {
            address: Address::new(kind.terraform_type(), name),
            kind,
            attrs: BTreeMap::new(),
            depends_on: Vec::new(),
            ignore_changes: Vec::new(),
            concern,
            provenance,
            taggable,
        }
    }

    /// A builder-style setter.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.attrs.insert(key.to_string(), value.into());
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.attrs.get(key)
    }

    /// A reference to one of this resource's attributes.
    pub fn attr(&self, attr: &str) -> Value {
        Value::Ref(Reference { address: self.address.clone(), attr: attr.to_string() })
    }

    /// Every reference to another resource in this resource's attributes and
    /// `depends_on` (uses of input variables are not resources and are left out).
    pub fn references(&self) -> Vec<&Address> {
        let mut out = Vec::new();
        for v in self.attrs.values() {
            v.collect_refs(&mut out);
        }
        out.retain(|a| a.as_str() != value::VARIABLES);
        out.extend(self.depends_on.iter());
        out
    }

    /// The names of the input variables this resource's attributes use.
    pub fn variables(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for v in self.attrs.values() {
            v.collect_variables(&mut out);
        }
        out
    }
}

/// A root-module output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Output {
    pub value: Value,
    pub description: String,
}

/// Remote state backend of a root module.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Backend {
    pub bucket: String,
    pub key: String,
    pub region: String,
    pub dynamodb_table: String,
}

/// A decision not to enforce one rule on one resource, with the reason.
/// Suppressed findings are still counted in reports, never hidden.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    /// Rule code or name (`EF016` or `deployment-min-healthy`).
    pub rule: String,
    /// Resource address, or `*` for every resource.
    pub resource: String,
    /// Why; never empty (producers reject a suppression without a reason).
    pub reason: String,
    pub provenance: Provenance,
}

/// The whole graph for one environment.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct InfraModel {
    pub project: String,
    pub environment: String,
    pub region: String,
    pub account_id: String,
    pub backend: Option<Backend>,
    pub resources: BTreeMap<Address, Resource>,
    pub outputs: BTreeMap<String, Output>,
    /// Suppressions declared in the input itself (CloudFormation `Metadata.ecsforge.suppress`).
    pub suppressions: Vec<Suppression>,
    /// The environment whose root holds this account's and region's one-per-account
    /// resources (the AWS Config recorder, the CloudTrail trail), when that is not
    /// this model. Synth sets it; ingested models leave it `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_resources_in: Option<String>,
    /// Root-module input variables, by name. Attributes use them through
    /// [`Reference::variable`]; their values are given at plan/apply time and
    /// never stored in the model.
    pub variables: BTreeMap<String, Variable>,
}

/// A root-module input variable (Terraform `variable` block).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Variable {
    /// The Terraform type constraint, e.g. `string`.
    pub type_constraint: String,
    pub description: String,
    /// Terraform redacts the value in plans and output.
    pub sensitive: bool,
    /// Checks Terraform runs on the value given at plan/apply time.
    pub validations: Vec<VariableValidation>,
    pub provenance: Provenance,
}

/// One `validation` block: a Terraform boolean expression over `var.<name>`
/// (without `${}`) and the message shown when it is false.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VariableValidation {
    pub condition: String,
    pub error_message: String,
}

/// Errors raised when a model is assembled.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("resource address `{address}` is defined twice; hint: resource names must be unique")]
    DuplicateAddress { address: Address },
    #[error("`{from}` refers to `{to}`, which is not defined; hint: define `{to}` or drop the reference")]
    DanglingReference { from: Address, to: Address },
    #[error("`{from}` uses `var.{name}`, which is not declared; hint: add it to the model's variables")]
    UndeclaredVariable { from: Address, name: String },
}

/// The root-module output that carries [`InfraModel::account_resources_in`]
/// through Terraform, so a plan or `*.tf.json` of a root without the audit
/// resources is judged like the manifest it came from.
pub const ACCOUNT_RESOURCES_OUTPUT: &str = "ecsforge_account_resources_in";

impl InfraModel {
    /// Records that `env`'s root holds the account-wide audit resources, in
    /// the model and as the [`ACCOUNT_RESOURCES_OUTPUT`] output.
    pub fn declare_account_resources_in(&mut self, env: &str) {
        self.account_resources_in = Some(env.to_string());
        self.outputs.insert(
            ACCOUNT_RESOURCES_OUTPUT.to_string(),
            Output {
                value: Value::from(env),
                description: "The environment whose root holds this account's CloudTrail trail and AWS Config recorder"
                    .to_string(),
            },
        );
    }

    /// Sets [`InfraModel::account_resources_in`] from the
    /// [`ACCOUNT_RESOURCES_OUTPUT`] output, when an ingested root has it.
    pub fn account_resources_from_outputs(&mut self) {
        if let Some(Output { value: Value::String(env), .. }) = self.outputs.get(ACCOUNT_RESOURCES_OUTPUT) {
            self.account_resources_in = Some(env.clone());
        }
    }

    /// Adds a resource, refusing a duplicate address.
    pub fn insert(&mut self, r: Resource) -> Result<Value, ModelError> {
        let id = r.attr("id");
        if self.resources.contains_key(&r.address) {
            return Err(ModelError::DuplicateAddress { address: r.address.clone() });
        }
        self.resources.insert(r.address.clone(), r);
        Ok(id)
    }

    pub fn get(&self, a: &Address) -> Option<&Resource> {
        self.resources.get(a)
    }

    /// Resources of one kind, in address order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.resources.values().filter(move |r| r.kind == kind)
    }

    /// Checks that every reference points at a defined resource.
    pub fn check_references(&self) -> Result<(), Vec<ModelError>> {
        let mut errs = Vec::new();
        for r in self.resources.values() {
            for to in r.references() {
                if !self.resources.contains_key(to) {
                    errs.push(ModelError::DanglingReference { from: r.address.clone(), to: to.clone() });
                }
            }
            for name in r.variables() {
                if !self.variables.contains_key(name) {
                    errs.push(ModelError::UndeclaredVariable { from: r.address.clone(), name: name.to_string() });
                }
            }
        }
        for o in self.outputs.values() {
            let mut refs = Vec::new();
            o.value.collect_refs(&mut refs);
            refs.retain(|a| a.as_str() != value::VARIABLES);
            for to in refs {
                if !self.resources.contains_key(to) {
                    errs.push(ModelError::DanglingReference { from: Address("output".into()), to: to.clone() });
                }
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_parts() {
        let a = Address("module.net.module.x.aws_vpc.main".into());
        assert_eq!(a.resource_type(), "aws_vpc");
        assert_eq!(a.name(), "main");
        let b = Address::new("aws_subnet", "private_a");
        assert_eq!(b.as_str(), "aws_subnet.private_a");
        assert_eq!(b.resource_type(), "aws_subnet");
    }

    #[test]
    fn dangling_references_are_reported() {
        let mut m = InfraModel::default();
        let vpc = Resource::new(Kind::Vpc, "main", Concern::Network, Provenance::default());
        let vpc_id = vpc.attr("id");
        let subnet = Resource::new(Kind::Subnet, "a", Concern::Network, Provenance::default()).with("vpc_id", vpc_id);
        m.insert(subnet).unwrap();
        let errs = m.check_references().unwrap_err();
        assert_eq!(
            errs,
            vec![ModelError::DanglingReference {
                from: Address::new("aws_subnet", "a"),
                to: Address::new("aws_vpc", "main")
            }]
        );
        m.insert(vpc).unwrap();
        assert!(m.check_references().is_ok());
        let dup = Resource::new(Kind::Vpc, "main", Concern::Network, Provenance::default());
        assert!(matches!(m.insert(dup), Err(ModelError::DuplicateAddress { .. })));
    }
}

#[cfg(test)]
mod variable_tests {
    use super::*;

    #[test]
    fn variables_must_be_declared_and_are_not_resources() {
        let mut m = InfraModel::default();
        let secret = Resource::new(Kind::SecretsManagerSecretVersion, "v", Concern::Other, Provenance::default())
            .with("secret_string", Value::json(Value::map([("password", Value::Ref(Reference::variable("pw")))])));
        assert_eq!(secret.references(), Vec::<&Address>::new());
        assert_eq!(secret.variables(), ["pw"]);
        m.insert(secret).unwrap();
        assert_eq!(
            m.check_references().unwrap_err(),
            vec![ModelError::UndeclaredVariable {
                from: Address::new("aws_secretsmanager_secret_version", "v"),
                name: "pw".into()
            }]
        );
        m.variables.insert(
            "pw".into(),
            Variable {
                type_constraint: "string".into(),
                description: "a password".into(),
                sensitive: true,
                validations: Vec::new(),
                provenance: Provenance::default(),
            },
        );
        assert!(m.check_references().is_ok());
    }
}
