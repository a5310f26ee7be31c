//! Names: CloudFormation types → Terraform types, what `Ref` and `Fn::GetAtt`
//! return in Terraform attribute names, and key-case conversions.

/// Whether the CloudFormation type has a `Tags` property. The types listed map
/// to Terraform types that take tags, but CloudFormation gives the author no
/// way to tag them, so tag rules must not expect tags there.
pub(crate) fn cfn_supports_tags(cfn_type: &str) -> bool {
    !matches!(
        cfn_type,
        "AWS::EC2::SecurityGroupIngress"
            | "AWS::EC2::SecurityGroupEgress"
            | "AWS::ElasticLoadBalancingV2::Listener"
            | "AWS::ElasticLoadBalancingV2::ListenerRule"
            | "AWS::ApplicationAutoScaling::ScalableTarget"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::InstanceProfile"
    )
}

/// The Terraform type a CloudFormation resource type becomes (its primary
/// resource; some types also produce split-out parts). `None`: no Terraform
/// counterpart is modelled, the resource becomes `cfn:<Type>`.
pub(crate) fn terraform_type(cfn_type: &str, has_key: impl Fn(&str) -> bool) -> Option<&'static str> {
    Some(match cfn_type {
        "AWS::EC2::VPC" => "aws_vpc",
        "AWS::EC2::Subnet" => "aws_subnet",
        "AWS::EC2::InternetGateway" => "aws_internet_gateway",
        "AWS::EC2::VPCGatewayAttachment" if has_key("VpnGatewayId") => "aws_vpn_gateway_attachment",
        "AWS::EC2::VPCGatewayAttachment" => "aws_internet_gateway_attachment",
        "AWS::EC2::NatGateway" => "aws_nat_gateway",
        "AWS::EC2::EIP" => "aws_eip",
        "AWS::EC2::RouteTable" => "aws_route_table",
        "AWS::EC2::Route" => "aws_route",
        "AWS::EC2::SubnetRouteTableAssociation" => "aws_route_table_association",
        "AWS::EC2::VPCEndpoint" => "aws_vpc_endpoint",
        "AWS::EC2::SecurityGroup" => "aws_security_group",
        "AWS::EC2::SecurityGroupIngress" => "aws_vpc_security_group_ingress_rule",
        "AWS::EC2::SecurityGroupEgress" => "aws_vpc_security_group_egress_rule",
        "AWS::EC2::NetworkAcl" => "aws_network_acl",
        "AWS::EC2::NetworkAclEntry" => "aws_network_acl_rule",
        "AWS::EC2::SubnetNetworkAclAssociation" => "aws_network_acl_association",
        "AWS::EC2::FlowLog" => "aws_flow_log",
        "AWS::EC2::Instance" => "aws_instance",
        "AWS::ECS::Cluster" => "aws_ecs_cluster",
        "AWS::ECS::ClusterCapacityProviderAssociations" => "aws_ecs_cluster_capacity_providers",
        "AWS::ECS::Service" => "aws_ecs_service",
        "AWS::ECS::TaskDefinition" => "aws_ecs_task_definition",
        "AWS::ECR::Repository" => "aws_ecr_repository",
        "AWS::IAM::Role" => "aws_iam_role",
        "AWS::IAM::Policy" if has_key("Roles") => "aws_iam_role_policy",
        "AWS::IAM::Policy" if has_key("Users") => "aws_iam_user_policy",
        "AWS::IAM::Policy" if has_key("Groups") => "aws_iam_group_policy",
        "AWS::IAM::ManagedPolicy" => "aws_iam_policy",
        "AWS::IAM::InstanceProfile" => "aws_iam_instance_profile",
        "AWS::Logs::LogGroup" => "aws_cloudwatch_log_group",
        "AWS::KMS::Key" => "aws_kms_key",
        "AWS::KMS::Alias" => "aws_kms_alias",
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => "aws_lb",
        "AWS::ElasticLoadBalancingV2::Listener" => "aws_lb_listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule" => "aws_lb_listener_rule",
        "AWS::ElasticLoadBalancingV2::TargetGroup" => "aws_lb_target_group",
        "AWS::S3::Bucket" => "aws_s3_bucket",
        "AWS::S3::BucketPolicy" => "aws_s3_bucket_policy",
        "AWS::CloudWatch::Alarm" => "aws_cloudwatch_metric_alarm",
        "AWS::ApplicationAutoScaling::ScalableTarget" => "aws_appautoscaling_target",
        "AWS::ApplicationAutoScaling::ScalingPolicy" => "aws_appautoscaling_policy",
        "AWS::CloudFormation::Stack" => "aws_cloudformation_stack",
        "AWS::SecretsManager::Secret" => "aws_secretsmanager_secret",
        _ => return None,
    })
}

/// The Terraform attribute that holds what `Ref` returns for a type.
pub(crate) fn ref_attr(cfn_type: &str) -> &'static str {
    match cfn_type {
        "AWS::IAM::ManagedPolicy"
        | "AWS::ElasticLoadBalancingV2::LoadBalancer"
        | "AWS::ElasticLoadBalancingV2::Listener"
        | "AWS::ElasticLoadBalancingV2::ListenerRule"
        | "AWS::ElasticLoadBalancingV2::TargetGroup"
        | "AWS::ECS::TaskDefinition"
        | "AWS::ApplicationAutoScaling::ScalingPolicy"
        | "AWS::SNS::Topic"
        | "AWS::SecretsManager::Secret"
        | "AWS::StepFunctions::StateMachine"
        | "AWS::CertificateManager::Certificate" => "arn",
        // `Ref` of a cluster is its name; the Terraform id is the ARN.
        "AWS::ECS::Cluster" => "name",
        // `Ref` of an EIP is the address itself.
        "AWS::EC2::EIP" => "public_ip",
        "AWS::SQS::Queue" => "url",
        _ => "id",
    }
}

