//! Usage assumptions: what the price of a resource depends on besides its
//! configuration (GB through NAT, log GB, LCUs, build minutes, requests).
//!
//! Each key has a default. An estimate records every default it used, and the
//! renderers print them under the table, so no assumption is hidden.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// One usage key: name, default, unit, meaning.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UsageKey {
    pub key: &'static str,
    pub default: f64,
    pub unit: &'static str,
    pub meaning: &'static str,
}

const fn k(key: &'static str, default: f64, unit: &'static str, meaning: &'static str) -> UsageKey {
    UsageKey { key, default, unit, meaning }
}

/// Every usage key ecsforge understands, with its default.
pub const KEYS: &[UsageKey] = &[
    k("nat_gb", 50.0, "GB/month", "internet-bound traffic through the NAT gateways, all of them together"),
    k(
        "endpoint_gb",
        5.0,
        "GB/month per endpoint",
        "traffic through each interface endpoint (the logs endpoint carries the log ingestion instead)",
    ),
    k("log_gb", 2.0, "GB/month per log group", "CloudWatch Logs ingestion"),
    k("alb_lcu", 1.0, "LCU per load balancer", "average load balancer capacity units"),
    k("root_volume_gb", 30.0, "GB", "root EBS volume of an instance or launch template that does not state its size"),
    k("kms_requests", 10_000.0, "requests/month per key", "KMS API requests"),
    k("secret_api_calls", 10_000.0, "calls/month per secret", "Secrets Manager API calls"),
    k("ecr_gb", 2.0, "GB per repository", "ECR image storage"),
    k("codebuild_minutes", 300.0, "minutes/month per project", "CodeBuild build minutes"),
    k(
        "codepipeline_action_minutes",
        100.0,
        "minutes/month per V2 pipeline",
        "CodePipeline V2 action execution minutes",
    ),
    k("dynamodb_write_millions", 1.0, "million/month per table", "DynamoDB on-demand write request units"),
    k("dynamodb_read_millions", 5.0, "million/month per table", "DynamoDB on-demand read request units"),
    k("dynamodb_gb", 1.0, "GB per table", "DynamoDB table storage"),
    k(
        "cloudtrail_management_events",
        100_000.0,
        "events/month per trail",
        "management events (charged from the second trail on)",
    ),
    k("cloudtrail_data_events", 1_000_000.0, "events/month per trail with data events", "CloudTrail data events"),
    k("config_items", 1_000.0, "items/month per recorder", "AWS Config configuration items recorded"),
    k("config_rule_evaluations", 1_000.0, "evaluations/month per rule", "AWS Config rule evaluations"),
    k("waf_requests_millions", 1.0, "million requests/month per web ACL", "requests inspected by AWS WAF"),
    k("sns_publishes", 1_000_000.0, "publishes/month per topic", "SNS publish requests"),
    k(
        "cloud_map_instances",
        1.0,
        "instances per service",
        "instances registered in a Cloud Map service no ECS service registers with",
    ),
    k("cloud_map_dns_queries", 1_000_000.0, "queries/month per service", "Cloud Map DNS queries"),
];

/// The key's definition.
pub fn key(name: &str) -> Option<&'static UsageKey> {
    KEYS.iter().find(|k| k.key == name)
}

/// Usage values: one set for every environment plus per-environment overrides.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Usage {
    pub all: BTreeMap<String, f64>,
    pub environments: BTreeMap<String, BTreeMap<String, f64>>,
}

impl Usage {
    /// The value for one environment, if the user gave one.
    pub fn given(&self, env: &str, key: &str) -> Option<f64> {
        self.environments.get(env).and_then(|m| m.get(key)).or_else(|| self.all.get(key)).copied()
    }

    /// A copy with `key` set for every environment.
    pub fn with(&self, key: &str, value: f64) -> Usage {
        let mut u = self.clone();
        u.all.insert(key.to_string(), value);
        for m in u.environments.values_mut() {
            m.remove(key);
        }
        u
    }
}

/// A default that an estimate used because the user gave no value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DefaultUsed {
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub meaning: String,
}

/// Reads usage for one environment and remembers which defaults it used.
pub(crate) struct Reader<'a> {
    usage: &'a Usage,
    env: &'a str,
    used: BTreeSet<&'static str>,
}

impl<'a> Reader<'a> {
    pub fn new(usage: &'a Usage, env: &'a str) -> Self {
        Reader { usage, env, used: BTreeSet::new() }
    }

    pub fn get(&mut self, name: &'static str) -> f64 {
        let def = key(name).expect("usage key is declared in KEYS");
        match self.usage.given(self.env, name) {
            Some(v) => v,
            None => {
                self.used.insert(def.key);
                def.default
            }
        }
    }

    pub fn defaults(&self) -> Vec<DefaultUsed> {
        KEYS.iter()
            .filter(|k| self.used.contains(k.key))
            .map(|k| DefaultUsed {
                key: k.key.to_string(),
                value: k.default,
                unit: k.unit.to_string(),
                meaning: k.meaning.to_string(),
            })
            .collect()
    }
}
