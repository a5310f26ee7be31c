//! Rules shared by plan and configuration ingest: which attributes hold JSON
//! documents, how a Terraform reference names a resource, and how a
//! JSON-syntax string template (`"${aws_vpc.main.id}"`, `"$${literal}"`)
//! becomes a model value.
//!
//! The template reader is deliberately small: it understands literal text,
//! the `$${` / `%%{` escapes and interpolations that are a plain traversal
//! (`${aws_vpc.main.id}`, `${aws_subnet.a[0].id}`, `${aws_x.y["k"].arn}`).
//! Anything else (function calls, operators, `var.`/`local.` references,
//! `%{...}` directives, strip markers) makes the whole string
//! [`Value::Unknown`]: ecsforge never evaluates Terraform expressions.

use ecsforge_model::value::Part;
use ecsforge_model::{Address, Reference, Value};
use serde_json::Value as Json;

/// Whether a string attribute of this name holds a JSON document that the
/// model keeps as [`Value::Json`] (IAM and ECR policies, container definitions,
/// dashboards, event patterns, log resource policies).
pub(crate) fn is_json_document_attr(name: &str) -> bool {
    matches!(name, "policy" | "assume_role_policy" | "container_definitions" | "access_policies")
        || matches!(name, "dashboard_body" | "event_pattern" | "policy_document")
        || name.ends_with("_policy")
        || name.ends_with("_json")
}

/// The text of a JSON document attribute, when it really is a JSON object or array.
pub(crate) fn looks_like_document(s: &str) -> bool {
    matches!(s.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

/// Names that start a reference but never name a managed resource.
const NOT_RESOURCES: &[&str] = &["var", "local", "data", "each", "count", "module", "path", "terraform", "self"];

/// One step of a traversal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// `.name` (or the root name).
    Attr(String),
    /// `[0]` or `["key"]`, as written.
    Index(String),
}

/// What a reference points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A managed resource (module-relative address such as `aws_subnet.a[0]`),
    /// with the attribute path after it (`id`, `ingress[0].cidr_blocks`), if any.
    Resource { address: String, attr: Option<String> },
    /// A variable, local, data source, module output, `count.index`, ...
    Other,
}

/// Reads a traversal at the start of `s`; returns the steps and the bytes read.
fn traversal(s: &str) -> Option<(Vec<Step>, usize)> {
    let b = s.as_bytes();
    let ident = |i: usize| -> Option<usize> {
        let mut j = i;
        if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_') {
            j += 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
                j += 1;
            }
            Some(j)
        } else {
            None
        }
    };
    let mut steps = Vec::new();
    let end = ident(0)?;
    steps.push(Step::Attr(s[..end].to_string()));
    let mut i = end;
    loop {
        match b.get(i) {
            Some(b'.') => {
                let e = ident(i + 1)?;
                steps.push(Step::Attr(s[i + 1..e].to_string()));
                i = e;
            }
            Some(b'[') => {
                let start = i;
                i += 1;
                match b.get(i) {
                    Some(c) if c.is_ascii_digit() => {
                        while b.get(i).is_some_and(u8::is_ascii_digit) {
                            i += 1;
                        }
                    }
                    Some(b'"') => {
                        i += 1;
                        // A plain key: no escapes, no template sequences.
                        while let Some(&c) = b.get(i) {
                            match c {
                                b'"' => break,
                                b'\\' | b'$' | b'%' => return None,
                                _ => i += 1,
                            }
                        }
                        b.get(i).filter(|c| **c == b'"')?;
                        i += 1;
                    }
                    _ => return None,
                }
                b.get(i).filter(|c| **c == b']')?;
                i += 1;
                steps.push(Step::Index(s[start..i].to_string()));
            }
            _ => return Some((steps, i)),
        }
    }
}

