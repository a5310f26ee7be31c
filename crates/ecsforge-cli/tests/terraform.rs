//! End-to-end check against the real Terraform CLI, offline.
//!
//! For every `examples/*/ecsforge.yaml`, runs `ecsforge synth <manifest> --all -o <tmp>`
//! and, for every environment root it writes, runs `terraform init`, `validate` and
//! `plan` in a scratch copy of the root with two override files: one swapping the S3
//! backend for a local one, one giving the `aws` provider fake credentials and
//! telling it not to call AWS. The plan must succeed and add at least one resource.
//!
//! Then `terraform show -json` of the plan is ingested (`ecsforge_ingest::terraform::plan`)
//! and compared with the model synth produced for that environment, on what rules read:
//! the same managed resources and kinds; every literal attribute of the synthesized
//! model has the equal known value in the plan; every reference is either the same
//! reference or a known value; JSON documents are compared as parsed structures. Known
//! provider normalisations are listed, with the reason, in [`NORMALISED`]. Every rule
//! must find the same on the plan as on the synthesized model, and `ecsforge cost` must
//! give both the same bill.
//!
//! Prerequisites: `terraform` >= 1.11 on `PATH` and the hashicorp/aws provider in the
//! filesystem mirror `/opt/tf-plugins` (or a `TF_CLI_CONFIG_FILE` that can install it).
//! Environment knobs:
//!
//! * `ECSFORGE_SKIP_TERRAFORM=1` — skip these tests (they print that they did).
//! * `ECSFORGE_TF_JOBS=N` — roots checked in parallel (default 2; each plan holds the
//!   ~650 MB provider in memory).
//! * `ECSFORGE_TF_TIMEOUT_SECS=N` — limit per terraform command (default 600).
//! * `ECSFORGE_KEEP_TF_DIRS=1` — keep the scratch directories and print where they are.
//! * `ECSFORGE_WRITE_PLAN_FIXTURE=1` — also write the plan JSON of `ecr-private/develop` to
//!   `crates/ecsforge-ingest/tests/fixtures/terraform/ecr-private-develop.plan.json`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use assert_cmd::Command;

mod support;
use ecsforge_model::value::Part;
use ecsforge_model::{InfraModel, Value};
use support::*;

const BACKEND_OVERRIDE: &str = r#"{"terraform":{"backend":{"local":{}}}}"#;
const PROVIDER_OVERRIDE: &str = r#"{"provider":{"aws":{"access_key":"test","secret_key":"test","skip_credentials_validation":true,"skip_requesting_account_id":true,"skip_metadata_api_check":true}}}"#;

/// Roots checked at once, across all tests of this binary (`ECSFORGE_TF_JOBS`, default 2).
fn jobs() -> usize {
    (env_number("ECSFORGE_TF_JOBS", 2) as usize).max(1)
}

static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

fn lock_slots() -> MutexGuard<'static, usize> {
    SLOTS.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// One of `jobs()` slots for running terraform, so that tests running in parallel
/// do not start more provider processes (~650 MB each) than that.
struct Slot;

impl Slot {
    fn acquire() -> Slot {
        let mut busy = lock_slots();
        while *busy >= jobs() {
            busy = SLOTS.1.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *lock_slots() -= 1;
        SLOTS.1.notify_one();
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Whether any `*.tf.json` file of the root declares a backend.
fn has_backend(dir: &Path) -> bool {
    fs::read_dir(dir).expect("read root").flatten().any(|e| {
        e.file_name().to_string_lossy().ends_with(".tf.json")
            && fs::read_to_string(e.path()).is_ok_and(|t| t.contains("\"backend\""))
    })
}

/// One environment root to check.
struct Root {
    /// `<example>/<env>`, for messages.
    label: String,
    dir: PathBuf,
    /// The model synth built for this root; the ingested plan is compared with it.
    expected: Option<InfraModel>,
}

#[derive(Default)]
struct Timings {
    init: Duration,
    validate: Duration,
    plan: Duration,
    show: Duration,
    ingest: Duration,
    /// Copy, init, validate, plan, show and compare; not the wait for a free slot.
    total: Duration,
    to_add: u64,
}

/// Copies a root into `dest`, skipping any `.terraform` state a previous run left.
fn copy_tree(src: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap_or_else(|e| panic!("create {}: {e}", dest.display()));
    for entry in fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if name == ".terraform" || name == ".terraform.lock.hcl" {
            continue;
        }
        let (from, to) = (entry.path(), dest.join(&name));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        }
    }
}

impl Terraform {
    /// Runs one terraform command in `dir`; `Err` carries a report with its output.
    fn run(&self, root: &Root, dir: &Path, logs: &Path, args: &[&str]) -> Result<(String, Duration), String> {
        let step = args[0];
        let (out_path, err_path) = (logs.join(format!("{step}.stdout")), logs.join(format!("{step}.stderr")));
        let mut cmd = StdCommand::new("terraform");
        cmd.args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out_path).expect("log file"))
            .stderr(fs::File::create(&err_path).expect("log file"));
        // Keep the user's environment from redirecting or altering the run.
        for var in [
            "TF_DATA_DIR",
            "TF_WORKSPACE",
            "TF_CLI_ARGS",
            "TF_CLI_ARGS_init",
            "TF_CLI_ARGS_validate",
            "TF_CLI_ARGS_plan",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }

