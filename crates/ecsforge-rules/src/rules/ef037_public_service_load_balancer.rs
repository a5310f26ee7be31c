//! # EF037 public-service-load-balancer: services the ALB can reach are registered with it
//!
//! **What it checks.** Every `aws_ecs_service` whose task security groups
//! admit a load balancer's security group (an ingress rule whose peer is a
//! group listed in some `aws_lb.security_groups`) has a `load_balancer` block
//! with a `target_group_arn`.
//!
//! Interpretation of doc 003 property 37 ("a public-facing service has a
//! load_balancer block referencing a target group"): the model has no service
//! type, and without the block nothing ties a target group to a service. The
//! evidence that a service is public-facing is that it was opened to the load
//! balancer. The reverse cases are EF042 (a load_balancer block on a service
//! the ALB cannot reach) and EF003 (a target group no service uses).
//!
//! **Why it matters.** ECS registers tasks in the target group only through
//! the service's `load_balancer` block. Without it, tasks start, the security
//! group is open to the ALB, and the target group stays empty: the route
//! answers 503, and the task count the ALB sees never follows deployments.
//!
//! **Failing example.** `aws_vpc_security_group_ingress_rule.api_from_alb`
//! admits `aws_security_group.alb` on port 3000, and `aws_ecs_service.api` has
//! no `load_balancer` block.
//!
//! **Fix.** `"load_balancer": [{"target_group_arn": "${aws_lb_target_group.api.arn}",
//! "container_name": "api", "container_port": 3000}]` (or, if the service is
//! internal, remove the ingress rule from the ALB).
//!
//! Doc 003 property 37. NIST SC-7, CM-2. SOC-2 CC6.6.

use std::collections::HashSet;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF037",
    name: "public-service-load-balancer",
    severity: Severity::Error,
    property: Some(37),
    nist: &["SC-7", "CM-2"],
    soc2: &["CC6.6"],
    summary: "services whose security group admits the ALB have a load_balancer block with a target group",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let lb_sgs: HashSet<String> =
        m.of_kind(Kind::Lb).flat_map(|lb| blocks(lb, "security_groups")).filter_map(sg_identity).collect();
    if lb_sgs.is_empty() {
        return;
    }
    let all = sg_rules(m);
    let by_group = sg_rules_by_group(&all);
    for s in m.of_kind(Kind::EcsService) {
        let from_lb = service_security_groups(s).iter().filter_map(ref_address).find_map(|g| {
            by_group.get(g)?.iter().filter(|r| !r.egress).find_map(|r| {
                r.peer_groups.iter().filter_map(|v| sg_identity(v)).find(|id| lb_sgs.contains(id)).map(|lb| (g, lb))
            })
        });
        let Some((group, lb)) = from_lb else { continue };
        if matches!(s.get("load_balancer"), Some(Value::Unknown)) {
            continue;
        }
        let attached = blocks(s, "load_balancer").iter().any(|b| is_set(b.get("target_group_arn")) != Some(false));
        if !attached {
            out.report(s, format!("{group} admits the load balancer's group {lb}, but the service has no load_balancer block with a target_group_arn, so its tasks are never registered; add load_balancer {{ target_group_arn, container_name, container_port }} or remove the ingress from the ALB"));
        }
    }
}
