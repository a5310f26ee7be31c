//! Typed, named access to the attributes rules read. A value that is unknown
//! until apply reads as `None`: rules judge only what is known.

use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};

pub fn str_attr<'a>(r: &'a Resource, key: &str) -> Option<&'a str> {
    r.get(key).and_then(Value::as_str)
}

/// The known tail of a string: the whole string, or for a template the
/// literal text after its last reference or unknown piece
/// (`com.amazonaws.${AWS::Region}.s3` → `.s3`).
pub fn known_suffix(v: &Value) -> Option<String> {
    use ecsforge_model::value::Part;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Template(parts) => {
            let mut tail = String::new();
            for p in parts.iter().rev() {
                match p {
                    Part::Lit(s) => tail.insert_str(0, s),
                    Part::Ref(_) | Part::Unknown => break,
                }
            }
            (!tail.is_empty()).then_some(tail)
        }
        _ => None,
    }
}

/// The AWS service of a VPC endpoint (`s3`, `ecr.dkr`, ...), from its
/// `service_name` (`com.amazonaws.<region>.<service>`), even when the region is unknown.
pub fn endpoint_service(e: &Resource) -> Option<String> {
    let name = known_suffix(e.get("service_name")?)?;
    // `com.amazonaws.us-east-1.ecr.dkr` → `ecr.dkr`; a template tail `.ecr.dkr` → `ecr.dkr`.
    let rest = match name.strip_prefix("com.amazonaws.") {
        Some(r) => r.split_once('.').map(|(_, svc)| svc.to_string())?,
        None => name.trim_start_matches('.').to_string(),
    };
    (!rest.is_empty()).then_some(rest)
}

pub fn bool_attr(r: &Resource, key: &str) -> Option<bool> {
    r.get(key).and_then(as_bool)
}

/// An integer attribute; numeric strings (`"30"`) count too, as the provider stores some numbers as strings.
pub fn int_attr(r: &Resource, key: &str) -> Option<i64> {
    r.get(key).and_then(as_int)
}

pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
        _ => None,
    }
}

/// The first map of a nested block (`health_check`, `deployment_circuit_breaker`, ...).
pub fn block<'a>(r: &'a Resource, key: &str) -> Option<&'a Value> {
    first_map(r.get(key)?)
}

pub fn first_map(v: &Value) -> Option<&Value> {
    match v {
        Value::List(l) => l.first().filter(|x| matches!(x, Value::Map(_))),
        Value::Map(_) => Some(v),
        _ => None,
    }
}

/// All maps of a nested block.
pub fn blocks<'a>(r: &'a Resource, key: &str) -> &'a [Value] {
    r.get(key).map(Value::as_list).unwrap_or(&[])
}

/// A field of a map value.
pub fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key)
}

/// The resource a reference value points at.
pub fn target<'a>(m: &'a InfraModel, v: &Value) -> Option<&'a Resource> {
    v.as_ref().and_then(|r| m.get(&r.address))
}

/// The address a value refers to, if it is a reference.
pub fn ref_address(v: &Value) -> Option<&Address> {
    v.as_ref().map(|r| &r.address)
}

/// Whether `v` refers to `address` (directly or inside a template).
pub fn refers_to(v: &Value, address: &Address) -> bool {
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    refs.contains(&address)
}

/// The environment the model describes: the model's own field, else the
/// `Environment` tag resources agree on.
pub fn environment(m: &InfraModel) -> Option<String> {
    if !m.environment.is_empty() {
        return Some(m.environment.clone());
    }
    m.resources
        .values()
        .find_map(|r| r.get("tags").and_then(|t| t.get("Environment")).and_then(Value::as_str).map(str::to_string))
}

pub fn is_prod(m: &InfraModel) -> bool {
    environment(m).is_some_and(|e| e == "prod" || e == "production")
}

/// The container definitions of a task definition (empty when unknown).
pub fn containers(td: &Resource) -> &[Value] {
    match td.get("container_definitions") {
        Some(Value::Json(inner)) => inner.as_list(),
        _ => &[],
    }
}

