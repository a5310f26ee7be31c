//! KMS: customer managed keys (with their key policy and rotation status)
//! and aliases.
//!
//! A key is in scope when it is customer managed, not pending deletion, and
//! tagged with the project and environment, or named by an in-scope alias, or
//! used by an already read resource (a `kms_key_id`, `kms_key_arn`,
//! `kms_key` or `kms_master_key_id` of a secret, log group, ECR repository, bucket...: by key id, key ARN,
//! alias name or alias ARN). An alias is in scope when it is named
//! `alias/<project>-<environment>…` or `alias/<project>/<environment>/…`, or
//! targets an in-scope key. AWS managed keys (`alias/aws/*`) are never read:
//! Terraform does not manage them and every principal of the account may use
//! them through the service.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_kms::types::{KeyManagerType, KeyState};
use ecsforge_model::Kind;

use crate::LiveError;
use crate::collect::{Ctx, Item, document, name_of, strings_under};

const SVC: &str = "kms";

/// The keys, key ARNs and aliases read resources use (`kms_key*`, `kms_master_key_id`).
pub(crate) fn key_uses(items: &[Item]) -> BTreeSet<String> {
    strings_under(items, |k| k.starts_with("kms_key") || k == "kms_master_key_id")
}

pub(crate) async fn read(ctx: &Ctx<'_>, used: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let aliases = ctx
        .kms
        .list_aliases()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "ListAliases", None, e))?;
    let scoped_alias = |name: &str| name.strip_prefix("alias/").is_some_and(|n| ctx.scope.named_or_under(n));
    // Key id → how it is referred to by alias (alias name and ARN), and whether a scoped alias names it.
    let mut by_alias: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut aliased: BTreeSet<&str> = BTreeSet::new();
    for a in &aliases {
        let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) else { continue };
        by_alias.entry(target).or_default().extend([Some(name), a.alias_arn()].into_iter().flatten());
        if scoped_alias(name) {
            aliased.insert(target);
        }
    }

    let keys = ctx
        .kms
        .list_keys()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "ListKeys", None, e))?;
    let mut read_keys: BTreeSet<String> = BTreeSet::new();
    for k in &keys {
        let Some(id) = k.key_id() else { continue };
        let d = ctx.kms.describe_key().key_id(id).send().await.map_err(|e| ctx.err(SVC, "DescribeKey", Some(id), e))?;
        let Some(meta) = d.key_metadata() else { continue };
        if meta.key_manager() != Some(&KeyManagerType::Customer)
            || matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
        {
            continue;
        }
        let arn = meta.arn().or(k.key_arn()).unwrap_or_default();
        let tags: BTreeMap<String, String> = ctx
            .kms
            .list_resource_tags()
            .key_id(id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "ListResourceTags", Some(id), e))?
            .iter()
            .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
            .collect();
        let handles = by_alias.get(id).map(Vec::as_slice).unwrap_or_default();
        let referred = used.contains(id) || used.contains(arn) || handles.iter().any(|h| used.contains(*h));
        if !(ctx.scope.tagged(&tags) || aliased.contains(id) || referred) {
            continue;
        }
        let policy = ctx
            .kms
            .get_key_policy()
            .key_id(id)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "GetKeyPolicy", Some(id), e))?;
        // Rotation applies to symmetric encryption keys only; others answer an error.
        let symmetric = meta.key_spec().is_none_or(|s| s.as_str() == "SYMMETRIC_DEFAULT");
        let rotation = if symmetric {
            Some(
                ctx.kms
                    .get_key_rotation_status()
                    .key_id(id)
                    .send()
                    .await
                    .map_err(|e| ctx.err(SVC, "GetKeyRotationStatus", Some(id), e))?,
            )
        } else {
            None
        };
        // The address comes from the Name tag, else the first scoped alias, else the id.
        let alias_name = handles.iter().find(|h| h.starts_with("alias/") && scoped_alias(h)).map(|h| &h[6..]);
        let mut it = Item::new(Kind::KmsKey, SVC, id, name_of(&tags, alias_name.unwrap_or(id))).arn(Some(arn));
        it.set("key_id", id);
        it.opt("description", meta.description().filter(|d| !d.is_empty()));
        it.set("is_enabled", meta.enabled());
        it.opt("key_usage", meta.key_usage().map(|u| u.as_str().to_string()));
        it.opt("customer_master_key_spec", meta.key_spec().map(|s| s.as_str().to_string()));
        it.opt("multi_region", meta.multi_region());
        it.opt("policy", policy.policy().map(document));
        if let Some(r) = &rotation {
            it.set("enable_key_rotation", r.key_rotation_enabled());
            it.opt("rotation_period_in_days", r.rotation_period_in_days().filter(|_| r.key_rotation_enabled()));
        }
        it.tags(tags);
        out.push(it);
        read_keys.insert(id.to_string());
    }

    for a in &aliases {
        let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) else { continue };
        if !(scoped_alias(name) || read_keys.contains(target)) || name.starts_with("alias/aws/") {
            continue;
        }
        let mut it = Item::new(Kind::KmsAlias, SVC, name, &name["alias/".len().min(name.len())..]).arn(a.alias_arn());
        it.set("name", name);
        it.set("target_key_id", target);
        out.push(it);
    }
    Ok(())
}
