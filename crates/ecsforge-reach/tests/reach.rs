//! Reachability verdicts on the examples, the doc-000 CloudFormation fixtures,
//! and single mutations that must break exactly the affected dependencies.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ecsforge_manifest::Env;
use ecsforge_model::{Address, InfraModel, Value};
use ecsforge_reach::{Dependency, Path, Status, analyze};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str, env: Env) -> InfraModel {
    let text = std::fs::read_to_string(root().join("examples").join(name).join("ecsforge.yaml")).unwrap();
    let m = ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text).unwrap();
    ecsforge_synth::synth(&m, env).unwrap()
}

fn cfn(name: &str) -> InfraModel {
    let path = root().join("crates/ecsforge-ingest/tests/fixtures/cloudformation").join(name);
    ecsforge_ingest::ingest(name, &std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Status per dependency of one service.
fn statuses(m: &InfraModel, service: &str) -> BTreeMap<Dependency, Status> {
    analyze(m).into_iter().filter(|v| v.service.as_str() == service).map(|v| (v.dependency, v.status)).collect()
}

/// Asserts every dependency of `service` has `Pass` except those listed.
fn check(m: &InfraModel, service: &str, expected: &[(Dependency, Status)]) {
    let got = statuses(m, service);
    assert!(!got.is_empty(), "no verdicts for {service}");
    let mut want: BTreeMap<Dependency, Status> = got.keys().map(|d| (d.clone(), Status::Pass)).collect();
    for (d, s) in expected {
        want.insert(d.clone(), *s);
    }
    if got != want {
        let details: Vec<String> = analyze(m)
            .into_iter()
            .filter(|v| v.service.as_str() == service && v.status != Status::Pass)
            .map(|v| format!("{:?}: {}", v.dependency, v.details))
            .collect();
        panic!("{service}: expected {want:?}\ngot {got:?}\n{}", details.join("\n"));
    }
}

const SVC: &str = "aws_ecs_service.file_processor";

#[test]
fn examples_reach_everything() {
    for env in [Env::Develop, Env::Prod] {
        let m = example("ecr-private", env);
        check(&m, SVC, &[]);
    }
    for env in Env::ALL {
        let m = example("twelve-services", env);
        let verdicts = analyze(&m);
        let bad: Vec<_> = verdicts.iter().filter(|v| v.status != Status::Pass).collect();
        assert!(bad.is_empty(), "{env}: {bad:#?}");
        assert_eq!(verdicts.iter().filter(|v| v.dependency == Dependency::EcrApi).count(), 12);
    }
}

#[test]
fn endpoints_only_uses_endpoints_and_nat_environments_keep_them_too() {
    let m = example("ecr-private", Env::Develop);
    let v = analyze(&m);
    let s3 = v.iter().find(|v| v.dependency == Dependency::S3Layers).unwrap();
    assert_eq!(s3.path, Some(Path::GatewayEndpoint(Address::new("aws_vpc_endpoint", "s3"))));
    let dkr = v.iter().find(|v| v.dependency == Dependency::EcrDkr).unwrap();
    assert_eq!(dkr.path, Some(Path::InterfaceEndpoint(Address::new("aws_vpc_endpoint", "ecr_dkr"))));
}

#[test]
fn doc_000_cloudformation_fixtures() {
    let good = cfn("ecr-private-000.yaml");
    check(&good, "aws_ecs_service.Service", &[]);
    let outage = cfn("ecr-private-000-no-s3.yaml");
    check(&outage, "aws_ecs_service.Service", &[(Dependency::S3Layers, Status::Fail)]);
    let v = analyze(&outage).into_iter().find(|v| v.dependency == Dependency::S3Layers).unwrap();
    assert!(
        v.details.contains("has no route to S3: no gateway endpoint association and no NAT route"),
        "{}",
        v.details
    );
}

fn res<'a>(m: &'a mut InfraModel, kind: &str, name: &str) -> &'a mut ecsforge_model::Resource {
    m.resources.get_mut(&Address::new(kind, name)).unwrap_or_else(|| panic!("no {kind}.{name}"))
}

#[test]
fn dropping_the_endpoint_sg_rule_breaks_every_interface_endpoint_path() {
    let mut m = example("ecr-private", Env::Develop);
    m.resources.remove(&Address::new("aws_vpc_security_group_ingress_rule", "endpoints_from_file_processor"));
    use Dependency::*;
    check(
        &m,
        SVC,
        &[
            (EcrApi, Status::Fail),
            (EcrDkr, Status::Fail),
            (Logs, Status::Fail),
            (SecretsManager, Status::Fail),
            (Ssm, Status::Fail),
        ],
    );
}

#[test]
fn dropping_task_https_egress_to_endpoints_breaks_interface_paths_only() {
    let mut m = example("ecr-private", Env::Develop);
    m.resources.remove(&Address::new("aws_vpc_security_group_egress_rule", "file_processor_to_endpoints"));
    use Dependency::*;
    check(
        &m,
        SVC,
        &[
            (EcrApi, Status::Fail),
            (EcrDkr, Status::Fail),
            (Logs, Status::Fail),
            (SecretsManager, Status::Fail),
            (Ssm, Status::Fail),
        ],
    );
}

/// With DNS hostnames off, the endpoints' private DNS does not take effect:
/// the public names resolve, and without a NAT gateway nothing reaches them.
#[test]
fn dns_off_fails_dns_and_without_nat_every_interface_endpoint_path() {
    let mut m = example("ecr-private", Env::Develop);
    res(&mut m, "aws_vpc", "main").set("enable_dns_hostnames", false);
    use Dependency::*;
    check(
        &m,
        SVC,
        &[
            (Dns, Status::Fail),
            (EcrApi, Status::Fail),
            (EcrDkr, Status::Fail),
            (Logs, Status::Fail),
            (SecretsManager, Status::Fail),
            (Ssm, Status::Fail),
        ],
    );
    let v = analyze(&m).into_iter().find(|v| v.dependency == EcrDkr).unwrap();
    assert!(v.details.contains("has private DNS, but the VPC's DNS is off"), "{}", v.details);
}

