//! The internet-facing ALB, its listeners, log bucket and security group.
//! Per-service target groups and listener rules live in `service.rs`.

use ecsforge_model::{Address, Concern, Kind, Value};

use crate::network::Net;
use crate::{Cx, r};
use crate::{bucket, policy};

pub(crate) struct Alb {
    pub sg: Address,
    pub https_listener: Address,
}

/// TLS 1.2 and 1.3 only (doc 003 property 6).
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Regions whose ELB log delivery still uses a regional AWS account as principal.
fn elb_account(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "127311923021",
        "us-east-2" => "033677994240",
        "us-west-1" => "027434742980",
        "us-west-2" => "797873946194",
        "ca-central-1" => "985666609251",
        "eu-central-1" => "054676820928",
        "eu-west-1" => "156460612806",
        "eu-west-2" => "652711504416",
        "eu-west-3" => "009996457667",
        "eu-north-1" => "897822967062",
        "ap-northeast-1" => "582318560864",
        "ap-northeast-2" => "600734575887",
        "ap-southeast-1" => "114774131450",
        "ap-southeast-2" => "783225319266",
        "ap-south-1" => "718504428378",
        "sa-east-1" => "507241528517",
        _ => return None,
    })
}

pub(crate) fn build(cx: &mut Cx, net: &Net) -> Alb {
    let p = cx.env_prov();
    let c = Concern::Alb;
    let prefix = cx.prefix.clone();

    // Security group: 80/443 from the allowed ranges; egress rules per service are added in service.rs.
    let sg_name = format!("{prefix}-alb");
    let sg = cx
        .res(Kind::SecurityGroup, "alb", c.clone(), p.clone())
        .with("name", sg_name.as_str())
        .with("description", "ALB: HTTP/HTTPS from allowed client ranges; egress to public services only")
        .with("vpc_id", r(&net.vpc, "id"));
    let sg = cx.add(sg, Some(&sg_name));
    let cidrs = cx.env.alb_allowed_cidrs.clone();
    for (i, cidr) in cidrs.iter().enumerate() {
        for (proto, port) in [("https", 443), ("http", 80)] {
            let name = if cidrs.len() == 1 { format!("alb_{proto}") } else { format!("alb_{proto}_{i}") };
            let rule = cx
                .res(Kind::SecurityGroupIngressRule, &name, c.clone(), p.clone())
                .with("security_group_id", r(&sg, "id"))
                .with("cidr_ipv4", cidr.to_string())
                .with("ip_protocol", "tcp")
                .with("from_port", port)
                .with("to_port", port)
                .with("description", format!("{} from {cidr}", proto.to_uppercase()));
            cx.add(rule, Some(&format!("{prefix}-{}", name.replace('_', "-"))));
        }
    }

    // Access-log bucket. ELB log delivery supports SSE-S3 only (not SSE-KMS).
    let bucket_name = crate::aws_name(&[&prefix, "alb-logs", cx.account()], 63);
    let account = cx.account().to_string();
    let mut principals = vec![("Service", Value::from("logdelivery.elasticloadbalancing.amazonaws.com"))];
    if let Some(acct) = elb_account(cx.region()) {
        principals.push(("AWS", Value::from(format!("arn:aws:iam::{acct}:root"))));
    }
    let delivery = move |bucket: &Address| {
        let logs_arn = bucket::objects(bucket, &format!("/alb/AWSLogs/{account}/*"));
        vec![policy::with(
            policy::allow("ElbLogDelivery", &["s3:PutObject"], vec![logs_arn]),
            "Principal",
            Value::map(principals.clone()),
        )]
    };
    let (bucket, bp) = bucket::build(
        cx,
        bucket::Bucket {
            id: "alb_logs",
            name: &bucket_name,
            concern: c.clone(),
            prov: p.clone(),
            sse: bucket::Sse::S3,
            statements: &delivery,
        },
    );

    let lb_name = crate::aws_name(&[&prefix], 32);
    let mut lb = cx
        .res(Kind::Lb, "main", c.clone(), p.clone())
        .with("name", lb_name.as_str())
        .with("internal", false)
        .with("load_balancer_type", "application")
        .with("security_groups", Value::List(vec![r(&sg, "id")]))
        .with("subnets", net.public_subnet_ids())
        .with("drop_invalid_header_fields", true)
        .with("idle_timeout", 60)
        .with("enable_deletion_protection", cx.env.deletion_protection)
        .with(
            "access_logs",
            Value::block([
                ("bucket", r(&bucket, "id")),
                ("prefix", Value::from("alb")),
                ("enabled", Value::from(true)),
            ]),
        );
    // ELB checks it can write to the bucket when logging is switched on.
    lb.depends_on.push(bp);
    let lb = cx.add(lb, Some(&lb_name));

    let cert = cx.env.certificate_arn.clone().unwrap_or_default();
    let https = cx
        .res(Kind::LbListener, "https", c.clone(), p.clone())
        .with("load_balancer_arn", r(&lb, "arn"))
        .with("port", 443)
        .with("protocol", "HTTPS")
        .with("ssl_policy", SSL_POLICY)
        .with("certificate_arn", cert)
        .with(
            "default_action",
            Value::block([
                ("type", Value::from("fixed-response")),
                (
                    "fixed_response",
                    Value::block([
                        ("content_type", Value::from("text/plain")),
                        ("message_body", Value::from("not found")),
                        ("status_code", Value::from("404")),
                    ]),
                ),
            ]),
        );
    let https = cx.add(https, Some(&format!("{prefix}-https")));
    let http = cx
        .res(Kind::LbListener, "http", c, p)
        .with("load_balancer_arn", r(&lb, "arn"))
        .with("port", 80)
        .with("protocol", "HTTP")
        .with(
            "default_action",
            Value::block([
                ("type", Value::from("redirect")),
                (
                    "redirect",
                    Value::block([
                        ("port", Value::from("443")),
                        ("protocol", Value::from("HTTPS")),
                        ("status_code", Value::from("HTTP_301")),
                    ]),
                ),
            ]),
        );
    cx.add(http, Some(&format!("{prefix}-http-redirect")));
    cx.output("alb_dns_name", r(&lb, "dns_name"), "DNS name of the public load balancer");
    Alb { sg, https_listener: https }
}
