//! The live ingest adapter against a local moto server: a small platform is
//! created with the SDK, read back with `read_live`, and the model snapshotted.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, IpPermission, IpRange, ResourceType, Tag, TagSpecification, UserIdGroupPair, VpcEndpointType,
};
use ecsforge_aws::moto::MotoServer;
use ecsforge_aws::{Scope, read_live};
use ecsforge_model::{InfraModel, Value, value::Part};

const REGION: &str = "eu-central-1";

fn moto() -> MotoServer {
    MotoServer::start().unwrap_or_else(|e| panic!("{e}"))
}

fn scope(project: &str, environment: &str) -> Scope {
    Scope { project: project.into(), environment: environment.into(), region: REGION.into(), names: BTreeMap::new() }
}

fn tags(project: &str, env: &str, name: &str) -> Vec<Tag> {
    [("Project", project), ("Environment", env), ("ManagedBy", "ecsforge"), ("Name", name)]
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn spec(rt: ResourceType, project: &str, env: &str, name: &str) -> TagSpecification {
    TagSpecification::builder().resource_type(rt).set_tags(Some(tags(project, env, name))).build()
}

/// Tags EC2 resources (moto ignores tag specifications on some create calls).
async fn tag(cfg: &SdkConfig, id: &str, project: &str, env: &str, name: &str) {
    aws_sdk_ec2::Client::new(cfg)
        .create_tags()
        .resources(id)
        .set_tags(Some(tags(project, env, name)))
        .send()
        .await
        .unwrap();
}

/// The network part of the platform: a VPC with DNS attributes, two private
/// subnets with their route tables, a public route to an internet gateway,
/// S3 gateway and ECR interface endpoints, and security groups with rules.
async fn network(cfg: &SdkConfig, p: &str, e: &str, cidr: &str) -> String {
    let ec2 = aws_sdk_ec2::Client::new(cfg);
    let prefix = format!("{p}-{e}");
    let vpc = ec2.create_vpc().cidr_block(cidr).send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    tag(cfg, &vpc, p, e, &prefix).await;
    for attr in ["support", "hostnames"] {
        let on = AttributeBooleanValue::builder().value(true).build();
        let m = ec2.modify_vpc_attribute().vpc_id(&vpc);
        let m = if attr == "support" { m.enable_dns_support(on) } else { m.enable_dns_hostnames(on) };
        m.send().await.unwrap();
    }
    let base = cidr.split('.').take(2).collect::<Vec<_>>().join(".");
    let mut subnets = Vec::new();
    let mut tables = Vec::new();
    for (i, az) in ["a", "b"].iter().enumerate() {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("{base}.{i}.0/24"))
            .availability_zone(format!("{REGION}{az}"))
            .send()
            .await
            .unwrap()
            .subnet
            .unwrap()
            .subnet_id
            .unwrap();
        tag(cfg, &s, p, e, &format!("{prefix}-private-{az}")).await;
        let rt = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap().route_table.unwrap().route_table_id.unwrap();
        tag(cfg, &rt, p, e, &format!("{prefix}-private-{az}")).await;
        ec2.associate_route_table().route_table_id(&rt).subnet_id(&s).send().await.unwrap();
        subnets.push(s);
        tables.push(rt);
    }
    let igw = ec2.create_internet_gateway().send().await.unwrap().internet_gateway.unwrap().internet_gateway_id.unwrap();
    tag(cfg, &igw, p, e, &prefix).await;
    ec2.attach_internet_gateway().internet_gateway_id(&igw).vpc_id(&vpc).send().await.unwrap();
    let public = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap().route_table.unwrap().route_table_id.unwrap();
    tag(cfg, &public, p, e, &format!("{prefix}-public")).await;
    ec2.create_route().route_table_id(&public).destination_cidr_block("0.0.0.0/0").gateway_id(&igw).send().await.unwrap();

    let sg = |name: &str, desc: &str| {
        let ec2 = ec2.clone();
        let (vpc, name, desc) = (vpc.clone(), name.to_string(), desc.to_string());
        async move {
            ec2.create_security_group()
                .group_name(&name)
                .description(desc)
                .vpc_id(vpc)
                .send()
                .await
                .unwrap()
                .group_id
                .unwrap()
        }
    };
    let endpoints_sg = sg(&format!("{prefix}-vpc-endpoints"), "Interface VPC endpoints").await;
    tag(cfg, &endpoints_sg, p, e, &format!("{prefix}-vpc-endpoints")).await;
    let api_sg = sg(&format!("{prefix}-api"), "api tasks").await;
    tag(cfg, &api_sg, p, e, &format!("{prefix}-api")).await;
    ec2.authorize_security_group_ingress()
        .group_id(&endpoints_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&api_sg).description("HTTPS from api tasks").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_egress()
        .group_id(&api_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&endpoints_sg).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&api_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .ip_ranges(IpRange::builder().cidr_ip(cidr).description("from the VPC").build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    ec2.create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(VpcEndpointType::Gateway)
        .service_name(format!("com.amazonaws.{REGION}.s3"))
        .set_route_table_ids(Some(tables.clone()))
        .tag_specifications(spec(ResourceType::VpcEndpoint, p, e, &format!("{prefix}-s3")))
        .send()
        .await
        .unwrap();
    ec2.create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .service_name(format!("com.amazonaws.{REGION}.ecr.api"))
        .set_subnet_ids(Some(subnets.clone()))
        .security_group_ids(&endpoints_sg)
        .private_dns_enabled(true)
        .tag_specifications(spec(ResourceType::VpcEndpoint, p, e, &format!("{prefix}-ecr.api")))
        .send()
        .await
        .unwrap();
    vpc
}

/// The model as YAML-friendly JSON: references as `${address.attr}`, JSON
/// documents under `json:`, ids moto randomises replaced by `*`.
fn render(m: &InfraModel) -> serde_json::Value {
    fn v(x: &Value) -> serde_json::Value {
        match x {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => redact(s).into(),
            Value::List(l) => l.iter().map(v).collect(),
            Value::Map(m) => m.iter().map(|(k, x)| (redact(k), v(x))).collect::<serde_json::Map<_, _>>().into(),
            Value::Ref(r) => format!("${{{}.{}}}", redact(r.address.as_str()), r.attr).into(),
            Value::Template(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => redact(s),
                    Part::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
                    Part::Unknown => "(unknown)".into(),
                })
                .collect::<String>()
                .into(),
            Value::Json(inner) => serde_json::json!({ "json": v(inner) }),
            Value::Unknown => "(unknown)".into(),
        }
    }
    let mut out = serde_json::Map::new();
    out.insert(
        "model".into(),
        serde_json::json!({
            "project": m.project, "environment": m.environment, "region": m.region, "account_id": m.account_id,
        }),
    );
    for r in m.resources.values() {
        let mut attrs: serde_json::Map<String, serde_json::Value> =
            r.attrs.iter().map(|(k, x)| (k.clone(), v(x))).collect();
        attrs.insert("(provenance)".into(), format!("{} {}", r.provenance.file, redact(&r.provenance.pointer)).into());
        out.insert(redact(r.address.as_str()), attrs.into());
    }
    out.into()
}