#[test]
fn dns_off_with_nat_falls_back_to_nat() {
    let mut m = example("twelve-services", Env::Develop);
    res(&mut m, "aws_vpc", "main").set("enable_dns_hostnames", false);
    let v = analyze(&m);
    let bad: Vec<_> = v.iter().filter(|v| v.status != Status::Pass).map(|v| &v.dependency).collect();
    assert!(!bad.is_empty() && bad.iter().all(|d| **d == Dependency::Dns), "{bad:?}");
    let dkr = v.iter().find(|v| v.dependency == Dependency::EcrDkr).unwrap();
    assert!(matches!(dkr.path, Some(Path::Nat(_))), "{dkr:?}");
}

#[test]
fn private_dns_off_without_nat_fails_that_service_only() {
    let mut m = example("ecr-private", Env::Develop);
    res(&mut m, "aws_vpc_endpoint", "ecr_dkr").set("private_dns_enabled", false);
    check(&m, SVC, &[(Dependency::EcrDkr, Status::Fail)]);
}

#[test]
fn private_dns_off_with_nat_falls_back_to_nat() {
    let mut m = example("twelve-services", Env::Develop);
    res(&mut m, "aws_vpc_endpoint", "ecr_dkr").set("private_dns_enabled", false);
    let v = analyze(&m)
        .into_iter()
        .find(|v| v.dependency == Dependency::EcrDkr && v.service.as_str() == "aws_ecs_service.orders_api")
        .unwrap();
    assert_eq!(v.status, Status::Pass);
    assert!(matches!(v.path, Some(Path::Nat(_))), "{v:?}");
}

#[test]
fn an_endpoint_missing_from_one_az_is_a_warning() {
    let mut m = example("ecr-private", Env::Develop);
    if let Some(Value::List(subnets)) = res(&mut m, "aws_vpc_endpoint", "logs").attrs.get_mut("subnet_ids") {
        subnets.pop();
    }
    check(&m, SVC, &[(Dependency::Logs, Status::Warn)]);
}

#[test]
fn dropping_a_route_table_from_the_s3_endpoint_is_the_doc_000_outage() {
    let mut m = example("ecr-private", Env::Develop);
    if let Some(Value::List(tables)) = res(&mut m, "aws_vpc_endpoint", "s3").attrs.get_mut("route_table_ids") {
        tables.remove(1);
    }
    check(&m, SVC, &[(Dependency::S3Layers, Status::Fail)]);
    let v = analyze(&m).into_iter().find(|v| v.dependency == Dependency::S3Layers).unwrap();
    assert!(
        v.details.starts_with("subnet aws_subnet.private_b (route table aws_route_table.private_b) has no route to S3"),
        "{}",
        v.details
    );
    assert_eq!(v.recommendation, "add aws_route_table.private_b.id to `aws_vpc_endpoint.s3.route_table_ids`");
}

#[test]
fn with_nat_a_missing_s3_association_still_reaches_s3() {
    let mut m = example("twelve-services", Env::Prod);
    res(&mut m, "aws_vpc_endpoint", "s3").set("route_table_ids", Value::List(vec![]));
    let v = analyze(&m).into_iter().find(|v| v.dependency == Dependency::S3Layers).unwrap();
    assert_eq!(v.status, Status::Pass);
}

#[test]
fn removing_one_iam_action_fails_iam_only() {
    let mut m = example("ecr-private", Env::Develop);
    let p = res(&mut m, "aws_iam_role_policy", "file_processor_execution");
    if let Some(Value::Json(doc)) = p.attrs.get_mut("policy")
        && let Value::Map(d) = doc.as_mut()
        && let Some(Value::List(st)) = d.get_mut("Statement")
    {
        st.retain(|s| s.get("Sid").and_then(Value::as_str) != Some("EcrAuth"));
    }
    check(&m, SVC, &[(Dependency::IamPermissions, Status::Fail)]);
}

