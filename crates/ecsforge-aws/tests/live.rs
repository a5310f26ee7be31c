//! The live ingest adapter against a local moto server: a small platform is
//! created with the SDK, read back with `read_live`, and the model snapshotted.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, IpPermission, IpRange, ResourceType, Tag, TagSpecification, UserIdGroupPair, VpcEndpointType,
};
use ecsforge_aws::moto::MotoServer;
use ecsforge_aws::{Scope, read_live};
use ecsforge_model::{InfraModel, Value, value::Part};

const REGION: &str = "eu-central-1";

fn moto() -> MotoServer {
    MotoServer::start().unwrap_or_else(|e| panic!("{e}"))
}

fn scope(project: &str, environment: &str) -> Scope {
    Scope { project: project.into(), environment: environment.into(), region: REGION.into(), names: BTreeMap::new() }
}

fn tags(project: &str, env: &str, name: &str) -> Vec<Tag> {
    [("Project", project), ("Environment", env), ("ManagedBy", "ecsforge"), ("Name", name)]
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn spec(rt: ResourceType, project: &str, env: &str, name: &str) -> TagSpecification {
    TagSpecification::builder().resource_type(rt).set_tags(Some(tags(project, env, name))).build()
}

/// Tags EC2 resources (moto ignores tag specifications on some create calls).
async fn tag(cfg: &SdkConfig, id: &str, project: &str, env: &str, name: &str) {
    aws_sdk_ec2::Client::new(cfg)
        .create_tags()
        .resources(id)
        .set_tags(Some(tags(project, env, name)))
        .send()
        .await
        .unwrap();
}

/// The network part of the platform: a VPC with DNS attributes, two private
/// subnets with their route tables, a public route to an internet gateway,
/// S3 gateway and ECR interface endpoints, security groups with rules, and a
/// flow log.
async fn network(cfg: &SdkConfig, p: &str, e: &str, cidr: &str) -> Net {
    let ec2 = aws_sdk_ec2::Client::new(cfg);
    let prefix = format!("{p}-{e}");
    let vpc = ec2.create_vpc().cidr_block(cidr).send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    tag(cfg, &vpc, p, e, &prefix).await;
    for attr in ["support", "hostnames"] {
        let on = AttributeBooleanValue::builder().value(true).build();
        let m = ec2.modify_vpc_attribute().vpc_id(&vpc);
        let m = if attr == "support" { m.enable_dns_support(on) } else { m.enable_dns_hostnames(on) };
        m.send().await.unwrap();
    }
    let base = cidr.split('.').take(2).collect::<Vec<_>>().join(".");
    let mut subnets = Vec::new();
    let mut tables = Vec::new();
    for (i, az) in ["a", "b"].iter().enumerate() {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("{base}.{i}.0/24"))
            .availability_zone(format!("{REGION}{az}"))
            .send()
            .await
            .unwrap()
            .subnet
            .unwrap()
            .subnet_id
            .unwrap();
        tag(cfg, &s, p, e, &format!("{prefix}-private-{az}")).await;
        let rt =
            ec2.create_route_table().vpc_id(&vpc).send().await.unwrap().route_table.unwrap().route_table_id.unwrap();
        tag(cfg, &rt, p, e, &format!("{prefix}-private-{az}")).await;
        ec2.associate_route_table().route_table_id(&rt).subnet_id(&s).send().await.unwrap();
        subnets.push(s);
        tables.push(rt);
    }
    let igw =
        ec2.create_internet_gateway().send().await.unwrap().internet_gateway.unwrap().internet_gateway_id.unwrap();
    tag(cfg, &igw, p, e, &prefix).await;
    ec2.attach_internet_gateway().internet_gateway_id(&igw).vpc_id(&vpc).send().await.unwrap();
    let public =
        ec2.create_route_table().vpc_id(&vpc).send().await.unwrap().route_table.unwrap().route_table_id.unwrap();
    tag(cfg, &public, p, e, &format!("{prefix}-public")).await;
    ec2.create_route()
        .route_table_id(&public)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();

    let sg = |name: &str, desc: &str| {
        let ec2 = ec2.clone();
        let (vpc, name, desc) = (vpc.clone(), name.to_string(), desc.to_string());
        async move {
            ec2.create_security_group()
                .group_name(&name)
                .description(desc)
                .vpc_id(vpc)
                .send()
                .await
                .unwrap()
                .group_id
                .unwrap()
        }
    };
    let endpoints_sg = sg(&format!("{prefix}-vpc-endpoints"), "Interface VPC endpoints").await;
    tag(cfg, &endpoints_sg, p, e, &format!("{prefix}-vpc-endpoints")).await;
    let api_sg = sg(&format!("{prefix}-api"), "api tasks").await;
    tag(cfg, &api_sg, p, e, &format!("{prefix}-api")).await;
    ec2.authorize_security_group_ingress()
        .group_id(&endpoints_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .user_id_group_pairs(
                    UserIdGroupPair::builder().group_id(&api_sg).description("HTTPS from api tasks").build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_egress()
        .group_id(&api_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&endpoints_sg).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&api_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .ip_ranges(IpRange::builder().cidr_ip(cidr).description("from the VPC").build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    let s3 = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(VpcEndpointType::Gateway)
        .service_name(format!("com.amazonaws.{REGION}.s3"))
        .set_route_table_ids(Some(tables.clone()))
        .tag_specifications(spec(ResourceType::VpcEndpoint, p, e, &format!("{prefix}-s3")))
        .send()
        .await
        .unwrap()
        .vpc_endpoint
        .unwrap();
    // Tasks reach S3 (image layers) through the gateway endpoint's prefix list.
    let service_name = s3.service_name().unwrap();
    let lists = ec2.describe_prefix_lists().send().await.unwrap();
    let s3_list = lists.prefix_lists().iter().find(|l| l.prefix_list_name() == Some(service_name)).unwrap();
    ec2.authorize_security_group_egress()
        .group_id(&api_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .prefix_list_ids(
                    aws_sdk_ec2::types::PrefixListId::builder()
                        .prefix_list_id(s3_list.prefix_list_id().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .service_name(format!("com.amazonaws.{REGION}.ecr.api"))
        .set_subnet_ids(Some(subnets.clone()))
        .security_group_ids(&endpoints_sg)
        .private_dns_enabled(true)
        .tag_specifications(spec(ResourceType::VpcEndpoint, p, e, &format!("{prefix}-ecr.api")))
        .send()
        .await
        .unwrap();
    // A NAT gateway in a public subnet, the default route of private-a through it.
    let public_subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(format!("{base}.100.0/24"))
        .availability_zone(format!("{REGION}a"))
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    tag(cfg, &public_subnet, p, e, &format!("{prefix}-public-a")).await;
    ec2.associate_route_table().route_table_id(&public).subnet_id(&public_subnet).send().await.unwrap();
    let eip =
        ec2.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).send().await.unwrap().allocation_id.unwrap();
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&public_subnet)
        .allocation_id(&eip)
        .send()
        .await
        .unwrap()
        .nat_gateway
        .unwrap()
        .nat_gateway_id
        .unwrap();
    tag(cfg, &nat, p, e, &format!("{prefix}-a")).await;
    ec2.create_route()
        .route_table_id(&tables[0])
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();

    // A network ACL on the private subnets: HTTPS in from the VPC, all out.
    let acl = ec2.create_network_acl().vpc_id(&vpc).send().await.unwrap().network_acl.unwrap().network_acl_id.unwrap();
    tag(cfg, &acl, p, e, &format!("{prefix}-private")).await;
    let entry = |egress: bool, n: i32, proto: &str, from: i32, to: i32| {
        ec2.create_network_acl_entry()
            .network_acl_id(&acl)
            .egress(egress)
            .rule_number(n)
            .protocol(proto)
            .rule_action(aws_sdk_ec2::types::RuleAction::Allow)
            .cidr_block(if egress { "0.0.0.0/0" } else { cidr })
            .port_range(aws_sdk_ec2::types::PortRange::builder().from(from).to(to).build())
            .send()
    };
    entry(false, 100, "6", 443, 443).await.unwrap();
    entry(false, 110, "6", 1024, 65535).await.unwrap();
    entry(true, 100, "-1", 0, 0).await.unwrap();
    let acls = ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .set_values(Some(subnets.clone()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    for a in acls.network_acls().iter().flat_map(|a| a.associations()) {
        if subnets.iter().any(|s| Some(s.as_str()) == a.subnet_id()) {
            ec2.replace_network_acl_association()
                .association_id(a.network_acl_association_id().unwrap())
                .network_acl_id(&acl)
                .send()
                .await
                .unwrap();
        }
    }
    // A flow log of the VPC into a CloudWatch log group.
    let flow_group = format!("/vpc/{prefix}/flow");
    aws_sdk_cloudwatchlogs::Client::new(cfg).create_log_group().log_group_name(&flow_group).send().await.unwrap();
    ec2.create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&vpc)
        .traffic_type(aws_sdk_ec2::types::TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::CloudWatchLogs)
        .log_group_name(&flow_group)
        .deliver_logs_permission_arn(format!("arn:aws:iam::123456789012:role/{prefix}-flow-logs"))
        .max_aggregation_interval(60)
        .tag_specifications(spec(ResourceType::VpcFlowLog, p, e, &format!("{prefix}-flow")))
        .send()
        .await
        .unwrap();
    Net { vpc, subnets, api_sg }
}

struct Net {
    vpc: String,
    subnets: Vec<String>,
    api_sg: String,
}

const ASSUME_ECS_TASKS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The service part: an execution role with inline policies and an attached
/// customer managed policy, a KMS key with an alias encrypting a secret (with a
/// resource policy) the container injects, target tracking, a CPU and a
/// success-rate alarm, an access log bucket, an ECR repository with policies, a log group, a cluster, a task
/// definition, and a service behind an ALB (target group, listener, rule).
async fn service(cfg: &SdkConfig, p: &str, e: &str, net: &Net) {
    let prefix = format!("{p}-{e}");
    let iam = aws_sdk_iam::Client::new(cfg);
    let role = iam
        .create_role()
        .role_name(format!("{prefix}-api-execution"))
        .assume_role_policy_document(ASSUME_ECS_TASKS)
        .tags(aws_sdk_iam::types::Tag::builder().key("Project").value(p).build().unwrap())
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    iam.put_role_policy()
        .role_name(role.role_name())
        .policy_name("pull-images")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    // moto knows no AWS managed policies unless started with
    // MOTO_IAM_LOAD_MANAGED_POLICIES=true, so attach a customer managed one.
    let managed = iam
        .create_policy()
        .policy_name(format!("{prefix}-read-logs"))
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:CreateLogStream","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    iam.attach_role_policy().role_name(role.role_name()).policy_arn(managed.arn().unwrap()).send().await.unwrap();

    // A customer managed key (rotated, with an alias) encrypting a secret
    // the task definition injects; the execution role may read and decrypt it.
    let kms = aws_sdk_kms::Client::new(cfg);
    let key = kms
        .create_key()
        .description(format!("{prefix}-secrets: Secrets Manager secrets"))
        .tags(aws_sdk_kms::types::Tag::builder().tag_key("Project").tag_value(p).build().unwrap())
        .tags(aws_sdk_kms::types::Tag::builder().tag_key("Environment").tag_value(e).build().unwrap())
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    kms.enable_key_rotation().key_id(key.key_id()).send().await.unwrap();
    kms.create_alias().alias_name(format!("alias/{prefix}-secrets")).target_key_id(key.key_id()).send().await.unwrap();
    let key_arn = key.arn().unwrap().to_string();
    let sm = aws_sdk_secretsmanager::Client::new(cfg);
    let secret = sm
        .create_secret()
        .name(format!("{p}/{e}/api/DB_PASSWORD"))
        .description("the api's database password")
        .kms_key_id(&key_arn)
        .secret_string("not-a-real-password")
        .tags(aws_sdk_secretsmanager::types::Tag::builder().key("Project").value(p).build())
        .tags(aws_sdk_secretsmanager::types::Tag::builder().key("Environment").value(e).build())
        .send()
        .await
        .unwrap();
    let secret_arn = secret.arn().unwrap().to_string();
    sm.put_resource_policy()
        .secret_id(&secret_arn)
        .resource_policy(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"ReadByExecutionRole","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#,
            role.arn()
        ))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(role.role_name())
        .policy_name("read-secrets")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"{secret_arn}"}},{{"Sid":"Decrypt","Effect":"Allow","Action":"kms:Decrypt","Resource":"{key_arn}","Condition":{{"StringEquals":{{"kms:ViaService":"secretsmanager.{REGION}.amazonaws.com"}}}}}}]}}"#
        ))
        .send()
        .await
        .unwrap();

    let ecr = aws_sdk_ecr::Client::new(cfg);
    let repo = ecr
        .create_repository()
        .repository_name(format!("{p}/{e}/api"))
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable)
        .image_scanning_configuration(
            aws_sdk_ecr::types::ImageScanningConfiguration::builder().scan_on_push(true).build(),
        )
        .tags(aws_sdk_ecr::types::Tag::builder().key("Project").value(p).build().unwrap())
        .send()
        .await
        .unwrap()
        .repository
        .unwrap();
    let repo_name = repo.repository_name().unwrap();
    ecr.set_repository_policy()
        .repository_name(repo_name)
        .policy_text(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"PullByExecutionRole","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":["ecr:BatchGetImage"]}}]}}"#,
            role.arn()
        ))
        .send()
        .await
        .unwrap();
    ecr.put_lifecycle_policy()
        .repository_name(repo_name)
        .lifecycle_policy_text(
            r#"{"rules":[{"rulePriority":1,"description":"Expire untagged images after 7 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}"#,
        )
        .send()
        .await
        .unwrap();

    let logs = aws_sdk_cloudwatchlogs::Client::new(cfg);
    let group = format!("/ecs/{prefix}/api");
    logs.create_log_group().log_group_name(&group).tags("Project", p).send().await.unwrap();
    logs.put_retention_policy().log_group_name(&group).retention_in_days(30).send().await.unwrap();

    let ecs = aws_sdk_ecs::Client::new(cfg);
    use aws_sdk_ecs::types as et;
    let cluster = ecs
        .create_cluster()
        .cluster_name(&prefix)
        .settings(
            et::ClusterSetting::builder().name(et::ClusterSettingName::ContainerInsights).value("enabled").build(),
        )
        .tags(et::Tag::builder().key("Project").value(p).build())
        .tags(et::Tag::builder().key("Environment").value(e).build())
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let container = et::ContainerDefinition::builder()
        .name("api")
        .image(format!("{}:v1", repo.repository_uri().unwrap()))
        .essential(true)
        .readonly_root_filesystem(true)
        .port_mappings(
            et::PortMapping::builder()
                .container_port(8080)
                .host_port(8080)
                .protocol(et::TransportProtocol::Tcp)
                .build(),
        )
        .environment(et::KeyValuePair::builder().name("PORT").value("8080").build())
        .secrets(
            et::Secret::builder()
                .name("API_KEY")
                .value_from("arn:aws:ssm:eu-central-1:123456789012:parameter/shop/api-key")
                .build()
                .unwrap(),
        )
        .secrets(et::Secret::builder().name("DB_PASSWORD").value_from(&secret_arn).build().unwrap())
        .log_configuration(
            et::LogConfiguration::builder()
                .log_driver(et::LogDriver::Awslogs)
                .options("awslogs-group", &group)
                .options("awslogs-region", REGION)
                .options("awslogs-stream-prefix", "ecs")
                .build()
                .unwrap(),
        )
        .build();
    let td = ecs
        .register_task_definition()
        .family(format!("{prefix}-api"))
        .container_definitions(container)
        .cpu("256")
        .memory("512")
        .network_mode(et::NetworkMode::Awsvpc)
        .requires_compatibilities(et::Compatibility::Fargate)
        .execution_role_arn(role.arn())
        .runtime_platform(
            et::RuntimePlatform::builder()
                .cpu_architecture(et::CpuArchitecture::Arm64)
                .operating_system_family(et::OsFamily::Linux)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap();

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(cfg);
    use aws_sdk_elasticloadbalancingv2::types as lt;
    let lb = elb
        .create_load_balancer()
        .name(&prefix)
        .set_subnets(Some(net.subnets.clone()))
        .security_groups(&net.api_sg)
        .scheme(lt::LoadBalancerSchemeEnum::InternetFacing)
        .r#type(lt::LoadBalancerTypeEnum::Application)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .clone();
    let lb_arn = lb.load_balancer_arn().unwrap();
    // The access log bucket: default encryption, versioning, public access
    // blocked, a policy for log delivery.
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(cfg).force_path_style(true).build());
    use aws_sdk_s3::types as st;
    let bucket = format!("{prefix}-alb-logs");
    s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            st::CreateBucketConfiguration::builder()
                .location_constraint(st::BucketLocationConstraint::EuCentral1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(
            st::Tagging::builder()
                .tag_set(st::Tag::builder().key("Project").value(p).build().unwrap())
                .tag_set(st::Tag::builder().key("Environment").value(e).build().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(
            st::ServerSideEncryptionConfiguration::builder()
                .rules(
                    st::ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            st::ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(st::ServerSideEncryption::Aes256)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            st::VersioningConfiguration::builder().status(st::BucketVersioningStatus::Enabled).build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket(&bucket)
        .public_access_block_configuration(
            st::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"LogDelivery","Effect":"Allow","Principal":{{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{bucket}/alb/*"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let attribute = |k: &str, v: &str| lt::LoadBalancerAttribute::builder().key(k).value(v).build();
    elb.modify_load_balancer_attributes()
        .load_balancer_arn(lb_arn)
        .attributes(attribute("routing.http.drop_invalid_header_fields.enabled", "true"))
        .attributes(attribute("access_logs.s3.enabled", "true"))
        .attributes(attribute("access_logs.s3.bucket", &bucket))
        .attributes(attribute("access_logs.s3.prefix", "alb"))
        .send()
        .await
        .unwrap();
    let tg = elb
        .create_target_group()
        .name(format!("{prefix}-api"))
        .protocol(lt::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&net.vpc)
        .target_type(lt::TargetTypeEnum::Ip)
        .health_check_path("/health")
        .health_check_interval_seconds(30)
        .matcher(lt::Matcher::builder().http_code("200-399").build())
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .clone();
    let tg_arn = tg.target_group_arn().unwrap();
    let listener = elb
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(lt::ProtocolEnum::Http)
        .port(80)
        .default_actions(
            lt::Action::builder()
                .r#type(lt::ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    lt::FixedResponseActionConfig::builder()
                        .status_code("404")
                        .content_type("text/plain")
                        .message_body("not found")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .clone();
    elb.create_rule()
        .listener_arn(listener.listener_arn().unwrap())
        .priority(100)
        .conditions(
            lt::RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(lt::PathPatternConditionConfig::builder().values("/api/*").build())
                .build(),
        )
        .actions(lt::Action::builder().r#type(lt::ActionTypeEnum::Forward).target_group_arn(tg_arn).build())
        .send()
        .await
        .unwrap();

    // A canary: a second target group, weighted 90/10.
    let green = elb
        .create_target_group()
        .name(format!("{prefix}-api-green"))
        .protocol(lt::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&net.vpc)
        .target_type(lt::TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .clone();
    let weighted = |arn: &str, w: i32| lt::TargetGroupTuple::builder().target_group_arn(arn).weight(w).build();
    elb.create_rule()
        .listener_arn(listener.listener_arn().unwrap())
        .priority(200)
        .conditions(
            lt::RuleCondition::builder()
                .field("host-header")
                .host_header_config(lt::HostHeaderConditionConfig::builder().values("api.example.com").build())
                .build(),
        )
        .actions(
            lt::Action::builder()
                .r#type(lt::ActionTypeEnum::Forward)
                .forward_config(
                    lt::ForwardActionConfig::builder()
                        .target_groups(weighted(tg_arn, 90))
                        .target_groups(weighted(green.target_group_arn().unwrap(), 10))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    ecs.create_service()
        .cluster(cluster.cluster_arn().unwrap())
        .service_name("api")
        .task_definition(td.task_definition_arn().unwrap())
        .desired_count(2)
        .launch_type(et::LaunchType::Fargate)
        .deployment_configuration(
            et::DeploymentConfiguration::builder()
                .maximum_percent(200)
                .minimum_healthy_percent(100)
                .deployment_circuit_breaker(et::DeploymentCircuitBreaker::builder().enable(true).rollback(true).build())
                .build(),
        )
        .network_configuration(
            et::NetworkConfiguration::builder()
                .awsvpc_configuration(
                    et::AwsVpcConfiguration::builder()
                        .set_subnets(Some(net.subnets.clone()))
                        .security_groups(&net.api_sg)
                        .assign_public_ip(et::AssignPublicIp::Disabled)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .load_balancers(
            et::LoadBalancer::builder().target_group_arn(tg_arn).container_name("api").container_port(8080).build(),
        )
        .tags(et::Tag::builder().key("Project").value(p).build())
        .send()
        .await
        .unwrap();

    // Target tracking on CPU between 2 and 4 tasks.
    let aas = aws_sdk_applicationautoscaling::Client::new(cfg);
    use aws_sdk_applicationautoscaling::types as at;
    let resource_id = format!("service/{prefix}/api");
    let target = aas
        .register_scalable_target()
        .service_namespace(at::ServiceNamespace::Ecs)
        .resource_id(&resource_id)
        .scalable_dimension(at::ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(2)
        .max_capacity(4)
        .tags("Project", p)
        .tags("Environment", e)
        .send()
        .await
        .unwrap();
    assert!(target.scalable_target_arn().is_some());
    aas.put_scaling_policy()
        .policy_name(format!("{prefix}-api-cpu-target"))
        .service_namespace(at::ServiceNamespace::Ecs)
        .resource_id(&resource_id)
        .scalable_dimension(at::ScalableDimension::EcsServiceDesiredCount)
        .policy_type(at::PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            at::TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(60.0)
                .scale_in_cooldown(300)
                .scale_out_cooldown(60)
                .predefined_metric_specification(
                    at::PredefinedMetricSpecification::builder()
                        .predefined_metric_type(at::MetricType::EcsServiceAverageCpuUtilization)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    // Alarms: CPU of the service, and doc 002's success rate of its target
    // group as metric math (named without the prefix: in scope by dimension).
    let cw = aws_sdk_cloudwatch::Client::new(cfg);
    use aws_sdk_cloudwatch::types as ct;
    let dim = |n: &str, v: &str| ct::Dimension::builder().name(n).value(v).build();
    cw.put_metric_alarm()
        .alarm_name(format!("{prefix}-api-cpu-high"))
        .namespace("AWS/ECS")
        .metric_name("CPUUtilization")
        .dimensions(dim("ClusterName", &prefix))
        .dimensions(dim("ServiceName", "api"))
        .statistic(ct::Statistic::Average)
        .period(60)
        .evaluation_periods(5)
        .threshold(80.0)
        .comparison_operator(ct::ComparisonOperator::GreaterThanThreshold)
        .tags(ct::Tag::builder().key("Project").value(p).build())
        .send()
        .await
        .unwrap();
    let tg_suffix = tg_arn.split_once(":targetgroup/").map(|(_, r)| format!("targetgroup/{r}")).unwrap();
    let metric = |id: &str, name: &str| {
        ct::MetricDataQuery::builder()
            .id(id)
            .return_data(false)
            .metric_stat(
                ct::MetricStat::builder()
                    .metric(
                        ct::Metric::builder()
                            .namespace("AWS/ApplicationELB")
                            .metric_name(name)
                            .dimensions(dim("TargetGroup", &tg_suffix))
                            .build(),
                    )
                    .period(60)
                    .stat("Sum")
                    .build(),
            )
            .build()
    };
    cw.put_metric_alarm()
        .alarm_name("api-success-rate")
        .comparison_operator(ct::ComparisonOperator::LessThanThreshold)
        .threshold(99.5)
        .evaluation_periods(2)
        .datapoints_to_alarm(2)
        .treat_missing_data("notBreaching")
        .metrics(metric("requests", "RequestCount"))
        .metrics(metric("errors", "HTTPCode_Target_5XX_Count"))
        .metrics(
            ct::MetricDataQuery::builder()
                .id("success")
                .expression("IF(requests > 0, 100 * (1 - FILL(errors, 0) / requests), 100)")
                .label("success rate (%)")
                .return_data(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The model as YAML-friendly JSON: references as `${address.attr}`, JSON
/// documents under `json:`, ids moto randomises replaced by `*`.
fn render(m: &InfraModel) -> serde_json::Value {
    fn v(x: &Value) -> serde_json::Value {
        match x {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => redact(s).into(),
            Value::List(l) => l.iter().map(v).collect(),
            Value::Map(m) => m.iter().map(|(k, x)| (redact(k), v(x))).collect::<serde_json::Map<_, _>>().into(),
            Value::Ref(r) => format!("${{{}.{}}}", redact(r.address.as_str()), r.attr).into(),
            Value::Template(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => redact(s),
                    Part::Ref(r) => format!("${{{}.{}}}", r.address, r.attr),
                    Part::Unknown => "(unknown)".into(),
                })
                .collect::<String>()
                .into(),
            Value::Json(inner) => serde_json::json!({ "json": v(inner) }),
            Value::Unknown => "(unknown)".into(),
        }
    }
    let mut out = serde_json::Map::new();
    out.insert(
        "model".into(),
        serde_json::json!({
            "project": m.project, "environment": m.environment, "region": m.region, "account_id": m.account_id,
        }),
    );
    for r in m.resources.values() {
        let mut attrs: serde_json::Map<String, serde_json::Value> =
            r.attrs.iter().map(|(k, x)| (k.clone(), v(x))).collect();
        attrs.insert("(provenance)".into(), format!("{} {}", r.provenance.file, redact(&r.provenance.pointer)).into());
        out.insert(redact(r.address.as_str()), attrs.into());
    }
    out.into()
}

/// Replaces the random parts of moto's ids by `*`: scalable target ids, UUIDs (KMS key ids), the
/// six random characters Secrets Manager appends to a secret's name in its
/// ARN, the hex after an EC2 id prefix (`vpc-`, `sgr-`, ...), a 16-digit hex
/// ARN segment (ELB ids), and any other run of 8 or more hex digits mixing
/// letters and digits.
fn redact(s: &str) -> String {
    redact_hex(&redact_secret_suffix(&redact_uuids(&redact_scalable_target(s))))
}

/// Application Auto Scaling's random scalable target id (`scalable-target/<id>`).
fn redact_scalable_target(s: &str) -> String {
    match s.split_once(":scalable-target/") {
        Some((head, _)) => format!("{head}:scalable-target/*"),
        None => s.to_string(),
    }
}

fn redact_uuids(s: &str) -> String {
    const SHAPE: [usize; 5] = [8, 4, 4, 4, 12];
    let b = s.as_bytes();
    let uuid_at = |i: usize| {
        let mut j = i;
        for (n, len) in SHAPE.iter().enumerate() {
            if n > 0 {
                if b.get(j) != Some(&b'-') {
                    return None;
                }
                j += 1;
            }
            if j + len > b.len() || !b[j..j + len].iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            j += len;
        }
        Some(j)
    };
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if let Some(end) = uuid_at(i) {
            out.push('*');
            i = end;
        } else {
            let c = s[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn redact_secret_suffix(s: &str) -> String {
    let Some(at) = s.find(":secret:") else { return s.to_string() };
    let start = at + ":secret:".len();
    let end = s[start..].find(':').map(|e| start + e).unwrap_or(s.len());
    let name = &s[start..end];
    match name.len().checked_sub(7) {
        Some(dash) if name.as_bytes()[dash] == b'-' && name[dash + 1..].bytes().all(|c| c.is_ascii_alphanumeric()) => {
            format!("{}-*{}", &s[..start + dash], &s[end..])
        }
        _ => s.to_string(),
    }
}

fn redact_hex(s: &str) -> String {
    const PREFIXES: &[&str] =
        &["vpc", "subnet", "rtb", "rtbassoc", "igw", "nat", "vpce", "sg", "sgr", "acl", "aclassoc", "eipalloc", "pl"];
    let b: Vec<char> = s.chars().collect();
    let is_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if is_hex(b[i]) && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && is_hex(b[j]) {
                j += 1;
            }
            let run = &b[i..j];
            let boundary = j == b.len() || !b[j].is_ascii_alphanumeric();
            let word: String = {
                let mut k = i.saturating_sub(1);
                while k > 0 && b[k - 1].is_ascii_alphabetic() {
                    k -= 1;
                }
                b[k..i.saturating_sub(1)].iter().collect()
            };
            let after_prefix = i > 0 && b[i - 1] == '-' && PREFIXES.contains(&word.as_str());
            let elb_id = i > 0 && b[i - 1] == '/' && run.len() == 16;
            let mixed = run.iter().any(char::is_ascii_digit) && run.iter().any(|c| c.is_ascii_alphabetic());
            if boundary && run.len() >= 8 && (after_prefix || elb_id || mixed) {
                out.push('*');
            } else {
                out.extend(run);
            }
            i = j;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[test]
fn redaction_hides_random_ids_only() {
    assert_eq!(redact("rtbassoc-71779600505766813"), "rtbassoc-*");
    assert_eq!(redact("r-rtb-0a1b2c3d4e5f60718"), "r-rtb-*");
    assert_eq!(redact("loadbalancer/app/shop-dev/5019372850193728"), "loadbalancer/app/shop-dev/*");
    assert_eq!(redact("arn:aws:iam::123456789012:role/x"), "arn:aws:iam::123456789012:role/x");
    assert_eq!(redact("10.20.0.0/16 2012-10-17"), "10.20.0.0/16 2012-10-17");
    assert_eq!(
        redact("arn:aws:kms:eu-central-1:123456789012:key/0a4e6c1d-bb2b-4b7f-ba1f-5c1e2d3f4a5b"),
        "arn:aws:kms:eu-central-1:123456789012:key/*"
    );
    assert_eq!(
        redact("arn:aws:secretsmanager:eu-central-1:123456789012:secret:shop/dev/api/DB_PASSWORD-htWdeR:password::"),
        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:shop/dev/api/DB_PASSWORD-*:password::"
    );
}

/// Reads the live model of `scope`, checks its references resolve, and renders it.
async fn check(cfg: &SdkConfig, scope: &Scope) -> (InfraModel, serde_json::Value) {
    let model = read_live(cfg, scope).await.unwrap_or_else(|e| panic!("{e}"));
    if let Err(errs) = model.check_references() {
        panic!("dangling references: {errs:?}");
    }
    let rendered = render(&model);
    (model, rendered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_a_small_platform() {
    let server = moto();
    let cfg = server.sdk_config(REGION).await;
    let net = network(&cfg, "shop", "dev", "10.20.0.0/16").await;
    service(&cfg, "shop", "dev", &net).await;
    // The account's registry policy governs the scope's repositories too.
    aws_sdk_ecr::Client::new(&cfg)
        .put_registry_policy()
        .policy_text(r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReplicateFromOrg","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:ReplicateImage"],"Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    // The VPC's address comes from the state (`Scope.names`); the rest are derived.
    let mut scope = scope("shop", "dev");
    scope.names.insert(net.vpc.clone(), ecsforge_model::Address("module.net.aws_vpc.this".into()));
    let (_, rendered) = check(&cfg, &scope).await;
    insta::assert_yaml_snapshot!(rendered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_ignores_other_projects_and_environments() {
    let server = moto();
    let cfg = server.sdk_config(REGION).await;
    let shop = network(&cfg, "shop", "dev", "10.20.0.0/16").await;
    service(&cfg, "shop", "dev", &shop).await;
    let other = network(&cfg, "other", "dev", "10.30.0.0/16").await;
    service(&cfg, "other", "dev", &other).await;
    network(&cfg, "shop", "prod", "10.40.0.0/16").await;
    let mut read = BTreeMap::new();
    for (p, e) in [("shop", "dev"), ("other", "dev"), ("shop", "prod")] {
        let (model, _) = check(&cfg, &scope(p, e)).await;
        let vpcs: Vec<String> = model
            .of_kind(ecsforge_model::Kind::Vpc)
            .map(|v| v.get("cidr_block").and_then(Value::as_str).unwrap_or("").to_string())
            .collect();
        // Each resource with what tells the platforms apart: its AWS name or CIDR.
        let names: BTreeMap<String, String> = model
            .resources
            .values()
            .map(|r| {
                let tell =
                    r.get("name").or(r.get("cidr_block")).or(r.get("cidr_ipv4")).and_then(Value::as_str).unwrap_or("");
                (redact(r.address.as_str()), tell.to_string())
            })
            .collect();
        read.insert(format!("{p}/{e}"), serde_json::json!({ "vpcs": vpcs, "resources": names }));
    }
    insta::assert_yaml_snapshot!(read);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_a_clear_error() {
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let cfg = ecsforge_aws::moto::test_sdk_config(&endpoint, REGION).await;
    let started = std::time::Instant::now();
    let err = read_live(&cfg, &scope("shop", "dev")).await.expect_err("nothing listens there");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    let shown = err.to_string().replace(&port.to_string(), "PORT");
    insta::assert_snapshot!(shown);
}

/// The same rules and reachability analysis that judge a plan judge the live
/// model: every rule whose types the adapter reads, and every reach verdict.
/// The platform has real faults (an internet-facing ALB in private subnets,
/// no ecr.dkr/logs endpoints, a NACL without the ephemeral reply range). moto
/// drops a service's deploymentConfiguration, so EF016, EF025 and EF107 fire
/// although `service()` sets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_and_reach_judge_the_live_model() {
    let server = moto();
    let cfg = server.sdk_config(REGION).await;
    let net = network(&cfg, "shop", "dev", "10.20.0.0/16").await;
    service(&cfg, "shop", "dev", &net).await;
    let (model, _) = check(&cfg, &scope("shop", "dev")).await;
    let mut findings: Vec<String> = ecsforge_rules::check(&model, None, &[])
        .into_iter()
        .filter(|f| ecsforge_rules::reads::judgeable(f.code, ecsforge_aws::LIVE_TYPES).is_ok())
        .map(|f| redact(&format!("{} {}: {}", f.code, f.address, f.message)))
        .collect();
    findings.sort();
    let reach: Vec<String> = ecsforge_reach::analyze(&model)
        .into_iter()
        .map(|v| redact(&format!("{} {:?} {:?}: {}", v.service, v.dependency, v.status, v.details)))
        .collect();
    insta::assert_yaml_snapshot!(serde_json::json!({ "findings": findings, "reach": reach }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_a_clear_error() {
    let server = moto();
    // A configuration without any credentials provider.
    let cfg = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new(REGION))
        .endpoint_url(server.endpoint())
        .behavior_version(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    let err = read_live(&cfg, &scope("shop", "dev")).await.expect_err("no credentials");
    insta::assert_snapshot!(err.to_string().replace(&server.endpoint(), "ENDPOINT"));
}
