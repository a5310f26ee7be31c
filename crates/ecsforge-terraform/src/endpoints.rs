//! Sending the provider to an AWS-compatible endpoint (a local `moto_server`,
//! for instance) instead of AWS: the override file `ecsforge plan --endpoint`
//! writes next to the generated root.
//!
//! The file is a Terraform *override* file, so the generated root itself stays
//! the one that deploys to AWS, byte for byte. It:
//! * lists every provider service the model uses in the provider's `endpoints`
//!   block, plus `sts`, so that no call escapes to real AWS;
//! * turns on path-style S3 addressing (an emulator on `127.0.0.1` has no
//!   bucket subdomains) and skips the credential and metadata checks an
//!   emulator cannot answer the way AWS does. The account id is still asked
//!   of the endpoint's STS: without it the provider takes every security
//!   group reference for a cross-account one (`<account>/sg-…`), and each
//!   later plan shows it as a change;
//! * swaps the S3 state backend for local state in the root directory: an
//!   emulator's state bucket disappears with the emulator, and the run must
//!   not write to the real state bucket the manifest names.
//!
//! A resource type with no known endpoint service is an error, never a silent
//! call to AWS.

use ecsforge_model::InfraModel;
use serde_json::{Map, Value as Json};

use crate::{File, GENERATED_MARKER};

/// The override file's name. `zz_` sorts it after the user's own override files' usual names.
pub const ENDPOINT_OVERRIDE_FILE: &str = "zz_ecsforge_endpoint_override.tf.json";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "`{address}` is of type {resource_type}, whose AWS service ecsforge cannot send to a custom endpoint; hint: run without --endpoint (or aws.endpoint), or remove the resource"
    )]
    UnknownService { address: String, resource_type: String },
}

/// The provider `endpoints` key of the AWS service that manages `resource_type`.
pub fn endpoint_service(resource_type: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("aws_appautoscaling_", "applicationautoscaling"),
        ("aws_autoscaling_", "autoscaling"),
        ("aws_cloudtrail", "cloudtrail"),
        ("aws_cloudwatch_dashboard", "cloudwatch"),
        ("aws_cloudwatch_event_", "events"),
        ("aws_cloudwatch_log_", "logs"),
        ("aws_cloudwatch_metric_alarm", "cloudwatch"),
        ("aws_codebuild_", "codebuild"),
        ("aws_codeconnections_", "codeconnections"),
        ("aws_codedeploy_", "codedeploy"),
        ("aws_codepipeline", "codepipeline"),
        ("aws_codestarconnections_", "codestarconnections"),
        ("aws_codestarnotifications_", "codestarnotifications"),
        ("aws_config_", "configservice"),
        ("aws_default_security_group", "ec2"),
        ("aws_dynamodb_", "dynamodb"),
        ("aws_ecr_", "ecr"),
        ("aws_ecs_", "ecs"),
        ("aws_eip", "ec2"),
        ("aws_flow_log", "ec2"),
        ("aws_iam_", "iam"),
        ("aws_instance", "ec2"),
        ("aws_internet_gateway", "ec2"),
        ("aws_kms_", "kms"),
        ("aws_launch_template", "ec2"),
        ("aws_lb", "elbv2"),
        ("aws_nat_gateway", "ec2"),
        ("aws_network_acl", "ec2"),
        ("aws_route53_", "route53"),
        ("aws_route", "ec2"),
        ("aws_s3_", "s3"),
        ("aws_secretsmanager_", "secretsmanager"),
        ("aws_security_group", "ec2"),
        ("aws_service_discovery_", "servicediscovery"),
        ("aws_sns_", "sns"),
        ("aws_ssm_", "ssm"),
        ("aws_subnet", "ec2"),
        ("aws_vpc", "ec2"),
    ];
    PREFIXES.iter().find(|(p, _)| resource_type.starts_with(p)).map(|(_, s)| *s)
}

/// The override file that sends every service `model` uses to `endpoint`.
pub fn endpoint_override(model: &InfraModel, endpoint: &str) -> Result<File, EndpointError> {
    let mut services = std::collections::BTreeSet::from(["sts"]);
    for r in model.resources.values() {
        let t = r.address.resource_type();
        let s = endpoint_service(t)
            .ok_or_else(|| EndpointError::UnknownService { address: r.address.to_string(), resource_type: t.into() })?;
        services.insert(s);
    }
    let endpoints: Map<String, Json> = services.into_iter().map(|s| (s.to_string(), Json::from(endpoint))).collect();
    let mut aws = Map::new();
    aws.insert("endpoints".into(), Json::Array(vec![Json::Object(endpoints)]));
    aws.insert("s3_use_path_style".into(), true.into());
    aws.insert("skip_credentials_validation".into(), true.into());
    aws.insert("skip_metadata_api_check".into(), true.into());
    let doc = serde_json::json!({
        "//": GENERATED_MARKER,
        "provider": {"aws": Json::Object(aws)},
        "terraform": {"backend": {"local": {}}},
    });
    let mut contents = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    contents.push('\n');
    Ok(File { name: ENDPOINT_OVERRIDE_FILE.into(), contents })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecsforge_model::Kind;

    #[test]
    fn every_modelled_kind_has_an_endpoint_service() {
        let missing: Vec<&str> =
            Kind::ALL.iter().map(|k| k.terraform_type()).filter(|t| endpoint_service(t).is_none()).collect();
        assert_eq!(missing, Vec::<&str>::new(), "add these resource types to endpoint_service");
    }

    #[test]
    fn services_are_the_ones_the_model_uses() {
        use ecsforge_model::{Concern, Provenance, Resource};
        let mut m = InfraModel::default();
        for k in [Kind::Vpc, Kind::Subnet, Kind::EcsCluster, Kind::LbTargetGroup] {
            let r = Resource::new(k, "x", Concern::Other, Provenance::default());
            m.resources.insert(r.address.clone(), r);
        }
        let f = endpoint_override(&m, "http://127.0.0.1:5000").unwrap();
        let doc: Json = serde_json::from_str(&f.contents).unwrap();
        let eps = &doc["provider"]["aws"]["endpoints"][0];
        let keys: Vec<&str> = eps.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["ec2", "ecs", "elbv2", "sts"]);
        assert_eq!(eps["ec2"], "http://127.0.0.1:5000");
        assert_eq!(doc["terraform"]["backend"], serde_json::json!({"local": {}}));
        assert!(f.contents.contains(GENERATED_MARKER));
    }

    #[test]
    fn an_unknown_type_is_an_error_not_a_call_to_aws() {
        use ecsforge_model::{Concern, Provenance, Resource};
        let mut m = InfraModel::default();
        let r = Resource::new(Kind::Other("aws_lambda_function".into()), "f", Concern::Other, Provenance::default());
        m.resources.insert(r.address.clone(), r);
        let e = endpoint_override(&m, "http://127.0.0.1:5000").unwrap_err();
        assert!(e.to_string().contains("aws_lambda_function.f"), "{e}");
    }
}
