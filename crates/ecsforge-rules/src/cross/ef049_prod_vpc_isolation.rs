//! # EF049 prod-vpc-isolation: production's address range is its own
//!
//! **What it checks.** No VPC CIDR of prod overlaps a VPC CIDR of any
//! non-production environment.
//!
//! **Why it matters.** Overlapping ranges make peering, VPN and Transit
//! Gateway routes between the environments impossible or ambiguous, and
//! a route meant for develop can reach production.
//!
//! **Failing example.** prod `"cidr_block": "10.0.0.0/16"`, develop `"cidr_block": "10.0.0.0/16"`.
//!
//! **Fix.** Give prod a distinct range (ecsforge's default for prod is 10.40.0.0/16).
//!
//! Doc 003 property 49. NIST SC-7. SOC-2 CC6.6.

use std::net::Ipv4Addr;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF049",
    name: "prod-vpc-isolation",
    severity: Severity::Error,
    property: Some(49),
    nist: &["SC-7"],
    soc2: &["CC6.6"],
    summary: "prod VPC CIDRs do not overlap non-prod ones",
};

fn range(cidr: &str) -> Option<(u32, u32)> {
    let (ip, len) = cidr.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let start = u32::from(ip) & if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let size = if len == 0 { u32::MAX } else { (1u32 << (32 - len)) - 1 };
    Some((start, start.saturating_add(size)))
}

pub fn check(models: &[&InfraModel], out: &mut Findings) {
    let Some(prod) = models.iter().find(|m| env_of(m) == "prod") else { return };
    for pv in prod.of_kind(Kind::Vpc) {
        let Some((a0, a1)) = str_attr(pv, "cidr_block").and_then(range) else { continue };
        for m in models.iter().filter(|m| env_of(m) != "prod") {
            for v in m.of_kind(Kind::Vpc) {
                if let Some((b0, b1)) = str_attr(v, "cidr_block").and_then(range)
                    && a0 <= b1 && b0 <= a1 {
                        out.report(
                            pv,
                            format!(
                                "prod VPC {} overlaps {}'s {}; give prod a distinct range",
                                str_attr(pv, "cidr_block").unwrap_or(""),
                                env_of(m),
                                str_attr(v, "cidr_block").unwrap_or("")
                            ),
                        );
                    }
            }
        }
    }
}
