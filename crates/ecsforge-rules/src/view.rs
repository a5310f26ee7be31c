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
