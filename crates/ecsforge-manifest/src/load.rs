//! Decoding and validating the manifest tree. Every problem is collected, so
//! one run reports them all.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::Ipv4Net;

use crate::diag::Diagnostic;
use crate::fargate;
use crate::schema::*;
use crate::yaml::{Data, Node};

pub(crate) const MSG_SERVICE_TYPE: &str = "service_type must be 'public' or 'internal'";
pub(crate) const MSG_RUNTIME: &str = "runtime must be 'nodejs' or 'python'";
pub(crate) const MSG_CPU_MEMORY: &str =
    "Invalid CPU/memory combination for Fargate. See AWS documentation for valid values";
pub(crate) const MSG_ENVIRONMENT: &str = "environment must be one of: develop, test, qa, prod";

const LOG_RETENTION_VALUES: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const MAX_AZS: usize = 6;

#[derive(Default)]
pub(crate) struct Cx {
    pub diags: Vec<Diagnostic>,
}

/// The entries of one mapping, with unknown keys already reported.
pub(crate) struct Fields<'n> {
    node: &'n Node,
    entries: BTreeMap<&'n str, (&'n Node, &'n Node)>,
    what: &'static str,
}

impl<'n> Fields<'n> {
    pub(crate) fn opt(&self, key: &str) -> Option<&'n Node> {
        self.entries.get(key).map(|(_, v)| *v).filter(|v| !matches!(v.data, Data::Null))
    }
    pub(crate) fn req(&self, cx: &mut Cx, key: &str) -> Option<&'n Node> {
        let v = self.opt(key);
        if v.is_none() {
            cx.diags.push(
                Diagnostic::new(
                    format!("Missing required variable: {key}"),
                    point(&self.node.loc),
                    if self.what.starts_with("the ") {
                        format!("{} has no `{key}`", self.what)
                    } else {
                        format!("this {} has no `{key}`", self.what)
                    },
                )
                .help(format!("add `{key}:` here; docs/manifest.md lists every field")),
            );
        }
        v
    }
    pub(crate) fn key_loc(&self, key: &str) -> Option<&'n Loc> {
        self.entries.get(key).map(|(k, _)| &k.loc)
    }
}

/// A zero-width location at the start of `loc`, for "missing" diagnostics.
pub(crate) fn point(loc: &Loc) -> Loc {
    Loc { end: loc.start, ..loc.clone() }
}

pub(crate) fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

impl Cx {
    pub(crate) fn err(&mut self, message: impl Into<String>, loc: &Loc, label: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(message, loc.clone(), label));
        self.diags.last_mut().expect("just pushed")
    }

    /// Sets the help of the diagnostic just reported.
    fn last_help(&mut self, help: &str) {
        if let Some(d) = self.diags.last_mut() {
            d.help = Some(help.into());
        }
    }

    pub(crate) fn type_err(&mut self, node: &Node, expected: &str) {
        self.err(
            format!("expected {expected}, found {}", node.data.describe()),
            &node.loc,
            format!("expected {expected}"),
        );
    }

    pub(crate) fn fields<'n>(&mut self, node: &'n Node, what: &'static str, allowed: &[&str]) -> Option<Fields<'n>> {
        let Data::Map(entries) = &node.data else {
            self.type_err(node, &format!("a mapping ({what})"));
            return None;
        };
        let mut map = BTreeMap::new();
        for (k, v) in entries {
            let Data::Str(key) = &k.data else { continue };
            if allowed.contains(&key.as_str()) {
                map.insert(key.as_str(), (k, v));
            } else {
                let d = self.err(format!("unknown key `{key}` in {what}"), &k.loc, "unknown key");
                *d = d.clone().help(match suggest(key, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expected one of: {}", allowed.join(", ")),
                });
            }
        }
        Some(Fields { node, entries: map, what })
    }

    pub(crate) fn string(&mut self, node: &Node) -> Option<Spanned<String>> {
        match &node.data {
            Data::Str(s) => Some(Spanned::new(s.clone(), node.loc.clone())),
            _ => {
                self.type_err(node, "a string");
                None
            }
        }
    }

    pub(crate) fn uint(&mut self, node: &Node, min: u64, max: u64) -> Option<u64> {
        match &node.data {
            Data::Int(i) if *i >= min as i64 && *i as u64 <= max => Some(*i as u64),
            Data::Int(i) => {
                // Name the key when there is one: `port 80 is out of range`.
                let key = node
                    .loc
                    .pointer
                    .rsplit('/')
                    .next()
                    .filter(|k| !k.is_empty() && !k.bytes().all(|c| c.is_ascii_digit()));
                let what = key
                    .map(|k| format!("{} {i}", k.replace("~1", "/").replace("~0", "~")))
                    .unwrap_or_else(|| i.to_string());
                self.err(format!("{what} is out of range; expected {min} to {max}"), &node.loc, "out of range");
                None
            }
            _ => {
                self.type_err(node, "an integer");
                None
            }
        }
    }

    pub(crate) fn u32_in(&mut self, node: Option<&Node>, min: u32, max: u32) -> Option<u32> {
        node.and_then(|n| self.uint(n, min as u64, max as u64)).map(|v| v as u32)
    }

    fn boolean(&mut self, node: &Node) -> Option<bool> {
        match &node.data {
            Data::Bool(b) => Some(*b),
            _ => {
                self.type_err(node, "true or false");
                None
            }
        }
    }

    pub(crate) fn seq<'n>(&mut self, node: &'n Node) -> &'n [Node] {
        match &node.data {
            Data::Seq(items) => items,
            _ => {
                self.type_err(node, "a list");
                &[]
            }
        }
    }

    fn strings(&mut self, node: &Node) -> Vec<Spanned<String>> {
        self.seq(node).iter().filter_map(|n| self.string(n)).collect()
    }

    /// A string–string mapping, keys spanned.
    fn string_map(&mut self, node: &Node) -> Vec<(Spanned<String>, Spanned<String>)> {
        let Data::Map(entries) = &node.data else {
            self.type_err(node, "a mapping");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let Data::Str(key) = &k.data else { continue };
            let value = match (&v.data, &v.raw) {
                (Data::Str(s), _) => s.clone(),
                // Unquoted numbers and booleans keep their source text.
                (Data::Int(_) | Data::Bool(_) | Data::Float(_), Some(raw)) => raw.clone(),
                (Data::Int(i), None) => i.to_string(),
                (Data::Bool(b), None) => b.to_string(),
                (Data::Float(f), None) => f.to_string(),
                _ => {
                    self.type_err(v, "a string");
                    continue;
                }
            };
            out.push((Spanned::new(key.clone(), k.loc.clone()), Spanned::new(value, v.loc.clone())));
        }
        out
    }

    /// An enum-like string with a fixed message for bad values.
    pub(crate) fn choice<T>(
        &mut self,
        node: &Node,
        parse: impl Fn(&str) -> Option<T>,
        names: &[&str],
        message: &str,
    ) -> Option<T> {
        let s = self.string(node)?;
        match parse(&s) {
            Some(v) => Some(v),
            None => {
                let hint = match suggest(&s, names.iter().copied()) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("use one of: {}", names.join(", ")),
                };
                self.err(message, &node.loc, format!("found '{}'", s.value)).help = Some(hint);
                None
            }
        }
    }

    fn cidr(&mut self, node: &Node) -> Option<Spanned<Ipv4Net>> {
        let s = self.string(node)?;
        match s.parse::<Ipv4Net>() {
            Ok(net) if net.trunc() != net => {
                self.err(format!("`{}` has host bits set", s.value), &node.loc, "not a network address").help =
                    Some(format!("did you mean `{}`?", net.trunc()));
                None
            }
            Ok(net) => Some(Spanned::new(net, s.loc)),
            Err(_) => {
                self.err(format!("`{}` is not an IPv4 CIDR block", s.value), &node.loc, "expected a.b.c.d/n").help =
                    Some("write it like 10.0.0.0/16".into());
                None
            }
        }
    }

    fn check_pattern(&mut self, s: &Spanned<String>, ok: bool, what: &str, help: &str) -> bool {
        if !ok {
            self.err(format!("`{}` is not a valid {what}", s.value), &s.loc, format!("invalid {what}")).help =
                Some(help.into());
        }
        ok
    }
}

pub(crate) fn is_name(s: &str, min: usize, max: usize) -> bool {
    let b = s.as_bytes();
    (min..=max).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

fn is_env_var_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_uppercase() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

fn is_region(s: &str) -> bool {
    // e.g. us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4
    let parts: Vec<&str> = s.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit())
}

fn is_arn_of(s: &str, service: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[1].starts_with("aws") && parts[2] == service && !parts[5].is_empty()
}

fn is_bucket_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

