//! One test per priced resource type, all through `check(input, expected)`:
//! a hand-built model in us-east-1 with the bundled prices, and the lines it
//! must produce as `resource | component | quantity unit | monthly | note`.

use ecsforge_cost::{Prices, Usage, estimate, render};
use ecsforge_model::{Concern, InfraModel, Kind, Provenance, Resource, Value, value::Part};

fn res(t: &str, name: &str) -> Resource {
    Resource::new(Kind::from_terraform_type(t), name, Concern::Other, Provenance::default())
}

fn model(resources: Vec<Resource>) -> InfraModel {
    let mut m = InfraModel {
        project: "p".into(),
        environment: "develop".into(),
        region: "us-east-1".into(),
        ..InfraModel::default()
    };
    for r in resources {
        m.insert(r).unwrap();
    }
    m
}

fn lines_with(resources: Vec<Resource>, usage: &Usage) -> Vec<String> {
    let e = estimate(&model(resources), "test", &Prices::bundled(), usage).unwrap();
    e.lines
        .iter()
        .map(|l| {
            let q = l.quantity.map(render::quantity).unwrap_or_else(|| "unknown".into());
            let m = l.monthly.map(render::money).unwrap_or_else(|| "unknown".into());
            let s = format!("{} | {} | {q} {} | {m}", l.resource, l.component, l.unit);
            if l.note.is_empty() { s } else { format!("{s} | {}", l.note) }
        })
        .collect()
}

/// Prices `input` with default usage and compares every line.
fn check(input: Vec<Resource>, expected: &[&str]) {
    check_with(input, &Usage::default(), expected);
}

fn check_with(input: Vec<Resource>, usage: &Usage, expected: &[&str]) {
    let got = lines_with(input, usage);
    assert_eq!(got, expected, "\n got: {got:#?}");
}

fn subnets(n: usize) -> Vec<Resource> {
    (0..n)
        .map(|i| {
            res("aws_subnet", &format!("s{i}"))
                .with("availability_zone", format!("us-east-1{}", (b'a' + i as u8) as char))
        })
        .collect()
}

fn task_def(name: &str, cpu: &str, mem: &str, arch: &str) -> Resource {
    res("aws_ecs_task_definition", name).with("family", name).with("cpu", cpu).with("memory", mem).with(
        "runtime_platform",
        Value::block([("cpu_architecture", Value::from(arch)), ("operating_system_family", Value::from("LINUX"))]),
    )
}

fn strategy(items: &[(&str, u32, u32)]) -> Value {
    Value::List(
        items
            .iter()
            .map(|(p, w, b)| {
                Value::map([
                    ("capacity_provider", Value::from(*p)),
                    ("weight", Value::from(*w)),
                    ("base", Value::from(*b)),
                ])
            })
            .collect(),
    )
}

#[test]
fn fargate_arm64_on_demand() {
    let td = task_def("api", "256", "512", "ARM64");
    let svc = res("aws_ecs_service", "api")
        .with("task_definition", td.attr("arn"))
        .with("desired_count", 1)
        .with("launch_type", "FARGATE");
    check(
        vec![td, svc],
        &[
            "aws_ecs_service.api | Fargate vCPU (ARM64, on-demand) | 182.5 vCPU-hours | $5.91",
            "aws_ecs_service.api | Fargate memory (ARM64, on-demand) | 365 GB-hours | $1.30",
        ],
    );
}

#[test]
fn fargate_x86_with_spot_share_and_base() {
    // 4 tasks, base 1 on FARGATE, the other 3 split 70/30: 3.1 on-demand, 0.9 Spot.
    let td = task_def("api", "1024", "2048", "X86_64");
    let svc = res("aws_ecs_service", "api")
        .with("task_definition", td.attr("arn"))
        .with("desired_count", 4)
        .with("capacity_provider_strategy", strategy(&[("FARGATE", 70, 1), ("FARGATE_SPOT", 30, 0)]));
    check(
        vec![td, svc],
        &[
            "aws_ecs_service.api | Fargate vCPU (x86_64, on-demand) | 2,263 vCPU-hours | $91.61 | 3.1 of 4 tasks",
            "aws_ecs_service.api | Fargate memory (x86_64, on-demand) | 4,526 GB-hours | $20.12 | 3.1 of 4 tasks",
            "aws_ecs_service.api | Fargate vCPU (x86_64, Spot) | 657 vCPU-hours | $7.98 | 0.9 of 4 tasks",
            "aws_ecs_service.api | Fargate memory (x86_64, Spot) | 1,314 GB-hours | $1.75 | 0.9 of 4 tasks",
        ],
    );
}

