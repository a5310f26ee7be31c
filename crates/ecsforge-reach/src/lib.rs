//! Static reachability: can each ECS service's tasks reach what they need to
//! start and run, and by which path? The diagnosis of design doc 000, done
//! on the model before anything is deployed.
//!
//! For every service, every dependency gets a [`Verdict`]: `PASS` with the
//! path it takes, `WARN` (works, but fragile or costly), or `FAIL` with the
//! first blocking hop and the exact fix.
//!
//! Paths, in the order AWS itself resolves them:
//! 1. an **interface endpoint** with private DNS in the task's VPC: DNS then
//!    sends *all* traffic for that service to the endpoint, so its security
//!    group must admit 443 from the tasks even if a NAT gateway exists;
//! 2. a **gateway endpoint** (S3, DynamoDB) on the task subnet's route table;
//! 3. a **NAT gateway** default route, the NAT sitting in a subnet with an
//!    internet-gateway route;
//! 4. a **public IP** and an internet-gateway default route.
//!
//! KMS is the exception: a customer managed key that encrypts a secret is
//! used by Secrets Manager or SSM on the task's behalf, so the `KMS_DECRYPT`
//! verdict judges permissions and the key policy, and a network path only
//! when the task role calls KMS itself (see the `kms` module).
//!
//! Architecture invariant: pure; reads only [`InfraModel`]. The caller
//! supplies the timestamp of the report.

use std::collections::HashMap;

use ecsforge_model::{Address, InfraModel, Kind, Provenance, Resource, Value};
use ecsforge_rules::view::*;
use ipnet::Ipv4Net;

mod kms;
mod nacl;
mod report;
pub mod rules;

pub use report::{Report, TestResult, report};

/// What a task depends on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Dependency {
    EcrApi,
    EcrDkr,
    /// ECR image layers in `prod-<region>-starport-layer-bucket`.
    S3Layers,
    Logs,
    SecretsManager,
    Ssm,
    /// Name resolution inside the VPC.
    Dns,
    /// The execution role's permissions for the pull, logs and secrets.
    IamPermissions,
    /// Kafka brokers (from `KAFKA_BROKERS`), on this port.
    Kafka(i64),
    /// Another service this one is allowed to call, on its port.
    Peer(Address, i64),
    /// Traffic from the load balancer to the service's container port.
    AlbInbound(i64),
    /// A Windows file server (EC2 instance) this service mounts over SMB
    /// (port 445): its security group admits the tasks' group on 445, or the
    /// tasks' group has 445 egress to it.
    FileServer(Address),
    /// DynamoDB, when the task role is allowed `dynamodb:` actions.
    Dynamodb,
    /// A customer managed KMS key the tasks need (see [`kms`]): the roles'
    /// `kms:Decrypt` and the key policy; a network path only when the task
    /// role calls KMS itself.
    Kms,
}

impl Dependency {
    /// The test name in the doc-000 report (`S3_VPC_ENDPOINT`, ...). The five
    /// names of doc 000 are kept verbatim; the others follow their pattern
    /// (`<THING>_CONNECTIVITY` for a network path), except `KMS_DECRYPT`,
    /// which is mostly a permission check (see the `kms` module).
    pub fn test_name(&self) -> &'static str {
        match self {
            Dependency::EcrApi => "ECR_API_CONNECTIVITY",
            Dependency::EcrDkr => "ECR_DKR_CONNECTIVITY",
            Dependency::S3Layers => "S3_VPC_ENDPOINT",
            Dependency::Logs => "CLOUDWATCH_LOGS_CONNECTIVITY",
            Dependency::SecretsManager => "SECRETS_MANAGER_CONNECTIVITY",
            Dependency::Ssm => "SSM_CONNECTIVITY",
            Dependency::Dns => "DNS_RESOLUTION",
            Dependency::IamPermissions => "IAM_PERMISSIONS",
            Dependency::Kafka(_) => "KAFKA_CONNECTIVITY",
            Dependency::Peer(..) => "PEER_CONNECTIVITY",
            Dependency::AlbInbound(_) => "ALB_INBOUND",
            Dependency::FileServer(_) => "FILE_SERVER_SMB",
            Dependency::Dynamodb => "DYNAMODB_CONNECTIVITY",
            // Mostly a permission check, not a connection: see [`kms`].
            Dependency::Kms => "KMS_DECRYPT",
        }
    }

    /// The endpoint service name (`ecr.api`) for AWS-service dependencies.
    fn service(&self) -> Option<&'static str> {
        Some(match self {
            Dependency::EcrApi => "ecr.api",
            Dependency::EcrDkr => "ecr.dkr",
            Dependency::S3Layers => "s3",
            Dependency::Logs => "logs",
            Dependency::SecretsManager => "secretsmanager",
            Dependency::Ssm => "ssm",
            Dependency::Dynamodb => "dynamodb",
            Dependency::Kms => "kms",
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// How a dependency is reached.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Path {
    InterfaceEndpoint(Address),
    GatewayEndpoint(Address),
    Nat(Address),
    InternetGateway(Address),
    /// Not a network path (DNS, IAM).
    Local,
}

/// The verdict for one dependency of one service.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub service: Address,
    pub dependency: Dependency,
    pub status: Status,
    pub path: Option<Path>,
    /// What was found, including the first blocking hop on failure.
    pub details: String,
    /// The exact fix (empty on PASS).
    pub recommendation: String,
    pub provenance: Provenance,
}

/// The network context of one service's tasks.
struct Task<'m> {
    service: &'m Resource,
    vpc: Option<&'m Resource>,
    subnets: Vec<&'m Resource>,
    groups: Vec<Address>,
    public_ip: bool,
}