/// One IAM policy statement, normalised.
#[derive(Debug)]
pub struct Statement<'a> {
    pub effect: &'a str,
    pub actions: Vec<&'a str>,
    pub resources: Vec<&'a Value>,
    pub principal: Option<&'a Value>,
    pub condition: Option<&'a Value>,
}

/// The statements of a policy document attribute (a `Value::Json`).
pub fn statements(doc: Option<&Value>) -> Vec<Statement<'_>> {
    let Some(Value::Json(inner)) = doc else { return Vec::new() };
    let stmts: Vec<&Value> = match inner.get("Statement") {
        Some(Value::List(l)) => l.iter().collect(),
        Some(v @ Value::Map(_)) => vec![v],
        _ => Vec::new(),
    };
    stmts
        .into_iter()
        .map(|s| Statement {
            effect: s.get("Effect").and_then(Value::as_str).unwrap_or("Allow"),
            actions: one_or_many(s.get("Action")).into_iter().filter_map(Value::as_str).collect(),
            resources: one_or_many(s.get("Resource")),
            principal: s.get("Principal"),
            condition: s.get("Condition"),
        })
        .collect()
}

fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::List(l)) => l.iter().collect(),
        Some(x) => vec![x],
        None => Vec::new(),
    }
}

/// Whether an IAM action pattern (`ecr:*`, `ecr:Get*`) grants `action`.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match p.strip_suffix('*') {
        Some(prefix) => a.starts_with(prefix),
        None => p == a,
    }
}

/// Every `Allow`ed action of the inline and attached policies of `role`.
pub fn role_allows<'a>(m: &'a InfraModel, role: &Address) -> Vec<Statement<'a>> {
    let mut out = Vec::new();
    for p in m.of_kind(Kind::IamRolePolicy) {
        if p.get("role").is_some_and(|v| refers_to(v, role)) {
            out.extend(statements(p.get("policy")).into_iter().filter(|s| s.effect == "Allow"));
        }
    }
    out
}

/// Where a security-group rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSource {
    /// `aws_vpc_security_group_{ingress,egress}_rule` or `aws_security_group_rule`.
    Standalone,
    /// An `ingress`/`egress` block inside `aws_security_group`.
    Inline,
}

/// One security-group rule, whatever resource it came from.
#[derive(Clone, Debug)]
pub struct SgRule<'a> {
    /// The resource that declares the rule.
    pub resource: &'a Resource,
    /// The security group the rule belongs to (its address when known).
    pub group: Option<Address>,
    pub egress: bool,
    /// `tcp`, `udp`, `icmp`, `-1` (all) ... lower-case.
    pub protocol: String,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidrs: Vec<String>,
    /// Peer security groups (references or literal ids).
    pub peer_groups: Vec<&'a Value>,
    pub prefix_lists: Vec<&'a Value>,
    pub source: RuleSource,
}

impl SgRule<'_> {
    /// Whether the rule admits `port` over TCP.
    pub fn covers_tcp(&self, port: i64) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" => self.from_port.is_some_and(|f| f <= port) && self.to_port.is_some_and(|t| port <= t),
            _ => false,
        }
    }
    pub fn is_open_to_world(&self) -> bool {
        self.cidrs.iter().any(|c| c == "0.0.0.0/0" || c == "::/0")
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn values(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::List(l)) => l.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(x) => vec![x],
    }
}

