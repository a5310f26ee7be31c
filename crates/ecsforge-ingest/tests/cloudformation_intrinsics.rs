//! Every intrinsic function, in YAML short form and JSON long form, with
//! known and unknown inputs. Each case is `(yaml, json, expected)`.

mod cloudformation_support;

use cloudformation_support::probe;
use ecsforge_ingest::cloudformation::Options;

/// Checks each case in both forms with `opts`.
fn check_with(opts: &Options, cases: &[(&str, &str, &str)]) {
    let mut failures = Vec::new();
    for (yaml, json, expected) in cases {
        for (is_json, expr) in [(false, yaml), (true, json)] {
            if expr.is_empty() {
                continue;
            }
            let got = probe(is_json, expr, opts);
            if got != *expected {
                failures.push(format!("{expr}\n    expected {expected}\n    got      {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn check(cases: &[(&str, &str, &str)]) {
    check_with(&Options::default(), cases);
}

fn region(r: &str) -> Options {
    Options {
        region: Some(r.into()),
        account_id: Some("123456789012".into()),
        stack_name: Some("shop".into()),
        ..Options::default()
    }
}

#[test]
fn ref_parameters_resources_and_pseudo_parameters() {
    check(&[
        ("!Ref Env", r#"{"Ref": "Env"}"#, r#""prod""#),
        ("!Ref Count", r#"{"Ref": "Count"}"#, r#""3""#),
        ("!Ref Open", r#"{"Ref": "Open"}"#, "(unknown)"),
        ("!Ref Zones", r#"{"Ref": "Zones"}"#, r#"["a", "b", "c"]"#),
        ("!Ref Vpc", r#"{"Ref": "Vpc"}"#, "${aws_vpc.Vpc.id}"),
        ("!Ref Topic", r#"{"Ref": "Topic"}"#, "${cfn:AWS::SNS::Topic.Topic.arn}"),
        ("!Ref AWS::Region", r#"{"Ref": "AWS::Region"}"#, "(unknown)"),
        ("!Ref AWS::AccountId", r#"{"Ref": "AWS::AccountId"}"#, "(unknown)"),
        ("!Ref AWS::StackName", r#"{"Ref": "AWS::StackName"}"#, "(unknown)"),
        ("!Ref AWS::StackId", r#"{"Ref": "AWS::StackId"}"#, "(unknown)"),
        ("!Ref AWS::NotificationARNs", r#"{"Ref": "AWS::NotificationARNs"}"#, "(unknown)"),
        ("!Ref AWS::Partition", r#"{"Ref": "AWS::Partition"}"#, r#""aws""#),
        ("!Ref AWS::URLSuffix", r#"{"Ref": "AWS::URLSuffix"}"#, r#""amazonaws.com""#),
        ("!Ref AWS::NoValue", r#"{"Ref": "AWS::NoValue"}"#, "(absent)"),
        ("[a, !Ref AWS::NoValue, b]", r#"["a", {"Ref": "AWS::NoValue"}, "b"]"#, r#"["a", "b"]"#),
        ("{Ref: Env}", "", r#""prod""#),
    ]);
    check_with(
        &region("eu-west-1"),
        &[
            ("!Ref AWS::Region", r#"{"Ref": "AWS::Region"}"#, r#""eu-west-1""#),
            ("!Ref AWS::AccountId", r#"{"Ref": "AWS::AccountId"}"#, r#""123456789012""#),
            ("!Ref AWS::StackName", r#"{"Ref": "AWS::StackName"}"#, r#""shop""#),
        ],
    );
    check_with(
        &region("cn-north-1"),
        &[
            ("!Ref AWS::Partition", r#"{"Ref": "AWS::Partition"}"#, r#""aws-cn""#),
            ("!Ref AWS::URLSuffix", r#"{"Ref": "AWS::URLSuffix"}"#, r#""amazonaws.com.cn""#),
        ],
    );
    let given = Options {
        parameters: [("Open".to_string(), "given".to_string()), ("Env".to_string(), "dev".to_string())].into(),
        ..Options::default()
    };
    check_with(
        &given,
        &[("!Ref Open", r#"{"Ref": "Open"}"#, r#""given""#), ("!Ref Env", r#"{"Ref": "Env"}"#, r#""dev""#)],
    );
}

#[test]
fn getatt_maps_attribute_names() {
    check(&[
        ("!GetAtt Vpc.CidrBlock", r#"{"Fn::GetAtt": ["Vpc", "CidrBlock"]}"#, "${aws_vpc.Vpc.cidr_block}"),
        ("!GetAtt Sg.GroupId", r#"{"Fn::GetAtt": ["Sg", "GroupId"]}"#, "${aws_security_group.Sg.id}"),
        ("!GetAtt [Sg, VpcId]", r#"{"Fn::GetAtt": "Sg.VpcId"}"#, "${aws_security_group.Sg.vpc_id}"),
        (
            "!GetAtt Vpc.DefaultSecurityGroup",
            r#"{"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}"#,
            "${aws_vpc.Vpc.default_security_group_id}",
        ),
        ("!GetAtt Topic.TopicName", r#"{"Fn::GetAtt": ["Topic", "TopicName"]}"#, "${cfn:AWS::SNS::Topic.Topic.name}"),
        (
            "!GetAtt Vpc.SomeNewAttribute",
            r#"{"Fn::GetAtt": ["Vpc", "SomeNewAttribute"]}"#,
            "${aws_vpc.Vpc.some_new_attribute}",
        ),
        ("!GetAtt [Vpc, !Ref Open]", r#"{"Fn::GetAtt": ["Vpc", {"Ref": "Open"}]}"#, "(unknown)"),
        ("{'Fn::GetAtt': [Vpc, CidrBlock]}", "", "${aws_vpc.Vpc.cidr_block}"),
    ]);
}

#[test]
fn sub_builds_strings_and_templates() {
    check(&[
        (r#"!Sub "${Env}-x""#, r#"{"Fn::Sub": "${Env}-x"}"#, r#""prod-x""#),
        (r#"!Sub "plain text""#, r#"{"Fn::Sub": "plain text"}"#, r#""plain text""#),
        (r#"!Sub "${!Literal}-${Env}""#, r#"{"Fn::Sub": "${!Literal}-${Env}"}"#, r#""${Literal}-prod""#),
        (
            r#"!Sub "${Vpc}/${Vpc.CidrBlock}""#,
            r#"{"Fn::Sub": "${Vpc}/${Vpc.CidrBlock}"}"#,
            r#"tmpl"${aws_vpc.Vpc.id}/${aws_vpc.Vpc.cidr_block}""#,
        ),
        (
            r#"!Sub ["${A}-${B}", {A: !Ref Env, B: !GetAtt Vpc.CidrBlock}]"#,
            r#"{"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "Env"}, "B": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}}]}"#,
            r#"tmpl"prod-${aws_vpc.Vpc.cidr_block}""#,
        ),
        (r#"!Sub "${Open}-x""#, r#"{"Fn::Sub": "${Open}-x"}"#, r#"tmpl"(unknown)-x""#),
        (
            r#"!Sub "arn:${AWS::Partition}:s3:::b-${AWS::Region}""#,
            r#"{"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${AWS::Region}"}"#,
            r#"tmpl"arn:aws:s3:::b-(unknown)""#,
        ),
        (r#"!Sub "${Count} tasks""#, r#"{"Fn::Sub": "${Count} tasks"}"#, r#""3 tasks""#),
        // Nothing known: the whole value is unknown.
        (r#"!Sub "${Open}""#, r#"{"Fn::Sub": "${Open}"}"#, "(unknown)"),
        (r#"!Sub "${AWS::Region}${AWS::AccountId}""#, r#"{"Fn::Sub": "${AWS::Region}${AWS::AccountId}"}"#, "(unknown)"),
    ]);
    check_with(
        &region("eu-west-1"),
        &[(
            r#"!Sub "arn:${AWS::Partition}:s3:::b-${AWS::Region}-${AWS::AccountId}""#,
            r#"{"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${AWS::Region}-${AWS::AccountId}"}"#,
            r#""arn:aws:s3:::b-eu-west-1-123456789012""#,
        )],
    );
}

#[test]
fn join_select_split() {
    check(&[
        (r#"!Join ["-", [a, !Ref Env, 3]]"#, r#"{"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}"#, r#""a-prod-3""#),
        (
            r#"!Join [",", [!Ref Vpc, x]]"#,
            r#"{"Fn::Join": [",", [{"Ref": "Vpc"}, "x"]]}"#,
            r#"tmpl"${aws_vpc.Vpc.id},x""#,
        ),
        (r#"!Join ["", [!Ref Open, x]]"#, r#"{"Fn::Join": ["", [{"Ref": "Open"}, "x"]]}"#, r#"tmpl"(unknown)x""#),
        (r#"!Join [",", !Ref Zones]"#, r#"{"Fn::Join": [",", {"Ref": "Zones"}]}"#, r#""a,b,c""#),
        (r#"!Join [",", !GetAZs ""]"#, r#"{"Fn::Join": [",", {"Fn::GetAZs": ""}]}"#, "(unknown)"),
        (r#"!Join [",", []]"#, r#"{"Fn::Join": [",", []]}"#, r#""""#),
        ("!Select [1, !Ref Zones]", r#"{"Fn::Select": [1, {"Ref": "Zones"}]}"#, r#""b""#),
        (r#"!Select ["0", [x, y]]"#, r#"{"Fn::Select": ["0", ["x", "y"]]}"#, r#""x""#),
        ("!Select [0, [!Ref Vpc]]", r#"{"Fn::Select": [0, [{"Ref": "Vpc"}]]}"#, "${aws_vpc.Vpc.id}"),
        (r#"!Select [0, !GetAZs ""]"#, r#"{"Fn::Select": [0, {"Fn::GetAZs": ""}]}"#, "(unknown)"),
        ("!Select [!Ref Open, [x]]", r#"{"Fn::Select": [{"Ref": "Open"}, ["x"]]}"#, "(unknown)"),
        (r#"!Split [",", "a,b"]"#, r#"{"Fn::Split": [",", "a,b"]}"#, r#"["a", "b"]"#),
        (r#"!Split [",", !Ref Open]"#, r#"{"Fn::Split": [",", {"Ref": "Open"}]}"#, "(unknown)"),
        (r#"!Split [",", !Ref Vpc]"#, r#"{"Fn::Split": [",", {"Ref": "Vpc"}]}"#, "(unknown)"),
        // A partly unknown string cannot be split, used as an index, key or delimiter.
        (r#"!Split [",", !Sub "a,${Open}"]"#, r#"{"Fn::Split": [",", {"Fn::Sub": "a,${Open}"}]}"#, "(unknown)"),
        (r#"!Select [!Sub "${Open}1", [x]]"#, r#"{"Fn::Select": [{"Fn::Sub": "${Open}1"}, ["x"]]}"#, "(unknown)"),
        (r#"!Join [!Sub "${Open}-", [x]]"#, r#"{"Fn::Join": [{"Fn::Sub": "${Open}-"}, ["x"]]}"#, "(unknown)"),
        (r#"!Select [2, !Split ["/", "a/b/c"]]"#, r#"{"Fn::Select": [2, {"Fn::Split": ["/", "a/b/c"]}]}"#, r#""c""#),
    ]);
}

#[test]
fn find_in_map() {
    check(&[
        ("!FindInMap [Sizes, !Ref Env, Cpu]", r#"{"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Cpu"]}"#, "1024"),
        ("!FindInMap [Sizes, prod, Names]", r#"{"Fn::FindInMap": ["Sizes", "prod", "Names"]}"#, r#"["x", "y"]"#),
        ("!FindInMap [Sizes, !Ref Open, Cpu]", r#"{"Fn::FindInMap": ["Sizes", {"Ref": "Open"}, "Cpu"]}"#, "(unknown)"),
        (
            r#"!FindInMap [Sizes, !Sub "${Open}-x", Cpu]"#,
            r#"{"Fn::FindInMap": ["Sizes", {"Fn::Sub": "${Open}-x"}, "Cpu"]}"#,
            "(unknown)",
        ),
        (
            "!FindInMap [Sizes, dev, Names, {DefaultValue: none}]",
            r#"{"Fn::FindInMap": ["Sizes", "dev", "Names", {"DefaultValue": "none"}]}"#,
            r#""none""#,
        ),
        (
            "!FindInMap [Sizes, test, Cpu]",
            r#"{"Fn::FindInMap": ["Sizes", "test", "Cpu"]}"#,
            "error: mapping `Sizes` has no key `test`",
        ),
        (
            "!FindInMap [Size, prod, Cpu]",
            r#"{"Fn::FindInMap": ["Size", "prod", "Cpu"]}"#,
            "error: no mapping named `Size`",
        ),
    ]);
}

#[test]
fn import_value_and_get_azs_are_unknown() {
    check(&[
        ("!ImportValue shared-vpc-id", r#"{"Fn::ImportValue": "shared-vpc-id"}"#, "(unknown)"),
        (
            r#"!ImportValue {"Fn::Sub": "${Env}-vpc-id"}"#,
            r#"{"Fn::ImportValue": {"Fn::Sub": "${Env}-vpc-id"}}"#,
            "(unknown)",
        ),
        (r#"!GetAZs """#, r#"{"Fn::GetAZs": ""}"#, "(unknown)"),
        ("{'Fn::GetAZs': !Ref AWS::Region}", r#"{"Fn::GetAZs": {"Ref": "AWS::Region"}}"#, "(unknown)"),
    ]);
    // A known region still does not tell which zones an account sees.
    check_with(&region("eu-west-1"), &[(r#"!GetAZs """#, r#"{"Fn::GetAZs": ""}"#, "(unknown)")]);
}

#[test]
fn base64_keeps_the_decoded_text() {
    check(&[
        (r#"!Base64 "echo hi""#, r#"{"Fn::Base64": "echo hi"}"#, r#""echo hi""#),
        (
            r#"!Base64 {"Fn::Sub": "id=${Vpc}"}"#,
            r#"{"Fn::Base64": {"Fn::Sub": "id=${Vpc}"}}"#,
            r#"tmpl"id=${aws_vpc.Vpc.id}""#,
        ),
        ("!Base64 {Ref: Open}", r#"{"Fn::Base64": {"Ref": "Open"}}"#, "(unknown)"),
    ]);
}

#[test]
fn cidr_is_computed_when_inputs_are_known() {
    check(&[
        (
            "!Cidr [10.0.0.0/16, 3, 8]",
            r#"{"Fn::Cidr": ["10.0.0.0/16", 3, 8]}"#,
            r#"["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]"#,
        ),
        // The VPC's CidrBlock attribute echoes its (parameter) property.
        (
            "!Cidr [!GetAtt Vpc.CidrBlock, 2, 12]",
            r#"{"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 2, 12]}"#,
            r#"["10.0.0.0/20", "10.0.16.0/20"]"#,
        ),
        (
            "!Cidr [!Ref Cidr, !Ref Count, 8]",
            r#"{"Fn::Cidr": [{"Ref": "Cidr"}, {"Ref": "Count"}, "8"]}"#,
            r#"["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]"#,
        ),
        ("!Cidr [!Ref Open, 2, 8]", r#"{"Fn::Cidr": [{"Ref": "Open"}, 2, 8]}"#, "(unknown)"),
        (
            r#"!Cidr ["2001:db8::/56", 2, 64]"#,
            r#"{"Fn::Cidr": ["2001:db8::/56", 2, 64]}"#,
            r#"["2001:db8::/64", "2001:db8:0:1::/64"]"#,
        ),
        (
            "!Select [1, !Cidr [10.0.0.0/16, 4, 8]]",
            r#"{"Fn::Select": [1, {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}]}"#,
            r#""10.0.1.0/24""#,
        ),
        (
            "!Cidr [10.0.0.0/24, 4, 8]",
            r#"{"Fn::Cidr": ["10.0.0.0/24", 4, 8]}"#,
            "error: 10.0.0.0/24 holds only 1 subnets of /24, not 4",
        ),
    ]);
}

#[test]
fn if_picks_a_branch() {
    check(&[
        ("!If [IsProd, big, small]", r#"{"Fn::If": ["IsProd", "big", "small"]}"#, r#""big""#),
        ("!If [IsDev, big, small]", r#"{"Fn::If": ["IsDev", "big", "small"]}"#, r#""small""#),
        ("!If [Later, big, small]", r#"{"Fn::If": ["Later", "big", "small"]}"#, "(unknown)"),
        ("!If [IsProd, !Ref AWS::NoValue, x]", r#"{"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, "x"]}"#, "(absent)"),
        (
            "[a, !If [IsDev, b, !Ref AWS::NoValue]]",
            r#"["a", {"Fn::If": ["IsDev", "b", {"Ref": "AWS::NoValue"}]}]"#,
            r#"["a"]"#,
        ),
        ("!If [IsProd, !Ref Vpc, x]", r#"{"Fn::If": ["IsProd", {"Ref": "Vpc"}, "x"]}"#, "${aws_vpc.Vpc.id}"),
    ]);
}

#[test]
fn language_extension_functions() {
    check(&[
        ("!Length [a, b]", r#"{"Fn::Length": ["a", "b"]}"#, "2"),
        ("{'Fn::Length': !Ref Zones}", r#"{"Fn::Length": {"Ref": "Zones"}}"#, "3"),
        ("!ToJsonString {a: !Ref Env}", r#"{"Fn::ToJsonString": {"a": {"Ref": "Env"}}}"#, r#"json({a: "prod"})"#),
        ("!ToJsonString {a: !Ref Open}", r#"{"Fn::ToJsonString": {"a": {"Ref": "Open"}}}"#, "(unknown)"),
        (
            r#"!ToJsonString {a: !Sub "x-${Open}"}"#,
            r#"{"Fn::ToJsonString": {"a": {"Fn::Sub": "x-${Open}"}}}"#,
            "(unknown)",
        ),
        (
            "!ToJsonString {a: !Ref Vpc}",
            r#"{"Fn::ToJsonString": {"a": {"Ref": "Vpc"}}}"#,
            "json({a: ${aws_vpc.Vpc.id}})",
        ),
        ("!Transform {Name: AWS::Include}", r#"{"Fn::Transform": {"Name": "AWS::Include"}}"#, "(unknown)"),
    ]);
}

#[test]
fn yaml_scalars_keep_cloudformation_habits() {
    check(&[
        ("2012-10-17", "", r#""2012-10-17""#),
        ("yes", "", r#""yes""#),
        ("off", "", r#""off""#),
        ("true", "true", "true"),
        ("'0755'", r#""0755""#, r#""0755""#),
        ("1.5", "1.5", "1.5"),
        (".inf", "", r#"".inf""#),
        ("!!str 3", "", r#""3""#),
        ("|\n        line1\n        line2", "", r#""line1\nline2\n""#),
    ]);
}
