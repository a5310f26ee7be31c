//! What an ECS task's execution role must allow, shared by rule EF104 and the
//! reachability IAM verdict.

use std::collections::HashMap;

use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};

use crate::view::*;

/// Inline policies and managed-policy attachments by role, built once so a
/// check over many task definitions stays linear.
pub struct RolePolicies<'m> {
    policies: HashMap<&'m Address, Vec<&'m Resource>>,
    attachments: HashMap<&'m Address, Vec<&'m Resource>>,
    /// Every policy document that applies to the role: its inline policies,
    /// its `inline_policy` blocks and the `aws_iam_policy` resources of the
    /// model attached to it.
    documents: HashMap<&'m Address, Vec<&'m Value>>,
}

impl<'m> RolePolicies<'m> {
    pub fn new(m: &'m InfraModel) -> Self {
        let mut policies: HashMap<&Address, Vec<&Resource>> = HashMap::new();
        let mut attachments: HashMap<&Address, Vec<&Resource>> = HashMap::new();
        let mut documents: HashMap<&Address, Vec<&Value>> = HashMap::new();
        for r in m.resources.values() {
            if r.kind == Kind::IamRole {
                for b in blocks(r, "inline_policy") {
                    documents.entry(&r.address).or_default().extend(b.get("policy"));
                }
                continue;
            }
            let map = match r.kind {
                Kind::IamRolePolicy => &mut policies,
                Kind::IamRolePolicyAttachment => &mut attachments,
                _ => continue,
            };
            if let Some(role) = r.get("role").and_then(ref_address) {
                map.entry(role).or_default().push(r);
                let document = match r.kind {
                    Kind::IamRolePolicy => r.get("policy"),
                    _ => r
                        .get("policy_arn")
                        .and_then(|v| target(m, v))
                        .filter(|p| p.kind == Kind::IamPolicy)
                        .and_then(|p| p.get("policy")),
                };
                documents.entry(role).or_default().extend(document);
            }
        }
        RolePolicies { policies, attachments, documents }
    }

    /// Allow statements of every policy document of the role the model holds
    /// (inline, `inline_policy` blocks, attached customer managed policies).
    pub fn allows(&self, role: &Address) -> Vec<Statement<'m>> {
        self.documents
            .get(role)
            .into_iter()
            .flatten()
            .flat_map(|d| statements(Some(*d)))
            .filter(|s| s.effect == "Allow")
            .collect()
    }

    /// The role's inline policies (`aws_iam_role_policy`), in address order.
    pub fn policies_of(&self, role: &Address) -> &[&'m Resource] {
        self.policies.get(role).map(Vec::as_slice).unwrap_or(&[])
    }

    fn has_managed(&self, role: &Address, policy_suffix: &str) -> bool {
        self.attachments
            .get(role)
            .into_iter()
            .flatten()
            .any(|a| str_attr(a, "policy_arn").is_some_and(|p| p.ends_with(policy_suffix)))
    }
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
    let managed = roles.has_managed(&role.address, "/AmazonECSTaskExecutionRolePolicy");
    let allowed = roles.allows(&role.address);
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