#[test]
fn fargate_cluster_default_strategy_and_autoscaling_minimum() {
    let cluster = res("aws_ecs_cluster", "main").with("name", "c");
    let cps = res("aws_ecs_cluster_capacity_providers", "main")
        .with("cluster_name", cluster.attr("name"))
        .with("default_capacity_provider_strategy", strategy(&[("FARGATE_SPOT", 1, 0)]));
    let td = task_def("w", "512", "1024", "ARM64");
    let svc = res("aws_ecs_service", "w")
        .with("name", "w")
        .with("cluster", cluster.attr("id"))
        .with("task_definition", td.attr("arn"))
        .with("desired_count", 1);
    let target = res("aws_appautoscaling_target", "w")
        .with("service_namespace", "ecs")
        .with(
            "resource_id",
            Value::Template(vec![
                Part::Lit("service/c/".into()),
                Part::Ref(ecsforge_model::Reference { address: svc.address.clone(), attr: "name".into() }),
            ]),
        )
        .with("min_capacity", 2);
    check(
        vec![cluster, cps, td, svc, target],
        &[
            "aws_ecs_service.w | Fargate vCPU (ARM64, Spot) | 730 vCPU-hours | $7.09 | autoscaling minimum 2 (desired_count 1)",
            "aws_ecs_service.w | Fargate memory (ARM64, Spot) | 1,460 GB-hours | $1.56 | autoscaling minimum 2 (desired_count 1)",
        ],
    );
}

#[test]
fn fargate_unknowns_are_said_not_guessed() {
    let td = task_def("api", "256", "512", "ARM64");
    let unknown = res("aws_ecs_service", "a")
        .with("task_definition", td.attr("arn"))
        .with("desired_count", Value::Unknown)
        .with("launch_type", "FARGATE");
    let orphan = res("aws_ecs_service", "b")
        .with("task_definition", "missing:3")
        .with("desired_count", 1)
        .with("launch_type", "FARGATE");
    let td_win = res("aws_ecs_task_definition", "win")
        .with("cpu", "1024")
        .with("memory", "2048")
        .with("runtime_platform", Value::block([("operating_system_family", Value::from("WINDOWS_SERVER_2022_CORE"))]));
    let win = res("aws_ecs_service", "c")
        .with("task_definition", td_win.attr("arn"))
        .with("desired_count", 1)
        .with("launch_type", "FARGATE");
    check(
        vec![td, unknown, orphan, td_win, win],
        &[
            "aws_ecs_service.a | Fargate vCPU (ARM64, on-demand) | unknown vCPU-hours | unknown | desired_count unknown until apply",
            "aws_ecs_service.a | Fargate memory (ARM64, on-demand) | unknown GB-hours | unknown | desired_count unknown until apply",
            "aws_ecs_service.b | Fargate tasks | unknown vCPU-hours | unknown | task definition not found in the input",
            "aws_ecs_service.c | Fargate WINDOWS_SERVER_2022_CORE tasks | 1 tasks | unknown | WINDOWS_SERVER_2022_CORE Fargate is not in the price table",
        ],
    );
}

