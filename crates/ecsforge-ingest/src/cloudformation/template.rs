//! Template sections → an evaluator, then resources and outputs → the model.

use std::collections::BTreeMap;

use ecsforge_model::{Address, InfraModel, Output, Provenance, Suppression, Value};

use super::Options;
use super::eval::{Eval, Mode, ResInfo, scalar_string};
use super::names;
use super::resources::{self, Cx, Props};
use super::tree::{N, Node, Src, pointer_token};
use crate::{IngestError, Located};

type R<T> = Result<T, IngestError>;

const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Hooks",
];

/// The entries of an optional section that must be a mapping.
fn section<'t>(src: &Src<'_>, root: &'t Node, name: &str) -> R<&'t [super::tree::Entry]> {
    match root.get(name) {
        None => Ok(&[]),
        Some(n) => match &n.v {
            N::Map(e) => Ok(e),
            N::Null => Ok(&[]),
            _ => Err(src.error(
                n.at,
                format!("the {name} section must be a mapping; found {}", n.describe()),
                format!("write `{name}:` followed by named entries"),
            )),
        },
    }
}

fn provenance(src: &Src<'_>, pointer: String, at: Located) -> Provenance {
    Provenance { file: src.file.to_string(), pointer, line: at.line, col: at.col }
}

pub(crate) fn build(src: &Src<'_>, root: &Node, options: &Options) -> R<InfraModel> {
    let N::Map(top) = &root.v else {
        return Err(src.error(
            root.at,
            format!("a template is a mapping of sections such as Resources and Parameters; found {}", root.describe()),
            "start the file with `AWSTemplateFormatVersion: \"2010-09-09\"` and a `Resources:` section",
        ));
    };
    for e in top {
        if !SECTIONS.contains(&e.key.as_str()) {
            let close = SECTIONS
                .iter()
                .find(|s| strsim::jaro_winkler(&s.to_ascii_lowercase(), &e.key.to_ascii_lowercase()) > 0.85);
            return Err(src.error(
                e.key_at,
                format!("unknown template section `{}`", e.key),
                match close {
                    Some(c) => format!("did you mean `{c}`? sections: {}", SECTIONS.join(", ")),
                    None => format!("sections: {}", SECTIONS.join(", ")),
                },
            ));
        }
    }
    let Some(res_entry) = root.entry("Resources") else {
        return Err(src.error(
            Located::start(),
            "the template has no Resources section",
            "a CloudFormation template declares at least one resource under `Resources:`",
        ));
    };
    let res_entries = section(src, root, "Resources")?;
    if res_entries.is_empty() {
        return Err(src.error(
            res_entry.key_at,
            "the Resources section is empty",
            "declare at least one resource under `Resources:`",
        ));
    }

    let params = parameters(src, root, options)?;
    let mappings = mappings(src, root)?;
    let conditions: BTreeMap<String, &Node> =
        section(src, root, "Conditions")?.iter().map(|e| (e.key.clone(), &e.value)).collect();

    // Resources: what Ref and GetAtt need, before evaluating any of them.
    let mut infos = BTreeMap::new();
    for e in res_entries {
        let id = &e.key;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(src.error(
                e.key_at,
                format!("logical id `{id}` is not alphanumeric"),
                "logical ids use only A-Z, a-z and 0-9",
            ));
        }
        if params.contains_key(id) {
            return Err(src.error(
                e.key_at,
                format!("`{id}` is both a parameter and a resource"),
                "rename one of them; Ref could not tell them apart",
            ));
        }
        let n = &e.value;
        if !n.is_map() {
            return Err(src.error(
                n.at,
                format!("resource `{id}` must be a mapping with a Type; found {}", n.describe()),
                "write `Type: AWS::...` and `Properties:` under the logical id",
            ));
        }
        for k in n.entries() {
            const KEYS: &[&str] = &[
                "Type",
                "Properties",
                "DependsOn",
                "Condition",
                "Metadata",
                "DeletionPolicy",
                "UpdateReplacePolicy",
                "UpdatePolicy",
                "CreationPolicy",
                "Version",
            ];
            if !KEYS.contains(&k.key.as_str()) {
                return Err(src.error(
                    k.key_at,
                    format!("unknown resource attribute `{}` on `{id}`", k.key),
                    format!("resource attributes: {}; properties go under Properties", KEYS.join(", ")),
                ));
            }
        }
        let cfn_type = match n.get("Type") {
            Some(t) => match t.as_str() {
                Some(s) => s.to_string(),
                None => {
                    return Err(src.error(
                        t.at,
                        format!("the Type of `{id}` must be a string; found {}", t.describe()),
                        "for example `Type: AWS::EC2::VPC`",
                    ));
                }
            },
            None => return Err(src.error(e.key_at, format!("resource `{id}` has no Type"), "add `Type: AWS::...`")),
        };
        let props_node = n.get("Properties");
        let tf = names::terraform_type(&cfn_type, |k| props_node.and_then(|p| p.get(k)).is_some());
        let tf_type = tf.map(str::to_string).unwrap_or_else(|| format!("cfn:{cfn_type}"));
        let condition = match n.entry("Condition") {
            Some(c) => match c.value.as_str() {
                Some(s) => Some((s.to_string(), c.value.at)),
                None => {
                    return Err(src.error(
                        c.value.at,
                        "a resource Condition must be a condition name",
                        "write `Condition: IsProd`",
                    ));
                }
            },
            None => None,
        };
        infos.insert(
            id.clone(),
            ResInfo {
                id: id.clone(),
                ref_attr: names::ref_attr(&cfn_type),
                cfn_type,
                node: n,
                key_at: e.key_at,
                address: Address::new(&tf_type, id),
                condition,
                omitted_by: None,
            },
        );
    }

    let mut ev = Eval::new(
        src,
        params,
        mappings,
        conditions,
        infos,
        options.region.clone(),
        options.account_id.clone(),
        options.stack_name.clone(),
    );
    // Every condition is checked, used or not.
    for e in section(src, root, "Conditions")? {
        ev.condition(&e.key, e.key_at)?;
    }
    let mut omitted = Vec::new();
    for (id, info) in &ev.resources {
        if let Some((c, at)) = &info.condition
            && ev.condition(c, *at)? == Some(false)
        {
            omitted.push((id.clone(), c.clone()));
        }
    }
    for (id, c) in omitted {
        if let Some(info) = ev.resources.get_mut(&id) {
            info.omitted_by = Some(c);
        }
    }

    let mut model = InfraModel {
        region: options.region.clone().unwrap_or_default(),
        account_id: options.account_id.clone().unwrap_or_default(),
        ..InfraModel::default()
    };
    for e in res_entries {
        let info = &ev.resources[&e.key];
        if info.omitted_by.is_some() {
            continue;
        }
        let n = info.node;
        let mut props = BTreeMap::new();
        if let Some(p) = n.get("Properties") {
            match &p.v {
                N::Map(entries) => {
                    for pe in entries {
                        if let Some(v) = ev.eval(&pe.value, Mode::Property)? {
                            props.insert(pe.key.clone(), v);
                        }
                    }
                }
                N::Null => {}
                _ => match ev.eval(p, Mode::Property)? {
                    Some(Value::Map(m)) => props = m,
                    Some(Value::Unknown) => {
                        return Err(src.error(
                            p.at,
                            format!("the Properties of `{}` depend on a condition that is not known", e.key),
                            "ecsforge needs the property names; use Fn::If on single properties",
                        ));
                    }
                    _ => {
                        return Err(src.error(
                            p.at,
                            format!("the Properties of `{}` must be a mapping; found {}", e.key, p.describe()),
                            "write property names under `Properties:`",
                        ));
                    }
                },
            }
        }
        let depends_on = depends_on(src, &ev, info)?;
        let suppressions = suppressions(src, info)?;

        let pointer = format!("/Resources/{}", pointer_token(&info.id));
        let mut cx = Cx::new(info, provenance(src, pointer, info.key_at));
        resources::map(&mut cx, Props::new(props))?;
        let mut out = cx.finish();
        if let Some(primary) = out.first_mut() {
            primary.depends_on = depends_on;
        }
        for s in suppressions {
            model.suppressions.push(Suppression { resource: info.address.to_string(), ..s });
        }
        for r in out {
            let at = info.key_at;
            model.insert(r).map_err(|e| src.error(at, e.to_string(), "logical ids must be unique"))?;
        }
    }

    for e in section(src, root, "Outputs")? {
        let n = &e.value;
        if let Some(c) = n.get("Condition") {
            let Some(name) = c.as_str() else {
                return Err(src.error(
                    c.at,
                    "an output Condition must be a condition name",
                    "write `Condition: IsProd`",
                ));
            };
            if ev.condition(name, c.at)? == Some(false) {
                continue;
            }
        }
        let Some(vn) = n.get("Value") else {
            return Err(src.error(e.key_at, format!("output `{}` has no Value", e.key), "add `Value: ...`"));
        };
        let Some(value) = ev.eval(vn, Mode::Property)? else { continue };
        let description = match n.get("Description") {
            Some(d) => ev.eval(d, Mode::Property)?.and_then(|v| scalar_string(&v)).unwrap_or_default(),
            None => String::new(),
        };
        model.outputs.insert(e.key.clone(), Output { value, description });
    }

    if let Err(errs) = model.check_references() {
        let msg = errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
        return Err(src.error(
            Located::start(),
            format!("internal error: the ingested model is inconsistent: {msg}"),
            "this is an ecsforge bug; please report it with the template",
        ));
    }
    Ok(model)
}

