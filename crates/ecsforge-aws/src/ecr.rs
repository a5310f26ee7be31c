//! ECR: repositories, repository policies, lifecycle policies, and the account's registry policy.

use std::collections::BTreeMap;

use ecsforge_model::{Kind, Value};

use crate::LiveError;
use crate::collect::{Ctx, Item, document, norm};

const SVC: &str = "ecr";

pub(crate) async fn read(ctx: &Ctx<'_>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let repos = ctx
        .ecr
        .describe_repositories()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeRepositories", None, e))?;
    for r in &repos {
        let (Some(name), Some(arn)) = (r.repository_name(), r.repository_arn()) else { continue };
        let t: BTreeMap<String, String> = ctx
            .ecr
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "ListTagsForResource", Some(arn), e))?
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        if !(ctx.scope.tagged(&t) || ctx.scope.named_or_under(name)) {
            continue;
        }
        let mut it = Item::new(Kind::EcrRepository, SVC, name, name).arn(Some(arn));
        it.set("name", name);
        it.opt("registry_id", r.registry_id());
        it.opt("repository_url", r.repository_uri());
        it.handles.extend(r.repository_uri().map(|u| (u.to_string(), "repository_url")));
        it.opt("image_tag_mutability", r.image_tag_mutability().map(|m| norm(m.as_str(), &["MUTABLE", "IMMUTABLE"])));
        it.set(
            "image_scanning_configuration",
            Value::block([(
                "scan_on_push",
                Value::from(r.image_scanning_configuration().map(|s| s.scan_on_push()).unwrap_or(false)),
            )]),
        );
        if let Some(enc) = r.encryption_configuration() {
            let mut m = BTreeMap::new();
            m.insert(
                "encryption_type".to_string(),
                Value::from(norm(enc.encryption_type().as_str(), &["AES256", "KMS"])),
            );
            m.insert("kms_key".to_string(), Value::from(enc.kms_key().unwrap_or("")));
            it.set("encryption_configuration", Value::List(vec![Value::Map(m)]));
        }
        it.tags(t);
        out.push(it);

        match ctx.ecr.get_repository_policy().repository_name(name).send().await {
            Ok(p) => {
                if let Some(text) = p.policy_text() {
                    let mut it = Item::new(Kind::EcrRepositoryPolicy, SVC, name, name);
                    it.set("repository", name);
                    it.opt("registry_id", p.registry_id());
                    it.set("policy", document(text));
                    out.push(it);
                }
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_policy_not_found_exception()) => {}
            Err(e) => return Err(ctx.err(SVC, "GetRepositoryPolicy", Some(name), e)),
        }
        match ctx.ecr.get_lifecycle_policy().repository_name(name).send().await {
            Ok(p) => {
                if let Some(text) = p.lifecycle_policy_text() {
                    let mut it = Item::new(Kind::EcrLifecyclePolicy, SVC, name, name);
                    it.set("repository", name);
                    it.opt("registry_id", p.registry_id());
                    it.set("policy", document(text));
                    out.push(it);
                }
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_lifecycle_policy_not_found_exception()) => {}
            Err(e) => return Err(ctx.err(SVC, "GetLifecyclePolicy", Some(name), e)),
        }
    }
    // The registry policy is the account's, and governs every repository in
    // scope, so it is read whoever manages it.
    match ctx.ecr.get_registry_policy().send().await {
        Ok(p) => {
            if let (Some(registry), Some(text)) = (p.registry_id(), p.policy_text()) {
                let mut it = Item::new(Kind::Other("aws_ecr_registry_policy".into()), SVC, registry, "registry");
                it.set("registry_id", registry);
                it.set("policy", document(text));
                out.push(it);
            }
        }
        Err(e) if e.as_service_error().is_some_and(|s| s.is_registry_policy_not_found_exception()) => {}
        Err(e) => return Err(ctx.err(SVC, "GetRegistryPolicy", None, e)),
    }
    Ok(())
}
