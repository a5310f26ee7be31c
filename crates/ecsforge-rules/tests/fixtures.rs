//! A passing and a failing fixture per rule (issue #3, "Prove it").
//!
//! Every directory `tests/fixtures/<CODE>/` holds `pass.<ext>` and
//! `fail.<ext>`: a small CloudFormation template (`yaml`) or a real
//! `terraform show -json` plan (`plan.json`, regenerated from the roots
//! `tf-pass/` and `tf-fail/` by `regenerate.sh`). Cross-environment rules take
//! one file per environment, `pass.<env>.<ext>` and `fail.<env>.<ext>`, judged
//! together. Each fixture is ingested exactly as `ecsforge check` ingests it
//! and checked with every rule; only the rule under test is asserted (other
//! rules may fire on a minimal fixture). The failing fixtures' findings of the
//! rule are rendered like `ecsforge check --format text` in plain style and
//! snapshotted, one snapshot per rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ecsforge_model::InfraModel;
use ecsforge_rules::{CROSS_REGISTRY, Finding, REGISTRY};
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan, ThemeCharacters, ThemeStyles};

/// Rules without a fixture directory, each with the reason.
const WITHOUT_FIXTURES: &[(&str, &str)] = &[];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture files' extensions: CloudFormation, then Terraform plan JSON.
const EXTENSIONS: [&str; 2] = ["yaml", "plan.json"];

/// One fixture: `(name shown in reports, source text)` per environment file.
type Fixture = Vec<(String, String)>;

/// The fixtures of one rule directory, by (`pass`/`fail`, extension).
fn fixtures(code: &str) -> BTreeMap<(String, &'static str), Fixture> {
    let mut out: BTreeMap<(String, &'static str), Fixture> = BTreeMap::new();
    let dir = fixtures_dir().join(code);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
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

fn ingest(name: &str, text: &str) -> InfraModel {
    ecsforge_ingest::ingest(name, text).unwrap_or_else(|e| panic!("{name} does not ingest:\n{}", e.render(false)))
}

/// Ingests a fixture and returns the findings of rule `code`: every
/// single-environment rule on each file, or the cross-environment rules on
/// all its files together when `code` is one of those.
fn check(code: &str, fixture: &Fixture) -> Vec<Finding> {
    let models: Vec<InfraModel> = fixture.iter().map(|(name, text)| ingest(name, text)).collect();
    let all: Vec<Finding> = if CROSS_REGISTRY.iter().any(|r| r.meta.code == code) {
        let refs: Vec<&InfraModel> = models.iter().collect();
        ecsforge_rules::check_environments(&refs, &[])
    } else {
        assert_eq!(models.len(), 1, "{code}: a single-environment rule takes one file per fixture");
        ecsforge_rules::check(&models[0], None, &[])
    };
    all.into_iter().filter(|f| f.code == code).collect()
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
fn render(findings: &[Finding], sources: &BTreeMap<String, String>) -> String {
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

fn fixture_codes() -> BTreeSet<String> {
    std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect()
}

fn registered() -> BTreeSet<&'static str> {
    REGISTRY.iter().map(|r| r.meta.code).chain(CROSS_REGISTRY.iter().map(|r| r.meta.code)).collect()
}

#[test]
fn every_rule_passes_its_pass_fixture_and_fails_its_fail_fixture() {
    let codes = fixture_codes();
    assert!(!codes.is_empty(), "no fixtures under {}", fixtures_dir().display());
    let mut problems = Vec::new();
    let mut snapshots = Vec::new();
    for code in &codes {
        assert!(registered().contains(code.as_str()), "tests/fixtures/{code}: no rule {code} is registered");
        let all = fixtures(code);
        for kind in ["pass", "fail"] {
            assert!(all.keys().any(|(k, _)| k == kind), "tests/fixtures/{code} has no {kind} fixture");
        }
        let mut sources = BTreeMap::new();
        let mut failing = Vec::new();
        for ((kind, ext), fixture) in &all {
            let found = check(code, fixture);
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
                    failing.push((*ext, found));
                }
                _ => {}
            }
        }
        if !failing.is_empty() {
            let mut text = String::new();
            for (_, found) in failing {
                text.push_str(&render(&found, &sources));
            }
            snapshots.push((code, text));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    for (code, text) in snapshots {
        insta::assert_snapshot!(code.as_str(), text);
    }
}

#[test]
fn every_registered_rule_has_fixtures() {
    let codes = fixture_codes();
    let allowed: BTreeMap<&str, &str> = WITHOUT_FIXTURES.iter().copied().collect();
    let missing: Vec<&str> =
        registered().into_iter().filter(|c| !codes.contains(*c) && !allowed.contains_key(c)).collect();
    assert!(
        missing.is_empty(),
        "rules without tests/fixtures/<CODE>/pass.* and fail.*: {}; add fixtures (or, for a rule no \
         template or plan can show, an entry with the reason in WITHOUT_FIXTURES)",
        missing.join(", ")
    );
    let stale: Vec<&str> =
        allowed.keys().copied().filter(|c| codes.contains(*c) || !registered().contains(c)).collect();
    assert!(stale.is_empty(), "WITHOUT_FIXTURES lists rules that have fixtures or do not exist: {}", stale.join(", "));
}

/// `ecsforge check` tells formats apart by content: each `.plan.json` fixture
/// must be detected as a plan and each `.yaml` one as a template.
#[test]
fn fixture_formats_are_detected() {
    for code in fixture_codes() {
        for ((_, ext), fixture) in fixtures(&code) {
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
