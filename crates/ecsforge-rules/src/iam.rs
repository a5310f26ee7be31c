//! What an ECS task's execution role must allow, shared by rule EF104 and the
//! reachability IAM verdict.

use ecsforge_model::{Address, InfraModel, Resource, Value};

use crate::view::*;

/// The policies of every role, indexed once so a check over many task
/// definitions stays linear: [`RoleIndex`] (the one place that decides which
/// policies apply to a role), looked up by the role's address.
pub struct RolePolicies<'m> {
    m: &'m InfraModel,
    index: RoleIndex<'m>,
}

impl<'m> RolePolicies<'m> {
    pub fn new(m: &'m InfraModel) -> Self {
        RolePolicies { m, index: RoleIndex::new(m) }
    }

    /// The statements of every policy of the role the model holds, and the
    /// ARNs of attached managed policies outside it ([`RoleIndex::policies`]).
    fn policies(&self, role: &Address) -> (Vec<Statement<'m>>, Vec<&'m str>) {
        self.m.resources.get(role).map(|r| self.index.policies(r)).unwrap_or_default()
    }

    /// Allow statements of every policy document of the role the model holds
    /// (inline, `inline_policy` blocks, attached customer managed policies).
    pub fn allows(&self, role: &Address) -> Vec<Statement<'m>> {
        allow_only(self.policies(role).0)
    }

    /// The role's inline policies (`aws_iam_role_policy`), in address order.
    pub fn policies_of(&self, role: &Address) -> Vec<&'m Resource> {
        self.m.resources.get(role).map(|r| self.index.inline(r)).unwrap_or_default()
    }
}

fn allow_only(statements: Vec<Statement<'_>>) -> Vec<Statement<'_>> {
    statements.into_iter().filter(|s| s.effect == "Allow").collect()
}

const PULL: [&str; 4] =
    ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

/// Why the execution role of `td` cannot start the task, if it cannot:
/// `Some(message)` naming the missing actions, `None` when all is granted
/// (or the role is defined outside the model and cannot be judged).
pub fn execution_role_gap(m: &InfraModel, roles: &RolePolicies, td: &Resource) -> Option<String> {
    let Some(role) = td.get("execution_role_arn").and_then(|v| target(m, v)) else {
        return td.get("execution_role_arn").is_none().then(|| {
            "task definition has no execution role, so it cannot pull from private ECR or write logs".to_string()
        });
    };
    let (statements, managed_arns) = roles.policies(&role.address);
    let managed = managed_arns.iter().any(|arn| arn.ends_with("/AmazonECSTaskExecutionRolePolicy"));
    let allowed = allow_only(statements);
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
        .filter_map(|s| s.get("valueFrom").and_then(|v| secret_value_from(m, v)))
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
