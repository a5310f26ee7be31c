//! The validated manifest. Every field is documented in `docs/manifest.md`.
//!
//! Values that later stages may need to point back at carry their source
//! location as [`Spanned`].

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;

use ipnet::Ipv4Net;

/// A location in the manifest: byte span plus 1-based line/column and the
/// JSON-pointer-style path of the node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub col: u32,
    pub pointer: String,
}

/// A value with the location it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Spanned<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Spanned { value, loc }
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// The four environments 003 defines, in promotion order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Env {
    Develop,
    Test,
    Qa,
    Prod,
}

impl Env {
    pub const ALL: [Env; 4] = [Env::Develop, Env::Test, Env::Qa, Env::Prod];

    pub fn as_str(self) -> &'static str {
        match self {
            Env::Develop => "develop",
            Env::Test => "test",
            Env::Qa => "qa",
            Env::Prod => "prod",
        }
    }

    pub fn parse(s: &str) -> Option<Env> {
        Env::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn is_prod(self) -> bool {
        self == Env::Prod
    }

    /// Default VPC CIDR when neither the environment nor `network.vpc_cidr` sets one.
    pub fn default_cidr(self) -> Ipv4Net {
        let second = match self {
            Env::Develop => 10,
            Env::Test => 20,
            Env::Qa => 30,
            Env::Prod => 40,
        };
        Ipv4Net::new(std::net::Ipv4Addr::new(10, second, 0, 0), 16).expect("valid prefix")
    }

    /// Default egress: prod keeps one NAT per AZ so losing an AZ never cuts
    /// egress; the others share one NAT gateway.
    pub fn default_egress(self) -> Egress {
        if self.is_prod() { Egress::NatPerAz } else { Egress::SingleNat }
    }

    pub fn default_log_retention(self) -> u32 {
        if self.is_prod() { 90 } else { 30 }
    }

    pub fn default_spot_percent(self) -> u32 {
        if self.is_prod() { 0 } else { 30 }
    }
}

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How private subnets reach AWS services and the internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Egress {
    /// One NAT gateway in each AZ's public subnet; each private route table uses its own AZ's.
    NatPerAz,
    /// One NAT gateway in the first AZ serves every private subnet.
    SingleNat,
    /// No NAT: AWS services only through VPC endpoints; no internet egress.
    EndpointsOnly,
}

impl Egress {
    pub const NAMES: [&'static str; 3] = ["nat-per-az", "single-nat", "endpoints-only"];
    pub fn as_str(self) -> &'static str {
        match self {
            Egress::NatPerAz => "nat-per-az",
            Egress::SingleNat => "single-nat",
            Egress::EndpointsOnly => "endpoints-only",
        }
    }
    pub fn parse(s: &str) -> Option<Egress> {
        match s {
            "nat-per-az" => Some(Egress::NatPerAz),
            "single-nat" => Some(Egress::SingleNat),
            "endpoints-only" => Some(Egress::EndpointsOnly),
            _ => None,
        }
    }
    pub fn has_nat(self) -> bool {
        self != Egress::EndpointsOnly
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Nodejs,
    Python,
}

impl Runtime {
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Nodejs => "nodejs",
            Runtime::Python => "python",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceType {
    Public,
    Internal,
}

impl ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Public => "public",
            ServiceType::Internal => "internal",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    Arm64,
    X86_64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }
    /// The ECS `runtimePlatform.cpuArchitecture` value.
    pub fn ecs_name(self) -> &'static str {
        match self {
            Architecture::Arm64 => "ARM64",
            Architecture::X86_64 => "X86_64",
        }
    }
}

