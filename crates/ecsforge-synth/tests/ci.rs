//! The `ci:` section: CodePipeline resources per service and environment, the
//! generated buildspecs and GitHub workflows (parsed back with saphyr), and
//! the GitHub OIDC trust.

use std::path::PathBuf;

use ecsforge_manifest::{Architecture, Env, Manifest, Runtime};
use ecsforge_model::{Address, InfraModel, Kind, Value};
use ecsforge_synth::ci::{self, CiFile};
use saphyr::{LoadableYamlNode, Yaml};

fn example_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("ecsforge.yaml");
    std::fs::read_to_string(path).unwrap()
}

fn load(text: &str) -> Manifest {
    ecsforge_manifest::load("ecsforge.yaml", text)
        .unwrap_or_else(|e| panic!("{}", e.render(ecsforge_manifest::Style::Plain)))
}

/// The twelve-services example with its `ci:` section replaced by GitHub Actions.
fn github_manifest() -> Manifest {
    let text = example_text("twelve-services");
    let start = text.find("\nci:\n").expect("the example has a ci section");
    let end = start + 1 + text[start + 1..].find("\n\n").unwrap();
    let replaced = format!(
        "{}\nci:\n  provider: github-actions\n  repository: shop-org/shop\n  repositories:\n    payments-api: shop-org/payments\n{}",
        &text[..start],
        &text[end..]
    );
    load(&replaced)
}

fn yaml(text: &str) -> Yaml<'_> {
    let mut docs = Yaml::load_from_str(text).unwrap_or_else(|e| panic!("generated YAML does not parse: {e}\n{text}"));
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

fn strings<'a>(node: &'a Yaml<'a>) -> Vec<&'a str> {
    node.as_vec()
        .unwrap_or_else(|| panic!("not a sequence: {node:?}"))
        .iter()
        .map(|c| c.as_str().unwrap_or_else(|| panic!("not a string: {c:?}")))
        .collect()
}

fn attr<'a>(m: &'a InfraModel, ty: &str, name: &str, key: &str) -> &'a Value {
    let r = m.get(&Address::new(ty, name)).unwrap_or_else(|| panic!("no {ty}.{name}"));
    r.get(key).unwrap_or_else(|| panic!("{ty}.{name} has no {key}"))
}

#[test]
fn every_buildspec_parses_and_runs_the_doc_003_steps() {
    let m = load(&example_text("twelve-services"));
    let files = ci::files(&m);
    assert_eq!(files.len(), m.services.len());
    let models: Vec<InfraModel> = ecsforge_synth::synth_all(&m).unwrap();
    for s in &m.services {
        let path = format!("ci/{}/buildspec.yml", s.name.value);
        let file = files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}"));
        assert!(file.contents.starts_with(ci::GENERATED_MARKER));
        let doc = yaml(&file.contents);
        assert_eq!(doc["version"].as_floating_point(), Some(0.2));
        let pre = strings(&doc["phases"]["pre_build"]["commands"]);
        let build = strings(&doc["phases"]["build"]["commands"]);
        let post = strings(&doc["phases"]["post_build"]["commands"]);
        assert_eq!(doc["phases"]["build"]["on-failure"].as_str(), Some("ABORT"));
        assert!(pre.iter().any(|c| c.starts_with("aws ecr get-login-password") && c.contains("docker login")));
        let platform = match s.architecture {
            Architecture::Arm64 => "--platform linux/arm64",
            Architecture::X86_64 => "--platform linux/amd64",
        };
        assert!(build.iter().any(|c| c.starts_with("docker buildx build") && c.contains(platform)), "{build:?}");
        assert!(
            build.iter().any(|c| c.contains("trivy") && c.contains("--exit-code 1 --severity HIGH,CRITICAL")),
            "{build:?}"
        );
        let test = match s.runtime {
            Runtime::Nodejs => "npm test",
            Runtime::Python => "python -m pytest",
        };
        assert!(build.iter().any(|c| c.starts_with("docker run") && c.ends_with(test)));
        // Scan and tests come before any push; the pushes are the three tags, never `latest`.
        for tag in ["IMAGE_TAG", "BRANCH_TAG", "ENV_TAG"] {
            assert!(post.iter().any(|c| c.contains(&format!("docker push $ECR_REPOSITORY_URL:${tag};"))), "{tag}");
        }
        assert!(!file.contents.contains(":latest"));
        if ci::release(s) == ci::Release::CodeDeploy {
            // The CodeDeployToECS inputs follow (checked in `codedeploy_buildspec_writes_the_action_inputs`).
            assert!(post.last().unwrap().ends_with("> appspec.yaml"));
            assert_eq!(
                strings(&doc["artifacts"]["files"]),
                ["imagedefinitions.json", "imageDetail.json", "taskdef.json", "appspec.yaml"]
            );
        } else {
            assert!(post.last().unwrap().ends_with("> imagedefinitions.json"));
            assert_eq!(strings(&doc["artifacts"]["files"]), ["imagedefinitions.json"]);
        }
        // The same text is embedded in every environment's CodeBuild project.
        for model in &models {
            let source = attr(model, "aws_codebuild_project", &ecsforge_synth::tf_ident(&s.name), "source");
            assert_eq!(source.as_list()[0].get("buildspec").and_then(Value::as_str), Some(file.contents.as_str()));
        }
    }
}

