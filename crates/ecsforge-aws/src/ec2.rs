//! EC2: VPCs, subnets, route tables, gateways, endpoints, security groups, network ACLs.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, Tag, VpcAttributeName};
use ecsforge_model::{Kind, Value};

use crate::LiveError;
use crate::collect::{Ctx, Item, document, ident, name_of, norm, strings};

const SVC: &str = "ec2";

/// What later readers need from the network read.
pub(crate) struct Network {
    /// The in-scope VPCs.
    pub vpc_ids: Vec<String>,
}

fn tags(t: &[Tag]) -> BTreeMap<String, String> {
    t.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect()
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.to_vec())).build()
}

pub(crate) async fn read(ctx: &Ctx<'_>, out: &mut Vec<Item>) -> Result<Network, LiveError> {
    let scope = ctx.scope;
    let vpcs = ctx
        .ec2
        .describe_vpcs()
        .filters(filter("tag:Project", std::slice::from_ref(&scope.project)))
        .filters(filter("tag:Environment", std::slice::from_ref(&scope.environment)))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeVpcs", None, e))?;
    let mut vpc_ids: Vec<String> = Vec::new();
    for v in &vpcs {
        let Some(id) = v.vpc_id() else { continue };
        let t = tags(v.tags());
        // The server filters by tag; check again so a server ignoring filters cannot widen the scope.
        if !scope.tagged(&t) {
            continue;
        }
        vpc_ids.push(id.to_string());
        let mut it = Item::new(Kind::Vpc, SVC, id, name_of(&t, id));
        it.opt("cidr_block", v.cidr_block());
        it.opt("instance_tenancy", v.instance_tenancy().map(|t| t.as_str().to_ascii_lowercase()));
        for (attr, key) in [
            (VpcAttributeName::EnableDnsSupport, "enable_dns_support"),
            (VpcAttributeName::EnableDnsHostnames, "enable_dns_hostnames"),
        ] {
            let a = ctx
                .ec2
                .describe_vpc_attribute()
                .vpc_id(id)
                .attribute(attr.clone())
                .send()
                .await
                .map_err(|e| ctx.err(SVC, "DescribeVpcAttribute", Some(id), e))?;
            let value = match attr {
                VpcAttributeName::EnableDnsSupport => a.enable_dns_support().and_then(|b| b.value()),
                _ => a.enable_dns_hostnames().and_then(|b| b.value()),
            };
            it.opt(key, value);
        }
        it.tags(t);
        out.push(it);
    }
    vpc_ids.sort();
    if vpc_ids.is_empty() {
        return Ok(Network { vpc_ids });
    }
    let in_vpcs = filter("vpc-id", &vpc_ids);

    // Subnets.
    let subnets = ctx
        .ec2
        .describe_subnets()
        .filters(in_vpcs.clone())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeSubnets", None, e))?;
    let mut subnet_names = BTreeMap::new();
    for s in &subnets {
        let Some(id) = s.subnet_id() else { continue };
        let t = tags(s.tags());
        subnet_names.insert(id.to_string(), name_of(&t, id));
        let mut it = Item::new(Kind::Subnet, SVC, id, name_of(&t, id)).arn(s.subnet_arn());
        it.opt("vpc_id", s.vpc_id());
        it.opt("cidr_block", s.cidr_block());
        it.opt("availability_zone", s.availability_zone());
        it.opt("availability_zone_id", s.availability_zone_id());
        it.opt("map_public_ip_on_launch", s.map_public_ip_on_launch());
        it.tags(t);
        out.push(it);
    }

    // Route tables, their routes and associations.
    let tables = ctx
        .ec2
        .describe_route_tables()
        .filters(in_vpcs.clone())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeRouteTables", None, e))?;
    for rt in &tables {
        let Some(id) = rt.route_table_id() else { continue };
        let t = tags(rt.tags());
        // The VPC's main table, untouched (only the local route, no tags), is
        // `aws_default_route_table` territory, not a resource of the platform.
        let main = rt.associations().iter().any(|a| a.main() == Some(true));
        let only_local = rt.routes().iter().all(|r| r.gateway_id() == Some("local"));
        if main && only_local && t.is_empty() {
            continue;
        }
        let rt_name = ident(ctx.scope, &name_of(&t, id));
        let mut it = Item::new(Kind::RouteTable, SVC, id, name_of(&t, id));
        it.opt("vpc_id", rt.vpc_id());
        it.tags(t);
        out.push(it);
        for r in rt.routes() {
            let gateway = r.gateway_id();
            // The `local` route and the routes gateway endpoints add are not `aws_route`s.
            if gateway == Some("local") || gateway.is_some_and(|g| g.starts_with("vpce-")) {
                continue;
            }
            if r.origin().is_some_and(|o| o.as_str().eq_ignore_ascii_case("CreateRouteTable")) {
                continue;
            }
            let dest = r
                .destination_cidr_block()
                .or(r.destination_ipv6_cidr_block())
                .or(r.destination_prefix_list_id())
                .unwrap_or("");
            let rid = format!("r-{id}{}", crc(dest));
            let mut it = Item::new(Kind::Route, SVC, rid, format!("{rt_name}_{dest}"));
            it.set("route_table_id", id);
            it.opt("destination_cidr_block", r.destination_cidr_block());
            it.opt("destination_ipv6_cidr_block", r.destination_ipv6_cidr_block());
            it.opt("destination_prefix_list_id", r.destination_prefix_list_id());
            it.opt("gateway_id", gateway);
            it.opt("nat_gateway_id", r.nat_gateway_id());
            it.opt("transit_gateway_id", r.transit_gateway_id());
            it.opt("vpc_peering_connection_id", r.vpc_peering_connection_id());
            it.opt("network_interface_id", r.network_interface_id());
            it.opt("vpc_endpoint_id", r.gateway_id().filter(|g| g.starts_with("vpce-")));
            out.push(it);
        }
        for a in rt.associations() {
            let (Some(aid), Some(subnet)) = (a.route_table_association_id(), a.subnet_id()) else { continue };
            if a.main() == Some(true) {
                continue;
            }
            let name = subnet_names.get(subnet).cloned().unwrap_or_else(|| subnet.to_string());
            let mut it = Item::new(Kind::RouteTableAssociation, SVC, aid, name);
            it.set("route_table_id", id);
            it.set("subnet_id", subnet);
            out.push(it);
        }
    }

    // Internet gateways.
    let igws = ctx
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", &vpc_ids))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeInternetGateways", None, e))?;
    for g in &igws {
        let Some(id) = g.internet_gateway_id() else { continue };
        let t = tags(g.tags());
        let mut it = Item::new(Kind::InternetGateway, SVC, id, name_of(&t, id));
        it.opt("vpc_id", g.attachments().iter().find_map(|a| a.vpc_id()));
        it.tags(t);
        out.push(it);
    }

    // NAT gateways (deleted ones linger in the API for a while).
    let nats = ctx
        .ec2
        .describe_nat_gateways()
        .filter(in_vpcs.clone())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeNatGateways", None, e))?;
    for n in &nats {
        let Some(id) = n.nat_gateway_id() else { continue };
        if n.state()
            .is_some_and(|s| matches!(s.as_str().to_ascii_lowercase().as_str(), "deleted" | "deleting" | "failed"))
        {
            continue;
        }
        let t = tags(n.tags());
        let mut it = Item::new(Kind::NatGateway, SVC, id, name_of(&t, id));
        it.opt("subnet_id", n.subnet_id());
        it.opt("vpc_id", n.vpc_id());
        it.opt("allocation_id", n.nat_gateway_addresses().iter().find_map(|a| a.allocation_id()));
        it.set(
            "connectivity_type",
            n.connectivity_type().map(|c| norm(c.as_str(), &["public", "private"])).unwrap_or_else(|| "public".into()),
        );
        it.tags(t);
        out.push(it);
    }

    // VPC endpoints.
    let endpoints = ctx
        .ec2
        .describe_vpc_endpoints()
        .filters(in_vpcs.clone())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeVpcEndpoints", None, e))?;
    // Gateway endpoints expose the AWS prefix list of their service; security
    // group rules name it as `aws_vpc_endpoint.<x>.prefix_list_id`.
    let mut prefix_lists: BTreeMap<String, String> = BTreeMap::new();
    // Prefix list id → the name of the (first) gateway endpoint exposing it, for rule names.
    let mut pl_names: BTreeMap<String, String> = BTreeMap::new();
    if endpoints.iter().any(|e| e.vpc_endpoint_type().is_some_and(|t| t.as_str().eq_ignore_ascii_case("Gateway"))) {
        let lists = ctx
            .ec2
            .describe_prefix_lists()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "DescribePrefixLists", None, e))?;
        for l in &lists {
            if let (Some(name), Some(id)) = (l.prefix_list_name(), l.prefix_list_id()) {
                prefix_lists.insert(name.to_string(), id.to_string());
            }
        }
    }
    for e in &endpoints {
        let Some(id) = e.vpc_endpoint_id() else { continue };
        if e.state().is_some_and(|s| matches!(s.as_str().to_ascii_lowercase().as_str(), "deleted" | "deleting")) {
            continue;
        }
        let t = tags(e.tags());
        let mut it = Item::new(Kind::VpcEndpoint, SVC, id, name_of(&t, id));
        let t2 = t.clone();
        it.opt("vpc_id", e.vpc_id());
        it.opt("service_name", e.service_name());
        let ty = e.vpc_endpoint_type().map(|t| norm(t.as_str(), &["Interface", "Gateway", "GatewayLoadBalancer"]));
        it.opt("vpc_endpoint_type", ty.clone());
        // moto reports `true` for gateway endpoints, which have no private DNS.
        let interface = ty.as_deref() == Some("Interface");
        it.set("private_dns_enabled", interface && e.private_dns_enabled().unwrap_or(false));
        it.set("subnet_ids", strings(e.subnet_ids()));
        it.set("security_group_ids", strings(e.groups().iter().filter_map(|g| g.group_id())));
        it.set("route_table_ids", strings(e.route_table_ids()));
        it.opt("policy", e.policy_document().map(document));
        it.opt("state", e.state().map(|s| s.as_str().to_ascii_lowercase()));
        if let Some(pl) = e.service_name().and_then(|n| prefix_lists.get(n)).filter(|_| !interface) {
            it.set("prefix_list_id", pl.as_str());
            it.handles.push((pl.clone(), "prefix_list_id"));
            pl_names.entry(pl.clone()).or_insert_with(|| ident(ctx.scope, &name_of(&t2, id)));
        }
        it.tags(t);
        out.push(it);
    }

    // Security groups and their rules.
    let groups = ctx
        .ec2
        .describe_security_groups()
        .filters(in_vpcs.clone())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeSecurityGroups", None, e))?;
    let mut group_names: BTreeMap<String, String> = BTreeMap::new();
    for g in &groups {
        let (Some(id), Some(gname)) = (g.group_id(), g.group_name()) else { continue };
        // The default group of a VPC is `aws_default_security_group`, not managed by synth.
        if gname == "default" {
            continue;
        }
        let t = tags(g.tags());
        group_names.insert(id.to_string(), ident(ctx.scope, &name_of(&t, gname)));
        let mut it = Item::new(Kind::SecurityGroup, SVC, id, name_of(&t, gname)).arn(g.security_group_arn());
        it.set("name", gname);
        it.opt("description", g.description());
        it.opt("vpc_id", g.vpc_id());
        it.tags(t);
        out.push(it);
    }
    if !group_names.is_empty() {
        let ids: Vec<String> = group_names.keys().cloned().collect();
        let rules = ctx
            .ec2
            .describe_security_group_rules()
            .filters(filter("group-id", &ids))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "DescribeSecurityGroupRules", None, e))?;
        for r in &rules {
            let (Some(id), Some(group)) = (r.security_group_rule_id(), r.group_id()) else { continue };
            let Some(group_name) = group_names.get(group) else { continue };
            let egress = r.is_egress().unwrap_or(false);
            let t = tags(r.tags());
            let referenced = r.referenced_group_info().and_then(|g| g.group_id());
            let proto = r.ip_protocol().map(|p| p.to_ascii_lowercase()).unwrap_or_else(|| "-1".into());
            let peer = referenced
                .map(|g| group_names.get(g).cloned().unwrap_or_else(|| g.to_string()))
                .or(r.cidr_ipv4().map(str::to_string))
                .or(r.cidr_ipv6().map(str::to_string))
                .or(r.prefix_list_id().map(|p| pl_names.get(p).cloned().unwrap_or_else(|| p.to_string())))
                .unwrap_or_default();
            let port = match (r.from_port(), proto.as_str()) {
                (_, "-1") | (None, _) => "all".to_string(),
                (Some(f), _) => f.to_string(),
            };
            let fallback = format!("{group_name}_{}_{peer}_{port}", if egress { "to" } else { "from" });
            let kind = if egress { Kind::SecurityGroupEgressRule } else { Kind::SecurityGroupIngressRule };
            let mut it = Item::new(kind, SVC, id, name_of(&t, &fallback)).arn(r.security_group_rule_arn());
            it.set("security_group_id", group);
            it.set("ip_protocol", proto.clone());
            if proto != "-1" {
                it.opt("from_port", r.from_port());
                it.opt("to_port", r.to_port());
            }
            it.opt("cidr_ipv4", r.cidr_ipv4());
            it.opt("cidr_ipv6", r.cidr_ipv6());
            it.opt("prefix_list_id", r.prefix_list_id());
            it.opt("referenced_security_group_id", referenced);
            it.opt("description", r.description().filter(|d| !d.is_empty()));
            it.tags(t);
            out.push(it);
        }
    }

    // Network ACLs (not the default one of each VPC).
    let acls = ctx
        .ec2
        .describe_network_acls()
        .filters(in_vpcs)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| ctx.err(SVC, "DescribeNetworkAcls", None, e))?;
    for a in &acls {
        let Some(id) = a.network_acl_id() else { continue };
        if a.is_default() == Some(true) {
            continue;
        }
        let t = tags(a.tags());
        let mut it = Item::new(Kind::NetworkAcl, SVC, id, name_of(&t, id));
        it.opt("vpc_id", a.vpc_id());
        it.set("subnet_ids", strings(a.associations().iter().filter_map(|x| x.subnet_id())));
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        for e in a.entries() {
            // 32767 is the implicit deny every ACL ends with; Terraform does not list it.
            if e.rule_number() == Some(32767) {
                continue;
            }
            let mut m = BTreeMap::new();
            m.insert("rule_no".to_string(), Value::from(e.rule_number().unwrap_or(0)));
            m.insert(
                "action".into(),
                Value::from(e.rule_action().map(|a| a.as_str().to_ascii_lowercase()).unwrap_or_default()),
            );
            m.insert("protocol".into(), Value::from(e.protocol().unwrap_or("-1")));
            m.insert("cidr_block".into(), Value::from(e.cidr_block().unwrap_or("")));
            m.insert("ipv6_cidr_block".into(), Value::from(e.ipv6_cidr_block().unwrap_or("")));
            let (from, to) = e.port_range().map(|p| (p.from().unwrap_or(0), p.to().unwrap_or(0))).unwrap_or((0, 0));
            m.insert("from_port".into(), Value::from(from));
            m.insert("to_port".into(), Value::from(to));
            m.insert("icmp_type".into(), Value::from(e.icmp_type_code().and_then(|c| c.r#type()).unwrap_or(0)));
            m.insert("icmp_code".into(), Value::from(e.icmp_type_code().and_then(|c| c.code()).unwrap_or(0)));
            let v = Value::Map(m);
            if e.egress() == Some(true) { egress.push(v) } else { ingress.push(v) }
        }
        let by_no = |v: &Value| v.get("rule_no").and_then(Value::as_i64).unwrap_or(0);
        ingress.sort_by_key(by_no);
        egress.sort_by_key(by_no);
        it.set("ingress", Value::List(ingress));
        it.set("egress", Value::List(egress));
        it.tags(t);
        out.push(it);
    }

    // Flow logs of the in-scope VPCs.
    if !vpc_ids.is_empty() {
        let logs = ctx
            .ec2
            .describe_flow_logs()
            .filter(filter("resource-id", &vpc_ids))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| ctx.err(SVC, "DescribeFlowLogs", None, e))?;
        for f in &logs {
            let Some(id) = f.flow_log_id() else { continue };
            let t = tags(f.tags());
            let mut it = Item::new(Kind::FlowLog, SVC, id, name_of(&t, f.resource_id().unwrap_or(id)));
            it.opt("vpc_id", f.resource_id().filter(|r| r.starts_with("vpc-")));
            it.opt("traffic_type", f.traffic_type().map(|t| t.as_str().to_ascii_uppercase()));
            it.opt("log_destination_type", f.log_destination_type().map(|d| d.as_str().to_ascii_lowercase()));
            // CloudWatch Logs destinations: the provider reports the log group's ARN without `:*`.
            it.opt("log_destination", f.log_destination().map(|d| d.trim_end_matches(":*")));
            // The deprecated name form (AWS answers both; moto only this one).
            it.opt("log_group_name", f.log_group_name());
            it.opt("iam_role_arn", f.deliver_logs_permission_arn());
            it.opt("max_aggregation_interval", f.max_aggregation_interval());
            it.opt("log_format", f.log_format());
            it.tags(t);
            out.push(it);
        }
    }
    Ok(Network { vpc_ids })
}

/// A short stable number for a route destination (the provider uses a CRC32 too).
fn crc(s: &str) -> u32 {
    let mut c: u32 = 0xffff_ffff;
    for b in s.bytes() {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
        }
    }
    !c
}
