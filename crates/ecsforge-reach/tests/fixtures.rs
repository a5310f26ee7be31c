//! A passing and a failing fixture per reachability rule (EF201-EF210), as
//! `ecsforge-rules/tests/fixtures.rs` has for the other rules: each
//! `tests/fixtures/<CODE>/pass.yaml` has no finding of the rule, each
//! `fail.yaml` at least one, rendered like `ecsforge check --format text` and
//! snapshotted. Reach rules judge whole paths (subnets, route tables,
//! endpoints, security groups, DNS, IAM), so these templates hold a complete
//! small network; each fail fixture differs from a passing one by the one
//! thing its Description names.

#[path = "../../ecsforge-rules/tests/fixture_support/mod.rs"]
mod fixture_support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use ecsforge_reach::rules::REACH_RULES;
use ecsforge_rules::Finding;
use fixture_support::{Fixture, ingest};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn registered() -> BTreeSet<&'static str> {
    REACH_RULES.iter().map(|m| m.code).collect()
}

/// Ingests a fixture and returns the reach findings of rule `code`.
fn check(code: &str, fixture: &Fixture) -> Vec<Finding> {
    assert_eq!(fixture.len(), 1, "{code}: reach rules take one file per fixture");
    let (name, text) = &fixture[0];
    ecsforge_reach::rules::findings(&ingest(name, text)).into_iter().filter(|f| f.code == code).collect()
}

#[test]
fn every_reach_rule_passes_its_pass_fixture_and_fails_its_fail_fixture() {
    for (code, text) in fixture_support::run(&dir(), &registered(), check) {
        insta::assert_snapshot!(code.as_str(), text);
    }
}

#[test]
fn every_reach_rule_has_fixtures() {
    fixture_support::assert_every_rule_has_fixtures(&dir(), &registered(), &[]);
}

#[test]
fn fixture_formats_are_detected() {
    fixture_support::assert_formats(&dir());
}
