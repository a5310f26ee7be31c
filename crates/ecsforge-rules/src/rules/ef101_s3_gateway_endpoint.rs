//! # EF101 s3-gateway-endpoint: private tasks can download ECR image layers
//!
//! **What it checks.** For every ECS service, each task subnet's route table
//! either has a `0.0.0.0/0` route to a NAT gateway, or is attached to an S3
//! *gateway* endpoint (`route_table_ids` of an `aws_vpc_endpoint` for
//! `com.amazonaws.<region>.s3`, or an `aws_vpc_endpoint_route_table_association`).
//!
//! **Why it matters.** ECR serves image *layers* from S3
//! (`prod-<region>-starport-layer-bucket`). With ECR interface endpoints but no
//! S3 path, authentication and manifests work and the pull then times out:
//! `CannotPullContainerError ... dial tcp ... i/o timeout`. This was the outage
//! of design doc 000.
//!
//! **Failing example.** Private subnets, ecr.api/ecr.dkr endpoints, no NAT route
//! and no `aws_vpc_endpoint` with `vpc_endpoint_type = "Gateway"` for S3.
//!
//! **Fix.** Add the private route tables to the S3 gateway endpoint:
//! `aws_vpc_endpoint.s3.route_table_ids = [aws_route_table.private_a.id, ...]`
//! (free; ecsforge always synthesizes it).
//!
//! Design doc 000 §1 and §Error Handling. NIST SC-7, CP-8. SOC-2 A1.2.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF101",
    name: "s3-gateway-endpoint",
    severity: Severity::Error,
    property: None,
    nist: &["SC-7", "CP-8"],
    soc2: &["A1.2"],
    summary: "task subnets without NAT reach S3 (ECR layers) through a gateway endpoint",
};

/// Route tables attached to an S3 gateway endpoint.
fn s3_tables(m: &InfraModel) -> Vec<Address> {
    let mut out = Vec::new();
    for e in m.of_kind(Kind::VpcEndpoint) {
        let is_s3 = endpoint_service(e).is_some_and(|s| s == "s3");
        let gateway = str_attr(e, "vpc_endpoint_type").unwrap_or("Gateway") == "Gateway";
        if is_s3 && gateway {
            out.extend(blocks(e, "route_table_ids").iter().filter_map(ref_address).cloned());
            for a in m.resources.values().filter(|r| r.address.resource_type() == "aws_vpc_endpoint_route_table_association") {
                if a.get("vpc_endpoint_id").is_some_and(|v| refers_to(v, &e.address)) {
                    out.extend(a.get("route_table_id").and_then(ref_address).cloned());
                }
            }
        }
    }
    out
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    let s3 = s3_tables(m);
    let topo = crate::topology::Topology::new(m);
    for svc in m.of_kind(Kind::EcsService) {
        let Some(net) = block(svc, "network_configuration") else { continue };
        for subnet in net.get("subnets").map(Value::as_list).unwrap_or(&[]).iter().filter_map(ref_address) {
            let Some(t) = topo.route_table(subnet) else { continue };
            let nat = matches!(topo.default_route(t), Some((Kind::NatGateway, _)) | Some((Kind::InternetGateway, _)));
            if !nat && !s3.contains(t) {
                out.report(
                    svc,
                    format!(
                        "subnet {subnet} (route table {t}) has no route to S3: no gateway endpoint association and no NAT route, so ECR image layers cannot be downloaded; add {t}.id to the S3 gateway endpoint's route_table_ids"
                    ),
                );
            }
        }
    }
}
