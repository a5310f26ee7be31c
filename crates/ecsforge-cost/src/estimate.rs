//! Prices an `InfraModel`: one line per priced resource and unit.
//!
//! Resource types are matched on their Terraform type string, so types that
//! are still `Kind::Other` in the model are priced all the same.

use std::collections::{BTreeMap, BTreeSet};

use ecsforge_model::{Address, InfraModel, Resource, Value, value::Part};
use serde::Serialize;

use crate::prices::{FargateRate, Prices, RegionPrices};
use crate::usage::{DefaultUsed, Reader, Usage};

/// One priced unit of one resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    pub resource: String,
    pub resource_type: String,
    /// What is charged, e.g. `Fargate vCPU (ARM64, on-demand)`.
    pub component: String,
    /// Monthly quantity; `None` when it is unknown (see `note`).
    pub quantity: Option<f64>,
    pub unit: String,
    /// USD per unit; `None` when the price table has no price for it.
    pub unit_price: Option<f64>,
    /// USD per month; `None` when quantity or price is unknown.
    pub monthly: Option<f64>,
    /// Why a figure is unknown, or what the quantity assumes.
    pub note: String,
}

/// Resource types present but not priced, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unpriced {
    pub resource_type: String,
    pub count: usize,
    pub reason: String,
}

/// The monthly cost of one model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The input's name (file, or file and environment).
    pub name: String,
    pub project: String,
    pub environment: String,
    pub region: String,
    pub prices_as_of: String,
    /// Hours in the billing month the prices use.
    pub hours_per_month: f64,
    pub lines: Vec<Line>,
    /// Sum of every known line, USD per month.
    pub total: f64,
    /// Lines whose cost is unknown (not in `total`).
    pub unknown: usize,
    /// Usage defaults the estimate used.
    pub defaults: Vec<DefaultUsed>,
    /// Resource types that carry no charge of their own, with counts.
    pub free: BTreeMap<String, usize>,
    pub unpriced: Vec<Unpriced>,
}

/// Errors of the cost crate.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum CostError {
    #[error(
        "{file}:{line}:{col}: invalid price table: {message}; hint: start from the bundled table, `ecsforge cost --print-prices`"
    )]
    Prices { file: String, line: usize, col: usize, message: String },
    #[error("no prices for region `{region}`; hint: the table has {known}; add the region with --prices FILE")]
    UnknownRegion { region: String, known: String },
}

/// Types that carry no charge of their own.
const FREE: &[&str] = &[
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_security_group_rule",
    "aws_default_security_group",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_flow_log",
    "aws_kms_alias",
    "aws_ecs_cluster",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_task_definition",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository_policy",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy",
    "aws_iam_instance_profile",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_lb_target_group",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_launch_template",
    "aws_config_delivery_channel",
    "aws_config_configuration_recorder_status",
    "aws_sns_topic_subscription",
    "aws_sns_topic_policy",
    "aws_service_discovery_http_namespace",
    "aws_secretsmanager_secret_version",
    "aws_ssm_parameter",
    "aws_cloudwatch_log_stream",
    "aws_cloudwatch_log_metric_filter",
    "aws_cloudwatch_log_subscription_filter",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_ecs_capacity_provider",
    "aws_lb_target_group_attachment",
    "aws_codestarconnections_connection",
    "aws_wafv2_web_acl_association",
    "aws_wafv2_web_acl_logging_configuration",
    "aws_route53_record",
    "aws_service_discovery_instance",
];

/// Types present in ecsforge output or common inputs that are not priced.
const UNPRICED: &[(&str, &str)] = &[
    ("aws_s3_bucket", "S3 storage and requests depend on what is stored; not estimated"),
    ("aws_acm_certificate", "public certificates are free; private CA certificates are not estimated"),
];

