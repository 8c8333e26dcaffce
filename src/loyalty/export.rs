//! What loyalty contributes to the data export: every transaction, as the customer's list shows it.

use async_trait::async_trait;
use serde_json::Value;

use super::{queries, types::TransactionView};
use crate::{
    accounts::Customer, export::ExportSection, http::ApiError, http::pagination::Window,
    state::AppState,
};

/// The `loyalty_transactions` section.
pub struct LoyaltySection;

#[async_trait]
impl ExportSection for LoyaltySection {
    fn name(&self) -> &'static str {
        "loyalty_transactions"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let every = Window {
            offset: 0,
            limit: None,
        };
        let transactions = queries::list_transactions(state.db.read(), customer.id, every).await?;
        let views: Vec<TransactionView> = transactions.iter().map(TransactionView::new).collect();
        serde_json::to_value(views).map_err(|error| ApiError::Internal(error.into()))
    }
}
