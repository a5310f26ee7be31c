//! Issue 7's property: on random synthesized platforms every dependency of
//! every service is reachable, and one random mutation of the network, DNS,
//! IAM or endpoints changes exactly the (service, dependency) verdicts it
//! touches, and nothing else.
//!
//! The prediction is computed from what the mutation touched (which subnet,
//! which rule, which action, which endpoint) and from the platform's egress
//! mode, never from the analysis itself.

use std::collections::BTreeMap;

use ecsforge_model::{Address, Concern, InfraModel, Kind, Provenance, Reference, Resource, Value};
use ecsforge_reach::{Dependency, Status, analyze};
use proptest::prelude::*;
use proptest::sample::Index;

#[derive(Debug, Clone)]
struct Svc {
    public: bool,
    /// Secrets Manager by ARN, by name, SSM by parameter ARN, or a managed
    /// secret (encrypted with the `secrets` CMK).
    secret: Option<u8>,
    callers: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Spec {
    azs: usize,
    egress: &'static str,
    services: Vec<Svc>,
    /// `security.secrets_kms_key_arns`: a declared CMK encrypts the given secrets.
    secrets_key: bool,
}

const EGRESS: [&str; 3] = ["nat-per-az", "single-nat", "endpoints-only"];
const AZ: [&str; 3] = ["a", "b", "c"];

fn spec() -> impl Strategy<Value = Spec> {
    let svc = (any::<bool>(), proptest::option::of(0u8..4), proptest::collection::vec(0usize..4, 0..3))
        .prop_map(|(public, secret, callers)| Svc { public, secret, callers });
    (2usize..=3, 0..EGRESS.len(), proptest::collection::vec(svc, 1..=4), any::<bool>())
        .prop_map(|(azs, e, services, secrets_key)| Spec { azs, egress: EGRESS[e], services, secrets_key })
}

fn name(i: usize) -> String {
    format!("svc-{i:02}-component")
}

/// The Terraform name of service `i` (`svc_00_component`).
fn tf(i: usize) -> String {
    name(i).replace('-', "_")
}

/// The manifest YAML of a spec (the loader is exercised too).
fn render(s: &Spec) -> String {
    let mut y = format!(
        "project: reachprop\nregion: us-east-1\naccount_id: \"123456789012\"\ntags: {{Owner: o, CostCenter: c, Compliance: SOC2}}\n\
         state: {{bucket: tf-state-bucket, lock_table: tf-locks}}\nnetwork:\n  availability_zones: [{}]\n\
         environments:\n  develop:\n    egress: {}\n    alb: {{certificate_arn: \"arn:aws:acm:us-east-1:123456789012:certificate/abc\"}}\nservices:\n",
        AZ[..s.azs].iter().map(|a| format!("us-east-1{a}")).collect::<Vec<_>>().join(", "),
        s.egress
    );
    if s.secrets_key {
        y = y.replacen(
            "environments:\n",
            "security: {secrets_kms_key_arns: [\"arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\"]}\nenvironments:\n",
            1,
        );
    }
    for (i, v) in s.services.iter().enumerate() {
        y.push_str(&format!(
            "  - name: {}\n    runtime: nodejs\n    type: {}\n    port: {}\n    cpu: 256\n    memory: 512\n",
            name(i),
            if v.public { "public" } else { "internal" },
            3000 + i
        ));
        if v.public {
            y.push_str(&format!("    health_check_path: /health\n    routing: {{paths: [\"/s{i}/*\"]}}\n"));
        } else {
            let mut callers: Vec<String> =
                v.callers.iter().filter(|c| **c < s.services.len() && **c != i).map(|c| name(*c)).collect();
            callers.sort();
            callers.dedup();
            if !callers.is_empty() {
                y.push_str(&format!("    allow_from: [{}]\n", callers.join(", ")));
            }
        }
        match v.secret {
            Some(0) => y.push_str(
                "    secrets: {DB_PASSWORD: \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\"}\n",
            ),
            Some(1) => y.push_str("    secrets: {API_KEY: shop/api-key}\n"),
            Some(2) => y.push_str("    secrets: {TOKEN: \"arn:aws:ssm:us-east-1:123456789012:parameter/app/token\"}\n"),
            Some(_) => y.push_str("    secrets: {SIGNING_KEY: {managed: true}}\n"),
            None => {}
        }
    }
    y
}

/// The six mutation kinds of issue 7; the indices pick the target.
#[derive(Debug, Clone)]
enum Mutation {
    /// Drop the route-table association of one private subnet.
    DropRouteTableAssociation(Index),
    /// Drop one security-group rule.
    DropSgRule(Index),
    /// Turn the VPC's DNS hostnames off.
    DnsOff,
    /// Remove one action from one service's execution role (or kms:Decrypt
    /// from its task role); with `true`, a kms:Decrypt when there is one, so
    /// the KMS_DECRYPT predictions are exercised as often as the others.
    RemoveIamAction(Index, bool),
    /// A network ACL on one private subnet denying HTTPS out (`false`) or the
    /// ephemeral return ports in (`true`).
    NaclDeny(Index, bool),
    /// Remove one subnet from one interface endpoint.
    RemoveEndpointSubnet(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::DropRouteTableAssociation),
        any::<Index>().prop_map(Mutation::DropSgRule),
        Just(Mutation::DnsOff),
        (any::<Index>(), any::<bool>()).prop_map(|(i, kms)| Mutation::RemoveIamAction(i, kms)),
        (any::<Index>(), any::<bool>()).prop_map(|(i, e)| Mutation::NaclDeny(i, e)),
        (any::<Index>(), any::<Index>()).prop_map(|(e, s)| Mutation::RemoveEndpointSubnet(e, s)),
    ]
}

