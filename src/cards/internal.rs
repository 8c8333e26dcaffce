//! The payment side's handlers of saved cards, under the internal API (bearer token, no
//! cookies, no CSRF: see `http::internal`).

use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{StatusCode, request::Parts},
};

use super::{
    CardFreePayload,
    types::{GatewayToken, InternalCardForm, SavedCardView},
};
use crate::{
    http::{ApiError, ErrorDetail, FieldErrors},
    state::AppState,
};

/// The customer's e-mail and the card's token named by the path. An unreadable path is a 404
/// like an unknown one; a malformed token (a card number, say) is a 400 on `token`.
pub struct CardPath {
    email: String,
    token: GatewayToken,
}

impl<S: Send + Sync> FromRequestParts<S> for CardPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((email, token)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        let token =
            GatewayToken::parse(&token).map_err(|message| ApiError::field("token", message))?;
        Ok(Self { email, token })
    }
}

/// Saves a card the payment side tokenised for the customer, or updates it (idempotent: the
/// same call again changes nothing). Only the token and the last four digits are kept; a body
/// carrying a card number, an expiry or a CVV is refused, naming the field.
#[utoipa::path(put, path = "/internal/customers/{customer_email}/saved-cards/{token}/",
    tag = "cards (internal)",
    security(("internal_token" = [])),
    params(
        ("customer_email" = String, Path, description = "The customer's e-mail address"),
        ("token" = String, Path, description = "The payment gateway's token of the card"),
    ),
    request_body = InternalCardForm,
    responses(
        (status = 201, description = "Saved", body = SavedCardView),
        (status = 200, description = "Already saved; updated", body = SavedCardView),
        (status = 400, description = "Invalid fields, or card data in the body", body = FieldErrors),
        (status = 404, description = "No customer with this e-mail, or no valid bearer token", body = ErrorDetail),
        (status = 409, description = "The token belongs to another customer's card", body = ErrorDetail),
    ))]
pub async fn put_saved_card(
    State(state): State<AppState>,
    CardPath { email, token }: CardPath,
    CardFreePayload(form): CardFreePayload<InternalCardForm>,
) -> Result<(StatusCode, Json<SavedCardView>), ApiError> {
    let card = form.parse()?;
    let (saved, is_new) = super::save_card(&state, &email, &token, &card).await?;
    let status = if is_new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(SavedCardView::new(&saved, Some(&token)))))
}

/// Deletes a saved card the payment side no longer has (the gateway is not called).
#[utoipa::path(delete, path = "/internal/customers/{customer_email}/saved-cards/{token}/",
    tag = "cards (internal)",
    security(("internal_token" = [])),
    params(
        ("customer_email" = String, Path, description = "The customer's e-mail address"),
        ("token" = String, Path, description = "The payment gateway's token of the card"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such customer or card, or no valid bearer token", body = ErrorDetail),
    ))]
pub async fn delete_saved_card(
    State(state): State<AppState>,
    CardPath { email, token }: CardPath,
) -> Result<StatusCode, ApiError> {
    super::forget_card(&state, &email, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}