#[test]
fn report_follows_the_doc_000_data_model() {
    let m = cfn("ecr-private-000-no-s3.yaml");
    let r = ecsforge_reach::report(&analyze(&m), "t-1", "2026-11-22T00:00:00Z");
    let json = serde_json::to_value(&r).unwrap();
    for key in ["testId", "timestamp", "tests", "overallStatus", "summary"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["overallStatus"], "FAIL");
    let names: Vec<&str> = json["tests"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for n in ["S3_VPC_ENDPOINT", "ECR_API_CONNECTIVITY", "ECR_DKR_CONNECTIVITY", "IAM_PERMISSIONS", "DNS_RESOLUTION"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    insta::assert_snapshot!("doc-000-outage-text", r.text());
}

/// Adds a network ACL on the private subnets with the given (number, egress, action, from, to, cidr) rules.
fn add_nacl(m: &mut InfraModel, rules: &[(i64, bool, &str, i64, i64, &str)]) {
    use ecsforge_model::{Concern, Kind, Provenance, Resource};
    let subnets: Vec<Value> = m
        .of_kind(Kind::Subnet)
        .filter(|s| s.address.name().starts_with("private_"))
        .map(|s| Value::Ref(ecsforge_model::Reference { address: s.address.clone(), attr: "id".into() }))
        .collect();
    let block = |egress: bool| {
        Value::List(
            rules
                .iter()
                .filter(|r| r.1 == egress)
                .map(|(n, _, action, from, to, cidr)| {
                    Value::map([
                        ("rule_no", Value::from(*n)),
                        ("action", Value::from(*action)),
                        ("protocol", Value::from("tcp")),
                        ("from_port", Value::from(*from)),
                        ("to_port", Value::from(*to)),
                        ("cidr_block", Value::from(*cidr)),
                    ])
                })
                .collect(),
        )
    };
    let acl = Resource::new(Kind::NetworkAcl, "private", Concern::Other, Provenance::default())
        .with("subnet_ids", Value::List(subnets))
        .with("ingress", block(false))
        .with("egress", block(true));
    m.insert(acl).unwrap();
}

#[test]
fn a_nacl_without_ephemeral_return_ports_breaks_every_network_path() {
    let mut m = example("ecr-private", Env::Develop);
    add_nacl(&mut m, &[(100, true, "allow", 443, 443, "0.0.0.0/0"), (100, false, "allow", 443, 443, "10.0.0.0/8")]);
    use Dependency::*;
    check(
        &m,
        SVC,
        &[
            (EcrApi, Status::Fail),
            (EcrDkr, Status::Fail),
            (Logs, Status::Fail),
            (SecretsManager, Status::Fail),
            (Ssm, Status::Fail),
            (S3Layers, Status::Fail),
            // The ACL has no SMB rule either: the file server is cut off too.
            (FileServer(Address::new("aws_instance", "file_server")), Status::Fail),
        ],
    );
    let v = analyze(&m).into_iter().find(|v| v.dependency == S3Layers).unwrap();
    assert!(v.details.contains("inbound port 32768") && v.details.contains("implicit deny"), "{}", v.details);
}

#[test]
fn a_nacl_that_denies_https_names_the_rule() {
    let mut m = example("ecr-private", Env::Develop);
    add_nacl(
        &mut m,
        &[
            (90, true, "deny", 443, 443, "0.0.0.0/0"),
            (100, true, "allow", 0, 65535, "0.0.0.0/0"),
            (100, false, "allow", 0, 65535, "0.0.0.0/0"),
        ],
    );
    let v = analyze(&m).into_iter().find(|v| v.dependency == Dependency::EcrApi).unwrap();
    assert_eq!(v.status, Status::Fail);
    assert!(v.details.contains("denies outbound port 443 by rule 90"), "{}", v.details);
}

#[test]
fn a_complete_nacl_passes() {
    let mut m = example("ecr-private", Env::Develop);
    add_nacl(
        &mut m,
        &[
            (100, true, "allow", 443, 443, "0.0.0.0/0"),
            (110, true, "allow", 1024, 65535, "10.0.0.0/8"),
            (100, false, "allow", 443, 443, "10.0.0.0/8"),
            (110, false, "allow", 1024, 65535, "0.0.0.0/0"),
            // SMB to and from the file server's subnet (doc 000).
            (120, true, "allow", 445, 445, "10.0.0.0/8"),
            (120, false, "allow", 445, 445, "10.0.0.0/8"),
        ],
    );
    check(&m, SVC, &[]);
}

fn egress_rule(caller: &str, what: &str) -> Address {
    Address::new(
        "aws_vpc_security_group_egress_rule",
        &format!("{}_to_{what}", caller.trim_start_matches("aws_ecs_service.")),
    )
}

#[test]
fn peers_kafka_and_the_alb_break_independently() {
    let base = example("twelve-services", Env::Prod);
    let all = analyze(&base);
    let peer = all.iter().find(|v| matches!(v.dependency, Dependency::Peer(..))).expect("a peer dependency").clone();
    let Dependency::Peer(callee, port) = &peer.dependency else { unreachable!() };
    let caller = peer.service.to_string();

    // Drop the caller's egress to the callee: only that peer dependency fails.
    let mut m = base.clone();
    m.resources.remove(&egress_rule(&caller, callee.name())).expect("egress rule exists");
    check(&m, &caller, &[(Dependency::Peer(callee.clone(), *port), Status::Fail)]);

    // Drop a Kafka consumer's broker egress: only Kafka fails.
    let kafka = all.iter().find(|v| matches!(v.dependency, Dependency::Kafka(_))).unwrap().clone();
    let mut m = base.clone();
    m.resources.remove(&egress_rule(kafka.service.as_str(), "kafka_9092")).expect("kafka egress exists");
    check(&m, kafka.service.as_str(), &[(kafka.dependency.clone(), Status::Fail)]);

    // Drop a public service's ingress from the ALB: only the inbound path fails.
    let inbound = all.iter().find(|v| matches!(v.dependency, Dependency::AlbInbound(_))).unwrap().clone();
    let mut m = base.clone();
    let name = inbound.service.name().to_string();
    m.resources
        .remove(&Address::new("aws_vpc_security_group_ingress_rule", &format!("{name}_from_alb")))
        .expect("ingress from alb");
    check(&m, inbound.service.as_str(), &[(inbound.dependency.clone(), Status::Fail)]);
}

#[test]
fn reach_verdicts_become_check_findings() {
    let f = ecsforge_reach::rules::findings(&cfn("ecr-private-000-no-s3.yaml"));
    let codes: Vec<&str> = f.iter().map(|f| f.code).collect();
    assert_eq!(codes, vec!["EF202"], "{f:#?}");
    assert!(f[0].message.starts_with("S3_VPC_ENDPOINT subnet aws_subnet.PrivateSubnetA"), "{}", f[0].message);
    assert!(ecsforge_reach::rules::findings(&cfn("ecr-private-000.yaml")).is_empty());
    for m in ecsforge_reach::rules::REACH_RULES {
        let doc = ecsforge_reach::rules::doc(m.code).unwrap();
        for s in ["**What it checks.**", "**Why it matters.**", "**Failing example.**", "**Fix.**", "NIST", "SOC-2"] {
            assert!(doc.contains(s), "{} lacks {s}", m.code);
        }
    }
}

/// Doc 000 §Test Scenarios as CloudFormation: each scenario is the passing
/// template with exactly one edit, so the fixture shows its own cause.
fn cfn_edited(edit: impl Fn(&str) -> String) -> InfraModel {
    let path = root().join("crates/ecsforge-ingest/tests/fixtures/cloudformation/ecr-private-000.yaml");
    let text = edit(&std::fs::read_to_string(path).unwrap());
    ecsforge_ingest::ingest("scenario.yaml", &text).unwrap()
}

#[test]
fn doc_000_test_scenarios_in_cloudformation() {
    use Dependency::*;
    const SVC: &str = "aws_ecs_service.Service";
    // 1. Successful image pull.
    check(&cfn_edited(|t| t.to_string()), SVC, &[]);
    // 2. S3 endpoint failure: the committed no-s3 fixture (doc_000_cloudformation_fixtures).
    // 3. Security group blocking: the endpoint SG no longer admits the tasks.
    let sg = cfn_edited(|t| {
        let start = t.find("  EndpointsFromEcsIngress:").unwrap();
        let end = t[start..].find("\n\n").unwrap() + start;
        format!("{}{}", &t[..start], &t[end + 2..])
    });
    check(&sg, SVC, &[(EcrApi, Status::Fail), (EcrDkr, Status::Fail), (Logs, Status::Fail)]);
    // 4. IAM permission failure: the execution role loses GetAuthorizationToken.
    let iam = cfn_edited(|t| t.replacen("Action: ecr:GetAuthorizationToken", "Action: ecr:DescribeRepositories", 1));
    check(&iam, SVC, &[(IamPermissions, Status::Fail)]);
    // 5. DNS resolution failure.
    let dns = cfn_edited(|t| t.replacen("EnableDnsHostnames: true", "EnableDnsHostnames: false", 1));
    check(&dns, SVC, &[(Dns, Status::Fail), (EcrApi, Status::Fail), (EcrDkr, Status::Fail), (Logs, Status::Fail)]);
}

/// A service whose subnets are literal IDs from outside the template has no
/// judgeable path: no verdicts, and no panic (it used to hit
/// `expect("at least one subnet")`).
#[test]
fn a_service_in_subnets_outside_the_input_gets_no_verdicts() {
    let text = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppService:
    Type: AWS::ECS::Service
    Properties:
      Cluster: shop-dev
      TaskDefinition: arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1
      DesiredCount: 2
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]
          SecurityGroups: [sg-0aaaaaaaaaaaaaaa1]
"#;
    let m = ecsforge_ingest::ingest("outside.yaml", text).unwrap();
    assert!(analyze(&m).is_empty());
    assert!(ecsforge_reach::rules::findings(&m).is_empty());
}

/// Doc 000's SMB file server: a service with `mounts_file_server` depends on
/// SMB 445 to the instance, and losing either half of the SG pair breaks
/// exactly that dependency, with the fix named.
#[test]
fn file_server_smb_needs_both_halves_of_the_security_group_pair() {
    let server = Dependency::FileServer(Address::new("aws_instance", "file_server"));
    let m = example("ecr-private", Env::Develop);
    let v = analyze(&m).into_iter().find(|v| v.dependency == server).expect("a file server dependency");
    assert_eq!(v.status, Status::Pass, "{}", v.details);
    assert_eq!(v.dependency.test_name(), "FILE_SERVER_SMB");

    let mut m = example("ecr-private", Env::Develop);
    m.resources.remove(&Address::new("aws_vpc_security_group_ingress_rule", "file_server_smb_from_file_processor"));
    check(&m, SVC, &[(server.clone(), Status::Fail)]);
    let v = analyze(&m).into_iter().find(|v| v.dependency == server).unwrap();
    assert_eq!(
        v.recommendation,
        "add an ingress rule on aws_security_group.file_server: tcp 445 from aws_security_group.file_processor"
    );

    let mut m = example("ecr-private", Env::Develop);
    m.resources.remove(&Address::new("aws_vpc_security_group_egress_rule", "file_processor_to_file_server_smb"));
    check(&m, SVC, &[(server.clone(), Status::Fail)]);
    let v = analyze(&m).into_iter().find(|v| v.dependency == server).unwrap();
    assert_eq!(
        v.recommendation,
        "add an egress rule on the task security group: tcp 445 to aws_security_group.file_server"
    );

    // Only services that mount it depend on it; without both rules there is no dependency.
    m.resources.remove(&Address::new("aws_vpc_security_group_ingress_rule", "file_server_smb_from_file_processor"));
    assert!(analyze(&m).iter().all(|v| v.dependency != server));
    for env in Env::ALL {
        let m = example("twelve-services", env);
        assert!(analyze(&m).iter().all(|v| !matches!(v.dependency, Dependency::FileServer(_))));
    }
}

/// `examples/orders-ecs-ec2` with `egress: endpoints-only`: no NAT, so
/// DynamoDB is reachable only through its gateway endpoint.
fn orders_without_nat(env: Env) -> InfraModel {
    let text = std::fs::read_to_string(root().join("examples/orders-ecs-ec2/ecsforge.yaml")).unwrap();
    let text = text.replace("network:\n", "network:\n  egress: endpoints-only\n");
    let m = ecsforge_manifest::load("examples/orders-ecs-ec2/ecsforge.yaml", &text).unwrap();
    ecsforge_synth::synth(&m, env).unwrap()
}

const API: &str = "aws_ecs_service.order_api";
const PROCESSOR: &str = "aws_ecs_service.order_processor";

#[test]
fn table_users_reach_dynamodb_through_the_gateway_endpoint() {
    let gateway = Path::GatewayEndpoint(Address::new("aws_vpc_endpoint", "dynamodb"));
    for m in
        [example("orders-ecs-ec2", Env::Develop), example("orders-ecs-ec2", Env::Prod), orders_without_nat(Env::Prod)]
    {
        let v = analyze(&m);
        let bad: Vec<_> = v.iter().filter(|v| v.status != Status::Pass).collect();
        assert!(bad.is_empty(), "{bad:#?}");
        let ddb: Vec<_> = v.iter().filter(|v| v.dependency == Dependency::Dynamodb).collect();
        assert_eq!(ddb.len(), 2, "both services use the orders table");
        assert!(ddb.iter().all(|v| v.path.as_ref() == Some(&gateway)), "{ddb:#?}");
    }
    // Services without table grants have no DynamoDB dependency.
    let m = example("twelve-services", Env::Prod);
    assert!(analyze(&m).iter().all(|v| v.dependency != Dependency::Dynamodb));
}

#[test]
fn without_nat_a_missing_dynamodb_association_fails_dynamodb_only() {
    let mut m = orders_without_nat(Env::Develop);
    if let Some(Value::List(tables)) = res(&mut m, "aws_vpc_endpoint", "dynamodb").attrs.get_mut("route_table_ids") {
        tables.remove(1);
    }
    check(&m, API, &[(Dependency::Dynamodb, Status::Fail)]);
    check(&m, PROCESSOR, &[(Dependency::Dynamodb, Status::Fail)]);
    let v = analyze(&m).into_iter().find(|v| v.dependency == Dependency::Dynamodb).unwrap();
    assert!(v.details.contains("has no route to DynamoDB"), "{}", v.details);
    assert!(v.recommendation.contains("aws_vpc_endpoint.dynamodb.route_table_ids"), "{}", v.recommendation);
    // With NAT the same gap is bridged by the NAT gateway.
    let mut m = example("orders-ecs-ec2", Env::Prod);
    res(&mut m, "aws_vpc_endpoint", "dynamodb").set("route_table_ids", Value::List(vec![]));
    let v = analyze(&m).into_iter().find(|v| v.dependency == Dependency::Dynamodb).unwrap();
    assert!(v.status == Status::Pass && matches!(v.path, Some(Path::Nat(_))), "{v:#?}");
}

#[test]
fn an_endpoint_policy_without_the_table_or_missing_egress_fails_dynamodb() {
    let mut m = orders_without_nat(Env::Develop);
    let other = Value::json(Value::map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            Value::List(vec![Value::map([
                ("Effect", Value::from("Allow")),
                ("Principal", Value::from("*")),
                ("Action", Value::from("dynamodb:*")),
                ("Resource", Value::from("arn:aws:dynamodb:eu-west-1:345678901234:table/other")),
            ])]),
        ),
    ]));
    res(&mut m, "aws_vpc_endpoint", "dynamodb").set("policy", other);
    check(&m, API, &[(Dependency::Dynamodb, Status::Fail)]);
    let v = analyze(&m).into_iter().find(|v| v.dependency == Dependency::Dynamodb).unwrap();
    assert!(v.details.contains("does not allow the task role's table `orders-develop-orders`"), "{}", v.details);

    let mut m = orders_without_nat(Env::Develop);
    m.resources.remove(&Address::new("aws_vpc_security_group_egress_rule", "order_api_to_dynamodb")).unwrap();
    check(&m, API, &[(Dependency::Dynamodb, Status::Fail)]);
    check(&m, PROCESSOR, &[]);
}

