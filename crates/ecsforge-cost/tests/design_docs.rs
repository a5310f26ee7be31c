//! The cost figures of the design documents, line by line: what is true is
//! reproduced; a seed figure that does not add up is asserted to differ, with
//! the reason (docs/cost.md, "Figures in the design documents").

use ecsforge_cost::{Prices, Usage, estimate, render};
use ecsforge_model::{Concern, InfraModel, Kind, Provenance, Resource, Value};

fn res(t: &str, name: &str) -> Resource {
    Resource::new(Kind::from_terraform_type(t), name, Concern::Other, Provenance::default())
}

fn us_east_1(resources: Vec<Resource>) -> InfraModel {
    let mut m = InfraModel {
        project: "doc000".into(),
        environment: "prod".into(),
        region: "us-east-1".into(),
        ..Default::default()
    };
    for r in resources {
        m.insert(r).unwrap();
    }
    m
}

/// Monthly cost per (resource, component), in cents.
fn cents(m: &InfraModel, usage: &Usage) -> Vec<(String, String, i64)> {
    let e = estimate(m, "doc", &Prices::bundled(), usage).unwrap();
    e.lines
        .iter()
        .map(|l| (l.resource.clone(), l.component.clone(), (l.monthly.unwrap() * 100.0).round() as i64))
        .collect()
}

/// Doc 000's infrastructure: 8 interface endpoints in its one private
/// subnet, the S3 gateway endpoint, a Windows t3.micro with a 20 GB gp3
/// volume, one Secrets Manager secret and one SSM parameter.
fn doc000() -> InfraModel {
    let mut rs = Vec::new();
    for svc in ["ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "cloudformation"] {
        rs.push(
            res("aws_vpc_endpoint", &svc.replace('.', "_"))
                .with("service_name", format!("com.amazonaws.us-east-1.{svc}"))
                .with("vpc_endpoint_type", "Interface")
                .with("subnet_ids", Value::list([Value::from("subnet-private")])),
        );
    }
    rs.push(
        res("aws_vpc_endpoint", "s3")
            .with("service_name", "com.amazonaws.us-east-1.s3")
            .with("vpc_endpoint_type", "Gateway"),
    );
    rs.push(res("aws_instance", "windows").with("instance_type", "t3.micro").with("get_password_data", true).with(
        "root_block_device",
        Value::block([("volume_size", Value::from(20)), ("volume_type", Value::from("gp3"))]),
    ));
    rs.push(res("aws_secretsmanager_secret", "smb"));
    rs.push(res("aws_ssm_parameter", "deploy_config"));
    us_east_1(rs)
}

/// Usage that isolates doc 000's fixed charges (its table leaves data out).
fn no_traffic() -> Usage {
    Usage::default().with("endpoint_gb", 0.0).with("log_gb", 0.0).with("secret_api_calls", 0.0)
}

#[test]
fn doc000_cost_table_line_by_line() {
    let lines = cents(&doc000(), &no_traffic());
    let get = |res: &str, comp: &str| {
        lines
            .iter()
            .find(|(r, c, _)| r == res && c.starts_with(comp))
            .map(|x| x.2)
            .unwrap_or_else(|| panic!("{res} {comp}: {lines:?}"))
    };
    // "$0.01/hour × 730 hours = ~$7.30/month" per interface endpoint (one AZ).
    for ep in ["ecr_api", "ecr_dkr", "logs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "cloudformation"] {
        assert_eq!(get(&format!("aws_vpc_endpoint.{ep}"), "interface endpoint"), 730, "{ep}");
    }
    // "S3 Gateway Endpoint: $0/month".
    assert_eq!(get("aws_vpc_endpoint.s3", "gateway endpoint"), 0);
    // "20GB gp3 EBS Volume: ~$1.60/month (20GB × $0.08/GB)".
    assert_eq!(get("aws_instance.windows", "root volume"), 160);
    // "AWS Secrets Manager: ~$0.40/month".
    assert_eq!(get("aws_secretsmanager_secret.smb", "secret"), 40);
    // "t3.micro Windows Instance: ~$16.79/month (730 hours × $0.023/hour)":
    // the product is right, the rate is not. t3.micro Windows on-demand in
    // us-east-1 is $0.0196/h (Linux $0.0104 + $0.0092 Windows licence for
    // 2 vCPUs), so 730 h cost $14.31. ($0.0208/h, which gives $15.18, is the
    // t3.small Linux rate.)
    assert_eq!(get("aws_instance.windows", "instance hours (t3.micro, Windows)"), 1431);
    assert_ne!(get("aws_instance.windows", "instance hours"), 1679);
    // SSM standard parameters are free: doc 000's "~$0.05/month" has no line.
    assert!(lines.iter().all(|(r, _, _)| !r.starts_with("aws_ssm_parameter")));
}

