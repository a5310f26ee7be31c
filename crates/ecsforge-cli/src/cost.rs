//! `ecsforge cost`: monthly cost per environment, the egress comparison and
//! the cost diff of two inputs. Reads files; the arithmetic is in
//! `ecsforge-cost`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use ecsforge_cost::egress::{self, Design};
use ecsforge_cost::{Prices, Usage, render};
use ecsforge_manifest::{Egress, Env, Manifest};
use ecsforge_model::InfraModel;
use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

use crate::check;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CostFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Compare {
    /// nat-per-az, single-nat and endpoints-only, with break-even volumes.
    Egress,
}

#[derive(Args)]
pub struct CostArgs {
    /// A manifest (default ecsforge.yaml), plan JSON files, *.tf.json
    /// directories or CloudFormation templates.
    paths: Vec<PathBuf>,
    /// For manifests: only this environment.
    #[arg(long, conflicts_with = "all")]
    env: Option<String>,
    /// For manifests: every declared environment (the default).
    #[arg(long)]
    all: bool,
    /// Usage assumptions (YAML or JSON): `nat_gb: 200`, and per environment
    /// under `environments: {prod: {nat_gb: 2000}}`. Keys: see docs/cost.md.
    #[arg(long)]
    usage: Option<PathBuf>,
    /// Region for inputs that do not name one (CloudFormation templates).
    #[arg(long)]
    region: Option<String>,
    /// A price table in the bundled format, instead of the bundled one.
    #[arg(long)]
    prices: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: CostFormat,
    /// Compare designs instead of pricing the input as it is.
    #[arg(long, value_enum, conflicts_with = "diff")]
    compare: Option<Compare>,
    /// Cost changes from OLD to NEW (plans or manifests), as a Markdown table.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    diff: Option<Vec<PathBuf>>,
    /// Print the bundled price table (a starting point for --prices) and exit.
    #[arg(long, exclusive = true)]
    print_prices: bool,
}

/// One input: a manifest environment (which can be synthesized again with
/// another egress) or a model read from a plan or template.
struct Source {
    name: String,
    model: InfraModel,
    manifest: Option<(Manifest, Env)>,
}

fn read_sources(paths: &[PathBuf], env: Option<&str>) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = if path.is_file() {
            Some(std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?)
        } else {
            None
        };
        if text.as_deref().is_some_and(|t| check::looks_like_manifest(path, t)) {
            let m = crate::load(path)?;
            let envs: Vec<Env> = match env {
                Some(e) => vec![Env::parse(e).filter(|e| m.environments.contains_key(e)).with_context(|| {
                    format!(
                        "environment `{e}` is not declared in {name}; hint: declared environments are {}",
                        m.environments.keys().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
                    )
                })?],
                None => m.environments.keys().copied().collect(),
            };
            for e in envs {
                let model = ecsforge_synth::synth(&m, e)?;
                out.push(Source { name: format!("{name} ({e})"), model, manifest: Some((m.clone(), e)) });
            }
        } else {
            for (name, model) in check::models(std::slice::from_ref(path), env)? {
                out.push(Source { name, model, manifest: None });
            }
        }
    }
    Ok(out)
}

fn at(name: &str, node: &MarkedYaml) -> String {
    format!("{name}:{}:{}", node.span.start.line(), node.span.start.col() + 1)
}

fn usage_map(name: &str, node: &MarkedYaml, allow_envs: bool, out: &mut Usage, env: Option<&str>) -> Result<()> {
    let YamlData::Mapping(map) = &node.data else {
        bail!("{}: expected a map of usage keys; hint: e.g. `nat_gb: 200`", at(name, node));
    };
    for (k, v) in map {
        let key = k.data.as_str().unwrap_or("");
        if key == "environments" && allow_envs {
            let YamlData::Mapping(envs) = &v.data else {
                bail!("{}: `environments` must map environment names to usage keys", at(name, v));
            };
            for (ek, ev) in envs {
                let e = ek.data.as_str().unwrap_or("");
                if Env::parse(e).is_none() {
                    bail!("{}: unknown environment `{e}`; hint: use develop, test, qa or prod", at(name, ek));
                }
                usage_map(name, ev, false, out, Some(e))?;
            }
            continue;
        }
        if ecsforge_cost::usage::key(key).is_none() {
            let known: Vec<&str> = ecsforge_cost::usage::KEYS.iter().map(|k| k.key).collect();
            bail!("{}: unknown usage key `{key}`; hint: known keys are {}", at(name, k), known.join(", "));
        }
        let value = match &v.data {
            YamlData::Value(s) => s.as_floating_point().or_else(|| s.as_integer().map(|i| i as f64)),
            _ => None,
        };
        let Some(value) = value.filter(|x| x.is_finite() && *x >= 0.0) else {
            bail!("{}: `{key}` must be a number ≥ 0; hint: e.g. `{key}: 100`", at(name, v));
        };
        match env {
            Some(e) => {
                out.environments.entry(e.to_string()).or_default().insert(key.to_string(), value);
            }
            None => {
                out.all.insert(key.to_string(), value);
            }
        }
    }
    Ok(())
}

