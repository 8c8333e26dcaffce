//! The customer's loyalty money (account.md §8, cards.md §4): transactions reported by the
//! order side through the internal API (idempotent by the caller's id), the list of them, and
//! the balance, which is their sum in the request's currency, computed when asked: never a
//! stored copy that could drift.
//!
//! Endpoints (logged in): `GET /account/loyalty-account-balance/`, `GET /account/loyalty/`.
//! Internal (bearer token): `POST /internal/customers/{customer_email}/loyalty/`.

mod entity;
mod export;
mod internal;
mod queries;
mod routes;
mod types;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::export::LoyaltySection;
use self::types::LoyaltyTransaction;
use crate::{accounts, http::ApiError, state::AppState};

/// The list's page size when the client sends none (it sends none: account.md §8.2).
const PAGE_SIZE: u64 = 100;

/// The customer's routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::get_balance))
        .routes(routes!(routes::list_transactions))
}

/// The internal API's routes of this area.
pub fn internal_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(internal::record_transaction))
}

/// Records `transaction` for the customer at `email`; whether it is new. The same caller's id
/// again with the same values is accepted and adds nothing; with other values, or for another
/// customer, it is a 409. An unknown e-mail is a 404.
#[tracing::instrument(skip_all)]
async fn record(
    state: &AppState,
    email: &str,
    transaction: &LoyaltyTransaction,
) -> Result<bool, ApiError> {
    let customer = accounts::queries::find_by_email(state.db.read(), &email.trim().to_lowercase())
        .await?
        .ok_or(ApiError::NotFound)?;
    let amount = transaction
        .amount
        .stored()
        .ok_or_else(|| ApiError::field("amount", "Ensure this value is smaller in magnitude."))?;
    let conflict = || {
        ApiError::Conflict("A transaction with this id was recorded with other values.".to_owned())
    };
    let transaction_db = state.db.write().await?;
    if let Some((owner, stored)) =
        queries::find_by_external_id(&transaction_db, &transaction.external_id).await?
    {
        return if owner == customer.id && stored == *transaction {
            Ok(false)
        } else {
            Err(conflict())
        };
    }
    queries::insert_transaction(&transaction_db, customer.id, transaction, amount)
        .await
        .map_err(|error| ApiError::unless_duplicate(error, conflict))?;
    transaction_db.commit().await?;
    tracing::info!(customer = customer.id, "recorded a loyalty transaction");
    Ok(true)
}
