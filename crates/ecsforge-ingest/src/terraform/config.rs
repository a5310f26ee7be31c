//! `*.tf.json` root modules → InfraModel. (being written)
use crate::IngestError;
use ecsforge_model::InfraModel;
pub fn ingest(files: &[(String, String)]) -> Result<InfraModel, IngestError> {
    let (f, t) = files.first().cloned().unwrap_or_default();
    Err(IngestError::new(&f, &t, crate::Located::start(), "tf.json ingest is not implemented yet", "work in progress"))
}
