//! A Terraform root module in JSON syntax (`*.tf.json`) → [`InfraModel`].
//!
//! All files of the module are read together, as Terraform does: a reference
//! in one file may name a resource of another. This is the inverse of
//! `ecsforge_terraform::emit`:
//!
//! * `resource.<type>.<name>` becomes the resource at address `<type>.<name>`;
//!   its attributes keep the shape they have in the file.
//! * A string is a template: `"${aws_vpc.main.id}"` alone is a [`Value::Ref`],
//!   literal text mixed with such interpolations a [`Value::Template`], `$${`
//!   and `%%{` are the literal `${` and `%{`. Any other interpolation
//!   (`var.`, `local.`, `data.`, function calls, directives) makes the string
//!   [`Value::Unknown`]; ecsforge never evaluates expressions.
//! * A reference must land on exactly one resource of the module: a resource
//!   with `count` or `for_each` has several instances, so references to it
//!   (`${aws_subnet.a[0].id}`) are `Unknown` too.
//! * JSON-document attributes (`policy`, `assume_role_policy`,
//!   `container_definitions`, `access_policies`, `*_policy`, `*_json`) are
//!   parsed first; their string leaves are then read as templates.
//! * `depends_on`, `lifecycle.ignore_changes`, `output`, the S3 backend and
//!   `provider.aws.region` go to their model fields. Keys named `//` are
//!   comments. `dynamic` blocks make the generated block `Unknown`.
//! * Override files (`override.tf.json`, `*_override.tf.json`) are merged
//!   last, argument by argument, as Terraform merges them.

use std::collections::HashMap;

use ecsforge_model::{Address, Backend, Concern, InfraModel, Kind, Output, Provenance, Resource, Value};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::expr::{self, Resolve, pointer_token};
use super::pos::Cursor;
use super::{Entries, agreed_tag, first_value, json_error};
use crate::{IngestError, Located};

const WHAT: &str = "Terraform JSON";

/// Ingests every `*.tf.json` file of one module, as `(name, text)` pairs.
pub fn ingest(files: &[(String, String)]) -> Result<InfraModel, IngestError> {
    // Base files first, then overrides, each group in the order given.
    let mut order: Vec<&(String, String)> = files.iter().filter(|(n, _)| !is_override(n)).collect();
    order.extend(files.iter().filter(|(n, _)| is_override(n)));

    let mut parsed = Vec::with_capacity(order.len());
    for (name, text) in order {
        parsed.push(File::parse(name, text)?);
    }

    // Pass 1: every resource block, so references across files resolve.
    let mut blocks: Vec<Block> = Vec::new();
    for (fi, f) in parsed.iter().enumerate() {
        f.resource_blocks(fi, &mut blocks)?;
    }
    let mut defined: HashMap<String, Defined> = HashMap::new();
    for b in &blocks {
        let f = &parsed[b.file];
        if f.is_override {
            continue;
        }
        if let Some(first) = defined.get(&b.address) {
            let fp = &parsed[first.file];
            return Err(f.error(
                b.at,
                format!(
                    "resource `{}` is defined twice; the first definition is at {}:{}:{}",
                    b.address, fp.name, first.at.line, first.at.col
                ),
                "resource addresses must be unique within a module; rename or remove one of them",
            ));
        }
        defined.insert(b.address.clone(), Defined { file: b.file, at: b.at, instances: b.instances });
    }
    let resolver = Module { defined: &defined };

    // Pass 2: convert.
    let mut model = InfraModel::default();
    for b in &blocks {
        let f = &parsed[b.file];
        let body = f.body(b)?;
        if f.is_override {
            let Some(r) = model.resources.get_mut(&Address(b.address.clone())) else {
                return Err(f.error(
                    b.at,
                    format!("override file defines `{}`, which no other file of the module defines", b.address),
                    "an override file can only change resources defined elsewhere; move the block to a normal file",
                ));
            };
            apply_body(f, b, &body, r, &resolver)?;
        } else {
            let (ty, name) = (&b.ty, &b.name);
            let prov =
                Provenance { file: f.name.to_string(), pointer: b.pointer.clone(), line: b.at.line, col: b.at.col };
            let mut r = Resource::new(Kind::from_terraform_type(ty), name, Concern::Other, prov);
            r.address = Address(b.address.clone());
            apply_body(f, b, &body, &mut r, &resolver)?;
            model.resources.insert(r.address.clone(), r);
        }
    }

    for f in &parsed {
        f.settings(&mut model, &resolver)?;
    }
    model.environment = agreed_tag(&model, "Environment");
    model.project = agreed_tag(&model, "Project");
    model.account_resources_from_outputs();
    Ok(model)
}

fn is_override(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base == "override.tf.json" || base.ends_with("_override.tf.json")
}

/// A resource as the rest of the module sees it.
struct Defined {
    file: usize,
    at: Located,
    /// Declared with `count` or `for_each`: references must name an instance.
    instances: bool,
}

/// Resolves references within the module.
struct Module<'a> {
    defined: &'a HashMap<String, Defined>,
}

