//! Turning literal ids and ARNs back into references.
//!
//! A plan of infrastructure that already exists carries every value as a
//! known literal: a subnet's `vpc_id` is `"vpc-0abc"`, not a reference to
//! `aws_vpc.main`. The analyses follow references, so [`link_known_ids`]
//! replaces a string that equals another resource's `id` or `arn` with a
//! [`Reference`] to it, under the attribute names that hold references to
//! other resources ([`is_reference_key`]) and only there: a name that merely
//! equals some id elsewhere stays a string. A gateway endpoint's
//! `prefix_list_id` is indexed too, so a security group rule naming the prefix
//! list refers to the endpoint. An id two resources share links to neither.

use std::collections::BTreeMap;

use crate::{Address, InfraModel, Reference, Value};

/// Attribute names whose string values name another resource by id or ARN.
pub fn is_reference_key(key: &str) -> bool {
    matches!(
        key,
        "vpc_id"
            | "subnet_id"
            | "subnet_ids"
            | "subnets"
            | "security_groups"
            | "security_group_ids"
            | "security_group_id"
            | "referenced_security_group_id"
            | "source_security_group_id"
            | "prefix_list_id"
            | "prefix_list_ids"
            | "route_table_id"
            | "route_table_ids"
            | "gateway_id"
            | "nat_gateway_id"
            | "vpc_endpoint_id"
            | "network_acl_id"
            | "allocation_id"
            | "cluster"
            | "task_definition"
            | "execution_role_arn"
            | "task_role_arn"
            | "target_group_arn"
            | "load_balancer_arn"
            | "listener_arn"
            | "role"
            | "role_arn"
            | "registry_arn"
            | "repository"
            | "kms_key_id"
            | "kms_key_arn"
            | "kms_master_key_id"
            | "secret_id"
            | "secret_arn"
            | "target_key_id"
            | "iam_role_arn"
            | "log_destination"
            | "policy_arn"
            | "log_group_name"
    )
}

/// Replaces literal ids and ARNs of the model's own resources with references.
pub fn link_known_ids(model: &mut InfraModel) {
    let mut index: BTreeMap<String, Vec<Reference>> = BTreeMap::new();
    for r in model.resources.values() {
        // A gateway endpoint's prefix list is named by the rules that admit it.
        let extra: &[&str] = if r.address.resource_type() == "aws_vpc_endpoint" { &["prefix_list_id"] } else { &[] };
        for attr in ["id", "arn"].iter().chain(extra) {
            let attr = *attr;
            if let Some(Value::String(s)) = r.attrs.get(attr)
                && !s.is_empty()
            {
                let list = index.entry(s.clone()).or_default();
                if !list.iter().any(|x| x.address == r.address) {
                    list.push(Reference { address: r.address.clone(), attr: attr.into() });
                }
            }
        }
    }
    let index: BTreeMap<String, Reference> =
        index.into_iter().filter(|(_, v)| v.len() == 1).map(|(k, mut v)| (k, v.remove(0))).collect();
    if index.is_empty() {
        return;
    }
    for r in model.resources.values_mut() {
        let own = r.address.clone();
        for (k, v) in r.attrs.iter_mut() {
            if k != "id" && k != "arn" {
                link(k, v, &index, &own, false);
            }
        }
    }
}

fn link(key: &str, v: &mut Value, index: &BTreeMap<String, Reference>, own: &Address, under_ref_key: bool) {
    let refers = under_ref_key || is_reference_key(key);
    match v {
        Value::String(s) if refers => {
            if let Some(r) = index.get(s.as_str()).filter(|r| &r.address != own) {
                *v = Value::Ref(r.clone());
            }
        }
        Value::List(items) => {
            for x in items {
                link(key, x, index, own, refers);
            }
        }
        Value::Map(m) => {
            for (k, x) in m.iter_mut() {
                link(k, x, index, own, false);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Concern, Kind, Provenance, Resource};

    fn res(kind: Kind, name: &str, attrs: &[(&str, Value)]) -> Resource {
        let mut r = Resource::new(kind, name, Concern::Other, Provenance::default());
        for (k, v) in attrs {
            r.set(k, v.clone());
        }
        r
    }

    #[test]
    fn literal_ids_under_reference_keys_become_references() {
        let s = |x: &str| Value::String(x.into());
        let mut m = InfraModel::default();
        for r in [
            res(Kind::Vpc, "main", &[("id", s("vpc-1"))]),
            res(
                Kind::Subnet,
                "a",
                &[("id", s("subnet-a")), ("vpc_id", s("vpc-1")), ("tags", Value::map([("Name", s("vpc-1"))]))],
            ),
            res(Kind::EcsTaskDefinition, "t", &[("id", s("fam")), ("arn", s("arn:td"))]),
            res(Kind::Other("aws_cloudwatch_dashboard".into()), "d", &[("id", s("fam"))]),
            res(
                Kind::EcsService,
                "svc",
                &[
                    ("task_definition", s("arn:td")),
                    ("network_configuration", Value::block([("subnets", Value::list([s("subnet-a"), s("subnet-x")]))])),
                    ("name", s("fam")),
                ],
            ),
        ] {
            m.resources.insert(r.address.clone(), r);
        }
        link_known_ids(&mut m);
        let get = |a: &str, k: &str| m.resources[&Address(a.into())].attrs[k].clone();
        let r = |a: &str, attr: &str| Value::Ref(Reference { address: Address(a.into()), attr: attr.into() });
        assert_eq!(get("aws_subnet.a", "vpc_id"), r("aws_vpc.main", "id"));
        // Not a reference key: a tag value stays a string.
        assert_eq!(get("aws_subnet.a", "tags"), Value::map([("Name", s("vpc-1"))]));
        assert_eq!(get("aws_ecs_service.svc", "task_definition"), r("aws_ecs_task_definition.t", "arn"));
        assert_eq!(
            get("aws_ecs_service.svc", "network_configuration"),
            Value::block([("subnets", Value::list([r("aws_subnet.a", "id"), s("subnet-x")]))])
        );
        assert_eq!(get("aws_ecs_service.svc", "name"), s("fam"));
        // Own id stays.
        assert_eq!(get("aws_vpc.main", "id"), s("vpc-1"));
    }
}
