//! Manifest → [`InfraModel`] for one environment.
//!
//! Architecture invariant: pure. The same manifest and environment always give
//! the same model, and every reference in it points at a resource it defines
//! (checked before returning).

use std::collections::BTreeMap;

use ecsforge_manifest::{Env, Environment, Loc, Manifest};
use ecsforge_model::{Address, Backend, Concern, InfraModel, Kind, ModelError, Output, Provenance, Resource, Value};

mod alb;
mod audit;
pub mod bootstrap;
mod bucket;
mod capacity;
pub mod ci;
mod cluster;
mod data;
mod discovery;
mod fileserver;
mod monitoring;
mod names;
mod network;
mod policy;
mod rollout;
mod security;
mod service;

pub use fileserver::{PASSWORD_VARIABLE as FILE_SERVER_PASSWORD_VARIABLE, secret_name as file_server_secret_name};
pub use names::{aws_name, tf_ident};

/// Synth failures. Validation already ran, so these point at ecsforge bugs or
/// at an environment the manifest does not declare.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("environment `{env}` is not declared in {file}; hint: declared environments are: {declared}")]
    UnknownEnvironment { env: String, file: String, declared: String },
    #[error("internal error while synthesizing {env}: {errors:?}; hint: please report this as an ecsforge bug")]
    Model { env: String, errors: Vec<ModelError> },
}

/// Synthesizes every declared environment, in promotion order.
pub fn synth_all(m: &Manifest) -> Result<Vec<InfraModel>, SynthError> {
    m.environments.keys().map(|e| synth(m, *e)).collect()
}

/// Synthesizes one environment.
pub fn synth(m: &Manifest, env: Env) -> Result<InfraModel, SynthError> {
    let Some(environment) = m.environments.get(&env) else {
        return Err(SynthError::UnknownEnvironment {
            env: env.to_string(),
            file: m.file.clone(),
            declared: m.environments.keys().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
        });
    };
    let mut cx = Cx::new(m, environment);
    let net = network::build(&mut cx);
    let keys = security::build(&mut cx);
    audit::build(&mut cx, &keys);
    security::operator_roles(&mut cx);
    let cluster = cluster::build(&mut cx, &keys);
    let endpoints_sg = network::endpoints_sg(&mut cx, &net);
    let alb = if m.has_public_services() { Some(alb::build(&mut cx, &net)) } else { None };
    let ec2 = capacity::build(&mut cx, &net, &endpoints_sg);
    let namespace = discovery::build(&mut cx, &net);
    let tables = data::build(&mut cx);
    let shared = service::Shared {
        net: &net,
        keys: &keys,
        cluster: &cluster,
        alb: alb.as_ref(),
        endpoints_sg: &endpoints_sg,
        ec2: ec2.as_ref(),
        namespace: namespace.as_ref(),
        tables: tables.as_ref(),
    };
    let service_sgs = service::build_all(&mut cx, &shared);
    network::endpoints(&mut cx, &net, &endpoints_sg, &service_sgs);
    fileserver::build(&mut cx, &net, &endpoints_sg, &service_sgs);
    monitoring::build(&mut cx, &cluster, alb.as_ref());
    for s in &m.suppressions {
        let provenance = cx.prov(&s.loc);
        cx.model.suppressions.push(ecsforge_model::Suppression {
            rule: s.rule.clone(),
            resource: s.resource.clone(),
            reason: s.reason.clone(),
            provenance,
        });
    }
    ci::build(&mut cx);
    cx.finish()
}

/// Shared synth state: the model under construction plus naming context.
pub(crate) struct Cx<'m> {
    pub m: &'m Manifest,
    pub env: &'m Environment,
    pub model: InfraModel,
    /// `<project>-<env>`, the prefix of every AWS-side name.
    pub prefix: String,
    tags: BTreeMap<String, String>,
    errors: Vec<ModelError>,
    /// What each service asks monitoring to watch, in manifest order.
    pub watched: Vec<monitoring::Watched>,
}

impl<'m> Cx<'m> {
    fn new(m: &'m Manifest, env: &'m Environment) -> Self {
        let mut tags = m.tags.clone();
        tags.insert("Environment".into(), env.env.to_string());
        tags.insert("ManagedBy".into(), "ecsforge".into());
        tags.insert("Project".into(), m.project.value.clone());
        let model = InfraModel {
            project: m.project.value.clone(),
            environment: env.env.to_string(),
            region: m.region.value.clone(),
            account_id: m.account_id.value.clone(),
            backend: Some(Backend {
                bucket: m.state.bucket.clone(),
                key: format!("{}/{}/terraform.tfstate", m.state.key_prefix, env.env),
                region: m.state.region.clone(),
                dynamodb_table: m.state.lock_table.clone(),
            }),
            ..InfraModel::default()
        };
        Cx {
            m,
            env,
            model,
            prefix: format!("{}-{}", m.project.value, env.env),
            tags,
            errors: Vec::new(),
            watched: Vec::new(),
        }
    }

    pub fn region(&self) -> &str {
        &self.m.region.value
    }

    pub fn account(&self) -> &str {
        &self.m.account_id.value
    }

    /// Provenance pointing at a manifest location.
    pub fn prov(&self, loc: &Loc) -> Provenance {
        Provenance { file: self.m.file.clone(), pointer: loc.pointer.clone(), line: loc.line, col: loc.col }
    }

    /// Provenance of environment-wide resources: the environment's entry.
    pub fn env_prov(&self) -> Provenance {
        self.prov(&self.env.loc)
    }

    /// A new resource of `kind` named `name`.
    pub fn res(&self, kind: Kind, name: &str, concern: Concern, prov: Provenance) -> Resource {
        Resource::new(kind, name, concern, prov)
    }

    /// Adds a resource, tagging it (with a `Name` tag) when its type takes tags.
    pub fn add(&mut self, mut r: Resource, name_tag: Option<&str>) -> Address {
        if r.kind.taggable() {
            let mut tags = self.tags.clone();
            if let Some(n) = name_tag {
                tags.insert("Name".into(), n.to_string());
            }
            r.set("tags", Value::from(tags));
        }
        let address = r.address.clone();
        if let Err(e) = self.model.insert(r) {
            self.errors.push(e);
        }
        address
    }

    pub fn output(&mut self, name: &str, value: Value, description: &str) {
        self.model.outputs.insert(name.to_string(), Output { value, description: description.to_string() });
    }

    fn finish(mut self) -> Result<InfraModel, SynthError> {
        if let Err(errs) = self.model.check_references() {
            self.errors.extend(errs);
        }
        if self.errors.is_empty() {
            Ok(self.model)
        } else {
            Err(SynthError::Model { env: self.env.env.to_string(), errors: self.errors })
        }
    }
}

/// A reference value to an attribute of `address`.
pub(crate) fn r(address: &Address, attr: &str) -> Value {
    Value::Ref(ecsforge_model::Reference { address: address.clone(), attr: attr.to_string() })
}
