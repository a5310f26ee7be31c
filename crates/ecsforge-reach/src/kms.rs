//! `KMS_DECRYPT`: a service depends on KMS when a customer managed key (CMK)
//! is involved in what its tasks need at start or run time:
//!
//! - a secret injected through `secrets[].valueFrom` (read by the
//!   **execution role**) that is a Secrets Manager secret whose `kms_key_id`
//!   is a CMK, or an SSM `SecureString` parameter whose `key_id` is one: the
//!   key as a reference to an `aws_kms_key` (or an alias of one) of the model,
//!   or as a literal key ARN, key id or alias (`alias/aws/*` are AWS managed
//!   keys, which every principal of the account may use through the service:
//!   no dependency). A literal secret ARN whose name is a secret or parameter
//!   of the model counts as that resource;
//! - a secret outside the model (a literal ARN naming nothing in the model)
//!   has an unknown key. Its CMK is known only from the execution role's
//!   `kms:Decrypt` grant on a literal key ARN (how synth writes
//!   `security.secrets_kms_key_arns`): such a grant declares that key;
//! - secrets or parameters of the model that the **task role** may read
//!   itself (`secretsmanager:GetSecretValue`, `ssm:GetParameter*` on them);
//! - the **task role** allowed `kms:` actions with no `kms:ViaService`
//!   condition: the application calls KMS itself.
//!
//! The verdict, first blocking hop first:
//! 1. IAM: the role that reads the secret is allowed `kms:Decrypt` on the key
//!    (a Resource that is the key's reference, its ARN, a pattern matching it,
//!    or `*`), and a `kms:ViaService` condition, if any, admits the service
//!    that decrypts (`secretsmanager.<region>.amazonaws.com` or `ssm.…`);
//! 2. the key policy, when the key is in the model, does not lock IAM out:
//!    an Allow statement grants `kms:Decrypt` (or the action the task role
//!    uses) to the account root, `*`, or the role itself;
//! 3. the network, **only for the task role's own KMS calls.** Secrets
//!    Manager and SSM call KMS server-side on the caller's behalf, so
//!    injecting or reading a CMK-encrypted secret needs a path to Secrets
//!    Manager or SSM (judged by `SECRETS_MANAGER_CONNECTIVITY` and
//!    `SSM_CONNECTIVITY`), never one from the task to KMS. When the
//!    application calls KMS, the path is judged like every interface-endpoint
//!    service: a `kms` endpoint with private DNS, else NAT or a public IP.
//!
//! Deny statements, permission boundaries, grants and managed policies other
//! than the inline ones are not read; an unknown value is taken as granting,
//! as everywhere in reach.

use std::collections::HashMap;

use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};
use ecsforge_rules::view::*;

use crate::{Dependency, Index, Path, Status, Task, Verdict, aws_service, verdict};

/// A customer managed key: in the model, or known only by a literal.
#[derive(Clone, Debug)]
pub(crate) enum Key<'m> {
    Model(&'m Resource),
    /// A key ARN, key id or customer alias.
    Literal(String),
}

impl Key<'_> {
    fn name(&self) -> String {
        match self {
            Key::Model(k) => k.address.to_string(),
            Key::Literal(s) => s.clone(),
        }
    }
}

/// One decryption a role must be able to do.
#[derive(Debug)]
pub(crate) struct Need<'m> {
    role: &'m Resource,
    /// `execution` or `task`.
    role_kind: &'static str,
    key: Key<'m>,
    /// The service that calls KMS for the role (`secretsmanager`, `ssm`).
    via: &'static str,
    /// What is decrypted, for messages.
    what: String,
    /// The same, short (an address or a variable name), for the PASS line.
    short: String,
}

/// How a service's tasks involve CMKs.
#[derive(Debug, Default)]
pub(crate) struct Uses<'m> {
    needs: Vec<Need<'m>>,
    /// The task role calling KMS itself: the role, the action it uses, and
    /// the keys its statements name (empty for `*` or unknown keys).
    direct: Option<(&'m Resource, String, Vec<Key<'m>>)>,
}

