//! # EF023 service-autoscaling: every service scales on CPU or memory
//!
//! **What it checks.** Every `aws_ecs_service` (replica scheduling) has an
//! `aws_appautoscaling_target` with `service_namespace = "ecs"` and
//! `scalable_dimension = "ecs:service:DesiredCount"` whose `resource_id`
//! designates it (`service/<cluster>/<service name>`, by reference or
//! literally), and at least one `aws_appautoscaling_policy` on that target
//! (referring to it, or repeating its literal `resource_id`) that scales on
//! CPU or memory: target tracking on `ECSServiceAverageCPUUtilization` /
//! `ECSServiceAverageMemoryUtilization` (or a customized `CPUUtilization` /
//! `MemoryUtilization` metric), or a step-scaling policy (its metric lives in
//! the CloudWatch alarm that triggers it and is accepted).
//!
//! **Why it matters.** A fixed task count either wastes money at night or
//! falls over at peak; doc 003 asks for CPU/memory target tracking on every
//! service.
//!
//! **Failing example.** An `aws_ecs_service.api` with `desired_count = 2` and
//! no `aws_appautoscaling_target` whose `resource_id` is
//! `service/shop-prod/api`.
//!
//! **Fix.**
//! ```json
//! "aws_appautoscaling_target": {"api": {"service_namespace": "ecs", "scalable_dimension": "ecs:service:DesiredCount",
//!   "resource_id": "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}", "min_capacity": 2, "max_capacity": 6}},
//! "aws_appautoscaling_policy": {"api_cpu": {"policy_type": "TargetTrackingScaling",
//!   "resource_id": "${aws_appautoscaling_target.api.resource_id}", "target_tracking_scaling_policy_configuration": [{
//!   "target_value": 70, "predefined_metric_specification": [{"predefined_metric_type": "ECSServiceAverageCPUUtilization"}]}]}}
//! ```
//!
//! Doc 003 property 23. NIST CM-2, SC-5. SOC-2 CC7.2.

use std::collections::HashMap;

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF023",
    name: "service-autoscaling",
    severity: Severity::Warning,
    property: Some(23),
    nist: &["CM-2", "SC-5"],
    soc2: &["CC7.2"],
    summary: "every ECS service has an autoscaling target and a CPU or memory policy",
};

/// Whether a policy scales on CPU or memory; `None` when unknown.
fn scales_on_cpu_or_memory(p: &Resource) -> Option<bool> {
    match p.get("policy_type") {
        Some(Value::Unknown) => return None,
        Some(Value::String(t)) if t == "StepScaling" => return Some(true),
        _ => {}
    }
    let Some(cfg) = block(p, "target_tracking_scaling_policy_configuration") else {
        let unknown = matches!(p.get("target_tracking_scaling_policy_configuration"), Some(Value::Unknown));
        return if unknown { None } else { Some(false) };
    };
    let predefined = cfg
        .get("predefined_metric_specification")
        .and_then(first_map)
        .and_then(|s| s.get("predefined_metric_type"));
    let custom = cfg.get("customized_metric_specification").and_then(first_map).and_then(|s| s.get("metric_name"));
    match (predefined, custom) {
        (Some(Value::Unknown), _) | (_, Some(Value::Unknown)) => None,
        (Some(Value::String(t)), _) => {
            Some(t == "ECSServiceAverageCPUUtilization" || t == "ECSServiceAverageMemoryUtilization")
        }
        (_, Some(Value::String(n))) => Some(n == "CPUUtilization" || n == "MemoryUtilization"),
        _ => Some(false),
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    // Targets of ECS desired counts, and the policies on each target.
    let targets: Vec<&Resource> = m
        .of_kind(Kind::AppAutoscalingTarget)
        .filter(|t| str_attr(t, "service_namespace").is_none_or(|n| n == "ecs"))
        .filter(|t| str_attr(t, "scalable_dimension").is_none_or(|d| d == "ecs:service:DesiredCount"))
        .collect();
    let unknown_target = targets.iter().any(|t| matches!(t.get("resource_id"), Some(Value::Unknown) | None));
    let mut target_by_ref: HashMap<&Address, Vec<&Resource>> = HashMap::new();
    let mut target_by_name: HashMap<&str, Vec<&Resource>> = HashMap::new();
    for t in &targets {
        match t.get("resource_id") {
            Some(Value::String(id)) => {
                if let Some(n) = id.strip_prefix("service/").and_then(|r| r.rsplit_once('/')).map(|(_, n)| n) {
                    target_by_name.entry(n).or_default().push(t);
                }
            }
            Some(v) => {
                let mut refs = Vec::new();
                v.collect_refs(&mut refs);
                for a in refs {
                    target_by_ref.entry(a).or_default().push(t);
                }
            }
            None => {}
        }
    }
    let mut policies: HashMap<&Address, Vec<&Resource>> = HashMap::new();
    let mut by_literal: HashMap<&str, Vec<&Resource>> = HashMap::new();
    for p in m.of_kind(Kind::AppAutoscalingPolicy) {
        match p.get("resource_id") {
            Some(Value::String(s)) => by_literal.entry(s.as_str()).or_default().push(p),
            Some(v) => {
                let mut refs = Vec::new();
                v.collect_refs(&mut refs);
                for a in refs {
                    policies.entry(a).or_default().push(p);
                }
            }
            None => {}
        }
    }
    let unknown_policy = m.of_kind(Kind::AppAutoscalingPolicy).any(|p| matches!(p.get("resource_id"), Some(Value::Unknown)));

    for s in m.of_kind(Kind::EcsService) {
        if str_attr(s, "scheduling_strategy") == Some("DAEMON") {
            continue;
        }
        let by_name = str_attr(s, "name").and_then(|n| target_by_name.get(n));
        let mine: Vec<&Resource> =
            target_by_ref.get(&s.address).into_iter().flatten().chain(by_name.into_iter().flatten()).copied().collect();
        if mine.is_empty() {
            if !unknown_target {
                out.report(s, "service has no autoscaling target (aws_appautoscaling_target with resource_id service/<cluster>/<service>), so its task count never follows load; add one with a CPU or memory target-tracking policy");
            }
            continue;
        }
        let mut verdict = Some(false);
        for t in &mine {
            let attached = policies.get(&t.address).into_iter().flatten();
            let literal = str_attr(t, "resource_id").and_then(|id| by_literal.get(id)).into_iter().flatten();
            for p in attached.chain(literal) {
                match scales_on_cpu_or_memory(p) {
                    Some(true) => verdict = Some(true),
                    None if verdict == Some(false) => verdict = None,
                    _ => {}
                }
            }
        }
        if verdict == Some(false) && !unknown_policy {
            out.report(s, "service's autoscaling target has no policy scaling on CPU or memory; add a target-tracking aws_appautoscaling_policy on ECSServiceAverageCPUUtilization or ECSServiceAverageMemoryUtilization");
        }
    }
}
