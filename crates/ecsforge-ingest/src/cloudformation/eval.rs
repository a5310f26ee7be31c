//! Intrinsic functions, parameters, mappings and conditions → model values.
//!
//! Evaluation is honest: what is known (literals, parameter defaults,
//! mappings, pseudo parameters the caller supplied) is computed; a reference
//! to a resource becomes a [`Value::Ref`] (or a [`Value::Template`] inside a
//! string); anything else (imports, AZ lists, unknown parameters, a condition
//! that depends on one) becomes [`Value::Unknown`]. Nothing is guessed.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::str::FromStr;

use ecsforge_model::value::Part;
use ecsforge_model::{Address, Reference, Value};

use super::names;
use super::tree::{Entry, N, Node, Src};
use crate::{IngestError, Located};

type R<T> = Result<T, IngestError>;

/// Short-form YAML tags and the long-form keys they stand for.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAtt", "Fn::GetAtt"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
];

/// The long-form key of a short-form tag suffix (`GetAtt` → `Fn::GetAtt`).
pub(crate) fn short_form(suffix: &str) -> Option<&'static str> {
    SHORT_FORMS.iter().find(|(s, _)| *s == suffix).map(|(_, l)| *l)
}

/// The hint for an unknown intrinsic: every supported one.
/// `name` is as written: `Fn::Bogus` or `!Reff`.
pub(crate) fn supported_hint(name: &str) -> String {
    let short = name.strip_prefix('!');
    let bare = short.unwrap_or(name).trim_start_matches("Fn::").to_ascii_lowercase();
    let close = SHORT_FORMS
        .iter()
        .map(|(s, l)| (strsim::jaro_winkler(&bare, &s.to_ascii_lowercase()), s, l))
        .filter(|(score, _, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let suggestion = match (close, short) {
        (Some((_, s, _)), Some(_)) => format!("did you mean `!{s}`? "),
        (Some((_, _, l)), None) => format!("did you mean `{l}`? "),
        (None, _) => String::new(),
    };
    let long: Vec<&str> = SHORT_FORMS.iter().map(|(_, l)| *l).collect();
    format!(
        "{suggestion}supported: {}; in YAML each has a short form without `Fn::` (!GetAtt, !Sub, ...)",
        long.join(", ")
    )
}

fn usage(f: &str) -> &'static str {
    match f {
        "Fn::GetAtt" => "[LogicalId, AttributeName] or \"LogicalId.AttributeName\"",
        "Fn::Join" => "[delimiter, [value, ...]]",
        "Fn::Select" => "[index, list]",
        "Fn::Split" => "[delimiter, string]",
        "Fn::FindInMap" => "[MapName, TopLevelKey, SecondLevelKey] (and optionally {DefaultValue: value})",
        "Fn::Cidr" => "[ipBlock, count, cidrBits]",
        "Fn::If" => "[ConditionName, value_if_true, value_if_false]",
        "Fn::Sub" => "a string, or [string, {Variable: value, ...}]",
        "Fn::Equals" => "[value, value]",
        "Fn::And" | "Fn::Or" => "a list of 2 to 10 conditions",
        "Fn::Not" => "a list of 1 condition",
        "Ref" => "a logical id, a parameter name or a pseudo parameter such as AWS::Region, as a string",
        "Condition" => "a condition name, as a string",
        _ => "its documented arguments",
    }
}

/// Where a value is being evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Resource properties and outputs.
    Property,
    /// The Conditions section: no resource references.
    Condition,
}

/// What the evaluator knows about one resource before evaluating it.
pub(crate) struct ResInfo<'t> {
    pub id: String,
    pub cfn_type: String,
    pub node: &'t Node,
    pub key_at: Located,
    pub address: Address,
    pub ref_attr: &'static str,
    /// The resource's `Condition`, with its location.
    pub condition: Option<(String, Located)>,
    /// Set once conditions are known: the false condition that omits the resource.
    pub omitted_by: Option<String>,
}

#[derive(Clone, Copy)]
enum CondState {
    Evaluating,
    Done(Option<bool>),
}

pub(crate) struct Eval<'s, 't> {
    pub src: &'s Src<'t>,
    pub params: BTreeMap<String, Value>,
    pub mappings: BTreeMap<String, &'t Node>,
    pub conditions: BTreeMap<String, &'t Node>,
    pub resources: BTreeMap<String, ResInfo<'t>>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub stack_name: Option<String>,
    cond_state: RefCell<BTreeMap<String, CondState>>,
    depth: Cell<u32>,
}

