//! # EF106 endpoint-sg-https: tasks and interface endpoints let HTTPS through in both directions
//!
//! **What it checks.** For every interface `aws_vpc_endpoint` with
//! `private_dns_enabled = true` (DNS then sends all of that AWS service's
//! traffic from the VPC to the endpoint, so tasks use it whether they mean to
//! or not) and every `aws_ecs_service` in the same VPC:
//! - one of the endpoint's `security_group_ids` admits TCP 443 from the
//!   service: from one of the service's security groups, or from CIDRs that
//!   contain every task subnet;
//! - one of the service's security groups lets TCP 443 out to the endpoint:
//!   to one of the endpoint's security groups, to `0.0.0.0/0`, or to a CIDR
//!   containing the VPC's CIDR.
//!
//! All-protocol rules count. Pairs involving security groups defined outside
//! the model, an endpoint without `security_group_ids` (it gets the VPC's
//! default group), or rules unknown until apply are not judged.
//!
//! **Why it matters.** This is doc 000's "Security Group Blocking" failure:
//! with private DNS on, `api.ecr.<region>.amazonaws.com` resolves to the
//! endpoint, and if either group drops port 443 the image pull, log delivery
//! or secret fetch times out (`CannotPullContainerError ... i/o timeout`),
//! even when a NAT gateway exists.
//!
//! **Failing example.** `aws_security_group.endpoints` with no ingress rule
//! from `aws_security_group.api` on 443, while `aws_vpc_endpoint.ecr_api`
//! (private DNS on) uses it.
//!
//! **Fix.**
//! ```json
//! "aws_vpc_security_group_ingress_rule": {"endpoints_from_api": {"security_group_id": "${aws_security_group.endpoints.id}",
//!   "referenced_security_group_id": "${aws_security_group.api.id}", "ip_protocol": "tcp", "from_port": 443, "to_port": 443}},
//! "aws_vpc_security_group_egress_rule": {"api_to_endpoints": {"security_group_id": "${aws_security_group.api.id}",
//!   "referenced_security_group_id": "${aws_security_group.endpoints.id}", "ip_protocol": "tcp", "from_port": 443, "to_port": 443}}
//! ```
//!
//! Design doc 000 §3 and §Error Handling ("Security Group Blocking"). NIST SC-7, AC-3. SOC-2 CC6.6.

use std::collections::{BTreeSet, HashMap};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF106",
    name: "endpoint-sg-https",
    severity: Severity::Error,
    property: None,
    nist: &["SC-7", "AC-3"],
    soc2: &["CC6.6"],
    summary: "interface endpoint SGs admit 443 from task SGs, and task SGs allow 443 out to them",
};

/// What one security group allows on TCP 443 in one direction.
#[derive(Default)]
struct Https {
    groups: BTreeSet<String>,
    cidrs: Vec<Cidr>,
    unknown: bool,
}

