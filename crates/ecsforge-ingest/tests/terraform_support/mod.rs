//! Shared helpers of the Terraform ingest tests: one-line renderings of values
//! and models, the examples' synthesized models, fixtures, and a structural
//! diff of two models.
#![allow(dead_code)]

use std::collections::BTreeSet;

use ecsforge_model::value::Part;
use ecsforge_model::{InfraModel, Value};

/// A value on one line: strings quoted, references as `${address.attr}`,
/// templates as `tmpl"lit${address.attr}"`, `json(...)` and `(unknown)`.
pub fn render(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap(),
        Value::List(l) => format!("[{}]", l.iter().map(render).collect::<Vec<_>>().join(", ")),
        Value::Map(m) => {
            format!("{{{}}}", m.iter().map(|(k, v)| format!("{k}: {}", render(v))).collect::<Vec<_>>().join(", "))
        }
        Value::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
        Value::Template(parts) => {
            let s: String = parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.clone(),
                    Part::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
                    Part::Unknown => "(unknown)".into(),
                })
                .collect();
            format!("tmpl{}", serde_json::to_string(&s).unwrap())
        }
        Value::Json(inner) => format!("json({})", render(inner)),
        Value::Unknown => "(unknown)".into(),
    }
}

/// Every resource with kind, provenance, attributes, depends_on and
/// ignore_changes; then metadata and outputs.
pub fn summary(m: &InfraModel) -> String {
    let mut out = String::new();
    for r in m.resources.values() {
        let p = &r.provenance;
        out.push_str(&format!("{}  [{:?}] {}:{}:{} {}\n", r.address, r.kind, p.file, p.line, p.col, p.pointer));
        for (k, v) in &r.attrs {
            out.push_str(&format!("    {k} = {}\n", render(v)));
        }
        if !r.depends_on.is_empty() {
            let deps: Vec<String> = r.depends_on.iter().map(|a| a.to_string()).collect();
            out.push_str(&format!("    depends_on = [{}]\n", deps.join(", ")));
        }
        if !r.ignore_changes.is_empty() {
            out.push_str(&format!("    ignore_changes = [{}]\n", r.ignore_changes.join(", ")));
        }
    }
    out.push_str(&format!(
        "project={:?} environment={:?} region={:?} account_id={:?}\n",
        m.project, m.environment, m.region, m.account_id
    ));
    if let Some(b) = &m.backend {
        out.push_str(&format!("backend s3 {} {} {} {}\n", b.bucket, b.key, b.region, b.dynamodb_table));
    }
    for (k, o) in &m.outputs {
        out.push_str(&format!("output {k} = {} ({})\n", render(&o.value), o.description));
    }
    out
}

pub fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/terraform/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An example manifest, loaded.
pub fn example(name: &str) -> ecsforge_manifest::Manifest {
    let path = format!("{}/../../examples/{name}/ecsforge.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text)
        .unwrap_or_else(|e| panic!("{}", e.render(ecsforge_manifest::Style::Plain)))
}

/// Every `examples/*/ecsforge.yaml`, by directory name, sorted.
pub fn examples() -> Vec<String> {
    let dir = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("ecsforge.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    assert!(out.len() >= 2, "examples missing under {dir}");
    out
}

/// Every difference between two models on what analyses read: addresses,
/// kinds, attributes, depends_on, ignore_changes, outputs, backend and region
/// (not concern or provenance, which legitimately differ between producers).
pub fn model_diff(expected: &InfraModel, actual: &InfraModel) -> Vec<String> {
    let mut out = Vec::new();
    let addrs: BTreeSet<_> = expected.resources.keys().chain(actual.resources.keys()).collect();
    for a in addrs {
        let (e, g) = match (expected.resources.get(a), actual.resources.get(a)) {
            (Some(e), Some(g)) => (e, g),
            (Some(_), None) => {
                out.push(format!("{a}: missing"));
                continue;
            }
            (None, Some(_)) => {
                out.push(format!("{a}: unexpected"));
                continue;
            }
            (None, None) => unreachable!(),
        };
        if e.kind != g.kind {
            out.push(format!("{a}: kind {:?} != {:?}", e.kind, g.kind));
        }
        let keys: BTreeSet<_> = e.attrs.keys().chain(g.attrs.keys()).collect();
        for k in keys {
            let (ev, gv) = (e.attrs.get(k), g.attrs.get(k));
            // Input variables (`var.x`, the file server password) are unknown to
            // config ingest by design: their values come at plan time.
            let from_variable = ev.is_some_and(|v| v.uses_variables()) && gv == Some(&ecsforge_model::Value::Unknown);
            if ev != gv && !from_variable {
                out.push(format!(
                    "{a}.{k}:\n    expected {}\n    actual   {}",
                    ev.map(render).unwrap_or("(absent)".into()),
                    gv.map(render).unwrap_or("(absent)".into())
                ));
            }
        }
        if e.depends_on != g.depends_on {
            out.push(format!("{a}: depends_on {:?} != {:?}", e.depends_on, g.depends_on));
        }
        if e.ignore_changes != g.ignore_changes {
            out.push(format!("{a}: ignore_changes {:?} != {:?}", e.ignore_changes, g.ignore_changes));
        }
    }
    if expected.outputs != actual.outputs {
        let names: BTreeSet<_> = expected.outputs.keys().chain(actual.outputs.keys()).collect();
        for n in names {
            let (e, g) = (expected.outputs.get(n), actual.outputs.get(n));
            if e != g {
                let show = |o: Option<&ecsforge_model::Output>| {
                    o.map(|o| format!("{} ({:?})", render(&o.value), o.description)).unwrap_or("(absent)".into())
                };
                out.push(format!("output {n}:\n    expected {}\n    actual   {}", show(e), show(g)));
            }
        }
    }
    if expected.backend != actual.backend {
        out.push(format!("backend {:?} != {:?}", expected.backend, actual.backend));
    }
    if expected.region != actual.region {
        out.push(format!("region {:?} != {:?}", expected.region, actual.region));
    }
    out
}
