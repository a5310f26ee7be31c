//! # EF027 service-private-subnets: tasks run in private subnets without public IPs
//!
//! **What it checks.** Every `aws_ecs_service` places tasks only in subnets
//! whose route table has no internet-gateway default route and that do not
//! map public IPs, and sets `assign_public_ip = false`.
//!
//! **Why it matters.** A task in a public subnet with a public IP is reachable
//! from the internet, bypassing the ALB and its TLS, WAF and logging.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_service": {"api": {"network_configuration": [{"subnets": ["${aws_subnet.public_a.id}"], "assign_public_ip": true}]}}
//! ```
//!
//! **Fix.** Use the private subnets and `assign_public_ip = false`; reach AWS
//! services through VPC endpoints or NAT.
//!
//! Doc 003 properties 27 and 8. NIST SC-7, AC-4. SOC-2 CC6.6.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF027",
    name: "service-private-subnets",
    severity: Severity::Error,
    property: Some(27),
    nist: &["SC-7", "AC-4"],
    soc2: &["CC6.6"],
    summary: "ECS services run in private subnets without public IPs",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let topo = crate::topology::Topology::new(m);
    for s in m.of_kind(Kind::EcsService) {
        let Some(net) = block(s, "network_configuration") else { continue };
        if net.get("assign_public_ip").and_then(as_bool) == Some(true) {
            out.report(s, "tasks get public IPs (assign_public_ip = true); set it to false");
        }
        let subnets = net.get("subnets").map(Value::as_list).unwrap_or(&[]);
        for sn in subnets {
            if let Some(addr) = ref_address(sn)
                && topo.is_public(addr) == Some(true) {
                    out.report(s, format!("tasks are placed in public subnet {addr}; use the private subnets"));
                }
        }
    }
}