/// The verdict of one dependency of one service.
fn verdict_of(m: &InfraModel, service: &str, d: &Dependency) -> ecsforge_reach::Verdict {
    analyze(m).into_iter().find(|v| v.service.as_str() == service && &v.dependency == d).expect("verdict")
}

#[test]
fn the_processor_is_found_by_its_cloud_map_name_in_every_environment() {
    let peer = Dependency::Peer(Address::new("aws_ecs_service", "order_processor"), 8080);
    for env in [Env::Develop, Env::Prod] {
        let m = example("orders-ecs-ec2", env);
        let v = verdict_of(&m, API, &peer);
        assert_eq!(v.status, Status::Pass, "{}", v.details);
        assert!(v.details.contains(&format!("order-processor.{env}.internal")), "{}", v.details);
    }
}

#[test]
fn a_cloud_map_namespace_in_another_vpc_or_dns_off_fails_the_peer() {
    let peer = Dependency::Peer(Address::new("aws_ecs_service", "order_processor"), 8080);
    let mut m = example("orders-ecs-ec2", Env::Develop);
    res(&mut m, "aws_service_discovery_private_dns_namespace", "main").set("vpc", Value::from("vpc-0123456789abcdef0"));
    check(&m, API, &[(peer.clone(), Status::Fail)]);
    let v = verdict_of(&m, API, &peer);
    assert!(v.details.contains("not associated with this service's VPC"), "{}", v.details);

    let mut m = example("orders-ecs-ec2", Env::Develop);
    res(&mut m, "aws_vpc", "main").set("enable_dns_support", false);
    let v = verdict_of(&m, API, &peer);
    assert_eq!(v.status, Status::Fail);
    assert!(v.details.contains("Cloud Map names do not resolve"), "{}", v.details);
}

