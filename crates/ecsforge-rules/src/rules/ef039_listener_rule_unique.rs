//! # EF039 listener-rule-unique: no two listener rules match the same requests
//!
//! **What it checks.** Among the `aws_lb_listener_rule`s of one listener (same
//! `listener_arn`), no two have the same conditions: the same set of
//! `path_pattern` values and the same set of `host_header` values (and equal
//! other conditions, such as `http_header` or `source_ip`). The rule with the
//! larger `priority` number (evaluated later) is reported, naming the one
//! that shadows it. Rules with conditions unknown until apply are skipped.
//!
//! **Why it matters.** ALB evaluates rules by priority and stops at the first
//! match, so the later rule never receives a request: its service is
//! unreachable through the ALB while every resource looks configured. It is
//! what a copied service block with an unchanged `routing.paths` produces.
//!
//! **Failing example.**
//! ```json
//! "aws_lb_listener_rule": {
//!   "orders": {"listener_arn": "${aws_lb_listener.https.arn}", "priority": 100, "condition": [{"path_pattern": [{"values": ["/orders/*"]}]}]},
//!   "orders_v2": {"listener_arn": "${aws_lb_listener.https.arn}", "priority": 110, "condition": [{"path_pattern": [{"values": ["/orders/*"]}]}]}}
//! ```
//!
//! **Fix.** Give each service its own paths or hosts (`/v2/orders/*`), or add
//! a distinguishing condition (`host_header`).
//!
//! Doc 003 property 39. NIST CM-2, SC-7. SOC-2 CC8.1.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF039",
    name: "listener-rule-unique",
    severity: Severity::Error,
    property: Some(39),
    nist: &["CM-2", "SC-7"],
    soc2: &["CC8.1"],
    summary: "listener rules of one listener have distinct path/host conditions",
};

type Conditions = BTreeMap<String, BTreeSet<String>>;

/// The canonical conditions of a rule; `None` when some part is unknown.
fn conditions(r: &Resource) -> Option<Conditions> {
    if matches!(r.get("condition"), Some(Value::Unknown)) {
        return None;
    }
    let mut out = Conditions::new();
    for c in blocks(r, "condition") {
        let Value::Map(kinds) = c else { continue };
        for (kind, v) in kinds {
            if matches!(v, Value::Null) || v.as_list().is_empty() && !matches!(v, Value::Map(_)) {
                continue;
            }
            let entry = out.entry(kind.clone()).or_default();
            match (kind.as_str(), first_map(v).and_then(|b| b.get("values"))) {
                ("path_pattern" | "host_header", Some(Value::List(vals))) => {
                    for x in vals {
                        entry.insert(x.as_str()?.to_ascii_lowercase());
                    }
                }
                ("path_pattern" | "host_header", Some(Value::Unknown)) => return None,
                _ => {
                    if format!("{v:?}").contains("Unknown") {
                        return None;
                    }
                    entry.insert(format!("{v:?}"));
                }
            }
        }
    }
    Some(out)
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let mut seen: HashMap<(String, Conditions), (i64, &Resource)> = HashMap::new();
    let mut rules: Vec<(i64, &Resource, String, Conditions)> = Vec::new();
    for r in m.of_kind(Kind::LbListenerRule) {
        let listener = match r.get("listener_arn") {
            Some(Value::String(s)) => s.clone(),
            Some(v @ Value::Ref(_)) => ref_address(v).map(|a| a.to_string()).unwrap_or_default(),
            _ => continue,
        };
        let Some(cond) = conditions(r) else { continue };
        if cond.is_empty() {
            continue;
        }
        let priority = int_attr(r, "priority").unwrap_or(i64::MAX);
        rules.push((priority, r, listener, cond));
    }
    rules.sort_by(|a, b| (a.0, &a.1.address).cmp(&(b.0, &b.1.address)));
    for (priority, r, listener, cond) in rules {
        match seen.get(&(listener.clone(), cond.clone())) {
            Some((p, first)) => out.report(r, format!("listener rule (priority {priority}) has the same conditions as {} (priority {p}), which is evaluated first, so this rule never matches; give it distinct paths or hosts", first.address)),
            None => {
                seen.insert((listener, cond), (priority, r));
            }
        }
    }
}