#[test]
fn branch_tags_are_valid_ecr_tags() {
    // Runs the generated sanitizer through a real shell when one is available.
    let Ok(sh) = which_sh() else { return };
    for (branch, expected) in [
        ("feature/PAY-12_refunds", "feature-PAY-12_refunds"),
        ("release/1.4.0", "release-1.4.0"),
        ("prod/2026-11-23", "prod-2026-11-23"),
        ("-weird/name with space", "weird-name-with-space"),
    ] {
        let out = std::process::Command::new(&sh)
            .arg("-c")
            .arg(format!("printf '%s' \"$B\" | {}", ci::SANITIZE_BRANCH))
            .env("B", branch)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), expected, "{branch}");
    }
}

fn which_sh() -> Result<PathBuf, ()> {
    ["/bin/sh", "/usr/bin/sh"].iter().map(PathBuf::from).find(|p| p.exists()).ok_or(())
}

#[test]
fn every_service_has_a_pipeline_per_environment() {
    let m = load(&example_text("twelve-services"));
    for model in ecsforge_synth::synth_all(&m).unwrap() {
        let env = Env::parse(&model.environment).unwrap();
        let pipelines: Vec<_> = model.of_kind(Kind::CodePipeline).collect();
        assert_eq!(pipelines.len(), m.services.len());
        let mut names: Vec<&str> = pipelines.iter().map(|p| p.get("name").and_then(Value::as_str).unwrap()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), m.services.len(), "pipeline names are distinct");
        for p in pipelines {
            assert_eq!(p.get("pipeline_type").and_then(Value::as_str), Some("V2"));
            let stages: Vec<&str> = p
                .get("stage")
                .unwrap()
                .as_list()
                .iter()
                .map(|s| s.get("name").and_then(Value::as_str).unwrap())
                .collect();
            let expected: &[&str] =
                if env.is_prod() { &["Source", "Build", "Approval", "Deploy"] } else { &["Source", "Build", "Deploy"] };
            assert_eq!(stages, expected, "{}", p.address);
            let trigger = &p.get("trigger").unwrap().as_list()[0];
            let push = &trigger.get("git_configuration").unwrap().as_list()[0].get("push").unwrap().as_list()[0];
            let includes = push.get("branches").unwrap().as_list()[0].get("includes").unwrap();
            assert_eq!(includes, &Value::list([Value::from(ci::branch_filter(env))]));
            let actions: Vec<&Value> =
                p.get("stage").unwrap().as_list().iter().flat_map(|s| s.get("action").unwrap().as_list()).collect();
            let deploy = actions.iter().find(|a| a.get("category").and_then(Value::as_str) == Some("Deploy")).unwrap();
            let cfg = deploy.get("configuration").unwrap();
            // CodeDeploy's pace is its deployment config (catalog-api); the ECS action times out after 15 minutes.
            if p.address.name() == "catalog_api" {
                assert_eq!(deploy.get("provider").and_then(Value::as_str), Some("CodeDeployToECS"));
            } else {
                assert_eq!(deploy.get("provider").and_then(Value::as_str), Some("ECS"));
                assert_eq!(cfg.get("DeploymentTimeout").and_then(Value::as_str), Some("15"));
            }
            if env.is_prod() {
                let approval =
                    actions.iter().find(|a| a.get("category").and_then(Value::as_str) == Some("Approval")).unwrap();
                assert_eq!(approval.get("timeout_in_minutes").and_then(Value::as_i64), Some(7 * 24 * 60));
            }
        }
        // The services keep the task definitions CI registers.
        for s in model.of_kind(Kind::EcsService) {
            assert!(s.ignore_changes.iter().any(|a| a == "task_definition"), "{}", s.address);
        }
    }
}

