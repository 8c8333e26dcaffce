//! Akifast, Akinon's hosted one-click checkout (cards.md §6): a guest paying there gives
//! marketing consents before any account exists. `POST /users/permissions/` keeps them, keyed
//! by the guest's `uid` and the `basket`, for `AKIFAST_PERMISSIONS_TTL`; they are applied, with
//! their consent history entry (source `akifast`), when the order of that basket arrives:
//!
//! - to the order's account: the orders area calls [`apply_for_order`];
//! - for a guest order, to the account later registered with the order's e-mail: the orders
//!   area calls [`hold_for_guest_order`], and registration calls [`apply_at_registration`].
//!
//! Endpoint (public): `POST /users/permissions/`.

mod entity;
mod queries;
mod routes;
mod types;

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use utoipa_axum::{router::OpenApiRouter, routes};

use self::types::{NewPermissions, Permissions};
use crate::{
    accounts::{
        Customer, Email,
        consents::{self, ConsentSource},
    },
    state::AppState,
};

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(routes::keep_permissions))
}

fn expiry(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX)
}

/// Keeps the consents of `new` for `ttl`.
async fn keep(
    db: &impl ConnectionTrait,
    new: &NewPermissions,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    queries::keep(db, new, now, expiry(now, ttl)).await
}

/// Applies the latest of `given` (none: nothing) to the customer; the customer as it now is.
async fn apply(
    db: &impl ConnectionTrait,
    given: Vec<Permissions>,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, DbErr> {
    let Some(latest) = given.into_iter().next() else {
        return Ok(None);
    };
    consents::give(
        db,
        customer_id,
        &latest.changes(),
        ConsentSource::Akifast,
        now,
    )
    .await
}

/// The order of `basket` arrived for the customer's account: applies the consents given in
/// Akifast for that basket, if any are kept, in the caller's transaction. The customer as it
/// now is when something was applied, for the customer cache once committed.
pub async fn apply_for_order(
    db: &impl ConnectionTrait,
    basket: i64,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, DbErr> {
    let given = queries::take_for_basket(db, basket, now).await?;
    apply(db, given, customer_id, now).await
}

/// A guest order of `basket` arrived with `email`: the consents given for that basket wait, for
/// another `ttl`, for the account registered with that address.
pub async fn hold_for_guest_order(
    db: &impl ConnectionTrait,
    basket: i64,
    email: &Email,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    queries::hold_for_email(db, basket, &email.lowercase(), now, expiry(now, ttl)).await
}

/// At registration, in its transaction: applies the consents waiting for the new customer's
/// e-mail (see [`hold_for_guest_order`]); the customer as it now is.
pub async fn apply_at_registration(
    db: &impl ConnectionTrait,
    customer: Customer,
    now: DateTime<Utc>,
) -> Result<Customer, DbErr> {
    let given = queries::take_for_email(db, &customer.email.lowercase(), now).await?;
    Ok(apply(db, given, customer.id, now)
        .await?
        .unwrap_or(customer))
}
