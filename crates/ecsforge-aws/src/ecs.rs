//! ECS: clusters, their services, and the task definitions the services run.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecs::types::{ClusterField, ContainerDefinition, ServiceField, Tag, TaskDefinitionField};
use ecsforge_model::{Kind, Value};
use serde_json::{Map, Value as Json, json};

use crate::LiveError;
use crate::collect::{Ctx, Item, json as to_value, norm, strings};

const SVC: &str = "ecs";

/// What later readers need from the ECS read.
#[derive(Default)]
pub(crate) struct Ecs {
    /// Execution and task role ARNs of the in-scope task definitions.
    pub role_arns: BTreeSet<String>,
    /// `awslogs-group`s of the in-scope containers.
    pub log_groups: BTreeSet<String>,
    /// `valueFrom`s of the in-scope containers' secrets (and log secret options).
    pub value_from: BTreeSet<String>,
}

fn tags(t: &[Tag]) -> BTreeMap<String, String> {
    t.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect()
}

pub(crate) async fn read(ctx: &Ctx<'_>, out: &mut Vec<Item>) -> Result<Ecs, LiveError> {
    let mut found = Ecs::default();
    let arns: Vec<String> = ctx
        .ecs
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "ListClusters", None, e))?;
    let mut clusters = Vec::new();
    for chunk in arns.chunks(100) {
        let d = ctx
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "DescribeClusters", None, e))?;
        clusters.extend(d.clusters.unwrap_or_default());
    }
    let mut task_definitions = BTreeSet::new();
    for c in &clusters {
        let (Some(arn), Some(name)) = (c.cluster_arn(), c.cluster_name()) else { continue };
        let t = tags(c.tags());
        if !(ctx.scope.tagged(&t) || ctx.scope.named(name))
            || c.status().is_some_and(|s| s.eq_ignore_ascii_case("INACTIVE"))
        {
            continue;
        }
        let mut it = Item::new(Kind::EcsCluster, SVC, arn, name).arn(Some(arn));
        it.handles.push((name.to_string(), "name"));
        it.set("name", name);
        let setting: Vec<Value> = c
            .settings()
            .iter()
            .filter_map(|s| {
                Some(Value::map([
                    ("name", Value::from(norm(s.name()?.as_str(), &["containerInsights"]))),
                    ("value", Value::from(s.value()?.to_ascii_lowercase())),
                ]))
            })
            .collect();
        it.set("setting", Value::List(setting));
        if let Some(conf) = c.configuration() {
            let mut m = Map::new();
            if let Some(x) = conf.execute_command_configuration() {
                let mut e = Map::new();
                opt(&mut e, "kms_key_id", x.kms_key_id());
                opt(&mut e, "logging", x.logging().map(|l| l.as_str().to_ascii_uppercase()));
                if let Some(l) = x.log_configuration() {
                    let mut lc = Map::new();
                    opt(&mut lc, "cloud_watch_encryption_enabled", Some(l.cloud_watch_encryption_enabled()));
                    opt(&mut lc, "cloud_watch_log_group_name", l.cloud_watch_log_group_name());
                    opt(&mut lc, "s3_bucket_name", l.s3_bucket_name());
                    opt(&mut lc, "s3_bucket_encryption_enabled", Some(l.s3_encryption_enabled()));
                    opt(&mut lc, "s3_key_prefix", l.s3_key_prefix());
                    e.insert("log_configuration".into(), json!([lc]));
                }
                m.insert("execute_command_configuration".into(), json!([e]));
            }
            if let Some(x) = conf.managed_storage_configuration() {
                let mut s = Map::new();
                opt(&mut s, "kms_key_id", x.kms_key_id());
                opt(&mut s, "fargate_ephemeral_storage_kms_key_id", x.fargate_ephemeral_storage_kms_key_id());
                m.insert("managed_storage_configuration".into(), json!([s]));
            }
            it.set("configuration", to_value(&json!([m])));
        }
        it.tags(t);
        out.push(it);
        if !c.capacity_providers().is_empty() {
            let mut cp = Item::new(Kind::EcsClusterCapacityProviders, SVC, name, name);
            cp.set("cluster_name", name);
            cp.set("capacity_providers", strings(c.capacity_providers()));
            cp.set(
                "default_capacity_provider_strategy",
                Value::List(
                    c.default_capacity_provider_strategy()
                        .iter()
                        .map(|s| {
                            Value::map([
                                ("base", Value::from(s.base())),
                                ("capacity_provider", Value::from(s.capacity_provider())),
                                ("weight", Value::from(s.weight())),
                            ])
                        })
                        .collect(),
                ),
            );
            out.push(cp);
        }

        // Services.
        let service_arns: Vec<String> = ctx
            .ecs
            .list_services()
            .cluster(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "ListServices", Some(arn), e))?;
        for chunk in service_arns.chunks(10) {
            let d = ctx
                .ecs
                .describe_services()
                .cluster(arn)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "DescribeServices", Some(arn), e))?;
            for s in d.services() {
                let (Some(sarn), Some(sname)) = (s.service_arn(), s.service_name()) else { continue };
                if s.status().is_some_and(|st| st.eq_ignore_ascii_case("INACTIVE")) {
                    continue;
                }
                let mut it = Item::new(Kind::EcsService, SVC, sarn, sname).arn(Some(sarn));
                it.set("name", sname);
                it.set("cluster", s.cluster_arn().unwrap_or(arn));
                if let Some(td) = s.task_definition() {
                    it.set("task_definition", td);
                    task_definitions.insert(td.to_string());
                }
                it.set("desired_count", s.desired_count());
                it.opt("launch_type", s.launch_type().map(|l| norm(l.as_str(), &["FARGATE", "EC2", "EXTERNAL"])));
                it.set(
                    "capacity_provider_strategy",
                    Value::List(
                        s.capacity_provider_strategy()
                            .iter()
                            .map(|c| {
                                Value::map([
                                    ("base", Value::from(c.base())),
                                    ("capacity_provider", Value::from(c.capacity_provider())),
                                    ("weight", Value::from(c.weight())),
                                ])
                            })
                            .collect(),
                    ),
                );
                it.opt("platform_version", s.platform_version());
                it.opt(
                    "scheduling_strategy",
                    s.scheduling_strategy().map(|x| norm(x.as_str(), &["REPLICA", "DAEMON"])),
                );
                if let Some(dc) = s.deployment_configuration() {
                    it.opt("deployment_maximum_percent", dc.maximum_percent());
                    it.opt("deployment_minimum_healthy_percent", dc.minimum_healthy_percent());
                    if let Some(cb) = dc.deployment_circuit_breaker() {
                        it.set(
                            "deployment_circuit_breaker",
                            Value::block([
                                ("enable", Value::from(cb.enable())),
                                ("rollback", Value::from(cb.rollback())),
                            ]),
                        );
                    }
                }
                if let Some(ctl) = s.deployment_controller() {
                    it.set(
                        "deployment_controller",
                        Value::block([(
                            "type",
                            Value::from(norm(ctl.r#type().as_str(), &["ECS", "CODE_DEPLOY", "EXTERNAL"])),
                        )]),
                    );
                }
                if let Some(vpc) = s.network_configuration().and_then(|n| n.awsvpc_configuration()) {
                    it.set(
                        "network_configuration",
                        Value::block([
                            ("subnets", strings(vpc.subnets())),
                            ("security_groups", strings(vpc.security_groups())),
                            (
                                "assign_public_ip",
                                Value::from(
                                    vpc.assign_public_ip().is_some_and(|a| a.as_str().eq_ignore_ascii_case("ENABLED")),
                                ),
                            ),
                        ]),
                    );
                }
                let mut lbs: Vec<Value> = s
                    .load_balancers()
                    .iter()
                    .map(|lb| {
                        let mut m = BTreeMap::new();
                        if let Some(tg) = lb.target_group_arn() {
                            m.insert("target_group_arn".to_string(), Value::from(tg));
                        }
                        if let Some(n) = lb.load_balancer_name() {
                            m.insert("elb_name".to_string(), Value::from(n));
                        }
                        if let Some(n) = lb.container_name() {
                            m.insert("container_name".to_string(), Value::from(n));
                        }
                        if let Some(p) = lb.container_port() {
                            m.insert("container_port".to_string(), Value::from(p));
                        }
                        Value::Map(m)
                    })
                    .collect();
                lbs.sort_by_key(|v| format!("{v:?}"));
                it.set("load_balancer", Value::List(lbs));
                it.set(
                    "service_registries",
                    Value::List(
                        s.service_registries()
                            .iter()
                            .map(|r| {
                                let mut m = BTreeMap::new();
                                if let Some(a) = r.registry_arn() {
                                    m.insert("registry_arn".to_string(), Value::from(a));
                                }
                                if let Some(p) = r.port() {
                                    m.insert("port".to_string(), Value::from(p));
                                }
                                if let Some(n) = r.container_name() {
                                    m.insert("container_name".to_string(), Value::from(n));
                                }
                                if let Some(p) = r.container_port() {
                                    m.insert("container_port".to_string(), Value::from(p));
                                }
                                Value::Map(m)
                            })
                            .collect(),
                    ),
                );
                it.set("enable_ecs_managed_tags", s.enable_ecs_managed_tags());
                it.set("enable_execute_command", s.enable_execute_command());
                it.opt(
                    "propagate_tags",
                    s.propagate_tags().map(|p| norm(p.as_str(), &["SERVICE", "TASK_DEFINITION", "NONE"])),
                );
                it.opt("health_check_grace_period_seconds", s.health_check_grace_period_seconds());
                it.tags(tags(s.tags()));
                out.push(it);
            }
        }
    }

    // The task definitions the services run.
    for td_arn in &task_definitions {
        let d = ctx
            .ecs
            .describe_task_definition()
            .task_definition(td_arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "DescribeTaskDefinition", Some(td_arn), e))?;
        let Some(td) = d.task_definition() else { continue };
        let family = td.family().unwrap_or_default();
        let mut it =
            Item::new(Kind::EcsTaskDefinition, SVC, family, family).arn(td.task_definition_arn().or(Some(td_arn)));
        it.set("family", family);
        it.set("revision", td.revision());
        let containers: Vec<Json> = td.container_definitions().iter().map(container).collect();
        for c in td.container_definitions() {
            if let Some(g) = c.log_configuration().and_then(|l| l.options()).and_then(|o| o.get("awslogs-group")) {
                found.log_groups.insert(g.clone());
            }
            let log_secrets = c.log_configuration().map(|l| l.secret_options()).unwrap_or_default();
            for s in c.secrets().iter().chain(log_secrets) {
                found.value_from.insert(s.value_from().to_string());
            }
        }
        it.set("container_definitions", Value::json(to_value(&Json::Array(containers))));
        it.opt("cpu", td.cpu());
        it.opt("memory", td.memory());
        it.opt("network_mode", td.network_mode().map(|n| n.as_str().to_ascii_lowercase()));
        for (key, role) in [("execution_role_arn", td.execution_role_arn()), ("task_role_arn", td.task_role_arn())] {
            if let Some(r) = role {
                it.set(key, r);
                found.role_arns.insert(r.to_string());
            }
        }
        it.set(
            "requires_compatibilities",
            strings(td.requires_compatibilities().iter().map(|c| norm(c.as_str(), &["FARGATE", "EC2", "EXTERNAL"]))),
        );
        if let Some(rp) = td.runtime_platform() {
            let mut m = BTreeMap::new();
            if let Some(a) = rp.cpu_architecture() {
                m.insert("cpu_architecture".to_string(), Value::from(norm(a.as_str(), &["X86_64", "ARM64"])));
            }
            if let Some(o) = rp.operating_system_family() {
                m.insert("operating_system_family".to_string(), Value::from(o.as_str().to_ascii_uppercase()));
            }
            it.set("runtime_platform", Value::List(vec![Value::Map(m)]));
        }
        it.set(
            "volume",
            Value::List(
                td.volumes().iter().filter_map(|v| Some(Value::map([("name", Value::from(v.name()?))]))).collect(),
            ),
        );
        if let Some(es) = td.ephemeral_storage() {
            it.set("ephemeral_storage", Value::block([("size_in_gib", Value::from(es.size_in_gib()))]));
        }
        it.tags(tags(d.tags()));
        out.push(it);
    }
    Ok(found)
}