fn lit(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

/// The string form of a scalar (CloudFormation compares and joins strings).
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether a value is unknown, or a string with an unknown piece: either way
/// not usable where CloudFormation needs a whole known string (a mapping
/// key, an index, a delimiter, a comparison).
pub(crate) fn unknownish(v: &Value) -> bool {
    match v {
        Value::Unknown => true,
        Value::Template(parts) => parts.iter().any(|p| matches!(p, Part::Unknown)),
        _ => false,
    }
}

/// Builds a string from pieces: a plain string when every piece is literal,
/// a template when some are references or unknown (so the known rest stays
/// readable), and `Unknown` when nothing of it is known.
struct Pieces(Vec<Part>);

impl Pieces {
    fn lit(&mut self, s: &str) {
        if let Some(Part::Lit(last)) = self.0.last_mut() {
            last.push_str(s);
        } else if !s.is_empty() {
            self.0.push(Part::Lit(s.to_string()));
        }
    }
    /// Adds a value; an unknown value becomes an unknown piece, so the known
    /// rest of the string stays readable (`com.amazonaws.<unknown>.s3`).
    /// `Err` when the value is not a string.
    fn value(&mut self, v: &Value) -> Result<(), &'static str> {
        match v {
            Value::Unknown => self.0.push(Part::Unknown),
            Value::Ref(r) => self.0.push(Part::Ref(r.clone())),
            Value::Template(parts) => {
                for p in parts {
                    match p {
                        Part::Lit(s) => self.lit(s),
                        Part::Ref(r) => self.0.push(Part::Ref(r.clone())),
                        Part::Unknown => self.0.push(Part::Unknown),
                    }
                }
            }
            Value::List(_) => return Err("a list"),
            Value::Map(_) | Value::Json(_) => return Err("a mapping"),
            Value::Null => return Err("null"),
            other => self.lit(&scalar_string(other).unwrap_or_default()),
        }
        Ok(())
    }
    fn finish(self) -> Value {
        match self.0.as_slice() {
            [] => lit(""),
            [Part::Lit(s)] => lit(s.clone()),
            parts if parts.iter().all(|p| matches!(p, Part::Unknown)) => Value::Unknown,
            _ => Value::Template(self.0),
        }
    }
}

