//! One fixture per validation error, each a copy of `fixtures/valid.yaml`
//! with one defect, and a snapshot of the rendered diagnostics.
//!
//! To add a case: copy `fixtures/valid.yaml` to `fixtures/invalid/<case>.yaml`,
//! break one thing, add `#[test] fn <case>() { check("<case>") }`, run
//! `INSTA_UPDATE=always cargo test -p ecsforge-manifest`, and read the new
//! snapshot under `tests/snapshots/` before committing it.

use std::collections::BTreeMap;
use std::path::Path;

use ecsforge_manifest::{Architecture, Capacity, Egress, Env, Runtime, ServiceType, Style, TableAccess, load};

fn fixture(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Loads `fixtures/invalid/<case>.yaml`, which must fail, and snapshots every
/// rendered diagnostic. The file is named relatively so snapshots do not
/// depend on the checkout's location.
#[track_caller]
fn check(case: &str) {
    let name = format!("fixtures/invalid/{case}.yaml");
    let text = fixture(&name);
    let err = match load(&name, &text) {
        Ok(_) => panic!("{name} loaded, but it should be invalid"),
        Err(e) => e,
    };
    let rendered = err.render(Style::Plain);
    assert!(rendered.contains(&format!("{name}:")), "no file:line:col in:\n{rendered}");
    insta::assert_snapshot!(case, rendered);
}

#[test]
fn valid_manifest_loads_with_defaults() {
    let text = fixture("fixtures/valid.yaml");
    let m = load("fixtures/valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));

    assert_eq!(m.environments.keys().copied().collect::<Vec<_>>(), [Env::Develop, Env::Prod]);
    let develop = &m.environments[&Env::Develop];
    let prod = &m.environments[&Env::Prod];
    assert_eq!((develop.egress, prod.egress), (Egress::SingleNat, Egress::NatPerAz));
    assert_eq!((develop.log_retention_days, prod.log_retention_days), (30, 90));
    assert_eq!((develop.fargate_spot_percent, prod.fargate_spot_percent), (30, 0));
    assert_eq!((develop.deletion_protection, prod.deletion_protection), (false, true));
    assert_eq!(develop.alb_allowed_cidrs, ["0.0.0.0/0".parse().unwrap()]);
    assert_eq!(m.state.key_prefix, "shop");
    assert_eq!(m.state.region, "us-east-1");
    assert_eq!(m.kafka.as_ref().map(|k| k.ports.clone()), Some(vec![9092]));

    let [orders, pricing] = &m.services[..] else { panic!("two services") };
    assert_eq!((orders.service_type, orders.runtime), (ServiceType::Public, Runtime::Nodejs));
    assert_eq!((pricing.service_type, pricing.runtime), (ServiceType::Internal, Runtime::Python));
    for s in [orders, pricing] {
        assert_eq!((s.cpu, s.memory, s.desired_count), (256, 512, 1));
        assert_eq!((s.autoscaling.min, s.autoscaling.max), (1, 3));
        assert_eq!((s.autoscaling.cpu_target, s.autoscaling.memory_target), (70, 75));
        assert_eq!(s.architecture, Architecture::Arm64);
        assert!(s.read_only_root_filesystem);
        assert_eq!(s.image_tag, "initial");
        assert_eq!(s.environment, BTreeMap::new());
    }
    assert_eq!(orders.health_check_path, "/orders/health");
    assert_eq!(pricing.health_check_path, "/health");
    assert!(pricing.kafka && !orders.kafka);
    assert_eq!(pricing.allow_from, ["orders-api"]);
    assert_eq!(orders.routing.as_ref().map(|r| r.priority), Some(None));

    // The prod override changes size only; the other fields keep the service's values.
    let r = m.resolve(prod, orders);
    assert_eq!((r.cpu, r.memory, r.desired_count, r.autoscaling_min, r.autoscaling_max), (512, 1024, 1, 1, 3));
    assert_eq!(r.image_tag, "initial");
    let r = m.resolve(develop, orders);
    assert_eq!((r.cpu, r.memory), (256, 512));
}

/// `key:` with no value (YAML null) means "not set": the default applies.
#[test]
fn null_means_absent() {
    let text = fixture("fixtures/valid.yaml")
        .replace("      orders-api:\n        cpu: 512\n        memory: 1024\n", "      orders-api:\n")
        .replace("    port: 8000\n", "    port: 8000\n    cpu:\n    health_check_path:\n    environment:\n");
    let m = load("valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    let pricing = m.service("pricing-engine").unwrap();
    assert_eq!((pricing.cpu, pricing.health_check_path.as_str()), (256, "/health"));
    assert!(m.environments[&Env::Prod].overrides.is_empty());
}

#[test]
fn examples_are_valid() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for dir in std::fs::read_dir(&examples).expect("examples/") {
        let path = dir.unwrap().path().join("ecsforge.yaml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            seen += 1;
            if let Err(e) = load("ecsforge.yaml", &text) {
                panic!("{} is invalid:\n{}", path.display(), e.render(Style::Plain));
            }
        }
    }
    assert!(seen > 0, "no examples found under {}", examples.display());
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        $(#[test] fn $case() { check(stringify!($case)) })*
    };
}

cases! {
    service_type,
    runtime,
    cpu_memory,
    cpu_memory_override,
    environment,
    missing_required,
    missing_tag_owner,
    unknown_key,
    duplicate_service,
    duplicate_route,
    duplicate_path_in_service,
    duplicate_priority,
    cidr_overlap,
    cidr_size,
    cidr_host_bits,
    cidr_public_range,
    single_az,
    az_wrong_region,
    port_range,
    name_format,
    allow_from_unknown,
    allow_from_on_public,
    allow_from_duplicate,
    routing_on_internal,
    public_without_routing,
    missing_health_check_path,
    kafka_without_section,
    kafka_section_invalid,
    secret_in_environment,
    bad_secret_arn,
    secret_arn_json_key,
    kms_alias_arn,
    aws_endpoint,
    prod_spot,
    prod_retention,
    bad_retention_value,
    autoscaling_bounds,
    autoscaling_bounds_override,
    missing_certificate,
    certificate_null,
    certificate_wrong_region,
    yaml_syntax,
    multiple_documents,
    empty_file,
    empty_document,
    account_id,
    environment_tag_set,
    reserved_tag,
    empty_tag_value,
    reserved_env_var,
    reserved_secret_name,
    port_env_mismatch,
    many_errors,
}

#[test]
fn unquoted_numbers_in_string_maps_keep_their_source_text() {
    let text = fixture("fixtures/valid.yaml").replacen(
        "    port: 8000\n",
        "    port: 8000\n    environment:\n      RATIO: 1.50\n      OCTAL: 010\n      FLAG: true\n",
        1,
    );
    assert!(text.contains("RATIO"), "fixture changed: no `port: 8000` line");
    let m = ecsforge_manifest::load("valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    let env = &m.services.iter().find(|s| !s.environment.is_empty()).expect("a service with environment").environment;
    assert_eq!(env["RATIO"], "1.50");
    assert_eq!(env["OCTAL"], "010");
    assert_eq!(env["FLAG"], "true");
}

#[test]
fn suppression_without_reason() {
    check("suppression_without_reason");
}

#[test]
fn suppressions_are_read_with_their_reason() {
    let text = fixture("fixtures/valid.yaml") + "suppress:\n  - rule: EF016\n    reason: batch jobs may restart\n";
    let m = load("valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    assert_eq!(m.suppressions.len(), 1);
    assert_eq!(m.suppressions[0].rule, "EF016");
    assert_eq!(m.suppressions[0].resource, "*");
    assert_eq!(m.suppressions[0].reason, "batch jobs may restart");
}

#[test]
fn tag_characters() {
    check("tag_characters");
}

#[test]
fn ci_connection_arn() {
    check("ci_connection_arn")
}

#[test]
fn ci_connection_wrong_region() {
    check("ci_connection_wrong_region")
}

#[test]
fn ci_connection_missing() {
    check("ci_connection_missing")
}

#[test]
fn ci_provider() {
    check("ci_provider")
}

#[test]
fn ci_repository() {
    check("ci_repository")
}

#[test]
fn ci_github_with_connection() {
    check("ci_github_with_connection")
}

// Rollout (`services[].deployment`) and `monitoring:` validation.
cases! {
    canary_codedeploy_steps,
    canary_steps_invalid,
    canary_steps_not_ending_at_100,
    canary_on_internal,
    rolling_with_steps,
    deployment_bad_values,
    canary_bad_controller,
    canary_green_name_clash,
    monitoring_bad_email,
    operator_roles_invalid,
    managed_secret_invalid,
    audit_environment_undeclared,
}

#[test]
fn security_defaults_and_settings() {
    let text = fixture("fixtures/valid.yaml");
    let m = load("fixtures/valid.yaml", &text).unwrap();
    // Audit resources default to prod; MFA delete is not declared unless the manifest says so.
    assert_eq!((m.audit_environment(), m.security.audit.mfa_delete), (Some(Env::Prod), false));
    assert!(m.security.operator_roles.is_empty());
    let without_prod = text.replace("  prod:\n    vpc_cidr: 10.40.0.0/16\n", "  qa:\n    vpc_cidr: 10.40.0.0/16\n").replace(
        "    alb:\n      certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/prod\n    services:\n      orders-api:\n        cpu: 512\n        memory: 1024\n",
        "    alb:\n      certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/prod\n",
    );
    let m = load("fixtures/valid.yaml", &without_prod).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    // Without prod, the last environment in promotion order owns them.
    assert_eq!(m.audit_environment(), Some(Env::Qa));
    let secured = text.replace(
        "environments:\n",
        "security:\n  audit: {environment: develop, mfa_delete: true}\n  operator_roles:\n    - {name: ops, trusted_principals: [\"123456789012\", \"arn:aws:iam::123456789012:role/sso\"], managed_policy_arns: [arn:aws:iam::aws:policy/ReadOnlyAccess]}\nenvironments:\n",
    ).replace(
        "    allow_from: [orders-api]\n",
        "    allow_from: [orders-api]\n    secrets:\n      DB_PASSWORD: {managed: true}\n      API_KEY: {managed: true, rotation_lambda_arn: \"arn:aws:lambda:us-east-1:123456789012:function:rotate\", rotation_days: 7}\n",
    );
    let m = load("fixtures/valid.yaml", &secured).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    assert_eq!((m.audit_environment(), m.security.audit.mfa_delete), (Some(Env::Develop), true));
    let ops = &m.security.operator_roles[0];
    assert_eq!((ops.name.as_str(), ops.mfa_max_age_seconds), ("ops", 3600));
    assert_eq!(ops.trusted_principals, ["123456789012", "arn:aws:iam::123456789012:role/sso"]);
    use ecsforge_manifest::{ManagedSecret, SecretRef};
    let secrets = &m.services[1].secrets;
    assert_eq!(
        secrets["DB_PASSWORD"],
        SecretRef::Managed(ManagedSecret { rotation_lambda_arn: None, rotation_days: 30 })
    );
    assert_eq!(
        secrets["API_KEY"],
        SecretRef::Managed(ManagedSecret {
            rotation_lambda_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:rotate".into()),
            rotation_days: 7
        })
    );
}

#[test]
fn deployment_defaults_and_canary_settings() {
    let text = fixture("fixtures/valid.yaml");
    let m = load("fixtures/valid.yaml", &text).unwrap();
    assert!(m.services.iter().all(|s| s.deployment.strategy == ecsforge_manifest::Strategy::Rolling));
    assert_eq!(m.monitoring, ecsforge_manifest::Monitoring::default());
    let canary = text.replace(
        "      paths: [\"/orders/*\"]\n",
        "      paths: [\"/orders/*\"]\n    deployment: {strategy: canary, controller: codedeploy, steps: [25, 50, 75, 100], step_minutes: 3}\n",
    ) + "monitoring: {alarm_emails: [oncall@example.com], pipeline_emails: [dev@example.com]}\n";
    let m = load("fixtures/valid.yaml", &canary).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    let d = &m.services[0].deployment;
    assert_eq!(d.strategy, ecsforge_manifest::Strategy::Canary);
    assert_eq!(d.controller, ecsforge_manifest::Controller::Codedeploy);
    assert_eq!((d.steps.as_slice(), d.step_minutes), ([25, 50, 75, 100].as_slice(), 3));
    assert_eq!(m.monitoring.alarm_emails, ["oncall@example.com"]);
    assert_eq!(m.monitoring.pipeline_emails, ["dev@example.com"]);
    // Without steps, a canary takes doc 002's 10 → 20 → 50 → 70 → 100 (ecsforge controller).
    let default = text.replace(
        "      paths: [\"/orders/*\"]\n",
        "      paths: [\"/orders/*\"]\n    deployment: {strategy: canary}\n",
    );
    let m = load("fixtures/valid.yaml", &default).unwrap();
    let d = &m.services[0].deployment;
    assert_eq!((d.steps.as_slice(), d.step_minutes), ([10, 20, 50, 70, 100].as_slice(), 1));
    assert_eq!(d.controller, ecsforge_manifest::Controller::Ecsforge);
}

#[test]
fn file_server_mount_without_section() {
    check("file_server_mount_without_section");
}

#[test]
fn file_server_invalid() {
    check("file_server_invalid");
}

#[test]
fn file_server_defaults() {
    // `file_server:` with no value declares a server with every default.
    let text = fixture("fixtures/valid.yaml") + "file_server:\n";
    let m = load("valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    let fs = m.file_server.expect("declared");
    assert_eq!(fs.instance_type, "t3.micro");
    assert_eq!(fs.volume_size_gb, 30);
    assert_eq!(fs.share_name, "share");
    assert_eq!(fs.smb_user, "smbuser");
    assert_eq!(fs.admin_password_env, "ECSFORGE_FILE_SERVER_PASSWORD");
    assert_eq!(fs.availability_zone, "us-east-1a");
    assert!(m.services.iter().all(|s| !s.mounts_file_server));

    let text = fixture("fixtures/valid.yaml")
        .replace("    allow_from: [orders-api]\n", "    allow_from: [orders-api]\n    mounts_file_server: true\n")
        + "file_server:\n  instance_type: m6i.large\n  volume_size_gb: 50\n  share_name: reports\n  smb_user: svc-files\n  admin_password_env: SMB_PASSWORD\n  availability_zone: us-east-1b\n";
    let m = load("valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    let fs = m.file_server.as_ref().expect("declared");
    assert_eq!(
        (fs.instance_type.as_str(), fs.volume_size_gb, fs.share_name.as_str(), fs.smb_user.as_str()),
        ("m6i.large", 50, "reports", "svc-files")
    );
    assert_eq!((fs.admin_password_env.as_str(), fs.availability_zone.as_str()), ("SMB_PASSWORD", "us-east-1b"));
    assert!(m.service("pricing-engine").expect("declared").mounts_file_server);
    assert!(!m.service("orders-api").expect("declared").mounts_file_server);
}

#[test]
fn tables_invalid() {
    check("tables_invalid")
}

#[test]
fn table_grant_invalid() {
    check("table_grant_invalid")
}

#[test]
fn ec2_capacity_missing() {
    check("ec2_capacity_missing")
}

#[test]
fn ec2_section_invalid() {
    check("ec2_section_invalid")
}

#[test]
fn ec2_task_does_not_fit() {
    check("ec2_task_does_not_fit")
}

#[test]
fn tables_grants_and_ec2_capacity_load_with_defaults() {
    let text = fixture("fixtures/valid.yaml").replace(
        "\nservices:\n",
        "\ntables:\n  - name: orders\n    hash_key: {name: order_id, type: S}\n    range_key: {name: created_at, type: N}\n    indexes:\n      - name: by-customer\n        hash_key: {name: customer_id, type: S}\n        range_key: {name: created_at, type: N}\ncapacity:\n  ec2:\n    instance_type: t4g.medium\nservices:\n",
    ) + "    capacity: ec2\n    tables:\n      - {name: orders, access: read}\n";
    let m = load("fixtures/valid.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render(Style::Plain)));
    let [orders] = &m.tables[..] else { panic!("one table") };
    assert_eq!(
        orders.attributes().into_iter().map(|(k, t)| format!("{k}:{}", t.as_str())).collect::<Vec<_>>(),
        ["created_at:N", "customer_id:S", "order_id:S"]
    );
    let ec2 = m.ec2.as_ref().expect("ec2");
    assert_eq!((ec2.min, ec2.max, ec2.size().task_cpu(), ec2.size().task_memory()), (1, 2, 2048, 3687));
    let [api, pricing] = &m.services[..] else { panic!("two services") };
    assert_eq!((api.capacity, pricing.capacity), (Capacity::Fargate, Capacity::Ec2));
    assert!(api.tables.is_empty());
    assert_eq!(
        pricing.tables.iter().map(|g| (g.table.as_str(), g.access)).collect::<Vec<_>>(),
        [("orders", TableAccess::Read)]
    );
    assert!(m.has_discovery());
}

#[test]
fn aws_endpoint_is_read() {
    let text = fixture("fixtures/valid.yaml") + "aws:\n  endpoint: http://127.0.0.1:5000\n";
    let m = ecsforge_manifest::load("valid.yaml", &text).expect("valid");
    assert_eq!(m.aws.endpoint.map(|e| e.value), Some("http://127.0.0.1:5000".to_string()));
    let m = ecsforge_manifest::load("valid.yaml", &fixture("fixtures/valid.yaml")).expect("valid");
    assert_eq!(m.aws.endpoint, None);
}