/// The Terraform attribute for `Fn::GetAtt <resource of cfn_type>.<attr>`.
pub(crate) fn getatt_attr(cfn_type: &str, attr: &str) -> String {
    let specific = match (cfn_type, attr) {
        ("AWS::EC2::SecurityGroup", "GroupId") => "id",
        ("AWS::EC2::VPC", "DefaultSecurityGroup") => "default_security_group_id",
        ("AWS::EC2::VPC", "DefaultNetworkAcl") => "default_network_acl_id",
        ("AWS::EC2::VPC", "Ipv6CidrBlocks") => "ipv6_cidr_block",
        ("AWS::EC2::VPCEndpoint", "DnsEntries") => "dns_entry",
        ("AWS::EC2::EIP", "AllocationId") => "allocation_id",
        ("AWS::EC2::EIP", "PublicIp") => "public_ip",
        ("AWS::EC2::Instance", "PrivateDnsName") => "private_dns",
        ("AWS::EC2::Instance", "PublicDnsName") => "public_dns",
        ("AWS::ECR::Repository", "RepositoryUri") => "repository_url",
        ("AWS::IAM::Role", "RoleId") => "unique_id",
        ("AWS::IAM::InstanceProfile", "Arn") => "arn",
        ("AWS::ECS::Service", "ServiceArn") => "id",
        ("AWS::ECS::TaskDefinition", "TaskDefinitionArn") => "arn",
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn") => "arn",
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName") => "arn_suffix",
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerName") => "name",
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "CanonicalHostedZoneID") => "zone_id",
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName") => "dns_name",
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "SecurityGroups") => "security_groups",
        ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupArn") => "arn",
        ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupFullName") => "arn_suffix",
        ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupName") => "name",
        ("AWS::ElasticLoadBalancingV2::TargetGroup", "LoadBalancerArns") => "load_balancer_arns",
        ("AWS::ElasticLoadBalancingV2::Listener", "ListenerArn") => "arn",
        ("AWS::ElasticLoadBalancingV2::ListenerRule", "RuleArn") => "arn",
        ("AWS::S3::Bucket", "DomainName") => "bucket_domain_name",
        ("AWS::S3::Bucket", "RegionalDomainName") => "bucket_regional_domain_name",
        ("AWS::S3::Bucket", "WebsiteURL") => "website_endpoint",
        ("AWS::KMS::Key", "KeyId") => "key_id",
        ("AWS::SNS::Topic", "TopicArn") => "arn",
        ("AWS::SNS::Topic", "TopicName") => "name",
        ("AWS::SQS::Queue", "QueueUrl") => "url",
        _ => "",
    };
    if !specific.is_empty() {
        return specific.to_string();
    }
    if let Some(output) = attr.strip_prefix("Outputs.") {
        return format!("outputs.{output}");
    }
    // `SubnetId` of a Subnet, `NatGatewayId` of a NatGateway ... are the id.
    let short = cfn_type.rsplit("::").next().unwrap_or("");
    match attr {
        "Arn" => "arn".into(),
        "Id" => "id".into(),
        "DnsEntries" => "dns_entry".into(),
        _ if attr.strip_suffix("Id") == Some(short) => "id".into(),
        _ if attr.strip_suffix("Arn") == Some(short) => "arn".into(),
        _ => snake_case(attr),
    }
}

/// `EnableDnsSupport` → `enable_dns_support`, `KMSMasterKeyID` → `kms_master_key_id`.
pub(crate) fn snake_case(s: &str) -> String {
    let s = s.replace("IPv6", "Ipv6").replace("IPv4", "Ipv4");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Whether a key looks like a CloudFormation property name (`CidrBlock`),
/// as opposed to a user-chosen key (`awslogs-group`, `MY_VAR`).
pub(crate) fn is_property_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `ReadonlyRootFilesystem` → `readonlyRootFilesystem` (the ECS API's camelCase).
pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A Terraform identifier made from free text (`ecr-pull` stays, `a.b@c` → `a_b_c`).
pub(crate) fn identifier(s: &str) -> String {
    let out: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if out.is_empty() { "_".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        for (a, b) in [
            ("EnableDnsSupport", "enable_dns_support"),
            ("KMSMasterKeyID", "kms_master_key_id"),
            ("SSEAlgorithm", "sse_algorithm"),
            ("CidrIpv6", "cidr_ipv6"),
            ("IPv6CidrBlock", "ipv6_cidr_block"),
            ("S3BucketName", "s3_bucket_name"),
            ("VPCId", "vpc_id"),
            ("Arn", "arn"),
        ] {
            assert_eq!(snake_case(a), b, "{a}");
        }
    }

    #[test]
    fn getatt_names() {
        assert_eq!(getatt_attr("AWS::EC2::Subnet", "SubnetId"), "id");
        assert_eq!(getatt_attr("AWS::EC2::SecurityGroup", "VpcId"), "vpc_id");
        assert_eq!(getatt_attr("AWS::EC2::VPC", "CidrBlock"), "cidr_block");
        assert_eq!(getatt_attr("AWS::CloudFormation::Stack", "Outputs.VpcId"), "outputs.VpcId");
        assert_eq!(getatt_attr("AWS::Foo::Bar", "SomeThingURL"), "some_thing_url");
    }
}
