//! The binary's contract: exit codes, messages, and that errors write nothing.

use std::fs;
use std::path::{Path, PathBuf};

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

/// Every file under `dir` with its bytes, sorted.
fn snapshot_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(snapshot_dir(&p));
            } else {
                out.push((p.clone(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The variable examples/ecr-private's `file_server` reads its password from.
const PASSWORD_ENV: &str = "ECSFORGE_FILE_SERVER_PASSWORD";
const GOOD_PASSWORD: &str = "Zq7-Kettle-Lamp";

const BROKEN: &str = "project: shop\nregion: us-east-1\naccount_id: \"123456789012\"\ntags: {Owner: o, CostCenter: c, Compliance: x}\n\
state: {bucket: b-state, lock_table: locks}\nnetwork: {availability_zones: [us-east-1a, us-east-1b]}\nenvironments: {develop: {}}\n\
services:\n  - name: api\n    runtime: ruby\n    type: internal\n    port: 8080\n";

#[test]
fn synth_writes_each_environment_and_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ecsforge()
        .env(PASSWORD_ENV, GOOD_PASSWORD)
        .args(["synth", "examples/ecr-private/ecsforge.yaml", "--all", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("develop").and(predicate::str::contains("prod")));
    let first = snapshot_dir(&out);
    assert!(first.iter().any(|(p, _)| p.ends_with("develop/versions.tf.json")));
    assert!(first.iter().any(|(p, _)| p.ends_with("prod/network.tf.json")));

    // A stale generated file is removed; the user's own files survive.
    fs::write(
        out.join("develop/service_gone.tf.json"),
        format!("{{\"//\": \"{}\"}}", ecsforge_terraform::GENERATED_MARKER),
    )
    .unwrap();
    fs::write(out.join("develop/zz_my_override.tf.json"), "{}").unwrap();
    ecsforge()
        .env(PASSWORD_ENV, GOOD_PASSWORD)
        .args(["synth", "examples/ecr-private/ecsforge.yaml", "--env", "develop", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("develop/service_gone.tf.json").exists());
    assert!(out.join("develop/zz_my_override.tf.json").exists());
    fs::remove_file(out.join("develop/zz_my_override.tf.json")).unwrap();
    assert_eq!(snapshot_dir(&out), first, "re-running synth gives identical bytes");
}

#[test]
fn invalid_manifest_exits_2_names_the_location_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = tmp.path().join("ecsforge.yaml");
    fs::write(&manifest, BROKEN).unwrap();
    let out = tmp.path().join("out");
    ecsforge().arg("synth").arg(&manifest).arg("-o").arg(&out).assert().code(2).stdout("").stderr(
        predicate::str::contains("runtime must be 'nodejs' or 'python'")
            .and(predicate::str::contains("ecsforge.yaml:10:14"))
            .and(predicate::str::contains("nothing was written")),
    );
    assert!(!out.exists(), "no output directory on error");
}

#[test]
fn invalid_manifest_leaves_existing_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ecsforge()
        .env(PASSWORD_ENV, GOOD_PASSWORD)
        .args(["synth", "examples/ecr-private/ecsforge.yaml", "-o"])
        .arg(&out)
        .assert()
        .success();
    let before = snapshot_dir(&out);
    let manifest = tmp.path().join("broken.yaml");
    fs::write(&manifest, BROKEN).unwrap();
    ecsforge().arg("synth").arg(&manifest).arg("-o").arg(&out).assert().code(2);
    assert_eq!(snapshot_dir(&out), before);
}

#[test]
fn undeclared_environment_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    ecsforge()
        .args(["synth", "examples/ecr-private/ecsforge.yaml", "--env", "qa", "-o"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("environment `qa` is not declared").and(predicate::str::contains("hint")));
    ecsforge()
        .args(["synth", "examples/ecr-private/ecsforge.yaml", "--env", "staging", "-o"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("environment must be one of: develop, test, qa, prod"));
    assert!(snapshot_dir(tmp.path()).is_empty());
}

#[test]
fn missing_manifest_file_is_an_error_with_a_hint() {
    ecsforge().args(["validate", "no/such/ecsforge.yaml"]).assert().code(2).stderr(
        predicate::str::contains("cannot read manifest no/such/ecsforge.yaml").and(predicate::str::contains("hint")),
    );
}

#[test]
fn validate_reports_a_valid_manifest() {
    ecsforge()
        .args(["validate", "examples/twelve-services/ecsforge.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid; 12 services, environments: develop, test, qa, prod"));
}

#[test]
fn synth_writes_ci_files_and_removes_stale_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ecsforge()
        .args(["synth", "examples/twelve-services/ecsforge.yaml", "--env", "develop", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("ci (12 files)"));
    let buildspec = fs::read_to_string(out.join("ci/cart-api/buildspec.yml")).unwrap();
    assert!(buildspec.starts_with(ecsforge_synth::ci::GENERATED_MARKER));
    let first = snapshot_dir(&out);

    // A generated file of a removed service goes, with its directory; the
    // user's own files (and directories holding them) stay.
    fs::create_dir_all(out.join("ci/gone-api")).unwrap();
    fs::write(
        out.join("ci/gone-api/buildspec.yml"),
        format!("{}\nversion: 0.2\n", ecsforge_synth::ci::GENERATED_MARKER),
    )
    .unwrap();
    fs::write(out.join("ci/cart-api/README.md"), "notes").unwrap();
    ecsforge()
        .args(["synth", "examples/twelve-services/ecsforge.yaml", "--env", "develop", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("ci/gone-api").exists());
    assert!(out.join("ci/cart-api/README.md").exists());
    fs::remove_file(out.join("ci/cart-api/README.md")).unwrap();
    assert_eq!(snapshot_dir(&out), first, "re-running synth gives identical bytes");

    // A manifest without `ci:` writes no CI files and removes the generated ones.
    ecsforge()
        .env(PASSWORD_ENV, GOOD_PASSWORD)
        .args(["synth", "examples/ecr-private/ecsforge.yaml", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("ci/cart-api/buildspec.yml").exists());
}

/// Doc 000's Windows Server 2022 rules are checked before synth; the password
/// never appears in a message or a generated file.
#[test]
fn synth_checks_the_file_server_password_and_never_writes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let synth = || {
        let mut c = ecsforge();
        c.env_remove(PASSWORD_ENV).args(["synth", "examples/ecr-private/ecsforge.yaml", "-o"]).arg(&out);
        c
    };
    // Missing: exit 2, naming the variable and the Terraform variable.
    synth().assert().code(2).stderr(
        predicate::str::contains("ECSFORGE_FILE_SERVER_PASSWORD is not set")
            .and(predicate::str::contains("hint:"))
            .and(predicate::str::contains("TF_VAR_file_server_admin_password")),
    );
    // Each missed rule is named; the password itself is not printed.
    for (weak, rules) in [
        ("qqqqqqqqqqqq", vec!["at least 3 of the 4 classes", "lacks an uppercase letter"]),
        ("Qq7", vec!["at least 8 characters"]),
        ("qzq", vec!["at least 8 characters", "has 1 of 4"]),
    ] {
        let assert = synth().env(PASSWORD_ENV, weak).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        for rule in rules {
            assert!(stderr.contains(rule), "`{rule}` not in: {stderr}");
        }
        assert!(stderr.contains("ECSFORGE_FILE_SERVER_PASSWORD"), "{stderr}");
        assert!(!stderr.contains(weak) && !String::from_utf8_lossy(&assert.get_output().stdout).contains(weak));
    }
    assert!(!out.exists(), "a rejected password writes nothing");
    // Valid: synth succeeds and no generated file holds the password.
    synth().env(PASSWORD_ENV, GOOD_PASSWORD).assert().success();
    let files = snapshot_dir(&out);
    assert!(files.iter().any(|(p, _)| p.ends_with("develop/file_server.tf.json")));
    assert!(files.iter().any(|(p, _)| p.ends_with("prod/variables.tf.json")));
    for (p, bytes) in &files {
        assert!(!String::from_utf8_lossy(bytes).contains(GOOD_PASSWORD), "{} holds the password", p.display());
    }
}

/// `validate` and `check` check the password only when the variable is set.
#[test]
fn validate_and_check_check_the_password_when_it_is_set() {
    ecsforge().env_remove(PASSWORD_ENV).args(["validate", "examples/ecr-private/ecsforge.yaml"]).assert().success();
    ecsforge()
        .env(PASSWORD_ENV, "qqqqqqqqqqqq")
        .args(["validate", "examples/ecr-private/ecsforge.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Windows Server 2022").and(predicate::str::contains("qqqq").not()));
    ecsforge()
        .env(PASSWORD_ENV, "qqqqqqqqqqqq")
        .args(["check", "examples/ecr-private/ecsforge.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("3 of the 4 classes"));
    ecsforge()
        .env(PASSWORD_ENV, GOOD_PASSWORD)
        .args(["check", "examples/ecr-private/ecsforge.yaml"])
        .assert()
        .success();
}

#[test]
fn bootstrap_writes_the_state_root_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("boot");
    ecsforge()
        .args(["bootstrap", "examples/twelve-services/ecsforge.yaml", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("state bucket shop-terraform-state-123456789012 and lock table"));
    let first = snapshot_dir(&out);
    let names: Vec<String> = first.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["outputs.tf.json", "provider.tf.json", "state.tf.json", "versions.tf.json"]);
    let versions = fs::read_to_string(out.join("versions.tf.json")).unwrap();
    // The bootstrap root creates the backend, so it keeps its own state locally.
    assert!(!versions.contains("backend"), "{versions}");
    let state: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("state.tf.json")).unwrap()).unwrap();
    let table = &state["resource"]["aws_dynamodb_table"]["lock"];
    assert_eq!(table["billing_mode"], "PAY_PER_REQUEST");
    assert_eq!(table["point_in_time_recovery"][0]["enabled"], true);
    assert_eq!(table["server_side_encryption"][0]["kms_key_arn"], "${aws_kms_key.state.arn}");
    let bucket = &state["resource"]["aws_s3_bucket"]["state"];
    assert_eq!(bucket["bucket"], "shop-terraform-state-123456789012");
    assert_eq!(
        state["resource"]["aws_s3_bucket_versioning"]["state"]["versioning_configuration"][0]["status"],
        "Enabled"
    );
    let pab = &state["resource"]["aws_s3_bucket_public_access_block"]["state"];
    for k in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] {
        assert_eq!(pab[k], true, "{k}");
    }
    let policy = state["resource"]["aws_s3_bucket_policy"]["state"]["policy"].as_str().unwrap();
    assert!(policy.contains("\"aws:SecureTransport\":\"false\""), "{policy}");
    // Same manifest, same bytes.
    ecsforge().args(["bootstrap", "examples/twelve-services/ecsforge.yaml", "-o"]).arg(&out).assert().success();
    assert_eq!(snapshot_dir(&out), first);
}

#[test]
fn bootstrap_of_an_invalid_manifest_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = tmp.path().join("ecsforge.yaml");
    fs::write(&manifest, BROKEN).unwrap();
    let out = tmp.path().join("boot");
    ecsforge()
        .arg("bootstrap")
        .arg(&manifest)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("runtime must be 'nodejs' or 'python'"));
    assert!(!out.exists());
}
