//! IAM: roles, their inline policies and policy attachments, and customer
//! managed policies: those attached to an in-scope role and those named
//! `<project>-<environment>-*`. AWS managed policies (`arn:aws:iam::aws:policy/…`)
//! stay ARNs: Terraform does not manage them.

use std::collections::{BTreeMap, BTreeSet};

use ecsforge_model::Kind;

use crate::LiveError;
use crate::collect::{Ctx, Item, document, ident};

const SVC: &str = "iam";

/// Whether a policy ARN is an AWS managed policy (`arn:<partition>:iam::aws:policy/…`).
fn aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

pub(crate) async fn read(ctx: &Ctx<'_>, role_arns: &BTreeSet<String>, out: &mut Vec<Item>) -> Result<(), LiveError> {
    let mut customer: BTreeSet<String> = BTreeSet::new();
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
            if !aws_managed(arn) {
                customer.insert(arn.to_string());
            }
        }
    }
    let local = ctx
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "ListPolicies", None, e))?;
    for p in &local {
        if let (Some(name), Some(arn)) = (p.policy_name(), p.arn())
            && ctx.scope.named(name)
        {
            customer.insert(arn.to_string());
        }
    }
    for arn in &customer {
        let got =
            ctx.iam.get_policy().policy_arn(arn).send().await.map_err(|e| ctx.err(SVC, "GetPolicy", Some(arn), e))?;
        let Some(p) = got.policy() else { continue };
        let name = p.policy_name().unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn));
        let mut it = Item::new(Kind::IamPolicy, SVC, arn.as_str(), name).arn(Some(arn));
        it.handles.push((name.to_string(), "name"));
        it.set("name", name);
        it.opt("path", p.path());
        it.opt("description", p.description().filter(|d| !d.is_empty()));
        if let Some(v) = p.default_version_id() {
            let version = ctx
                .iam
                .get_policy_version()
                .policy_arn(arn)
                .version_id(v)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "GetPolicyVersion", Some(arn), e))?;
            it.opt("policy", version.policy_version().and_then(|v| v.document()).map(document));
        }
        it.tags(p.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect());
        out.push(it);
    }
    Ok(())
}