/// The CMK a `kms_key_id`/`key_id` value designates, if it is one.
fn key_of<'m>(m: &'m InfraModel, v: &'m Value) -> Option<Key<'m>> {
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    if let Some(r) = refs.first().and_then(|a| m.get(a)) {
        return match r.kind {
            Kind::KmsKey => Some(Key::Model(r)),
            Kind::KmsAlias => match r.get("target_key_id").and_then(|t| target(m, t)) {
                Some(k) if k.kind == Kind::KmsKey => Some(Key::Model(k)),
                _ => str_attr(r, "name").map(|n| Key::Literal(n.to_string())),
            },
            _ => None,
        };
    }
    let s = v.as_str()?.trim();
    let alias = s.strip_prefix("alias/").or_else(|| s.split_once(":alias/").map(|(_, a)| a));
    match alias {
        // AWS managed keys (`alias/aws/secretsmanager`, `alias/aws/ssm`).
        Some(a) if a.starts_with("aws/") => None,
        _ if s.is_empty() => None,
        _ => Some(Key::Literal(s.to_string())),
    }
}

/// The name a literal Secrets Manager or SSM ARN designates:
/// `(type, name)` with the 6-character random suffix of a secret dropped.
fn arn_name(arn: &str) -> Option<(&'static str, String)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "secretsmanager", _, _, "secret", name, ..] => {
            let name = match name.rsplit_once('-') {
                Some((base, suffix)) if suffix.len() == 6 => base,
                _ => name,
            };
            Some(("aws_secretsmanager_secret", name.to_string()))
        }
        ["arn", _, "ssm", _, _, rest, ..] => {
            let name = rest.strip_prefix("parameter")?;
            Some(("aws_ssm_parameter", name.trim_start_matches('/').to_string()))
        }
        _ => None,
    }
}

/// Whether a policy Resource pattern covers a `valueFrom` outside the model:
/// its ARN (also one without the 6-character random suffix), or, for a
/// Secrets Manager name, the secret part of the pattern's ARN.
fn covers_secret(pattern: &str, value: &str) -> bool {
    let with_suffix = format!("{value}-AbCdEf");
    let secret_part = match pattern.split_once(":secret:") {
        Some((_, rest)) if !value.starts_with("arn:") => rest,
        _ => pattern,
    };
    glob_match(secret_part, value) || glob_match(secret_part, &with_suffix)
}

/// Lookups built once per model, so a service's KMS verdict stays linear.
pub(crate) struct Lookup<'m> {
    /// Secrets and SSM parameters by (Terraform type, name without a leading `/`).
    secrets: HashMap<(&'m str, &'m str), &'m Resource>,
    /// `aws_kms_key_policy` documents by the key they attach to.
    key_policies: HashMap<&'m Address, &'m Value>,
}

impl<'m> Lookup<'m> {
    pub(crate) fn new(m: &'m InfraModel) -> Self {
        let mut secrets = HashMap::new();
        let mut key_policies = HashMap::new();
        for r in m.resources.values() {
            if is_secret(r)
                && let Some(name) = str_attr(r, "name")
            {
                secrets.entry((r.kind.terraform_type(), name.trim_start_matches('/'))).or_insert(r);
            }
            if r.kind.terraform_type() == "aws_kms_key_policy"
                && let (Some(key), Some(policy)) = (r.get("key_id").and_then(ref_address), r.get("policy"))
            {
                key_policies.entry(key).or_insert(policy);
            }
        }
        Lookup { secrets, key_policies }
    }