type Verdicts = BTreeMap<(String, Dependency), Status>;

fn verdicts(m: &InfraModel) -> Verdicts {
    analyze(m).into_iter().map(|v| ((v.service.name().to_string(), v.dependency), v.status)).collect()
}

/// Dependencies reached through an interface endpoint, with the endpoint's name.
fn interface_endpoint(d: &Dependency) -> Option<&'static str> {
    Some(match d {
        Dependency::EcrApi => "ecr_api",
        Dependency::EcrDkr => "ecr_dkr",
        Dependency::Logs => "logs",
        Dependency::SecretsManager => "secretsmanager",
        Dependency::Ssm => "ssm",
        _ => return None,
    })
}

/// Dependencies on AWS over HTTPS (interface endpoints and S3).
fn aws_https(d: &Dependency) -> bool {
    interface_endpoint(d).is_some() || *d == Dependency::S3Layers
}

/// Actions `execution_role_gap` (IAM_PERMISSIONS) or the KMS verdict
/// (KMS_DECRYPT) requires when present in a synthesized policy.
const REQUIRED: [&str; 9] = [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameters",
    "kms:Decrypt",
];

fn refers(v: &Value, a: &Address) -> bool {
    v.as_ref().is_some_and(|r| &r.address == a)
}

/// Whether a service's tasks run in the subnet.
fn runs_in(m: &InfraModel, svc: &str, subnet: &Address) -> bool {
    let s = m.get(&Address::new("aws_ecs_service", svc)).expect("service");
    let net = s.get("network_configuration").map(Value::as_list).and_then(|l| l.first()).expect("network");
    net.get("subnets").map(Value::as_list).unwrap_or(&[]).iter().any(|v| refers(v, subnet))
}

/// Sets every key of `base` matching `pick` to `status` in `want`.
fn set(want: &mut Verdicts, base: &Verdicts, status: Status, pick: impl Fn(&str, &Dependency) -> bool) {
    for (s, d) in base.keys() {
        if pick(s, d) {
            want.insert((s.clone(), d.clone()), status);
        }
    }
}

