//! # EF103 vpc-dns: the VPC resolves names, including endpoint names
//!
//! **What it checks.** Every `aws_vpc` has `enable_dns_support` and
//! `enable_dns_hostnames` true. (Terraform's defaults are `true` and `false`.)
//!
//! **Why it matters.** Private DNS of interface endpoints only works when both
//! are on; otherwise ECR, Logs and Secrets Manager names resolve to public IPs
//! and private tasks fail to start.
//!
//! **Failing example.**
//! ```json
//! "aws_vpc": {"main": {"cidr_block": "10.0.0.0/16"}}
//! ```
//!
//! **Fix.** `"enable_dns_support": true, "enable_dns_hostnames": true`.
//!
//! Design doc 000 §7 (DNS_RESOLUTION). NIST SC-20, SC-21. SOC-2 CC6.6.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF103",
    name: "vpc-dns",
    severity: Severity::Error,
    property: None,
    nist: &["SC-20", "SC-21"],
    soc2: &["CC6.6"],
    summary: "VPCs enable DNS support and DNS hostnames",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for v in m.of_kind(Kind::Vpc) {
        for (key, default) in [("enable_dns_support", true), ("enable_dns_hostnames", false)] {
            let on = match v.get(key) {
                Some(Value::Unknown) => continue,
                Some(x) => as_bool(x).unwrap_or(default),
                None => default,
            };
            if !on {
                out.report(v, format!("{key} is off, so interface endpoints' private DNS does not work; set {key} = true"));
            }
        }
    }
}