#[test]
fn ec2_windows_instance_with_volumes() {
    let i = res("aws_instance", "files")
        .with("instance_type", "t3.micro")
        .with("ami", "resolve:ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base")
        .with(
            "root_block_device",
            Value::block([("volume_size", Value::from(20)), ("volume_type", Value::from("gp3"))]),
        )
        .with(
            "ebs_block_device",
            Value::block([("volume_size", Value::from(100)), ("volume_type", Value::from("st1"))]),
        );
    let v = res("aws_ebs_volume", "data").with("size", 10);
    check(
        vec![i, v],
        &[
            "aws_instance.files | instance hours (t3.micro, Windows) | 730 hours | $14.31",
            "aws_instance.files | root volume (gp3) | 20 GB-months | $1.60",
            "aws_instance.files | EBS volume (st1) | 100 GB-months | $4.50",
            "aws_ebs_volume.data | EBS volume (gp2) | 10 GB-months | $1.00",
        ],
    );
}

#[test]
fn ec2_capacity_from_an_autoscaling_group() {
    let lt = res("aws_launch_template", "ecs")
        .with("instance_type", "m6g.large")
        .with("image_id", "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id")
        .with(
            "block_device_mappings",
            Value::block([(
                "ebs",
                Value::block([("volume_size", Value::from(40)), ("volume_type", Value::from("gp3"))]),
            )]),
        );
    let asg = res("aws_autoscaling_group", "ecs")
        .with("min_size", 2)
        .with("max_size", 6)
        .with("launch_template", Value::block([("id", lt.attr("id"))]));
    let unknown_type = res("aws_instance", "odd").with("instance_type", "x9.huge").with("ami", "ami-0123");
    check(
        vec![lt, asg, unknown_type],
        &[
            "aws_instance.odd | instance hours (x9.huge, Linux) | 730 hours | unknown | platform not stated by the AMI: priced as Linux; x9.huge Linux is not in the price table",
            "aws_instance.odd | root volume (gp3) | 30 GB-months | $2.40 | size not stated: root_volume_gb; type not stated: priced as gp3",
            "aws_autoscaling_group.ecs | instance hours (m6g.large, Linux) | 1,460 hours | $112.42 | min_size; aws_launch_template.ecs",
            "aws_autoscaling_group.ecs | EBS volume (gp3) | 80 GB-months | $6.40",
        ],
    );
}

#[test]
fn nat_gateways_hours_gb_and_cross_az() {
    let mut input = subnets(3);
    input.push(res("aws_nat_gateway", "main"));
    input.push(res("aws_eip", "nat_main").with("domain", "vpc"));
    check(
        input,
        &[
            "aws_nat_gateway.main | NAT gateway | 730 hours | $32.85",
            "aws_nat_gateway.main | data processed | 50 GB | $2.25",
            "aws_nat_gateway.main | cross-AZ transfer to the NAT | 66.67 GB | $0.67 | 1 NAT for 3 AZs: 67% of nat_gb crosses AZs, charged both ways",
            "aws_eip.nat_main | public IPv4 address | 730 hours | $3.65",
        ],
    );
    let mut per_az = subnets(2);
    per_az.push(res("aws_nat_gateway", "a"));
    per_az.push(res("aws_nat_gateway", "b"));
    let usage = Usage::default().with("nat_gb", 1000.0);
    check_with(
        per_az,
        &usage,
        &[
            "aws_nat_gateway.a | NAT gateway | 730 hours | $32.85",
            "aws_nat_gateway.a | data processed | 500 GB | $22.50 | nat_gb split over 2 NAT gateways",
            "aws_nat_gateway.b | NAT gateway | 730 hours | $32.85",
            "aws_nat_gateway.b | data processed | 500 GB | $22.50 | nat_gb split over 2 NAT gateways",
        ],
    );
}

