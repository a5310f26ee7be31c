//! # EF034 multi-az: the network and every service span two or more availability zones
//!
//! **What it checks.**
//! - The subnets of every `aws_vpc` (those whose `vpc_id` refers to it) lie
//!   in at least two distinct availability zones (`availability_zone` or
//!   `availability_zone_id`).
//! - Every `aws_ecs_service`'s task subnets lie in at least two distinct
//!   availability zones.
//!
//! A subnet whose zone is known only after apply (`!GetAZs`, a data source),
//! or a service subnet defined outside the model, makes that VPC or service
//! unjudgeable, and it passes.
//!
//! **Why it matters.** One zone is one failure domain: an AZ outage takes the
//! whole service down, and an ALB refuses to be created with subnets in fewer
//! than two zones. Doc 003 requires two or more (the examples use three).
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_service": {"api": {"network_configuration": [{"subnets": ["${aws_subnet.private_a.id}"]}]}}
//! ```
//!
//! **Fix.** List a private subnet from each zone:
//! `"subnets": ["${aws_subnet.private_a.id}", "${aws_subnet.private_b.id}", "${aws_subnet.private_c.id}"]`.
//!
//! Doc 003 property 34. NIST CP-10, SC-36. SOC-2 CC8.1.

use std::collections::{BTreeSet, HashMap};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF034",
    name: "multi-az",
    severity: Severity::Error,
    property: Some(34),
    nist: &["CP-10", "SC-36"],
    soc2: &["CC8.1"],
    summary: "VPC subnets and each service's subnets span at least two availability zones",
};

/// The zone of a subnet; `None` when unknown.
fn zone(s: &Resource) -> Option<&str> {
    str_attr(s, "availability_zone").or_else(|| str_attr(s, "availability_zone_id"))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let zones: HashMap<&Address, Option<&str>> = m.of_kind(Kind::Subnet).map(|s| (&s.address, zone(s))).collect();
    for vpc in m.of_kind(Kind::Vpc) {
        let mut azs = BTreeSet::new();
        let mut known = true;
        let mut any = false;
        for s in m.of_kind(Kind::Subnet).filter(|s| s.get("vpc_id").is_some_and(|v| refers_to(v, &vpc.address))) {
            any = true;
            match zone(s) {
                Some(z) => {
                    azs.insert(z);
                }
                None => known = false,
            }
        }
        if any && known && azs.len() < 2 {
            let list: Vec<&str> = azs.into_iter().collect();
            out.report(vpc, format!("every subnet of this VPC is in {}, one failure domain; add subnets in a second availability zone", list.join(", ")));
        }
    }
    for svc in m.of_kind(Kind::EcsService) {
        let subnets = service_subnets(svc);
        if subnets.is_empty() {
            continue;
        }
        let mut azs = BTreeSet::new();
        let mut known = true;
        for v in subnets {
            match ref_address(v).and_then(|a| zones.get(a)).copied().flatten() {
                Some(z) => {
                    azs.insert(z);
                }
                None => known = false,
            }
        }
        if known && azs.len() < 2 {
            let list: Vec<&str> = azs.into_iter().collect();
            out.report(svc, format!("all task subnets are in {}, so one zone outage stops the service; place tasks in subnets of at least two availability zones", list.join(", ")));
        }
    }
}
