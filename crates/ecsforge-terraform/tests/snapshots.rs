//! Snapshots of synthesized Terraform for the bundled examples.

use std::path::PathBuf;

use ecsforge_manifest::Env;

fn example(name: &str) -> ecsforge_manifest::Manifest {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("ecsforge.yaml");
    let text = std::fs::read_to_string(&path).expect("example exists");
    ecsforge_manifest::load(&format!("examples/{name}/ecsforge.yaml"), &text)
        .unwrap_or_else(|e| panic!("{}", e.render(ecsforge_manifest::Style::Plain)))
}

/// Snapshots the named files of one example environment (all files when `files` is empty).
fn check(name: &str, env: Env, files: &[&str]) {
    let m = example(name);
    let model = ecsforge_synth::synth(&m, env).expect("synth");
    let emitted = ecsforge_terraform::emit(&model).expect("emit");
    let mut out = String::new();
    for f in emitted.iter().filter(|f| files.is_empty() || files.contains(&f.name.as_str())) {
        out.push_str(&format!("=== {}\n{}", f.name, f.contents));
    }
    assert!(!out.is_empty(), "no files matched {files:?}");
    insta::assert_snapshot!(
        format!("{name}-{env}-{}", if files.is_empty() { "all".into() } else { files.join("+") }),
        out
    );
}

/// Snapshots the resource inventory: every address with its concern, per environment.
fn check_inventory(name: &str) {
    let m = example(name);
    let mut out = String::new();
    for model in ecsforge_synth::synth_all(&m).expect("synth") {
        out.push_str(&format!(
            "## {} ({} resources, {} outputs)\n",
            model.environment,
            model.resources.len(),
            model.outputs.len()
        ));
        for r in model.resources.values() {
            out.push_str(&format!(
                "{}  [{}]  {}:{}\n",
                r.address,
                r.concern.file_stem(),
                r.provenance.line,
                r.provenance.pointer
            ));
        }
    }
    insta::assert_snapshot!(format!("{name}-inventory"), out);
}

#[test]
fn ecr_private_develop_all_files() {
    check("ecr-private", Env::Develop, &[]);
}

#[test]
fn ecr_private_inventory() {
    check_inventory("ecr-private");
}

#[test]
fn twelve_services_inventory() {
    check_inventory("twelve-services");
}

#[test]
fn twelve_services_prod_platform_files() {
    check(
        "twelve-services",
        Env::Prod,
        &["versions.tf.json", "provider.tf.json", "network.tf.json", "cluster.tf.json", "alb.tf.json"],
    );
}

#[test]
fn twelve_services_prod_one_public_one_internal_service() {
    check("twelve-services", Env::Prod, &["service_orders_api.tf.json", "service_pricing_engine.tf.json"]);
}

#[test]
fn output_is_byte_identical_across_runs() {
    let m = example("twelve-services");
    let a: Vec<_> =
        ecsforge_synth::synth_all(&m).unwrap().iter().map(|x| ecsforge_terraform::emit(x).unwrap()).collect();
    let b: Vec<_> =
        ecsforge_synth::synth_all(&m).unwrap().iter().map(|x| ecsforge_terraform::emit(x).unwrap()).collect();
    assert_eq!(a, b);
}

#[test]
fn canary_web_prod_rollout_and_monitoring_files() {
    check("canary-web", Env::Prod, &["service_web.tf.json", "monitoring.tf.json"]);
}

#[test]
fn twelve_services_prod_codedeploy_canary_service() {
    check("twelve-services", Env::Prod, &["service_catalog_api.tf.json"]);
}

/// Prod owns the account-wide audit resources and requires MFA on operator roles.
#[test]
fn twelve_services_prod_security_file() {
    check("twelve-services", Env::Prod, &["security.tf.json"]);
}

/// The state bootstrap root (`ecsforge bootstrap`): every file, no backend.
#[test]
fn twelve_services_bootstrap_root() {
    let m = example("twelve-services");
    let model = ecsforge_synth::bootstrap::bootstrap(&m).expect("bootstrap");
    let mut out = String::new();
    for f in ecsforge_terraform::emit(&model).expect("emit") {
        out.push_str(&format!("=== {}\n{}", f.name, f.contents));
    }
    insta::assert_snapshot!("twelve-services-bootstrap", out);
}

#[test]
fn orders_ecs_ec2_inventory() {
    check_inventory("orders-ecs-ec2");
}

#[test]
fn orders_ecs_ec2_prod_data_capacity_and_discovery_files() {
    check(
        "orders-ecs-ec2",
        Env::Prod,
        &["data.tf.json", "cluster.tf.json", "endpoints.tf.json", "service_order_processor.tf.json"],
    );
}
