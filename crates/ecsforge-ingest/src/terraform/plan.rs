//! `terraform show -json <planfile>` → [`InfraModel`].
//!
//! # What is read
//! * `planned_values` (root and child modules): one model resource per managed
//!   resource instance, at its plan address (`module.net[0].aws_subnet.a["x"]`).
//!   Data sources are not resources of the model and are skipped.
//! * `resource_changes[].change.after_unknown`: values known only after apply
//!   become [`Value::Unknown`], at any depth.
//! * `configuration`: an unknown value whose expression is a reference to one
//!   resource instance becomes a [`Value::Ref`] instead. For configuration
//!   written in JSON syntax (as ecsforge writes it), Terraform reports the
//!   expression's raw text as `constant_value` next to its `references`; that
//!   text is read with the same template rules as `*.tf.json` ingest, so
//!   templates and references inside JSON documents survive too. For native
//!   HCL only the `references` list is available: a list naming exactly one
//!   resource attribute (and nothing else but that resource) is taken as that
//!   reference, unless the attribute is a collection (`[aws_x.y.id]`, told by
//!   `sensitive_values`) or a JSON document (`jsonencode({...})`); anything
//!   else stays unknown. The list cannot tell `f(aws_x.y.id)` from
//!   `aws_x.y.id`, so a function of one reference reads as the reference: a
//!   known limitation of the plan format. References are resolved within
//!   the referring resource's module instance and must land on exactly one
//!   planned resource instance (a `count`/`for_each` resource referenced
//!   without a literal index stays unknown). `depends_on` comes from here too.
//! * `configuration.provider_config.aws`: the region.
//! * `planned_values.outputs`: outputs (unknown ones through the configuration).
//! * Known literal ids and ARNs of the plan's own resources, under attributes
//!   that name other resources, become references again
//!   ([`ecsforge_model::link::link_known_ids`]): a plan of existing
//!   infrastructure is then as connected as a first plan.
//!
//! # Speed
//! Only the parts above are materialised. The resource arrays are read as
//! borrowed [`RawValue`]s (their byte offsets give provenance), known values
//! are deserialized straight into model values, and everything else
//! (`before`, `after`, `prior_state`, `relevant_attributes`, ...) is skipped
//! by the parser without allocating. Configuration expressions are parsed only
//! for attributes that are unknown.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use ecsforge_model::{Address, Concern, InfraModel, Kind, Output, Provenance, Resource, Value};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::expr::{self, Resolve, Target};
use super::known::Known;
use super::pos::Cursor;
use super::{Entries, agreed_tag, first_value, json_error};
use crate::{IngestError, Located};

const WHAT: &str = "plan JSON";

#[derive(Deserialize)]
struct Plan<'a> {
    #[serde(borrow, default)]
    format_version: Option<&'a RawValue>,
    #[serde(borrow, default)]
    planned_values: Option<PlannedValues<'a>>,
    #[serde(borrow, default)]
    resource_changes: Option<Vec<Change<'a>>>,
    #[serde(borrow, default)]
    configuration: Option<Configuration<'a>>,
}

#[derive(Deserialize)]
struct VersionOnly<'a> {
    #[serde(borrow, default)]
    format_version: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct PlannedValues<'a> {
    #[serde(borrow, default)]
    outputs: Option<BTreeMap<String, PlannedOutput<'a>>>,
    #[serde(borrow, default)]
    root_module: Option<PlannedModule<'a>>,
}

#[derive(Deserialize)]
struct PlannedOutput<'a> {
    /// Present (even as `null`) only when the value is known.
    #[serde(borrow, default)]
    value: Present<'a>,
}

/// A member that may be absent; unlike `Option`, a JSON `null` counts as present.
#[derive(Default)]
struct Present<'a>(Option<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for Present<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|r| Present(Some(r)))
    }
}

