//! The rule fixtures through the binary: `ecsforge check --format text` on
//! every failing fixture of ecsforge-rules and ecsforge-reach prints each
//! diagnostic of that rule's snapshot verbatim, so the snapshots show what
//! users see (the rules' fixture tests render with a copy of report.rs's
//! plain style), and exits 1. Passing fixtures do not mention their rule.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn crates() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The fixture files of `code` whose name starts with `kind` (`pass`/`fail`),
/// grouped by format: one group per extension, several files for rules
/// judged across environments.
fn fixture_groups(dir: &Path, code: &str, kind: &str) -> Vec<Vec<String>> {
    let mut files: Vec<String> = std::fs::read_dir(dir.join(code))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|f| f.starts_with(&format!("{kind}.")))
        .collect();
    files.sort();
    let mut groups: Vec<Vec<String>> = Vec::new();
    for ext in ["yaml", "plan.json"] {
        let g: Vec<String> =
            files.iter().filter(|f| f.ends_with(&format!(".{ext}"))).map(|f| format!("{code}/{f}")).collect();
        if !g.is_empty() {
            groups.push(g);
        }
    }
    groups
}

/// The diagnostics of a snapshot file, one string per finding.
fn snapshot_diagnostics(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text.splitn(3, "---\n").nth(2).expect("insta header");
    let mut out: Vec<String> = Vec::new();
    for line in body.lines() {
        if line.starts_with("  x ") || out.is_empty() {
            out.push(String::new());
        }
        let cur = out.last_mut().unwrap();
        cur.push_str(line);
        cur.push('\n');
    }
    out.into_iter().map(|d| d.trim_end().to_string()).filter(|d| !d.is_empty()).collect()
}

/// Runs `ecsforge check --format text` on `files` (relative to `dir`).
fn check(dir: &Path, files: &[String]) -> (Option<i32>, String) {
    let mut c = Command::cargo_bin("ecsforge").expect("binary builds");
    c.current_dir(dir).env("NO_COLOR", "1").args(["check", "--format", "text"]);
    if files.len() > 1 {
        c.arg("--all-envs");
    }
    let out = c.args(files).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn fixtures_render_like_their_snapshots(krate: &str) {
    let dir = crates().join(krate).join("tests/fixtures");
    let mut codes: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    codes.sort();
    assert!(!codes.is_empty());
    let mut problems = Vec::new();
    for code in &codes {
        let snapshot = crates().join(krate).join(format!("tests/snapshots/fixtures__{code}.snap"));
        let mut wanted = snapshot_diagnostics(&snapshot);
        let mut printed = String::new();
        for files in fixture_groups(&dir, code, "fail") {
            let (status, stdout) = check(&dir, &files);
            if status != Some(1) {
                problems.push(format!("{}: exit {status:?}, expected 1 (findings)", files.join(" ")));
            }
            printed.push_str(&stdout);
        }
        wanted.retain(|d| !printed.contains(d.as_str()));
        if !wanted.is_empty() {
            problems
                .push(format!("{code}: the binary does not print these snapshot diagnostics:\n{}", wanted.join("\n")));
        }
        for files in fixture_groups(&dir, code, "pass") {
            let (_, stdout) = check(&dir, &files);
            if stdout.contains(&format!("[{code}]")) {
                problems.push(format!("{}: the binary reports {code} on a passing fixture", files.join(" ")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn rule_fixtures_render_like_their_snapshots() {
    fixtures_render_like_their_snapshots("ecsforge-rules");
}

#[test]
fn reach_fixtures_render_like_their_snapshots() {
    fixtures_render_like_their_snapshots("ecsforge-reach");
}
