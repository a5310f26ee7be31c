//! Rendering findings: text (with the offending source line), JSON, SARIF 2.1.0
//! (for GitHub code scanning) and JUnit XML.

use std::collections::BTreeMap;

use ecsforge_rules::{Finding, RuleMeta, Severity};

/// A rule as reports need it.
struct Rule {
    meta: &'static RuleMeta,
    doc: String,
}
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan, ThemeCharacters, ThemeStyles};
use serde_sarif::sarif;

/// Source texts by file name, for showing offending lines.
pub type Sources = BTreeMap<String, String>;

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

pub fn text(findings: &[Finding], sources: &Sources, fancy: bool) -> String {
    let theme = if fancy {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme { characters: ThemeCharacters::ascii(), styles: ThemeStyles::none() }
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(110).with_links(false);
    let mut out = String::new();
    for f in findings {
        let head = format!(
            "{}[{}] {}: {}{}",
            f.severity.as_str(),
            f.code,
            f.rule,
            f.message,
            f.suppressed.as_ref().map(|r| format!(" (suppressed: {r})")).unwrap_or_default()
        );
        match sources.get(&f.provenance.file).filter(|_| f.provenance.line > 0) {
            Some(src) => {
                let at = offset(src, f.provenance.line, f.provenance.col);
                let line_len = src[at..].find('\n').unwrap_or(src.len() - at);
                if ecsforge_model::text::is_long_line(src, at) {
                    // Minified input (`terraform show -json` is one line): a
                    // source snippet would be megabytes wide, so show the
                    // location and an excerpt from the finding's position.
                    let p = &f.provenance;
                    out.push_str(&format!(
                        "{head}\n  --> {}:{}:{} ({})\n   | {}\n  help: `ecsforge explain {}` tells why this matters and how to fix it\n",
                        p.file,
                        p.line,
                        p.col,
                        f.address,
                        ecsforge_model::text::excerpt(src, at),
                        f.code
                    ));
                    out.push('\n');
                    continue;
                }
                let r = Rendered {
                    message: head,
                    src: NamedSource::new(&f.provenance.file, src.clone()),
                    span: SourceSpan::new(at.into(), line_len),
                    label: f.address.to_string(),
                    help: Some(format!("`ecsforge explain {}` tells why this matters and how to fix it", f.code)),
                };
                let _ = handler.render_report(&mut out, &r);
            }
            None => {
                out.push_str(&format!("{head}\n  --> {} ({})\n", f.provenance.file, f.address));
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(findings));
    out
}

pub fn summary(findings: &[Finding]) -> String {
    let active: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let count = |s: Severity| active.iter().filter(|f| f.severity == s).count();
    let suppressed = findings.len() - active.len();
    format!(
        "{} finding{}: {} error, {} warning, {} info; {} suppressed\n",
        active.len(),
        if active.len() == 1 { "" } else { "s" },
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        suppressed
    )
}

pub fn json(findings: &[Finding]) -> String {
    let active = findings.iter().filter(|f| f.suppressed.is_none()).count();
    let v = serde_json::json!({
        "findings": findings,
        "summary": {"total": findings.len(), "active": active, "suppressed": findings.len() - active},
    });
    serde_json::to_string_pretty(&v).expect("findings serialize") + "\n"
}

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

/// SARIF 2.1.0 as GitHub code scanning accepts it: every rule described, every
/// result with a physical location, suppressions as `external` suppressions.
pub fn sarif(findings: &[Finding]) -> String {
    let all = crate::check::catalogue();
    let rules: Vec<sarif::ReportingDescriptor> = all
        .iter()
        .map(|(meta, doc)| {
            let r = Rule { meta, doc: doc.clone() };
            let mut tags: Vec<String> = vec!["security".into()];
            tags.extend(r.meta.nist.iter().map(|c| format!("NIST-{c}")));
            tags.extend(r.meta.soc2.iter().map(|c| format!("SOC2-{c}")));
            if let Some(p) = r.meta.property {
                tags.push(format!("property-{p}"));
            }
            sarif::ReportingDescriptor::builder()
                .id(r.meta.code)
                .name(r.meta.name)
                .short_description(sarif::MultiformatMessageString::builder().text(r.meta.summary).build())
                .full_description(sarif::MultiformatMessageString::builder().text(r.meta.summary).build())
                .help(sarif::MultiformatMessageString::builder().text(r.doc.clone()).markdown(r.doc.clone()).build())
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::json!(level_str(r.meta.severity)))
                        .build(),
                )
                .properties(sarif::PropertyBag::builder().tags(tags).build())
                .build()
        })
        .collect();
    let results: Vec<sarif::Result> = findings
        .iter()
        .map(|f| {
            let index = all.iter().position(|(m, _)| m.code == f.code).unwrap_or(0) as i64;
            let region = sarif::Region::builder()
                .start_line(i64::from(f.provenance.line.max(1)))
                .start_column(i64::from(f.provenance.col.max(1)))
                .build();
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(sarif::ArtifactLocation::builder().uri(f.provenance.file.clone()).build())
                        .region(region)
                        .build(),
                )
                .build();
            let mut fp = BTreeMap::new();
            fp.insert("ecsforge/v1".to_string(), format!("{}:{}", f.code, f.address));
            let mut b = sarif::Result::builder()
                .rule_id(f.code)
                .rule_index(index)
                .level(level(f.severity))
                .message(sarif::Message::builder().text(format!("{}: {}", f.address, f.message)).build())
                .locations(vec![location])
                .partial_fingerprints(fp)
                .build();
            if let Some(reason) = &f.suppressed {
                b.suppressions = Some(vec![
                    sarif::Suppression::builder()
                        .kind(serde_json::json!("external"))
                        .justification(reason.clone())
                        .build(),
                ]);
            }
            b
        })
        .collect();
    let run = sarif::Run::builder()
        .tool(
            sarif::Tool::builder()
                .driver(
                    sarif::ToolComponent::builder()
                        .name("ecsforge")
                        .semantic_version(env!("CARGO_PKG_VERSION"))
                        .information_uri("https://example.invalid/ecsforge")
                        .rules(rules)
                        .build(),
                )
                .build(),
        )
        .results(results)
        .build();
    let log =
        sarif::Sarif::builder().schema(sarif::SCHEMA_URL).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
    serde_json::to_string_pretty(&log).expect("sarif serializes") + "\n"
}

