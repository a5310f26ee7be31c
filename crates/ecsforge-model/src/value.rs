//! Attribute values, with resolved references and honest unknowns.

use std::collections::BTreeMap;

use crate::Address;

/// A reference to an attribute of another resource (`aws_vpc.main.id`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Reference {
    pub address: Address,
    pub attr: String,
}

/// The pseudo-address of input variables: `var.<name>` is a [`Reference`]
/// with this address and the variable's name as `attr`.
pub const VARIABLES: &str = "var";

impl Reference {
    /// A use of the root module's input variable `name` (`var.<name>`).
    pub fn variable(name: &str) -> Reference {
        Reference { address: Address(VARIABLES.to_string()), attr: name.to_string() }
    }

    /// The variable's name when this is a use of an input variable.
    pub fn variable_name(&self) -> Option<&str> {
        (self.address.as_str() == VARIABLES).then_some(self.attr.as_str())
    }
}

/// One piece of an interpolated string.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum Part {
    Lit(String),
    Ref(Reference),
    /// A piece known only after apply or deploy (e.g. `${AWS::Region}` of a
    /// template nobody gave a region): the rest of the string stays readable.
    Unknown,
}

/// An attribute value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// The whole value is another resource's attribute.
    Ref(Reference),
    /// A string built from literals and references (`"${aws_ecr_repository.x.repository_url}:v1"`).
    Template(Vec<Part>),
    /// A string attribute that holds a JSON document (IAM policies, container
    /// definitions), kept structured so analyses can read it.
    Json(Box<Value>),
    /// Known only after apply. Never guessed.
    Unknown,
}

impl Value {
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// A Terraform nested block: a list holding one map.
    pub fn block<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::List(vec![Value::map(entries)])
    }

    pub fn json(v: Value) -> Value {
        Value::Json(Box::new(v))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[Value] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.get(key),
            Value::Json(inner) => inner.get(key),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<&Reference> {
        match self {
            Value::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Whether any part of this value uses an input variable.
    pub fn uses_variables(&self) -> bool {
        let mut out = Vec::new();
        self.collect_variables(&mut out);
        !out.is_empty()
    }

    /// Pushes the name of every input variable this value uses.
    pub fn collect_variables<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Value::Ref(r) => out.extend(r.variable_name()),
            Value::Template(parts) => {
                for p in parts {
                    if let Part::Ref(r) = p {
                        out.extend(r.variable_name());
                    }
                }
            }
            Value::List(l) => l.iter().for_each(|v| v.collect_variables(out)),
            Value::Map(m) => m.values().for_each(|v| v.collect_variables(out)),
            Value::Json(inner) => inner.collect_variables(out),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Unknown => {}
        }
    }

    /// Pushes every address this value refers to.
    pub fn collect_refs<'a>(&'a self, out: &mut Vec<&'a Address>) {
        match self {
            Value::Ref(r) => out.push(&r.address),
            Value::Template(parts) => {
                for p in parts {
                    if let Part::Ref(r) = p {
                        out.push(&r.address);
                    }
                }
            }
            Value::List(l) => l.iter().for_each(|v| v.collect_refs(out)),
            Value::Map(m) => m.values().for_each(|v| v.collect_refs(out)),
            Value::Json(inner) => inner.collect_refs(out),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Unknown => {}
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self { Value::Number(serde_json::Number::from(n)) }
        }
    )*};
}
from_int!(i32, i64, u8, u16, u32, u64, usize);
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}
impl From<Reference> for Value {
    fn from(r: Reference) -> Self {
        Value::Ref(r)
    }
}
impl From<BTreeMap<String, String>> for Value {
    fn from(m: BTreeMap<String, String>) -> Self {
        Value::Map(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
    }
}
