//! IAM: roles, their inline policies and attached managed policies.

use std::collections::{BTreeMap, BTreeSet};

use ecsforge_model::Kind;

use crate::LiveError;
use crate::collect::{Ctx, Item, document, ident};

const SVC: &str = "iam";

pub(crate) async fn read(ctx: &Ctx<'_>, role_arns: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let roles = ctx
        .iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "ListRoles", None, e))?;
    for r in &roles {
        let name = r.role_name();
        if !(ctx.scope.named(name) || role_arns.contains(r.arn())) {
            continue;
        }
        // ListRoles leaves tags out; GetRole has them.
        let full =
            ctx.iam.get_role().role_name(name).send().await.map_err(|e| ctx.err(SVC, "GetRole", Some(name), e))?;
        let role = full.role().unwrap_or(r);
        let t: BTreeMap<String, String> =
            role.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
        let mut it = Item::new(Kind::IamRole, SVC, name, name).arn(Some(role.arn()));
        it.set("name", name);
        it.set("path", role.path());
        it.opt("assume_role_policy", role.assume_role_policy_document().map(document));
        it.opt("description", role.description().filter(|d| !d.is_empty()));
        it.opt("max_session_duration", role.max_session_duration());
        it.opt("permissions_boundary", role.permissions_boundary().and_then(|b| b.permissions_boundary_arn()));
        it.tags(t);
        out.push(it);

        let role_ident = ident(ctx.scope, name);
        let inline: Vec<String> = ctx
            .iam
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "ListRolePolicies", Some(name), e))?;
        for policy in &inline {
            let p = ctx
                .iam
                .get_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "GetRolePolicy", Some(&format!("{name}/{policy}")), e))?;
            let mut it =
                Item::new(Kind::IamRolePolicy, SVC, format!("{name}:{policy}"), format!("{role_ident}_{policy}"));
            it.set("name", policy.as_str());
            it.set("role", name);
            it.set("policy", document(p.policy_document()));
            out.push(it);
        }
        let attached = ctx
            .iam
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "ListAttachedRolePolicies", Some(name), e))?;
        for a in &attached {
            let Some(arn) = a.policy_arn() else { continue };
            let pname = a.policy_name().unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn));
            let mut it =
                Item::new(Kind::IamRolePolicyAttachment, SVC, format!("{name}/{arn}"), format!("{role_ident}_{pname}"));
            it.set("role", name);
            it.set("policy_arn", arn);
            out.push(it);
        }
    }
    Ok(())
}
