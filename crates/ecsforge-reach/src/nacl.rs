//! Network ACLs: stateless, evaluated in rule-number order, first match wins,
//! implicit deny at the end. A connection needs its request allowed out of
//! the source subnet and into the destination subnet, and the reply allowed
//! back on an ephemeral port in both ACLs.

use std::collections::HashMap;

use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};
use ecsforge_rules::view::*;
use ipnet::Ipv4Net;

/// The ephemeral ports a Linux task uses as the client side of a connection
/// (`net.ipv4.ip_local_port_range`); replies come back to these.
pub const EPHEMERAL: (i64, i64) = (32768, 60999);

/// The other end of a flow.
#[derive(Clone, Copy, Debug)]
pub enum Peer {
    /// Inside the VPC: a subnet's range.
    Cidr(Ipv4Net),
    /// An AWS public endpoint (S3 through the gateway endpoint, anything
    /// through NAT): only rules for 0.0.0.0/0 are known to match it.
    Public,
}

#[derive(Clone, Debug)]
struct Rule {
    number: i64,
    egress: bool,
    allow: bool,
    protocol: String,
    cidr: Option<Ipv4Net>,
    from: Option<i64>,
    to: Option<i64>,
    origin: String,
}

impl Rule {
    fn matches(&self, peer: Peer, port: i64) -> bool {
        let proto = matches!(self.protocol.as_str(), "-1" | "all")
            || (matches!(self.protocol.as_str(), "tcp" | "6")
                && self.from.is_none_or(|f| f <= port)
                && self.to.is_none_or(|t| port <= t));
        let cidr = match (self.cidr, peer) {
            (Some(c), _) if c.prefix_len() == 0 => true,
            (Some(c), Peer::Cidr(p)) => c.contains(&p),
            _ => false,
        };
        proto && cidr
    }
}

/// The ACLs of a model, by subnet.
pub struct Nacls<'m> {
    acl_of: HashMap<&'m Address, &'m Address>,
    rules: HashMap<&'m Address, Vec<Rule>>,
}

fn rule_from(map: &Value, egress: bool, origin: String) -> Option<Rule> {
    let get = |k: &str| map.get(k);
    Some(Rule {
        number: get("rule_no").or(get("rule_number")).and_then(as_int)?,
        egress,
        allow: get("action")
            .or(get("rule_action"))
            .and_then(Value::as_str)
            .is_some_and(|a| a.eq_ignore_ascii_case("allow")),
        protocol: get("protocol")
            .and_then(|p| p.as_str().map(str::to_string).or(as_int(p).map(|n| n.to_string())))
            .unwrap_or_else(|| "-1".into())
            .to_ascii_lowercase(),
        cidr: get("cidr_block").and_then(Value::as_str).and_then(|c| c.parse().ok()),
        from: get("from_port").and_then(as_int),
        to: get("to_port").and_then(as_int),
        origin,
    })
}

impl<'m> Nacls<'m> {
    pub fn new(m: &'m InfraModel) -> Self {
        let mut acl_of = HashMap::new();
        let mut rules: HashMap<&Address, Vec<Rule>> = HashMap::new();
        for acl in m.of_kind(Kind::NetworkAcl) {
            for s in blocks(acl, "subnet_ids").iter().filter_map(ref_address) {
                acl_of.insert(s, &acl.address);
            }
            let list = rules.entry(&acl.address).or_default();
            for (key, egress) in [("ingress", false), ("egress", true)] {
                for b in blocks(acl, key) {
                    list.extend(rule_from(b, egress, acl.address.to_string()));
                }
            }
        }
        for a in m.resources.values().filter(|r| r.address.resource_type() == "aws_network_acl_association") {
            if let (Some(s), Some(acl)) =
                (a.get("subnet_id").and_then(ref_address), a.get("network_acl_id").and_then(ref_address))
            {
                acl_of.insert(s, acl);
            }
        }
        for r in m.of_kind(Kind::NetworkAclRule) {
            let Some(acl) = r.get("network_acl_id").and_then(ref_address) else { continue };
            let egress = r.get("egress").and_then(as_bool).unwrap_or(false);
            let map = Value::Map(r.attrs.clone());
            rules.entry(acl).or_default().extend(rule_from(&map, egress, r.address.to_string()));
        }
        for list in rules.values_mut() {
            list.sort_by_key(|r| r.number);
        }
        Nacls { acl_of, rules }
    }

    /// `Ok` when the subnet's ACL lets the flow through, `Err(reason)` when not.
    /// Subnets without an ACL in the model use the default ACL, which allows all.
    fn allows(&self, subnet: &Address, egress: bool, peer: Peer, port: i64) -> Result<(), String> {
        let Some(acl) = self.acl_of.get(subnet) else { return Ok(()) };
        let rules = self.rules.get(acl).map(Vec::as_slice).unwrap_or(&[]);
        match rules.iter().filter(|r| r.egress == egress).find(|r| r.matches(peer, port)) {
            Some(r) if r.allow => Ok(()),
            Some(r) => Err(format!(
                "network ACL {acl} of {subnet} denies {} port {port} by rule {} ({})",
                dir(egress),
                r.number,
                r.origin
            )),
            None => Err(format!(
                "network ACL {acl} of {subnet} has no rule allowing {} port {port}, so the implicit deny applies",
                dir(egress)
            )),
        }
    }

    /// A TCP connection from `client` (a task subnet) to `server_port` on a
    /// peer, whose own subnet (when inside the VPC) is `server`.
    pub fn connection(
        &self,
        client: &Resource,
        client_net: Option<Ipv4Net>,
        server: Option<(&Address, Ipv4Net)>,
        peer: Peer,
        server_port: i64,
    ) -> Result<(), String> {
        let c = &client.address;
        self.allows(c, true, peer, server_port)?;
        for port in [EPHEMERAL.0, EPHEMERAL.1] {
            self.allows(c, false, peer, port)?;
        }
        if let (Some((s, _)), Some(cn)) = (server, client_net) {
            self.allows(s, false, Peer::Cidr(cn), server_port)?;
            for port in [EPHEMERAL.0, EPHEMERAL.1] {
                self.allows(s, true, Peer::Cidr(cn), port)?;
            }
        }
        Ok(())
    }
}

fn dir(egress: bool) -> &'static str {
    if egress { "outbound" } else { "inbound" }
}