#[test]
fn github_actions_assumes_a_pinned_role_through_oidc() {
    let m = github_manifest();
    let models = ecsforge_synth::synth_all(&m).unwrap();
    for (i, model) in models.iter().enumerate() {
        assert_eq!(model.of_kind(Kind::CodePipeline).count(), 0);
        let providers: Vec<_> = model.of_kind(Kind::IamOpenidConnectProvider).collect();
        // One provider per account: only the first environment's root creates it.
        assert_eq!(providers.len(), usize::from(i == 0), "{}", model.environment);
        if let Some(p) = providers.first() {
            assert_eq!(p.get("url").and_then(Value::as_str), Some("https://token.actions.githubusercontent.com"));
            assert!(p.get("thumbprint_list").is_none());
        }
        for (svc, repo) in [("payments_api", "shop-org/payments"), ("cart_api", "shop-org/shop")] {
            let trust = match attr(model, "aws_iam_role", &format!("{svc}_deploy"), "assume_role_policy") {
                Value::Json(doc) => doc.as_ref().clone(),
                other => panic!("{other:?}"),
            };
            let st = &trust.get("Statement").unwrap().as_list()[0];
            assert_eq!(st.get("Action").and_then(Value::as_str), Some("sts:AssumeRoleWithWebIdentity"));
            let eq = st.get("Condition").unwrap().get("StringEquals").unwrap();
            assert_eq!(
                eq.get("token.actions.githubusercontent.com:aud").and_then(Value::as_str),
                Some("sts.amazonaws.com")
            );
            assert_eq!(
                eq.get("token.actions.githubusercontent.com:sub").and_then(Value::as_str),
                Some(format!("repo:{repo}:environment:{}", model.environment).as_str())
            );
        }
    }
    let files: Vec<CiFile> = ci::files(&m);
    assert_eq!(files.len(), m.services.len());
    let wf = files.iter().find(|f| f.path == "ci/.github/workflows/deploy-cart-api.yml").unwrap();
    let doc = yaml(&wf.contents);
    assert_eq!(strings(&doc["on"]["push"]["branches"]), ["main"]);
    let jobs = doc["jobs"].as_mapping().unwrap();
    let names: Vec<&str> = jobs.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(names, ["test", "deploy-develop", "deploy-test", "deploy-qa", "deploy-prod"]);
    let mut previous = "test";
    for env in ["develop", "test", "qa", "prod"] {
        let job = &doc["jobs"][format!("deploy-{env}").as_str()];
        assert_eq!(job["needs"].as_str(), Some(previous));
        assert_eq!(job["environment"].as_str(), Some(env));
        assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
        let steps = job["steps"].as_vec().unwrap();
        let step_names: Vec<&str> =
            steps.iter().filter_map(|s| s.as_mapping_get("name").and_then(Yaml::as_str)).collect();
        assert_eq!(step_names, ["Tags", "Build", "Scan", "Push", "Deploy", "Verify"]);
        let creds = steps
            .iter()
            .find(|s| {
                s.as_mapping_get("uses").and_then(Yaml::as_str) == Some("aws-actions/configure-aws-credentials@v4")
            })
            .unwrap();
        assert_eq!(
            creds["with"]["role-to-assume"].as_str(),
            Some(format!("arn:aws:iam::123456789012:role/shop-{env}-cart-api-gha-deploy").as_str())
        );
        assert!(!wf.contents.contains("aws-access-key-id"), "no stored keys");
        let scan = steps.iter().find(|s| s.as_mapping_get("name").and_then(Yaml::as_str) == Some("Scan")).unwrap();
        assert_eq!(scan["with"]["severity"].as_str(), Some("HIGH,CRITICAL"));
        assert_eq!(scan["with"]["exit-code"].as_str(), Some("1"));
        previous = match env {
            "develop" => "deploy-develop",
            "test" => "deploy-test",
            "qa" => "deploy-qa",
            _ => "deploy-prod",
        };
    }
    let name = models[1].get(&Address::new("aws_iam_role", "cart_api_deploy")).unwrap().get("name").cloned();
    assert_eq!(name, Some(Value::from("shop-test-cart-api-gha-deploy")));
}