#[derive(Deserialize)]
struct PlannedModule<'a> {
    #[serde(borrow, default)]
    address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    resources: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    child_modules: Vec<PlannedModule<'a>>,
}

#[derive(Deserialize)]
struct PlannedResource<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow, default)]
    mode: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    values: Option<Known<true>>,
    /// Mirrors the value's shape: collections appear as `[]`/`{}` even when unknown.
    #[serde(default)]
    sensitive_values: Option<Json>,
}

#[derive(Deserialize)]
struct Change<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow, default)]
    mode: Option<Cow<'a, str>>,
    #[serde(default)]
    deposed: Option<IgnoredAny>,
    #[serde(default)]
    change: Option<ChangeBody>,
}

#[derive(Deserialize)]
struct ChangeBody {
    #[serde(default)]
    after_unknown: Option<Json>,
}

#[derive(Deserialize)]
struct Configuration<'a> {
    #[serde(default)]
    provider_config: BTreeMap<String, ProviderConfig>,
    #[serde(borrow, default)]
    root_module: Option<ConfigModule<'a>>,
}

#[derive(Deserialize)]
struct ProviderConfig {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    module_address: Option<String>,
    #[serde(default)]
    expressions: Option<Json>,
}

#[derive(Deserialize)]
struct ConfigModule<'a> {
    #[serde(borrow, default)]
    resources: Vec<ConfigResource<'a>>,
    #[serde(borrow, default)]
    module_calls: BTreeMap<String, ModuleCall<'a>>,
    #[serde(borrow, default)]
    outputs: BTreeMap<String, ConfigOutput<'a>>,
}

#[derive(Deserialize)]
struct ModuleCall<'a> {
    #[serde(borrow, default)]
    module: Option<ConfigModule<'a>>,
}

#[derive(Deserialize)]
struct ConfigResource<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow, default)]
    expressions: Option<&'a RawValue>,
    #[serde(default)]
    depends_on: Vec<String>,
}

#[derive(Deserialize)]
struct ConfigOutput<'a> {
    #[serde(borrow, default)]
    expression: Option<&'a RawValue>,
    #[serde(default)]
    description: Option<String>,
}