/// Every security-group rule of the model: standalone rule resources and inline blocks.
pub fn sg_rules(m: &InfraModel) -> Vec<SgRule<'_>> {
    let mut out = Vec::new();
    for r in m.resources.values() {
        match r.kind {
            Kind::SecurityGroupIngressRule | Kind::SecurityGroupEgressRule => out.push(SgRule {
                resource: r,
                group: r.get("security_group_id").and_then(ref_address).cloned(),
                egress: r.kind == Kind::SecurityGroupEgressRule,
                protocol: str_attr(r, "ip_protocol").unwrap_or("-1").to_ascii_lowercase(),
                from_port: int_attr(r, "from_port"),
                to_port: int_attr(r, "to_port"),
                cidrs: strings(r.get("cidr_ipv4")).into_iter().chain(strings(r.get("cidr_ipv6"))).collect(),
                peer_groups: values(r.get("referenced_security_group_id")),
                prefix_lists: values(r.get("prefix_list_id")),
                source: RuleSource::Standalone,
            }),
            Kind::SecurityGroupRule => out.push(SgRule {
                resource: r,
                group: r.get("security_group_id").and_then(ref_address).cloned(),
                egress: str_attr(r, "type") == Some("egress"),
                protocol: str_attr(r, "protocol").unwrap_or("-1").to_ascii_lowercase(),
                from_port: int_attr(r, "from_port"),
                to_port: int_attr(r, "to_port"),
                cidrs: strings(r.get("cidr_blocks")).into_iter().chain(strings(r.get("ipv6_cidr_blocks"))).collect(),
                peer_groups: values(r.get("source_security_group_id")),
                prefix_lists: values(r.get("prefix_list_ids")),
                source: RuleSource::Standalone,
            }),
            Kind::SecurityGroup => {
                for (key, egress) in [("ingress", false), ("egress", true)] {
                    for b in blocks(r, key) {
                        out.push(SgRule {
                            resource: r,
                            group: Some(r.address.clone()),
                            egress,
                            protocol: b.get("protocol").and_then(Value::as_str).unwrap_or("-1").to_ascii_lowercase(),
                            from_port: b.get("from_port").and_then(as_int),
                            to_port: b.get("to_port").and_then(as_int),
                            cidrs: strings(b.get("cidr_blocks"))
                                .into_iter()
                                .chain(strings(b.get("ipv6_cidr_blocks")))
                                .collect(),
                            peer_groups: values(b.get("security_groups")),
                            prefix_lists: values(b.get("prefix_list_ids")),
                            source: RuleSource::Inline,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Security groups attached to a load balancer.
pub fn alb_security_groups(m: &InfraModel) -> Vec<Address> {
    m.of_kind(Kind::Lb).flat_map(|lb| blocks(lb, "security_groups").iter().filter_map(ref_address).cloned()).collect()
}

/// Whether a subnet is public: its route table sends 0.0.0.0/0 to an internet gateway,
/// or it hands out public IPs on launch. `None` when that cannot be told.
pub fn subnet_is_public(m: &InfraModel, subnet: &Address) -> Option<bool> {
    let s = m.get(subnet)?;
    if bool_attr(s, "map_public_ip_on_launch") == Some(true) {
        return Some(true);
    }
    let tables: Vec<&Address> = m
        .of_kind(Kind::RouteTableAssociation)
        .filter(|a| a.get("subnet_id").is_some_and(|v| refers_to(v, subnet)))
        .filter_map(|a| a.get("route_table_id").and_then(ref_address))
        .collect();
    if tables.is_empty() {
        return None;
    }
    Some(tables.iter().any(|t| default_route(m, t).is_some_and(|(kind, _)| kind == Kind::InternetGateway)))
}

/// The target of a route table's 0.0.0.0/0 route: (kind of target, target address).
pub fn default_route<'a>(m: &'a InfraModel, table: &Address) -> Option<(Kind, &'a Address)> {
    let inline = m.get(table).map(|t| blocks(t, "route")).unwrap_or(&[]);
    let standalone = m.of_kind(Kind::Route).filter(|r| r.get("route_table_id").is_some_and(|v| refers_to(v, table)));
    let mut candidates: Vec<&Value> = inline.iter().collect();
    let standalone: Vec<&Resource> = standalone.collect();
    for r in &standalone {
        if str_attr(r, "destination_cidr_block") == Some("0.0.0.0/0") {
            for key in ["gateway_id", "nat_gateway_id"] {
                if let Some(t) = r.get(key).and_then(|v| target(m, v)) {
                    return Some((t.kind.clone(), &t.address));
                }
            }
        }
    }
    candidates.retain(|b| b.get("cidr_block").and_then(Value::as_str) == Some("0.0.0.0/0"));
    for b in candidates {
        for key in ["gateway_id", "nat_gateway_id"] {
            if let Some(t) = b.get(key).and_then(|v| target(m, v)) {
                return Some((t.kind.clone(), &t.address));
            }
        }
    }
    None
}

// --- Helpers added for the doc-003 property rules ---------------------------------

/// Resources of one Terraform type, including types the model keeps as
/// [`Kind::Other`] (`aws_codepipeline`, `aws_cloudtrail`, ...).
pub fn of_type<'a>(m: &'a InfraModel, terraform_type: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
    m.resources.values().filter(move |r| r.kind.terraform_type() == terraform_type)
}

/// Whether an optional attribute is set: `Some(false)` when absent, `null`,
/// an empty string or an empty list; `None` when unknown until apply.
pub fn is_set(v: Option<&Value>) -> Option<bool> {
    match v {
        None | Some(Value::Null) => Some(false),
        Some(Value::Unknown) => None,
        Some(Value::String(s)) => Some(!s.trim().is_empty()),
        Some(Value::List(l)) => Some(!l.is_empty()),
        Some(Value::Map(m)) => Some(!m.is_empty()),
        Some(_) => Some(true),
    }
}

/// The known head of a string: the whole string, or for a template the
/// literal text before its first reference or unknown piece
/// (`/ecs/${aws_ecs_cluster.main.name}/api` → `/ecs/`).
pub fn known_prefix(v: &Value) -> Option<String> {
    use ecsforge_model::value::Part;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Template(parts) => {
            let mut head = String::new();
            for p in parts {
                match p {
                    Part::Lit(s) => head.push_str(s),
                    Part::Ref(_) | Part::Unknown => break,
                }
            }
            Some(head)
        }
        _ => None,
    }
}

/// Whether `v` designates `r`: it refers to `r`, or it is a literal equal to
/// one of `r`'s literal attributes `keys` (`name`, `bucket`, `arn`, ...).
/// `None` when `v` is unknown.
pub fn designates(v: &Value, r: &Resource, keys: &[&str]) -> Option<bool> {
    match v {
        Value::Unknown => None,
        Value::String(s) => Some(keys.iter().any(|k| str_attr(r, k) == Some(s.as_str()))),
        other => Some(refers_to(other, &r.address)),
    }
}

/// One tag of a resource as the provider applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag<'a> {
    /// A literal value.
    Literal(&'a str),
    /// Set, to a value known only at apply (a reference or template).
    Set,
    /// Not set.
    Missing,
    /// Cannot be told (the tag map is unknown).
    Unknown,
}

/// Looks a tag up in `tags_all` (which includes the provider's `default_tags`)
/// when the model has it, else in `tags`.
pub fn tag<'a>(r: &'a Resource, key: &str) -> Tag<'a> {
    let lookup = |attr: &str| -> Option<Tag<'a>> {
        match r.get(attr)? {
            Value::Map(m) => Some(match m.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => Tag::Literal(s),
                Some(Value::String(_)) | Some(Value::Null) | None => Tag::Missing,
                Some(Value::Unknown) => Tag::Unknown,
                Some(_) => Tag::Set,
            }),
            Value::Unknown => Some(Tag::Unknown),
            _ => None,
        }
    };
    match (lookup("tags_all"), lookup("tags")) {
        (Some(Tag::Missing), _) => Tag::Missing,
        (Some(Tag::Unknown), Some(t @ (Tag::Literal(_) | Tag::Set))) => t,
        (Some(t), _) => t,
        (None, Some(t)) => t,
        (None, None) => Tag::Missing,
    }
}

