//! The closed set of resource kinds the analyses understand.

macro_rules! kinds {
    ($( $(#[$m:meta])* $variant:ident => $tf:literal, tags: $tags:literal; )*) => {
        /// A resource kind, named after its hashicorp/aws Terraform type.
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        pub enum Kind {
            $( $(#[$m])* $variant, )*
            /// Any type the analyses do not model; kept so nothing is dropped.
            Other(String),
        }

        impl Kind {
            /// Every modelled kind (without [`Kind::Other`]).
            pub const ALL: &'static [Kind] = &[ $( Kind::$variant, )* ];

            /// The Terraform resource type.
            pub fn terraform_type(&self) -> &str {
                match self {
                    $( Kind::$variant => $tf, )*
                    Kind::Other(t) => t,
                }
            }

            /// Whether the provider accepts `tags` on this type.
            pub fn taggable(&self) -> bool {
                match self {
                    $( Kind::$variant => $tags, )*
                    Kind::Other(_) => false,
                }
            }

            /// The kind for a Terraform resource type.
            pub fn from_terraform_type(t: &str) -> Kind {
                match t {
                    $( $tf => Kind::$variant, )*
                    other => Kind::Other(other.to_string()),
                }
            }
        }
    };
}

kinds! {
    Vpc => "aws_vpc", tags: true;
    Subnet => "aws_subnet", tags: true;
    InternetGateway => "aws_internet_gateway", tags: true;
    Eip => "aws_eip", tags: true;
    NatGateway => "aws_nat_gateway", tags: true;
    RouteTable => "aws_route_table", tags: true;
    Route => "aws_route", tags: false;
    RouteTableAssociation => "aws_route_table_association", tags: false;
    VpcEndpoint => "aws_vpc_endpoint", tags: true;
    SecurityGroup => "aws_security_group", tags: true;
    /// One ingress rule (`aws_vpc_security_group_ingress_rule`).
    SecurityGroupIngressRule => "aws_vpc_security_group_ingress_rule", tags: true;
    /// One egress rule (`aws_vpc_security_group_egress_rule`).
    SecurityGroupEgressRule => "aws_vpc_security_group_egress_rule", tags: true;
    /// The legacy standalone rule type, only ever ingested.
    SecurityGroupRule => "aws_security_group_rule", tags: false;
    DefaultSecurityGroup => "aws_default_security_group", tags: true;
    NetworkAcl => "aws_network_acl", tags: true;
    NetworkAclRule => "aws_network_acl_rule", tags: false;
    FlowLog => "aws_flow_log", tags: true;
    LogGroup => "aws_cloudwatch_log_group", tags: true;
    KmsKey => "aws_kms_key", tags: true;
    KmsAlias => "aws_kms_alias", tags: false;
    EcsCluster => "aws_ecs_cluster", tags: true;
    EcsClusterCapacityProviders => "aws_ecs_cluster_capacity_providers", tags: false;
    EcsTaskDefinition => "aws_ecs_task_definition", tags: true;
    EcsService => "aws_ecs_service", tags: true;
    EcrRepository => "aws_ecr_repository", tags: true;
    EcrLifecyclePolicy => "aws_ecr_lifecycle_policy", tags: false;
    EcrRepositoryPolicy => "aws_ecr_repository_policy", tags: false;
    IamRole => "aws_iam_role", tags: true;
    IamRolePolicy => "aws_iam_role_policy", tags: false;
    IamRolePolicyAttachment => "aws_iam_role_policy_attachment", tags: false;
    IamPolicy => "aws_iam_policy", tags: true;
    AppAutoscalingTarget => "aws_appautoscaling_target", tags: true;
    AppAutoscalingPolicy => "aws_appautoscaling_policy", tags: false;
    Lb => "aws_lb", tags: true;
    LbListener => "aws_lb_listener", tags: true;
    LbListenerRule => "aws_lb_listener_rule", tags: true;
    LbTargetGroup => "aws_lb_target_group", tags: true;
    S3Bucket => "aws_s3_bucket", tags: true;
    S3BucketVersioning => "aws_s3_bucket_versioning", tags: false;
    S3BucketEncryption => "aws_s3_bucket_server_side_encryption_configuration", tags: false;
    S3BucketPublicAccessBlock => "aws_s3_bucket_public_access_block", tags: false;
    S3BucketPolicy => "aws_s3_bucket_policy", tags: false;
    S3BucketOwnershipControls => "aws_s3_bucket_ownership_controls", tags: false;
    S3BucketLifecycle => "aws_s3_bucket_lifecycle_configuration", tags: false;
    MetricAlarm => "aws_cloudwatch_metric_alarm", tags: true;
    SnsTopic => "aws_sns_topic", tags: true;
    SnsTopicPolicy => "aws_sns_topic_policy", tags: false;
    SnsTopicSubscription => "aws_sns_topic_subscription", tags: false;
    CloudwatchDashboard => "aws_cloudwatch_dashboard", tags: false;
    EventRule => "aws_cloudwatch_event_rule", tags: true;
    EventTarget => "aws_cloudwatch_event_target", tags: false;
    LogMetricFilter => "aws_cloudwatch_log_metric_filter", tags: false;
    LogResourcePolicy => "aws_cloudwatch_log_resource_policy", tags: false;
    CodedeployApp => "aws_codedeploy_app", tags: true;
    CodedeployDeploymentConfig => "aws_codedeploy_deployment_config", tags: false;
    CodedeployDeploymentGroup => "aws_codedeploy_deployment_group", tags: true;
    CodePipeline => "aws_codepipeline", tags: true;
    CodeBuildProject => "aws_codebuild_project", tags: true;
    CodestarNotificationRule => "aws_codestarnotifications_notification_rule", tags: true;
    IamOpenidConnectProvider => "aws_iam_openid_connect_provider", tags: true;
    /// An EC2 instance (the Windows SMB file server).
    Instance => "aws_instance", tags: true;
    LaunchTemplate => "aws_launch_template", tags: true;
    IamInstanceProfile => "aws_iam_instance_profile", tags: true;
    SecretsManagerSecret => "aws_secretsmanager_secret", tags: true;
    SecretsManagerSecretVersion => "aws_secretsmanager_secret_version", tags: false;
    CloudTrail => "aws_cloudtrail", tags: true;
    SecretsManagerSecretPolicy => "aws_secretsmanager_secret_policy", tags: false;
    SecretsManagerSecretRotation => "aws_secretsmanager_secret_rotation", tags: false;
    ConfigRecorder => "aws_config_configuration_recorder", tags: false;
    ConfigRecorderStatus => "aws_config_configuration_recorder_status", tags: false;
    ConfigDeliveryChannel => "aws_config_delivery_channel", tags: false;
    ServiceDiscoveryPrivateDnsNamespace => "aws_service_discovery_private_dns_namespace", tags: true;
    ServiceDiscoveryService => "aws_service_discovery_service", tags: true;
    DynamodbTable => "aws_dynamodb_table", tags: true;
    /// Tags go in `tag` blocks (with `propagate_at_launch`), not a `tags` map.
    AutoscalingGroup => "aws_autoscaling_group", tags: false;
    EcsCapacityProvider => "aws_ecs_capacity_provider", tags: true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_type_round_trips() {
        for k in Kind::ALL {
            assert_eq!(&Kind::from_terraform_type(k.terraform_type()), k);
        }
        assert_eq!(Kind::from_terraform_type("aws_foo"), Kind::Other("aws_foo".into()));
    }
}