/// Prices one model. Fails only when the price table lacks the model's region.
pub fn estimate(model: &InfraModel, name: &str, prices: &Prices, usage: &Usage) -> Result<Estimate, crate::CostError> {
    let rp = prices.region(&model.region)?;
    let mut cx = Cx {
        m: model,
        p: rp,
        hours: prices.hours_per_month,
        u: Reader::new(usage, &model.environment),
        lines: Vec::new(),
        priced: BTreeSet::new(),
        by_type: BTreeMap::new(),
    };
    for r in model.resources.values() {
        cx.by_type.entry(r.kind.terraform_type()).or_default().push(r);
    }
    cx.run();
    let mut free: BTreeMap<String, usize> = BTreeMap::new();
    let mut unpriced: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for r in model.resources.values() {
        let t = r.kind.terraform_type();
        if cx.priced.contains(t) {
            continue;
        }
        if FREE.contains(&t) {
            *free.entry(t.to_string()).or_default() += 1;
        } else {
            let reason = UNPRICED
                .iter()
                .find(|(u, _)| *u == t)
                .map(|(_, why)| why.to_string())
                .unwrap_or_else(|| "ecsforge has no price for this type".to_string());
            unpriced.entry(t.to_string()).or_insert((0, reason)).0 += 1;
        }
    }
    if model.of_kind(ecsforge_model::Kind::EcsCluster).any(container_insights) {
        unpriced.insert(
            "aws_ecs_cluster (Container Insights)".into(),
            (
                model.of_kind(ecsforge_model::Kind::EcsCluster).filter(|r| container_insights(r)).count(),
                "Container Insights metrics are billed as CloudWatch custom metrics per task and service; not estimated"
                    .into(),
            ),
        );
    }
    let total = cx.lines.iter().filter_map(|l| l.monthly).sum::<f64>();
    let unknown = cx.lines.iter().filter(|l| l.monthly.is_none()).count();
    Ok(Estimate {
        name: name.to_string(),
        project: model.project.clone(),
        environment: model.environment.clone(),
        region: model.region.clone(),
        prices_as_of: prices.as_of.clone(),
        hours_per_month: prices.hours_per_month,
        total,
        unknown,
        defaults: cx.u.defaults(),
        lines: cx.lines,
        free,
        unpriced: unpriced
            .into_iter()
            .map(|(t, (count, reason))| Unpriced { resource_type: t, count, reason })
            .collect(),
    })
}

fn container_insights(r: &Resource) -> bool {
    r.get("setting").is_some_and(|s| {
        s.as_list().iter().any(|b| {
            b.get("name").and_then(Value::as_str) == Some("containerInsights")
                && matches!(b.get("value").and_then(Value::as_str), Some("enabled" | "enhanced"))
        })
    })
}

/// A number from a number or a numeric string; `None` for anything else.
pub(crate) fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_unknown(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Unknown))
}

fn first_block<'a>(r: &'a Resource, key: &str) -> Option<&'a Value> {
    r.get(key).and_then(|v| v.as_list().first())
}

struct Cx<'a> {
    m: &'a InfraModel,
    p: &'a RegionPrices,
    hours: f64,
    u: Reader<'a>,
    lines: Vec<Line>,
    priced: BTreeSet<String>,
    /// Resources by Terraform type, built once (address order within a type).
    by_type: BTreeMap<&'a str, Vec<&'a Resource>>,
}

impl<'a> Cx<'a> {
    fn of(&self, t: &'static str) -> Vec<&'a Resource> {
        self.by_type.get(t).cloned().unwrap_or_default()
    }

    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        r: &Resource,
        component: String,
        qty: Option<f64>,
        unit: &str,
        price: Option<f64>,
        note: String,
    ) {
        self.priced.insert(r.kind.terraform_type().to_string());
        let monthly = match (qty, price) {
            (Some(q), Some(p)) => Some(q * p),
            _ => None,
        };
        self.lines.push(Line {
            resource: r.address.to_string(),
            resource_type: r.kind.terraform_type().to_string(),
            component,
            quantity: qty,
            unit: unit.to_string(),
            unit_price: price,
            monthly,
            note,
        });
    }

    fn run(&mut self) {
        self.fargate();
        self.ec2();
        self.nat();
        for r in self.of("aws_eip") {
            let h = self.hours;
            let p = self.p.public_ipv4_hour;
            self.line(r, "public IPv4 address".into(), Some(h), "hours", Some(p), String::new());
        }
        self.endpoints();
        self.load_balancers();
        self.logs();
        self.simple();
    }

    // ------------------------------------------------------------------ Fargate

    /// Desired task count of an ECS service: max(desired_count, autoscaling min).
    fn tasks(&self, svc: &Resource) -> (Option<f64>, String) {
        let desired = num(svc.get("desired_count"));
        let min = self.autoscaling_min(svc);
        match (desired, min) {
            (Some(d), Some(m)) if m > d => (Some(m), format!("autoscaling minimum {m} (desired_count {d})")),
            (Some(d), _) => (Some(d), String::new()),
            (None, Some(m)) => (Some(m), format!("desired_count unknown; autoscaling minimum {m}")),
            (None, None) if is_unknown(svc.get("desired_count")) => {
                (None, "desired_count unknown until apply".to_string())
            }
            // The provider's default desired_count is 0.
            (None, None) => (Some(0.0), "desired_count not set (provider default 0)".to_string()),
        }
    }

    fn autoscaling_min(&self, svc: &Resource) -> Option<f64> {
        let name = svc.get("name").and_then(Value::as_str);
        self.of("aws_appautoscaling_target")
            .into_iter()
            .filter(|t| t.get("service_namespace").and_then(Value::as_str).is_none_or(|n| n == "ecs"))
            .find(|t| match t.get("resource_id") {
                Some(Value::Template(parts)) => {
                    parts.iter().any(|p| matches!(p, Part::Ref(r) if r.address == svc.address))
                }
                Some(Value::String(s)) => name.is_some_and(|n| s.ends_with(&format!("/{n}"))),
                _ => false,
            })
            .and_then(|t| num(t.get("min_capacity")))
    }

