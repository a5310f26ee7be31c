//! Prints the model ingested from a file (debugging aid): `dump_model FILE [ADDRESS]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: dump_model FILE [ADDRESS]");
    let filter = args.next();
    let text = std::fs::read_to_string(&path).expect("readable file");
    match ecsforge_ingest::ingest(&path, &text) {
        Ok(m) => {
            for r in m.resources.values().filter(|r| filter.as_deref().is_none_or(|f| r.address.as_str() == f)) {
                println!("{} [{}:{}]\n{:#?}\n", r.address, r.provenance.line, r.provenance.col, r.attrs);
            }
        }
        Err(e) => eprint!("{}", e.render(false)),
    }
}
