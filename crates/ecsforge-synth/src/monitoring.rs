//! Monitoring (doc 003 §8 and §Monitoring and Alerting, doc 002 §Alarms):
//! encrypted SNS topics, per-service and cluster alarms, the success-rate
//! alarm canary rollouts watch, task-failure and deployment-failure events,
//! and CloudWatch dashboards.
//!
//! Task failures have no AWS metric: an EventBridge rule sends every failed
//! `ECS Task State Change` (STOPPED with stop code `TaskFailedToStart` or
//! `EssentialContainerExited`, or a stop reason starting `Task failed`, i.e.
//! failed ELB or container health checks) of this cluster to a log group, and a
//! metric filter counts them per `group` (`service:<name>`) in the namespace
//! `ecsforge/<project>-<env>`.

use ecsforge_manifest::Loc;
use ecsforge_model::{Address, Concern, Kind, Value};

use crate::alb::Alb;
use crate::cluster::Cluster;
use crate::network::{lit, ref_part};
use crate::{Cx, policy, r, security};

/// What one service asks to be watched.
pub(crate) struct Watched {
    /// The manifest service name.
    pub name: String,
    pub loc: Loc,
    /// Its ECS services: blue first, then a canary's green one.
    pub services: Vec<Address>,
    /// Its target groups (public services): blue first, then green.
    pub target_groups: Vec<Address>,
    /// The autoscaling minimum in this environment.
    pub min: u32,
}

/// The success-rate alarm of a target group (rollouts and CodeDeploy watch it).
pub(crate) fn success_alarm(tg: &Address) -> Address {
    Address::new("aws_cloudwatch_metric_alarm", &format!("{}_success_rate", tg.name()))
}

struct Topics {
    critical: Address,
    warning: Address,
}

const PERIOD: u32 = 60;

pub(crate) fn build(cx: &mut Cx, cluster: &Cluster, alb: Option<&Alb>) {
    let topics = topics(cx);
    task_failures(cx, cluster);
    deployment_failures(cx, &topics);
    let lb = alb.map(|_| Address::new("aws_lb", "main"));
    let watched = std::mem::take(&mut cx.watched);
    let mut critical_alarms = Vec::new();
    for w in &watched {
        critical_alarms.extend(service_alarms(cx, cluster, lb.as_ref(), &topics, w));
    }
    if let Some(lb) = &lb {
        critical_alarms.push(alb_5xx(cx, lb, &topics));
    }
    dashboards(cx, cluster, lb.as_ref(), &watched, &critical_alarms);
    cx.watched = watched;
}

