//! `ecsforge plan` and `ecsforge apply`: Terraform provisions, ecsforge gates.
//!
//! `plan` synthesizes one environment into `<out>/<env>/`, runs
//! `terraform init`, `terraform plan -out`, `terraform show -json`, ingests the
//! plan and judges it with the rules, reachability and cost. The saved plan is
//! kept only when the gate passes; a stamp file next to it records the plan's
//! SHA-256 and the verdict. `apply` applies that saved plan and nothing else:
//! no stamp, a different hash, or a blocked verdict, and it refuses.
//!
//! Terraform's whole output (every `-json` message, diagnostics in full) goes
//! to `<out>/<env>/ecsforge-terraform.log`; errors are shown with their
//! resource address and detail, and `apply` exits with Terraform's own code.
//! The user's Terraform configuration (CLI config file, plugin cache,
//! credentials, their own `*_override.tf.json` files in the root) is left
//! alone: ecsforge only adds files it generated.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use ecsforge_manifest::{Env, Manifest};
use ecsforge_model::InfraModel;
use ecsforge_rules::{Finding, Severity};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::report::{self, Sources};
use crate::{Reported, fancy, load};

/// The saved plan, the plan as JSON, the stamp and the log, in the root directory.
pub const PLAN_FILE: &str = "ecsforge.tfplan";
pub const PLAN_JSON: &str = "ecsforge.plan.json";
pub const STAMP_FILE: &str = "ecsforge.stamp.json";
pub const LOG_FILE: &str = "ecsforge-terraform.log";

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct PlanArgs {
    /// The manifest to read.
    #[arg(default_value = "ecsforge.yaml")]
    manifest: PathBuf,
    /// The environment to plan (develop, test, qa, prod).
    #[arg(long)]
    env: String,
    /// Output directory; the root module goes to `<DIR>/<env>/`.
    #[arg(short, long, default_value = "out")]
    output: PathBuf,
    /// Send every AWS call to this AWS-compatible endpoint (e.g. a local
    /// moto_server) instead of AWS; overrides `aws.endpoint`. State is then kept
    /// locally in the root directory.
    #[arg(long)]
    endpoint: Option<String>,
    /// The lowest severity that blocks the plan.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    #[arg(long, value_enum, default_value = "text")]
    format: PlanFormat,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The environment whose checked plan to apply.
    #[arg(long)]
    env: String,
    /// The output directory `ecsforge plan` wrote to.
    #[arg(short, long, default_value = "out")]
    output: PathBuf,
}

/// What `plan` records next to the saved plan; `apply` trusts nothing else.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stamp {
    project: String,
    environment: String,
    /// SHA-256 of the saved plan file, hex.
    plan_sha256: String,
    endpoint: Option<String>,
    changes: Changes,
    /// Resources the apply will touch (create, update, delete or replace).
    actions: usize,
    findings: BTreeMap<String, usize>,
    blocking: usize,
}

#[derive(Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
struct Changes {
    add: usize,
    change: usize,
    destroy: usize,
}

fn terraform_bin() -> String {
    std::env::var("ECSFORGE_TERRAFORM").unwrap_or_else(|_| "terraform".into())
}

/// The log every Terraform run of a root appends to.
struct Log {
    path: PathBuf,
    file: fs::File,
}

