//! `ecsforge check`, `rules` and `explain`: exit codes, formats, suppressions.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ecsforge() -> Command {
    let mut c = Command::cargo_bin("ecsforge").expect("binary builds");
    c.current_dir(repo()).env("NO_COLOR", "1");
    c
}

#[test]
fn rules_lists_single_and_cross_environment_rules() {
    ecsforge().arg("rules").assert().success().stdout(
        predicate::str::contains("EF101   s3-gateway-endpoint")
            .and(predicate::str::contains("EF049   prod-vpc-isolation")),
    );
}

#[test]
fn explain_prints_the_rule_documentation() {
    ecsforge()
        .args(["explain", "s3-gateway-endpoint"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# EF101 s3-gateway-endpoint:").and(predicate::str::contains("**Fix.**")));
    ecsforge().args(["explain", "EF999"]).assert().code(2).stderr(predicate::str::contains("no rule `EF999`"));
}

#[test]
fn a_clean_manifest_passes_in_every_format() {
    ecsforge()
        .args(["check", "examples/twelve-services/ecsforge.yaml", "--all-envs"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 findings"));
    let out = ecsforge().args(["check", "examples/ecr-private/ecsforge.yaml", "--format", "json"]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // The platform is complete: nothing is active. Synth itself accepts EF045 on
    // the file server's SMB secret, with its reason (docs/manifest.md).
    assert_eq!(v["summary"]["active"], 0);
    for f in v["findings"].as_array().unwrap() {
        assert!(f["code"] == "EF045" && f["address"] == "aws_secretsmanager_secret.file_server_smb", "{f}");
        assert!(f["suppressed"].is_string());
    }
    let out = ecsforge().args(["check", "examples/ecr-private/ecsforge.yaml", "--format", "sarif"]).assert().success();
    let sarif: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ecsforge_rules::all_rules().len() + ecsforge_reach::rules::REACH_RULES.len());
    assert!(
        rules.iter().all(|r| r["id"].as_str().unwrap().starts_with("EF") && r["shortDescription"]["text"].is_string())
    );
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().all(|r| r["suppressions"].is_array()));
    let out = ecsforge().args(["check", "examples/ecr-private/ecsforge.yaml", "--format", "junit"]).assert().success();
    let xml = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(xml.contains("<testsuites") && xml.contains("EF101 s3-gateway-endpoint") && !xml.contains("<failure"));
}

#[test]
fn a_suppression_without_reason_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("sup.yaml");
    fs::write(&f, "- rule: EF016\n  resource: aws_ecs_service.api\n").unwrap();
    ecsforge()
        .args(["check", "examples/ecr-private/ecsforge.yaml", "--suppressions"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sup.yaml:1:3: suppression of EF016 has no reason"));
    fs::write(&f, "- rule: EF999\n  reason: x\n").unwrap();
    ecsforge()
        .args(["check", "examples/ecr-private/ecsforge.yaml", "--suppressions"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule `EF999`"));
}

#[test]
fn all_envs_needs_two_environments() {
    ecsforge()
        .args(["check", "examples/ecr-private/ecsforge.yaml", "--env", "prod", "--all-envs"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--all-envs needs at least two environments"));
}

/// Validates SARIF against the OASIS SARIF 2.1.0 JSON schema (the file in
/// tests/fixtures comes from the serde-sarif package, which ships the spec's schema).
pub fn assert_valid_sarif(sarif: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sarif-schema-2.1.0.json")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not match the 2.1.0 schema:\n{}", errors.join("\n"));
}

#[test]
fn sarif_output_matches_the_schema() {
    let out =
        ecsforge().args(["check", "examples/twelve-services/ecsforge.yaml", "--format", "sarif"]).assert().success();
    let sarif: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_valid_sarif(&sarif);
}

const GOOD_CFN: &str = "crates/ecsforge-ingest/tests/fixtures/cloudformation/ecr-private-000.yaml";
const NO_S3_CFN: &str = "crates/ecsforge-ingest/tests/fixtures/cloudformation/ecr-private-000-no-s3.yaml";

#[test]
fn the_doc_000_outage_is_caught_with_the_offending_line() {
    // The doc-000 template has other findings (tags, flow logs...), but no path problem.
    let out = ecsforge().args(["check", GOOD_CFN, "--format", "json"]).assert().code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["code"] != "EF101" && f["code"] != "EF202"), "{v}");
    let out = ecsforge().args(["check", NO_S3_CFN]).assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("error[EF101] s3-gateway-endpoint"), "{text}");
    assert!(text.contains("has no route to S3"), "{text}");
    // The offending source line is shown, with its file:line:col.
    assert!(text.contains("ecr-private-000-no-s3.yaml:") && text.contains("Type: AWS::ECS::Service"), "{text}");
    // EF101 (attribute rule) per subnet, and EF202 (reachability) for the service.
    assert!(text.contains("error[EF202] reach-s3-layers"), "{text}");
}

#[test]
fn sarif_with_results_and_suppressions_matches_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let sup = tmp.path().join("sup.yaml");
    fs::write(
        &sup,
        "- rule: s3-gateway-endpoint\n  resource: aws_ecs_service.Service\n  reason: migration window until Friday\n\
         - rule: EF202\n  reason: migration window until Friday\n",
    )
    .unwrap();
    let out = ecsforge().args(["check", NO_S3_CFN, "--format", "sarif", "--suppressions"]).arg(&sup).assert().code(1);
    let sarif: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_valid_sarif(&sarif);
    let results: Vec<&serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "EF101" || r["ruleId"] == "EF202")
        .collect();
    assert_eq!(results.len(), 3, "suppressed findings are still reported");
    for r in results {
        assert_eq!(r["suppressions"][0]["justification"], "migration window until Friday");
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_i64().unwrap() > 1);
    }
    // Unsuppressed, the same input fails and JUnit marks the rule failed.
    let out = ecsforge().args(["check", NO_S3_CFN, "--format", "junit"]).assert().code(1);
    let xml = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(xml.contains("<failure") && xml.contains("EF101"), "{xml}");
}

#[test]
fn invalid_templates_exit_2_with_a_location() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bad.yaml");
    fs::write(&f, "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Bogus 10.0.0.0/16\n")
        .unwrap();
    ecsforge()
        .arg("check")
        .arg(&f)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("bad.yaml:6:").and(predicate::str::contains("Bogus")));
    let j = tmp.path().join("truncated.json");
    fs::write(
        &j,
        "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {\"Vpc\": {\"Type\": \"AWS::EC2::VPC\", ",
    )
    .unwrap();
    ecsforge().arg("check").arg(&j).assert().code(2).stderr(predicate::str::contains("truncated.json:1:"));
}

