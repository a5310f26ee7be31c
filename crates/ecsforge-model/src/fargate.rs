//! The Fargate task-size table (Linux, platform version 1.4.0).

/// Valid memory sizes (MiB) for a Fargate CPU value, or `None` for an invalid CPU.
pub fn valid_memory(cpu: u32) -> Option<Vec<u32>> {
    let (lo, hi, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return None,
    };
    Some((lo..=hi).step_by(step as usize).collect())
}

/// The valid CPU values.
pub const CPU_VALUES: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

pub fn is_valid(cpu: u32, memory: u32) -> bool {
    valid_memory(cpu).is_some_and(|m| m.contains(&memory))
}

/// A short human description of the valid memory for `cpu`.
pub fn describe(cpu: u32) -> String {
    match valid_memory(cpu) {
        None => format!("cpu must be one of {}", CPU_VALUES.map(|c| c.to_string()).join(", ")),
        Some(m) if m.len() <= 4 => {
            format!("cpu {cpu} takes memory {}", m.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))
        }
        Some(m) => format!("cpu {cpu} takes memory {} to {} in steps of {}", m[0], m[m.len() - 1], m[1] - m[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_aws() {
        assert!(is_valid(256, 512));
        assert!(!is_valid(256, 4096));
        assert!(is_valid(4096, 30720));
        assert!(!is_valid(4096, 31744));
        assert!(is_valid(8192, 61440));
        assert!(!is_valid(8192, 17408));
        assert!(is_valid(16384, 122880));
        assert!(!is_valid(300, 512));
        let count: usize = CPU_VALUES.iter().map(|c| valid_memory(*c).unwrap().len()).sum();
        // 3 + 4 + 7 + 13 + 23 + 12 + 12
        assert_eq!(count, 74);
        assert_eq!(describe(512), "cpu 512 takes memory 1024, 2048, 3072, 4096");
        assert_eq!(describe(1024), "cpu 1024 takes memory 2048 to 8192 in steps of 1024");
    }
}
