//! CloudFormation resources in the provider schema: inline and standalone
//! security-group rules (the doc-000 Windows case), and one of each
//! translated type.

mod cloudformation_support;

use cloudformation_support::{fixture, render, summary};
use ecsforge_ingest::cloudformation::{Options, ingest, ingest_with};
use ecsforge_model::value::Part;
use ecsforge_model::{Address, InfraModel, Kind, Value};

fn load(name: &str) -> InfraModel {
    let m = ingest(name, &fixture(name)).unwrap_or_else(|e| panic!("{}", e.render(false)));
    m.check_references().expect("no dangling references");
    m
}

fn attr(m: &InfraModel, ty: &str, name: &str, key: &str) -> String {
    let r = m.get(&Address::new(ty, name)).unwrap_or_else(|| panic!("{ty}.{name} missing"));
    r.get(key).map(render).unwrap_or_else(|| "(absent)".into())
}

/// Checks `(type, name, attribute, expected rendering)` rows.
fn check(m: &InfraModel, rows: &[(&str, &str, &str, &str)]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(ty, name, key, expected)| {
            let got = attr(m, ty, name, key);
            (got != *expected).then(|| format!("{ty}.{name}.{key}\n    expected {expected}\n    got      {got}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn windows_security_group_keeps_inline_and_standalone_rules() {
    let m = load("windows-sg-000.yaml");
    let sg = "aws_security_group";
    let egress = "aws_vpc_security_group_egress_rule";
    check(
        &m,
        &[
            (sg, "WindowsEC2SecurityGroup", "name", r#""windows-file-server""#),
            (sg, "WindowsEC2SecurityGroup", "description", r#""Windows EC2 file server""#),
            (
                sg,
                "WindowsEC2SecurityGroup",
                "egress",
                concat!(
                    r#"[{cidr_blocks: ["0.0.0.0/0"], description: "HTTPS outbound for AWS services (fallback)", from_port: 443, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "tcp", security_groups: [], self: false, to_port: 443}, "#,
                    r#"{cidr_blocks: ["0.0.0.0/0"], description: "DNS outbound for name resolution", from_port: 53, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "udp", security_groups: [], self: false, to_port: 53}, "#,
                    r#"{cidr_blocks: ["0.0.0.0/0"], description: "DNS TCP outbound for name resolution", from_port: 53, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "tcp", security_groups: [], self: false, to_port: 53}]"#
                ),
            ),
            (
                sg,
                "WindowsEC2SecurityGroup",
                "ingress",
                concat!(
                    r#"[{cidr_blocks: [], description: "SMB from ECS", from_port: 445, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "tcp", security_groups: [${aws_security_group.EcsSecurityGroup.id}], self: false, to_port: 445}, "#,
                    r#"{cidr_blocks: [], description: "Dynamic RPC from ECS", from_port: 1024, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "tcp", security_groups: [${aws_security_group.EcsSecurityGroup.id}], self: false, to_port: 65535}]"#
                ),
            ),
            (
                egress,
                "WindowsToVPCEndpointsRule",
                "security_group_id",
                "${aws_security_group.WindowsEC2SecurityGroup.id}",
            ),
            (egress, "WindowsToVPCEndpointsRule", "ip_protocol", r#""tcp""#),
            (egress, "WindowsToVPCEndpointsRule", "from_port", "443"),
            (egress, "WindowsToVPCEndpointsRule", "to_port", "443"),
            (
                egress,
                "WindowsToVPCEndpointsRule",
                "referenced_security_group_id",
                "${aws_security_group.VpcEndpointSecurityGroup.id}",
            ),
            (egress, "WindowsToVPCEndpointsRule", "cidr_ipv4", "(absent)"),
            (egress, "WindowsOutboundDNSRule", "security_group_id", "${aws_security_group.WindowsEC2SecurityGroup.id}"),
            (egress, "WindowsOutboundDNSRule", "ip_protocol", r#""udp""#),
            (egress, "WindowsOutboundDNSRule", "cidr_ipv4", r#""10.0.0.0/16""#),
            (egress, "WindowsOutboundDNSRule", "description", r#""DNS to the VPC resolver""#),
            (egress, "WindowsOutboundDNSTCPRule", "ip_protocol", r#""tcp""#),
            (egress, "WindowsOutboundDNSTCPRule", "from_port", "53"),
            // No SecurityGroupEgress: CloudFormation keeps AWS's allow-all egress rule.
            (
                sg,
                "EcsSecurityGroup",
                "egress",
                r#"[{cidr_blocks: ["0.0.0.0/0"], description: "", from_port: 0, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "-1", security_groups: [], self: false, to_port: 0}]"#,
            ),
            (sg, "EcsSecurityGroup", "ingress", "(absent)"),
        ],
    );
    assert_eq!(m.of_kind(Kind::SecurityGroupEgressRule).count(), 3);

    // The rules view sees both kinds on the one group: 3 inline + 3 standalone.
    let windows = Address::new("aws_security_group", "WindowsEC2SecurityGroup");
    let rules: Vec<_> = ecsforge_rules::view::sg_rules(&m)
        .into_iter()
        .filter(|r| r.egress && r.group.as_ref() == Some(&windows))
        .collect();
    let inline = rules.iter().filter(|r| r.source == ecsforge_rules::view::RuleSource::Inline).count();
    assert_eq!((inline, rules.len() - inline), (3, 3));
}

#[test]
fn windows_instance_user_data_and_ami() {
    let m = load("windows-sg-000.yaml");
    let i = m.get(&Address::new("aws_instance", "WindowsInstance")).unwrap();
    assert_eq!(i.kind, Kind::Instance);
    // An SSM parameter type: known at deploy time only.
    assert_eq!(i.get("ami"), Some(&Value::Unknown));
    assert_eq!(render(i.get("vpc_security_group_ids").unwrap()), "[${aws_security_group.WindowsEC2SecurityGroup.id}]");
    // Fn::Base64 keeps the decoded script; the unknown stack name is one unknown piece of it.
    let Some(Value::Template(parts)) = i.get("user_data") else { panic!("{:?}", i.get("user_data")) };
    assert_eq!(
        parts,
        &[
            Part::Lit("<powershell>\nNew-SmbShare -Name files -Path D:\\files\ncfn-signal.exe --stack ".into()),
            Part::Unknown,
            Part::Lit(" --resource WindowsInstance\n</powershell>\n".into()),
        ]
    );
    let opts = Options { stack_name: Some("files".into()), ..Options::default() };
    let m = ingest_with("w.yaml", &fixture("windows-sg-000.yaml"), &opts).unwrap();
    let ud = m.get(&Address::new("aws_instance", "WindowsInstance")).unwrap().get("user_data").unwrap();
    assert!(ud.as_str().is_some_and(|s| s.contains("--stack files --resource")), "{ud:?}");
}

#[test]
fn json_and_yaml_give_the_same_model() {
    let yaml = load("windows-sg-000.yaml");
    let json = load("windows-sg-000.json");
    let attrs = |m: &InfraModel| {
        m.resources.iter().map(|(a, r)| (a.clone(), r.kind.clone(), r.attrs.clone())).collect::<Vec<_>>()
    };
    assert_eq!(attrs(&yaml), attrs(&json));
    // Provenance points into each file.
    let at = |m: &InfraModel| {
        let p =
            &m.get(&Address::new("aws_vpc_security_group_egress_rule", "WindowsOutboundDNSRule")).unwrap().provenance;
        format!("{}:{}:{} {}", p.file, p.line, p.col, p.pointer)
    };
    assert_eq!(at(&yaml), "windows-sg-000.yaml:77:3 /Resources/WindowsOutboundDNSRule");
    assert_eq!(at(&json), "windows-sg-000.json:112:5 /Resources/WindowsOutboundDNSRule");
}

#[test]
fn resource_types_model() {
    let opts =
        Options { region: Some("eu-central-1".into()), account_id: Some("123456789012".into()), ..Options::default() };
    let m = ingest_with("resource-types.yaml", &fixture("resource-types.yaml"), &opts)
        .unwrap_or_else(|e| panic!("{}", e.render(false)));
    m.check_references().expect("no dangling references");
    insta::assert_snapshot!(summary(&m));
}

/// Tag rules judge only what the author could tag: CloudFormation has no
/// `Tags` on standalone security-group rules, although Terraform's rule
/// resources take tags.
#[test]
fn taggability_follows_what_cloudformation_can_tag() {
    let m = load("windows-sg-000.yaml");
    let taggable = |ty: &str, name: &str| m.get(&Address::new(ty, name)).expect("resource exists").taggable;
    assert!(taggable("aws_security_group", "WindowsEC2SecurityGroup"));
    assert!(taggable("aws_vpc", "Vpc"));
    for r in m.resources.values().filter(|r| r.kind == Kind::SecurityGroupEgressRule) {
        assert!(r.kind.taggable(), "Terraform can tag {}", r.address);
        assert!(!r.taggable, "CloudFormation cannot tag {}", r.address);
    }
    assert!(m.resources.values().any(|r| r.kind == Kind::SecurityGroupEgressRule), "fixture has standalone rules");
}

/// A metric-math alarm's `Metrics` become the provider's `metric_query`
/// blocks, each `MetricStat.Metric` a `metric` block with a `dimensions` map,
/// so rules read CloudFormation and Terraform alarms alike (EF109).
#[test]
fn metric_math_alarm_queries_are_provider_blocks() {
    let text = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Rate:
    Type: AWS::CloudWatch::Alarm
    Properties:
      ComparisonOperator: LessThanThreshold
      Threshold: 99.5
      EvaluationPeriods: 2
      Metrics:
        - Id: rate
          Expression: 100 * ok / total
          ReturnData: true
        - Id: ok
          ReturnData: false
          MetricStat:
            Metric:
              Namespace: AWS/ApplicationELB
              MetricName: HTTPCode_Target_2XX_Count
              Dimensions:
                - Name: TargetGroup
                  Value: targetgroup/app/0123456789abcdef
            Period: 60
            Stat: Sum
"#;
    let m = ingest("alarm.yaml", text).unwrap_or_else(|e| panic!("{}", e.render(false)));
    let a = m.get(&Address::new("aws_cloudwatch_metric_alarm", "Rate")).unwrap();
    let queries = a.get("metric_query").unwrap().as_list();
    assert_eq!(queries.len(), 2);
    assert_eq!(queries[0].get("expression").and_then(Value::as_str), Some("100 * ok / total"));
    assert_eq!(queries[0].get("return_data"), Some(&Value::Bool(true)));
    assert!(queries[0].get("metric").is_none());
    let metric = &queries[1].get("metric").unwrap().as_list()[0];
    assert_eq!(metric.get("namespace").and_then(Value::as_str), Some("AWS/ApplicationELB"));
    assert_eq!(metric.get("metric_name").and_then(Value::as_str), Some("HTTPCode_Target_2XX_Count"));
    assert_eq!(metric.get("stat").and_then(Value::as_str), Some("Sum"));
    assert_eq!(
        metric.get("dimensions").and_then(|d| d.get("TargetGroup")).and_then(Value::as_str),
        Some("targetgroup/app/0123456789abcdef")
    );
}
