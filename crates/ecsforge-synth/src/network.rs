//! VPC, subnets, gateways, routes, flow logs and VPC endpoints.

use ecsforge_manifest::{Egress, SecretRef};
use ecsforge_model::{Address, Concern, Kind, Value};
use ipnet::Ipv4Net;

use crate::names::az_suffix;
use crate::policy;
use crate::{Cx, r};

/// One AZ's share of the network.
pub(crate) struct Zone {
    pub public_subnet: Address,
    pub private_subnet: Address,
    pub private_route_table: Address,
}

pub(crate) struct Net {
    pub vpc: Address,
    pub zones: Vec<Zone>,
}

impl Net {
    pub fn private_subnet_ids(&self) -> Value {
        Value::List(self.zones.iter().map(|z| r(&z.private_subnet, "id")).collect())
    }
    pub fn public_subnet_ids(&self) -> Value {
        Value::List(self.zones.iter().map(|z| r(&z.public_subnet, "id")).collect())
    }
}

/// Subnet carving: the VPC is cut into 16 blocks; private subnet `i` is block
/// `i`, public subnet `i` is block `8 + i` (docs/manifest.md, "Design choices").
pub(crate) fn carve(vpc: Ipv4Net, index: usize, public: bool) -> Ipv4Net {
    let blocks: Vec<Ipv4Net> = vpc.subnets(vpc.prefix_len() + 4).expect("prefix <= 22 leaves room").collect();
    blocks[index + if public { 8 } else { 0 }]
}

pub(crate) fn build(cx: &mut Cx) -> Net {
    let p = cx.env_prov();
    let net_concern = Concern::Network;
    let cidr = cx.env.vpc_cidr.value;
    let vpc_prov = cx.prov(&cx.env.vpc_cidr.loc);
    let vpc = cx
        .res(Kind::Vpc, "main", net_concern.clone(), vpc_prov)
        .with("cidr_block", cidr.to_string())
        .with("enable_dns_support", true)
        .with("enable_dns_hostnames", true);
    let name = cx.prefix.clone();
    let vpc = cx.add(vpc, Some(&name));

    let igw = cx.res(Kind::InternetGateway, "main", net_concern.clone(), p.clone()).with("vpc_id", r(&vpc, "id"));
    let igw = cx.add(igw, Some(&name));

    let public_rt = cx.res(Kind::RouteTable, "public", net_concern.clone(), p.clone()).with("vpc_id", r(&vpc, "id"));
    let public_rt = cx.add(public_rt, Some(&format!("{name}-public")));
    let route = cx
        .res(Kind::Route, "public_internet", net_concern.clone(), p.clone())
        .with("route_table_id", r(&public_rt, "id"))
        .with("destination_cidr_block", "0.0.0.0/0")
        .with("gateway_id", r(&igw, "id"));
    cx.add(route, None);

    let azs = cx.m.network.availability_zones.value.clone();
    let az_prov = cx.prov(&cx.m.network.availability_zones.loc);
    let mut zones = Vec::new();
    let mut public_subnets = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        let sfx = az_suffix(cx.region(), az);
        let public = cx
            .res(Kind::Subnet, &format!("public_{sfx}"), net_concern.clone(), az_prov.clone())
            .with("vpc_id", r(&vpc, "id"))
            .with("cidr_block", carve(cidr, i, true).to_string())
            .with("availability_zone", az.as_str())
            .with("map_public_ip_on_launch", false);
        let public = cx.add(public, Some(&format!("{name}-public-{sfx}")));
        let assoc = cx
            .res(Kind::RouteTableAssociation, &format!("public_{sfx}"), net_concern.clone(), az_prov.clone())
            .with("subnet_id", r(&public, "id"))
            .with("route_table_id", r(&public_rt, "id"));
        cx.add(assoc, None);

        let private = cx
            .res(Kind::Subnet, &format!("private_{sfx}"), net_concern.clone(), az_prov.clone())
            .with("vpc_id", r(&vpc, "id"))
            .with("cidr_block", carve(cidr, i, false).to_string())
            .with("availability_zone", az.as_str())
            .with("map_public_ip_on_launch", false);
        let private = cx.add(private, Some(&format!("{name}-private-{sfx}")));
        let rt = cx
            .res(Kind::RouteTable, &format!("private_{sfx}"), net_concern.clone(), az_prov.clone())
            .with("vpc_id", r(&vpc, "id"));
        let rt = cx.add(rt, Some(&format!("{name}-private-{sfx}")));
        let assoc = cx
            .res(Kind::RouteTableAssociation, &format!("private_{sfx}"), net_concern.clone(), az_prov.clone())
            .with("subnet_id", r(&private, "id"))
            .with("route_table_id", r(&rt, "id"));
        cx.add(assoc, None);
        public_subnets.push((sfx, public.clone()));
        zones.push(Zone { public_subnet: public, private_subnet: private, private_route_table: rt });
    }

    // NAT gateways per egress mode.
    let nat_for_zone: Vec<Option<Address>> = match cx.env.egress {
        Egress::EndpointsOnly => vec![None; zones.len()],
        Egress::SingleNat => {
            let (sfx, subnet) = &public_subnets[0];
            let nat = nat_gateway(cx, "main", subnet, &igw, &format!("{name}-nat-{sfx}"));
            vec![Some(nat); zones.len()]
        }
        Egress::NatPerAz => public_subnets
            .iter()
            .map(|(sfx, subnet)| Some(nat_gateway(cx, sfx, subnet, &igw, &format!("{name}-nat-{sfx}"))))
            .collect(),
    };
    for (zone, nat) in zones.iter().zip(nat_for_zone) {
        if let Some(nat) = nat {
            let route = cx
                .res(Kind::Route, &format!("{}_nat", zone.private_route_table.name()), net_concern.clone(), p.clone())
                .with("route_table_id", r(&zone.private_route_table, "id"))
                .with("destination_cidr_block", "0.0.0.0/0")
                .with("nat_gateway_id", r(&nat, "id"));
            cx.add(route, None);
        }
    }

    // The default security group loses all its rules when Terraform adopts it.
    let dsg =
        cx.res(Kind::DefaultSecurityGroup, "default", net_concern.clone(), p.clone()).with("vpc_id", r(&vpc, "id"));
    cx.add(dsg, Some(&format!("{name}-default-unused")));

    flow_logs(cx, &vpc);
    Net { vpc, zones }
}

