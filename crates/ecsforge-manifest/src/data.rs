//! Decoding and validating `tables:`, `capacity: {ec2: ...}`, `services[].tables`
//! and `services[].capacity` (docs/manifest.md, "Data" and "EC2 capacity").

use std::collections::{BTreeMap, BTreeSet};

use crate::load::{Cx, entry, is_name, suggest};
use crate::schema::*;
use crate::yaml::{Data, Node};

/// DynamoDB allows 20 global secondary indexes per table.
const MAX_INDEXES: usize = 20;

fn is_dynamo_name(s: &str) -> bool {
    (3..=255).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(&c))
}

/// `tables:`: a list of table declarations.
pub(crate) fn tables(cx: &mut Cx, node: &Node) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::new();
    for item in cx.seq(node) {
        let Some(t) = table(cx, item) else { continue };
        if let Some(prev) = out.iter().find(|p| p.name.value == t.name.value) {
            let line = prev.name.loc.line;
            cx.err(format!("table name `{}` is used twice", t.name.value), &t.name.loc, "duplicate name").help =
                Some(format!("the first `{}` is on line {line}; table names must be unique", t.name.value));
            continue;
        }
        out.push(t);
    }
    out
}

fn table(cx: &mut Cx, node: &Node) -> Option<Table> {
    let f = cx.fields(node, "table", &["name", "hash_key", "range_key", "indexes"])?;
    let name = f.req(cx, "name").and_then(|n| cx.string(n));
    if let Some(n) = &name
        && !is_name(n, 3, 32)
    {
        cx.err(format!("`{}` is not a valid table name", n.value), &n.loc, "invalid table name").help = Some(
            "3-32 lowercase letters, digits and hyphens, starting with a letter; the AWS name is <project>-<env>-<name>"
                .into(),
        );
    }
    // Every key attribute seen, with its type and where it was declared.
    let mut types: BTreeMap<String, (KeyType, u32)> = BTreeMap::new();
    let hash_key = f.req(cx, "hash_key").and_then(|n| key_attr(cx, n, &mut types));
    let range_key = match f.opt("range_key") {
        Some(n) => Some(key_attr(cx, n, &mut types)?),
        None => None,
    };
    if let (Some(h), Some(r), Some(n)) = (&hash_key, &range_key, f.opt("range_key"))
        && h.name == r.name
    {
        cx.err(format!("`{}` is both the hash key and the range key", r.name), &n.loc, "same attribute").help =
            Some("a range key must be a different attribute; remove `range_key` for a hash-only table".into());
    }
    let mut indexes: Vec<TableIndex> = Vec::new();
    if let Some(n) = f.opt("indexes") {
        let items = cx.seq(n);
        if items.len() > MAX_INDEXES {
            cx.err(format!("{} indexes declared; DynamoDB allows {MAX_INDEXES}", items.len()), &n.loc, "too many")
                .help = Some("remove indexes, or split the table".into());
        }
        for item in items {
            let Some(i) = index(cx, item, &mut types) else { continue };
            if indexes.iter().any(|p| p.name == i.name) {
                let at = entry(item, "name").map(|(_, v)| &v.loc).unwrap_or(&item.loc);
                cx.err(format!("index name `{}` is used twice", i.name), at, "duplicate index").help =
                    Some("index names must be unique within a table".into());
                continue;
            }
            indexes.push(i);
        }
    }
    Some(Table { name: name?, hash_key: hash_key?, range_key, indexes, loc: node.loc.clone() })
}

fn index(cx: &mut Cx, node: &Node, types: &mut BTreeMap<String, (KeyType, u32)>) -> Option<TableIndex> {
    let f = cx.fields(node, "index", &["name", "hash_key", "range_key"])?;
    let name = f.req(cx, "name").and_then(|n| cx.string(n));
    if let Some(n) = &name
        && !is_dynamo_name(n)
    {
        cx.err(format!("`{}` is not a valid index name", n.value), &n.loc, "invalid index name").help =
            Some("3-255 letters, digits, `_`, `.` and `-`".into());
    }
    let hash_key = f.req(cx, "hash_key").and_then(|n| key_attr(cx, n, types));
    let range_key = match f.opt("range_key") {
        Some(n) => Some(key_attr(cx, n, types)?),
        None => None,
    };
    Some(TableIndex { name: name?.value, hash_key: hash_key?, range_key })
}

