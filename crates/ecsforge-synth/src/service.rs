//! Everything one service owns: ECR, logs, roles, task definition, service,
//! security group and rules, target group and listener rule, autoscaling.

use std::collections::BTreeMap;

use ecsforge_manifest::{Capacity, Egress, ResolvedService, Runtime, SecretRef, Service, ServiceType};
use ecsforge_model::{Address, Concern, Kind, Provenance, Value};

use crate::alb::Alb;
use crate::cluster::{Cluster, strategy};
use crate::network::{Net, lit, ref_part};
use crate::security::Keys;
use crate::{Cx, aws_name, policy, r, tf_ident};

pub(crate) struct Shared<'a> {
    pub net: &'a Net,
    pub keys: &'a Keys,
    pub cluster: &'a Cluster,
    pub alb: Option<&'a Alb>,
    pub endpoints_sg: &'a Address,
    pub ec2: Option<&'a crate::capacity::Ec2>,
    pub namespace: Option<&'a Address>,
    pub tables: Option<&'a crate::data::Tables>,
}

/// Builds every service; returns `(service name, task SG)` pairs.
pub(crate) fn build_all(cx: &mut Cx, sh: &Shared) -> Vec<(String, Address)> {
    let m = cx.m;
    // Security groups first: peers reference each other's groups.
    let sgs: BTreeMap<String, Address> =
        m.services.iter().map(|s| (s.name.value.clone(), security_group(cx, sh, s))).collect();
    let priorities = listener_priorities(&m.services);
    for s in &m.services {
        let resolved = m.resolve(cx.env, s);
        service(cx, sh, &resolved, &sgs, priorities.get(s.name.as_str()).copied());
    }
    sgs.into_iter().collect()
}

/// Listener-rule priorities: explicit ones kept; the rest numbered 100, 110, …
/// most specific first (host+path, then host, then longest literal path prefix).
pub fn listener_priorities(services: &[Service]) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let mut taken: Vec<u32> = Vec::new();
    for s in services {
        if let Some(p) = s.routing.as_ref().and_then(|r| r.priority) {
            out.insert(s.name.value.clone(), p);
            taken.push(p);
        }
    }
    let mut rest: Vec<&Service> =
        services.iter().filter(|s| s.routing.as_ref().is_some_and(|r| r.priority.is_none())).collect();
    let literal = |p: &str| p.find(['*', '?']).unwrap_or(p.len());
    rest.sort_by_key(|s| {
        let r = s.routing.as_ref().expect("filtered");
        let has_hosts = !r.hosts.is_empty();
        let has_paths = !r.paths.is_empty();
        // The least specific path decides how early the rule may match.
        let path_len = r.paths.iter().map(|p| literal(p)).min().unwrap_or(0);
        (!(has_hosts && has_paths), !has_hosts, std::cmp::Reverse(path_len), s.name.value.clone())
    });
    let mut next = 100;
    for s in rest {
        while taken.contains(&next) {
            next += 1;
        }
        out.insert(s.name.value.clone(), next);
        taken.push(next);
        next += 10;
    }
    out
}

fn security_group(cx: &mut Cx, sh: &Shared, s: &Service) -> Address {
    let name = aws_name(&[&cx.prefix, &s.name], 255);
    let sg = cx
        .res(Kind::SecurityGroup, &tf_ident(&s.name), Concern::Service(s.name.value.clone()), cx.prov(&s.loc))
        .with("name", name.as_str())
        .with("description", format!("ECS tasks of {} ({})", s.name.value, s.service_type.as_str()))
        .with("vpc_id", r(&sh.net.vpc, "id"));
    cx.add(sg, Some(&name))
}

struct Rule<'a> {
    sg: &'a Address,
    name: String,
    port: (u16, u16),
    proto: &'a str,
    peer: Peer,
    description: String,
}

enum Peer {
    Sg(Value),
    Cidr(String),
    PrefixList(Value),
}