#[test]
fn reach_finds_the_doc_000_outage_and_passes_the_examples() {
    let out = ecsforge().args(["reach", NO_S3_CFN]).assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("FAIL S3_VPC_ENDPOINT") && text.contains("fix: create an S3 gateway endpoint"), "{text}");
    let out =
        ecsforge().args(["reach", "examples/twelve-services/ecsforge.yaml", "--format", "json"]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["overallStatus"], "PASS");
    assert!(v["testId"].as_str().unwrap().starts_with("ecsforge-reach-"));
    ecsforge()
        .args(["reach", "examples/twelve-services/ecsforge.yaml", "--env", "prod", "--service", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no ECS service `nope`"));
}

#[test]
fn reach_sarif_matches_the_schema() {
    let out = ecsforge().args(["reach", NO_S3_CFN, "--format", "sarif"]).assert().code(1);
    let sarif: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "EF202");
}

/// `terraform show -json` writes the whole plan on one line. Findings and
/// input errors far along that line are shown as `file:line:col` with an
/// excerpt (a source snippet megabytes wide cannot be drawn), never a crash.
#[test]
fn one_line_plans_report_findings_and_errors_with_an_excerpt() {
    let fixture = repo().join("crates/ecsforge-ingest/tests/fixtures/terraform/ecr-private-develop.plan.json");
    let mut plan: serde_json::Value = serde_json::from_str(&fs::read_to_string(fixture).unwrap()).unwrap();
    let resources = plan["planned_values"]["root_module"]["resources"].as_array_mut().unwrap();
    let service = resources.iter_mut().find(|r| r["type"] == "aws_ecs_service").expect("a service");
    service["values"]["desired_count"] = serde_json::json!(0);
    let address = service["address"].as_str().unwrap().to_string();
    let one_line = serde_json::to_string(&plan).unwrap();
    assert!(one_line.len() > 100_000 && !one_line.contains('\n'));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    fs::write(&path, &one_line).unwrap();

    let out = ecsforge().args(["check", "--format", "text"]).arg(&path).assert().code(1).get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    let col = one_line.find(&format!("{{\"address\":\"{address}\"")).expect("service in the planned values") + 1;
    assert!(out.contains(&format!("plan.json:1:{col} ({address})")), "{out}");
    assert!(out.contains(&format!("   | {{\"address\":\"{address}\"")), "{out}");
    assert!(out.lines().all(|l| l.chars().count() < 300), "no megabyte-wide lines:\n{out}");

    // A cut-off one-line plan: exit 2 at the end of the file, nothing on stdout.
    fs::write(&path, &one_line[..one_line.len() - 5000]).unwrap();
    ecsforge()
        .arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("truncated plan JSON").and(predicate::str::contains("plan.json:1:")));
}
