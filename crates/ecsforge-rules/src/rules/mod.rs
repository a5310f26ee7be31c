//! The registry: every rule module, in code order. Adding a rule = adding a
//! file here and one line below.

macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every rule ecsforge knows, in code order.
        pub static REGISTRY: &[crate::Rule] = &[
            $(crate::Rule {
                meta: &$module::META,
                source: include_str!(concat!(stringify!($module), ".rs")),
                check: $module::check,
            },)*
        ];
    };
}

registry! {
    ef002_runtime_config,
    ef003_target_group_attached,
    ef005_kms_at_rest,
    ef006_alb_tls12,
    ef007_ecr_scan_on_push,
    ef008_network_segmentation,
    ef009_prod_log_retention,
    ef010_sg_open_ingress,
    ef011_container_insights,
    ef012_pipeline_codeconnections,
    ef013_pipeline_codebuild,
    ef014_image_tag_commit,
    ef015_pipeline_per_service,
    ef016_deployment_min_healthy,
    ef018_ecr_immutable_tags,
    ef019_ecr_lifecycle_untagged,
    ef020_ecr_policy_not_public,
    ef022_fargate_task_size,
    ef023_service_autoscaling,
    ef024_desired_count,
    ef025_rolling_update,
    ef026_secrets_value_from,
    ef027_service_private_subnets,
    ef028_awsvpc_network_mode,
    ef029_log_group_per_service,
    ef030_service_alarms,
    ef031_alb_access_logs,
    ef032_pipeline_notifications,
    ef033_public_health_check,
    ef034_multi_az,
    ef035_sg_service_traffic,
    ef036_vpc_flow_logs,
    ef037_public_service_load_balancer,
    ef038_target_group_health_check,
    ef039_listener_rule_unique,
    ef040_alb_https_listener,
    ef041_deregistration_delay,
    ef042_internal_service_no_load_balancer,
    ef043_task_role_secret_scope,
    ef044_secrets_not_in_environment,
    ef045_secret_rotation,
    ef048_image_tag_environment,
    ef051_environment_tag,
    ef052_cloudtrail_kms,
    ef053_cloudtrail_bucket,
    ef054_prod_people_mfa,
    ef055_compliance_tags,
    ef056_config_recorder,
    ef101_s3_gateway_endpoint,
    ef102_ecr_endpoint_private_dns,
    ef103_vpc_dns,
    ef104_execution_role_pull,
    ef105_runtime_platform,
    ef106_endpoint_sg_https,
    ef107_circuit_breaker_rollback,
    ef108_sg_duplicate_rules,
    ef109_alb_success_alarm,
}

/// Shared imports for rule files.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use crate::view::*;
    pub use crate::{Findings, RuleMeta, Severity};
    pub use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};
}
