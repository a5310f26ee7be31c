//! # EF105 runtime-platform: Fargate tasks declare their CPU architecture and OS
//!
//! **What it checks.** Every Fargate task definition has a `runtime_platform`
//! block with `cpu_architecture` and `operating_system_family`.
//!
//! **Why it matters.** Without it Fargate assumes X86_64/LINUX; an ARM64 image
//! then fails with `exec format error`, and the ~20 % Graviton saving (doc 000)
//! is lost.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {"api": {"requires_compatibilities": ["FARGATE"]}}
//! ```
//!
//! **Fix.** `"runtime_platform": [{"cpu_architecture": "ARM64", "operating_system_family": "LINUX"}]`.
//!
//! Design doc 000 §5. NIST CM-2. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF105",
    name: "runtime-platform",
    severity: Severity::Warning,
    property: None,
    nist: &["CM-2"],
    soc2: &["CC8.1"],
    summary: "Fargate task definitions declare runtime_platform",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        if !blocks(td, "requires_compatibilities").iter().any(|v| v.as_str() == Some("FARGATE")) {
            continue;
        }
        let p = block(td, "runtime_platform");
        let has = |k: &str| p.and_then(|b| b.get(k)).is_some_and(|v| !matches!(v, Value::Null));
        if !has("cpu_architecture") || !has("operating_system_family") {
            out.report(td, "task definition does not declare runtime_platform cpu_architecture and operating_system_family; Fargate assumes X86_64/LINUX");
        }
    }
}
