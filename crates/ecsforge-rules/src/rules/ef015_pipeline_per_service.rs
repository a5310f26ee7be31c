//! # EF015 pipeline-per-service: every ECS service has its own pipeline with a distinct name
//!
//! **What it checks.** When any `aws_codepipeline` in the model deploys to
//! ECS (an action with `category = "Deploy"` and provider `ECS` or
//! `CodeDeployToECS`), pipelines are how this environment ships, and then:
//! - every `aws_ecs_service` is the target of a deploy action of some
//!   pipeline (`configuration.ServiceName` refers to the service or equals its
//!   name);
//! - no pipeline deploys more than one service (one pipeline per service);
//! - no two pipelines share a `name`.
//!
//! A standby canary service (every target group it serves gets weight 0, the
//! green half of ecsforge's canary) is not expected to have a pipeline of its
//! own. A pipeline may deploy to it instead of to the service it stands by
//! for (ecsforge stages new revisions on the green service and leaves traffic
//! to the rollout): then the service whose target group shares a weighted
//! forward action with the standby's counts as deployed by that pipeline.
//!
//! A model whose pipelines deploy nothing to ECS, or that has no pipeline
//! (services deployed by GitHub Actions or by hand), has nothing to check.
//! Pipelines deploying with CodeDeploy (`CodeDeployToECS`) name an
//! application and deployment group instead of a service; the action is
//! matched to the service in the `ecs_service` block of the
//! `aws_codedeploy_deployment_group` its `DeploymentGroupName` (and
//! `ApplicationName`) designate. When no such group is in the model, the
//! action cannot be matched, and the model is judged only on distinct names.
//!
//! **Why it matters.** Doc 003 gives each service its own pipeline so one
//! service can be built, approved, deployed and rolled back without
//! releasing the others; a service without a pipeline is deployed by hand,
//! outside the approval and notification trail (SOC-2 CC8.1). Pipeline names
//! are unique per account and region, so two pipelines with one name cannot
//! both exist.
//!
//! **Failing example.** Two ECS services and one pipeline:
//! ```json
//! "aws_codepipeline": {"orders": {"name": "shop-prod-orders", "stage": [{"name": "Deploy", "action": [{"name": "Deploy",
//!   "category": "Deploy", "owner": "AWS", "provider": "ECS", "version": "1",
//!   "configuration": {"ClusterName": "shop-prod", "ServiceName": "${aws_ecs_service.orders.name}"}}]}]}}
//! ```
//! and `aws_ecs_service.payments` deployed by nothing.
//!
//! **Fix.** One `aws_codepipeline` per service (ecsforge: `ci: {provider:
//! codepipeline}` creates `<project>-<env>-<service>` for each service).
//!
//! Doc 003 property 15. NIST CM-3, SA-10. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF015",
    name: "pipeline-per-service",
    severity: Severity::Warning,
    property: Some(15),
    nist: &["CM-3", "SA-10"],
    soc2: &["CC8.1"],
    summary: "when pipelines deploy to ECS, every service has its own pipeline with a distinct name",
};

/// Whether a deploy action's `ApplicationName` designates the application a
/// deployment group belongs to: the same value, or both naming one
/// `aws_codedeploy_app`. An action without one does not constrain the group.
fn same_app(m: &InfraModel, action_app: Option<&Value>, group: &Resource) -> bool {
    let (Some(a), Some(g)) = (action_app, group.get("app_name")) else { return true };
    a == g
        || of_type(m, "aws_codedeploy_app")
            .any(|app| designates(a, app, &["name"]) == Some(true) && designates(g, app, &["name"]) == Some(true))
}

/// The `ecs_service.service_name` of the deployment groups a CodeDeployToECS
/// action designates.
fn codedeploy_targets<'a>(m: &'a InfraModel, config: &Value) -> Vec<&'a Value> {
    let Some(name) = config.get("DeploymentGroupName") else { return Vec::new() };
    of_type(m, "aws_codedeploy_deployment_group")
        .filter(|g| designates(name, g, &["deployment_group_name"]) == Some(true))
        .filter(|g| same_app(m, config.get("ApplicationName"), g))
        .filter_map(|g| block(g, "ecs_service").and_then(|b| b.get("service_name")))
        .collect()
}

