//! # EF056 config-recorder: AWS Config records every resource type
//!
//! **What it checks.** The model has an `aws_config_configuration_recorder`
//! whose `recording_group` records all supported types (`all_supported =
//! true`; an absent `recording_group` or `all_supported` means true), and, if
//! the model has an `aws_config_configuration_recorder_status` for it, that
//! status has `is_enabled = true`.
//!
//! AWS allows one recorder per account and region, so ecsforge creates it in
//! one environment's root only (`security.audit.environment`, default prod).
//! The other environments' models name that environment
//! (`InfraModel::account_resources_in`), and a model without a recorder that
//! names another environment is not reported. Models ingested from plans,
//! `*.tf.json` or CloudFormation carry no such note and are judged alone.
//! Where Config is managed centrally (an organization's security baseline),
//! suppress the finding with that reason.
//!
//! **Why it matters.** Config snapshots are doc 003's audit evidence for
//! resource configuration over time (CM-2 baseline, CM-8 inventory): without a
//! recorder there is no history of what a security group or role looked like
//! when an incident happened.
//!
//! **Failing example.** An environment with no `aws_config_configuration_recorder`,
//! or one with `"recording_group": [{"all_supported": false, "resource_types": ["AWS::EC2::Instance"]}]`.
//!
//! **Fix.**
//! ```json
//! "aws_config_configuration_recorder": {"main": {"name": "shop-prod", "role_arn": "${aws_iam_role.config.arn}",
//!   "recording_group": [{"all_supported": true, "include_global_resource_types": true}]}},
//! "aws_config_configuration_recorder_status": {"main": {"name": "${aws_config_configuration_recorder.main.name}", "is_enabled": true}}
//! ```
//! plus an `aws_config_delivery_channel` to the audit bucket.
//!
//! Doc 003 property 56. NIST CM-2, CM-8, AU-2. SOC-2 CC7.2, CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF056",
    name: "config-recorder",
    severity: Severity::Warning,
    property: Some(56),
    nist: &["CM-2", "CM-8", "AU-2"],
    soc2: &["CC7.2", "CC8.1"],
    summary: "an AWS Config recorder records all supported resource types",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let recorders: Vec<&Resource> = of_type(m, "aws_config_configuration_recorder").collect();
    if recorders.is_empty() {
        // One recorder per account and region: a root that says another
        // environment's root holds it is not missing one.
        if m.account_resources_in.as_deref().is_some_and(|e| !e.is_empty() && e != m.environment) {
            return;
        }
        out.report_model(m, "no AWS Config recorder, so resource configurations have no recorded history; add an aws_config_configuration_recorder with recording_group.all_supported = true and enable it");
        return;
    }
    let statuses: Vec<&Resource> = of_type(m, "aws_config_configuration_recorder_status").collect();
    for r in recorders {
        let all = block(r, "recording_group").and_then(|g| g.get("all_supported"));
        if all.is_some_and(|v| as_bool(v) == Some(false)) {
            out.report(r, "recorder does not record all supported resource types (all_supported = false); set recording_group.all_supported = true");
        }
        for s in statuses.iter().filter(|s| s.get("name").and_then(|v| designates(v, r, &["name", "id"])) == Some(true)) {
            if bool_attr(s, "is_enabled") == Some(false) {
                out.report(s, "recorder is stopped (is_enabled = false), so nothing is recorded; set is_enabled = true");
            }
        }
    }
}
