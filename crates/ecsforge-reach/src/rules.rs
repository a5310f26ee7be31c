//! Reachability verdicts as `ecsforge check` rules, so one gate catches
//! both attribute problems and path problems. Each code's documentation is
//! printed by `ecsforge explain`.

use ecsforge_model::InfraModel;
use ecsforge_rules::{Finding, Findings, RuleMeta, Severity};

use crate::{Dependency, Status, analyze};

macro_rules! reach_rule {
    ($id:ident, $code:literal, $name:literal, $sev:ident, $summary:literal) => {
        pub const $id: RuleMeta = RuleMeta {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            property: None,
            nist: &["SC-7", "CP-8"],
            soc2: &["CC6.6", "A1.2"],
            summary: $summary,
        };
    };
}

reach_rule!(ECR, "EF201", "reach-ecr", Error, "tasks reach the ECR API and registry (ecr.api, ecr.dkr)");
reach_rule!(S3, "EF202", "reach-s3-layers", Error, "tasks reach the S3 bucket that serves ECR image layers");
reach_rule!(LOGS, "EF203", "reach-logs", Error, "tasks using awslogs reach CloudWatch Logs");
reach_rule!(
    SECRETS,
    "EF204",
    "reach-secrets",
    Error,
    "tasks reach Secrets Manager / SSM for the secrets they reference"
);
reach_rule!(DNS, "EF205", "reach-dns", Error, "the task VPC resolves names for private endpoints");
reach_rule!(PEERS, "EF206", "reach-peers", Error, "services reach the peer services that admit them");
reach_rule!(KAFKA, "EF207", "reach-kafka", Error, "Kafka clients reach the brokers' ports");
reach_rule!(ALB, "EF208", "reach-alb-inbound", Error, "the load balancer reaches the tasks on the container port");
reach_rule!(AZ, "EF209", "reach-endpoint-az", Warning, "interface endpoints cover every AZ the tasks run in");
reach_rule!(DYNAMODB, "EF210", "reach-dynamodb", Error, "tasks whose role uses DynamoDB reach DynamoDB");
reach_rule!(
    KMS,
    "EF211",
    "reach-kms",
    Error,
    "roles may decrypt with the customer managed keys of the secrets tasks read, and tasks calling KMS reach it"
);

/// Every reach rule, in code order.
pub static REACH_RULES: [&RuleMeta; 11] =
    [&ECR, &S3, &LOGS, &SECRETS, &DNS, &PEERS, &KAFKA, &ALB, &AZ, &DYNAMODB, &KMS];

const COMMON: &str = "Paths are judged in the order AWS resolves them: an interface endpoint with private DNS (its security group must admit HTTPS from the tasks, even when NAT exists, because DNS sends all traffic there), then a gateway endpoint on the subnet's route table (S3), then a NAT gateway in a public subnet, then a public IP with an internet gateway. Security groups, network ACLs in both directions (with ephemeral return ports) and VPC DNS are part of every verdict. `ecsforge reach` shows every path, passing or not.";

