//! ECS clusters, services, task definitions and Application Auto Scaling.

use std::collections::BTreeMap;

use ecsforge_model::Value;

use super::{Cx, Props, Put, blocks, boolish, field, id_list, numish, stringish};
use crate::cloudformation::names::lower_first;

pub(super) fn cluster(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("ClusterName"));
    r.put(
        "setting",
        p.take("ClusterSettings").map(|v| match v {
            Value::List(l) => Value::List(
                l.iter()
                    .map(|s| {
                        Value::map([
                            ("name", field(s, "Name").unwrap_or(Value::Null)),
                            ("value", field(s, "Value").unwrap_or(Value::Null)),
                        ])
                    })
                    .collect(),
            ),
            other => other,
        }),
    );
    r.put("configuration", p.take("Configuration").map(blocks));
    // Terraform manages capacity providers in their own resource.
    let providers = p.take("CapacityProviders");
    let strategy = p.take("DefaultCapacityProviderStrategy");
    if providers.is_some() || strategy.is_some() {
        let name = cx.self_ref("name");
        let path: &[&str] =
            if providers.is_some() { &["CapacityProviders"] } else { &["DefaultCapacityProviderStrategy"] };
        let part = cx.part("aws_ecs_cluster_capacity_providers", "capacity_providers", path);
        part.set("cluster_name", name);
        part.put("capacity_providers", providers);
        part.put("default_capacity_provider_strategy", strategy.map(blocks));
    }
}

pub(super) fn capacity_provider_associations(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("cluster_name", p.take("Cluster"));
    r.put("capacity_providers", p.take("CapacityProviders"));
    r.put("default_capacity_provider_strategy", p.take("DefaultCapacityProviderStrategy").map(blocks));
}

pub(super) fn service(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("ServiceName"));
    r.put("cluster", p.take("Cluster"));
    r.put("task_definition", p.take("TaskDefinition"));
    r.put("desired_count", p.take("DesiredCount").map(numish));
    r.put("launch_type", p.take("LaunchType"));
    r.put("platform_version", p.take("PlatformVersion"));
    r.put("scheduling_strategy", p.take("SchedulingStrategy"));
    r.put("propagate_tags", p.take("PropagateTags"));
    r.put("enable_execute_command", p.take("EnableExecuteCommand").map(boolish));
    r.put("enable_ecs_managed_tags", p.take("EnableECSManagedTags").map(boolish));
    r.put("health_check_grace_period_seconds", p.take("HealthCheckGracePeriodSeconds").map(numish));
    r.put("capacity_provider_strategy", p.take("CapacityProviderStrategy").map(blocks));
    r.put("ordered_placement_strategy", p.take("PlacementStrategies").map(blocks));

    if let Some(net) = p.take("NetworkConfiguration") {
        let block = match field(&net, "AwsvpcConfiguration") {
            Some(aws @ Value::Map(_)) => {
                // CloudFormation default: no public IP.
                let public = match field(&aws, "AssignPublicIp") {
                    Some(Value::String(s)) => Value::Bool(s == "ENABLED"),
                    Some(other) => other,
                    None => Value::Bool(false),
                };
                let mut m = BTreeMap::new();
                m.insert("assign_public_ip".to_string(), public);
                if let Some(s) = id_list(field(&aws, "Subnets")) {
                    m.insert("subnets".into(), s);
                }
                if let Some(s) = id_list(field(&aws, "SecurityGroups")) {
                    m.insert("security_groups".into(), s);
                }
                Value::List(vec![Value::Map(m)])
            }
            Some(other) => other,
            None => net,
        };
        r.set("network_configuration", block);
    }

    if let Some(lbs) = p.take("LoadBalancers") {
        let v = match lbs {
            Value::List(l) => Value::List(
                l.iter()
                    .map(|lb| {
                        let mut m = BTreeMap::new();
                        for (from, to) in [
                            ("TargetGroupArn", "target_group_arn"),
                            ("ContainerName", "container_name"),
                            ("ContainerPort", "container_port"),
                            ("LoadBalancerName", "elb_name"),
                        ] {
                            if let Some(v) = field(lb, from) {
                                m.insert(to.to_string(), if to == "container_port" { numish(v) } else { v });
                            }
                        }
                        Value::Map(m)
                    })
                    .collect(),
            ),
            other => other,
        };
        r.set("load_balancer", v);
    }

    if let Some(dc) = p.take("DeploymentConfiguration") {
        if let Value::Map(_) = dc {
            r.put("deployment_minimum_healthy_percent", field(&dc, "MinimumHealthyPercent").map(numish));
            r.put("deployment_maximum_percent", field(&dc, "MaximumPercent").map(numish));
            if let Some(cb) = field(&dc, "DeploymentCircuitBreaker") {
                let b = match &cb {
                    Value::Map(_) => Value::block([
                        ("enable", field(&cb, "Enable").map(boolish).unwrap_or(Value::Null)),
                        ("rollback", field(&cb, "Rollback").map(boolish).unwrap_or(Value::Null)),
                    ]),
                    _ => cb,
                };
                r.set("deployment_circuit_breaker", b);
            }
            r.put("alarms", field(&dc, "Alarms").map(blocks));
        } else {
            // Known only at deploy time: every setting it carries is unknown.
            for k in ["deployment_minimum_healthy_percent", "deployment_maximum_percent", "deployment_circuit_breaker"]
            {
                r.set(k, dc.clone());
            }
        }
    }
    r.put("deployment_controller", p.take("DeploymentController").map(blocks));
}

