//! VPC, subnets, gateways, routes, endpoints, security groups, NACLs, flow logs.

use std::collections::BTreeMap;

use ecsforge_model::Value;

use super::{Cx, Props, Put, blocks, boolish, field, id_list, json_doc, numish, stringish};
use crate::cloudformation::names::snake_case;

/// Properties that only change name.
pub(super) fn renames(cx: &mut Cx<'_, '_>, p: &mut Props, pairs: &[(&str, &str)]) {
    let r = cx.primary();
    for (from, to) in pairs {
        r.put(to, p.take(from));
    }
}

pub(super) fn vpc(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("cidr_block", p.take("CidrBlock"));
    // CloudFormation defaults: DNS support on, DNS hostnames off.
    r.set("enable_dns_support", p.take("EnableDnsSupport").map(boolish).unwrap_or(Value::Bool(true)));
    r.set("enable_dns_hostnames", p.take("EnableDnsHostnames").map(boolish).unwrap_or(Value::Bool(false)));
    r.put("instance_tenancy", p.take("InstanceTenancy"));
    r.put("ipv4_ipam_pool_id", p.take("Ipv4IpamPoolId"));
    r.put("ipv4_netmask_length", p.take("Ipv4NetmaskLength").map(numish));
}

pub(super) fn subnet(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("vpc_id", p.take("VpcId"));
    r.put("cidr_block", p.take("CidrBlock"));
    r.put("availability_zone", p.take("AvailabilityZone"));
    r.put("availability_zone_id", p.take("AvailabilityZoneId"));
    r.set("map_public_ip_on_launch", p.take("MapPublicIpOnLaunch").map(boolish).unwrap_or(Value::Bool(false)));
    r.put("ipv6_cidr_block", p.take("Ipv6CidrBlock"));
    r.put("assign_ipv6_address_on_creation", p.take("AssignIpv6AddressOnCreation").map(boolish));
}

pub(super) fn gateway_attachment(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("vpc_id", p.take("VpcId"));
    r.put("internet_gateway_id", p.take("InternetGatewayId"));
    r.put("vpn_gateway_id", p.take("VpnGatewayId"));
}

pub(super) fn nat_gateway(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("subnet_id", p.take("SubnetId"));
    r.put("allocation_id", p.take("AllocationId"));
    r.put("connectivity_type", p.take("ConnectivityType"));
    r.put("private_ip", p.take("PrivateIpAddress"));
}

pub(super) fn eip(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("domain", p.take("Domain"));
    r.put("instance", p.take("InstanceId"));
    r.put("public_ipv4_pool", p.take("PublicIpv4Pool"));
    r.put("network_border_group", p.take("NetworkBorderGroup"));
}

pub(super) fn route(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    for (from, to) in [
        ("RouteTableId", "route_table_id"),
        ("DestinationCidrBlock", "destination_cidr_block"),
        ("DestinationIpv6CidrBlock", "destination_ipv6_cidr_block"),
        ("DestinationPrefixListId", "destination_prefix_list_id"),
        ("GatewayId", "gateway_id"),
        ("NatGatewayId", "nat_gateway_id"),
        ("VpcEndpointId", "vpc_endpoint_id"),
        ("TransitGatewayId", "transit_gateway_id"),
        ("NetworkInterfaceId", "network_interface_id"),
        ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
        ("EgressOnlyInternetGatewayId", "egress_only_gateway_id"),
        ("CarrierGatewayId", "carrier_gateway_id"),
        ("LocalGatewayId", "local_gateway_id"),
        ("CoreNetworkArn", "core_network_arn"),
    ] {
        r.put(to, p.take(from));
    }
}

pub(super) fn vpc_endpoint(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("vpc_id", p.take("VpcId"));
    r.put("service_name", p.take("ServiceName"));
    // CloudFormation defaults: a Gateway endpoint, private DNS off.
    r.set("vpc_endpoint_type", p.take("VpcEndpointType").unwrap_or_else(|| Value::from("Gateway")));
    r.set("private_dns_enabled", p.take("PrivateDnsEnabled").map(boolish).unwrap_or(Value::Bool(false)));
    r.put("route_table_ids", id_list(p.take("RouteTableIds")));
    r.put("subnet_ids", id_list(p.take("SubnetIds")));
    r.put("security_group_ids", id_list(p.take("SecurityGroupIds")));
    r.put("policy", p.take("PolicyDocument").map(json_doc));
    r.put("ip_address_type", p.take("IpAddressType"));
}

// ---- security groups ------------------------------------------------------

/// One inline rule in the shape of the provider's `ingress`/`egress` blocks.
fn inline_rule(v: Value, egress: bool) -> Value {
    let Value::Map(mut m) = v else { return v };
    let protocol = m.remove("IpProtocol").map(stringish).unwrap_or_else(|| Value::from("-1"));
    let all = protocol.as_str() == Some("-1");
    let port = |v: Option<Value>| v.map(numish).or(if all { Some(Value::from(0)) } else { None });
    let one = |v: Option<Value>| Value::List(v.into_iter().collect());
    let (peer, prefix) = if egress {
        ("DestinationSecurityGroupId", "DestinationPrefixListId")
    } else {
        ("SourceSecurityGroupId", "SourcePrefixListId")
    };
    let mut out = BTreeMap::new();
    out.insert("protocol".to_string(), protocol);
    if let Some(f) = port(m.remove("FromPort")) {
        out.insert("from_port".into(), f);
    }
    if let Some(t) = port(m.remove("ToPort")) {
        out.insert("to_port".into(), t);
    }
    out.insert("cidr_blocks".into(), one(m.remove("CidrIp")));
    out.insert("ipv6_cidr_blocks".into(), one(m.remove("CidrIpv6")));
    let groups = m.remove(peer).or_else(|| if egress { None } else { m.remove("SourceSecurityGroupName") });
    out.insert("security_groups".into(), one(groups));
    out.insert("prefix_list_ids".into(), one(m.remove(prefix)));
    out.insert("description".into(), m.remove("Description").unwrap_or_else(|| Value::from("")));
    out.insert("self".into(), Value::Bool(false));
    for (k, v) in m {
        out.insert(snake_case(&k), v);
    }
    Value::Map(out)
}

