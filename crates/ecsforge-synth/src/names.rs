//! Naming: Terraform identifiers and length-limited AWS names.

use sha2::{Digest, Sha256};

/// A Terraform identifier from a manifest name (`orders-api` → `orders_api`).
pub fn tf_ident(name: &str) -> String {
    name.replace(['-', '.', '/'], "_")
}

/// Joins `parts` with `-`; when longer than `max`, keeps a prefix and appends
/// 6 hex digits of a SHA-256 of the full name, so the result stays unique and stable.
pub fn aws_name(parts: &[&str], max: usize) -> String {
    let full = parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("-");
    if full.len() <= max {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let hash: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    let keep = max - 7;
    let head = full[..keep].trim_end_matches('-');
    format!("{head}-{hash}")
}

/// The AZ suffix used in resource names (`us-east-1a` → `a`).
pub fn az_suffix(region: &str, az: &str) -> String {
    let s = az.strip_prefix(region).unwrap_or(az);
    tf_ident(if s.is_empty() { az } else { s })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_stay_unique() {
        assert_eq!(tf_ident("orders-api"), "orders_api");
        assert_eq!(aws_name(&["shop", "prod", "orders"], 32), "shop-prod-orders");
        let long = aws_name(&["a-very-long-project", "develop", "notifications-worker-service"], 32);
        assert_eq!(long.len(), 32);
        let other = aws_name(&["a-very-long-project", "develop", "notifications-worker-servicf"], 32);
        assert_ne!(long, other);
        assert_eq!(az_suffix("us-east-1", "us-east-1a"), "a");
    }
}