fn topics(cx: &mut Cx) -> Topics {
    let account = cx.account().to_string();
    let publishers = || {
        Value::list(
            ["cloudwatch.amazonaws.com", "events.amazonaws.com", "codestar-notifications.amazonaws.com"]
                .map(Value::from),
        )
    };
    let admin = policy::with(
        policy::allow("AccountAdministers", &["kms:*"], vec![Value::from("*")]),
        "Principal",
        Value::map([("AWS", Value::from(format!("arn:aws:iam::{account}:root")))]),
    );
    // CloudWatch alarms cannot publish to topics under the AWS-managed aws/sns key.
    let publish = policy::with(
        policy::allow("PublishersEncrypt", &["kms:Decrypt", "kms:GenerateDataKey*"], vec![Value::from("*")]),
        "Principal",
        Value::map([("Service", publishers())]),
    );
    let key = security::key(cx, "sns", "SNS alarm and pipeline topics", policy::document(vec![admin, publish]));

    let p = cx.env_prov();
    let mut out = Vec::new();
    for (purpose, what) in [
        ("critical", "critical alarms (paging)"),
        ("warning", "warning alarms (email)"),
        ("pipeline", "pipeline notifications"),
    ] {
        let name = format!("{}-{purpose}", cx.prefix);
        let t = cx
            .res(Kind::SnsTopic, purpose, Concern::Monitoring, p.clone())
            .with("name", name.as_str())
            .with("display_name", format!("{name}: {what}"))
            .with("kms_master_key_id", r(&key, "arn"));
        let t = cx.add(t, Some(&name));
        let owner = policy::with(
            policy::allow(
                "AccountManages",
                &[
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                vec![r(&t, "arn")],
            ),
            "Principal",
            Value::map([("AWS", Value::from(format!("arn:aws:iam::{account}:root")))]),
        );
        let services = policy::with(
            policy::with(
                policy::allow("ServicesPublish", &["SNS:Publish"], vec![r(&t, "arn")]),
                "Principal",
                Value::map([("Service", publishers())]),
            ),
            "Condition",
            Value::map([("StringEquals", Value::map([("aws:SourceAccount", Value::from(account.as_str()))]))]),
        );
        let tp = cx
            .res(Kind::SnsTopicPolicy, purpose, Concern::Monitoring, p.clone())
            .with("arn", r(&t, "arn"))
            .with("policy", policy::document(vec![owner, services]));
        cx.add(tp, None);
        let emails = match purpose {
            "pipeline" => cx.m.monitoring.pipeline_emails.clone(),
            _ => cx.m.monitoring.alarm_emails.clone(),
        };
        for (i, email) in emails.iter().enumerate() {
            let sub = cx
                .res(Kind::SnsTopicSubscription, &format!("{purpose}_email_{i}"), Concern::Monitoring, p.clone())
                .with("topic_arn", r(&t, "arn"))
                .with("protocol", "email")
                .with("endpoint", email.as_str());
            cx.add(sub, None);
        }
        out.push(t);
    }
    cx.output("sns_topic_critical_arn", r(&out[0], "arn"), "SNS topic of critical alarms");
    cx.output("sns_topic_warning_arn", r(&out[1], "arn"), "SNS topic of warning alarms");
    cx.output("sns_topic_pipeline_arn", r(&out[2], "arn"), "SNS topic of pipeline notifications");
    Topics { critical: out[0].clone(), warning: out[1].clone() }
}

fn namespace(cx: &Cx) -> String {
    format!("ecsforge/{}", cx.prefix)
}

/// Failed ECS tasks → log group → metric filter `TaskFailures` by `ServiceGroup`.
fn task_failures(cx: &mut Cx, cluster: &Cluster) {
    let p = cx.env_prov();
    let c = Concern::Monitoring;
    let prefix = cx.prefix.clone();
    let lg = cx
        .res(Kind::LogGroup, "task_failures", c.clone(), p.clone())
        .with("name", format!("/aws/events/{prefix}/task-failures"))
        .with("retention_in_days", cx.env.log_retention_days)
        .with("kms_key_id", r(&security::logs_key_address(), "arn"));
    let lg = cx.add(lg, None);
    let doc = policy::document(vec![policy::with(
        policy::allow(
            "EventBridgeWrites",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![Value::Template(vec![ref_part(&lg, "arn"), lit(":*")])],
        ),
        "Principal",
        Value::map([(
            "Service",
            Value::list([Value::from("events.amazonaws.com"), Value::from("delivery.logs.amazonaws.com")]),
        )]),
    )]);
    let rp = cx
        .res(Kind::LogResourcePolicy, "task_failures", c.clone(), p.clone())
        .with("policy_name", format!("{prefix}-task-failures"))
        .with("policy_document", doc);
    cx.add(rp, None);
    let pattern = Value::json(Value::map([
        ("source", Value::list([Value::from("aws.ecs")])),
        ("detail-type", Value::list([Value::from("ECS Task State Change")])),
        (
            "detail",
            Value::map([
                ("clusterArn", Value::list([r(&cluster.cluster, "arn")])),
                ("lastStatus", Value::list([Value::from("STOPPED")])),
                (
                    "$or",
                    Value::list([
                        Value::map([(
                            "stopCode",
                            Value::list([Value::from("TaskFailedToStart"), Value::from("EssentialContainerExited")]),
                        )]),
                        Value::map([(
                            "stoppedReason",
                            Value::list([Value::map([("prefix", Value::from("Task failed"))])]),
                        )]),
                    ]),
                ),
            ]),
        ),
    ]));
    let rule = cx
        .res(Kind::EventRule, "task_failures", c.clone(), p.clone())
        .with("name", format!("{prefix}-task-failures"))
        .with("description", "Failed ECS tasks of this cluster, counted by a metric filter")
        .with("event_pattern", pattern);
    let rule = cx.add(rule, Some(&format!("{prefix}-task-failures")));
    let target = cx
        .res(Kind::EventTarget, "task_failures", c.clone(), p.clone())
        .with("rule", r(&rule, "name"))
        .with("target_id", "task-failures-log")
        .with("arn", r(&lg, "arn"));
    cx.add(target, None);
    let filter = cx
        .res(Kind::LogMetricFilter, "task_failures", c, p)
        .with("name", format!("{prefix}-task-failures"))
        .with("log_group_name", r(&lg, "name"))
        .with("pattern", "{ $.detail.lastStatus = \"STOPPED\" }")
        .with(
            "metric_transformation",
            Value::block([
                ("name", Value::from("TaskFailures")),
                ("namespace", Value::from(namespace(cx))),
                ("value", Value::from("1")),
                ("unit", Value::from("Count")),
                ("dimensions", Value::map([("ServiceGroup", Value::from("$.detail.group"))])),
            ]),
        );
    cx.add(filter, None);
}

/// Failed ECS deployments of this cluster go straight to the critical topic.
fn deployment_failures(cx: &mut Cx, topics: &Topics) {
    let p = cx.env_prov();
    let prefix = cx.prefix.clone();
    let service_arns = format!("arn:aws:ecs:{}:{}:service/{prefix}/", cx.region(), cx.account());
    let pattern = Value::json(Value::map([
        ("source", Value::list([Value::from("aws.ecs")])),
        ("detail-type", Value::list([Value::from("ECS Deployment State Change")])),
        ("resources", Value::list([Value::map([("prefix", Value::from(service_arns))])])),
        ("detail", Value::map([("eventName", Value::list([Value::from("SERVICE_DEPLOYMENT_FAILED")]))])),
    ]));
    let rule = cx
        .res(Kind::EventRule, "deployment_failures", Concern::Monitoring, p.clone())
        .with("name", format!("{prefix}-deployment-failures"))
        .with("description", "Failed ECS deployments of this cluster, sent to the critical topic")
        .with("event_pattern", pattern);
    let rule = cx.add(rule, Some(&format!("{prefix}-deployment-failures")));
    let target = cx
        .res(Kind::EventTarget, "deployment_failures", Concern::Monitoring, p)
        .with("rule", r(&rule, "name"))
        .with("target_id", "critical-topic")
        .with("arn", r(&topics.critical, "arn"));
    cx.add(target, None);
}

/// The fields every alarm shares.
struct Alarm<'a> {
    id: String,
    name: String,
    description: String,
    topic: &'a Address,
    threshold: Value,
    comparison: &'a str,
    periods: u32,
    missing: &'a str,
}

