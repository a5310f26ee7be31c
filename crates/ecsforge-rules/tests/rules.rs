//! Registry hygiene, clean examples, and mutation properties: a mutation of a
//! synthesized platform that breaks exactly one property makes exactly that
//! rule fire.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ecsforge_manifest::Env;
use ecsforge_model::{Address, Concern, InfraModel, Kind, Provenance, Reference, Resource, Value};
use ecsforge_rules::{REGISTRY, check};

fn example(name: &str, env: Env) -> InfraModel {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("ecsforge.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let m = ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text).unwrap();
    ecsforge_synth::synth(&m, env).unwrap()
}

#[test]
fn registry_is_well_formed() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in REGISTRY {
        assert!(codes.insert(r.meta.code), "duplicate code {}", r.meta.code);
        assert!(names.insert(r.meta.name), "duplicate name {}", r.meta.name);
        let doc = r.doc();
        assert!(
            doc.starts_with(&format!("# {} {}:", r.meta.code, r.meta.name)),
            "{} doc must start with its title:\n{doc}",
            r.meta.code
        );
        for section in
            ["**What it checks.**", "**Why it matters.**", "**Failing example.**", "**Fix.**", "NIST", "SOC-2"]
        {
            assert!(doc.contains(section), "{} doc lacks {section}", r.meta.code);
        }
        if let Some(p) = r.meta.property {
            assert!(
                doc.contains(&format!("property {p}")) || doc.contains(&format!("properties {p}")),
                "{} doc must name property {p}",
                r.meta.code
            );
        }
        assert!(!r.meta.nist.is_empty() && !r.meta.soc2.is_empty(), "{} needs NIST and SOC-2 controls", r.meta.code);
    }
}

/// The one finding synth accepts on purpose, with its reason in the model: EF045
/// on the Windows file server's SMB secret (`file_server:`), whose password is
/// the operator's and cannot rotate without changing the Windows account.
const FILE_SERVER_SECRET: &str = "aws_secretsmanager_secret.file_server_smb";

fn is_file_server_rotation(f: &ecsforge_rules::Finding) -> bool {
    f.code == "EF045" && f.address.as_str() == FILE_SERVER_SECRET && f.suppressed.is_some()
}

/// Every finding except the file server's accepted EF045.
fn findings(m: &InfraModel, extra: &[ecsforge_rules::Suppress]) -> Vec<ecsforge_rules::Finding> {
    check(m, None, extra).into_iter().filter(|f| !is_file_server_rotation(f)).collect()
}

fn counts(m: &InfraModel) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for f in check(m, None, &[]) {
        *out.entry(f.code).or_default() += 1;
    }
    out
}

#[test]
fn examples_have_only_expected_findings() {
    for (name, envs) in [
        ("ecr-private", vec![Env::Develop, Env::Prod]),
        ("twelve-services", Env::ALL.to_vec()),
        ("canary-web", vec![Env::Develop, Env::Prod]),
        ("github-actions", vec![Env::Develop, Env::Prod]),
        ("orders-ecs-ec2", vec![Env::Develop, Env::Prod]),
    ] {
        for env in envs {
            let m = example(name, env);
            // The platform is complete: nothing is found but the file server's accepted EF045.
            let mut expected = BTreeMap::new();
            if m.get(&Address(FILE_SERVER_SECRET.into())).is_some() {
                expected.insert("EF045", 1);
                assert!(check(&m, None, &[]).iter().any(is_file_server_rotation), "{name}/{env}: EF045 not suppressed");
            }
            assert_eq!(counts(&m), expected, "{name}/{env}: {:#?}", check(&m, None, &[]));
            assert!(check(&m, None, &[]).iter().all(|f| f.suppressed.is_some()), "{name}/{env}: unsuppressed findings");
        }
    }
}

/// Mutates the first resource of `kind` with `f`.
fn mutate(m: &mut InfraModel, kind: Kind, f: impl FnOnce(&mut Resource)) -> Address {
    let addr = m.of_kind(kind.clone()).next().unwrap_or_else(|| panic!("no {kind:?}")).address.clone();
    f(m.resources.get_mut(&addr).unwrap());
    addr
}

/// The resource at `type.name`, mutably.
fn res<'a>(m: &'a mut InfraModel, ty: &str, name: &str) -> &'a mut Resource {
    m.resources.get_mut(&Address::new(ty, name)).unwrap_or_else(|| panic!("no {ty}.{name}"))
}

/// Adds a copy of `type.from` named `type.to` and returns it.
fn copy<'a>(m: &'a mut InfraModel, ty: &str, from: &str, to: &str) -> &'a mut Resource {
    let mut r = res(m, ty, from).clone();
    r.address = Address::new(ty, to);
    m.resources.insert(r.address.clone(), r);
    res(m, ty, to)
}

fn add(m: &mut InfraModel, r: Resource) {
    m.insert(r).unwrap();
}

/// A resource of a type the model keeps as `Kind::Other`.
fn other(ty: &str, name: &str) -> Resource {
    Resource::new(Kind::Other(ty.into()), name, Concern::Other, Provenance::default())
}

fn set_block_field(r: &mut Resource, block: &str, key: &str, v: Value) {
    if let Some(Value::List(l)) = r.attrs.get_mut(block)
        && let Some(Value::Map(map)) = l.first_mut()
    {
        map.insert(key.into(), v);
        return;
    }
    panic!("{} has no block {block}", r.address);
}

/// The first container definition of a task definition.
fn container(r: &mut Resource) -> &mut BTreeMap<String, Value> {
    match r.attrs.get_mut("container_definitions") {
        Some(Value::Json(doc)) => match doc.as_mut() {
            Value::List(l) => match l.first_mut() {
                Some(Value::Map(c)) => c,
                _ => panic!("no container"),
            },
            _ => panic!("container_definitions is not a list"),
        },
        _ => panic!("{} has no container_definitions", r.address),
    }
}

