//! # EF108 sg-duplicate-rules: no security-group rule is stated twice or hidden by a broader one
//!
//! **What it checks.** Security-group rules are compared per group and
//! direction after normalising every source (inline `ingress`/`egress`
//! blocks, `aws_vpc_security_group_{ingress,egress}_rule`,
//! `aws_security_group_rule`; each CIDR, peer group or prefix list of a rule
//! separately). A rule is reported when
//! - another rule has the same protocol, port range and peer (a duplicate:
//!   the later one, in address order, is reported and names the first), or
//! - another rule covers it completely: the same or all protocols, a port
//!   range containing its range, and the same peer group or prefix list or a
//!   CIDR containing its CIDR (`0.0.0.0/0` covers the VPC CIDR).
//!
//! Rules whose ports or peers are unknown until apply are skipped. A peer
//! group and a CIDR are never compared, even if the CIDR holds that group's
//! addresses.
//!
//! **Why it matters.** Doc 000's CONFIGURATION NOTICE: egress rules were added
//! inline to the Windows security group while the same rules, and narrower
//! DNS rules to the VPC CIDR, already existed as separate resources. AWS
//! rejects an exact duplicate (`InvalidPermission.Duplicate`), so the
//! deployment fails, or the two definitions fight: Terraform removes the
//! standalone rules whenever it reconciles the inline ones. A rule hidden by a
//! broader one does nothing, and misleads reviewers into thinking the
//! narrower rule is the boundary.
//!
//! **Failing example.** `aws_security_group.windows` with an inline
//! `egress {protocol = "udp", from_port = 53, to_port = 53, cidr_blocks = ["0.0.0.0/0"]}`
//! and an `aws_vpc_security_group_egress_rule` for UDP 53 to the VPC CIDR.
//!
//! **Fix.** Keep each rule once, in one style (doc 000 recommends one place
//! for all of a group's rules), and drop rules a broader rule already allows,
//! or narrow the broader one.
//!
//! Design doc 000 §CONFIGURATION NOTICE and §Recent Infrastructure Changes Analysis. NIST CM-2, SC-7. SOC-2 CC6.6, CC8.1.

use std::collections::{BTreeMap, HashSet};

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF108",
    name: "sg-duplicate-rules",
    severity: Severity::Warning,
    property: None,
    nist: &["CM-2", "SC-7"],
    soc2: &["CC6.6", "CC8.1"],
    summary: "no duplicated or fully shadowed security-group rules (inline vs standalone)",
};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    Cidr(String),
    Group(String),
    PrefixList(String),
}

struct Atom<'a> {
    rule: &'a SgRule<'a>,
    proto: String,
    from: i64,
    to: i64,
    peer: Peer,
    cidr: Option<Cidr>,
}

impl Atom<'_> {
    fn covers(&self, other: &Atom) -> bool {
        let proto = self.proto == "all" || self.proto == other.proto;
        let ports = self.proto == "all"
            || if matches!(self.proto.as_str(), "tcp" | "udp") {
                self.from <= other.from && other.to <= self.to
            } else {
                (self.from, self.to) == (other.from, other.to) || self.from == -1
            };
        let peer = match (&self.peer, &other.peer, self.cidr, other.cidr) {
            (Peer::Cidr(_), Peer::Cidr(_), Some(a), Some(b)) => a.contains(&b),
            (a, b, _, _) => a == b,
        };
        proto && ports && peer
    }

    fn describe(&self) -> String {
        let dir = if self.rule.egress { "egress" } else { "ingress" };
        let ports = match (self.proto.as_str(), self.from, self.to) {
            ("all", _, _) => "all ports".to_string(),
            (_, f, t) if f == t => format!("port {f}"),
            (_, f, t) => format!("ports {f}-{t}"),
        };
        let peer = match &self.peer {
            Peer::Cidr(c) => c.clone(),
            Peer::Group(g) | Peer::PrefixList(g) => g.clone(),
        };
        let prep = if self.rule.egress { "to" } else { "from" };
        let place = match self.rule.source {
            RuleSource::Inline => format!("inline in {}", self.rule.resource.address),
            RuleSource::Standalone => self.rule.resource.address.to_string(),
        };
        format!("{dir} {} {ports} {prep} {peer} ({place})", self.proto)
    }
}

fn protocol(p: &str) -> String {
    match p {
        "-1" | "all" => "all",
        "6" | "tcp" => "tcp",
        "17" | "udp" => "udp",
        "1" | "icmp" => "icmp",
        other => other,
    }
    .to_string()
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let rules = sg_rules(m);
    // Bucket atoms by (group, direction, peer kind/identity): only those can cover each other.
    let mut buckets: BTreeMap<(Address, bool, String), Vec<Atom>> = BTreeMap::new();
    for r in &rules {
        let Some(group) = &r.group else { continue };
        let proto = protocol(&r.protocol);
        let (from, to) = match (proto.as_str(), r.from_port, r.to_port) {
            ("all", _, _) => (0, 65535),
            (_, Some(f), Some(t)) => (f, t),
            _ => continue,
        };
        let mut peers: Vec<(Peer, Option<Cidr>, String)> = Vec::new();
        for c in &r.cidrs {
            let parsed = Cidr::parse(c);
            let fam = if parsed.is_some_and(|p| p.v6) { "cidr6" } else { "cidr4" };
            peers.push((Peer::Cidr(c.clone()), parsed, fam.to_string()));
        }
        for v in &r.peer_groups {
            let Some(id) = sg_identity(v) else { continue };
            peers.push((Peer::Group(id.clone()), None, format!("sg:{id}")));
        }
        for v in &r.prefix_lists {
            let Some(id) = sg_identity(v) else { continue };
            peers.push((Peer::PrefixList(id.clone()), None, format!("pl:{id}")));
        }
        for (peer, cidr, key) in peers {
            let atom = Atom { rule: r, proto: proto.clone(), from, to, peer, cidr };
            buckets.entry((group.clone(), r.egress, key)).or_default().push(atom);
        }
    }
    let mut reported: HashSet<String> = HashSet::new();
    for atoms in buckets.values() {
        for j in 0..atoms.len() {
            let b = &atoms[j];
            for (i, a) in atoms.iter().enumerate() {
                if i == j {
                    continue;
                }
                let same = a.covers(b) && b.covers(a);
                // An exact duplicate is reported once, on the later rule.
                if same && i > j {
                    continue;
                }
                if !a.covers(b) {
                    continue;
                }
                let what = b.describe();
                if !reported.insert(what.clone()) {
                    break;
                }
                let verb = if same { "duplicates" } else { "is already allowed by" };
                let fix = if same { "keep one of them" } else { "remove it or narrow the broader rule" };
                out.report(b.rule.resource, format!("{what} {verb} {}; {fix}", a.describe()));
                break;
            }
        }
    }
}