impl Resolve for Module<'_> {
    fn resolve(&self, address: &str, _attr: &str) -> Option<Address> {
        // An instance (`aws_x.y[0]`) is never a key here, so references to
        // count/for_each resources stay unknown.
        self.defined.get(address).filter(|d| !d.instances).map(|_| Address(address.to_string()))
    }
}

/// One `resource.<type>.<name>` block.
struct Block<'a> {
    file: usize,
    ty: String,
    name: String,
    address: String,
    pointer: String,
    at: Located,
    raw: &'a RawValue,
    instances: bool,
}

struct File<'a> {
    name: &'a str,
    text: &'a str,
    is_override: bool,
    top: Vec<(String, &'a RawValue)>,
}

impl<'a> File<'a> {
    fn parse(name: &'a str, text: &'a str) -> Result<Self, IngestError> {
        let raw: &RawValue = serde_json::from_str(text).map_err(|e| json_error(name, text, &e, WHAT))?;
        if !raw.get().starts_with('{') {
            return Err(IngestError::new(
                name,
                text,
                Located::at(text, first_value(text), 1),
                "not a Terraform JSON file: the top level is not an object",
                "a *.tf.json file is one JSON object with keys such as `resource`, `provider` and `terraform`",
            ));
        }
        let Entries(top) = serde_json::from_str(raw.get()).map_err(|e| json_error(name, text, &e, WHAT))?;
        Ok(File { name, text, is_override: is_override(name), top })
    }

    fn error(&self, at: Located, message: impl Into<String>, hint: impl Into<String>) -> IngestError {
        IngestError::new(self.name, self.text, at, message, hint)
    }

    fn located(&self, raw: &RawValue) -> Located {
        let s = raw.get();
        let off = s.as_ptr() as usize - self.text.as_ptr() as usize;
        Located::at(self.text, off, if s.starts_with(['{', '[']) { 1 } else { s.len() })
    }

