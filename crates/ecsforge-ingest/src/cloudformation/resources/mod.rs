//! Evaluated CloudFormation properties → resources in the hashicorp/aws
//! provider schema.
//!
//! Each mapped type names the attributes the analyses read; every property
//! not mapped explicitly is kept under its snake_case name (nested keys in
//! snake_case and mappings as Terraform-style blocks), so nothing is dropped.
//! Types without a mapping become `cfn:<Type>` with snake_case property
//! names and values exactly as evaluated.

use std::collections::BTreeMap;

use ecsforge_model::{Concern, Kind, Provenance, Reference, Resource, Value};

use super::eval::ResInfo;
use super::names::{is_property_name, snake_case};
use super::tree::pointer_token;
use crate::IngestError;

mod compute;
mod ecs;
mod elb;
mod iam;
mod network;
mod storage;

type R<T> = Result<T, IngestError>;

/// The mapping context of one CloudFormation resource.
pub(crate) struct Cx<'t, 'i> {
    pub info: &'i ResInfo<'t>,
    prov: Provenance,
    out: Vec<Resource>,
}

impl<'t, 'i> Cx<'t, 'i> {
    pub fn new(info: &'i ResInfo<'t>, prov: Provenance) -> Self {
        let kind = Kind::from_terraform_type(info.address.resource_type());
        let mut primary = Resource::new(kind, &info.id, Concern::Other, prov.clone());
        primary.taggable = primary.taggable && super::names::cfn_supports_tags(&info.cfn_type);
        Cx { info, prov, out: vec![primary] }
    }

    /// The resource the logical id maps to (what `Ref` points at).
    pub fn primary(&mut self) -> &mut Resource {
        &mut self.out[0]
    }

    /// A resource split out of this one: `<tf_type>.<LogicalId>_<suffix>`,
    /// with the provenance of `Properties/<path>`.
    pub fn part(&mut self, tf_type: &str, suffix: &str, path: &[&str]) -> &mut Resource {
        let mut name = format!("{}_{suffix}", self.info.id);
        let taken = |n: &str, out: &[Resource]| {
            out.iter().any(|r| r.address.resource_type() == tf_type && r.address.name() == n)
        };
        let mut i = 2;
        while taken(&name, &self.out) {
            name = format!("{}_{suffix}_{i}", self.info.id);
            i += 1;
        }
        let mut full = vec!["Properties"];
        full.extend_from_slice(path);
        let (line, col) = match self.info.node.at_path(&full) {
            Some(n) => (n.at.line, n.at.col),
            None => (self.prov.line, self.prov.col),
        };
        let pointer = full.iter().fold(self.prov.pointer.clone(), |p, t| format!("{p}/{}", pointer_token(t)));
        let prov = Provenance { pointer, line, col, ..self.prov.clone() };
        let mut part = Resource::new(Kind::from_terraform_type(tf_type), &name, Concern::Other, prov);
        // A property of another resource (an inline rule) carries no tags of its own.
        part.taggable = false;
        self.out.push(part);
        self.out.last_mut().expect("just pushed")
    }

    /// A reference to an attribute of the primary resource.
    pub fn self_ref(&self, attr: &str) -> Value {
        Value::Ref(Reference { address: self.info.address.clone(), attr: attr.to_string() })
    }

    pub fn finish(self) -> Vec<Resource> {
        self.out
    }
}

/// Evaluated properties, taken one by one; what is left is kept generically.
pub(crate) struct Props(BTreeMap<String, Value>);

impl Props {
    pub fn new(m: BTreeMap<String, Value>) -> Self {
        Props(m)
    }
    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key)
    }
    fn drain(&mut self) -> BTreeMap<String, Value> {
        std::mem::take(&mut self.0)
    }
}

/// Sets an attribute when there is a value.
pub(crate) trait Put {
    fn put(&mut self, key: &str, v: Option<Value>);
}

impl Put for Resource {
    fn put(&mut self, key: &str, v: Option<Value>) {
        if let Some(v) = v {
            self.attrs.insert(key.to_string(), v);
        }
    }
}

// ---- value shapes ------------------------------------------------------------

/// `"true"`/`"false"` → booleans (CloudFormation coerces them; parameters are strings).
pub(crate) fn boolish(v: Value) -> Value {
    match &v {
        Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        _ => v,
    }
}

