//! ELBv2: load balancers, target groups, listeners and listener rules of the in-scope VPCs.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Action, RuleCondition};
use ecsforge_model::{Kind, Value};

use crate::LiveError;
use crate::collect::{Ctx, Item, ident, strings};

const SVC: &str = "elasticloadbalancing";

pub(crate) async fn read(ctx: &Ctx<'_>, vpc_ids: &[String], out: &mut Vec<Item>) -> Result<(), LiveError> {
    if vpc_ids.is_empty() {
        return Ok(());
    }
    let in_scope = |vpc: Option<&str>| vpc.is_some_and(|v| vpc_ids.iter().any(|x| x == v));
    let lbs: Vec<_> = ctx
        .elb
        .describe_load_balancers()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeLoadBalancers", None, e))?
        .into_iter()
        .filter(|lb| in_scope(lb.vpc_id()))
        .collect();
    let tgs: Vec<_> = ctx
        .elb
        .describe_target_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeTargetGroups", None, e))?
        .into_iter()
        .filter(|tg| in_scope(tg.vpc_id()))
        .collect();
    let mut arns: Vec<String> = lbs.iter().filter_map(|l| l.load_balancer_arn().map(str::to_string)).collect();
    arns.extend(tgs.iter().filter_map(|t| t.target_group_arn().map(str::to_string)));

    for lb in &lbs {
        let (Some(arn), Some(name)) = (lb.load_balancer_arn(), lb.load_balancer_name()) else { continue };
        let mut it = Item::new(Kind::Lb, SVC, arn, name).arn(Some(arn));
        it.set("name", name);
        it.set("internal", lb.scheme().is_some_and(|s| s.as_str().eq_ignore_ascii_case("internal")));
        it.opt("load_balancer_type", lb.r#type().map(|t| t.as_str().to_ascii_lowercase()));
        it.opt("vpc_id", lb.vpc_id());
        it.opt("dns_name", lb.dns_name());
        it.opt("ip_address_type", lb.ip_address_type().map(|t| t.as_str().to_ascii_lowercase()));
        it.set("security_groups", strings(lb.security_groups()));
        it.set("subnets", strings(lb.availability_zones().iter().filter_map(|z| z.subnet_id())));
        let attrs = attributes(
            ctx.elb
                .describe_load_balancer_attributes()
                .load_balancer_arn(arn)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "DescribeLoadBalancerAttributes", Some(arn), e))?
                .attributes()
                .iter()
                .map(|a| (a.key(), a.value())),
        );
        let get = |k: &str| attrs.get(k).cloned();
        it.set(
            "access_logs",
            Value::block([
                ("bucket", Value::from(get("access_logs.s3.bucket").unwrap_or_default())),
                ("prefix", Value::from(get("access_logs.s3.prefix").unwrap_or_default())),
                ("enabled", Value::from(get("access_logs.s3.enabled").as_deref() == Some("true"))),
            ]),
        );
        it.opt("enable_deletion_protection", get("deletion_protection.enabled").map(|v| v == "true"));
        it.opt(
            "drop_invalid_header_fields",
            get("routing.http.drop_invalid_header_fields.enabled").map(|v| v == "true"),
        );
        it.opt("idle_timeout", get("idle_timeout.timeout_seconds").and_then(|v| v.parse::<i64>().ok()));
        it.tags(BTreeMap::new());
        out.push(it);

        // Listeners and their rules.
        let lb_ident = ident(ctx.scope, name);
        let listeners = ctx
            .elb
            .describe_listeners()
            .load_balancer_arn(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "DescribeListeners", Some(arn), e))?;
        for l in &listeners {
            let Some(larn) = l.listener_arn() else { continue };
            arns.push(larn.to_string());
            let proto = l.protocol().map(|p| p.as_str().to_ascii_lowercase()).unwrap_or_default();
            let lname = if lb_ident == "main" { proto.clone() } else { format!("{lb_ident}_{proto}") };
            let mut it =
                Item::new(Kind::LbListener, SVC, larn, format!("{lname}_{}", l.port().unwrap_or(0))).arn(Some(larn));
            it.set("load_balancer_arn", arn);
            it.opt("port", l.port());
            it.opt("protocol", l.protocol().map(|p| p.as_str().to_ascii_uppercase()));
            // moto reports a policy on plain HTTP listeners too; only TLS listeners have one.
            let tls = matches!(proto.as_str(), "https" | "tls");
            it.opt("ssl_policy", l.ssl_policy().filter(|_| tls));
            it.opt("certificate_arn", l.certificates().iter().find_map(|c| c.certificate_arn()));
            it.set("default_action", actions(l.default_actions()));
            it.tags(BTreeMap::new());
            out.push(it);
            let rules = ctx
                .elb
                .describe_rules()
                .listener_arn(larn)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| ctx.err(SVC, "DescribeRules", Some(larn), e))?;
            for r in &rules {
                let Some(rarn) = r.rule_arn() else { continue };
                // The default rule is the listener's `default_action`.
                if r.is_default() == Some(true) || r.priority() == Some("default") {
                    continue;
                }
                let priority = r.priority().unwrap_or("0");
                let mut it =
                    Item::new(Kind::LbListenerRule, SVC, rarn, format!("{lname}_{}_{priority}", l.port().unwrap_or(0)))
                        .arn(Some(rarn));
                arns.push(rarn.to_string());
                it.set("listener_arn", larn);
                it.opt("priority", priority.parse::<i64>().ok());
                it.set("action", actions(r.actions()));
                it.set("condition", Value::List(r.conditions().iter().map(condition).collect()));
                it.tags(BTreeMap::new());
                out.push(it);
            }
        }
    }

    for tg in &tgs {
        let (Some(arn), Some(name)) = (tg.target_group_arn(), tg.target_group_name()) else { continue };
        let mut it = Item::new(Kind::LbTargetGroup, SVC, arn, name).arn(Some(arn));
        it.set("name", name);
        it.opt("port", tg.port());
        it.opt("protocol", tg.protocol().map(|p| p.as_str().to_ascii_uppercase()));
        it.opt("target_type", tg.target_type().map(|t| t.as_str().to_ascii_lowercase()));
        it.opt("vpc_id", tg.vpc_id());
        let mut hc = BTreeMap::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                hc.insert(k.to_string(), v);
            }
        };
        put("enabled", Some(Value::from(tg.health_check_enabled().unwrap_or(true))));
        put("healthy_threshold", tg.healthy_threshold_count().map(Value::from));
        put("unhealthy_threshold", tg.unhealthy_threshold_count().map(Value::from));
        put("interval", tg.health_check_interval_seconds().map(Value::from));
        put("timeout", tg.health_check_timeout_seconds().map(Value::from));
        put("path", tg.health_check_path().map(Value::from));
        put("port", tg.health_check_port().map(Value::from));
        put("protocol", tg.health_check_protocol().map(|p| Value::from(p.as_str().to_ascii_uppercase())));
        put("matcher", tg.matcher().and_then(|m| m.http_code().or(m.grpc_code())).map(Value::from));
        it.set("health_check", Value::List(vec![Value::Map(hc)]));
        let attrs = attributes(
            ctx.elb
                .describe_target_group_attributes()
                .target_group_arn(arn)
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "DescribeTargetGroupAttributes", Some(arn), e))?
                .attributes()
                .iter()
                .map(|a| (a.key(), a.value())),
        );
        it.opt("deregistration_delay", attrs.get("deregistration_delay.timeout_seconds").cloned());
        if let Some(enabled) = attrs.get("stickiness.enabled") {
            it.set(
                "stickiness",
                Value::block([
                    ("enabled", Value::from(enabled == "true")),
                    ("type", Value::from(attrs.get("stickiness.type").cloned().unwrap_or_else(|| "lb_cookie".into()))),
                ]),
            );
        }
        it.tags(BTreeMap::new());
        out.push(it);
    }

    // Tags, 20 resources per call.
    let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for chunk in arns.chunks(20) {
        let d = ctx
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| ctx.err(SVC, "DescribeTags", None, e))?;
        for td in d.tag_descriptions() {
            let Some(a) = td.resource_arn() else { continue };
            tags.insert(
                a.to_string(),
                td.tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
                    .collect(),
            );
        }
    }
    for it in out.iter_mut().filter(|i| i.service == SVC) {
        if let Some(t) = it.arn.as_ref().and_then(|a| tags.get(a)) {
            if let Some(n) = t.get("Name").filter(|_| it.kind != Kind::Lb && it.kind != Kind::LbTargetGroup) {
                it.name = n.clone();
            }
            it.tags(t.clone());
        }
    }
    Ok(())
}

