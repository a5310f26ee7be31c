//! The egress comparison: one environment under nat-per-az, single-nat and
//! endpoints-only, the data volume at which one design overtakes another,
//! and the cheapest design the environment may use.
//!
//! Each design is priced from a model that actually contains it: a manifest
//! is synthesized again with the egress changed (by the caller), a plan is
//! transformed here ([`transform`]). The designs' costs are linear in the
//! NAT traffic (`nat_gb`), so each is priced at 0 and 1,000 GB to get its
//! fixed part and its price per GB.

use std::collections::BTreeSet;

use ecsforge_model::{Address, Concern, InfraModel, Kind, Provenance, Resource, Value};
use serde::Serialize;

use crate::estimate::{addresses_of, estimate};
use crate::{CostError, Estimate, Prices, Usage};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    NatPerAz,
    SingleNat,
    EndpointsOnly,
}

impl Design {
    pub const ALL: [Design; 3] = [Design::NatPerAz, Design::SingleNat, Design::EndpointsOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Design::NatPerAz => "nat-per-az",
            Design::SingleNat => "single-nat",
            Design::EndpointsOnly => "endpoints-only",
        }
    }
}

/// Distinct AZs of the model's subnets, sorted.
fn zones(m: &InfraModel) -> Vec<String> {
    let z: BTreeSet<String> = m
        .resources
        .values()
        .filter(|r| r.kind.terraform_type() == "aws_subnet")
        .filter_map(|r| r.get("availability_zone").and_then(Value::as_str).map(str::to_string))
        .collect();
    z.into_iter().collect()
}

/// The design a model has now.
pub fn current(m: &InfraModel) -> Design {
    let nats = addresses_of(m, "aws_nat_gateway").len();
    match nats {
        0 => Design::EndpointsOnly,
        1 if zones(m).len() > 1 => Design::SingleNat,
        _ => Design::NatPerAz,
    }
}

/// Interface endpoints an endpoints-only design needs at least (ECS pulls
/// and logs); S3 goes through the free gateway endpoint.
const REQUIRED_INTERFACE: [&str; 3] = ["ecr.api", "ecr.dkr", "logs"];

/// A plan's model under another egress design: NAT gateways and their EIPs
/// replaced, and for endpoints-only the endpoints it needs added. Added
/// resources are named `egress_*`.
pub fn transform(m: &InfraModel, d: Design) -> InfraModel {
    let mut out = m.clone();
    let nats = addresses_of(m, "aws_nat_gateway");
    let eips: BTreeSet<Address> =
        nats.iter().filter_map(|a| m.get(a)?.get("allocation_id")?.as_ref().map(|r| r.address.clone())).collect();
    for a in nats.iter().chain(eips.iter()) {
        out.resources.remove(a);
    }
    let zones = zones(m);
    let zone_names: Vec<String> = if zones.is_empty() { vec!["az".into()] } else { zones.clone() };
    let prov = Provenance { file: "ecsforge cost --compare egress".into(), ..Provenance::default() };
    let mut add = |r: Resource| {
        out.resources.insert(r.address.clone(), r);
    };
    let ident = |s: &str| s.replace(['-', '.'], "_");
    let nat_zones: Vec<String> = match d {
        Design::NatPerAz => zone_names.clone(),
        Design::SingleNat => zone_names.iter().take(1).cloned().collect(),
        Design::EndpointsOnly => Vec::new(),
    };
    for z in &nat_zones {
        let n = format!("egress_{}", ident(z));
        add(Resource::new(Kind::Eip, &n, Concern::Network, prov.clone()).with("domain", "vpc"));
        add(Resource::new(Kind::NatGateway, &n, Concern::Network, prov.clone()).with("availability_zone", z.as_str()));
    }
    if d == Design::EndpointsOnly {
        let services: BTreeSet<String> = m
            .resources
            .values()
            .filter(|r| r.kind.terraform_type() == "aws_vpc_endpoint")
            .filter_map(|r| r.get("service_name").and_then(Value::as_str))
            .filter_map(|s| s.rsplit_once(".amazonaws.").map(|(_, s)| s.split_once('.').map(|(_, x)| x).unwrap_or(s)))
            .map(str::to_string)
            .collect();
        let subnets = Value::List(zone_names.iter().map(|z| Value::from(format!("private subnet in {z}"))).collect());
        for svc in REQUIRED_INTERFACE {
            if !services.contains(svc) {
                add(Resource::new(
                    Kind::VpcEndpoint,
                    &format!("egress_{}", ident(svc)),
                    Concern::Endpoints,
                    prov.clone(),
                )
                .with("service_name", format!("com.amazonaws.{}.{svc}", m.region))
                .with("vpc_endpoint_type", "Interface")
                .with("subnet_ids", subnets.clone()));
            }
        }
        if !services.contains("s3") {
            add(Resource::new(Kind::VpcEndpoint, "egress_s3", Concern::Endpoints, prov.clone())
                .with("service_name", format!("com.amazonaws.{}.s3", m.region))
                .with("vpc_endpoint_type", "Gateway"));
        }
    }
    out
}

