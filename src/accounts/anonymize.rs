//! Anonymising an account (account.md §6): the customer's personal data erased for good, what
//! the shop must keep left without anyone's name on it, every session ended.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::{
    Customer, Email,
    consents::{self, ConsentSource},
    logins,
    passwords::unusable_password_hash,
    queries,
};
use crate::{
    addresses, cards, email_addresses, http::ApiError, orders, password_reset, security_events,
    sessions::Session, social, state::AppState,
};

/// Erases `customer`'s personal data in one transaction (the account row, the consents withdrawn
/// and recorded, what other areas keep: [`erase_owned_data`]), then ends every session of the
/// customer, this one (`session`) included, whose cookie the response deletes.
///
/// The account row is what ends the logins at once: its password becomes unusable, so every
/// session's auth hash stops matching, and it is inactive. Deleting the sessions afterwards is
/// cleanup, done after the commit because the database session store writes on the same
/// (SQLite: single) writer; a crash in between leaves sessions that no longer log anyone in.
#[tracing::instrument(skip_all, fields(customer = customer.id))]
pub(super) async fn anonymize(
    state: &AppState,
    session: &Session,
    customer: &Customer,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    // The old address is free to register again: the placeholder takes its place.
    let erased = queries::erase_personal_data(
        &transaction,
        customer.id,
        Email::anonymized_placeholder(),
        unusable_password_hash(),
        now,
    )
    .await?
    .ok_or(ApiError::Unauthenticated)?;
    consents::record(
        &transaction,
        customer.id,
        &consents::all_withdrawn(),
        ConsentSource::Anonymize,
        now,
    )
    .await?;
    erase_owned_data(&transaction, customer.id, now).await?;
    let sessions = logins::take_all(&transaction, customer.id).await?;
    transaction.commit().await?;
    // Other sessions on this instance stop at once; on others when their cache ages out.
    state.customers.remember(erased);
    for id in &sessions {
        state.sessions.end(id).await?;
    }
    session.flush().await?;
    tracing::info!("anonymised the account");
    Ok(())
}

/// What the areas keep about the customer, erased in the anonymisation's transaction: one call
/// per area, which owns what its call does (deleting, or keeping a record the shop must keep
/// with its personal fields anonymised, as orders will).
async fn erase_owned_data(
    db: &impl ConnectionTrait,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    addresses::queries::delete_customer_addresses(db, customer_id).await?;
    password_reset::queries::delete_token(db, customer_id).await?;
    email_addresses::forget_customer(db, customer_id).await?;
    // The cards go, and their tokens at the gateway through the outbox.
    cards::forget_customer(db, customer_id, now).await?;
    // Orders are the shop's records: they stay, without the personal fields.
    orders::forget_customer(db, customer_id, now).await?;
    security_events::forget_customer(db, customer_id).await?;
    social::forget_customer(db, customer_id).await?;
    Ok(())
}
