//! Shared machinery: clients, error mapping, the read items, and the model
//! build (addresses, the id/ARN index, references).

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use ecsforge_model::{Address, Concern, InfraModel, Kind, Provenance, Reference, Resource, Value};

use crate::{LiveError, Scope};

/// The Terraform types the live adapter reads.
pub const LIVE_TYPES: &[&str] = &[
    "aws_appautoscaling_policy",
    "aws_appautoscaling_target",
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_registry_policy",
    "aws_ecr_repository",
    "aws_ecr_repository_policy",
    "aws_ecs_cluster",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_flow_log",
    "aws_iam_policy",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_internet_gateway",
    "aws_kms_alias",
    "aws_kms_key",
    "aws_lb",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_lb_target_group",
    "aws_nat_gateway",
    "aws_network_acl",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    "aws_s3_bucket",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_policy",
    "aws_secretsmanager_secret_rotation",
    "aws_security_group",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_endpoint",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
];

/// The clients and the scope of one read.
pub(crate) struct Ctx<'a> {
    pub scope: &'a Scope,
    pub region: String,
    endpoint: Option<String>,
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub iam: aws_sdk_iam::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub kms: aws_sdk_kms::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub s3: aws_sdk_s3::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub sts: aws_sdk_sts::Client,
}

impl<'a> Ctx<'a> {
    pub fn new(cfg: &SdkConfig, scope: &'a Scope) -> Self {
        let region = cfg.region().map(|r| r.to_string()).unwrap_or_else(|| scope.region.clone());
        Ctx {
            scope,
            region,
            endpoint: cfg.endpoint_url().map(str::to_string),
            ec2: aws_sdk_ec2::Client::new(cfg),
            ecs: aws_sdk_ecs::Client::new(cfg),
            ecr: aws_sdk_ecr::Client::new(cfg),
            iam: aws_sdk_iam::Client::new(cfg),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(cfg),
            logs: aws_sdk_cloudwatchlogs::Client::new(cfg),
            secrets: aws_sdk_secretsmanager::Client::new(cfg),
            kms: aws_sdk_kms::Client::new(cfg),
            cloudwatch: aws_sdk_cloudwatch::Client::new(cfg),
            // An endpoint override (moto, LocalStack) serves buckets by path, not by host name.
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(cfg).force_path_style(cfg.endpoint_url().is_some()).build(),
            ),
            autoscaling: aws_sdk_applicationautoscaling::Client::new(cfg),
            sts: aws_sdk_sts::Client::new(cfg),
        }
    }

    pub async fn account_id(&self) -> Result<String, LiveError> {
        let out =
            self.sts.get_caller_identity().send().await.map_err(|e| self.err("sts", "GetCallerIdentity", None, e))?;
        Ok(out.account.unwrap_or_default())
    }

    /// A [`LiveError`] for a failed call, with a hint by failure class.
    pub fn err<E, R>(
        &self,
        service: &'static str,
        operation: &'static str,
        resource: Option<&str>,
        e: SdkError<E, R>,
    ) -> LiveError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let endpoint = self.endpoint.clone().unwrap_or_else(|| format!("the {service} endpoint of {}", self.region));
        let (message, hint) = match &e {
            // Before any connection: no identity (credentials) to sign the request with.
            SdkError::DispatchFailure(d)
                if !(d.is_io() || d.is_timeout())
                    && ["identity", "credential"].iter().any(|w| root_cause(&e).to_lowercase().contains(w)) =>
            {
                (
                format!("no credentials to sign the request with ({})", lower(&root_cause(&e)).split(". ").next().unwrap_or("")),
                "configure credentials: set AWS_PROFILE (or `--profile`), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
                 or run `aws sso login`"
                    .to_string(),
                )
            }
            SdkError::DispatchFailure(_) => (
                format!("could not reach {endpoint}: {}", lower(&root_cause(&e))),
                "check the endpoint (`--endpoint`/`aws.endpoint`), the network and the region".to_string(),
            ),
            SdkError::TimeoutError(_) => (
                format!("timed out talking to {endpoint}"),
                "check the network, or retry later; the call was retried 3 times".to_string(),
            ),
            SdkError::ConstructionFailure(_) => (
                lower(&DisplayErrorContext(&e).to_string()),
                "are credentials configured? set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
                    .to_string(),
            ),
            _ => {
                let code = e.code().unwrap_or("unknown error").to_string();
                let msg = e.message().unwrap_or("").to_string();
                let hint = match code.as_str() {
                    c if c.contains("AccessDenied") || c.contains("Unauthorized") => {
                        format!("the identity lacks permission for {service}:{operation}; grant read access (e.g. the ReadOnlyAccess policy)")
                    }
                    c if c.contains("Token") || c.contains("Signature") || c.contains("AuthFailure") || c.contains("Credential") => {
                        "the credentials are invalid or expired; refresh them (`aws sso login`, a new session token)".to_string()
                    }
                    c if c.contains("Throttl") || c.contains("RequestLimit") => {
                        "the API is throttling; retry later".to_string()
                    }
                    _ if matches!(e, SdkError::ResponseError(_)) => {
                        format!("the answer was not an AWS {service} response; is {endpoint} the right endpoint and region?")
                    }
                    _ => format!("check that the resource exists in {} and the region is right", self.region),
                };
                let message = if msg.is_empty() { lower(&code) } else { format!("{} ({code})", lower(&msg)) };
                (message, hint)
            }
        };
        LiveError::Call { service, operation, resource: resource.map(str::to_string), message, hint }
    }
}

