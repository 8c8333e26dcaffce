//! The customer's saved cards (cards.md §2): only the payment gateway's token (encrypted at rest
//! under `CARD_TOKEN_KEY`) and the last four digits are ever stored; a body carrying a card
//! number, an expiry or a CVV is refused before anything is parsed, stored or logged. Cards
//! arrive from the payment side through the internal API; deleting one deletes its token at the
//! gateway through the outbox, so a gateway outage loses nothing.
//!
//! Endpoints (logged in): `GET /users/saved-cards/`, `GET|PATCH|DELETE /users/saved-cards/{id}/`,
//! `GET /users/stored-cards/`. Internal (bearer token):
//! `PUT|DELETE /internal/customers/{customer_email}/saved-cards/{token}/`.
//! Anonymisation calls [`forget_customer`]; the export lists the cards masked ([`SavedCardsSection`]).

mod card_data;
mod cipher;
mod entity;
mod export;
mod gateway;
mod internal;
mod queries;
mod routes;
mod types;

use axum::extract::{FromRequest, Request};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use self::{
    card_data::refuse_card_data,
    types::{GatewayToken, NewCard, SavedCard},
};
pub use self::{
    cipher::TokenCipher,
    export::SavedCardsSection,
    gateway::{GatewayTokenDeletions, HttpPaymentGateway, LogPaymentGateway, PaymentGateway},
};
use crate::{
    accounts::{self, Customer},
    http::{
        ApiError, Payload,
        extract::deserialize,
        pagination::{ListRequest, Page, PageRequest},
    },
    outbox,
    state::AppState,
};

/// The list's page size when the client sends none (cards.md §2), and the most it may ask for.
const PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;

/// The customer's routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::list_saved_cards))
        .routes(routes!(
            routes::get_saved_card,
            routes::rename_saved_card,
            routes::delete_saved_card
        ))
        .routes(routes!(routes::list_stored_cards))
}

/// The internal API's routes of this area.
pub fn internal_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(
        internal::put_saved_card,
        internal::delete_saved_card
    ))
}

/// A request body with no card number, expiry or CVV in any field, parsed into `T`.
pub struct CardFreePayload<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CardFreePayload<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let Payload(fields) = Payload::<Map<String, Value>>::from_request(request, state).await?;
        refuse_card_data(&fields)?;
        Ok(Self(deserialize(fields)?))
    }
}

/// One page of the customer's cards, newest first.
async fn list_page(
    state: &AppState,
    owner: &Customer,
    request: &ListRequest,
) -> Result<Page<SavedCard>, ApiError> {
    let db = state.db.read();
    let paging = PageRequest::from_params(&request.params, Some(PAGE_SIZE), Some(MAX_PAGE_SIZE))?;
    let count = queries::count_cards(db, owner.id).await?;
    let (number, window) = paging.window(count)?;
    let cards = queries::list_cards(db, owner.id, window).await?;
    Ok(Page::new(count, number, &paging, request, cards))
}

/// Deletes one of the customer's cards; its token's deletion at the gateway is written to the
/// outbox in the same transaction, so the card is gone at once and the gateway hears of it
/// even if it is down now.
#[tracing::instrument(skip_all, fields(customer = owner.id, card = id))]
async fn remove_card(state: &AppState, owner: &Customer, id: i64) -> Result<(), ApiError> {
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    let card = queries::find_card(&transaction, owner.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    queries::delete_card(&transaction, card.id).await?;
    outbox::enqueue_gateway_token_deletion(&transaction, &card.sealed_token, now).await?;
    transaction.commit().await?;
    tracing::info!("deleted a saved card");
    Ok(())
}

/// The customer with the e-mail address of an internal API path; 404 for none.
async fn customer_by_email(state: &AppState, email: &str) -> Result<Customer, ApiError> {
    accounts::queries::find_by_email(state.db.read(), &email.trim().to_lowercase())
        .await?
        .ok_or(ApiError::NotFound)
}

/// Saves `token` as a card of the customer at `email`, or updates the card it already is
/// (idempotent); the card and whether it is new. A token of another customer's card is a 409.
#[tracing::instrument(skip_all)]
async fn save_card(
    state: &AppState,
    email: &str,
    token: &GatewayToken,
    card: &NewCard,
) -> Result<(SavedCard, bool), ApiError> {
    let owner = customer_by_email(state, email).await?;
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    let saved = match queries::find_by_token_hash(&transaction, &token.lookup_hash()).await? {
        Some(existing) if existing.user_id != owner.id => {
            return Err(ApiError::Conflict(
                "This token belongs to another customer's card.".to_owned(),
            ));
        }
        Some(existing) => (
            queries::update_card(&transaction, existing.id, card, now).await?,
            false,
        ),
        None => {
            let sealed = state.card_tokens.seal(token)?;
            let inserted = queries::insert_card(
                &transaction,
                owner.id,
                card,
                token.lookup_hash(),
                sealed,
                now,
            )
            .await?;
            (inserted, true)
        }
    };
    transaction.commit().await?;
    tracing::info!(customer = owner.id, card = saved.0.id, "saved a card");
    Ok(saved)
}

/// Deletes the card `token` of the customer at `email`, as the payment side asks (the token is
/// gone at the gateway already, so it is not called); 404 for an unknown customer or card.
#[tracing::instrument(skip_all)]
async fn forget_card(state: &AppState, email: &str, token: &GatewayToken) -> Result<(), ApiError> {
    let owner = customer_by_email(state, email).await?;
    let transaction = state.db.write().await?;
    let card = queries::find_by_token_hash(&transaction, &token.lookup_hash())
        .await?
        .filter(|card| card.user_id == owner.id)
        .ok_or(ApiError::NotFound)?;
    queries::delete_card(&transaction, card.id).await?;
    transaction.commit().await?;
    tracing::info!(
        customer = owner.id,
        card = card.id,
        "the payment side deleted a card"
    );
    Ok(())
}

/// Deletes every card of the customer and writes their tokens' deletions at the gateway to the
/// outbox, in the caller's transaction (anonymisation).
pub async fn forget_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for sealed in queries::take_customer_cards(db, customer_id).await? {
        outbox::enqueue_gateway_token_deletion(db, &sealed, now).await?;
    }
    Ok(())
}