/// Decodes and validates a parsed manifest.
pub(crate) fn manifest(cx: &mut Cx, file: &str, root: &Node) -> Option<Manifest> {
    const TOP: [&str; 17] = [
        "project",
        "region",
        "account_id",
        "tags",
        "state",
        "network",
        "kafka",
        "security",
        "environments",
        "services",
        "suppress",
        "monitoring",
        "ci",
        "file_server",
        "tables",
        "capacity",
        "aws",
    ];
    if matches!(root.data, Data::Null) {
        // A document with no content, such as a lone `---`.
        cx.err("the manifest is empty", &root.loc, "no settings here").help =
            Some("start from examples/ecr-private/ecsforge.yaml".into());
        return None;
    }
    let f = cx.fields(root, "the manifest", &TOP)?;

    let project = f.req(cx, "project").and_then(|n| cx.string(n));
    if let Some(p) = &project {
        cx.check_pattern(
            p,
            is_name(p, 3, 20),
            "project name",
            "3-20 lowercase letters, digits and hyphens, starting with a letter",
        );
    }
    let region = f.req(cx, "region").and_then(|n| cx.string(n));
    if let Some(r) = &region {
        cx.check_pattern(r, is_region(r), "AWS region", "write a region name such as us-east-1");
    }
    let account_id = f.req(cx, "account_id").and_then(|n| match &n.data {
        Data::Int(i) => Some(Spanned::new(format!("{i:012}"), n.loc.clone())),
        _ => cx.string(n),
    });
    if let Some(a) = &account_id {
        cx.check_pattern(a, is_account_id(a), "AWS account id", "12 digits, quoted: \"123456789012\"");
    }
    let tags = f.req(cx, "tags").map(|n| tags(cx, n, f.key_loc("tags").unwrap_or(&n.loc))).unwrap_or_default();
    let state = f.req(cx, "state").and_then(|n| {
        state(cx, n, project.as_ref().map(|p| p.value.as_str()), region.as_ref().map(|r| r.value.as_str()))
    });
    let kafka = f.opt("kafka").and_then(|n| kafka(cx, n));
    let security = f.opt("security").map(|n| security(cx, n)).unwrap_or_default();
    let suppressions = f.opt("suppress").map(|n| suppressions(cx, n)).unwrap_or_default();
    let monitoring = f.opt("monitoring").map(|n| monitoring(cx, n)).unwrap_or_default();
    let services_node = f.req(cx, "services");
    // Every name under `services`, including entries that fail validation, so
    // references to a broken service are not reported a second time.
    let declared = services_node.map(declared_names).unwrap_or_default();
    // A `kafka` section with errors of its own still counts as present.
    let have_kafka = f.opt("kafka").is_some();
    // `file_server:` with no value declares a file server with every default.
    let file_server_node = f.entries.get("file_server").map(|(_, v)| *v);
    let have_file_server = file_server_node.is_some();
    let services = services_node.map(|n| services(cx, n, have_kafka, have_file_server, &declared)).unwrap_or_default();
    let ci = f.opt("ci").and_then(|n| ci(cx, n, &declared, valid_region_of(&region), valid_account_of(&account_id)));
    let tables = f.opt("tables").map(|n| crate::data::tables(cx, n)).unwrap_or_default();
    let ec2_node = f.opt("capacity").and_then(|n| crate::data::capacity(cx, n));
    let ec2 = ec2_node.and_then(|n| crate::data::ec2(cx, n));
    let aws = f.opt("aws").map(|n| aws(cx, n)).unwrap_or_default();
    if let Some(n) = services_node {
        let declared_tables = f.opt("tables").map(declared_names).unwrap_or_default();
        crate::data::check_services(cx, n, &services, &declared_tables, ec2.as_ref(), ec2_node.is_some());
    }
    // Only a valid region and account are compared against (no follow-on errors).
    let valid_region = region.as_ref().map(|r| r.value.as_str()).filter(|r| is_region(r));
    let valid_account = account_id.as_ref().map(|a| a.value.as_str()).filter(|a| is_account_id(a));
    let net = f.req(cx, "network").and_then(|n| network(cx, n, valid_region));
    let file_server = match (file_server_node, &net) {
        (Some(n), Some(net)) => file_server(cx, n, &net.0.availability_zones),
        _ => None,
    };
    let environments = match (f.req(cx, "environments"), &net) {
        (Some(n), Some(net)) => {
            let ecx = EnvContext {
                base: &net.1,
                services: &services,
                declared: &declared,
                has_public: services.iter().any(|s| s.service_type == ServiceType::Public),
                region: valid_region,
                account: valid_account,
            };
            environments(cx, n, &ecx)
        }
        _ => BTreeMap::new(),
    };
    if let (Some(n), Some(e)) = (services_node, &ec2) {
        crate::data::check_fit(cx, n, &services, &environments, e);
    }

    if let (Some(env), Some(n)) = (security.audit.environment, f.opt("environments"))
        && !declared_envs(n).contains(env.as_str())
    {
        let loc = f
            .opt("security")
            .and_then(|s| entry(s, "audit"))
            .and_then(|(_, a)| entry(a, "environment"))
            .map(|(_, v)| v.loc.clone())
            .unwrap_or_default();
        cx.err(
            format!("security.audit.environment `{env}` is not declared under `environments`"),
            &loc,
            "not declared",
        )
        .help = Some(format!(
            "the audit resources live in one declared environment's root; declared: {}",
            declared_envs(n).into_iter().collect::<Vec<_>>().join(", ")
        ));
    }

    if !cx.diags.is_empty() {
        return None;
    }
    let (network, _) = net?;
    Some(Manifest {
        file: file.to_string(),
        project: project?,
        region: region?,
        account_id: account_id?,
        tags,
        state: state?,
        network,
        kafka,
        security,
        environments,
        services,
        suppressions,
        monitoring,
        ci,
        file_server,
        tables,
        ec2,
        aws,
    })
}

/// The `aws:` section: how ecsforge's Terraform runs reach AWS.
fn aws(cx: &mut Cx, node: &Node) -> Aws {
    let Some(f) = cx.fields(node, "aws", &["endpoint"]) else { return Aws::default() };
    let endpoint = f.opt("endpoint").and_then(|n| cx.string(n)).and_then(|e| match endpoint_error(&e.value) {
        None => Some(e),
        Some(why) => {
            cx.err(format!("aws.endpoint `{}` is not a usable endpoint: {why}", e.value), &e.loc, "not an endpoint")
                .help = Some(
                "write the base URL of an AWS-compatible API, e.g. http://127.0.0.1:5000 for a local moto_server"
                    .into(),
            );
            None
        }
    });
    Aws { endpoint }
}