/// The innermost error's message (`Connection refused (os error 111)`).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The first letter lowercased (messages start lowercase).
fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One read resource, before it has an address.
pub(crate) struct Item {
    pub kind: Kind,
    /// The Terraform id.
    pub id: String,
    pub arn: Option<String>,
    /// The name the address is made from (before sanitising).
    pub name: String,
    /// Other handles Terraform configuration refers to it by (`name`, `prefix_list_id`): value → attribute.
    pub handles: Vec<(String, &'static str)>,
    pub service: &'static str,
    pub attrs: BTreeMap<String, Value>,
}

impl Item {
    pub fn new(kind: Kind, service: &'static str, id: impl Into<String>, name: impl Into<String>) -> Self {
        let id = id.into();
        let mut attrs = BTreeMap::new();
        attrs.insert("id".to_string(), Value::from(id.clone()));
        Item { kind, id, arn: None, name: name.into(), handles: Vec::new(), service, attrs }
    }
    pub fn arn(mut self, arn: Option<&str>) -> Self {
        if let Some(a) = arn.filter(|a| !a.is_empty()) {
            self.arn = Some(a.to_string());
            self.attrs.insert("arn".into(), Value::from(a));
        }
        self
    }
    pub fn set(&mut self, key: &str, v: impl Into<Value>) {
        self.attrs.insert(key.to_string(), v.into());
    }
    /// Sets `key` when `v` is present.
    pub fn opt(&mut self, key: &str, v: Option<impl Into<Value>>) {
        if let Some(v) = v {
            self.attrs.insert(key.to_string(), v.into());
        }
    }
    pub fn tags(&mut self, tags: BTreeMap<String, String>) {
        self.attrs.insert("tags".into(), Value::from(tags));
    }
}

/// The `Name` tag, or `fallback`.
pub(crate) fn name_of(tags: &BTreeMap<String, String>, fallback: &str) -> String {
    tags.get("Name").cloned().unwrap_or_else(|| fallback.to_string())
}

/// A string list value.
pub(crate) fn strings<S: AsRef<str>>(v: impl IntoIterator<Item = S>) -> Value {
    Value::List(v.into_iter().map(|s| Value::from(s.as_ref())).collect())
}

/// `s` in the casing of the first of `canonical` it equals case-insensitively.
pub(crate) fn norm(s: &str, canonical: &[&str]) -> String {
    canonical.iter().find(|c| c.eq_ignore_ascii_case(s)).map(|c| c.to_string()).unwrap_or_else(|| s.to_string())
}

/// Every non-empty string the items' attributes hold under a key `under`
/// accepts, at any depth (what read resources refer to by name or ARN).
pub(crate) fn strings_under(items: &[Item], under: impl Fn(&str) -> bool) -> BTreeSet<String> {
    fn walk(key: &str, v: &Value, under: &dyn Fn(&str) -> bool, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if under(key) && !s.is_empty() => {
                out.insert(s.clone());
            }
            Value::List(l) => l.iter().for_each(|x| walk(key, x, under, out)),
            Value::Map(m) => m.iter().for_each(|(k, x)| walk(k, x, under, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for it in items {
        for (k, v) in &it.attrs {
            walk(k, v, &under, &mut out);
        }
    }
    out
}

/// A map value of the entries that are present.
pub(crate) fn present(entries: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Value {
    Value::Map(entries.into_iter().filter_map(|(k, v)| Some((k.to_string(), v?))).collect())
}

/// A JSON document attribute: parsed when it parses, the string otherwise.
/// IAM returns documents URL-encoded; those are decoded first.
pub(crate) fn document(text: &str) -> Value {
    let decoded;
    let text =
        if text.trim_start().starts_with('%') || (!text.trim_start().starts_with(['{', '[']) && text.contains('%')) {
            decoded = percent_decode(text);
            decoded.as_str()
        } else {
            text
        };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(j) => Value::json(json(&j)),
        Err(_) => Value::from(text),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// A JSON value as a model value (nothing reinterpreted inside).
pub(crate) fn json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.clone()),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(json).collect()),
        serde_json::Value::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), json(v))).collect()),
    }
}