fn rule(cx: &mut Cx, kind: Kind, concern: &Concern, prov: &Provenance, rule: Rule) {
    let mut res = cx
        .res(kind, &rule.name, concern.clone(), prov.clone())
        .with("security_group_id", r(rule.sg, "id"))
        .with("ip_protocol", rule.proto)
        .with("from_port", rule.port.0)
        .with("to_port", rule.port.1)
        .with("description", rule.description);
    match rule.peer {
        Peer::Sg(v) => res.set("referenced_security_group_id", v),
        Peer::Cidr(c) => res.set("cidr_ipv4", c),
        Peer::PrefixList(v) => res.set("prefix_list_id", v),
    }
    let tag = format!("{}-{}", cx.prefix, rule.name.replace('_', "-"));
    cx.add(res, Some(&tag));
}

fn service(cx: &mut Cx, sh: &Shared, rs: &ResolvedService, sgs: &BTreeMap<String, Address>, priority: Option<u32>) {
    let s = rs.service;
    let svc = s.name.value.as_str();
    let id = tf_ident(svc);
    let c = Concern::Service(svc.to_string());
    let p = cx.prov(&s.loc);
    let prefix = cx.prefix.clone();
    let region = cx.region().to_string();
    let account = cx.account().to_string();
    let sg = &sgs[svc];

    // --- Security group rules -------------------------------------------------
    if s.service_type == ServiceType::Public
        && let Some(alb) = sh.alb
    {
        let port = (s.port, s.port);
        let desc = format!("{svc} port {} from the ALB", s.port);
        rule(
            cx,
            Kind::SecurityGroupIngressRule,
            &c,
            &p,
            Rule {
                sg,
                name: format!("{id}_from_alb"),
                port,
                proto: "tcp",
                peer: Peer::Sg(r(&alb.sg, "id")),
                description: desc,
            },
        );
        let desc = format!("to {svc} tasks on port {}", s.port);
        rule(
            cx,
            Kind::SecurityGroupEgressRule,
            &c,
            &p,
            Rule {
                sg: &alb.sg,
                name: format!("alb_to_{id}"),
                port,
                proto: "tcp",
                peer: Peer::Sg(r(sg, "id")),
                description: desc,
            },
        );
    }
    for caller in &s.allow_from {
        let port = (s.port, s.port);
        rule(
            cx,
            Kind::SecurityGroupIngressRule,
            &c,
            &p,
            Rule {
                sg,
                name: format!("{id}_from_{}", tf_ident(caller)),
                port,
                proto: "tcp",
                peer: Peer::Sg(r(&sgs[caller], "id")),
                description: format!("{svc} port {} from {caller}", s.port),
            },
        );
    }
    // Egress to the services that admit this one.
    for callee in cx.m.services.iter().filter(|o| o.allow_from.iter().any(|a| a == svc)) {
        rule(
            cx,
            Kind::SecurityGroupEgressRule,
            &c,
            &p,
            Rule {
                sg,
                name: format!("{id}_to_{}", tf_ident(&callee.name)),
                port: (callee.port, callee.port),
                proto: "tcp",
                peer: Peer::Sg(r(&sgs[callee.name.as_str()], "id")),
                description: format!("to {} on port {}", callee.name.value, callee.port),
            },
        );
    }
    rule(
        cx,
        Kind::SecurityGroupEgressRule,
        &c,
        &p,
        Rule {
            sg,
            name: format!("{id}_to_endpoints"),
            port: (443, 443),
            proto: "tcp",
            peer: Peer::Sg(r(sh.endpoints_sg, "id")),
            description: "HTTPS to interface VPC endpoints".into(),
        },
    );
    rule(
        cx,
        Kind::SecurityGroupEgressRule,
        &c,
        &p,
        Rule {
            sg,
            name: format!("{id}_to_s3"),
            port: (443, 443),
            proto: "tcp",
            peer: Peer::PrefixList(r(&Address::new("aws_vpc_endpoint", "s3"), "prefix_list_id")),
            description: "HTTPS to S3 through the gateway endpoint (ECR image layers)".into(),
        },
    );
    if !s.tables.is_empty() {
        rule(
            cx,
            Kind::SecurityGroupEgressRule,
            &c,
            &p,
            Rule {
                sg,
                name: format!("{id}_to_dynamodb"),
                port: (443, 443),
                proto: "tcp",
                peer: Peer::PrefixList(r(&Address::new("aws_vpc_endpoint", "dynamodb"), "prefix_list_id")),
                description: "HTTPS to DynamoDB through the gateway endpoint".into(),
            },
        );
    }
    if cx.env.egress != Egress::EndpointsOnly {
        rule(
            cx,
            Kind::SecurityGroupEgressRule,
            &c,
            &p,
            Rule {
                sg,
                name: format!("{id}_to_internet"),
                port: (443, 443),
                proto: "tcp",
                peer: Peer::Cidr("0.0.0.0/0".into()),
                description: "HTTPS to the internet through NAT".into(),
            },
        );
    }
    if s.kafka
        && let Some(k) = &cx.m.kafka
    {
        for port in k.ports.clone() {
            let sg_id = Value::from(k.security_group_id.as_str());
            rule(
                cx,
                Kind::SecurityGroupEgressRule,
                &c,
                &p,
                Rule {
                    sg,
                    name: format!("{id}_to_kafka_{port}"),
                    port: (port, port),
                    proto: "tcp",
                    peer: Peer::Sg(sg_id),
                    description: format!("Kafka brokers on port {port}"),
                },
            );
        }
    }

    // --- ECR ------------------------------------------------------------------
    let repo_name = format!("{}/{}/{svc}", cx.m.project.value, cx.env.env);
    let repo = cx
        .res(Kind::EcrRepository, &id, c.clone(), p.clone())
        .with("name", repo_name.as_str())
        .with("image_tag_mutability", "IMMUTABLE")
        .with("force_delete", false)
        .with("image_scanning_configuration", Value::block([("scan_on_push", Value::from(true))]))
        .with(
            "encryption_configuration",
            Value::block([("encryption_type", Value::from("KMS")), ("kms_key", r(&sh.keys.ecr, "arn"))]),
        );
    let repo = cx.add(repo, Some(&repo_name));
    let lifecycle = Value::json(Value::map([(
        "rules",
        Value::list([
            lifecycle_rule(
                1,
                "Keep prod-* images",
                Value::map([
                    ("tagStatus", Value::from("tagged")),
                    ("tagPrefixList", Value::list([Value::from("prod-")])),
                    ("countType", Value::from("imageCountMoreThan")),
                    ("countNumber", Value::from(9999)),
                ]),
            ),
            lifecycle_rule(
                2,
                "Expire untagged images after 7 days",
                Value::map([
                    ("tagStatus", Value::from("untagged")),
                    ("countType", Value::from("sinceImagePushed")),
                    ("countUnit", Value::from("days")),
                    ("countNumber", Value::from(7)),
                ]),
            ),
            lifecycle_rule(
                3,
                "Keep the last 10 tagged images",
                Value::map([
                    ("tagStatus", Value::from("tagged")),
                    ("tagPatternList", Value::list([Value::from("*")])),
                    ("countType", Value::from("imageCountMoreThan")),
                    ("countNumber", Value::from(10)),
                ]),
            ),
        ]),
    )]));
    let lc = cx
        .res(Kind::EcrLifecyclePolicy, &id, c.clone(), p.clone())
        .with("repository", r(&repo, "name"))
        .with("policy", lifecycle);
    cx.add(lc, None);

    // --- Logs -----------------------------------------------------------------
    let lg = cx
        .res(Kind::LogGroup, &id, c.clone(), p.clone())
        .with("name", format!("/ecs/{prefix}/{svc}"))
        .with("retention_in_days", cx.env.log_retention_days)
        .with("kms_key_id", r(&sh.keys.logs, "arn"));
    let lg = cx.add(lg, None);

    // --- Managed secrets (created here, read by the execution role only) --------
    let managed = crate::security::managed_secrets(cx, sh.keys, s);

    // --- IAM ------------------------------------------------------------------
    let exec_name = aws_name(&[&prefix, svc, "exec"], 64);
    let exec = cx
        .res(Kind::IamRole, &format!("{id}_execution"), c.clone(), p.clone())
        .with("name", exec_name.as_str())
        .with("assume_role_policy", policy::assume_role("ecs-tasks.amazonaws.com", &account));
    let exec = cx.add(exec, Some(&exec_name));
    let mut exec_statements = vec![
        policy::allow("EcrAuth", &["ecr:GetAuthorizationToken"], vec![Value::from("*")]),
        policy::allow(
            "EcrPull",
            &["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            vec![r(&repo, "arn")],
        ),
        policy::allow(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![Value::Template(vec![ref_part(&lg, "arn"), lit(":*")])],
        ),
    ];
    let (sm_arns, ssm_arns) = secret_arns(&s.secrets, &region, &account);
    if !sm_arns.is_empty() || !managed.is_empty() {
        exec_statements.push(policy::allow(
            "ReadSecrets",
            &["secretsmanager:GetSecretValue"],
            sm_arns.iter().map(Value::from).chain(managed.values().map(|a| r(a, "arn"))).collect(),
        ));
    }
    if !ssm_arns.is_empty() {
        exec_statements.push(policy::allow(
            "ReadParameters",
            &["ssm:GetParameters"],
            ssm_arns.iter().map(Value::from).collect(),
        ));
    }
    let kms_keys = &cx.m.security.secrets_kms_key_arns;
    // The declared keys encrypt the secrets given by ARN or name, which the
    // execution role injects and the task role may read: both decrypt them.
    let decrypt_external = || {
        policy::with(
            policy::allow("DecryptSecrets", &["kms:Decrypt"], kms_keys.iter().map(Value::from).collect()),
            "Condition",
            Value::map([(
                "StringEquals",
                Value::map([(
                    "kms:ViaService",
                    Value::list([
                        Value::from(format!("secretsmanager.{region}.amazonaws.com")),
                        Value::from(format!("ssm.{region}.amazonaws.com")),
                    ]),
                )]),
            )]),
        )
    };
    if !s.secrets.is_empty() && !kms_keys.is_empty() {
        exec_statements.push(decrypt_external());
    }
    if !managed.is_empty() {
        exec_statements.push(policy::with(
            policy::allow("DecryptManagedSecrets", &["kms:Decrypt"], vec![r(&sh.keys.secrets, "arn")]),
            "Condition",
            Value::map([(
                "StringEquals",
                Value::map([("kms:ViaService", Value::from(format!("secretsmanager.{region}.amazonaws.com")))]),
            )]),
        ));
    }
    let exec_policy = cx
        .res(Kind::IamRolePolicy, &format!("{id}_execution"), c.clone(), p.clone())
        .with("name", "ecs-task-execution")
        .with("role", r(&exec, "id"))
        .with("policy", policy::document(exec_statements));
    cx.add(exec_policy, None);
    crate::security::managed_secret_policies(cx, s, &managed, &exec);

    let task_name = aws_name(&[&prefix, svc, "task"], 64);
    let task_role = cx
        .res(Kind::IamRole, &format!("{id}_task"), c.clone(), p.clone())
        .with("name", task_name.as_str())
        .with("assume_role_policy", policy::assume_role("ecs-tasks.amazonaws.com", &account));
    let task_role = cx.add(task_role, Some(&task_name));
    crate::data::grant(cx, s, &task_role, &p, sh.tables);
    if !sm_arns.is_empty() || !ssm_arns.is_empty() {
        let mut st = Vec::new();
        if !sm_arns.is_empty() {
            st.push(policy::allow(
                "ReadOwnSecrets",
                &["secretsmanager:GetSecretValue"],
                sm_arns.iter().map(Value::from).collect(),
            ));
        }
        if !ssm_arns.is_empty() {
            st.push(policy::allow(
                "ReadOwnParameters",
                &["ssm:GetParameters"],
                ssm_arns.iter().map(Value::from).collect(),
            ));
        }
        if !kms_keys.is_empty() {
            st.push(decrypt_external());
        }
        let tp = cx
            .res(Kind::IamRolePolicy, &format!("{id}_task"), c.clone(), p.clone())
            .with("name", "service-secrets-read")
            .with("role", r(&task_role, "id"))
            .with("policy", policy::document(st));
        cx.add(tp, None);
    }

    // Pull is granted to the execution role only; other principals are denied.
    let pull = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];
    let repo_policy = policy::document(vec![
        Value::map([
            ("Sid", Value::from("PullByExecutionRole")),
            ("Effect", Value::from("Allow")),
            ("Principal", Value::map([("AWS", r(&exec, "arn"))])),
            ("Action", Value::list(pull.map(Value::from))),
        ]),
        Value::map([
            ("Sid", Value::from("DenyPullByOthers")),
            ("Effect", Value::from("Deny")),
            ("Principal", Value::from("*")),
            // Not BatchCheckLayerAvailability: `docker push` from CI needs it.
            ("Action", Value::list(["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"].map(Value::from))),
            ("Condition", Value::map([("ArnNotEquals", Value::map([("aws:PrincipalArn", r(&exec, "arn"))]))])),
        ]),
    ]);
    let rp = cx
        .res(Kind::EcrRepositoryPolicy, &id, c.clone(), p.clone())
        .with("repository", r(&repo, "name"))
        .with("policy", repo_policy);
    cx.add(rp, None);

    // --- Task definition --------------------------------------------------------
    let container = container_definition(cx, rs, &repo, &lg, &managed);
    let mut td = cx
        .res(Kind::EcsTaskDefinition, &id, c.clone(), p.clone())
        .with("family", format!("{prefix}-{svc}"))
        .with("network_mode", "awsvpc")
        .with("requires_compatibilities", Value::list([Value::from(compatibility(s.capacity))]))
        .with("cpu", rs.cpu.to_string())
        .with("memory", rs.memory.to_string())
        .with("execution_role_arn", r(&exec, "arn"))
        .with("task_role_arn", r(&task_role, "arn"))
        .with(
            "runtime_platform",
            Value::block([
                ("operating_system_family", Value::from("LINUX")),
                ("cpu_architecture", Value::from(s.architecture.ecs_name())),
            ]),
        )
        .with("container_definitions", Value::json(Value::list([container])));
    if s.read_only_root_filesystem {
        td.set("volume", Value::block([("name", Value::from("tmp"))]));
    }
    let td = cx.add(td, Some(&format!("{prefix}-{svc}")));

    // --- Target group and listener rule (public services) --------------------------
    let mut lb_block = None;
    // Blue first, then the canary's green target group.
    let mut target_groups: Vec<Address> = Vec::new();
    let mut depends = vec![sh.cluster.capacity_providers.clone()];
    if let (ServiceType::Public, Some(alb), Some(routing)) = (s.service_type, sh.alb, &s.routing) {
        let tg_name = aws_name(&[&prefix, svc], 32);
        let tg = cx
            .res(Kind::LbTargetGroup, &id, c.clone(), p.clone())
            .with("name", tg_name.as_str())
            .with("port", s.port)
            .with("protocol", "HTTP")
            .with("target_type", "ip")
            .with("vpc_id", r(&sh.net.vpc, "id"))
            .with("deregistration_delay", "30")
            .with(
                "health_check",
                Value::block([
                    ("enabled", Value::from(true)),
                    ("path", Value::from(s.health_check_path.as_str())),
                    ("protocol", Value::from("HTTP")),
                    ("port", Value::from("traffic-port")),
                    ("matcher", Value::from("200-399")),
                    ("interval", Value::from(30)),
                    ("timeout", Value::from(5)),
                    ("healthy_threshold", Value::from(2)),
                    ("unhealthy_threshold", Value::from(3)),
                ]),
            )
            .with("stickiness", Value::block([("type", Value::from("lb_cookie")), ("enabled", Value::from(false))]));
        let tg = cx.add(tg, Some(&tg_name));
        let green = crate::rollout::green_target_group(cx, s, &tg);
        let mut conditions = Vec::new();
        if !routing.paths.is_empty() {
            let vals = Value::List(routing.paths.iter().map(Value::from).collect());
            conditions.push(Value::map([("path_pattern", Value::block([("values", vals)]))]));
        }
        if !routing.hosts.is_empty() {
            let vals = Value::List(routing.hosts.iter().map(Value::from).collect());
            conditions.push(Value::map([("host_header", Value::block([("values", vals)]))]));
        }
        let mut rule = cx
            .res(Kind::LbListenerRule, &id, c.clone(), p.clone())
            .with("listener_arn", r(&alb.https_listener, "arn"))
            .with("priority", priority.unwrap_or(100))
            .with("action", crate::rollout::forward_action(s, &tg, green.as_ref()))
            .with("condition", Value::List(conditions));
        crate::rollout::hand_over_rule(s, &mut rule);
        let rule = cx.add(rule, Some(&format!("{prefix}-{svc}")));
        depends.push(rule);
        target_groups.push(tg.clone());
        target_groups.extend(green);
        lb_block = Some(Value::block([
            ("target_group_arn", r(&tg, "arn")),
            ("container_name", Value::from(svc)),
            ("container_port", Value::from(s.port)),
        ]));
    }

    // --- Service ------------------------------------------------------------------
    let mut ecs = cx
        .res(Kind::EcsService, &id, c.clone(), p.clone())
        .with("name", svc)
        .with("cluster", r(&sh.cluster.cluster, "id"))
        .with("task_definition", r(&td, "arn"))
        .with("desired_count", rs.desired_count)
        .with("capacity_provider_strategy", service_strategy(cx, s, sh))
        .with("deployment_minimum_healthy_percent", 100)
        .with("deployment_maximum_percent", 200)
        .with(
            "deployment_circuit_breaker",
            Value::block([("enable", Value::from(true)), ("rollback", Value::from(true))]),
        )
        .with(
            "network_configuration",
            Value::block([
                ("subnets", sh.net.private_subnet_ids()),
                ("security_groups", Value::list([r(sg, "id")])),
                ("assign_public_ip", Value::from(false)),
            ]),
        )
        .with("enable_ecs_managed_tags", true)
        .with("propagate_tags", "SERVICE")
        .with("wait_for_steady_state", false);
    match (s.capacity, sh.ec2) {
        (Capacity::Ec2, Some(_)) => {
            ecs.set(
                "ordered_placement_strategy",
                Value::block([
                    ("type", Value::from("spread")),
                    ("field", Value::from("attribute:ecs.availability-zone")),
                ]),
            );
        }
        _ => ecs.set("platform_version", "LATEST"),
    }
    if let Some(registry) = crate::discovery::register(cx, s, sh.namespace) {
        ecs.set("service_registries", registry);
    }
    if let Some(lb) = lb_block {
        ecs.set("load_balancer", lb);
        ecs.set("health_check_grace_period_seconds", 60);
    }
    // Autoscaling owns desired_count once the service exists.
    ecs.ignore_changes.push("desired_count".into());
    crate::rollout::hand_over_service(s, &mut ecs);
    ecs.depends_on = depends;
    let ecs = cx.add(ecs, Some(&format!("{prefix}-{svc}")));

    // --- Autoscaling ----------------------------------------------------------------
    let target = cx
        .res(Kind::AppAutoscalingTarget, &id, c.clone(), p.clone())
        .with("service_namespace", "ecs")
        .with("scalable_dimension", "ecs:service:DesiredCount")
        .with(
            "resource_id",
            Value::Template(vec![
                lit("service/"),
                ref_part(&sh.cluster.cluster, "name"),
                lit("/"),
                ref_part(&ecs, "name"),
            ]),
        )
        .with("min_capacity", rs.autoscaling_min)
        .with("max_capacity", rs.autoscaling_max);
    let target = cx.add(target, Some(&format!("{prefix}-{svc}")));
    for (metric, predefined, value) in [
        ("cpu", "ECSServiceAverageCPUUtilization", s.autoscaling.cpu_target),
        ("memory", "ECSServiceAverageMemoryUtilization", s.autoscaling.memory_target),
    ] {
        let pol = cx
            .res(Kind::AppAutoscalingPolicy, &format!("{id}_{metric}"), c.clone(), p.clone())
            .with("name", format!("{prefix}-{svc}-{metric}-target"))
            .with("policy_type", "TargetTrackingScaling")
            .with("resource_id", r(&target, "resource_id"))
            .with("scalable_dimension", r(&target, "scalable_dimension"))
            .with("service_namespace", r(&target, "service_namespace"))
            .with(
                "target_tracking_scaling_policy_configuration",
                Value::block([
                    ("target_value", Value::from(value)),
                    ("scale_in_cooldown", Value::from(300)),
                    ("scale_out_cooldown", Value::from(60)),
                    (
                        "predefined_metric_specification",
                        Value::block([("predefined_metric_type", Value::from(predefined))]),
                    ),
                ]),
            );
        cx.add(pol, None);
    }

    // --- Canary rollout and monitoring ----------------------------------------------
    let services = match (sh.alb, &target_groups[..]) {
        (Some(alb), [blue, green]) => crate::rollout::build(cx, s, alb, sh.cluster, &ecs, blue, green),
        _ => vec![ecs.clone()],
    };
    cx.watched.push(crate::monitoring::Watched {
        name: svc.to_string(),
        loc: s.loc.clone(),
        services,
        target_groups,
        min: rs.autoscaling_min,
    });

    // --- Outputs --------------------------------------------------------------------
    cx.output(&format!("{id}_service_arn"), r(&ecs, "id"), &format!("ARN of the {svc} ECS service"));
    cx.output(&format!("{id}_service_name"), r(&ecs, "name"), &format!("Name of the {svc} ECS service"));
    cx.output(&format!("{id}_ecr_repository_url"), r(&repo, "repository_url"), &format!("ECR repository URL of {svc}"));
    cx.output(&format!("{id}_task_role_arn"), r(&task_role, "arn"), &format!("Task role ARN of {svc}"));
    cx.output(&format!("{id}_security_group_id"), r(sg, "id"), &format!("Task security group of {svc}"));
}

