//! # EF008 network-segmentation: the internet edge lives in public subnets only
//!
//! **What it checks.**
//! - Every internet-facing `aws_lb` (`internal` absent or `false`) is placed
//!   only in subnets whose route table sends `0.0.0.0/0` to an internet
//!   gateway (`subnets` and `subnet_mapping`).
//! - Every public `aws_nat_gateway` (`connectivity_type` absent or `public`)
//!   sits in such a subnet.
//!
//! The other half of doc 003 property 8, "ECS services are placed in private
//! subnets whose default route goes to a NAT gateway (or nowhere), never an
//! internet gateway", is rule EF027 and is not reported twice. A subnet
//! without an explicit route-table association uses the VPC's main route
//! table, which the model does not always know; such subnets are not judged.
//!
//! **Why it matters.** An internet-facing ALB in a subnet without an internet
//! route is unreachable (or, with a NAT default route, answers asymmetrically
//! and times out), and a NAT gateway in a private subnet gives the tasks behind
//! it no egress at all. Both usually mean the public and private tiers were
//! swapped, which also breaks the segmentation that keeps tasks unreachable
//! from the internet.
//!
//! **Failing example.**
//! ```json
//! "aws_lb": {"main": {"internal": false, "subnets": ["${aws_subnet.private_a.id}", "${aws_subnet.private_b.id}"]}}
//! ```
//!
//! **Fix.** Put the ALB and the NAT gateways in the public subnets
//! (`"subnets": ["${aws_subnet.public_a.id}", "${aws_subnet.public_b.id}"]`)
//! and keep the tasks in the private ones.
//!
//! Doc 003 property 8. NIST SC-7, AC-4. SOC-2 CC6.6, CC6.7.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF008",
    name: "network-segmentation",
    severity: Severity::Error,
    property: Some(8),
    nist: &["SC-7", "AC-4"],
    soc2: &["CC6.6", "CC6.7"],
    summary: "internet-facing load balancers and NAT gateways sit in public subnets",
};

/// Whether `subnet`'s route table has an internet-gateway default route; `None` when unknown.
fn routes_to_igw(topo: &crate::topology::Topology, subnet: &Address) -> Option<bool> {
    let table = topo.route_table(subnet)?;
    Some(matches!(topo.default_route(table), Some((Kind::InternetGateway, _))))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let topo = crate::topology::Topology::new(m);
    for lb in m.of_kind(Kind::Lb) {
        match lb.get("internal") {
            None | Some(Value::Null) => {}
            Some(v) if as_bool(v) == Some(false) => {}
            Some(_) => continue, // internal, or unknown
        }
        let mut subnets: Vec<&Address> = blocks(lb, "subnets").iter().filter_map(ref_address).collect();
        subnets.extend(blocks(lb, "subnet_mapping").iter().filter_map(|b| b.get("subnet_id")).filter_map(ref_address));
        for s in subnets {
            if routes_to_igw(&topo, s) == Some(false) {
                out.report(lb, format!("internet-facing load balancer is placed in {s}, whose route table has no internet-gateway default route, so clients cannot reach it; place it in the public subnets"));
            }
        }
    }
    for nat in m.of_kind(Kind::NatGateway) {
        if str_attr(nat, "connectivity_type").is_some_and(|t| t == "private") {
            continue;
        }
        if let Some(s) = nat.get("subnet_id").and_then(ref_address)
            && routes_to_igw(&topo, s) == Some(false)
        {
            out.report(nat, format!("public NAT gateway sits in {s}, whose route table has no internet-gateway default route, so the tasks behind it have no egress; place it in a public subnet"));
        }
    }
}