/// Edits the statements of an IAM policy or key policy document attribute.
fn edit_policy(m: &mut InfraModel, ty: &str, name: &str, attr: &str, edit: impl FnOnce(&mut Vec<Value>)) {
    let r = res(m, ty, name);
    let Some(Value::Json(doc)) = r.attrs.get_mut(attr) else { panic!("{ty}.{name} has no {attr}") };
    let Value::Map(d) = doc.as_mut() else { panic!("policy document") };
    let Some(Value::List(st)) = d.get_mut("Statement") else { panic!("statements") };
    edit(st);
}

fn sid(s: &Value) -> Option<&str> {
    s.get("Sid").and_then(Value::as_str)
}

fn statement(sid: &str, actions: &[&str], resource: Value, condition: Option<Value>) -> Value {
    let mut s = vec![
        ("Sid", Value::from(sid)),
        ("Effect", Value::from("Allow")),
        ("Action", Value::list(actions.iter().map(|a| Value::from(*a)))),
        ("Resource", resource),
    ];
    if let Some(c) = condition {
        s.push(("Condition", c));
    }
    Value::map(s)
}

fn via(service: &str) -> Value {
    Value::map([("StringEquals", Value::map([("kms:ViaService", Value::from(service))]))])
}

fn key_ref(name: &str) -> Value {
    Value::Ref(ecsforge_model::Reference { address: Address::new("aws_kms_key", name), attr: "arn".into() })
}