#[test]
fn doc000_total_does_not_add_up() {
    // Doc 000's own lines: 8 × $7.30 + $0 + $16.79 + $1.60 + $0.05 + $0.40
    // = $77.24, not the "$77.14/month" it states (and the Fargate task,
    // "~$0.032/hour when running", is not in either figure).
    let seed_lines: i64 = 8 * 730 + 1679 + 160 + 5 + 40;
    assert_eq!(seed_lines, 7724);
    assert_ne!(seed_lines, 7714);
    // What the same resources cost with true rates: 58.40 + 14.31 + 1.60 + 0.40.
    let e = estimate(&doc000(), "doc", &Prices::bundled(), &no_traffic()).unwrap();
    assert_eq!(render::money(e.total), "$74.71");
}

fn fargate(arch: &str, cpu: &str, mem: &str, count: u32) -> InfraModel {
    let td = res("aws_ecs_task_definition", "t")
        .with("cpu", cpu)
        .with("memory", mem)
        .with("runtime_platform", Value::block([("cpu_architecture", Value::from(arch))]));
    let svc = res("aws_ecs_service", "s")
        .with("task_definition", td.attr("arn"))
        .with("desired_count", count)
        .with("launch_type", "FARGATE");
    us_east_1(vec![td, svc])
}

fn total(m: &InfraModel) -> f64 {
    estimate(m, "t", &Prices::bundled(), &Usage::default()).unwrap().total
}

#[test]
fn doc000_fargate_task_and_the_arm64_saving() {
    // 256 CPU / 512 MB: 0.25 × $0.03238 + 0.5 × $0.00356 = $0.009875/h on
    // ARM64, against 0.25 × $0.04048 + 0.5 × $0.004445 = $0.0123425/h on
    // x86_64. Doc 000's "~$0.032/hour" is the ARM64 price of one whole vCPU,
    // not of this task.
    let arm = total(&fargate("ARM64", "256", "512", 1));
    let x86 = total(&fargate("X86_64", "256", "512", 1));
    assert!((arm / 730.0 - 0.009875).abs() < 1e-9, "{arm}");
    assert!((x86 / 730.0 - 0.0123425).abs() < 1e-9, "{x86}");
    // "~20% cost savings vs X86_64".
    let saving = 1.0 - arm / x86;
    assert!((0.195..0.205).contains(&saving), "ARM64 saves {saving}");
    // The saving is the same for every task size (both rates are ~20% lower).
    for (cpu, mem) in [("1024", "2048"), ("4096", "30720")] {
        let s = 1.0 - total(&fargate("ARM64", cpu, mem, 3)) / total(&fargate("X86_64", cpu, mem, 3));
        assert!((0.195..0.205).contains(&s), "{cpu}/{mem}: {s}");
    }
}

#[test]
fn doc002_fixed_and_variable_costs() {
    // "VPC Interface Endpoints: ~$7/month each" (per AZ) and "ALB: ~$16/month".
    let ep = res("aws_vpc_endpoint", "x")
        .with("service_name", "com.amazonaws.us-east-1.sts")
        .with("vpc_endpoint_type", "Interface")
        .with("subnet_ids", Value::list([Value::from("a")]));
    let e = estimate(&us_east_1(vec![ep, res("aws_lb", "main")]), "t", &Prices::bundled(), &Usage::default()).unwrap();
    let monthly = |c: &str| e.lines.iter().find(|l| l.component.starts_with(c)).and_then(|l| l.monthly).unwrap();
    assert_eq!(render::money(monthly("interface endpoint")), "$7.30");
    assert_eq!(render::money(monthly("ALB")), "$16.43");
    // "2 tasks x 0.5 vCPU x 1GB = ~$58/month" does not add up: at the rates
    // doc 002 itself gives ($0.04/vCPU-h, $0.004/GB-h) it is 2 × 0.024 × 730
    // = $35.04; with exact x86_64 rates $36.04, on ARM64 $28.84 (28.835 rounded).
    assert_eq!(render::money(total(&fargate("X86_64", "512", "1024", 2))), "$36.04");
    assert_eq!(render::money(total(&fargate("ARM64", "512", "1024", 2))), "$28.84");
}
