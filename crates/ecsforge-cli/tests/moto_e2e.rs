//! End to end against moto, a real AWS API emulator on loopback: `ecsforge
//! plan` and `apply` of `examples/ecr-private` and `examples/twelve-services`
//! (develop), then the live adapter reads the account back.
//!
//! For each example:
//! 1. the manifest's external resources (ACM certificate, Kafka security
//!    group, rotation Lambda...) are created in moto by
//!    `tests/moto/prepare_account.py`, and their moto ids substituted into a
//!    copy of the manifest (plain string replacement);
//! 2. `ecsforge plan --endpoint` passes the gate and `ecsforge apply` applies
//!    it, with zero Terraform errors;
//! 3. the live model (addresses from the Terraform state) equals the planned
//!    model on every resource of the types the adapter reads and every
//!    attribute both know, apart from those listed in [`NOT_COMPARED`]; and
//!    the judged rules find the same on both, and reach gives the same verdicts;
//! 4. `check --live` and `reach --live` pass;
//! 5. a second `ecsforge plan` shows no changes, apart from [`MOTO_PLAN_DRIFT`];
//! 6. a broken manifest (EF053) is stopped by the gate and creates nothing.
//!
//! moto runs from the virtualenv `.ci/moto-venv.sh` creates (`target/moto-venv`,
//! or `$ECSFORGE_MOTO_VENV`), through `tests/moto/ecsforge_moto.py`, which adds
//! the few APIs moto lacks (documented there). The server is stopped when the
//! test ends, passed or failed. `ECSFORGE_SKIP_MOTO=1` skips this test (it says
//! so); a missing virtualenv fails it with the command that creates one.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use assert_cmd::Command;

mod support;
use support::*;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

const SKIP_MOTO: &str = "ECSFORGE_SKIP_MOTO";

/// Attributes not compared between the live and the planned model:
/// (resource type, attribute, why). Everything else both models know must be equal.
const NOT_COMPARED: &[(&str, &str, &str)] = &[(
    "aws_iam_role_policy_attachment",
    "id",
    "Terraform gives an attachment a generated id; in AWS it has none, and the live adapter names it <role>/<policy ARN>",
)];

/// Reach verdicts that differ between the live and the planned model because
/// of what the live adapter does not read: (service, dependency, why).
/// `check --live` and `reach --live` must report exactly these and nothing
/// else. Empty: since Secrets Manager and KMS are read, there is no gap.
const KNOWN_LIVE_GAPS: &[(&str, &str, &str)] = &[];

/// Attributes a second plan changes in place because of moto, not because of
/// ecsforge: (resource type, attribute, why). Any other change, and any
/// replacement, fails the test.
const MOTO_PLAN_DRIFT: &[(&str, &str, &str)] = &[
    ("aws_vpc_security_group_ingress_rule", "description", "moto's DescribeSecurityGroupRules returns no Description"),
    ("aws_vpc_security_group_egress_rule", "description", "moto's DescribeSecurityGroupRules returns no Description"),
    (
        "aws_codebuild_project",
        "encryption_key",
        "moto ignores the project's encryptionKey and always reports alias/aws/s3",
    ),
    (
        "aws_codedeploy_deployment_group",
        "alarm_configuration",
        "moto stores no alarm configuration for deployment groups",
    ),
    (
        "aws_instance",
        "user_data",
        "moto reports an instance's user data differently from its launch template's (the instance sets none itself)",
    ),
];

fn ecsforge(tf: &Terraform, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ecsforge").expect("binary");
    for (k, v) in &tf.env {
        cmd.env(k, v);
    }
    cmd.current_dir(dir)
        .env(ecsforge_manifest::FileServer::DEFAULT_PASSWORD_ENV, FILE_SERVER_PASSWORD)
        .env_remove("TF_VAR_file_server_admin_password")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(3600));
    cmd
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