/// Why `s` cannot be an endpoint URL, if it cannot.
pub fn endpoint_error(s: &str) -> Option<String> {
    match url::Url::parse(s) {
        Err(e) => Some(e.to_string()),
        Ok(u) if u.scheme() != "http" && u.scheme() != "https" => {
            Some(format!("scheme `{}` is not http or https", u.scheme()))
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some("it names no host".into()),
        Ok(u) if u.query().is_some() || u.fragment().is_some() => Some("it has a query or fragment".into()),
        Ok(_) => None,
    }
}

/// The environment names written under `environments` (valid or not).
fn declared_envs(node: &Node) -> BTreeSet<String> {
    match &node.data {
        Data::Map(entries) => entries
            .iter()
            .filter_map(|(k, _)| match &k.data {
                Data::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn valid_region_of(r: &Option<Spanned<String>>) -> Option<&str> {
    r.as_ref().map(|r| r.value.as_str()).filter(|r| is_region(r))
}

fn valid_account_of(a: &Option<Spanned<String>>) -> Option<&str> {
    a.as_ref().map(|a| a.value.as_str()).filter(|a| is_account_id(a))
}

/// `owner/name`: Bitbucket `workspace/repo` or GitHub `org/repo`.
fn is_repository(s: &str) -> bool {
    let ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 100
            && !p.starts_with('.')
            && p.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
    };
    matches!(s.split_once('/'), Some((o, n)) if ok(o) && ok(n))
}

/// A git branch name usable in an OIDC subject and a trigger filter.
fn is_branch(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with(['/', '-', '.'])
        && !s.ends_with(['/', '.'])
        && !s.contains("..")
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_./".contains(&c))
}

/// `ci:`: the CI/CD system (doc 003 §CI/CD Module, doc 002 §CI/CD Pipeline).
fn ci(
    cx: &mut Cx,
    node: &Node,
    declared: &BTreeSet<String>,
    region: Option<&str>,
    account: Option<&str>,
) -> Option<Ci> {
    let f =
        cx.fields(node, "the `ci` section", &["provider", "repository", "connection_arn", "repositories", "branch"])?;
    let provider = f.req(cx, "provider").and_then(|n| {
        cx.choice(n, CiProvider::parse, &CiProvider::NAMES, "ci.provider must be 'codepipeline' or 'github-actions'")
    });
    let mut repo_ok = true;
    let repository = f.req(cx, "repository").and_then(|n| cx.string(n));
    if let Some(r) = &repository {
        repo_ok &=
            cx.check_pattern(r, is_repository(r), "repository", "write owner/name, e.g. my-workspace/orders-api");
    }
    let mut repositories = BTreeMap::new();
    if let Some(n) = f.opt("repositories") {
        for (k, v) in cx.string_map(n) {
            if !declared.contains(k.as_str()) {
                cx.err(format!("ci.repositories names unknown service `{}`", k.value), &k.loc, "no such service")
                    .help = Some(match suggest(&k, declared.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "keys are service names from `services:`".into(),
                });
                repo_ok = false;
                continue;
            }
            repo_ok &=
                cx.check_pattern(&v, is_repository(&v), "repository", "write owner/name, e.g. my-workspace/orders-api");
            repositories.insert(k.value, v.value);
        }
    }
    let connection = f.opt("connection_arn").and_then(|n| cx.string(n));
    if let Some(c) = &connection {
        let parts: Vec<&str> = c.splitn(6, ':').collect();
        let service_ok = is_arn_of(c, "codeconnections") || is_arn_of(c, "codestar-connections");
        let id_ok = parts
            .get(5)
            .and_then(|r| r.strip_prefix("connection/"))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
        if cx.check_pattern(
            c,
            service_ok && id_ok,
            "CodeConnections connection ARN",
            "write arn:aws:codeconnections:<region>:<account>:connection/<id>; copy it from Developer Tools > Settings > Connections",
        ) {
            if let Some(region) = region.filter(|r| parts[3] != *r) {
                cx.err(
                    format!("connection `{}` is in region {}, but the manifest deploys to {region}", c.value, parts[3]),
                    &c.loc,
                    "wrong region",
                )
                .help = Some("CodePipeline can only use a connection in its own region; create one in the manifest's region".into());
            } else if let Some(account) = account.filter(|a| parts[4] != *a) {
                cx.err(
                    format!("connection `{}` belongs to account {}, not {account}", c.value, parts[4]),
                    &c.loc,
                    "wrong account",
                )
                .help = Some("use a connection created in the manifest's account_id".into());
            }
        }
    }
    let branch = f.opt("branch").and_then(|n| cx.string(n));
    if let Some(b) = &branch {
        cx.check_pattern(b, is_branch(b), "branch name", "letters, digits and - _ . /, e.g. main");
    }
    match provider {
        Some(CiProvider::CodePipeline) => {
            if connection.is_none() && f.opt("connection_arn").is_none() {
                cx.err("Missing required variable: connection_arn", &point(&node.loc), "`ci` has no `connection_arn`").help =
                    Some("codepipeline reads Bitbucket through an AWS CodeConnections connection; add `connection_arn: arn:aws:codeconnections:<region>:<account>:connection/<id>`".into());
            }
            if let Some(b) = &branch {
                cx.err("ci.branch applies only to github-actions", &b.loc, "not used by codepipeline").help =
                    Some("codepipeline triggers on the doc-003 branches: feature/* (develop), release/*.*.* (test, qa), prod/* (prod)".into());
            }
        }
        Some(CiProvider::GithubActions) => {
            if let Some(c) = &connection {
                cx.err("ci.connection_arn applies only to codepipeline", &c.loc, "not used by github-actions").help =
                    Some("github-actions authenticates to AWS with OIDC; remove `connection_arn`".into());
            }
        }
        None => {}
    }
    if !repo_ok {
        return None;
    }
    Some(Ci {
        provider: provider?,
        connection_arn: connection.map(|c| c.value),
        repository: repository?.value,
        repositories,
        branch: branch.map(|b| b.value).unwrap_or_else(|| "main".into()),
        loc: node.loc.clone(),
    })
}

/// `suppress: [{rule, resource, reason}]`: findings accepted on purpose. A
/// suppression without a reason is an error; `resource` defaults to every resource.
fn suppressions(cx: &mut Cx, node: &Node) -> Vec<ManifestSuppression> {
    let mut out = Vec::new();
    for item in cx.seq(node) {
        let Some(f) = cx.fields(item, "suppression", &["rule", "resource", "reason"]) else { continue };
        let rule = f.req(cx, "rule").and_then(|n| cx.string(n));
        let resource = f.opt("resource").and_then(|n| cx.string(n)).map(|s| s.value).unwrap_or_else(|| "*".into());
        let reason = f.opt("reason").and_then(|n| cx.string(n)).filter(|r| !r.trim().is_empty());
        match (rule, reason) {
            (Some(rule), Some(reason)) => out.push(ManifestSuppression {
                rule: rule.value,
                resource,
                reason: reason.value,
                loc: item.loc.clone(),
            }),
            (Some(rule), None) => {
                cx.err(format!("suppression of {} has no reason", rule.value), &item.loc, "no reason").help =
                    Some("add `reason:` saying why this finding is accepted; reviewers read it".into());
            }
            (None, _) => {}
        }
    }
    out
}

/// Tags ecsforge sets itself on every resource (see the synth crate).
const TAGS_SET_BY_ECSFORGE: [&str; 3] = ["Environment", "ManagedBy", "Project"];
const REQUIRED_TAGS: [&str; 3] = ["Owner", "CostCenter", "Compliance"];

fn tags(cx: &mut Cx, node: &Node, key_loc: &Loc) -> BTreeMap<String, String> {
    let entries = cx.string_map(node);
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        if TAGS_SET_BY_ECSFORGE.contains(&k.as_str()) {
            let message = if k.value == "Environment" {
                "tag `Environment` is set by ecsforge for each environment".to_string()
            } else {
                format!("tag `{}` is set by ecsforge", k.value)
            };
            cx.err(message, &k.loc, "remove this tag").help = Some(
                "ecsforge adds Environment=<env>, ManagedBy=ecsforge and Project=<project> to every resource".into(),
            );
            continue;
        }
        if REQUIRED_TAGS.contains(&k.as_str()) && v.trim().is_empty() {
            cx.err(format!("tag `{}` is empty", k.value), &v.loc, "empty value").help =
                Some("Owner, CostCenter and Compliance need a value (doc 003 §Compliance)".into());
            out.insert(k.value, v.value);
            continue;
        }
        if k.len() > 128 || v.len() > 256 || k.starts_with("aws:") {
            cx.err(
                format!("tag `{}` is not allowed", k.value),
                &k.loc,
                "keys are at most 128 characters, values 256, and `aws:` is reserved",
            );
            continue;
        }
        // AWS's tag character set; it also keeps `${` out of generated Terraform.
        let allowed = |c: char| c.is_alphanumeric() || " _.:/=+-@".contains(c);
        if let Some(bad) = k.chars().chain(v.chars()).find(|c| !allowed(*c)) {
            let at = if k.chars().any(|c| c == bad) { &k.loc } else { &v.loc };
            cx.err(
                format!("tag `{}` contains `{bad}`, which AWS does not allow in tags", k.value),
                at,
                "invalid character",
            )
            .help = Some("tags may use letters, digits, spaces and _ . : / = + - @".into());
            continue;
        }
        out.insert(k.value, v.value);
    }
    for required in REQUIRED_TAGS {
        if !out.contains_key(required) {
            cx.err(format!("Missing required variable: {required}"), key_loc, format!("`tags` has no `{required}`"))
                .help = Some("Owner, CostCenter and Compliance are mandatory tags (doc 003 §Compliance)".into());
        }
    }
    out
}

fn state(cx: &mut Cx, node: &Node, project: Option<&str>, region: Option<&str>) -> Option<State> {
    let f = cx.fields(node, "the `state` section", &["bucket", "lock_table", "key_prefix", "region"])?;
    let bucket = f.req(cx, "bucket").and_then(|n| cx.string(n));
    if let Some(b) = &bucket {
        cx.check_pattern(b, is_bucket_name(b), "S3 bucket name", "3-63 lowercase letters, digits, dots and hyphens");
    }
    let lock_table = f.req(cx, "lock_table").and_then(|n| cx.string(n));
    if let Some(t) = &lock_table {
        let ok = (3..=255).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
        cx.check_pattern(t, ok, "DynamoDB table name", "3-255 letters, digits, underscores, dots and hyphens");
    }
    let key_prefix = f.opt("key_prefix").and_then(|n| cx.string(n)).map(|s| s.value);
    let state_region = f.opt("region").and_then(|n| cx.string(n));
    if let Some(r) = &state_region {
        cx.check_pattern(r, is_region(r), "AWS region", "write a region name such as us-east-1");
    }
    Some(State {
        bucket: bucket?.value,
        lock_table: lock_table?.value,
        key_prefix: key_prefix.or(project.map(str::to_string))?,
        region: state_region.map(|s| s.value).or(region.map(str::to_string))?,
        loc: node.loc.clone(),
    })
}

fn kafka(cx: &mut Cx, node: &Node) -> Option<Kafka> {
    let f = cx.fields(node, "the `kafka` section", &["brokers", "security_group_id"])?;
    let brokers = f.req(cx, "brokers").map(|n| cx.strings(n)).unwrap_or_default();
    let mut ports = BTreeSet::new();
    for b in &brokers {
        let (host, port) = match b.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok()),
            None => (b.as_str(), Some(9092)),
        };
        match port {
            Some(p) if p > 0 && !host.is_empty() => {
                ports.insert(p);
            }
            _ => {
                cx.err(format!("`{}` is not a broker endpoint", b.value), &b.loc, "expected host:port").help =
                    Some("write brokers as host:port, e.g. b-1.kafka.internal:9092".into());
            }
        }
    }
    if let Some(n) = f.opt("brokers").filter(|n| matches!(&n.data, Data::Seq(items) if items.is_empty())) {
        cx.err("kafka.brokers is empty", &n.loc, "no brokers").help = Some("list at least one host:port".into());
    }
    let sg = f.req(cx, "security_group_id").and_then(|n| cx.string(n));
    if let Some(s) = &sg {
        let ok = s
            .strip_prefix("sg-")
            .is_some_and(|h| (8..=17).contains(&h.len()) && h.bytes().all(|c| c.is_ascii_hexdigit()));
        cx.check_pattern(s, ok, "security group id", "write it like sg-0123456789abcdef0");
    }
    Some(Kafka {
        brokers: brokers.into_iter().map(|b| b.value).collect(),
        ports: ports.into_iter().collect(),
        security_group_id: sg?.value,
        loc: node.loc.clone(),
    })
}

fn security(cx: &mut Cx, node: &Node) -> Security {
    let Some(f) = cx.fields(node, "the `security` section", &["secrets_kms_key_arns", "audit", "operator_roles"])
    else {
        return Security::default();
    };
    let keys = f.opt("secrets_kms_key_arns").map(|n| cx.strings(n)).unwrap_or_default();
    for k in &keys {
        let resource = k.splitn(6, ':').nth(5).unwrap_or("");
        if is_arn_of(k, "kms") && resource.starts_with("alias/") {
            // IAM grants kms:Decrypt on key ARNs; a policy on an alias ARN matches no key.
            cx.err(format!("`{}` is a KMS alias ARN; a key ARN is needed", k.value), &k.loc, "alias, not key").help =
                Some("IAM policies name KMS keys by key ARN (arn:aws:kms:<region>:<account>:key/<id>); look it up with `aws kms describe-key --key-id alias/<name>`".into());
        } else {
            let ok = is_arn_of(k, "kms") && resource.strip_prefix("key/").is_some_and(|id| !id.is_empty());
            cx.check_pattern(k, ok, "KMS key ARN", "write arn:aws:kms:<region>:<account>:key/<id>");
        }
    }
    let audit = f.opt("audit").map(|n| audit(cx, n)).unwrap_or_default();
    let operator_roles = f.opt("operator_roles").map(|n| operator_roles(cx, n)).unwrap_or_default();
    Security { secrets_kms_key_arns: keys.into_iter().map(|k| k.value).collect(), audit, operator_roles }
}

fn audit(cx: &mut Cx, node: &Node) -> Audit {
    let Some(f) = cx.fields(node, "the `security.audit` section", &["environment", "mfa_delete"]) else {
        return Audit::default();
    };
    let environment = f.opt("environment").and_then(|n| cx.choice(n, Env::parse, &ENV_NAMES, MSG_ENVIRONMENT));
    let mfa_delete = f.opt("mfa_delete").and_then(|n| cx.boolean(n)).unwrap_or(false);
    Audit { environment, mfa_delete }
}

const ENV_NAMES: [&str; 4] = ["develop", "test", "qa", "prod"];

/// `arn:aws:iam::<account>:(root|user/..|role/..)` or a bare account id.
fn is_trusted_principal(s: &str) -> bool {
    if is_account_id(s) {
        return true;
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && is_account_id(parts[4])
        && (parts[5] == "root"
            || ["user/", "role/"]
                .iter()
                .any(|p| parts[5].strip_prefix(p).is_some_and(|n| !n.is_empty() && !n.contains('*'))))
}

/// `arn:aws:iam::aws:policy/<name>` or `arn:aws:iam::<account>:policy/<name>`.
fn is_managed_policy_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws" || is_account_id(parts[4]))
        && parts[5].strip_prefix("policy/").is_some_and(|n| !n.is_empty() && !n.contains('*'))
}

fn operator_roles(cx: &mut Cx, node: &Node) -> Vec<OperatorRole> {
    let mut out: Vec<OperatorRole> = Vec::new();
    let mut seen = BTreeSet::new();
    for item in cx.seq(node) {
        let Some(f) = cx.fields(
            item,
            "operator role",
            &["name", "trusted_principals", "managed_policy_arns", "mfa_max_age_seconds"],
        ) else {
            continue;
        };
        let name = f.req(cx, "name").and_then(|n| cx.string(n));
        if let Some(n) = &name {
            // `<project>-<env>-operator-<name>` stays within IAM's 64 characters (project 20, env 7).
            if cx.check_pattern(
                n,
                is_name(n, 1, 24),
                "operator role name",
                "1-24 lowercase letters, digits and hyphens, starting with a letter",
            ) && !seen.insert(n.value.clone())
            {
                cx.err(format!("operator role `{}` is declared twice", n.value), &n.loc, "duplicate name").help =
                    Some("give each operator role its own name".into());
            }
        }
        let principals = f.req(cx, "trusted_principals").map(|n| cx.strings(n)).unwrap_or_default();
        for p in &principals {
            cx.check_pattern(
                p,
                is_trusted_principal(p),
                "trusted principal",
                "an account id (123456789012) or an IAM ARN ending in :root, :user/<name> or :role/<name>, without wildcards",
            );
        }
        if let Some(n) = f.opt("trusted_principals").filter(|n| matches!(&n.data, Data::Seq(i) if i.is_empty())) {
            cx.err("trusted_principals is empty", &n.loc, "nobody can assume this role").help =
                Some("list the accounts, users or roles whose people may assume it".into());
        }
        let policies = f.req(cx, "managed_policy_arns").map(|n| cx.strings(n)).unwrap_or_default();
        for p in &policies {
            cx.check_pattern(
                p,
                is_managed_policy_arn(p),
                "managed policy ARN",
                "write arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<name>",
            );
        }
        if let Some(n) = f.opt("managed_policy_arns").filter(|n| matches!(&n.data, Data::Seq(i) if i.is_empty())) {
            cx.err("managed_policy_arns is empty", &n.loc, "the role would grant nothing").help =
                Some("attach at least one managed policy, e.g. arn:aws:iam::aws:policy/ReadOnlyAccess".into());
        }
        let age = f.opt("mfa_max_age_seconds").map_or(Some(3600), |n| cx.uint(n, 300, 43200).map(|v| v as u32));
        if let (Some(name), Some(age)) = (name, age) {
            out.push(OperatorRole {
                name: name.value,
                trusted_principals: principals.into_iter().map(|p| p.value).collect(),
                managed_policy_arns: policies.into_iter().map(|p| p.value).collect(),
                mfa_max_age_seconds: age,
                loc: item.loc.clone(),
            });
        }
    }
    out
}

/// Network plus the base values environments inherit.
struct NetworkBase {
    vpc_cidr: Option<Spanned<Ipv4Net>>,
    egress: Option<Egress>,
}

fn network(cx: &mut Cx, node: &Node, region: Option<&str>) -> Option<(Network, NetworkBase)> {
    let f =
        cx.fields(node, "the `network` section", &["availability_zones", "vpc_cidr", "egress", "extra_endpoints"])?;
    let azs_node = f.req(cx, "availability_zones");
    let azs = azs_node.map(|n| cx.strings(n)).unwrap_or_default();
    if let Some(n) = azs_node
        && matches!(n.data, Data::Seq(_))
    {
        if azs.len() < 2 {
            cx.err(
                format!("at least 2 availability zones are required, found {}", azs.len()),
                &n.loc,
                "add another AZ",
            )
            .help = Some(
                "a single AZ gives no redundancy; Fargate services and the ALB need subnets in two or more AZs".into(),
            );
        } else if azs.len() > MAX_AZS {
            cx.err(
                format!("at most {MAX_AZS} availability zones are supported, found {}", azs.len()),
                &n.loc,
                "too many AZs",
            );
        }
    }
    let mut seen = BTreeSet::new();
    for az in &azs {
        if !seen.insert(az.value.clone()) {
            cx.err(format!("availability zone `{}` is listed twice", az.value), &az.loc, "duplicate");
        } else if let Some(r) = region {
            let ok = az
                .strip_prefix(r)
                .is_some_and(|suffix| !suffix.is_empty() && suffix.bytes().all(|c| c.is_ascii_lowercase()));
            if !ok {
                cx.err(format!("availability zone `{}` is not in region {r}", az.value), &az.loc, "wrong region")
                    .help = Some(format!("use zones such as {r}a, {r}b"));
            }
        }
    }
    let vpc_cidr = f.opt("vpc_cidr").and_then(|n| cx.cidr(n));
    if let Some(c) = &vpc_cidr {
        check_vpc_cidr(cx, c);
    }
    let egress = f.opt("egress").and_then(|n| egress(cx, n));
    let mut extra = Vec::new();
    for e in f.opt("extra_endpoints").map(|n| cx.strings(n)).unwrap_or_default() {
        let ok =
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
        if cx.check_pattern(&e, ok, "endpoint service name", "use the short service name, e.g. sts or ssm") {
            if e.value == "s3" || e.value == "dynamodb" {
                cx.err(
                    format!("`{}` is a gateway endpoint, not an interface endpoint", e.value),
                    &e.loc,
                    "not an interface endpoint",
                )
                .help = Some("the S3 gateway endpoint is always created; remove it here".into());
            } else if extra.iter().any(|x: &Spanned<String>| x.value == e.value) {
                cx.err(format!("endpoint `{}` is listed twice", e.value), &e.loc, "duplicate");
            } else {
                extra.push(e);
            }
        }
    }
    let azs_loc = azs_node.map(|n| n.loc.clone()).unwrap_or_default();
    Some((
        Network {
            availability_zones: Spanned::new(azs.into_iter().map(|a| a.value).collect(), azs_loc),
            extra_endpoints: extra,
        },
        NetworkBase { vpc_cidr, egress },
    ))
}

fn egress(cx: &mut Cx, node: &Node) -> Option<Egress> {
    cx.choice(node, Egress::parse, &Egress::NAMES, "egress must be one of: nat-per-az, single-nat, endpoints-only")
}

fn check_vpc_cidr(cx: &mut Cx, c: &Spanned<Ipv4Net>) {
    if !(16..=22).contains(&c.prefix_len()) {
        cx.err(format!("vpc_cidr {} is a /{}; expected /16 to /22", c.value, c.prefix_len()), &c.loc, "wrong size")
            .help = Some("subnets are 1/16 of the VPC, so /22 gives /26 subnets; AWS allows VPCs of /16 to /28".into());
    }
    let private = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
    if !private.iter().any(|p| p.parse::<Ipv4Net>().expect("static").contains(&c.value)) {
        cx.err(
            format!("vpc_cidr {} is not a private (RFC 1918 or 100.64.0.0/10) range", c.value),
            &c.loc,
            "public address range",
        )
        .help = Some("use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16".into());
    }
}

fn environments(cx: &mut Cx, node: &Node, ecx: &EnvContext) -> BTreeMap<Env, Environment> {
    let Data::Map(entries) = &node.data else {
        cx.type_err(node, "a mapping of environments");
        return BTreeMap::new();
    };
    if entries.is_empty() {
        cx.err("no environments are declared", &node.loc, "empty").help =
            Some("declare at least one of: develop, test, qa, prod".into());
    }
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let Data::Str(name) = &k.data else { continue };
        let Some(env) = Env::parse(name) else {
            let hint = match suggest(name, Env::ALL.map(Env::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "ecsforge generates only these four environments; rename this one to the closest match".into(),
            };
            cx.err(MSG_ENVIRONMENT, &k.loc, format!("found '{name}'")).help = Some(hint);
            continue;
        };
        if let Some(e) = environment(cx, env, k, v, ecx) {
            out.insert(env, e);
        }
    }
    // Production must be isolated from every non-production address range.
    if let Some(prod) = out.get(&Env::Prod) {
        for (env, other) in out.iter().filter(|(e, _)| !e.is_prod()) {
            let (a, b) = (prod.vpc_cidr.value, other.vpc_cidr.value);
            if a.contains(&b.network()) || b.contains(&a.network()) {
                cx.err(format!("prod vpc_cidr {a} overlaps {env}'s {b}"), &prod.vpc_cidr.loc, "overlapping range")
                    .help = Some(format!(
                    "give prod its own range, e.g. `vpc_cidr: {}` under environments.prod",
                    Env::Prod.default_cidr()
                ));
            }
        }
    }
    out
}

/// What each environment is checked against.
struct EnvContext<'a> {
    base: &'a NetworkBase,
    services: &'a [Service],
    /// Every service name, valid or not (see [`declared_names`]).
    declared: &'a BTreeSet<String>,
    has_public: bool,
    /// The manifest's region and account, when they are valid strings.
    region: Option<&'a str>,
    account: Option<&'a str>,
}

