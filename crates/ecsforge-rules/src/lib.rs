//! Rules: checks over one [`InfraModel`], one file per rule (ruff style).
//!
//! Each rule file starts with a `//!` block (what it checks, why it matters,
//! a failing example, the fix, the doc-003 property and the NIST/SOC-2
//! controls); `ecsforge explain CODE` prints exactly that block. The
//! [`REGISTRY`] is the one list of rules.
//!
//! Architecture invariant: rules are pure functions of the model. They never
//! see raw Terraform or CloudFormation.

use ecsforge_model::{Address, InfraModel, Provenance, Resource};

pub mod cross;
pub mod iam;
pub mod reads;
mod rules;
pub mod topology;
pub mod view;

pub use cross::{CROSS_REGISTRY, CrossRule, check_environments};
pub use rules::REGISTRY;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// What every rule declares about itself.
#[derive(Debug, serde::Serialize)]
pub struct RuleMeta {
    /// Stable code, e.g. `EF016` (doc 003 property 16) or `EF101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `deployment-min-healthy`.
    pub name: &'static str,
    pub severity: Severity,
    /// The doc 003 correctness property, when the rule implements one.
    pub property: Option<u8>,
    pub nist: &'static [&'static str],
    pub soc2: &'static [&'static str],
    /// One line, shown by `ecsforge rules`.
    pub summary: &'static str,
}

/// A registered rule: metadata, documentation and the check.
pub struct Rule {
    pub meta: &'static RuleMeta,
    /// The rule file's source; [`Rule::doc`] extracts its `//!` block.
    pub source: &'static str,
    pub check: fn(&InfraModel, &mut Findings),
}

impl Rule {
    /// The rule's documentation: its file's leading `//!` lines.
    pub fn doc(&self) -> String {
        doc_of(self.source)
    }
}

/// The leading `//!` block of a rule file.
pub fn doc_of(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines().take_while(|l| l.starts_with("//!") || l.trim().is_empty()) {
        let text = line.strip_prefix("//!").unwrap_or("");
        out.push_str(text.strip_prefix(' ').unwrap_or(text));
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

/// Finds a single-environment rule by code or name.
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    REGISTRY.iter().find(|r| r.meta.code.eq_ignore_ascii_case(code_or_name) || r.meta.name == code_or_name)
}

/// Every rule, single-environment and cross-environment: metadata and source.
pub fn all_rules() -> Vec<(&'static RuleMeta, &'static str)> {
    let mut v: Vec<_> =
        REGISTRY.iter().map(|r| (r.meta, r.source)).chain(CROSS_REGISTRY.iter().map(|r| (r.meta, r.source))).collect();
    v.sort_by_key(|(m, _)| m.code);
    v
}

/// Finds any rule by code or name: its metadata and documentation.
pub fn lookup(code_or_name: &str) -> Option<(&'static RuleMeta, String)> {
    all_rules()
        .into_iter()
        .find(|(m, _)| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
        .map(|(m, src)| (m, doc_of(src)))
}

/// One problem found by a rule.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    pub address: Address,
    pub message: String,
    pub provenance: Provenance,
    /// The reason, when a suppression covers this finding.
    pub suppressed: Option<String>,
}

/// Collects findings for one rule run.
pub struct Findings {
    meta: &'static RuleMeta,
    out: Vec<Finding>,
}

impl Findings {
    pub fn new(meta: &'static RuleMeta) -> Self {
        Findings { meta, out: Vec::new() }
    }
    pub fn into_vec(self) -> Vec<Finding> {
        self.out
    }
}

impl Findings {
    /// Reports a problem on `resource`.
    pub fn report(&mut self, resource: &Resource, message: impl Into<String>) {
        self.out.push(Finding {
            code: self.meta.code,
            rule: self.meta.name,
            severity: self.meta.severity,
            address: resource.address.clone(),
            message: message.into(),
            provenance: resource.provenance.clone(),
            suppressed: None,
        });
    }

    /// Reports a problem that belongs to no single resource (e.g. something missing).
    pub fn report_model(&mut self, model: &InfraModel, message: impl Into<String>) {
        let provenance = model
            .resources
            .values()
            .next()
            .map(|r| Provenance { pointer: String::new(), line: 0, col: 0, ..r.provenance.clone() })
            .unwrap_or_default();
        self.out.push(Finding {
            code: self.meta.code,
            rule: self.meta.name,
            severity: self.meta.severity,
            address: Address("(environment)".into()),
            message: message.into(),
            provenance,
            suppressed: None,
        });
    }
}

/// A suppression from outside the model (manifest or `--suppressions FILE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppress {
    pub rule: String,
    pub resource: String,
    pub reason: String,
}

/// Runs every rule (or those `select`ed), applies suppressions, and returns
/// findings sorted by file, line, code and address.
pub fn check(model: &InfraModel, select: Option<&[&str]>, extra: &[Suppress]) -> Vec<Finding> {
    let mut all = Vec::new();
    for r in REGISTRY {
        if let Some(sel) = select
            && !sel.iter().any(|s| s.eq_ignore_ascii_case(r.meta.code) || *s == r.meta.name)
        {
            continue;
        }
        let mut f = Findings::new(r.meta);
        (r.check)(model, &mut f);
        all.extend(f.into_vec());
    }
    apply_suppressions(&mut all, &[model], extra);
    sort(&mut all);
    all
}

/// Marks findings covered by a suppression of the models or of the caller.
pub fn apply_suppressions(all: &mut [Finding], models: &[&InfraModel], extra: &[Suppress]) {
    let sups: Vec<(&str, &str, &str)> = models
        .iter()
        .flat_map(|m| m.suppressions.iter())
        .map(|s| (s.rule.as_str(), s.resource.as_str(), s.reason.as_str()))
        .chain(extra.iter().map(|s| (s.rule.as_str(), s.resource.as_str(), s.reason.as_str())))
        .collect();
    for f in all.iter_mut() {
        if let Some((_, _, reason)) = sups.iter().find(|(rule, res, _)| {
            (rule.eq_ignore_ascii_case(f.code) || *rule == f.rule) && (*res == "*" || *res == f.address.as_str())
        }) {
            f.suppressed = Some(reason.to_string());
        }
    }
}

/// Sorts findings by file, line, code and address.
pub fn sort(all: &mut [Finding]) {
    all.sort_by(|a, b| {
        (&a.provenance.file, a.provenance.line, a.code, &a.address).cmp(&(
            &b.provenance.file,
            b.provenance.line,
            b.code,
            &b.address,
        ))
    });
}