    /// The secret or parameter of the model a `valueFrom` (or policy Resource)
    /// value designates: a reference, or a literal ARN naming one.
    fn secret(&self, m: &'m InfraModel, v: &Value) -> Option<&'m Resource> {
        let mut refs = Vec::new();
        v.collect_refs(&mut refs);
        let by_ref = refs.iter().filter_map(|a| m.get(a)).find(|r| is_secret(r));
        if by_ref.is_some() {
            return by_ref;
        }
        let (ty, name) = arn_name(v.as_str()?)?;
        self.secrets.get(&(ty, name.as_str())).copied()
    }

    /// The key policy of a key of the model: its `policy`, else that of an
    /// `aws_kms_key_policy` attached to it; `None` for the default policy.
    fn key_policy(&self, key: &'m Resource) -> Option<&'m Value> {
        key.get("policy").or_else(|| self.key_policies.get(&key.address).copied())
    }
}

fn is_secret(r: &Resource) -> bool {
    matches!(r.kind.terraform_type(), "aws_secretsmanager_secret" | "aws_ssm_parameter")
}

/// The CMK of a secret or SecureString parameter, with the service that
/// decrypts it.
fn secret_key<'m>(m: &'m InfraModel, r: &'m Resource) -> Option<(Key<'m>, &'static str)> {
    if r.kind == Kind::SecretsManagerSecret {
        return key_of(m, r.get("kms_key_id")?).map(|k| (k, "secretsmanager"));
    }
    if str_attr(r, "type") != Some("SecureString") {
        return None;
    }
    key_of(m, r.get("key_id")?).map(|k| (k, "ssm"))
}

/// The `kms:ViaService` values of a condition (`None` without one); a value
/// that is not a known string reads as `?` (may admit anything).
fn via_services(condition: Option<&Value>) -> Option<Vec<String>> {
    let Some(Value::Map(ops)) = condition else { return None };
    let mut out: Option<Vec<String>> = None;
    for op in ops.values() {
        let Value::Map(keys) = op else { continue };
        for (k, v) in keys {
            if k.eq_ignore_ascii_case("kms:ViaService") {
                let vals = out.get_or_insert_with(Vec::new);
                let list = match v {
                    Value::List(l) => l.iter().collect(),
                    x => vec![x],
                };
                vals.extend(list.into_iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| "?".into())));
            }
        }
    }
    out
}

/// Whether a condition lets a call through `via` (`None`: the principal calls KMS itself).
fn via_admits(condition: Option<&Value>, via: Option<&str>) -> bool {
    match via_services(condition) {
        None => true,
        Some(vals) => {
            via.is_some_and(|v| vals.iter().any(|x| x == "?" || x.starts_with('*') || x.starts_with(&format!("{v}."))))
        }
    }
}

/// Whether a literal policy Resource designates a key known only by a
/// literal: its ARN; for a bare key id, a key ARN ending in it; for a customer
/// alias (whose key IAM cannot see), any key (`…:key/*`).
fn literal_matches(pattern: &str, key: &str) -> bool {
    if key.starts_with("arn:") && key.contains(":key/") {
        return glob_match(pattern, key);
    }
    if key.contains("alias/") {
        return glob_match(pattern, key) || pattern.starts_with("arn:aws:kms:") && pattern.ends_with(":key/*");
    }
    pattern.rsplit_once(":key/").is_some_and(|(_, id)| glob_match(id, key))
}

/// Whether a policy Resource designates the key.
fn resource_matches(r: &Value, key: &Key) -> bool {
    match (r, key) {
        (Value::Unknown, _) => true,
        (Value::String(s), _) if s == "*" => true,
        (Value::String(s), Key::Model(k)) => {
            (s.starts_with("arn:aws:kms:") && s.ends_with(":key/*"))
                // A plan of existing infrastructure knows the key's ARN and id.
                || ["arn", "id"].iter().filter_map(|a| str_attr(k, a)).any(|known| literal_matches(s, known))
        }
        (Value::String(s), Key::Literal(k)) => literal_matches(s, k),
        (v, Key::Model(k)) => {
            let mut refs = Vec::new();
            v.collect_refs(&mut refs);
            refs.contains(&&k.address) || refs.is_empty() && !matches!(v, Value::String(_))
        }
        (v, Key::Literal(k)) => {
            // A template whose known tail ends the key's ARN (`…:key/<id>`).
            known_suffix(v).is_some_and(|tail| k.ends_with(&tail))
        }
    }
}