        let started = Instant::now();
        let mut child = cmd.spawn().map_err(|e| format!("{}: cannot run terraform {step}: {e}", root.label))?;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for terraform") {
                break Some(status);
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let elapsed = started.elapsed();
        let stdout = fs::read_to_string(&out_path).unwrap_or_default();
        let stderr = fs::read_to_string(&err_path).unwrap_or_default();
        match status {
            Some(s) if s.success() => Ok((stdout, elapsed)),
            status => {
                let what = match status {
                    Some(s) => format!("failed ({s})"),
                    None => format!("timed out after {:?} (ECSFORGE_TF_TIMEOUT_SECS)", self.timeout),
                };
                Err(format!(
                    "=== {}: `terraform {}` {what} in {} ===\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    root.label,
                    args.join(" "),
                    dir.display(),
                    stdout.trim_end(),
                    stderr.trim_end()
                ))
            }
        }
    }

    /// init + validate + plan on a scratch copy of `root`, made under `scratch`.
    fn check_root(&self, root: &Root, scratch: &Path) -> Result<Timings, String> {
        let _slot = Slot::acquire();
        let started = Instant::now();
        let dir = scratch.join("root");
        let logs = scratch.join("logs");
        copy_tree(&root.dir, &dir);
        fs::create_dir_all(&logs).expect("log dir");
        // Roots with an S3 backend get a local one; the bootstrap root already keeps local state.
        if has_backend(&dir) {
            fs::write(dir.join("zz_local_backend_override.tf.json"), BACKEND_OVERRIDE).expect("write override");
        }
        fs::write(dir.join("zz_provider_override.tf.json"), PROVIDER_OVERRIDE).expect("write override");

        let mut t = Timings::default();
        (_, t.init) = self.run(root, &dir, &logs, &["init", "-input=false", "-no-color"])?;
        (_, t.validate) = self.run(root, &dir, &logs, &["validate", "-no-color"])?;
        let plan_args = ["plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-out=plan.bin"];
        let (plan_out, plan_time) = self.run(root, &dir, &logs, &plan_args)?;
        t.plan = plan_time;
        t.to_add = planned_additions(&plan_out).ok_or_else(|| {
            format!(
                "=== {}: `terraform plan` printed no \"Plan: N to add\" line ===\n--- stdout ---\n{}",
                root.label,
                plan_out.trim_end()
            )
        })?;
        if t.to_add == 0 {
            return Err(format!(
                "=== {}: `terraform plan` adds no resources ===\n--- stdout ---\n{}",
                root.label,
                plan_out.trim_end()
            ));
        }
        if let Some(expected) = &root.expected {
            let (json, show) = self.run(root, &dir, &logs, &["show", "-json", "-no-color", "plan.bin"])?;
            t.show = show;
            if env_flag("ECSFORGE_WRITE_PLAN_FIXTURE") && root.label == "ecr-private/develop" {
                let path =
                    repo_root().join("crates/ecsforge-ingest/tests/fixtures/terraform/ecr-private-develop.plan.json");
                fs::write(&path, &json).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
                note(format!("wrote {}", path.display()));
            }
            let t0 = Instant::now();
            let ingested = ecsforge_ingest::terraform::plan::ingest("plan.json", &json)
                .map_err(|e| format!("=== {}: cannot ingest the plan JSON ===\n{}", root.label, e.render(false)))?;
            t.ingest = t0.elapsed();
            let diffs = compare_with_plan(expected, &ingested);
            if !diffs.is_empty() {
                return Err(format!(
                    "=== {}: the ingested plan differs from the synthesized model in {} place(s) ===\n{}",
                    root.label,
                    diffs.len(),
                    diffs.join("\n")
                ));
            }
            // `ecsforge cost` gives the plan the same bill, line by line, as the manifest.
            let prices = ecsforge_cost::Prices::bundled();
            let usage = ecsforge_cost::Usage::default();
            let bill = |m: &InfraModel| -> Result<String, String> {
                let e = ecsforge_cost::estimate(m, &root.label, &prices, &usage).map_err(|e| e.to_string())?;
                Ok(e.lines.iter().map(|l| format!("{} {} {:?}\n", l.resource, l.component, l.monthly)).collect())
            };
            let (from_plan, from_manifest) = (bill(&ingested)?, bill(expected)?);
            if from_plan != from_manifest {
                return Err(format!(
                    "=== {}: cost of the plan differs from cost of the manifest ===\n--- plan ---\n{from_plan}--- manifest ---\n{from_manifest}",
                    root.label
                ));
            }
            // `ecsforge check` on the plan finds what it finds on the manifest: the
            // plan carries no manifest suppressions, so the synthesized model's are applied.
            let findings = |m: &InfraModel| -> Vec<String> {
                let mut m = m.clone();
                m.suppressions = expected.suppressions.clone();
                let mut v: Vec<String> = ecsforge_rules::check(&m, None, &[])
                    .iter()
                    .map(|f| format!("{} {} suppressed={}", f.code, f.address, f.suppressed.is_some()))
                    .collect();
                v.sort();
                v
            };
            let (on_plan, on_manifest) = (findings(&ingested), findings(expected));
            if on_plan != on_manifest {
                return Err(format!(
                    "=== {}: rules find other things in the plan than in the manifest ===\n--- plan ---\n{}\n--- manifest ---\n{}",
                    root.label,
                    on_plan.join("\n"),
                    on_manifest.join("\n")
                ));
            }
        }
        t.total = started.elapsed();
        Ok(t)
    }

    /// Checks every root, `ECSFORGE_TF_JOBS` at a time (default 2), printing per-root
    /// timings; panics with the full report of every root that failed.
    fn check_roots(&self, roots: &[Root]) {
        let jobs = jobs().min(roots.len().max(1));
        let keep = env_flag("ECSFORGE_KEEP_TF_DIRS");
        let next = AtomicUsize::new(0);
        let failures = Mutex::new(Vec::<(usize, String)>::new());
        let started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..jobs {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(root) = roots.get(i) else { break };
                        let scratch = tempfile::Builder::new().prefix("ecsforge-tf-").tempdir().expect("temp dir");
                        let t0 = Instant::now();
                        let result = self.check_root(root, scratch.path());
                        match &result {
                            Ok(t) => note(format!(
                                "terraform {}: init {:.1}s, validate {:.1}s, plan {:.1}s, show {:.1}s, \
                                 ingest {:.0}ms, total {:.1}s ({} to add)",
                                root.label,
                                t.init.as_secs_f64(),
                                t.validate.as_secs_f64(),
                                t.plan.as_secs_f64(),
                                t.show.as_secs_f64(),
                                t.ingest.as_secs_f64() * 1000.0,
                                t.total.as_secs_f64(),
                                t.to_add
                            )),
                            Err(_) => note(format!(
                                "terraform {}: FAILED after {:.1}s",
                                root.label,
                                t0.elapsed().as_secs_f64()
                            )),
                        }
                        if keep {
                            note(format!("  kept scratch copy of {}: {}", root.label, scratch.keep().display()));
                        }
                        if let Err(report) = result {
                            failures.lock().unwrap().push((i, report));
                        }
                    }
                });
            }
        });
        note(format!(
            "terraform: {} root(s) checked in {:.1}s with {jobs} job(s)",
            roots.len(),
            started.elapsed().as_secs_f64()
        ));
        let mut failures = failures.into_inner().unwrap();
        failures.sort();
        let failed: Vec<&str> = failures.iter().map(|(i, _)| roots[*i].label.as_str()).collect();
        let reports: Vec<&str> = failures.iter().map(|(_, r)| r.as_str()).collect();
        assert!(
            failures.is_empty(),
            "terraform rejected {} of {} root(s): {}\n(set ECSFORGE_KEEP_TF_DIRS=1 to keep the scratch copies)\n\n{}",
            failures.len(),
            roots.len(),
            failed.join(", "),
            reports.join("\n\n")
        );
    }
}