/// Ingests the output of `terraform show -json <planfile>`.
pub fn ingest(file: &str, text: &str) -> Result<InfraModel, IngestError> {
    let start = first_value(text);
    if text.as_bytes().get(start) != Some(&b'{') {
        if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
            return Err(json_error(file, text, &e, WHAT));
        }
        return Err(IngestError::new(
            file,
            text,
            Located::at(text, start, 1),
            "not a terraform plan: the top level is not a JSON object",
            "pass the output of `terraform show -json <planfile>`",
        ));
    }
    let plan: Plan = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            // A plan of another format version may fail to deserialize: say so first.
            if e.classify() == serde_json::error::Category::Data
                && let Ok(v) = serde_json::from_str::<VersionOnly>(text)
            {
                check_version(file, text, v.format_version)?;
            }
            return Err(json_error(file, text, &e, WHAT));
        }
    };
    check_version(file, text, plan.format_version)?;
    let Some(planned) = plan.planned_values else {
        return Err(IngestError::new(
            file,
            text,
            Located::at(text, start, 1),
            "not a terraform plan: `planned_values` is missing",
            "pass the output of `terraform show -json <planfile>` (a state file, or `terraform show -json` \
             without a plan file, has no planned_values)",
        ));
    };

    // Planned resource instances, in file order.
    let mut raws = Vec::new();
    if let Some(root) = &planned.root_module {
        collect(root, "/planned_values/root_module", &mut raws);
    }
    let mut cursor = Cursor::new(text);
    let mut planned_resources = Vec::with_capacity(raws.len());
    for (raw, module, pointer) in raws {
        let r: PlannedResource = serde_json::from_str(raw.get()).map_err(|e| nested_error(file, text, raw, &e))?;
        if r.mode == "data" {
            continue;
        }
        let offset = cursor.offset_of(raw);
        let (line, col) = cursor.line_col(offset);
        planned_resources.push((r, module, Provenance { file: file.to_string(), pointer, line, col }));
    }
    let instances: BTreeSet<String> = planned_resources.iter().map(|(r, ..)| r.address.to_string()).collect();

    let mut unknown: HashMap<&str, &Json> = HashMap::new();
    for c in plan.resource_changes.iter().flatten() {
        if c.deposed.is_some() || c.mode.as_deref().is_some_and(|m| m != "managed") {
            continue;
        }
        if let Some(u) = c.change.as_ref().and_then(|b| b.after_unknown.as_ref()) {
            unknown.insert(&c.address, u);
        }
    }

    let mut configs: HashMap<(String, String), &ConfigResource> = HashMap::new();
    let config_root = plan.configuration.as_ref().and_then(|c| c.root_module.as_ref());
    if let Some(root) = config_root {
        index_config(root, String::new(), &mut configs);
    }

    let mut model = InfraModel::default();
    for (r, module, provenance) in planned_resources {
        let address = r.address.to_string();
        let mut attrs = match r.values {
            Some(Known(Value::Map(m))) => m,
            _ => BTreeMap::new(),
        };
        let prefix = if module.is_empty() { String::new() } else { format!("{module}.") };
        let config = configs.get(&(config_path(module), format!("{}.{}", r.ty, r.name))).copied();
        let scope = Scope { prefix: &prefix, instances: &instances, refs: None };

        if let Some(Json::Object(u)) = unknown.get(address.as_str()) {
            let exprs: Vec<(String, &RawValue)> = match config.and_then(|c| c.expressions) {
                Some(raw) if u.values().any(has_unknown) => {
                    serde_json::from_str::<Entries>(raw.get()).map(|e| e.0).unwrap_or_default()
                }
                _ => Vec::new(),
            };
            for (k, uk) in u {
                if !has_unknown(uk) {
                    continue;
                }
                let parsed: Option<Json> = exprs
                    .iter()
                    .find(|(ek, _)| ek == k)
                    .and_then(|(_, raw)| serde_json::from_str::<Json>(raw.get()).ok());
                let cfg = parsed.as_ref().map(Cfg::of).unwrap_or(Cfg::None);
                let known = attrs.remove(k);
                let shape = r.sensitive_values.as_ref().and_then(|s| s.get(k));
                attrs.insert(k.clone(), merge(known, uk, cfg, Some(k), shape, &scope));
            }
        }

        // A security group's `ingress`/`egress` that the configuration does not
        // set are computed: after apply they mirror the standalone rule
        // resources, which are in the model themselves.
        if r.ty == "aws_security_group"
            && let Some(raw) = config.and_then(|c| c.expressions)
        {
            let set: Vec<String> = serde_json::from_str::<Entries>(raw.get())
                .map(|e| e.0.into_iter().map(|(k, _)| k).collect())
                .unwrap_or_default();
            for computed in ["ingress", "egress"] {
                if !set.iter().any(|k| k == computed) {
                    attrs.remove(computed);
                }
            }
        }

        let kind = Kind::from_terraform_type(&r.ty);
        let mut resource = Resource {
            address: Address(address),
            taggable: kind.taggable(),
            kind,
            attrs,
            depends_on: Vec::new(),
            ignore_changes: Vec::new(),
            concern: Concern::Other,
            provenance,
        };
        if let Some(c) = config {
            resource.depends_on = depends_on(&c.depends_on, &prefix, &instances);
        }
        if let Err(e) = model.insert(resource) {
            return Err(IngestError::new(file, text, Located::start(), e.to_string(), "is the plan file corrupted?"));
        }
    }

    // Metadata.
    if let Some(conf) = &plan.configuration {
        for (key, p) in &conf.provider_config {
            let root_default =
                key == "aws" || (p.name.as_deref() == Some("aws") && p.alias.is_none() && p.module_address.is_none());
            if !root_default {
                continue;
            }
            let region = p.expressions.as_ref().and_then(|e| e.get("region"));
            let literal = region.filter(|r| r.get("references").is_none()).and_then(|r| r.get("constant_value"));
            if let Some(Json::String(s)) = literal
                && !s.contains("${")
                && !s.contains("%{")
            {
                model.region = s.clone();
            }
        }
    }
    let root_scope = Scope { prefix: "", instances: &instances, refs: None };
    for (name, o) in planned.outputs.iter().flatten() {
        let config = config_root.and_then(|c| c.outputs.get(name));
        let value = match o.value.0 {
            Some(raw) => serde_json::from_str::<Known<false>>(raw.get()).map(|k| k.0).unwrap_or(Value::Unknown),
            None => match config.and_then(|c| c.expression).and_then(|e| serde_json::from_str::<Json>(e.get()).ok()) {
                Some(e) => from_cfg(Cfg::of(&e), None, None, &root_scope),
                None => Value::Unknown,
            },
        };
        let description = config.and_then(|c| c.description.clone()).unwrap_or_default();
        model.outputs.insert(name.clone(), Output { value, description });
    }
    model.environment = agreed_tag(&model, "Environment");
    model.project = agreed_tag(&model, "Project");
    model.account_resources_from_outputs();
    // A plan of existing infrastructure knows every id: link them back.
    ecsforge_model::link::link_known_ids(&mut model);
    Ok(model)
}