impl Https {
    fn of(rules: &[SgRule], egress: bool) -> Https {
        let mut h = Https::default();
        for r in rules.iter().filter(|r| r.egress == egress) {
            if r.from_port.is_none() && r.protocol == "tcp" {
                h.unknown = true;
                continue;
            }
            if !r.covers_tcp(443) {
                continue;
            }
            for v in &r.peer_groups {
                match sg_identity(v) {
                    Some(id) => {
                        h.groups.insert(id);
                    }
                    None => h.unknown = true,
                }
            }
            h.cidrs.extend(r.cidrs.iter().filter_map(|c| Cidr::parse(c)));
        }
        h
    }
    fn covers(&self, c: &Cidr) -> bool {
        self.cidrs.iter().any(|o| o.contains(c))
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let all = sg_rules(m);
    let by_group = sg_rules_by_group(&all);
    let ingress: HashMap<&Address, Https> = by_group.iter().map(|(g, r)| (g, Https::of(r, false))).collect();
    let egress: HashMap<&Address, Https> = by_group.iter().map(|(g, r)| (g, Https::of(r, true))).collect();
    let empty = Https::default();

    let endpoints: Vec<(&Resource, Vec<&Address>)> = m
        .of_kind(Kind::VpcEndpoint)
        .filter(|e| str_attr(e, "vpc_endpoint_type") == Some("Interface"))
        .filter(|e| bool_attr(e, "private_dns_enabled") == Some(true))
        .filter_map(|e| {
            let sgs = blocks(e, "security_group_ids");
            let groups: Vec<&Address> = sgs.iter().filter_map(ref_address).collect();
            (!groups.is_empty() && groups.len() == sgs.len()).then_some((e, groups))
        })
        .collect();
    if endpoints.is_empty() {
        return;
    }
    let subnet = |a: &Address| m.get(a).filter(|s| s.kind == Kind::Subnet);

    for svc in m.of_kind(Kind::EcsService) {
        let sgs = service_security_groups(svc);
        let groups: Vec<&Address> = sgs.iter().filter_map(ref_address).collect();
        if groups.is_empty() || groups.len() != sgs.len() || groups.iter().any(|g| m.get(g).is_none()) {
            continue;
        }
        let ids: BTreeSet<String> = groups.iter().map(|g| g.to_string()).collect();
        let subnets: Vec<&Resource> = service_subnets(svc).iter().filter_map(ref_address).filter_map(subnet).collect();
        let subnet_cidrs: Option<Vec<Cidr>> =
            subnets.iter().map(|s| str_attr(s, "cidr_block").and_then(Cidr::parse)).collect();
        let vpc = subnets.first().and_then(|s| s.get("vpc_id")).and_then(ref_address);
        let vpc_cidr = vpc.and_then(|v| m.get(v)).and_then(|v| str_attr(v, "cidr_block")).and_then(Cidr::parse);

        let out_rules: Vec<&Https> = groups.iter().map(|g| egress.get(g).unwrap_or(&empty)).collect();
        if out_rules.iter().any(|h| h.unknown) {
            continue;
        }
        // Endpoint security group → the endpoint services behind it that do not admit the tasks.
        let mut no_ingress: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut no_egress = Vec::new();
        for (e, eps) in &endpoints {
            if let (Some(v), Some(ev)) = (vpc, e.get("vpc_id").and_then(ref_address))
                && v != ev
            {
                continue;
            }
            let name = endpoint_service(e).unwrap_or_else(|| e.address.to_string());
            // Endpoint side: 443 in from the tasks.
            let ins: Vec<&Https> = eps.iter().map(|g| ingress.get(g).unwrap_or(&empty)).collect();
            if !ins.iter().any(|h| h.unknown) {
                let by_group = ins.iter().any(|h| h.groups.iter().any(|g| ids.contains(g)));
                let by_cidr = subnet_cidrs.as_ref().is_some_and(|cs| !cs.is_empty() && cs.iter().all(|c| ins.iter().any(|h| h.covers(c))));
                let cidr_unknown = subnet_cidrs.is_none() && ins.iter().any(|h| !h.cidrs.is_empty());
                if !by_group && !by_cidr && !cidr_unknown {
                    let key = eps.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ");
                    no_ingress.entry(key).or_default().push(name.clone());
                }
            }
            // Task side: 443 out to the endpoint.
            let ep_ids: BTreeSet<String> = eps.iter().map(|g| g.to_string()).collect();
            let world = Cidr::parse("0.0.0.0/0").expect("valid");
            let allowed = out_rules.iter().any(|h| {
                h.groups.iter().any(|g| ep_ids.contains(g))
                    || h.covers(&world)
                    || vpc_cidr.is_some_and(|c| h.covers(&c))
            });
            if !allowed {
                no_egress.push(name);
            }
        }
        let list = |v: &[&Address]| v.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ");
        for (sg, names) in no_ingress {
            out.report(svc, format!("{sg} admits no HTTPS (443) from the tasks' {}, so with private DNS their calls to the {} endpoint{} time out; add an ingress rule on 443 from the task security group", list(&groups), names.join(", "), if names.len() > 1 { "s" } else { "" }));
        }
        if !no_egress.is_empty() {
            out.report(svc, format!("task security groups {} allow no HTTPS (443) out to the {} endpoint{}; add an egress rule on 443 to the endpoints' security group", list(&groups), no_egress.join(", "), if no_egress.len() > 1 { "s" } else { "" }));
        }
    }
}