fn environment(cx: &mut Cx, env: Env, key: &Node, node: &Node, ecx: &EnvContext) -> Option<Environment> {
    let EnvContext { base, services, declared, has_public, region, account } = *ecx;
    const KEYS: [&str; 7] =
        ["vpc_cidr", "egress", "log_retention_days", "fargate_spot_percent", "deletion_protection", "alb", "services"];
    let empty;
    let node = if matches!(node.data, Data::Null) {
        empty = Node { raw: None, loc: node.loc.clone(), data: Data::Map(Vec::new()) };
        &empty
    } else {
        node
    };
    let f = cx.fields(node, "environment", &KEYS)?;
    let vpc_cidr = match f.opt("vpc_cidr") {
        Some(n) => {
            let c = cx.cidr(n);
            if let Some(c) = &c {
                check_vpc_cidr(cx, c);
            }
            c
        }
        None => Some(base.vpc_cidr.clone().unwrap_or_else(|| Spanned::new(env.default_cidr(), key.loc.clone()))),
    };
    let egress = match f.opt("egress") {
        Some(n) => egress(cx, n),
        None => Some(base.egress.unwrap_or(env.default_egress())),
    };
    let log_retention_days = match f.opt("log_retention_days") {
        Some(n) => {
            let v = cx.u32_in(Some(n), 1, 3653);
            match v {
                Some(d) if !LOG_RETENTION_VALUES.contains(&d) => {
                    let ok = LOG_RETENTION_VALUES.iter().rev().find(|x| **x <= d).copied().unwrap_or(1);
                    cx.err(format!("{d} days is not a CloudWatch Logs retention period"), &n.loc, "not allowed").help =
                        Some(format!("use an allowed value such as {ok}; see docs/manifest.md"));
                    None
                }
                Some(d) if env.is_prod() && d < 90 => {
                    cx.err(format!("prod log retention is {d} days; it must be at least 90"), &n.loc, "too short")
                        .help = Some("doc 003 property 9 requires 90 days or more in production".into());
                    None
                }
                v => v,
            }
        }
        None => Some(env.default_log_retention()),
    };
    let fargate_spot_percent = match f.opt("fargate_spot_percent") {
        Some(n) => match cx.u32_in(Some(n), 0, 100) {
            Some(p) if env.is_prod() && p > 0 => {
                cx.err("prod runs on FARGATE only; fargate_spot_percent must be 0", &n.loc, "Spot in prod").help =
                    Some("remove fargate_spot_percent from environments.prod".into());
                None
            }
            v => v,
        },
        None => Some(env.default_spot_percent()),
    };
    let deletion_protection = match f.opt("deletion_protection") {
        Some(n) => cx.boolean(n),
        None => Some(env.is_prod()),
    };
    let mut alb_allowed_cidrs = vec![Ipv4Net::default()];
    let mut certificate_arn = None;
    if let Some(alb) =
        f.opt("alb").and_then(|n| cx.fields(n, "the `alb` section", &["allowed_cidrs", "certificate_arn"]))
    {
        if let Some(n) = alb.opt("allowed_cidrs") {
            alb_allowed_cidrs = cx.seq(n).iter().filter_map(|c| cx.cidr(c)).map(|c| c.value).collect();
            if matches!(&n.data, Data::Seq(items) if items.is_empty()) {
                cx.err("alb.allowed_cidrs is empty, so nobody could reach the load balancer", &n.loc, "empty list")
                    .help = Some("list the client ranges, or remove the key for 0.0.0.0/0".into());
            }
        }
        if let Some(c) = alb.opt("certificate_arn").and_then(|n| cx.string(n)) {
            // arn:<partition>:acm:<region>:<account>:certificate/<id>
            let parts: Vec<&str> = c.split(':').collect();
            let ok = parts.len() == 6
                && parts[0] == "arn"
                && parts[1].starts_with("aws")
                && parts[2] == "acm"
                && parts[5].strip_prefix("certificate/").is_some_and(|id| !id.is_empty());
            if cx.check_pattern(&c, ok, "ACM certificate ARN", "write arn:aws:acm:<region>:<account>:certificate/<id>")
            {
                // An ALB can only use a certificate from its own region and account.
                if let Some(r) = region.filter(|r| *r != parts[3]) {
                    cx.err(
                        format!("the certificate is in region `{}`, but the load balancer is in `{r}`", parts[3]),
                        &c.loc,
                        "wrong region",
                    )
                    .help = Some(format!(
                        "an ALB uses ACM certificates from its own region only; request or import the certificate in {r}"
                    ));
                } else if let Some(a) = account.filter(|a| *a != parts[4]) {
                    cx.err(format!("the certificate belongs to account {}, but the load balancer is in account {a}", parts[4]), &c.loc, "wrong account")
                        .help = Some("an ALB uses ACM certificates from its own account only; request or import the certificate there".into());
                } else {
                    certificate_arn = Some(c.value);
                }
            }
        }
    }
    // A certificate_arn that is present but invalid is reported above; `null`
    // counts as absent. A non-mapping `alb` already has a type error.
    let cert_given = f.opt("alb").is_some_and(|a| match &a.data {
        Data::Map(e) => e
            .iter()
            .any(|(k, v)| matches!(&k.data, Data::Str(s) if s == "certificate_arn") && !matches!(v.data, Data::Null)),
        _ => true,
    });
    if has_public && !cert_given {
        let loc = f.key_loc("alb").unwrap_or(&key.loc).clone();
        cx.err(
            "Missing required variable: certificate_arn",
            &loc,
            format!("environment `{env}` has public services but no alb.certificate_arn"),
        )
        .help = Some("the HTTPS listener needs an ACM certificate: add alb.certificate_arn".into());
    }
    let mut overrides = BTreeMap::new();
    if let Some(n) = f.opt("services") {
        if let Data::Map(entries) = &n.data {
            for (k, v) in entries {
                let Data::Str(name) = &k.data else { continue };
                let Some(svc) = services.iter().find(|s| s.name.as_str() == name) else {
                    if declared.contains(name) {
                        // The service itself is invalid and already reported.
                        continue;
                    }
                    let hint = match suggest(name, declared.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "overrides must name a service declared under `services`".into(),
                    };
                    cx.err(
                        format!("unknown service `{name}` in environments.{env}.services"),
                        &k.loc,
                        "no such service",
                    )
                    .help = Some(hint);
                    continue;
                };
                if matches!(v.data, Data::Null) {
                    // `name:` with no value overrides nothing.
                    continue;
                }
                if let Some(o) = service_override(cx, v, svc) {
                    overrides.insert(name.clone(), o);
                }
            }
        } else {
            cx.type_err(n, "a mapping of service overrides");
        }
    }
    Some(Environment {
        env,
        vpc_cidr: vpc_cidr?,
        egress: egress?,
        log_retention_days: log_retention_days?,
        fargate_spot_percent: fargate_spot_percent?,
        deletion_protection: deletion_protection?,
        alb_allowed_cidrs,
        certificate_arn,
        overrides,
        loc: key.loc.clone(),
    })
}

