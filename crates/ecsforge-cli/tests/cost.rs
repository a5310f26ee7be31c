//! `ecsforge cost`: every mode, exit codes, and no partial output on error.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ecsforge() -> Command {
    let mut c = Command::cargo_bin("ecsforge").expect("binary builds");
    c.current_dir(repo()).env("NO_COLOR", "1");
    c
}

const TWELVE: &str = "examples/twelve-services/ecsforge.yaml";
const ECR: &str = "examples/ecr-private/ecsforge.yaml";
const PLAN: &str = "crates/ecsforge-ingest/tests/fixtures/terraform/ecr-private-develop.plan.json";

/// Monthly totals per environment of the twelve-services example, from the
/// library: the CLI must print exactly what `ecsforge_cost::estimate` computes.
fn twelve_totals(text: &str) -> Vec<(String, f64)> {
    let m = ecsforge_manifest::load(TWELVE, text).unwrap();
    ecsforge_synth::synth_all(&m)
        .unwrap()
        .iter()
        .map(|model| {
            let e = ecsforge_cost::estimate(
                model,
                &model.environment,
                &ecsforge_cost::Prices::bundled(),
                &ecsforge_cost::Usage::default(),
            )
            .unwrap();
            (model.environment.clone(), e.total)
        })
        .collect()
}

fn money(v: f64) -> String {
    ecsforge_cost::render::money(v)
}

