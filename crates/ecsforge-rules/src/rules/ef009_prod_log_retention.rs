//! # EF009 prod-log-retention: production logs are kept at least 90 days
//!
//! **What it checks.** In the `prod` environment, every CloudWatch log group
//! has `retention_in_days` of 90 or more (or 0/absent, which keeps logs forever).
//!
//! **Why it matters.** Incident investigations and audits regularly look back
//! further than a month; short retention destroys audit evidence.
//!
//! **Failing example.**
//! ```json
//! "aws_cloudwatch_log_group": {"api": {"name": "/ecs/shop-prod/api", "retention_in_days": 30}}
//! ```
//!
//! **Fix.** `"retention_in_days": 90` (ecsforge's prod default).
//!
//! Doc 003 property 9. NIST AU-9, AU-11. SOC-2 CC7.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF009",
    name: "prod-log-retention",
    severity: Severity::Error,
    property: Some(9),
    nist: &["AU-9", "AU-11"],
    soc2: &["CC7.2"],
    summary: "prod log groups keep logs for 90 days or more",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    if !is_prod(m) {
        return;
    }
    for r in m.of_kind(Kind::LogGroup) {
        if let Some(days) = int_attr(r, "retention_in_days")
            && days > 0 && days < 90 {
                out.report(r, format!("prod log group keeps logs {days} days; keep at least 90"));
            }
    }
}
