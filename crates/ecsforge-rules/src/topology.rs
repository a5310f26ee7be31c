//! Network topology lookups built once per model: which route table a subnet
//! uses, where each table's default route goes, which subnets are public.
//! Rules and reachability that ask these questions per service use this so a
//! check stays linear in the size of the model.

use std::collections::HashMap;

use ecsforge_model::{Address, InfraModel, Kind};

use crate::view::{default_route, ref_address, subnet_is_public};

pub struct Topology<'m> {
    route_table_of: HashMap<&'m Address, &'m Address>,
    default_route: HashMap<&'m Address, Option<(Kind, &'m Address)>>,
    public: HashMap<&'m Address, Option<bool>>,
}

impl<'m> Topology<'m> {
    pub fn new(m: &'m InfraModel) -> Self {
        let mut route_table_of = HashMap::new();
        for a in m.of_kind(Kind::RouteTableAssociation) {
            if let (Some(s), Some(t)) =
                (a.get("subnet_id").and_then(ref_address), a.get("route_table_id").and_then(ref_address))
            {
                route_table_of.entry(s).or_insert(t);
            }
        }
        let default_route = m.of_kind(Kind::RouteTable).map(|t| (&t.address, default_route(m, &t.address))).collect();
        let public = m.of_kind(Kind::Subnet).map(|s| (&s.address, subnet_is_public(m, &s.address))).collect();
        Topology { route_table_of, default_route, public }
    }

    /// The route table explicitly associated with `subnet`.
    pub fn route_table(&self, subnet: &Address) -> Option<&'m Address> {
        self.route_table_of.get(subnet).copied()
    }

    /// Where `table`'s 0.0.0.0/0 route goes: (kind of target, target).
    pub fn default_route(&self, table: &Address) -> Option<(Kind, &'m Address)> {
        self.default_route.get(table).cloned().flatten()
    }

    /// Whether `subnet` is public (IGW default route or public IPs on launch); `None` when unknown.
    pub fn is_public(&self, subnet: &Address) -> Option<bool> {
        self.public.get(subnet).copied().flatten()
    }
}