fn level_str(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// JUnit XML: one test suite per input, one test case per rule; a rule with
/// active findings fails, suppressed-only findings pass with a note.
pub fn junit(inputs: &[(String, Vec<Finding>)]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("ecsforge check");
    for (name, findings) in inputs {
        let mut suite = TestSuite::new(name.clone());
        for (meta, _) in crate::check::catalogue() {
            let r = Rule { meta, doc: String::new() };
            let mine: Vec<&Finding> = findings.iter().filter(|f| f.code == r.meta.code).collect();
            let active: Vec<&&Finding> = mine.iter().filter(|f| f.suppressed.is_none()).collect();
            let status = if active.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!("{} finding(s)", active.len()));
                s.set_type(r.meta.severity.as_str());
                s.set_description(
                    active
                        .iter()
                        .map(|f| {
                            format!(
                                "{}:{}:{} {}: {}",
                                f.provenance.file, f.provenance.line, f.provenance.col, f.address, f.message
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                s
            };
            let mut case = TestCase::new(format!("{} {}", r.meta.code, r.meta.name), status);
            case.set_classname(format!("ecsforge.{}", r.meta.code));
            let suppressed = mine.len() - active.len();
            if suppressed > 0 {
                case.set_system_out(format!("{suppressed} suppressed finding(s)"));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().expect("junit serializes")
}
