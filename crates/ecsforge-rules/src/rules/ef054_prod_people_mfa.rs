//! # EF054 prod-people-mfa: people assume production roles only with MFA
//!
//! **What it checks.** In the `prod` environment, every `aws_iam_role` whose
//! trust policy (`assume_role_policy`) lets people assume it requires MFA in
//! each such `Allow` statement: a `Condition` with `Bool`
//! `aws:MultiFactorAuthPresent = "true"`, or `NumericLessThan`
//! (`NumericLessThanEquals`) on `aws:MultiFactorAuthAge`. `BoolIfExists` does
//! not count: it passes requests made with long-term access keys, which carry
//! no MFA context at all.
//!
//! Who counts as people: an `AWS` principal that is an account (`...:root`
//! or a bare 12-digit id, which delegates to its IAM users), an IAM user
//! (`:user/`), or `"*"`. Service principals, `Federated` principals (SAML/OIDC:
//! MFA is enforced by the identity provider) and role principals
//! (`:role/`, role chaining by automation) are not. Outside prod, and without
//! such roles, the rule has nothing to check; ecsforge's own roles trust only
//! AWS services.
//!
//! **Why it matters.** A leaked access key of a user who may assume a prod role
//! is then a prod compromise; MFA makes the key alone insufficient (doc 003
//! §Compliance, IA-2).
//!
//! **Failing example.**
//! ```json
//! "aws_iam_role": {"operator": {"assume_role_policy": "{\"Statement\": [{\"Effect\": \"Allow\",
//!   \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}, \"Action\": \"sts:AssumeRole\"}]}"}}
//! ```
//!
//! **Fix.** Add `"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}` to the statement.
//!
//! Doc 003 property 54. NIST IA-2, AC-2. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF054",
    name: "prod-people-mfa",
    severity: Severity::Error,
    property: Some(54),
    nist: &["IA-2", "AC-2"],
    soc2: &["CC6.1"],
    summary: "in prod, roles people can assume require MFA",
};

/// Whether a trust principal value stands for people; `None` when unknown.
fn is_person(m: &InfraModel, v: &Value) -> Option<bool> {
    match v {
        Value::String(s) => Some(
            s == "*"
                || s.ends_with(":root")
                || s.contains(":user/")
                || (s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())),
        ),
        Value::Unknown => None,
        other => target(m, other).map(|t| t.address.resource_type() == "aws_iam_user"),
    }
}

fn requires_mfa(condition: Option<&Value>) -> bool {
    let Some(c) = condition else { return false };
    let truthy = |v: &Value| match v {
        Value::List(l) => l.iter().all(|x| as_bool(x) == Some(true)),
        x => as_bool(x) == Some(true),
    };
    c.get("Bool").and_then(|b| b.get("aws:MultiFactorAuthPresent")).is_some_and(truthy)
        || ["NumericLessThan", "NumericLessThanEquals"]
            .iter()
            .any(|op| c.get(op).and_then(|b| b.get("aws:MultiFactorAuthAge")).is_some())
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    if !is_prod(m) {
        return;
    }
    for role in m.of_kind(Kind::IamRole) {
        for s in statements(role.get("assume_role_policy")) {
            if s.effect != "Allow" {
                continue;
            }
            let people: Vec<String> = principals(s.principal, "AWS")
                .into_iter()
                .filter(|v| is_person(m, v) == Some(true))
                .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| format!("{:?}", ref_address(v))))
                .collect();
            if !people.is_empty() && !requires_mfa(s.condition) {
                out.report(role, format!("prod role can be assumed by {} without MFA; add Condition {{\"Bool\": {{\"aws:MultiFactorAuthPresent\": \"true\"}}}} to the trust statement", people.join(", ")));
            }
        }
    }
}
