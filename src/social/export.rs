//! What social login contributes to the data export: the account's links to providers.

use async_trait::async_trait;
use serde_json::Value;

use super::{queries, types::SocialAccountView};
use crate::{accounts::Customer, export::ExportSection, http::ApiError, state::AppState};

/// The `social_accounts` section.
pub struct SocialAccountsSection;

#[async_trait]
impl ExportSection for SocialAccountsSection {
    fn name(&self) -> &'static str {
        "social_accounts"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let links = queries::list_links(state.db.read(), customer.id).await?;
        let views: Vec<SocialAccountView> = links.iter().map(SocialAccountView::from).collect();
        serde_json::to_value(views).map_err(|error| ApiError::Internal(error.into()))
    }
}
