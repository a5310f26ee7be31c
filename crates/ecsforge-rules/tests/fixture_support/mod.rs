//! The pass/fail fixture harness shared by `ecsforge-rules/tests/fixtures.rs`
//! and `ecsforge-reach/tests/fixtures.rs` (which includes this file by path,
//! as the reach crate depends on the rules crate and not the reverse).
//!
//! A fixture directory `<CODE>/` holds `pass.<ext>` and `fail.<ext>`: a small
//! CloudFormation template (`yaml`) or a real `terraform show -json` plan
//! (`plan.json`). Rules judged across environments take one file per
//! environment, `pass.<env>.<ext>` and `fail.<env>.<ext>`, judged together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ecsforge_model::InfraModel;
use ecsforge_rules::Finding;
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan, ThemeCharacters, ThemeStyles};

/// The fixture files' extensions: CloudFormation, then Terraform plan JSON.
pub const EXTENSIONS: [&str; 2] = ["yaml", "plan.json"];

/// One fixture: `(name shown in reports, source text)` per environment file.
pub type Fixture = Vec<(String, String)>;

/// The rule codes that have a fixture directory under `dir`.
pub fn codes(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect()
}

/// The fixtures of one rule directory, by (`pass`/`fail`, extension).
pub fn fixtures(dir: &Path, code: &str) -> BTreeMap<(String, &'static str), Fixture> {
    let mut out: BTreeMap<(String, &'static str), Fixture> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(code)).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files.into_iter().filter(|p| p.is_file()) {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(ext) = EXTENSIONS.into_iter().find(|e| file.ends_with(&format!(".{e}"))) else { continue };
        let stem = &file[..file.len() - ext.len() - 1];
        let kind = stem.split('.').next().unwrap().to_string();
        assert!(kind == "pass" || kind == "fail", "{code}/{file}: fixture files are named pass.* or fail.*");
        let text = std::fs::read_to_string(&path).unwrap();
        out.entry((kind, ext)).or_default().push((format!("{code}/{file}"), text));
    }
    out
}

/// Ingests one fixture file exactly as `ecsforge check` does.
pub fn ingest(name: &str, text: &str) -> InfraModel {
    ecsforge_ingest::ingest(name, text).unwrap_or_else(|e| panic!("{name} does not ingest:\n{}", e.render(false)))
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Rendered {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

/// Byte offset of a 1-based line and column.
fn offset(text: &str, line: u32, col: u32) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u32 + 1 == line {
            return off + l.chars().take(col.saturating_sub(1) as usize).map(char::len_utf8).sum::<usize>();
        }
        off += l.len();
    }
    text.len()
}

