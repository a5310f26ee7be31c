//! Text and Markdown renderings. JSON is the serde form of the same values.

use std::fmt::Write;

use crate::Estimate;
use crate::diff::Diff;
use crate::egress::Comparison;

fn group(int: u64) -> String {
    let s = int.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `$1,234.56` (negative: `-$1.00`).
pub fn money(x: f64) -> String {
    let c = (x * 100.0).round();
    let sign = if c < 0.0 { "-" } else { "" };
    let c = c.abs() as u64;
    format!("{sign}${}.{:02}", group(c / 100), c % 100)
}

/// `+$1.00` / `-$1.00` / `$0.00`.
/// The change between two amounts as shown: rounded to the cent first, so
/// `$1.005 → $2.004` reads `+$1.00`, matching the figures printed beside it.
pub fn change(old: f64, new: f64) -> String {
    signed_money(((new * 100.0).round() - (old * 100.0).round()) / 100.0)
}

pub fn signed_money(x: f64) -> String {
    if (x * 100.0).round() > 0.0 { format!("+{}", money(x)) } else { money(x) }
}

/// A quantity: thousands grouped, at most two decimals, no trailing zeros.
pub fn quantity(x: f64) -> String {
    let c = (x * 100.0).round() as u64;
    let frac = c % 100;
    let int = group(c / 100);
    if frac == 0 {
        int
    } else if frac.is_multiple_of(10) {
        format!("{int}.{}", frac / 10)
    } else {
        format!("{int}.{frac:02}")
    }
}

/// A unit price as given (up to 7 decimals, trailing zeros dropped, at least 2).
pub fn unit_price(x: f64) -> String {
    let s = format!("{x:.7}");
    let (i, f) = s.split_once('.').unwrap_or((&s, ""));
    let mut f = f.trim_end_matches('0').to_string();
    while f.len() < 2 {
        f.push('0');
    }
    format!("${i}.{f}")
}

fn table(rows: &[Vec<String>], right: &[bool]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut w = vec![0; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            let pad = w[i] - c.chars().count();
            if i > 0 {
                line.push_str("  ");
            }
            if right.get(i).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                if i + 1 < r.len() {
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The text report of one estimate.
pub fn text(e: &Estimate) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} / {} ({}): {}", e.project, e.environment, e.region, e.name);
    let _ = writeln!(out, "prices as of {}, USD per month ({} h)", e.prices_as_of, quantity(e.hours_per_month));
    let _ = writeln!(out);
    let mut rows = vec![vec![
        "resource".to_string(),
        "component".into(),
        "quantity".into(),
        "unit".into(),
        "price".into(),
        "monthly".into(),
        "note".into(),
    ]];
    for l in &e.lines {
        rows.push(vec![
            l.resource.clone(),
            l.component.clone(),
            l.quantity.map(quantity).unwrap_or_else(|| "unknown".into()),
            l.unit.clone(),
            l.unit_price.map(unit_price).unwrap_or_else(|| "unknown".into()),
            l.monthly.map(money).unwrap_or_else(|| "unknown".into()),
            l.note.clone(),
        ]);
    }
    rows.push(vec![
        "total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        money(e.total),
        if e.unknown > 0 { format!("+ {} unknown line(s), not in the total", e.unknown) } else { String::new() },
    ]);
    out.push_str(&table(&rows, &[false, false, true, false, true, true, false]));
    out.push_str(&footer(e));
    out
}

fn defaults_text(defaults: &[crate::DefaultUsed]) -> String {
    let mut out = String::new();
    if !defaults.is_empty() {
        let _ = writeln!(out, "\nusage defaults used (set them with --usage FILE):");
        for d in defaults {
            let _ = writeln!(out, "  {} = {} {}: {}", d.key, quantity(d.value), d.unit, d.meaning);
        }
    }
    out
}

fn footer(e: &Estimate) -> String {
    let mut out = defaults_text(&e.defaults);
    if !e.unpriced.is_empty() {
        let _ = writeln!(out, "\nnot priced:");
        for u in &e.unpriced {
            let _ = writeln!(out, "  {} ×{}: {}", u.resource_type, u.count, u.reason);
        }
    }
    if !e.free.is_empty() {
        let list: Vec<String> = e.free.iter().map(|(t, n)| format!("{t} ×{n}")).collect();
        let _ = writeln!(out, "\nno charge of their own: {}", list.join(", "));
    }
    out
}

/// The text report of an egress comparison.
pub fn comparison_text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} / {} ({}, {} AZs): {}", c.project, c.environment, c.region, c.azs, c.name);
    let _ = writeln!(
        out,
        "egress designs at {} GB/month through NAT{}",
        quantity(c.nat_gb),
        if c.nat_gb_given { "" } else { " (default nat_gb; set it with --usage FILE)" }
    );
    let _ = writeln!(out);
    let mut rows = vec![vec![
        "design".to_string(),
        "fixed/month".into(),
        "per NAT GB".into(),
        "monthly".into(),
        "".into(),
        "note".into(),
    ]];
    for d in &c.designs {
        let mut tags = Vec::new();
        if d.current {
            tags.push("current");
        }
        if !d.allowed {
            tags.push("not allowed");
        }
        if c.recommended == Some(d.design) {
            tags.push("recommended");
        }
        let note = if d.unknown > 0 {
            format!(
                "{}{}{} unknown line(s) not in the figures",
                d.note,
                if d.note.is_empty() { "" } else { "; " },
                d.unknown
            )
        } else {
            d.note.clone()
        };
        rows.push(vec![
            d.design.as_str().to_string(),
            money(d.fixed),
            unit_price(d.per_gb),
            money(d.monthly),
            tags.join(", "),
            note,
        ]);
    }
    out.push_str(&table(&rows, &[false, true, true, true, false, false]));
    let _ = writeln!(out);
    if c.crossovers.is_empty() {
        let _ = writeln!(out, "break-even: none (no design with NAT becomes cheaper than another as traffic grows)");
    }
    for x in &c.crossovers {
        let _ = writeln!(
            out,
            "break-even: above {} GB/month through NAT, {} costs less than {}",
            quantity(x.gb.ceil()),
            x.above.as_str(),
            x.below.as_str()
        );
    }
    let _ =
        writeln!(out, "endpoints-only carries no internet traffic, so it has no break-even against the NAT designs");
    match c.recommended {
        Some(d) => {
            let _ = writeln!(out, "recommended: {} ({})", d.as_str(), c.reason);
        }
        None => {
            let _ = writeln!(out, "recommended: none ({})", c.reason);
        }
    }
    out.push_str(&defaults_text(&c.defaults));
    out
}