fn classify(steps: &[Step]) -> Target {
    let (Some(Step::Attr(ty)), Some(Step::Attr(name))) = (steps.first(), steps.get(1)) else {
        return Target::Other;
    };
    if NOT_RESOURCES.contains(&ty.as_str()) {
        return Target::Other;
    }
    let mut address = format!("{ty}.{name}");
    let mut rest = &steps[2..];
    if let Some(Step::Index(ix)) = rest.first() {
        address.push_str(ix);
        rest = &rest[1..];
    }
    let attr = match rest.first() {
        None => None,
        Some(Step::Index(_)) => return Target::Other,
        Some(Step::Attr(_)) => {
            let mut a = String::new();
            for s in rest {
                match s {
                    Step::Attr(n) => {
                        if !a.is_empty() {
                            a.push('.');
                        }
                        a.push_str(n);
                    }
                    Step::Index(ix) => a.push_str(ix),
                }
            }
            Some(a)
        }
    };
    Target::Resource { address, attr }
}

/// Classifies a reference as Terraform lists it in a plan's `references`
/// (`aws_vpc.main.id`, `aws_vpc.main`, `var.x`, `count.index`).
pub(crate) fn reference(s: &str) -> Target {
    match traversal(s) {
        Some((steps, n)) if n == s.len() => classify(&steps),
        _ => Target::Other,
    }
}

/// One piece of a JSON-syntax template.
#[derive(Debug, PartialEq)]
enum Piece {
    Lit(String),
    /// `${<resource>.<attr>}` (module-relative address).
    Ref(String, String),
}

/// Splits a template; `None` when it holds anything but literals and plain
/// resource-attribute interpolations.
fn pieces(s: &str) -> Option<Vec<Piece>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut lit = String::new();
    let (mut i, mut lit_start) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c == b'$' || c == b'%' {
            if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
                // `$${` / `%%{`: the literal `${` / `%{`.
                lit.push_str(&s[lit_start..i]);
                lit.push(c as char);
                lit.push('{');
                i += 3;
                lit_start = i;
                continue;
            }
            if b.get(i + 1) == Some(&b'{') {
                if c == b'%' {
                    return None; // a template directive
                }
                lit.push_str(&s[lit_start..i]);
                let inner = &s[i + 2..];
                let ws = inner.len() - inner.trim_start().len();
                let (steps, n) = traversal(&inner[ws..])?;
                let after = &inner[ws + n..];
                let ws2 = after.len() - after.trim_start().len();
                if after.as_bytes().get(ws2) != Some(&b'}') {
                    return None;
                }
                let Target::Resource { address, attr: Some(attr) } = classify(&steps) else { return None };
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::Ref(address, attr));
                i += 2 + ws + n + ws2 + 1;
                lit_start = i;
                continue;
            }
        }
        i += 1;
    }
    lit.push_str(&s[lit_start..]);
    if !lit.is_empty() || out.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Some(out)
}

/// Decides what a module-relative resource reference means in the model:
/// the model address it lands on, or `None` when it does not name exactly one
/// resource (undefined, or several instances of `count`/`for_each`).
pub(crate) trait Resolve {
    fn resolve(&self, address: &str, attr: &str) -> Option<Address>;
}

/// A JSON-syntax string template → `String`, `Ref`, `Template` or `Unknown`.
pub(crate) fn template(s: &str, r: &dyn Resolve) -> Value {
    if !s.contains("${") && !s.contains("%{") {
        return Value::String(s.to_string());
    }
    let Some(pieces) = pieces(s) else { return Value::Unknown };
    let mut parts = Vec::with_capacity(pieces.len());
    for p in pieces {
        parts.push(match p {
            Piece::Lit(l) => Part::Lit(l),
            Piece::Ref(address, attr) => match r.resolve(&address, &attr) {
                Some(address) => Part::Ref(Reference { address, attr }),
                None => return Value::Unknown,
            },
        });
    }
    match parts.as_slice() {
        [Part::Lit(_)] => match parts.pop() {
            Some(Part::Lit(l)) => Value::String(l),
            _ => unreachable!(),
        },
        [Part::Ref(_)] => match parts.pop() {
            Some(Part::Ref(r)) => Value::Ref(r),
            _ => unreachable!(),
        },
        _ => Value::Template(parts),
    }
}