#[test]
fn buildspec_snapshot() {
    let m = load(&example_text("twelve-services"));
    let files = ci::files(&m);
    let f = files.iter().find(|f| f.path == "ci/pricing-engine/buildspec.yml").unwrap();
    insta::assert_snapshot!("pricing_engine_buildspec", f.contents);
    let g = github_manifest();
    let files = ci::files(&g);
    let f = files.iter().find(|f| f.path == "ci/.github/workflows/deploy-search-api.yml").unwrap();
    insta::assert_snapshot!("search_api_workflow", f.contents);
    let f = files.iter().find(|f| f.path == "ci/.github/workflows/deploy-catalog-api.yml").unwrap();
    insta::assert_snapshot!("catalog_api_workflow", f.contents);
    let files = ci::files(&m);
    let f = files.iter().find(|f| f.path == "ci/catalog-api/buildspec.yml").unwrap();
    insta::assert_snapshot!("catalog_api_buildspec", f.contents);
}

/// The statements of an inline IAM policy document.
fn statements(policy: &Value) -> Vec<Value> {
    let Value::Json(doc) = policy else { panic!("not a policy document: {policy:?}") };
    doc.get("Statement").unwrap().as_list().to_vec()
}

fn actions(st: &Value) -> Vec<&str> {
    match st.get("Action").unwrap() {
        Value::String(a) => vec![a.as_str()],
        list => list.as_list().iter().map(|a| a.as_str().unwrap()).collect(),
    }
}

fn statement_with<'a>(sts: &'a [Value], action: &str) -> Option<&'a Value> {
    sts.iter().find(|st| actions(st).contains(&action))
}

/// Whether `v` refers to `ty.name` (directly, in a template or in a list).
fn refers(v: &Value, ty: &str, name: &str) -> bool {
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    refs.contains(&&Address::new(ty, name))
}