/// Lookups built once per analysis, so each service costs only what it touches.
struct Index<'m> {
    m: &'m InfraModel,
    rules: Vec<SgRule<'m>>,
    /// Positions in `rules` by the group the rule belongs to.
    by_group: HashMap<&'m Address, Vec<usize>>,
    topo: ecsforge_rules::topology::Topology<'m>,
    endpoints: Vec<(String, &'m Resource)>,
    roles: ecsforge_rules::iam::RolePolicies<'m>,
    nacls: nacl::Nacls<'m>,
    /// Ingress rules by the peer group they admit.
    admitting: HashMap<&'m Address, Vec<usize>>,
    /// ECS services by the security groups of their tasks.
    services_by_group: HashMap<Address, Vec<&'m Resource>>,
    /// The listener that forwards to each target group.
    listener_of_tg: HashMap<&'m Address, &'m Resource>,
    /// EC2 instances by their security groups (direct, or from their launch template).
    instances_by_group: HashMap<Address, Vec<&'m Resource>>,
    /// Secrets by name and key policies by key, for `KMS_DECRYPT`.
    kms: kms::Lookup<'m>,
}

impl<'m> Index<'m> {
    fn new(m: &'m InfraModel) -> Self {
        let rules = sg_rules(m);
        let mut by_group: HashMap<&'m Address, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            if let Some(g) = r.resource.get("security_group_id").and_then(ref_address).or(match r.source {
                RuleSource::Inline => Some(&r.resource.address),
                RuleSource::Standalone => None,
            }) {
                by_group.entry(g).or_default().push(i);
            }
        }
        let endpoints = m.of_kind(Kind::VpcEndpoint).filter_map(|e| endpoint_service(e).map(|s| (s, e))).collect();
        let roles = ecsforge_rules::iam::RolePolicies::new(m);
        let topo = ecsforge_rules::topology::Topology::new(m);
        let nacls = nacl::Nacls::new(m);
        let mut admitting: HashMap<&'m Address, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate().filter(|(_, r)| !r.egress) {
            for p in r.peer_groups.iter().filter_map(|p| ref_address(p)) {
                admitting.entry(p).or_default().push(i);
            }
        }
        let mut services_by_group: HashMap<Address, Vec<&Resource>> = HashMap::new();
        for svc in m.of_kind(Kind::EcsService) {
            for g in groups_of(m, svc) {
                services_by_group.entry(g).or_default().push(svc);
            }
        }
        let mut listener_of_tg = HashMap::new();
        for r in m.of_kind(Kind::LbListenerRule) {
            let Some(listener) = r.get("listener_arn").and_then(|v| target(m, v)) else { continue };
            for a in blocks(r, "action") {
                if let Some(tg) = a.get("target_group_arn").and_then(ref_address) {
                    listener_of_tg.entry(tg).or_insert(listener);
                }
                // Weighted forwards (canary rollouts) name their target groups in `forward`.
                let forward = a.get("forward").map(Value::as_list).and_then(|f| f.first());
                for g in forward.and_then(|f| f.get("target_group")).map(Value::as_list).unwrap_or_default() {
                    if let Some(tg) = g.get("arn").and_then(ref_address) {
                        listener_of_tg.entry(tg).or_insert(listener);
                    }
                }
            }
        }
        for l in m.of_kind(Kind::LbListener) {
            for a in blocks(l, "default_action") {
                if let Some(tg) = a.get("target_group_arn").and_then(ref_address) {
                    listener_of_tg.entry(tg).or_insert(l);
                }
            }
        }
        let mut instances_by_group: HashMap<Address, Vec<&Resource>> = HashMap::new();
        for i in m.of_kind(Kind::Instance) {
            for g in instance_groups(m, i) {
                instances_by_group.entry(g).or_default().push(i);
            }
        }
        Index {
            m,
            rules,
            by_group,
            topo,
            endpoints,
            roles,
            nacls,
            admitting,
            services_by_group,
            listener_of_tg,
            instances_by_group,
            kms: kms::Lookup::new(m),
        }
    }

    /// Rules of the given groups.
    fn rules_of<'a>(&'a self, groups: &'a [Address]) -> impl Iterator<Item = &'a SgRule<'m>> + 'a {
        groups.iter().filter_map(|g| self.by_group.get(g)).flatten().map(|i| &self.rules[*i])
    }

    fn endpoints(&self, service: &str) -> impl Iterator<Item = &'m Resource> + '_ {
        let service = service.to_string();
        self.endpoints.iter().filter(move |(s, _)| *s == service).map(|(_, e)| *e)
    }
}

/// Analyses every ECS service of the model.
pub fn analyze(m: &InfraModel) -> Vec<Verdict> {
    let ix = Index::new(m);
    let mut out = Vec::new();
    for svc in m.of_kind(Kind::EcsService) {
        let Some(task) = task(m, svc) else { continue };
        // Subnets outside the input (literal IDs, another stack): no path can
        // be judged, so no verdicts rather than guesses (and no panic).
        if task.subnets.is_empty() {
            continue;
        }
        let td = svc.get("task_definition").and_then(|v| target(m, v));
        let containers = td.map(containers).unwrap_or(&[]);
        let mut deps = vec![Dependency::Dns, Dependency::EcrApi, Dependency::EcrDkr, Dependency::S3Layers];
        if containers.iter().any(|c| {
            c.get("logConfiguration").and_then(|l| l.get("logDriver")).and_then(Value::as_str) == Some("awslogs")
        }) {
            deps.push(Dependency::Logs);
        }
        let from: Vec<&str> = containers
            .iter()
            .flat_map(|c| c.get("secrets").map(Value::as_list).unwrap_or(&[]))
            .filter_map(|s| s.get("valueFrom").and_then(|v| secret_value_from(m, v)))
            .collect();
        if from.iter().any(|f| !f.starts_with("arn:aws:ssm:")) {
            deps.push(Dependency::SecretsManager);
        }
        if from.iter().any(|f| f.starts_with("arn:aws:ssm:")) {
            deps.push(Dependency::Ssm);
        }
        deps.push(Dependency::IamPermissions);
        let keys = td.map(|td| kms::uses(&ix, td)).unwrap_or_default();
        if !keys.is_empty() {
            deps.push(Dependency::Kms);
        }
        for c in containers {
            let brokers = c
                .get("environment")
                .map(Value::as_list)
                .unwrap_or(&[])
                .iter()
                .find(|e| e.get("name").and_then(Value::as_str) == Some("KAFKA_BROKERS"))
                .and_then(|e| e.get("value").and_then(Value::as_str));
            let mut ports: Vec<i64> = brokers
                .map(|b| {
                    b.split(',')
                        .map(|h| h.rsplit_once(':').and_then(|(_, p)| p.trim().parse().ok()).unwrap_or(9092))
                        .collect()
                })
                .unwrap_or_default();
            ports.sort();
            ports.dedup();
            deps.extend(ports.into_iter().map(Dependency::Kafka));
        }
        deps.extend(peers(&ix, &task).into_iter().map(|(a, p)| Dependency::Peer(a, p)));
        let tables = td.and_then(|td| dynamodb_tables(&ix, td));
        if tables.is_some() {
            deps.push(Dependency::Dynamodb);
        }
        if let Some(lb) = block(svc, "load_balancer")
            && let Some(port) = lb.get("container_port").and_then(as_int)
        {
            deps.push(Dependency::AlbInbound(port));
        }
        deps.extend(file_servers(&ix, &task).into_iter().map(Dependency::FileServer));
        for d in deps {
            out.push(match d {
                Dependency::Dns => dns(&task),
                Dependency::IamPermissions => iam(&ix, &task),
                Dependency::Kafka(port) => kafka(&ix, &task, port),
                Dependency::Peer(ref peer, port) => peer_path(&ix, &task, peer, port),
                Dependency::AlbInbound(port) => alb_inbound(&ix, &task, port),
                Dependency::FileServer(ref server) => file_server_path(&ix, &task, server),
                Dependency::S3Layers => s3(&ix, &task),
                Dependency::Dynamodb => dynamodb(&ix, &task, tables.as_deref().unwrap_or(&[])),
                Dependency::Kms => kms::kms(&ix, &task, &keys),
                _ => aws_service(&ix, &task, d),
            });
        }
    }
    out
}