/// A Terraform identifier from a name: `<project>-<environment>` removed,
/// `main` when nothing is left, other characters than `[A-Za-z0-9_]` as `_`.
pub(crate) fn ident(scope: &Scope, name: &str) -> String {
    let prefix = scope.prefix();
    let slash = format!("{}/{}", scope.project, scope.environment);
    let trimmed = name.trim_matches('/');
    let mut rest = if trimmed == prefix || trimmed == slash {
        String::new()
    } else if let Some(r) =
        trimmed.strip_prefix(&format!("{prefix}-")).or_else(|| trimmed.strip_prefix(&format!("{slash}/")))
    {
        r.to_string()
    } else if trimmed.contains('/') {
        trimmed.split('/').filter(|seg| *seg != prefix).collect::<Vec<_>>().join("/")
    } else {
        trimmed.to_string()
    };
    if rest.is_empty() {
        rest = "main".into();
    }
    let mut out: String = rest.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Attributes Terraform configuration writes as references, and the
/// attribute of the target they name when the value is the target's id.
fn ref_key(key: &str) -> bool {
    // The model's list (shared with plan ingest), plus the names only live
    // descriptions use.
    ecsforge_model::link::is_reference_key(key) || matches!(key, "vpc" | "cluster_name" | "arn" | "bucket")
}

/// Set-typed attributes whose order means nothing: sorted for determinism.
fn set_key(key: &str) -> bool {
    matches!(key, "subnet_ids" | "subnets" | "security_groups" | "security_group_ids" | "route_table_ids")
}

/// Gives every item an address, indexes ids/ARNs/handles, resolves references.
pub(crate) fn build(scope: &Scope, region: &str, mut items: Vec<Item>) -> InfraModel {
    items.sort_by(|a, b| (a.kind.terraform_type(), &a.id).cmp(&(b.kind.terraform_type(), &b.id)));
    // Addresses: the state's (`<type> <id>`, id, ARN), else derived from the
    // name; derived ones that clash get the id appended.
    let known: Vec<Option<Address>> = items
        .iter()
        .map(|it| {
            let ty = it.kind.terraform_type();
            scope
                .names
                .get(&format!("{ty} {}", it.id))
                .or_else(|| scope.names.get(&it.id))
                .or_else(|| it.arn.as_ref().and_then(|a| scope.names.get(a)))
                .cloned()
        })
        .collect();
    let wanted: Vec<Address> = items
        .iter()
        .zip(&known)
        .map(|(it, k)| k.clone().unwrap_or_else(|| Address::new(it.kind.terraform_type(), &ident(scope, &it.name))))
        .collect();
    let mut count: BTreeMap<&Address, usize> = BTreeMap::new();
    for a in &wanted {
        *count.entry(a).or_default() += 1;
    }
    let addresses: Vec<Address> =
        items
            .iter()
            .zip(&known)
            .zip(&wanted)
            .map(|((it, k), a)| {
                if count[a] > 1 && k.is_none() {
                    Address(format!("{}_{}", a.0, ident(scope, &it.id)))
                } else {
                    a.clone()
                }
            })
            .collect();
    // Index: ARNs, then ids (an id equal to the ARN names the `id`), then
    // other handles. Resources nothing refers to by id are left out, so a
    // policy named like its repository does not shadow the repository.
    let mut index: BTreeMap<String, Reference> = BTreeMap::new();
    for (it, a) in items.iter().zip(&addresses) {
        if matches!(
            it.kind,
            Kind::EcrRepositoryPolicy
                | Kind::EcrLifecyclePolicy
                | Kind::Other(_)
                | Kind::IamRolePolicy
                | Kind::IamRolePolicyAttachment
                | Kind::S3BucketEncryption
                | Kind::S3BucketVersioning
                | Kind::S3BucketPublicAccessBlock
                | Kind::S3BucketPolicy
                | Kind::SecretsManagerSecretPolicy
                | Kind::SecretsManagerSecretRotation
                | Kind::EcsClusterCapacityProviders
                | Kind::Route
                | Kind::RouteTableAssociation
        ) {
            continue;
        }
        let r = |attr: &str| Reference { address: a.clone(), attr: attr.to_string() };
        if let Some(arn) = &it.arn {
            index.insert(arn.clone(), r("arn"));
        }
        index.insert(it.id.clone(), r("id"));
        for (h, attr) in &it.handles {
            index.entry(h.clone()).or_insert_with(|| r(attr));
        }
    }
    let mut model = InfraModel::default();
    for (it, address) in items.into_iter().zip(addresses) {
        let pointer = it.arn.clone().filter(|_| it.id.is_empty()).unwrap_or_else(|| it.id.clone());
        let mut attrs = BTreeMap::new();
        for (k, v) in it.attrs {
            let v = if k == "id" || k == "arn" { v } else { resolve(&k, v, &index, &address) };
            attrs.insert(k, v);
        }
        let r = Resource {
            address,
            taggable: it.kind.taggable(),
            kind: it.kind,
            attrs,
            depends_on: Vec::new(),
            ignore_changes: Vec::new(),
            concern: Concern::Other,
            provenance: Provenance { file: format!("aws://{region}/{}", it.service), pointer, line: 0, col: 0 },
        };
        // Addresses are unique by construction, except for a names map giving two ids one address.
        let _ = model.insert(r);
    }
    model
}

fn resolve(key: &str, v: Value, index: &BTreeMap<String, Reference>, own: &Address) -> Value {
    match v {
        Value::String(s) if ref_key(key) => match index.get(&s) {
            // `*_arn` attributes name the target's `arn`, whatever else the value is.
            Some(r) if &r.address != own && (key.ends_with("_arn") || key == "arn") => {
                Value::Ref(Reference { address: r.address.clone(), attr: "arn".into() })
            }
            Some(r) if &r.address != own => Value::Ref(r.clone()),
            _ => Value::String(s),
        },
        Value::List(l) => {
            let mut out: Vec<Value> = l.into_iter().map(|x| resolve(key, x, index, own)).collect();
            if set_key(key) {
                out.sort_by_key(sort_key);
                let mut seen = BTreeSet::new();
                out.retain(|x| seen.insert(sort_key(x)));
            }
            Value::List(out)
        }
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, x)| {
                    let x = resolve(&k, x, index, own);
                    (k, x)
                })
                .collect(),
        ),
        other => other,
    }
}

