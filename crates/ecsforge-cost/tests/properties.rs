//! Cost never decreases as desired count, task cpu, memory, AZ count or any
//! usage value grows.

use ecsforge_cost::{Prices, Usage, estimate, usage::KEYS};
use ecsforge_model::{Concern, InfraModel, Kind, Provenance, Resource, Value};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Params {
    azs: usize,
    /// 0 none, 1 single, 2 per AZ.
    nat: u8,
    desired: u32,
    min: u32,
    cpu: u32,
    mem_mb: u32,
    spot: u32,
    arm: bool,
    usage: Vec<f64>,
}

fn res(t: &str, name: &str) -> Resource {
    Resource::new(Kind::from_terraform_type(t), name, Concern::Other, Provenance::default())
}

fn platform(p: &Params) -> InfraModel {
    let mut m = InfraModel {
        project: "p".into(),
        environment: "qa".into(),
        region: "eu-central-1".into(),
        ..Default::default()
    };
    let mut add = |r: Resource| {
        m.resources.insert(r.address.clone(), r);
    };
    let zones: Vec<String> = (0..p.azs).map(|i| format!("eu-central-1{}", (b'a' + i as u8) as char)).collect();
    for z in &zones {
        add(res("aws_subnet", z).with("availability_zone", z.as_str()));
    }
    let nats = match p.nat {
        0 => 0,
        1 => 1,
        _ => p.azs,
    };
    for i in 0..nats {
        add(res("aws_nat_gateway", &format!("n{i}")));
        add(res("aws_eip", &format!("n{i}")));
    }
    for svc in ["ecr.api", "ecr.dkr", "logs"] {
        add(res("aws_vpc_endpoint", &svc.replace('.', "_"))
            .with("service_name", format!("com.amazonaws.eu-central-1.{svc}"))
            .with("vpc_endpoint_type", "Interface")
            .with("subnet_ids", Value::List(zones.iter().map(Value::from).collect())));
    }
    let td =
        res("aws_ecs_task_definition", "t").with("cpu", p.cpu.to_string()).with("memory", p.mem_mb.to_string()).with(
            "runtime_platform",
            Value::block([("cpu_architecture", Value::from(if p.arm { "ARM64" } else { "X86_64" }))]),
        );
    let strategy = Value::list([
        Value::map([
            ("capacity_provider", Value::from("FARGATE")),
            ("weight", Value::from(100 - p.spot)),
            ("base", Value::from(1)),
        ]),
        Value::map([
            ("capacity_provider", Value::from("FARGATE_SPOT")),
            ("weight", Value::from(p.spot)),
            ("base", Value::from(0)),
        ]),
    ]);
    let svc = res("aws_ecs_service", "s")
        .with("name", "s")
        .with("task_definition", td.attr("arn"))
        .with("desired_count", p.desired)
        .with("capacity_provider_strategy", strategy);
    let target = res("aws_appautoscaling_target", "s").with("resource_id", "service/c/s").with("min_capacity", p.min);
    add(td);
    add(svc);
    add(target);
    for t in [
        "aws_cloudwatch_log_group",
        "aws_lb",
        "aws_kms_key",
        "aws_secretsmanager_secret",
        "aws_ecr_repository",
        "aws_codebuild_project",
        "aws_dynamodb_table",
        "aws_config_configuration_recorder",
        "aws_sns_topic",
        "aws_service_discovery_service",
        "aws_config_config_rule",
        "aws_wafv2_web_acl",
    ] {
        add(res(t, "x").with("billing_mode", "PAY_PER_REQUEST").with("pipeline_type", "V2"));
    }
    add(res("aws_codepipeline", "x").with("pipeline_type", "V2"));
    add(res("aws_cloudtrail", "a"));
    add(res("aws_cloudtrail", "b").with("advanced_event_selector", Value::block([("name", Value::from("data"))])));
    add(res("aws_instance", "i").with("instance_type", "t3.micro").with("ami", "al2023"));
    m
}

fn usage(p: &Params) -> Usage {
    let mut u = Usage::default();
    for (k, v) in KEYS.iter().zip(&p.usage) {
        u = u.with(k.key, *v);
    }
    u
}

fn total(p: &Params) -> f64 {
    let e = estimate(&platform(p), "t", &Prices::bundled(), &usage(p)).unwrap();
    assert_eq!(e.unknown, 0);
    e.total
}

fn params() -> impl Strategy<Value = Params> {
    (
        1usize..=4,
        0u8..=2,
        0u32..=20,
        0u32..=20,
        prop::sample::select(vec![256u32, 512, 1024, 2048, 4096, 8192]),
        512u32..=30720,
        0u32..=100,
        any::<bool>(),
        prop::collection::vec(0.0f64..100_000.0, KEYS.len()),
    )
        .prop_map(|(azs, nat, desired, min, cpu, mem_mb, spot, arm, usage)| Params {
            azs,
            nat,
            desired,
            min,
            cpu,
            mem_mb,
            spot,
            arm,
            usage,
        })
}

/// Which dimension grows, and by how much.
#[derive(Clone, Debug)]
enum Grow {
    Desired(u32),
    Min(u32),
    Cpu,
    Memory(u32),
    Azs,
    Usage(usize, f64),
}

fn grow() -> impl Strategy<Value = Grow> {
    prop_oneof![
        (1u32..10).prop_map(Grow::Desired),
        (1u32..10).prop_map(Grow::Min),
        Just(Grow::Cpu),
        (1u32..4096).prop_map(Grow::Memory),
        Just(Grow::Azs),
        (0..KEYS.len(), 0.001f64..10_000.0).prop_map(|(i, d)| Grow::Usage(i, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cost_never_decreases_as_anything_grows(p in params(), g in grow()) {
        let mut q = p.clone();
        match &g {
            Grow::Desired(d) => q.desired += d,
            Grow::Min(d) => q.min += d,
            Grow::Cpu => q.cpu *= 2,
            Grow::Memory(d) => q.mem_mb += d,
            Grow::Azs => q.azs += 1,
            Grow::Usage(i, d) => q.usage[*i] += d,
        }
        let (before, after) = (total(&p), total(&q));
        prop_assert!(after >= before - 1e-9, "{g:?}: {before} -> {after}");
    }
}

#[test]
fn every_usage_key_has_a_priced_effect_somewhere() {
    // Guards against a key that is read nowhere (its growth would be a no-op).
    let base = Params {
        azs: 2,
        nat: 1,
        desired: 1,
        min: 1,
        cpu: 256,
        mem_mb: 512,
        spot: 0,
        arm: true,
        usage: vec![1.0; KEYS.len()],
    };
    // The instance states no root size, so root_volume_gb prices it.
    for (i, k) in KEYS.iter().enumerate() {
        let mut q = base.clone();
        q.usage[i] += 1000.0;
        assert!(total(&q) > total(&base), "usage key {} changes nothing", k.key);
    }
}