fn task<'m>(m: &'m InfraModel, svc: &'m Resource) -> Option<Task<'m>> {
    let net = block(svc, "network_configuration")?;
    let subnets: Vec<&Resource> =
        net.get("subnets").map(Value::as_list).unwrap_or(&[]).iter().filter_map(|v| target(m, v)).collect();
    let groups =
        net.get("security_groups").map(Value::as_list).unwrap_or(&[]).iter().filter_map(ref_address).cloned().collect();
    let vpc = subnets.first().and_then(|s| s.get("vpc_id")).and_then(|v| target(m, v));
    let public_ip = net.get("assign_public_ip").and_then(as_bool).unwrap_or(false);
    Some(Task { service: svc, vpc, subnets, groups, public_ip })
}

fn verdict(
    t: &Task,
    d: Dependency,
    status: Status,
    path: Option<Path>,
    details: String,
    recommendation: String,
) -> Verdict {
    Verdict {
        service: t.service.address.clone(),
        dependency: d,
        status,
        path,
        details,
        recommendation,
        provenance: t.service.provenance.clone(),
    }
}

fn vpc_flag(vpc: Option<&Resource>, key: &str, default: bool) -> bool {
    vpc.and_then(|v| v.get(key)).map(|x| as_bool(x).unwrap_or(true)).unwrap_or(default)
}

fn dns(t: &Task) -> Verdict {
    let support = vpc_flag(t.vpc, "enable_dns_support", true);
    let hostnames = vpc_flag(t.vpc, "enable_dns_hostnames", false);
    let vpc = t.vpc.map(|v| v.address.to_string()).unwrap_or_else(|| "the VPC".into());
    if support && hostnames {
        verdict(
            t,
            Dependency::Dns,
            Status::Pass,
            Some(Path::Local),
            format!("{vpc} resolves names (DNS support and hostnames on)"),
            String::new(),
        )
    } else {
        let off: Vec<&str> = [("enable_dns_support", support), ("enable_dns_hostnames", hostnames)]
            .into_iter()
            .filter(|(_, on)| !on)
            .map(|(k, _)| k)
            .collect();
        verdict(
            t,
            Dependency::Dns,
            Status::Fail,
            None,
            format!("{vpc} has {} off, so interface endpoints' private DNS names do not resolve", off.join(" and ")),
            format!("set {} = true on {vpc}", off.join(" and ")),
        )
    }
}

/// The route table of a subnet (explicit association only).
fn route_table<'m>(ix: &Index<'m>, subnet: &Address) -> Option<&'m Address> {
    ix.topo.route_table(subnet)
}

/// Egress from the task's groups to 443 over TCP towards a peer matched by `to`.
fn task_egress_443(ix: &Index, t: &Task, to: impl Fn(&SgRule) -> bool) -> bool {
    ix.rules_of(&t.groups).any(|r| r.egress && r.covers_tcp(443) && to(r))
}

fn cidr_of(r: &Resource) -> Option<Ipv4Net> {
    str_attr(r, "cidr_block").and_then(|c| c.parse().ok())
}

/// Whether any of `cidrs` covers `net`.
fn covers(cidrs: &[String], net: Option<Ipv4Net>) -> bool {
    cidrs.iter().filter_map(|c| c.parse::<Ipv4Net>().ok()).any(|c| net.is_some_and(|n| c.contains(&n)))
}

/// Default-route path out of a subnet: NAT (in a public subnet), or IGW with a public IP.
fn internet_path(ix: &Index, t: &Task, subnet: &Address) -> Result<Path, String> {
    let Some(rt) = route_table(ix, subnet) else {
        return Err(format!("subnet {subnet} has no route table association"));
    };
    match ix.topo.default_route(rt) {
        Some((Kind::NatGateway, nat)) => {
            let nat_subnet = ix.m.get(nat).and_then(|n| n.get("subnet_id")).and_then(ref_address);
            match nat_subnet {
                Some(ns) if ix.topo.is_public(ns) == Some(true) => Ok(Path::Nat(nat.clone())),
                Some(ns) => Err(format!("NAT gateway {nat} sits in {ns}, which has no internet-gateway route")),
                None => Ok(Path::Nat(nat.clone())),
            }
        }
        Some((Kind::InternetGateway, igw)) if t.public_ip => Ok(Path::InternetGateway(igw.clone())),
        Some((Kind::InternetGateway, _)) => {
            Err(format!("subnet {subnet} routes to an internet gateway but tasks get no public IP"))
        }
        _ => Err(format!("subnet {subnet} (route table {rt}) has no default route to a NAT gateway")),
    }
}