/// Provider normalisation: attributes the aws provider declares as sets (`TypeSet`).
/// The plan lists a set's elements in the provider's order (by element hash), not in
/// the order of the configuration, so these lists are compared as unordered: every
/// synthesized element must equal a distinct planned element. Entries are
/// (resource type, attribute path without list indexes); every other list keeps its order.
const UNORDERED_SETS: &[(&str, &str)] = &[
    // `capacity_provider_strategy` blocks: FARGATE/FARGATE_SPOT weights.
    ("aws_ecs_service", "capacity_provider_strategy"),
    ("aws_ecs_cluster_capacity_providers", "default_capacity_provider_strategy"),
    // `condition { path_pattern { values = [...] } }`: the listener rule's paths.
    ("aws_lb_listener_rule", "condition.path_pattern.values"),
    // Monitoring and rollout: metric-math queries, weighted forwards, CodeDeploy alarms and events.
    ("aws_cloudwatch_metric_alarm", "metric_query"),
    ("aws_lb_listener_rule", "action.forward.target_group"),
    ("aws_codedeploy_deployment_group", "alarm_configuration.alarms"),
    ("aws_codedeploy_deployment_group", "auto_rollback_configuration.events"),
];

/// An attribute path without its list indexes: `a[0].b[1].c` → `a.b.c`.
fn without_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// One difference: the attribute path, and both values rendered.
struct Diff {
    path: String,
    synth: String,
    plan: String,
}