/// The role's inline policy that a fix names.
fn policy_name(ix: &Index, role: &Resource) -> String {
    ix.roles
        .policies_of(&role.address)
        .first()
        .map(|p| p.address.to_string())
        .unwrap_or_else(|| format!("an inline policy of {}", role.address))
}

/// Why the role may not decrypt with the key through `via`: `None` when it may.
fn role_gap(ix: &Index, need: &Need) -> Option<(String, String)> {
    let grants: Vec<Statement> = ix
        .roles
        .allows(&need.role.address)
        .into_iter()
        .filter(|s| {
            s.actions.iter().any(|a| action_matches(a, "kms:Decrypt"))
                && s.resources.iter().any(|r| resource_matches(r, &need.key))
        })
        .collect();
    let key = need.key.name();
    let role = &need.role.address;
    let policy = policy_name(ix, need.role);
    let consequence = if need.role_kind == "execution" {
        "tasks fail to start with ResourceInitializationError (AccessDeniedException from KMS)"
    } else {
        "the application's reads fail with AccessDeniedException"
    };
    if grants.is_empty() {
        return Some((
            format!(
                "{} role {role} reads {}, encrypted with customer managed key {key}, but no policy of the role allows kms:Decrypt on that key; {consequence}",
                need.role_kind, need.what
            ),
            format!("add kms:Decrypt on {key} to {policy}"),
        ));
    }
    if grants.iter().any(|s| via_admits(s.condition, Some(need.via))) {
        return None;
    }
    let listed = grants.iter().flat_map(|s| via_services(s.condition).unwrap_or_default()).collect::<Vec<_>>();
    Some((
        format!(
            "{} role {role} may use kms:Decrypt on {key} only through {} (kms:ViaService), but {} is decrypted by {}; {consequence}",
            need.role_kind,
            listed.join(", "),
            need.what,
            need.via
        ),
        format!("add {}.<region>.amazonaws.com to the kms:ViaService condition of {policy}", need.via),
    ))
}

/// Whether a principal value is the account root (or everyone), or the role.
fn principal_admits(m: &InfraModel, p: &Value, role: &Resource) -> bool {
    if refers_to(p, &role.address) {
        return true;
    }
    let account = &m.account_id;
    match p {
        Value::String(s) => {
            let root = s == "*"
                || s.ends_with(":root") && (account.is_empty() || s.contains(account.as_str()))
                || (s.len() == 12 && s.chars().all(|c| c.is_ascii_digit()) && (account.is_empty() || s == account));
            let role_arn = str_attr(role, "name").is_some_and(|n| s.ends_with(&format!(":role/{n}")));
            root || role_arn
        }
        Value::Unknown => true,
        v => known_suffix(v).is_some_and(|t| t.ends_with(":root")),
    }
}

/// Whether the key policy lets IAM (or the role itself) use `action` through `via`.
fn key_admits(ix: &Index, key: &Resource, role: &Resource, action: &str, via: Option<&str>) -> bool {
    let m = ix.m;
    let Some(doc) = ix.kms.key_policy(key) else { return true };
    if !matches!(doc, Value::Json(_)) {
        return true;
    }
    statements(Some(doc)).iter().any(|s| {
        s.effect == "Allow"
            && s.actions.iter().any(|a| action_matches(a, action))
            && principals(s.principal, "AWS").iter().any(|p| principal_admits(m, p, role))
            && via_admits(s.condition, via)
    })
}

fn key_gap(ix: &Index, key: &Resource, role: &Resource, action: &str, via: Option<&str>) -> Option<(String, String)> {
    if key_admits(ix, key, role, action, via) {
        return None;
    }
    let m = ix.m;
    let account = if m.account_id.is_empty() { "<account>" } else { m.account_id.as_str() };
    Some((
        format!(
            "the key policy of {} allows {action} to neither the account root nor {}{}, so no IAM policy can grant its use (the account is locked out of the key)",
            key.address,
            role.address,
            if via.is_none() { " for direct calls" } else { "" }
        ),
        format!(
            "add a statement to {}'s policy: Allow kms:* (at least {action}) to arn:aws:iam::{account}:root, so IAM policies decide",
            key.address
        ),
    ))
}