/// NACL check of HTTPS from every task subnet to `peer`; for an endpoint in
/// the VPC, to its subnet in the same AZ (or its first subnet).
fn nacl_https(ix: &Index, t: &Task, endpoint_subnets: &[&Resource], d: Dependency) -> Option<Verdict> {
    for s in &t.subnets {
        let az = str_attr(s, "availability_zone");
        let server = endpoint_subnets
            .iter()
            .find(|e| az.is_some() && str_attr(e, "availability_zone") == az)
            .or(endpoint_subnets.first())
            .and_then(|e| cidr_of(e).map(|c| (&e.address, c)));
        let peer = server.map(|(_, c)| nacl::Peer::Cidr(c)).unwrap_or(nacl::Peer::Public);
        if let Err(why) = ix.nacls.connection(s, cidr_of(s), server, peer, 443) {
            return Some(verdict(
                t,
                d,
                Status::Fail,
                None,
                why,
                format!(
                    "allow tcp 443 outbound and the ephemeral ports {}-{} inbound in the task subnet's network ACL (and the mirror image in the endpoint subnet's ACL)",
                    nacl::EPHEMERAL.0,
                    nacl::EPHEMERAL.1
                ),
            ));
        }
    }
    None
}

/// An AWS service reached over HTTPS: interface endpoint first, then NAT/IGW.
fn aws_service(ix: &Index, t: &Task, d: Dependency) -> Verdict {
    let m = ix.m;
    let svc = d.service().expect("network dependency");
    let vpc = t.vpc.map(|v| v.address.clone());
    let endpoint = ix.endpoints(svc).find(|e| {
        str_attr(e, "vpc_endpoint_type") == Some("Interface")
            && vpc.as_ref().is_some_and(|v| e.get("vpc_id").is_some_and(|x| refers_to(x, v)))
    });
    // Private DNS only takes effect when the VPC has DNS support and hostnames on.
    let vpc_dns = vpc_flag(t.vpc, "enable_dns_support", true) && vpc_flag(t.vpc, "enable_dns_hostnames", false);
    if let Some(e) = endpoint.filter(|e| vpc_dns && bool_attr(e, "private_dns_enabled") == Some(true)) {
        // DNS sends all traffic for the service here: it must be open.
        let ep_groups: Vec<Address> = blocks(e, "security_group_ids").iter().filter_map(ref_address).cloned().collect();
        let task_cidrs: Vec<Option<Ipv4Net>> = t.subnets.iter().map(|s| cidr_of(s)).collect();
        let admitted = ix.rules_of(&ep_groups).any(|r| {
            !r.egress
                && r.covers_tcp(443)
                && (r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| t.groups.contains(p))
                    || task_cidrs.iter().all(|c| covers(&r.cidrs, *c)))
        });
        let ep_cidrs: Vec<Option<Ipv4Net>> =
            blocks(e, "subnet_ids").iter().filter_map(|s| target(m, s)).map(cidr_of).collect();
        let vpc_cidr = t.vpc.and_then(cidr_of);
        let egress = task_egress_443(ix, t, |r| {
            r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| ep_groups.contains(p))
                || r.is_open_to_world()
                || covers(&r.cidrs, vpc_cidr)
                || (!ep_cidrs.is_empty() && ep_cidrs.iter().all(|c| covers(&r.cidrs, *c)))
        });
        let sg_list = ep_groups.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ");
        if !admitted {
            return verdict(
                t,
                d,
                Status::Fail,
                None,
                format!(
                    "{} endpoint {} has private DNS, so all {svc} traffic goes to it, but its security group {sg_list} admits no HTTPS (443) from the task security groups",
                    svc, e.address
                ),
                format!("add an ingress rule on {sg_list}: tcp 443 from the task security group"),
            );
        }
        if !egress {
            return verdict(
                t,
                d,
                Status::Fail,
                None,
                format!("the task security groups allow no HTTPS (443) egress to endpoint {}", e.address),
                format!("add an egress rule on the task security group: tcp 443 to {sg_list}"),
            );
        }
        let ep_subnets: Vec<&Resource> = blocks(e, "subnet_ids").iter().filter_map(|s| target(m, s)).collect();
        if let Some(v) = nacl_https(ix, t, &ep_subnets, d.clone()) {
            return v;
        }
        // An endpoint missing from a task AZ still works across AZs: warn only.
        // A subnet whose AZ is not a literal (`!GetAZs` in CloudFormation) stands for its own AZ.
        let az_of = |s: &Resource| {
            str_attr(s, "availability_zone").map(str::to_string).unwrap_or_else(|| format!("the AZ of {}", s.address))
        };
        let ep_azs: Vec<String> = blocks(e, "subnet_ids").iter().filter_map(|s| target(m, s)).map(az_of).collect();
        let mut missing: Vec<String> =
            t.subnets.iter().map(|s| az_of(s)).filter(|az| !ep_azs.is_empty() && !ep_azs.contains(az)).collect();
        missing.dedup();
        if !missing.is_empty() {
            return verdict(
                t,
                d,
                Status::Warn,
                Some(Path::InterfaceEndpoint(e.address.clone())),
                format!(
                    "reached through {}, but the endpoint has no subnet in {}: those tasks cross AZs (an AZ outage cuts them off, and cross-AZ traffic is billed)",
                    e.address,
                    missing.join(", ")
                ),
                format!("add a private subnet in {} to {}.subnet_ids", missing.join(", "), e.address),
            );
        }
        return verdict(
            t,
            d,
            Status::Pass,
            Some(Path::InterfaceEndpoint(e.address.clone())),
            format!("reached through interface endpoint {} (private DNS, HTTPS admitted)", e.address),
            String::new(),
        );
    }
    // No private-DNS endpoint: the public name resolves to public addresses.
    let hint_ep = endpoint
        .map(|e| {
            if bool_attr(e, "private_dns_enabled") == Some(true) {
                format!(
                    "; interface endpoint {} has private DNS, but the VPC's DNS is off, so its name does not resolve to it",
                    e.address
                )
            } else {
                format!("; interface endpoint {} exists but has private DNS off, so it is not used", e.address)
            }
        })
        .unwrap_or_default();
    let mut v = public_path(ix, t, d, &format!("no interface endpoint with private DNS for {svc}{hint_ep}"));
    // The endpoint is there and right: the fix is the VPC's DNS, not another endpoint.
    if v.status == Status::Fail && endpoint.is_some_and(|e| bool_attr(e, "private_dns_enabled") == Some(true)) {
        let vpc = t.vpc.map(|v| v.address.to_string()).unwrap_or_else(|| "the VPC".into());
        v.recommendation = format!(
            "set enable_dns_support = true and enable_dns_hostnames = true on {vpc}; the endpoint's private DNS needs both"
        );
    }
    v
}