/// Renders findings as `ecsforge check --format text` does without colours
/// (crates/ecsforge-cli/src/report.rs): the head line, the offending source
/// line labelled with the resource address, and the `explain` hint.
pub fn render(findings: &[Finding], sources: &BTreeMap<String, String>) -> String {
    let theme = GraphicalTheme { characters: ThemeCharacters::ascii(), styles: ThemeStyles::none() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(110).with_links(false);
    let mut out = String::new();
    for f in findings {
        let head = format!("{}[{}] {}: {}", f.severity.as_str(), f.code, f.rule, f.message);
        match sources.get(&f.provenance.file).filter(|_| f.provenance.line > 0) {
            Some(src) => {
                let at = offset(src, f.provenance.line, f.provenance.col);
                let line_len = src[at..].find('\n').unwrap_or(src.len() - at);
                let r = Rendered {
                    message: head,
                    src: NamedSource::new(&f.provenance.file, src.clone()),
                    span: SourceSpan::new(at.into(), line_len),
                    label: f.address.to_string(),
                    help: Some(format!("`ecsforge explain {}` tells why this matters and how to fix it", f.code)),
                };
                handler.render_report(&mut out, &r).unwrap();
            }
            None => out.push_str(&format!("{head}\n  --> {} ({})\n", f.provenance.file, f.address)),
        }
        out.push('\n');
    }
    out
}

/// Checks every fixture directory under `dir` with `check(code, fixture)`
/// (the findings of rule `code` on that fixture): a pass fixture must have
/// none, a fail fixture at least one. Panics listing every violation;
/// otherwise returns, per rule, the rendered findings of its fail fixtures
/// for the caller to snapshot.
pub fn run(
    dir: &Path,
    registered: &BTreeSet<&str>,
    check: impl Fn(&str, &Fixture) -> Vec<Finding>,
) -> Vec<(String, String)> {
    let codes = codes(dir);
    assert!(!codes.is_empty(), "no fixtures under {}", dir.display());
    let mut problems = Vec::new();
    let mut snapshots = Vec::new();
    for code in codes {
        if !registered.contains(code.as_str()) {
            problems.push(format!("{}/{code}: no rule {code} is registered", dir.display()));
            continue;
        }
        let all = fixtures(dir, &code);
        for kind in ["pass", "fail"] {
            if !all.keys().any(|(k, _)| k == kind) {
                problems.push(format!("{}/{code} has no {kind} fixture", dir.display()));
            }
        }
        let mut sources = BTreeMap::new();
        let mut failing = Vec::new();
        for ((kind, _), fixture) in &all {
            let found = check(&code, fixture);
            let names: Vec<&str> = fixture.iter().map(|(n, _)| n.as_str()).collect();
            match kind.as_str() {
                "pass" if !found.is_empty() => problems.push(format!(
                    "{} should pass {code} but has:\n{}",
                    names.join(" + "),
                    found.iter().map(|f| format!("  {}: {}", f.address, f.message)).collect::<Vec<_>>().join("\n")
                )),
                "fail" if found.is_empty() => {
                    problems.push(format!("{} should fail {code} but does not", names.join(" + ")))
                }
                "fail" => {
                    sources.extend(fixture.iter().cloned());
                    failing.push(found);
                }
                _ => {}
            }
        }
        if !failing.is_empty() {
            let text: String = failing.iter().map(|found| render(found, &sources)).collect();
            snapshots.push((code, text));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    snapshots
}

/// Registered rules without a fixture directory under `dir`, except those
/// allowed (with a reason); panics also when an allowed rule has fixtures or
/// does not exist, so the list stays honest.
pub fn assert_every_rule_has_fixtures(dir: &Path, registered: &BTreeSet<&str>, allowed: &[(&str, &str)]) {
    let codes = codes(dir);
    let allowed: BTreeMap<&str, &str> = allowed.iter().copied().collect();
    let missing: Vec<&str> =
        registered.iter().copied().filter(|c| !codes.contains(*c) && !allowed.contains_key(c)).collect();
    assert!(
        missing.is_empty(),
        "rules without {}/<CODE>/pass.* and fail.*: {}; add fixtures (or, for a rule no template or plan \
         can show, an entry with the reason in the allow-list)",
        dir.display(),
        missing.join(", ")
    );
    let stale: Vec<&str> = allowed.keys().copied().filter(|c| codes.contains(*c) || !registered.contains(c)).collect();
    assert!(stale.is_empty(), "the allow-list names rules that have fixtures or do not exist: {}", stale.join(", "));
}

/// `ecsforge check` tells formats apart by content: each `.plan.json` fixture
/// must be detected as a plan and each `.yaml` one as a template, which says
/// in `Description` what it shows.
pub fn assert_formats(dir: &Path) {
    for code in codes(dir) {
        for ((_, ext), fixture) in fixtures(dir, &code) {
            for (name, text) in fixture {
                let want = if ext == "yaml" {
                    ecsforge_ingest::Format::CloudFormation
                } else {
                    ecsforge_ingest::Format::TerraformPlan
                };
                assert_eq!(ecsforge_ingest::detect(&name, &text), Some(want), "{name}");
                if ext == "yaml" {
                    assert!(text.contains("\nDescription: "), "{name}: say in Description what the fixture shows");
                }
            }
        }
    }
}
