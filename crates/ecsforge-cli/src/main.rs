//! `ecsforge`: a thin binary over the library crates. Only this crate knows
//! about terminals, files and exit codes (0 clean, 1 findings, 2 error).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use ecsforge_manifest::{Env, Manifest, Style};

mod check;
mod cost;
mod deploy;
mod live;
mod report;
mod write;

#[derive(Parser)]
#[command(name = "ecsforge", version, about = "Manifest → production ECS Fargate platform on AWS, through Terraform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write one Terraform root module (JSON syntax) per environment.
    Synth(SynthArgs),
    /// Validate the manifest and report every problem; writes nothing.
    Validate(ManifestArg),
    /// Check infrastructure against every rule: a manifest (synthesized first),
    /// `terraform show -json` plans, `*.tf.json` directories or CloudFormation templates.
    Check(check::CheckArgs),
    /// Static reachability: can each service's tasks reach ECR, S3, Logs and
    /// their secrets, and by which path? The doc-000 diagnosis, before deploying.
    Reach(check::ReachArgs),
    /// List every rule.
    Rules,
    /// Print a rule's documentation: what it checks, why, an example and the fix.
    Explain {
        /// Rule code (EF016) or name (deployment-min-healthy).
        rule: String,
    },
    /// Monthly cost per environment, line by line; `--compare egress` weighs
    /// the egress designs, `--diff OLD NEW` gives a Markdown table of changes.
    Cost(cost::CostArgs),
    /// Write the root module that creates the Terraform state bucket and lock
    /// table named in the manifest's `state` section (local state; apply it once).
    Bootstrap(BootstrapArgs),
    /// Synthesize one environment, run terraform init/plan/show, and gate the
    /// plan with the rules, reachability and cost; keeps the saved plan only
    /// when the gate passes.
    Plan(deploy::PlanArgs),
    /// Apply the saved plan `ecsforge plan` checked (and nothing else), with
    /// progress; Terraform's full output goes to a log file.
    Apply(deploy::ApplyArgs),
}

#[derive(Args)]
struct BootstrapArgs {
    #[command(flatten)]
    input: ManifestArg,
    /// Output directory of the bootstrap root module.
    #[arg(short, long, default_value = "bootstrap")]
    output: PathBuf,
}

#[derive(Args)]
struct ManifestArg {
    /// The manifest to read.
    #[arg(default_value = "ecsforge.yaml")]
    manifest: PathBuf,
}

#[derive(Args)]
struct SynthArgs {
    #[command(flatten)]
    input: ManifestArg,
    /// Synthesize only this environment (develop, test, qa, prod).
    #[arg(long, conflicts_with = "all")]
    env: Option<String>,
    /// Synthesize every declared environment (the default).
    #[arg(long)]
    all: bool,
    /// Output directory; each environment goes to `<DIR>/<env>/`.
    #[arg(short, long, default_value = "out")]
    output: PathBuf,
}

