//! Secrets Manager: secrets, their resource policies and rotation.
//!
//! A secret is in scope when it is tagged with the project and environment,
//! named `<project>/<environment>/…` or `<project>-<environment>…`, or
//! injected into an in-scope container (`secrets[].valueFrom`, which may
//! carry a JSON key and version after the ARN). Secrets scheduled for
//! deletion are left out, as Terraform forgets them.
//!
//! The secret, its policy and its rotation share one id in Terraform (the
//! secret's ARN); the policy and rotation are read as the separate
//! `aws_secretsmanager_secret_policy` and `aws_secretsmanager_secret_rotation`
//! synth writes, only when the secret has a policy or rotation.

use std::collections::{BTreeMap, BTreeSet};

use ecsforge_model::Kind;
use serde_json::json;

use crate::LiveError;
use crate::collect::{Ctx, Item, document, ident, json as to_value};

const SVC: &str = "secretsmanager";

/// Whether `value_from` (a `valueFrom`, possibly `<arn>:<json key>:<stage>:<version>`) names the secret `arn`.
pub(crate) fn injects(value_from: &str, arn: &str) -> bool {
    value_from == arn || value_from.strip_prefix(arn).is_some_and(|rest| rest.starts_with(':'))
}

pub(crate) async fn read(ctx: &Ctx<'_>, injected: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    // ListSecrets has no item paginator: pages, flattened.
    let pages = ctx
        .secrets
        .list_secrets()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "ListSecrets", None, e))?;
    let secrets: Vec<_> = pages.iter().flat_map(|p| p.secret_list()).collect();
    for s in secrets {
        let (Some(arn), Some(name)) = (s.arn(), s.name()) else { continue };
        if s.deleted_date().is_some() {
            continue;
        }
        let tags: BTreeMap<String, String> =
            s.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect();
        let in_scope = ctx.scope.tagged(&tags)
            || ctx.scope.named_or_under(name)
            || name.starts_with(&format!("{}/", ctx.scope.prefix()))
            || injected.iter().any(|v| injects(v, arn));
        if !in_scope {
            continue;
        }
        let mut it = Item::new(Kind::SecretsManagerSecret, SVC, arn, name).arn(Some(arn));
        it.handles.push((name.to_string(), "name"));
        it.set("name", name);
        it.opt("description", s.description().filter(|d| !d.is_empty()));
        it.opt("kms_key_id", s.kms_key_id());
        it.tags(tags);
        out.push(it);

        let own = ident(ctx.scope, name);
        let policy = ctx
            .secrets
            .get_resource_policy()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "GetResourcePolicy", Some(arn), e))?;
        if let Some(p) = policy.resource_policy().filter(|p| !p.trim().is_empty()) {
            let mut it = Item::new(Kind::SecretsManagerSecretPolicy, SVC, arn, own.clone());
            it.set("secret_arn", arn);
            it.set("policy", document(p));
            out.push(it);
        }
        if s.rotation_enabled() == Some(true) || s.rotation_lambda_arn().is_some() {
            let mut it = Item::new(Kind::SecretsManagerSecretRotation, SVC, arn, own);
            it.set("secret_id", arn);
            it.set("rotation_enabled", s.rotation_enabled().unwrap_or(false));
            it.opt("rotation_lambda_arn", s.rotation_lambda_arn());
            if let Some(r) = s.rotation_rules() {
                let mut rule = serde_json::Map::new();
                if let Some(d) = r.automatically_after_days() {
                    rule.insert("automatically_after_days".into(), json!(d));
                }
                if let Some(d) = r.duration() {
                    rule.insert("duration".into(), json!(d));
                }
                if let Some(e) = r.schedule_expression() {
                    rule.insert("schedule_expression".into(), json!(e));
                }
                it.set("rotation_rules", to_value(&json!([rule])));
            }
            out.push(it);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_from_names_a_secret_with_or_without_a_json_key() {
        let arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:shop/dev/db-AbCdEf";
        assert!(injects(arn, arn));
        assert!(injects(&format!("{arn}:password::"), arn));
        assert!(!injects(&format!("{arn}x"), arn), "another secret whose ARN starts alike");
        assert!(!injects("arn:aws:ssm:eu-central-1:123456789012:parameter/x", arn));
    }
}