/// A parsed CIDR block (IPv4 mapped into the low 32 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub v6: bool,
    pub addr: u128,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = s.trim().split_once('/')?;
        let prefix: u8 = p.parse().ok()?;
        if let Ok(v4) = a.parse::<std::net::Ipv4Addr>() {
            (prefix <= 32).then(|| Cidr { v6: false, addr: u32::from(v4) as u128, prefix })
        } else {
            let v6 = a.parse::<std::net::Ipv6Addr>().ok()?;
            (prefix <= 128).then(|| Cidr { v6: true, addr: u128::from(v6), prefix })
        }
    }

    fn bits(&self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    fn network(&self, prefix: u8) -> u128 {
        let host = self.bits() - prefix;
        if host >= 128 { 0 } else { self.addr >> host }
    }

    /// Whether every address of `inner` is in `self`.
    pub fn contains(&self, inner: &Cidr) -> bool {
        self.v6 == inner.v6 && self.prefix <= inner.prefix && self.network(self.prefix) == inner.network(self.prefix)
    }
}

/// Whether `pattern` (IAM-style `*` and `?` wildcards) matches `text`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The values of one principal type (`AWS`, `Service`, `Federated`) of a
/// statement's `Principal`; `"*"` counts as an `AWS` principal.
pub fn principals<'a>(principal: Option<&'a Value>, key: &str) -> Vec<&'a Value> {
    match principal {
        Some(v @ Value::String(s)) if s == "*" && key == "AWS" => vec![v],
        Some(Value::Map(m)) => match m.get(key) {
            Some(Value::List(l)) => l.iter().collect(),
            Some(x) => vec![x],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The security groups of an ECS service's tasks.
pub fn service_security_groups(s: &Resource) -> &[Value] {
    block(s, "network_configuration").and_then(|n| n.get("security_groups")).map(Value::as_list).unwrap_or(&[])
}

/// The subnets of an ECS service's tasks.
pub fn service_subnets(s: &Resource) -> &[Value] {
    block(s, "network_configuration").and_then(|n| n.get("subnets")).map(Value::as_list).unwrap_or(&[])
}

/// The task definition an ECS service runs, when it is in the model.
pub fn task_definition_of<'a>(m: &'a InfraModel, s: &Resource) -> Option<&'a Resource> {
    match s.get("task_definition")? {
        Value::String(fam) => {
            let family = fam.rsplit_once(":task-definition/").map(|(_, f)| f).unwrap_or(fam);
            let family = family.split(':').next().unwrap_or(family);
            m.of_kind(Kind::EcsTaskDefinition).find(|td| str_attr(td, "family") == Some(family))
        }
        v => target(m, v).filter(|t| t.kind == Kind::EcsTaskDefinition),
    }
}

