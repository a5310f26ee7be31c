//! `ecsforge plan` and `ecsforge apply` with the real Terraform CLI, offline.
//!
//! `--endpoint` points at a moto server on loopback (the provider asks its
//! STS for the account id; a first plan reads nothing else), so nothing
//! leaves the machine: these tests run the whole plan pipeline (synth, init,
//! plan, show, ingest, rules, reach, cost, the gate) and apply's refusals.
//! Applying for real is the moto end-to-end test (`tests/moto_e2e.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod support;
use support::*;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// A moto server for one test (stopped when dropped).
fn moto() -> ecsforge_aws::moto::MotoServer {
    ecsforge_aws::moto::MotoServer::start().unwrap_or_else(|e| panic!("{e}"))
}

fn ecsforge(tf: &Terraform) -> Command {
    let mut cmd = Command::cargo_bin("ecsforge").expect("binary");
    for (k, v) in &tf.env {
        cmd.env(k, v);
    }
    cmd.env(ecsforge_manifest::FileServer::DEFAULT_PASSWORD_ENV, FILE_SERVER_PASSWORD)
        .env_remove("TF_VAR_file_server_admin_password")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("NO_COLOR", "1")
        .timeout(tf.timeout);
    cmd
}

/// The ecr-private example, with `edit` applied to its text, in a scratch directory.
fn manifest(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = fs::read_to_string(repo_root().join("examples/ecr-private/ecsforge.yaml")).expect("example");
    let path = dir.join("ecsforge.yaml");
    fs::write(&path, edit(text)).expect("write manifest");
    path
}

fn plan(tf: &Terraform, endpoint: &str, manifest: &Path, out: &Path) -> assert_cmd::assert::Assert {
    ecsforge(tf)
        .args(["plan", "--env", "develop", "--format", "json", "--endpoint", endpoint])
        .arg(manifest)
        .arg("-o")
        .arg(out)
        .assert()
}

fn summary(a: &assert_cmd::assert::Assert) -> serde_json::Value {
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("plan --format json printed {out:?}: {e}"))
}