/// The statements of a policy-document attribute.
fn statements_mut<'a>(r: &'a mut Resource, attr: &str) -> &'a mut Vec<Value> {
    match r.attrs.get_mut(attr) {
        Some(Value::Json(doc)) => match doc.as_mut() {
            Value::Map(d) => match d.get_mut("Statement") {
                Some(Value::List(st)) => st,
                _ => panic!("no Statement list"),
            },
            _ => panic!("policy is not a map"),
        },
        _ => panic!("{} has no {attr}", r.address),
    }
}

fn json(text: &str) -> Value {
    fn conv(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::List(a.into_iter().map(conv).collect()),
            serde_json::Value::Object(o) => Value::Map(o.into_iter().map(|(k, v)| (k, conv(v))).collect()),
        }
    }
    conv(serde_json::from_str(text).unwrap())
}

/// Applies `mutation` to a fresh model and asserts that it adds exactly one
/// finding code to the model's baseline, `code`, or raises `code`'s count when
/// the baseline already has it; no other code may change.
fn check_mutation(code: &str, example_name: &str, env: Env, mutation: impl FnOnce(&mut InfraModel)) {
    check_mutation_with(code, example_name, env, |_| {}, mutation);
}

/// Like [`check_mutation`], with the baseline taken after `setup` (used to
/// complete the platform first, so a rule the bare example already trips
/// is judged from a clean start).
fn check_mutation_with(
    code: &str,
    example_name: &str,
    env: Env,
    setup: impl FnOnce(&mut InfraModel),
    mutation: impl FnOnce(&mut InfraModel),
) {
    let mut m = example(example_name, env);
    setup(&mut m);
    let before = counts(&m);
    mutation(&mut m);
    let after = counts(&m);
    let changed: BTreeSet<&str> =
        before.keys().chain(after.keys()).copied().filter(|c| before.get(c) != after.get(c)).collect();
    assert_eq!(
        changed,
        BTreeSet::from([code]),
        "mutation for {code}: {before:?} → {after:?}: {:#?}",
        check(&m, None, &[])
    );
    assert!(after.get(code) > before.get(code), "mutation for {code} must add findings, not remove them");
    if std::env::var("SHOWMSG").is_ok() {
        for f in check(&m, None, &[]).iter().filter(|f| f.code == code) {
            eprintln!("{} {}: {}", f.code, f.address, f.message);
        }
    }
}

/// A success-rate alarm (doc 002) in the 2XX / requests form on every target group a service uses
/// (EF109 accepts it as well as the 5XX form synth produces).
fn add_success_alarms(m: &mut InfraModel) {
    let tgs: Vec<Address> = m
        .of_kind(Kind::EcsService)
        .filter_map(|s| {
            s.get("load_balancer").and_then(|lb| lb.as_list().first()).and_then(|b| b.get("target_group_arn"))
        })
        .filter_map(|v| v.as_ref().map(|r| r.address.clone()))
        .collect();
    let tags = m.of_kind(Kind::EcsService).next().unwrap().get("tags").cloned().unwrap();
    for tg in tgs {
        let metric = |name: &str| {
            Value::block([
                ("namespace", Value::from("AWS/ApplicationELB")),
                ("metric_name", Value::from(name)),
                ("stat", Value::from("Sum")),
                ("period", Value::from(60)),
                (
                    "dimensions",
                    Value::map([(
                        "TargetGroup",
                        Value::Ref(Reference { address: tg.clone(), attr: "arn_suffix".into() }),
                    )]),
                ),
            ])
        };
        let a =
            Resource::new(Kind::MetricAlarm, &format!("{}_success", tg.name()), Concern::Other, Provenance::default())
                .with("comparison_operator", "LessThanThreshold")
                .with("threshold", 99.5)
                .with("evaluation_periods", 2)
                .with("datapoints_to_alarm", 2)
                .with(
                    "metric_query",
                    Value::list([
                        Value::map([
                            ("id", Value::from("rate")),
                            ("expression", Value::from("100 * ok / total")),
                            ("return_data", Value::from(true)),
                        ]),
                        Value::map([("id", Value::from("ok")), ("metric", metric("HTTPCode_Target_2XX_Count"))]),
                        Value::map([("id", Value::from("total")), ("metric", metric("RequestCount"))]),
                    ]),
                )
                .with("tags", tags.clone());
        add(m, a);
    }
}

#[test]
fn bootstrap_roots_have_no_findings() {
    for name in ["ecr-private", "twelve-services", "canary-web", "github-actions"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("ecsforge.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        let m = ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text).unwrap();
        let model = ecsforge_synth::bootstrap::bootstrap(&m).unwrap();
        assert!(model.backend.is_none(), "{name}: the bootstrap root keeps local state");
        let findings = check(&model, None, &[]);
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

#[test]
fn completed_platforms_have_no_findings() {
    for (name, env) in [("ecr-private", Env::Prod), ("twelve-services", Env::Prod), ("twelve-services", Env::Develop)] {
        let m = example(name, env);
        let findings = findings(&m, &[]);
        assert!(findings.is_empty(), "{name}/{env}: {findings:#?}");
    }
}

/// A pipeline with a CodeConnections source and a CodeBuild build, and its notification rule.
fn pipeline(source_provider: &str, project: Option<&str>, notify: bool) -> Vec<Resource> {
    let source = json(&format!(
        r#"{{"name": "Source", "action": [{{"name": "Source", "category": "Source", "owner": "AWS", "provider": "{source_provider}",
            "version": "1", "output_artifacts": ["src"], "configuration": {{"ConnectionArn":
            "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d", "FullRepositoryId": "shop/orders-api", "BranchName": "main"}}}}]}}"#
    ));
    let config = match project {
        Some(p) => format!(r#"{{"ProjectName": "{p}"}}"#),
        None => "{}".into(),
    };
    let build = json(&format!(
        r#"{{"name": "Build", "action": [{{"name": "Build", "category": "Build", "owner": "AWS", "provider": "CodeBuild",
            "version": "1", "input_artifacts": ["src"], "configuration": {config}}}]}}"#
    ));
    let p = other("aws_codepipeline", "orders_api")
        .with("name", "shop-orders-api")
        .with("stage", Value::list([source, build]));
    let arn = p.attr("arn");
    let mut out = vec![p];
    if notify {
        out.push(
            other("aws_codestarnotifications_notification_rule", "orders_api")
                .with("resource", arn)
                .with("detail_type", "BASIC")
                .with("event_type_ids", Value::list([Value::from("codepipeline-pipeline-pipeline-execution-failed")]))
                .with(
                    "target",
                    Value::block([("address", Value::from("arn:aws:sns:us-east-1:123456789012:pipelines"))]),
                ),
        );
    }
    out
}