fn service_override(cx: &mut Cx, node: &Node, svc: &Service) -> Option<ServiceOverride> {
    let f = cx.fields(node, "service override", &["cpu", "memory", "desired_count", "autoscaling", "image_tag"])?;
    let mut o = ServiceOverride {
        cpu: cx.u32_in(f.opt("cpu"), 0, u32::MAX),
        memory: cx.u32_in(f.opt("memory"), 0, u32::MAX),
        desired_count: cx.u32_in(f.opt("desired_count"), 1, 10_000),
        image_tag: f.opt("image_tag").and_then(|n| cx.string(n)).map(|s| s.value),
        ..Default::default()
    };
    if let Some(a) = f.opt("autoscaling").and_then(|n| cx.fields(n, "the `autoscaling` override", &["min", "max"])) {
        o.autoscaling_min = cx.u32_in(a.opt("min"), 1, 10_000);
        o.autoscaling_max = cx.u32_in(a.opt("max"), 1, 10_000);
    }
    let cpu = o.cpu.unwrap_or(svc.cpu);
    let memory = o.memory.unwrap_or(svc.memory);
    if (o.cpu.is_some() || o.memory.is_some()) && !fargate::is_valid(cpu, memory) {
        let loc = f.opt("cpu").or(f.opt("memory")).map(|n| n.loc.clone()).unwrap_or_else(|| node.loc.clone());
        cx.err(MSG_CPU_MEMORY, &loc, format!("cpu {cpu} with memory {memory}")).help = Some(fargate::describe(cpu));
    }
    let desired = o.desired_count.unwrap_or(svc.desired_count);
    // An override of desired_count without bounds moves default bounds with it.
    let min = o.autoscaling_min.unwrap_or(if o.desired_count.is_some() { desired } else { svc.autoscaling.min });
    let max = o.autoscaling_max.unwrap_or(if o.desired_count.is_some() {
        svc.autoscaling.max.max(desired * 3)
    } else {
        svc.autoscaling.max
    });
    // Bounds the override does not touch were checked on the service already.
    if let Some(n) = f.opt("autoscaling").or(f.opt("desired_count")) {
        check_bounds(cx, min, desired, max, &n.loc);
    }
    o.autoscaling_min = Some(min);
    o.autoscaling_max = Some(max);
    if let Some(t) = &o.image_tag {
        let tag = Spanned::new(t.clone(), f.opt("image_tag").map(|n| n.loc.clone()).unwrap_or_default());
        check_image_tag(cx, &tag);
    }
    Some(o)
}

fn check_bounds(cx: &mut Cx, min: u32, desired: u32, max: u32, loc: &Loc) {
    if !(min <= desired && desired <= max) {
        cx.err(
            format!("autoscaling bounds min {min}, max {max} do not contain desired_count {desired}"),
            loc,
            "min <= desired_count <= max must hold",
        )
        .help = Some("raise max or lower min so desired_count lies between them".into());
    }
}

fn check_image_tag(cx: &mut Cx, tag: &Spanned<String>) {
    let b = tag.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c));
    cx.check_pattern(tag, ok, "image tag", "up to 128 letters, digits, `_`, `.` and `-`");
}

/// The `name` of every service entry that has a string name.
pub(crate) fn declared_names(node: &Node) -> BTreeSet<String> {
    let Data::Seq(items) = &node.data else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.data {
            Data::Map(entries) => entries.iter().find_map(|(k, v)| match (&k.data, &v.data) {
                (Data::Str(k), Data::Str(v)) if k == "name" => Some(v.clone()),
                _ => None,
            }),
            _ => None,
        })
        .collect()
}

fn services(
    cx: &mut Cx,
    node: &Node,
    have_kafka: bool,
    have_file_server: bool,
    declared: &BTreeSet<String>,
) -> Vec<Service> {
    let items = cx.seq(node);
    if items.is_empty() && matches!(node.data, Data::Seq(_)) {
        cx.err("no services are declared", &node.loc, "empty list").help = Some("add at least one service".into());
    }
    let mut out: Vec<Service> = Vec::new();
    let mut routes = Routes::default();
    for item in items {
        if let Some(s) = service(cx, item, have_kafka, have_file_server, declared) {
            if let Some(prev) = out.iter().find(|p| p.name.value == s.name.value) {
                let line = prev.name.loc.line;
                cx.err(format!("service name `{}` is used twice", s.name.value), &s.name.loc, "duplicate name").help =
                    Some(format!("the first `{}` is on line {line}; service names must be unique", s.name.value));
                continue;
            }
            check_routes(cx, item, &s, &mut routes);
            check_green_name(cx, item, &s, declared);
            out.push(s);
        }
    }
    out
}