/// The `ServiceName` values of a pipeline's ECS deploy actions (for
/// CodeDeploy actions, the services of their deployment groups), whether it
/// has any ECS deploy action at all, and whether one could not be matched.
fn deploy_targets<'a>(m: &'a InfraModel, p: &'a Resource) -> (bool, Vec<&'a Value>, bool) {
    let mut deploys = false;
    let mut unmatched = false;
    let mut targets = Vec::new();
    for (_, a) in pipeline_actions(p) {
        if a.get("category").and_then(Value::as_str) != Some("Deploy") {
            continue;
        }
        match a.get("provider").and_then(Value::as_str) {
            Some("ECS") => {
                deploys = true;
                if let Some(v) = a.get("configuration").and_then(|c| c.get("ServiceName")) {
                    targets.push(v);
                }
            }
            Some("CodeDeployToECS") => {
                deploys = true;
                let found = a.get("configuration").map(|c| codedeploy_targets(m, c)).unwrap_or_default();
                unmatched |= found.is_empty();
                targets.extend(found);
            }
            _ => {}
        }
    }
    (deploys, targets, unmatched)
}

/// The target groups of each weighted forward action (listener rules and
/// default actions) that has more than one.
fn forward_sets(m: &InfraModel) -> Vec<Vec<&Address>> {
    let rules = m.of_kind(Kind::LbListenerRule).flat_map(|r| blocks(r, "action"));
    let listeners = m.of_kind(Kind::LbListener).flat_map(|l| blocks(l, "default_action"));
    rules
        .chain(listeners)
        .filter_map(|a| a.get("forward").and_then(first_map).and_then(|f| f.get("target_group")))
        .map(|groups| groups.as_list().iter().filter_map(|g| g.get("arn").and_then(ref_address)).collect::<Vec<_>>())
        .filter(|set| set.len() > 1)
        .collect()
}

fn target_groups(s: &Resource) -> Vec<&Address> {
    blocks(s, "load_balancer").iter().filter_map(|b| b.get("target_group_arn")).filter_map(ref_address).collect()
}

/// Whether `standby` stands by for `s`: a target group of each shares a
/// weighted forward action.
fn stands_by_for(standby: &Resource, s: &Resource, sets: &[Vec<&Address>]) -> bool {
    let (mine, theirs) = (target_groups(standby), target_groups(s));
    sets.iter().any(|set| set.iter().any(|tg| mine.contains(tg)) && set.iter().any(|tg| theirs.contains(tg)))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let pipelines: Vec<&Resource> = of_type(m, "aws_codepipeline").collect();
    let mut any_deploys = false;
    let mut matched_only_ecs = true;
    let mut by_pipeline: Vec<(&Resource, Vec<&Value>)> = Vec::new();
    for p in &pipelines {
        let (deploys, targets, unmatched) = deploy_targets(m, p);
        if deploys {
            any_deploys = true;
            if targets.is_empty() || unmatched {
                matched_only_ecs = false;
            }
        }
        by_pipeline.push((p, targets));
    }
    if !any_deploys {
        return;
    }
    let services: Vec<&Resource> = of_type(m, "aws_ecs_service").collect();
    for (p, targets) in &by_pipeline {
        let deployed: Vec<&Resource> = services
            .iter()
            .copied()
            .filter(|s| targets.iter().any(|t| designates(t, s, &["name"]) == Some(true)))
            .collect();
        if deployed.len() > 1 {
            let names: Vec<&str> = deployed.iter().map(|s| s.address.as_str()).collect();
            out.report(p, format!("pipeline deploys {} services ({}), so they are released, approved and rolled back together; give each service its own pipeline", deployed.len(), names.join(", ")));
        }
    }
    // Names: a pipeline name is unique per account and region.
    let mut seen: std::collections::BTreeMap<&str, &Resource> = std::collections::BTreeMap::new();
    for p in &pipelines {
        if let Some(name) = str_attr(p, "name") {
            if let Some(first) = seen.get(name) {
                out.report(p, format!("pipeline name `{name}` is also used by {}; pipeline names must be distinct (one pipeline per service)", first.address));
            } else {
                seen.insert(name, p);
            }
        }
    }
    if !matched_only_ecs {
        return;
    }
    let unknown = by_pipeline.iter().flat_map(|(_, t)| t.iter()).any(|t| matches!(t, Value::Unknown));
    if unknown {
        return;
    }
    let weights = target_group_weights(m);
    let sets = forward_sets(m);
    let deployed =
        |s: &Resource| by_pipeline.iter().any(|(_, t)| t.iter().any(|v| designates(v, s, &["name"]) == Some(true)));
    let (standby, active): (Vec<&Resource>, Vec<&Resource>) =
        services.into_iter().partition(|s| is_standby(s, &weights));
    for s in active {
        let has = deployed(s) || standby.iter().any(|g| deployed(g) && stands_by_for(g, s, &sets));
        if !has {
            out.report(s, "service is deployed by no pipeline while the environment's other services are; add a pipeline for it (with ecsforge's `ci: {provider: codepipeline}` every service gets one)");
        }
    }
}
