//! Writing generated roots: each file through a temporary file and a rename,
//! so a reader never sees a half-written file (no fsync: the files can always
//! be regenerated, and syncing a thousand files costs more than synth); files ecsforge generated
//! earlier that are no longer produced are removed. Anything else in the
//! directory (e.g. `.terraform/`, the user's own override files) is kept.

use std::fs;
use std::io::Write;
use std::path::Path;

use ecsforge_terraform::{File, GENERATED_MARKER};

pub fn root(dir: &Path, files: &[File]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for f in files {
        let target = dir.join(&f.name);
        if fs::read_to_string(&target).is_ok_and(|old| old == f.contents) {
            continue; // unchanged: keep the mtime, so tools watching the tree stay quiet
        }
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(f.contents.as_bytes())?;
        tmp.persist(&target).map_err(|e| e.error)?;
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".tf.json") || files.iter().any(|f| f.name == name) {
            continue;
        }
        if fs::read_to_string(&path).is_ok_and(|c| c.contains(GENERATED_MARKER)) {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}