/// Creates the manifest's external resources in moto and writes the example's
/// manifest, pointing at them, to `dir/ecsforge.yaml`.
fn prepared_manifest(moto: &ecsforge_aws::moto::MotoServer, example: &str, dir: &Path) -> PathBuf {
    let source = repo_root().join("examples").join(example).join("ecsforge.yaml");
    let venv = std::env::var_os("ECSFORGE_MOTO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/moto-venv"));
    let out = std::process::Command::new(venv.join("bin/python"))
        .arg(repo_root().join("tests/moto/prepare_account.py"))
        .arg(moto.endpoint())
        .arg(&source)
        .output()
        .expect("run prepare_account.py");
    assert!(out.status.success(), "prepare_account.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let subs: std::collections::BTreeMap<String, String> = serde_json::from_slice(&out.stdout).expect("substitutions");
    let mut text = fs::read_to_string(&source).unwrap();
    for (from, to) in &subs {
        assert!(text.contains(from.as_str()), "{from} is not in {}", source.display());
        text = text.replace(from.as_str(), to);
    }
    let path = dir.join("ecsforge.yaml");
    fs::write(&path, text).unwrap();
    path
}

/// `terraform show -json` of the root's state: id and ARN → address.
fn state_names(tf: &Terraform, root: &Path) -> std::collections::BTreeMap<String, ecsforge_model::Address> {
    let mut cmd = std::process::Command::new("terraform");
    for (k, v) in &tf.env {
        cmd.env(k, v);
    }
    let out = cmd.args(["show", "-json"]).current_dir(root).output().expect("terraform show");
    assert!(out.status.success(), "terraform show -json: {}", String::from_utf8_lossy(&out.stderr));
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    ecsforge_aws::names_from_state(&state)
}

fn live_model(
    moto: &ecsforge_aws::moto::MotoServer,
    m: &ecsforge_manifest::Manifest,
    names: std::collections::BTreeMap<String, ecsforge_model::Address>,
) -> ecsforge_model::InfraModel {
    let scope = ecsforge_aws::Scope {
        project: m.project.value.clone(),
        environment: "develop".into(),
        region: m.region.value.clone(),
        names,
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let cfg = moto.sdk_config(&m.region.value).await;
        ecsforge_aws::read_live(&cfg, &scope).await
    })
    .unwrap_or_else(|e| panic!("live read failed: {e}"))
}

/// Differences between two values that both models know (`Unknown` and
/// `Null` on either side are not compared; a reference equals a reference to
/// the same resource).
fn diff(
    m: &ecsforge_model::InfraModel,
    path: &str,
    plan: &ecsforge_model::Value,
    live: &ecsforge_model::Value,
    out: &mut Vec<String>,
) {
    use ecsforge_model::Value as V;
    // A reference stands for the referenced attribute's planned value.
    let resolve = |r: &ecsforge_model::Reference| m.resources.get(&r.address).and_then(|t| t.attrs.get(&r.attr));
    match (plan, live) {
        (V::Unknown | V::Null, _) | (_, V::Unknown | V::Null) => {}
        (V::Ref(a), V::Ref(b)) if a.address == b.address => {}
        (V::Ref(r), other) if !matches!(other, V::Ref(_)) && resolve(r).is_some_and(|v| v == other) => {}
        (other, V::Ref(r)) if !matches!(other, V::Ref(_)) && resolve(r).is_some_and(|v| v == other) => {}
        (V::Json(a), V::Json(b)) => diff(m, path, a, b, out),
        (V::Json(a), b) | (b, V::Json(a)) if !matches!(b, V::Json(_)) => diff(m, path, a, b, out),
        (V::Map(a), V::Map(b)) => {
            for (k, va) in a {
                if let Some(vb) = b.get(k) {
                    diff(m, &format!("{path}.{k}"), va, vb, out);
                }
            }
        }
        (V::List(a), V::List(b)) if a.len() == b.len() => {
            let mut ordered = Vec::new();
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                diff(m, &format!("{path}[{i}]"), va, vb, &mut ordered);
            }
            // Terraform sets have no order: then every planned element must
            // equal a distinct live one.
            if !ordered.is_empty() {
                let mut unused: Vec<&V> = b.iter().collect();
                let all_matched = a.iter().all(|va| {
                    let hit = unused.iter().position(|vb| {
                        let mut d = Vec::new();
                        diff(m, path, va, vb, &mut d);
                        d.is_empty()
                    });
                    hit.map(|i| unused.remove(i)).is_some()
                });
                if !all_matched {
                    out.extend(ordered);
                }
            }
        }
        (V::Number(a), V::Number(b)) if a.as_f64() == b.as_f64() => {}
        (V::String(a), V::Number(b)) | (V::Number(b), V::String(a)) if a.parse::<f64>().ok() == b.as_f64() => {}
        (V::String(a), V::Bool(b)) | (V::Bool(b), V::String(a)) if a.parse::<bool>().ok() == Some(*b) => {}
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: planned {a:?}, live {b:?}")),
    }
}

