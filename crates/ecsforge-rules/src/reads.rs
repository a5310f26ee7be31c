//! Which resource types each rule reads.
//!
//! A rule that finds nothing may have found nothing to judge. On a model that
//! holds only some resource types (a live model read through the describe APIs
//! of a few services), a rule is judged only when every type it reads is among
//! the types the source could observe; the others are reported as not judged,
//! never as passed. [`judgeable`] makes that call.
//!
//! The table is written by hand; the test below keeps it honest: every
//! `Kind::X` and `"aws_*"` a rule's source names, and the types behind the
//! view helpers it calls, must be listed for that rule.

/// Terraform types read by each rule, by code. Rules that judge every
/// resource's tags (EF051, EF055) also read whatever else the model holds.
pub static READS: &[(&str, &[&str])] = &[
    ("EF002", &["aws_ecs_task_definition"]),
    (
        "EF003",
        &[
            "aws_codedeploy_deployment_group",
            "aws_ecs_service",
            "aws_lb_target_group",
            "aws_lb_target_group_attachment",
        ],
    ),
    (
        "EF005",
        &[
            "aws_cloudwatch_log_group",
            "aws_ecr_repository",
            "aws_lb",
            "aws_s3_bucket",
            "aws_s3_bucket_server_side_encryption_configuration",
            "aws_secretsmanager_secret",
        ],
    ),
    ("EF006", &["aws_lb_listener"]),
    ("EF007", &["aws_ecr_repository"]),
    (
        "EF008",
        &[
            "aws_internet_gateway",
            "aws_lb",
            "aws_nat_gateway",
            "aws_route",
            "aws_route_table",
            "aws_route_table_association",
            "aws_subnet",
        ],
    ),
    ("EF009", &["aws_cloudwatch_log_group"]),
    (
        "EF010",
        &[
            "aws_lb",
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_security_group_ingress_rule",
        ],
    ),
    ("EF011", &["aws_ecs_cluster"]),
    ("EF012", &["aws_codeconnections_connection", "aws_codepipeline", "aws_codestarconnections_connection"]),
    ("EF013", &["aws_codepipeline"]),
    ("EF014", &["aws_codebuild_project"]),
    (
        "EF015",
        &[
            "aws_codedeploy_app",
            "aws_codedeploy_deployment_group",
            "aws_codepipeline",
            "aws_ecs_service",
            "aws_lb_listener",
            "aws_lb_listener_rule",
        ],
    ),
    ("EF016", &["aws_ecs_service"]),
    ("EF018", &["aws_ecr_repository"]),
    ("EF019", &["aws_ecr_lifecycle_policy", "aws_ecr_repository"]),
    ("EF020", &["aws_ecr_registry_policy", "aws_ecr_repository_policy"]),
    ("EF022", &["aws_ecs_task_definition"]),
    ("EF023", &["aws_appautoscaling_policy", "aws_appautoscaling_target", "aws_ecs_service"]),
    ("EF024", &["aws_ecs_service", "aws_lb_listener", "aws_lb_listener_rule"]),
    ("EF025", &["aws_ecs_service"]),
    ("EF026", &["aws_ecs_task_definition"]),
    (
        "EF027",
        &[
            "aws_ecs_service",
            "aws_internet_gateway",
            "aws_nat_gateway",
            "aws_route",
            "aws_route_table",
            "aws_route_table_association",
            "aws_subnet",
        ],
    ),
    ("EF028", &["aws_ecs_task_definition"]),
    ("EF029", &["aws_cloudwatch_log_group", "aws_ecs_task_definition"]),
    ("EF030", &["aws_cloudwatch_metric_alarm", "aws_ecs_service"]),
    ("EF031", &["aws_lb", "aws_s3_bucket", "aws_s3_bucket_server_side_encryption_configuration"]),
    ("EF032", &["aws_codepipeline", "aws_codestarnotifications_notification_rule"]),
    ("EF033", &["aws_ecs_service", "aws_lb_target_group"]),
    ("EF034", &["aws_ecs_service", "aws_subnet", "aws_vpc"]),
    (
        "EF035",
        &[
            "aws_ecs_service",
            "aws_ecs_task_definition",
            "aws_lb",
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_security_group_ingress_rule",
        ],
    ),
    ("EF036", &["aws_flow_log", "aws_vpc"]),
    (
        "EF037",
        &[
            "aws_ecs_service",
            "aws_lb",
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_security_group_ingress_rule",
        ],
    ),
    ("EF038", &["aws_lb_target_group"]),
    ("EF039", &["aws_lb_listener_rule"]),
    ("EF040", &["aws_lb", "aws_lb_listener"]),
    ("EF041", &["aws_lb_target_group"]),
    (
        "EF042",
        &[
            "aws_ecs_service",
            "aws_lb",
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_security_group_ingress_rule",
        ],
    ),
    (
        "EF043",
        &[
            "aws_ecs_task_definition",
            "aws_iam_policy",
            "aws_iam_role",
            "aws_iam_role_policy",
            "aws_iam_role_policy_attachment",
        ],
    ),
    ("EF044", &["aws_ecs_task_definition"]),
    ("EF045", &["aws_secretsmanager_secret", "aws_secretsmanager_secret_rotation"]),
    (
        "EF046",
        &[
            "aws_appautoscaling_target",
            "aws_cloudwatch_log_group",
            "aws_ecs_cluster_capacity_providers",
            "aws_ecs_service",
            "aws_ecs_task_definition",
            "aws_lb",
        ],
    ),
    ("EF047", &["aws_ecs_cluster"]),
    ("EF048", &["aws_codebuild_project"]),
    ("EF049", &["aws_vpc"]),
    ("EF050", &["aws_iam_policy", "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment"]),
    ("EF051", &["aws_security_group"]),
    ("EF052", &["aws_cloudtrail"]),
    ("EF053", &["aws_cloudtrail", "aws_s3_bucket", "aws_s3_bucket_versioning"]),
    (
        "EF054",
        &["aws_iam_policy", "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_user"],
    ),
    ("EF055", &["aws_ecr_repository"]),
    ("EF056", &["aws_config_configuration_recorder", "aws_config_configuration_recorder_status"]),
    (
        "EF101",
        &[
            "aws_ecs_service",
            "aws_internet_gateway",
            "aws_nat_gateway",
            "aws_route",
            "aws_route_table",
            "aws_route_table_association",
            "aws_subnet",
            "aws_vpc_endpoint",
            "aws_vpc_endpoint_route_table_association",
        ],
    ),
    ("EF102", &["aws_vpc_endpoint"]),
    ("EF103", &["aws_vpc"]),
    (
        "EF104",
        &[
            "aws_ecs_task_definition",
            "aws_iam_policy",
            "aws_iam_role",
            "aws_iam_role_policy",
            "aws_iam_role_policy_attachment",
        ],
    ),
    ("EF105", &["aws_ecs_task_definition"]),
    (
        "EF106",
        &[
            "aws_ecs_service",
            "aws_security_group",
            "aws_security_group_rule",
            "aws_subnet",
            "aws_vpc_endpoint",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_security_group_ingress_rule",
        ],
    ),
    ("EF107", &["aws_ecs_service"]),
    (
        "EF108",
        &[
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_security_group_ingress_rule",
        ],
    ),
    ("EF109", &["aws_cloudwatch_metric_alarm", "aws_ecs_service", "aws_lb_target_group"]),
];