/// Runs `script` in `dir` through sh; `None` when the machine has no shell.
fn run_sh(dir: &std::path::Path, script: &str, env: &[(&str, &str)]) -> Option<String> {
    let sh = which_sh().ok()?;
    let out = std::process::Command::new(sh)
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

fn has_jq() -> bool {
    std::process::Command::new("jq").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn codedeploy_pipeline_deploys_through_the_deployment_group() {
    let m = load(&example_text("twelve-services"));
    for model in ecsforge_synth::synth_all(&m).unwrap() {
        let env = &model.environment;
        let p = model.get(&Address::new("aws_codepipeline", "catalog_api")).unwrap();
        let stages = p.get("stage").unwrap().as_list();
        let action_of = |stage: &str| {
            let st = stages.iter().find(|s| s.get("name").and_then(Value::as_str) == Some(stage)).unwrap();
            st.get("action").unwrap().as_list()[0].clone()
        };
        let build = action_of("Build");
        let deploy = action_of("Deploy");
        assert_eq!(deploy.get("provider").and_then(Value::as_str), Some("CodeDeployToECS"));
        let artifact = build.get("output_artifacts").unwrap().as_list()[0].as_str().unwrap().to_string();
        assert_eq!(deploy.get("input_artifacts").unwrap().as_list(), [Value::from(artifact.as_str())]);
        let cfg = deploy.get("configuration").unwrap();
        let s = |k: &str| cfg.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("{k}"));
        assert!(refers(cfg.get("ApplicationName").unwrap(), "aws_codedeploy_app", "catalog_api"));
        assert!(refers(cfg.get("DeploymentGroupName").unwrap(), "aws_codedeploy_deployment_group", "catalog_api"));
        for k in ["TaskDefinitionTemplateArtifact", "AppSpecTemplateArtifact", "Image1ArtifactName"] {
            assert_eq!(s(k), artifact, "{k}");
        }
        assert_eq!(s("TaskDefinitionTemplatePath"), "taskdef.json");
        assert_eq!(s("AppSpecTemplatePath"), "appspec.yaml");
        assert_eq!(s("Image1ContainerName"), "IMAGE1_NAME");
        assert!(cfg.get("ServiceName").is_none() && cfg.get("FileName").is_none());

        // The pipeline role starts deployments of this group only, registers
        // revisions and passes only the service's roles to ECS tasks; it no
        // longer updates the service (ECS rejects that under CODE_DEPLOY).
        let sts = statements(attr(&model, "aws_iam_role_policy", "catalog_api_pipeline", "policy"));
        let create = statement_with(&sts, "codedeploy:CreateDeployment").expect("CreateDeployment");
        assert!(refers(create.get("Resource").unwrap(), "aws_codedeploy_deployment_group", "catalog_api"));
        assert!(actions(create).contains(&"codedeploy:GetDeployment"));
        let app = statement_with(&sts, "codedeploy:RegisterApplicationRevision").expect("app statement");
        assert!(refers(app.get("Resource").unwrap(), "aws_codedeploy_app", "catalog_api"));
        let config = statement_with(&sts, "codedeploy:GetDeploymentConfig").expect("config statement");
        assert!(format!("{:?}", config.get("Resource").unwrap()).contains("deploymentconfig:"));
        assert!(statement_with(&sts, "ecs:RegisterTaskDefinition").is_some());
        assert!(statement_with(&sts, "ecs:UpdateService").is_none());
        let pass = statement_with(&sts, "iam:PassRole").expect("PassRole");
        let passed = pass.get("Condition").unwrap().get("StringEquals").unwrap().get("iam:PassedToService");
        assert_eq!(passed.and_then(Value::as_str), Some("ecs-tasks.amazonaws.com"));
        let roles = format!("{:?}", pass.get("Resource").unwrap());
        assert!(roles.contains("catalog_api_task") && roles.contains("catalog_api_execution"), "{roles}");

        // The build reads the family's latest revision to make taskdef.json.
        let build_sts = statements(attr(&model, "aws_iam_role_policy", "catalog_api_build", "policy"));
        assert!(statement_with(&build_sts, "ecs:DescribeTaskDefinition").is_some());
        let env_block = &attr(&model, "aws_codebuild_project", "catalog_api", "environment").as_list()[0];
        let family = env_block
            .get("environment_variable")
            .unwrap()
            .as_list()
            .iter()
            .find(|v| v.get("name").and_then(Value::as_str) == Some("TASK_FAMILY"))
            .and_then(|v| v.get("value").and_then(Value::as_str));
        assert_eq!(family, Some(format!("shop-{env}-catalog-api").as_str()));
        let td = model.get(&Address::new("aws_ecs_task_definition", "catalog_api")).unwrap();
        assert_eq!(td.get("family").and_then(Value::as_str), family);

        // A rolling service keeps the ECS action and no CodeDeploy permissions.
        let sts = statements(attr(&model, "aws_iam_role_policy", "cart_api_pipeline", "policy"));
        assert!(statement_with(&sts, "ecs:UpdateService").is_some());
        assert!(statement_with(&sts, "codedeploy:CreateDeployment").is_none());
        let build_sts = statements(attr(&model, "aws_iam_role_policy", "cart_api_build", "policy"));
        assert!(statement_with(&build_sts, "ecs:DescribeTaskDefinition").is_none());
    }
}

#[test]
fn codedeploy_buildspec_writes_the_action_inputs() {
    let m = load(&example_text("twelve-services"));
    let files = ci::files(&m);
    let file = files.iter().find(|f| f.path == "ci/catalog-api/buildspec.yml").unwrap();
    let doc = yaml(&file.contents);
    let post = strings(&doc["phases"]["post_build"]["commands"]);
    assert_eq!(
        strings(&doc["artifacts"]["files"]),
        ["imagedefinitions.json", "imageDetail.json", "taskdef.json", "appspec.yaml"]
    );
    let writes = |file: &str| -> String {
        post.iter()
            .find(|c| c.ends_with(&format!("> {file}")))
            .unwrap_or_else(|| panic!("nothing writes {file}"))
            .to_string()
    };
    let describe = writes("current-taskdef.json");
    assert!(describe.starts_with("aws ecs describe-task-definition --task-definition $TASK_FAMILY"), "{describe}");
    let dir = std::env::temp_dir().join(format!("ecsforge-ci-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env = [
        ("ECR_REPOSITORY_URL", "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/prod/catalog-api"),
        ("ENV_TAG", "prod-0123456789ab"),
        ("CONTAINER_NAME", "catalog-api"),
    ];
    // The commands as CodeBuild runs them, on a recorded describe-task-definition answer.
    let current = serde_json::json!({
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-prod-catalog-api:7",
        "family": "shop-prod-catalog-api",
        "revision": 7,
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "ecs.capability.execution-role-awslogs"}],
        "compatibilities": ["EC2", "FARGATE"],
        "registeredAt": "2026-11-01T10:00:00Z",
        "registeredBy": "arn:aws:sts::123456789012:assumed-role/x/y",
        "taskRoleArn": "arn:aws:iam::123456789012:role/shop-prod-catalog-api-task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/shop-prod-catalog-api-execution",
        "networkMode": "awsvpc",
        "cpu": "512",
        "memory": "1024",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": [{"name": "catalog-api", "image": "old:tag", "essential": true}],
    });
    std::fs::write(dir.join("current-taskdef.json"), current.to_string()).unwrap();
    let mut script = vec![writes("imageDetail.json"), writes("appspec.yaml")];
    if has_jq() {
        script.push(writes("taskdef.json"));
    }
    if run_sh(&dir, &script.join("\n"), &env).is_some() {
        let detail: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("imageDetail.json")).unwrap()).unwrap();
        assert_eq!(detail["ImageURI"], format!("{}:{}", env[0].1, env[1].1));
        let text = std::fs::read_to_string(dir.join("appspec.yaml")).unwrap();
        let appspec = yaml(&text);
        let target = &appspec["Resources"][0]["TargetService"];
        assert_eq!(target["Type"].as_str(), Some("AWS::ECS::Service"));
        assert_eq!(target["Properties"]["TaskDefinition"].as_str(), Some("<TASK_DEFINITION>"));
        assert_eq!(target["Properties"]["LoadBalancerInfo"]["ContainerName"].as_str(), Some("catalog-api"));
        assert_eq!(target["Properties"]["LoadBalancerInfo"]["ContainerPort"].as_integer(), Some(3000));
        assert_eq!(
            text,
            ci::appspec(m.services.iter().find(|s| s.name.value == "catalog-api").unwrap(), "<TASK_DEFINITION>")
        );
        if has_jq() {
            let td: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("taskdef.json")).unwrap()).unwrap();
            assert_eq!(td["containerDefinitions"][0]["image"], "<IMAGE1_NAME>");
            assert_eq!(td["family"], "shop-prod-catalog-api");
            assert_eq!(td["taskRoleArn"], current["taskRoleArn"]);
            for gone in [
                "taskDefinitionArn",
                "revision",
                "status",
                "requiresAttributes",
                "compatibilities",
                "registeredAt",
                "registeredBy",
            ] {
                assert!(td.get(gone).is_none(), "{gone} is read-only");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn github_actions_deploys_a_codedeploy_service_through_codedeploy() {
    let m = github_manifest();
    let files = ci::files(&m);
    let wf = files.iter().find(|f| f.path == "ci/.github/workflows/deploy-catalog-api.yml").unwrap();
    let doc = yaml(&wf.contents);
    for env in ["develop", "test", "qa", "prod"] {
        let job = &doc["jobs"][format!("deploy-{env}").as_str()];
        assert_eq!(job["env"]["CODEDEPLOY_APP"].as_str(), Some(format!("shop-{env}-catalog-api").as_str()));
        assert_eq!(job["env"]["CODEDEPLOY_GROUP"].as_str(), Some(format!("shop-{env}-catalog-api").as_str()));
        let steps = job["steps"].as_vec().unwrap();
        let step = |name: &str| {
            steps.iter().find(|s| s.as_mapping_get("name").and_then(Yaml::as_str) == Some(name)).unwrap()["run"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let deploy = step("Deploy");
        assert!(deploy.contains("aws ecs register-task-definition"), "{deploy}");
        assert!(!deploy.contains("aws ecs update-service"), "ECS rejects it under CODE_DEPLOY");
        assert!(deploy.contains("aws deploy create-deployment --application-name $CODEDEPLOY_APP --deployment-group-name $CODEDEPLOY_GROUP --revision file://revision.json"));
        let verify = step("Verify");
        assert!(
            verify.contains("aws deploy wait deployment-successful --deployment-id \"$DEPLOYMENT_ID\""),
            "{verify}"
        );
        // The AppSpec content string: run the two lines that make it.
        let lines: Vec<&str> = deploy.lines().filter(|l| l.starts_with("APPSPEC=") || l.starts_with("jq -n")).collect();
        assert_eq!(lines.len(), 2, "{deploy}");
        let dir = std::env::temp_dir().join(format!("ecsforge-gha-test-{}-{env}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let next = format!("arn:aws:ecs:us-east-1:123456789012:task-definition/shop-{env}-catalog-api:8");
        let run = run_sh(
            &dir,
            &format!(
                "{}\n{}\ncat revision.json",
                lines[0],
                if has_jq() { lines[1] } else { "printf '{}' > revision.json" }
            ),
            &[("NEXT", next.as_str()), ("CONTAINER_NAME", "catalog-api")],
        );
        if let Some(out) = run.filter(|_| has_jq()) {
            let revision: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(revision["revisionType"], "AppSpecContent");
            let content: serde_json::Value =
                serde_json::from_str(revision["appSpecContent"]["content"].as_str().unwrap()).unwrap();
            let props = &content["Resources"][0]["TargetService"]["Properties"];
            assert_eq!(content["Resources"][0]["TargetService"]["Type"], "AWS::ECS::Service");
            assert_eq!(props["TaskDefinition"], next.as_str());
            assert_eq!(props["LoadBalancerInfo"]["ContainerName"], "catalog-api");
            assert_eq!(props["LoadBalancerInfo"]["ContainerPort"], 3000);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // The deploy role may start deployments of its group, not update the service.
    for model in ecsforge_synth::synth_all(&m).unwrap() {
        let sts = statements(attr(&model, "aws_iam_role_policy", "catalog_api_deploy", "policy"));
        let create = statement_with(&sts, "codedeploy:CreateDeployment").expect("CreateDeployment");
        assert!(refers(create.get("Resource").unwrap(), "aws_codedeploy_deployment_group", "catalog_api"));
        for action in
            ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DescribeServices", "iam:PassRole"]
        {
            assert!(statement_with(&sts, action).is_some(), "{action}");
        }
        assert!(statement_with(&sts, "ecs:UpdateService").is_none());
        let rolling = statements(attr(&model, "aws_iam_role_policy", "cart_api_deploy", "policy"));
        assert!(statement_with(&rolling, "ecs:UpdateService").is_some());
        assert!(statement_with(&rolling, "codedeploy:CreateDeployment").is_none());
    }
    // Rolling services keep the ECS deployment.
    let cart = files.iter().find(|f| f.path == "ci/.github/workflows/deploy-cart-api.yml").unwrap();
    assert!(cart.contents.contains("aws ecs update-service") && !cart.contents.contains("aws deploy"));
}

/// canary-web (an ecsforge canary) with a `ci:` section.
fn canary_manifest(ci: &str) -> Manifest {
    let text = example_text("canary-web");
    load(&format!("{}\n{ci}", text.trim_end()))
}

#[test]
fn an_ecsforge_canary_is_staged_on_its_green_service() {
    let m = canary_manifest(
        "ci:\n  provider: codepipeline\n  repository: web/web\n  connection_arn: arn:aws:codeconnections:eu-central-1:123456789012:connection/0a1b2c3d-4e5f\n",
    );
    for model in ecsforge_synth::synth_all(&m).unwrap() {
        let p = model.get(&Address::new("aws_codepipeline", "web")).unwrap();
        let deploy = p
            .get("stage")
            .unwrap()
            .as_list()
            .iter()
            .flat_map(|s| s.get("action").unwrap().as_list())
            .find(|a| a.get("category").and_then(Value::as_str) == Some("Deploy"))
            .unwrap();
        assert_eq!(deploy.get("provider").and_then(Value::as_str), Some("ECS"));
        let service = deploy.get("configuration").unwrap().get("ServiceName").unwrap();
        assert!(refers(service, "aws_ecs_service", "web_green"), "{service:?}");
        let sts = statements(attr(&model, "aws_iam_role_policy", "web_pipeline", "policy"));
        let update = statement_with(&sts, "ecs:UpdateService").unwrap();
        assert!(refers(update.get("Resource").unwrap(), "aws_ecs_service", "web_green"));
        assert!(!refers(update.get("Resource").unwrap(), "aws_ecs_service", "web"), "blue is left to the rollout");
    }
    let g = canary_manifest("ci:\n  provider: github-actions\n  repository: web/web\n");
    let files = ci::files(&g);
    let doc = yaml(&files[0].contents);
    assert_eq!(doc["jobs"]["deploy-prod"]["env"]["SERVICE"].as_str(), Some("web-green"));
    for model in ecsforge_synth::synth_all(&g).unwrap() {
        let sts = statements(attr(&model, "aws_iam_role_policy", "web_deploy", "policy"));
        let update = statement_with(&sts, "ecs:UpdateService").unwrap();
        assert!(refers(update.get("Resource").unwrap(), "aws_ecs_service", "web_green"));
    }
}
