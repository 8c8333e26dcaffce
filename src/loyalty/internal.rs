//! The order side's handler of loyalty money, under the internal API (bearer token, no cookies,
//! no CSRF: see `http::internal`).

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
};

use super::types::{LoyaltyTransactionForm, TransactionView};
use crate::{
    http::{ApiError, ErrorDetail, FieldErrors, Payload},
    state::AppState,
};

/// Records a loyalty transaction of the customer. Idempotent by `id`: the same call again
/// answers 200 and adds nothing.
#[utoipa::path(post, path = "/internal/customers/{customer_email}/loyalty/",
    tag = "loyalty (internal)",
    security(("internal_token" = [])),
    params(("customer_email" = String, Path, description = "The customer's e-mail address")),
    request_body = LoyaltyTransactionForm,
    responses(
        (status = 201, description = "Recorded", body = TransactionView),
        (status = 200, description = "Recorded before with the same values; nothing added", body = TransactionView),
        (status = 400, description = "Invalid fields", body = FieldErrors),
        (status = 404, description = "No customer with this e-mail, or no valid bearer token", body = ErrorDetail),
        (status = 409, description = "The id was recorded with other values", body = ErrorDetail),
    ))]
pub async fn record_transaction(
    State(state): State<AppState>,
    email: Result<Path<String>, PathRejection>,
    Payload(form): Payload<LoyaltyTransactionForm>,
) -> Result<(StatusCode, Json<TransactionView>), ApiError> {
    // An unreadable path is a 404 like an unknown one.
    let Path(email) = email.map_err(|_| ApiError::NotFound)?;
    let transaction = form.parse(&state.settings.available_currencies)?;
    let is_new = super::record(&state, &email, &transaction).await?;
    let status = if is_new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(TransactionView::new(&transaction))))
}
