//! The doc-000 diagnostic result: `testId`, `timestamp`, `tests[{name,
//! status, details, recommendation}]`, `overallStatus`, `summary`; plus a text
//! view that names the first blocking hop and the fix for every failing path.

use crate::{Status, Verdict};

/// One entry of `tests` (doc 000 §Data Models), with the service it concerns.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub name: &'static str,
    pub service: String,
    pub status: Status,
    pub details: String,
    pub recommendation: String,
}

/// The whole result, as doc 000 specifies it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub test_id: String,
    pub timestamp: String,
    pub tests: Vec<TestResult>,
    /// `FAIL` when any test fails; warnings do not fail the run.
    pub overall_status: Status,
    pub summary: String,
}

/// Builds the report. `test_id` and `timestamp` come from the caller (the
/// core does no IO and reads no clock).
pub fn report(verdicts: &[Verdict], test_id: &str, timestamp: &str) -> Report {
    let tests: Vec<TestResult> = verdicts
        .iter()
        .map(|v| TestResult {
            name: v.dependency.test_name(),
            service: v.service.to_string(),
            status: v.status,
            details: v.details.clone(),
            recommendation: v.recommendation.clone(),
        })
        .collect();
    let count = |s: Status| tests.iter().filter(|t| t.status == s).count();
    let services: std::collections::BTreeSet<&str> = tests.iter().map(|t| t.service.as_str()).collect();
    let overall_status = if count(Status::Fail) > 0 { Status::Fail } else { Status::Pass };
    let summary = format!(
        "{} services, {} checks: {} passed, {} warnings, {} failed",
        services.len(),
        tests.len(),
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail)
    );
    Report { test_id: test_id.to_string(), timestamp: timestamp.to_string(), tests, overall_status, summary }
}

impl Report {
    /// Text: one block per service; failing and warning paths with the blocking
    /// hop and the fix; passing ones on one line each.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut current = "";
        for t in &self.tests {
            if t.service != current {
                current = &t.service;
                out.push_str(&format!("{}\n", t.service));
            }
            let mark = match t.status {
                Status::Pass => "PASS",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            out.push_str(&format!("  {mark} {:<30} {}\n", t.name, t.details));
            if t.status != Status::Pass {
                out.push_str(&format!("       fix: {}\n", t.recommendation));
            }
        }
        out.push_str(&format!(
            "{}: {}\n",
            match self.overall_status {
                Status::Fail => "FAIL",
                _ => "PASS",
            },
            self.summary
        ));
        out
    }
}