const PAYMENTS: &str = "aws_ecs_service.payments_api";

/// twelve-services: payments-api injects a managed secret encrypted with the
/// `secrets` CMK, and external secrets whose key the manifest declares
/// (`security.secrets_kms_key_arns`). Secret injection needs no path to KMS.
#[test]
fn cmk_encrypted_secrets_need_kms_decrypt_but_no_network_path() {
    for env in Env::ALL {
        let m = example("twelve-services", env);
        let v = verdict_of(&m, PAYMENTS, &Dependency::Kms);
        assert_eq!((v.status, &v.path), (Status::Pass, &Some(Path::Local)), "{}", v.details);
        assert_eq!(v.dependency.test_name(), "KMS_DECRYPT");
        assert!(v.details.contains("may decrypt with aws_kms_key.secrets through secretsmanager"), "{}", v.details);
        assert!(v.details.contains("no network path to KMS"), "{}", v.details);
        // The application reads its given secrets too (one by ARN, one by name): so does its role.
        assert!(
            v.details.contains(
                "task role may decrypt with arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 through secretsmanager: DB_PASSWORD (outside the model), PAYMENT_PROVIDER_KEY (outside the model)"
            ),
            "{}",
            v.details
        );
    }
    // Without the synthesized task-role grant, the application's reads fail.
    let mut m = example("twelve-services", Env::Prod);
    edit_policy(&mut m, "aws_iam_role_policy", "payments_api_task", "policy", |st| {
        st.retain(|s| sid(s) != Some("DecryptSecrets"))
    });
    check(&m, PAYMENTS, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, PAYMENTS, &Dependency::Kms);
    assert!(
        v.details.starts_with("task role aws_iam_role.payments_api_task reads arn:aws:secretsmanager:"),
        "{}",
        v.details
    );
    // Services without secrets have no KMS dependency; DynamoDB's key is used
    // through DynamoDB (kms:ViaService), not by the application.
    let m = example("twelve-services", Env::Prod);
    assert!(
        analyze(&m)
            .iter()
            .all(|v| v.dependency != Dependency::Kms || v.service.as_str() != "aws_ecs_service.search_api")
    );
    for env in [Env::Develop, Env::Prod] {
        assert!(analyze(&example("orders-ecs-ec2", env)).iter().all(|v| v.dependency != Dependency::Kms));
    }
}

#[test]
fn a_missing_kms_decrypt_on_the_secrets_key_fails_kms_only() {
    let mut m = example("twelve-services", Env::Prod);
    edit_policy(&mut m, "aws_iam_role_policy", "payments_api_execution", "policy", |st| {
        st.retain(|s| sid(s) != Some("DecryptManagedSecrets"))
    });
    check(&m, PAYMENTS, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, PAYMENTS, &Dependency::Kms);
    assert!(
        v.details.starts_with(
            "execution role aws_iam_role.payments_api_execution reads aws_secretsmanager_secret.payments_api_webhook_signing_secret (valueFrom of WEBHOOK_SIGNING_SECRET), encrypted with customer managed key aws_kms_key.secrets, but no policy of the role allows kms:Decrypt on that key"
        ),
        "{}",
        v.details
    );
    assert_eq!(
        v.recommendation,
        "add kms:Decrypt on aws_kms_key.secrets to aws_iam_role_policy.payments_api_execution"
    );
    let f = ecsforge_reach::rules::findings(&m);
    assert_eq!(f.iter().map(|f| f.code).collect::<Vec<_>>(), vec!["EF211"], "{f:#?}");
    assert!(f[0].message.starts_with("KMS_DECRYPT execution role"), "{}", f[0].message);

    // A grant limited to another service's calls does not count either.
    let mut m = example("twelve-services", Env::Prod);
    edit_policy(&mut m, "aws_iam_role_policy", "payments_api_execution", "policy", |st| {
        for s in st.iter_mut().filter(|s| sid(s) == Some("DecryptManagedSecrets")) {
            if let Value::Map(s) = s {
                s.insert("Condition".into(), via("ssm.us-east-1.amazonaws.com"));
            }
        }
    });
    check(&m, PAYMENTS, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, PAYMENTS, &Dependency::Kms);
    assert!(v.details.contains("only through ssm.us-east-1.amazonaws.com (kms:ViaService)"), "{}", v.details);
    assert_eq!(
        v.recommendation,
        "add secretsmanager.<region>.amazonaws.com to the kms:ViaService condition of aws_iam_role_policy.payments_api_execution"
    );
}

