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

/// The template every probe runs in: parameters, a mapping, conditions and a few resources.
const YAML_BASE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  Open: {Type: String}
  Zones: {Type: CommaDelimitedList, Default: "a,b,c"}
  Cidr: {Type: String, Default: 10.0.0.0/16}
  Count: {Type: Number, Default: 3}
Mappings:
  Sizes:
    prod: {Cpu: 1024, Names: [x, y]}
    dev: {Cpu: 256}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Later: !Equals [!Ref Open, "yes"]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Ref Cidr}
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: probe, VpcId: !Ref Vpc}
  Topic:
    Type: AWS::SNS::Topic
  Probe:
    Type: Custom::Probe
    Properties:
      Value: EXPR
"#;

const JSON_BASE: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {
    "Env": {"Type": "String", "Default": "prod"},
    "Open": {"Type": "String"},
    "Zones": {"Type": "CommaDelimitedList", "Default": "a,b,c"},
    "Cidr": {"Type": "String", "Default": "10.0.0.0/16"},
    "Count": {"Type": "Number", "Default": 3}
  },
  "Mappings": {
    "Sizes": {"prod": {"Cpu": 1024, "Names": ["x", "y"]}, "dev": {"Cpu": 256}}
  },
  "Conditions": {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
    "Later": {"Fn::Equals": [{"Ref": "Open"}, "yes"]}
  },
  "Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}},
    "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "probe", "VpcId": {"Ref": "Vpc"}}},
    "Topic": {"Type": "AWS::SNS::Topic"},
    "Probe": {"Type": "Custom::Probe", "Properties": {"Value": EXPR}}
  }
}
"#;

/// The probe template with `expr` as the `Value` property (YAML or JSON by `json`).
pub fn probe_template(json: bool, expr: &str) -> String {
    if json { JSON_BASE.replace("EXPR", expr) } else { YAML_BASE.replace("EXPR", expr) }
}

/// Evaluates `expr` in the probe template: its rendered value, `(absent)`
/// for AWS::NoValue, or `error: <message>`.
pub fn probe(json: bool, expr: &str, opts: &ecsforge_ingest::cloudformation::Options) -> String {
    let text = probe_template(json, expr);
    let file = if json { "probe.json" } else { "probe.yaml" };
    match ecsforge_ingest::cloudformation::ingest_with(file, &text, opts) {
        Ok(m) => {
            let r = m.get(&ecsforge_model::Address::new("cfn:Custom::Probe", "Probe")).expect("the probe resource");
            r.get("value").map(render).unwrap_or_else(|| "(absent)".into())
        }
        Err(e) => format!("error: {}", e.message),
    }
}