#[test]
fn endpoints_interface_per_az_gateway_free() {
    let ecr = res("aws_vpc_endpoint", "ecr_api")
        .with("service_name", "com.amazonaws.us-east-1.ecr.api")
        .with("vpc_endpoint_type", "Interface")
        .with("subnet_ids", Value::list([Value::from("a"), Value::from("b")]));
    let logs = res("aws_vpc_endpoint", "logs")
        .with("service_name", "com.amazonaws.us-east-1.logs")
        .with("vpc_endpoint_type", "Interface")
        .with("subnet_ids", Value::Unknown);
    let lg = res("aws_cloudwatch_log_group", "app").with("retention_in_days", 30);
    let s3 = res("aws_vpc_endpoint", "s3")
        .with("service_name", "com.amazonaws.us-east-1.s3")
        .with("vpc_endpoint_type", "Gateway");
    check(
        vec![ecr, logs, lg, s3],
        &[
            "aws_vpc_endpoint.ecr_api | interface endpoint (ecr.api) | 1,460 AZ-hours | $14.60",
            "aws_vpc_endpoint.ecr_api | data processed | 5 GB | $0.05",
            "aws_vpc_endpoint.logs | interface endpoint (logs) | unknown AZ-hours | unknown | subnet_ids unknown until apply",
            "aws_vpc_endpoint.logs | data processed | 2 GB | $0.02 | the environment's log ingestion (log_gb × log groups, flow logs excluded)",
            "aws_vpc_endpoint.s3 | gateway endpoint (s3) | 730 hours | $0.00 | gateway endpoints are free",
            "aws_cloudwatch_log_group.app | log ingestion | 2 GB | $1.00",
            "aws_cloudwatch_log_group.app | log storage | 2 GB-months | $0.06 | steady state: 30 days kept",
        ],
    );
}

#[test]
fn load_balancers_hours_and_lcus() {
    let alb = res("aws_lb", "main").with("load_balancer_type", "application");
    let nlb = res("aws_lb", "net").with("load_balancer_type", "network");
    let usage = Usage::default().with("alb_lcu", 3.0);
    check_with(
        vec![alb, nlb],
        &usage,
        &[
            "aws_lb.main | ALB | 730 hours | $16.43",
            "aws_lb.main | ALB capacity units | 2,190 LCU-hours | $17.52",
            "aws_lb.net | NLB | 730 hours | $16.43",
            "aws_lb.net | NLB capacity units | 2,190 LCU-hours | $13.14",
        ],
    );
}

#[test]
fn logs_alarms_dashboards() {
    let never = res("aws_cloudwatch_log_group", "never");
    let year = res("aws_cloudwatch_log_group", "year").with("retention_in_days", 365);
    let alarm = res("aws_cloudwatch_metric_alarm", "cpu").with("period", 60);
    let fast = res("aws_cloudwatch_metric_alarm", "fast").with("period", 10);
    let dash = res("aws_cloudwatch_dashboard", "ops");
    check(
        vec![never, year, alarm, fast, dash],
        &[
            "aws_cloudwatch_log_group.never | log ingestion | 2 GB | $1.00",
            "aws_cloudwatch_log_group.never | log storage | 24 GB-months | $0.72 | never expires: storage after 12 months",
            "aws_cloudwatch_log_group.year | log ingestion | 2 GB | $1.00",
            "aws_cloudwatch_log_group.year | log storage | 24.33 GB-months | $0.73 | steady state: 365 days kept",
            "aws_cloudwatch_metric_alarm.cpu | alarm | 1 alarm-months | $0.10",
            "aws_cloudwatch_metric_alarm.fast | high-resolution alarm | 1 alarm-months | $0.30",
            "aws_cloudwatch_dashboard.ops | dashboard | 1 dashboard-months | $3.00",
        ],
    );
}

#[test]
fn kms_and_secrets() {
    let usage = Usage::default().with("kms_requests", 1_000_000.0).with("secret_api_calls", 20_000.0);
    check_with(
        vec![res("aws_kms_key", "logs"), res("aws_secretsmanager_secret", "db")],
        &usage,
        &[
            "aws_kms_key.logs | customer managed key | 1 key-months | $1.00",
            "aws_kms_key.logs | requests | 100 10k requests | $3.00",
            "aws_secretsmanager_secret.db | secret | 1 secret-months | $0.40",
            "aws_secretsmanager_secret.db | API calls | 2 10k calls | $0.10",
        ],
    );
}