fn service(
    cx: &mut Cx,
    node: &Node,
    have_kafka: bool,
    have_file_server: bool,
    declared: &BTreeSet<String>,
) -> Option<Service> {
    const KEYS: [&str; 22] = [
        "name",
        "runtime",
        "type",
        "port",
        "cpu",
        "memory",
        "desired_count",
        "autoscaling",
        "health_check_path",
        "routing",
        "environment",
        "secrets",
        "kafka",
        "architecture",
        "allow_from",
        "read_only_root_filesystem",
        "image_tag",
        "service_type",
        "deployment",
        "mounts_file_server",
        "capacity",
        "tables",
    ];
    let f = cx.fields(node, "service", &KEYS)?;
    let name = f.req(cx, "name").and_then(|n| cx.string(n));
    if let Some(n) = &name {
        cx.check_pattern(
            n,
            is_name(n, 3, 32),
            "service name",
            "3-32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
        );
    }
    let runtime = f.req(cx, "runtime").and_then(|n| {
        cx.choice(
            n,
            |s| match s {
                "nodejs" => Some(Runtime::Nodejs),
                "python" => Some(Runtime::Python),
                _ => None,
            },
            &["nodejs", "python"],
            MSG_RUNTIME,
        )
    });
    // `service_type` (003's variable name) is accepted as an alias of `type`.
    let type_node = match (f.opt("type"), f.opt("service_type")) {
        (Some(t), Some(_)) => {
            cx.err("both `type` and `service_type` are set", &t.loc, "pick one").help =
                Some("remove `service_type`".into());
            Some(t)
        }
        (Some(t), None) | (None, Some(t)) => Some(t),
        (None, None) => f.req(cx, "type"),
    };
    let service_type = type_node.and_then(|n| {
        cx.choice(
            n,
            |s| match s {
                "public" => Some(ServiceType::Public),
                "internal" => Some(ServiceType::Internal),
                _ => None,
            },
            &["public", "internal"],
            MSG_SERVICE_TYPE,
        )
    });
    let port = f.req(cx, "port").and_then(|n| {
        let p = cx.uint(n, 1024, 65535);
        if matches!(n.data, Data::Int(i) if (0..1024).contains(&i)) {
            cx.last_help(
                "ports below 1024 are privileged (the container would have to run as root); listen on e.g. 8080",
            );
        }
        p.map(|p| p as u16)
    });
    let cpu = f.opt("cpu").map(|n| cx.uint(n, 0, u32::MAX as u64).map(|v| v as u32)).unwrap_or(Some(256));
    let memory = f.opt("memory").map(|n| cx.uint(n, 0, u32::MAX as u64).map(|v| v as u32)).unwrap_or(Some(512));
    if let (Some(c), Some(m)) = (cpu, memory)
        && !fargate::is_valid(c, m)
    {
        let at = f.opt("cpu").or(f.opt("memory")).map(|n| n.loc.clone()).unwrap_or_else(|| node.loc.clone());
        cx.err(MSG_CPU_MEMORY, &at, format!("cpu {c} with memory {m}")).help = Some(fargate::describe(c));
    }
    let desired_count = f.opt("desired_count").map(|n| cx.uint(n, 1, 10_000).map(|v| v as u32)).unwrap_or(Some(1));
    let mut autoscaling = Autoscaling { min: 0, max: 0, cpu_target: 70, memory_target: 75 };
    let (mut min, mut max) = (None, None);
    if let Some(a) = f
        .opt("autoscaling")
        .and_then(|n| cx.fields(n, "the `autoscaling` section", &["min", "max", "cpu_target", "memory_target"]))
    {
        min = cx.u32_in(a.opt("min"), 1, 10_000);
        max = cx.u32_in(a.opt("max"), 1, 10_000);
        if let Some(n) = a.opt("cpu_target") {
            autoscaling.cpu_target = cx.u32_in(Some(n), 10, 95).unwrap_or(70);
        }
        if let Some(n) = a.opt("memory_target") {
            autoscaling.memory_target = cx.u32_in(Some(n), 10, 95).unwrap_or(75);
        }
    }
    if let Some(d) = desired_count {
        autoscaling.min = min.unwrap_or(d);
        autoscaling.max = max.unwrap_or(d * 3).max(if max.is_none() { autoscaling.min } else { 0 });
        check_bounds(
            cx,
            autoscaling.min,
            d,
            autoscaling.max,
            f.opt("autoscaling").map(|n| &n.loc).unwrap_or(&node.loc),
        );
    }
    let is_public = service_type == Some(ServiceType::Public);
    let health_check_path = if is_public {
        let n = f.req(cx, "health_check_path");
        if n.is_none() {
            cx.last_help("the ALB target group checks this path on every task; add e.g. `health_check_path: /health`");
        }
        n.and_then(|n| cx.string(n))
    } else {
        f.opt("health_check_path")
            .and_then(|n| cx.string(n))
            .or_else(|| Some(Spanned::new("/health".into(), Loc::default())))
    };
    if let Some(h) = &health_check_path {
        let ok = h.starts_with('/') && h.len() <= 1024 && !h.contains(char::is_whitespace);
        cx.check_pattern(h, ok, "health check path", "an absolute URL path such as /health");
    }
    let routing = match (f.opt("routing"), service_type) {
        (Some(_), Some(ServiceType::Internal)) => {
            let at = f.key_loc("routing").expect("set");
            cx.err(
                "internal services are not routed by the ALB; remove `routing`",
                at,
                "routing on an internal service",
            )
            .help = Some("make the service `type: public`, or drop `routing`".into());
            None
        }
        (Some(n), _) => routing(cx, n),
        (None, Some(ServiceType::Public)) => {
            f.req(cx, "routing");
            let example = name.as_ref().map(|n| n.value.as_str()).unwrap_or("my-service");
            cx.last_help(&format!(
                "the ALB forwards requests by path or host: add e.g. `routing: {{paths: [\"/{example}/*\"]}}`, or make the service `type: internal`"
            ));
            None
        }
        (None, _) => None,
    };
    let mut environment = BTreeMap::new();
    if let Some(n) = f.opt("environment") {
        for (k, v) in cx.string_map(n) {
            if !is_env_var_name(&k) {
                cx.err(format!("`{}` is not a valid environment variable name", k.value), &k.loc, "invalid name")
                    .help = Some("use upper-case letters, digits and underscores, e.g. LOG_LEVEL".into());
            } else if k.value == "KAFKA_BROKERS" {
                cx.err("`KAFKA_BROKERS` is set by ecsforge from `kafka.brokers`", &k.loc, "reserved name").help =
                    Some("set `kafka: true` on the service instead".into());
            } else if let (true, Some(p)) = (k.value == "PORT", port.filter(|p| p.to_string() != v.value)) {
                cx.err(format!("`PORT` is \"{}\" but the service's `port` is {p}", v.value), &v.loc, "does not match `port`").help =
                    Some("ecsforge sets PORT to `port`, where the ALB and health check connect; remove PORT here or change `port`".into());
            } else if looks_secret(&k.value) {
                cx.err(format!("`{}` looks like a secret, but plain environment variables are visible to anyone who can read the task definition", k.value), &k.loc, "secret in plain text").help =
                    Some(format!("move it to `secrets: {{{}: <Secrets Manager ARN or name>}}`", k.value));
            } else {
                environment.insert(k.value, v.value);
            }
        }
    }
    let mut secrets = BTreeMap::new();
    if let Some(n) = f.opt("secrets") {
        for (k, v) in secret_entries(cx, n) {
            if !is_env_var_name(&k) {
                cx.err(format!("`{}` is not a valid environment variable name", k.value), &k.loc, "invalid name")
                    .help = Some("use upper-case letters, digits and underscores, e.g. DB_PASSWORD".into());
                continue;
            }
            // Variables ecsforge sets in `environment`; a secret of the same name would clash.
            let set_by_ecsforge = match k.value.as_str() {
                "KAFKA_BROKERS" => Some("from `kafka.brokers` when the service sets `kafka: true`"),
                "PORT" => Some("from `port`"),
                "NODE_ENV" if runtime == Some(Runtime::Nodejs) => {
                    Some("to `production` for nodejs services; override it under `environment`")
                }
                "PYTHONUNBUFFERED" if runtime == Some(Runtime::Python) => {
                    Some("to `1` for python services; override it under `environment`")
                }
                _ => None,
            };
            if let Some(how) = set_by_ecsforge {
                cx.err(format!("`{}` is set by ecsforge and cannot be a secret", k.value), &k.loc, "reserved name")
                    .help = Some(format!("ecsforge sets {} {how}", k.value));
                continue;
            }
            if environment.contains_key(&k.value) {
                cx.err(format!("`{}` is both a plain variable and a secret", k.value), &k.loc, "defined twice");
                continue;
            }
            let r = match v {
                SecretValue::Plain(v) => secret_ref(cx, &v),
                SecretValue::Managed(m) => m,
            };
            if let Some(r) = r {
                secrets.insert(k.value, r);
            }
        }
    }
    let kafka = f.opt("kafka").map(|n| cx.boolean(n)).unwrap_or(Some(false));
    if kafka == Some(true) && !have_kafka {
        cx.err("Missing required variable: kafka", &f.opt("kafka").expect("set").loc, "this service uses Kafka").help =
            Some("add a top-level `kafka:` section with brokers and security_group_id".into());
    }
    let architecture = f
        .opt("architecture")
        .map(|n| {
            cx.choice(
                n,
                |s| match s {
                    "arm64" => Some(Architecture::Arm64),
                    "x86_64" => Some(Architecture::X86_64),
                    _ => None,
                },
                &["arm64", "x86_64"],
                "architecture must be 'arm64' or 'x86_64'",
            )
        })
        .unwrap_or(Some(Architecture::Arm64));
    let allow_from = f.opt("allow_from").map(|n| cx.strings(n)).unwrap_or_default();
    if is_public && !allow_from.is_empty() {
        let n = f.opt("allow_from").expect("set");
        cx.err(
            "public services accept traffic only from the ALB; remove `allow_from`",
            &n.loc,
            "allow_from on a public service",
        )
        .help = Some("peers reach a public service through the ALB".into());
    } else {
        let mut seen = BTreeSet::new();
        for peer in &allow_from {
            let this = name.as_ref().map(|n| n.value.as_str()).unwrap_or("this service");
            if !seen.insert(peer.value.as_str()) {
                cx.err(format!("`{}` is listed twice in allow_from", peer.value), &peer.loc, "duplicate").help =
                    Some("remove the second entry".into());
            } else if peer.value == this {
                cx.err(format!("`{this}` lists itself in allow_from"), &peer.loc, "self reference").help =
                    Some("allow_from names the other services that may call this one; remove this entry".into());
            } else if !declared.contains(&peer.value) {
                let hint = match suggest(peer, declared.iter().map(String::as_str)) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => "allow_from must name services declared under `services`".into(),
                };
                cx.err(
                    format!("`{this}` allows traffic from unknown service `{}`", peer.value),
                    &peer.loc,
                    "unknown service",
                )
                .help = Some(hint);
            }
        }
    }
    let read_only = f.opt("read_only_root_filesystem").map(|n| cx.boolean(n)).unwrap_or(Some(true));
    let image_tag =
        f.opt("image_tag").and_then(|n| cx.string(n)).unwrap_or_else(|| Spanned::new("initial".into(), Loc::default()));
    check_image_tag(cx, &image_tag);
    let capacity = f
        .opt("capacity")
        .map(|n| cx.choice(n, Capacity::parse, &Capacity::NAMES, "capacity must be 'fargate' or 'ec2'"))
        .unwrap_or(Some(Capacity::Fargate));
    let table_grants = f.opt("tables").map(|n| crate::data::grants(cx, n)).unwrap_or_default();
    let deployment = match (f.opt("deployment"), service_type) {
        (Some(n), Some(t)) => deployment(cx, n, t == ServiceType::Public),
        (Some(_), None) => None,
        (None, _) => Some(Deployment::default()),
    };
    let mounts_file_server = f.opt("mounts_file_server").map(|n| cx.boolean(n)).unwrap_or(Some(false));
    if mounts_file_server == Some(true) && !have_file_server {
        cx.err(
            "`mounts_file_server` is true but the manifest declares no `file_server`",
            &f.opt("mounts_file_server").expect("set").loc,
            "no file server to mount",
        )
        .help =
            Some("add a top-level `file_server:` section (docs/manifest.md), or remove `mounts_file_server`".into());
    }

    Some(Service {
        name: name?,
        runtime: runtime?,
        service_type: service_type?,
        port: port?,
        cpu: cpu?,
        memory: memory?,
        desired_count: desired_count?,
        autoscaling,
        health_check_path: health_check_path?.value,
        routing: if is_public { Some(routing?) } else { None },
        environment,
        secrets,
        kafka: kafka?,
        architecture: architecture?,
        allow_from: allow_from.into_iter().map(|a| a.value).collect(),
        read_only_root_filesystem: read_only?,
        image_tag: image_tag.value,
        loc: node.loc.clone(),
        deployment: deployment?,
        mounts_file_server: mounts_file_server?,
        capacity: capacity?,
        tables: table_grants,
    })
}