/// Parameter values: given by the caller, else the Default, else unknown.
fn parameters(src: &Src<'_>, root: &Node, options: &Options) -> R<BTreeMap<String, Value>> {
    let entries = section(src, root, "Parameters")?;
    for name in options.parameters.keys() {
        if !entries.iter().any(|e| &e.key == name) {
            return Err(src.error(
                root.entry("Parameters").map(|e| e.key_at).unwrap_or(Located::start()),
                format!("a value was given for parameter `{name}`, which the template does not declare"),
                "check the parameter name; names are case-sensitive",
            ));
        }
    }
    let mut out = BTreeMap::new();
    for e in entries {
        let n = &e.value;
        let ty = match n.get("Type").and_then(Node::as_str) {
            Some(t) => t,
            None => {
                return Err(src.error(
                    e.key_at,
                    format!("parameter `{}` has no Type", e.key),
                    "add `Type: String` (or Number, CommaDelimitedList, AWS::EC2::VPC::Id, ...)",
                ));
            }
        };
        let is_list = ty == "CommaDelimitedList" || ty.starts_with("List<");
        if ty.starts_with("AWS::SSM::Parameter::Value<") {
            // The value is read from Parameter Store at deploy time.
            out.insert(e.key.clone(), Value::Unknown);
            continue;
        }
        let (text, at) = match options.parameters.get(&e.key) {
            Some(v) => (v.clone(), e.key_at),
            None => match n.get("Default") {
                None => {
                    out.insert(e.key.clone(), Value::Unknown);
                    continue;
                }
                Some(d) => {
                    let text = match &d.v {
                        N::Str(s) => s.clone(),
                        N::Num(_, raw) => raw.clone(),
                        N::Bool(b) => b.to_string(),
                        N::Seq(items) if is_list && items.iter().all(|i| matches!(i.v, N::Str(_) | N::Num(..))) => {
                            items
                                .iter()
                                .map(|i| match &i.v {
                                    N::Str(s) => s.clone(),
                                    N::Num(_, raw) => raw.clone(),
                                    _ => String::new(),
                                })
                                .collect::<Vec<_>>()
                                .join(",")
                        }
                        _ => {
                            return Err(src.error(
                                d.at,
                                format!(
                                    "the Default of parameter `{}` must be a plain value; found {}",
                                    e.key,
                                    d.describe()
                                ),
                                "parameter defaults cannot use intrinsic functions",
                            ));
                        }
                    };
                    (text, d.at)
                }
            },
        };
        if let Some(allowed) = n.get("AllowedValues") {
            let allowed: Vec<String> = allowed
                .items()
                .iter()
                .filter_map(|i| match &i.v {
                    N::Str(s) => Some(s.clone()),
                    N::Num(_, raw) => Some(raw.clone()),
                    N::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
                .collect();
            let values: Vec<&str> =
                if is_list { text.split(',').map(str::trim).collect() } else { vec![text.as_str()] };
            if let Some(bad) = values.iter().find(|v| !allowed.iter().any(|a| a == *v)) {
                return Err(src.error(
                    at,
                    format!("parameter `{}` is `{bad}`, which is not one of its AllowedValues", e.key),
                    format!("allowed: {}", allowed.join(", ")),
                ));
            }
        }
        let value = if is_list {
            if text.is_empty() {
                Value::List(Vec::new())
            } else {
                Value::List(text.split(',').map(|s| Value::String(s.trim().to_string())).collect())
            }
        } else {
            Value::String(text)
        };
        out.insert(e.key.clone(), value);
    }
    Ok(out)
}

fn mappings<'t>(src: &Src<'_>, root: &'t Node) -> R<BTreeMap<String, &'t Node>> {
    let mut out = BTreeMap::new();
    for e in section(src, root, "Mappings")? {
        let ok = e.value.is_map() && e.value.entries().iter().all(|t| t.value.is_map());
        if !ok {
            return Err(src.error(
                e.value.at,
                format!("mapping `{}` must map keys to mappings of values", e.key),
                "write `MapName: {TopKey: {SecondKey: value}}`",
            ));
        }
        out.insert(e.key.clone(), &e.value);
    }
    Ok(out)
}

fn depends_on(src: &Src<'_>, ev: &Eval<'_, '_>, info: &ResInfo<'_>) -> R<Vec<Address>> {
    let Some(d) = info.node.get("DependsOn") else { return Ok(Vec::new()) };
    let names: Vec<&Node> = match &d.v {
        N::Str(_) => vec![d],
        N::Seq(items) => items.iter().collect(),
        _ => {
            return Err(src.error(
                d.at,
                "DependsOn must be a logical id or a list of them",
                "write `DependsOn: [Vpc, Gateway]`",
            ));
        }
    };
    let mut out = Vec::new();
    for n in names {
        let Some(id) = n.as_str() else {
            return Err(src.error(
                n.at,
                "DependsOn must be a logical id or a list of them",
                "write `DependsOn: [Vpc, Gateway]`",
            ));
        };
        match ev.resources.get(id) {
            Some(r) => match &r.omitted_by {
                Some(c) => {
                    return Err(src.error(
                        n.at,
                        format!(
                            "`{}` depends on `{id}`, which is not created because its condition `{c}` is false",
                            info.id
                        ),
                        "give both resources the same condition or drop the dependency",
                    ));
                }
                None => out.push(r.address.clone()),
            },
            None => {
                return Err(src.error(
                    n.at,
                    format!("DependsOn names `{id}`, which is not a resource"),
                    "DependsOn takes logical ids from Resources",
                ));
            }
        }
    }
    Ok(out)
}

/// `Metadata: {ecsforge: {suppress: [{rule, reason}]}}` on a resource.
fn suppressions(src: &Src<'_>, info: &ResInfo<'_>) -> R<Vec<Suppression>> {
    let Some(list) = info.node.at_path(&["Metadata", "ecsforge", "suppress"]) else { return Ok(Vec::new()) };
    let N::Seq(items) = &list.v else {
        return Err(src.error(
            list.at,
            "ecsforge suppress must be a list of {rule, reason}",
            "write `suppress: [{rule: EF016, reason: \"...\"}]`",
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let rule = match item.get("rule") {
            Some(r) => match &r.v {
                N::Str(s) if !s.trim().is_empty() => s.clone(),
                _ => {
                    return Err(src.error(
                        r.at,
                        "a suppression rule must be a rule code or name",
                        "for example `rule: EF016`",
                    ));
                }
            },
            None => {
                return Err(src.error(
                    item.at,
                    format!("a suppression on {} has no rule", info.id),
                    "add `rule: EF016` (a code or a rule name)",
                ));
            }
        };
        let reason = item.get("reason").and_then(Node::as_str).map(str::trim).unwrap_or("");
        if reason.is_empty() {
            let at = item.get("reason").map(|r| r.at).unwrap_or(item.at);
            return Err(src.error(
                at,
                format!("suppression of {rule} on {} has no reason", info.id),
                "add `reason:` explaining why the rule does not apply here; suppressions without a reason are not accepted",
            ));
        }
        out.push(Suppression {
            rule,
            resource: String::new(),
            reason: reason.to_string(),
            provenance: provenance(src, item.ptr.clone(), item.at),
        });
    }
    Ok(out)
}