fn attributes<'a>(kv: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> BTreeMap<String, String> {
    kv.filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or("").to_string()))).collect()
}

/// Actions in the provider's block shape, in `order`.
fn actions(list: &[Action]) -> Value {
    let mut sorted: Vec<&Action> = list.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(0));
    Value::List(sorted.into_iter().map(action).collect())
}

fn action(a: &Action) -> Value {
    let mut m = BTreeMap::new();
    let ty = a.r#type().map(|t| t.as_str().to_ascii_lowercase()).unwrap_or_default();
    m.insert("type".to_string(), Value::from(ty));
    if let Some(o) = a.order() {
        m.insert("order".into(), Value::from(o));
    }
    if let Some(tg) = a.target_group_arn() {
        m.insert("target_group_arn".into(), Value::from(tg));
    }
    if let Some(f) = a.forward_config() {
        // A forward to one target group is written as `target_group_arn` alone.
        if f.target_groups().len() > 1 || a.target_group_arn().is_none() {
            let groups: Vec<Value> = f
                .target_groups()
                .iter()
                .map(|t| {
                    Value::map([
                        ("arn", Value::from(t.target_group_arn().unwrap_or(""))),
                        ("weight", Value::from(t.weight().unwrap_or(1))),
                    ])
                })
                .collect();
            let mut fm = BTreeMap::new();
            fm.insert("target_group".to_string(), Value::List(groups));
            if let Some(s) = f.target_group_stickiness_config() {
                fm.insert(
                    "stickiness".into(),
                    Value::block([
                        ("enabled", Value::from(s.enabled().unwrap_or(false))),
                        ("duration", Value::from(s.duration_seconds().unwrap_or(0))),
                    ]),
                );
            }
            m.insert("forward".into(), Value::List(vec![Value::Map(fm)]));
        }
    }
    if let Some(r) = a.redirect_config() {
        m.insert(
            "redirect".into(),
            Value::block([
                ("host", Value::from(r.host().unwrap_or("#{host}"))),
                ("path", Value::from(r.path().unwrap_or("/#{path}"))),
                ("port", Value::from(r.port().unwrap_or("#{port}"))),
                ("protocol", Value::from(r.protocol().unwrap_or("#{protocol}"))),
                ("query", Value::from(r.query().unwrap_or("#{query}"))),
                (
                    "status_code",
                    Value::from(r.status_code().map(|s| s.as_str().to_ascii_uppercase()).unwrap_or_default()),
                ),
            ]),
        );
    }
    if let Some(f) = a.fixed_response_config() {
        m.insert(
            "fixed_response".into(),
            Value::block([
                ("content_type", Value::from(f.content_type().unwrap_or(""))),
                ("message_body", Value::from(f.message_body().unwrap_or(""))),
                ("status_code", Value::from(f.status_code().unwrap_or(""))),
            ]),
        );
    }
    Value::Map(m)
}