/// Rejects a `format_version` whose major version is not 1.
fn check_version(file: &str, text: &str, v: Option<&RawValue>) -> Result<(), IngestError> {
    let Some(raw) = v else { return Ok(()) };
    let version: Option<String> = serde_json::from_str(raw.get()).ok();
    if version.as_deref().is_some_and(|v| v.split('.').next() == Some("1")) {
        return Ok(());
    }
    let off = raw.get().as_ptr() as usize - text.as_ptr() as usize;
    Err(IngestError::new(
        file,
        text,
        Located::at(text, off, raw.get().len()),
        format!("unsupported plan format_version {}", raw.get()),
        "ecsforge reads plan JSON format 1.x, as written by `terraform show -json` of Terraform 0.12 to 1.x; \
         check which tool wrote this file",
    ))
}

/// An error inside a resource object: serde_json counts lines and columns from
/// the start of the slice, so translate them to the whole file.
fn nested_error(file: &str, text: &str, raw: &RawValue, e: &serde_json::Error) -> IngestError {
    let base = raw.get().as_ptr() as usize - text.as_ptr() as usize;
    let inner = super::serde_position(raw.get(), e.line(), e.column()).offset;
    let at = Located::at(text, base + inner, 0);
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg);
    IngestError::new(
        file,
        text,
        at,
        format!("unexpected plan JSON structure: {msg}"),
        "this resource does not have the shape `terraform show -json` writes; was the file edited by hand?",
    )
}

/// Every resource of `m` and its child modules: (raw object, module address, pointer).
fn collect<'p, 'a>(m: &'p PlannedModule<'a>, ptr: &str, out: &mut Vec<(&'a RawValue, &'p str, String)>) {
    let module = m.address.as_deref().unwrap_or("");
    for (i, raw) in m.resources.iter().enumerate() {
        out.push((*raw, module, format!("{ptr}/resources/{i}")));
    }
    for (i, child) in m.child_modules.iter().enumerate() {
        collect(child, &format!("{ptr}/child_modules/{i}"), out);
    }
}

/// Indexes configuration resources by (module path, `type.name`); data sources
/// keep their `data.` prefix and so never match a managed resource.
fn index_config<'c>(
    m: &'c ConfigModule<'_>,
    path: String,
    out: &mut HashMap<(String, String), &'c ConfigResource<'c>>,
) {
    for r in &m.resources {
        out.insert((path.clone(), r.address.to_string()), r);
    }
    for (name, call) in &m.module_calls {
        if let Some(child) = &call.module {
            let p = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            index_config(child, p, out);
        }
    }
}