/// The `(name, value)` pairs of a container's `environment`.
pub fn container_environment(c: &Value) -> impl Iterator<Item = (&str, Option<&Value>)> {
    c.get("environment")
        .map(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.get("name").and_then(Value::as_str).map(|n| (n, e.get("value"))))
}

/// Security-group rules indexed by the group they belong to.
pub fn sg_rules_by_group<'a>(rules: &[SgRule<'a>]) -> std::collections::HashMap<Address, Vec<SgRule<'a>>> {
    let mut out: std::collections::HashMap<Address, Vec<SgRule<'a>>> = std::collections::HashMap::new();
    for r in rules {
        if let Some(g) = &r.group {
            out.entry(g.clone()).or_default().push(r.clone());
        }
    }
    out
}

/// The identity of a security-group reference: the group's address, or the
/// literal id (`sg-0123...`); `None` when unknown.
pub fn sg_identity(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Ref(r) => Some(r.address.to_string()),
        _ => None,
    }
}

/// Every metric an alarm reads: its own `namespace`/`metric_name`/`dimensions`,
/// and each `metric_query { metric { ... } }` of a metric-math alarm, as
/// `(namespace, metric_name, dimensions)`.
pub fn alarm_metrics(a: &Resource) -> Vec<(Option<&Value>, Option<&Value>, Option<&Value>)> {
    let mut out = Vec::new();
    if a.get("metric_name").is_some_and(|v| !matches!(v, Value::Null)) {
        out.push((a.get("namespace"), a.get("metric_name"), a.get("dimensions")));
    }
    for q in blocks(a, "metric_query") {
        for mm in q.get("metric").map(Value::as_list).unwrap_or(&[]) {
            out.push((mm.get("namespace"), mm.get("metric_name"), mm.get("dimensions")));
        }
    }
    out
}

