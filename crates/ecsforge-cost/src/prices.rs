//! The price table: bundled (`prices.json`, compiled in) or a user's file in
//! the same format. All figures are USD, on-demand, without free tiers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CostError;

/// The bundled table, compiled into the binary.
pub const BUNDLED: &str = include_str!("prices.json");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// The date the figures were read from the source.
    pub as_of: String,
    /// Where the figures come from.
    pub source: String,
    /// Hours in a billing month (AWS uses 730).
    pub hours_per_month: f64,
    pub regions: BTreeMap<String, RegionPrices>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FargateRate {
    pub vcpu_hour: f64,
    pub gb_hour: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fargate {
    pub x86_64: FargateRate,
    pub arm64: FargateRate,
    pub x86_64_spot: FargateRate,
    pub arm64_spot: FargateRate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2Rate {
    pub linux: f64,
    #[serde(default)]
    pub windows: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HourAndGb {
    pub hour: f64,
    pub gb: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub az_hour: f64,
    pub gb: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LbRate {
    pub hour: f64,
    pub lcu_hour: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub application: LbRate,
    pub network: LbRate,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logs {
    pub ingest_gb: f64,
    pub storage_gb_month: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudWatch {
    pub alarm_month: f64,
    pub high_resolution_alarm_month: f64,
    pub dashboard_month: f64,
    pub composite_alarm_month: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kms {
    pub key_month: f64,
    pub per_10k_requests: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsManager {
    pub secret_month: f64,
    pub per_10k_api_calls: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrail {
    /// Management events of the second and later trails (the first copy is free).
    pub paid_management_per_100k: f64,
    pub data_per_100k: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub item: f64,
    pub rule_evaluation: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ecr {
    pub storage_gb_month: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePipeline {
    pub v1_pipeline_month: f64,
    pub v2_action_minute: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDb {
    pub write_million: f64,
    pub read_million: f64,
    pub storage_gb_month: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudMap {
    pub instance_month: f64,
    pub dns_query_million: f64,
    pub hosted_zone_month: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sns {
    pub publish_million: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waf {
    pub web_acl_month: f64,
    pub rule_month: f64,
    pub request_million: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route53 {
    pub hosted_zone_month: f64,
}

/// Every price of one region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionPrices {
    pub fargate: Fargate,
    /// Instance type → hourly on-demand price.
    pub ec2: BTreeMap<String, Ec2Rate>,
    /// Volume type → GB-month.
    pub ebs_gb_month: BTreeMap<String, f64>,
    pub nat_gateway: HourAndGb,
    pub public_ipv4_hour: f64,
    /// Per GB and direction between AZs of one region.
    pub cross_az_gb: f64,
    pub interface_endpoint: Endpoint,
    pub load_balancer: LoadBalancer,
    pub logs: Logs,
    pub cloudwatch: CloudWatch,
    pub kms: Kms,
    pub secrets_manager: SecretsManager,
    pub cloudtrail: CloudTrail,
    pub config: Config,
    pub ecr: Ecr,
    pub codepipeline: CodePipeline,
    /// Compute type (`BUILD_GENERAL1_SMALL`, or `ARM_CONTAINER/BUILD_GENERAL1_SMALL`) → per minute.
    pub codebuild_minute: BTreeMap<String, f64>,
    pub dynamodb: DynamoDb,
    pub cloud_map: CloudMap,
    pub sns: Sns,
    pub waf: Waf,
    pub route53: Route53,
}

impl Prices {
    /// The table compiled into ecsforge.
    pub fn bundled() -> Prices {
        Prices::from_json("prices.json", BUNDLED).expect("the bundled price table parses")
    }

    /// Parses a table in the bundled format; errors carry file:line:col.
    pub fn from_json(file: &str, text: &str) -> Result<Prices, CostError> {
        let p: Prices = serde_json::from_str(text).map_err(|e| CostError::Prices {
            file: file.to_string(),
            line: e.line(),
            col: e.column(),
            message: e.to_string(),
        })?;
        if p.hours_per_month <= 0.0 {
            return Err(CostError::Prices {
                file: file.to_string(),
                line: 0,
                col: 0,
                message: "hours_per_month must be positive".into(),
            });
        }
        Ok(p)
    }

    /// The prices of one region, or an error naming the regions the table has.
    pub fn region(&self, region: &str) -> Result<&RegionPrices, CostError> {
        self.regions.get(region).ok_or_else(|| CostError::UnknownRegion {
            region: region.to_string(),
            known: self.regions.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_has_the_example_regions() {
        let p = Prices::bundled();
        for r in ["us-east-1", "eu-central-1", "us-west-2", "eu-west-1"] {
            assert!(p.region(r).is_ok(), "{r}");
        }
        assert_eq!(p.hours_per_month, 730.0);
        assert!(matches!(p.region("ap-south-2"), Err(CostError::UnknownRegion { .. })));
    }

    #[test]
    fn a_typo_is_an_error_with_a_position() {
        let e = Prices::from_json("p.json", "{\n  \"as_of\": \"x\",\n  \"sorce\": 1\n}").unwrap_err();
        match e {
            CostError::Prices { line, col, .. } => assert_eq!((line, col), (3, 9)),
            other => panic!("{other:?}"),
        }
    }
}