/// The CMKs a task definition's tasks need, and how.
pub(crate) fn uses<'m>(ix: &Index<'m>, td: &'m Resource) -> Uses<'m> {
    let (m, roles) = (ix.m, &ix.roles);
    let mut out = Uses::default();
    let exec = td.get("execution_role_arn").and_then(|v| target(m, v)).filter(|r| r.kind == Kind::IamRole);
    let task = td.get("task_role_arn").and_then(|v| target(m, v)).filter(|r| r.kind == Kind::IamRole);
    let mut external = Vec::new();
    for c in containers(td) {
        for s in c.get("secrets").map(Value::as_list).unwrap_or(&[]) {
            let Some(v) = s.get("valueFrom") else { continue };
            let var = s.get("name").and_then(Value::as_str).unwrap_or("?");
            match ix.kms.secret(m, v) {
                Some(r) => {
                    if let (Some(exec), Some((key, via))) = (exec, secret_key(m, r)) {
                        let what = format!("{} (valueFrom of {var})", r.address);
                        let short = r.address.to_string();
                        out.needs.push(Need { role: exec, role_kind: "execution", key, via, what, short });
                    }
                }
                None => {
                    if let Some(arn) = v.as_str() {
                        let via = if arn.starts_with("arn:aws:ssm:") { "ssm" } else { "secretsmanager" };
                        external.push((var.to_string(), arn.to_string(), via));
                    }
                }
            }
        }
    }
    // Keys of secrets outside the model: declared by the execution role's grant.
    let mut declared: Vec<String> = Vec::new();
    for st in exec.filter(|_| !external.is_empty()).map(|e| roles.allows(&e.address)).unwrap_or_default() {
        if !st.actions.iter().any(|a| action_matches(a, "kms:Decrypt")) {
            continue;
        }
        for r in &st.resources {
            if let Some(s) =
                r.as_str().filter(|s| s.starts_with("arn:aws:kms:") && s.contains(":key/") && !s.contains('*'))
            {
                declared.push(s.to_string());
            }
        }
    }
    // A grant on a key the model holds (a plan of existing infrastructure
    // writes its ARN literally) declares nothing about outside secrets.
    declared.retain(|d| {
        !ix.m
            .of_kind(Kind::KmsKey)
            .any(|k| ["arn", "id"].iter().filter_map(|a| str_attr(k, a)).any(|known| literal_matches(d, known)))
    });
    declared.sort();
    declared.dedup();
    if let Some(exec) = exec {
        for key in &declared {
            for (var, arn, via) in &external {
                let what = format!("{arn} (valueFrom of {var}; outside the model, its key named by the role's grant)");
                let short = format!("{var} (outside the model)");
                let key = Key::Literal(key.clone());
                out.needs.push(Need { role: exec, role_kind: "execution", key, via, what, short });
            }
        }
    }
    let Some(task) = task else { return out };
    let allows = roles.allows(&task.address);
    // Secrets the application reads itself: of the model, or the external
    // ones it injects (whose keys the execution role's grant declares).
    for st in &allows {
        let via = if st.actions.iter().any(|a| action_matches(a, "secretsmanager:GetSecretValue")) {
            "secretsmanager"
        } else if st
            .actions
            .iter()
            .any(|a| action_matches(a, "ssm:GetParameters") || action_matches(a, "ssm:GetParameter"))
        {
            "ssm"
        } else {
            continue;
        };
        for r in &st.resources {
            if let Some(secret) = ix.kms.secret(m, r) {
                if let Some((key, v)) = secret_key(m, secret).filter(|(_, v)| *v == via) {
                    let what = format!("{} (the application reads it)", secret.address);
                    if !out.needs.iter().any(|n| n.role.address == task.address && n.what == what) {
                        let short = secret.address.to_string();
                        out.needs.push(Need { role: task, role_kind: "task", key, via: v, what, short });
                    }
                }
                continue;
            }
            let Some(pattern) = r.as_str() else { continue };
            for (var, value, v) in external.iter().filter(|(_, value, v)| *v == via && covers_secret(pattern, value)) {
                for key in &declared {
                    let what = format!(
                        "{value} (the application reads {var}; outside the model, its key named by the execution role's grant)"
                    );
                    if !out
                        .needs
                        .iter()
                        .any(|n| n.role.address == task.address && n.what == what && n.key.name() == *key)
                    {
                        let short = format!("{var} (outside the model)");
                        let key = Key::Literal(key.clone());
                        out.needs.push(Need { role: task, role_kind: "task", key, via: v, what, short });
                    }
                }
            }
        }
    }
    // The application calling KMS itself.
    let direct: Vec<&Statement> = allows
        .iter()
        .filter(|s| s.actions.iter().any(|a| a.to_ascii_lowercase().starts_with("kms:")))
        .filter(|s| via_services(s.condition).is_none())
        .collect();
    if let Some(first) = direct.first() {
        let action = first
            .actions
            .iter()
            .find(|a| a.to_ascii_lowercase().starts_with("kms:") && !a.contains('*'))
            .map(|a| a.to_string())
            .unwrap_or_else(|| "kms:Decrypt".into());
        let mut keys: Vec<Key> = Vec::new();
        for st in &direct {
            for r in &st.resources {
                let k = match r.as_str() {
                    Some(s) if s.contains('*') => None,
                    Some(_) => key_of(m, r),
                    None => key_of(m, r).filter(|k| matches!(k, Key::Model(_))),
                };
                if let Some(k) = k
                    && !keys.iter().any(|x| x.name() == k.name())
                {
                    keys.push(k);
                }
            }
        }
        out.direct = Some((task, action, keys));
    }
    out
}

