//! Design doc 000 §Test Scenarios, plus the three paths issue 7 adds, in both
//! input forms: a CloudFormation template (`tests/scenarios/cloudformation`)
//! and a real `terraform show -json` plan of a synthesized root edited the
//! same way (`tests/scenarios/terraform`, made by its `regenerate.sh`).
//!
//! Each scenario names the exact set of non-PASS (dependency, status) pairs
//! of its one service; both forms must give that same set, and the text
//! report of each is snapshotted.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ecsforge_reach::{Dependency, Status, analyze, report};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

/// The fixture files of a scenario: `(form, path)`.
fn forms(scenario: &str) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("cloudformation", dir().join("cloudformation").join(format!("{scenario}.yaml"))),
        ("terraform", dir().join("terraform").join(format!("{scenario}.plan.json"))),
    ]
}

/// Ingests every form of `scenario` and asserts that its one service has
/// exactly the `expected` non-PASS verdicts, and snapshots each text report.
fn check(scenario: &str, expected: &[(Dependency, Status)]) {
    let want: BTreeSet<(Dependency, Status)> = expected.iter().cloned().collect();
    for (form, path) in forms(scenario) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let m = ecsforge_ingest::ingest(&name, &text).unwrap_or_else(|e| panic!("{name}: {}", e.render(false)));
        let verdicts = analyze(&m);
        let services: BTreeSet<&str> = verdicts.iter().map(|v| v.service.as_str()).collect();
        assert_eq!(services.len(), 1, "{form}/{scenario}: one service expected, got {services:?}");
        let got: BTreeSet<(Dependency, Status)> =
            verdicts.iter().filter(|v| v.status != Status::Pass).map(|v| (v.dependency.clone(), v.status)).collect();
        let all: BTreeSet<&Dependency> = verdicts.iter().map(|v| &v.dependency).collect();
        assert_eq!(all.len(), 7, "{form}/{scenario}: dependencies {all:?}");
        let r = report(&verdicts, scenario, "2026-11-23T00:00:00Z");
        assert!(got == want, "{form}/{scenario}: expected {want:?}, got {got:?}\n{}", r.text());
        insta::assert_snapshot!(format!("scenario-{scenario}-{form}"), r.text());
    }
}

use Dependency::*;
use Status::*;

/// Every interface-endpoint dependency of the scenario service.
const INTERFACE: [Dependency; 4] = [EcrApi, EcrDkr, Logs, SecretsManager];

fn all(deps: &[Dependency], s: Status) -> Vec<(Dependency, Status)> {
    deps.iter().map(|d| (d.clone(), s)).collect()
}

#[test]
fn successful_pull() {
    check("successful-pull", &[]);
}

#[test]
fn s3_endpoint_missing() {
    check("s3-endpoint-missing", &[(S3Layers, Fail)]);
}

#[test]
fn security_group_blocking() {
    check("sg-blocking", &all(&INTERFACE, Fail));
}

#[test]
fn iam_permission_missing() {
    check("iam-permission-missing", &[(IamPermissions, Fail)]);
}

#[test]
fn dns_disabled() {
    let mut want = all(&INTERFACE, Fail);
    want.push((Dns, Fail));
    check("dns-disabled", &want);
}

#[test]
fn nacl_denying_ephemeral_ports() {
    let mut want = all(&INTERFACE, Fail);
    want.push((S3Layers, Fail));
    check("nacl-ephemeral-deny", &want);
}

#[test]
fn private_dns_off() {
    check("private-dns-off", &[(EcrDkr, Fail)]);
}

#[test]
fn endpoint_in_one_az_is_a_warning() {
    check("endpoint-one-az", &[(Logs, Warn)]);
}
