//! Canary rollout resources (doc 002), for services with
//! `deployment.strategy: canary`.
//!
//! - `controller: ecsforge`: a second target group (`<id>_green`) and a second
//!   ECS service (`<name>-green`, `aws_ecs_service.<id>_green`) bound to it, at
//!   0 tasks while no rollout runs; the listener rule forwards with weights
//!   blue 100 / green 0. `ecsforge rollout` registers the new revision on the
//!   green service, scales it up, shifts the weights step by step while the
//!   green target group's success-rate alarm stays OK, then promotes the
//!   revision to blue, shifts back and scales green to 0. Terraform ignores
//!   the weights, both services' task definitions and their desired counts, so
//!   it never fights a rollout.
//! - `controller: codedeploy`: one ECS service with the `CODE_DEPLOY`
//!   controller, a CodeDeploy application, a deployment config expressing the
//!   steps (TimeBasedCanary/TimeBasedLinear, or `CodeDeployDefault.ECSAllAtOnce`),
//!   a deployment group (blue/green target-group pair on the HTTPS listener,
//!   auto-rollback on failure and on both success-rate alarms) and its role.

use ecsforge_manifest::{CodedeployShape, Controller, Service, codedeploy_shape};
use ecsforge_model::{Address, Concern, Kind, Resource, Value};

use crate::alb::Alb;
use crate::cluster::Cluster;
use crate::network::{lit, ref_part};
use crate::{Cx, aws_name, monitoring, policy, r, tf_ident};

/// Minutes CodeDeploy keeps the old task set after a successful deployment.
pub(crate) const TERMINATION_WAIT_MINUTES: u32 = 5;

/// Whether the service is a canary, and by which controller.
pub(crate) fn controller(s: &Service) -> Option<Controller> {
    s.deployment.is_canary().then_some(s.deployment.controller)
}

/// The green target group of a canary: a copy of the blue one under its own name.
pub(crate) fn green_target_group(cx: &mut Cx, s: &Service, blue: &Address) -> Option<Address> {
    controller(s)?;
    let mut tg = cx.model.get(blue).expect("blue target group exists").clone();
    let name = aws_name(&[&cx.prefix, &s.name, "green"], 32);
    tg.address = Address::new("aws_lb_target_group", &format!("{}_green", tf_ident(&s.name)));
    tg.attrs.remove("tags");
    tg.set("name", name.as_str());
    Some(cx.add(tg, Some(&name)))
}

/// The listener rule's action: a weighted forward for the ecsforge controller,
/// a plain forward to blue otherwise (CodeDeploy rewrites it during a deployment).
pub(crate) fn forward_action(s: &Service, blue: &Address, green: Option<&Address>) -> Value {
    match (controller(s), green) {
        (Some(Controller::Ecsforge), Some(green)) => {
            let group =
                |tg: &Address, weight: u32| Value::map([("arn", r(tg, "arn")), ("weight", Value::from(weight))]);
            Value::block([
                ("type", Value::from("forward")),
                (
                    "forward",
                    Value::block([
                        ("target_group", Value::list([group(blue, 100), group(green, 0)])),
                        ("stickiness", Value::block([("enabled", Value::from(false)), ("duration", Value::from(1))])),
                    ]),
                ),
            ])
        }
        _ => Value::block([("type", Value::from("forward")), ("target_group_arn", r(blue, "arn"))]),
    }
}

/// The rollout controller owns the listener rule's action: the weights, or
/// (CodeDeploy) the target group; Terraform must not undo them.
pub(crate) fn hand_over_rule(s: &Service, rule: &mut Resource) {
    if controller(s).is_some() {
        rule.ignore_changes.push("action".into());
    }
}

/// The rollout controller owns the services' task definitions (and, with
/// CodeDeploy, the task set's target group).
pub(crate) fn hand_over_service(s: &Service, ecs: &mut Resource) {
    let Some(ctl) = controller(s) else { return };
    ecs.ignore_changes.push("task_definition".into());
    if ctl == Controller::Codedeploy {
        ecs.set("deployment_controller", Value::block([("type", Value::from("CODE_DEPLOY"))]));
        // CodeDeploy replaces task sets itself; ECS rejects a circuit breaker here.
        ecs.attrs.remove("deployment_circuit_breaker");
        ecs.ignore_changes.push("load_balancer".into());
    }
}