/// The configuration path of a module instance: `module.a[0].module.b["x"]` → `a.b`.
fn config_path(module: &str) -> String {
    let mut out = String::new();
    let mut rest = module;
    while let Some(r) = rest.strip_prefix("module.") {
        let end = r.find(['.', '[']).unwrap_or(r.len());
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&r[..end]);
        rest = &r[end..];
        if rest.starts_with('[') {
            rest = skip_index(rest);
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

/// Skips one `[...]` instance key, honouring quoted strings.
fn skip_index(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 1;
    let mut in_str = false;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b']' if !in_str => return &s[i + 1..],
            _ => {}
        }
        i += 1;
    }
    ""
}

/// `depends_on` entries resolved to planned instances: a resource with
/// `count`/`for_each` or a whole module stands for all of its instances;
/// data sources are not model resources.
fn depends_on(deps: &[String], prefix: &str, instances: &BTreeSet<String>) -> Vec<Address> {
    let mut out: Vec<Address> = Vec::new();
    let mut push = |a: &str| {
        if !out.iter().any(|x| x.as_str() == a) {
            out.push(Address(a.to_string()));
        }
    };
    for d in deps {
        let full = format!("{prefix}{d}");
        let is_module = d.starts_with("module.");
        if !is_module && !matches!(expr::reference(d), Target::Resource { attr: None, .. }) {
            continue;
        }
        if instances.contains(&full) {
            push(&full);
            continue;
        }
        let seps: &[&str] = if is_module { &["[", "."] } else { &["["] };
        for sep in seps {
            let start = format!("{full}{sep}");
            for a in instances.range(start.clone()..).take_while(|a| a.starts_with(&start)) {
                push(a);
            }
        }
    }
    out
}

/// How references in one resource's configuration resolve.
struct Scope<'s> {
    /// The module instance of the referring resource (`module.net[0].`), or empty.
    prefix: &'s str,
    instances: &'s BTreeSet<String>,
    /// For JSON-syntax expressions: the `references` Terraform listed; a
    /// reference read from the raw text must be among them.
    refs: Option<&'s [Json]>,
}

impl Resolve for Scope<'_> {
    fn resolve(&self, address: &str, attr: &str) -> Option<Address> {
        if let Some(refs) = self.refs {
            let full = format!("{address}.{attr}");
            if !refs.iter().any(|r| r.as_str() == Some(full.as_str())) {
                return None;
            }
        }
        let full = format!("{}{address}", self.prefix);
        self.instances.contains(&full).then_some(Address(full))
    }
}

