//! # EF019 ecr-lifecycle-untagged: untagged images expire within 7 days
//!
//! **What it checks.** Every `aws_ecr_repository` has an
//! `aws_ecr_lifecycle_policy` (its `repository` refers to the repository or
//! names it) with a rule whose `selection` has `tagStatus` `untagged` (or
//! `any`), `countType = "sinceImagePushed"`, `countUnit = "days"` and
//! `countNumber` of 7 or less, and whose `action.type` is `expire`. A
//! policy given as an opaque string (`file("policy.json")` in HCL) cannot be
//! read and passes.
//!
//! **Why it matters.** Every push that moves a tag leaves the previous image
//! untagged; without expiry they accumulate, cost storage, and keep old,
//! vulnerable layers around where they can still be pulled by digest.
//!
//! **Failing example.**
//! ```json
//! "aws_ecr_lifecycle_policy": {"api": {"repository": "${aws_ecr_repository.api.name}",
//!   "policy": "{\"rules\": [{\"rulePriority\": 1, \"selection\": {\"tagStatus\": \"untagged\",
//!   \"countType\": \"imageCountMoreThan\", \"countNumber\": 50}, \"action\": {\"type\": \"expire\"}}]}"}}
//! ```
//!
//! **Fix.** Add the rule ecsforge synthesizes:
//! `{"rulePriority": 2, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
//! "countUnit": "days", "countNumber": 7}, "action": {"type": "expire"}}`.
//!
//! Doc 003 property 19. NIST CM-2, SI-12. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF019",
    name: "ecr-lifecycle-untagged",
    severity: Severity::Warning,
    property: Some(19),
    nist: &["CM-2", "SI-12"],
    soc2: &["CC8.1"],
    summary: "ECR repositories have a lifecycle policy expiring untagged images within 7 days",
};

/// `Some(true)` when the policy expires untagged images within 7 days; `None` when unreadable.
fn expires_untagged(policy: Option<&Value>) -> Option<bool> {
    let Some(Value::Json(doc)) = policy else { return None };
    let rules = match doc.get("rules") {
        Some(Value::List(l)) => l,
        Some(Value::Unknown) => return None,
        _ => return Some(false),
    };
    Some(rules.iter().any(|r| {
        let sel = r.get("selection");
        let s = |k: &str| sel.and_then(|x| x.get(k)).and_then(Value::as_str);
        let days = sel.and_then(|x| x.get("countNumber")).and_then(as_int);
        matches!(s("tagStatus"), Some("untagged") | Some("any"))
            && s("countType") == Some("sinceImagePushed")
            && s("countUnit") == Some("days")
            && days.is_some_and(|d| d <= 7)
            && r.get("action").and_then(|a| a.get("type")).and_then(Value::as_str) == Some("expire")
    }))
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let policies = Links::new(m.of_kind(Kind::EcrLifecyclePolicy), "repository");
    for repo in m.of_kind(Kind::EcrRepository) {
        let mine = policies.to(repo, &["name"]);
        if mine.is_empty() {
            if !policies.unknown {
                out.report(repo, "repository has no lifecycle policy, so untagged images are never expired; add an aws_ecr_lifecycle_policy expiring untagged images after 7 days (sinceImagePushed, countUnit days, countNumber 7)");
            }
            continue;
        }
        if mine.iter().all(|p| expires_untagged(p.get("policy")) == Some(false)) {
            out.report(repo, "repository's lifecycle policy never expires untagged images within 7 days; add a rule with tagStatus untagged, countType sinceImagePushed, countUnit days, countNumber 7 and action expire");
        }
    }
}
