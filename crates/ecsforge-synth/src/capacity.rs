//! EC2 capacity (`capacity.ec2`, design doc 001): an Auto Scaling group of
//! ECS-optimized Amazon Linux 2023 instances behind an ECS capacity provider
//! with managed scaling. Instances require IMDSv2 with a hop limit of 1 and
//! the agent blocks IMDS for awsvpc tasks, so tasks never see the instance
//! role; the instance role can only register with and report to this cluster.

use ecsforge_manifest::{Architecture, Egress};
use ecsforge_model::{Address, Concern, Kind, Value};

use crate::network::Net;
use crate::{Cx, aws_name, policy, r};

pub(crate) struct Ec2 {
    pub provider: Address,
}

/// The capacity provider's address (the cluster lists it before it is built).
pub(crate) fn provider_address() -> Address {
    Address::new("aws_ecs_capacity_provider", "ec2")
}

/// The SSM parameter of the recommended ECS-optimized AL2023 AMI.
pub(crate) fn ami_parameter(arch: Architecture) -> &'static str {
    match arch {
        Architecture::Arm64 => "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
        Architecture::X86_64 => "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    }
}

/// Standard base64 (RFC 4648, with padding): launch-template `user_data`
/// must be base64, and computing it here keeps the generated files literal.
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The instance's user data: join this cluster, and keep awsvpc tasks off IMDS.
pub(crate) fn user_data(cluster: &str) -> String {
    format!(
        "#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\nECS_CLUSTER={cluster}\nECS_AWSVPC_BLOCK_IMDS=true\nECS_ENABLE_CONTAINER_METADATA=true\nEOF\n"
    )
}

/// A capacity-provider name may not start with `aws`, `ecs` or `fargate`.
pub(crate) fn provider_name(prefix: &str) -> String {
    let name = format!("{prefix}-ec2");
    if ["aws", "ecs", "fargate"].iter().any(|p| name.starts_with(p)) { format!("cp-{name}") } else { name }
}