fn nat_gateway(cx: &mut Cx, id: &str, subnet: &Address, igw: &Address, name: &str) -> Address {
    let p = cx.env_prov();
    let eip = cx.res(Kind::Eip, &format!("nat_{id}"), Concern::Network, p.clone()).with("domain", "vpc");
    let eip = cx.add(eip, Some(name));
    let mut nat = cx
        .res(Kind::NatGateway, id, Concern::Network, p)
        .with("allocation_id", r(&eip, "id"))
        .with("subnet_id", r(subnet, "id"))
        .with("connectivity_type", "public");
    nat.depends_on.push(igw.clone());
    cx.add(nat, Some(name))
}

/// VPC flow logs into a KMS-encrypted log group.
fn flow_logs(cx: &mut Cx, vpc: &Address) {
    let p = cx.env_prov();
    let logs_key = crate::security::logs_key_address();
    let lg = cx
        .res(Kind::LogGroup, "flow_logs", Concern::Network, p.clone())
        .with("name", format!("/vpc/{}/flow-logs", cx.prefix))
        .with("retention_in_days", cx.env.log_retention_days)
        .with("kms_key_id", r(&logs_key, "arn"));
    let lg = cx.add(lg, None);
    let role_name = crate::aws_name(&[&cx.prefix, "vpc-flow-logs"], 64);
    let role = cx
        .res(Kind::IamRole, "flow_logs", Concern::Network, p.clone())
        .with("name", role_name.as_str())
        .with("assume_role_policy", policy::assume_role("vpc-flow-logs.amazonaws.com", cx.account()));
    let role = cx.add(role, Some(&role_name));
    let doc = policy::document(vec![policy::allow(
        "WriteFlowLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        vec![r(&lg, "arn"), Value::Template(vec![ref_part(&lg, "arn"), lit(":*")])],
    )]);
    let rp = cx
        .res(Kind::IamRolePolicy, "flow_logs", Concern::Network, p.clone())
        .with("name", "write-flow-logs")
        .with("role", r(&role, "id"))
        .with("policy", doc);
    cx.add(rp, None);
    let fl = cx
        .res(Kind::FlowLog, "main", Concern::Network, p)
        .with("vpc_id", r(vpc, "id"))
        .with("traffic_type", "ALL")
        .with("log_destination_type", "cloud-watch-logs")
        .with("log_destination", r(&lg, "arn"))
        .with("iam_role_arn", r(&role, "arn"))
        .with("max_aggregation_interval", 60);
    let name = format!("{}-flow-logs", cx.prefix);
    cx.add(fl, Some(&name));
}

pub(crate) fn ref_part(a: &Address, attr: &str) -> ecsforge_model::value::Part {
    ecsforge_model::value::Part::Ref(ecsforge_model::Reference { address: a.clone(), attr: attr.to_string() })
}

pub(crate) fn lit(s: &str) -> ecsforge_model::value::Part {
    ecsforge_model::value::Part::Lit(s.to_string())
}

/// The endpoint security group (its ingress rules are added per service).
pub(crate) fn endpoints_sg(cx: &mut Cx, net: &Net) -> Address {
    let name = format!("{}-vpc-endpoints", cx.prefix);
    let sg = cx
        .res(Kind::SecurityGroup, "endpoints", Concern::Endpoints, cx.env_prov())
        .with("name", name.as_str())
        .with("description", "Interface VPC endpoints: HTTPS from ECS task security groups only")
        .with("vpc_id", r(&net.vpc, "id"));
    cx.add(sg, Some(&name))
}

