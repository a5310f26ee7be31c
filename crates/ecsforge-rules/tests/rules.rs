//! Registry hygiene, clean examples, and mutation properties: a mutation of a
//! synthesized platform that breaks exactly one property makes exactly that
//! rule fire.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ecsforge_manifest::Env;
use ecsforge_model::{Address, InfraModel, Kind, Value};
use ecsforge_rules::{REGISTRY, check};

fn example(name: &str, env: Env) -> InfraModel {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("ecsforge.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let m = ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text).unwrap();
    ecsforge_synth::synth(&m, env).unwrap()
}

#[test]
fn registry_is_well_formed() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in REGISTRY {
        assert!(codes.insert(r.meta.code), "duplicate code {}", r.meta.code);
        assert!(names.insert(r.meta.name), "duplicate name {}", r.meta.name);
        let doc = r.doc();
        assert!(
            doc.starts_with(&format!("# {} {}:", r.meta.code, r.meta.name)),
            "{} doc must start with its title:\n{doc}",
            r.meta.code
        );
        for section in
            ["**What it checks.**", "**Why it matters.**", "**Failing example.**", "**Fix.**", "NIST", "SOC-2"]
        {
            assert!(doc.contains(section), "{} doc lacks {section}", r.meta.code);
        }
        if let Some(p) = r.meta.property {
            assert!(
                doc.contains(&format!("property {p}")) || doc.contains(&format!("properties {p}")),
                "{} doc must name property {p}",
                r.meta.code
            );
        }
        assert!(!r.meta.nist.is_empty() && !r.meta.soc2.is_empty(), "{} needs NIST and SOC-2 controls", r.meta.code);
    }
}

#[test]
fn examples_have_no_findings() {
    for (name, envs) in [("ecr-private", vec![Env::Develop, Env::Prod]), ("twelve-services", Env::ALL.to_vec())] {
        for env in envs {
            let findings = check(&example(name, env), None, &[]);
            assert!(findings.is_empty(), "{name}/{env}: {findings:#?}");
        }
    }
}

/// Mutates the first resource of `kind` with `f`.
fn mutate(m: &mut InfraModel, kind: Kind, f: impl FnOnce(&mut ecsforge_model::Resource)) -> Address {
    let addr = m.of_kind(kind.clone()).next().unwrap_or_else(|| panic!("no {kind:?}")).address.clone();
    f(m.resources.get_mut(&addr).unwrap());
    addr
}

fn set_block_field(r: &mut ecsforge_model::Resource, block: &str, key: &str, v: Value) {
    if let Some(Value::List(l)) = r.attrs.get_mut(block)
        && let Some(Value::Map(map)) = l.first_mut()
    {
        map.insert(key.into(), v);
        return;
    }
    panic!("{} has no block {block}", r.address);
}

/// Applies `mutation` to a fresh model and asserts exactly `code` fires.
fn check_mutation(code: &str, example_name: &str, env: Env, mutation: impl FnOnce(&mut InfraModel)) {
    let mut m = example(example_name, env);
    mutation(&mut m);
    let findings = check(&m, None, &[]);
    let fired: BTreeSet<&str> = findings.iter().map(|f| f.code).collect();
    assert_eq!(fired, BTreeSet::from([code]), "mutation for {code} fired {findings:#?}");
}

#[test]
fn each_rule_fires_on_its_mutation() {
    use Env::*;
    check_mutation("EF006", "twelve-services", Prod, |m| {
        m.resources
            .get_mut(&Address::new("aws_lb_listener", "https"))
            .unwrap()
            .set("ssl_policy", "ELBSecurityPolicy-2016-08");
    });
    check_mutation("EF007", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrRepository, |r| {
            set_block_field(r, "image_scanning_configuration", "scan_on_push", false.into())
        });
    });
    check_mutation("EF009", "ecr-private", Prod, |m| {
        mutate(m, Kind::LogGroup, |r| r.set("retention_in_days", 30));
    });
    check_mutation("EF010", "ecr-private", Develop, |m| {
        mutate(m, Kind::SecurityGroupIngressRule, |r| {
            r.attrs.remove("referenced_security_group_id");
            r.set("cidr_ipv4", "0.0.0.0/0");
        });
    });
    check_mutation("EF011", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsCluster, |r| set_block_field(r, "setting", "value", "disabled".into()));
    });
    check_mutation("EF016", "twelve-services", Prod, |m| {
        mutate(m, Kind::EcsService, |r| r.set("deployment_minimum_healthy_percent", 50));
    });
    check_mutation("EF018", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrRepository, |r| r.set("image_tag_mutability", "MUTABLE"));
    });
    check_mutation("EF022", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| r.set("memory", "4096"));
    });
    check_mutation("EF027", "twelve-services", Develop, |m| {
        mutate(m, Kind::EcsService, |r| set_block_field(r, "network_configuration", "assign_public_ip", true.into()));
    });
    check_mutation("EF028", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| r.set("network_mode", "bridge"));
    });
    // The doc-000 outage: no NAT (endpoints-only) and the S3 endpoint loses a route table.
    check_mutation("EF101", "ecr-private", Develop, |m| {
        let s3 = m.resources.get_mut(&Address::new("aws_vpc_endpoint", "s3")).unwrap();
        if let Some(Value::List(tables)) = s3.attrs.get_mut("route_table_ids") {
            tables.pop();
        }
    });
    check_mutation("EF102", "ecr-private", Develop, |m| {
        m.resources.get_mut(&Address::new("aws_vpc_endpoint", "ecr_dkr")).unwrap().set("private_dns_enabled", false);
    });
    check_mutation("EF103", "ecr-private", Develop, |m| {
        mutate(m, Kind::Vpc, |r| r.set("enable_dns_hostnames", false));
    });
    check_mutation("EF104", "ecr-private", Develop, |m| {
        mutate(m, Kind::IamRolePolicy, |r| {
            assert!(
                r.address.name().ends_with("_execution"),
                "first role policy is an execution policy: {}",
                r.address
            );
            if let Some(Value::Json(doc)) = r.attrs.get_mut("policy")
                && let Value::Map(d) = doc.as_mut()
                && let Some(Value::List(st)) = d.get_mut("Statement")
            {
                st.retain(|s| s.get("Sid").and_then(Value::as_str) != Some("EcrPull"));
            }
        });
    });
    check_mutation("EF105", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| {
            r.attrs.remove("runtime_platform");
        });
    });
    check_mutation("EF107", "twelve-services", Qa, |m| {
        mutate(m, Kind::EcsService, |r| set_block_field(r, "deployment_circuit_breaker", "rollback", false.into()));
    });
}

#[test]
fn every_rule_has_a_mutation_test() {
    let src = include_str!("rules.rs");
    for r in REGISTRY {
        assert!(src.contains(&format!("check_mutation(\"{}\"", r.meta.code)), "{} has no mutation test", r.meta.code);
    }
}

#[test]
fn suppressions_are_counted_not_hidden() {
    let mut m = example("ecr-private", Env::Develop);
    mutate(&mut m, Kind::EcrRepository, |r| r.set("image_tag_mutability", "MUTABLE"));
    let addr = m.of_kind(Kind::EcrRepository).next().unwrap().address.to_string();
    let sup = ecsforge_rules::Suppress {
        rule: "ecr-immutable-tags".into(),
        resource: addr,
        reason: "legacy tooling pushes :latest".into(),
    };
    let findings = check(&m, None, &[sup]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].suppressed.as_deref(), Some("legacy tooling pushes :latest"));
}