/// The whole manifest after validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The file name the manifest was read from (for provenance).
    pub file: String,
    pub project: Spanned<String>,
    pub region: Spanned<String>,
    pub account_id: Spanned<String>,
    /// `Owner`, `CostCenter`, `Compliance` and any extra tags, sorted.
    pub tags: BTreeMap<String, String>,
    pub state: State,
    pub network: Network,
    pub kafka: Option<Kafka>,
    pub security: Security,
    /// The environments the manifest declares, in promotion order.
    pub environments: BTreeMap<Env, Environment>,
    pub services: Vec<Service>,
    /// Findings accepted on purpose (`suppress:`), each with its reason.
    pub suppressions: Vec<ManifestSuppression>,
    /// Alarm and pipeline notification subscriptions (`monitoring:`).
    pub monitoring: Monitoring,
    /// The CI/CD system that builds and deploys the services (`ci:`), if any.
    pub ci: Option<Ci>,
    /// DynamoDB tables (`tables:`), in manifest order.
    pub tables: Vec<Table>,
    /// The EC2 capacity provider (`capacity.ec2`), if any.
    pub ec2: Option<Ec2Capacity>,
    /// The optional Windows SMB file server of doc 000.
    pub file_server: Option<FileServer>,
    /// How ecsforge's Terraform runs reach AWS (`aws:`).
    pub aws: Aws,
}

/// The `aws:` section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aws {
    /// An AWS-compatible endpoint (e.g. a local `moto_server`) every provider
    /// service is sent to, through the provider's `endpoints` block; `--endpoint`
    /// overrides it.
    pub endpoint: Option<Spanned<String>>,
}

/// The `file_server:` section: one Windows Server 2022 instance sharing a
/// folder over SMB with the services that set `mounts_file_server`.
#[derive(Clone, Debug, PartialEq)]
pub struct FileServer {
    pub instance_type: String,
    /// gp3 root volume size; the Windows Server 2022 AMI needs at least 30 GiB.
    pub volume_size_gb: u32,
    /// The SMB share name (`\\<server>\<share_name>`).
    pub share_name: String,
    /// The local Windows account that owns the share.
    pub smb_user: String,
    /// The environment variable the CLI reads the account's password from.
    pub admin_password_env: String,
    /// The availability zone (one of `network.availability_zones`) whose
    /// private subnet holds the instance.
    pub availability_zone: String,
    /// The whole section.
    pub loc: Loc,
}

impl FileServer {
    pub const DEFAULT_PASSWORD_ENV: &'static str = "ECSFORGE_FILE_SERVER_PASSWORD";
    pub const MIN_VOLUME_GB: u32 = 30;
}

/// One `suppress:` entry of the manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestSuppression {
    /// Rule code or name.
    pub rule: String,
    /// Resource address, or `*`.
    pub resource: String,
    pub reason: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub bucket: String,
    pub lock_table: String,
    /// Prefix of the state key; the key is `<key_prefix>/<env>/terraform.tfstate`.
    pub key_prefix: String,
    /// Region of the state bucket (defaults to the manifest region).
    pub region: String,
    /// The `state` section.
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub availability_zones: Spanned<Vec<String>>,
    /// Extra interface endpoint services, by short name (`sts`, `ssm`, ...).
    pub extra_endpoints: Vec<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Kafka {
    pub brokers: Vec<String>,
    /// TCP ports the brokers listen on, taken from the broker endpoints (default 9092).
    pub ports: Vec<u16>,
    pub security_group_id: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Security {
    /// Customer-managed keys that encrypt the referenced secrets; execution
    /// roles get `kms:Decrypt` on these, via Secrets Manager/SSM only.
    pub secrets_kms_key_arns: Vec<String>,
    /// The account-wide audit resources (`security.audit`).
    pub audit: Audit,
    /// IAM roles people assume (`security.operator_roles`), created in every environment.
    pub operator_roles: Vec<OperatorRole>,
}

/// `security.audit`: the CloudTrail trail, its bucket and the AWS Config
/// recorder exist once per account (and region), so one environment's root
/// owns them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Audit {
    /// The owning environment as written; `None` means the default (see
    /// [`Manifest::audit_environment`]).
    pub environment: Option<Env>,
    /// The root user has enabled MFA delete on the audit bucket (it cannot be
    /// enabled through Terraform); the generated versioning declares it.
    pub mfa_delete: bool,
}

