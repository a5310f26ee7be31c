//! The ECS cluster: Container Insights, ECS Exec logging, capacity providers.

use ecsforge_model::{Address, Concern, Kind, Value};

use crate::security::Keys;
use crate::{Cx, r};

pub(crate) struct Cluster {
    pub cluster: Address,
    pub capacity_providers: Address,
}

/// The capacity-provider strategy for this environment (used by the cluster
/// default and repeated on every service so the plan shows it).
pub(crate) fn strategy(cx: &Cx) -> Value {
    let spot = cx.env.fargate_spot_percent;
    let item = |cp: &str, weight: u32, base: u32| {
        Value::map([
            ("capacity_provider", Value::from(cp)),
            ("weight", Value::from(weight)),
            ("base", Value::from(base)),
        ])
    };
    match spot {
        0 => Value::List(vec![item("FARGATE", 1, 0)]),
        // Base 1 on FARGATE: a lone task is never Spot-only.
        100 => Value::List(vec![item("FARGATE", 0, 1), item("FARGATE_SPOT", 1, 0)]),
        s => Value::List(vec![item("FARGATE", 100 - s, 1), item("FARGATE_SPOT", s, 0)]),
    }
}

pub(crate) fn build(cx: &mut Cx, keys: &Keys) -> Cluster {
    let p = cx.env_prov();
    let name = cx.prefix.clone();
    let exec_logs = cx
        .res(Kind::LogGroup, "ecs_exec", Concern::Cluster, p.clone())
        .with("name", format!("/ecs/{name}/exec"))
        .with("retention_in_days", cx.env.log_retention_days)
        .with("kms_key_id", r(&keys.logs, "arn"));
    let exec_logs = cx.add(exec_logs, None);
    let cluster = cx
        .res(Kind::EcsCluster, "main", Concern::Cluster, p.clone())
        .with("name", name.as_str())
        .with("setting", Value::block([("name", Value::from("containerInsights")), ("value", Value::from("enabled"))]))
        .with(
            "configuration",
            Value::block([
                (
                    "managed_storage_configuration",
                    Value::block([("fargate_ephemeral_storage_kms_key_id", r(&keys.ecs, "id"))]),
                ),
                (
                    "execute_command_configuration",
                    Value::block([
                        ("kms_key_id", r(&keys.ecs, "arn")),
                        ("logging", Value::from("OVERRIDE")),
                        (
                            "log_configuration",
                            Value::block([
                                ("cloud_watch_log_group_name", r(&exec_logs, "name")),
                                ("cloud_watch_encryption_enabled", Value::from(true)),
                            ]),
                        ),
                    ]),
                ),
            ]),
        );
    let cluster = cx.add(cluster, Some(&name));
    // Both providers are attached everywhere; the strategy decides their use.
    let mut providers: Vec<Value> = vec!["FARGATE".into(), "FARGATE_SPOT".into()];
    // The EC2 provider (`capacity.ec2`) is used only by services with `capacity: ec2`.
    if cx.m.ec2.is_some() {
        providers.push(r(&crate::capacity::provider_address(), "name"));
    }
    let cps = cx
        .res(Kind::EcsClusterCapacityProviders, "main", Concern::Cluster, p)
        .with("cluster_name", r(&cluster, "name"))
        .with("capacity_providers", Value::List(providers))
        .with("default_capacity_provider_strategy", strategy(cx));
    let capacity_providers = cx.add(cps, None);
    cx.output("cluster_name", r(&cluster, "name"), "ECS cluster name");
    Cluster { cluster, capacity_providers }
}
