//! # EF036 vpc-flow-logs: every VPC records its traffic
//!
//! **What it checks.** Every `aws_vpc` has an `aws_flow_log` whose `vpc_id`
//! refers to it (or names it) with a destination: `log_destination` (or the
//! legacy `log_group_name`) set, or for `log_destination_type = "s3"` a bucket
//! ARN. `traffic_type` `ALL` and `REJECT` both count.
//!
//! Doc 003 property 36 also asks for encryption. For the usual CloudWatch
//! destination that is the log group's `kms_key_id`, which rule EF005 checks
//! for every log group, flow-log groups included; it is not reported twice.
//! An S3 destination's encryption is likewise EF005's bucket check.
//!
//! **Why it matters.** Flow logs are the network audit trail (doc 003 §Audit
//! Evidence): without them there is no record of which addresses talked to the
//! tasks, what security groups rejected, or where data left the VPC.
//!
//! **Failing example.** An `aws_vpc.main` and no `aws_flow_log` with
//! `"vpc_id": "${aws_vpc.main.id}"`.
//!
//! **Fix.**
//! ```json
//! "aws_flow_log": {"main": {"vpc_id": "${aws_vpc.main.id}", "traffic_type": "ALL",
//!   "log_destination_type": "cloud-watch-logs", "log_destination": "${aws_cloudwatch_log_group.flow_logs.arn}",
//!   "iam_role_arn": "${aws_iam_role.flow_logs.arn}"}}
//! ```
//! with the log group encrypted by a customer-managed key (EF005).
//!
//! Doc 003 property 36. NIST AU-2, AU-9, SI-4. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF036",
    name: "vpc-flow-logs",
    severity: Severity::Error,
    property: Some(36),
    nist: &["AU-2", "AU-9", "SI-4"],
    soc2: &["CC7.2"],
    summary: "every VPC has a flow log with a destination (its log group's KMS key is EF005)",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let logs = Links::new(m.of_kind(Kind::FlowLog), "vpc_id");
    for vpc in m.of_kind(Kind::Vpc) {
        let mine = logs.to(vpc, &["id"]);
        if mine.is_empty() {
            if !logs.unknown {
                out.report(vpc, "VPC has no flow log, so there is no record of its network traffic; add an aws_flow_log (traffic_type ALL) to a KMS-encrypted CloudWatch log group");
            }
            continue;
        }
        let has_destination = mine.iter().any(|f| {
            is_set(f.get("log_destination")) != Some(false) || is_set(f.get("log_group_name")) != Some(false)
        });
        if !has_destination {
            out.report(vpc, "VPC's flow log has no destination (log_destination); send it to a KMS-encrypted CloudWatch log group");
        }
    }
}
