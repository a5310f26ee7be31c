//! Test support shared by the CLI tests that run the real Terraform CLI:
//! the prerequisite check and the environment every terraform child gets.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The SMB password examples with a `file_server` are synthesized and planned with:
/// `ecsforge synth` checks it (ECSFORGE_FILE_SERVER_PASSWORD), terraform takes it as
/// TF_VAR_file_server_admin_password. It must never appear in generated files.
pub const FILE_SERVER_PASSWORD: &str = "Plan-Only-Passw0rd!";

pub const SKIP_VAR: &str = "ECSFORGE_SKIP_TERRAFORM";
pub const PLUGIN_MIRROR: &str = "/opt/tf-plugins";
pub const MIN_TERRAFORM: (u32, u32) = (1, 11);

/// Writes straight to the process's stderr, past the test harness's output capture,
/// so that timings and skip notices show up in CI logs without `--nocapture`.
pub fn note(msg: impl AsRef<str>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", msg.as_ref());
}

pub fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name} must be a whole number, got {v:?}")),
        Err(_) => default,
    }
}

/// How to run terraform: extra environment for every child process.
pub struct Terraform {
    pub env: Vec<(&'static str, OsString)>,
    pub timeout: Duration,
}

/// Checks the prerequisites once per test binary. `None` means "skip"
/// (`ECSFORGE_SKIP_TERRAFORM=1`); a missing prerequisite fails the test with a message
/// naming it.
pub fn terraform() -> Option<&'static Terraform> {
    if env_flag(SKIP_VAR) {
        note(format!("skipped: {SKIP_VAR}=1"));
        return None;
    }
    static SETUP: OnceLock<Result<Terraform, String>> = OnceLock::new();
    match SETUP.get_or_init(setup) {
        Ok(tf) => Some(tf),
        Err(msg) => panic!("{msg}"),
    }
}

pub fn setup() -> Result<Terraform, String> {
    let missing = format!(
        "terraform >= {}.{} not found on PATH; install it or set {SKIP_VAR}=1 to skip",
        MIN_TERRAFORM.0, MIN_TERRAFORM.1
    );
    let out = match StdCommand::new("terraform").args(["version", "-json"]).stdin(Stdio::null()).output() {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            return Err(format!(
                "{missing}\n(`terraform version -json` failed: {}\n{}{})",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Err(e) => return Err(format!("{missing}\n({e})")),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = json_string_field(&text, "terraform_version")
        .ok_or_else(|| format!("{missing}\n(cannot read the version in {text:?})"))?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    if (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) < MIN_TERRAFORM {
        return Err(format!("{missing}\n(found terraform {version})"));
    }

    let mut env: Vec<(&'static str, OsString)> = vec![
        ("TF_IN_AUTOMATION", "1".into()),
        ("TF_INPUT", "0".into()),
        ("CHECKPOINT_DISABLE", "1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("TF_VAR_file_server_admin_password", FILE_SERVER_PASSWORD.into()),
    ];

    // An explicitly configured CLI config wins. A variable naming a file that does not
    // exist is treated as unset: terraform would only warn and then try the network.
    let configured = std::env::var_os("TF_CLI_CONFIG_FILE").filter(|p| !p.is_empty());
    if let Some(path) = configured.as_ref().filter(|p| !Path::new(p).is_file()) {
        note(format!(
            "note: TF_CLI_CONFIG_FILE={} does not exist; using a CLI config for the mirror {PLUGIN_MIRROR}",
            Path::new(path).display()
        ));
    }
    if let Some(path) = configured.as_ref().filter(|p| Path::new(p).is_file()) {
        // Terraform runs in scratch directories: make a relative path absolute.
        let path = fs::canonicalize(path).map_err(|e| format!("TF_CLI_CONFIG_FILE: {e}"))?;
        env.push(("TF_CLI_CONFIG_FILE", path.into_os_string()));
    } else {
        if !Path::new(PLUGIN_MIRROR).join("registry.terraform.io").is_dir() {
            return Err(format!(
                "terraform provider mirror {PLUGIN_MIRROR} not found (it must hold hashicorp/aws 5.100 for \
                 offline `terraform init`); create it, point TF_CLI_CONFIG_FILE at a CLI config that can \
                 install the provider, or set {SKIP_VAR}=1 to skip"
            ));
        }
        // No `plugin_cache_dir`: providers from an unpacked filesystem mirror are
        // symlinked into `.terraform/`, never copied, so a cache saves nothing (and
        // terraform does not promise that concurrent inits may share one).
        let config = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{PLUGIN_MIRROR}\"\n    \
             include = [\"registry.terraform.io/*/*\"]\n  }}\n}}\n"
        );
        let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ecsforge-terraform.tfrc");
        let part = file.with_extension(format!("tfrc.{}", std::process::id()));
        fs::write(&part, config)
            .and_then(|()| fs::rename(&part, &file))
            .map_err(|e| format!("cannot write the terraform CLI config {}: {e}", file.display()))?;
        env.push(("TF_CLI_CONFIG_FILE", file.into_os_string()));
    }

    Ok(Terraform { env, timeout: Duration::from_secs(env_number("ECSFORGE_TF_TIMEOUT_SECS", 600)) })
}

/// The string value of `"key":"value"` in compact JSON (enough for `terraform version -json`).
pub fn json_string_field(json: &str, key: &str) -> Option<String> {
    let rest = &json[json.find(&format!("\"{key}\""))? + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}