fn alarm(cx: &mut Cx, concern: &Concern, loc: &Loc, a: Alarm, metric: Vec<(&str, Value)>) -> Address {
    let p = cx.prov(loc);
    let mut res = cx
        .res(Kind::MetricAlarm, &a.id, concern.clone(), p)
        .with("alarm_name", a.name.as_str())
        .with("alarm_description", a.description)
        .with("comparison_operator", a.comparison)
        .with("threshold", a.threshold)
        .with("evaluation_periods", a.periods)
        .with("datapoints_to_alarm", a.periods)
        .with("treat_missing_data", a.missing)
        .with("alarm_actions", Value::list([r(a.topic, "arn")]))
        .with("ok_actions", Value::list([r(a.topic, "arn")]));
    for (k, v) in metric {
        res.set(k, v);
    }
    cx.add(res, Some(&a.name))
}

fn plain(namespace: &str, metric: &str, statistic: &str, period: u32, dims: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("namespace", Value::from(namespace)),
        ("metric_name", Value::from(metric)),
        ("statistic", Value::from(statistic)),
        ("period", Value::from(period)),
        ("dimensions", dims),
    ]
}

/// One `metric_query` reading a metric.
fn query(id: &str, namespace: &str, metric: &str, stat: &str, dims: Value) -> Value {
    Value::map([
        ("id", Value::from(id)),
        ("return_data", Value::from(false)),
        (
            "metric",
            Value::block([
                ("namespace", Value::from(namespace)),
                ("metric_name", Value::from(metric)),
                ("stat", Value::from(stat)),
                ("period", Value::from(PERIOD)),
                ("dimensions", dims),
            ]),
        ),
    ])
}

