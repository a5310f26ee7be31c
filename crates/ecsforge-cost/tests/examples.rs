//! The examples' cost per environment and the egress comparison, pinned by
//! snapshots (review them with `git diff` after `INSTA_UPDATE=always`).

use std::collections::BTreeMap;
use std::fmt::Write;

use ecsforge_cost::egress::{self, Design};
use ecsforge_cost::{Prices, Usage, estimate, render};
use ecsforge_manifest::{Egress, Env, Manifest};

fn manifest(example: &str) -> Manifest {
    let path = format!("{}/../../examples/{example}/ecsforge.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    ecsforge_manifest::load(&format!("examples/{example}/ecsforge.yaml"), &text).unwrap()
}

/// Per environment: total, and the subtotal per resource type.
fn summary(example: &str) -> String {
    let m = manifest(example);
    let mut out = String::new();
    for env in m.environments.keys() {
        let model = ecsforge_synth::synth(&m, *env).unwrap();
        let e = estimate(&model, env.as_str(), &Prices::bundled(), &Usage::default()).unwrap();
        let mut by_type: BTreeMap<&str, f64> = BTreeMap::new();
        for l in &e.lines {
            *by_type.entry(&l.resource_type).or_default() += l.monthly.unwrap_or(0.0);
        }
        writeln!(out, "{env}: {} per month, {} unknown line(s)", render::money(e.total), e.unknown).unwrap();
        for (t, v) in by_type {
            writeln!(out, "  {t:<28} {:>10}", render::money(v)).unwrap();
        }
    }
    out
}

fn comparison(example: &str, env: Env) -> String {
    let m = manifest(example);
    let model = ecsforge_synth::synth(&m, env).unwrap();
    let now = egress::current(&model);
    let variants: Vec<(Design, ecsforge_model::InfraModel)> = Design::ALL
        .iter()
        .map(|d| {
            let mut m2 = m.clone();
            m2.environments.get_mut(&env).unwrap().egress = match d {
                Design::NatPerAz => Egress::NatPerAz,
                Design::SingleNat => Egress::SingleNat,
                Design::EndpointsOnly => Egress::EndpointsOnly,
            };
            (*d, ecsforge_synth::synth(&m2, env).unwrap())
        })
        .collect();
    let c = egress::compare(env.as_str(), &variants, now, &Prices::bundled(), &Usage::default()).unwrap();
    render::comparison_text(&c)
}

#[test]
fn twelve_services_cost_per_environment() {
    insta::assert_snapshot!(summary("twelve-services"));
}

#[test]
fn ecr_private_cost_per_environment() {
    insta::assert_snapshot!(summary("ecr-private"));
}

#[test]
fn ecr_private_prod_full_report() {
    let m = manifest("ecr-private");
    let model = ecsforge_synth::synth(&m, Env::Prod).unwrap();
    let e =
        estimate(&model, "examples/ecr-private/ecsforge.yaml (prod)", &Prices::bundled(), &Usage::default()).unwrap();
    insta::assert_snapshot!(render::text(&e));
}

#[test]
fn twelve_services_egress_prod_and_develop() {
    let prod = comparison("twelve-services", Env::Prod);
    let develop = comparison("twelve-services", Env::Develop);
    // Prod keeps NAT per AZ (no single NAT for several AZs); develop already
    // has the cheapest design it may use.
    assert!(prod.contains("recommended: nat-per-az"), "{prod}");
    assert!(develop.contains("recommended: single-nat"), "{develop}");
    insta::assert_snapshot!(format!("{prod}\n{develop}"));
}

#[test]
fn ecr_private_egress_keeps_endpoints_only() {
    let c = comparison("ecr-private", Env::Prod);
    assert!(c.contains("recommended: endpoints-only (already the cheapest allowed design)"), "{c}");
}

#[test]
fn transforming_a_model_prices_like_synthesizing_the_design() {
    // What `--compare egress` does to a plan must agree with a new synthesis.
    for (example, env) in
        [("twelve-services", Env::Develop), ("twelve-services", Env::Prod), ("ecr-private", Env::Prod)]
    {
        let m = manifest(example);
        let model = ecsforge_synth::synth(&m, env).unwrap();
        for d in Design::ALL {
            let mut m2 = m.clone();
            m2.environments.get_mut(&env).unwrap().egress = match d {
                Design::NatPerAz => Egress::NatPerAz,
                Design::SingleNat => Egress::SingleNat,
                Design::EndpointsOnly => Egress::EndpointsOnly,
            };
            let synth = ecsforge_synth::synth(&m2, env).unwrap();
            let total = |m: &ecsforge_model::InfraModel| {
                render::money(estimate(m, "t", &Prices::bundled(), &Usage::default()).unwrap().total)
            };
            assert_eq!(total(&egress::transform(&model, d)), total(&synth), "{example} {env} {}", d.as_str());
            assert_eq!(egress::current(&synth), d, "{example} {env}");
        }
    }
}

/// Doc 000's Windows file server is launched from a launch template: its
/// instance hours are priced from the template's type and Windows image, and
/// its root volume from the template's block device.
#[test]
fn ecr_private_file_server_is_priced_from_its_launch_template() {
    let m = manifest("ecr-private");
    let model = ecsforge_synth::synth(&m, Env::Develop).unwrap();
    let e = estimate(&model, "develop", &Prices::bundled(), &Usage::default()).unwrap();
    let line = |component: &str| {
        e.lines
            .iter()
            .find(|l| l.resource == "aws_instance.file_server" && l.component.starts_with(component))
            .unwrap_or_else(|| panic!("no {component} line: {:#?}", e.lines))
    };
    let hours = line("instance hours");
    assert_eq!(hours.component, "instance hours (t3.micro, Windows)");
    // eu-central-1: $0.0212/h.
    assert_eq!(hours.monthly.map(render::money).as_deref(), Some("$15.48"));
    let root = line("root volume");
    assert_eq!(root.monthly.map(render::money).as_deref(), Some("$2.86"), "30 GB gp3 at eu-central-1's $0.0952");
    assert_eq!(e.unknown, 0, "{:#?}", e.lines.iter().filter(|l| l.monthly.is_none()).collect::<Vec<_>>());
}

/// A service on the EC2 capacity provider (named by reference in synth's
/// model, by its literal name in a plan) is not priced as Fargate: its
/// instances are, on the Auto Scaling group.
#[test]
fn orders_processor_on_ec2_is_priced_through_its_instances() {
    let m = manifest("orders-ecs-ec2");
    let model = ecsforge_synth::synth(&m, Env::Develop).unwrap();
    let e = estimate(&model, "develop", &Prices::bundled(), &Usage::default()).unwrap();
    let processor: Vec<_> =
        e.lines.iter().filter(|l| l.resource == "aws_ecs_service.order_processor").map(|l| &l.component).collect();
    assert_eq!(processor, ["capacity provider orders-develop-ec2"], "{:#?}", e.lines);
    assert!(
        e.lines.iter().any(|l| l.resource == "aws_autoscaling_group.ecs" && l.component.starts_with("instance hours"))
    );
}