impl Log {
    fn open(dir: &Path) -> Result<Log> {
        let path = dir.join(LOG_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open the log file {}", path.display()))?;
        Ok(Log { path, file })
    }
    fn line(&mut self, s: &str) -> Result<()> {
        writeln!(self.file, "{s}").with_context(|| format!("cannot write the log file {}", self.path.display()))
    }
}

/// One Terraform diagnostic, kept for the error message.
struct Diagnostic {
    summary: String,
    detail: String,
    address: Option<String>,
    /// `file:line:col` in the root, when Terraform names a place.
    location: Option<String>,
}

/// The outcome of one Terraform command.
struct Run {
    status: std::process::ExitStatus,
    diagnostics: Vec<Diagnostic>,
    elapsed: Duration,
}

/// Runs `terraform <args>` in `dir`. With `json`, each line of `-json` output
/// is logged as its `@message` (diagnostics in full) and passed to `on_message`;
/// otherwise stdout and stderr go to the log as they are.
fn terraform(
    dir: &Path,
    args: &[&str],
    log: &mut Log,
    json: bool,
    envs: &[(String, String)],
    mut on_message: impl FnMut(&Json),
) -> Result<Run> {
    log.line(&format!("\n$ terraform {}  (in {})", args.join(" "), dir.display()))?;
    let start = Instant::now();
    let mut child = Command::new(terraform_bin())
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                anyhow::anyhow!(
                    "cannot run `{}`: not found; hint: install Terraform >= 1.5 and put it on PATH, or set ECSFORGE_TERRAFORM to its path",
                    terraform_bin()
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot run `{}`", terraform_bin()))
            }
        })?;
    let stderr = child.stderr.take().expect("piped");
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            s.push_str(&l);
            s.push('\n');
        }
        s
    });
    let mut diagnostics = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.context("cannot read terraform's output")?;
        if !json {
            log.line(&line)?;
            continue;
        }
        let Ok(msg) = serde_json::from_str::<Json>(&line) else {
            log.line(&line)?;
            continue;
        };
        log.line(msg["@message"].as_str().unwrap_or(&line))?;
        if msg["type"] == "diagnostic" {
            let d = &msg["diagnostic"];
            let detail = d["detail"].as_str().unwrap_or("").to_string();
            if !detail.is_empty() {
                log.line(&detail)?;
            }
            if d["severity"] == "error" {
                diagnostics.push(Diagnostic {
                    summary: d["summary"].as_str().unwrap_or("").to_string(),
                    detail,
                    address: d["address"].as_str().map(str::to_string),
                    location: d["range"]["filename"].as_str().map(|f| {
                        let (l, c) = (&d["range"]["start"]["line"], &d["range"]["start"]["column"]);
                        format!("{}:{l}:{c}", dir.join(f).display())
                    }),
                });
            }
        }
        on_message(&msg);
    }
    let status = child.wait().context("terraform did not finish")?;
    let stderr = err_thread.join().unwrap_or_default();
    for l in stderr.lines() {
        log.line(l)?;
    }
    if !json && !status.success() {
        // Human output: the error block is on stderr.
        let text = stderr.trim();
        if !text.is_empty() {
            diagnostics.push(Diagnostic {
                summary: text.to_string(),
                detail: String::new(),
                address: None,
                location: None,
            });
        }
    }
    log.line(&format!("(exit {}, {:.1} s)", status.code().unwrap_or(-1), start.elapsed().as_secs_f64()))?;
    Ok(Run { status, diagnostics, elapsed: start.elapsed() })
}

/// The error for a failed Terraform command: every diagnostic, then the log.
fn failed(what: &str, run: &Run, log: &Log) -> anyhow::Error {
    let mut msg = format!("terraform {what} failed (exit {})", run.status.code().unwrap_or(-1));
    for d in &run.diagnostics {
        msg.push_str("\n  ");
        if let Some(a) = &d.address {
            msg.push_str(&format!("{a}: "));
        }
        msg.push_str(d.summary.trim());
        if let Some(at) = &d.location {
            msg.push_str(&format!(" (at {at})"));
        }
        for l in d.detail.lines().filter(|l| !l.trim().is_empty()) {
            msg.push_str("\n      ");
            msg.push_str(l.trim_end());
        }
    }
    msg.push_str(&format!("\nhint: Terraform's full output is in {}", log.path.display()));
    anyhow::anyhow!(msg)
}

fn env_of(m: &Manifest, name: &Path, e: &str) -> Result<Env> {
    match Env::parse(e) {
        Some(env) if m.environments.contains_key(&env) => Ok(env),
        Some(env) => bail!(
            "environment `{env}` is not declared in {}; hint: declared environments are {}",
            name.display(),
            m.environments.keys().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
        ),
        None => bail!("environment must be one of: develop, test, qa, prod (got `{e}`)"),
    }
}

fn sha256(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
}

