//! The customer's handlers of saved cards. Every one needs a logged-in customer
//! ([`CurrentCustomer`]: 401 for guests) and touches only that customer's cards.

use axum::{Json, extract::State, http::StatusCode};

use super::{
    CardFreePayload, queries,
    types::{CardNameForm, SavedCard, SavedCardView},
};
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ErrorDetail, FieldErrors,
        openapi::{LoggedInWrite, LoginRequired},
        pagination::{ListRequest, Page, PageParams, PathPk},
    },
    state::AppState,
};

/// The view of `card` with its token opened: the owner's own view.
fn owner_view(state: &AppState, card: &SavedCard) -> Result<SavedCardView, ApiError> {
    let token = state.card_tokens.open(&card.sealed_token)?;
    Ok(SavedCardView::new(card, Some(&token)))
}

/// The customer's saved cards, newest first (page size `limit`, default 20).
#[utoipa::path(get, path = "/users/saved-cards/", tag = "cards",
    params(PageParams),
    responses(
        (status = 200, description = "The saved cards", body = Page<SavedCardView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_saved_cards(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<SavedCardView>>, ApiError> {
    let page = super::list_page(&state, &customer, &request).await?;
    let views = page
        .results
        .iter()
        .map(|card| owner_view(&state, card))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Page {
        count: page.count,
        next: page.next,
        previous: page.previous,
        results: views,
    }))
}

/// The customer's cards stored at the payment gateway: the saved cards, without their tokens.
#[utoipa::path(get, path = "/users/stored-cards/", tag = "cards",
    params(PageParams),
    responses(
        (status = 200, description = "The stored cards, without `token`", body = Page<SavedCardView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_stored_cards(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<SavedCardView>>, ApiError> {
    let page = super::list_page(&state, &customer, &request).await?;
    Ok(Json(page.map(|card| SavedCardView::new(&card, None))))
}

/// One of the customer's saved cards.
#[utoipa::path(get, path = "/users/saved-cards/{id}/", tag = "cards",
    params(("id" = i64, Path, description = "Saved card id")),
    responses(
        (status = 200, description = "The card", body = SavedCardView),
        LoginRequired,
        (status = 404, description = "No such card of this customer", body = ErrorDetail),
    ))]
pub async fn get_saved_card(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(id): PathPk,
) -> Result<Json<SavedCardView>, ApiError> {
    let card = queries::find_card(state.db.read(), customer.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(owner_view(&state, &card)?))
}

/// Renames the card: only `name` is writable (≤ 64 characters), other keys are ignored. A body
/// carrying a card number, an expiry or a CVV is refused, naming the field.
#[utoipa::path(patch, path = "/users/saved-cards/{id}/", tag = "cards",
    params(("id" = i64, Path, description = "Saved card id")),
    request_body = CardNameForm,
    responses(
        (status = 200, description = "The renamed card", body = SavedCardView),
        (status = 400, description = "A name too long, or card data in the body", body = FieldErrors),
        LoggedInWrite,
        (status = 404, description = "No such card of this customer", body = ErrorDetail),
    ))]
pub async fn rename_saved_card(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(id): PathPk,
    CardFreePayload(form): CardFreePayload<CardNameForm>,
) -> Result<Json<SavedCardView>, ApiError> {
    let card = match form.parse()? {
        Some(name) => {
            queries::rename_card(
                &state.db.write_one(),
                customer.id,
                id,
                name,
                state.clock.now(),
            )
            .await?
        }
        None => queries::find_card(state.db.read(), customer.id, id).await?,
    };
    let card = card.ok_or(ApiError::NotFound)?;
    Ok(Json(owner_view(&state, &card)?))
}

/// Deletes the card; its token is deleted at the payment gateway shortly after (through the
/// outbox, so a gateway outage loses nothing). The card is gone from the lists at once.
#[utoipa::path(delete, path = "/users/saved-cards/{id}/", tag = "cards",
    params(("id" = i64, Path, description = "Saved card id")),
    responses(
        (status = 204, description = "Deleted"),
        LoggedInWrite,
        (status = 404, description = "No such card of this customer", body = ErrorDetail),
    ))]
pub async fn delete_saved_card(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(id): PathPk,
) -> Result<StatusCode, ApiError> {
    super::remove_card(&state, &customer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