/// NAT or IGW path for every task subnet, plus SG egress 443 to the internet.
fn public_path(ix: &Index, t: &Task, d: Dependency, why_not_private: &str) -> Verdict {
    let svc = d.service().unwrap_or("the service");
    let mut path = None;
    for s in &t.subnets {
        match internet_path(ix, t, &s.address) {
            Ok(p) => path = Some(p),
            Err(hop) => {
                let fix = if matches!(d, Dependency::S3Layers | Dependency::Dynamodb) {
                    let gateway = if d == Dependency::Dynamodb { "DynamoDB" } else { "S3" };
                    format!(
                        "add {} to the {gateway} gateway endpoint's route_table_ids",
                        route_table(ix, &s.address)
                            .map(|a| a.to_string())
                            .unwrap_or_else(|| "the subnet's route table".into())
                    )
                } else {
                    format!(
                        "create an interface endpoint for com.amazonaws.<region>.{svc} with private DNS in the task subnets, or route {} through a NAT gateway",
                        s.address
                    )
                };
                return verdict(t, d, Status::Fail, None, format!("{why_not_private}; {hop}"), fix);
            }
        }
    }
    if !task_egress_443(ix, t, |r| r.is_open_to_world()) {
        return verdict(
            t,
            d,
            Status::Fail,
            None,
            format!(
                "{why_not_private}; the route exists but the task security groups allow no HTTPS (443) egress to 0.0.0.0/0"
            ),
            "add an egress rule on the task security group: tcp 443 to 0.0.0.0/0 (or create the endpoint)".into(),
        );
    }
    if let Some(v) = nacl_https(ix, t, &[], d.clone()) {
        return v;
    }
    let p = path.expect("at least one subnet");
    let via = match &p {
        Path::Nat(n) => format!("NAT gateway {n}"),
        Path::InternetGateway(i) => format!("internet gateway {i}"),
        _ => "the internet".into(),
    };
    verdict(t, d, Status::Pass, Some(p), format!("reached through {via} ({why_not_private})"), String::new())
}

/// ECR layers from S3: gateway endpoint on every task route table (policy
/// admitting the layer bucket, SG egress to its prefix list), else NAT/IGW.
fn s3(ix: &Index, t: &Task) -> Verdict {
    let gateway = Gateway { service: "s3", label: "S3", a_label: "an S3" };
    gateway_path(ix, t, Dependency::S3Layers, gateway, |g, policy| {
        // The endpoint policy must admit the ECR layer bucket.
        let admits = policy.iter().any(|st| {
            st.effect == "Allow"
                && st.condition.is_none()
                && st.actions.iter().any(|a| action_matches(a, "s3:GetObject"))
                && st.resources.iter().any(|r| match known_suffix(r) {
                    Some(s) => s == "*" || s.contains("starport-layer-bucket") || s == "arn:aws:s3:::*",
                    None => matches!(r, Value::Template(_) | Value::Unknown),
                })
        });
        (!admits).then(|| {
            (
                format!(
                    "S3 gateway endpoint {} has a policy that does not allow s3:GetObject on the ECR layer bucket prod-<region>-starport-layer-bucket",
                    g.address
                ),
                format!(
                    "add a statement to {}'s policy: Allow s3:GetObject on arn:aws:s3:::prod-<region>-starport-layer-bucket/*",
                    g.address
                ),
            )
        })
    })
}

/// A gateway-endpoint service: `com.amazonaws.<region>.<service>`, named
/// `label` (with its article, `a_label`) in messages.
#[derive(Clone, Copy)]
struct Gateway {
    service: &'static str,
    label: &'static str,
    a_label: &'static str,
}

/// The path to a gateway-endpoint service (S3, DynamoDB): an endpoint of the
/// task's VPC on every task route table, else NAT/IGW from that subnet; then
/// the endpoint policy (`denied` gives the failure and fix when the policy is
/// non-empty and refuses what the task needs), task SG egress on 443 to the
/// endpoint's prefix list, and the network ACLs.
fn gateway_path(
    ix: &Index,
    t: &Task,
    d: Dependency,
    gw: Gateway,
    denied: impl Fn(&Resource, &[Statement]) -> Option<(String, String)>,
) -> Verdict {
    let Gateway { service, label, a_label } = gw;
    let vpc = t.vpc.map(|v| v.address.clone());
    let gateways: Vec<&Resource> = ix
        .endpoints(service)
        .filter(|e| str_attr(e, "vpc_endpoint_type").unwrap_or("Gateway") == "Gateway")
        .filter(|e| vpc.as_ref().is_some_and(|v| e.get("vpc_id").is_some_and(|x| refers_to(x, v))))
        .collect();
    let mut used = None;
    for s in &t.subnets {
        let rt = route_table(ix, &s.address);
        let gw = gateways
            .iter()
            .find(|g| rt.is_some_and(|rt| blocks(g, "route_table_ids").iter().any(|v| refers_to(v, rt))));
        match gw {
            Some(g) => used = Some(*g),
            None => {
                // This subnet can still use NAT; otherwise (for S3) it is the doc-000 outage.
                if let Err(hop) = internet_path(ix, t, &s.address) {
                    let rt_name = rt.map(|a| a.to_string()).unwrap_or_else(|| "no route table".into());
                    let (why, fix) = match gateways.first() {
                        Some(g) => (String::new(), format!("add {rt_name}.id to `{}.route_table_ids`", g.address)),
                        None => (
                            format!("; the VPC has no {label} gateway endpoint"),
                            format!(
                                "create {a_label} gateway endpoint (aws_vpc_endpoint, service com.amazonaws.<region>.{service}, vpc_endpoint_type Gateway) with {rt_name}.id in its route_table_ids; it is free"
                            ),
                        ),
                    };
                    // The hop repeats the subnet unless it says more (e.g. a NAT in a private subnet).
                    let more = if hop.starts_with("subnet ") { String::new() } else { format!(" ({hop})") };
                    return verdict(
                        t,
                        d,
                        Status::Fail,
                        None,
                        format!(
                            "subnet {} (route table {rt_name}) has no route to {label}: no gateway endpoint association and no NAT route{why}{more}",
                            s.address
                        ),
                        fix,
                    );
                }
            }
        }
    }
    let Some(g) = used else {
        return public_path(ix, t, d, &format!("the {label} gateway endpoint is not on the task route tables"));
    };
    let policy = statements(g.get("policy"));
    if !policy.is_empty()
        && let Some((details, fix)) = denied(g, &policy)
    {
        return verdict(t, d, Status::Fail, None, details, fix);
    }
    let prefix_list = g.attr("prefix_list_id");
    let egress = task_egress_443(ix, t, |r| r.is_open_to_world() || r.prefix_lists.iter().any(|p| **p == prefix_list));
    if !egress {
        return verdict(
            t,
            d,
            Status::Fail,
            None,
            format!(
                "route to {label} through {} exists, but the task security groups allow no HTTPS (443) egress to the {label} prefix list",
                g.address
            ),
            format!(
                "add an egress rule on the task security group: tcp 443 to prefix list {}.prefix_list_id",
                g.address
            ),
        );
    }
    if let Some(v) = nacl_https(ix, t, &[], d.clone()) {
        return v;
    }
    verdict(
        t,
        d,
        Status::Pass,
        Some(Path::GatewayEndpoint(g.address.clone())),
        format!("reached through gateway endpoint {} on every task route table", g.address),
        String::new(),
    )
}