#[test]
fn cloudtrail_first_copy_free_then_paid_and_data_events() {
    let a = res("aws_cloudtrail", "a");
    let b = res("aws_cloudtrail", "b").with(
        "event_selector",
        Value::block([("data_resource", Value::block([("type", Value::from("AWS::S3::Object"))]))]),
    );
    check(
        vec![a, b],
        &[
            "aws_cloudtrail.a | management events (first copy) | 0 100k events | $0.00 | the first copy of management events is free",
            "aws_cloudtrail.b | management events (additional copy) | 1 100k events | $2.00",
            "aws_cloudtrail.b | data events | 10 100k events | $1.00",
        ],
    );
}

#[test]
fn config_ecr_sns() {
    check(
        vec![
            res("aws_config_configuration_recorder", "main"),
            res("aws_ecr_repository", "api"),
            res("aws_sns_topic", "alarms"),
        ],
        &[
            "aws_config_configuration_recorder.main | configuration items | 1,000 items | $3.00",
            "aws_ecr_repository.api | image storage | 2 GB-months | $0.20",
            "aws_sns_topic.alarms | publishes | 1 million requests | $0.50",
        ],
    );
}

#[test]
fn codepipeline_and_codebuild() {
    let v1 = res("aws_codepipeline", "v1");
    let v2 = res("aws_codepipeline", "v2").with("pipeline_type", "V2");
    let build = res("aws_codebuild_project", "b").with(
        "environment",
        Value::block([
            ("compute_type", Value::from("BUILD_GENERAL1_MEDIUM")),
            ("type", Value::from("LINUX_CONTAINER")),
        ]),
    );
    let arm = res("aws_codebuild_project", "arm").with(
        "environment",
        Value::block([("compute_type", Value::from("BUILD_GENERAL1_SMALL")), ("type", Value::from("ARM_CONTAINER"))]),
    );
    check(
        vec![v1, v2, build, arm],
        &[
            "aws_codepipeline.v1 | V1 active pipeline | 1 pipeline-months | $1.00",
            "aws_codepipeline.v2 | V2 action minutes | 100 minutes | $0.20",
            "aws_codebuild_project.arm | build minutes (ARM_CONTAINER/BUILD_GENERAL1_SMALL) | 300 minutes | $1.02",
            "aws_codebuild_project.b | build minutes (BUILD_GENERAL1_MEDIUM) | 300 minutes | $3.00",
        ],
    );
}

#[test]
fn dynamodb_on_demand_and_provisioned() {
    let od = res("aws_dynamodb_table", "locks").with("billing_mode", "PAY_PER_REQUEST");
    let prov = res("aws_dynamodb_table", "old").with("billing_mode", "PROVISIONED");
    check(
        vec![od, prov],
        &[
            "aws_dynamodb_table.locks | on-demand writes | 1 million WRU | $0.63",
            "aws_dynamodb_table.locks | on-demand reads | 5 million RRU | $0.63",
            "aws_dynamodb_table.locks | storage | 1 GB-months | $0.25",
            "aws_dynamodb_table.old | provisioned capacity | unknown RCU/WCU-hours | unknown | provisioned capacity is not in the price table",
            "aws_dynamodb_table.old | storage | 1 GB-months | $0.25",
        ],
    );
}

#[test]
fn cloud_map_counts_the_tasks_that_register() {
    let ns = res("aws_service_discovery_private_dns_namespace", "internal");
    let sd = res("aws_service_discovery_service", "api");
    let lonely = res("aws_service_discovery_service", "lonely");
    let td = task_def("api", "256", "512", "ARM64");
    let svc = res("aws_ecs_service", "api")
        .with("task_definition", td.attr("arn"))
        .with("desired_count", 3)
        .with("launch_type", "FARGATE")
        .with("service_registries", Value::block([("registry_arn", sd.attr("arn"))]));
    let lines = lines_with(vec![ns, sd, lonely, td, svc], &Usage::default());
    let cloud_map: Vec<&String> = lines.iter().filter(|l| l.contains("service_discovery")).collect();
    assert_eq!(
        cloud_map,
        [
            "aws_service_discovery_service.api | registered instances | 3 instance-months | $0.30 | tasks of api",
            "aws_service_discovery_service.api | DNS queries | 1 million queries | $0.40",
            "aws_service_discovery_service.lonely | registered instances | 1 instance-months | $0.10",
            "aws_service_discovery_service.lonely | DNS queries | 1 million queries | $0.40",
            "aws_service_discovery_private_dns_namespace.internal | hosted zone | 1 zone-months | $0.50",
        ]
    );
}