/// `file_server:`: the Windows SMB file server of doc 000. The password is
/// not part of the manifest; only the name of the variable that holds it.
fn file_server(cx: &mut Cx, node: &Node, azs: &Spanned<Vec<String>>) -> Option<FileServer> {
    const KEYS: [&str; 6] =
        ["instance_type", "volume_size_gb", "share_name", "smb_user", "admin_password_env", "availability_zone"];
    let empty;
    let node = if matches!(node.data, Data::Null) {
        empty = Node { raw: None, loc: node.loc.clone(), data: Data::Map(Vec::new()) };
        &empty
    } else {
        node
    };
    let f = cx.fields(node, "the `file_server` section", &KEYS)?;
    // A password written into the manifest gets a hint that says where it belongs.
    if let Data::Map(entries) = &node.data {
        for (k, _) in entries {
            if matches!(&k.data, Data::Str(key) if key.to_lowercase().contains("password") && !KEYS.contains(&key.as_str()))
                && let Some(d) = cx.diags.iter_mut().rev().find(|d| d.loc == k.loc)
            {
                d.help = Some(
                    "passwords never go into the manifest; export the password in the variable that \
                     `admin_password_env` names (default ECSFORGE_FILE_SERVER_PASSWORD)"
                        .into(),
                );
            }
        }
    }
    let default = |v: &str| Spanned::new(v.to_string(), Loc::default());
    let instance_type = f.opt("instance_type").map(|n| cx.string(n)).unwrap_or_else(|| Some(default("t3.micro")));
    if let Some(t) = &instance_type {
        let ok = t.split_once('.').is_some_and(|(family, size)| {
            !family.is_empty()
                && !size.is_empty()
                && family.as_bytes()[0].is_ascii_lowercase()
                && family.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && size.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        cx.check_pattern(t, ok, "EC2 instance type", "write an instance type such as t3.micro or m6i.large");
    }
    let volume_size_gb = match f.opt("volume_size_gb") {
        Some(n) => match cx.uint(n, 1, 16_384) {
            Some(v) if v < u64::from(FileServer::MIN_VOLUME_GB) => {
                cx.err(
                    format!(
                        "volume_size_gb {v} is smaller than the Windows Server 2022 image's {} GiB root snapshot",
                        FileServer::MIN_VOLUME_GB
                    ),
                    &n.loc,
                    "too small",
                )
                .help = Some(format!(
                    "EC2 refuses a root volume smaller than the image's snapshot; use at least {}",
                    FileServer::MIN_VOLUME_GB
                ));
                None
            }
            v => v.map(|v| v as u32),
        },
        None => Some(FileServer::MIN_VOLUME_GB),
    };
    // Both names end up in the boot script, so they are restricted to
    // characters that need no quoting in PowerShell.
    let share_name = f.opt("share_name").map(|n| cx.string(n)).unwrap_or_else(|| Some(default("share")));
    if let Some(s) = &share_name {
        let ok = (1..=80).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        cx.check_pattern(s, ok, "SMB share name", "1-80 letters, digits, `-` and `_`");
    }
    let smb_user = f.opt("smb_user").map(|n| cx.string(n)).unwrap_or_else(|| Some(default("smbuser")));
    if let Some(u) = &smb_user {
        let ok = (1..=20).contains(&u.len())
            && u.as_bytes()[0].is_ascii_alphabetic()
            && u.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if cx.check_pattern(u, ok, "Windows user name", "1-20 letters, digits, `-` and `_`, starting with a letter")
            && ["administrator", "guest", "defaultaccount", "wdagutilityaccount"].contains(&u.to_lowercase().as_str())
        {
            cx.err(format!("`{}` is a built-in Windows account", u.value), &u.loc, "built-in account").help =
                Some("the boot script creates this user; pick a new name such as smbuser".into());
        }
    }
    let password_env = f
        .opt("admin_password_env")
        .map(|n| cx.string(n))
        .unwrap_or_else(|| Some(default(FileServer::DEFAULT_PASSWORD_ENV)));
    if let Some(e) = &password_env {
        cx.check_pattern(
            e,
            is_env_var_name(e),
            "environment variable name",
            "use upper-case letters, digits and underscores, e.g. ECSFORGE_FILE_SERVER_PASSWORD",
        );
    }
    let availability_zone = match f.opt("availability_zone") {
        Some(n) => cx.string(n).and_then(|az| {
            if azs.contains(&az.value) {
                Some(az.value)
            } else {
                let hint = match suggest(&az, azs.iter().map(String::as_str)) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("use one of network.availability_zones: {}", azs.join(", ")),
                };
                cx.err(
                    format!("file server availability zone `{}` is not in network.availability_zones", az.value),
                    &az.loc,
                    "unknown zone",
                )
                .help = Some(hint);
                None
            }
        }),
        None => azs.first().cloned(),
    };
    Some(FileServer {
        instance_type: instance_type?.value,
        volume_size_gb: volume_size_gb?,
        share_name: share_name?.value,
        smb_user: smb_user?.value,
        admin_password_env: password_env?.value,
        availability_zone: availability_zone?,
        loc: node.loc.clone(),
    })
}

/// One `services[].secrets` value: a reference (string) or a managed secret (mapping).
enum SecretValue {
    Plain(Spanned<String>),
    /// `None` when the mapping had errors (already reported).
    Managed(Option<SecretRef>),
}

/// The entries of `services[].secrets`: mappings are managed secrets, everything else
/// goes through [`Cx::string_map`]'s rules.
fn secret_entries(cx: &mut Cx, node: &Node) -> Vec<(Spanned<String>, SecretValue)> {
    let Data::Map(entries) = &node.data else {
        cx.type_err(node, "a mapping");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        if matches!(v.data, Data::Map(_)) {
            let Data::Str(key) = &k.data else { continue };
            out.push((Spanned::new(key.clone(), k.loc.clone()), SecretValue::Managed(managed_secret(cx, v))));
        } else {
            let one = Node { data: Data::Map(vec![(k.clone(), v.clone())]), ..node.clone() };
            out.extend(cx.string_map(&one).into_iter().map(|(k, v)| (k, SecretValue::Plain(v))));
        }
    }
    out
}

/// `{managed: true, rotation_lambda_arn: ..., rotation_days: 30}`.
fn managed_secret(cx: &mut Cx, node: &Node) -> Option<SecretRef> {
    let f = cx.fields(node, "a managed secret", &["managed", "rotation_lambda_arn", "rotation_days"])?;
    let managed = f.req(cx, "managed").and_then(|n| cx.boolean(n));
    if managed == Some(false) {
        let n = f.opt("managed").expect("read above");
        cx.err("a secret mapping must set `managed: true`", &n.loc, "not managed").help = Some(
            "write an existing secret as a string (its ARN or name), or set `managed: true` to let ecsforge create it"
                .into(),
        );
    }
    let lambda = f.opt("rotation_lambda_arn").and_then(|n| cx.string(n));
    if let Some(l) = &lambda {
        // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
        let parts: Vec<&str> = l.splitn(7, ':').collect();
        let ok = is_arn_of(l, "lambda")
            && is_account_id(parts[4])
            && parts.get(5) == Some(&"function")
            && parts.get(6).is_some_and(|n| !n.is_empty());
        cx.check_pattern(l, ok, "Lambda function ARN", "write arn:aws:lambda:<region>:<account>:function:<name>");
    }
    let days_node = f.opt("rotation_days");
    let days = cx.u32_in(days_node, 1, 1000);
    if let (Some(n), None) = (days_node, &lambda) {
        cx.err("`rotation_days` needs a `rotation_lambda_arn`", &n.loc, "nothing rotates it").help =
            Some("add the ARN of the rotation Lambda, or drop rotation_days".into());
    }
    if managed != Some(true) || (days_node.is_some() && days.is_none()) {
        return None;
    }
    Some(SecretRef::Managed(ManagedSecret {
        rotation_lambda_arn: lambda.map(|l| l.value),
        rotation_days: days.unwrap_or(30),
    }))
}

fn looks_secret(name: &str) -> bool {
    ["PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY"].iter().any(|w| name.contains(w))
}

fn secret_ref(cx: &mut Cx, v: &Spanned<String>) -> Option<SecretRef> {
    if v.starts_with("arn:") {
        // arn:<partition>:<service>:<region>:<account>:<resource...>
        let parts: Vec<&str> = v.split(':').collect();
        let head_ok =
            parts.len() >= 6 && parts[1].starts_with("aws") && !parts[3].is_empty() && is_account_id(parts[4]);
        if head_ok
            && parts[2] == "secretsmanager"
            && parts[5] == "secret"
            && parts.get(6).is_some_and(|n| !n.is_empty())
        {
            // Secret names cannot contain `:`; more parts are ECS's
            // `:<json-key>:<version-stage>:<version-id>` selector.
            if parts.len() == 7 {
                return Some(SecretRef::SecretsManagerArn(v.value.clone()));
            }
            let suffix = parts[7..].join(":");
            let (message, field) = match parts[7] {
                "" => (
                    format!("secret ARN has a version selector `:{suffix}`; ecsforge does not support it yet"),
                    String::new(),
                ),
                k => (
                    format!("secret ARN selects the JSON key `{k}`; ecsforge does not support JSON-key references yet"),
                    format!(" and read the `{k}` field from its JSON in the application"),
                ),
            };
            cx.err(message, &v.loc, "JSON-key reference").help = Some(format!(
                "reference the whole secret (drop `:{suffix}`){field}, or store the value in a secret of its own"
            ));
            return None;
        }
        if head_ok
            && parts[2] == "ssm"
            && parts.len() == 6
            && parts[5].strip_prefix("parameter/").is_some_and(|n| !n.is_empty())
        {
            return Some(SecretRef::SsmParameterArn(v.value.clone()));
        }
        cx.err(format!("`{}` is not a valid Secrets Manager secret ARN or SSM parameter ARN", v.value), &v.loc, "unsupported ARN").help =
            Some("use arn:aws:secretsmanager:<region>:<account>:secret:<name> or arn:aws:ssm:<region>:<account>:parameter/<name>".into());
        return None;
    }
    let ok = !v.is_empty() && v.len() <= 512 && v.bytes().all(|c| c.is_ascii_alphanumeric() || b"/_+=.@-".contains(&c));
    if cx.check_pattern(v, ok, "Secrets Manager secret name", "letters, digits and /_+=.@- only, or a full ARN") {
        Some(SecretRef::SecretsManagerName(v.value.clone()))
    } else {
        None
    }
}

fn routing(cx: &mut Cx, node: &Node) -> Option<Routing> {
    let f = cx.fields(node, "the `routing` section", &["paths", "hosts", "priority"])?;
    let paths = f.opt("paths").map(|n| cx.strings(n)).unwrap_or_default();
    let hosts = f.opt("hosts").map(|n| cx.strings(n)).unwrap_or_default();
    for p in &paths {
        let ok = p.starts_with('/') && p.len() <= 128 && !p.contains(char::is_whitespace);
        cx.check_pattern(p, ok, "path pattern", "start with / and use at most 128 characters; * and ? are wildcards");
    }
    for h in &hosts {
        let ok = !h.is_empty()
            && h.len() <= 128
            && h.bytes().all(|c| c.is_ascii_alphanumeric() || b".-*?".contains(&c))
            && !h.starts_with('.');
        cx.check_pattern(h, ok, "host header", "a host name such as api.example.com; * and ? are wildcards");
    }
    if paths.is_empty() && hosts.is_empty() {
        cx.err("routing needs at least one path or host", &node.loc, "no paths or hosts").help =
            Some("add `paths: [\"/my-service/*\"]` or `hosts: [my.example.com]`".into());
    }
    if paths.len() + hosts.len() > 5 {
        let at = f.opt("paths").or(f.opt("hosts")).map(|n| &n.loc).unwrap_or(&node.loc);
        cx.err(
            format!("routing has {} values; an ALB rule allows at most 5", paths.len() + hosts.len()),
            at,
            "too many conditions",
        )
        .help = Some("cover several paths with one wildcard pattern, e.g. /orders/*".into());
    }
    let priority = f.opt("priority").and_then(|n| cx.uint(n, 1, 50_000)).map(|p| p as u32);
    Some(Routing {
        paths: paths.into_iter().map(|p| p.value).collect(),
        hosts: hosts.into_iter().map(|h| h.value).collect(),
        priority,
    })
}

/// The key and value of `key` in a mapping node.
pub(crate) fn entry<'n>(node: &'n Node, key: &str) -> Option<(&'n Node, &'n Node)> {
    match &node.data {
        Data::Map(entries) => {
            entries.iter().find(|(k, _)| matches!(&k.data, Data::Str(s) if s == key)).map(|(k, v)| (k, v))
        }
        _ => None,
    }
}

