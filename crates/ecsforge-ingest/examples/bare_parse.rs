//! The baseline for `bench/check.sh`: read a JSON file and parse it into a
//! `serde_json::Value`, nothing else. `ecsforge check` on the same plan should
//! stay within 2x of this.

fn main() {
    let path = std::env::args().nth(1).expect("usage: bare_parse FILE");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let n = v.get("planned_values").map(|_| 1).unwrap_or(0);
    println!("parsed {} bytes ({n})", text.len());
}
