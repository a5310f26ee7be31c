//! # EF035 sg-service-traffic: task security groups admit the ALB only, and reach Kafka
//!
//! **What it checks.**
//! - Public services: for every `aws_ecs_service` with a `load_balancer`
//!   block, each ingress rule of the service's security groups that covers a
//!   load-balanced `container_port` (TCP, or all protocols) admits only
//!   security groups attached to an `aws_lb` — no CIDR, no prefix list, no
//!   other security group.
//! - Kafka clients: for every service whose task definition sets a
//!   `KAFKA_BROKERS` environment variable (`host:port,host:port`, a bare host
//!   meaning port 9092, an optional `SCHEME://` prefix ignored), the service's
//!   security groups have an egress rule covering each broker port over TCP.
//!   Any destination counts (the brokers' security group, a CIDR, or
//!   `0.0.0.0/0`), because broker host names cannot be resolved to addresses
//!   from the infrastructure.
//!
//! Interpretation of doc 003 property 35: its third clause, "internal services
//! admit other services and Kafka", names no particular callers and cannot be
//! checked in general; in ecsforge, which callers an internal service admits
//! is declared with `allow_from`, and reachability (`ecsforge reach`) checks
//! each path. That a load-balanced service admits the ALB at all is EF042.
//! A security group whose rules are unknown until apply is not judged.
//!
//! **Why it matters.** Anything besides the ALB that can reach a public task's
//! port bypasses TLS termination, the listener rules and access logs. A Kafka
//! client without egress to the broker port starts, passes its health check,
//! and silently never consumes (doc 003 "Security Group Misconfiguration").
//!
//! **Failing example.**
//! ```json
//! "aws_vpc_security_group_ingress_rule": {"api_from_vpc": {"security_group_id": "${aws_security_group.api.id}",
//!   "cidr_ipv4": "10.40.0.0/16", "ip_protocol": "tcp", "from_port": 3000, "to_port": 3000}}
//! ```
//! on a service behind the ALB.
//!
//! **Fix.** Admit only the ALB's group
//! (`"referenced_security_group_id": "${aws_security_group.alb.id}"`); for Kafka add an egress rule
//! to the brokers' security group on each broker port (9092).
//!
//! Doc 003 property 35. NIST AC-3, SC-7. SOC-2 CC6.6, CC6.7.

use std::collections::{BTreeSet, HashSet};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF035",
    name: "sg-service-traffic",
    severity: Severity::Error,
    property: Some(35),
    nist: &["AC-3", "SC-7"],
    soc2: &["CC6.6", "CC6.7"],
    summary: "public task SGs admit only the ALB; Kafka clients have egress to the broker ports",
};

/// The broker ports of a `KAFKA_BROKERS` value.
fn broker_ports(v: &str) -> BTreeSet<i64> {
    v.split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| b.rsplit_once("://").map(|(_, h)| h).unwrap_or(b))
        .map(|h| h.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(9092))
        .collect()
}

fn describe(r: &SgRule) -> String {
    let mut peers: Vec<String> = r.cidrs.clone();
    peers.extend(r.peer_groups.iter().map(|v| sg_identity(v).unwrap_or_else(|| "?".into())));
    peers.extend(r.prefix_lists.iter().map(|v| sg_identity(v).unwrap_or_else(|| "a prefix list".into())));
    peers.join(", ")
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let all = sg_rules(m);
    let by_group = sg_rules_by_group(&all);
    let lb_values: Vec<&Value> = m.of_kind(Kind::Lb).flat_map(|lb| blocks(lb, "security_groups")).collect();
    let lb_unknown = lb_values.iter().any(|v| sg_identity(v).is_none())
        || m.of_kind(Kind::Lb).any(|lb| matches!(lb.get("security_groups"), Some(Value::Unknown)));
    let lb_sgs: HashSet<String> = lb_values.iter().filter_map(|v| sg_identity(v)).collect();
    let none = Vec::new();

    for s in m.of_kind(Kind::EcsService) {
        let groups: Vec<&Address> = service_security_groups(s).iter().filter_map(ref_address).collect();
        let rules_of = |g: &Address| by_group.get(g).unwrap_or(&none);

        // Public: the load-balanced ports admit load balancers only.
        let ports: Vec<i64> =
            blocks(s, "load_balancer").iter().filter_map(|b| b.get("container_port").and_then(as_int)).collect();
        if !ports.is_empty() && !lb_unknown {
            let mut reported: HashSet<&Address> = HashSet::new();
            for g in &groups {
                for r in rules_of(g).iter().filter(|r| !r.egress) {
                    let Some(port) = ports.iter().find(|p| r.covers_tcp(**p)) else { continue };
                    if r.peer_groups.iter().any(|v| matches!(v, Value::Unknown)) {
                        continue;
                    }
                    let foreign_group = r.peer_groups.iter().any(|v| sg_identity(v).is_some_and(|id| !lb_sgs.contains(&id)));
                    let other = !r.cidrs.is_empty() || !r.prefix_lists.is_empty() || foreign_group;
                    if other && reported.insert(&r.resource.address) {
                        out.report(r.resource, format!("{g} admits port {port} of load-balanced service {} from {}, not only from the load balancer; admit only the ALB's security group", s.address, describe(r)));
                    }
                }
            }
        }

        // Kafka clients: egress to every broker port.
        let Some(td) = task_definition_of(m, s) else { continue };
        let mut kafka: BTreeSet<i64> = BTreeSet::new();
        for c in containers(td) {
            for (name, value) in container_environment(c) {
                if name == "KAFKA_BROKERS"
                    && let Some(v) = value.and_then(Value::as_str)
                {
                    kafka.extend(broker_ports(v));
                }
            }
        }
        if kafka.is_empty() || groups.is_empty() || groups.len() != service_security_groups(s).len() {
            continue;
        }
        let egress: Vec<&SgRule> = groups.iter().flat_map(|g| rules_of(g).iter()).filter(|r| r.egress).collect();
        let unknown = egress.iter().any(|r| r.from_port.is_none() && r.protocol != "-1" && r.protocol != "all");
        let mut missing: Vec<i64> = kafka.into_iter().filter(|p| !egress.iter().any(|r| r.covers_tcp(*p))).collect();
        missing.dedup();
        if !missing.is_empty() && !unknown {
            let list: Vec<String> = missing.iter().map(|p| p.to_string()).collect();
            out.report(s, format!("service is a Kafka client (KAFKA_BROKERS) but its security groups allow no egress to broker port {}; add an egress rule to the brokers' security group on that port", list.join(", ")));
        }
    }
}