/// An error already reported to the user (diagnostics printed).
#[derive(Debug)]
pub(crate) struct Reported;
impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reported")
    }
}
impl std::error::Error for Reported {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth(a) => synth(a),
        Command::Validate(a) => validate(a),
        Command::Check(a) => check::run(a),
        Command::Reach(a) => check::reach(a),
        Command::Rules => check::rules(),
        Command::Explain { rule } => check::explain(&rule),
        Command::Cost(a) => cost::run(a),
        Command::Bootstrap(a) => bootstrap(a),
        Command::Plan(a) => deploy::plan(a),
        Command::Apply(a) => deploy::apply(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.is::<Reported>() => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

pub(crate) fn fancy() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn style() -> Style {
    if io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() { Style::Fancy } else { Style::Plain }
}

pub(crate) fn load(path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read manifest {}; hint: pass the path of an ecsforge.yaml", path.display()))?;
    let name = path.display().to_string();
    ecsforge_manifest::load(&name, &text).map_err(|e| {
        eprint!("{}", e.render(style()));
        anyhow::Error::new(Reported)
    })
}

/// Doc 000's Windows Server 2022 password check, run before synth when the
/// manifest declares a `file_server`. The password is read from the variable
/// `file_server.admin_password_env` names; it is never printed or written.
/// With `required`, a missing variable is an error (synth); otherwise the
/// check runs only when the variable is set (validate, check).
pub(crate) fn check_file_server_password(m: &Manifest, required: bool) -> Result<()> {
    let Some(fs) = &m.file_server else { return Ok(()) };
    let var = fs.admin_password_env.as_str();
    let tf_var = format!("TF_VAR_{}", ecsforge_synth::FILE_SERVER_PASSWORD_VARIABLE);
    match std::env::var(var) {
        Ok(password) => ecsforge_manifest::password::check_windows_password(&password).map_err(|e| {
            anyhow::anyhow!(
                "{var}: {e}; hint: choose a password of at least 8 characters with 3 of: uppercase, lowercase, \
                 digits, special characters"
            )
        }),
        Err(std::env::VarError::NotPresent) if !required => Ok(()),
        Err(std::env::VarError::NotPresent) => bail!(
            "the manifest declares a file_server, but the environment variable {var} is not set; hint: export \
             {var} with the SMB account's password so ecsforge can check it against the Windows Server 2022 \
             rules (it is never written to the generated files), and give the same value to terraform as \
             {tf_var}"
        ),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("the environment variable {var} is not valid UTF-8; hint: use a password of printable characters")
        }
    }
}

fn validate(a: ManifestArg) -> Result<ExitCode> {
    let m = load(&a.manifest)?;
    check_file_server_password(&m, false)?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{}: valid; {} services, environments: {}",
        a.manifest.display(),
        m.services.len(),
        m.environments.keys().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
    )?;
    Ok(ExitCode::SUCCESS)
}

fn synth(a: SynthArgs) -> Result<ExitCode> {
    let m = load(&a.input.manifest)?;
    let envs: Vec<Env> = match &a.env {
        Some(e) => match Env::parse(e) {
            Some(env) if m.environments.contains_key(&env) => vec![env],
            Some(env) => bail!(
                "environment `{env}` is not declared in {}; hint: declared environments are {}",
                a.input.manifest.display(),
                m.environments.keys().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
            ),
            None => bail!("environment must be one of: develop, test, qa, prod (got `{e}`)"),
        },
        None => m.environments.keys().copied().collect(),
    };
    check_file_server_password(&m, true)?;
    // Everything is generated in memory first: an error leaves the output untouched.
    let mut roots = Vec::new();
    for env in envs {
        let model = ecsforge_synth::synth(&m, env)?;
        let files = ecsforge_terraform::emit(&model)?;
        roots.push((env, model.resources.len(), files));
    }
    let ci_files = ecsforge_synth::ci::files(&m);
    let mut out = io::stdout().lock();
    for (env, count, files) in &roots {
        let dir = a.output.join(env.as_str());
        write::root(&dir, files).with_context(|| format!("cannot write {}", dir.display()))?;
        writeln!(out, "wrote {} ({} files, {} resources)", dir.display(), files.len(), count)?;
    }
    write::ci_files(&a.output, &ci_files).with_context(|| format!("cannot write {}", a.output.join("ci").display()))?;
    if !ci_files.is_empty() {
        writeln!(out, "wrote {} ({} files)", a.output.join("ci").display(), ci_files.len())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn bootstrap(a: BootstrapArgs) -> Result<ExitCode> {
    let m = load(&a.input.manifest)?;
    // Generated in memory first: an error leaves the output untouched.
    let model = ecsforge_synth::bootstrap::bootstrap(&m)?;
    let files = ecsforge_terraform::emit(&model)?;
    write::root(&a.output, &files).with_context(|| format!("cannot write {}", a.output.display()))?;
    writeln!(
        io::stdout().lock(),
        "wrote {} ({} files, {} resources): state bucket {} and lock table {} in {}; run terraform init && terraform apply there once",
        a.output.display(),
        files.len(),
        model.resources.len(),
        m.state.bucket,
        m.state.lock_table,
        m.state.region,
    )?;
    Ok(ExitCode::SUCCESS)
}