/// Every action of an `aws_codepipeline`: `(stage name, action)`.
pub fn pipeline_actions(p: &Resource) -> Vec<(&str, &Value)> {
    let mut out = Vec::new();
    for st in blocks(p, "stage") {
        let stage = st.get("name").and_then(Value::as_str).unwrap_or("?");
        for a in st.get("action").map(Value::as_list).unwrap_or(&[]) {
            out.push((stage, a));
        }
    }
    out
}

/// One image tag a buildspec pushes, with what it is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedTag {
    /// The tag as written (`$ENVIRONMENT-$IMAGE_TAG`; `latest` when the image has none).
    pub tag: String,
    /// Every shell variable the tag expands, directly or through assignments.
    pub vars: std::collections::BTreeSet<String>,
    /// The tag and the right-hand sides of those assignments, for literal matches.
    pub text: String,
}

/// The inline buildspec of an `aws_codebuild_project` (`source.buildspec` or a
/// secondary source's), when it is YAML text rather than a file name.
pub fn inline_buildspec(project: &Resource) -> Option<&str> {
    let spec = block(project, "source").and_then(|s| s.get("buildspec")).and_then(Value::as_str)?;
    (spec.contains('\n') || spec.contains("phases")).then_some(spec)
}

fn shell_vars(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let start = if b.get(i + 1) == Some(&b'{') { i + 2 } else { i + 1 };
            let mut end = start;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            if end > start {
                out.push(text[start..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The tag part of an image reference (`repo:tag`, `${REPO}:${A:-b}`), ignoring colons inside `${...}`.
fn image_tag(image: &str) -> String {
    let image = image.split('@').next().unwrap_or(image);
    let (mut depth, mut slash, mut colon) = (0usize, None, None);
    let b = image.as_bytes();
    for (i, c) in b.iter().enumerate() {
        match c {
            b'{' if i > 0 && b[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'/' if depth == 0 => slash = Some(i),
            b':' if depth == 0 => colon = Some(i),
            _ => {}
        }
    }
    match colon {
        Some(c) if slash.is_none_or(|s| c > s) => image[c + 1..].to_string(),
        _ => "latest".to_string(),
    }
}

/// The image tags a buildspec's commands push: `docker push IMAGE` (every
/// tag set with `docker tag`/`-t` when `--all-tags` is used) and
/// `docker buildx build --push -t IMAGE`, also after `then`/`else`/`do`
/// and `||`, so guarded pushes count. Assignments (`X=...`, `export X=...`,
/// and `X: ...` under `env.variables`) are followed, so `$IMAGE_TAG` built from
/// `$CODEBUILD_RESOLVED_SOURCE_VERSION` counts as built from it.
pub fn buildspec_pushed_tags(spec: &str) -> Vec<PushedTag> {
    use std::collections::{BTreeSet, HashMap};
    let mut assigns: HashMap<String, String> = HashMap::new();
    let mut tagged: Vec<String> = Vec::new();
    let mut pushed: Vec<String> = Vec::new();
    let mut all_tags = false;
    for raw in spec.lines() {
        let line = raw.trim().trim_start_matches("- ").trim().trim_matches(|c| c == '"' || c == '\'');
        for cmd in line.split("&&").flat_map(|c| c.split("||")).flat_map(|c| c.split(';')).map(str::trim) {
            // `if ...; then docker push ...; else docker push ...; fi`: the
            // command after a shell keyword is still a command.
            let cmd = ["then ", "else ", "do "].iter().find_map(|k| cmd.strip_prefix(k)).unwrap_or(cmd).trim_start();
            let cmd = cmd.strip_prefix("export ").unwrap_or(cmd);
            // NAME=value (shell) or NAME: value (env.variables).
            let ident_end = cmd.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(cmd.len());
            if ident_end > 0 && !cmd.as_bytes()[0].is_ascii_digit() {
                let rest = &cmd[ident_end..];
                if let Some(v) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(": ")) {
                    let mut v = v.to_string();
                    if v.contains("git rev-parse") {
                        v.push_str(" $CODEBUILD_RESOLVED_SOURCE_VERSION");
                    }
                    assigns.entry(cmd[..ident_end].to_string()).or_default().push_str(&format!(" {v}"));
                    continue;
                }
            }
            let words: Vec<&str> = cmd.split_whitespace().collect();
            if words.first() != Some(&"docker") {
                continue;
            }
            let args: Vec<&str> = words.iter().skip(1).copied().filter(|w| *w != "image" && *w != "buildx").collect();
            let Some(verb) = args.first() else { continue };
            let flag_values = |args: &[&str]| -> Vec<String> {
                let mut v = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    if (*a == "-t" || *a == "--tag")
                        && let Some(x) = args.get(i + 1)
                    {
                        v.push(x.to_string());
                    } else if let Some(x) = a.strip_prefix("--tag=") {
                        v.push(x.to_string());
                    }
                }
                v
            };
            match *verb {
                "push" => {
                    if args.iter().any(|a| *a == "--all-tags" || *a == "-a") {
                        all_tags = true;
                    }
                    if let Some(img) = args.iter().skip(1).find(|a| !a.starts_with('-')) {
                        pushed.push(img.to_string());
                    }
                }
                "tag" => {
                    if let Some(dst) = args.iter().skip(1).filter(|a| !a.starts_with('-')).nth(1) {
                        tagged.push(dst.to_string());
                    }
                }
                "build" => {
                    let tags = flag_values(&args);
                    if args.contains(&"--push") {
                        pushed.extend(tags.iter().cloned());
                    }
                    tagged.extend(tags);
                }
                _ => {}
            }
        }
    }
    if all_tags {
        pushed.extend(tagged);
    }
    pushed.sort();
    pushed.dedup();
    pushed
        .into_iter()
        .map(|image| {
            let tag = image_tag(&image);
            let mut vars = BTreeSet::new();
            let mut text = tag.clone();
            let mut todo = shell_vars(&tag);
            while let Some(v) = todo.pop() {
                if vars.insert(v.clone())
                    && let Some(rhs) = assigns.get(&v)
                {
                    text.push(' ');
                    text.push_str(rhs);
                    todo.extend(shell_vars(rhs));
                }
            }
            PushedTag { tag, vars, text }
        })
        .collect()
}

/// Resources indexed by what one attribute designates (referenced addresses
/// and literal strings), so "which X belong to this Y" is a lookup, not a scan.
pub struct Links<'a> {
    by_ref: std::collections::HashMap<&'a Address, Vec<&'a Resource>>,
    by_literal: std::collections::HashMap<&'a str, Vec<&'a Resource>>,
    /// Some resource's attribute is unknown until apply: it may designate anything.
    pub unknown: bool,
}

impl<'a> Links<'a> {
    pub fn new(resources: impl IntoIterator<Item = &'a Resource>, attr: &str) -> Self {
        let mut links = Links { by_ref: Default::default(), by_literal: Default::default(), unknown: false };
        for r in resources {
            match r.get(attr) {
                None | Some(Value::Null) => {}
                Some(Value::Unknown) => links.unknown = true,
                Some(Value::String(s)) => links.by_literal.entry(s.as_str()).or_default().push(r),
                Some(v) => {
                    let mut refs = Vec::new();
                    v.collect_refs(&mut refs);
                    for a in refs {
                        links.by_ref.entry(a).or_default().push(r);
                    }
                }
            }
        }
        links
    }

    /// The resources whose attribute designates `target`: refers to it, or
    /// equals one of its literal attributes `keys`. In address order, without repeats.
    pub fn to(&self, target: &Resource, keys: &[&str]) -> Vec<&'a Resource> {
        let mut out: Vec<&'a Resource> = self.by_ref.get(&target.address).cloned().unwrap_or_default();
        for k in keys {
            if let Some(v) = str_attr(target, k).and_then(|s| self.by_literal.get(s)) {
                out.extend(v);
            }
        }
        out.sort_by(|a, b| a.address.cmp(&b.address));
        out.dedup_by(|a, b| a.address == b.address);
        out
    }
}

/// The policies of every role, indexed once.
pub struct RoleIndex<'a> {
    m: &'a InfraModel,
    inline: Links<'a>,
    attachments: Links<'a>,
}

