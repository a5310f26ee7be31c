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
//! green half of ecsforge's canary) is released by the rollout, not by a
//! pipeline, and is not expected to have one.
//!
//! A model whose pipelines deploy nothing to ECS, or that has no pipeline
//! (services deployed by GitHub Actions or by hand), has nothing to check.
//! Pipelines deploying with CodeDeploy (`CodeDeployToECS`) name an
//! application and deployment group instead of a service; they count as
//! deploying to ECS but are not matched to a service, so a model using them
//! is judged only on distinct names.
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

/// The `ServiceName` values of a pipeline's ECS deploy actions, and whether it
/// has any ECS deploy action at all (CodeDeploy ones included).
fn deploy_targets(p: &Resource) -> (bool, Vec<&Value>) {
    let mut deploys = false;
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
            Some("CodeDeployToECS") => deploys = true,
            _ => {}
        }
    }
    (deploys, targets)
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let pipelines: Vec<&Resource> = of_type(m, "aws_codepipeline").collect();
    let mut any_deploys = false;
    let mut matched_only_ecs = true;
    let mut by_pipeline: Vec<(&Resource, Vec<&Value>)> = Vec::new();
    for p in &pipelines {
        let (deploys, targets) = deploy_targets(p);
        if deploys {
            any_deploys = true;
            if targets.is_empty() {
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
    for s in services.into_iter().filter(|s| !is_standby(s, &weights)) {
        let has = by_pipeline.iter().any(|(_, t)| t.iter().any(|v| designates(v, s, &["name"]) == Some(true)));
        if !has {
            out.report(s, "service is deployed by no pipeline while the environment's other services are; add a pipeline for it (with ecsforge's `ci: {provider: codepipeline}` every service gets one)");
        }
    }
}
