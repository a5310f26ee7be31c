//! Parameters and their defaults, Mappings, and Conditions: the condition
//! functions in both forms, omitted resources and outputs, Fn::If.

mod cloudformation_support;

use cloudformation_support::{probe, render};
use ecsforge_ingest::cloudformation::{Options, ingest, ingest_with};
use ecsforge_model::{Address, InfraModel};

const COND_YAML: &str = r#"
Parameters:
  Env: {Type: String, Default: prod}
  Open: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  Later: !Equals [!Ref Open, "yes"]
  C: EXPR
Resources:
  Probe:
    Type: Custom::Probe
    Properties:
      Value: !If [C, "true", "false"]
"#;

const COND_JSON: &str = r#"{
  "Parameters": {"Env": {"Type": "String", "Default": "prod"}, "Open": {"Type": "String"}},
  "Conditions": {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
    "Later": {"Fn::Equals": [{"Ref": "Open"}, "yes"]},
    "C": EXPR
  },
  "Resources": {"Probe": {"Type": "Custom::Probe", "Properties": {"Value": {"Fn::If": ["C", "true", "false"]}}}}
}"#;

/// The value of condition `C` defined as `expr`: `true`, `false`, `unknown` or `error: ...`.
fn condition(json: bool, expr: &str) -> String {
    let text = if json { COND_JSON.replace("EXPR", expr) } else { COND_YAML.replace("EXPR", expr) };
    match ingest("c", &text) {
        Ok(m) => {
            match m.get(&Address::new("cfn:Custom::Probe", "Probe")).and_then(|r| r.get("value")).map(render).as_deref()
            {
                Some("\"true\"") => "true".into(),
                Some("\"false\"") => "false".into(),
                Some("(unknown)") => "unknown".into(),
                other => format!("{other:?}"),
            }
        }
        Err(e) => format!("error: {}", e.message),
    }
}