impl<'a> RoleIndex<'a> {
    pub fn new(m: &'a InfraModel) -> Self {
        RoleIndex {
            m,
            inline: Links::new(m.of_kind(Kind::IamRolePolicy), "role"),
            attachments: Links::new(m.of_kind(Kind::IamRolePolicyAttachment), "role"),
        }
    }

    /// The role's `aws_iam_role_policy` resources, in address order.
    pub fn inline(&self, role: &Resource) -> Vec<&'a Resource> {
        self.inline.to(role, &["name", "id"])
    }

    /// The statements of every policy attached to `role` that the model holds:
    /// `aws_iam_role_policy`, the role's own `inline_policy` blocks, and
    /// `aws_iam_policy` resources attached with `aws_iam_role_policy_attachment`;
    /// managed policies outside the model are returned as their ARNs.
    pub fn policies(&self, role: &'a Resource) -> (Vec<Statement<'a>>, Vec<&'a str>) {
        let mut stmts = Vec::new();
        let mut managed = Vec::new();
        for b in blocks(role, "inline_policy") {
            stmts.extend(statements(b.get("policy")));
        }
        for p in self.inline(role) {
            stmts.extend(statements(p.get("policy")));
        }
        for a in self.attachments.to(role, &["name", "id"]) {
            match a.get("policy_arn") {
                Some(Value::String(arn)) => managed.push(arn.as_str()),
                Some(v) => {
                    if let Some(p) = target(self.m, v) {
                        stmts.extend(statements(p.get("policy")));
                    }
                }
                None => {}
            }
        }
        (stmts, managed)
    }
}