/// The documentation of a reach rule (what, why, example, fix), for `ecsforge explain`.
pub fn doc(code: &str) -> Option<String> {
    let (meta, what, why, example, fix) = match code {
        "EF201" => (
            &ECR,
            "every ECS service's tasks can open HTTPS to the ECR API and the ECR registry (ecr.api, ecr.dkr) from every task subnet",
            "without it the task never gets an authorization token or the image manifest: `CannotPullContainerError ... i/o timeout`",
            "an ecr.dkr interface endpoint whose security group admits 443 only from a CIDR that does not contain the task subnets",
            "admit tcp 443 from the task security group on the endpoint security group",
        ),
        "EF202" => (
            &S3,
            "every task subnet reaches S3 for `prod-<region>-starport-layer-bucket`: through the S3 gateway endpoint on its route table (whose policy admits the bucket, with task SG egress to its prefix list), or through NAT",
            "ECR stores image layers in S3; without a path the manifest downloads and the layer pull then times out. This was the outage of design doc 000",
            "private subnets with ECR endpoints, no NAT, and no S3 gateway endpoint association",
            "add the subnet's route table to the S3 gateway endpoint's route_table_ids (free)",
        ),
        "EF203" => (
            &LOGS,
            "tasks whose containers log with awslogs reach CloudWatch Logs",
            "the awslogs driver cannot create the log stream and the task stops before it starts",
            "no logs interface endpoint and no NAT route",
            "add a logs interface endpoint with private DNS, or a NAT route",
        ),
        "EF204" => (
            &SECRETS,
            "tasks reach Secrets Manager or SSM when containers reference secrets there",
            "ECS fetches secrets before the container starts; without a path the task fails with ResourceInitializationError",
            "a secrets entry with valueFrom a Secrets Manager ARN and no secretsmanager endpoint or NAT",
            "add the secretsmanager (or ssm) interface endpoint with private DNS",
        ),
        "EF205" => (
            &DNS,
            "the task VPC has DNS support and DNS hostnames on",
            "private DNS of interface endpoints needs both; without them AWS names resolve to public addresses",
            "`enable_dns_hostnames = false` on the VPC",
            "set enable_dns_support and enable_dns_hostnames to true",
        ),
        "EF206" => (
            &PEERS,
            "when a service's security group admits another service, the caller's security group allows egress to it and the network ACLs between their subnets allow the connection and its replies",
            "half-open rules make service-to-service calls time out only after deploy",
            "the callee admits the caller on 8000 but the caller has no egress on 8000",
            "add the egress rule on the caller's security group",
        ),
        "EF207" => (
            &KAFKA,
            "services with KAFKA_BROKERS allow egress on every broker port",
            "consumers and producers cannot connect, and Kafka clients retry silently",
            "KAFKA_BROKERS lists :9094 but egress allows only 9092",
            "add egress on each broker port to the brokers' security group",
        ),
        "EF208" => (
            &ALB,
            "for services behind a load balancer: the target group is attached to a listener, an internet-facing load balancer sits in public subnets, its security group allows egress to the tasks on the container port, and the task security group admits it",
            "health checks fail, targets stay unhealthy and deployments roll back",
            "the task security group admits port 8080 but the container listens on 3000",
            "open the container port between the load balancer and task security groups",
        ),
        "EF209" => (
            &AZ,
            "interface endpoints have a subnet in every AZ the tasks run in",
            "tasks in an AZ without the endpoint still work across AZs, but an AZ outage cuts them off and cross-AZ traffic is billed",
            "ecr.api endpoint in us-east-1a and us-east-1b, tasks also in us-east-1c",
            "add a private subnet of each task AZ to the endpoint's subnet_ids",
        ),
        "EF210" => (
            &DYNAMODB,
            "services whose task role is allowed `dynamodb:` actions reach DynamoDB from every task subnet: through the DynamoDB gateway endpoint on its route table (whose policy admits the role's tables, with task SG egress to its prefix list), or through NAT",
            "the SDK's calls time out and the service fails at its first read or write, long after the deployment looked healthy",
            "a task role with dynamodb:GetItem, private subnets without NAT, and no DynamoDB gateway endpoint",
            "add the subnet's route table to a DynamoDB gateway endpoint's route_table_ids (free)",
        ),
        "EF211" => (
            &KMS,
            "when a customer managed key (CMK) encrypts what the tasks read (a Secrets Manager secret or SSM SecureString parameter injected through `secrets[].valueFrom`, a secret of the model the task role reads, an external secret whose key the execution role's kms:Decrypt grant names) the reading role is allowed kms:Decrypt on that key, a kms:ViaService condition admits the service that decrypts, and the key policy (when the key is in the input) grants the account root or the role, so IAM is not locked out. When the task role is allowed kms: actions itself, the tasks also reach KMS (interface endpoint `kms` with private DNS, NAT or a public IP). Secret injection needs no network path to KMS: Secrets Manager and SSM call KMS server-side on the caller's behalf",
            "the execution role decrypts the secret before the container starts: without kms:Decrypt the task stops with `ResourceInitializationError: unable to pull secrets ... AccessDeniedException` and never runs, and a key policy without the account root makes every IAM grant useless",
            "a Secrets Manager secret with `kms_key_id = aws_kms_key.secrets.arn`, injected through valueFrom, and an execution role allowed only secretsmanager:GetSecretValue",
            "add kms:Decrypt on the key (its ARN, not an alias ARN) to the execution role's policy, limited with a kms:ViaService condition to secretsmanager.<region>.amazonaws.com (or ssm.…); keep the account root in the key policy",
        ),
        _ => return None,
    };
    Some(format!(
        "# {} {}: {}\n\n**What it checks.** {what}.\n\n**Why it matters.** {why}.\n\n**Failing example.** {example}.\n\n**Fix.** {fix}.\n\n{COMMON}\n\nDesign docs 000 and 004. NIST SC-7, CP-8. SOC-2 CC6.6, A1.2.\n",
        meta.code, meta.name, meta.summary
    ))
}

fn meta_for(d: &Dependency, status: Status) -> Option<&'static RuleMeta> {
    if status == Status::Warn {
        return Some(&AZ);
    }
    Some(match d {
        Dependency::EcrApi | Dependency::EcrDkr => &ECR,
        Dependency::S3Layers => &S3,
        Dependency::Logs => &LOGS,
        Dependency::SecretsManager | Dependency::Ssm => &SECRETS,
        Dependency::Dns => &DNS,
        Dependency::Peer(..) | Dependency::FileServer(_) => &PEERS,
        Dependency::Kafka(_) => &KAFKA,
        Dependency::AlbInbound(_) => &ALB,
        Dependency::Dynamodb => &DYNAMODB,
        Dependency::Kms => &KMS,
        // EF104 already reports missing execution-role permissions.
        Dependency::IamPermissions => return None,
    })
}

/// The failing and warning verdicts of a model as findings (not yet suppressed).
pub fn findings(m: &InfraModel) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in analyze(m).into_iter().filter(|v| v.status != Status::Pass) {
        let Some(meta) = meta_for(&v.dependency, v.status) else { continue };
        let Some(service) = m.get(&v.service) else { continue };
        let mut f = Findings::new(meta);
        f.report(service, format!("{} {}; fix: {}", v.dependency.test_name(), v.details, v.recommendation));
        out.extend(f.into_vec());
    }
    out
}
