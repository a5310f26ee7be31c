//! # EF045 secret-rotation: managed secrets rotate automatically
//!
//! **What it checks.** Every `aws_secretsmanager_secret` in the model has an
//! `aws_secretsmanager_secret_rotation` whose `secret_id` refers to it (or
//! names its ARN or name) with a `rotation_rules` block, or sets the legacy
//! inline `rotation_lambda_arn`. `rotation_lambda_arn` is not required on the
//! rotation resource, because managed rotation (RDS, Redshift, DocumentDB
//! master passwords) needs no Lambda. Without any
//! `aws_secretsmanager_secret` in the model the rule has nothing to check:
//! ecsforge references secrets created elsewhere and does not create them.
//!
//! Interpretation of doc 003 property 45 ("for any secret with supported
//! rotation, rotation_lambda_arn is configured"): which secrets support rotation
//! depends on what they hold, which the model cannot see, so every secret the
//! model creates is expected to rotate; a secret that cannot (a third-party API
//! key) is a case for a suppression with its reason.
//!
//! **Why it matters.** A credential that never rotates stays valid for as long
//! as any copy of it exists: in old task definitions, laptops, chat logs.
//!
//! **Failing example.**
//! ```json
//! "aws_secretsmanager_secret": {"orders_db": {"name": "shop/orders-db", "kms_key_id": "${aws_kms_key.secrets.arn}"}}
//! ```
//!
//! **Fix.**
//! ```json
//! "aws_secretsmanager_secret_rotation": {"orders_db": {"secret_id": "${aws_secretsmanager_secret.orders_db.id}",
//!   "rotation_lambda_arn": "${aws_lambda_function.rotate_postgres.arn}", "rotation_rules": [{"automatically_after_days": 30}]}}
//! ```
//!
//! Doc 003 property 45. NIST IA-5, AC-2. SOC-2 CC6.1.

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EF045",
    name: "secret-rotation",
    severity: Severity::Warning,
    property: Some(45),
    nist: &["IA-5", "AC-2"],
    soc2: &["CC6.1"],
    summary: "Secrets Manager secrets have a rotation configuration",
};

pub fn check(m: &InfraModel, out: &mut Findings) {
    let rotations = Links::new(of_type(m, "aws_secretsmanager_secret_rotation"), "secret_id");
    for s in of_type(m, "aws_secretsmanager_secret") {
        if is_set(s.get("rotation_lambda_arn")) != Some(false) {
            continue;
        }
        let mine = rotations.to(s, &["arn", "id", "name"]);
        if mine.is_empty() {
            if !rotations.unknown {
                out.report(s, "secret has no rotation, so the credential stays valid indefinitely; add an aws_secretsmanager_secret_rotation with rotation_rules (and rotation_lambda_arn unless the service rotates it for you)");
            }
            continue;
        }
        if mine.iter().all(|r| is_set(r.get("rotation_rules")) == Some(false)) {
            out.report(s, "secret's rotation has no rotation_rules, so it never runs on a schedule; set rotation_rules { automatically_after_days = 30 }");
        }
    }
}