/// Compares the model ingested from a plan with the synthesized one on what rules
/// read; returns one line per difference.
fn compare_with_plan(synth: &InfraModel, plan: &InfraModel) -> Vec<String> {
    let mut out = Vec::new();
    for a in synth.resources.keys().filter(|a| !plan.resources.contains_key(*a)) {
        out.push(format!("{a}: synthesized, not in the plan"));
    }
    for a in plan.resources.keys().filter(|a| !synth.resources.contains_key(*a)) {
        out.push(format!("{a}: in the plan, not synthesized"));
    }
    for (a, s) in &synth.resources {
        let Some(p) = plan.resources.get(a) else { continue };
        if s.kind != p.kind {
            out.push(format!("{a}: kind {:?} in synth, {:?} in the plan", s.kind, p.kind));
        }
        if s.depends_on != p.depends_on {
            out.push(format!("{a}: depends_on {:?} in synth, {:?} in the plan", s.depends_on, p.depends_on));
        }
        let mut diffs = Vec::new();
        for (k, sv) in &s.attrs {
            // Tags show up as `tags` (and, with provider default tags merged, `tags_all`).
            let pv = p.attrs.get(k).or_else(|| if k == "tags" { p.attrs.get("tags_all") } else { None });
            match pv {
                Some(pv) => compare_value(a.resource_type(), sv, pv, k.clone(), &mut diffs),
                None => diffs.push(Diff { path: k.clone(), synth: render(sv), plan: "(absent)".into() }),
            }
        }
        for d in diffs {
            out.push(format!("{a}.{}:\n    synth {}\n    plan  {}", d.path, d.synth, d.plan));
        }
    }
    out
}

/// A value the plan knows: no unknown, reference or template anywhere in it.
fn is_known(v: &Value) -> bool {
    match v {
        Value::Unknown | Value::Ref(_) | Value::Template(_) => false,
        Value::List(l) => l.iter().all(is_known),
        Value::Map(m) => m.values().all(is_known),
        Value::Json(inner) => is_known(inner),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
    }
}