/// CloudFormation container definitions → the ECS API's camelCase JSON.
fn container_json(v: Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, v)| {
                    // User-keyed maps keep their keys (`awslogs-group`, labels).
                    let user = matches!(k.as_str(), "Options" | "DockerLabels" | "DriverOpts" | "Labels");
                    (lower_first(&k), if user { v } else { container_json(v) })
                })
                .collect(),
        ),
        Value::List(l) => Value::List(l.into_iter().map(container_json).collect()),
        other => other,
    }
}

pub(super) fn task_definition(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("family", p.take("Family"));
    r.put("network_mode", p.take("NetworkMode"));
    r.put("requires_compatibilities", p.take("RequiresCompatibilities"));
    r.put("cpu", p.take("Cpu").map(stringish));
    r.put("memory", p.take("Memory").map(stringish));
    r.put("execution_role_arn", p.take("ExecutionRoleArn"));
    r.put("task_role_arn", p.take("TaskRoleArn"));
    r.put("pid_mode", p.take("PidMode"));
    r.put("ipc_mode", p.take("IpcMode"));
    r.put(
        "runtime_platform",
        p.take("RuntimePlatform").map(|rp| match &rp {
            Value::Map(m) => {
                let mut out = BTreeMap::new();
                if let Some(v) = m.get("CpuArchitecture") {
                    out.insert("cpu_architecture".to_string(), v.clone());
                }
                if let Some(v) = m.get("OperatingSystemFamily") {
                    out.insert("operating_system_family".to_string(), v.clone());
                }
                Value::List(vec![Value::Map(out)])
            }
            _ => rp,
        }),
    );
    r.put(
        "ephemeral_storage",
        p.take("EphemeralStorage").map(|e| match field(&e, "SizeInGiB") {
            Some(size) => Value::block([("size_in_gib", numish(size))]),
            None => e,
        }),
    );
    r.put("container_definitions", p.take("ContainerDefinitions").map(|c| Value::json(container_json(c))));
    r.put("volume", p.take("Volumes").map(blocks));
}

pub(super) fn scalable_target(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("max_capacity", p.take("MaxCapacity").map(numish));
    r.put("min_capacity", p.take("MinCapacity").map(numish));
    r.put("resource_id", p.take("ResourceId"));
    r.put("scalable_dimension", p.take("ScalableDimension"));
    r.put("service_namespace", p.take("ServiceNamespace"));
    r.put("role_arn", p.take("RoleARN"));
}

pub(super) fn scaling_policy(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("PolicyName"));
    r.put("policy_type", p.take("PolicyType"));
    r.put("resource_id", p.take("ResourceId"));
    r.put("scalable_dimension", p.take("ScalableDimension"));
    r.put("service_namespace", p.take("ServiceNamespace"));
}