/// Reads `--usage FILE` (YAML or JSON); errors carry file:line:col.
fn read_usage(path: &Path) -> Result<Usage> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read usage file {name}"))?;
    let docs = MarkedYaml::load_from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{name}:{}:{}: invalid yaml: {}; hint: write a map such as `nat_gb: 200`",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        )
    })?;
    let mut u = Usage::default();
    if let Some(root) = docs.first() {
        usage_map(&name, root, true, &mut u, None)?;
    }
    Ok(u)
}

fn read_prices(path: Option<&Path>) -> Result<Prices> {
    match path {
        None => Ok(Prices::bundled()),
        Some(p) => {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read price table {name}"))?;
            Ok(Prices::from_json(&name, &text)?)
        }
    }
}

fn egress_of(d: Design) -> Egress {
    match d {
        Design::NatPerAz => Egress::NatPerAz,
        Design::SingleNat => Egress::SingleNat,
        Design::EndpointsOnly => Egress::EndpointsOnly,
    }
}

/// One model per egress design: a manifest is synthesized again, a plan transformed.
fn variants(s: &Source) -> Result<(Design, Vec<(Design, InfraModel)>)> {
    let now = egress::current(&s.model);
    let mut out = Vec::new();
    for d in Design::ALL {
        let model = match &s.manifest {
            Some((m, env)) => {
                let mut m = m.clone();
                if let Some(e) = m.environments.get_mut(env) {
                    e.egress = egress_of(d);
                }
                ecsforge_synth::synth(&m, *env)?
            }
            None if d == now => s.model.clone(),
            None => egress::transform(&s.model, d),
        };
        out.push((d, model));
    }
    Ok((now, out))
}

/// Gives inputs without a region (CloudFormation) the `--region` one.
fn with_region(mut sources: Vec<Source>, region: Option<&str>) -> Result<Vec<Source>> {
    for s in &mut sources {
        if s.model.region.is_empty() {
            match region {
                Some(r) => s.model.region = r.to_string(),
                None => bail!("{} does not name its region; hint: pass --region, e.g. --region us-east-1", s.name),
            }
        }
    }
    Ok(sources)
}

pub fn run(a: CostArgs) -> Result<ExitCode> {
    if a.print_prices {
        io::stdout().lock().write_all(ecsforge_cost::prices::BUNDLED.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let prices = read_prices(a.prices.as_deref())?;
    let usage = match &a.usage {
        Some(p) => read_usage(p)?,
        None => Usage::default(),
    };
    let env = a.env.as_deref();
    // Everything is computed before the first byte is written.
    let rendered = if let Some(pair) = &a.diff {
        if !a.paths.is_empty() {
            bail!("--diff takes its two inputs itself; hint: ecsforge cost --diff OLD NEW");
        }
        let old = with_region(read_sources(&pair[..1], env)?, a.region.as_deref())?;
        let new = with_region(read_sources(&pair[1..], env)?, a.region.as_deref())?;
        diff(&old, &new, &prices, &usage, a.format)?
    } else {
        let paths = if a.paths.is_empty() { vec![PathBuf::from("ecsforge.yaml")] } else { a.paths.clone() };
        let sources = with_region(read_sources(&paths, env)?, a.region.as_deref())?;
        match a.compare {
            Some(Compare::Egress) => compare(&sources, &prices, &usage, a.format)?,
            None => estimates(&sources, &prices, &usage, a.format)?,
        }
    };
    io::stdout().lock().write_all(rendered.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn prices_json(p: &Prices) -> serde_json::Value {
    serde_json::json!({"as_of": p.as_of, "source": p.source})
}

fn estimates(sources: &[Source], prices: &Prices, usage: &Usage, format: CostFormat) -> Result<String> {
    let mut all = Vec::new();
    for s in sources {
        all.push(ecsforge_cost::estimate(&s.model, &s.name, prices, usage)?);
    }
    let total: f64 = all.iter().map(|e| e.total).sum();
    Ok(match format {
        CostFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "prices": prices_json(prices),
                "estimates": all,
                "total": total,
            }))? + "\n"
        }
        CostFormat::Text => {
            let mut out = String::new();
            for (i, e) in all.iter().enumerate() {
                if i > 0 {
                    out.push_str("\n\n");
                }
                out.push_str(&render::text(e));
            }
            if all.len() > 1 {
                let per: Vec<String> =
                    all.iter().map(|e| format!("{} {}", e.environment, render::money(e.total))).collect();
                out.push_str(&format!("\nall inputs: {} per month ({})\n", render::money(total), per.join(", ")));
            }
            out
        }
    })
}

