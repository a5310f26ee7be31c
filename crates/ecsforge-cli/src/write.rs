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

/// Writes the CI files (`ci/...`, relative to `out`) the same way: each
/// through a temporary file and a rename, unchanged files untouched. Files
/// under `<out>/ci` that ecsforge generated earlier (their first line is
/// [`ecsforge_synth::ci::GENERATED_MARKER`]) and that are no longer produced
/// are removed; anything else there is kept.
pub fn ci_files(out: &Path, files: &[ecsforge_synth::ci::CiFile]) -> std::io::Result<()> {
    use std::collections::BTreeSet;
    let mut wanted = BTreeSet::new();
    for f in files {
        let target = out.join(&f.path);
        wanted.insert(target.clone());
        if fs::read_to_string(&target).is_ok_and(|old| old == f.contents) {
            continue;
        }
        let dir = target.parent().unwrap_or(out);
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(f.contents.as_bytes())?;
        tmp.persist(&target).map_err(|e| e.error)?;
    }
    remove_stale(&out.join("ci"), &wanted).map(|_| ())
}

/// Removes stale generated files under `dir`; returns whether it removed any.
fn remove_stale(dir: &Path, wanted: &std::collections::BTreeSet<std::path::PathBuf>) -> std::io::Result<bool> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut removed = false;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            // A directory ecsforge emptied goes too; one with other files stays.
            if remove_stale(&path, wanted)? && fs::read_dir(&path)?.next().is_none() {
                fs::remove_dir(&path)?;
                removed = true;
            }
        } else if !wanted.contains(&path)
            && fs::read_to_string(&path).is_ok_and(|c| c.lines().next() == Some(ecsforge_synth::ci::GENERATED_MARKER))
        {
            fs::remove_file(&path)?;
            removed = true;
        }
    }
    Ok(removed)
}