fn opt<T: Into<Json>>(m: &mut Map<String, Json>, key: &str, v: Option<T>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v.into());
    }
}

/// A container definition in the shape Terraform keeps in `container_definitions`
/// (the ECS API's camelCase JSON; unset and empty fields left out).
fn container(c: &ContainerDefinition) -> Json {
    let mut m = Map::new();
    opt(&mut m, "name", c.name());
    opt(&mut m, "image", c.image());
    if c.cpu() != 0 {
        m.insert("cpu".into(), c.cpu().into());
    }
    opt(&mut m, "memory", c.memory());
    opt(&mut m, "memoryReservation", c.memory_reservation());
    opt(&mut m, "essential", c.essential());
    opt(&mut m, "user", c.user());
    opt(&mut m, "privileged", c.privileged());
    opt(&mut m, "readonlyRootFilesystem", c.readonly_root_filesystem());
    opt(&mut m, "workingDirectory", c.working_directory());
    opt(&mut m, "stopTimeout", c.stop_timeout());
    opt(&mut m, "startTimeout", c.start_timeout());
    if !c.command().is_empty() {
        m.insert("command".into(), json!(c.command()));
    }
    if !c.entry_point().is_empty() {
        m.insert("entryPoint".into(), json!(c.entry_point()));
    }
    let ports: Vec<Json> = c
        .port_mappings()
        .iter()
        .map(|p| {
            let mut pm = Map::new();
            opt(&mut pm, "containerPort", p.container_port());
            opt(&mut pm, "hostPort", p.host_port());
            opt(&mut pm, "protocol", p.protocol().map(|x| x.as_str().to_ascii_lowercase()));
            opt(&mut pm, "name", p.name());
            opt(&mut pm, "appProtocol", p.app_protocol().map(|x| x.as_str().to_ascii_lowercase()));
            Json::Object(pm)
        })
        .collect();
    if !ports.is_empty() {
        m.insert("portMappings".into(), Json::Array(ports));
    }
    let mut env: Vec<(String, String)> = c
        .environment()
        .iter()
        .filter_map(|e| Some((e.name()?.to_string(), e.value().unwrap_or("").to_string())))
        .collect();
    env.sort();
    if !env.is_empty() {
        m.insert("environment".into(), env.into_iter().map(|(n, v)| json!({"name": n, "value": v})).collect());
    }
    let secrets: Vec<Json> =
        c.secrets().iter().map(|s| json!({"name": s.name(), "valueFrom": s.value_from()})).collect();
    if !secrets.is_empty() {
        m.insert("secrets".into(), Json::Array(secrets));
    }
    if let Some(l) = c.log_configuration() {
        let mut lc = Map::new();
        lc.insert("logDriver".into(), l.log_driver().as_str().to_ascii_lowercase().into());
        if let Some(o) = l.options() {
            let sorted: BTreeMap<_, _> = o.iter().collect();
            lc.insert("options".into(), json!(sorted));
        }
        if !l.secret_options().is_empty() {
            lc.insert(
                "secretOptions".into(),
                l.secret_options().iter().map(|s| json!({"name": s.name(), "valueFrom": s.value_from()})).collect(),
            );
        }
        m.insert("logConfiguration".into(), Json::Object(lc));
    }
    if let Some(h) = c.health_check() {
        let mut hc = Map::new();
        hc.insert("command".into(), json!(h.command()));
        opt(&mut hc, "interval", h.interval());
        opt(&mut hc, "timeout", h.timeout());
        opt(&mut hc, "retries", h.retries());
        opt(&mut hc, "startPeriod", h.start_period());
        m.insert("healthCheck".into(), Json::Object(hc));
    }
    if let Some(lp) = c.linux_parameters() {
        let mut l = Map::new();
        opt(&mut l, "initProcessEnabled", lp.init_process_enabled());
        if let Some(caps) = lp.capabilities() {
            let mut cm = Map::new();
            if !caps.add().is_empty() {
                cm.insert("add".into(), json!(caps.add()));
            }
            if !caps.drop().is_empty() {
                cm.insert("drop".into(), json!(caps.drop()));
            }
            l.insert("capabilities".into(), Json::Object(cm));
        }
        if !l.is_empty() {
            m.insert("linuxParameters".into(), Json::Object(l));
        }
    }
    let mounts: Vec<Json> = c
        .mount_points()
        .iter()
        .map(|p| {
            let mut mp = Map::new();
            opt(&mut mp, "containerPath", p.container_path());
            opt(&mut mp, "readOnly", p.read_only());
            opt(&mut mp, "sourceVolume", p.source_volume());
            Json::Object(mp)
        })
        .collect();
    if !mounts.is_empty() {
        m.insert("mountPoints".into(), Json::Array(mounts));
    }
    let deps: Vec<Json> = c
        .depends_on()
        .iter()
        .map(|d| json!({"containerName": d.container_name(), "condition": d.condition().as_str().to_ascii_uppercase()}))
        .collect();
    if !deps.is_empty() {
        m.insert("dependsOn".into(), Json::Array(deps));
    }
    if let Some(labels) = c.docker_labels().filter(|l| !l.is_empty()) {
        let sorted: BTreeMap<_, _> = labels.iter().collect();
        m.insert("dockerLabels".into(), json!(sorted));
    }
    Json::Object(m)
}