/// A rule condition in the provider's block shape (`path_pattern { values }`, ...).
fn condition(c: &RuleCondition) -> Value {
    let field = c.field().unwrap_or("");
    let values = |specific: Option<&[String]>| {
        let v = specific.filter(|v| !v.is_empty()).unwrap_or(c.values());
        Value::block([("values", strings(v))])
    };
    let (key, block) = match field {
        "path-pattern" => ("path_pattern", values(c.path_pattern_config().map(|p| p.values()))),
        "host-header" => ("host_header", values(c.host_header_config().map(|p| p.values()))),
        "http-request-method" => ("http_request_method", values(c.http_request_method_config().map(|p| p.values()))),
        "source-ip" => ("source_ip", values(c.source_ip_config().map(|p| p.values()))),
        "http-header" => {
            let h = c.http_header_config();
            (
                "http_header",
                Value::block([
                    ("http_header_name", Value::from(h.and_then(|h| h.http_header_name()).unwrap_or(""))),
                    ("values", strings(h.map(|h| h.values()).unwrap_or(&[]))),
                ]),
            )
        }
        "query-string" => (
            "query_string",
            Value::List(
                c.query_string_config()
                    .map(|q| q.values())
                    .unwrap_or(&[])
                    .iter()
                    .map(|kv| {
                        Value::map([
                            ("key", Value::from(kv.key().unwrap_or(""))),
                            ("value", Value::from(kv.value().unwrap_or(""))),
                        ])
                    })
                    .collect(),
            ),
        ),
        other => (other, values(None)),
    };
    Value::map([(key.replace('-', "_"), block)])
}