fn expression(id: &str, expr: &str, label: &str) -> Value {
    Value::map([
        ("id", Value::from(id)),
        ("expression", Value::from(expr)),
        ("label", Value::from(label)),
        ("return_data", Value::from(true)),
    ])
}

fn ecs_dims(cluster: &Cluster, ecs: &Address) -> Value {
    Value::map([("ClusterName", r(&cluster.cluster, "name")), ("ServiceName", r(ecs, "name"))])
}

fn tg_dims(lb: &Address, tg: &Address) -> Value {
    Value::map([("LoadBalancer", r(lb, "arn_suffix")), ("TargetGroup", r(tg, "arn_suffix"))])
}

/// Per-service alarms; returns the critical ones (for the overview dashboard).
fn service_alarms(cx: &mut Cx, cluster: &Cluster, lb: Option<&Address>, t: &Topics, w: &Watched) -> Vec<Address> {
    let c = Concern::Service(w.name.clone());
    let prefix = cx.prefix.clone();
    let ns = namespace(cx);
    let mut critical = Vec::new();
    for ecs in &w.services {
        let sid = ecs.name().to_string();
        let svc = cx.model.get(ecs).and_then(|s| s.get("name")).and_then(Value::as_str).unwrap_or(&w.name).to_string();
        for (what, metric) in [("cpu", "CPUUtilization"), ("memory", "MemoryUtilization")] {
            let a = Alarm {
                id: format!("{sid}_{what}_high"),
                name: format!("{prefix}-{svc}-{what}-high"),
                description: format!("{svc}: {metric} above 80 % for 5 minutes (doc 003 §8)"),
                topic: &t.warning,
                threshold: Value::from(80),
                comparison: "GreaterThanThreshold",
                periods: 5,
                missing: "notBreaching",
            };
            alarm(cx, &c, &w.loc, a, plain("AWS/ECS", metric, "Average", PERIOD, ecs_dims(cluster, ecs)));
        }
        let a = Alarm {
            id: format!("{sid}_task_failures"),
            name: format!("{prefix}-{svc}-task-failures"),
            description: format!("{svc}: more than 2 tasks failed within 5 minutes (doc 003 §8)"),
            topic: &t.critical,
            threshold: Value::from(2),
            comparison: "GreaterThanThreshold",
            periods: 1,
            missing: "notBreaching",
        };
        let group = Value::Template(vec![lit("service:"), ref_part(ecs, "name")]);
        let dims = Value::map([("ServiceGroup", group)]);
        critical.push(alarm(cx, &c, &w.loc, a, plain(&ns, "TaskFailures", "Sum", 300, dims)));
    }

    // Running tasks of all the service's ECS services below the autoscaling minimum.
    let id = crate::tf_ident(&w.name);
    let a = Alarm {
        id: format!("{id}_running_tasks_low"),
        name: format!("{prefix}-{}-running-tasks-low", w.name),
        description: format!("{}: fewer running tasks than the autoscaling minimum ({}) for 5 minutes", w.name, w.min),
        topic: &t.critical,
        threshold: Value::from(w.min),
        comparison: "LessThanThreshold",
        periods: 5,
        missing: "breaching",
    };
    let metric = if let [ecs] = &w.services[..] {
        plain("ECS/ContainerInsights", "RunningTaskCount", "Minimum", PERIOD, ecs_dims(cluster, ecs))
    } else {
        let mut queries = Vec::new();
        let mut ids = Vec::new();
        for (i, ecs) in w.services.iter().enumerate() {
            let qid = format!("m{i}");
            queries.push(query(&qid, "ECS/ContainerInsights", "RunningTaskCount", "Minimum", ecs_dims(cluster, ecs)));
            ids.push(qid);
        }
        // SUM over an array adds, per timestamp, the series that have a value there,
        // so a standby green service without datapoints does not blank the sum.
        queries.push(expression("running", &format!("SUM([{}])", ids.join(", ")), "running tasks"));
        vec![("metric_query", Value::List(queries))]
    };
    critical.push(alarm(cx, &c, &w.loc, a, metric));

    let Some(lb) = lb else { return critical };
    for tg in &w.target_groups {
        let tid = tg.name().to_string();
        let label = tid.replace('_', "-");
        for (what, metric, stat, threshold, desc) in [
            ("response_time", "TargetResponseTime", "Average", Value::from(2), "target response time above 2 s"),
            ("unhealthy_hosts", "UnHealthyHostCount", "Maximum", Value::from(0), "unhealthy targets"),
        ] {
            let a = Alarm {
                id: format!("{tid}_{what}"),
                name: format!("{prefix}-{label}-{}", what.replace('_', "-")),
                description: format!("{}: {desc} for 5 minutes (doc 003 §8)", w.name),
                topic: &t.warning,
                threshold,
                comparison: "GreaterThanThreshold",
                periods: 5,
                missing: "notBreaching",
            };
            alarm(cx, &c, &w.loc, a, plain("AWS/ApplicationELB", metric, stat, PERIOD, tg_dims(lb, tg)));
        }
        // Doc 002: success rate 1 - 5xx / requests below 99.5 % on 2 datapoints.
        let a = Alarm {
            id: success_alarm(tg).name().to_string(),
            name: format!("{prefix}-{label}-success-rate"),
            description: format!(
                "{}: success rate (1 - target 5xx / requests) below 99.5 % for 2 minutes; rollouts stop on it (doc 002)",
                w.name
            ),
            topic: &t.critical,
            threshold: Value::from(99.5),
            comparison: "LessThanThreshold",
            periods: 2,
            missing: "notBreaching",
        };
        let queries = vec![
            query("requests", "AWS/ApplicationELB", "RequestCount", "Sum", tg_dims(lb, tg)),
            query("errors", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", tg_dims(lb, tg)),
            expression("success", "IF(requests > 0, 100 * (1 - FILL(errors, 0) / requests), 100)", "success rate (%)"),
        ];
        critical.push(alarm(cx, &c, &w.loc, a, vec![("metric_query", Value::List(queries))]));
    }
    critical
}

/// Cluster-wide: ALB 5xx (ELB and targets) above 5 % of requests for 5 minutes.
fn alb_5xx(cx: &mut Cx, lb: &Address, t: &Topics) -> Address {
    let prefix = cx.prefix.clone();
    let dims = || Value::map([("LoadBalancer", r(lb, "arn_suffix"))]);
    let a = Alarm {
        id: "alb_5xx_rate".into(),
        name: format!("{prefix}-alb-5xx-rate"),
        description: "ALB 5xx responses (load balancer and targets) above 5 % of requests for 5 minutes (doc 003)"
            .into(),
        topic: &t.critical,
        threshold: Value::from(5),
        comparison: "GreaterThanThreshold",
        periods: 5,
        missing: "notBreaching",
    };
    let queries = vec![
        query("requests", "AWS/ApplicationELB", "RequestCount", "Sum", dims()),
        query("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", dims()),
        query("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", dims()),
        expression("rate", "IF(requests > 0, 100 * SUM([elb5xx, target5xx]) / requests, 0)", "5xx rate (%)"),
    ];
    let loc = cx.env.loc.clone();
    alarm(cx, &Concern::Monitoring, &loc, a, vec![("metric_query", Value::List(queries))])
}

/// A dashboard graph widget at grid position `i` (two per row).
fn graph(cx: &Cx, i: usize, title: &str, stat: &str, metrics: Vec<Value>) -> Value {
    Value::map([
        ("type", Value::from("metric")),
        ("x", Value::from((i % 2) as u32 * 12)),
        ("y", Value::from((i / 2) as u32 * 6)),
        ("width", Value::from(12)),
        ("height", Value::from(6)),
        (
            "properties",
            Value::map([
                ("title", Value::from(title)),
                ("region", Value::from(cx.region())),
                ("view", Value::from("timeSeries")),
                ("stacked", Value::from(false)),
                ("stat", Value::from(stat)),
                ("period", Value::from(PERIOD)),
                ("metrics", Value::List(metrics)),
            ]),
        ),
    ])
}

fn line(parts: Vec<Value>) -> Value {
    Value::List(parts)
}

fn dashboard(cx: &mut Cx, id: &str, name: &str, concern: Concern, loc: &Loc, widgets: Vec<Value>) {
    let p = cx.prov(loc);
    let d = cx
        .res(Kind::CloudwatchDashboard, id, concern, p)
        .with("dashboard_name", name)
        .with("dashboard_body", Value::json(Value::map([("widgets", Value::List(widgets))])));
    cx.add(d, None);
}

fn dashboards(cx: &mut Cx, cluster: &Cluster, lb: Option<&Address>, watched: &[Watched], critical: &[Address]) {
    let prefix = cx.prefix.clone();
    let cname = r(&cluster.cluster, "name");
    let ecs_line = |ns: &str, metric: &str, ecs: &Address| {
        line(vec![
            Value::from(ns),
            Value::from(metric),
            Value::from("ClusterName"),
            cname.clone(),
            Value::from("ServiceName"),
            r(ecs, "name"),
        ])
    };
    let all: Vec<&Address> = watched.iter().flat_map(|w| &w.services).collect();

    // Cluster overview: task counts, CPU, memory, ALB traffic, critical alarms.
    let mut widgets = vec![
        graph(
            cx,
            0,
            "Running tasks",
            "Average",
            all.iter().map(|e| ecs_line("ECS/ContainerInsights", "RunningTaskCount", e)).collect(),
        ),
        graph(
            cx,
            1,
            "CPU utilization (%)",
            "Average",
            all.iter().map(|e| ecs_line("AWS/ECS", "CPUUtilization", e)).collect(),
        ),
        graph(
            cx,
            2,
            "Memory utilization (%)",
            "Average",
            all.iter().map(|e| ecs_line("AWS/ECS", "MemoryUtilization", e)).collect(),
        ),
    ];
    if let Some(lb) = lb {
        let alb_line = |metric: &str| {
            line(vec![
                Value::from("AWS/ApplicationELB"),
                Value::from(metric),
                Value::from("LoadBalancer"),
                r(lb, "arn_suffix"),
            ])
        };
        widgets.push(graph(
            cx,
            3,
            "ALB requests and 5xx",
            "Sum",
            vec![alb_line("RequestCount"), alb_line("HTTPCode_ELB_5XX_Count"), alb_line("HTTPCode_Target_5XX_Count")],
        ));
    }
    widgets.push(Value::map([
        ("type", Value::from("alarm")),
        ("x", Value::from(0)),
        ("y", Value::from(12)),
        ("width", Value::from(24)),
        ("height", Value::from(6)),
        (
            "properties",
            Value::map([
                ("title", Value::from("Critical alarms")),
                ("alarms", Value::List(critical.iter().map(|a| r(a, "arn")).collect())),
            ]),
        ),
    ]));
    let loc = cx.env.loc.clone();
    dashboard(cx, "overview", &format!("{prefix}-overview"), Concern::Monitoring, &loc, widgets);

    // Per service: requests, latency, errors, CPU, memory, tasks.
    for w in watched {
        let mut widgets = Vec::new();
        if let Some(lb) = lb {
            let tg_line = |metric: &str, tg: &Address| {
                line(vec![
                    Value::from("AWS/ApplicationELB"),
                    Value::from(metric),
                    Value::from("TargetGroup"),
                    r(tg, "arn_suffix"),
                    Value::from("LoadBalancer"),
                    r(lb, "arn_suffix"),
                ])
            };
            let tgs = &w.target_groups;
            if !tgs.is_empty() {
                let n = widgets.len();
                widgets.push(graph(cx, n, "Requests", "Sum", tgs.iter().map(|t| tg_line("RequestCount", t)).collect()));
                let n = widgets.len();
                widgets.push(graph(
                    cx,
                    n,
                    "Target response time (s, p99)",
                    "p99",
                    tgs.iter().map(|t| tg_line("TargetResponseTime", t)).collect(),
                ));
                let n = widgets.len();
                widgets.push(graph(
                    cx,
                    n,
                    "Errors (target 4xx and 5xx)",
                    "Sum",
                    tgs.iter()
                        .flat_map(|t| {
                            [tg_line("HTTPCode_Target_5XX_Count", t), tg_line("HTTPCode_Target_4XX_Count", t)]
                        })
                        .collect(),
                ));
            }
        }
        for (title, ns, metric) in [
            ("CPU utilization (%)", "AWS/ECS", "CPUUtilization"),
            ("Memory utilization (%)", "AWS/ECS", "MemoryUtilization"),
            ("Running tasks", "ECS/ContainerInsights", "RunningTaskCount"),
        ] {
            let n = widgets.len();
            widgets.push(graph(cx, n, title, "Average", w.services.iter().map(|e| ecs_line(ns, metric, e)).collect()));
        }
        let id = crate::tf_ident(&w.name);
        let name = crate::aws_name(&[&prefix, &w.name], 255);
        dashboard(cx, &format!("service_{id}"), &name, Concern::Service(w.name.clone()), &w.loc, widgets);
    }

    // Pipelines: CodeBuild's account-level metrics (the pipelines' builds) and task failures.
    let build_line = |metric: &str| line(vec![Value::from("AWS/CodeBuild"), Value::from(metric)]);
    let ns = namespace(cx);
    let widgets = vec![
        graph(
            cx,
            0,
            "Builds",
            "Sum",
            vec![build_line("Builds"), build_line("SucceededBuilds"), build_line("FailedBuilds")],
        ),
        graph(cx, 1, "Build duration (s)", "Average", vec![build_line("Duration")]),
        graph(
            cx,
            2,
            "Failed ECS tasks",
            "Sum",
            watched
                .iter()
                .flat_map(|w| &w.services)
                .map(|e| {
                    line(vec![
                        Value::from(ns.as_str()),
                        Value::from("TaskFailures"),
                        Value::from("ServiceGroup"),
                        Value::Template(vec![lit("service:"), ref_part(e, "name")]),
                    ])
                })
                .collect(),
        ),
    ];
    dashboard(cx, "pipelines", &format!("{prefix}-pipelines"), Concern::Monitoring, &loc, widgets);
}