/// A JSON-syntax expression (a Terraform JSON value whose strings are
/// templates) → model value. `name` is the attribute or key it is stored
/// under, for the JSON-document rule.
pub(crate) fn expression(v: &Json, name: Option<&str>, r: &dyn Resolve) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.clone()),
        Json::String(s) => {
            if name.is_some_and(is_json_document_attr)
                && looks_like_document(s)
                && let Ok(doc) = serde_json::from_str::<Json>(s)
            {
                return Value::json(expression(&doc, None, r));
            }
            template(s, r)
        }
        Json::Array(items) => Value::List(items.iter().map(|x| expression(x, None, r)).collect()),
        Json::Object(m) => Value::Map(m.iter().map(|(k, x)| (k.clone(), expression(x, Some(k), r))).collect()),
    }
}

/// RFC 6901 escaping of one pointer token.
pub(crate) fn pointer_token(s: &str) -> String {
    if s.contains(['~', '/']) { s.replace('~', "~0").replace('/', "~1") } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct All;
    impl Resolve for All {
        fn resolve(&self, address: &str, _: &str) -> Option<Address> {
            Some(Address(address.to_string()))
        }
    }

    fn r(a: &str, attr: &str) -> Reference {
        Reference { address: Address(a.into()), attr: attr.into() }
    }

    #[test]
    fn references_are_classified() {
        let res = |a: &str, attr: Option<&str>| Target::Resource { address: a.into(), attr: attr.map(String::from) };
        assert_eq!(reference("aws_vpc.main.id"), res("aws_vpc.main", Some("id")));
        assert_eq!(reference("aws_vpc.main"), res("aws_vpc.main", None));
        assert_eq!(reference("aws_subnet.a[0].id"), res("aws_subnet.a[0]", Some("id")));
        assert_eq!(reference(r#"aws_x.y["k.1"].arn"#), res(r#"aws_x.y["k.1"]"#, Some("arn")));
        assert_eq!(
            reference("aws_lb.x.subnet_mapping[0].subnet_id"),
            res("aws_lb.x", Some("subnet_mapping[0].subnet_id"))
        );
        for other in [
            "var.x",
            "local.y",
            "data.aws_caller_identity.c.account_id",
            "count.index",
            "each.key",
            "module.net.vpc_id",
            "path.module",
            "aws_x",
            "aws_x.y[*].id",
            "aws_x.y.0.id",
        ] {
            assert_eq!(reference(other), Target::Other, "{other}");
        }
    }

    #[test]
    fn templates() {
        let check = |s: &str, expected: Value| assert_eq!(template(s, &All), expected, "{s}");
        check("plain", Value::from("plain"));
        check("$${x} and %%{y}", Value::from("${x} and %{y}"));
        check("$$${x}", Value::from("$${x}"));
        check("a $ b % c {", Value::from("a $ b % c {"));
        check("${aws_vpc.main.id}", Value::Ref(r("aws_vpc.main", "id")));
        check("${ aws_vpc.main.id }", Value::Ref(r("aws_vpc.main", "id")));
        check(
            "${aws_ecr_repository.x.repository_url}:v1",
            Value::Template(vec![Part::Ref(r("aws_ecr_repository.x", "repository_url")), Part::Lit(":v1".into())]),
        );
        check(
            "$${lit}${aws_x.y[\"a}b\"].arn}/*",
            Value::Template(vec![
                Part::Lit("${lit}".into()),
                Part::Ref(r("aws_x.y[\"a}b\"]", "arn")),
                Part::Lit("/*".into()),
            ]),
        );
        for unknown in [
            "${var.x}",
            "${upper(aws_x.y.id)}",
            "${aws_x.y}",
            "%{if true}x%{endif}",
            "${~aws_x.y.id}",
            "x${aws_x.y.id",
            "${aws_x.y.id}${local.z}",
        ] {
            check(unknown, Value::Unknown);
        }
    }
}