/// Replaces every run of 8 or more hex digits with at least one letter and one digit by `*`.
fn redact(s: &str) -> String {
    let b: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let is_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if is_hex(b[i]) && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && is_hex(b[j]) {
                j += 1;
            }
            let run = &b[i..j];
            let boundary = j == b.len() || !b[j].is_ascii_alphanumeric();
            if boundary && run.len() >= 8 && run.iter().any(char::is_ascii_digit) && run.iter().any(|c| c.is_ascii_alphabetic()) {
                out.push('*');
                i = j;
                continue;
            }
            out.extend(run);
            i = j;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Reads the live model of `scope`, checks its references resolve, and renders it.
async fn check(cfg: &SdkConfig, scope: &Scope) -> (InfraModel, serde_json::Value) {
    let model = read_live(cfg, scope).await.unwrap_or_else(|e| panic!("{e}"));
    if let Err(errs) = model.check_references() {
        panic!("dangling references: {errs:?}");
    }
    let rendered = render(&model);
    (model, rendered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_a_small_platform() {
    let server = moto();
    let cfg = server.sdk_config(REGION).await;
    network(&cfg, "shop", "dev", "10.20.0.0/16").await;
    let (_, rendered) = check(&cfg, &scope("shop", "dev")).await;
    insta::assert_yaml_snapshot!(rendered);
}