    fn task_definition(&self, svc: &Resource) -> Option<&'a Resource> {
        match svc.get("task_definition")? {
            Value::Ref(r) => self.m.get(&r.address),
            Value::String(s) => {
                // family, family:rev or an ARN .../family:rev
                let fam = s.rsplit('/').next().unwrap_or(s).split(':').next().unwrap_or(s);
                self.of("aws_ecs_task_definition")
                    .into_iter()
                    .find(|td| td.get("family").and_then(Value::as_str) == Some(fam))
            }
            _ => None,
        }
    }

    /// The capacity-provider strategy of a service: its own, else its cluster's default.
    fn strategy(&self, svc: &Resource) -> Option<Vec<(String, f64, f64)>> {
        // A provider is named literally, or by reference to an `aws_ecs_capacity_provider`.
        let provider = |v: &Value| -> Option<String> {
            match v {
                Value::Ref(r) => self.m.get(&r.address)?.get("name")?.as_str().map(str::to_string),
                other => other.as_str().map(str::to_string),
            }
        };
        let parse = |v: &Value| -> Vec<(String, f64, f64)> {
            v.as_list()
                .iter()
                .filter_map(|i| {
                    Some((
                        provider(i.get("capacity_provider")?)?,
                        num(i.get("weight")).unwrap_or(0.0),
                        num(i.get("base")).unwrap_or(0.0),
                    ))
                })
                .collect()
        };
        if let Some(v) = svc.get("capacity_provider_strategy") {
            let s = parse(v);
            if !s.is_empty() {
                return Some(s);
            }
        }
        if svc.get("launch_type").and_then(Value::as_str).is_some() {
            return None;
        }
        let cluster = svc.get("cluster").and_then(Value::as_ref).map(|r| r.address.clone());
        self.of("aws_ecs_cluster_capacity_providers")
            .into_iter()
            .find(|c| {
                let cn = c.get("cluster_name").and_then(Value::as_ref).map(|r| r.address.clone());
                cluster.is_some() && cn == cluster
            })
            .and_then(|c| c.get("default_capacity_provider_strategy"))
            .map(parse)
            .filter(|s| !s.is_empty())
    }

    fn fargate(&mut self) {
        for svc in self.of("aws_ecs_service") {
            let launch = svc.get("launch_type").and_then(Value::as_str).map(str::to_string);
            let strategy = self.strategy(svc);
            let shares: Vec<(String, f64)> = match (&strategy, launch.as_deref()) {
                (Some(s), _) => weights(s),
                (None, Some("FARGATE")) => vec![("FARGATE".into(), 1.0)],
                (None, Some(other)) => {
                    self.line(
                        svc,
                        format!("{other} launch type"),
                        Some(0.0),
                        "tasks",
                        Some(0.0),
                        "tasks run on the cluster's instances, priced with them".into(),
                    );
                    continue;
                }
                (None, None) => vec![("FARGATE".into(), 1.0)],
            };
            let Some(td) = self.task_definition(svc) else {
                self.line(
                    svc,
                    "Fargate tasks".into(),
                    None,
                    "vCPU-hours",
                    None,
                    "task definition not found in the input".into(),
                );
                continue;
            };
            let cpu = num(td.get("cpu")).map(|c| c / 1024.0);
            let mem = num(td.get("memory")).map(|m| m / 1024.0);
            let rp = first_block(td, "runtime_platform");
            let arch = rp.and_then(|b| b.get("cpu_architecture")).and_then(Value::as_str).unwrap_or("X86_64");
            let os = rp.and_then(|b| b.get("operating_system_family")).and_then(Value::as_str).unwrap_or("LINUX");
            let arm = arch.eq_ignore_ascii_case("ARM64");
            let (tasks, mut note) = self.tasks(svc);
            if strategy.is_none() && launch.is_none() {
                note = join(&note, "no launch type or strategy: assumed FARGATE");
            }
            if os != "LINUX" {
                self.line(
                    svc,
                    format!("Fargate {os} tasks"),
                    tasks,
                    "tasks",
                    None,
                    format!("{os} Fargate is not in the price table"),
                );
                continue;
            }
            let per_provider: Vec<(String, Option<f64>)> = match (&strategy, tasks) {
                (Some(s), Some(n)) => split(n, s).into_iter().map(|(p, t)| (p, Some(t))).collect(),
                _ => shares.iter().map(|(p, sh)| (p.clone(), tasks.map(|t| t * sh))).collect(),
            };
            let several = per_provider.len() > 1;
            for (provider, count) in per_provider {
                let (rate, label): (FargateRate, &str) = match (provider.as_str(), arm) {
                    ("FARGATE", true) => (self.p.fargate.arm64, "ARM64, on-demand"),
                    ("FARGATE", false) => (self.p.fargate.x86_64, "x86_64, on-demand"),
                    ("FARGATE_SPOT", true) => (self.p.fargate.arm64_spot, "ARM64, Spot"),
                    ("FARGATE_SPOT", false) => (self.p.fargate.x86_64_spot, "x86_64, Spot"),
                    (other, _) => {
                        self.line(
                            svc,
                            format!("capacity provider {other}"),
                            count,
                            "tasks",
                            Some(0.0),
                            "EC2 capacity provider: priced with its instances".into(),
                        );
                        continue;
                    }
                };
                let share_note = match (several, count, tasks) {
                    (true, Some(c), Some(t)) => join(&note, &format!("{} of {} tasks", fmt_num(c), fmt_num(t))),
                    _ => note.clone(),
                };
                let h = self.hours;
                let vcpu_note = if cpu.is_none() { join(&share_note, "task cpu unknown") } else { share_note.clone() };
                let mem_note =
                    if mem.is_none() { join(&share_note, "task memory unknown") } else { share_note.clone() };
                let tq = count.map(|t| t * h);
                self.line(
                    svc,
                    format!("Fargate vCPU ({label})"),
                    tq.zip(cpu).map(|(t, c)| t * c),
                    "vCPU-hours",
                    Some(rate.vcpu_hour),
                    vcpu_note,
                );
                self.line(
                    svc,
                    format!("Fargate memory ({label})"),
                    tq.zip(mem).map(|(t, m)| t * m),
                    "GB-hours",
                    Some(rate.gb_hour),
                    mem_note,
                );
            }
        }
    }

    // ---------------------------------------------------------------------- EC2

    fn instance_line(
        &mut self,
        r: &Resource,
        count: Option<f64>,
        itype: Option<&str>,
        windows: Option<bool>,
        why: &str,
    ) {
        let os_note = match windows {
            Some(_) => String::new(),
            None => "platform not stated by the AMI: priced as Linux".to_string(),
        };
        let win = windows.unwrap_or(false);
        let os = if win { "Windows" } else { "Linux" };
        let note = join(why, &os_note);
        let Some(t) = itype else {
            self.line(r, format!("instance hours ({os})"), None, "hours", None, join(&note, "instance type unknown"));
            return;
        };
        let price = self.p.ec2.get(t).and_then(|p| if win { p.windows } else { Some(p.linux) });
        let note = if price.is_none() { join(&note, &format!("{t} {os} is not in the price table")) } else { note };
        let h = self.hours;
        self.line(r, format!("instance hours ({t}, {os})"), count.map(|c| c * h), "hours", price, note);
    }

    fn volume_line(&mut self, r: &Resource, label: &str, count: Option<f64>, size: Option<f64>, vtype: Option<&str>) {
        let (size, size_note) = match size {
            Some(s) => (Some(s), String::new()),
            None => (Some(self.u.get("root_volume_gb")), "size not stated: root_volume_gb".to_string()),
        };
        // The provider's default volume type for new volumes is gp2 for
        // aws_ebs_volume; for instance root volumes the AMI decides.
        let (vt, type_note) = match vtype {
            Some(t) => (t.to_string(), String::new()),
            None => ("gp3".to_string(), "type not stated: priced as gp3".to_string()),
        };
        let price = self.p.ebs_gb_month.get(&vt).copied();
        let note = join(&size_note, &type_note);
        let note = if price.is_none() { join(&note, &format!("{vt} is not in the price table")) } else { note };
        self.line(r, format!("{label} ({vt})"), count.zip(size).map(|(c, s)| c * s), "GB-months", price, note);
    }

    fn ec2(&mut self) {
        for r in self.of("aws_instance") {
            // An instance launched from a template takes what it does not set from the template.
            let lt = first_block(r, "launch_template")
                .and_then(|b| b.get("id").or_else(|| b.get("name")))
                .and_then(Value::as_ref)
                .and_then(|t| self.m.get(&t.address));
            let itype = r
                .get("instance_type")
                .and_then(Value::as_str)
                .or_else(|| lt.and_then(|lt| lt.get("instance_type")).and_then(Value::as_str));
            let win = windows(r, "ami").or_else(|| lt.and_then(|lt| windows(lt, "image_id")));
            let via = lt.map(|lt| format!("from {}", lt.address)).unwrap_or_default();
            self.instance_line(r, Some(1.0), itype, win, &via);
            let root = first_block(r, "root_block_device");
            let template_root = lt
                .and_then(|lt| lt.get("block_device_mappings"))
                .and_then(|b| b.as_list().first())
                .and_then(|b| b.get("ebs"))
                .and_then(|e| e.as_list().first());
            let root = root.or(template_root);
            self.volume_line(
                r,
                "root volume",
                Some(1.0),
                root.and_then(|b| num(b.get("volume_size"))),
                root.and_then(|b| b.get("volume_type")).and_then(Value::as_str),
            );
            for b in r.get("ebs_block_device").map(Value::as_list).unwrap_or(&[]) {
                self.volume_line(
                    r,
                    "EBS volume",
                    Some(1.0),
                    num(b.get("volume_size")),
                    b.get("volume_type").and_then(Value::as_str),
                );
            }
        }
        for r in self.of("aws_ebs_volume") {
            let t = r.get("type").and_then(Value::as_str).or(Some("gp2"));
            self.volume_line(r, "EBS volume", Some(1.0), num(r.get("size")), t);
        }
        for asg in self.of("aws_autoscaling_group") {
            let count = num(asg.get("desired_capacity")).or_else(|| num(asg.get("min_size")));
            let why = if num(asg.get("desired_capacity")).is_some() { "desired_capacity" } else { "min_size" };
            let lt = first_block(asg, "launch_template")
                .and_then(|b| b.get("id").or_else(|| b.get("name")))
                .and_then(Value::as_ref)
                .and_then(|r| self.m.get(&r.address));
            let Some(lt) = lt else {
                self.line(
                    asg,
                    "instance hours".into(),
                    count,
                    "instances",
                    None,
                    "launch template not found in the input (mixed instances policies are not priced)".into(),
                );
                continue;
            };
            let itype = lt.get("instance_type").and_then(Value::as_str);
            let win = windows(lt, "image_id");
            self.instance_line(asg, count, itype, win, &format!("{why}; {}", lt.address));
            let mut any = false;
            for b in lt.get("block_device_mappings").map(Value::as_list).unwrap_or(&[]) {
                if let Some(e) = b.get("ebs").and_then(|e| e.as_list().first()) {
                    any = true;
                    self.volume_line(
                        asg,
                        "EBS volume",
                        count,
                        num(e.get("volume_size")),
                        e.get("volume_type").and_then(Value::as_str),
                    );
                }
            }
            if !any {
                self.volume_line(asg, "root volume", count, None, None);
            }
        }
    }

    // -------------------------------------------------------------- NAT, endpoints

    /// Distinct AZs of the model's subnets (at least 1).
    fn az_count(&self) -> usize {
        let azs: BTreeSet<&str> = self
            .of("aws_subnet")
            .into_iter()
            .filter_map(|s| s.get("availability_zone").and_then(Value::as_str))
            .collect();
        azs.len().max(1)
    }

    fn nat(&mut self) {
        let nats = self.of("aws_nat_gateway");
        if nats.is_empty() {
            return;
        }
        let n = nats.len() as f64;
        let azs = self.az_count() as f64;
        let gb = self.u.get("nat_gb");
        let h = self.hours;
        let price = self.p.nat_gateway;
        for (i, r) in nats.iter().enumerate() {
            self.line(r, "NAT gateway".into(), Some(h), "hours", Some(price.hour), String::new());
            self.line(
                r,
                "data processed".into(),
                Some(gb / n),
                "GB",
                Some(price.gb),
                if n > 1.0 { format!("nat_gb split over {n} NAT gateways") } else { String::new() },
            );
            if i == 0 && n < azs {
                let share = (azs - n) / azs;
                let cross = self.p.cross_az_gb;
                self.line(
                    r,
                    "cross-AZ transfer to the NAT".into(),
                    Some(gb * share * 2.0),
                    "GB",
                    Some(cross),
                    format!("{n} NAT for {azs} AZs: {:.0}% of nat_gb crosses AZs, charged both ways", share * 100.0),
                );
            }
        }
    }

    /// Log ingestion that passes through a logs interface endpoint: every log
    /// group except VPC flow-log destinations (AWS delivers those itself).
    fn log_ingest_total(&mut self) -> f64 {
        let flow: BTreeSet<Address> = self
            .of("aws_flow_log")
            .into_iter()
            .filter_map(|f| f.get("log_destination").and_then(Value::as_ref).map(|r| r.address.clone()))
            .collect();
        let n = self.of("aws_cloudwatch_log_group").into_iter().filter(|g| !flow.contains(&g.address)).count() as f64;
        if n == 0.0 { 0.0 } else { n * self.u.get("log_gb") }
    }

    fn endpoints(&mut self) {
        let h = self.hours;
        let price = self.p.interface_endpoint;
        for r in self.of("aws_vpc_endpoint") {
            let t = r.get("vpc_endpoint_type").and_then(Value::as_str).unwrap_or("Gateway");
            let svc = r.get("service_name").and_then(Value::as_str).unwrap_or("?");
            let short = svc.rsplit_once(".amazonaws.").map(|(_, s)| s).unwrap_or(svc);
            let short = short.split_once('.').map(|(_, s)| s).unwrap_or(short);
            if t.eq_ignore_ascii_case("Gateway") {
                self.line(
                    r,
                    format!("gateway endpoint ({short})"),
                    Some(h),
                    "hours",
                    Some(0.0),
                    "gateway endpoints are free".into(),
                );
                continue;
            }
            if !t.eq_ignore_ascii_case("Interface") {
                self.line(
                    r,
                    format!("{t} endpoint ({short})"),
                    None,
                    "hours",
                    None,
                    format!("{t} endpoints are not in the price table"),
                );
                continue;
            }
            let (azs, note) = match r.get("subnet_ids") {
                Some(Value::List(l)) if !l.is_empty() => (Some(l.len() as f64), String::new()),
                Some(Value::Unknown) => (None, "subnet_ids unknown until apply".to_string()),
                _ => (None, "no subnet_ids: AZ count unknown".to_string()),
            };
            self.line(
                r,
                format!("interface endpoint ({short})"),
                azs.map(|a| a * h),
                "AZ-hours",
                Some(price.az_hour),
                note,
            );
            let (gb, note) = if short == "logs" {
                (
                    self.log_ingest_total(),
                    "the environment's log ingestion (log_gb × log groups, flow logs excluded)".to_string(),
                )
            } else {
                (self.u.get("endpoint_gb"), String::new())
            };
            self.line(r, "data processed".into(), Some(gb), "GB", Some(price.gb), note);
        }
    }

    fn load_balancers(&mut self) {
        let h = self.hours;
        for t in ["aws_lb", "aws_alb"] {
            for r in self.of(t) {
                let lbt = r.get("load_balancer_type").and_then(Value::as_str).unwrap_or("application");
                let rate = match lbt {
                    "application" => self.p.load_balancer.application,
                    "network" => self.p.load_balancer.network,
                    other => {
                        self.line(
                            r,
                            format!("{other} load balancer"),
                            Some(h),
                            "hours",
                            None,
                            format!("{other} load balancers are not in the price table"),
                        );
                        continue;
                    }
                };
                let name = if lbt == "application" { "ALB" } else { "NLB" };
                self.line(r, name.to_string(), Some(h), "hours", Some(rate.hour), String::new());
                let lcu = self.u.get("alb_lcu");
                self.line(
                    r,
                    format!("{name} capacity units"),
                    Some(lcu * h),
                    "LCU-hours",
                    Some(rate.lcu_hour),
                    String::new(),
                );
            }
        }
    }

    fn logs(&mut self) {
        let rate = self.p.logs;
        for r in self.of("aws_cloudwatch_log_group") {
            let gb = self.u.get("log_gb");
            self.line(r, "log ingestion".into(), Some(gb), "GB", Some(rate.ingest_gb), String::new());
            let (months, note) = match num(r.get("retention_in_days")) {
                Some(d) if d > 0.0 => (d / 30.0, format!("steady state: {d} days kept")),
                _ => (12.0, "never expires: storage after 12 months".to_string()),
            };
            self.line(r, "log storage".into(), Some(gb * months), "GB-months", Some(rate.storage_gb_month), note);
        }
    }

    // ---------------------------------------------------- per-resource flat rates

    fn simple(&mut self) {
        let p = self.p.clone();
        for r in self.of("aws_cloudwatch_metric_alarm") {
            let hi = num(r.get("period")).is_some_and(|s| s < 60.0);
            let (c, price) = if hi {
                ("high-resolution alarm", p.cloudwatch.high_resolution_alarm_month)
            } else {
                ("alarm", p.cloudwatch.alarm_month)
            };
            self.line(r, c.into(), Some(1.0), "alarm-months", Some(price), String::new());
        }
        for r in self.of("aws_cloudwatch_composite_alarm") {
            self.line(
                r,
                "composite alarm".into(),
                Some(1.0),
                "alarm-months",
                Some(p.cloudwatch.composite_alarm_month),
                String::new(),
            );
        }
        for r in self.of("aws_cloudwatch_dashboard") {
            self.line(
                r,
                "dashboard".into(),
                Some(1.0),
                "dashboard-months",
                Some(p.cloudwatch.dashboard_month),
                String::new(),
            );
        }
        for t in ["aws_kms_key", "aws_kms_replica_key"] {
            for r in self.of(t) {
                self.line(
                    r,
                    "customer managed key".into(),
                    Some(1.0),
                    "key-months",
                    Some(p.kms.key_month),
                    String::new(),
                );
                let q = self.u.get("kms_requests") / 10_000.0;
                self.line(r, "requests".into(), Some(q), "10k requests", Some(p.kms.per_10k_requests), String::new());
            }
        }
        for r in self.of("aws_secretsmanager_secret") {
            self.line(
                r,
                "secret".into(),
                Some(1.0),
                "secret-months",
                Some(p.secrets_manager.secret_month),
                String::new(),
            );
            let q = self.u.get("secret_api_calls") / 10_000.0;
            self.line(
                r,
                "API calls".into(),
                Some(q),
                "10k calls",
                Some(p.secrets_manager.per_10k_api_calls),
                String::new(),
            );
        }
        for (i, r) in self.of("aws_cloudtrail").into_iter().enumerate() {
            if i == 0 {
                self.line(
                    r,
                    "management events (first copy)".into(),
                    Some(0.0),
                    "100k events",
                    Some(0.0),
                    "the first copy of management events is free".into(),
                );
            } else {
                let q = self.u.get("cloudtrail_management_events") / 100_000.0;
                self.line(
                    r,
                    "management events (additional copy)".into(),
                    Some(q),
                    "100k events",
                    Some(p.cloudtrail.paid_management_per_100k),
                    String::new(),
                );
            }
            let data = r
                .get("event_selector")
                .map(Value::as_list)
                .unwrap_or(&[])
                .iter()
                .any(|s| s.get("data_resource").is_some_and(|d| !d.as_list().is_empty()))
                || r.get("advanced_event_selector").is_some_and(|a| !a.as_list().is_empty());
            if data {
                let q = self.u.get("cloudtrail_data_events") / 100_000.0;
                self.line(
                    r,
                    "data events".into(),
                    Some(q),
                    "100k events",
                    Some(p.cloudtrail.data_per_100k),
                    String::new(),
                );
            }
        }
        for r in self.of("aws_config_configuration_recorder") {
            let q = self.u.get("config_items");
            self.line(r, "configuration items".into(), Some(q), "items", Some(p.config.item), String::new());
        }
        for r in self.of("aws_config_config_rule") {
            let q = self.u.get("config_rule_evaluations");
            self.line(
                r,
                "rule evaluations".into(),
                Some(q),
                "evaluations",
                Some(p.config.rule_evaluation),
                String::new(),
            );
        }
        for r in self.of("aws_wafv2_web_acl") {
            self.line(r, "web ACL".into(), Some(1.0), "ACL-months", Some(p.waf.web_acl_month), String::new());
            let rules = match r.get("rule") {
                Some(Value::Unknown) => None,
                Some(v) => Some(v.as_list().len() as f64),
                None => Some(0.0),
            };
            let note = if rules.is_none() { "rules unknown until apply".to_string() } else { String::new() };
            self.line(r, "rules".into(), rules, "rule-months", Some(p.waf.rule_month), note);
            let q = self.u.get("waf_requests_millions");
            self.line(r, "requests".into(), Some(q), "million requests", Some(p.waf.request_million), String::new());
        }
        for r in self.of("aws_route53_zone") {
            self.line(
                r,
                "hosted zone".into(),
                Some(1.0),
                "zone-months",
                Some(p.route53.hosted_zone_month),
                String::new(),
            );
        }
        for r in self.of("aws_ecr_repository") {
            let q = self.u.get("ecr_gb");
            self.line(r, "image storage".into(), Some(q), "GB-months", Some(p.ecr.storage_gb_month), String::new());
        }
        for r in self.of("aws_codepipeline") {
            if r.get("pipeline_type").and_then(Value::as_str) == Some("V2") {
                let q = self.u.get("codepipeline_action_minutes");
                self.line(
                    r,
                    "V2 action minutes".into(),
                    Some(q),
                    "minutes",
                    Some(p.codepipeline.v2_action_minute),
                    String::new(),
                );
            } else {
                self.line(
                    r,
                    "V1 active pipeline".into(),
                    Some(1.0),
                    "pipeline-months",
                    Some(p.codepipeline.v1_pipeline_month),
                    String::new(),
                );
            }
        }
        for r in self.of("aws_codebuild_project") {
            let env = first_block(r, "environment");
            let compute =
                env.and_then(|e| e.get("compute_type")).and_then(Value::as_str).unwrap_or("BUILD_GENERAL1_SMALL");
            let ty = env.and_then(|e| e.get("type")).and_then(Value::as_str).unwrap_or("LINUX_CONTAINER");
            let key = if ty.contains("ARM") { format!("ARM_CONTAINER/{compute}") } else { compute.to_string() };
            let price = p.codebuild_minute.get(&key).copied();
            let note = if price.is_none() { format!("{key} is not in the price table") } else { String::new() };
            let q = self.u.get("codebuild_minutes");
            self.line(r, format!("build minutes ({key})"), Some(q), "minutes", price, note);
        }
        for r in self.of("aws_dynamodb_table") {
            let mode = r.get("billing_mode").and_then(Value::as_str).unwrap_or("PROVISIONED");
            if mode == "PAY_PER_REQUEST" {
                let w = self.u.get("dynamodb_write_millions");
                let rd = self.u.get("dynamodb_read_millions");
                self.line(
                    r,
                    "on-demand writes".into(),
                    Some(w),
                    "million WRU",
                    Some(p.dynamodb.write_million),
                    String::new(),
                );
                self.line(
                    r,
                    "on-demand reads".into(),
                    Some(rd),
                    "million RRU",
                    Some(p.dynamodb.read_million),
                    String::new(),
                );
            } else {
                self.line(
                    r,
                    "provisioned capacity".into(),
                    None,
                    "RCU/WCU-hours",
                    None,
                    "provisioned capacity is not in the price table".into(),
                );
            }
            let gb = self.u.get("dynamodb_gb");
            self.line(r, "storage".into(), Some(gb), "GB-months", Some(p.dynamodb.storage_gb_month), String::new());
        }
        for r in self.of("aws_service_discovery_service") {
            let (inst, note) = self.cloud_map_instances(r);
            self.line(
                r,
                "registered instances".into(),
                inst,
                "instance-months",
                Some(p.cloud_map.instance_month),
                note,
            );
            let q = self.u.get("cloud_map_dns_queries") / 1e6;
            self.line(
                r,
                "DNS queries".into(),
                Some(q),
                "million queries",
                Some(p.cloud_map.dns_query_million),
                String::new(),
            );
        }
        for t in ["aws_service_discovery_private_dns_namespace", "aws_service_discovery_public_dns_namespace"] {
            for r in self.of(t) {
                self.line(
                    r,
                    "hosted zone".into(),
                    Some(1.0),
                    "zone-months",
                    Some(p.cloud_map.hosted_zone_month),
                    String::new(),
                );
            }
        }
        for r in self.of("aws_sns_topic") {
            let q = self.u.get("sns_publishes") / 1e6;
            self.line(r, "publishes".into(), Some(q), "million requests", Some(p.sns.publish_million), String::new());
        }
    }

    fn cloud_map_instances(&mut self, sd: &Resource) -> (Option<f64>, String) {
        let mut total = 0.0;
        let mut names = Vec::new();
        for svc in self.of("aws_ecs_service") {
            let registers = svc
                .get("service_registries")
                .map(Value::as_list)
                .unwrap_or(&[])
                .iter()
                .any(|b| b.get("registry_arn").and_then(Value::as_ref).is_some_and(|r| r.address == sd.address));
            if registers {
                match self.tasks(svc).0 {
                    Some(t) => total += t,
                    None => return (None, format!("task count of {} unknown", svc.address)),
                }
                names.push(svc.address.name().to_string());
            }
        }
        if names.is_empty() {
            (Some(self.u.get("cloud_map_instances")), String::new())
        } else {
            (Some(total), format!("tasks of {}", names.join(", ")))
        }
    }
}

