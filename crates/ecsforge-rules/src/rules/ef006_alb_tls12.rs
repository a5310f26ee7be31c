//! # EF006 alb-tls12: HTTPS listeners enforce TLS 1.2 or newer
//!
//! **What it checks.** Every load-balancer listener on `HTTPS` (or `TLS`) uses an
//! `ssl_policy` that negotiates TLS 1.2 or 1.3 only.
//!
//! **Why it matters.** Older policies (`ELBSecurityPolicy-2016-08`, the default)
//! still accept TLS 1.0/1.1, which have known weaknesses and fail PCI, NIST and
//! SOC-2 transmission-security controls.
//!
//! **Failing example.**
//! ```json
//! "aws_lb_listener": {"https": {"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"}}
//! ```
//!
//! **Fix.** `"ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"` (what ecsforge synthesizes).
//!
//! Doc 003 property 6. NIST SC-8, SC-13. SOC-2 CC6.6, CC6.7.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF006",
    name: "alb-tls12",
    severity: Severity::Error,
    property: Some(6),
    nist: &["SC-8", "SC-13"],
    soc2: &["CC6.6", "CC6.7"],
    summary: "HTTPS listeners use a TLS 1.2+ security policy",
};

/// ELB policies that allow nothing older than TLS 1.2.
fn is_tls12_plus(policy: &str) -> bool {
    policy.contains("TLS13") || policy.contains("TLS-1-2") || policy.contains("FS-1-2") || policy.contains("PQ-TLS-1-3")
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for l in m.of_kind(Kind::LbListener) {
        let Some(proto) = str_attr(l, "protocol") else { continue };
        if proto != "HTTPS" && proto != "TLS" {
            continue;
        }
        match l.get("ssl_policy") {
            Some(Value::Unknown) => {}
            Some(Value::String(p)) if is_tls12_plus(p) => {}
            Some(Value::String(p)) => out.report(l, format!("listener uses `{p}`, which still accepts TLS 1.0/1.1; use ELBSecurityPolicy-TLS13-1-2-2021-06")),
            _ => out.report(l, "listener has no ssl_policy, so AWS applies ELBSecurityPolicy-2016-08 (TLS 1.0+); set ELBSecurityPolicy-TLS13-1-2-2021-06"),
        }
    }
}