/// Doc 003's buildspec: commit SHA, environment and latest tags.
const DOC_003_BUILDSPEC: &str = "version: 0.2\nphases:\n  pre_build:\n    commands:\n      - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)\n      - IMAGE_TAG=${COMMIT_HASH:=latest}\n  build:\n    commands:\n      - docker build -t $ECR_REPOSITORY_URL:latest .\n      - docker tag $ECR_REPOSITORY_URL:latest $ECR_REPOSITORY_URL:$IMAGE_TAG\n      - docker tag $ECR_REPOSITORY_URL:latest $ECR_REPOSITORY_URL:$ENVIRONMENT-$IMAGE_TAG\n  post_build:\n    commands:\n      - docker push $ECR_REPOSITORY_URL:latest\n      - docker push $ECR_REPOSITORY_URL:$IMAGE_TAG\n      - docker push $ECR_REPOSITORY_URL:$ENVIRONMENT-$IMAGE_TAG\n";

fn codebuild(buildspec: &str) -> Resource {
    other("aws_codebuild_project", "orders_api")
        .with("name", "shop-orders-api")
        .with("source", Value::block([("type", Value::from("CODEPIPELINE")), ("buildspec", Value::from(buildspec))]))
}

fn cloudtrail(m: &InfraModel, kms: bool) -> Resource {
    let bucket = m.get(&Address::new("aws_s3_bucket", "alb_logs")).unwrap().attr("id");
    let mut t = other("aws_cloudtrail", "main").with("name", "shop").with("s3_bucket_name", bucket);
    if kms {
        t.set("kms_key_id", m.get(&Address::new("aws_kms_key", "logs")).unwrap().attr("arn"));
    }
    t
}