/// Counts the plan's resource changes.
fn changes(plan: &Json) -> (Changes, usize) {
    let mut c = Changes::default();
    let mut actions = 0;
    for rc in plan["resource_changes"].as_array().into_iter().flatten() {
        if rc["mode"] == "data" {
            continue;
        }
        let acts: Vec<&str> =
            rc["change"]["actions"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
        match acts.as_slice() {
            ["create"] => c.add += 1,
            ["update"] => c.change += 1,
            ["delete"] => c.destroy += 1,
            ["delete", "create"] | ["create", "delete"] => {
                c.add += 1;
                c.destroy += 1;
            }
            _ => continue,
        }
        actions += 1;
    }
    (c, actions)
}

/// The model of what exists before the apply: the plan's `prior_state`,
/// ingested like a plan. `None` when nothing exists yet.
fn prior_model(name: &str, plan: &Json) -> Result<Option<InfraModel>> {
    let values = &plan["prior_state"]["values"];
    if values.is_null() || values["root_module"].is_null() {
        return Ok(None);
    }
    let mut prior = plan.clone();
    prior["planned_values"] = values.clone();
    if let Some(o) = prior.as_object_mut() {
        o.remove("resource_changes");
        o.remove("output_changes");
    }
    let text = serde_json::to_string(&prior)?;
    let model = ecsforge_ingest::ingest(&format!("{name} (prior state)"), &text)
        .map_err(|e| anyhow::anyhow!("cannot read the prior state in {name}: {e}"))?;
    Ok(Some(model))
}

fn monthly(model: &InfraModel, name: &str) -> Result<f64> {
    let prices = ecsforge_cost::Prices::bundled();
    let usage = ecsforge_cost::Usage::default();
    Ok(ecsforge_cost::estimate::estimate(model, name, &prices, &usage)?.total)
}

pub fn plan(a: PlanArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let m = load(&a.manifest)?;
    let env = env_of(&m, &a.manifest, &a.env)?;
    crate::check_file_server_password(&m, true)?;
    let endpoint = a.endpoint.clone().or_else(|| m.aws.endpoint.as_ref().map(|e| e.value.clone()));
    if let Some(e) = &a.endpoint
        && let Some(why) = ecsforge_manifest::endpoint_error(e)
    {
        bail!("--endpoint `{e}` is not a usable endpoint: {why}; hint: e.g. --endpoint http://127.0.0.1:5000");
    }
    let synthesized = ecsforge_synth::synth(&m, env)?;
    let mut files = ecsforge_terraform::emit(&synthesized)?;
    if let Some(e) = &endpoint {
        files.push(ecsforge_terraform::endpoint_override(&synthesized, e)?);
    }
    let dir = a.output.join(env.as_str());
    crate::write::root(&dir, &files).with_context(|| format!("cannot write {}", dir.display()))?;
    // A plan from an earlier run must not survive a failed or blocked one.
    for f in [PLAN_FILE, STAMP_FILE, PLAN_JSON] {
        remove_if_present(&dir.join(f))?;
    }
    let synth_time = t0.elapsed();

    // The file server's password reaches Terraform as its sensitive variable,
    // from the variable the manifest names, unless the user set it already.
    let mut variables = Vec::new();
    if let Some(fs) = &m.file_server {
        let tf_var = format!("TF_VAR_{}", ecsforge_synth::FILE_SERVER_PASSWORD_VARIABLE);
        if std::env::var_os(&tf_var).is_none()
            && let Ok(p) = std::env::var(&fs.admin_password_env)
        {
            variables.push((tf_var, p));
        }
    }
    let mut log = Log::open(&dir)?;
    let init = terraform(&dir, &["init", "-input=false", "-no-color"], &mut log, false, &[], |_| {})?;
    if !init.status.success() {
        return Err(failed("init", &init, &log));
    }
    let bar = progress("planning", None);
    let plan_run = terraform(
        &dir,
        &["plan", "-input=false", "-json", &format!("-out={PLAN_FILE}")],
        &mut log,
        true,
        &variables,
        |msg| {
            if msg["type"] == "refresh_complete" || msg["type"] == "planned_change" {
                bar.inc(1);
            }
        },
    )?;
    bar.finish_and_clear();
    if !plan_run.status.success() {
        return Err(failed("plan", &plan_run, &log));
    }
    let show = Command::new(terraform_bin())
        .args(["show", "-json", PLAN_FILE])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{} show`", terraform_bin()))?;
    if !show.status.success() {
        log.line(&String::from_utf8_lossy(&show.stderr))?;
        bail!(
            "terraform show -json {PLAN_FILE} failed (exit {}); hint: Terraform's output is in {}",
            show.status.code().unwrap_or(-1),
            log.path.display()
        );
    }
    let t_checks = Instant::now();
    let plan_text = String::from_utf8(show.stdout).context("terraform show printed invalid UTF-8")?;
    let plan_path = dir.join(PLAN_JSON);
    fs::write(&plan_path, &plan_text).with_context(|| format!("cannot write {}", plan_path.display()))?;
    let plan_name = plan_path.display().to_string();
    let plan_json: Json = serde_json::from_str(&plan_text).context("terraform show -json printed invalid JSON")?;
    let mut model = ecsforge_ingest::ingest(&plan_name, &plan_text).map_err(|e| {
        eprint!("{}", e.render(crate::style() == ecsforge_manifest::Style::Fancy));
        anyhow::Error::new(Reported)
    })?;
    // The manifest's `suppress:` entries (with their reasons) hold for its plan too.
    model.suppressions = synthesized.suppressions.clone();

    let mut findings = ecsforge_rules::check(&model, None, &[]);
    let mut reach_findings = ecsforge_reach::rules::findings(&model);
    ecsforge_rules::apply_suppressions(&mut reach_findings, &[&model], &[]);
    findings.extend(reach_findings);
    ecsforge_rules::sort(&mut findings);
    let verdicts = ecsforge_reach::analyze(&model);
    let min = match a.fail_on {
        FailOn::Info => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    };
    let active: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let blocking = active.iter().filter(|f| f.severity >= min).count();
    let mut by_severity: BTreeMap<String, usize> =
        ["error", "warning", "info"].iter().map(|s| (s.to_string(), 0)).collect();
    for f in &active {
        *by_severity.entry(f.severity.as_str().to_string()).or_default() += 1;
    }
    let suppressed = findings.len() - active.len();
    let cost_after = monthly(&model, &plan_name)?;
    let cost_before = match prior_model(&plan_name, &plan_json)? {
        Some(prior) => monthly(&prior, &plan_name)?,
        None => 0.0,
    };
    let (changes, actions) = changes(&plan_json);
    let check_time = t_checks.elapsed();

    let stamp = Stamp {
        project: m.project.value.clone(),
        environment: env.as_str().to_string(),
        plan_sha256: sha256(&dir.join(PLAN_FILE))?,
        endpoint: endpoint.clone(),
        changes,
        actions,
        findings: by_severity.clone(),
        blocking,
    };
    if blocking == 0 {
        let stamp_path = dir.join(STAMP_FILE);
        fs::write(&stamp_path, serde_json::to_string_pretty(&stamp)? + "\n")
            .with_context(|| format!("cannot write {}", stamp_path.display()))?;
    } else {
        // A blocked plan is not kept: nothing can apply it by mistake.
        remove_if_present(&dir.join(PLAN_FILE))?;
    }

    let reach_count = |s: ecsforge_reach::Status| verdicts.iter().filter(|v| v.status == s).count();
    let terraform_time = init.elapsed + plan_run.elapsed;
    let mut out = io::stdout().lock();
    match a.format {
        PlanFormat::Json => {
            let j = serde_json::json!({
                "project": stamp.project,
                "environment": stamp.environment,
                "directory": dir.display().to_string(),
                "endpoint": endpoint,
                "changes": {"add": changes.add, "change": changes.change, "destroy": changes.destroy},
                "findings": by_severity,
                "suppressed": suppressed,
                "blocking": blocking,
                "reach": {
                    "pass": reach_count(ecsforge_reach::Status::Pass),
                    "warn": reach_count(ecsforge_reach::Status::Warn),
                    "fail": reach_count(ecsforge_reach::Status::Fail),
                },
                "monthly_cost": {"before": round2(cost_before), "after": round2(cost_after), "change": round2(cost_after - cost_before)},
                "gate": if blocking == 0 { "passed" } else { "blocked" },
                "seconds": {
                    "terraform": round2(terraform_time.as_secs_f64()),
                    "ecsforge": round2(synth_time.as_secs_f64() + check_time.as_secs_f64()),
                },
                "log": log.path.display().to_string(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&j)?)?;
        }
        PlanFormat::Text => {
            if blocking > 0 {
                let mut sources = Sources::new();
                sources.insert(plan_name.clone(), plan_text.clone());
                let shown: Vec<Finding> = findings.iter().filter(|f| f.severity >= min).cloned().collect();
                out.write_all(report::text(&shown, &sources, fancy()).as_bytes())?;
            }
            writeln!(
                out,
                "plan {} {} ({}): {} to add, {} to change, {} to destroy",
                stamp.project,
                stamp.environment,
                dir.display(),
                changes.add,
                changes.change,
                changes.destroy
            )?;
            writeln!(
                out,
                "findings: {} errors, {} warnings, {} info{}; reach: {} pass, {} warn, {} fail",
                by_severity["error"],
                by_severity["warning"],
                by_severity["info"],
                if suppressed > 0 { format!(" ({suppressed} suppressed with a reason)") } else { String::new() },
                reach_count(ecsforge_reach::Status::Pass),
                reach_count(ecsforge_reach::Status::Warn),
                reach_count(ecsforge_reach::Status::Fail),
            )?;
            writeln!(
                out,
                "monthly cost: {} ({} from {})",
                ecsforge_cost::render::money(cost_after),
                ecsforge_cost::render::signed_money(cost_after - cost_before),
                ecsforge_cost::render::money(cost_before)
            )?;
            writeln!(
                out,
                "time: terraform {:.1} s, ecsforge {:.2} s; log: {}",
                terraform_time.as_secs_f64(),
                synth_time.as_secs_f64() + check_time.as_secs_f64(),
                log.path.display()
            )?;
            if blocking == 0 {
                writeln!(
                    out,
                    "gate: passed; apply this plan with `ecsforge apply --env {} -o {}`",
                    env.as_str(),
                    a.output.display()
                )?;
            } else {
                writeln!(
                    out,
                    "gate: blocked by {blocking} finding(s) of severity {} or worse; the saved plan was discarded",
                    min.as_str()
                )?;
            }
        }
    }
    Ok(if blocking == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn round2(x: f64) -> f64 {
    // `+ 0.0` turns a negative zero into zero.
    (x * 100.0).round() / 100.0 + 0.0
}

fn remove_if_present(p: &Path) -> Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(anyhow::Error::new(e).context(format!("cannot remove {}", p.display())))
        }
        _ => Ok(()),
    }
}

/// A progress bar on stderr (drawn only on a terminal), counting resources.
fn progress(what: &str, total: Option<u64>) -> indicatif::ProgressBar {
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{prefix} [{bar:30}] {pos}/{len} resources, {elapsed}"
    } else {
        "{prefix} {spinner} {pos} resources, {elapsed}"
    };
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template").progress_chars("=> "));
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub fn apply(a: ApplyArgs) -> Result<ExitCode> {
    let Some(env) = Env::parse(&a.env) else {
        bail!("environment must be one of: develop, test, qa, prod (got `{}`)", a.env)
    };
    let dir = a.output.join(env.as_str());
    let stamp_path = dir.join(STAMP_FILE);
    let plan_path = dir.join(PLAN_FILE);
    let text = match fs::read_to_string(&stamp_path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => bail!(
            "no checked plan in {}; hint: run `ecsforge plan --env {} -o {}` first: apply only applies a plan that ecsforge produced and whose gate passed",
            dir.display(),
            env.as_str(),
            a.output.display()
        ),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {}", stamp_path.display()))),
    };
    let stamp: Stamp = serde_json::from_str(&text).with_context(|| {
        format!("{} is not an ecsforge stamp; hint: run `ecsforge plan` again", stamp_path.display())
    })?;
    if !plan_path.exists() {
        bail!("{} is missing; hint: run `ecsforge plan --env {}` again", plan_path.display(), env.as_str());
    }
    if sha256(&plan_path)? != stamp.plan_sha256 {
        bail!(
            "{} is not the plan ecsforge checked (its SHA-256 differs from {}); hint: run `ecsforge plan --env {}` again",
            plan_path.display(),
            stamp_path.display(),
            env.as_str()
        );
    }
    if stamp.blocking > 0 || stamp.environment != env.as_str() {
        bail!(
            "the plan in {} did not pass the gate; hint: fix the findings and run `ecsforge plan` again",
            dir.display()
        );
    }
    let mut log = Log::open(&dir)?;
    let start = Instant::now();
    let bar = progress("applying", Some(stamp.actions as u64));
    let mut done = 0usize;
    let run = terraform(&dir, &["apply", "-input=false", "-json", PLAN_FILE], &mut log, true, &[], |msg| {
        if msg["type"] == "apply_complete" {
            done += 1;
            bar.inc(1);
        }
    })?;
    bar.finish_and_clear();
    // A saved plan is spent once Terraform has used it, whatever the outcome.
    remove_if_present(&stamp_path)?;
    remove_if_present(&plan_path)?;
    if !run.status.success() {
        eprintln!("error: {:#}", failed("apply", &run, &log));
        eprintln!("{done} of {} resource changes were applied before the failure", stamp.actions);
        let code = run.status.code().unwrap_or(1).clamp(1, 255) as u8;
        return Ok(ExitCode::from(code));
    }
    writeln!(
        io::stdout().lock(),
        "applied {} {}: {} added, {} changed, {} destroyed in {:.1} s (terraform {:.1} s); log: {}",
        stamp.project,
        stamp.environment,
        stamp.changes.add,
        stamp.changes.change,
        stamp.changes.destroy,
        start.elapsed().as_secs_f64(),
        run.elapsed.as_secs_f64(),
        log.path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
