//! What saved cards contribute to the data export: each card masked, never its token.

use async_trait::async_trait;
use serde_json::Value;

use super::{queries, types::SavedCardView};
use crate::{
    accounts::Customer, export::ExportSection, http::ApiError, http::pagination::Window,
    state::AppState,
};

/// The `saved_cards` section.
pub struct SavedCardsSection;

#[async_trait]
impl ExportSection for SavedCardsSection {
    fn name(&self) -> &'static str {
        "saved_cards"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let every = Window {
            offset: 0,
            limit: None,
        };
        let cards = queries::list_cards(state.db.read(), customer.id, every).await?;
        let views: Vec<SavedCardView> = cards
            .iter()
            .map(|card| SavedCardView::new(card, None))
            .collect();
        serde_json::to_value(views).map_err(|error| ApiError::Internal(error.into()))
    }
}