impl<'s, 't> Eval<'s, 't> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        src: &'s Src<'t>,
        params: BTreeMap<String, Value>,
        mappings: BTreeMap<String, &'t Node>,
        conditions: BTreeMap<String, &'t Node>,
        resources: BTreeMap<String, ResInfo<'t>>,
        region: Option<String>,
        account_id: Option<String>,
        stack_name: Option<String>,
    ) -> Self {
        Eval {
            src,
            params,
            mappings,
            conditions,
            resources,
            region,
            account_id,
            stack_name,
            cond_state: RefCell::new(BTreeMap::new()),
            depth: Cell::new(0),
        }
    }

    fn err(&self, at: Located, message: impl Into<String>, hint: impl Into<String>) -> IngestError {
        self.src.error(at, message, hint)
    }

    fn arity_err(&self, f: &str, arg: &Node) -> IngestError {
        self.err(
            arg.at,
            format!("{f} takes {}; found {}", usage(f), arg.describe()),
            format!("write {f} as {}", usage(f)),
        )
    }

    /// The arguments of `f` as a list of `min..=max` items.
    fn args<'n>(&self, f: &str, arg: &'n Node, min: usize, max: usize) -> R<&'n [Node]> {
        match &arg.v {
            N::Seq(items) if (min..=max).contains(&items.len()) => Ok(items),
            _ => Err(self.arity_err(f, arg)),
        }
    }

    /// "did you mean" for a misspelt name.
    fn suggest<'x>(&self, name: &str, candidates: impl Iterator<Item = &'x String>) -> String {
        let best = candidates
            .map(|c| (strsim::jaro_winkler(&name.to_ascii_lowercase(), &c.to_ascii_lowercase()), c))
            .filter(|(score, _)| *score > 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((_, c)) => format!("did you mean `{c}`? "),
            None => String::new(),
        }
    }

    // ---- pseudo parameters and references ------------------------------

    fn partition(&self) -> &'static str {
        match self.region.as_deref() {
            Some(r) if r.starts_with("cn-") => "aws-cn",
            Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
            Some(r) if r.starts_with("us-isob-") => "aws-iso-b",
            Some(r) if r.starts_with("us-iso-") => "aws-iso",
            _ => "aws",
        }
    }

    /// `None`: not a pseudo parameter. `Some(None)`: `AWS::NoValue`.
    fn pseudo(&self, name: &str) -> Option<Option<Value>> {
        let known = |v: &Option<String>| Some(v.clone().map(Value::String).unwrap_or(Value::Unknown));
        Some(match name {
            "AWS::Region" => known(&self.region),
            "AWS::AccountId" => known(&self.account_id),
            "AWS::StackName" => known(&self.stack_name),
            "AWS::StackId" | "AWS::NotificationARNs" => Some(Value::Unknown),
            "AWS::Partition" => Some(lit(self.partition())),
            "AWS::URLSuffix" => {
                Some(lit(if self.partition() == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" }))
            }
            "AWS::NoValue" => None,
            _ => return None,
        })
    }

    /// The resource `id`, or an error if it is not one (or is omitted by its condition).
    fn resource(&self, id: &str, at: Located, what: &str) -> R<&ResInfo<'t>> {
        match self.resources.get(id) {
            Some(r) => match &r.omitted_by {
                Some(c) => Err(self.err(
                    at,
                    format!("{what} `{id}`, which is not created because its condition `{c}` is false"),
                    format!("guard the reference with `!If [{c}, ..., !Ref AWS::NoValue]` or drop it"),
                )),
                None => Ok(r),
            },
            None if self.params.contains_key(id) => Err(self.err(
                at,
                format!("{what} `{id}`, which is a parameter, not a resource"),
                "Fn::GetAtt reads resource attributes; use !Ref for a parameter",
            )),
            None => Err(self.err(
                at,
                format!("no resource named `{id}`"),
                format!("{}Fn::GetAtt takes a logical id from Resources", self.suggest(id, self.resources.keys())),
            )),
        }
    }

    /// `Ref name`.
    fn reference(&self, name: &str, at: Located, mode: Mode) -> R<Option<Value>> {
        if let Some(v) = self.pseudo(name) {
            return Ok(v);
        }
        if name.starts_with("AWS::") {
            return Err(self.err(
                at,
                format!("unknown pseudo parameter `{name}`"),
                "pseudo parameters: AWS::AccountId, AWS::NoValue, AWS::NotificationARNs, AWS::Partition, AWS::Region, AWS::StackId, AWS::StackName, AWS::URLSuffix",
            ));
        }
        if let Some(v) = self.params.get(name) {
            return Ok(Some(v.clone()));
        }
        if self.resources.contains_key(name) {
            if mode == Mode::Condition {
                return Err(self.err(
                    at,
                    format!("conditions cannot refer to resources; `{name}` is a resource"),
                    "conditions may use parameters, mappings and pseudo parameters only",
                ));
            }
            let r = self.resource(name, at, "Ref to")?;
            return Ok(Some(Value::Ref(Reference { address: r.address.clone(), attr: r.ref_attr.to_string() })));
        }
        let candidates: Vec<&String> = self.params.keys().chain(self.resources.keys()).collect();
        Err(self.err(
            at,
            format!("no resource or parameter named `{name}`"),
            format!(
                "{}Ref takes a logical id from Resources, a parameter name or a pseudo parameter such as AWS::Region",
                self.suggest(name, candidates.into_iter())
            ),
        ))
    }

    fn getatt(&self, id: &str, attr: &str, at: Located, mode: Mode) -> R<Value> {
        if mode == Mode::Condition {
            return Err(self.err(
                at,
                "conditions cannot read resource attributes",
                "conditions may use parameters, mappings and pseudo parameters only",
            ));
        }
        let r = self.resource(id, at, "Fn::GetAtt reads")?;
        Ok(Value::Ref(Reference { address: r.address.clone(), attr: names::getatt_attr(&r.cfn_type, attr) }))
    }

    // ---- evaluation ------------------------------------------------------

    /// Evaluates a node. `None` means `AWS::NoValue`: the caller drops the key or item.
    pub fn eval(&self, n: &Node, mode: Mode) -> R<Option<Value>> {
        match &n.v {
            N::Null => Err(self.err(
                n.at,
                "null values are not allowed in templates",
                "give the key a value or remove it; to leave a property unset conditionally use !Ref AWS::NoValue",
            )),
            N::Bool(b) => Ok(Some(Value::Bool(*b))),
            N::Num(x, _) => Ok(Some(Value::Number(x.clone()))),
            N::Str(s) => Ok(Some(lit(s.clone()))),
            N::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    if let Some(v) = self.eval(it, mode)? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::List(out)))
            }
            N::Map(entries) => {
                if let Some(e) = self.intrinsic_entry(n, entries, mode)? {
                    return self.intrinsic(e, mode);
                }
                let mut out = BTreeMap::new();
                for e in entries {
                    if let Some(v) = self.eval(&e.value, mode)? {
                        out.insert(e.key.clone(), v);
                    }
                }
                Ok(Some(Value::Map(out)))
            }
        }
    }

    /// Like [`Eval::eval`], but `AWS::NoValue` is an error.
    fn eval_value(&self, n: &Node, mode: Mode, what: &str) -> R<Value> {
        self.eval(n, mode)?.ok_or_else(|| {
            self.err(
                n.at,
                format!("AWS::NoValue cannot be used as {what}"),
                "AWS::NoValue only removes a property or a list item",
            )
        })
    }

    /// The entry of a one-key mapping that is an intrinsic function call.
    fn intrinsic_entry<'n>(&self, n: &'n Node, entries: &'n [Entry], mode: Mode) -> R<Option<&'n Entry>> {
        let is_fn = |k: &str| k == "Ref" || k.starts_with("Fn::");
        if entries.len() == 1 {
            let e = &entries[0];
            if is_fn(&e.key) || (e.key == "Condition" && (n.short || mode == Mode::Condition)) {
                return Ok(Some(e));
            }
            return Ok(None);
        }
        if let Some(e) = entries.iter().find(|e| is_fn(&e.key)) {
            return Err(self.err(
                e.key_at,
                format!("`{}` must be the only key of its mapping", e.key),
                "an intrinsic function is a mapping with exactly one key; move the other keys out",
            ));
        }
        Ok(None)
    }

    fn intrinsic(&self, e: &Entry, mode: Mode) -> R<Option<Value>> {
        let f = e.key.as_str();
        let arg = &e.value;
        let v = match f {
            "Ref" => {
                let Some(name) = arg.as_str() else { return Err(self.arity_err(f, arg)) };
                return self.reference(name, arg.at, mode);
            }
            "Fn::GetAtt" => {
                let (id, attr) = match &arg.v {
                    N::Str(s) => match s.split_once('.') {
                        Some((id, attr)) if !id.is_empty() && !attr.is_empty() => (id.to_string(), attr.to_string()),
                        _ => return Err(self.arity_err(f, arg)),
                    },
                    N::Seq(items) if items.len() == 2 => {
                        let Some(id) = items[0].as_str() else { return Err(self.arity_err(f, arg)) };
                        let attr = match self.eval_value(&items[1], mode, "an attribute name")? {
                            Value::String(s) => s,
                            v if unknownish(&v) => return Ok(Some(Value::Unknown)),
                            _ => return Err(self.arity_err(f, arg)),
                        };
                        (id.to_string(), attr)
                    }
                    _ => return Err(self.arity_err(f, arg)),
                };
                self.getatt(&id, &attr, arg.at, mode)?
            }
            "Fn::Sub" => self.sub(arg, mode)?,
            "Fn::Join" => self.join(arg, mode)?,
            "Fn::Select" => self.select(arg, mode)?,
            "Fn::Split" => self.split(arg, mode)?,
            "Fn::FindInMap" => self.find_in_map(arg, mode)?,
            "Fn::Cidr" => self.cidr(arg, mode)?,
            "Fn::If" => return self.fn_if(arg, mode),
            "Fn::ImportValue" | "Fn::GetAZs" => {
                // Known only at deploy time; still check the argument.
                self.eval(arg, mode)?;
                Value::Unknown
            }
            "Fn::Base64" => match self.eval_value(arg, mode, "the argument of Fn::Base64")? {
                // The property receives the encoded text; the model keeps the decoded text for analysis.
                v @ (Value::String(_) | Value::Template(_) | Value::Unknown) => v,
                _ => {
                    return Err(self.err(
                        arg.at,
                        "Fn::Base64 takes a string",
                        "pass a string, for example `!Base64 !Sub |` ...",
                    ));
                }
            },
            "Fn::Length" => match self.eval_value(arg, mode, "the argument of Fn::Length")? {
                Value::List(l) => Value::from(l.len()),
                Value::Unknown | Value::Ref(_) => Value::Unknown,
                _ => {
                    return Err(self.err(
                        arg.at,
                        "Fn::Length takes a list",
                        "pass a list or a function that returns one",
                    ));
                }
            },
            "Fn::ToJsonString" => {
                let v = self.eval_value(arg, mode, "the argument of Fn::ToJsonString")?;
                if comparable(&v) { Value::json(v) } else { Value::Unknown }
            }
            // A macro: its output is not known until CloudFormation runs it.
            "Fn::Transform" => Value::Unknown,
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                return Err(self.err(
                    e.key_at,
                    format!("{f} can only be used in the Conditions section"),
                    "define a named condition under Conditions and use it with Fn::If",
                ));
            }
            "Condition" => {
                return Err(self.err(
                    e.key_at,
                    "!Condition can only be used inside Fn::And, Fn::Or and Fn::Not in the Conditions section",
                    "to choose a value by condition use `!If [ConditionName, value_if_true, value_if_false]`",
                ));
            }
            _ => {
                return Err(self.err(e.key_at, format!("unknown intrinsic function `{f}`"), supported_hint(f)));
            }
        };
        Ok(Some(v))
    }

    fn sub(&self, arg: &Node, mode: Mode) -> R<Value> {
        let (tmpl, vars_node) = match &arg.v {
            N::Str(s) => (s.as_str(), None),
            N::Seq(items) if items.len() == 2 && items[1].is_map() => match items[0].as_str() {
                Some(s) => (s, Some(&items[1])),
                None => return Err(self.arity_err("Fn::Sub", arg)),
            },
            _ => return Err(self.arity_err("Fn::Sub", arg)),
        };
        let tmpl_node = if vars_node.is_some() { &arg.items()[0] } else { arg };
        let mut vars = BTreeMap::new();
        if let Some(vn) = vars_node {
            if self.intrinsic_entry(vn, vn.entries(), mode)?.is_some() {
                return Err(self.arity_err("Fn::Sub", arg));
            }
            for e in vn.entries() {
                vars.insert(e.key.as_str(), (self.eval_value(&e.value, mode, "a Fn::Sub variable")?, e.value.at));
            }
        }
        let mut out = Pieces(Vec::new());
        let mut rest = tmpl;
        while let Some(start) = rest.find("${") {
            out.lit(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.lit(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.lit(&format!("${{{literal}}}"));
                continue;
            }
            let name = name.trim();
            let at = self.locate_in(tmpl_node, &format!("${{{name}}}"));
            let value = if let Some((v, _)) = vars.get(name) {
                v.clone()
            } else if !name.starts_with("AWS::") && name.contains('.') {
                let (id, attr) = name.split_once('.').unwrap_or((name, ""));
                if !self.resources.contains_key(id) {
                    return Err(self.err(
                        at,
                        format!("Fn::Sub refers to `{name}`, but there is no resource named `{id}`"),
                        format!(
                            "{}`${{Resource.Attribute}}` reads a resource attribute",
                            self.suggest(id, self.resources.keys())
                        ),
                    ));
                }
                self.getatt(id, attr, at, mode)?
            } else {
                match self.reference(name, at, mode) {
                    Ok(Some(v)) => v,
                    Ok(None) => {
                        return Err(self.err(
                            at,
                            "AWS::NoValue cannot be used in Fn::Sub",
                            "AWS::NoValue only removes a property or a list item",
                        ));
                    }
                    Err(mut e) => {
                        if e.message.starts_with("no resource or parameter") {
                            let candidates: Vec<&String> = self.params.keys().chain(self.resources.keys()).collect();
                            let vars: Vec<String> = vars.keys().map(|v| v.to_string()).collect();
                            e.message =
                                format!("Fn::Sub refers to `{name}`, which is not a resource, parameter or variable");
                            e.hint = format!(
                                "{}`${{Name}}` names a parameter, a resource, a pseudo parameter such as AWS::Region or a Fn::Sub variable; write `${{!Name}}` for a literal `${{Name}}`",
                                self.suggest(name, candidates.into_iter().chain(vars.iter()))
                            );
                        }
                        return Err(e);
                    }
                }
            };
            match out.value(&value) {
                Ok(()) => {}
                Err(what) => {
                    return Err(self.err(
                        at,
                        format!("Fn::Sub cannot put {what} into a string (`{name}`)"),
                        "use Fn::Join to turn a list into a string first",
                    ));
                }
            }
        }
        out.lit(rest);
        Ok(out.finish())
    }

    /// The location of `needle` inside a string node, when it appears there verbatim.
    fn locate_in(&self, n: &Node, needle: &str) -> Located {
        let span = self.src.text.get(n.at.offset..n.at.offset + n.at.len).unwrap_or("");
        match span.find(needle) {
            Some(i) => self.src.at(n.at.offset + i, needle.len()),
            None => n.at,
        }
    }

    fn join(&self, arg: &Node, mode: Mode) -> R<Value> {
        let a = self.args("Fn::Join", arg, 2, 2)?;
        let delim = match self.eval_value(&a[0], mode, "a delimiter")? {
            Value::String(s) => s,
            v if unknownish(&v) => return Ok(Value::Unknown),
            _ => {
                return Err(self.err(
                    a[0].at,
                    "the Fn::Join delimiter must be a string",
                    "write `!Join [\",\", [a, b]]`",
                ));
            }
        };
        let items = match self.eval_value(&a[1], mode, "the list of Fn::Join")? {
            Value::List(l) => l,
            Value::Unknown | Value::Ref(_) => return Ok(Value::Unknown),
            _ => return Err(self.err(a[1].at, "Fn::Join needs a list of values to join", usage("Fn::Join"))),
        };
        let mut out = Pieces(Vec::new());
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                out.lit(&delim);
            }
            match out.value(v) {
                Ok(()) => {}
                Err(what) => {
                    return Err(self.err(
                        a[1].at,
                        format!("Fn::Join can only join strings; item {i} is {what}"),
                        "flatten the list first",
                    ));
                }
            }
        }
        Ok(out.finish())
    }

    fn select(&self, arg: &Node, mode: Mode) -> R<Value> {
        let a = self.args("Fn::Select", arg, 2, 2)?;
        let index = match self.eval_value(&a[0], mode, "an index")? {
            v if unknownish(&v) => return Ok(Value::Unknown),
            v => match scalar_string(&v).and_then(|s| s.parse::<usize>().ok()) {
                Some(i) => i,
                None => {
                    return Err(self.err(
                        a[0].at,
                        "the Fn::Select index must be a whole number (0 or more)",
                        usage("Fn::Select"),
                    ));
                }
            },
        };
        match self.eval_value(&a[1], mode, "the list of Fn::Select")? {
            Value::List(l) => match l.get(index) {
                Some(v) => Ok(v.clone()),
                None => Err(self.err(
                    a[0].at,
                    format!("Fn::Select index {index} is out of range for a list of {} items", l.len()),
                    "indexes start at 0",
                )),
            },
            Value::Unknown | Value::Ref(_) => Ok(Value::Unknown),
            _ => Err(self.err(a[1].at, "Fn::Select needs a list to select from", usage("Fn::Select"))),
        }
    }

    fn split(&self, arg: &Node, mode: Mode) -> R<Value> {
        let a = self.args("Fn::Split", arg, 2, 2)?;
        let delim = match self.eval_value(&a[0], mode, "a delimiter")? {
            Value::String(s) if !s.is_empty() => s,
            v if unknownish(&v) => return Ok(Value::Unknown),
            _ => {
                return Err(self.err(
                    a[0].at,
                    "the Fn::Split delimiter must be a non-empty string",
                    usage("Fn::Split"),
                ));
            }
        };
        match self.eval_value(&a[1], mode, "the string of Fn::Split")? {
            Value::String(s) => Ok(Value::List(s.split(delim.as_str()).map(lit).collect())),
            Value::Unknown | Value::Ref(_) | Value::Template(_) => Ok(Value::Unknown),
            _ => Err(self.err(a[1].at, "Fn::Split needs a string to split", usage("Fn::Split"))),
        }
    }

    fn find_in_map(&self, arg: &Node, mode: Mode) -> R<Value> {
        let a = self.args("Fn::FindInMap", arg, 3, 4)?;
        let default = match a.get(3) {
            Some(d) => match d.get("DefaultValue") {
                Some(v) if d.entries().len() == 1 => Some(v),
                _ => return Err(self.arity_err("Fn::FindInMap", arg)),
            },
            None => None,
        };
        let mut keys = Vec::with_capacity(3);
        for k in &a[..3] {
            match self.eval_value(k, mode, "a mapping key")? {
                v if unknownish(&v) => return Ok(Value::Unknown),
                v => match scalar_string(&v) {
                    Some(s) => keys.push(s),
                    None => return Err(self.err(k.at, "Fn::FindInMap keys must be strings", usage("Fn::FindInMap"))),
                },
            }
        }
        let Some(map) = self.mappings.get(&keys[0]) else {
            return Err(self.err(
                a[0].at,
                format!("no mapping named `{}`", keys[0]),
                format!("{}define it under Mappings", self.suggest(&keys[0], self.mappings.keys())),
            ));
        };
        let missing = |level: usize, key: &str, within: &str| -> R<Value> {
            match default {
                Some(d) => self.eval_value(d, mode, "a default value"),
                None => Err(self.err(
                    a[level].at,
                    format!("mapping `{within}` has no key `{key}`"),
                    "add the key to the mapping, or give Fn::FindInMap a {DefaultValue: ...} (AWS::LanguageExtensions)",
                )),
            }
        };
        let Some(top) = map.get(&keys[1]) else { return missing(1, &keys[1], &keys[0]) };
        let Some(v) = top.get(&keys[2]) else { return missing(2, &keys[2], &format!("{}.{}", keys[0], keys[1])) };
        self.eval_value(v, mode, "a mapping value")
    }

    fn cidr(&self, arg: &Node, mode: Mode) -> R<Value> {
        let a = self.args("Fn::Cidr", arg, 3, 3)?;
        let block = match self.eval_value(&a[0], mode, "an IP block")? {
            Value::String(s) => s,
            // A VPC's `CidrBlock` attribute echoes its property: use the literal when there is one.
            Value::Ref(r) if r.attr == "cidr_block" => match self.echo_cidr(&r)? {
                Some(s) => s,
                None => return Ok(Value::Unknown),
            },
            Value::Unknown | Value::Ref(_) | Value::Template(_) => return Ok(Value::Unknown),
            _ => return Err(self.err(a[0].at, "the Fn::Cidr IP block must be a CIDR string", usage("Fn::Cidr"))),
        };
        let mut nums = [0u32; 2];
        for (i, n) in a[1..].iter().enumerate() {
            match self.eval_value(n, mode, "a number")? {
                v if unknownish(&v) => return Ok(Value::Unknown),
                v => match scalar_string(&v).and_then(|s| s.parse::<u32>().ok()) {
                    Some(x) => nums[i] = x,
                    None => {
                        return Err(self.err(
                            n.at,
                            "Fn::Cidr count and cidrBits must be whole numbers",
                            usage("Fn::Cidr"),
                        ));
                    }
                },
            }
        }
        let [count, bits] = nums;
        let net = ipnet::IpNet::from_str(&block)
            .map_err(|_| self.err(a[0].at, format!("`{block}` is not a CIDR block"), "write it like 10.0.0.0/16"))?
            .trunc();
        let max = net.max_prefix_len() as u32;
        if !(1..=256).contains(&count) {
            return Err(self.err(a[1].at, format!("Fn::Cidr count must be 1 to 256, not {count}"), usage("Fn::Cidr")));
        }
        if bits == 0 || bits > max || max - bits < net.prefix_len() as u32 {
            return Err(self.err(
                a[2].at,
                format!("Fn::Cidr cannot cut /{} subnets ({bits} host bits) out of {net}", max.saturating_sub(bits)),
                format!("cidrBits is the number of host bits: between 1 and {}", max - net.prefix_len() as u32),
            ));
        }
        let subnets: Vec<Value> = net
            .subnets((max - bits) as u8)
            .map_err(|_| self.err(a[2].at, "Fn::Cidr cannot cut these subnets", usage("Fn::Cidr")))?
            .take(count as usize)
            .map(|s| lit(s.to_string()))
            .collect();
        if subnets.len() < count as usize {
            return Err(self.err(
                a[1].at,
                format!("{net} holds only {} subnets of /{}, not {count}", subnets.len(), max - bits),
                "ask for fewer subnets or fewer host bits",
            ));
        }
        Ok(Value::List(subnets))
    }

    /// The literal `CidrBlock` property of the VPC `r` points at, if it has one.
    fn echo_cidr(&self, r: &Reference) -> R<Option<String>> {
        let Some(info) = self.resources.values().find(|i| i.address == r.address && i.cfn_type == "AWS::EC2::VPC")
        else {
            return Ok(None);
        };
        let Some(node) = info.node.at_path(&["Properties", "CidrBlock"]) else { return Ok(None) };
        if self.depth.get() > 8 {
            return Ok(None);
        }
        self.depth.set(self.depth.get() + 1);
        let v = self.eval(node, Mode::Property);
        self.depth.set(self.depth.get() - 1);
        Ok(match v? {
            Some(Value::String(s)) => Some(s),
            _ => None,
        })
    }

    fn fn_if(&self, arg: &Node, mode: Mode) -> R<Option<Value>> {
        let a = self.args("Fn::If", arg, 3, 3)?;
        let Some(name) = a[0].as_str() else {
            return Err(self.err(a[0].at, "the first item of Fn::If must be a condition name", usage("Fn::If")));
        };
        match self.condition(name, a[0].at)? {
            Some(true) => self.eval(&a[1], mode),
            Some(false) => self.eval(&a[2], mode),
            None => {
                // Either branch may apply; check both, know neither.
                self.eval(&a[1], mode)?;
                self.eval(&a[2], mode)?;
                Ok(Some(Value::Unknown))
            }
        }
    }

    // ---- conditions --------------------------------------------------------

    /// The value of a named condition: `None` when it depends on something unknown.
    pub fn condition(&self, name: &str, at: Located) -> R<Option<bool>> {
        if let Some(state) = self.cond_state.borrow().get(name).copied() {
            return match state {
                CondState::Done(v) => Ok(v),
                CondState::Evaluating => Err(self.err(
                    at,
                    format!("condition `{name}` depends on itself"),
                    "break the cycle between these conditions",
                )),
            };
        }
        let Some(node) = self.conditions.get(name).copied() else {
            return Err(self.err(
                at,
                format!("no condition named `{name}`"),
                format!("{}define it under Conditions", self.suggest(name, self.conditions.keys())),
            ));
        };
        self.cond_state.borrow_mut().insert(name.to_string(), CondState::Evaluating);
        let v = self.cond_expr(node);
        let v = match v {
            Ok(v) => v,
            Err(e) => {
                self.cond_state.borrow_mut().remove(name);
                return Err(e);
            }
        };
        self.cond_state.borrow_mut().insert(name.to_string(), CondState::Done(v));
        Ok(v)
    }

    fn cond_expr(&self, n: &Node) -> R<Option<bool>> {
        let bad = |at: Located, found: String| {
            self.err(
                at,
                format!("a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition; found {found}"),
                "for example `!Equals [!Ref Environment, prod]`",
            )
        };
        let [e] = n.entries() else { return Err(bad(n.at, n.describe())) };
        let f = e.key.as_str();
        match f {
            "Fn::Equals" => {
                let a = self.args(f, &e.value, 2, 2)?;
                let x = self.eval_value(&a[0], Mode::Condition, "a value to compare")?;
                let y = self.eval_value(&a[1], Mode::Condition, "a value to compare")?;
                if !comparable(&x) || !comparable(&y) {
                    return Ok(None);
                }
                Ok(Some(normalise(&x) == normalise(&y)))
            }
            "Fn::And" | "Fn::Or" => {
                let a = self.args(f, &e.value, 2, 10)?;
                let mut vals = Vec::with_capacity(a.len());
                for c in a {
                    vals.push(self.cond_expr(c)?);
                }
                let decisive = f == "Fn::Or";
                Ok(if vals.contains(&Some(decisive)) {
                    Some(decisive)
                } else if vals.contains(&None) {
                    None
                } else {
                    Some(!decisive)
                })
            }
            "Fn::Not" => {
                let a = self.args(f, &e.value, 1, 1)?;
                Ok(self.cond_expr(&a[0])?.map(|b| !b))
            }
            "Condition" => match e.value.as_str() {
                Some(name) => self.condition(name, e.value.at),
                None => Err(self.arity_err("Condition", &e.value)),
            },
            _ if f == "Ref" || f.starts_with("Fn::") => {
                if short_form(f.trim_start_matches("Fn::")).is_none() && f != "Ref" {
                    return Err(self.err(e.key_at, format!("unknown intrinsic function `{f}`"), supported_hint(f)));
                }
                Err(bad(e.key_at, f.to_string()))
            }
            _ => Err(bad(n.at, n.describe())),
        }
    }
}

/// Whether a value is known well enough to compare (no unknown anywhere).
fn comparable(v: &Value) -> bool {
    match v {
        Value::List(l) => l.iter().all(comparable),
        Value::Map(m) => m.values().all(comparable),
        Value::Json(inner) => comparable(inner),
        other => !unknownish(other),
    }
}

/// Values as CloudFormation compares them: scalars as strings.
fn normalise(v: &Value) -> Value {
    match v {
        Value::List(l) => Value::List(l.iter().map(normalise).collect()),
        other => scalar_string(other).map(Value::String).unwrap_or_else(|| other.clone()),
    }
}