    /// The objects of a block-type value: `{...}` or `[{...}, ...]`, with their pointers.
    fn objects(&self, raw: &'a RawValue, ptr: &str, what: &str) -> Result<Vec<(Entries<'a>, String)>, IngestError> {
        let s = raw.get();
        let expected = || {
            self.error(
                self.located(raw),
                format!("expected an object for {what}"),
                "in Terraform JSON a block is an object (or an array of objects) of its arguments",
            )
        };
        if s.starts_with('{') {
            let e: Entries = serde_json::from_str(s).map_err(|_| expected())?;
            Ok(vec![(e, ptr.to_string())])
        } else if s.starts_with('[') {
            let items: Vec<&RawValue> = serde_json::from_str(s).map_err(|_| expected())?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    if !item.get().starts_with('{') {
                        return Err(expected());
                    }
                    let e: Entries = serde_json::from_str(item.get()).map_err(|_| expected())?;
                    Ok((e, format!("{ptr}/{i}")))
                })
                .collect()
        } else {
            Err(expected())
        }
    }

    fn resource_blocks(&self, file: usize, out: &mut Vec<Block<'a>>) -> Result<(), IngestError> {
        let mut cursor = Cursor::new(self.text);
        for (key, raw) in &self.top {
            if key != "resource" {
                continue;
            }
            for (types, tptr) in self.objects(raw, "/resource", "`resource`")? {
                for (ty, raw) in types.0 {
                    if ty == "//" {
                        continue;
                    }
                    let what = format!("`resource.{ty}`");
                    for (names, nptr) in self.objects(raw, &format!("{tptr}/{}", pointer_token(&ty)), &what)? {
                        for (name, raw) in names.0 {
                            if name == "//" {
                                continue;
                            }
                            let pointer = format!("{nptr}/{}", pointer_token(&name));
                            let mut raw = raw;
                            if raw.get().starts_with('[') {
                                // `"name": [{...}]`: one resource block written as a list.
                                let items: Vec<&RawValue> = serde_json::from_str(raw.get()).unwrap_or_default();
                                if let [one] = items.as_slice() {
                                    raw = one;
                                }
                            }
                            let off = cursor.offset_of(raw);
                            if !raw.get().starts_with('{') {
                                return Err(self.error(
                                    self.located(raw),
                                    format!("resource `{ty}.{name}` is not an object"),
                                    "write the resource's arguments as a JSON object",
                                ));
                            }
                            let (line, col) = cursor.line_col(off);
                            let at = Located { offset: off, len: 1, line, col };
                            let Entries(body) = serde_json::from_str(raw.get())
                                .map_err(|e| json_error(self.name, self.text, &e, WHAT))?;
                            let instances = body.iter().any(|(k, _)| k == "count" || k == "for_each");
                            out.push(Block {
                                file,
                                address: format!("{ty}.{name}"),
                                ty: ty.clone(),
                                name,
                                pointer,
                                at,
                                raw,
                                instances,
                            });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn body(&self, b: &Block) -> Result<serde_json::Map<String, Json>, IngestError> {
        match serde_json::from_str::<Json>(b.raw.get()) {
            Ok(Json::Object(m)) => Ok(m),
            Ok(_) => unreachable!("checked in pass 1"),
            Err(e) => Err(json_error(self.name, self.text, &e, WHAT)),
        }
    }

    /// `output`, `terraform.backend` and `provider.aws.region`.
    fn settings(&self, model: &mut InfraModel, r: &Module) -> Result<(), IngestError> {
        for (key, raw) in &self.top {
            match key.as_str() {
                "output" => {
                    for (outputs, _) in self.objects(raw, "/output", "`output`")? {
                        for (name, raw) in outputs.0 {
                            if name == "//" {
                                continue;
                            }
                            let Ok(Json::Object(body)) = serde_json::from_str::<Json>(raw.get()) else {
                                return Err(self.error(
                                    self.located(raw),
                                    format!("output `{name}` is not an object"),
                                    "write an output as an object with `value` and, optionally, `description`",
                                ));
                            };
                            let prev = model.outputs.remove(&name);
                            let value = match body.get("value") {
                                Some(v) => expr::expression(v, None, r),
                                None => prev.as_ref().map(|o| o.value.clone()).unwrap_or(Value::Null),
                            };
                            let description = match body.get("description") {
                                Some(Json::String(d)) => d.clone(),
                                _ => prev.map(|o| o.description).unwrap_or_default(),
                            };
                            model.outputs.insert(name, Output { value, description });
                        }
                    }
                }
                "terraform" => {
                    for (block, _) in self.objects(raw, "/terraform", "`terraform`")? {
                        for (k, raw) in block.0 {
                            if k != "backend" {
                                continue;
                            }
                            let Ok(Json::Object(backends)) = serde_json::from_str::<Json>(raw.get()) else { continue };
                            model.backend = backends.get("s3").and_then(Json::as_object).map(|s3| {
                                let field = |k: &str| s3.get(k).and_then(Json::as_str).map(literal).unwrap_or_default();
                                Backend {
                                    bucket: field("bucket"),
                                    key: field("key"),
                                    region: field("region"),
                                    dynamodb_table: field("dynamodb_table"),
                                }
                            });
                        }
                    }
                }
                "provider" => {
                    for (providers, _) in self.objects(raw, "/provider", "`provider`")? {
                        for (name, raw) in providers.0 {
                            if name != "aws" {
                                continue;
                            }
                            let configs = match serde_json::from_str::<Json>(raw.get()) {
                                Ok(Json::Array(items)) => items,
                                Ok(one) => vec![one],
                                Err(_) => continue,
                            };
                            // The default (unaliased) configuration.
                            for c in configs.iter().filter(|c| c.get("alias").is_none()) {
                                if let Some(region) = c.get("region").and_then(Json::as_str) {
                                    model.region = literal(region);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A string that must be a literal (backend and provider settings); empty
/// when it is built from variables or functions.
fn literal(s: &str) -> String {
    match expr::template(s, &NoResources) {
        Value::String(s) => s,
        _ => String::new(),
    }
}

struct NoResources;
impl Resolve for NoResources {
    fn resolve(&self, _: &str, _: &str) -> Option<Address> {
        None
    }
}

/// Applies one resource body (a definition, or an override of one).
fn apply_body(
    f: &File,
    b: &Block,
    body: &serde_json::Map<String, Json>,
    r: &mut Resource,
    module: &Module,
) -> Result<(), IngestError> {
    for (key, v) in body {
        match key.as_str() {
            "//" | "count" | "for_each" | "provider" | "provisioner" | "connection" => {}
            "depends_on" => {
                let mut deps = Vec::new();
                for d in v.as_array().into_iter().flatten() {
                    let Some(d) = d.as_str() else { continue };
                    let d = d.strip_prefix("${").and_then(|d| d.strip_suffix('}')).unwrap_or(d);
                    // Data sources and modules are not resources of the model.
                    if let expr::Target::Resource { address, attr: None } = expr::reference(d) {
                        if !module.defined.contains_key(&address) {
                            return Err(f.error(
                                b.at,
                                format!("`{}` depends on `{address}`, which the module does not define", b.address),
                                "define that resource or remove it from `depends_on`",
                            ));
                        }
                        let a = Address(address);
                        if !deps.contains(&a) {
                            deps.push(a);
                        }
                    }
                }
                r.depends_on = deps;
            }
            "lifecycle" => {
                let blocks: Vec<&Json> = match v {
                    Json::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                for l in blocks {
                    match l.get("ignore_changes") {
                        Some(Json::Array(items)) => {
                            r.ignore_changes = items.iter().filter_map(Json::as_str).map(String::from).collect();
                        }
                        Some(Json::String(s)) => r.ignore_changes = vec![s.clone()],
                        _ => {}
                    }
                }
            }
            "dynamic" => {
                // Blocks generated from an expression: their content is unknown here.
                for ty in v.as_object().into_iter().flat_map(|m| m.keys()) {
                    if ty != "//" {
                        r.attrs.insert(ty.clone(), Value::Unknown);
                    }
                }
            }
            _ => {
                r.attrs.insert(key.clone(), expr::expression(v, Some(key), module));
            }
        }
    }
    Ok(())
}