#[test]
fn a_clean_plan_passes_the_gate_and_is_kept_for_apply() {
    let Some(tf) = terraform() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let m = manifest(tmp.path(), |t| t);
    let out = tmp.path().join("out");
    let moto = moto();
    let a = plan(tf, &moto.endpoint(), &m, &out).success();
    let s = summary(&a);
    assert_eq!(s["gate"], "passed", "{s:#}");
    assert_eq!(s["changes"], serde_json::json!({"add": 109, "change": 0, "destroy": 0}));
    assert_eq!(s["findings"], serde_json::json!({"error": 0, "warning": 0, "info": 0}));
    assert_eq!(s["reach"]["fail"], 0);
    assert_eq!(s["endpoint"], moto.endpoint());
    // The cost of what the plan creates; nothing existed before.
    let model = ecsforge_synth::synth(
        &ecsforge_manifest::load("m", &fs::read_to_string(&m).unwrap()).unwrap(),
        ecsforge_manifest::Env::Develop,
    )
    .unwrap();
    let expected = ecsforge_cost::estimate::estimate(
        &model,
        "m",
        &ecsforge_cost::Prices::bundled(),
        &ecsforge_cost::Usage::default(),
    )
    .unwrap()
    .total;
    assert_eq!(s["monthly_cost"]["before"], 0.0);
    assert!((s["monthly_cost"]["after"].as_f64().unwrap() - expected).abs() < 0.01, "{s:#} vs {expected}");

    let root = out.join("develop");
    for f in ["ecsforge.tfplan", "ecsforge.stamp.json", "ecsforge.plan.json", "ecsforge-terraform.log"] {
        assert!(root.join(f).is_file(), "{f} missing in {}", root.display());
    }
    let over = fs::read_to_string(root.join("zz_ecsforge_endpoint_override.tf.json")).unwrap();
    assert!(over.contains(&moto.endpoint()) && over.contains("\"local\""), "{over}");
    let log = fs::read_to_string(root.join("ecsforge-terraform.log")).unwrap();
    assert!(log.contains("$ terraform init") && log.contains("$ terraform plan"), "{log}");
    assert!(!log.contains(FILE_SERVER_PASSWORD), "the log must not hold the file server password");

    // A plan whose bytes changed after the check is refused, and nothing runs.
    fs::write(root.join("ecsforge.tfplan"), b"tampered").unwrap();
    ecsforge(tf)
        .args(["apply", "--env", "develop", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not the plan ecsforge checked"));
}

#[test]
fn a_broken_manifest_is_stopped_by_the_gate() {
    let Some(tf) = terraform() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // The audit resources in develop, their bucket without MFA delete: rule EF053, an error.
    let m =
        manifest(tmp.path(), |t| t.replace("    mfa_delete: true", "    mfa_delete: false\n    environment: develop"));
    let out = tmp.path().join("out");
    let moto = moto();
    let a = plan(tf, &moto.endpoint(), &m, &out).code(1);
    let s = summary(&a);
    assert_eq!(s["gate"], "blocked", "{s:#}");
    assert_eq!(s["blocking"], 1);
    assert_eq!(s["findings"]["error"], 1);
    let root = out.join("develop");
    assert!(!root.join("ecsforge.tfplan").exists(), "a blocked plan must not be kept");
    assert!(!root.join("ecsforge.stamp.json").exists());
    ecsforge(tf)
        .args(["apply", "--env", "develop", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no checked plan"));

    // The text view names the finding and the blocked gate.
    let text = ecsforge(tf)
        .args(["plan", "--env", "develop", "--endpoint", &moto.endpoint()])
        .arg(&m)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(stdout.contains("EF053"), "{stdout}");
    assert!(stdout.contains("gate: blocked by 1 finding(s) of severity error or worse"), "{stdout}");
}

#[test]
fn apply_without_a_plan_refuses() {
    let Some(tf) = terraform() else { return };
    let tmp = tempfile::tempdir().unwrap();
    ecsforge(tf)
        .args(["apply", "--env", "develop", "-o"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no checked plan in"))
        .stderr(predicates::str::contains("hint: run `ecsforge plan --env develop"));
}

#[test]
fn terraform_errors_surface_with_the_log() {
    let Some(tf) = terraform() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let m = manifest(tmp.path(), |t| t);
    let out = tmp.path().join("out");
    // A user override file in the root is kept and read by terraform; this one is wrong.
    let root = out.join("develop");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("mine_override.tf.json"), r#"{"resource":{"aws_vpc":{"main":{"cidr_block":"10.0.0.0/99"}}}}"#)
        .unwrap();
    let moto = moto();
    let a = plan(tf, &moto.endpoint(), &m, &out).code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("terraform plan failed") || err.contains("terraform init failed"), "{err}");
    assert!(err.contains("aws_vpc.main") && err.contains("10.0.0.0/99"), "{err}");
    assert!(err.contains("ecsforge-terraform.log"), "{err}");
    assert!(root.join("mine_override.tf.json").is_file(), "the user's own file must be kept");
}

#[test]
fn missing_terraform_and_bad_endpoints_are_errors() {
    let Some(tf) = terraform() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let m = manifest(tmp.path(), |t| t);
    ecsforge(tf)
        .env("ECSFORGE_TERRAFORM", tmp.path().join("no-terraform-here"))
        .args(["plan", "--env", "develop", "--endpoint", "http://127.0.0.1:9"])
        .arg(&m)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not found; hint: install Terraform"));
    ecsforge(tf)
        .args(["plan", "--env", "develop", "--endpoint", "127.0.0.1:5000"])
        .arg(&m)
        .arg("-o")
        .arg(tmp.path().join("out2"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--endpoint `127.0.0.1:5000` is not a usable endpoint"));
    assert!(!tmp.path().join("out2").exists(), "a bad endpoint must leave no output");
}
