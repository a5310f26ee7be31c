//! Application Auto Scaling: the scalable targets of in-scope ECS services
//! (`service/<cluster>/<service>`, `ecs:service:DesiredCount`) and their
//! scaling policies.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_applicationautoscaling::types::{ScalingPolicy, ServiceNamespace};
use ecsforge_model::{Kind, Value};

use crate::LiveError;
use crate::collect::{Ctx, Item, present};

const SVC: &str = "application-autoscaling";

/// The names of the in-scope ECS clusters read so far.
pub(crate) fn cluster_names(items: &[Item]) -> BTreeSet<String> {
    items
        .iter()
        .filter(|it| it.kind == Kind::EcsCluster)
        .filter_map(|it| match it.attrs.get("name") {
            Some(Value::String(n)) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Whether `resource_id` is `service/<cluster>/<service>` of one of `clusters`.
fn in_clusters(resource_id: &str, clusters: &BTreeSet<String>) -> bool {
    let mut parts = resource_id.splitn(3, '/');
    parts.next() == Some("service") && parts.next().is_some_and(|c| clusters.contains(c)) && parts.next().is_some()
}

fn target_tracking(p: &ScalingPolicy) -> Option<Value> {
    let c = p.target_tracking_scaling_policy_configuration()?;
    let predefined = c.predefined_metric_specification().map(|s| {
        Value::List(vec![present([
            ("predefined_metric_type", Some(Value::from(s.predefined_metric_type().as_str()))),
            ("resource_label", s.resource_label().map(Value::from)),
        ])])
    });
    let customized = c.customized_metric_specification().map(|s| {
        let dims: Vec<Value> = s
            .dimensions()
            .iter()
            .map(|d| present([("name", Some(Value::from(d.name()))), ("value", Some(Value::from(d.value())))]))
            .collect();
        Value::List(vec![present([
            ("metric_name", s.metric_name().map(Value::from)),
            ("namespace", s.namespace().map(Value::from)),
            ("statistic", s.statistic().map(|x| Value::from(x.as_str()))),
            ("unit", s.unit().map(Value::from)),
            ("dimensions", Some(Value::List(dims))),
        ])])
    });
    Some(Value::List(vec![present([
        ("target_value", Some(Value::from(c.target_value()))),
        ("scale_in_cooldown", c.scale_in_cooldown().map(Value::from)),
        ("scale_out_cooldown", c.scale_out_cooldown().map(Value::from)),
        ("disable_scale_in", c.disable_scale_in().map(Value::from)),
        ("predefined_metric_specification", predefined),
        ("customized_metric_specification", customized),
    ])]))
}

pub(crate) async fn read(ctx: &Ctx<'_>, clusters: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    if clusters.is_empty() {
        return Ok(());
    }
    let targets = ctx
        .autoscaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeScalableTargets", None, e))?;
    let mut ids = BTreeSet::new();
    for t in &targets {
        let id = t.resource_id();
        if !in_clusters(id, clusters) {
            continue;
        }
        let service = id.rsplit('/').next().unwrap_or(id);
        let mut it = Item::new(Kind::AppAutoscalingTarget, SVC, id, service).arn(t.scalable_target_arn());
        it.set("resource_id", id);
        it.set("service_namespace", t.service_namespace().as_str());
        it.set("scalable_dimension", t.scalable_dimension().as_str());
        it.set("min_capacity", t.min_capacity());
        it.set("max_capacity", t.max_capacity());
        if !t.role_arn().is_empty() {
            it.set("role_arn", t.role_arn());
        }
        let tags: BTreeMap<String, String> = match t.scalable_target_arn() {
            Some(arn) => ctx
                .autoscaling
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "ListTagsForResource", Some(arn), e))?
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            None => BTreeMap::new(),
        };
        it.tags(tags);
        out.push(it);
        ids.insert(id.to_string());
    }
    if ids.is_empty() {
        return Ok(());
    }
    let policies = ctx
        .autoscaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeScalingPolicies", None, e))?;
    for p in &policies {
        if !ids.contains(p.resource_id()) {
            continue;
        }
        let name = p.policy_name();
        let mut it = Item::new(Kind::AppAutoscalingPolicy, SVC, name, name).arn(Some(p.policy_arn()));
        it.set("name", name);
        it.set("policy_type", p.policy_type().as_str());
        it.set("resource_id", p.resource_id());
        it.set("service_namespace", p.service_namespace().as_str());
        it.set("scalable_dimension", p.scalable_dimension().as_str());
        it.opt("target_tracking_scaling_policy_configuration", target_tracking(p));
        out.push(it);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_services_of_the_scoped_clusters() {
        let clusters = BTreeSet::from(["shop-dev".to_string()]);
        assert!(in_clusters("service/shop-dev/shop-dev-api", &clusters));
        assert!(!in_clusters("service/other-dev/api", &clusters));
        assert!(!in_clusters("service/shop-dev", &clusters));
        assert!(!in_clusters("spot-fleet-request/sfr-1", &clusters));
    }
}
