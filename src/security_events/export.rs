//! What the security log contributes to the data export: every event, newest first, as the
//! customer reads it.

use async_trait::async_trait;
use serde_json::Value;

use super::{queries, types::SecurityEventView};
use crate::{accounts::Customer, export::ExportSection, http::ApiError, state::AppState};

/// The `security_events` section.
pub struct SecurityEventsSection;

#[async_trait]
impl ExportSection for SecurityEventsSection {
    fn name(&self) -> &'static str {
        "security_events"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let events: Vec<SecurityEventView> =
            queries::list_events(state.db.read(), customer.id, None)
                .await?
                .into_iter()
                .map(SecurityEventView::from)
                .collect();
        serde_json::to_value(events).map_err(|error| ApiError::Internal(error.into()))
    }
}
