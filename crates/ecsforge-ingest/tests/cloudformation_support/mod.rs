//! Shared helpers of the CloudFormation tests: compact renderings of values
//! and models for `check(input, expected)` assertions and snapshots.
#![allow(dead_code)]

use ecsforge_model::value::Part;
use ecsforge_model::{InfraModel, Value};

/// A value on one line: strings quoted, references as `${address.attr}`,
/// templates as `"lit${address.attr}lit"`, `json(...)` and `(unknown)`.
pub fn render(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap(),
        Value::List(l) => format!("[{}]", l.iter().map(render).collect::<Vec<_>>().join(", ")),
        Value::Map(m) => format!("{{{}}}", m.iter().map(|(k, v)| format!("{k}: {}", render(v))).collect::<Vec<_>>().join(", ")),
        Value::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
        Value::Template(parts) => {
            let s: String = parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.clone(),
                    Part::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
                })
                .collect();
            format!("tmpl{}", serde_json::to_string(&s).unwrap())
        }
        Value::Json(inner) => format!("json({})", render(inner)),
        Value::Unknown => "(unknown)".into(),
    }
}

/// Every resource with its provenance and attributes, then suppressions and outputs.
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
    }
    for s in &m.suppressions {
        out.push_str(&format!(
            "suppress {} on {}: {} ({}:{}:{} {})\n",
            s.rule, s.resource, s.reason, s.provenance.file, s.provenance.line, s.provenance.col, s.provenance.pointer
        ));
    }
    for (k, o) in &m.outputs {
        out.push_str(&format!("output {k} = {} ({})\n", render(&o.value), o.description));
    }
    out
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/cloudformation/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
