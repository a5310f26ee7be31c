//! `terraform show -json` plans → InfraModel. (being written)
use crate::IngestError;
use ecsforge_model::InfraModel;
pub fn ingest(file: &str, text: &str) -> Result<InfraModel, IngestError> {
    Err(IngestError::new(file, text, crate::Located::start(), "plan ingest is not implemented yet", "work in progress"))
}