/// Compares one attribute of resource type `ty`; pushes every difference under `path`.
fn compare_value(ty: &str, s: &Value, p: &Value, path: String, out: &mut Vec<Diff>) {
    match (s, p) {
        // A reference (or a template of them) is fine as the same reference or as
        // the value Terraform already knows at plan time.
        (Value::Ref(a), Value::Ref(b)) if a == b => {}
        (Value::Template(a), Value::Template(b)) if a == b => {}
        (Value::Ref(_) | Value::Template(_), p) if is_known(p) && !matches!(p, Value::Null) => {}
        // A value built from an input variable (the file server password): the plan
        // holds the value given at plan time, which is not compared (nor printed).
        (s, p) if s.uses_variables() && is_known(p) && !matches!(p, Value::Null) => {}
        (Value::List(a), Value::List(b))
            if a.len() == b.len() && UNORDERED_SETS.contains(&(ty, without_indexes(&path).as_str())) =>
        {
            let mut used = vec![false; b.len()];
            for (i, x) in a.iter().enumerate() {
                let found = (0..b.len()).find(|&j| {
                    let mut d = Vec::new();
                    !used[j] && {
                        compare_value(ty, x, &b[j], String::new(), &mut d);
                        d.is_empty()
                    }
                });
                match found {
                    Some(j) => used[j] = true,
                    None => out.push(Diff {
                        path: format!("{path}[{i}] (a set)"),
                        synth: render(x),
                        plan: format!("no equal element in {}", render(p)),
                    }),
                }
            }
        }
        (Value::List(a), Value::List(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare_value(ty, x, y, format!("{path}[{i}]"), out);
            }
        }
        // Only the keys synth sets: the provider adds defaulted ones.
        (Value::Map(a), Value::Map(b)) => {
            for (k, x) in a {
                match b.get(k) {
                    Some(y) => compare_value(ty, x, y, format!("{path}.{k}"), out),
                    None => out.push(Diff { path: format!("{path}.{k}"), synth: render(x), plan: "(absent)".into() }),
                }
            }
        }
        (Value::Json(a), Value::Json(b)) => compare_value(ty, a, b, path, out),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (a, b) if a == b => {}
        _ => out.push(Diff { path, synth: render(s), plan: render(p) }),
    }
}

/// A value on one line, for messages.
fn render(v: &Value) -> String {
    let part = |p: &Part| match p {
        Part::Lit(s) => s.clone(),
        Part::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
        Part::Unknown => "(unknown)".into(),
    };
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::List(l) => format!("[{}]", l.iter().map(render).collect::<Vec<_>>().join(", ")),
        Value::Map(m) => {
            format!("{{{}}}", m.iter().map(|(k, v)| format!("{k}: {}", render(v))).collect::<Vec<_>>().join(", "))
        }
        Value::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
        Value::Template(parts) => format!("template({:?})", parts.iter().map(part).collect::<String>()),
        Value::Json(inner) => format!("json({})", render(inner)),
        Value::Unknown => "(unknown)".into(),
    }
}

/// N in terraform's "Plan: N to add, M to change, K to destroy." line.
fn planned_additions(plan_stdout: &str) -> Option<u64> {
    plan_stdout.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("Plan: ")?;
        rest.split_once(" to add")?.0.trim().parse().ok()
    })
}

/// `examples/*/ecsforge.yaml`, sorted.
fn example_manifests(repo: &Path) -> Vec<(String, PathBuf)> {
    let dir = repo.join("examples");
    let mut out: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.join("ecsforge.yaml").is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p.join("ecsforge.yaml")))
        .collect();
    out.sort();
    out
}

/// Subdirectories of `out` holding at least one `*.tf.json`, sorted.
fn env_roots(out: &Path) -> Vec<(String, PathBuf)> {
    let mut roots: Vec<(String, PathBuf)> = fs::read_dir(out)
        .unwrap_or_else(|e| panic!("read {}: {e}", out.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            fs::read_dir(p)
                .map(|rd| rd.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".tf.json")))
                .unwrap_or(false)
        })
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    roots.sort();
    roots
}

