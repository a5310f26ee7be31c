//! Elastic Load Balancing v2: load balancers, listeners, rules, target groups.

use std::collections::BTreeMap;

use ecsforge_model::Value;

use super::{Cx, Props, Put, blocks, boolish, field, generic, id_list, numish, stringish};

/// `[{Key, Value}]` attribute lists → a map; `None` when not in that shape.
fn attribute_map(v: &Value) -> Option<BTreeMap<String, Value>> {
    let Value::List(l) = v else { return None };
    let mut out = BTreeMap::new();
    for a in l {
        match (field(a, "Key"), field(a, "Value")) {
            (Some(Value::String(k)), Some(v)) => {
                out.insert(k, v);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Moves `<prefix>.enabled/bucket/prefix` into a Terraform block `[{enabled, bucket, prefix}]`.
fn log_block(attrs: &mut BTreeMap<String, Value>, prefix: &str) -> Option<Value> {
    let mut b = BTreeMap::new();
    for k in ["enabled", "bucket", "prefix"] {
        if let Some(v) = attrs.remove(&format!("{prefix}.{k}")) {
            b.insert(k.to_string(), if k == "enabled" { boolish(v) } else { v });
        }
    }
    if b.is_empty() { None } else { Some(Value::List(vec![Value::Map(b)])) }
}

pub(super) fn load_balancer(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("Name"));
    r.set(
        "internal",
        match p.take("Scheme") {
            Some(Value::String(s)) => Value::Bool(s == "internal"),
            Some(other) => other,
            // CloudFormation default: internet-facing.
            None => Value::Bool(false),
        },
    );
    r.set("load_balancer_type", p.take("Type").unwrap_or_else(|| Value::from("application")));
    r.put("subnets", id_list(p.take("Subnets")));
    r.put("subnet_mapping", p.take("SubnetMappings").map(blocks));
    r.put("security_groups", id_list(p.take("SecurityGroups")));
    r.put("ip_address_type", p.take("IpAddressType"));
    let Some(attrs) = p.take("LoadBalancerAttributes") else { return };
    let Some(mut a) = attribute_map(&attrs) else {
        r.set("load_balancer_attributes", generic(attrs));
        return;
    };
    r.put("access_logs", log_block(&mut a, "access_logs.s3"));
    r.put("connection_logs", log_block(&mut a, "connection_logs.s3"));
    for (key, attr, conv) in [
        ("deletion_protection.enabled", "enable_deletion_protection", boolish as fn(Value) -> Value),
        ("routing.http.drop_invalid_header_fields.enabled", "drop_invalid_header_fields", boolish),
        ("idle_timeout.timeout_seconds", "idle_timeout", numish),
        ("routing.http2.enabled", "enable_http2", boolish),
        ("load_balancing.cross_zone.enabled", "enable_cross_zone_load_balancing", boolish),
        ("routing.http.desync_mitigation_mode", "desync_mitigation_mode", |v| v),
        ("routing.http.preserve_host_header.enabled", "preserve_host_header", boolish),
        ("waf.fail_open.enabled", "enable_waf_fail_open", boolish),
        (
            "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
            "enable_tls_version_and_cipher_suite_headers",
            boolish,
        ),
        ("routing.http.xff_client_port.enabled", "enable_xff_client_port", boolish),
        ("routing.http.xff_header_processing.mode", "xff_header_processing_mode", |v| v),
        ("client_keep_alive.seconds", "client_keep_alive", numish),
    ] {
        r.put(attr, a.remove(key).map(conv));
    }
    if !a.is_empty() {
        r.set("load_balancer_attributes", Value::Map(a));
    }
}

/// One listener action in the provider's shape.
fn action(a: &Value) -> Value {
    let Value::Map(m) = a else { return a.clone() };
    let mut out = BTreeMap::new();
    for (k, v) in m {
        let (key, value) = match k.as_str() {
            "Type" => ("type", v.clone()),
            "Order" => ("order", numish(v.clone())),
            "TargetGroupArn" => ("target_group_arn", v.clone()),
            "ForwardConfig" => {
                let mut f = BTreeMap::new();
                if let Some(Value::List(tgs)) = field(v, "TargetGroups") {
                    let tgs = tgs
                        .iter()
                        .map(|tg| {
                            let mut t = BTreeMap::new();
                            if let Some(arn) = field(tg, "TargetGroupArn") {
                                t.insert("arn".to_string(), arn);
                            }
                            if let Some(w) = field(tg, "Weight") {
                                t.insert("weight".to_string(), numish(w));
                            }
                            Value::Map(t)
                        })
                        .collect();
                    f.insert("target_group".to_string(), Value::List(tgs));
                }
                if let Some(s) = field(v, "TargetGroupStickinessConfig") {
                    let mut b = BTreeMap::new();
                    if let Some(e) = field(&s, "Enabled") {
                        b.insert("enabled".to_string(), boolish(e));
                    }
                    if let Some(d) = field(&s, "DurationSeconds") {
                        b.insert("duration".to_string(), numish(d));
                    }
                    f.insert("stickiness".to_string(), Value::List(vec![Value::Map(b)]));
                }
                ("forward", Value::List(vec![Value::Map(f)]))
            }
            "RedirectConfig" => ("redirect", blocks(v.clone())),
            "FixedResponseConfig" => ("fixed_response", blocks(v.clone())),
            "AuthenticateCognitoConfig" => ("authenticate_cognito", blocks(v.clone())),
            "AuthenticateOidcConfig" => ("authenticate_oidc", blocks(v.clone())),
            _ => {
                out.insert(crate::cloudformation::names::snake_case(k), blocks(v.clone()));
                continue;
            }
        };
        out.insert(key.to_string(), value);
    }
    Value::Map(out)
}

fn actions(v: Value) -> Value {
    match v {
        Value::List(l) => Value::List(l.iter().map(action).collect()),
        other => other,
    }
}

pub(super) fn listener(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("load_balancer_arn", p.take("LoadBalancerArn"));
    r.put("port", p.take("Port").map(numish));
    r.put("protocol", p.take("Protocol"));
    r.put("ssl_policy", p.take("SslPolicy"));
    if let Some(certs) = p.take("Certificates") {
        match &certs {
            Value::List(l) if l.len() == 1 => r.put("certificate_arn", field(&l[0], "CertificateArn")),
            _ => r.set("certificates", generic(certs)),
        }
    }
    r.put(
        "alpn_policy",
        p.take("AlpnPolicy").map(|v| match v {
            Value::List(mut l) if l.len() == 1 => l.remove(0),
            other => other,
        }),
    );
    r.put("default_action", p.take("DefaultActions").map(actions));
}

/// One rule condition in the provider's shape.
fn condition(c: &Value) -> Value {
    let Value::Map(_) = c else { return c.clone() };
    let cfg = |name: &str| field(c, name);
    let values = |cfg: Option<Value>| {
        cfg.and_then(|x| field(&x, "Values")).or_else(|| field(c, "Values")).unwrap_or(Value::List(Vec::new()))
    };
    let values_block = |cfg: Option<Value>| Value::block([("values", values(cfg))]);
    let f = field(c, "Field").and_then(|f| f.as_str().map(str::to_string)).unwrap_or_default();
    let (key, v) = match f.as_str() {
        "path-pattern" => ("path_pattern", values_block(cfg("PathPatternConfig"))),
        "host-header" => ("host_header", values_block(cfg("HostHeaderConfig"))),
        "http-request-method" => ("http_request_method", values_block(cfg("HttpRequestMethodConfig"))),
        "source-ip" => ("source_ip", values_block(cfg("SourceIpConfig"))),
        "http-header" => {
            let h = cfg("HttpHeaderConfig");
            let name = h.as_ref().and_then(|h| field(h, "HttpHeaderName")).unwrap_or(Value::Null);
            ("http_header", Value::block([("http_header_name", name), ("values", values(h))]))
        }
        "query-string" => {
            let q = values(cfg("QueryStringConfig"));
            ("query_string", blocks(q))
        }
        _ => return generic(c.clone()),
    };
    Value::map([(key, v)])
}

pub(super) fn listener_rule(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("listener_arn", p.take("ListenerArn"));
    r.put("priority", p.take("Priority").map(numish));
    r.put("action", p.take("Actions").map(actions));
    r.put(
        "condition",
        p.take("Conditions").map(|v| match v {
            Value::List(l) => Value::List(l.iter().map(condition).collect()),
            other => other,
        }),
    );
}

pub(super) fn target_group(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("name", p.take("Name"));
    r.put("port", p.take("Port").map(numish));
    r.put("protocol", p.take("Protocol"));
    r.put("protocol_version", p.take("ProtocolVersion"));
    r.put("target_type", p.take("TargetType"));
    r.put("vpc_id", p.take("VpcId"));
    r.put("ip_address_type", p.take("IpAddressType"));
    let mut hc = BTreeMap::new();
    for (from, to, conv) in [
        ("HealthCheckEnabled", "enabled", boolish as fn(Value) -> Value),
        ("HealthCheckPath", "path", |v| v),
        ("HealthCheckIntervalSeconds", "interval", numish),
        ("HealthCheckTimeoutSeconds", "timeout", numish),
        ("HealthyThresholdCount", "healthy_threshold", numish),
        ("UnhealthyThresholdCount", "unhealthy_threshold", numish),
        ("HealthCheckPort", "port", stringish),
        ("HealthCheckProtocol", "protocol", |v| v),
    ] {
        if let Some(v) = p.take(from) {
            hc.insert(to.to_string(), conv(v));
        }
    }
    if let Some(code) = p.take("Matcher").and_then(|m| field(&m, "HttpCode").or_else(|| field(&m, "GrpcCode"))) {
        hc.insert("matcher".to_string(), code);
    }
    if !hc.is_empty() {
        r.set("health_check", Value::List(vec![Value::Map(hc)]));
    }
    let Some(attrs) = p.take("TargetGroupAttributes") else { return };
    let Some(mut a) = attribute_map(&attrs) else {
        r.set("target_group_attributes", generic(attrs));
        return;
    };
    r.put("deregistration_delay", a.remove("deregistration_delay.timeout_seconds").map(stringish));
    r.put("slow_start", a.remove("slow_start.duration_seconds").map(numish));
    r.put("load_balancing_algorithm_type", a.remove("load_balancing.algorithm.type"));
    r.put("load_balancing_cross_zone_enabled", a.remove("load_balancing.cross_zone.enabled"));
    let mut st = BTreeMap::new();
    if let Some(e) = a.remove("stickiness.enabled") {
        st.insert("enabled".to_string(), boolish(e));
    }
    if let Some(t) = a.remove("stickiness.type") {
        st.insert("type".to_string(), t);
    }
    if let Some(d) = a.remove("stickiness.lb_cookie.duration_seconds") {
        st.insert("cookie_duration".to_string(), numish(d));
    }
    if !st.is_empty() {
        r.set("stickiness", Value::List(vec![Value::Map(st)]));
    }
    if !a.is_empty() {
        r.set("target_group_attributes", Value::Map(a));
    }
}