/// One `security.operator_roles` entry: a role people assume.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorRole {
    /// Short name; the role is `<project>-<env>-operator-<name>`.
    pub name: String,
    /// Account ids or IAM ARNs (`:root`, `:user/...`, `:role/...`) allowed to assume it.
    pub trusted_principals: Vec<String>,
    pub managed_policy_arns: Vec<String>,
    /// In prod, the largest `aws:MultiFactorAuthAge` (seconds) accepted.
    pub mfa_max_age_seconds: u32,
    pub loc: Loc,
}

/// A secret ecsforge creates (`services[].secrets.<NAME>: {managed: true}`):
/// `<project>/<env>/<service>/<NAME>`, without a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedSecret {
    /// The Lambda that rotates it; no rotation without one.
    pub rotation_lambda_arn: Option<String>,
    pub rotation_days: u32,
}

/// One environment, with every default already applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub env: Env,
    pub vpc_cidr: Spanned<Ipv4Net>,
    pub egress: Egress,
    pub log_retention_days: u32,
    /// Share of tasks on FARGATE_SPOT, 0–100. Always 0 in prod.
    pub fargate_spot_percent: u32,
    pub deletion_protection: bool,
    pub alb_allowed_cidrs: Vec<Ipv4Net>,
    pub certificate_arn: Option<String>,
    /// Per-service overrides, by service name.
    pub overrides: BTreeMap<String, ServiceOverride>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceOverride {
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    pub desired_count: Option<u32>,
    pub autoscaling_min: Option<u32>,
    pub autoscaling_max: Option<u32>,
    pub image_tag: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Autoscaling {
    pub min: u32,
    pub max: u32,
    pub cpu_target: u32,
    pub memory_target: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    pub paths: Vec<String>,
    pub hosts: Vec<String>,
    /// Explicit listener-rule priority; otherwise derived (see docs).
    pub priority: Option<u32>,
}

/// Where a secret lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    /// A Secrets Manager secret, by full ARN.
    SecretsManagerArn(String),
    /// A Secrets Manager secret in this account and region, by name.
    SecretsManagerName(String),
    /// An SSM parameter, by full ARN.
    SsmParameterArn(String),
    /// A secret ecsforge creates for this service in every environment.
    Managed(ManagedSecret),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: Spanned<String>,
    pub runtime: Runtime,
    pub service_type: ServiceType,
    pub port: u16,
    pub cpu: u32,
    pub memory: u32,
    pub desired_count: u32,
    pub autoscaling: Autoscaling,
    pub health_check_path: String,
    pub routing: Option<Routing>,
    pub environment: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, SecretRef>,
    pub kafka: bool,
    pub architecture: Architecture,
    /// Services allowed to call this one on its port (internal services only).
    pub allow_from: Vec<String>,
    pub read_only_root_filesystem: bool,
    pub image_tag: String,
    /// The whole service entry.
    pub loc: Loc,
    /// How new versions are rolled out (`deployment:`).
    pub deployment: Deployment,
    /// The service mounts the `file_server` share over SMB.
    pub mounts_file_server: bool,
    /// Where the tasks run (`capacity:`).
    pub capacity: Capacity,
    /// The DynamoDB tables the task role may use (`tables:`), sorted by table name.
    pub tables: Vec<TableGrant>,
}

/// A service with one environment's overrides applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedService<'a> {
    pub service: &'a Service,
    pub cpu: u32,
    pub memory: u32,
    pub desired_count: u32,
    pub autoscaling_min: u32,
    pub autoscaling_max: u32,
    pub image_tag: String,
}

impl Manifest {
    /// A service with the environment's overrides applied.
    pub fn resolve<'a>(&'a self, env: &Environment, service: &'a Service) -> ResolvedService<'a> {
        let o = env.overrides.get(service.name.as_str()).cloned().unwrap_or_default();
        ResolvedService {
            service,
            cpu: o.cpu.unwrap_or(service.cpu),
            memory: o.memory.unwrap_or(service.memory),
            desired_count: o.desired_count.unwrap_or(service.desired_count),
            autoscaling_min: o.autoscaling_min.unwrap_or(service.autoscaling.min),
            autoscaling_max: o.autoscaling_max.unwrap_or(service.autoscaling.max),
            image_tag: o.image_tag.unwrap_or_else(|| service.image_tag.clone()),
        }
    }