/// The types `code` reads, if it is a rule.
pub fn reads(code: &str) -> Option<&'static [&'static str]> {
    READS.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|(_, t)| *t)
}

/// Whether a rule can be judged on a model whose source observes only
/// `observed` types; `Err` names the first type it reads that is not observed.
pub fn judgeable(code: &str, observed: &[&str]) -> Result<(), &'static str> {
    match reads(code) {
        Some(types) => match types.iter().find(|t| !observed.contains(t)) {
            Some(t) => Err(t),
            None => Ok(()),
        },
        None => Err("(unknown rule)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The types behind view helpers, which a rule names only by calling them.
    const HELPERS: &[(&str, &[&str])] = &[
        ("sg_rules", SG),
        ("alb_security_groups", &["aws_lb"]),
        ("role_allows", IAM),
        ("Policies", IAM),
        ("iam::", IAM),
        ("default_route", ROUTES),
        ("subnet_is_public", ROUTES),
        ("topology::", ROUTES),
        ("task_definition_of", &["aws_ecs_task_definition"]),
        ("target_group_weights", &["aws_lb_listener", "aws_lb_listener_rule"]),
        ("alarm_metrics", &["aws_cloudwatch_metric_alarm"]),
        ("pipeline_actions", &["aws_codepipeline"]),
        ("inline_buildspec", &["aws_codebuild_project"]),
        ("containers(", &["aws_ecs_task_definition"]),
    ];
    const IAM: &[&str] = &["aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy"];
    const SG: &[&str] = &[
        "aws_security_group",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_security_group_rule",
    ];
    const ROUTES: &[&str] = &[
        "aws_subnet",
        "aws_route_table",
        "aws_route",
        "aws_route_table_association",
        "aws_internet_gateway",
        "aws_nat_gateway",
    ];

    fn named_types(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in source.split("Kind::").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            let kind = ecsforge_model::Kind::ALL.iter().find(|k| format!("{k:?}") == name);
            if let Some(k) = kind {
                out.push(k.terraform_type().to_string());
            }
        }
        for part in source.split("\"aws_").skip(1) {
            let name: String =
                part.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
            if part[name.len()..].starts_with('"') {
                out.push(format!("aws_{name}"));
            }
        }
        for (helper, types) in HELPERS {
            if source.contains(helper) {
                out.extend(types.iter().map(|t| t.to_string()));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn every_rule_lists_the_types_its_source_names() {
        let mut problems = Vec::new();
        for (meta, source) in crate::all_rules() {
            let Some(listed) = reads(meta.code) else {
                problems.push(format!("{} has no entry in READS", meta.code));
                continue;
            };
            for t in named_types(source) {
                if !listed.contains(&t.as_str()) {
                    problems.push(format!("{} reads {t} but READS does not list it", meta.code));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn judgeable_names_the_missing_type() {
        assert_eq!(judgeable("EF103", &["aws_vpc"]), Ok(()));
        assert_eq!(judgeable("EF030", &["aws_ecs_service"]), Err("aws_cloudwatch_metric_alarm"));
        assert_eq!(judgeable("EF999", &["aws_vpc"]), Err("(unknown rule)"));
    }
}
