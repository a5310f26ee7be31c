//! Helpers for showing a position in a source file.
//!
//! Diagnostics draw the source line under a message. Machine-written inputs
//! such as `terraform show -json` put megabytes on one line, which no
//! terminal can show (and which miette's renderer cannot lay out), so
//! renderers draw lines up to [`MAX_SNIPPET_LINE`] bytes and show an
//! [`excerpt`] of longer ones.

/// The longest line, in bytes, drawn as a source snippet.
pub const MAX_SNIPPET_LINE: usize = 400;

/// Whether the line holding byte `at` of `src` is longer than [`MAX_SNIPPET_LINE`].
pub fn is_long_line(src: &str, at: usize) -> bool {
    let at = at.min(src.len());
    let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = src[at..].find('\n').map_or(src.len(), |i| at + i);
    end - start > MAX_SNIPPET_LINE
}

/// Up to 100 characters of `src` from byte `at` to the end of its line, with
/// `…` when cut. `at` is moved back to a character boundary if needed.
pub fn excerpt(src: &str, at: usize) -> String {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let rest = &src[at..];
    let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let mut out: String = rest.chars().take(100).collect();
    if out.len() < rest.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_and_excerpts() {
        let long = format!("short\n{{\"a\": \"{}\"}}\nend", "é".repeat(300));
        assert!(!is_long_line(&long, 2));
        assert!(is_long_line(&long, 10));
        assert!(!is_long_line(&long, long.len()));
        assert_eq!(excerpt("ab\ncd", 3), "cd");
        let e = excerpt(&long, 7);
        assert!(e.starts_with("\"a\": \"é") && e.ends_with('…') && e.chars().count() == 101, "{e}");
        // Inside a multi-byte character: moved back to its start.
        assert!(excerpt(&long, 14).starts_with('é'));
    }
}
