//! `ecsforge check`, `rules` and `explain`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use ecsforge_manifest::Env;
use ecsforge_model::InfraModel;
use ecsforge_rules::{Finding, Severity, Suppress};
use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

use crate::report::{self, Sources};
use crate::{Reported, fancy, load};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MinSeverity {
    Info,
    Warning,
    Error,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Manifests, plan JSON files, *.tf.json directories or CloudFormation templates
    /// (with --live: the manifest, default ecsforge.yaml).
    #[arg(required_unless_present = "live")]
    paths: Vec<PathBuf>,
    /// For manifests: check only this environment (default: every declared one).
    #[arg(long)]
    env: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Report (and fail on) findings of at least this severity.
    #[arg(long, value_enum, default_value = "info")]
    severity: MinSeverity,
    /// A YAML file of suppressions: a list of {rule, resource, reason}.
    #[arg(long)]
    suppressions: Option<PathBuf>,
    /// Also judge the environments against each other (doc 003 properties 46,
    /// 47, 49, 50): pass a manifest, or one plan/template per environment.
    #[arg(long)]
    all_envs: bool,
    #[command(flatten)]
    live: crate::live::LiveArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReachFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Args)]
pub struct ReachArgs {
    /// A manifest, plan JSON files, *.tf.json directories or CloudFormation templates
    /// (with --live: the manifest, default ecsforge.yaml).
    #[arg(required_unless_present = "live")]
    paths: Vec<PathBuf>,
    /// For manifests: only this environment (default: every declared one).
    #[arg(long)]
    env: Option<String>,
    /// Only this service (its ECS service address, or its name).
    #[arg(long)]
    service: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: ReachFormat,
    #[command(flatten)]
    live: crate::live::LiveArgs,
}

