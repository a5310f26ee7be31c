//! # EF040 alb-https-listener: internet-facing ALBs terminate TLS on 443 with a certificate
//!
//! **What it checks.** Every internet-facing application load balancer
//! (`aws_lb` with `internal` absent or `false`, `load_balancer_type` absent or
//! `application`) has an `aws_lb_listener` on port 443 with protocol `HTTPS`
//! and a `certificate_arn`: a reference, or a literal ACM certificate ARN
//! (`arn:aws:acm:...:certificate/...`; an IAM server certificate ARN is
//! accepted too). An empty string, which ecsforge would emit for a missing
//! `alb.certificate_arn`, is reported.
//!
//! **Why it matters.** Without HTTPS on 443 the public edge is plain HTTP:
//! credentials and session cookies cross the internet in clear text (NIST
//! SC-8). The TLS policy of that listener is EF006.
//!
//! **Failing example.**
//! ```json
//! "aws_lb_listener": {"https": {"load_balancer_arn": "${aws_lb.main.arn}", "port": 443, "protocol": "HTTPS", "certificate_arn": ""}}
//! ```
//!
//! **Fix.** `"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/..."` (the
//! environment's `alb.certificate_arn`), and an HTTP listener on 80 that redirects to it.
//!
//! Doc 003 property 40. NIST SC-8, SC-13. SOC-2 CC6.6, CC6.7.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF040",
    name: "alb-https-listener",
    severity: Severity::Error,
    property: Some(40),
    nist: &["SC-8", "SC-13"],
    soc2: &["CC6.6", "CC6.7"],
    summary: "internet-facing ALBs have an HTTPS listener on 443 with a certificate",
};

/// `Some(true)` for a usable certificate, `None` when unknown.
fn certificate(v: Option<&Value>) -> Option<bool> {
    match v {
        Some(Value::Unknown) => None,
        Some(Value::String(s)) => {
            Some(s.starts_with("arn:") && (s.contains(":acm:") && s.contains(":certificate/") || s.contains(":server-certificate/")))
        }
        v => is_set(v),
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let listeners = Links::new(m.of_kind(Kind::LbListener), "load_balancer_arn");
    for lb in m.of_kind(Kind::Lb) {
        match lb.get("internal") {
            None | Some(Value::Null) => {}
            Some(v) if as_bool(v) == Some(false) => {}
            Some(_) => continue,
        }
        match lb.get("load_balancer_type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "application" => {}
            _ => continue,
        }
        let https: Vec<&Resource> = listeners
            .to(lb, &["arn"])
            .into_iter()
            .filter(|l| int_attr(l, "port") == Some(443) && str_attr(l, "protocol") == Some("HTTPS"))
            .collect();
        if https.is_empty() {
            if !listeners.unknown {
                out.report(lb, "internet-facing load balancer has no HTTPS listener on port 443, so clients talk plain HTTP; add an aws_lb_listener on 443 with protocol HTTPS and the environment's ACM certificate_arn");
            }
            continue;
        }
        for l in https {
            if certificate(l.get("certificate_arn")) == Some(false) {
                let shown = str_attr(l, "certificate_arn").filter(|s| !s.is_empty()).map(|s| format!(" (`{s}`)")).unwrap_or_default();
                out.report(l, format!("HTTPS listener has no valid ACM certificate_arn{shown}; set the environment's alb.certificate_arn (arn:aws:acm:<region>:<account>:certificate/<id>)"));
            }
        }
    }
}
