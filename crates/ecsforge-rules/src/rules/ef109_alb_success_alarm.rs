//! # EF109 alb-success-alarm: every load-balanced service alarms on its success rate
//!
//! **What it checks.** For every `aws_ecs_service` with a `load_balancer`
//! block, the target group it names (when in the model, with protocol `HTTP`
//! or `HTTPS`: NLB target groups have no HTTP status metrics) is watched by an
//! `aws_cloudwatch_metric_alarm` of this shape:
//! - a metric-math alarm whose `metric_query` blocks read, from namespace
//!   `AWS/ApplicationELB` with a `TargetGroup` dimension designating that
//!   target group (a reference to it, e.g. `arn_suffix`, or a literal
//!   `targetgroup/<name>/<id>`), `RequestCount` and either
//!   `HTTPCode_Target_2XX_Count` (success rate `100 * ok / total`) or
//!   `HTTPCode_Target_5XX_Count` (success rate `100 * (1 - errors / total)`,
//!   which does not count client errors and redirects as failures; ecsforge
//!   synthesizes this form); the expression itself is not parsed;
//! - `comparison_operator` `LessThanThreshold` or
//!   `LessThanOrEqualToThreshold`, with `threshold` 99.5 or higher when the
//!   expression is a percentage, or between 0.995 and 1 when it is a ratio;
//! - alarming within 2 datapoints: `datapoints_to_alarm` (or, when absent,
//!   `evaluation_periods`) of 2 or fewer.
//!
//! These are doc 002's numbers (§Monitoring: ALB success rate, 99.5 %
//! threshold, 2 datapoints; the alarm also stops canary deployments). A
//! higher threshold or fewer datapoints is stricter and accepted. ecsforge
//! synthesizes one such alarm per target group (`<target group>_success_rate`).
//!
//! **Why it matters.** Error rates are what users feel first; CPU and memory
//! (EF030) stay flat while a bad release answers 500s. Without this alarm a
//! failed deployment is noticed from complaints, and CodeDeploy or the
//! deployment alarms of ECS have nothing to roll back on.
//!
//! **Failing example.** `aws_ecs_service.orders_api` behind
//! `aws_lb_target_group.orders_api`, with no alarm reading that target
//! group's `HTTPCode_Target_2XX_Count` and `RequestCount`.
//!
//! **Fix.**
//! ```json
//! "aws_cloudwatch_metric_alarm": {"orders_api_success": {"comparison_operator": "LessThanThreshold",
//!   "threshold": 99.5, "evaluation_periods": 2, "datapoints_to_alarm": 2, "treat_missing_data": "notBreaching",
//!   "metric_query": [
//!     {"id": "rate", "expression": "100 * ok / total", "return_data": true},
//!     {"id": "ok", "metric": [{"namespace": "AWS/ApplicationELB", "metric_name": "HTTPCode_Target_2XX_Count", "stat": "Sum", "period": 60,
//!       "dimensions": {"LoadBalancer": "${aws_lb.main.arn_suffix}", "TargetGroup": "${aws_lb_target_group.orders_api.arn_suffix}"}}]},
//!     {"id": "total", "metric": [{"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount", "stat": "Sum", "period": 60,
//!       "dimensions": {"LoadBalancer": "${aws_lb.main.arn_suffix}", "TargetGroup": "${aws_lb_target_group.orders_api.arn_suffix}"}}]}]}}
//! ```
//!
//! Design doc 002 §Monitoring and Observability and §Canary Deployment. NIST SI-4, AU-2, CP-10. SOC-2 CC7.2, CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF109",
    name: "alb-success-alarm",
    severity: Severity::Warning,
    property: None,
    nist: &["SI-4", "AU-2", "CP-10"],
    soc2: &["CC7.2", "CC8.1"],
    summary: "every service behind an ALB has a success-rate alarm (2XX/requests < 99.5 %, 2 datapoints)",
};

