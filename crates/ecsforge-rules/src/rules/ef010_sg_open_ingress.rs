//! # EF010 sg-open-ingress: only the ALB accepts traffic from the internet
//!
//! **What it checks.** No security-group ingress rule admits `0.0.0.0/0` or
//! `::/0`, except rules on a load balancer's security group for ports 80 and 443.
//! Inline `ingress` blocks, `aws_security_group_rule` and
//! `aws_vpc_security_group_ingress_rule` are all checked.
//!
//! **Why it matters.** Tasks sit in private subnets behind the ALB; an
//! internet-wide ingress rule on anything else is an exposed attack surface
//! (and a classic audit finding).
//!
//! **Failing example.**
//! ```json
//! "aws_vpc_security_group_ingress_rule": {"api_ssh": {"security_group_id": "${aws_security_group.api.id}",
//!   "cidr_ipv4": "0.0.0.0/0", "ip_protocol": "tcp", "from_port": 22, "to_port": 22}}
//! ```
//!
//! **Fix.** Admit the peer security group (`referenced_security_group_id`)
//! instead; reach instances through Session Manager, not open ports.
//!
//! Doc 003 property 10. NIST AC-3, SC-7. SOC-2 CC6.1, CC6.6.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF010",
    name: "sg-open-ingress",
    severity: Severity::Error,
    property: Some(10),
    nist: &["AC-3", "SC-7"],
    soc2: &["CC6.1", "CC6.6"],
    summary: "no 0.0.0.0/0 ingress except the ALB on 80/443",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let albs = alb_security_groups(m);
    for rule in sg_rules(m).into_iter().filter(|r| !r.egress && r.is_open_to_world()) {
        let on_alb = rule.group.as_ref().is_some_and(|g| albs.contains(g));
        let web_only = matches!((rule.from_port, rule.to_port), (Some(80), Some(80)) | (Some(443), Some(443))) && rule.protocol == "tcp";
        if on_alb && web_only {
            continue;
        }
        let ports = match (rule.from_port, rule.to_port) {
            (Some(f), Some(t)) if f == t => format!("port {f}"),
            (Some(f), Some(t)) => format!("ports {f}-{t}"),
            _ => "all ports".into(),
        };
        let group = rule.group.as_ref().map(|g| g.to_string()).unwrap_or_else(|| "a security group".into());
        out.report(rule.resource, format!("{group} admits {ports} ({}) from the whole internet; admit a peer security group instead", rule.protocol));
    }
}