/// One design's cost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DesignCost {
    pub design: Design,
    /// USD per month with no NAT traffic.
    pub fixed: f64,
    /// USD per GB of NAT traffic.
    pub per_gb: f64,
    /// USD per month at the compared volume.
    pub monthly: f64,
    pub current: bool,
    /// Whether the environment may use this design.
    pub allowed: bool,
    /// Why not, or what it implies.
    pub note: String,
    /// Lines whose cost is unknown (not in the figures).
    pub unknown: usize,
    #[serde(skip)]
    pub estimate: Estimate,
}

/// Above `gb` GB/month of NAT traffic, `above` is cheaper than `below`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Crossover {
    pub below: Design,
    pub above: Design,
    pub gb: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub name: String,
    pub project: String,
    pub environment: String,
    pub region: String,
    pub azs: usize,
    /// The NAT traffic the designs are compared at (GB/month).
    pub nat_gb: f64,
    pub nat_gb_given: bool,
    pub designs: Vec<DesignCost>,
    pub crossovers: Vec<Crossover>,
    pub recommended: Option<Design>,
    pub reason: String,
    /// Usage defaults the designs' estimates used (besides `nat_gb`, shown above).
    pub defaults: Vec<crate::DefaultUsed>,
}

/// Compares the designs. `variants` holds one model per design; `now` is the
/// design the input has.
pub fn compare(
    name: &str,
    variants: &[(Design, InfraModel)],
    now: Design,
    prices: &Prices,
    usage: &Usage,
) -> Result<Comparison, CostError> {
    let first = &variants.first().expect("at least one design").1;
    let env = first.environment.clone();
    let prod = env == "prod";
    let azs = zones(first).len().max(1);
    let given = usage.given(&env, "nat_gb");
    let volume = given.unwrap_or_else(|| crate::usage::key("nat_gb").map(|k| k.default).unwrap_or(0.0));
    let mut designs = Vec::new();
    for (d, m) in variants {
        let e0 = estimate(m, name, prices, &usage.with("nat_gb", 0.0))?;
        let e1 = estimate(m, name, prices, &usage.with("nat_gb", 1000.0))?;
        let at = estimate(m, name, prices, &usage.with("nat_gb", volume))?;
        let per_gb = (e1.total - e0.total) / 1000.0;
        let (allowed, note) = match d {
            Design::SingleNat if prod && azs > 1 => {
                (false, format!("prod: one NAT would serve {azs} AZs; losing its AZ cuts egress for all"))
            }
            Design::EndpointsOnly if now != Design::EndpointsOnly && given != Some(0.0) => {
                (false, "no internet egress: only if the services need none (say nat_gb: 0 in --usage)".to_string())
            }
            Design::EndpointsOnly => (true, "AWS services only, through endpoints".to_string()),
            _ => (true, String::new()),
        };
        designs.push(DesignCost {
            design: *d,
            fixed: e0.total,
            per_gb,
            monthly: at.total,
            current: *d == now,
            allowed,
            note,
            unknown: at.unknown,
            estimate: at,
        });
    }
    let mut crossovers = Vec::new();
    for (i, a) in designs.iter().enumerate() {
        for b in &designs[i + 1..] {
            // Only designs that carry NAT traffic have a price per GB to compare.
            if a.design == Design::EndpointsOnly || b.design == Design::EndpointsOnly {
                continue;
            }
            let (lo, hi) = if a.fixed <= b.fixed { (a, b) } else { (b, a) };
            if hi.per_gb < lo.per_gb {
                let gb = (hi.fixed - lo.fixed) / (lo.per_gb - hi.per_gb);
                crossovers.push(Crossover { below: lo.design, above: hi.design, gb });
            }
        }
    }
    let best = designs
        .iter()
        .filter(|d| d.allowed)
        .min_by(|a, b| a.monthly.total_cmp(&b.monthly).then(a.design.cmp(&b.design)));
    let (recommended, reason) = match best {
        Some(b) => {
            let saving = designs.iter().find(|d| d.current).map(|c| c.monthly - b.monthly).unwrap_or(0.0);
            let why = if b.current {
                "already the cheapest allowed design".to_string()
            } else {
                format!("saves {} per month against {}", crate::render::money(saving), now.as_str())
            };
            (Some(b.design), why)
        }
        None => (None, "no design is allowed".to_string()),
    };
    let mut defaults: Vec<crate::DefaultUsed> = Vec::new();
    for d in &designs {
        for u in &d.estimate.defaults {
            if !defaults.iter().any(|x| x.key == u.key) {
                defaults.push(u.clone());
            }
        }
    }
    defaults.sort_by_key(|d| crate::usage::KEYS.iter().position(|k| k.key == d.key));
    Ok(Comparison {
        defaults,
        name: name.to_string(),
        project: first.project.clone(),
        environment: env,
        region: first.region.clone(),
        azs,
        nat_gb: volume,
        nat_gb_given: given.is_some(),
        designs,
        crossovers,
        recommended,
        reason,
    })
}
