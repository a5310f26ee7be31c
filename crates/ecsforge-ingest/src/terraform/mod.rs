//! Terraform inputs: plan JSON (`plan`) and JSON-syntax configuration (`config`).

pub mod config;
pub mod plan;
