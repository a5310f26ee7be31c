"""Create in moto the external resources an example manifest refers to, and
print the substitutions that make the manifest point at them.

    target/moto-venv/bin/python tests/moto/prepare_account.py ENDPOINT MANIFEST

A manifest names things that live outside the platform it generates: the ALB
certificates, the Kafka brokers' security group, a secret's rotation Lambda.
In a real account they exist before ecsforge runs; in a fresh moto they must be
created first. moto chooses its own ids for certificates and security groups,
so this prints a JSON object {"<id in the manifest>": "<id in moto>", ...};
the test replaces each key by its value in a copy of the manifest (plain
string replacement). Lambda function ARNs are fixed by name, account and
region, so they need no substitution.

Only boto3 is used; everything goes to ENDPOINT.
"""

import io
import json
import re
import sys
import zipfile

import boto3


def client(service, endpoint, region):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def main(endpoint, manifest_path):
    text = open(manifest_path, encoding="utf-8").read()
    region = re.search(r"^region:\s*(\S+)", text, re.M).group(1)
    subs = {}

    acm = client("acm", endpoint, region)
    for arn in sorted(set(re.findall(r"certificate_arn:\s*(arn:aws:acm:\S+)", text))):
        domain = "e2e-" + arn.rsplit("/", 1)[-1][:8] + ".example.com"
        subs[arn] = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]

    ec2 = client("ec2", endpoint, region)
    kafka = re.search(r"^kafka:\n(?:[ \t]+.*\n|\n)*?[ \t]+security_group_id:\s*(sg-[0-9a-f]+)", text, re.M)
    if kafka:
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        vpc = vpcs[0]["VpcId"] if vpcs else ec2.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
        group = ec2.create_security_group(GroupName="e2e-kafka-brokers", Description="Kafka brokers", VpcId=vpc)
        subs[kafka.group(1)] = group["GroupId"]

    functions = sorted(set(re.findall(r"rotation_lambda_arn:\s*arn:aws:lambda:[^:]+:\d+:function:([\w-]+)", text)))
    if functions:
        iam = client("iam", endpoint, region)
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        role = iam.create_role(RoleName="e2e-secret-rotation", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("rotate.py", "def handler(event, context):\n    return None\n")
        lam = client("lambda", endpoint, region)
        for name in functions:
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="rotate.handler",
                Code={"ZipFile": code.getvalue()},
            )

    json.dump(subs, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