/// Each provider's weight as a share of all weights (bases ignored). Used
/// when the task count is unknown; [`split`] applies bases when it is known.
/// All-zero weights (which ECS rejects) put everything on the first provider.
fn weights(s: &[(String, f64, f64)]) -> Vec<(String, f64)> {
    let total: f64 = s.iter().map(|(_, w, _)| w).sum();
    if total <= 0.0 {
        return s.iter().take(1).map(|(p, _, _)| (p.clone(), 1.0)).collect();
    }
    s.iter().filter(|(_, w, _)| *w > 0.0).map(|(p, w, _)| (p.clone(), w / total)).collect()
}

/// Tasks per capacity provider for `n` tasks: each provider's base first, in
/// strategy order, then the rest by weight (how ECS places them).
pub fn split(n: f64, s: &[(String, f64, f64)]) -> Vec<(String, f64)> {
    let mut left = n;
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for (p, _, b) in s {
        let take = b.min(left).max(0.0);
        *out.entry(p.clone()).or_default() += take;
        left -= take;
    }
    for (p, share) in weights(s) {
        *out.entry(p).or_default() += left * share;
    }
    out.into_iter().filter(|(_, t)| *t > 0.0).collect()
}

/// Whether an AMI or image id says Windows; `None` when it does not say.
fn windows(r: &Resource, ami_attr: &str) -> Option<bool> {
    if r.get("get_password_data").and_then(Value::as_bool) == Some(true) {
        return Some(true);
    }
    let tags = r.get("tags");
    for k in ["Platform", "OS", "os", "platform"] {
        if let Some(v) = tags.and_then(|t| t.get(k)).and_then(Value::as_str) {
            return Some(v.to_ascii_lowercase().contains("windows"));
        }
    }
    // A PowerShell or batch user-data script only runs on Windows.
    let user_data = r.get("user_data").map(literal_text).unwrap_or_default().to_ascii_lowercase();
    if user_data.contains("<powershell>") || user_data.contains("<script>") {
        return Some(true);
    }
    let l = r.get(ami_attr).map(literal_text).unwrap_or_default().to_ascii_lowercase();
    if l.contains("windows") {
        Some(true)
    } else if ["amzn", "al2023", "linux", "ubuntu", "bottlerocket"].iter().any(|k| l.contains(k)) {
        Some(false)
    } else {
        None
    }
}

/// The literal text of a string or template (references and unknowns left out).
fn literal_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Template(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => String::new(),
    }
}

/// A count without trailing zeros (`3`, `2.5`).
pub(crate) fn fmt_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}; {b}"),
    }
}

/// The address of every resource a model has of a type (for transforms).
pub(crate) fn addresses_of(m: &InfraModel, t: &str) -> Vec<Address> {
    m.resources.values().filter(|r| r.kind.terraform_type() == t).map(|r| r.address.clone()).collect()
}