/// `{name, type}`; an attribute used by several keys must have one type.
fn key_attr(cx: &mut Cx, node: &Node, types: &mut BTreeMap<String, (KeyType, u32)>) -> Option<KeyAttr> {
    let f = cx.fields(node, "key", &["name", "type"])?;
    let name = f.req(cx, "name").and_then(|n| cx.string(n));
    if let Some(n) = &name
        && (n.is_empty() || n.len() > 255)
    {
        cx.err("a key attribute name must be 1-255 characters", &n.loc, "invalid attribute name");
    }
    let type_node = f.req(cx, "type");
    let kind =
        type_node.and_then(|n| cx.choice(n, KeyType::parse, &KeyType::NAMES, "key type must be 'S', 'N' or 'B'"));
    let (name, kind, type_node) = (name?, kind?, type_node?);
    match types.get(&name.value) {
        Some((prev, line)) if *prev != kind => {
            cx.err(
                format!("attribute `{}` is {} here but {} on line {line}", name.value, kind.as_str(), prev.as_str()),
                &type_node.loc,
                "conflicting type",
            )
            .help = Some("DynamoDB declares each attribute once; use the same type in every key".into());
            None
        }
        Some(_) => Some(KeyAttr { name: name.value, kind }),
        None => {
            types.insert(name.value.clone(), (kind, type_node.loc.line));
            Some(KeyAttr { name: name.value, kind })
        }
    }
}

/// The top-level `capacity:` section; returns its `ec2` node, if any.
pub(crate) fn capacity<'n>(cx: &mut Cx, node: &'n Node) -> Option<&'n Node> {
    let f = cx.fields(node, "the `capacity` section", &["ec2"])?;
    f.opt("ec2")
}

/// `capacity.ec2`: the Auto Scaling group behind the EC2 capacity provider.
pub(crate) fn ec2(cx: &mut Cx, node: &Node) -> Option<Ec2Capacity> {
    let f = cx.fields(node, "the `capacity.ec2` section", &["instance_type", "min", "max"])?;
    let it = f.req(cx, "instance_type").and_then(|n| cx.string(n));
    if let Some(t) = &it
        && instance_size(t).is_none()
    {
        let names = INSTANCE_SIZES.iter().map(|i| i.name);
        let hint = match suggest(t, names.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("ecsforge knows these sizes: {}", names.collect::<Vec<_>>().join(", ")),
        };
        cx.err(format!("unknown instance type `{}`", t.value), &t.loc, "not in ecsforge's table").help = Some(hint);
    }
    let min = match f.opt("min") {
        Some(n) => cx.u32_in(Some(n), 0, 1000),
        None => Some(1),
    };
    let max = match f.opt("max") {
        Some(n) => cx.u32_in(Some(n), 1, 1000),
        None => Some(2),
    };
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        let at = f.opt("min").or(f.opt("max")).map(|n| n.loc.clone()).unwrap_or_else(|| node.loc.clone());
        cx.err(format!("capacity.ec2.min {lo} is larger than capacity.ec2.max {hi}"), &at, "min > max").help =
            Some("the Auto Scaling group needs min <= max; the defaults are min 1, max 2".into());
    }
    let it = it.filter(|t| instance_size(t).is_some())?;
    Some(Ec2Capacity { instance_type: it, min: min?, max: max?, loc: node.loc.clone() })
}