/// A role people (the account's users) may assume, with or without MFA.
fn people_role(m: &mut InfraModel, mfa: bool) {
    let r = copy(m, "aws_iam_role", "file_processor_task", "operator");
    r.set("name", "ecr-private-prod-operator");
    let st = statements_mut(r, "assume_role_policy");
    st.clear();
    let mut s = json(
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}"#,
    );
    if mfa && let Value::Map(map) = &mut s {
        map.insert("Condition".into(), json(r#"{"Bool": {"aws:MultiFactorAuthPresent": "true"}}"#));
    }
    st.push(s);
}

#[test]
fn each_rule_fires_on_its_mutation() {
    use Env::*;
    check_mutation("EF002", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| {
            container(r).remove("healthCheck");
        });
    });
    check_mutation("EF003", "twelve-services", Develop, |m| {
        copy(m, "aws_lb_target_group", "orders_api", "orders_api_v2").set("name", "shop-develop-orders-api-v2");
    });
    check_mutation("EF005", "ecr-private", Develop, |m| {
        res(m, "aws_cloudwatch_log_group", "file_processor").attrs.remove("kms_key_id");
    });
    check_mutation("EF006", "twelve-services", Prod, |m| {
        m.resources
            .get_mut(&Address::new("aws_lb_listener", "https"))
            .unwrap()
            .set("ssl_policy", "ELBSecurityPolicy-2016-08");
    });
    check_mutation("EF007", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrRepository, |r| {
            set_block_field(r, "image_scanning_configuration", "scan_on_push", false.into())
        });
    });
    // The ALB moved into the private subnets.
    check_mutation("EF008", "twelve-services", Prod, |m| {
        let private: Vec<Value> = m
            .of_kind(Kind::Subnet)
            .filter(|s| s.address.name().starts_with("private_"))
            .map(|s| s.attr("id"))
            .collect();
        res(m, "aws_lb", "main").set("subnets", Value::List(private));
    });
    check_mutation("EF009", "ecr-private", Prod, |m| {
        mutate(m, Kind::LogGroup, |r| r.set("retention_in_days", 30));
    });
    check_mutation("EF010", "ecr-private", Develop, |m| {
        mutate(m, Kind::SecurityGroupIngressRule, |r| {
            r.attrs.remove("referenced_security_group_id");
            r.set("cidr_ipv4", "0.0.0.0/0");
        });
    });
    check_mutation("EF011", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsCluster, |r| set_block_field(r, "setting", "value", "disabled".into()));
    });
    // Pipelines are not synthesized yet: these mutations add one.
    check_mutation("EF012", "ecr-private", Develop, |m| {
        pipeline("GitHub", Some("shop-orders-api"), true).into_iter().for_each(|r| add(m, r));
    });
    check_mutation("EF013", "ecr-private", Develop, |m| {
        pipeline("CodeStarSourceConnection", None, true).into_iter().for_each(|r| add(m, r));
    });
    check_mutation("EF014", "ecr-private", Develop, |m| {
        add(
            m,
            codebuild(
                "version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t $REPO:$ENVIRONMENT-build .\n      - docker push $REPO:$ENVIRONMENT-build\n",
            ),
        );
    });
    // A service whose pipeline is gone while the others keep theirs.
    check_mutation("EF015", "twelve-services", Prod, |m| {
        m.resources.remove(&Address::new("aws_codepipeline", "cart_api")).unwrap();
        m.resources.remove(&Address::new("aws_codestarnotifications_notification_rule", "cart_api")).unwrap();
    });
    // Two pipelines with one name.
    check_mutation("EF015", "twelve-services", Develop, |m| {
        let name = m.get(&Address::new("aws_codepipeline", "cart_api")).unwrap().get("name").unwrap().clone();
        res(m, "aws_codepipeline", "users_api").set("name", name);
    });
    // The CodeDeploy service's pipeline is gone: matched through its deployment group.
    check_mutation("EF015", "twelve-services", Prod, |m| {
        m.resources.remove(&Address::new("aws_codepipeline", "catalog_api")).unwrap();
        m.resources.remove(&Address::new("aws_codestarnotifications_notification_rule", "catalog_api")).unwrap();
    });
    check_mutation("EF016", "twelve-services", Prod, |m| {
        mutate(m, Kind::EcsService, |r| r.set("deployment_minimum_healthy_percent", 50));
    });
    check_mutation("EF018", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrRepository, |r| r.set("image_tag_mutability", "MUTABLE"));
    });
    check_mutation("EF019", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrLifecyclePolicy, |r| {
            let Some(Value::Json(doc)) = r.attrs.get_mut("policy") else { panic!("policy") };
            let Value::Map(d) = doc.as_mut() else { panic!("map") };
            let Some(Value::List(rules)) = d.get_mut("rules") else { panic!("rules") };
            for rule in rules {
                if let Value::Map(rm) = rule
                    && let Some(Value::Map(sel)) = rm.get_mut("selection")
                    && sel.get("tagStatus") == Some(&Value::from("untagged"))
                {
                    sel.insert("countNumber".into(), Value::from(30));
                }
            }
        });
    });
    check_mutation("EF020", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrRepositoryPolicy, |r| {
            statements_mut(r, "policy").push(json(
                r#"{"Sid": "PublicPull", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}"#,
            ));
        });
    });
    check_mutation("EF022", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| r.set("memory", "4096"));
    });
    check_mutation("EF023", "ecr-private", Develop, |m| {
        m.resources.retain(|a, _| a.resource_type() != "aws_appautoscaling_policy");
    });
    check_mutation("EF024", "twelve-services", Develop, |m| {
        res(m, "aws_ecs_service", "audit_worker").set("desired_count", 0);
    });
    check_mutation("EF025", "twelve-services", Develop, |m| {
        res(m, "aws_ecs_service", "cart_api").set("deployment_maximum_percent", 100);
    });
    check_mutation("EF026", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| {
            let Some(Value::List(secrets)) = container(r).get_mut("secrets") else { panic!("secrets") };
            for s in secrets {
                if let Value::Map(s) = s
                    && s.get("name") == Some(&Value::from("API_KEY"))
                {
                    s.remove("valueFrom");
                }
            }
        });
    });
    check_mutation("EF027", "twelve-services", Develop, |m| {
        mutate(m, Kind::EcsService, |r| set_block_field(r, "network_configuration", "assign_public_ip", true.into()));
    });
    check_mutation("EF028", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| r.set("network_mode", "bridge"));
    });
    // Two services writing to one log group.
    check_mutation("EF029", "twelve-services", Develop, |m| {
        let orders = m.get(&Address::new("aws_cloudwatch_log_group", "orders_api")).unwrap().attr("name");
        let c = container(res(m, "aws_ecs_task_definition", "cart_api"));
        let Some(Value::Map(lc)) = c.get_mut("logConfiguration") else { panic!("logConfiguration") };
        let Some(Value::Map(opts)) = lc.get_mut("options") else { panic!("options") };
        opts.insert("awslogs-group".into(), orders);
    });
    // Drop one synthesized alarm.
    check_mutation("EF030", "twelve-services", Prod, |m| {
        m.resources.remove(&Address::new("aws_cloudwatch_metric_alarm", "payments_api_memory_high")).unwrap();
    });
    check_mutation("EF031", "twelve-services", Prod, |m| {
        set_block_field(res(m, "aws_lb", "main"), "access_logs", "enabled", false.into());
    });
    check_mutation("EF032", "ecr-private", Develop, |m| {
        pipeline("CodeStarSourceConnection", Some("shop-orders-api"), false).into_iter().for_each(|r| add(m, r));
    });
    check_mutation("EF033", "twelve-services", Qa, |m| {
        set_block_field(res(m, "aws_lb_target_group", "users_api"), "health_check", "enabled", false.into());
    });
    check_mutation("EF034", "twelve-services", Test, |m| {
        let one = m.get(&Address::new("aws_subnet", "private_a")).unwrap().attr("id");
        set_block_field(
            res(m, "aws_ecs_service", "search_api"),
            "network_configuration",
            "subnets",
            Value::list([one]),
        );
    });
    check_mutation("EF035", "twelve-services", Prod, |m| {
        m.resources.remove(&Address::new("aws_vpc_security_group_egress_rule", "orders_api_to_kafka_9092")).unwrap();
    });
    check_mutation("EF036", "ecr-private", Develop, |m| {
        m.resources.remove(&Address::new("aws_flow_log", "main")).unwrap();
    });
    // An internal service opened to the ALB without being registered with it.
    check_mutation("EF037", "twelve-services", Develop, |m| {
        let sg = m.get(&Address::new("aws_security_group", "pricing_engine")).unwrap().attr("id");
        let r = copy(m, "aws_vpc_security_group_ingress_rule", "orders_api_from_alb", "pricing_engine_from_alb");
        r.set("security_group_id", sg);
        r.set("from_port", 8000);
        r.set("to_port", 8000);
    });
    check_mutation("EF038", "twelve-services", Develop, |m| {
        let tg = res(m, "aws_lb_target_group", "cart_api");
        let Some(Value::List(l)) = tg.attrs.get_mut("health_check") else { panic!("health_check") };
        let Some(Value::Map(hc)) = l.first_mut() else { panic!("block") };
        hc.remove("unhealthy_threshold");
    });
    check_mutation("EF039", "twelve-services", Develop, |m| {
        let cond =
            m.get(&Address::new("aws_lb_listener_rule", "catalog_api")).unwrap().get("condition").cloned().unwrap();
        res(m, "aws_lb_listener_rule", "cart_api").set("condition", cond);
    });
    check_mutation("EF040", "twelve-services", Prod, |m| {
        res(m, "aws_lb_listener", "https").set("certificate_arn", "");
    });
    check_mutation("EF041", "twelve-services", Develop, |m| {
        res(m, "aws_lb_target_group", "search_api").set("deregistration_delay", "0");
    });
    // A load-balanced service its security group no longer opens to the ALB.
    check_mutation("EF042", "twelve-services", Develop, |m| {
        m.resources.remove(&Address::new("aws_vpc_security_group_ingress_rule", "orders_api_from_alb")).unwrap();
    });
    check_mutation("EF043", "twelve-services", Develop, |m| {
        let st = statements_mut(res(m, "aws_iam_role_policy", "orders_api_task"), "policy");
        let Some(Value::Map(s)) = st.first_mut() else { panic!("statement") };
        s.insert("Resource".into(), Value::from("*"));
    });
    check_mutation("EF044", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| {
            let Some(Value::List(env)) = container(r).get_mut("environment") else { panic!("environment") };
            env.push(json(r#"{"name": "DB_PASSWORD", "value": "hunter2"}"#));
        });
    });
    check_mutation("EF045", "ecr-private", Develop, |m| {
        let key = m.get(&Address::new("aws_kms_key", "logs")).unwrap().attr("arn");
        add(m, other("aws_secretsmanager_secret", "db").with("name", "ecr-private/db").with("kms_key_id", key));
    });
    check_mutation("EF048", "ecr-private", Develop, |m| {
        add(
            m,
            codebuild(
                "version: 0.2\nphases:\n  post_build:\n    commands:\n      - docker build -t $REPO:$CODEBUILD_RESOLVED_SOURCE_VERSION .\n      - docker push $REPO:$CODEBUILD_RESOLVED_SOURCE_VERSION\n",
            ),
        );
    });
    check_mutation("EF051", "ecr-private", Develop, |m| {
        mutate(m, Kind::SecurityGroup, |r| {
            let Some(Value::Map(tags)) = r.attrs.get_mut("tags") else { panic!("tags") };
            tags.insert("Environment".into(), Value::from("prod"));
        });
    });
    // Trails added by hand (EF052 on a trail without KMS) and prod's synthesized trail.
    check_mutation("EF052", "twelve-services", Develop, |m| {
        let mut t = cloudtrail(m, false);
        t.attrs.remove("s3_bucket_name");
        add(m, t);
    });
    check_mutation("EF052", "twelve-services", Prod, |m| {
        res(m, "aws_cloudtrail", "main").attrs.remove("kms_key_id");
    });
    check_mutation("EF053", "twelve-services", Develop, |m| {
        let t = cloudtrail(m, true);
        add(m, t);
    });
    // What prod's audit bucket declares when the manifest does not say the root user enabled MFA delete.
    check_mutation("EF053", "twelve-services", Prod, |m| {
        set_block_field(
            res(m, "aws_s3_bucket_versioning", "audit"),
            "versioning_configuration",
            "mfa_delete",
            "Disabled".into(),
        );
    });
    check_mutation("EF054", "ecr-private", Prod, |m| people_role(m, false));
    // The synthesized operator role without its MFA condition.
    check_mutation("EF054", "twelve-services", Prod, |m| {
        for s in statements_mut(res(m, "aws_iam_role", "operator_read_only"), "assume_role_policy") {
            if let Value::Map(st) = s {
                st.remove("Condition");
            }
        }
    });
    check_mutation("EF055", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcrRepository, |r| {
            let Some(Value::Map(tags)) = r.attrs.get_mut("tags") else { panic!("tags") };
            tags.remove("Owner");
        });
    });
    check_mutation("EF056", "ecr-private", Prod, |m| {
        set_block_field(
            res(m, "aws_config_configuration_recorder", "main"),
            "recording_group",
            "all_supported",
            false.into(),
        );
    });
    // A root that no longer says which environment holds the account's recorder lacks one.
    check_mutation("EF056", "ecr-private", Develop, |m| m.account_resources_in = None);
    // The doc-000 outage: no NAT (endpoints-only) and the S3 endpoint loses a route table.
    check_mutation("EF101", "ecr-private", Develop, |m| {
        let s3 = m.resources.get_mut(&Address::new("aws_vpc_endpoint", "s3")).unwrap();
        if let Some(Value::List(tables)) = s3.attrs.get_mut("route_table_ids") {
            tables.pop();
        }
    });
    check_mutation("EF102", "ecr-private", Develop, |m| {
        m.resources.get_mut(&Address::new("aws_vpc_endpoint", "ecr_dkr")).unwrap().set("private_dns_enabled", false);
    });
    check_mutation("EF103", "ecr-private", Develop, |m| {
        mutate(m, Kind::Vpc, |r| r.set("enable_dns_hostnames", false));
    });
    check_mutation("EF104", "ecr-private", Develop, |m| {
        mutate(m, Kind::IamRolePolicy, |r| {
            assert!(
                r.address.name().ends_with("_execution"),
                "first role policy is an execution policy: {}",
                r.address
            );
            if let Some(Value::Json(doc)) = r.attrs.get_mut("policy")
                && let Value::Map(d) = doc.as_mut()
                && let Some(Value::List(st)) = d.get_mut("Statement")
            {
                st.retain(|s| s.get("Sid").and_then(Value::as_str) != Some("EcrPull"));
            }
        });
    });
    check_mutation("EF105", "ecr-private", Develop, |m| {
        mutate(m, Kind::EcsTaskDefinition, |r| {
            r.attrs.remove("runtime_platform");
        });
    });
    // Doc 000 "Security Group Blocking": the endpoints no longer admit the task.
    check_mutation("EF106", "ecr-private", Develop, |m| {
        m.resources
            .remove(&Address::new("aws_vpc_security_group_ingress_rule", "endpoints_from_file_processor"))
            .unwrap();
    });
    check_mutation("EF107", "twelve-services", Qa, |m| {
        mutate(m, Kind::EcsService, |r| set_block_field(r, "deployment_circuit_breaker", "rollback", false.into()));
    });
    // Doc 000's CONFIGURATION NOTICE: the same rule inline and standalone.
    check_mutation("EF108", "ecr-private", Develop, |m| {
        let sg = res(m, "aws_security_group", "file_processor");
        sg.set(
            "egress",
            Value::list([json(
                r#"{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [], "prefix_list_ids": []}"#,
            )]),
        );
        let endpoints = m.get(&Address::new("aws_security_group", "endpoints")).unwrap().attr("id");
        let sg = res(m, "aws_security_group", "file_processor");
        set_block_field(sg, "egress", "security_groups", Value::list([endpoints]));
    });
    check_mutation("EF109", "twelve-services", Develop, |m| {
        res(m, "aws_cloudwatch_metric_alarm", "users_api_success_rate").set("threshold", 95);
    });
}