pub fn reach(a: ReachArgs) -> Result<ExitCode> {
    let as_check = CheckArgs {
        paths: a.paths.clone(),
        env: a.env.clone(),
        format: Format::Text,
        severity: MinSeverity::Info,
        suppressions: None,
        all_envs: false,
        live: a.live.clone(),
    };
    let mut sources = Sources::new();
    let inputs = read_inputs(&as_check, &mut sources)?;
    let mut verdicts = Vec::new();
    for i in &inputs {
        verdicts.extend(ecsforge_reach::analyze(&i.model).into_iter().filter(|v| {
            a.service.as_deref().is_none_or(|s| v.service.as_str() == s || v.service.name() == s.replace('-', "_"))
        }));
    }
    if let Some(s) = &a.service
        && verdicts.is_empty()
    {
        bail!(
            "no ECS service `{s}` in the input; hint: use the service name or its address, e.g. aws_ecs_service.orders_api"
        );
    }
    let now = chrono::Utc::now();
    let id = format!("ecsforge-reach-{}", now.format("%Y%m%dT%H%M%SZ"));
    let report = ecsforge_reach::report(&verdicts, &id, &now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let out = match a.format {
        ReachFormat::Text => report.text(),
        ReachFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ReachFormat::Sarif => {
            let mut findings: Vec<Finding> =
                inputs.iter().flat_map(|i| ecsforge_reach::rules::findings(&i.model)).collect();
            if let Some(s) = &a.service {
                findings.retain(|f| f.address.as_str() == s || f.address.name() == s.replace('-', "_"));
            }
            crate::report::sarif(&findings)
        }
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if report.overall_status == ecsforge_reach::Status::Fail { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Every rule ecsforge can report: the rules crate's and reachability's,
/// with their documentation, in code order.
pub fn catalogue() -> Vec<(&'static ecsforge_rules::RuleMeta, String)> {
    let mut all: Vec<(&'static ecsforge_rules::RuleMeta, String)> =
        ecsforge_rules::all_rules().into_iter().map(|(m, src)| (m, ecsforge_rules::doc_of(src))).collect();
    for m in ecsforge_reach::rules::REACH_RULES {
        all.push((m, ecsforge_reach::rules::doc(m.code).unwrap_or_default()));
    }
    all.sort_by_key(|(m, _)| m.code);
    all
}

/// A rule by code or name, from the whole catalogue.
pub fn find_rule(code_or_name: &str) -> Option<(&'static ecsforge_rules::RuleMeta, String)> {
    catalogue().into_iter().find(|(m, _)| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

pub fn rules() -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    writeln!(out, "{:<7} {:<28} {:<8} {:<9} summary", "code", "name", "severity", "property")?;
    for (meta, _) in catalogue() {
        let prop = meta.property.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
        writeln!(out, "{:<7} {:<28} {:<8} {:<9} {}", meta.code, meta.name, meta.severity.as_str(), prop, meta.summary)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn explain(rule: &str) -> Result<ExitCode> {
    match find_rule(rule) {
        Some((_, doc)) => {
            io::stdout().lock().write_all(doc.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        None => bail!("no rule `{rule}`; hint: `ecsforge rules` lists every rule code and name"),
    }
}

/// A model to check, with the name shown in reports.
struct Input {
    name: String,
    model: InfraModel,
}

fn is_manifest(path: &Path, text: &str) -> bool {
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    yaml && text.lines().any(|l| l.starts_with("services:")) && text.lines().any(|l| l.starts_with("project:"))
}

fn read_inputs(a: &CheckArgs, sources: &mut Sources) -> Result<Vec<Input>> {
    if a.live.live {
        let path = a.paths.first().cloned().unwrap_or_else(|| PathBuf::from("ecsforge.yaml"));
        if a.paths.len() > 1 {
            bail!("--live reads one manifest's environment; hint: pass only the manifest");
        }
        let m = load(&path)?;
        let e = a.env.as_deref().unwrap_or_default();
        let env = Env::parse(e).filter(|env| m.environments.contains_key(env)).with_context(|| {
            format!(
                "environment `{e}` is not declared in {}; hint: declared environments are listed under `environments`",
                path.display()
            )
        })?;
        let mut model = crate::live::model(&m, env, &a.live)?;
        // The manifest's `suppress:` entries (with their reasons) hold for the live account too.
        model.suppressions = ecsforge_synth::synth(&m, env)?.suppressions;
        let name = format!("aws://{}/{}-{} (live)", m.region.value, m.project.value, env.as_str());
        return Ok(vec![Input { name, model }]);
    }
    let mut inputs = Vec::new();
    for path in &a.paths {
        let name = path.display().to_string();
        if path.is_dir() {
            let mut files = Vec::new();
            for e in std::fs::read_dir(path).with_context(|| format!("cannot read directory {name}"))? {
                let p = e?.path();
                if p.to_string_lossy().ends_with(".tf.json") {
                    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
                    sources.insert(p.display().to_string(), text.clone());
                    files.push((p.display().to_string(), text));
                }
            }
            if files.is_empty() {
                bail!(
                    "{name} holds no *.tf.json files; hint: pass a plan JSON, a template, a manifest or a directory of *.tf.json"
                );
            }
            files.sort();
            let model = ecsforge_ingest::ingest_terraform_json(&files).map_err(|e| ingest_failed(&e))?;
            inputs.push(Input { name, model });
            continue;
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {name}; hint: pass an existing file"))?;
        sources.insert(name.clone(), text.clone());
        if is_manifest(path, &text) {
            let m = load(path)?;
            crate::check_file_server_password(&m, false)?;
            let envs: Vec<Env> = match &a.env {
                Some(e) => vec![Env::parse(e).filter(|e| m.environments.contains_key(e)).with_context(|| {
                    format!("environment `{e}` is not declared in {name}; hint: declared environments are listed under `environments`")
                })?],
                None => m.environments.keys().copied().collect(),
            };
            for env in envs {
                let model = ecsforge_synth::synth(&m, env)?;
                inputs.push(Input { name: format!("{name} ({env})"), model });
            }
        } else {
            let model = ecsforge_ingest::ingest(&name, &text).map_err(|e| ingest_failed(&e))?;
            inputs.push(Input { name, model });
        }
    }
    Ok(inputs)
}

fn ingest_failed(e: &ecsforge_ingest::IngestError) -> anyhow::Error {
    eprint!("{}", e.render(crate::style() == ecsforge_manifest::Style::Fancy));
    anyhow::Error::new(Reported)
}

/// Reads `--suppressions FILE`: a YAML list of `{rule, resource, reason}`.
/// A suppression without a reason is an error.
fn suppressions(path: &Path) -> Result<Vec<Suppress>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read suppressions file {name}"))?;
    let docs = MarkedYaml::load_from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{name}:{}:{}: invalid yaml: {}; hint: write a list of {{rule, resource, reason}}",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        )
    })?;
    let Some(root) = docs.first() else { return Ok(Vec::new()) };
    let items = match &root.data {
        YamlData::Sequence(items) => items,
        _ => bail!(
            "{name}:{}:{}: expected a list of suppressions; hint: - {{rule: EF016, resource: aws_ecs_service.api, reason: ...}}",
            root.span.start.line(),
            root.span.start.col() + 1
        ),
    };
    let mut out = Vec::new();
    for item in items {
        let get = |k: &str| {
            item.data.as_mapping_get(k).and_then(|v| v.data.as_str()).map(str::trim).unwrap_or("").to_string()
        };
        let (rule, resource, reason) = (get("rule"), get("resource"), get("reason"));
        let at = format!("{name}:{}:{}", item.span.start.line(), item.span.start.col() + 1);
        if rule.is_empty() {
            bail!("{at}: suppression has no rule; hint: name a rule code or name, see `ecsforge rules`");
        }
        if find_rule(&rule).is_none() {
            bail!("{at}: no rule `{rule}`; hint: `ecsforge rules` lists every rule");
        }
        if reason.is_empty() {
            bail!("{at}: suppression of {rule} has no reason; hint: add `reason:` saying why the finding is accepted");
        }
        out.push(Suppress { rule, resource: if resource.is_empty() { "*".into() } else { resource }, reason });
    }
    Ok(out)
}

pub fn run(a: CheckArgs) -> Result<ExitCode> {
    let extra = match &a.suppressions {
        Some(p) => suppressions(p)?,
        None => Vec::new(),
    };
    let mut sources = Sources::new();
    let inputs = read_inputs(&a, &mut sources)?;
    let min = match a.severity {
        MinSeverity::Info => Severity::Info,
        MinSeverity::Warning => Severity::Warning,
        MinSeverity::Error => Severity::Error,
    };
    let mut per_input: Vec<(String, Vec<Finding>)> = Vec::new();
    for i in &inputs {
        let mut findings = ecsforge_rules::check(&i.model, None, &extra);
        // Reachability verdicts are rules too: one gate catches path problems.
        let mut reach = ecsforge_reach::rules::findings(&i.model);
        ecsforge_rules::apply_suppressions(&mut reach, &[&i.model], &extra);
        findings.extend(reach);
        ecsforge_rules::sort(&mut findings);
        let findings: Vec<Finding> = findings.into_iter().filter(|f| f.severity >= min).collect();
        per_input.push((i.name.clone(), findings));
    }
    if a.live.live {
        // A live model holds only the types the adapter describes: rules that
        // read other types are not judged, and say so.
        let skipped = crate::live::not_judged();
        for (_, findings) in &mut per_input {
            findings.retain(|f| !skipped.iter().any(|(code, _)| *code == f.code));
        }
        let list: Vec<String> = skipped.iter().map(|(code, t)| format!("{code} ({t})")).collect();
        eprintln!(
            "note: {} rules are not judged on a live model, because they read resource types the live adapter does not describe: {}",
            skipped.len(),
            list.join(", ")
        );
    }
    if a.all_envs {
        let models: Vec<&InfraModel> = inputs.iter().map(|i| &i.model).collect();
        let envs: std::collections::BTreeSet<String> =
            models.iter().filter_map(|m| ecsforge_rules::view::environment(m)).collect();
        if envs.len() < 2 {
            bail!(
                "--all-envs needs at least two environments, found {}; hint: pass a manifest with several environments or one plan per environment",
                envs.len()
            );
        }
        let cross: Vec<Finding> =
            ecsforge_rules::check_environments(&models, &extra).into_iter().filter(|f| f.severity >= min).collect();
        per_input.push(("all environments".into(), cross));
    }
    let all: Vec<Finding> = per_input.iter().flat_map(|(_, f)| f.iter().cloned()).collect();
    let rendered = match a.format {
        Format::Text => report::text(&all, &sources, fancy()),
        Format::Json => report::json(&all),
        Format::Sarif => report::sarif(&all),
        Format::Junit => report::junit(&per_input),
    };
    io::stdout().lock().write_all(rendered.as_bytes())?;
    let failing = all.iter().any(|f| f.suppressed.is_none());
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Whether a file is an ecsforge manifest (the test `check` uses), for other commands.
pub(crate) fn looks_like_manifest(path: &Path, text: &str) -> bool {
    is_manifest(path, text)
}

/// Reads manifests (synthesized per environment), plans, `*.tf.json`
/// directories and CloudFormation templates into named models, as `check` does.
pub(crate) fn models(paths: &[PathBuf], env: Option<&str>) -> Result<Vec<(String, InfraModel)>> {
    let as_check = CheckArgs {
        paths: paths.to_vec(),
        env: env.map(str::to_string),
        format: Format::Text,
        severity: MinSeverity::Info,
        suppressions: None,
        all_envs: false,
        live: Default::default(),
    };
    let mut sources = Sources::new();
    Ok(read_inputs(&as_check, &mut sources)?.into_iter().map(|i| (i.name, i.model)).collect())
}