/// The DynamoDB tables the task role may use, by name (`*` for any), when
/// the role is allowed any `dynamodb:` action; `None` otherwise.
fn dynamodb_tables(ix: &Index, td: &Resource) -> Option<Vec<String>> {
    let m = ix.m;
    let role = td.get("task_role_arn").and_then(ref_address)?;
    let mut found = false;
    let mut tables = Vec::new();
    // The role's policies from the index: scanning every policy per service was quadratic.
    for st in ix.roles.allows(role) {
        if !st.actions.iter().any(|a| a.to_ascii_lowercase().starts_with("dynamodb:")) {
            continue;
        }
        found = true;
        for r in &st.resources {
            let name = match ref_address(r).and_then(|a| m.get(a)) {
                Some(t) if t.kind == Kind::DynamodbTable => str_attr(t, "name").map(str::to_string),
                Some(_) => None,
                None => known_suffix(r).and_then(|arn| match arn.as_str() {
                    "*" => Some("*".to_string()),
                    _ => arn.split_once(":table/").map(|(_, t)| t.split('/').next().unwrap_or(t).to_string()),
                }),
            };
            tables.extend(name);
        }
    }
    tables.sort();
    tables.dedup();
    found.then_some(tables)
}

/// Whether a gateway-endpoint policy lets DynamoDB calls on table `name` through.
fn endpoint_admits_table(policy: &[Statement], name: &str) -> bool {
    policy.iter().any(|st| {
        st.effect == "Allow"
            && st.condition.is_none()
            && st.actions.iter().any(|a| *a == "*" || a.to_ascii_lowercase().starts_with("dynamodb:"))
            && st.resources.iter().any(|r| match known_suffix(r) {
                Some(s) => s == "*" || name == "*" || s.ends_with(&format!(":table/{name}")) || s.ends_with(":table/*"),
                None => matches!(r, Value::Template(_) | Value::Unknown),
            })
    })
}

/// DynamoDB: the gateway endpoint on every task route table (its policy
/// admitting the role's tables, SG egress to its prefix list), else NAT/IGW.
fn dynamodb(ix: &Index, t: &Task, tables: &[String]) -> Verdict {
    let gateway = Gateway { service: "dynamodb", label: "DynamoDB", a_label: "a DynamoDB" };
    gateway_path(ix, t, Dependency::Dynamodb, gateway, |g, policy| {
        tables.iter().find(|n| !endpoint_admits_table(policy, n)).map(|name| {
            (
                format!(
                    "DynamoDB gateway endpoint {} has a policy that does not allow the task role's table `{name}`",
                    g.address
                ),
                format!("add the table's ARN (and its /index/*) to {}'s policy", g.address),
            )
        })
    })
}

/// The execution role can authenticate, pull, log and read the secrets.
fn iam(ix: &Index, t: &Task) -> Verdict {
    let d = Dependency::IamPermissions;
    let gap = t
        .service
        .get("task_definition")
        .and_then(|v| target(ix.m, v))
        .and_then(|td| ecsforge_rules::iam::execution_role_gap(ix.m, &ix.roles, td));
    match gap {
        None => verdict(
            t,
            d,
            Status::Pass,
            Some(Path::Local),
            "the execution role holds the ECR, logs and secrets actions the task needs".into(),
            String::new(),
        ),
        Some(why) => verdict(
            t,
            d,
            Status::Fail,
            None,
            why,
            "grant the missing actions to the execution role (`ecsforge explain EF104`)".into(),
        ),
    }
}