/// The rules that are vacuous on synthesized platforms stay silent when the
/// resources they judge are added correctly.
#[test]
fn correct_versions_of_added_resources_pass() {
    let clean = |mutation: &dyn Fn(&mut InfraModel)| {
        let mut m = example("ecr-private", Env::Prod);
        mutation(&mut m);
        let findings = findings(&m, &[]);
        assert!(findings.is_empty(), "{findings:#?}");
    };
    // EF012, EF013, EF032: a CodeConnections source, a CodeBuild build, a notification rule.
    clean(&|m| pipeline("CodeStarSourceConnection", Some("shop-orders-api"), true).into_iter().for_each(|r| add(m, r)));
    // EF014, EF048: doc 003's buildspec; a buildspec kept in the repository cannot be judged.
    clean(&|m| add(m, codebuild(DOC_003_BUILDSPEC)));
    clean(&|m| add(m, codebuild("buildspec.yml")));
    // EF045: a rotated secret.
    clean(&|m| {
        let key = m.get(&Address::new("aws_kms_key", "logs")).unwrap().attr("arn");
        let s = other("aws_secretsmanager_secret", "db").with("name", "ecr-private/db").with("kms_key_id", key);
        let id = s.attr("id");
        add(m, s);
        add(
            m,
            other("aws_secretsmanager_secret_rotation", "db")
                .with("secret_id", id)
                .with("rotation_rules", Value::block([("automatically_after_days", Value::from(30))])),
        );
    });
    // EF054: a prod role people assume with MFA.
    clean(&|m| people_role(m, true));
    // EF109: the success rate as 2XX / requests instead of synth's 1 - 5XX / requests.
    clean(&|m| {
        m.resources.retain(|a, _| !a.name().ends_with("_success_rate"));
        add_success_alarms(m);
    });
    // EF052, EF053: an encrypted trail into a versioned bucket with MFA delete
    // (develop: prod's root already has the synthesized trail).
    let mut m = example("twelve-services", Env::Develop);
    let t = cloudtrail(&m, true);
    add(&mut m, t);
    set_block_field(
        res(&mut m, "aws_s3_bucket_versioning", "alb_logs"),
        "versioning_configuration",
        "mfa_delete",
        "Enabled".into(),
    );
    let findings = check(&m, None, &[]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn buildspec_tags_follow_assignments() {
    use ecsforge_rules::view::buildspec_pushed_tags;
    let tags = buildspec_pushed_tags(DOC_003_BUILDSPEC);
    let names: Vec<&str> = tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(names, ["$ENVIRONMENT-$IMAGE_TAG", "$IMAGE_TAG", "latest"]);
    // IMAGE_TAG=${COMMIT_HASH:=latest}, COMMIT_HASH=$(... $CODEBUILD_RESOLVED_SOURCE_VERSION ...)
    assert!(tags[1].vars.contains("CODEBUILD_RESOLVED_SOURCE_VERSION"), "{:?}", tags[1]);
    assert!(tags[0].vars.contains("ENVIRONMENT") && tags[0].vars.contains("COMMIT_HASH"));
    let buildx = buildspec_pushed_tags(
        "phases:\n  build:\n    commands:\n      - docker buildx build --push -t ${REPO}:${GIT_SHA} --tag=${REPO}:prod .\n",
    );
    assert_eq!(buildx.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(), ["${GIT_SHA}", "prod"]);
    let all = buildspec_pushed_tags(
        "phases:\n  build:\n    commands:\n      - docker tag app $REPO:$STAGE\n      - docker push --all-tags $REPO\n",
    );
    assert!(all.iter().any(|t| t.tag == "$STAGE"), "{all:?}");
    assert!(buildspec_pushed_tags("phases:\n  build:\n    commands:\n      - npm test\n").is_empty());
    // Guarded pushes (ecsforge's buildspec skips tags ECR already has).
    let guarded = buildspec_pushed_tags(
        "phases:\n  post_build:\n    commands:\n      - SHA=$CODEBUILD_RESOLVED_SOURCE_VERSION\n      - if aws ecr describe-images --image-ids imageTag=$SHA; then echo skip; else docker push $REPO:$SHA; fi\n      - aws ecr describe-images --image-ids imageTag=prod-$SHA || docker push $REPO:prod-$SHA\n",
    );
    let names: Vec<&str> = guarded.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(names, ["$SHA", "prod-$SHA"]);
    assert!(guarded[0].vars.contains("CODEBUILD_RESOLVED_SOURCE_VERSION"), "{guarded:?}");
}

/// Doc 000's DNS rules: a standalone rule to the VPC CIDR under an inline rule to 0.0.0.0/0.
#[test]
fn sg_duplicate_rules_reports_shadowed_rules() {
    let mut m = example("ecr-private", Env::Develop);
    res(&mut m, "aws_security_group", "file_processor").set(
        "egress",
        Value::list([json(r#"{"protocol": "udp", "from_port": 53, "to_port": 53, "cidr_blocks": ["0.0.0.0/0"]}"#)]),
    );
    let r = copy(&mut m, "aws_vpc_security_group_egress_rule", "file_processor_to_endpoints", "file_processor_dns");
    r.attrs.remove("referenced_security_group_id");
    r.set("ip_protocol", "udp");
    r.set("from_port", 53);
    r.set("to_port", 53);
    r.set("cidr_ipv4", "10.60.0.0/20");
    let findings = findings(&m, &[]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        (findings[0].code, findings[0].address.as_str()),
        ("EF108", "aws_vpc_security_group_egress_rule.file_processor_dns")
    );
    assert!(
        findings[0].message.contains(
            "is already allowed by egress udp port 53 to 0.0.0.0/0 (inline in aws_security_group.file_processor)"
        ),
        "{}",
        findings[0].message
    );
}

#[test]
fn environment_names_and_values_that_are_not_secrets() {
    let mut m = example("ecr-private", Env::Develop);
    mutate(&mut m, Kind::EcsTaskDefinition, |r| {
        let Some(Value::List(env)) = container(r).get_mut("environment") else { panic!("environment") };
        env.push(json(r#"{"name": "TOKEN_TTL_SECONDS", "value": "3600"}"#));
        env.push(json(r#"{"name": "TOKENIZER_MODEL", "value": "bert-base"}"#));
        env.push(json(r#"{"name": "STRIPE_API_KEY", "value": "sk_live_abc"}"#));
        env.push(json(
            r#"{"name": "DB", "value": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf"}"#,
        ));
    });
    let found: Vec<String> = findings(&m, &[]).into_iter().map(|f| format!("{} {}", f.code, f.message)).collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found.iter().all(|f| f.starts_with("EF044")));
    assert!(
        found.iter().any(|f| f.contains("`STRIPE_API_KEY`"))
            && found.iter().any(|f| f.contains("`DB` holds a secret ARN"))
    );
}

/// What is known only after apply is not judged: the rules that read these
/// attributes stay silent instead of guessing.
#[test]
fn unknown_values_are_not_judged() {
    let mut m = example("twelve-services", Env::Prod);
    res(&mut m, "aws_cloudwatch_log_group", "orders_api").set("kms_key_id", Value::Unknown);
    res(&mut m, "aws_ecr_repository", "orders_api").set("tags", Value::Unknown);
    res(&mut m, "aws_ecr_lifecycle_policy", "cart_api").set("policy", Value::Unknown);
    res(&mut m, "aws_ecs_service", "cart_api").set("desired_count", Value::Unknown);
    res(&mut m, "aws_ecs_service", "users_api").set("deployment_maximum_percent", Value::Unknown);
    res(&mut m, "aws_ecs_task_definition", "search_api").set("container_definitions", Value::Unknown);
    res(&mut m, "aws_lb_target_group", "catalog_api").set("health_check", Value::Unknown);
    res(&mut m, "aws_lb_listener_rule", "users_api").set("condition", Value::Unknown);
    res(&mut m, "aws_lb_listener", "https").set("certificate_arn", Value::Unknown);
    res(&mut m, "aws_subnet", "private_a").set("availability_zone", Value::Unknown);
    res(&mut m, "aws_vpc_security_group_egress_rule", "orders_api_to_kafka_9092").set("from_port", Value::Unknown);
    res(&mut m, "aws_vpc_security_group_ingress_rule", "endpoints_from_orders_api")
        .set("referenced_security_group_id", Value::Unknown);
    let findings = check(&m, None, &[]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn every_rule_has_a_mutation_test() {
    let src = include_str!("rules.rs");
    for r in REGISTRY {
        let plain = format!("check_mutation(\"{}\"", r.meta.code);
        let with_setup = format!("check_mutation_with(\"{}\"", r.meta.code);
        assert!(src.contains(&plain) || src.contains(&with_setup), "{} has no mutation test", r.meta.code);
    }
}

#[test]
fn suppressions_are_counted_not_hidden() {
    let mut m = example("ecr-private", Env::Develop);
    mutate(&mut m, Kind::EcrRepository, |r| r.set("image_tag_mutability", "MUTABLE"));
    let addr = m.of_kind(Kind::EcrRepository).next().unwrap().address.to_string();
    let sup = ecsforge_rules::Suppress {
        rule: "ecr-immutable-tags".into(),
        resource: addr,
        reason: "legacy tooling pushes :latest".into(),
    };
    let findings = findings(&m, &[sup]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].suppressed.as_deref(), Some("legacy tooling pushes :latest"));
}

/// EF014 and EF048 judge ecsforge's own buildspecs: their guarded pushes are
/// read, so a clean result is a real pass, not "pushes nothing".
#[test]
fn synthesized_buildspecs_push_commit_and_environment_tags() {
    use ecsforge_rules::view::{buildspec_pushed_tags, inline_buildspec};
    let m = example("twelve-services", Env::Prod);
    let projects: Vec<&Resource> = m.resources.values().filter(|r| r.kind == Kind::CodeBuildProject).collect();
    assert_eq!(projects.len(), 12);
    for p in projects {
        let spec = inline_buildspec(p).unwrap_or_else(|| panic!("{} has no inline buildspec", p.address));
        let tags = buildspec_pushed_tags(spec);
        let mut names: Vec<&str> = tags.iter().map(|t| t.tag.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["$BRANCH_TAG", "$ENV_TAG", "$IMAGE_TAG"], "{}", p.address);
        for t in &tags {
            assert!(t.vars.contains("CODEBUILD_RESOLVED_SOURCE_VERSION"), "{t:?}");
        }
        let env_tag = tags.iter().find(|t| t.tag == "$ENV_TAG").unwrap();
        assert!(env_tag.vars.contains("ENVIRONMENT"), "{env_tag:?}");
    }
}

/// A standby canary service (0 tasks, weight 0) is not judged by EF024; once
/// the listener sends it traffic, it is.
#[test]
fn standby_canary_is_judged_once_it_receives_traffic() {
    check_mutation("EF024", "canary-web", Env::Prod, |m| {
        let rule = res(m, "aws_lb_listener_rule", "web");
        let Some(Value::List(actions)) = rule.attrs.get_mut("action") else { panic!("action") };
        let Some(Value::Map(action)) = actions.first_mut() else { panic!("action block") };
        let Some(Value::List(forward)) = action.get_mut("forward") else { panic!("forward") };
        let Some(Value::Map(forward)) = forward.first_mut() else { panic!("forward block") };
        let Some(Value::List(groups)) = forward.get_mut("target_group") else { panic!("target_group") };
        let Some(Value::Map(green)) = groups.get_mut(1) else { panic!("green") };
        green.insert("weight".into(), Value::from(10));
    });
}

/// EF015 on the pipelines synth makes for canaries: a CodeDeploy action is
/// matched to its service through the deployment group, and a pipeline that
/// stages an ecsforge canary on its green service releases the blue one.
#[test]
fn ef015_matches_codedeploy_and_canary_pipelines() {
    let ef015 = |m: &InfraModel| -> Vec<String> {
        let mut found: Vec<String> =
            check(m, None, &[]).into_iter().filter(|f| f.code == "EF015").map(|f| f.address.to_string()).collect();
        found.sort();
        found
    };
    // Without the CodeDeploy match the rule could not judge the others at all.
    let mut m = example("twelve-services", Env::Develop);
    m.resources.remove(&Address::new("aws_codepipeline", "cart_api")).unwrap();
    m.resources.remove(&Address::new("aws_codepipeline", "catalog_api")).unwrap();
    assert_eq!(ef015(&m), ["aws_ecs_service.cart_api", "aws_ecs_service.catalog_api"]);

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/canary-web/ecsforge.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = format!(
        "{}\nci:\n  provider: codepipeline\n  repository: web/web\n  connection_arn: arn:aws:codeconnections:eu-central-1:123456789012:connection/0a1b2c3d-4e5f\n",
        text.trim_end()
    );
    let manifest = ecsforge_manifest::load("canary-web.yaml", &text).unwrap();
    for env in [Env::Develop, Env::Prod] {
        let mut m = ecsforge_synth::synth(&manifest, env).unwrap();
        assert!(check(&m, None, &[]).iter().all(|f| f.suppressed.is_some()), "{env}: {:#?}", check(&m, None, &[]));
        // The pipeline now deploys an unrelated name: blue is released by nothing.
        let p = res(&mut m, "aws_codepipeline", "web");
        let Some(Value::List(stages)) = p.attrs.get_mut("stage") else { panic!("stages") };
        let Some(Value::Map(deploy)) = stages.last_mut() else { panic!("deploy stage") };
        let Some(Value::List(actions)) = deploy.get_mut("action") else { panic!("actions") };
        let Some(Value::Map(action)) = actions.first_mut() else { panic!("action") };
        let Some(Value::Map(cfg)) = action.get_mut("configuration") else { panic!("configuration") };
        cfg.insert("ServiceName".into(), Value::from("web-elsewhere"));
        assert_eq!(ef015(&m), ["aws_ecs_service.web"], "{env}");
    }
}

/// EF104 reads customer managed policies attached to the execution role: the
/// execution role's inline policy moved into an attached `aws_iam_policy`
/// still grants everything (as a live account often has it); without the
/// attachment the role lacks it.
#[test]
fn ef104_reads_attached_customer_managed_policies() {
    let mut m = example("ecr-private", Env::Develop);
    let before = counts(&m);
    let inline = m
        .of_kind(Kind::IamRolePolicy)
        .find(|r| r.address.name().ends_with("_execution"))
        .expect("an execution role policy")
        .clone();
    m.resources.remove(&inline.address);
    let mut policy = Resource::new(Kind::IamPolicy, "moved", Concern::Other, Provenance::default());
    policy.set("name", "moved");
    policy.set("policy", inline.get("policy").unwrap().clone());
    add(&mut m, policy);
    let mut attachment = Resource::new(Kind::IamRolePolicyAttachment, "moved", Concern::Other, Provenance::default());
    attachment.set("role", inline.get("role").unwrap().clone());
    attachment.set(
        "policy_arn",
        Value::Ref(Reference { address: Address::new("aws_iam_policy", "moved"), attr: "arn".into() }),
    );
    add(&mut m, attachment);
    let after = counts(&m);
    assert_eq!(after.get("EF104"), before.get("EF104"), "{:#?}", check(&m, None, &[]));
    m.resources.remove(&Address::new("aws_iam_role_policy_attachment", "moved"));
    assert!(counts(&m).get("EF104") > before.get("EF104"), "without the attachment the role lacks the grants");
}