/// The live model equals the planned one on every resource of the types the
/// live adapter reads and every attribute both know; rules that can be judged
/// on a live model find the same on both, and reachability gives the same verdicts.
fn compare(plan: &ecsforge_model::InfraModel, live: &ecsforge_model::InfraModel) {
    let types = ecsforge_aws::LIVE_TYPES;
    let planned: Vec<_> = plan.resources.keys().filter(|a| types.contains(&a.resource_type())).collect();
    let mut problems = Vec::new();
    for address in &planned {
        let Some(l) = live.resources.get(*address) else {
            problems.push(format!("{address}: planned, not found live"));
            continue;
        };
        let p = &plan.resources[*address];
        for (attr, pv) in &p.attrs {
            if attr == "tags_all" || NOT_COMPARED.iter().any(|(t, a, _)| *t == address.resource_type() && a == attr) {
                continue;
            }
            if let Some(lv) = l.attrs.get(attr) {
                diff(plan, &format!("{address}.{attr}"), pv, lv, &mut problems);
            }
        }
    }
    for address in live.resources.keys().filter(|a| !plan.resources.contains_key(*a)) {
        problems.push(format!("{address}: live, not in the plan"));
    }
    assert!(problems.is_empty(), "live and planned models differ:\n{}", problems.join("\n"));

    let judged = |m: &ecsforge_model::InfraModel| -> Vec<String> {
        ecsforge_rules::check(m, None, &[])
            .into_iter()
            .filter(|f| ecsforge_rules::reads::judgeable(f.code, types).is_ok())
            .map(|f| format!("{} {} {}", f.code, f.address, f.message))
            .collect()
    };
    assert_eq!(judged(live), judged(plan), "rules find different things live and planned");
    let verdicts = |m: &ecsforge_model::InfraModel| -> Vec<String> {
        ecsforge_reach::analyze(m)
            .into_iter()
            .map(|v| format!("{} {} {:?}", v.service, v.dependency.test_name(), v.status))
            .collect()
    };
    let (l, p) = (verdicts(live), verdicts(plan));
    let known = |v: &&String| KNOWN_LIVE_GAPS.iter().any(|(s, d, _)| v.starts_with(&format!("{s} {d} ")));
    let only_live: Vec<&String> = l.iter().filter(|v| !p.contains(v)).filter(|v| !known(v)).collect();
    let only_plan: Vec<&String> = p.iter().filter(|v| !l.contains(v)).filter(|v| !known(v)).collect();
    assert!(
        only_live.is_empty() && only_plan.is_empty(),
        "reachability differs: live only {only_live:#?}, planned only {only_plan:#?}"
    );
}