fn stdout(args: &[&str]) -> String {
    let out = ecsforge().args(args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// Runs a failing command: exit 2, nothing on stdout, stderr returned.
fn fails(args: &[&str]) -> String {
    let out = ecsforge().args(args).assert().code(2).stdout(predicate::str::is_empty()).get_output().stderr.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn text_gives_lines_total_and_the_defaults_used() {
    let out = stdout(&["cost", TWELVE, "--env", "prod"]);
    assert!(out.starts_with("shop / prod (us-east-1): examples/twelve-services/ecsforge.yaml (prod)\n"), "{out}");
    assert!(out.contains("aws_ecs_service.search_api"), "{out}");
    assert!(out.contains("Fargate vCPU (x86_64, on-demand)"), "{out}");
    assert!(out.contains("aws_nat_gateway.a"), "{out}");
    let totals = twelve_totals(&fs::read_to_string(repo().join(TWELVE)).unwrap());
    let prod = totals.iter().find(|(e, _)| e == "prod").unwrap().1;
    assert!(out.lines().any(|l| l.starts_with("total") && l.contains(&money(prod))), "{out}");
    assert!(out.contains("usage defaults used (set them with --usage FILE):\n  nat_gb = 50 GB/month"), "{out}");
}

#[test]
fn all_environments_by_default_with_a_grand_total() {
    let out = stdout(&["cost", TWELVE, "--all"]);
    assert!(
        out.contains(&{
            let totals = twelve_totals(&fs::read_to_string(repo().join(TWELVE)).unwrap());
            let sum: f64 = totals.iter().map(|t| t.1).sum();
            let each: Vec<String> = totals.iter().map(|(e, v)| format!("{e} {}", money(*v))).collect();
            format!("all inputs: {} per month ({})", money(sum), each.join(", "))
        }),
        "{out}"
    );
}

#[test]
fn json_is_the_same_estimate() {
    let out = stdout(&["cost", ECR, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["prices"]["as_of"], "2025-06-01");
    let envs: Vec<&str> =
        v["estimates"].as_array().unwrap().iter().map(|e| e["environment"].as_str().unwrap()).collect();
    assert_eq!(envs, ["develop", "prod"]);
    let sum: f64 = v["estimates"].as_array().unwrap().iter().map(|e| e["total"].as_f64().unwrap()).sum();
    assert!((v["total"].as_f64().unwrap() - sum).abs() < 1e-9);
    let line = &v["estimates"][1]["lines"][0];
    assert_eq!(line["resource"], "aws_ecs_service.file_processor");
    assert_eq!(line["unit"], "vCPU-hours");
}

#[test]
fn usage_file_changes_the_figures_and_the_defaults_list() {
    let dir = tempfile::tempdir().unwrap();
    let usage = dir.path().join("usage.yaml");
    fs::write(&usage, "nat_gb: 100\nenvironments:\n  prod:\n    nat_gb: 3000\n").unwrap();
    let out = stdout(&["cost", TWELVE, "--env", "prod", "--usage", usage.to_str().unwrap()]);
    // 3,000 GB over 3 NAT gateways.
    let has = |out: &str, res: &str, comp: &str, qty: &str| {
        out.lines().any(|l| l.starts_with(res) && l.contains(comp) && l.split_whitespace().any(|w| w == qty))
    };
    assert!(has(&out, "aws_nat_gateway.a ", "data processed", "1,000"), "{out}");
    assert!(!out.contains("nat_gb ="), "{out}");
    let json = dir.path().join("usage.json");
    fs::write(&json, "{\"log_gb\": 10}").unwrap();
    let out = stdout(&["cost", ECR, "--env", "prod", "--usage", json.to_str().unwrap()]);
    assert!(has(&out, "aws_cloudwatch_log_group.file_processor ", "log ingestion", "10"), "{out}");
}

#[test]
fn plans_and_templates_are_priced_too() {
    let out = stdout(&["cost", PLAN]);
    assert!(out.starts_with("ecr-private / develop (eu-central-1)"), "{out}");
    let tpl = "crates/ecsforge-ingest/tests/fixtures/cloudformation/windows-sg-000.yaml";
    let err = fails(&["cost", tpl]);
    assert!(err.contains("does not name its region; hint: pass --region"), "{err}");
    let out = stdout(&["cost", tpl, "--region", "us-east-1"]);
    assert!(out.contains("instance hours (t3.micro, Windows)"), "{out}");
    assert!(out.contains("$14.31"), "{out}");
}

#[test]
fn compare_egress_on_a_manifest() {
    let out = stdout(&["cost", TWELVE, "--compare", "egress"]);
    let prod = out.split("shop / prod").nth(1).unwrap();
    assert!(prod.contains("recommended: nat-per-az"), "{out}");
    assert!(prod.contains("prod: one NAT would serve 3 AZs"), "{out}");
    assert!(
        out.contains("break-even: above 5,476 GB/month through NAT, nat-per-az costs less than single-nat"),
        "{out}"
    );
    let develop = out.split("shop / develop").nth(1).unwrap().split("shop / test").next().unwrap();
    assert!(develop.contains("recommended: single-nat"), "{develop}");
}

#[test]
fn compare_egress_endpoints_only_when_no_internet_traffic_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let usage = dir.path().join("usage.yaml");
    fs::write(&usage, "environments:\n  develop:\n    nat_gb: 0\n").unwrap();
    let out = stdout(&["cost", TWELVE, "--env", "develop", "--compare", "egress", "--usage", usage.to_str().unwrap()]);
    assert!(out.contains("recommended: endpoints-only (saves $36.50 per month against single-nat)"), "{out}");
}

#[test]
fn compare_egress_on_a_plan_transforms_the_model() {
    let out = stdout(&["cost", PLAN, "--compare", "egress", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let c = &v["comparisons"][0];
    let designs: Vec<(&str, bool)> = c["designs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["design"].as_str().unwrap(), d["current"].as_bool().unwrap()))
        .collect();
    assert_eq!(designs, [("nat-per-az", false), ("single-nat", false), ("endpoints-only", true)]);
    // Three NATs (+EIPs) in eu-central-1 at $0.052/h and $3.65 cost more than none.
    let fixed: Vec<f64> = c["designs"].as_array().unwrap().iter().map(|d| d["fixed"].as_f64().unwrap()).collect();
    assert!((fixed[0] - fixed[2] - 3.0 * (0.052 * 730.0 + 3.65)).abs() < 1e-6, "{fixed:?}");
    assert_eq!(c["recommended"], "endpoints-only");
}

#[test]
fn diff_gives_a_markdown_table() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("ecsforge.yaml");
    let text = fs::read_to_string(repo().join(TWELVE)).unwrap().replace(
        "        desired_count: 3\n        autoscaling: {min: 3, max: 12}\n        image_tag: v1.42.0",
        "        desired_count: 6\n        autoscaling: {min: 6, max: 12}\n        image_tag: v1.42.0",
    );
    fs::write(&new, &text).unwrap();
    let out = stdout(&["cost", "--diff", TWELVE, new.to_str().unwrap()]);
    let before = twelve_totals(&fs::read_to_string(repo().join(TWELVE)).unwrap());
    let after = twelve_totals(&text);
    let (b, a): (f64, f64) = (before.iter().map(|t| t.1).sum(), after.iter().map(|t| t.1).sum());
    // Changes are differences of the cent-rounded totals the table shows.
    let cents = |v: f64| (v * 100.0).round() / 100.0;
    let signed = |d: f64| if d.abs() < 0.005 { "$0.00".to_string() } else { format!("+{}", money(d)) };
    let mut expected = format!(
        "## ecsforge cost diff\n\nMonthly cost rises by **{}**: {} → {}.\n\n",
        signed(cents(a) - cents(b)),
        money(b),
        money(a)
    );
    for ((env, b), (_, a)) in before.iter().zip(&after) {
        expected += &format!("### {env}: {} → {} ({})\n\n", money(*b), money(*a), signed(cents(*a) - cents(*b)));
        if env == "prod" {
            expected += "| resource | component | before | after | change |\n|---|---|---:|---:|---:|\n\
| `aws_ecs_service.orders_api` | Fargate memory (ARM64, on-demand) | $15.59 | $31.19 | +$15.60 |\n\
| `aws_ecs_service.orders_api` | Fargate vCPU (ARM64, on-demand) | $70.91 | $141.82 | +$70.91 |\n\n";
        } else {
            expected += "No cost changes.\n\n";
        }
    }
    expected += "_Usage defaults: `nat_gb` = 50 GB/month";
    assert!(out.starts_with(&expected), "expected:\n{expected}\ngot:\n{out}");
    assert!(out.ends_with("._\n") && out.matches('\n').count() == expected.matches('\n').count() + 1, "{out}");
}

#[test]
fn diff_of_a_plan_against_its_manifest_shows_added_and_removed_lines() {
    // The develop plan has endpoints-only; the manifest with single-nat adds a NAT and its EIP.
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("ecsforge.yaml");
    let text = fs::read_to_string(repo().join(ECR)).unwrap().replacen(
        "    egress: endpoints-only",
        "    egress: single-nat",
        1,
    );
    fs::write(&new, text).unwrap();
    let out = stdout(&["cost", "--diff", PLAN, new.to_str().unwrap(), "--env", "develop"]);
    assert!(out.contains("| `aws_nat_gateway.main` | NAT gateway | – | $37.96 | +$37.96 |"), "{out}");
    assert!(out.contains("| `aws_eip.nat_main` | public IPv4 address | – | $3.65 | +$3.65 |"), "{out}");
}

#[test]
fn prices_file_overrides_the_bundled_table() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("prices.json");
    let bundled = stdout(&["cost", "--print-prices"]);
    let doubled = bundled.replace("\"vcpu_hour\": 0.03238", "\"vcpu_hour\": 0.06476");
    fs::write(&p, doubled).unwrap();
    let base = stdout(&["cost", TWELVE, "--env", "develop", "--format", "json"]);
    let over = stdout(&["cost", TWELVE, "--env", "develop", "--format", "json", "--prices", p.to_str().unwrap()]);
    let total = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap()["total"].as_f64().unwrap();
    assert!(total(&over) > total(&base));
}

#[test]
fn bad_input_exits_2_with_a_position_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let usage = dir.path().join("usage.yaml");
    fs::write(&usage, "nat_gb: 10\nnat_gbs: 20\n").unwrap();
    let err = fails(&["cost", TWELVE, "--usage", usage.to_str().unwrap()]);
    assert!(err.contains("usage.yaml:2:1: unknown usage key `nat_gbs`; hint: known keys are nat_gb,"), "{err}");

    fs::write(&usage, "environments:\n  prod:\n    nat_gb: lots\n").unwrap();
    let err = fails(&["cost", TWELVE, "--usage", usage.to_str().unwrap()]);
    assert!(err.contains("usage.yaml:3:13: `nat_gb` must be a number ≥ 0"), "{err}");

    fs::write(&usage, "environments:\n  staging: {nat_gb: 1}\n").unwrap();
    let err = fails(&["cost", TWELVE, "--usage", usage.to_str().unwrap()]);
    assert!(err.contains("usage.yaml:2:3: unknown environment `staging`"), "{err}");

    let prices = dir.path().join("prices.json");
    fs::write(&prices, "{\n  \"as_of\": 2025\n}").unwrap();
    let err = fails(&["cost", TWELVE, "--prices", prices.to_str().unwrap()]);
    assert!(err.contains("prices.json:2:15: invalid price table"), "{err}");

    let err = fails(&["cost", TWELVE, "--env", "staging"]);
    assert!(err.contains("environment `staging` is not declared"), "{err}");

    // A good input before a bad one: still nothing on stdout.
    let err = fails(&["cost", ECR, "crates/ecsforge-ingest/tests/fixtures/terraform/truncated.json"]);
    assert!(err.contains("truncated.json:"), "{err}");
    let err = fails(&["cost", "--diff", ECR, "no/such/plan.json"]);
    assert!(err.contains("no/such/plan.json"), "{err}");
}

#[test]
fn a_region_without_prices_is_an_error_naming_the_known_regions() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("ecsforge.yaml");
    let text = fs::read_to_string(repo().join(ECR)).unwrap().replace("eu-central-1", "ap-south-2");
    fs::write(&m, text).unwrap();
    let err = fails(&["cost", m.to_str().unwrap()]);
    assert!(
        err.contains(
            "no prices for region `ap-south-2`; hint: the table has eu-central-1, eu-west-1, us-east-1, us-west-2"
        ),
        "{err}"
    );
}
