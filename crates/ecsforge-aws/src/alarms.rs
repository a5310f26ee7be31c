//! CloudWatch: metric alarms.
//!
//! An alarm is in scope when it is named `<project>-<environment>-…`, or one
//! of its metrics (plain or in a metric-math query) has a dimension naming an
//! in-scope ECS cluster (`ClusterName`), load balancer (`LoadBalancer`,
//! `app/<name>/<id>`) or target group (`TargetGroup`, `targetgroup/<name>/<id>`).
//! Composite alarms are not read (no rule reads them), nor the alarms
//! Application Auto Scaling creates for target tracking policies.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudwatch::types::{AlarmType, Dimension, MetricAlarm};
use ecsforge_model::{Kind, Value};

use crate::LiveError;
use crate::collect::{Ctx, Item, strings};

const SVC: &str = "cloudwatch";

/// Dimension values that put an alarm in scope: the in-scope cluster names,
/// and the ARN suffixes of the load balancers and target groups read so far.
pub(crate) fn scoped_dimensions(clusters: &BTreeSet<String>, items: &[Item]) -> BTreeSet<String> {
    let suffixes = items
        .iter()
        .filter(|it| matches!(it.kind, Kind::Lb | Kind::LbTargetGroup))
        .filter_map(|it| it.arn.as_deref().and_then(arn_suffix))
        .map(str::to_string);
    clusters.iter().cloned().chain(suffixes).collect()
}

/// `app/<name>/<id>` or `targetgroup/<name>/<id>`: the `arn_suffix` CloudWatch dimensions use.
fn arn_suffix(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    Some(resource.strip_prefix("loadbalancer/").unwrap_or(resource))
}

fn dimensions(d: &[Dimension]) -> Value {
    let m: BTreeMap<String, String> =
        d.iter().filter_map(|d| Some((d.name()?.to_string(), d.value().unwrap_or("").to_string()))).collect();
    Value::from(m)
}

fn all_dimensions(a: &MetricAlarm) -> impl Iterator<Item = &Dimension> {
    a.dimensions()
        .iter()
        .chain(a.metrics().iter().filter_map(|q| q.metric_stat()?.metric()).flat_map(|m| m.dimensions().iter()))
}

/// Alarms Application Auto Scaling creates and owns for a target tracking
/// policy (`TargetTracking-<resource>-AlarmHigh-<uuid>`, acting on the policy):
/// not Terraform's, like a VPC's default security group.
fn managed_by_autoscaling(a: &MetricAlarm) -> bool {
    a.alarm_name().is_some_and(|n| n.starts_with("TargetTracking-"))
        && a.alarm_actions().iter().any(|x| x.contains(":autoscaling:") && x.contains(":scalingPolicy:"))
}

pub(crate) async fn read(ctx: &Ctx<'_>, scoped: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let pages = ctx
        .cloudwatch
        .describe_alarms()
        .alarm_types(AlarmType::MetricAlarm)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeAlarms", None, e))?;
    for a in pages.iter().flat_map(|p| p.metric_alarms()) {
        let Some(name) = a.alarm_name() else { continue };
        if managed_by_autoscaling(a) {
            continue;
        }
        let by_dimension = all_dimensions(a).any(|d| d.value().is_some_and(|v| scoped.contains(v)));
        if !(ctx.scope.named(name) || by_dimension) {
            continue;
        }
        let mut it = Item::new(Kind::MetricAlarm, SVC, name, name).arn(a.alarm_arn());
        it.handles.push((name.to_string(), "alarm_name"));
        it.set("alarm_name", name);
        it.opt("alarm_description", a.alarm_description().filter(|d| !d.is_empty()));
        it.opt("actions_enabled", a.actions_enabled());
        it.set("alarm_actions", strings(a.alarm_actions()));
        it.set("ok_actions", strings(a.ok_actions()));
        it.set("insufficient_data_actions", strings(a.insufficient_data_actions()));
        it.opt("comparison_operator", a.comparison_operator().map(|c| c.as_str().to_string()));
        it.opt("evaluation_periods", a.evaluation_periods());
        it.opt("datapoints_to_alarm", a.datapoints_to_alarm());
        it.opt("threshold", a.threshold());
        it.opt("threshold_metric_id", a.threshold_metric_id());
        it.opt("treat_missing_data", a.treat_missing_data());
        it.opt("metric_name", a.metric_name());
        it.opt("namespace", a.namespace());
        it.opt("statistic", a.statistic().map(|s| s.as_str().to_string()));
        it.opt("extended_statistic", a.extended_statistic());
        it.opt("period", a.period());
        it.opt("unit", a.unit().map(|u| u.as_str().to_string()));
        if !a.dimensions().is_empty() {
            it.set("dimensions", dimensions(a.dimensions()));
        }
        let queries: Vec<Value> = a
            .metrics()
            .iter()
            .map(|q| {
                let mut m = BTreeMap::new();
                m.insert("id".to_string(), Value::from(q.id().unwrap_or("")));
                if let Some(e) = q.expression() {
                    m.insert("expression".into(), Value::from(e));
                }
                if let Some(l) = q.label() {
                    m.insert("label".into(), Value::from(l));
                }
                if let Some(r) = q.return_data() {
                    m.insert("return_data".into(), Value::from(r));
                }
                if let Some(p) = q.period() {
                    m.insert("period".into(), Value::from(p));
                }
                if let Some(a) = q.account_id() {
                    m.insert("account_id".into(), Value::from(a));
                }
                if let Some(s) = q.metric_stat() {
                    let mut metric = BTreeMap::new();
                    if let Some(mm) = s.metric() {
                        metric.insert("metric_name".to_string(), Value::from(mm.metric_name().unwrap_or("")));
                        metric.insert("namespace".into(), Value::from(mm.namespace().unwrap_or("")));
                        metric.insert("dimensions".into(), dimensions(mm.dimensions()));
                    }
                    if let Some(p) = s.period() {
                        metric.insert("period".into(), Value::from(p));
                    }
                    if let Some(st) = s.stat() {
                        metric.insert("stat".into(), Value::from(st));
                    }
                    if let Some(u) = s.unit() {
                        metric.insert("unit".into(), Value::from(u.as_str()));
                    }
                    m.insert("metric".into(), Value::List(vec![Value::Map(metric)]));
                }
                Value::Map(m)
            })
            .collect();
        if !queries.is_empty() {
            it.set("metric_query", Value::List(queries));
        }
        let tags: BTreeMap<String, String> = match a.alarm_arn() {
            Some(arn) => ctx
                .cloudwatch
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "ListTagsForResource", Some(arn), e))?
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
                .collect(),
            None => BTreeMap::new(),
        };
        it.tags(tags);
        out.push(it);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_suffixes_are_the_cloudwatch_dimension_values() {
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/shop-dev/50dc6c495c0c9188"
            ),
            Some("app/shop-dev/50dc6c495c0c9188")
        );
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/shop-dev-api/73e2d6bc24d8a067"
            ),
            Some("targetgroup/shop-dev-api/73e2d6bc24d8a067")
        );
        assert_eq!(arn_suffix("not-an-arn"), None);
    }
}
