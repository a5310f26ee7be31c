//! # EF030 service-alarms: every service alarms on CPU, memory and running tasks
//!
//! **What it checks.** For every `aws_ecs_service` there are
//! `aws_cloudwatch_metric_alarm`s (plain or metric-math: each
//! `metric_query.metric` counts) on metrics of namespace `AWS/ECS` or
//! `ECS/ContainerInsights` whose `ServiceName` dimension designates the service
//! (a reference to it, or its literal name), covering:
//! - CPU: `CPUUtilization` (or Container Insights `CpuUtilized`);
//! - memory: `MemoryUtilization` (or `MemoryUtilized`);
//! - task count: `RunningTaskCount` (Container Insights, EF011).
//!
//! One finding per service names what is missing. ecsforge synthesizes all
//! three for every ECS service (a canary's two services share one metric-math
//! running-task alarm reading both).
//!
//! **Why it matters.** Without alarms, saturation and crash loops are found by
//! users. Doc 003 §Monitoring: CPU and memory above 80 % for 5 minutes, and the
//! task count below the minimum, page the on-call.
//!
//! **Failing example.** An `aws_ecs_service.api` and no alarm with
//! `"dimensions": {"ClusterName": "shop-prod", "ServiceName": "api"}`.
//!
//! **Fix.**
//! ```json
//! "aws_cloudwatch_metric_alarm": {"api_cpu": {"namespace": "AWS/ECS", "metric_name": "CPUUtilization",
//!   "dimensions": {"ClusterName": "${aws_ecs_cluster.main.name}", "ServiceName": "${aws_ecs_service.api.name}"},
//!   "statistic": "Average", "period": 60, "evaluation_periods": 5, "threshold": 80,
//!   "comparison_operator": "GreaterThanThreshold", "alarm_actions": ["${aws_sns_topic.warning.arn}"]}}
//! ```
//! and likewise `MemoryUtilization`, and `RunningTaskCount` (namespace
//! `ECS/ContainerInsights`, `LessThanThreshold` the autoscaling minimum).
//!
//! Doc 003 property 30. NIST AU-2, SI-4. SOC-2 CC7.2.

use std::collections::{BTreeSet, HashMap};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF030",
    name: "service-alarms",
    severity: Severity::Warning,
    property: Some(30),
    nist: &["AU-2", "SI-4"],
    soc2: &["CC7.2"],
    summary: "every ECS service has CloudWatch alarms on CPU, memory and running task count",
};

fn category(metric: &str) -> Option<&'static str> {
    match metric {
        "CPUUtilization" | "CpuUtilized" => Some("CPU"),
        "MemoryUtilization" | "MemoryUtilized" => Some("memory"),
        "RunningTaskCount" => Some("running task count"),
        _ => None,
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let mut by_ref: HashMap<&Address, BTreeSet<&str>> = HashMap::new();
    let mut by_name: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut unknown = false;
    for a in m.of_kind(Kind::MetricAlarm) {
        for (ns, metric, dims) in alarm_metrics(a) {
            let ns = ns.and_then(Value::as_str);
            if !matches!(ns, Some("AWS/ECS") | Some("ECS/ContainerInsights")) {
                continue;
            }
            let Some(cat) = metric.and_then(Value::as_str).and_then(category) else { continue };
            match dims.and_then(|d| d.get("ServiceName")) {
                Some(Value::String(n)) => {
                    by_name.entry(n.as_str()).or_default().insert(cat);
                }
                Some(Value::Unknown) => unknown = true,
                Some(v) => {
                    let mut refs = Vec::new();
                    v.collect_refs(&mut refs);
                    for r in refs {
                        by_ref.entry(r).or_default().insert(cat);
                    }
                }
                None => {}
            }
        }
    }
    if unknown {
        return;
    }
    for s in m.of_kind(Kind::EcsService) {
        let mut have: BTreeSet<&str> = by_ref.get(&s.address).cloned().unwrap_or_default();
        if let Some(n) = str_attr(s, "name")
            && let Some(c) = by_name.get(n)
        {
            have.extend(c);
        }
        let missing: Vec<&str> =
            ["CPU", "memory", "running task count"].into_iter().filter(|c| !have.contains(c)).collect();
        if !missing.is_empty() {
            out.report(s, format!("service has no CloudWatch alarm on {} (namespace AWS/ECS or ECS/ContainerInsights, dimension ServiceName); add aws_cloudwatch_metric_alarm resources for CPUUtilization and MemoryUtilization above 80 % and RunningTaskCount below the minimum", missing.join(", ")));
        }
    }
}