fn inline_rules(v: Value, egress: bool) -> Value {
    match v {
        Value::List(l) => Value::List(l.into_iter().map(|x| inline_rule(x, egress)).collect()),
        other => other,
    }
}

/// The allow-all egress rule AWS gives every new VPC security group, which
/// CloudFormation removes only when the template declares egress rules.
fn default_egress() -> Value {
    Value::map([
        ("cidr_blocks", Value::list([Value::from("0.0.0.0/0")])),
        ("description", Value::from("")),
        ("from_port", Value::from(0)),
        ("ipv6_cidr_blocks", Value::List(Vec::new())),
        ("prefix_list_ids", Value::List(Vec::new())),
        ("protocol", Value::from("-1")),
        ("security_groups", Value::List(Vec::new())),
        ("self", Value::Bool(false)),
        ("to_port", Value::from(0)),
    ])
}

pub(super) fn security_group(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("description", p.take("GroupDescription"));
    r.put("name", p.take("GroupName"));
    r.put("vpc_id", p.take("VpcId"));
    r.put("ingress", p.take("SecurityGroupIngress").map(|v| inline_rules(v, false)));
    let egress = match p.take("SecurityGroupEgress") {
        Some(Value::List(l)) if l.is_empty() => None,
        other => other,
    };
    match egress {
        Some(v) => r.set("egress", inline_rules(v, true)),
        None if r.attrs.contains_key("vpc_id") => r.set("egress", Value::list([default_egress()])),
        None => {}
    }
}

/// `AWS::EC2::SecurityGroupIngress` / `Egress` → `aws_vpc_security_group_{ingress,egress}_rule`.
pub(super) fn sg_rule(cx: &mut Cx<'_, '_>, p: &mut Props, egress: bool) {
    let r = cx.primary();
    r.put("security_group_id", p.take("GroupId"));
    r.put("ip_protocol", p.take("IpProtocol").map(stringish));
    r.put("from_port", p.take("FromPort").map(numish));
    r.put("to_port", p.take("ToPort").map(numish));
    r.put("cidr_ipv4", p.take("CidrIp"));
    r.put("cidr_ipv6", p.take("CidrIpv6"));
    let (peer, prefix) = if egress {
        ("DestinationSecurityGroupId", "DestinationPrefixListId")
    } else {
        ("SourceSecurityGroupId", "SourcePrefixListId")
    };
    r.put("referenced_security_group_id", p.take(peer));
    r.put("prefix_list_id", p.take(prefix));
    r.put("description", p.take("Description"));
}

pub(super) fn nacl_entry(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("network_acl_id", p.take("NetworkAclId"));
    r.put("rule_number", p.take("RuleNumber").map(numish));
    r.set("egress", p.take("Egress").map(boolish).unwrap_or(Value::Bool(false)));
    r.put("protocol", p.take("Protocol").map(stringish));
    r.put("rule_action", p.take("RuleAction"));
    r.put("cidr_block", p.take("CidrBlock"));
    r.put("ipv6_cidr_block", p.take("Ipv6CidrBlock"));
    if let Some(range) = p.take("PortRange") {
        r.put("from_port", field(&range, "From").map(numish));
        r.put("to_port", field(&range, "To").map(numish));
    }
    if let Some(icmp) = p.take("Icmp") {
        r.put("icmp_type", field(&icmp, "Type").map(numish));
        r.put("icmp_code", field(&icmp, "Code").map(numish));
    }
}

pub(super) fn flow_log(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    let id = p.take("ResourceId");
    let ty = p.take("ResourceType");
    let key = match ty.as_ref().and_then(Value::as_str) {
        Some("VPC") => Some("vpc_id"),
        Some("Subnet") => Some("subnet_id"),
        Some("NetworkInterface") => Some("eni_id"),
        Some("TransitGateway") => Some("transit_gateway_id"),
        Some("TransitGatewayAttachment") => Some("transit_gateway_attachment_id"),
        _ => None,
    };
    match key {
        Some(k) => r.put(k, id),
        None => {
            r.put("resource_id", id);
            r.put("resource_type", ty);
        }
    }
    r.put("traffic_type", p.take("TrafficType"));
    r.set("log_destination_type", p.take("LogDestinationType").unwrap_or_else(|| Value::from("cloud-watch-logs")));
    r.put("log_destination", p.take("LogDestination"));
    r.put("log_group_name", p.take("LogGroupName"));
    r.put("iam_role_arn", p.take("DeliverLogsPermissionArn"));
    r.put("max_aggregation_interval", p.take("MaxAggregationInterval").map(numish));
    r.put("log_format", p.take("LogFormat"));
    r.put("destination_options", p.take("DestinationOptions").map(blocks));
}