fn sort_key(v: &Value) -> String {
    match v {
        Value::Ref(r) => format!("{}.{}", r.address, r.attr),
        Value::String(s) => format!("~{s}"),
        other => format!("~~{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            project: "shop".into(),
            environment: "dev".into(),
            region: "eu-central-1".into(),
            names: BTreeMap::new(),
        }
    }

    #[test]
    fn identifiers_drop_the_scope_prefix() {
        let s = scope();
        let cases = [
            ("shop-dev", "main"),
            ("shop-dev-private-a", "private_a"),
            ("shop-dev-ecr.dkr", "ecr_dkr"),
            ("shop/dev/api", "api"),
            ("/ecs/shop-dev/api", "ecs_api"),
            ("other-dev-api", "other_dev_api"),
            ("10.0.0.0/16", "_10_0_0_0_16"),
        ];
        for (name, want) in cases {
            assert_eq!(ident(&s, name), want, "{name}");
        }
    }

    #[test]
    fn names_in_scope_by_prefix_or_path() {
        let s = scope();
        for yes in ["shop-dev", "shop-dev-api", "shop/dev/api", "shop/dev/api/DB_PASSWORD"] {
            assert!(s.named_or_under(yes), "{yes}");
        }
        for no in ["shop-devx", "shop/dev", "shop/devx/api", "other/dev/api", "shop/prod/api", "api"] {
            assert!(!s.named_or_under(no), "{no}");
        }
    }

    #[test]
    fn documents_are_parsed_and_url_decoded() {
        let plain = document(r#"{"Version":"2012-10-17","Statement":[]}"#);
        let encoded = document("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D");
        assert_eq!(plain, encoded);
        assert_eq!(plain.get("Version"), Some(&Value::from("2012-10-17")));
        // A document with a literal `%` is not decoded; text that is no JSON stays a string.
        let pct = document(r#"{"Sid":"100%"}"#);
        assert_eq!(pct.get("Sid"), Some(&Value::from("100%")));
        assert_eq!(document("not json"), Value::from("not json"));
    }

    #[test]
    fn enum_values_take_the_provider_casing() {
        assert_eq!(norm("interface", &["Interface", "Gateway"]), "Interface");
        assert_eq!(norm("GATEWAY", &["Interface", "Gateway"]), "Gateway");
        assert_eq!(norm("Other", &["Interface", "Gateway"]), "Other");
    }
}