fn nacl(subnet: &Address, ephemeral: bool) -> Resource {
    let rule = |n: i64, action: &str, from: i64, to: i64| {
        Value::map([
            ("rule_no", Value::from(n)),
            ("action", Value::from(action)),
            ("protocol", Value::from("tcp")),
            ("from_port", Value::from(from)),
            ("to_port", Value::from(to)),
            ("cidr_block", Value::from("0.0.0.0/0")),
        ])
    };
    let all = rule(100, "allow", 0, 65535);
    let deny = if ephemeral { rule(90, "deny", 32768, 65535) } else { rule(90, "deny", 443, 443) };
    let (ingress, egress) =
        if ephemeral { (vec![deny, all.clone()], vec![all]) } else { (vec![all.clone()], vec![deny, all]) };
    Resource::new(Kind::NetworkAcl, "mutation", Concern::Other, Provenance::default())
        .with("subnet_ids", Value::List(vec![Value::Ref(Reference { address: subnet.clone(), attr: "id".into() })]))
        .with("ingress", Value::List(ingress))
        .with("egress", Value::List(egress))
}

/// Applies the mutation and returns what it did and the verdicts it must yield.
fn mutate(m: &mut InfraModel, base: &Verdicts, spec: &Spec, mutation: &Mutation) -> (String, Verdicts) {
    let mut want = base.clone();
    let nat = m.of_kind(Kind::NatGateway).next().is_some();
    let services: Vec<String> = (0..spec.services.len()).map(tf).collect();
    let what = match mutation {
        Mutation::DropRouteTableAssociation(i) => {
            let az = AZ[i.index(spec.azs)];
            let subnet = Address::new("aws_subnet", &format!("private_{az}"));
            m.resources.remove(&Address::new("aws_route_table_association", &format!("private_{az}"))).expect("assoc");
            // S3 is found by route table (gateway endpoint or NAT); interface endpoints need no route.
            let inside: Vec<&String> = services.iter().filter(|s| runs_in(m, s, &subnet)).collect();
            set(&mut want, base, Status::Fail, |s, d| *d == Dependency::S3Layers && inside.iter().any(|x| *x == s));
            format!("drop route table association private_{az}")
        }
        Mutation::DropSgRule(i) => {
            let rules: Vec<Address> = m
                .resources
                .keys()
                .filter(|a| {
                    matches!(
                        a.resource_type(),
                        "aws_vpc_security_group_egress_rule" | "aws_vpc_security_group_ingress_rule"
                    )
                })
                .cloned()
                .collect();
            let rule = rules[i.index(rules.len())].clone();
            let r = m.resources.remove(&rule).unwrap();
            let n = rule.name();
            let has = |k: &str, n: String| m.get(&Address::new(k, &n)).is_some();
            let port_of = |svc: &str| 3000 + services.iter().position(|s| s == svc).expect("service") as i64;
            let svc_of = |s: &str| services.iter().find(|x| x.as_str() == s).cloned();
            if let Some(s) = n.strip_prefix("endpoints_from_") {
                set(&mut want, base, Status::Fail, |x, d| x == s && interface_endpoint(d).is_some());
            } else if let Some(s) = n.strip_suffix("_to_endpoints") {
                // With a NAT, the tasks' 443 to 0.0.0.0/0 still reaches the endpoints.
                if !has("aws_vpc_security_group_egress_rule", format!("{s}_to_internet")) {
                    set(&mut want, base, Status::Fail, |x, d| x == s && interface_endpoint(d).is_some());
                }
            } else if let Some(s) = n.strip_suffix("_to_s3") {
                if !has("aws_vpc_security_group_egress_rule", format!("{s}_to_internet")) {
                    set(&mut want, base, Status::Fail, |x, d| x == s && *d == Dependency::S3Layers);
                }
            } else if n.ends_with("_to_internet") || n == "alb_http" || n == "alb_https" {
                // Redundant with the endpoint paths; the internet side of the ALB is not a task dependency.
            } else if let Some(s) = n.strip_suffix("_from_alb").or(n.strip_prefix("alb_to_")).and_then(svc_of) {
                set(&mut want, base, Status::Fail, |x, d| x == s && matches!(d, Dependency::AlbInbound(_)));
            } else if let Some((callee, caller)) = n.split_once("_from_") {
                // The callee no longer admits the caller: the dependency is gone, not failing.
                let peer = Dependency::Peer(Address::new("aws_ecs_service", callee), port_of(callee));
                want.remove(&(caller.to_string(), peer)).expect("peer dependency");
            } else if let Some((caller, callee)) = n.split_once("_to_")
                && svc_of(callee).is_some()
            {
                let peer = Dependency::Peer(Address::new("aws_ecs_service", callee), port_of(callee));
                assert!(base.contains_key(&(caller.to_string(), peer.clone())), "{caller} calls {callee}");
                want.insert((caller.to_string(), peer), Status::Fail);
            } else {
                panic!("no prediction for dropping {rule}: {r:?}");
            }
            if want == *base { format!("drop {rule} (redundant)") } else { format!("drop {rule}") }
        }
        Mutation::DnsOff => {
            m.resources.get_mut(&Address::new("aws_vpc", "main")).unwrap().set("enable_dns_hostnames", false);
            // Private DNS of the interface endpoints stops resolving: the public
            // names are used, which only a NAT gateway reaches.
            set(&mut want, base, Status::Fail, |_, d| {
                *d == Dependency::Dns || (!nat && interface_endpoint(d).is_some())
            });
            "turn DNS hostnames off".into()
        }
        Mutation::RemoveIamAction(i, kms_first) => {
            // (service, policy, statement index, action, statement Sid): every
            // required action of the execution policies, and kms:Decrypt of the
            // task policies (the application reads its secrets too).
            let mut actions = Vec::new();
            for s in &services {
                for (role, required) in [("execution", &REQUIRED[..]), ("task", &["kms:Decrypt"][..])] {
                    let Some(p) = m.get(&Address::new("aws_iam_role_policy", &format!("{s}_{role}"))) else {
                        assert_eq!(role, "task", "{s} has an execution policy");
                        continue;
                    };
                    let Some(Value::Json(doc)) = p.get("policy") else { panic!("policy of {s}") };
                    for (k, st) in doc.get("Statement").map(Value::as_list).unwrap_or(&[]).iter().enumerate() {
                        let sid = st.get("Sid").and_then(Value::as_str).unwrap_or_default().to_string();
                        let listed = st.get("Action").map(|a| a.as_list().to_vec()).unwrap_or_default();
                        let single = st.get("Action").filter(|a| a.as_str().is_some()).cloned();
                        for a in listed.into_iter().chain(single) {
                            let a = a.as_str().unwrap_or_default().to_string();
                            if required.contains(&a.as_str()) {
                                actions.push((s.clone(), role, k, a, sid.clone()));
                            }
                        }
                    }
                }
            }
            if *kms_first && actions.iter().any(|a| a.3 == "kms:Decrypt") {
                actions.retain(|a| a.3 == "kms:Decrypt");
            }
            let (s, role, k, action, sid) = actions[i.index(actions.len())].clone();
            let policy = format!("{s}_{role}");
            let p = m.resources.get_mut(&Address::new("aws_iam_role_policy", &policy)).unwrap();
            let Some(Value::Json(doc)) = p.attrs.get_mut("policy") else { unreachable!() };
            let Value::Map(doc) = doc.as_mut() else { panic!("policy document") };
            let Some(Value::List(st)) = doc.get_mut("Statement") else { panic!("statements") };
            let Value::Map(statement) = &mut st[k] else { panic!("statement") };
            let left: Vec<Value> = match statement.get("Action") {
                Some(Value::List(l)) => l.iter().filter(|a| a.as_str() != Some(action.as_str())).cloned().collect(),
                _ => vec![],
            };
            if left.is_empty() {
                st.remove(k);
            } else {
                statement.insert("Action".into(), Value::List(left));
            }
            let secret = spec.services[services.iter().position(|x| *x == s).expect("service")].secret;
            let kms = (s.clone(), Dependency::Kms);
            match (action.as_str(), role, sid.as_str()) {
                ("kms:Decrypt", "execution", "DecryptManagedSecrets") | ("kms:Decrypt", "task", _) => {
                    // The managed secret's key (`secrets`), or a declared key the application reads with.
                    want.insert(kms, Status::Fail);
                }
                ("kms:Decrypt", "execution", _) => {
                    // The declared keys are known only from this grant: with it gone, a
                    // service injecting a given secret no longer depends on KMS that
                    // reach can see; one injecting a managed secret never used them.
                    if secret == Some(3) {
                        return (format!("remove {action} ({sid}) from {policy} (redundant)"), want);
                    }
                    want.remove(&kms).expect("a KMS dependency");
                }
                _ => set(&mut want, base, Status::Fail, |x, d| x == s && *d == Dependency::IamPermissions),
            }
            format!("remove {action} ({sid}) from {policy}")
        }
        Mutation::NaclDeny(i, ephemeral) => {
            let subnet = Address::new("aws_subnet", &format!("private_{}", AZ[i.index(spec.azs)]));
            m.insert(nacl(&subnet, *ephemeral)).unwrap();
            let inside: Vec<&String> = services.iter().filter(|s| runs_in(m, s, &subnet)).collect();
            // HTTPS out is denied, or the replies to the tasks' ephemeral
            // ports are, which also breaks the calls a task makes to its peers.
            set(&mut want, base, Status::Fail, |s, d| {
                inside.iter().any(|x| *x == s) && (aws_https(d) || (*ephemeral && matches!(d, Dependency::Peer(..))))
            });
            format!("network ACL on {subnet} denying {}", if *ephemeral { "ephemeral ports in" } else { "443 out" })
        }
        Mutation::RemoveEndpointSubnet(e, k) => {
            let endpoints: Vec<Address> = m
                .of_kind(Kind::VpcEndpoint)
                .filter(|e| e.get("subnet_ids").is_some_and(|s| s.as_list().len() > 1))
                .map(|e| e.address.clone())
                .collect();
            let ep = endpoints[e.index(endpoints.len())].clone();
            let r = m.resources.get_mut(&ep).unwrap();
            let Some(Value::List(subnets)) = r.attrs.get_mut("subnet_ids") else { panic!("subnets") };
            let gone = subnets.remove(k.index(subnets.len()));
            let gone = gone.as_ref().unwrap().address.clone();
            // Tasks in that AZ cross to another AZ's endpoint interface: a warning.
            let inside: Vec<&String> = services.iter().filter(|s| runs_in(m, s, &gone)).collect();
            set(&mut want, base, Status::Warn, |s, d| {
                inside.iter().any(|x| *x == s) && interface_endpoint(d) == Some(ep.name())
            });
            // No task calls KMS itself, so nothing uses the kms endpoint (there for
            // `security.secrets_kms_key_arns`).
            if ep.name() == "kms" {
                return (format!("remove {gone} from {ep}, which no task uses (redundant)"), want);
            }
            format!("remove {gone} from {ep}")
        }
    };
    (what, want)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn one_mutation_breaks_exactly_what_it_touches(spec in spec(), mutation in mutation()) {
        let text = render(&spec);
        let manifest = ecsforge_manifest::load("random.yaml", &text)
            .unwrap_or_else(|e| panic!("generated manifest invalid:\n{}\n{text}", e.render(ecsforge_manifest::Style::Plain)));
        let base_model = ecsforge_synth::synth(&manifest, ecsforge_manifest::Env::Develop).expect("synth");
        let base = verdicts(&base_model);
        prop_assert!(!base.is_empty());
        let blocked: Vec<_> = base.iter().filter(|(_, s)| **s != Status::Pass).collect();
        prop_assert!(blocked.is_empty(), "unreachable on a synthesized platform: {:#?}", blocked);

        let mut m = base_model.clone();
        let (what, want) = mutate(&mut m, &base, &spec, &mutation);
        let got = verdicts(&m);
        let diff = |a: &Verdicts, b: &Verdicts| -> Vec<String> {
            a.iter().filter(|(k, v)| b.get(*k) != Some(*v)).map(|((s, d), v)| format!("{s} {d:?} {v:?}")).collect()
        };
        // Only a rule with a redundant twin (443 to the endpoints and to the internet) may change nothing.
        prop_assert!(want != base || what.ends_with("(redundant)"), "{} changes nothing", what);
        prop_assert!(
            got == want,
            "{what} ({}):\nunexpected: {:#?}\nmissing: {:#?}",
            spec.egress,
            diff(&got, &want),
            diff(&want, &got)
        );
    }
}