/// Listener rules seen so far: (host, path) and explicit priorities, each with
/// the service that claimed it and the line where it did.
#[derive(Default)]
struct Routes {
    pairs: BTreeMap<(String, String), (String, u32)>,
    priorities: BTreeMap<u32, (String, u32)>,
}

/// Route (host, path) pairs and explicit priorities must be unique across
/// services; `item` is the service's node, for locations.
fn check_routes(cx: &mut Cx, item: &Node, s: &Service, seen: &mut Routes) {
    let (Some(r), Some((rkey, rnode))) = (&s.routing, entry(item, "routing")) else {
        return;
    };
    let svc = s.name.as_str();
    // The valid values of routing.<list>, with their locations, duplicates reported.
    let mut values = |list: &str, valid: &[String]| -> Vec<(String, Loc)> {
        let mut out: Vec<(String, Loc)> = Vec::new();
        if let Some((_, Node { data: Data::Seq(items), .. })) = entry(rnode, list) {
            for n in items {
                let Data::Str(v) = &n.data else { continue };
                if !valid.contains(v) {
                    continue;
                }
                if out.iter().any(|(x, _)| x == v) {
                    cx.err(format!("`{v}` is listed twice in routing.{list}"), &n.loc, "duplicate").help =
                        Some("remove the second entry".into());
                } else {
                    out.push((v.clone(), n.loc.clone()));
                }
            }
        }
        out
    };
    let paths = values("paths", &r.paths);
    let hosts = values("hosts", &r.hosts);
    let any = |v: &str| vec![(v.to_string(), rkey.loc.clone())];
    let has_paths = !paths.is_empty();
    let hosts = if hosts.is_empty() { any("*") } else { hosts };
    let paths = if paths.is_empty() { any("/*") } else { paths };
    for (h, hloc) in &hosts {
        for (p, ploc) in &paths {
            let key = (h.clone(), p.clone());
            match seen.pairs.get(&key) {
                Some((other, line)) if other != svc => {
                    let (what, loc) = match (h.as_str(), p.as_str()) {
                        ("*", "/*") => ("every request".to_string(), &rkey.loc),
                        ("*", p) => (format!("path `{p}` on any host"), ploc),
                        (h, "/*") => (format!("host `{h}` on any path"), hloc),
                        (h, p) => (format!("host `{h}` path `{p}`"), ploc),
                    };
                    cx.err(format!("`{svc}` routes {what}, which `{other}` already routes"), loc, "duplicate route")
                        .help = Some(format!(
                        "`{other}` claims it on line {line}; each host and path pair must belong to one service"
                    ));
                }
                Some(_) => {}
                None => {
                    let line = if has_paths { ploc.line } else { hloc.line };
                    seen.pairs.insert(key, (svc.to_string(), line));
                }
            }
        }
    }
    if let (Some(p), Some((_, pnode))) = (r.priority, entry(rnode, "priority")) {
        if let Some((other, line)) = seen.priorities.get(&p) {
            cx.err(
                format!("listener rule priority {p} of `{svc}` is already used by `{other}`"),
                &pnode.loc,
                "duplicate priority",
            )
            .help = Some(format!(
                "`{other}` sets it on line {line}; pick another number, or remove `priority` to have one derived"
            ));
        } else {
            seen.priorities.insert(p, (svc.to_string(), pnode.loc.line));
        }
    }
}

/// `monitoring: {alarm_emails, pipeline_emails}`.
fn monitoring(cx: &mut Cx, node: &Node) -> Monitoring {
    let Some(f) = cx.fields(node, "the `monitoring` section", &["alarm_emails", "pipeline_emails"]) else {
        return Monitoring::default();
    };
    let mut emails = |key: &str| -> Vec<String> {
        let list = f.opt(key).map(|n| cx.strings(n)).unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        for e in list {
            let ok = e.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !e.contains(char::is_whitespace)
                    && !e.contains(['{', '}', '$'])
            });
            if !cx.check_pattern(&e, ok, "email address", "write it like oncall@example.com") {
                continue;
            }
            if out.contains(&e.value) {
                cx.err(format!("`{}` is listed twice in monitoring.{key}", e.value), &e.loc, "duplicate").help =
                    Some("remove the second entry".into());
                continue;
            }
            out.push(e.value);
        }
        out
    };
    Monitoring { alarm_emails: emails("alarm_emails"), pipeline_emails: emails("pipeline_emails") }
}

/// `services[].deployment`: the rollout strategy of one service.
fn deployment(cx: &mut Cx, node: &Node, is_public: bool) -> Option<Deployment> {
    const KEYS: [&str; 5] = ["strategy", "steps", "step_minutes", "alarm", "controller"];
    let f = cx.fields(node, "the `deployment` section", &KEYS)?;
    let strategy = match f.opt("strategy") {
        Some(n) => cx.choice(
            n,
            |s| match s {
                "rolling" => Some(Strategy::Rolling),
                "canary" => Some(Strategy::Canary),
                _ => None,
            },
            &["rolling", "canary"],
            "deployment.strategy must be 'rolling' or 'canary'",
        )?,
        None => Strategy::Rolling,
    };
    if strategy == Strategy::Rolling {
        // The canary settings mean nothing to a rolling update: say so instead of ignoring them.
        for key in ["steps", "step_minutes", "alarm", "controller"] {
            if let Some(k) = f.key_loc(key) {
                cx.err(format!("`{key}` applies only to canary deployments"), k, "rolling deployment").help =
                    Some("set `strategy: canary`, or remove this key".into());
            }
        }
        return Some(Deployment { strategy, loc: node.loc.clone(), ..Deployment::default() });
    }
    if !is_public {
        let at = f.opt("strategy").map(|n| &n.loc).unwrap_or(&node.loc);
        cx.err("canary deployments need a target group, and internal services have none", at, "internal service")
            .help = Some("use `strategy: rolling`, or make the service `type: public`".into());
    }
    let controller = match f.opt("controller") {
        Some(n) => cx.choice(
            n,
            |s| match s {
                "ecsforge" => Some(Controller::Ecsforge),
                "codedeploy" => Some(Controller::Codedeploy),
                _ => None,
            },
            &["ecsforge", "codedeploy"],
            "deployment.controller must be 'ecsforge' or 'codedeploy'",
        ),
        None => Some(Controller::Ecsforge),
    };
    let alarm = match f.opt("alarm") {
        Some(n) => cx.choice(
            n,
            |s| (s == "success-rate").then_some(RolloutAlarm::SuccessRate),
            &["success-rate"],
            "deployment.alarm must be 'success-rate'",
        ),
        None => Some(RolloutAlarm::SuccessRate),
    };
    let step_minutes = match f.opt("step_minutes") {
        Some(n) => cx.u32_in(Some(n), 1, 2880),
        None => Some(1),
    };
    let steps = match f.opt("steps") {
        Some(n) => steps(cx, n),
        None => Some(vec![10, 20, 50, 70, 100]),
    };
    if let (Some(Controller::Codedeploy), Some(list), Some(n)) = (controller, &steps, f.opt("steps"))
        && codedeploy_shape(list).is_none()
    {
        let shown = list.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        cx.err(
            format!("CodeDeploy cannot shift traffic in the steps [{shown}]"),
            &n.loc,
            "not a CodeDeploy canary or linear shape",
        )
        .help = Some(
            "CodeDeploy shifts either one canary step then 100 (e.g. [10, 100]) or equal increments (e.g. [25, 50, 75, 100]); use `controller: ecsforge` for any other list".into(),
        );
    }
    Some(Deployment {
        strategy,
        steps: steps?,
        step_minutes: step_minutes?,
        alarm: alarm?,
        controller: controller?,
        loc: node.loc.clone(),
    })
}

/// Traffic steps: percentages 1..=100, strictly increasing, ending at 100.
fn steps(cx: &mut Cx, node: &Node) -> Option<Vec<u32>> {
    let items = cx.seq(node);
    if matches!(node.data, Data::Seq(_)) && items.is_empty() {
        cx.err("deployment.steps is empty", &node.loc, "no steps").help =
            Some("list the cumulative traffic percentages, e.g. [10, 20, 50, 70, 100]".into());
        return None;
    }
    let mut out = Vec::new();
    let mut ok = matches!(node.data, Data::Seq(_));
    for n in items {
        let Some(v) = cx.u32_in(Some(n), 1, 100) else {
            ok = false;
            continue;
        };
        if let Some(prev) = out.last().filter(|p| **p >= v) {
            cx.err(format!("step {v} does not increase on the step before it ({prev})"), &n.loc, "not increasing")
                .help = Some("steps are cumulative traffic percentages and must strictly increase".into());
            ok = false;
        }
        out.push(v);
    }
    if ok && out.last() != Some(&100) {
        let last = items.last().map(|n| &n.loc).unwrap_or(&node.loc);
        cx.err("the last step must be 100", last, "rollout never completes").help =
            Some("end the list with 100 so the new version receives all traffic".into());
        ok = false;
    }
    ok.then_some(out)
}

/// A canary run by ecsforge adds an ECS service `<name>-green`; no other service may have that name.
fn check_green_name(cx: &mut Cx, item: &Node, s: &Service, declared: &BTreeSet<String>) {
    let d = &s.deployment;
    if !(d.is_canary() && d.controller == Controller::Ecsforge) {
        return;
    }
    let green = format!("{}-green", s.name.value);
    if declared.contains(&green) {
        let at = entry(item, "deployment").map(|(k, _)| &k.loc).unwrap_or(&s.name.loc);
        cx.err(
            format!("the canary of `{}` needs the name `{green}`, which another service already uses", s.name.value),
            at,
            "name clash",
        )
        .help = Some(format!("rename the service `{green}`, or use `controller: codedeploy`"));
    }
}
