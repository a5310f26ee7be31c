//! # EF022 fargate-task-size: task cpu and memory form a valid Fargate size
//!
//! **What it checks.** Every Fargate task definition's `cpu`/`memory` pair is
//! in the Fargate table (256 CPU: 512–2048 MiB ... 16384 CPU: 32–120 GiB).
//!
//! **Why it matters.** An invalid pair is only rejected by the ECS API at
//! apply time, after the rest of the stack has changed.
//!
//! **Failing example.**
//! ```json
//! "aws_ecs_task_definition": {"api": {"requires_compatibilities": ["FARGATE"], "cpu": "256", "memory": "4096"}}
//! ```
//!
//! **Fix.** Pick a valid pair, e.g. `cpu 256` with `memory 512`, `1024` or `2048`.
//!
//! Doc 003 property 22. NIST CM-6. SOC-2 CC8.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF022",
    name: "fargate-task-size",
    severity: Severity::Error,
    property: Some(22),
    nist: &["CM-6"],
    soc2: &["CC8.1"],
    summary: "Fargate task cpu/memory is a valid combination",
};

fn valid(cpu: i64, memory: i64) -> bool {
    match (u32::try_from(cpu), u32::try_from(memory)) {
        (Ok(c), Ok(m)) => ecsforge_model::fargate::is_valid(c, m),
        _ => false,
    }
}

pub fn check(m: &InfraModel, out: &mut Findings) {
    for td in m.of_kind(Kind::EcsTaskDefinition) {
        let fargate = blocks(td, "requires_compatibilities").iter().any(|v| v.as_str() == Some("FARGATE"));
        if !fargate {
            continue;
        }
        match (int_attr(td, "cpu"), int_attr(td, "memory")) {
            (Some(c), Some(mem)) if !valid(c, mem) => out.report(td, format!("cpu {c} with memory {mem} is not a Fargate task size")),
            (None, _) | (_, None) if td.get("cpu").is_none() || td.get("memory").is_none() => {
                out.report(td, "Fargate task definitions need task-level cpu and memory")
            }
            _ => {}
        }
    }
}