/// The key policy must leave the account's IAM in charge (root or the role).
#[test]
fn a_key_policy_that_locks_iam_out_fails_kms() {
    let mut m = example("twelve-services", Env::Prod);
    let admin_only = Value::json(Value::map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            Value::list([Value::map([
                ("Effect", Value::from("Allow")),
                ("Principal", Value::map([("AWS", Value::from("arn:aws:iam::123456789012:role/key-admin"))])),
                ("Action", Value::from("kms:*")),
                ("Resource", Value::from("*")),
            ])]),
        ),
    ]));
    res(&mut m, "aws_kms_key", "secrets").set("policy", admin_only);
    check(&m, PAYMENTS, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, PAYMENTS, &Dependency::Kms);
    assert!(
        v.details.starts_with("the key policy of aws_kms_key.secrets allows kms:Decrypt to neither the account root nor aws_iam_role.payments_api_execution"),
        "{}",
        v.details
    );
    assert!(v.recommendation.contains("arn:aws:iam::123456789012:root"), "{}", v.recommendation);
    // Granting the role itself in the key policy is enough.
    edit_policy(&mut m, "aws_kms_key", "secrets", "policy", |st| {
        if let Value::Map(s) = &mut st[0] {
            s.insert(
                "Principal".into(),
                Value::map([(
                    "AWS",
                    Value::Ref(ecsforge_model::Reference {
                        address: Address::new("aws_iam_role", "payments_api_execution"),
                        attr: "arn".into(),
                    }),
                )]),
            );
        }
    });
    check(&m, PAYMENTS, &[]);
}

/// A secret of the CloudFormation fixture encrypted with a literal key ARN,
/// and with the AWS managed key (no dependency).
#[test]
fn a_literal_key_arn_needs_a_grant_on_that_arn() {
    let fixture = root().join("crates/ecsforge-reach/tests/fixtures/EF211/pass.yaml");
    let text = std::fs::read_to_string(fixture).unwrap();
    const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let literal = text.replace("KmsKeyId: !Ref SecretsKey", &format!("KmsKeyId: {KEY}"));
    let model = |t: &str| ecsforge_ingest::ingest("literal.yaml", t).unwrap();
    const SVC: &str = "aws_ecs_service.AppService";
    // The grant names the template's key, not the literal one.
    check(&model(&literal), SVC, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&model(&literal), SVC, &Dependency::Kms);
    assert_eq!(v.recommendation, format!("add kms:Decrypt on {KEY} to aws_iam_role_policy.ExecutionRole_secrets"));
    let granted = literal.replace("Resource: !GetAtt SecretsKey.Arn", &format!("Resource: {KEY}"));
    check(&model(&granted), SVC, &[]);
    let wildcard =
        literal.replace("Resource: !GetAtt SecretsKey.Arn", "Resource: arn:aws:kms:eu-west-1:123456789012:key/*");
    check(&model(&wildcard), SVC, &[]);
    // A bare key id is matched against key ARNs.
    let key_id = text
        .replace("KmsKeyId: !Ref SecretsKey", "KmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab")
        .replace("Resource: !GetAtt SecretsKey.Arn", &format!("Resource: {KEY}"));
    check(&model(&key_id), SVC, &[]);
    // A customer alias hides its key from IAM: only a key wildcard covers it.
    let alias = text.replace("KmsKeyId: !Ref SecretsKey", "KmsKeyId: alias/app-secrets");
    check(&model(&alias), SVC, &[(Dependency::Kms, Status::Fail)]);
    check(
        &model(
            &alias.replace("Resource: !GetAtt SecretsKey.Arn", "Resource: arn:aws:kms:eu-west-1:123456789012:key/*"),
        ),
        SVC,
        &[],
    );
    let aws_managed = text.replace("KmsKeyId: !Ref SecretsKey", "KmsKeyId: alias/aws/secretsmanager");
    assert!(analyze(&model(&aws_managed)).iter().all(|v| v.dependency != Dependency::Kms));
}

/// ecr-private injects `API_KEY` from an SSM parameter by ARN: when that
/// parameter is in the model as a SecureString with a CMK, the execution
/// role needs kms:Decrypt through SSM.
#[test]
fn an_ssm_secure_string_with_a_cmk_needs_kms_decrypt_through_ssm() {
    use ecsforge_model::{Concern, Kind, Provenance, Resource};
    let with_parameter = |ty: &str| {
        let mut m = example("ecr-private", Env::Develop);
        let p = Resource::new(
            Kind::from_terraform_type("aws_ssm_parameter"),
            "api_key",
            Concern::Other,
            Provenance::default(),
        )
        .with("name", "/ecr-private/api-key")
        .with("type", ty)
        .with("key_id", key_ref("secrets"));
        m.insert(p).unwrap();
        m
    };
    let mut m = with_parameter("SecureString");
    check(&m, SVC, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, SVC, &Dependency::Kms);
    assert!(v.details.contains("reads aws_ssm_parameter.api_key (valueFrom of API_KEY)"), "{}", v.details);
    assert_eq!(
        v.recommendation,
        "add kms:Decrypt on aws_kms_key.secrets to aws_iam_role_policy.file_processor_execution"
    );
    // Allowed, but only through Secrets Manager: SSM is the one that decrypts.
    edit_policy(&mut m, "aws_iam_role_policy", "file_processor_execution", "policy", |st| {
        st.push(statement(
            "Decrypt",
            &["kms:Decrypt"],
            key_ref("secrets"),
            Some(via("secretsmanager.eu-central-1.amazonaws.com")),
        ))
    });
    check(&m, SVC, &[(Dependency::Kms, Status::Fail)]);
    edit_policy(&mut m, "aws_iam_role_policy", "file_processor_execution", "policy", |st| {
        st.push(statement(
            "DecryptSsm",
            &["kms:Decrypt"],
            key_ref("secrets"),
            Some(via("ssm.eu-central-1.amazonaws.com")),
        ))
    });
    // The application reads the parameter too (the task role may): its role needs the grant as well.
    check(&m, SVC, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, SVC, &Dependency::Kms);
    assert!(
        v.details.starts_with("task role aws_iam_role.file_processor_task reads aws_ssm_parameter.api_key"),
        "{}",
        v.details
    );
    assert_eq!(v.recommendation, "add kms:Decrypt on aws_kms_key.secrets to aws_iam_role_policy.file_processor_task");
    edit_policy(&mut m, "aws_iam_role_policy", "file_processor_task", "policy", |st| {
        st.push(statement(
            "DecryptSsm",
            &["kms:Decrypt"],
            key_ref("secrets"),
            Some(via("ssm.eu-central-1.amazonaws.com")),
        ))
    });
    check(&m, SVC, &[]);
    let v = verdict_of(&m, SVC, &Dependency::Kms);
    assert_eq!(v.path, Some(Path::Local));
    // A plain String parameter is not encrypted: no dependency.
    let m = with_parameter("String");
    assert!(analyze(&m).iter().all(|v| v.dependency != Dependency::Kms));
}

