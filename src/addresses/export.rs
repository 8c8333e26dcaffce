//! What the address book contributes to the data export: every address the customer saved,
//! removed ones included (their rows are still stored), each as the API shows it, with when it
//! was added and removed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{AddressView, queries};
use crate::{accounts::Customer, export::ExportSection, http::ApiError, state::AppState};

/// The `addresses` section.
pub struct AddressesSection;

#[async_trait]
impl ExportSection for AddressesSection {
    fn name(&self) -> &'static str {
        "addresses"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let region = state.settings.phone_default_region;
        let mut addresses = Vec::new();
        for (address, created, removed) in
            queries::list_every_address(state.db.read(), customer.id).await?
        {
            let mut view = serde_json::to_value(AddressView::new(&address, region))
                .map_err(|error| ApiError::Internal(error.into()))?;
            if let Value::Object(fields) = &mut view {
                fields.insert("created_date".to_owned(), wire_time(created).into());
                fields.insert(
                    "removed_at".to_owned(),
                    removed.map(wire_time).map_or(Value::Null, Value::from),
                );
            }
            addresses.push(view);
        }
        Ok(Value::Array(addresses))
    }
}

fn wire_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
