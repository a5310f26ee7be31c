//! # EF042 internal-service-no-load-balancer: only services the ALB can reach are registered with it
//!
//! **What it checks.** Every `aws_ecs_service` with a `load_balancer` block
//! has a task security group that admits some load balancer's security group
//! (an ingress rule whose peer is a group listed in an `aws_lb.security_groups`)
//! on the block's `container_port`. Services whose security groups are
//! defined outside the model, or whose rules are unknown until apply, pass.
//!
//! Interpretation of doc 003 property 42 ("an internal service has no
//! load_balancer block"): the model has no service type; a service is internal
//! when its security group admits no load balancer. Read that way the property
//! is the contrapositive checked here, and it does not reduce to EF003/EF037:
//! those look at target groups without services and at services open to the
//! ALB without a block, while this one finds the block on a service the ALB
//! cannot reach.
//!
//! **Why it matters.** Such a service is registered in a target group whose
//! health checks can never pass: ECS keeps replacing "unhealthy" tasks, the
//! deployment circuit breaker rolls back every release, and the route answers
//! 502/503. Usually an internal service was given ALB resources by mistake.
//!
//! **Failing example.** `aws_ecs_service.worker` with
//! `"load_balancer": [{"target_group_arn": "${aws_lb_target_group.worker.arn}", "container_port": 8080}]`
//! and no ingress rule from `aws_security_group.alb` on `aws_security_group.worker`.
//!
//! **Fix.** For an internal service remove the `load_balancer` block (and its
//! target group and listener rule); for a public one admit the ALB:
//! `"aws_vpc_security_group_ingress_rule": {"worker_from_alb": {"security_group_id": "${aws_security_group.worker.id}",
//! "referenced_security_group_id": "${aws_security_group.alb.id}", "ip_protocol": "tcp", "from_port": 8080, "to_port": 8080}}`.
//!
//! Doc 003 property 42. NIST SC-7, AC-3. SOC-2 CC6.6.

use std::collections::HashSet;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF042",
    name: "internal-service-no-load-balancer",
    severity: Severity::Error,
    property: Some(42),
    nist: &["SC-7", "AC-3"],
    soc2: &["CC6.6"],
    summary: "services with a load_balancer block admit a load balancer's security group",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let lb_values: Vec<&Value> = m.of_kind(Kind::Lb).flat_map(|lb| blocks(lb, "security_groups")).collect();
    if lb_values.iter().any(|v| sg_identity(v).is_none()) {
        return;
    }
    let lb_sgs: HashSet<String> = lb_values.into_iter().filter_map(sg_identity).collect();
    let all = sg_rules(m);
    let by_group = sg_rules_by_group(&all);
    for s in m.of_kind(Kind::EcsService) {
        let lbs = blocks(s, "load_balancer");
        if lbs.is_empty() {
            continue;
        }
        let sgs = service_security_groups(s);
        let groups: Vec<&Address> = sgs.iter().filter_map(ref_address).collect();
        if groups.is_empty() || groups.len() != sgs.len() {
            continue;
        }
        let ingress: Vec<&SgRule> =
            groups.iter().filter_map(|g| by_group.get(*g)).flatten().filter(|r| !r.egress).collect();
        if ingress.iter().any(|r| r.peer_groups.iter().any(|v| matches!(v, Value::Unknown)) || r.from_port.is_none() && r.protocol == "tcp") {
            continue;
        }
        for b in lbs {
            let Some(port) = b.get("container_port").and_then(as_int) else { continue };
            let admitted = ingress.iter().any(|r| {
                r.covers_tcp(port) && r.peer_groups.iter().filter_map(|v| sg_identity(v)).any(|id| lb_sgs.contains(&id))
            });
            if !admitted {
                let list: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
                out.report(s, format!("service has a load_balancer block for port {port}, but {} admits no load balancer on that port, so the service is internal and its health checks can never pass; remove the load_balancer block (and its target group) or admit the ALB's security group", list.join(", ")));
            }
        }
    }
}