/// The whole round trip for one example; returns (apply seconds, terraform seconds).
fn round_trip(example: &str) {
    if std::env::var(SKIP_MOTO).is_ok_and(|v| v == "1") {
        note(format!("skipped: {SKIP_MOTO}=1"));
        return;
    }
    let Some(tf) = terraform() else { return };
    let moto = ecsforge_aws::moto::MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifest = prepared_manifest(&moto, example, dir);
    let m = ecsforge_manifest::load("ecsforge.yaml", &fs::read_to_string(&manifest).unwrap()).unwrap();
    let endpoint = moto.endpoint();
    let root = dir.join("out/develop");

    // A broken manifest is stopped by the gate, and nothing is created.
    if example == "ecr-private" {
        let broken = dir.join("broken.yaml");
        let text = fs::read_to_string(&manifest).unwrap();
        fs::write(&broken, text.replace("    mfa_delete: true", "    mfa_delete: false\n    environment: develop"))
            .unwrap();
        let a = ecsforge(tf, dir)
            .args(["plan", "broken.yaml", "--env", "develop", "--format", "json", "-o", "broken-out", "--endpoint"])
            .arg(&endpoint)
            .assert()
            .code(1);
        assert!(stdout(&a).contains("\"gate\": \"blocked\""), "{}", stdout(&a));
        ecsforge(tf, dir).args(["apply", "--env", "develop", "-o", "broken-out"]).assert().code(2);
        let live = live_model(&moto, &m, Default::default());
        assert!(live.resources.is_empty(), "the blocked plan created {:?}", live.resources.keys().collect::<Vec<_>>());
    }

    let t = Instant::now();
    let a = ecsforge(tf, dir)
        .args(["plan", "ecsforge.yaml", "--env", "develop", "--format", "json", "--endpoint"])
        .arg(&endpoint)
        .assert()
        .success();
    let first: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(first["gate"], "passed", "{first:#}");
    let plan_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let a = ecsforge(tf, dir).args(["apply", "--env", "develop"]).assert();
    let applied = stdout(&a);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    let a = a.success();
    let apply_secs = t.elapsed().as_secs_f64();
    note(format!(
        "moto e2e {example}: {} resources; plan {plan_secs:.1} s (terraform {} s, ecsforge {} s); {}",
        first["changes"]["add"],
        first["seconds"]["terraform"],
        first["seconds"]["ecsforge"],
        applied.trim()
    ));
    let _ = (a, err, apply_secs);

    // Live = planned, on what rules and reach read.
    let again = ecsforge(tf, dir)
        .args(["plan", "ecsforge.yaml", "--env", "develop", "--format", "json", "--endpoint"])
        .arg(&endpoint)
        .assert()
        .success();
    let second: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    let plan_text = fs::read_to_string(root.join("ecsforge.plan.json")).unwrap();
    let plan_json: serde_json::Value = serde_json::from_str(&plan_text).unwrap();
    let planned = ecsforge_ingest::ingest("ecsforge.plan.json", &plan_text).unwrap();
    let names = state_names(tf, &root);
    let t = Instant::now();
    let live = live_model(&moto, &m, names);
    note(format!(
        "moto e2e {example}: live read of {} resources in {:.2} s",
        live.resources.len(),
        t.elapsed().as_secs_f64()
    ));
    compare(&planned, &live);

    // The second plan changes nothing but moto's own drift.
    let mut unexpected = Vec::new();
    for rc in plan_json["resource_changes"].as_array().into_iter().flatten() {
        let actions = &rc["change"]["actions"];
        if *actions == serde_json::json!(["no-op"]) || rc["mode"] != "managed" {
            continue;
        }
        let (before, after) = (&rc["change"]["before"], &rc["change"]["after"]);
        let mut keys: Vec<&String> = before.as_object().into_iter().flatten().map(|(k, _)| k).collect();
        keys.extend(after.as_object().into_iter().flatten().map(|(k, _)| k));
        keys.sort();
        keys.dedup();
        let ty = rc["type"].as_str().unwrap_or("");
        let changed: Vec<&String> = keys
            .into_iter()
            .filter(|k| k.as_str() != "tags_all" && before[k.as_str()] != after[k.as_str()])
            .filter(|k| !MOTO_PLAN_DRIFT.iter().any(|(t, a, _)| *t == ty && a == k))
            .collect();
        if *actions != serde_json::json!(["update"]) || !changed.is_empty() {
            unexpected.push(format!("{} {actions}: {changed:?}", rc["address"].as_str().unwrap_or("")));
        }
    }
    assert!(unexpected.is_empty(), "the second plan changes:\n{}\nsummary: {second:#}", unexpected.join("\n"));
    assert_eq!(second["changes"]["add"], 0, "{second:#}");
    assert_eq!(second["changes"]["destroy"], 0, "{second:#}");
    assert_eq!(second["gate"], "passed", "{second:#}");

    // check --live and reach --live pass, apart from the known gaps, which
    // they report and nothing else.
    let gaps: Vec<&(&str, &str, &str)> = KNOWN_LIVE_GAPS
        .iter()
        .filter(|(s, _, _)| live.resources.contains_key(&ecsforge_model::Address(s.to_string())))
        .collect();
    let a = ecsforge(tf, dir)
        .args(["reach", "--live", "ecsforge.yaml", "--env", "develop", "--format", "json", "--endpoint"])
        .arg(&endpoint)
        .assert()
        .code(if gaps.is_empty() { 0 } else { 1 });
    let report: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let failing: Vec<(String, String)> = report["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["status"] != "PASS")
        .map(|t| (t["service"].as_str().unwrap_or("").to_string(), t["name"].as_str().unwrap_or("").to_string()))
        .collect();
    let expected: Vec<(String, String)> = gaps.iter().map(|(s, d, _)| (s.to_string(), d.to_string())).collect();
    assert_eq!(failing, expected, "reach --live");
    let a = ecsforge(tf, dir)
        .args(["check", "--live", "ecsforge.yaml", "--env", "develop", "--format", "json", "--endpoint"])
        .arg(&endpoint)
        .assert()
        .code(if gaps.is_empty() { 0 } else { 1 });
    let findings: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let all = findings["findings"].as_array().cloned().unwrap_or_default();
    let name =
        |f: &serde_json::Value| format!("{} {}", f["code"].as_str().unwrap_or(""), f["address"].as_str().unwrap_or(""));
    let codes: Vec<String> = all.iter().filter(|f| f["suppressed"].is_null()).map(name).collect();
    let expected: Vec<String> = gaps.iter().map(|(s, _, _)| format!("EF211 {s}")).collect();
    assert_eq!(codes, expected, "check --live");
    // The manifest's `suppress:` entries hold live too: live reports, with
    // their reasons, exactly the suppressed findings of the judged rules the
    // plan has.
    let mut suppressed: Vec<String> = all.iter().filter(|f| !f["suppressed"].is_null()).map(name).collect();
    let mut planned_findings = ecsforge_rules::check(&planned, None, &[]);
    let mut with_suppressions = planned.clone();
    with_suppressions.suppressions = ecsforge_synth::synth(&m, ecsforge_manifest::Env::Develop).unwrap().suppressions;
    ecsforge_rules::apply_suppressions(&mut planned_findings, &[&with_suppressions], &[]);
    let mut planned_suppressed: Vec<String> = planned_findings
        .iter()
        .filter(|f| {
            f.suppressed.is_some() && ecsforge_rules::reads::judgeable(f.code, ecsforge_aws::LIVE_TYPES).is_ok()
        })
        .map(|f| format!("{} {}", f.code, f.address))
        .collect();
    suppressed.sort();
    planned_suppressed.sort();
    assert_eq!(suppressed, planned_suppressed, "check --live: suppressed findings");
    assert!(all.iter().all(|f| f["suppressed"].is_null() || f["suppressed"].as_str().is_some_and(|r| !r.is_empty())));
}

#[test]
fn ecr_private_round_trip_on_moto() {
    round_trip("ecr-private");
}

#[test]
fn twelve_services_round_trip_on_moto() {
    round_trip("twelve-services");
}