/// Interface endpoint services every environment needs, plus those the services use.
pub(crate) fn interface_services(cx: &Cx) -> Vec<String> {
    let mut out: Vec<String> = ["ecr.api", "ecr.dkr", "logs"].map(String::from).to_vec();
    let secrets = cx.m.services.iter().flat_map(|s| s.secrets.values());
    let mut sm = false;
    let mut ssm = false;
    for s in secrets {
        match s {
            SecretRef::SecretsManagerArn(_) | SecretRef::SecretsManagerName(_) | SecretRef::Managed(_) => sm = true,
            SecretRef::SsmParameterArn(_) => ssm = true,
        }
    }
    if sm {
        out.push("secretsmanager".into());
    }
    if ssm {
        out.push("ssm".into());
    }
    if !cx.m.security.secrets_kms_key_arns.is_empty() {
        out.push("kms".into());
    }
    // Without NAT, the ECS agent on EC2 capacity reaches ECS through these.
    if cx.m.ec2.is_some() && cx.env.egress == Egress::EndpointsOnly {
        out.extend(["ecs", "ecs-agent", "ecs-telemetry"].map(String::from));
    }
    for e in &cx.m.network.extra_endpoints {
        out.push(e.value.clone());
    }
    if cx.m.file_server.is_some() {
        out.extend(crate::fileserver::ENDPOINTS.map(String::from));
    }
    out.sort();
    out.dedup();
    out
}

/// S3 gateway endpoint, interface endpoints, and endpoint-SG ingress from each task SG.
pub(crate) fn endpoints(cx: &mut Cx, net: &Net, sg: &Address, task_sgs: &[(String, Address)]) {
    let p = cx.env_prov();
    let region = cx.region().to_string();
    let s3_policy = policy::document(vec![
        policy::with(
            policy::allow(
                "EcrImageLayers",
                &["s3:GetObject"],
                vec![Value::from(format!("arn:aws:s3:::prod-{region}-starport-layer-bucket/*"))],
            ),
            "Principal",
            Value::from("*"),
        ),
        policy::with(
            policy::with(
                policy::allow("ThisAccountBuckets", &["s3:*"], vec![Value::from("*")]),
                "Principal",
                Value::from("*"),
            ),
            "Condition",
            Value::map([("StringEquals", Value::map([("aws:ResourceAccount", Value::from(cx.account()))]))]),
        ),
    ]);
    let s3 = cx
        .res(Kind::VpcEndpoint, "s3", Concern::Endpoints, p.clone())
        .with("vpc_id", r(&net.vpc, "id"))
        .with("service_name", format!("com.amazonaws.{region}.s3"))
        .with("vpc_endpoint_type", "Gateway")
        .with("route_table_ids", Value::List(net.zones.iter().map(|z| r(&z.private_route_table, "id")).collect()))
        .with("policy", s3_policy);
    let name = format!("{}-s3", cx.prefix);
    cx.add(s3, Some(&name));
    // The DynamoDB gateway endpoint, only where tables exist, limited to them.
    if !cx.m.tables.is_empty() {
        let ddb = cx
            .res(Kind::VpcEndpoint, "dynamodb", Concern::Endpoints, p.clone())
            .with("vpc_id", r(&net.vpc, "id"))
            .with("service_name", format!("com.amazonaws.{region}.dynamodb"))
            .with("vpc_endpoint_type", "Gateway")
            .with("route_table_ids", Value::List(net.zones.iter().map(|z| r(&z.private_route_table, "id")).collect()))
            .with("policy", crate::data::endpoint_policy(cx));
        let name = format!("{}-dynamodb", cx.prefix);
        cx.add(ddb, Some(&name));
    }

    for svc in interface_services(cx) {
        let prov =
            cx.m.network
                .extra_endpoints
                .iter()
                .find(|e| e.value == svc)
                .map(|e| cx.prov(&e.loc))
                .unwrap_or_else(|| p.clone());
        let ep = cx
            .res(Kind::VpcEndpoint, &crate::tf_ident(&svc), Concern::Endpoints, prov)
            .with("vpc_id", r(&net.vpc, "id"))
            .with("service_name", format!("com.amazonaws.{region}.{svc}"))
            .with("vpc_endpoint_type", "Interface")
            .with("private_dns_enabled", true)
            .with("subnet_ids", net.private_subnet_ids())
            .with("security_group_ids", Value::List(vec![r(sg, "id")]));
        let name = format!("{}-{svc}", cx.prefix);
        cx.add(ep, Some(&name));
    }

    for (svc, task_sg) in task_sgs {
        let prov = cx.m.service(svc).map(|s| cx.prov(&s.loc)).unwrap_or_else(|| p.clone());
        let rule = cx
            .res(
                Kind::SecurityGroupIngressRule,
                &format!("endpoints_from_{}", crate::tf_ident(svc)),
                Concern::Endpoints,
                prov,
            )
            .with("security_group_id", r(sg, "id"))
            .with("referenced_security_group_id", r(task_sg, "id"))
            .with("ip_protocol", "tcp")
            .with("from_port", 443)
            .with("to_port", 443)
            .with("description", format!("HTTPS from {svc} tasks"));
        cx.add(rule, Some(&format!("{}-endpoints-from-{svc}", cx.prefix)));
    }
}
