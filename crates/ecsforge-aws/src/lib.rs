//! `ecsforge-aws`: the AWS SDK clients and the live ingest adapter.
//!
//! This is the **only** crate of the workspace that talks to the network. The
//! core crates (manifest, synth, model, rules, reach, cost) stay pure; the CLI
//! calls [`read_live`] to turn what is deployed in an account into the same
//! [`InfraModel`] the Terraform plan ingest builds, so the same rules and the
//! same reachability analysis run on both.
//!
//! # Clients
//! [`sdk_config`] builds an [`aws_config::SdkConfig`] from the default
//! credential chain (environment, profile, SSO, process, container and
//! instance metadata), with the region, optional endpoint override and profile
//! of [`AwsOptions`], and the standard retry mode of design doc 000: 3
//! attempts, 2 s initial backoff, 30 s maximum. [`sdk_config_with_retry`]
//! takes another [`RetryConfig`] (tests use one attempt).
//!
//! # What is read
//! Through the describe/list/get APIs, paginating everything: EC2 (VPCs and
//! their DNS attributes, subnets, route tables with their routes and subnet
//! associations, internet and NAT gateways, VPC endpoints, security groups
//! and their rules, network ACLs), ECS (clusters, services, the task
//! definitions the services run), ECR (repositories, repository and lifecycle
//! policies), IAM (roles, inline and attached policies), ELBv2 (load
//! balancers, target groups, listeners, listener rules and the attributes the
//! rules read), CloudWatch Logs (log groups), IAM customer managed policies
//! (attached to an in-scope role or named with the prefix), Secrets Manager
//! (secrets, their resource policies and rotation), KMS (customer managed
//! keys with their key policy and rotation status, and aliases), EC2 flow
//! logs, the ECR registry policy, Application Auto Scaling (the scalable
//! targets of in-scope services and their policies), CloudWatch metric
//! alarms and S3 (buckets with default encryption, versioning, public access
//! block and policy).
//! [`LIVE_TYPES`] lists the
//! Terraform types produced. Every attribute uses the hashicorp/aws provider
//! schema with the names and shapes the plan ingest produces (blocks are
//! lists of maps, JSON documents are [`Value::Json`](ecsforge_model::Value::Json)); enum values that an
//! API (or moto) returns in another case are normalised to the provider's.
//!
//! # Scope
//! Only the resources of one project and environment are read, decided
//! deterministically:
//! * VPCs tagged `Project = <project>` and `Environment = <environment>`
//!   (synth tags every taggable resource so), and everything inside those
//!   VPCs: subnets, route tables, gateways, endpoints, security groups and
//!   their rules, network ACLs, load balancers, target groups (and the
//!   listeners and rules of those load balancers).
//! * ECS clusters tagged with the project and environment, or named
//!   `<project>-<environment>` or `<project>-<environment>-*`; all services
//!   of those clusters; the task definition revision each service runs.
//! * ECR repositories tagged so, or named `<project>/<environment>/*`,
//!   `<project>-<environment>` or `<project>-<environment>-*`.
//! * IAM roles named `<project>-<environment>-*`, or used by an in-scope task
//!   definition as execution or task role.
//! * Log groups with a path segment starting with `<project>-<environment>`
//!   (`/ecs/<project>-<environment>/api`), or named by an in-scope container's
//!   `awslogs-group`.
//! * Customer managed IAM policies attached to an in-scope role or named
//!   `<project>-<environment>-*`.
//! * Secrets tagged so, named `<project>/<environment>/…` or
//!   `<project>-<environment>…`, or injected into an in-scope container.
//! * Customer managed KMS keys tagged so, targeted by an alias named
//!   `alias/<project>-<environment>…`, or used (`kms_key_id`, ...) by a
//!   resource read above; the aliases so named or targeting those keys.
//! * Scalable targets `service/<in-scope cluster>/*` and their policies.
//! * Metric alarms named `<project>-<environment>-…`, or with a metric
//!   dimension naming an in-scope cluster, load balancer or target group.
//! * S3 buckets of the scope's region named `<project>-<environment>…` or
//!   named by an in-scope resource (an ALB's access log bucket).
//!
//! Default VPC resources Terraform does not manage as ordinary resources (the
//! default network ACL and security group of a VPC, its main route table
//! while untouched (no tags, only the `local` route), a route table's `local`
//! route and main association, the routes a gateway endpoint adds, an ACL's
//! final `*` deny) are left out, as are default listener rules (they are the
//! listener's `default_action`). Everything else is read as it is, including
//! the allow-all egress rule AWS gives a new security group (Terraform
//! removes it; when it is there, it is there).
//!
//! Security group rules are read as the standalone
//! `aws_vpc_security_group_{ingress,egress}_rule` types synth writes, never as
//! inline blocks, and routes as standalone `aws_route`s, so nothing is counted
//! twice.
//!
//! # Addresses and references
//! [`Scope::names`] maps a resource id or ARN, or `<terraform type> <id>`
//! (which wins), to its Terraform address (the CLI fills it from the state). Without an entry the address is
//! `<terraform type>.<name>`, the name being the resource's `Name` tag or
//! AWS name with the `<project>-<environment>` prefix removed (`main` when
//! nothing is left) and made an identifier (`ecr.dkr` → `ecr_dkr`), or the id
//! when there is no name. Clashing names get the id appended. Derived
//! resources are named after their parents (`aws_route.<table>_<destination>`,
//! `aws_route_table_association.<subnet>`). After reading, every id, ARN and
//! name of a read resource is indexed, and attribute values that Terraform
//! configuration writes as references (`vpc_id`, `subnet_ids`, a service's
//! `cluster` and `task_definition`, role ARNs, a rule's
//! `referenced_security_group_id`, ...) become [`Value::Ref`](ecsforge_model::Value::Ref) when they equal
//! one of them; unknown ids stay strings.
//!
//! Provenance: file `aws://<region>/<service>`, pointer the resource id or ARN.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use ecsforge_model::{Address, InfraModel};

