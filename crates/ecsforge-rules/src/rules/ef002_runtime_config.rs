//! # EF002 runtime-config: containers carry their runtime's health check and platform
//!
//! **What it checks.** For every `aws_ecs_task_definition`:
//! - every essential container (`essential` absent or `true`) has a
//!   `healthCheck.command` that starts with `CMD` or `CMD-SHELL` and has a
//!   non-empty command after it;
//! - when `runtime_platform` is present, `cpu_architecture` is `X86_64` or
//!   `ARM64` and `operating_system_family` is `LINUX` or a `WINDOWS_SERVER_*`
//!   value ECS accepts.
//!
//! Interpretation of doc 003 property 2 ("the appropriate base image and
//! runtime-specific configurations"): the image is a build artifact (an ECR
//! URL plus a tag), so its base image cannot be judged from infrastructure.
//! What the infrastructure does carry per runtime is the container health
//! check (ecsforge runs it with the runtime's own interpreter, `node -e` or
//! `python -c`, because slim images rarely ship curl) and the platform the
//! image was built for. That a Fargate task declares `runtime_platform` at all
//! is rule EF105's check and is not reported twice here; the container half of
//! property 33 (public services have a container health check) is this rule.
//!
//! **Why it matters.** Without a container health check ECS only notices a
//! crashed process, not a hung one, and a deployment circuit breaker has
//! nothing to judge internal services by. An invalid platform value is
//! rejected by the ECS API only at apply time.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {"worker": {"container_definitions": "[{\"name\": \"worker\", \"essential\": true}]",
//!   "runtime_platform": [{"cpu_architecture": "AMD64", "operating_system_family": "LINUX"}]}}
//! ```
//!
//! **Fix.** Give each essential container
//! `"healthCheck": {"command": ["CMD-SHELL", "node -e \"...\""], "interval": 30, "timeout": 5, "retries": 3}`
//! and use `cpu_architecture` `ARM64` or `X86_64`.
//!
//! Doc 003 property 2. NIST CM-2, SI-4. SOC-2 CC7.2, CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF002",
    name: "runtime-config",
    severity: Severity::Warning,
    property: Some(2),
    nist: &["CM-2", "SI-4"],
    soc2: &["CC7.2", "CC8.1"],
    summary: "essential containers have a health check command; runtime_platform values are valid",
};

/// `Some(true)` when the container has a usable health-check command, `None` when unknown.
fn has_health_command(c: &Value) -> Option<bool> {
    let Some(hc) = c.get("healthCheck") else { return Some(false) };
    let cmd = match hc.get("command") {
        Some(Value::Unknown) => return None,
        Some(Value::List(l)) => l,
        _ => return Some(false),
    };
    let kind = cmd.first().and_then(Value::as_str);
    let rest_known = cmd.iter().skip(1).any(|v| v.as_str().is_none_or(|s| !s.trim().is_empty()));
    Some(matches!(kind, Some("CMD") | Some("CMD-SHELL")) && rest_known)
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        for c in containers(td) {
            if c.get("essential").and_then(as_bool) == Some(false) {
                continue;
            }
            let name = c.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
            if has_health_command(c) == Some(false) {
                out.report(td, format!("container `{name}` has no healthCheck command, so ECS cannot tell a hung task from a healthy one; add healthCheck.command [\"CMD-SHELL\", \"...\"] that probes the service with the runtime's interpreter"));
            }
        }
        let Some(p) = block(td, "runtime_platform") else { continue };
        if let Some(Value::String(a)) = p.get("cpu_architecture")
            && a != "X86_64"
            && a != "ARM64"
        {
            out.report(td, format!("runtime_platform.cpu_architecture `{a}` is not an ECS value; use ARM64 or X86_64"));
        }
        if let Some(Value::String(os)) = p.get("operating_system_family")
            && os != "LINUX"
            && !os.starts_with("WINDOWS_SERVER_")
        {
            out.report(td, format!("runtime_platform.operating_system_family `{os}` is not an ECS value; use LINUX"));
        }
    }
}
