//! Rendered errors: every one has a file:line:col, the source line, a caret
//! and a hint. One snapshot per error class.

use ecsforge_ingest::cloudformation::ingest;

/// The error for `text`, as `Display` (one line) and as rendered for a terminal.
fn error(file: &str, text: &str) -> String {
    match ingest(file, text) {
        Ok(_) => panic!("{file}: expected an error"),
        Err(e) => format!("{e}\n\n{}", e.render(false)),
    }
}

fn check(name: &str, file: &str, text: &str) {
    insta::assert_snapshot!(name, error(file, text));
}

#[test]
fn yaml_syntax_error() {
    check(
        "yaml_syntax_error",
        "t.yaml",
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: [10.0.0.0/16\n  Subnet:\n    Type: AWS::EC2::Subnet\n",
    );
}

#[test]
fn nested_short_forms_get_a_hint() {
    check(
        "nested_short_forms",
        "t.yaml",
        "Resources:\n  Probe:\n    Type: Custom::Probe\n    Properties:\n      UserData: !Base64 !Sub \"echo ${AWS::Region}\"\n",
    );
}

#[test]
fn truncated_json() {
    check(
        "truncated_json",
        "t.json",
        "{\n  \"Resources\": {\n    \"Vpc\": {\n      \"Type\": \"AWS::EC2::VPC\",\n      \"Properties\": {\"CidrBlock\": \"10.0.0.0/16\"\n",
    );
}

#[test]
fn json_syntax_error() {
    check(
        "json_syntax_error",
        "t.json",
        "{\n  \"Resources\": {\n    \"Vpc\": {\"Type\": \"AWS::EC2::VPC\",}\n  }\n}\n",
    );
}

#[test]
fn duplicate_json_key() {
    check(
        "duplicate_json_key",
        "t.json",
        "{\"Resources\": {\n  \"Vpc\": {\"Type\": \"AWS::EC2::VPC\"},\n  \"Vpc\": {\"Type\": \"AWS::EC2::VPC\"}\n}}\n",
    );
}

#[test]
fn unknown_intrinsic_short_form() {
    check(
        "unknown_intrinsic_short",
        "t.yaml",
        "Resources:\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Reff Vpc\n",
    );
}

#[test]
fn unknown_intrinsic_long_form() {
    check(
        "unknown_intrinsic_long",
        "t.json",
        "{\n  \"Resources\": {\n    \"Subnet\": {\n      \"Type\": \"AWS::EC2::Subnet\",\n      \"Properties\": {\"VpcId\": {\"Fn::Bogus\": [\"Vpc\"]}}\n    }\n  }\n}\n",
    );
}

#[test]
fn getatt_wrong_arity() {
    check(
        "getatt_wrong_arity",
        "t.yaml",
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !GetAtt [Vpc, VpcId, Extra]\n",
    );
}

#[test]
fn ref_to_undefined_name() {
    check(
        "ref_undefined",
        "t.yaml",
        "Parameters:\n  VpcCidr: {Type: String}\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Ref VpcCird\n",
    );
}

#[test]
fn sub_to_undefined_name() {
    check(
        "sub_undefined",
        "t.yaml",
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub \"${AWS::StackName}-${Envirnoment}\"\n",
    );
}

#[test]
fn suppression_without_reason() {
    check(
        "suppression_without_reason",
        "t.yaml",
        "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Metadata:\n      ecsforge:\n        suppress:\n          - rule: EF009\n            reason: \"  \"\n",
    );
}

#[test]
fn template_without_resources() {
    check("no_resources", "t.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: nothing here\n");
}

#[test]
fn unknown_section() {
    check("unknown_section", "t.yaml", "Resource:\n  Vpc:\n    Type: AWS::EC2::VPC\n");
}

#[test]
fn null_property() {
    check(
        "null_property",
        "t.yaml",
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock:\n",
    );
}

#[test]
fn select_out_of_range() {
    check(
        "select_out_of_range",
        "t.yaml",
        "Resources:\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      CidrBlock: !Select [4, !Cidr [10.0.0.0/16, 2, 8]]\n",
    );
}

#[test]
fn positions_after_non_ascii_text() {
    // saphyr counts characters; the caret must still land on the right byte.
    check(
        "non_ascii_yaml",
        "t.yaml",
        "Description: \"S3 endpoint ✅ — ECR layers ✅\"\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      Tags: [{Key: Name, Value: \"vpc ✅\"}]\n      CidrBlock: !Ref Missing\n",
    );
    check(
        "non_ascii_json",
        "t.json",
        "{\"Description\": \"S3 endpoint ✅\",\n \"Resources\": {\"Vpc\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"Tags\": [{\"Key\": \"✅\", \"Value\": \"✅\"}], \"CidrBlock\": {\"Ref\": \"Missing\"}}}}}\n",
    );
}
