//! `check --live` and `reach --live`: the model of what an account really
//! holds, read through the describe APIs (crate `ecsforge-aws`), judged by the
//! same rules and reachability as a plan.
//!
//! Scope and names come from the manifest (project, environment, region,
//! `aws.endpoint`) and, when the environment's root has Terraform state, from
//! `terraform show -json`: each live resource is then named by its Terraform
//! address, so findings read the same as on the plan.
//!
//! A live model holds only the resource types the adapter describes
//! ([`ecsforge_aws::LIVE_TYPES`]). A rule that reads any other type cannot be
//! judged on it; such rules are listed as not judged, never counted as passed.

use std::path::PathBuf;

use anyhow::{Result, bail};
use ecsforge_manifest::{Env, Manifest};
use ecsforge_model::InfraModel;
#[cfg(feature = "aws")]
use {
    anyhow::Context,
    ecsforge_model::Address,
    serde_json::Value as Json,
    std::collections::BTreeMap,
    std::path::Path,
    std::process::{Command, Stdio},
};

/// Where the live model comes from: `--live` and its companions.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct LiveArgs {
    /// Read the environment from AWS (the describe APIs) instead of files;
    /// PATH is then the manifest (default ecsforge.yaml) and --env is required.
    #[arg(long, requires = "env")]
    pub live: bool,
    /// With --live: the output directory `ecsforge plan` wrote to, whose
    /// Terraform state names the live resources by their addresses.
    #[arg(short, long, default_value = "out", requires = "live")]
    pub output: PathBuf,
    /// With --live: an AWS-compatible endpoint (overrides `aws.endpoint`).
    #[arg(long, requires = "live")]
    pub endpoint: Option<String>,
}

/// Maps every resource id and ARN in the root's Terraform state to its
/// address. Empty when the root has no state (the live names then are
/// `<type>.<id>`).
#[cfg(feature = "aws")]
pub fn state_names(dir: &Path) -> Result<BTreeMap<String, Address>> {
    if !dir.join(".terraform").is_dir() {
        return Ok(BTreeMap::new());
    }
    let terraform = std::env::var("ECSFORGE_TERRAFORM").unwrap_or_else(|_| "terraform".into());
    let out = Command::new(&terraform)
        .args(["show", "-json"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{terraform} show -json` in {}", dir.display()))?;
    if !out.status.success() {
        bail!(
            "`terraform show -json` failed in {}: {}; hint: run `ecsforge plan` there first, or remove the directory to read the account without names",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let state: Json = serde_json::from_slice(&out.stdout).context("terraform show -json printed invalid JSON")?;
    Ok(ecsforge_aws::names_from_state(&state))
}

/// Reads the live model of `env` of the manifest's project.
#[cfg(feature = "aws")]
pub fn model(m: &Manifest, env: Env, a: &LiveArgs) -> Result<InfraModel> {
    let endpoint = a.endpoint.clone().or_else(|| m.aws.endpoint.as_ref().map(|e| e.value.clone()));
    if let Some(e) = &a.endpoint
        && let Some(why) = ecsforge_manifest::endpoint_error(e)
    {
        bail!("--endpoint `{e}` is not a usable endpoint: {why}; hint: e.g. --endpoint http://127.0.0.1:5000");
    }
    let names = state_names(&a.output.join(env.as_str()))?;
    let opts = ecsforge_aws::AwsOptions { region: m.region.value.clone(), endpoint, profile: None };
    let scope = ecsforge_aws::Scope {
        project: m.project.value.clone(),
        environment: env.as_str().to_string(),
        region: m.region.value.clone(),
        names,
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start tokio")?;
    rt.block_on(async {
        let cfg = ecsforge_aws::sdk_config(&opts).await;
        ecsforge_aws::read_live(&cfg, &scope).await
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Without the `aws` feature there is no live adapter.
#[cfg(not(feature = "aws"))]
pub fn model(_: &Manifest, _: Env, _: &LiveArgs) -> Result<InfraModel> {
    bail!(
        "this ecsforge was built without the `aws` feature, so it cannot read live accounts; hint: build it with `cargo build -p ecsforge-cli --features aws`"
    )
}

/// The resource types a live model can hold.
#[cfg(feature = "aws")]
pub fn live_types() -> &'static [&'static str] {
    ecsforge_aws::LIVE_TYPES
}

#[cfg(not(feature = "aws"))]
pub fn live_types() -> &'static [&'static str] {
    &[]
}

/// Types a live model never holds because the adapter reports the same
/// facts in another shape, so a rule that reads them is still judged.
pub const FOLDED: &[(&str, &str)] = &[
    (
        "aws_security_group_rule",
        "every security group rule is read as an aws_vpc_security_group_ingress_rule or _egress_rule",
    ),
    ("aws_vpc_endpoint_route_table_association", "a gateway endpoint's route tables are its route_table_ids"),
];

/// The rules that cannot be judged on a live model, each with the first type
/// it reads that the live adapter does not describe.
pub fn not_judged() -> Vec<(&'static str, &'static str)> {
    ecsforge_rules::all_rules()
        .into_iter()
        .filter_map(|(meta, _)| {
            {
                let observed: Vec<&str> = live_types().iter().copied().chain(FOLDED.iter().map(|(t, _)| *t)).collect();
                ecsforge_rules::reads::judgeable(meta.code, &observed)
            }
            .err()
            .map(|t| (meta.code, t))
        })
        .collect()
}

#[cfg(all(test, feature = "aws"))]
mod tests {
    /// The rules a live model cannot judge, pinned so that the README's count
    /// and the adapter's coverage change together: CI/CD, CloudTrail, Config
    /// and IAM users are not read.
    #[test]
    fn rules_not_judged_live() {
        let codes: Vec<String> = super::not_judged().iter().map(|(c, t)| format!("{c} ({t})")).collect();
        assert_eq!(
            codes,
            [
                "EF003 (aws_codedeploy_deployment_group)",
                "EF012 (aws_codeconnections_connection)",
                "EF013 (aws_codepipeline)",
                "EF014 (aws_codebuild_project)",
                "EF015 (aws_codedeploy_app)",
                "EF032 (aws_codepipeline)",
                "EF048 (aws_codebuild_project)",
                "EF052 (aws_cloudtrail)",
                "EF053 (aws_cloudtrail)",
                "EF054 (aws_iam_user)",
                "EF056 (aws_config_configuration_recorder)",
            ]
        );
        assert_eq!(ecsforge_rules::all_rules().len(), 61, "the README says 11 of 61");
    }
}