    pub fn has_public_services(&self) -> bool {
        self.services.iter().any(|s| s.service_type == ServiceType::Public)
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.as_str() == name)
    }

    /// The environment whose root creates the account-wide audit resources:
    /// `security.audit.environment`, else prod when declared, else the last
    /// declared environment in promotion order.
    pub fn audit_environment(&self) -> Option<Env> {
        self.security
            .audit
            .environment
            .filter(|e| self.environments.contains_key(e))
            .or_else(|| self.environments.contains_key(&Env::Prod).then_some(Env::Prod))
            .or_else(|| self.environments.keys().next_back().copied())
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name.as_str() == name)
    }

    /// Whether any service registers in Cloud Map (every internal service does).
    pub fn has_discovery(&self) -> bool {
        self.services.iter().any(|s| s.service_type == ServiceType::Internal)
    }
}

/// Which CI/CD system builds images and deploys services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CiProvider {
    /// AWS CodePipeline V2 + CodeBuild, sourcing from Bitbucket through CodeConnections (doc 003).
    CodePipeline,
    /// GitHub Actions with OIDC role assumption (doc 002).
    GithubActions,
}

impl CiProvider {
    pub const NAMES: [&'static str; 2] = ["codepipeline", "github-actions"];
    pub fn as_str(self) -> &'static str {
        match self {
            CiProvider::CodePipeline => "codepipeline",
            CiProvider::GithubActions => "github-actions",
        }
    }
    pub fn parse(s: &str) -> Option<CiProvider> {
        match s {
            "codepipeline" => Some(CiProvider::CodePipeline),
            "github-actions" => Some(CiProvider::GithubActions),
            _ => None,
        }
    }
}

/// The `ci:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Ci {
    pub provider: CiProvider,
    /// CodeConnections connection ARN (codepipeline only).
    pub connection_arn: Option<String>,
    /// `workspace/repo` (Bitbucket) or `org/repo` (GitHub): where every
    /// service's source lives unless `repositories` names another.
    pub repository: String,
    /// Per-service repository overrides, by service name.
    pub repositories: BTreeMap<String, String>,
    /// The branch that triggers GitHub Actions deployments (default `main`).
    pub branch: String,
    pub loc: Loc,
}

impl Ci {
    /// The repository holding `service`'s source.
    pub fn repository_of(&self, service: &str) -> &str {
        self.repositories.get(service).map(String::as_str).unwrap_or(&self.repository)
    }
}

/// The top-level `monitoring:` section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Monitoring {
    /// Subscribed by email to the critical and warning alarm topics.
    pub alarm_emails: Vec<String>,
    /// Subscribed by email to the pipeline notifications topic.
    pub pipeline_emails: Vec<String>,
}

/// `services[].deployment.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// ECS rolling update with the deployment circuit breaker.
    Rolling,
    /// Traffic shifted to the new version in steps, watched by an alarm.
    Canary,
}

/// `services[].deployment.controller`: who shifts the traffic of a canary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controller {
    /// `ecsforge rollout`: a blue and a green ECS service behind one weighted listener rule.
    Ecsforge,
    /// AWS CodeDeploy ECS blue/green with a canary or linear deployment config.
    Codedeploy,
}

/// `services[].deployment.alarm`: the alarm a rollout watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutAlarm {
    /// The target group's success rate, 1 - 5xx / requests, below 99.5 % for 2 minutes (doc 002).
    SuccessRate,
}

/// How a service's new versions are rolled out.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub strategy: Strategy,
    /// Cumulative traffic percentages of the new version, strictly increasing, ending at 100.
    pub steps: Vec<u32>,
    /// Minutes each step is held (and watched) before the next.
    pub step_minutes: u32,
    pub alarm: RolloutAlarm,
    pub controller: Controller,
    pub loc: Loc,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            strategy: Strategy::Rolling,
            steps: vec![100],
            step_minutes: 1,
            alarm: RolloutAlarm::SuccessRate,
            controller: Controller::Ecsforge,
            loc: Loc::default(),
        }
    }
}