/// A node of a resource's configuration (`configuration...resources[].expressions`).
#[derive(Clone, Copy)]
enum Cfg<'c> {
    None,
    /// Block arguments: attribute expressions and nested blocks.
    Body(&'c serde_json::Map<String, Json>),
    /// The blocks of one nested block type.
    Blocks(&'c [Json]),
    /// An attribute expression: `{"constant_value": .., "references": [..]}`.
    Expr(&'c Json),
    /// A part of a JSON-syntax expression's raw value, with that expression's references.
    Raw(&'c Json, &'c [Json]),
}

impl<'c> Cfg<'c> {
    fn of(node: &'c Json) -> Cfg<'c> {
        match node {
            Json::Object(m) if !m.is_empty() && m.keys().all(|k| k == "constant_value" || k == "references") => {
                Cfg::Expr(node)
            }
            Json::Object(m) => Cfg::Body(m),
            Json::Array(items) => Cfg::Blocks(items),
            _ => Cfg::None,
        }
    }

    /// The raw JSON-syntax value of an expression that has references.
    fn raw(e: &'c Json) -> Option<(&'c Json, &'c [Json])> {
        let refs = e.get("references")?.as_array().filter(|r| !r.is_empty())?;
        Some((e.get("constant_value")?, refs))
    }

    fn child(self, key: &str) -> Cfg<'c> {
        match self {
            Cfg::Body(m) => m.get(key).map(Cfg::of).unwrap_or(Cfg::None),
            Cfg::Expr(e) => match Cfg::raw(e) {
                Some((Json::Object(o), refs)) => o.get(key).map(|v| Cfg::Raw(v, refs)).unwrap_or(Cfg::None),
                _ => Cfg::None,
            },
            Cfg::Raw(Json::Object(o), refs) => o.get(key).map(|v| Cfg::Raw(v, refs)).unwrap_or(Cfg::None),
            _ => Cfg::None,
        }
    }

    /// The configuration of one list element. Sets are ordered differently in
    /// the plan than in the configuration, so an element is matched by its
    /// known values: exactly one consistent candidate, or nothing.
    fn element(self, known: &Value) -> Cfg<'c> {
        let candidates: Vec<Cfg<'c>> = match self {
            Cfg::Blocks(items) => items.iter().map(Cfg::of).collect(),
            Cfg::Expr(e) => match Cfg::raw(e) {
                Some((Json::Array(a), refs)) => a.iter().map(|v| Cfg::Raw(v, refs)).collect(),
                _ => return Cfg::None,
            },
            Cfg::Raw(Json::Array(a), refs) => a.iter().map(|v| Cfg::Raw(v, refs)).collect(),
            _ => return Cfg::None,
        };
        let mut matching = candidates.into_iter().filter(|c| consistent(known, *c));
        match (matching.next(), matching.next()) {
            (Some(one), None) => one,
            _ => Cfg::None,
        }
    }
}

/// Whether a configuration node could have produced the known parts of a planned value.
fn consistent(known: &Value, c: Cfg) -> bool {
    match c {
        Cfg::None | Cfg::Blocks(_) => true,
        Cfg::Body(m) => match known {
            Value::Map(k) => m.iter().all(|(key, node)| k.get(key).is_none_or(|kv| consistent(kv, Cfg::of(node)))),
            Value::Null | Value::Unknown => true,
            _ => false,
        },
        Cfg::Expr(e) => match Cfg::raw(e) {
            Some((raw, _)) => loose_eq(known, raw),
            None if e.get("references").is_some() => true,
            None => e.get("constant_value").is_none_or(|cv| loose_eq(known, cv)),
        },
        Cfg::Raw(raw, _) => loose_eq(known, raw),
    }
}

/// Equality that gives way wherever either side is not a plain literal.
fn loose_eq(known: &Value, c: &Json) -> bool {
    match (known, c) {
        (Value::Null | Value::Unknown | Value::Json(_), _) => true,
        // A template (or its escape): not comparable without evaluating it.
        (_, Json::String(s)) if s.contains("${") || s.contains("%{") => true,
        (Value::String(a), Json::String(b)) => a == b,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::List(a), Json::Array(b)) => a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| loose_eq(x, y))),
        (Value::Map(a), Json::Object(b)) => b.iter().all(|(k, y)| a.get(k).is_none_or(|x| loose_eq(x, y))),
        // Terraform converts between strings, numbers and booleans.
        (Value::String(_) | Value::Number(_) | Value::Bool(_), Json::String(_) | Json::Number(_) | Json::Bool(_)) => {
            true
        }
        _ => false,
    }
}

fn has_unknown(u: &Json) -> bool {
    match u {
        Json::Bool(b) => *b,
        Json::Array(a) => a.iter().any(has_unknown),
        Json::Object(o) => o.values().any(has_unknown),
        _ => false,
    }
}

