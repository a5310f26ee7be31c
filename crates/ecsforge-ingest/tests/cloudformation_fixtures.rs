//! The doc-000 fixtures: a private ECR setup that works, and the same
//! without its S3 gateway endpoint (the outage).

mod cloudformation_support;

use cloudformation_support::{fixture, summary};
use ecsforge_ingest::cloudformation::{Options, ingest, ingest_with};
use ecsforge_model::{Address, InfraModel, Value};

fn options() -> Options {
    Options {
        region: Some("eu-central-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: Some("ecr-private".into()),
        ..Options::default()
    }
}

fn load(name: &str, opts: &Options) -> InfraModel {
    let text = fixture(name);
    let m = ingest_with(name, &text, opts).unwrap_or_else(|e| panic!("{}", e.render(false)));
    m.check_references().expect("no dangling references");
    m
}

/// The rules doc 000's template is about: ECR pull over private networking.
/// (The template deliberately omits unrelated platform pieces such as tags,
/// flow logs and alarms, which other rules report.)
const DOC_000_RULES: [&str; 9] = ["EF022", "EF027", "EF028", "EF101", "EF102", "EF103", "EF104", "EF105", "EF107"];

fn findings(m: &InfraModel) -> Vec<String> {
    ecsforge_rules::check(m, Some(&DOC_000_RULES), &[])
        .into_iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| format!("{} {}: {}", f.code, f.address, f.message))
        .collect()
}

#[test]
fn ecr_private_000_model() {
    let m = load("ecr-private-000.yaml", &options());
    assert_eq!((m.region.as_str(), m.account_id.as_str()), ("eu-central-1", "123456789012"));
    insta::assert_snapshot!(summary(&m));
}

#[test]
fn ecr_private_000_passes_the_rules() {
    let m = load("ecr-private-000.yaml", &options());
    assert_eq!(findings(&m), Vec::<String>::new());
}

#[test]
fn ecr_private_000_without_s3_endpoint_is_the_outage() {
    let m = load("ecr-private-000-no-s3.yaml", &options());
    assert!(m.get(&Address::new("aws_vpc_endpoint", "S3GatewayEndpoint")).is_none());
    let found = findings(&m);
    assert!(!found.is_empty() && found.iter().all(|f| f.starts_with("EF101 aws_ecs_service.Service")), "{found:#?}");
    // Everything else is the same model.
    let mut with = load("ecr-private-000.yaml", &options());
    with.resources.remove(&Address::new("aws_vpc_endpoint", "S3GatewayEndpoint"));
    let attrs = |m: &InfraModel| m.resources.iter().map(|(a, r)| (a.clone(), r.attrs.clone())).collect::<Vec<_>>();
    assert_eq!(attrs(&with), attrs(&m));
    assert_eq!(with.outputs, m.outputs);
}

#[test]
fn without_a_region_service_names_keep_their_known_parts() {
    let text = fixture("ecr-private-000.yaml");
    let m = ingest("ecr-private-000.yaml", &text).unwrap();
    let ep = m.get(&Address::new("aws_vpc_endpoint", "S3GatewayEndpoint")).unwrap();
    // `!Sub com.amazonaws.${AWS::Region}.s3`: the region is unknown, the service is not.
    assert_eq!(
        ep.get("service_name"),
        Some(&Value::Template(vec![
            ecsforge_model::value::Part::Lit("com.amazonaws.".into()),
            ecsforge_model::value::Part::Unknown,
            ecsforge_model::value::Part::Lit(".s3".into()),
        ]))
    );
    assert_eq!(ep.get("vpc_endpoint_type"), Some(&Value::from("Gateway")));
    let subnet = m.get(&Address::new("aws_subnet", "PrivateSubnetA")).unwrap();
    assert_eq!(subnet.get("availability_zone"), Some(&Value::Unknown));
    // Fn::Cidr over the VPC's literal CIDR is computed even without a region.
    assert_eq!(subnet.get("cidr_block"), Some(&Value::from("10.0.0.0/24")));
    assert!(m.region.is_empty() && m.account_id.is_empty());
}