pub(crate) fn build(cx: &mut Cx, net: &Net, endpoints_sg: &Address) -> Option<Ec2> {
    let ec2 = cx.m.ec2.as_ref()?;
    let size = ec2.size();
    let p = cx.prov(&ec2.loc);
    let c = Concern::Cluster;
    let prefix = cx.prefix.clone();
    let region = cx.region().to_string();
    let account = cx.account().to_string();

    // --- Instance role: register with and report to this cluster only ---------------
    let role_name = aws_name(&[&prefix, "ecs-instance"], 64);
    let trust = policy::document(vec![Value::map([
        ("Sid", Value::from("AssumeFromEc2")),
        ("Effect", Value::from("Allow")),
        ("Principal", Value::map([("Service", Value::from("ec2.amazonaws.com"))])),
        ("Action", Value::from("sts:AssumeRole")),
    ])]);
    let role = cx
        .res(Kind::IamRole, "ecs_instance", c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("assume_role_policy", trust);
    let role = cx.add(role, Some(&role_name));
    let cluster_arn = format!("arn:aws:ecs:{region}:{account}:cluster/{prefix}");
    let instances_arn = format!("arn:aws:ecs:{region}:{account}:container-instance/{prefix}/*");
    let doc = policy::document(vec![
        policy::allow(
            "RegisterAndReport",
            &[
                "ecs:DeregisterContainerInstance",
                "ecs:RegisterContainerInstance",
                "ecs:SubmitAttachmentStateChanges",
                "ecs:SubmitContainerStateChange",
                "ecs:SubmitTaskStateChange",
                "ecs:UpdateContainerInstancesState",
            ],
            vec![Value::from(cluster_arn.as_str())],
        ),
        policy::allow(
            "PollAsThisClustersInstance",
            &["ecs:Poll", "ecs:StartTelemetrySession", "ecs:PutSystemLogEvents"],
            vec![Value::from(instances_arn.as_str())],
        ),
        policy::with(
            policy::allow("TagOnRegistration", &["ecs:TagResource"], vec![Value::from(instances_arn.as_str())]),
            "Condition",
            Value::map([(
                "StringEquals",
                Value::map([("ecs:CreateAction", Value::from("RegisterContainerInstance"))]),
            )]),
        ),
        // DiscoverPollEndpoint supports no resource-level permissions.
        policy::allow("DiscoverPollEndpoint", &["ecs:DiscoverPollEndpoint"], vec![Value::from("*")]),
    ]);
    let rp = cx
        .res(Kind::IamRolePolicy, "ecs_instance", c.clone(), p.clone())
        .with("name", "ecs-container-instance")
        .with("role", r(&role, "id"))
        .with("policy", doc);
    cx.add(rp, None);
    let profile = cx
        .res(Kind::IamInstanceProfile, "ecs_instance", c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("role", r(&role, "name"));
    let profile = cx.add(profile, Some(&role_name));

    // --- Instance security group: no ingress; HTTPS out for the agent and image pulls ---
    let sg_name = format!("{prefix}-ecs-instances");
    let sg = cx
        .res(Kind::SecurityGroup, "ecs_instances", c.clone(), p.clone())
        .with("name", sg_name.as_str())
        .with("description", "ECS container instances: no ingress; HTTPS to AWS services")
        .with("vpc_id", r(&net.vpc, "id"));
    let sg = cx.add(sg, Some(&sg_name));
    let mut egress = vec![
        (
            "ecs_instances_to_endpoints",
            "referenced_security_group_id",
            r(endpoints_sg, "id"),
            "HTTPS to interface VPC endpoints",
        ),
        (
            "ecs_instances_to_s3",
            "prefix_list_id",
            r(&Address::new("aws_vpc_endpoint", "s3"), "prefix_list_id"),
            "HTTPS to S3 through the gateway endpoint (ECR image layers)",
        ),
    ];
    if cx.env.egress != Egress::EndpointsOnly {
        egress.push((
            "ecs_instances_to_internet",
            "cidr_ipv4",
            Value::from("0.0.0.0/0"),
            "HTTPS to the internet through NAT",
        ));
    }
    for (id, peer_key, peer, description) in egress {
        let rule = cx
            .res(Kind::SecurityGroupEgressRule, id, c.clone(), p.clone())
            .with("security_group_id", r(&sg, "id"))
            .with("ip_protocol", "tcp")
            .with("from_port", 443)
            .with("to_port", 443)
            .with(peer_key, peer)
            .with("description", description);
        cx.add(rule, Some(&format!("{prefix}-{}", id.replace('_', "-"))));
    }
    let ingress = cx
        .res(Kind::SecurityGroupIngressRule, "endpoints_from_ecs_instances", Concern::Endpoints, p.clone())
        .with("security_group_id", r(endpoints_sg, "id"))
        .with("referenced_security_group_id", r(&sg, "id"))
        .with("ip_protocol", "tcp")
        .with("from_port", 443)
        .with("to_port", 443)
        .with("description", "HTTPS from ECS container instances");
    cx.add(ingress, Some(&format!("{prefix}-endpoints-from-ecs-instances")));

    // --- Launch template ------------------------------------------------------------
    let lt_name = format!("{prefix}-ecs");
    let instance_tags = |cx: &Cx, name: &str| {
        let mut t = cx.tags.clone();
        t.insert("Name".into(), name.to_string());
        Value::from(t)
    };
    let tag_specs = Value::List(
        ["instance", "volume", "network-interface"]
            .iter()
            .map(|rt| Value::map([("resource_type", Value::from(*rt)), ("tags", instance_tags(cx, &lt_name))]))
            .collect(),
    );
    let lt = cx
        .res(Kind::LaunchTemplate, "ecs", c.clone(), p.clone())
        .with("name", lt_name.as_str())
        .with("description", format!("ECS container instances of {prefix}"))
        .with("image_id", format!("resolve:ssm:{}", ami_parameter(size.architecture)))
        .with("instance_type", size.name)
        .with("update_default_version", true)
        .with("iam_instance_profile", Value::block([("arn", r(&profile, "arn"))]))
        .with("vpc_security_group_ids", Value::list([r(&sg, "id")]))
        .with(
            "metadata_options",
            Value::block([
                ("http_endpoint", Value::from("enabled")),
                ("http_tokens", Value::from("required")),
                ("http_put_response_hop_limit", Value::from(1)),
                ("instance_metadata_tags", Value::from("disabled")),
            ]),
        )
        .with(
            "block_device_mappings",
            Value::block([
                ("device_name", Value::from("/dev/xvda")),
                (
                    "ebs",
                    Value::block([
                        ("volume_size", Value::from(30)),
                        ("volume_type", Value::from("gp3")),
                        ("encrypted", Value::from("true")),
                        ("delete_on_termination", Value::from("true")),
                    ]),
                ),
            ]),
        )
        .with("monitoring", Value::block([("enabled", Value::from(true))]))
        .with("user_data", base64(user_data(&prefix).as_bytes()))
        .with("tag_specifications", tag_specs);
    let lt = cx.add(lt, Some(&lt_name));

    // --- Auto Scaling group ------------------------------------------------------------
    let mut tags: Vec<Value> = cx
        .tags
        .iter()
        .map(|(k, v)| {
            Value::map([
                ("key", Value::from(k.as_str())),
                ("value", Value::from(v.as_str())),
                ("propagate_at_launch", Value::from(false)),
            ])
        })
        .collect();
    // ECS requires this tag on groups behind a capacity provider with managed scaling.
    tags.push(Value::map([
        ("key", Value::from("AmazonECSManaged")),
        ("value", Value::from("true")),
        ("propagate_at_launch", Value::from(true)),
    ]));
    tags.push(Value::map([
        ("key", Value::from("Name")),
        ("value", Value::from(lt_name.as_str())),
        ("propagate_at_launch", Value::from(false)),
    ]));
    tags.sort_by_key(|t| t.get("key").and_then(Value::as_str).map(str::to_string));
    let mut asg = cx
        .res(Kind::AutoscalingGroup, "ecs", c.clone(), p.clone())
        .with("name", lt_name.as_str())
        .with("min_size", ec2.min)
        .with("max_size", ec2.max)
        .with("vpc_zone_identifier", net.private_subnet_ids())
        .with("health_check_type", "EC2")
        // Managed termination protection: ECS protects instances running tasks
        // from scale-in and lifts the protection once they are drained.
        .with("protect_from_scale_in", true)
        // Protected instances would otherwise block `terraform destroy` of the group.
        .with("force_delete", true)
        .with("launch_template", Value::block([("id", r(&lt, "id")), ("version", r(&lt, "latest_version"))]))
        .with("tag", Value::List(tags));
    // Managed scaling owns the group's desired capacity.
    asg.ignore_changes.push("desired_capacity".into());
    let asg = cx.add(asg, None);

    // --- Capacity provider ----------------------------------------------------------------
    let cp_name = provider_name(&prefix);
    let cp = cx.res(Kind::EcsCapacityProvider, "ec2", c, p).with("name", cp_name.as_str()).with(
        "auto_scaling_group_provider",
        Value::block([
            ("auto_scaling_group_arn", r(&asg, "arn")),
            ("managed_termination_protection", Value::from("ENABLED")),
            ("managed_draining", Value::from("ENABLED")),
            (
                "managed_scaling",
                Value::block([
                    ("status", Value::from("ENABLED")),
                    ("target_capacity", Value::from(100)),
                    ("minimum_scaling_step_size", Value::from(1)),
                    ("maximum_scaling_step_size", Value::from(1)),
                    ("instance_warmup_period", Value::from(300)),
                ]),
            ),
        ]),
    );
    let provider = cx.add(cp, Some(&cp_name));
    cx.output("ec2_capacity_provider", r(&provider, "name"), "ECS capacity provider of the EC2 Auto Scaling group");
    Some(Ec2 { provider })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn capacity_provider_names_avoid_reserved_prefixes() {
        assert_eq!(provider_name("shop-prod"), "shop-prod-ec2");
        assert_eq!(provider_name("ecsdemo-prod"), "cp-ecsdemo-prod-ec2");
        assert_eq!(provider_name("awsome-develop"), "cp-awsome-develop-ec2");
    }
}