/// The weights each target group receives from listener rules and listeners
/// (a plain forward counts as weight 1; unknown weights as 1).
pub fn target_group_weights(m: &InfraModel) -> std::collections::HashMap<&Address, Vec<i64>> {
    let mut out: std::collections::HashMap<&Address, Vec<i64>> = std::collections::HashMap::new();
    let rules = m.of_kind(Kind::LbListenerRule).flat_map(|r| blocks(r, "action"));
    let listeners = m.of_kind(Kind::LbListener).flat_map(|l| blocks(l, "default_action"));
    for action in rules.chain(listeners) {
        if let Some(tg) = action.get("target_group_arn").and_then(ref_address) {
            out.entry(tg).or_default().push(1);
        }
        let groups = action.get("forward").and_then(first_map).and_then(|f| f.get("target_group"));
        for g in groups.map(Value::as_list).unwrap_or_default() {
            if let Some(tg) = g.get("arn").and_then(ref_address) {
                out.entry(tg).or_default().push(g.get("weight").and_then(as_int).unwrap_or(1));
            }
        }
    }
    out
}

/// A standby canary service: every target group it registers with gets weight 0 only.
pub fn is_standby(s: &Resource, weights: &std::collections::HashMap<&Address, Vec<i64>>) -> bool {
    let tgs: Vec<&Address> =
        blocks(s, "load_balancer").iter().filter_map(|b| b.get("target_group_arn")).filter_map(ref_address).collect();
    !tgs.is_empty() && tgs.iter().all(|tg| weights.get(tg).is_some_and(|w| !w.is_empty() && w.iter().all(|w| *w == 0)))
}

/// A container secret's `valueFrom` as an ARN-like string: the literal, or for a
/// reference to a secret or parameter defined in the model (whose ARN is known
/// only after apply) a stand-in naming its service.
pub fn secret_value_from<'v>(m: &InfraModel, v: &'v Value) -> Option<&'v str> {
    if let Some(s) = v.as_str() {
        return Some(s);
    }
    match target(m, v).map(|r| r.address.resource_type()) {
        Some("aws_secretsmanager_secret") => Some("arn:aws:secretsmanager:"),
        Some("aws_ssm_parameter") => Some("arn:aws:ssm:"),
        _ => None,
    }
}
