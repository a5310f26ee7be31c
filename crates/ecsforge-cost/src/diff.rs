//! The difference between two estimates, line by line.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Estimate;

/// One (resource, component) whose monthly cost changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub resource: String,
    pub component: String,
    /// USD per month before; `None` when absent.
    pub old: Option<f64>,
    /// USD per month after; `None` when absent.
    pub new: Option<f64>,
    /// A side's cost is unknown (the line exists but has no figure).
    pub unknown: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    pub name: String,
    pub old_total: f64,
    pub new_total: f64,
    pub changes: Vec<Change>,
    pub old_unknown: usize,
    pub new_unknown: usize,
    /// Usage defaults either side used.
    pub defaults: Vec<crate::DefaultUsed>,
}

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// (resource, component) → (sum of known monthly, any unknown).
fn index(e: &Estimate) -> BTreeMap<(String, String), (f64, bool)> {
    let mut m: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
    for l in &e.lines {
        let v = m.entry((l.resource.clone(), l.component.clone())).or_insert((0.0, false));
        match l.monthly {
            Some(x) => v.0 += x,
            None => v.1 = true,
        }
    }
    m
}

/// What changes from `old` to `new`; lines equal to the cent are left out.
pub fn diff(name: &str, old: &Estimate, new: &Estimate) -> Diff {
    let (a, b) = (index(old), index(new));
    let mut keys: Vec<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut changes = Vec::new();
    for k in keys {
        let (o, n) = (a.get(k), b.get(k));
        let unknown = o.is_some_and(|x| x.1) || n.is_some_and(|x| x.1);
        let same = match (o, n) {
            (Some(x), Some(y)) => cents(x.0) == cents(y.0) && x.1 == y.1,
            _ => false,
        };
        if !same {
            changes.push(Change {
                resource: k.0.clone(),
                component: k.1.clone(),
                old: o.map(|x| x.0),
                new: n.map(|x| x.0),
                unknown,
            });
        }
    }
    let mut defaults = old.defaults.clone();
    for d in &new.defaults {
        if !defaults.iter().any(|x| x.key == d.key) {
            defaults.push(d.clone());
        }
    }
    defaults.sort_by_key(|d| crate::usage::KEYS.iter().position(|k| k.key == d.key));
    Diff {
        defaults,
        name: name.to_string(),
        old_total: old.total,
        new_total: new.total,
        changes,
        old_unknown: old.unknown,
        new_unknown: new.unknown,
    }
}
