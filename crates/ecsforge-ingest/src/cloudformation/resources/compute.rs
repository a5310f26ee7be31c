//! EC2 instances, CloudWatch alarms and nested stacks.

use std::collections::BTreeMap;

use ecsforge_model::Value;

use super::{Cx, Props, Put, blocks, boolish, field, id_list, numish};

pub(super) fn instance(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    for (from, to) in [
        ("ImageId", "ami"),
        ("InstanceType", "instance_type"),
        ("SubnetId", "subnet_id"),
        ("IamInstanceProfile", "iam_instance_profile"),
        // Fn::Base64 keeps the decoded text, so this is readable.
        ("UserData", "user_data"),
        ("KeyName", "key_name"),
        ("AvailabilityZone", "availability_zone"),
        ("PrivateIpAddress", "private_ip"),
    ] {
        r.put(to, p.take(from));
    }
    r.put("vpc_security_group_ids", id_list(p.take("SecurityGroupIds")));
    r.put("security_groups", id_list(p.take("SecurityGroups")));
    r.put("ebs_optimized", p.take("EbsOptimized").map(boolish));
    r.put("monitoring", p.take("Monitoring").map(boolish));
    r.put("network_interface", p.take("NetworkInterfaces").map(blocks));
}

pub(super) fn alarm(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    for (from, to) in [
        ("AlarmName", "alarm_name"),
        ("AlarmDescription", "alarm_description"),
        ("ComparisonOperator", "comparison_operator"),
        ("MetricName", "metric_name"),
        ("Namespace", "namespace"),
        ("Statistic", "statistic"),
        ("ExtendedStatistic", "extended_statistic"),
        ("Unit", "unit"),
        ("TreatMissingData", "treat_missing_data"),
        ("AlarmActions", "alarm_actions"),
        ("OKActions", "ok_actions"),
        ("InsufficientDataActions", "insufficient_data_actions"),
        ("ThresholdMetricId", "threshold_metric_id"),
        ("EvaluateLowSampleCountPercentile", "evaluate_low_sample_count_percentiles"),
    ] {
        r.put(to, p.take(from));
    }
    for (from, to) in [
        ("EvaluationPeriods", "evaluation_periods"),
        ("DatapointsToAlarm", "datapoints_to_alarm"),
        ("Period", "period"),
        ("Threshold", "threshold"),
    ] {
        r.put(to, p.take(from).map(numish));
    }
    r.put("actions_enabled", p.take("ActionsEnabled").map(boolish));
    r.put("dimensions", p.take("Dimensions").map(dimensions));
    r.put("metric_query", p.take("Metrics").map(metric_queries));
}

/// `[{Name, Value}]` → Terraform's `dimensions` map.
fn dimensions(d: Value) -> Value {
    match &d {
        Value::List(l) => {
            let mut m = BTreeMap::new();
            for x in l {
                match (field(x, "Name"), field(x, "Value")) {
                    (Some(Value::String(k)), Some(v)) => {
                        m.insert(k, v);
                    }
                    _ => return blocks(d.clone()),
                }
            }
            Value::Map(m)
        }
        _ => d,
    }
}

/// A metric-math alarm's `Metrics` → Terraform `metric_query` blocks: each
/// `MetricStat { Metric { Namespace, MetricName, Dimensions }, Period, Stat,
/// Unit }` becomes one `metric { namespace, metric_name, dimensions, period,
/// stat, unit }` block, as the provider models it.
fn metric_queries(v: Value) -> Value {
    let Value::List(queries) = &v else { return blocks(v) };
    Value::List(
        queries
            .iter()
            .map(|q| {
                let mut out = BTreeMap::new();
                for (from, to) in
                    [("Id", "id"), ("Expression", "expression"), ("Label", "label"), ("AccountId", "account_id")]
                {
                    if let Some(x) = field(q, from) {
                        out.insert(to.to_string(), x);
                    }
                }
                if let Some(x) = field(q, "ReturnData") {
                    out.insert("return_data".to_string(), boolish(x));
                }
                if let Some(x) = field(q, "Period") {
                    out.insert("period".to_string(), numish(x));
                }
                if let Some(stat) = field(q, "MetricStat") {
                    let mut m = BTreeMap::new();
                    if let Some(metric) = field(&stat, "Metric") {
                        for (from, to) in [("Namespace", "namespace"), ("MetricName", "metric_name")] {
                            if let Some(x) = field(&metric, from) {
                                m.insert(to.to_string(), x);
                            }
                        }
                        if let Some(d) = field(&metric, "Dimensions") {
                            m.insert("dimensions".to_string(), dimensions(d));
                        }
                    }
                    for (from, to) in [("Stat", "stat"), ("Unit", "unit")] {
                        if let Some(x) = field(&stat, from) {
                            m.insert(to.to_string(), x);
                        }
                    }
                    if let Some(x) = field(&stat, "Period") {
                        m.insert("period".to_string(), numish(x));
                    }
                    out.insert("metric".to_string(), Value::List(vec![Value::Map(m)]));
                }
                Value::Map(out)
            })
            .collect(),
    )
}

/// A nested stack stays opaque: its template is another file.
pub(super) fn stack(cx: &mut Cx<'_, '_>, p: &mut Props) {
    let r = cx.primary();
    r.put("template_url", p.take("TemplateURL"));
    r.put("parameters", p.take("Parameters"));
    r.put("timeout_in_minutes", p.take("TimeoutInMinutes").map(numish));
    r.put("notification_arns", p.take("NotificationARNs"));
}