mod alarms;
mod autoscaling;
mod collect;
mod ec2;
mod ecr;
mod ecs;
mod elb;
mod iam;
mod kms;
mod logs;
pub mod moto;
mod s3;
mod secrets;
pub mod state;
pub use state::names_from_state;

pub use collect::LIVE_TYPES;

/// Where and as whom to call AWS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub region: String,
    /// An endpoint override for every service (a local moto server, LocalStack).
    pub endpoint: Option<String>,
    /// A named profile of the shared config/credentials files.
    pub profile: Option<String>,
}

/// The standard retry policy of design doc 000: 3 attempts, exponential
/// backoff from 2 s up to 30 s.
pub fn standard_retry() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_secs(2))
        .with_max_backoff(Duration::from_secs(30))
}

/// The SDK configuration for `opts`, with the default credential chain and [`standard_retry`].
pub async fn sdk_config(opts: &AwsOptions) -> SdkConfig {
    sdk_config_with_retry(opts, standard_retry()).await
}

/// [`sdk_config`] with another retry policy.
pub async fn sdk_config_with_retry(opts: &AwsOptions, retry: RetryConfig) -> SdkConfig {
    loader(opts, retry).load().await
}

pub(crate) fn loader(opts: &AwsOptions, retry: RetryConfig) -> aws_config::ConfigLoader {
    let mut l = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(opts.region.clone()))
        .retry_config(retry);
    if let Some(e) = &opts.endpoint {
        l = l.endpoint_url(e);
    }
    if let Some(p) = &opts.profile {
        l = l.profile_name(p);
    }
    l
}

/// Which project and environment to read, and the known Terraform addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub project: String,
    pub environment: String,
    pub region: String,
    /// Resource id or ARN, or `<terraform type> <id>` (looked up first) →
    /// Terraform address (from the Terraform state).
    pub names: BTreeMap<String, Address>,
}

impl Scope {
    /// `<project>-<environment>`, the prefix of synthesized AWS names.
    pub fn prefix(&self) -> String {
        format!("{}-{}", self.project, self.environment)
    }

    /// Whether tags carry this scope's `Project` and `Environment`.
    pub(crate) fn tagged(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get("Project").is_some_and(|p| *p == self.project)
            && tags.get("Environment").is_some_and(|e| *e == self.environment)
    }

    /// Whether an AWS name starts with `<project>-<environment>` (followed by nothing or `-`).
    pub(crate) fn named(&self, name: &str) -> bool {
        let p = self.prefix();
        name == p || name.strip_prefix(&p).is_some_and(|r| r.starts_with('-'))
    }

    /// [`Scope::named`], or a path-like name under `<project>/<environment>/`
    /// (ECR repositories, secrets, KMS aliases after `alias/`).
    pub(crate) fn named_or_under(&self, name: &str) -> bool {
        self.named(name)
            || name
                .strip_prefix(self.project.as_str())
                .and_then(|r| r.strip_prefix('/'))
                .and_then(|r| r.strip_prefix(self.environment.as_str()))
                .is_some_and(|r| r.starts_with('/'))
    }
}

/// A failed AWS call.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("aws call {service}:{operation} failed{}: {message}; hint: {hint}", for_resource(resource))]
    Call {
        service: &'static str,
        operation: &'static str,
        /// The resource the call was about, when it was about one.
        resource: Option<String>,
        message: String,
        hint: String,
    },
}

fn for_resource(r: &Option<String>) -> String {
    r.as_ref().map(|r| format!(" for {r}")).unwrap_or_default()
}

/// Reads the live resources of `scope` into a model.
pub async fn read_live(cfg: &SdkConfig, scope: &Scope) -> Result<InfraModel, LiveError> {
    let ctx = collect::Ctx::new(cfg, scope);
    let account_id = ctx.account_id().await?;
    let mut items = Vec::new();
    let net = ec2::read(&ctx, &mut items).await?;
    let ecs = ecs::read(&ctx, &mut items).await?;
    ecr::read(&ctx, &mut items).await?;
    iam::read(&ctx, &ecs.role_arns, &mut items).await?;
    elb::read(&ctx, &net.vpc_ids, &mut items).await?;
    logs::read(&ctx, &ecs.log_groups, &mut items).await?;
    secrets::read(&ctx, &ecs.value_from, &mut items).await?;
    let clusters = autoscaling::cluster_names(&items);
    autoscaling::read(&ctx, &clusters, &mut items).await?;
    alarms::read(&ctx, &alarms::scoped_dimensions(&clusters, &items), &mut items).await?;
    s3::read(&ctx, &s3::bucket_uses(&items), &mut items).await?;
    // Keys last: which are in scope depends on what uses them.
    kms::read(&ctx, &kms::key_uses(&items), &mut items).await?;
    let mut model = collect::build(scope, &ctx.region, items);
    model.project = scope.project.clone();
    model.environment = scope.environment.clone();
    model.region = ctx.region.clone();
    model.account_id = account_id;
    Ok(model)
}