#[test]
fn defaults_are_listed_and_given_values_are_not() {
    let m = model(vec![res("aws_nat_gateway", "a"), res("aws_cloudwatch_log_group", "l")]);
    let usage = Usage::default().with("nat_gb", 10.0);
    let e = estimate(&m, "t", &Prices::bundled(), &usage).unwrap();
    let keys: Vec<&str> = e.defaults.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["log_gb"]);
    let text = render::text(&e);
    assert!(text.contains("log_gb = 2 GB/month per log group"), "{text}");
}

#[test]
fn per_environment_usage_wins_over_the_common_value() {
    let mut usage = Usage::default().with("nat_gb", 10.0);
    usage.environments.entry("develop".into()).or_default().insert("nat_gb".into(), 1000.0);
    check_with(
        vec![res("aws_nat_gateway", "a")],
        &usage,
        &[
            "aws_nat_gateway.a | NAT gateway | 730 hours | $32.85",
            "aws_nat_gateway.a | data processed | 1,000 GB | $45.00",
        ],
    );
}

#[test]
fn free_and_unpriced_types_are_listed_not_dropped() {
    let m = model(vec![res("aws_vpc", "main"), res("aws_s3_bucket", "logs"), res("aws_foo_bar", "x")]);
    let e = estimate(&m, "t", &Prices::bundled(), &Usage::default()).unwrap();
    assert_eq!(e.free.get("aws_vpc"), Some(&1));
    let unpriced: Vec<(&str, usize)> = e.unpriced.iter().map(|u| (u.resource_type.as_str(), u.count)).collect();
    assert_eq!(unpriced, [("aws_foo_bar", 1), ("aws_s3_bucket", 1)]);
    assert_eq!(e.total, 0.0);
}

#[test]
fn a_region_the_table_lacks_is_an_error() {
    let mut m = model(vec![]);
    m.region = "ap-south-2".into();
    let err = estimate(&m, "t", &Prices::bundled(), &Usage::default()).unwrap_err();
    assert!(err.to_string().contains("no prices for region `ap-south-2`"), "{err}");
}

#[test]
fn composite_alarms_config_rules_waf_route53() {
    let waf = res("aws_wafv2_web_acl", "alb").with(
        "rule",
        Value::list([Value::map([("name", Value::from("common"))]), Value::map([("name", Value::from("bad-inputs"))])]),
    );
    let unknown_rules = res("aws_wafv2_web_acl", "later").with("rule", Value::Unknown);
    check(
        vec![
            res("aws_cloudwatch_composite_alarm", "svc"),
            res("aws_config_config_rule", "tags"),
            waf,
            unknown_rules,
            res("aws_route53_zone", "internal"),
        ],
        &[
            "aws_cloudwatch_composite_alarm.svc | composite alarm | 1 alarm-months | $0.50",
            "aws_config_config_rule.tags | rule evaluations | 1,000 evaluations | $1.00",
            "aws_wafv2_web_acl.alb | web ACL | 1 ACL-months | $5.00",
            "aws_wafv2_web_acl.alb | rules | 2 rule-months | $2.00",
            "aws_wafv2_web_acl.alb | requests | 1 million requests | $0.60",
            "aws_wafv2_web_acl.later | web ACL | 1 ACL-months | $5.00",
            "aws_wafv2_web_acl.later | rules | unknown rule-months | unknown | rules unknown until apply",
            "aws_wafv2_web_acl.later | requests | 1 million requests | $0.60",
            "aws_route53_zone.internal | hosted zone | 1 zone-months | $0.50",
        ],
    );
}