impl Deployment {
    pub fn is_canary(&self) -> bool {
        self.strategy == Strategy::Canary
    }
}

/// The CodeDeploy traffic-routing shapes a step list can map to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodedeployShape {
    /// `[100]`: everything at once.
    AllAtOnce,
    /// `[p, 100]`: p % for one interval, then the rest.
    Canary(u32),
    /// `[p, 2p, …, 100]` with p dividing 100: equal increments.
    Linear(u32),
}

/// The CodeDeploy shape of a step list, or `None` when CodeDeploy cannot express it.
pub fn codedeploy_shape(steps: &[u32]) -> Option<CodedeployShape> {
    match steps {
        [100] => Some(CodedeployShape::AllAtOnce),
        [p, 100] if *p < 100 => Some(CodedeployShape::Canary(*p)),
        [p, ..]
            if *p > 0
                && 100 % p == 0
                && steps.len() as u32 == 100 / p
                && steps.iter().zip(1..).all(|(s, i)| *s == p * i) =>
        {
            Some(CodedeployShape::Linear(*p))
        }
        _ => None,
    }
}

/// A DynamoDB attribute type usable in a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyType {
    S,
    N,
    B,
}

impl KeyType {
    pub const NAMES: [&'static str; 3] = ["S", "N", "B"];
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::S => "S",
            KeyType::N => "N",
            KeyType::B => "B",
        }
    }
    pub fn parse(s: &str) -> Option<KeyType> {
        match s {
            "S" => Some(KeyType::S),
            "N" => Some(KeyType::N),
            "B" => Some(KeyType::B),
            _ => None,
        }
    }
}

/// A key attribute: `{name, type}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAttr {
    pub name: String,
    pub kind: KeyType,
}

/// A global secondary index (projection ALL).
#[derive(Clone, Debug, PartialEq)]
pub struct TableIndex {
    pub name: String,
    pub hash_key: KeyAttr,
    pub range_key: Option<KeyAttr>,
}

/// One `tables:` entry. The AWS name is `<project>-<env>-<name>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: Spanned<String>,
    pub hash_key: KeyAttr,
    pub range_key: Option<KeyAttr>,
    pub indexes: Vec<TableIndex>,
    pub loc: Loc,
}

impl Table {
    /// Every attribute used by the table's and its indexes' keys, by name (types agree; validated).
    pub fn attributes(&self) -> BTreeMap<String, KeyType> {
        let mut out = BTreeMap::new();
        let keys = std::iter::once(&self.hash_key)
            .chain(self.range_key.as_ref())
            .chain(self.indexes.iter().flat_map(|i| std::iter::once(&i.hash_key).chain(i.range_key.as_ref())));
        for k in keys {
            out.entry(k.name.clone()).or_insert(k.kind);
        }
        out
    }
}

/// What a service may do with a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableAccess {
    Read,
    Write,
    ReadWrite,
}

impl TableAccess {
    pub const NAMES: [&'static str; 3] = ["read", "write", "read-write"];
    pub fn as_str(self) -> &'static str {
        match self {
            TableAccess::Read => "read",
            TableAccess::Write => "write",
            TableAccess::ReadWrite => "read-write",
        }
    }
    pub fn parse(s: &str) -> Option<TableAccess> {
        match s {
            "read" => Some(TableAccess::Read),
            "write" => Some(TableAccess::Write),
            "read-write" => Some(TableAccess::ReadWrite),
            _ => None,
        }
    }
    pub fn reads(self) -> bool {
        self != TableAccess::Write
    }
    pub fn writes(self) -> bool {
        self != TableAccess::Read
    }
}

/// One `services[].tables` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct TableGrant {
    pub table: String,
    pub access: TableAccess,
    pub loc: Loc,
}

/// `services[].capacity`: where the tasks run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Capacity {
    /// FARGATE (and FARGATE_SPOT outside prod), the default.
    #[default]
    Fargate,
    /// The EC2 capacity provider declared under `capacity.ec2`.
    Ec2,
}

