//! # EF032 pipeline-notifications: every pipeline notifies an SNS topic
//!
//! **What it checks.** For every `aws_codepipeline` there is an
//! `aws_codestarnotifications_notification_rule` whose `resource` is the
//! pipeline (a reference to it, or its literal ARN), whose `status` is not
//! `DISABLED`, that has at least one `event_type_ids` entry, and that has a
//! `target` of `type = "SNS"` (the default) with an `address`. Without any
//! `aws_codepipeline` in the model the rule has nothing to check.
//!
//! **Why it matters.** Failed and stuck pipelines, and pending production
//! approvals (doc 003 §CI/CD, approval timeout 7 days), go unnoticed without
//! notifications; doc 003 routes them to the pipeline-notifications topic.
//!
//! **Failing example.**
//! ```json
//! "aws_codepipeline": {"api": {"name": "shop-prod-api"}}
//! ```
//! and no notification rule for it.
//!
//! **Fix.**
//! ```json
//! "aws_codestarnotifications_notification_rule": {"api": {"resource": "${aws_codepipeline.api.arn}",
//!   "detail_type": "BASIC", "event_type_ids": ["codepipeline-pipeline-pipeline-execution-failed"],
//!   "target": [{"address": "${aws_sns_topic.pipelines.arn}"}]}}
//! ```
//!
//! Doc 003 property 32. NIST AU-2, CM-3. SOC-2 CC7.2, CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF032",
    name: "pipeline-notifications",
    severity: Severity::Warning,
    property: Some(32),
    nist: &["AU-2", "CM-3"],
    soc2: &["CC7.2", "CC8.1"],
    summary: "every CodePipeline has a notification rule targeting an SNS topic",
};

/// `Some(true)` when the rule notifies an SNS topic, `None` when unknown.
fn notifies_sns(rule: &Resource) -> Option<bool> {
    if str_attr(rule, "status") == Some("DISABLED") || is_set(rule.get("event_type_ids")) == Some(false) {
        return Some(false);
    }
    if matches!(rule.get("target"), Some(Value::Unknown)) {
        return None;
    }
    let sns = blocks(rule, "target").iter().any(|t| {
        let ty = t.get("type").and_then(Value::as_str).unwrap_or("SNS");
        ty == "SNS" && is_set(t.get("address")) != Some(false)
    });
    Some(sns)
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let rules = Links::new(of_type(m, "aws_codestarnotifications_notification_rule"), "resource");
    for p in of_type(m, "aws_codepipeline") {
        let verdicts: Vec<Option<bool>> = rules.to(p, &["arn"]).into_iter().map(notifies_sns).collect();
        if verdicts.contains(&Some(true)) || verdicts.contains(&None) || rules.unknown {
            continue;
        }
        out.report(p, "pipeline has no enabled notification rule sending its events to an SNS topic, so failures and pending approvals go unnoticed; add an aws_codestarnotifications_notification_rule with resource = the pipeline's arn and an SNS target");
    }
}
