//! A passing and a failing fixture per rule (issue #3, "Prove it").
//!
//! Every directory `tests/fixtures/<CODE>/` holds `pass.<ext>` and
//! `fail.<ext>`: a small CloudFormation template (`yaml`) or a real
//! `terraform show -json` plan (`plan.json`, regenerated from the roots
//! `tf-pass/` and `tf-fail/` by `tests/fixtures/regenerate.sh`).
//! Cross-environment rules take one file per environment, `pass.<env>.<ext>`
//! and `fail.<env>.<ext>`, judged together. Each fixture is ingested exactly
//! as `ecsforge check` ingests it and checked with every rule; only the rule
//! under test is asserted (other rules may fire on a minimal fixture). The
//! failing fixtures' findings of the rule are rendered like
//! `ecsforge check --format text` in plain style and snapshotted, one
//! snapshot per rule. The reachability rules EF2xx have their own fixtures in
//! ecsforge-reach.

mod fixture_support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use ecsforge_model::InfraModel;
use ecsforge_rules::{CROSS_REGISTRY, Finding, REGISTRY};
use fixture_support::{Fixture, ingest};

/// Rules without a fixture directory, each with the reason. Empty: every
/// rule has fixtures.
const WITHOUT_FIXTURES: &[(&str, &str)] = &[];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn registered() -> BTreeSet<&'static str> {
    REGISTRY.iter().map(|r| r.meta.code).chain(CROSS_REGISTRY.iter().map(|r| r.meta.code)).collect()
}

/// Ingests a fixture and returns the findings of rule `code`: every
/// single-environment rule on its one file, or the cross-environment rules on
/// all its files together when `code` is one of those.
fn check(code: &str, fixture: &Fixture) -> Vec<Finding> {
    let models: Vec<InfraModel> = fixture.iter().map(|(name, text)| ingest(name, text)).collect();
    let all: Vec<Finding> = if CROSS_REGISTRY.iter().any(|r| r.meta.code == code) {
        let refs: Vec<&InfraModel> = models.iter().collect();
        ecsforge_rules::check_environments(&refs, &[])
    } else {
        assert_eq!(models.len(), 1, "{code}: a single-environment rule takes one file per fixture");
        ecsforge_rules::check(&models[0], None, &[])
    };
    all.into_iter().filter(|f| f.code == code).collect()
}

#[test]
fn every_rule_passes_its_pass_fixture_and_fails_its_fail_fixture() {
    for (code, text) in fixture_support::run(&dir(), &registered(), check) {
        insta::assert_snapshot!(code.as_str(), text);
    }
}

#[test]
fn every_registered_rule_has_fixtures() {
    fixture_support::assert_every_rule_has_fixtures(&dir(), &registered(), WITHOUT_FIXTURES);
}

#[test]
fn fixture_formats_are_detected() {
    fixture_support::assert_formats(&dir());
}