/// `requires_compatibilities` of a service's task definition.
fn compatibility(capacity: Capacity) -> &'static str {
    match capacity {
        Capacity::Fargate => "FARGATE",
        Capacity::Ec2 => "EC2",
    }
}

/// The service's capacity-provider strategy: the environment's Fargate mix,
/// or the EC2 capacity provider alone.
fn service_strategy(cx: &Cx, s: &Service, sh: &Shared) -> Value {
    match (s.capacity, sh.ec2) {
        (Capacity::Ec2, Some(ec2)) => Value::block([
            ("capacity_provider", r(&ec2.provider, "name")),
            ("weight", Value::from(1)),
            ("base", Value::from(0)),
        ]),
        _ => strategy(cx),
    }
}

fn lifecycle_rule(priority: u32, description: &str, selection: Value) -> Value {
    Value::map([
        ("rulePriority", Value::from(priority)),
        ("description", Value::from(description)),
        ("selection", selection),
        ("action", Value::map([("type", Value::from("expire"))])),
    ])
}

/// IAM resource ARNs for a service's secrets: (Secrets Manager, SSM).
/// A secret named without its 6-character suffix gets `-??????` appended.
pub(crate) fn secret_arns(
    secrets: &BTreeMap<String, SecretRef>,
    region: &str,
    account: &str,
) -> (Vec<String>, Vec<String>) {
    let mut sm = Vec::new();
    let mut ssm = Vec::new();
    for s in secrets.values() {
        match s {
            SecretRef::SecretsManagerArn(arn) => {
                let name = arn.rsplit_once(":secret:").map(|(_, n)| n).unwrap_or("");
                let has_suffix = name
                    .rsplit_once('-')
                    .is_some_and(|(_, sfx)| sfx.len() == 6 && sfx.bytes().all(|c| c.is_ascii_alphanumeric()));
                sm.push(if has_suffix { arn.clone() } else { format!("{arn}-??????") });
            }
            SecretRef::SecretsManagerName(name) => {
                sm.push(format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????"))
            }
            SecretRef::SsmParameterArn(arn) => ssm.push(arn.clone()),
            // Granted by reference to the secret ecsforge creates.
            SecretRef::Managed(_) => {}
        }
    }
    sm.sort();
    sm.dedup();
    ssm.sort();
    ssm.dedup();
    (sm, ssm)
}

/// The container's health check, by runtime: images built on slim bases rarely
/// ship curl, so the runtime's own interpreter makes the request.
fn health_command(runtime: Runtime, port: u16, path: &str) -> String {
    let url = format!("http://localhost:{port}{path}");
    match runtime {
        Runtime::Nodejs => format!(
            "node -e \"require('http').get('{url}',r=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))\""
        ),
        Runtime::Python => format!(
            "python -c \"import sys,urllib.request;sys.exit(0 if urllib.request.urlopen('{url}',timeout=4).status<400 else 1)\""
        ),
    }
}

fn container_definition(
    cx: &Cx,
    rs: &ResolvedService,
    repo: &Address,
    lg: &Address,
    managed: &BTreeMap<String, Address>,
) -> Value {
    let s = rs.service;
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    match s.runtime {
        Runtime::Nodejs => env.insert("NODE_ENV".into(), "production".into()),
        Runtime::Python => env.insert("PYTHONUNBUFFERED".into(), "1".into()),
    };
    env.insert("PORT".into(), s.port.to_string());
    for (k, v) in &s.environment {
        env.insert(k.clone(), v.clone());
    }
    if s.kafka
        && let Some(k) = &cx.m.kafka
    {
        env.insert("KAFKA_BROKERS".into(), k.brokers.join(","));
    }
    // Names that differ per environment, unless the manifest sets them.
    if cx.m.has_discovery() {
        env.entry("DISCOVERY_NAMESPACE".into()).or_insert_with(|| crate::discovery::namespace_name(cx));
    }
    for g in &s.tables {
        let var = format!("DYNAMODB_TABLE_{}", g.table.to_ascii_uppercase().replace('-', "_"));
        env.entry(var).or_insert_with(|| crate::data::table_name(cx, &g.table));
    }
    let environment = Value::List(
        env.into_iter().map(|(k, v)| Value::map([("name", Value::from(k)), ("value", Value::from(v))])).collect(),
    );
    let secrets = Value::List(
        s.secrets
            .iter()
            .map(|(k, v)| {
                let from = match v {
                    SecretRef::SecretsManagerArn(a) | SecretRef::SsmParameterArn(a) => Value::from(a.as_str()),
                    SecretRef::SecretsManagerName(n) => Value::from(n.as_str()),
                    SecretRef::Managed(_) => r(&managed[k], "arn"),
                };
                Value::map([("name", Value::from(k.as_str())), ("valueFrom", from)])
            })
            .collect(),
    );
    let mut c = BTreeMap::new();
    c.insert("name".to_string(), Value::from(s.name.as_str()));
    c.insert(
        "image".to_string(),
        Value::Template(vec![ref_part(repo, "repository_url"), lit(&format!(":{}", rs.image_tag))]),
    );
    c.insert("essential".to_string(), Value::from(true));
    c.insert(
        "portMappings".to_string(),
        Value::list([Value::map([
            ("name", Value::from("http")),
            ("containerPort", Value::from(s.port)),
            ("hostPort", Value::from(s.port)),
            ("protocol", Value::from("tcp")),
        ])]),
    );
    c.insert("environment".to_string(), environment);
    c.insert("secrets".to_string(), secrets);
    c.insert(
        "logConfiguration".to_string(),
        Value::map([
            ("logDriver", Value::from("awslogs")),
            (
                "options",
                Value::map([
                    ("awslogs-group", r(lg, "name")),
                    ("awslogs-region", Value::from(cx.region())),
                    ("awslogs-stream-prefix", Value::from("ecs")),
                ]),
            ),
        ]),
    );
    c.insert(
        "healthCheck".to_string(),
        Value::map([
            (
                "command",
                Value::list([
                    Value::from("CMD-SHELL"),
                    Value::from(health_command(s.runtime, s.port, &s.health_check_path)),
                ]),
            ),
            ("interval", Value::from(30)),
            ("timeout", Value::from(5)),
            ("retries", Value::from(3)),
            ("startPeriod", Value::from(60)),
        ]),
    );
    c.insert("readonlyRootFilesystem".to_string(), Value::from(s.read_only_root_filesystem));
    c.insert("linuxParameters".to_string(), Value::map([("initProcessEnabled", Value::from(true))]));
    if s.read_only_root_filesystem {
        c.insert(
            "mountPoints".to_string(),
            Value::list([Value::map([
                ("sourceVolume", Value::from("tmp")),
                ("containerPath", Value::from("/tmp")),
                ("readOnly", Value::from(false)),
            ])]),
        );
    }
    Value::Map(c)
}
