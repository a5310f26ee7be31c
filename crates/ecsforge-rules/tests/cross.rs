//! Cross-environment rules (doc 003 properties 46, 47, 49, 50): clean on the
//! examples; each fires on a mutation that breaks exactly its property.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ecsforge_manifest::Env;
use ecsforge_model::{Address, InfraModel, Kind, Value};
use ecsforge_rules::{CROSS_REGISTRY, check_environments};

fn models(name: &str) -> Vec<InfraModel> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("ecsforge.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let m = ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text).unwrap();
    ecsforge_synth::synth_all(&m).unwrap()
}

fn codes(models: &[InfraModel]) -> BTreeSet<&'static str> {
    let refs: Vec<&InfraModel> = models.iter().collect();
    check_environments(&refs, &[]).iter().map(|f| f.code).collect()
}

fn env(models: &mut [InfraModel], e: Env) -> &mut InfraModel {
    models.iter_mut().find(|m| m.environment == e.as_str()).unwrap()
}

/// Applies `mutation` and asserts exactly `code` fires.
fn check_mutation(code: &str, example: &str, mutation: impl FnOnce(&mut Vec<InfraModel>)) {
    let mut ms = models(example);
    mutation(&mut ms);
    assert_eq!(codes(&ms), BTreeSet::from([code]), "mutation for {code}");
}

#[test]
fn docs_are_complete() {
    for r in CROSS_REGISTRY {
        let doc = ecsforge_rules::doc_of(r.source);
        assert!(doc.starts_with(&format!("# {} {}:", r.meta.code, r.meta.name)));
        for s in ["**What it checks.**", "**Why it matters.**", "**Failing example.**", "**Fix.**", "NIST", "SOC-2"] {
            assert!(doc.contains(s), "{} lacks {s}", r.meta.code);
        }
        assert!(ecsforge_rules::lookup(r.meta.code).is_some());
    }
}

#[test]
fn examples_are_clean_across_environments() {
    assert!(codes(&models("twelve-services")).is_empty());
    assert!(codes(&models("ecr-private")).is_empty());
}

#[test]
fn each_cross_rule_fires_on_its_mutation() {
    check_mutation("EF046", "ecr-private", |ms| {
        let prod = env(ms, Env::Prod).clone();
        let dev = env(ms, Env::Develop);
        for (addr, r) in &prod.resources {
            if let Some(d) = dev.resources.get_mut(addr) {
                for k in [
                    "retention_in_days",
                    "default_capacity_provider_strategy",
                    "cpu",
                    "memory",
                    "desired_count",
                    "min_capacity",
                    "max_capacity",
                ] {
                    if let Some(v) = r.get(k) {
                        d.set(k, v.clone());
                    }
                }
            }
        }
    });
    check_mutation("EF047", "twelve-services", |ms| {
        let c = env(ms, Env::Test).resources.get_mut(&Address::new("aws_ecs_cluster", "main")).unwrap();
        c.set("name", "shop-prod");
    });
    check_mutation("EF049", "twelve-services", |ms| {
        let prod_cidr =
            env(ms, Env::Prod).get(&Address::new("aws_vpc", "main")).unwrap().get("cidr_block").cloned().unwrap();
        env(ms, Env::Qa).resources.get_mut(&Address::new("aws_vpc", "main")).unwrap().set("cidr_block", prod_cidr);
    });
    check_mutation("EF050", "ecr-private", |ms| {
        // A policy both roots have (prod alone has the audit roles' policies).
        let dev = env(ms, Env::Develop).clone();
        let prod = env(ms, Env::Prod);
        let p = prod.of_kind(Kind::IamRolePolicy).find(|p| dev.get(&p.address).is_some()).unwrap().address.clone();
        if let Some(Value::Json(doc)) = prod.resources.get_mut(&p).unwrap().attrs.get_mut("policy")
            && let Value::Map(d) = doc.as_mut()
            && let Some(Value::List(st)) = d.get_mut("Statement")
        {
            st.push(Value::map([
                ("Effect", Value::from("Allow")),
                ("Action", Value::from("s3:*")),
                ("Resource", Value::from("*")),
            ]));
        }
    });
}

#[test]
fn every_cross_rule_has_a_mutation_test() {
    let src = include_str!("cross.rs");
    for r in CROSS_REGISTRY {
        assert!(src.contains(&format!("check_mutation(\"{}\"", r.meta.code)), "{} has no mutation test", r.meta.code);
    }
}