/// Whether a `TargetGroup` dimension designates `tg`; `None` when unknown.
fn is_target_group(v: &Value, tg: &Resource) -> Option<bool> {
    match v {
        Value::Unknown => None,
        Value::String(s) => Some(str_attr(tg, "name").is_some_and(|n| s.contains(&format!("targetgroup/{n}/")))),
        other => Some(refers_to(other, &tg.address)),
    }
}

/// Whether the alarm reads both success-rate metrics of `tg`; `None` when unknown.
fn reads_success_rate(a: &Resource, tg: &Resource) -> Option<bool> {
    let (mut ok, mut errors, mut total, mut unknown) = (false, false, false, false);
    for (ns, metric, dims) in alarm_metrics(a) {
        if ns.and_then(Value::as_str) != Some("AWS/ApplicationELB") {
            continue;
        }
        match dims.and_then(|d| d.get("TargetGroup")).map(|v| is_target_group(v, tg)) {
            Some(Some(true)) => {}
            Some(None) => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        match metric.and_then(Value::as_str) {
            Some("HTTPCode_Target_2XX_Count") => ok = true,
            Some("HTTPCode_Target_5XX_Count") => errors = true,
            Some("RequestCount") => total = true,
            _ => {}
        }
    }
    if (ok || errors) && total {
        Some(true)
    } else if unknown {
        None
    } else {
        Some(false)
    }
}

/// Why a success-rate alarm does not qualify; `None` when it does (or is unknown).
fn shortfall(a: &Resource) -> Option<String> {
    let op = str_attr(a, "comparison_operator");
    if op.is_some_and(|o| o != "LessThanThreshold" && o != "LessThanOrEqualToThreshold") {
        return Some(format!("compares with {}", op.unwrap_or("?")));
    }
    let threshold = match a.get("threshold") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    if let Some(t) = threshold
        && !(t >= 99.5 || (0.995..1.0).contains(&t))
    {
        return Some(format!("has threshold {t}"));
    }
    let points = int_attr(a, "datapoints_to_alarm").or_else(|| int_attr(a, "evaluation_periods"));
    if let Some(p) = points
        && p > 2
    {
        return Some(format!("needs {p} datapoints"));
    }
    None
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let alarms: Vec<&Resource> = m.of_kind(Kind::MetricAlarm).collect();
    for s in m.of_kind(Kind::EcsService) {
        for lb in blocks(s, "load_balancer") {
            let Some(tg) = lb.get("target_group_arn").and_then(|v| target(m, v)) else { continue };
            // HTTP status metrics exist only for ALB (HTTP/HTTPS) target groups.
            if tg.kind != Kind::LbTargetGroup || !matches!(str_attr(tg, "protocol"), Some("HTTP") | Some("HTTPS")) {
                continue;
            }
            let mut unknown = false;
            let mut candidates = Vec::new();
            for a in &alarms {
                match reads_success_rate(a, tg) {
                    Some(true) => candidates.push(*a),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if candidates.iter().any(|a| shortfall(a).is_none()) || unknown && candidates.is_empty() {
                continue;
            }
            if candidates.is_empty() {
                out.report(s, format!("no CloudWatch alarm watches the success rate of {} (AWS/ApplicationELB HTTPCode_Target_2XX_Count or HTTPCode_Target_5XX_Count, and RequestCount), so failing releases go unnoticed; add a metric-math alarm below 99.5 % over 2 datapoints", tg.address));
            } else {
                let why: Vec<String> =
                    candidates.iter().map(|a| format!("{} {}", a.address, shortfall(a).unwrap_or_default())).collect();
                out.report(s, format!("the success-rate alarm of {} does not fire below 99.5 % within 2 datapoints ({}); use comparison_operator LessThanThreshold, threshold 99.5 and datapoints_to_alarm 2", tg.address, why.join("; ")));
            }
        }
    }
}
