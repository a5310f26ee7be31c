//! What an ECS task's execution role must allow, shared by rule EF104 and the
//! reachability IAM verdict.

use ecsforge_model::{InfraModel, Kind, Resource, Value};

use crate::view::*;

const PULL: [&str; 4] =
    ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

/// Why the execution role of `td` cannot start the task, if it cannot:
/// `Some(message)` naming the missing actions, `None` when all is granted
/// (or the role is defined outside the model and cannot be judged).
pub fn execution_role_gap(m: &InfraModel, td: &Resource) -> Option<String> {
    let Some(role) = td.get("execution_role_arn").and_then(|v| target(m, v)) else {
        return td.get("execution_role_arn").is_none().then(|| {
            "task definition has no execution role, so it cannot pull from private ECR or write logs".to_string()
        });
    };
    let managed = m.of_kind(Kind::IamRolePolicyAttachment).any(|a| {
        a.get("role").is_some_and(|v| refers_to(v, &role.address))
            && str_attr(a, "policy_arn").is_some_and(|p| p.ends_with("/AmazonECSTaskExecutionRolePolicy"))
    });
    let allowed = role_allows(m, &role.address);
    let grants = |action: &str| allowed.iter().any(|s| s.actions.iter().any(|p| action_matches(p, action)));
    let mut needed: Vec<&str> = Vec::new();
    if !managed {
        needed.extend(PULL);
    }
    let cs = containers(td);
    let logs = cs
        .iter()
        .any(|c| c.get("logConfiguration").and_then(|l| l.get("logDriver")).and_then(Value::as_str) == Some("awslogs"));
    if logs && !managed {
        needed.extend(["logs:CreateLogStream", "logs:PutLogEvents"]);
    }
    let from: Vec<&str> = cs
        .iter()
        .flat_map(|c| c.get("secrets").map(Value::as_list).unwrap_or(&[]))
        .filter_map(|s| s.get("valueFrom").and_then(Value::as_str))
        .collect();
    if from.iter().any(|f| !f.starts_with("arn:aws:ssm:")) {
        needed.push("secretsmanager:GetSecretValue");
    }
    if from.iter().any(|f| f.starts_with("arn:aws:ssm:")) {
        needed.push("ssm:GetParameters");
    }
    let missing: Vec<&str> = needed.into_iter().filter(|a| !grants(a)).collect();
    (!missing.is_empty()).then(|| {
        format!("execution role {} lacks {}; tasks fail to start with AccessDenied", role.address, missing.join(", "))
    })
}
