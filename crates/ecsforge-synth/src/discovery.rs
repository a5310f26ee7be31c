//! Cloud Map service discovery (doc 003 §9): a private DNS namespace
//! `<env>.internal` in the environment's VPC, and one discovery service
//! `<svc>.<env>.internal` per internal service, registered by ECS.

use ecsforge_manifest::{Service, ServiceType};
use ecsforge_model::{Address, Concern, Kind, Value};

use crate::network::Net;
use crate::{Cx, r, tf_ident};

/// DNS TTL of the A records, in seconds (doc 003: "10 seconds for fast failover").
pub(crate) const TTL: u32 = 10;

/// The namespace `<env>.internal`, when any service is internal.
pub(crate) fn build(cx: &mut Cx, net: &Net) -> Option<Address> {
    if !cx.m.has_discovery() {
        return None;
    }
    let name = namespace_name(cx);
    let ns = cx
        .res(Kind::ServiceDiscoveryPrivateDnsNamespace, "main", Concern::Cluster, cx.env_prov())
        .with("name", name.as_str())
        .with("description", format!("{}: internal services of {}", cx.prefix, cx.env.env))
        .with("vpc", r(&net.vpc, "id"));
    let ns = cx.add(ns, Some(&name));
    cx.output(
        "discovery_namespace",
        Value::from(name.as_str()),
        "Cloud Map private DNS namespace of internal services",
    );
    Some(ns)
}

pub(crate) fn namespace_name(cx: &Cx) -> String {
    format!("{}.internal", cx.env.env)
}

/// The discovery service of an internal service, and the ECS service's
/// `service_registries` block; `None` for public services.
pub(crate) fn register(cx: &mut Cx, s: &Service, namespace: Option<&Address>) -> Option<Value> {
    let ns = namespace.filter(|_| s.service_type == ServiceType::Internal)?;
    let svc = s.name.as_str();
    let id = tf_ident(svc);
    let dns_name = format!("{svc}.{}", namespace_name(cx));
    let sd = cx
        .res(Kind::ServiceDiscoveryService, &id, Concern::Service(svc.to_string()), cx.prov(&s.loc))
        .with("name", svc)
        .with("description", format!("{dns_name}: tasks of {svc}, registered by ECS"))
        .with(
            "dns_config",
            Value::block([
                ("namespace_id", r(ns, "id")),
                ("routing_policy", Value::from("MULTIVALUE")),
                ("dns_records", Value::block([("ttl", Value::from(TTL)), ("type", Value::from("A"))])),
            ]),
        )
        .with("health_check_custom_config", Value::block([("failure_threshold", Value::from(1))]));
    let sd = cx.add(sd, Some(&dns_name));
    cx.output(&format!("{id}_dns_name"), Value::from(dns_name.as_str()), &format!("Cloud Map DNS name of {svc}"));
    Some(Value::block([("registry_arn", r(&sd, "arn"))]))
}