impl Capacity {
    pub const NAMES: [&'static str; 2] = ["fargate", "ec2"];
    pub fn as_str(self) -> &'static str {
        match self {
            Capacity::Fargate => "fargate",
            Capacity::Ec2 => "ec2",
        }
    }
    pub fn parse(s: &str) -> Option<Capacity> {
        match s {
            "fargate" => Some(Capacity::Fargate),
            "ec2" => Some(Capacity::Ec2),
            _ => None,
        }
    }
}

/// The top-level `capacity.ec2` section: an Auto Scaling group behind an ECS capacity provider.
#[derive(Clone, Debug, PartialEq)]
pub struct Ec2Capacity {
    pub instance_type: Spanned<String>,
    pub min: u32,
    pub max: u32,
    pub loc: Loc,
}

impl Ec2Capacity {
    /// The instance type's size (always known after validation).
    pub fn size(&self) -> &'static InstanceSize {
        instance_size(&self.instance_type).expect("validated instance type")
    }
}

/// An EC2 instance size from ecsforge's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceSize {
    pub name: &'static str,
    pub vcpus: u32,
    /// Nominal memory in MiB.
    pub memory_mib: u32,
    pub architecture: Architecture,
}

impl InstanceSize {
    /// CPU units a task may use: every vCPU (1024 units each).
    pub fn task_cpu(&self) -> u32 {
        self.vcpus * 1024
    }
    /// MiB a task may use: the nominal memory less 10 % for the OS, the ECS
    /// agent and what the ECS-optimized AMI does not register.
    pub fn task_memory(&self) -> u32 {
        self.memory_mib - self.memory_mib / 10
    }
}

/// The instance types `capacity.ec2.instance_type` accepts (general purpose, burstable,
/// compute and memory optimised; Intel and Graviton).
pub const INSTANCE_SIZES: &[InstanceSize] = &{
    use Architecture::{Arm64 as A, X86_64 as X};
    const fn i(name: &'static str, vcpus: u32, gib: u32, architecture: Architecture) -> InstanceSize {
        InstanceSize { name, vcpus, memory_mib: gib * 1024, architecture }
    }
    [
        i("t3.small", 2, 2, X),
        i("t3.medium", 2, 4, X),
        i("t3.large", 2, 8, X),
        i("t3.xlarge", 4, 16, X),
        i("t4g.small", 2, 2, A),
        i("t4g.medium", 2, 4, A),
        i("t4g.large", 2, 8, A),
        i("t4g.xlarge", 4, 16, A),
        i("m6i.large", 2, 8, X),
        i("m6i.xlarge", 4, 16, X),
        i("m6i.2xlarge", 8, 32, X),
        i("m7g.large", 2, 8, A),
        i("m7g.xlarge", 4, 16, A),
        i("m7g.2xlarge", 8, 32, A),
        i("c6i.large", 2, 4, X),
        i("c6i.xlarge", 4, 8, X),
        i("c7g.large", 2, 4, A),
        i("c7g.xlarge", 4, 8, A),
        i("r6i.large", 2, 16, X),
        i("r7g.large", 2, 16, A),
    ]
};

pub fn instance_size(name: &str) -> Option<&'static InstanceSize> {
    INSTANCE_SIZES.iter().find(|i| i.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codedeploy_expresses_only_canary_and_linear_step_lists() {
        assert_eq!(codedeploy_shape(&[100]), Some(CodedeployShape::AllAtOnce));
        assert_eq!(codedeploy_shape(&[10, 100]), Some(CodedeployShape::Canary(10)));
        assert_eq!(codedeploy_shape(&[25, 50, 75, 100]), Some(CodedeployShape::Linear(25)));
        assert_eq!(codedeploy_shape(&[10, 20, 50, 70, 100]), None);
        assert_eq!(codedeploy_shape(&[30, 60, 90, 100]), None);
        assert_eq!(codedeploy_shape(&[20, 40, 60, 80]), None);
    }
}