/// The Markdown report of cost differences, for a pull-request comment.
pub fn diff_markdown(diffs: &[Diff]) -> String {
    let mut out = String::new();
    let old: f64 = diffs.iter().map(|d| d.old_total).sum();
    let new: f64 = diffs.iter().map(|d| d.new_total).sum();
    let _ = writeln!(out, "## ecsforge cost diff\n");
    if (old * 100.0).round() == (new * 100.0).round() {
        let _ = writeln!(out, "Monthly cost is unchanged: {}.\n", money(new));
    } else {
        let _ = writeln!(
            out,
            "Monthly cost {} by **{}**: {} → {}.\n",
            if new > old { "rises" } else { "falls" },
            change(old, new),
            money(old),
            money(new)
        );
    }
    let mut defaults: Vec<&crate::DefaultUsed> = Vec::new();
    for d in diffs.iter().flat_map(|d| &d.defaults) {
        if !defaults.iter().any(|x| x.key == d.key) {
            defaults.push(d);
        }
    }
    for d in diffs {
        let _ = writeln!(
            out,
            "### {}: {} → {} ({})\n",
            d.name,
            money(d.old_total),
            money(d.new_total),
            change(d.old_total, d.new_total)
        );
        if d.changes.is_empty() {
            let _ = writeln!(out, "No cost changes.\n");
            continue;
        }
        let _ = writeln!(out, "| resource | component | before | after | change |");
        let _ = writeln!(out, "|---|---|---:|---:|---:|");
        let cell = |v: Option<f64>, present_unknown: bool| match v {
            Some(x) if present_unknown && x == 0.0 => "unknown".to_string(),
            Some(x) => money(x),
            None => "–".to_string(),
        };
        for c in &d.changes {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {}{} |",
                c.resource,
                c.component.replace('|', "\\|"),
                cell(c.old, c.unknown),
                cell(c.new, c.unknown),
                change(c.old.unwrap_or(0.0), c.new.unwrap_or(0.0)),
                if c.unknown { " (partly unknown)" } else { "" }
            );
        }
        let _ = writeln!(out);
        if d.old_unknown + d.new_unknown > 0 {
            let _ = writeln!(
                out,
                "_Unknown lines (not in the totals): {} before, {} after._\n",
                d.old_unknown, d.new_unknown
            );
        }
    }
    if !defaults.is_empty() {
        let list: Vec<String> =
            defaults.iter().map(|d| format!("`{}` = {} {}", d.key, quantity(d.value), d.unit)).collect();
        let _ = writeln!(out, "_Usage defaults: {}._", list.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(money(1234.567), "$1,234.57");
        assert_eq!(money(-7.3), "-$7.30");
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(quantity(2190.0), "2,190");
        assert_eq!(quantity(547.5), "547.5");
        assert_eq!(quantity(0.125), "0.13");
        assert_eq!(unit_price(0.004445), "$0.004445");
        assert_eq!(unit_price(3.0), "$3.00");
        assert_eq!(signed_money(1.0), "+$1.00");
    }
}