impl Uses<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.needs.is_empty() && self.direct.is_none()
    }
}

/// The `KMS_DECRYPT` verdict of one service.
pub(crate) fn kms(ix: &Index, t: &Task, uses: &Uses) -> Verdict {
    let d = Dependency::Kms;
    let fail = |(details, fix): (String, String)| verdict(t, d.clone(), Status::Fail, None, details, fix);
    // (role kind, key, via) → what it decrypts, in the order first met.
    let mut passed: Vec<(String, Vec<&str>)> = Vec::new();
    for need in &uses.needs {
        if let Some(gap) = role_gap(ix, need) {
            return fail(gap);
        }
        if let Key::Model(k) = need.key
            && let Some(gap) = key_gap(ix, k, need.role, "kms:Decrypt", Some(need.via))
        {
            return fail(gap);
        }
        let head = format!("{} role may decrypt with {} through {}", need.role_kind, need.key.name(), need.via);
        match passed.iter_mut().find(|(h, _)| *h == head) {
            Some((_, whats)) => whats.push(&need.short),
            None => passed.push((head, vec![&need.short])),
        }
    }
    let mut details =
        passed.iter().map(|(head, whats)| format!("{head}: {}", whats.join(", "))).collect::<Vec<_>>().join("; ");
    if !details.is_empty() {
        details.push_str(
            "; Secrets Manager and SSM call KMS on the role's behalf, so the tasks need no network path to KMS",
        );
    }
    let Some((role, action, keys)) = &uses.direct else {
        return verdict(t, d, Status::Pass, Some(Path::Local), details, String::new());
    };
    for k in keys {
        if let Key::Model(k) = k
            && let Some(gap) = key_gap(ix, k, role, action, None)
        {
            return fail(gap);
        }
    }
    // The application calls KMS: it needs a network path like any AWS API.
    let mut v = aws_service(ix, t, d);
    let names: Vec<String> = keys.iter().map(Key::name).collect();
    let on = if names.is_empty() { String::new() } else { format!(" on {}", names.join(", ")) };
    let prefix = format!("task role {} calls KMS itself ({action}{on})", role.address);
    v.details = if details.is_empty() {
        format!("{prefix}; {}", v.details)
    } else {
        format!("{details}; {prefix}; {}", v.details)
    };
    v
}
