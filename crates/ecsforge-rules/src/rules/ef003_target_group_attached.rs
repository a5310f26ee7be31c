//! # EF003 target-group-attached: load-balancer resources exist only for services that use them
//!
//! **What it checks.** Every `aws_lb_target_group` is the `target_group_arn`
//! of some `aws_ecs_service`'s `load_balancer` block. Target groups that
//! serve something other than ECS are exempt: those registered through
//! `aws_lb_target_group_attachment` (instances, IPs, Lambda functions) and
//! the blue/green pair named in an `aws_codedeploy_deployment_group`.
//! A listener rule forwarding to an unattached target group is covered, since
//! that target group is reported.
//!
//! Interpretation of doc 003 property 3 ("when service_type is public, target
//! group and listener rules are created; when internal, they are not"): the
//! model has no service type, so the property is judged from its effect. An
//! internal service never has a target group, so any target group no service
//! uses is an ALB resource created for a service that is not public. The
//! other half (a public service without its load balancer block) is EF037.
//!
//! **Why it matters.** An orphaned target group with a listener rule routes
//! its path to a group with no targets: clients get 503s for a route that looks
//! configured, and the rule hides that the service behind it was made internal
//! or renamed.
//!
//! **Failing example.**
//! ```json
//! "aws_lb_target_group": {"worker": {"port": 8080, "protocol": "HTTP"}},
//! "aws_ecs_service": {"worker": {"name": "worker"}}
//! ```
//!
//! **Fix.** Attach the target group to the service
//! (`"load_balancer": [{"target_group_arn": "${aws_lb_target_group.worker.arn}", "container_name": "worker", "container_port": 8080}]`)
//! or, for an internal service, delete the target group and its listener rule.
//!
//! Doc 003 property 3. NIST CM-2, SC-7. SOC-2 CC8.1.

use std::collections::HashSet;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF003",
    name: "target-group-attached",
    severity: Severity::Warning,
    property: Some(3),
    nist: &["CM-2", "SC-7"],
    soc2: &["CC8.1"],
    summary: "every target group is attached to an ECS service (no ALB resources for internal services)",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let mut used: HashSet<&Address> = HashSet::new();
    let mut literal: HashSet<&str> = HashSet::new();
    let mut unknown = false;
    for s in m.of_kind(Kind::EcsService) {
        for lb in blocks(s, "load_balancer") {
            match lb.get("target_group_arn") {
                Some(Value::Unknown) => unknown = true,
                Some(Value::String(arn)) => {
                    literal.insert(arn.as_str());
                }
                Some(v) => {
                    let mut refs = Vec::new();
                    v.collect_refs(&mut refs);
                    used.extend(refs);
                }
                None => {}
            }
        }
    }
    for r in m.resources.values() {
        let ty = r.address.resource_type();
        if ty == "aws_lb_target_group_attachment" || ty == "aws_codedeploy_deployment_group" {
            let mut refs = Vec::new();
            for v in r.attrs.values() {
                v.collect_refs(&mut refs);
            }
            used.extend(refs);
        }
    }
    // CodeDeploy names its blue/green pair by target-group name; in a plan the
    // name is usually a known string rather than a reference.
    let mut pair_names: HashSet<&str> = HashSet::new();
    for g in m.resources.values().filter(|r| r.address.resource_type() == "aws_codedeploy_deployment_group") {
        for lb in blocks(g, "load_balancer_info") {
            for pair in lb.get("target_group_pair_info").map(Value::as_list).unwrap_or_default() {
                for t in pair.get("target_group").map(Value::as_list).unwrap_or_default() {
                    if let Some(n) = t.get("name").and_then(Value::as_str) {
                        pair_names.insert(n);
                    }
                }
            }
        }
    }
    if unknown {
        return;
    }
    for tg in m.of_kind(Kind::LbTargetGroup) {
        if used.contains(&tg.address) || str_attr(tg, "name").is_some_and(|n| pair_names.contains(n)) {
            continue;
        }
        // A literal ARN names the group: `...:targetgroup/<name>/<id>`.
        let name = str_attr(tg, "name").map(|n| format!(":targetgroup/{n}/"));
        if str_attr(tg, "arn").is_some_and(|a| literal.contains(a))
            || name.is_some_and(|n| literal.iter().any(|l| l.contains(&n)))
        {
            continue;
        }
        out.report(tg, "no ECS service's load_balancer block uses this target group, so it has no targets and any listener rule forwarding to it answers 503; attach it to the public service or delete it with its listener rule");
    }
}
