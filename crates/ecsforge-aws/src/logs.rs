//! CloudWatch Logs: log groups.

use std::collections::{BTreeMap, BTreeSet};

use ecsforge_model::Kind;

use crate::LiveError;
use crate::collect::{Ctx, Item};

const SVC: &str = "logs";

pub(crate) async fn read(ctx: &Ctx<'_>, used: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let groups = ctx
        .logs
        .describe_log_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeLogGroups", None, e))?;
    let prefix = ctx.scope.prefix();
    for g in &groups {
        let Some(name) = g.log_group_name() else { continue };
        let by_name = name.split('/').any(|seg| seg == prefix || seg.starts_with(&format!("{prefix}-")));
        if !(by_name || used.contains(name)) {
            continue;
        }
        // DescribeLogGroups gives `arn:...:log-group:<name>:*`; Terraform's `arn` has no `:*`.
        let arn = g.arn().map(|a| a.trim_end_matches(":*").to_string());
        let mut it = Item::new(Kind::LogGroup, SVC, name, name).arn(arn.as_deref());
        it.handles.push((name.to_string(), "name"));
        it.set("name", name);
        it.set("retention_in_days", g.retention_in_days().unwrap_or(0));
        it.opt("kms_key_id", g.kms_key_id());
        it.opt("log_group_class", g.log_group_class().map(|c| c.as_str().to_ascii_uppercase()));
        let tags: BTreeMap<String, String> = match &arn {
            Some(a) => ctx
                .logs
                .list_tags_for_resource()
                .resource_arn(a)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "ListTagsForResource", Some(a), e))?
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            None => BTreeMap::new(),
        };
        it.tags(tags);
        out.push(it);
    }
    Ok(())
}