/// Numeric strings → numbers (parameters are strings).
pub(crate) fn numish(v: Value) -> Value {
    match &v {
        Value::String(s) => {
            if let Ok(i) = s.trim().parse::<i64>() {
                Value::from(i)
            } else if let Some(n) = s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Value::Number(n)
            } else {
                v
            }
        }
        _ => v,
    }
}

/// Numbers and booleans → strings (attributes the provider types as strings).
pub(crate) fn stringish(v: Value) -> Value {
    match &v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        _ => v,
    }
}

/// A field of a mapping value.
pub(crate) fn field(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m) => m.get(key).cloned(),
        _ => None,
    }
}

/// A list of ids: a single value becomes a one-item list; unknown stays unknown.
pub(crate) fn id_list(v: Option<Value>) -> Option<Value> {
    v.map(|v| match v {
        Value::List(_) | Value::Unknown => v,
        other => Value::List(vec![other]),
    })
}

/// serde_json → model values.
pub(crate) fn from_json(j: serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Number(n),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(a) => Value::List(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Map(o.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

/// A JSON document attribute (IAM policies, lifecycle policies): structured
/// values and JSON text both become [`Value::Json`]; text that is built from
/// references or unknown stays as it is.
pub(crate) fn json_doc(v: Value) -> Value {
    match v {
        Value::Map(_) | Value::List(_) => Value::json(v),
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(j @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => Value::json(from_json(j)),
            _ => Value::String(s),
        },
        other => other,
    }
}

/// CloudFormation `Tags: [{Key, Value}]` → Terraform `tags = {Key = Value}`.
pub(crate) fn tags(v: Value) -> Value {
    let Value::List(list) = &v else { return v };
    let mut out = BTreeMap::new();
    for t in list {
        match (field(t, "Key"), field(t, "Value")) {
            (Some(Value::String(k)), Some(val)) => {
                out.insert(k, val);
            }
            _ => return v,
        }
    }
    Value::Map(out)
}

fn looks_like_policy(m: &BTreeMap<String, Value>) -> bool {
    m.contains_key("Statement")
}

fn convert(v: Value, as_blocks: bool) -> Value {
    match v {
        Value::Map(m) if looks_like_policy(&m) => Value::json(Value::Map(m)),
        Value::Map(m) => {
            let map = Value::Map(
                m.into_iter()
                    .map(|(k, v)| {
                        if k == "Tags" {
                            ("tags".to_string(), tags(v))
                        } else if is_property_name(&k) {
                            (snake_case(&k), convert(v, as_blocks))
                        } else {
                            (k, convert(v, as_blocks))
                        }
                    })
                    .collect(),
            );
            if as_blocks { Value::List(vec![map]) } else { map }
        }
        Value::List(l) => Value::List(
            l.into_iter()
                .map(|x| match convert(x, as_blocks) {
                    // A list of blocks is already a list: do not wrap each item again.
                    Value::List(mut inner) if as_blocks && inner.len() == 1 && matches!(inner[0], Value::Map(_)) => {
                        inner.remove(0)
                    }
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

/// Keys to snake_case, nested mappings kept as mappings.
pub(crate) fn generic(v: Value) -> Value {
    convert(v, false)
}

/// Keys to snake_case, nested mappings as Terraform blocks (lists of one map).
pub(crate) fn blocks(v: Value) -> Value {
    convert(v, true)
}

/// How [`keep_rest`] keeps a property's value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Nested keys snake_case, mappings as Terraform blocks (`aws_*` types).
    Blocks,
    /// The value exactly as evaluated (`cfn:` types: nothing is guessed or lost).
    Verbatim,
}

/// Moves every remaining property onto `r` under its snake_case name.
pub(crate) fn keep_rest(r: &mut Resource, props: &mut Props, keep: Keep) {
    for (k, v) in props.drain() {
        let (key, value) = if k == "Tags" {
            ("tags".to_string(), tags(v))
        } else if k.ends_with("PolicyDocument") || k == "KeyPolicy" || k.ends_with("PolicyText") {
            (snake_case(&k), json_doc(v))
        } else {
            (snake_case(&k), if keep == Keep::Blocks { blocks(v) } else { v })
        };
        r.attrs.insert(key, value);
    }
}

/// Translates one resource.
pub(crate) fn map(cx: &mut Cx<'_, '_>, mut p: Props) -> R<()> {
    let ty = cx.info.cfn_type.clone();
    match ty.as_str() {
        "AWS::EC2::VPC" => network::vpc(cx, &mut p),
        "AWS::EC2::Subnet" => network::subnet(cx, &mut p),
        "AWS::EC2::InternetGateway" => {}
        "AWS::EC2::VPCGatewayAttachment" => network::gateway_attachment(cx, &mut p),
        "AWS::EC2::NatGateway" => network::nat_gateway(cx, &mut p),
        "AWS::EC2::EIP" => network::eip(cx, &mut p),
        "AWS::EC2::RouteTable" => network::renames(cx, &mut p, &[("VpcId", "vpc_id")]),
        "AWS::EC2::Route" => network::route(cx, &mut p),
        "AWS::EC2::SubnetRouteTableAssociation" => {
            network::renames(cx, &mut p, &[("SubnetId", "subnet_id"), ("RouteTableId", "route_table_id")])
        }
        "AWS::EC2::VPCEndpoint" => network::vpc_endpoint(cx, &mut p),
        "AWS::EC2::SecurityGroup" => network::security_group(cx, &mut p),
        "AWS::EC2::SecurityGroupIngress" => network::sg_rule(cx, &mut p, false),
        "AWS::EC2::SecurityGroupEgress" => network::sg_rule(cx, &mut p, true),
        "AWS::EC2::NetworkAcl" => network::renames(cx, &mut p, &[("VpcId", "vpc_id")]),
        "AWS::EC2::NetworkAclEntry" => network::nacl_entry(cx, &mut p),
        "AWS::EC2::SubnetNetworkAclAssociation" => {
            network::renames(cx, &mut p, &[("SubnetId", "subnet_id"), ("NetworkAclId", "network_acl_id")])
        }
        "AWS::EC2::FlowLog" => network::flow_log(cx, &mut p),
        "AWS::EC2::Instance" => compute::instance(cx, &mut p),
        "AWS::ECS::Cluster" => ecs::cluster(cx, &mut p),
        "AWS::ECS::ClusterCapacityProviderAssociations" => ecs::capacity_provider_associations(cx, &mut p),
        "AWS::ECS::Service" => ecs::service(cx, &mut p),
        "AWS::ECS::TaskDefinition" => ecs::task_definition(cx, &mut p),
        "AWS::ApplicationAutoScaling::ScalableTarget" => ecs::scalable_target(cx, &mut p),
        "AWS::ApplicationAutoScaling::ScalingPolicy" => ecs::scaling_policy(cx, &mut p),
        "AWS::ECR::Repository" => storage::ecr_repository(cx, &mut p),
        "AWS::Logs::LogGroup" => storage::log_group(cx, &mut p),
        "AWS::KMS::Key" => storage::kms_key(cx, &mut p),
        "AWS::KMS::Alias" => network::renames(cx, &mut p, &[("AliasName", "name"), ("TargetKeyId", "target_key_id")]),
        "AWS::S3::Bucket" => storage::s3_bucket(cx, &mut p),
        "AWS::S3::BucketPolicy" => storage::s3_bucket_policy(cx, &mut p),
        "AWS::CloudWatch::Alarm" => compute::alarm(cx, &mut p),
        "AWS::CloudFormation::Stack" => compute::stack(cx, &mut p),
        // Name, Description, KmsKeyId keep their names; GenerateSecretString,
        // SecretString and ReplicaRegions are kept as blocks like any other property.
        "AWS::SecretsManager::Secret" => {}
        "AWS::IAM::Role" => iam::role(cx, &mut p),
        "AWS::IAM::Policy" => iam::policy(cx, &mut p),
        "AWS::IAM::ManagedPolicy" => iam::managed_policy(cx, &mut p),
        "AWS::IAM::InstanceProfile" => iam::instance_profile(cx, &mut p),
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => elb::load_balancer(cx, &mut p),
        "AWS::ElasticLoadBalancingV2::Listener" => elb::listener(cx, &mut p),
        "AWS::ElasticLoadBalancingV2::ListenerRule" => elb::listener_rule(cx, &mut p),
        "AWS::ElasticLoadBalancingV2::TargetGroup" => elb::target_group(cx, &mut p),
        _ => {
            // Unmodelled: keep everything as written, property names in snake_case.
            let r = cx.primary();
            keep_rest(r, &mut p, Keep::Verbatim);
            return Ok(());
        }
    }
    keep_rest(cx.primary(), &mut p, Keep::Blocks);
    Ok(())
}