/// What one canary service adds after its blue ECS service exists. Returns the
/// ECS services to watch (blue first).
pub(crate) fn build(
    cx: &mut Cx,
    s: &Service,
    alb: &Alb,
    cluster: &Cluster,
    ecs: &Address,
    blue: &Address,
    green: &Address,
) -> Vec<Address> {
    match controller(s) {
        Some(Controller::Ecsforge) => {
            let green_ecs = green_service(cx, s, cluster, ecs, green);
            rollout_outputs(cx, s, blue, green);
            vec![ecs.clone(), green_ecs]
        }
        Some(Controller::Codedeploy) => {
            codedeploy(cx, s, alb, cluster, ecs, blue, green);
            vec![ecs.clone()]
        }
        None => vec![ecs.clone()],
    }
}

/// What `ecsforge rollout` reads from the Terraform outputs: the rule it
/// reweights, the target-group pair, and the alarm that stops it.
fn rollout_outputs(cx: &mut Cx, s: &Service, blue: &Address, green: &Address) {
    let svc = s.name.value.as_str();
    let id = tf_ident(svc);
    let rule = Address::new("aws_lb_listener_rule", &id);
    cx.output(
        &format!("{id}_canary_listener_rule_arn"),
        r(&rule, "arn"),
        &format!("Listener rule the {svc} canary reweights"),
    );
    cx.output(
        &format!("{id}_canary_target_group_arns"),
        Value::list([r(blue, "arn"), r(green, "arn")]),
        &format!("Blue and green target groups of {svc}"),
    );
    cx.output(
        &format!("{id}_canary_alarm_name"),
        r(&monitoring::success_alarm(green), "alarm_name"),
        &format!("Success-rate alarm that stops a {svc} rollout"),
    );
}

/// The green ECS service (0 tasks at rest) and its autoscaling, copied from blue.
fn green_service(cx: &mut Cx, s: &Service, cluster: &Cluster, blue_ecs: &Address, green_tg: &Address) -> Address {
    let id = tf_ident(&s.name);
    let name = format!("{}-green", s.name.value);
    let mut ecs = cx.model.get(blue_ecs).expect("blue service exists").clone();
    ecs.address = Address::new("aws_ecs_service", &format!("{id}_green"));
    ecs.attrs.remove("tags");
    ecs.set("name", name.as_str());
    // Standby: the listener sends it weight 0 until a rollout scales it up.
    ecs.set("desired_count", 0);
    if let Some(Value::List(blocks)) = ecs.attrs.get_mut("load_balancer")
        && let Some(Value::Map(lb)) = blocks.first_mut()
    {
        lb.insert("target_group_arn".into(), r(green_tg, "arn"));
    }
    let tag = format!("{}-{name}", cx.prefix);
    let ecs = cx.add(ecs, Some(&tag));

    let blue_target = Address::new("aws_appautoscaling_target", &id);
    let mut target = cx.model.get(&blue_target).expect("blue scaling target exists").clone();
    target.address = Address::new("aws_appautoscaling_target", &format!("{id}_green"));
    target.attrs.remove("tags");
    target.set(
        "resource_id",
        Value::Template(vec![lit("service/"), ref_part(&cluster.cluster, "name"), lit("/"), ref_part(&ecs, "name")]),
    );
    // The rollout sets the green count; scaling must neither force tasks at rest nor stop them mid-rollout.
    target.set("min_capacity", 0);
    let target = cx.add(target, Some(&tag));
    for metric in ["cpu", "memory"] {
        let blue_policy = Address::new("aws_appautoscaling_policy", &format!("{id}_{metric}"));
        let mut pol = cx.model.get(&blue_policy).expect("blue scaling policy exists").clone();
        pol.address = Address::new("aws_appautoscaling_policy", &format!("{id}_green_{metric}"));
        pol.set("name", format!("{}-{name}-{metric}-target", cx.prefix));
        pol.set("resource_id", r(&target, "resource_id"));
        pol.set("scalable_dimension", r(&target, "scalable_dimension"));
        pol.set("service_namespace", r(&target, "service_namespace"));
        cx.add(pol, None);
    }
    cx.output(
        &format!("{id}_green_service_name"),
        r(&ecs, "name"),
        &format!("Name of the {name} ECS service (canary)"),
    );
    ecs
}

