//! `*.tf.json` root modules → model: one test per conversion rule, and the
//! round trip manifest → synth → emit → ingest for every example environment.

mod terraform_support;

use ecsforge_ingest::terraform::config::ingest;
use ecsforge_model::{Address, InfraModel, Kind};
use terraform_support::{example, examples, model_diff, render, summary};

fn files(fs: &[(&str, &str)]) -> Vec<(String, String)> {
    fs.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

fn module(fs: &[(&str, &str)]) -> InfraModel {
    ingest(&files(fs)).unwrap_or_else(|e| panic!("{}", e.render(false)))
}

/// The resources every probe can refer to.
const BASE: &str = r#"{
  "resource": {
    "aws_vpc": {"main": {"cidr_block": "10.0.0.0/16"}},
    "aws_subnet": {"counted": {"count": 2, "vpc_id": "${aws_vpc.main.id}", "cidr_block": "10.0.${count.index}.0/24"}},
    "aws_ecr_repository": {
      "x": {"name": "x"},
      "many": {"for_each": {"a": "a"}, "name": "${each.key}"}
    }
  }
}"#;

/// Ingests `aws_probe.p` with one attribute `name` = `json` (next to [`BASE`])
/// and checks the rendered value of that attribute.
fn check(name: &str, json: &str, expected: &str) {
    let probe = format!(r#"{{"resource": {{"aws_probe": {{"p": {{"{name}": {json}}}}}}}}}"#);
    let m = module(&[("base.tf.json", BASE), ("probe.tf.json", &probe)]);
    let r = &m.resources[&Address("aws_probe.p".into())];
    assert_eq!(render(&r.attrs[name]), expected, "{name} = {json}");
}

#[test]
fn literals_keep_their_type_and_shape() {
    check("n", "42", "42");
    check("f", "0.5", "0.5");
    check("b", "true", "true");
    check("z", "null", "null");
    check("s", r#""plain $ and % and { }""#, r#""plain $ and % and { }""#);
    check("tags", r#"{"Name": "a", "Team": "b"}"#, r#"{Name: "a", Team: "b"}"#);
    check(
        "ingress",
        r#"[{"from_port": 443, "cidr_blocks": ["10.0.0.0/8"]}]"#,
        r#"[{cidr_blocks: ["10.0.0.0/8"], from_port: 443}]"#,
    );
}

#[test]
fn escapes_are_the_inverse_of_the_emitter() {
    check("s", r#""$${not.a.ref} and %%{not-a-directive}""#, r#""${not.a.ref} and %{not-a-directive}""#);
    check("s", r#""$$${x}""#, r#""$${x}""#);
    for s in ["${x}", "%{y}", "a $${b} %%{c} $$${d}", "$", "%%", "{}"] {
        let escaped = serde_json::to_string(&ecsforge_terraform::escape_template(s)).unwrap();
        check("s", &escaped, &serde_json::to_string(s).unwrap());
    }
}

#[test]
fn a_lone_interpolation_of_a_resource_attribute_is_a_reference() {
    check("vpc_id", r#""${aws_vpc.main.id}""#, "${aws_vpc.main.id}");
    check("vpc_id", r#""${ aws_vpc.main.id }""#, "${aws_vpc.main.id}");
    check("url", r#""${aws_ecr_repository.x.repository_url}""#, "${aws_ecr_repository.x.repository_url}");
    check("list", r#"["${aws_vpc.main.id}", "lit"]"#, r#"[${aws_vpc.main.id}, "lit"]"#);
    check("map", r#"{"k": "${aws_vpc.main.arn}"}"#, "{k: ${aws_vpc.main.arn}}");
}

#[test]
fn literal_text_with_references_is_a_template() {
    check(
        "image",
        r#""${aws_ecr_repository.x.repository_url}:v1""#,
        r#"tmpl"${aws_ecr_repository.x.repository_url}:v1""#,
    );
    check(
        "resource_id",
        r#""service/${aws_vpc.main.id}/$${lit}/${aws_ecr_repository.x.name}""#,
        r#"tmpl"service/${aws_vpc.main.id}/${lit}/${aws_ecr_repository.x.name}""#,
    );
}

#[test]
fn other_interpolations_are_unknown() {
    for expr in [
        "${var.tag}",
        "${local.name}",
        "${data.aws_caller_identity.current.account_id}",
        "${upper(aws_vpc.main.id)}",
        "${aws_vpc.main.id}-${var.suffix}",
        "%{ if true }x%{ endif }",
        "${aws_vpc.main}",
        "${module.net.vpc_id}",
    ] {
        check("s", &serde_json::to_string(expr).unwrap(), "(unknown)");
    }
}

#[test]
fn references_must_land_on_exactly_one_defined_resource() {
    // Not defined in the module.
    check("s", r#""${aws_vpc.missing.id}""#, "(unknown)");
    // `count` and `for_each` resources have several instances: never guessed.
    check("s", r#""${aws_subnet.counted[0].id}""#, "(unknown)");
    check("s", r#""${aws_subnet.counted.id}""#, "(unknown)");
    check("s", r#""${aws_ecr_repository.many[\"a\"].arn}""#, "(unknown)");
    // Inside a list, only the unresolvable element is unknown.
    check("subnets", r#"["${aws_subnet.counted[0].id}", "${aws_vpc.main.id}"]"#, "[(unknown), ${aws_vpc.main.id}]");
}

#[test]
fn json_document_attributes_are_parsed_then_read_as_templates() {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": "${aws_ecr_repository.x.arn}", "Action": "ecr:*",
                       "Condition": {"StringLike": {"k": "$${aws:username}/${aws_vpc.main.id}"}}}]
    })
    .to_string();
    let expected = r#"json({Statement: [{Action: "ecr:*", Condition: {StringLike: {k: tmpl"${aws:username}/${aws_vpc.main.id}"}}, Effect: "Allow", Resource: ${aws_ecr_repository.x.arn}}], Version: "2012-10-17"})"#;
    for name in ["policy", "assume_role_policy", "access_policies", "inline_policy_json", "bucket_policy", "x_json"] {
        check(name, &serde_json::to_string(&policy).unwrap(), expected);
    }
    check("container_definitions", r#""[{\"name\":\"app\",\"cpu\":256}]""#, r#"json([{cpu: 256, name: "app"}])"#);
    // A document attribute nested in a block.
    check(
        "inline_policy",
        &format!(r#"[{{"name": "p", "policy": {}}}]"#, serde_json::to_string(&policy).unwrap()),
        &format!(r#"[{{name: "p", policy: {expected}}}]"#),
    );
    // Not JSON, or not a document: the ordinary string rules.
    check("policy", r#""${data.aws_iam_policy_document.x.json}""#, "(unknown)");
    check("policy", r#""arn:aws:iam::aws:policy/ReadOnlyAccess""#, r#""arn:aws:iam::aws:policy/ReadOnlyAccess""#);
    check("policy", r#""{not json""#, r#""{not json""#);
    check("policy", r#""42""#, r#""42""#);
    // Other attribute names keep JSON text as a string.
    check("description", r#""{\"a\":1}""#, r#""{\"a\":1}""#);
}

#[test]
fn meta_arguments_go_to_their_model_fields() {
    let m = module(&[(
        "main.tf.json",
        r#"{
  "//": "a comment",
  "resource": {
    "//": "a comment",
    "aws_vpc": {"//": "a comment", "main": {"cidr_block": "10.0.0.0/16"}},
    "aws_ecs_cluster": {"c": {"name": "c"}},
    "aws_ecs_service": {
      "s": {
        "//": "a comment",
        "name": "s",
        "cluster": "${aws_ecs_cluster.c.id}",
        "depends_on": ["aws_vpc.main", "aws_ecs_cluster.c", "data.aws_region.r", "module.m", "aws_vpc.main"],
        "lifecycle": {"ignore_changes": ["desired_count", "task_definition"], "create_before_destroy": true},
        "provider": "aws.west",
        "count": 1,
        "dynamic": {"load_balancer": {"for_each": "${var.lbs}", "content": {"container_port": 80}}}
      }
    }
  }
}"#,
    )]);
    let s = &m.resources[&Address("aws_ecs_service.s".into())];
    assert_eq!(s.kind, Kind::EcsService);
    assert_eq!(s.depends_on, vec![Address("aws_vpc.main".into()), Address("aws_ecs_cluster.c".into())]);
    assert_eq!(s.ignore_changes, vec!["desired_count".to_string(), "task_definition".to_string()]);
    let keys: Vec<&str> = s.attrs.keys().map(String::as_str).collect();
    assert_eq!(keys, ["cluster", "load_balancer", "name"]);
    assert_eq!(render(&s.attrs["load_balancer"]), "(unknown)");
    assert_eq!(m.resources.len(), 3);
}

#[test]
fn module_settings_outputs_and_provenance() {
    let main = r#"{
  "terraform": {"backend": {"s3": {"bucket": "b", "key": "k/terraform.tfstate", "region": "eu-west-1", "dynamodb_table": "locks", "encrypt": true}}},
  "provider": {"aws": [{"region": "us-west-2", "alias": "west"}, {"region": "eu-central-1"}]},
  "output": {
    "//": "comment",
    "vpc_id": {"value": "${aws_vpc.main.id}", "description": "the VPC"},
    "name": {"value": "lit $${x}"},
    "var": {"value": "${var.x}"}
  }
}
"#;
    let network = "{\n  \"resource\": {\n    \"aws_vpc\": {\n      \"main\": {\"cidr_block\": \"10.0.0.0/16\", \"tags\": {\"Environment\": \"prod\", \"Project\": \"p\"}},\n      \"é/~\": {\"tags\": {\"Environment\": \"prod\"}}\n    }\n  }\n}\n";
    let m = module(&[("main.tf.json", main), ("dir/network.tf.json", network)]);
    insta::assert_snapshot!(summary(&m), @r#"
    aws_vpc.main  [Vpc] dir/network.tf.json:4:15 /resource/aws_vpc/main
        cidr_block = "10.0.0.0/16"
        tags = {Environment: "prod", Project: "p"}
    aws_vpc.é/~  [Vpc] dir/network.tf.json:5:14 /resource/aws_vpc/é~1~0
        tags = {Environment: "prod"}
    project="p" environment="prod" region="eu-central-1" account_id=""
    backend s3 b k/terraform.tfstate eu-west-1 locks
    output name = "lit ${x}" ()
    output var = (unknown) ()
    output vpc_id = ${aws_vpc.main.id} (the VPC)
    "#);
}

#[test]
fn blocks_may_be_written_as_arrays() {
    let m = module(&[(
        "main.tf.json",
        r#"{"resource": [{"aws_vpc": [{"a": {"cidr_block": "10.0.0.0/16"}}, {"b": [{"cidr_block": "10.1.0.0/16"}]}]}]}"#,
    )]);
    let got: Vec<String> = m.resources.values().map(|r| format!("{} {}", r.address, r.provenance.pointer)).collect();
    assert_eq!(got, ["aws_vpc.a /resource/0/aws_vpc/0/a", "aws_vpc.b /resource/0/aws_vpc/1/b"]);
}

#[test]
fn override_files_are_merged_last() {
    let m = module(&[
        (
            "zz_override.tf.json",
            r#"{"terraform": {"backend": {"local": {}}}, "resource": {"aws_vpc": {"main": {"cidr_block": "10.9.0.0/16", "lifecycle": {"ignore_changes": ["tags"]}}}}, "provider": {"aws": {"region": "us-east-1"}}}"#,
        ),
        (
            "main.tf.json",
            r#"{"terraform": {"backend": {"s3": {"bucket": "b"}}}, "provider": {"aws": {"region": "eu-west-1"}}, "resource": {"aws_vpc": {"main": {"cidr_block": "10.0.0.0/16", "enable_dns_support": true}}}}"#,
        ),
    ]);
    let vpc = &m.resources[&Address("aws_vpc.main".into())];
    assert_eq!(render(&vpc.attrs["cidr_block"]), r#""10.9.0.0/16""#);
    assert_eq!(render(&vpc.attrs["enable_dns_support"]), "true");
    assert_eq!(vpc.ignore_changes, ["tags"]);
    assert_eq!(vpc.provenance.file, "main.tf.json");
    assert_eq!(m.region, "us-east-1");
    assert_eq!(m.backend, None);
}

fn error(fs: &[(&str, &str)]) -> String {
    match ingest(&files(fs)) {
        Ok(_) => panic!("expected an error"),
        Err(e) => format!("{e}\n\n{}", e.render(false)),
    }
}

#[test]
fn errors_point_at_the_file_line_and_column() {
    insta::assert_snapshot!(
        "config_invalid_json",
        error(&[
            ("a.tf.json", "{}"),
            (
                "b.tf.json",
                "{\n  \"resource\": {\n    \"aws_vpc\": {\"main\": {\"cidr_block\": \"10.0.0.0/16\",}}\n  }\n}\n"
            )
        ])
    );
    insta::assert_snapshot!(
        "config_truncated",
        error(&[("a.tf.json", "{\n  \"resource\": {\n    \"aws_vpc\": {\"main\": {")])
    );
    insta::assert_snapshot!("config_not_an_object", error(&[("a.tf.json", "\n[1, 2]\n")]));
    insta::assert_snapshot!(
        "config_duplicate_resource",
        error(&[
            ("a.tf.json", "{\"resource\": {\"aws_vpc\": {\"main\": {}}}}\n"),
            ("b.tf.json", "{\n  \"resource\": {\"aws_vpc\": {\n    \"main\": {}\n  }}\n}\n")
        ])
    );
    insta::assert_snapshot!(
        "config_unknown_dependency",
        error(&[("a.tf.json", "{\"resource\": {\"aws_vpc\": {\"main\": {\"depends_on\": [\"aws_kms_key.k\"]}}}}\n")])
    );
    insta::assert_snapshot!(
        "config_override_without_base",
        error(&[("a_override.tf.json", "{\"resource\": {\"aws_vpc\": {\"main\": {}}}}\n")])
    );
    insta::assert_snapshot!(
        "config_resource_not_an_object",
        error(&[("a.tf.json", "{\"resource\": {\"aws_vpc\": {\"main\": \"x\"}}}\n")])
    );
}

/// The key test: for every example and environment, the model ingested from
/// the emitted Terraform equals the synthesized one.
#[test]
fn examples_round_trip_through_emitted_terraform() {
    let mut report = Vec::new();
    let mut checked = 0;
    for name in examples() {
        let manifest = example(&name);
        for synthesized in ecsforge_synth::synth_all(&manifest).expect("synth") {
            let emitted = ecsforge_terraform::emit(&synthesized).expect("emit");
            let fs: Vec<(String, String)> = emitted.iter().map(|f| (f.name.clone(), f.contents.clone())).collect();
            let ingested =
                ingest(&fs).unwrap_or_else(|e| panic!("{name}/{}: {}", synthesized.environment, e.render(false)));
            for d in model_diff(&synthesized, &ingested) {
                report.push(format!("{name}/{}: {d}", synthesized.environment));
            }
            // Every resource points back into the emitted files.
            for r in ingested.resources.values() {
                let p = &r.provenance;
                let file =
                    fs.iter().find(|(n, _)| *n == p.file).unwrap_or_else(|| panic!("{}: file {}", r.address, p.file));
                let line = file.1.lines().nth(p.line as usize - 1).unwrap();
                let key = format!("\"{}\": {{", r.address.name());
                assert!(line.trim_start().starts_with(&key), "{}: line {} is {line:?}", r.address, p.line);
                assert_eq!(line.chars().nth(p.col as usize - 1), Some('{'), "{}: col {}", r.address, p.col);
                assert_eq!(p.pointer, format!("/resource/{}/{}", r.address.resource_type(), r.address.name()));
            }
            assert!(ingested.check_references().is_ok());
            assert_eq!(ingested.environment, synthesized.environment);
            assert_eq!(ingested.project, synthesized.project);
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} environments");
    assert!(report.is_empty(), "{} differences:\n{}", report.len(), report.join("\n"));
}