/// `services[].tables`: `[{name, access}]`.
pub(crate) fn grants(cx: &mut Cx, node: &Node) -> Vec<TableGrant> {
    let mut out: Vec<TableGrant> = Vec::new();
    for item in cx.seq(node) {
        let Some(f) = cx.fields(item, "table grant", &["name", "access"]) else { continue };
        let name = f.req(cx, "name").and_then(|n| cx.string(n));
        let access = f.req(cx, "access").and_then(|n| {
            cx.choice(n, TableAccess::parse, &TableAccess::NAMES, "access must be 'read', 'write' or 'read-write'")
        });
        let (Some(name), Some(access)) = (name, access) else { continue };
        if out.iter().any(|g| g.table == name.value) {
            cx.err(format!("table `{}` is listed twice", name.value), &name.loc, "duplicate").help =
                Some("list each table once, with `access: read-write` for both".into());
            continue;
        }
        out.push(TableGrant { table: name.value, access, loc: name.loc });
    }
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

/// The service entry node of each parsed service, by name.
fn service_nodes(node: &Node) -> BTreeMap<String, &Node> {
    let Data::Seq(items) = &node.data else { return BTreeMap::new() };
    items
        .iter()
        .filter_map(|item| match entry(item, "name") {
            Some((_, Node { data: Data::Str(n), .. })) => Some((n.clone(), item)),
            _ => None,
        })
        .collect()
}

/// Cross-field checks of the services: table grants name declared tables;
/// `capacity: ec2` needs `capacity.ec2` and an instance of the service's architecture.
pub(crate) fn check_services(
    cx: &mut Cx,
    node: &Node,
    services: &[Service],
    declared_tables: &BTreeSet<String>,
    ec2: Option<&Ec2Capacity>,
    ec2_given: bool,
) {
    let nodes = service_nodes(node);
    for s in services {
        for g in &s.tables {
            if !declared_tables.contains(&g.table) {
                let hint = match suggest(&g.table, declared_tables.iter().map(String::as_str)) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => "declare the table under the top-level `tables:`".into(),
                };
                cx.err(format!("`{}` uses unknown table `{}`", s.name.value, g.table), &g.loc, "unknown table").help =
                    Some(hint);
            }
        }
        if s.capacity != Capacity::Ec2 {
            continue;
        }
        let Some(at) = nodes.get(s.name.as_str()).and_then(|n| entry(n, "capacity")).map(|(_, v)| v.loc.clone()) else {
            continue;
        };
        match ec2 {
            None if !ec2_given => {
                cx.err(
                    format!("`{}` runs on EC2 capacity, but no top-level `capacity.ec2` declares it", s.name.value),
                    &at,
                    "no EC2 capacity",
                )
                .help = Some(
                    "add a top-level `capacity: {ec2: {instance_type: t4g.medium}}` (min 1, max 2 instances), or use `capacity: fargate`"
                        .into(),
                );
            }
            // A `capacity.ec2` section with errors of its own is already reported.
            None => {}
            Some(e) => {
                let size = e.size();
                if size.architecture != s.architecture {
                    cx.err(
                        format!(
                            "`{}` is built for {}, but {} instances are {}",
                            s.name.value,
                            s.architecture.as_str(),
                            size.name,
                            size.architecture.as_str()
                        ),
                        &at,
                        "architecture mismatch",
                    )
                    .help = Some(format!(
                        "set `architecture: {}` on the service, or choose an instance type of its architecture (Graviton types such as t4g and m7g are arm64)",
                        size.architecture.as_str()
                    ));
                }
            }
        }
    }
}

/// An EC2 task (with every environment's overrides) must fit one instance.
pub(crate) fn check_fit(
    cx: &mut Cx,
    node: &Node,
    services: &[Service],
    environments: &BTreeMap<Env, Environment>,
    ec2: &Ec2Capacity,
) {
    let nodes = service_nodes(node);
    let size = ec2.size();
    for s in services.iter().filter(|s| s.capacity == Capacity::Ec2) {
        let Some(at) = nodes.get(s.name.as_str()).and_then(|n| entry(n, "capacity")).map(|(_, v)| v.loc.clone()) else {
            continue;
        };
        // Report the largest misfit once, naming the environments it occurs in.
        let mut misfits: BTreeMap<(u32, u32), Vec<&str>> = BTreeMap::new();
        for env in environments.values() {
            let o = env.overrides.get(s.name.as_str());
            let r = (o.and_then(|o| o.cpu).unwrap_or(s.cpu), o.and_then(|o| o.memory).unwrap_or(s.memory));
            if r.0 > size.task_cpu() || r.1 > size.task_memory() {
                misfits.entry(r).or_default().push(env.env.as_str());
            }
        }
        if let Some(((cpu, memory), envs)) = misfits.iter().next_back() {
            cx.err(
                format!(
                    "`{}` needs cpu {cpu} and memory {memory} MiB in {}, but one {} offers tasks at most cpu {} and {} MiB",
                    s.name.value,
                    envs.join(", "),
                    size.name,
                    size.task_cpu(),
                    size.task_memory()
                ),
                &at,
                "task does not fit the instance",
            )
            .help = Some(
                "choose a larger capacity.ec2.instance_type or a smaller task; a task may use every vCPU and 90 % of the instance's memory (docs/manifest.md)"
                    .into(),
            );
        }
    }
}