/// CodeDeploy application, deployment config, deployment group and service role.
fn codedeploy(cx: &mut Cx, s: &Service, alb: &Alb, cluster: &Cluster, ecs: &Address, blue: &Address, green: &Address) {
    let svc = s.name.value.as_str();
    let id = tf_ident(svc);
    let c = Concern::Service(svc.to_string());
    let p = cx.prov(&s.deployment.loc);
    let prefix = cx.prefix.clone();
    let account = cx.account().to_string();

    let role_name = aws_name(&[&prefix, svc, "codedeploy"], 64);
    let role = cx
        .res(Kind::IamRole, &format!("{id}_codedeploy"), c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("assume_role_policy", policy::assume_role("codedeploy.amazonaws.com", &account));
    let role = cx.add(role, Some(&role_name));
    let attach = cx
        .res(Kind::IamRolePolicyAttachment, &format!("{id}_codedeploy"), c.clone(), p.clone())
        .with("role", r(&role, "name"))
        .with("policy_arn", "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS");
    let attach = cx.add(attach, None);

    let app_name = aws_name(&[&prefix, svc], 100);
    let app = cx
        .res(Kind::CodedeployApp, &id, c.clone(), p.clone())
        .with("name", app_name.as_str())
        .with("compute_platform", "ECS");
    let app = cx.add(app, Some(&app_name));

    let d = &s.deployment;
    let config_name = match codedeploy_shape(&d.steps).expect("validated") {
        CodedeployShape::AllAtOnce => Value::from("CodeDeployDefault.ECSAllAtOnce"),
        shape => {
            let (kind, block, percentage_key, interval_key, pct) = match shape {
                CodedeployShape::Canary(pct) => ("TimeBasedCanary", "time_based_canary", "percentage", "interval", pct),
                CodedeployShape::Linear(pct) => ("TimeBasedLinear", "time_based_linear", "percentage", "interval", pct),
                CodedeployShape::AllAtOnce => unreachable!("handled above"),
            };
            let name =
                aws_name(&[&prefix, svc, &kind.to_lowercase(), &pct.to_string(), &d.step_minutes.to_string()], 100);
            let config = cx
                .res(Kind::CodedeployDeploymentConfig, &id, c.clone(), p.clone())
                .with("deployment_config_name", name.as_str())
                .with("compute_platform", "ECS")
                .with(
                    "traffic_routing_config",
                    Value::block([
                        ("type", Value::from(kind)),
                        (
                            block,
                            Value::block([
                                (interval_key, Value::from(d.step_minutes)),
                                (percentage_key, Value::from(pct)),
                            ]),
                        ),
                    ]),
                );
            let config = cx.add(config, None);
            r(&config, "deployment_config_name")
        }
    };

    let alarms = Value::list([blue, green].map(|tg| r(&monitoring::success_alarm(tg), "alarm_name")));
    let group_name = aws_name(&[&prefix, svc], 100);
    let mut group = cx
        .res(Kind::CodedeployDeploymentGroup, &id, c, p)
        .with("app_name", r(&app, "name"))
        .with("deployment_group_name", group_name.as_str())
        .with("deployment_config_name", config_name)
        .with("service_role_arn", r(&role, "arn"))
        .with(
            "deployment_style",
            Value::block([
                ("deployment_option", Value::from("WITH_TRAFFIC_CONTROL")),
                ("deployment_type", Value::from("BLUE_GREEN")),
            ]),
        )
        .with(
            "blue_green_deployment_config",
            Value::block([
                ("deployment_ready_option", Value::block([("action_on_timeout", Value::from("CONTINUE_DEPLOYMENT"))])),
                (
                    "terminate_blue_instances_on_deployment_success",
                    Value::block([
                        ("action", Value::from("TERMINATE")),
                        ("termination_wait_time_in_minutes", Value::from(TERMINATION_WAIT_MINUTES)),
                    ]),
                ),
            ]),
        )
        .with(
            "ecs_service",
            Value::block([("cluster_name", r(&cluster.cluster, "name")), ("service_name", r(ecs, "name"))]),
        )
        .with(
            "load_balancer_info",
            Value::block([(
                "target_group_pair_info",
                Value::block([
                    (
                        "prod_traffic_route",
                        Value::block([("listener_arns", Value::list([r(&alb.https_listener, "arn")]))]),
                    ),
                    (
                        "target_group",
                        Value::list([
                            Value::map([("name", r(blue, "name"))]),
                            Value::map([("name", r(green, "name"))]),
                        ]),
                    ),
                ]),
            )]),
        )
        .with(
            "auto_rollback_configuration",
            Value::block([
                ("enabled", Value::from(true)),
                ("events", Value::list([Value::from("DEPLOYMENT_FAILURE"), Value::from("DEPLOYMENT_STOP_ON_ALARM")])),
            ]),
        )
        .with("alarm_configuration", Value::block([("enabled", Value::from(true)), ("alarms", alarms)]));
    group.depends_on.push(attach);
    cx.add(group, Some(&group_name));
    cx.output(&format!("{id}_codedeploy_app"), r(&app, "name"), &format!("CodeDeploy application of {svc}"));
}