/// Combines a planned value with its `after_unknown` marker and configuration.
/// `shape` is the matching node of `sensitive_values` (it tells collections
/// from scalars even where the value is unknown).
fn merge(known: Option<Value>, u: &Json, c: Cfg, name: Option<&str>, shape: Option<&Json>, scope: &Scope) -> Value {
    match u {
        Json::Bool(true) => from_cfg(c, name, shape, scope),
        Json::Object(um) => {
            let mut m = match known {
                Some(Value::Map(m)) => m,
                None | Some(Value::Null) => BTreeMap::new(),
                Some(other) => return other,
            };
            for (k, uk) in um {
                if has_unknown(uk) {
                    let kv = m.remove(k);
                    let shape = shape.and_then(|s| s.get(k));
                    m.insert(k.clone(), merge(kv, uk, c.child(k), Some(k), shape, scope));
                }
            }
            Value::Map(m)
        }
        Json::Array(ua) => {
            let mut l = match known {
                Some(Value::List(l)) => l,
                None | Some(Value::Null) => Vec::new(),
                Some(other) => return other,
            };
            if l.len() < ua.len() {
                l.resize(ua.len(), Value::Null);
            }
            for (i, ui) in ua.iter().enumerate() {
                if has_unknown(ui) {
                    let kv = std::mem::replace(&mut l[i], Value::Null);
                    let ci = c.element(&kv);
                    let shape = shape.and_then(|s| s.get(i));
                    l[i] = merge(Some(kv), ui, ci, None, shape, scope);
                }
            }
            Value::List(l)
        }
        _ => known.unwrap_or(Value::Null),
    }
}

/// The value of something unknown in the plan, from its configuration: a
/// reference (or template, or JSON document) when the expression says so,
/// else `Unknown`.
fn from_cfg(c: Cfg, name: Option<&str>, shape: Option<&Json>, scope: &Scope) -> Value {
    match c {
        Cfg::Expr(e) => {
            let refs = e.get("references").and_then(Json::as_array).map(Vec::as_slice).unwrap_or(&[]);
            if refs.is_empty() {
                return Value::Unknown;
            }
            match e.get("constant_value") {
                Some(raw) => expr::expression(raw, name, &Scope { refs: Some(refs), ..*scope }),
                // Native syntax: only the references are known. A collection
                // (`[aws_x.y.id]`) or a JSON document (`jsonencode({..})`) that
                // mentions one reference is not that reference.
                None if matches!(shape, Some(Json::Array(_) | Json::Object(_))) => Value::Unknown,
                None if name.is_some_and(expr::is_json_document_attr) => Value::Unknown,
                None => single_reference(refs, scope),
            }
        }
        Cfg::Raw(raw, refs) => expr::expression(raw, name, &Scope { refs: Some(refs), ..*scope }),
        Cfg::None | Cfg::Body(_) | Cfg::Blocks(_) => Value::Unknown,
    }
}

/// A native-syntax expression, known only by its `references`: a reference
/// when they name one resource attribute and nothing else but that resource.
fn single_reference(refs: &[Json], scope: &Scope) -> Value {
    let mut target: Option<(String, String)> = None;
    for r in refs {
        match r.as_str().map(expr::reference) {
            Some(Target::Resource { address, attr: Some(attr) }) => match &target {
                Some((a, t)) if *a != address || *t != attr => return Value::Unknown,
                _ => target = Some((address, attr)),
            },
            Some(Target::Resource { attr: None, .. }) => {}
            _ => return Value::Unknown,
        }
    }
    let Some((address, attr)) = target else { return Value::Unknown };
    // The containing resource must be the same one (`aws_x.y[0]` or `aws_x.y`).
    for r in refs.iter().filter_map(Json::as_str) {
        if let Target::Resource { address: a, attr: None } = expr::reference(r)
            && a != address
            && !address.strip_prefix(a.as_str()).is_some_and(|rest| rest.starts_with('['))
        {
            return Value::Unknown;
        }
    }
    match scope.resolve(&address, &attr) {
        Some(a) => Value::Ref(ecsforge_model::Reference { address: a, attr }),
        None => Value::Unknown,
    }
}
