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
        assert!(post.last().unwrap().ends_with("> imagedefinitions.json"));
        assert_eq!(strings(&doc["artifacts"]["files"]), ["imagedefinitions.json"]);
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
            assert_eq!(cfg.get("DeploymentTimeout").and_then(Value::as_str), Some("15"));
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
}