/// Security groups of an ECS service's tasks.
fn groups_of(m: &InfraModel, svc: &Resource) -> Vec<Address> {
    block(svc, "network_configuration")
        .and_then(|n| n.get("security_groups"))
        .map(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(ref_address)
        .filter(|&a| m.get(a).is_some())
        .cloned()
        .collect()
}

/// The container port of a service: its load balancer block, else the first port mapping.
fn service_port(m: &InfraModel, svc: &Resource) -> Option<i64> {
    if let Some(p) = block(svc, "load_balancer").and_then(|b| b.get("container_port")).and_then(as_int) {
        return Some(p);
    }
    let td = svc.get("task_definition").and_then(|v| target(m, v))?;
    containers(td).iter().find_map(|c| {
        c.get("portMappings")
            .map(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .find_map(|p| p.get("containerPort").and_then(as_int))
    })
}

/// Services this one may call: a peer whose task security group admits this
/// service's security group (the relationship `allow_from` declares).
fn peers(ix: &Index, t: &Task) -> Vec<(Address, i64)> {
    let m = ix.m;
    let mut out = Vec::new();
    for mine in &t.groups {
        for rule in ix.admitting.get(mine).into_iter().flatten().map(|i| &ix.rules[*i]) {
            let Some(group) =
                rule.resource.get("security_group_id").and_then(ref_address).or(Some(&rule.resource.address))
            else {
                continue;
            };
            for other in ix.services_by_group.get(group).into_iter().flatten() {
                if other.address == t.service.address {
                    continue;
                }
                if let Some(port) = service_port(m, other).filter(|p| rule.covers_tcp(*p)) {
                    out.push((other.address.clone(), port));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Reaching a peer service: our egress to its group, its ingress from ours, and the ACLs between.
fn peer_path(ix: &Index, t: &Task, peer: &Address, port: i64) -> Verdict {
    let m = ix.m;
    let d = Dependency::Peer(peer.clone(), port);
    let theirs = m.get(peer).map(|p| groups_of(m, p)).unwrap_or_default();
    let egress = ix.rules_of(&t.groups).any(|r| {
        r.egress
            && r.covers_tcp(port)
            && (r.is_open_to_world() || r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| theirs.contains(p)))
    });
    if !egress {
        let g = theirs.first().map(|g| g.to_string()).unwrap_or_else(|| "the peer's security group".into());
        return verdict(
            t,
            d,
            Status::Fail,
            None,
            format!("{peer} admits this service on port {port}, but the task security groups allow no egress to it"),
            format!("add an egress rule on the task security group: tcp {port} to {g}"),
        );
    }
    let peer_subnets: Vec<&Resource> = m
        .get(peer)
        .and_then(|p| block(p, "network_configuration"))
        .and_then(|n| n.get("subnets"))
        .map(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| target(m, v))
        .collect();
    for s in &t.subnets {
        let server = peer_subnets.first().and_then(|p| cidr_of(p).map(|c| (&p.address, c)));
        let peer_net = server.map(|(_, c)| nacl::Peer::Cidr(c)).unwrap_or(nacl::Peer::Public);
        if let Err(why) = ix.nacls.connection(s, cidr_of(s), server, peer_net, port) {
            return verdict(
                t,
                d,
                Status::Fail,
                None,
                why,
                format!(
                    "allow tcp {port} between the two services' subnets in their network ACLs, and the ephemeral return ports"
                ),
            );
        }
    }
    let name = match cloud_map_name(ix, t, peer) {
        Ok(name) => name,
        Err((why, fix)) => return verdict(t, d, Status::Fail, None, why, fix),
    };
    let by = name.map(|n| format!(", found as {n} through Cloud Map")).unwrap_or_default();
    verdict(
        t,
        d,
        Status::Pass,
        None,
        format!("reaches {peer} on port {port} (security groups admit it both ways{by})"),
        String::new(),
    )
}

/// SMB, the port a service mounts a Windows file share on.
const SMB: i64 = 445;

/// Security groups of an EC2 instance: its own `vpc_security_group_ids`, else
/// those of the launch template it starts from.
fn instance_groups(m: &InfraModel, i: &Resource) -> Vec<Address> {
    let own: Vec<Address> = blocks(i, "vpc_security_group_ids").iter().filter_map(ref_address).cloned().collect();
    if !own.is_empty() {
        return own;
    }
    let lt = block(i, "launch_template").and_then(|b| b.get("id")).and_then(|v| target(m, v));
    lt.map(|lt| blocks(lt, "vpc_security_group_ids").iter().filter_map(ref_address).cloned().collect())
        .unwrap_or_default()
}

/// File servers the service mounts: instances whose groups admit the tasks'
/// groups on SMB, or to whose groups the tasks have SMB egress.
fn file_servers(ix: &Index, t: &Task) -> Vec<Address> {
    let mut out = Vec::new();
    for mine in &t.groups {
        for rule in ix.admitting.get(mine).into_iter().flatten().map(|i| &ix.rules[*i]) {
            if !rule.covers_tcp(SMB) {
                continue;
            }
            let Some(group) = rule.resource.get("security_group_id").and_then(ref_address) else { continue };
            out.extend(ix.instances_by_group.get(group).into_iter().flatten().map(|i| i.address.clone()));
        }
    }
    for rule in ix.rules_of(&t.groups).filter(|r| r.egress && r.covers_tcp(SMB)) {
        for g in rule.peer_groups.iter().filter_map(|p| ref_address(p)) {
            out.extend(ix.instances_by_group.get(g).into_iter().flatten().map(|i| i.address.clone()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Mounting a file server: task egress on 445 to its group, its ingress on
/// 445 from the tasks' group, and the network ACLs between the subnets.
fn file_server_path(ix: &Index, t: &Task, server: &Address) -> Verdict {
    let m = ix.m;
    let d = Dependency::FileServer(server.clone());
    let instance = m.get(server);
    let theirs = instance.map(|i| instance_groups(m, i)).unwrap_or_default();
    let g = theirs.first().map(|g| g.to_string()).unwrap_or_else(|| "the file server's security group".into());
    let egress = ix.rules_of(&t.groups).any(|r| {
        r.egress
            && r.covers_tcp(SMB)
            && (r.is_open_to_world() || r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| theirs.contains(p)))
    });
    if !egress {
        return verdict(
            t,
            d,
            Status::Fail,
            None,
            format!(
                "{server} admits this service on SMB port {SMB}, but the task security groups allow no egress to it"
            ),
            format!("add an egress rule on the task security group: tcp {SMB} to {g}"),
        );
    }
    let ingress = ix.rules_of(&theirs).any(|r| {
        !r.egress
            && r.covers_tcp(SMB)
            && r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| t.groups.contains(p))
    });
    if !ingress {
        let mine = t.groups.first().map(|g| g.to_string()).unwrap_or_else(|| "the task security group".into());
        return verdict(
            t,
            d,
            Status::Fail,
            None,
            format!("the tasks have SMB egress to {server}, but {g} does not admit them on port {SMB}"),
            format!("add an ingress rule on {g}: tcp {SMB} from {mine}"),
        );
    }
    let subnet = instance.and_then(|i| i.get("subnet_id")).and_then(|v| target(m, v));
    let server_net = subnet.and_then(|s| cidr_of(s).map(|c| (&s.address, c)));
    let peer_net = server_net.map(|(_, c)| nacl::Peer::Cidr(c)).unwrap_or(nacl::Peer::Public);
    for s in &t.subnets {
        if let Err(why) = ix.nacls.connection(s, cidr_of(s), server_net, peer_net, SMB) {
            return verdict(
                t,
                d,
                Status::Fail,
                None,
                why,
                format!(
                    "allow tcp {SMB} from the task subnets to the file server's subnet in their network ACLs, and the ephemeral return ports"
                ),
            );
        }
    }
    verdict(
        t,
        d,
        Status::Pass,
        None,
        format!("mounts {server} on SMB port {SMB} (security groups admit it both ways)"),
        String::new(),
    )
}

/// The peer's Cloud Map DNS name when it registers in a private DNS
/// namespace (`Ok(None)` when it does not register): the namespace must be
/// associated with the caller's VPC, and that VPC must resolve DNS.
fn cloud_map_name(ix: &Index, t: &Task, peer: &Address) -> Result<Option<String>, (String, String)> {
    let m = ix.m;
    let Some(registry) = m.get(peer).and_then(|p| block(p, "service_registries")) else { return Ok(None) };
    let Some(sd) = registry.get("registry_arn").and_then(|v| target(m, v)) else { return Ok(None) };
    let Some(ns) = block(sd, "dns_config").and_then(|c| c.get("namespace_id")).and_then(|v| target(m, v)) else {
        return Ok(None);
    };
    if ns.kind != Kind::ServiceDiscoveryPrivateDnsNamespace {
        return Ok(None);
    }
    let name = format!("{}.{}", str_attr(sd, "name").unwrap_or("?"), str_attr(ns, "name").unwrap_or("?"));
    let same_vpc = match (t.vpc, ns.get("vpc")) {
        (Some(v), Some(x)) => refers_to(x, &v.address),
        _ => false,
    };
    if !same_vpc {
        return Err((
            format!(
                "{peer} registers as {name}, but namespace {} is not associated with this service's VPC, so the name does not resolve here",
                ns.address
            ),
            format!("create the namespace in the callers' VPC (set {}.vpc to it)", ns.address),
        ));
    }
    if !vpc_flag(t.vpc, "enable_dns_support", true) {
        let vpc = t.vpc.map(|v| v.address.to_string()).unwrap_or_default();
        return Err((
            format!("{peer} registers as {name}, but {vpc} has DNS support off, so Cloud Map names do not resolve"),
            format!("set enable_dns_support = true on {vpc}"),
        ));
    }
    Ok(Some(name))
}

/// Kafka brokers: egress on the broker port to their security group or range.
fn kafka(ix: &Index, t: &Task, port: i64) -> Verdict {
    let d = Dependency::Kafka(port);
    let egress = ix
        .rules_of(&t.groups)
        .any(|r| r.egress && r.covers_tcp(port) && (!r.peer_groups.is_empty() || !r.cidrs.is_empty()));
    if egress {
        verdict(
            t,
            d,
            Status::Pass,
            None,
            format!("task security groups allow egress to the brokers on port {port}"),
            String::new(),
        )
    } else {
        verdict(
            t,
            d,
            Status::Fail,
            None,
            format!("KAFKA_BROKERS lists port {port}, but the task security groups allow no egress on it"),
            format!("add an egress rule on the task security group: tcp {port} to the brokers' security group"),
        )
    }
}

/// The load balancer reaches the tasks: listener in public subnets with an IGW
/// route, LB egress to the task group, task ingress from the LB group.
fn alb_inbound(ix: &Index, t: &Task, port: i64) -> Verdict {
    let m = ix.m;
    let d = Dependency::AlbInbound(port);
    let tg = block(t.service, "load_balancer").and_then(|b| b.get("target_group_arn")).and_then(ref_address);
    // target group → listener → load balancer
    let lb =
        tg.and_then(|tg| ix.listener_of_tg.get(tg)).and_then(|l| l.get("load_balancer_arn")).and_then(|v| target(m, v));
    let Some(lb) = lb else {
        return verdict(
            t,
            d,
            Status::Fail,
            None,
            "the service's target group is attached to no listener, so the load balancer sends it no traffic".into(),
            "add a listener rule forwarding to the target group".into(),
        );
    };
    let lb_groups: Vec<Address> = blocks(lb, "security_groups").iter().filter_map(ref_address).cloned().collect();
    let lb_out = ix.rules_of(&lb_groups).any(|r| {
        r.egress
            && r.covers_tcp(port)
            && (r.is_open_to_world()
                || r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| t.groups.contains(p))
                || !r.cidrs.is_empty())
    });
    let task_in = ix.rules_of(&t.groups).any(|r| {
        !r.egress
            && r.covers_tcp(port)
            && (r.peer_groups.iter().filter_map(|p| ref_address(p)).any(|p| lb_groups.contains(p))
                || !r.cidrs.is_empty())
    });
    let public = blocks(lb, "subnets").iter().filter_map(ref_address).all(|s| ix.topo.is_public(s) != Some(false));
    let internal = bool_attr(lb, "internal") == Some(true);
    let fail = |details: String, fix: String| verdict(t, d.clone(), Status::Fail, None, details, fix);
    if !internal && !public {
        return fail(
            format!("internet-facing {} is in a subnet without an internet-gateway route", lb.address),
            "place the load balancer in the public subnets".into(),
        );
    }
    if !lb_out {
        return fail(
            format!("{}'s security groups allow no egress to the tasks on port {port}", lb.address),
            format!("add an egress rule on the load balancer security group: tcp {port} to the task security group"),
        );
    }
    if !task_in {
        return fail(
            format!("the task security groups admit nothing from {} on port {port}", lb.address),
            format!("add an ingress rule on the task security group: tcp {port} from the load balancer security group"),
        );
    }
    verdict(t, d, Status::Pass, None, format!("{} reaches the tasks on port {port}", lb.address), String::new())
}