#[test]
fn every_example_plans_with_terraform() {
    let Some(tf) = terraform() else { return };
    let repo = repo_root();
    let examples = example_manifests(&repo);
    assert!(!examples.is_empty(), "no examples/*/ecsforge.yaml under {}", repo.display());

    let out = tempfile::Builder::new().prefix("ecsforge-synth-").tempdir().expect("temp dir");
    let mut roots = Vec::new();
    for (name, manifest) in &examples {
        let dest = out.path().join(name);
        fs::create_dir_all(&dest).expect("create output dir");
        let t0 = Instant::now();
        let output = Command::cargo_bin("ecsforge")
            .expect("the ecsforge binary")
            .current_dir(&repo)
            .env(ecsforge_manifest::FileServer::DEFAULT_PASSWORD_ENV, FILE_SERVER_PASSWORD)
            .arg("synth")
            .arg(manifest)
            .arg("--all")
            .arg("-o")
            .arg(&dest)
            .output()
            .expect("run ecsforge");
        assert!(
            output.status.success(),
            "`ecsforge synth {} --all -o {}` failed ({}) for example {name}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            manifest.display(),
            dest.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let envs = env_roots(&dest);
        assert!(
            !envs.is_empty(),
            "`ecsforge synth --all` wrote no environment directory with *.tf.json files for example {name} \
             (in {})",
            dest.display()
        );
        note(format!("synth {name}: {} environment(s) in {:.2}s", envs.len(), t0.elapsed().as_secs_f64()));
        for (env, dir) in &envs {
            for f in fs::read_dir(dir).expect("read root").map(|e| e.expect("entry").path()) {
                let text = fs::read_to_string(&f).unwrap_or_default();
                assert!(
                    !text.contains(FILE_SERVER_PASSWORD),
                    "{name}/{env}: {} holds the file server password",
                    f.display()
                );
            }
        }
        let text = fs::read_to_string(manifest).expect("read manifest");
        let m = ecsforge_manifest::load(&manifest.display().to_string(), &text).expect("the example loads");
        for (env, dir) in envs {
            let e = ecsforge_manifest::Env::parse(&env).unwrap_or_else(|| panic!("{name}: unknown environment {env}"));
            let expected = ecsforge_synth::synth(&m, e).expect("synth");
            roots.push(Root { label: format!("{name}/{env}"), dir, expected: Some(expected) });
        }
        // The state bootstrap root (`ecsforge bootstrap`), outside the environment directories.
        let boot = out.path().join(format!("{name}.bootstrap"));
        let output = Command::cargo_bin("ecsforge")
            .expect("the ecsforge binary")
            .current_dir(&repo)
            .arg("bootstrap")
            .arg(manifest)
            .arg("-o")
            .arg(&boot)
            .output()
            .expect("run ecsforge");
        assert!(
            output.status.success(),
            "`ecsforge bootstrap {} -o {}` failed ({}) for example {name}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            manifest.display(),
            boot.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let expected = ecsforge_synth::bootstrap::bootstrap(&m).expect("bootstrap");
        roots.push(Root { label: format!("{name}/bootstrap"), dir: boot, expected: Some(expected) });
    }
    tf.check_roots(&roots);
}

/// The harness itself, on a hand-written root shaped like ecsforge's output (S3
/// backend, `aws` provider with a region): it must plan it offline, and it must report
/// a broken root with terraform's output and the root's name.
#[test]
fn harness_plans_a_hand_written_root_and_reports_a_broken_one() {
    let Some(tf) = terraform() else { return };
    let tmp = tempfile::tempdir().expect("temp dir");
    let good = tmp.path().join("good");
    let bad = tmp.path().join("bad");
    let main = r#"{
  "terraform": {
    "required_version": ">= 1.11",
    "required_providers": {"aws": {"source": "hashicorp/aws", "version": "~> 5.100"}},
    "backend": {"s3": {"bucket": "harness-tfstate", "key": "harness/test/terraform.tfstate",
                       "region": "us-east-1", "dynamodb_table": "harness-tflock", "encrypt": true}}
  },
  "provider": {"aws": {"region": "us-east-1", "default_tags": {"tags": {"Owner": "harness"}}}}
}"#;
    let network = r#"{"resource": {
  "aws_vpc": {"main": {"cidr_block": "10.0.0.0/16", "enable_dns_hostnames": true}},
  "aws_subnet": {"a": {"vpc_id": "${aws_vpc.main.id}", "cidr_block": "10.0.0.0/24", "availability_zone": "us-east-1a"}}
}}"#;
    for dir in [&good, &bad] {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("main.tf.json"), main).unwrap();
    }
    fs::write(good.join("network.tf.json"), network).unwrap();
    // A reference to an undeclared resource: `terraform validate` must reject it.
    fs::write(bad.join("network.tf.json"), network.replace("aws_vpc.main.id", "aws_vpc.missing.id")).unwrap();

    let roots = [
        Root { label: "harness/good".into(), dir: good, expected: None },
        Root { label: "harness/bad".into(), dir: bad, expected: None },
    ];
    let scratch = tempfile::tempdir().expect("temp dir");
    let t = tf.check_root(&roots[0], &scratch.path().join("good")).unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(t.to_add, 2);
    let report = tf.check_root(&roots[1], &scratch.path().join("bad")).err().expect("the broken root must fail");
    assert!(report.contains("harness/bad"), "{report}");
    assert!(report.contains("terraform validate"), "{report}");
    assert!(report.contains("aws_vpc.missing"), "{report}");
}

#[test]
fn plan_summary_is_parsed() {
    assert_eq!(planned_additions("...\nPlan: 42 to add, 0 to change, 0 to destroy.\n"), Some(42));
    assert_eq!(planned_additions("No changes. Your infrastructure matches the configuration.\n"), None);
    assert_eq!(
        json_string_field(r#"{"terraform_version":"1.11.4","platform":"linux_amd64"}"#, "terraform_version").as_deref(),
        Some("1.11.4")
    );
}
