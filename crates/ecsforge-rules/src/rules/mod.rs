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
    ef006_alb_tls12,
    ef007_ecr_scan_on_push,
    ef009_prod_log_retention,
    ef010_sg_open_ingress,
    ef011_container_insights,
    ef016_deployment_min_healthy,
    ef018_ecr_immutable_tags,
    ef022_fargate_task_size,
    ef027_service_private_subnets,
    ef028_awsvpc_network_mode,
    ef101_s3_gateway_endpoint,
    ef102_ecr_endpoint_private_dns,
    ef103_vpc_dns,
    ef104_execution_role_pull,
    ef105_runtime_platform,
    ef107_circuit_breaker_rollback,
}

/// Shared imports for rule files.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use crate::view::*;
    pub use crate::{Findings, RuleMeta, Severity};
    pub use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};
}
