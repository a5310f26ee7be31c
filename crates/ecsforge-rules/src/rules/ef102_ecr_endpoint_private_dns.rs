//! # EF102 ecr-endpoint-private-dns: ECR interface endpoints resolve privately
//!
//! **What it checks.** Interface endpoints for `ecr.api` and `ecr.dkr` set
//! `private_dns_enabled = true`.
//!
//! **Why it matters.** Without private DNS, `api.ecr.<region>.amazonaws.com` and
//! `<account>.dkr.ecr...` still resolve to public addresses; tasks without NAT
//! then cannot pull at all, and tasks with NAT pay NAT data charges.
//!
//! **Failing example.**
//! ```json
//! "aws_vpc_endpoint": {"ecr_dkr": {"service_name": "com.amazonaws.us-east-1.ecr.dkr", "vpc_endpoint_type": "Interface"}}
//! ```
//!
//! **Fix.** `"private_dns_enabled": true` (and DNS support + hostnames on the VPC, EF103).
//!
//! Design doc 000 §7. NIST SC-7, SC-20. SOC-2 CC6.6.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF102",
    name: "ecr-endpoint-private-dns",
    severity: Severity::Error,
    property: None,
    nist: &["SC-7", "SC-20"],
    soc2: &["CC6.6"],
    summary: "ecr.api and ecr.dkr endpoints have private DNS",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for e in m.of_kind(Kind::VpcEndpoint) {
        let Some(name) = endpoint_service(e) else { continue };
        if !(name == "ecr.api" || name == "ecr.dkr") || str_attr(e, "vpc_endpoint_type") != Some("Interface") {
            continue;
        }
        match e.get("private_dns_enabled") {
            Some(Value::Unknown) => {}
            Some(v) if as_bool(v) == Some(true) => {}
            _ => out.report(e, format!("{name} endpoint has private DNS off, so ECR names resolve to public addresses; set private_dns_enabled = true")),
        }
    }
}