fn task_policy(m: &mut InfraModel, role: &str, statements: Vec<Value>) {
    use ecsforge_model::{Concern, Kind, Provenance, Resource};
    let p = Resource::new(Kind::IamRolePolicy, &format!("{role}_kms"), Concern::Other, Provenance::default())
        .with("name", "kms")
        .with(
            "role",
            Value::Ref(ecsforge_model::Reference { address: Address::new("aws_iam_role", role), attr: "id".into() }),
        )
        .with(
            "policy",
            Value::json(Value::map([("Version", Value::from("2012-10-17")), ("Statement", Value::List(statements))])),
        );
    m.insert(p).unwrap();
}

/// The application calling KMS itself needs a network path to KMS: ecr-private
/// has no NAT and no kms endpoint, so it fails until the endpoint exists.
#[test]
fn a_task_role_calling_kms_needs_a_path_to_kms() {
    let mut m = example("ecr-private", Env::Develop);
    task_policy(
        &mut m,
        "file_processor_task",
        vec![statement("Envelope", &["kms:GenerateDataKey", "kms:Decrypt"], key_ref("s3"), None)],
    );
    check(&m, SVC, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, SVC, &Dependency::Kms);
    assert!(v.details.starts_with("task role aws_iam_role.file_processor_task calls KMS itself (kms:GenerateDataKey on aws_kms_key.s3); no interface endpoint with private DNS for kms"), "{}", v.details);
    assert!(
        v.recommendation.starts_with("create an interface endpoint for com.amazonaws.<region>.kms with private DNS"),
        "{}",
        v.recommendation
    );
    let f = ecsforge_reach::rules::findings(&m);
    assert_eq!(f.iter().map(|f| f.code).collect::<Vec<_>>(), vec!["EF211"], "{f:#?}");

    // An endpoint like the others (same subnets and security group) fixes it.
    let mut kms = m.get(&Address::new("aws_vpc_endpoint", "ssm")).unwrap().clone();
    kms.address = Address::new("aws_vpc_endpoint", "kms");
    kms.set("service_name", "com.amazonaws.eu-central-1.kms");
    m.insert(kms).unwrap();
    check(&m, SVC, &[]);
    let v = verdict_of(&m, SVC, &Dependency::Kms);
    assert_eq!(v.path, Some(Path::InterfaceEndpoint(Address::new("aws_vpc_endpoint", "kms"))));

    // twelve-services has a kms endpoint (for `security.secrets_kms_key_arns`);
    // orders-ecs-ec2 in prod has none, and goes out through NAT.
    let mut m = example("twelve-services", Env::Prod);
    task_policy(&mut m, "search_api_task", vec![statement("Sign", &["kms:Sign"], Value::from("*"), None)]);
    let v = verdict_of(&m, "aws_ecs_service.search_api", &Dependency::Kms);
    assert_eq!(v.status, Status::Pass, "{}", v.details);
    assert_eq!(v.path, Some(Path::InterfaceEndpoint(Address::new("aws_vpc_endpoint", "kms"))));
    let mut m = example("orders-ecs-ec2", Env::Prod);
    task_policy(&mut m, "order_api_task", vec![statement("Sign", &["kms:Sign"], Value::from("*"), None)]);
    let v = verdict_of(&m, API, &Dependency::Kms);
    assert!(v.status == Status::Pass && matches!(v.path, Some(Path::Nat(_))), "{v:#?}");

    // Through a service (kms:ViaService) the application does not call KMS.
    let mut m = example("ecr-private", Env::Develop);
    task_policy(
        &mut m,
        "file_processor_task",
        vec![statement("ViaS3", &["kms:Decrypt"], key_ref("s3"), Some(via("s3.eu-central-1.amazonaws.com")))],
    );
    assert!(analyze(&m).iter().all(|v| v.dependency != Dependency::Kms));
}

/// A CMK-encrypted secret the application reads itself: the task role needs
/// kms:Decrypt too (Secrets Manager still calls KMS, so no path to KMS).
#[test]
fn a_task_role_reading_a_cmk_secret_needs_kms_decrypt() {
    let mut m = example("twelve-services", Env::Prod);
    let secret = Value::Ref(ecsforge_model::Reference {
        address: Address::new("aws_secretsmanager_secret", "payments_api_webhook_signing_secret"),
        attr: "arn".into(),
    });
    task_policy(&mut m, "payments_api_task", vec![statement("Read", &["secretsmanager:GetSecretValue"], secret, None)]);
    check(&m, PAYMENTS, &[(Dependency::Kms, Status::Fail)]);
    let v = verdict_of(&m, PAYMENTS, &Dependency::Kms);
    assert!(v.details.starts_with("task role aws_iam_role.payments_api_task reads"), "{}", v.details);
    assert_eq!(v.recommendation, "add kms:Decrypt on aws_kms_key.secrets to aws_iam_role_policy.payments_api_task");
    edit_policy(&mut m, "aws_iam_role_policy", "payments_api_task_kms", "policy", |st| {
        st.push(statement(
            "Decrypt",
            &["kms:Decrypt"],
            key_ref("secrets"),
            Some(via("secretsmanager.us-east-1.amazonaws.com")),
        ))
    });
    check(&m, PAYMENTS, &[]);
}