fn check(cases: &[(&str, &str, &str)]) {
    let mut failures = Vec::new();
    for (yaml, json, expected) in cases {
        for (is_json, expr) in [(false, yaml), (true, json)] {
            if expr.is_empty() {
                continue;
            }
            let got = condition(is_json, expr);
            if got != *expected {
                failures.push(format!("{expr}\n    expected {expected}\n    got      {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn condition_functions() {
    check(&[
        ("!Equals [a, a]", r#"{"Fn::Equals": ["a", "a"]}"#, "true"),
        ("!Equals [a, b]", r#"{"Fn::Equals": ["a", "b"]}"#, "false"),
        (r#"!Equals [1, "1"]"#, r#"{"Fn::Equals": [1, "1"]}"#, "true"),
        ("!Equals [!Ref Open, x]", r#"{"Fn::Equals": [{"Ref": "Open"}, "x"]}"#, "unknown"),
        // A partly unknown string is not unequal, it is unknown.
        (r#"!Equals [!Sub "${Open}-x", a-x]"#, r#"{"Fn::Equals": [{"Fn::Sub": "${Open}-x"}, "a-x"]}"#, "unknown"),
        (r#"!Equals [!Sub "${Env}-x", prod-x]"#, r#"{"Fn::Equals": [{"Fn::Sub": "${Env}-x"}, "prod-x"]}"#, "true"),
        ("!Equals [[a, b], [a, b]]", r#"{"Fn::Equals": [["a", "b"], ["a", "b"]]}"#, "true"),
        ("!Not [!Condition IsProd]", r#"{"Fn::Not": [{"Condition": "IsProd"}]}"#, "false"),
        ("!Not [!Condition Later]", r#"{"Fn::Not": [{"Condition": "Later"}]}"#, "unknown"),
        (
            "!And [!Condition IsProd, !Equals [a, a]]",
            r#"{"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]}"#,
            "true",
        ),
        (
            "!And [!Condition IsDev, !Condition Later]",
            r#"{"Fn::And": [{"Condition": "IsDev"}, {"Condition": "Later"}]}"#,
            "false",
        ),
        (
            "!And [!Condition IsProd, !Condition Later]",
            r#"{"Fn::And": [{"Condition": "IsProd"}, {"Condition": "Later"}]}"#,
            "unknown",
        ),
        (
            "!Or [!Condition IsProd, !Condition Later]",
            r#"{"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Later"}]}"#,
            "true",
        ),
        (
            "!Or [!Condition IsDev, !Condition Later]",
            r#"{"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "Later"}]}"#,
            "unknown",
        ),
        (
            "!Or [!Condition IsDev, !Equals [a, b]]",
            r#"{"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": ["a", "b"]}]}"#,
            "false",
        ),
        ("!Condition IsProd", r#"{"Condition": "IsProd"}"#, "true"),
        (
            "!Equals [!FindInMap [M, k, v], x]",
            r#"{"Fn::Equals": [{"Fn::FindInMap": ["M", "k", "v"]}, "x"]}"#,
            "error: no mapping named `M`",
        ),
        ("!Condition Missing", r#"{"Condition": "Missing"}"#, "error: no condition named `Missing`"),
        ("!Condition C", r#"{"Condition": "C"}"#, "error: condition `C` depends on itself"),
        (
            "!And [!Condition IsProd]",
            r#"{"Fn::And": [{"Condition": "IsProd"}]}"#,
            "error: Fn::And takes a list of 2 to 10 conditions; found a list of 1 item",
        ),
        (
            "!Equals [!Ref Probe, x]",
            r#"{"Fn::Equals": [{"Ref": "Probe"}, "x"]}"#,
            "error: conditions cannot refer to resources; `Probe` is a resource",
        ),
        (
            "!Ref Env",
            r#"{"Ref": "Env"}"#,
            "error: a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition; found Ref",
        ),
        (
            "true",
            "true",
            "error: a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition; found the boolean true",
        ),
    ]);
}

#[test]
fn condition_functions_outside_conditions_are_errors() {
    let opts = Options::default();
    assert_eq!(probe(false, "!Equals [a, a]", &opts), "error: Fn::Equals can only be used in the Conditions section");
    assert_eq!(
        probe(true, r#"{"Fn::Not": [{"Condition": "IsProd"}]}"#, &opts),
        "error: Fn::Not can only be used in the Conditions section"
    );
    assert_eq!(
        probe(false, "!Condition IsProd", &opts),
        "error: !Condition can only be used inside Fn::And, Fn::Or and Fn::Not in the Conditions section"
    );
    // In properties, a `Condition` key is data (IAM policy conditions).
    assert_eq!(
        probe(true, r#"{"Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#, &opts),
        r#"{Condition: {Bool: {aws:SecureTransport: "false"}}}"#
    );
}

const OMIT: &str = r#"
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Open: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Later: !Equals [!Ref Open, "yes"]
Resources:
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Condition: IsProd
    Properties: {AlarmName: prod-only, Threshold: 1}
  Maybe:
    Type: AWS::SNS::Topic
    Condition: Later
  Always:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !If [IsProd, !GetAtt Alarm.Arn, none]
Outputs:
  AlarmName:
    Condition: IsProd
    Value: !Ref Alarm
  Topic:
    Value: !Ref Always
"#;

fn addresses(m: &InfraModel) -> Vec<String> {
    m.resources.keys().map(|a| a.to_string()).collect()
}

#[test]
fn false_conditions_omit_resources_and_outputs() {
    let m = ingest("omit.yaml", OMIT).unwrap();
    // `Maybe` depends on an unknown parameter: kept, it may exist.
    assert_eq!(addresses(&m), ["cfn:AWS::SNS::Topic.Always", "cfn:AWS::SNS::Topic.Maybe"]);
    assert_eq!(m.outputs.keys().collect::<Vec<_>>(), ["Topic"]);
    let always = m.get(&Address::new("cfn:AWS::SNS::Topic", "Always")).unwrap();
    assert_eq!(always.get("display_name").map(render).as_deref(), Some(r#""none""#));

    let prod = Options { parameters: [("Env".to_string(), "prod".to_string())].into(), ..Options::default() };
    let m = ingest_with("omit.yaml", OMIT, &prod).unwrap();
    assert_eq!(
        addresses(&m),
        ["aws_cloudwatch_metric_alarm.Alarm", "cfn:AWS::SNS::Topic.Always", "cfn:AWS::SNS::Topic.Maybe"]
    );
    assert_eq!(m.outputs.keys().collect::<Vec<_>>(), ["AlarmName", "Topic"]);
    let always = m.get(&Address::new("cfn:AWS::SNS::Topic", "Always")).unwrap();
    assert_eq!(always.get("display_name").map(render).as_deref(), Some("${aws_cloudwatch_metric_alarm.Alarm.arn}"));
}

#[test]
fn references_to_omitted_resources_are_errors() {
    let unguarded = OMIT.replace("!If [IsProd, !GetAtt Alarm.Arn, none]", "!GetAtt Alarm.Arn");
    let e = ingest("omit.yaml", &unguarded).unwrap_err();
    assert_eq!(e.message, "Fn::GetAtt reads `Alarm`, which is not created because its condition `IsProd` is false");
    let dep = OMIT.replace(
        "  Always:\n    Type: AWS::SNS::Topic\n",
        "  Always:\n    Type: AWS::SNS::Topic\n    DependsOn: Alarm\n",
    );
    let e = ingest("omit.yaml", &dep).unwrap_err();
    assert_eq!(e.message, "`Always` depends on `Alarm`, which is not created because its condition `IsProd` is false");
}

const PARAMS: &str = r#"
Parameters:
  Name: {Type: String, Default: shop}
  Port: {Type: Number, Default: 8080}
  Ratio: {Type: Number, Default: 1.50}
  Flag: {Type: String, Default: true}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-1, subnet-2"}
  Azs: {Type: CommaDelimitedList, Default: [a, b]}
  Empty: {Type: CommaDelimitedList, Default: ""}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami}
  Tier: {Type: String, Default: small, AllowedValues: [small, large]}
  NoDefault: {Type: String}
Resources:
  Probe:
    Type: Custom::Probe
    Properties:
      Values: [!Ref Name, !Ref Port, !Ref Ratio, !Ref Flag, !Ref Subnets, !Ref Azs, !Ref Empty, !Ref Ami, !Ref Tier, !Ref NoDefault]
"#;

fn param_values(opts: &Options) -> Result<String, String> {
    ingest_with("p.yaml", PARAMS, opts)
        .map(|m| render(m.get(&Address::new("cfn:Custom::Probe", "Probe")).unwrap().get("values").unwrap()))
        .map_err(|e| e.message)
}

#[test]
fn parameter_values_come_from_options_then_defaults() {
    assert_eq!(
        param_values(&Options::default()).unwrap(),
        r#"["shop", "8080", "1.50", "true", ["subnet-1", "subnet-2"], ["a", "b"], [], (unknown), "small", (unknown)]"#
    );
    let given = Options {
        parameters: [("Tier", "large"), ("NoDefault", "x"), ("Subnets", "subnet-9"), ("Ami", "ami-123")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Options::default()
    };
    // An SSM parameter's value is read at deploy time even when its name is given.
    assert_eq!(
        param_values(&given).unwrap(),
        r#"["shop", "8080", "1.50", "true", ["subnet-9"], ["a", "b"], [], (unknown), "large", "x"]"#
    );
    let bad = Options { parameters: [("Tier".to_string(), "huge".to_string())].into(), ..Options::default() };
    assert_eq!(param_values(&bad).unwrap_err(), "parameter `Tier` is `huge`, which is not one of its AllowedValues");
    let unknown = Options { parameters: [("Nmae".to_string(), "x".to_string())].into(), ..Options::default() };
    assert_eq!(
        param_values(&unknown).unwrap_err(),
        "a value was given for parameter `Nmae`, which the template does not declare"
    );
}

#[test]
fn mappings_with_numeric_keys_and_pseudo_parameter_lookups() {
    let t = r#"
Mappings:
  Accounts:
    123456789012: {Env: prod}
    "210987654321": {Env: dev}
Resources:
  Probe:
    Type: Custom::Probe
    Properties:
      Value: !FindInMap [Accounts, !Ref AWS::AccountId, Env]
"#;
    let m = ingest("m.yaml", t).unwrap();
    let v = |m: &InfraModel| render(m.get(&Address::new("cfn:Custom::Probe", "Probe")).unwrap().get("value").unwrap());
    assert_eq!(v(&m), "(unknown)");
    let opts = Options { account_id: Some("123456789012".into()), ..Options::default() };
    assert_eq!(v(&ingest_with("m.yaml", t, &opts).unwrap()), r#""prod""#);
    let opts = Options { account_id: Some("210987654321".into()), ..Options::default() };
    assert_eq!(v(&ingest_with("m.yaml", t, &opts).unwrap()), r#""dev""#);
}