fn compare(sources: &[Source], prices: &Prices, usage: &Usage, format: CostFormat) -> Result<String> {
    let mut all = Vec::new();
    for s in sources {
        let (now, vs) = variants(s)?;
        all.push(egress::compare(&s.name, &vs, now, prices, usage)?);
    }
    Ok(match format {
        CostFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({"prices": prices_json(prices), "comparisons": all}))?
                + "\n"
        }
        CostFormat::Text => all.iter().map(render::comparison_text).collect::<Vec<_>>().join("\n\n"),
    })
}

/// Pairs old and new inputs by environment (manifests) or by position (plans).
fn diff(old: &[Source], new: &[Source], prices: &Prices, usage: &Usage, format: CostFormat) -> Result<String> {
    let key = |s: &Source, i: usize| -> String {
        if s.model.environment.is_empty() { format!("#{i}") } else { s.model.environment.clone() }
    };
    let olds: BTreeMap<String, &Source> = old.iter().enumerate().map(|(i, s)| (key(s, i), s)).collect();
    let news: BTreeMap<String, &Source> = new.iter().enumerate().map(|(i, s)| (key(s, i), s)).collect();
    let mut diffs = Vec::new();
    let mut keys: Vec<&String> = olds.keys().chain(news.keys()).collect();
    // Environments in pipeline order (develop, test, qa, prod), then the rest.
    let rank = |k: &String| Env::parse(k).map(|e| Env::ALL.iter().position(|x| *x == e).unwrap_or(0)).unwrap_or(9);
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    keys.dedup();
    for k in keys {
        let (o, n) = (olds.get(k), news.get(k));
        let eo = match o {
            Some(s) => Some(ecsforge_cost::estimate(&s.model, &s.name, prices, usage)?),
            None => None,
        };
        let en = match n {
            Some(s) => Some(ecsforge_cost::estimate(&s.model, &s.name, prices, usage)?),
            None => None,
        };
        let name = if k.starts_with('#') {
            format!("{} → {}", o.map(|s| s.name.as_str()).unwrap_or("–"), n.map(|s| s.name.as_str()).unwrap_or("–"))
        } else {
            k.clone()
        };
        let empty = |like: &ecsforge_cost::Estimate| ecsforge_cost::Estimate {
            lines: Vec::new(),
            total: 0.0,
            unknown: 0,
            defaults: Vec::new(),
            free: BTreeMap::new(),
            unpriced: Vec::new(),
            ..like.clone()
        };
        let d = match (eo, en) {
            (Some(a), Some(b)) => ecsforge_cost::diff::diff(&name, &a, &b),
            (Some(a), None) => ecsforge_cost::diff::diff(&name, &a, &empty(&a)),
            (None, Some(b)) => ecsforge_cost::diff::diff(&name, &empty(&b), &b),
            (None, None) => continue,
        };
        diffs.push(d);
    }
    Ok(match format {
        CostFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({"prices": prices_json(prices), "diffs": diffs}))? + "\n"
        }
        CostFormat::Text => render::diff_markdown(&diffs),
    })
}
