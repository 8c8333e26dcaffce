//! Forgotten passwords (contract account.md §4): a reset link by e-mail, then a new password
//! through it. The link is single use, expires after `PASSWORD_RESET_TIMEOUT`, and is void once
//! the password changes, the customer logs in or a newer link is mailed. A reset ends every
//! session of the customer and logs nobody in.
//!
//! Endpoints: `POST /users/password/reset/`, `GET|POST /users/reset/{uidb64}/{token}/`,
//! `POST /users/password/reset/confirm/`.

mod entity;
pub mod queries;
mod routes;
mod types;

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use self::types::{ResetLink, ResetToken, account_fingerprint};
use crate::{
    accounts::{self, Customer, Email, NewPassword},
    http::{ApiError, Requester},
    languages::RequestLanguage,
    outbox::{self, OutgoingMail},
    state::AppState,
};

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::request_password_reset))
        .routes(routes!(routes::check_reset_link, routes::reset_password))
        .routes(routes!(routes::confirm_password_reset))
}

/// The outbox throttle's name for these mails.
const MAIL_PURPOSE: &str = "password_reset";

/// At most one reset mail per address this often (backend convention, account.md §4.1).
const MAIL_PERIOD: Duration = Duration::from_secs(60);

/// Mails a reset link to the account of `email`, if it may have one: it exists, is active and
/// has a usable password (Django's rule: an account without one sets it through
/// `POST /users/password/set/` once logged in). Nothing else tells the caller whether it did.
///
/// Known and unknown addresses take the same path up to the mail: one read, one write
/// transaction, the same throttle upsert first in it, so the answer's timing tells little. The
/// mail leaves through the outbox, never inline: an SMTP exchange would be a tell of seconds.
/// The throttle counts unknown addresses too, and a throttled request issues no token, so the
/// link of the mail already sent stays the valid one.
async fn mail_reset_link(
    state: &AppState,
    email: &Email,
    language: &RequestLanguage,
) -> Result<(), ApiError> {
    let customer = accounts::queries::find_by_email(state.db.read(), &email.lowercase())
        .await?
        .filter(|customer| customer.is_active && customer.has_usable_password());
    let now = state.clock.now();
    // Rendered before the transaction, which on SQLite holds the one writer.
    let reset = match &customer {
        Some(customer) => {
            let token = ResetToken::generate(now);
            let mail = reset_mail(state, customer, &token, language)?;
            Some((customer, token, mail))
        }
        None => None,
    };
    let transaction = state.db.write().await?;
    let may_mail =
        outbox::pass_throttle(&transaction, MAIL_PURPOSE, email.as_ref(), now, MAIL_PERIOD).await?;
    if let Some((customer, token, mail)) = reset.filter(|_| may_mail) {
        let fingerprint = account_fingerprint(customer);
        queries::replace_token(&transaction, customer.id, &token, fingerprint, now).await?;
        outbox::enqueue_mail(&transaction, &mail, now).await?;
        tracing::info!(customer = customer.id, "mailed a password reset link");
    }
    transaction.commit().await?;
    Ok(())
}

/// What the reset mail's templates get.
#[derive(Serialize)]
struct ResetMailContext<'a> {
    /// The absolute link to the shop's new-password page.
    link: String,
    /// The customer's given name, `""` when unknown.
    first_name: &'a str,
    /// How long the link is valid, in whole hours (at least one).
    valid_hours: u64,
}

/// The reset mail to `customer`, in the customer's language when the shop speaks it, else the
/// request's.
fn reset_mail(
    state: &AppState,
    customer: &Customer,
    token: &ResetToken,
    language: &RequestLanguage,
) -> Result<OutgoingMail, ApiError> {
    let settings = &state.settings;
    let to = Mailbox::new(
        None,
        customer
            .email
            .as_ref()
            .parse()
            .context("the customer's e-mail address is not a mailbox")?,
    );
    let context = ResetMailContext {
        link: settings.public_link(&ResetLink::path(customer.id, token)),
        first_name: &customer.first_name,
        valid_hours: settings.password_reset_timeout.as_secs().div_ceil(3600),
    };
    let language =
        settings.mail_language(customer.language_code.as_ref().map(AsRef::as_ref), language);
    Ok(state.mail.render("password_reset", language, to, context)?)
}

/// The customer `link` is for, if it is valid now on `db`: `uid` errors for a `uidb64` that names
/// no customer, `token` errors for any other fault (contract account.md §4.2).
async fn linked_customer(
    state: &AppState,
    db: &impl ConnectionTrait,
    link: &ResetLink,
) -> Result<Customer, ApiError> {
    let invalid = |field| ApiError::field(field, "Invalid value");
    let id = link.customer_id.ok_or_else(|| invalid("uid"))?;
    let customer = accounts::queries::find_by_id(db, id)
        .await?
        .ok_or_else(|| invalid("uid"))?;
    let token = link.token.as_ref().ok_or_else(|| invalid("token"))?;
    let stored = queries::find_token(db, id).await?;
    let now = state.clock.now();
    let timeout = state.settings.password_reset_timeout;
    match stored {
        Some(stored) if stored.accepts(token, &customer, now, timeout) => Ok(customer),
        _ => Err(invalid("token")),
    }
}

/// Sets the password `link` is for, spending the link. Checked in dj-rest-auth's order: the
/// link, then the new password (validated against the customer's own details). The hash is
/// computed outside the write transaction; the link is checked once more inside it, under the
/// customer's lock, so that two uses at once, or a login or a password change made meanwhile,
/// cannot both pass.
async fn reset_password(
    state: &AppState,
    link: &ResetLink,
    new_password: &NewPassword,
    requester: &Requester,
) -> Result<(), ApiError> {
    let customer = linked_customer(state, state.db.read(), link).await?;
    let hash = state
        .hasher
        .hash(new_password.for_customer(&customer)?)
        .await?;
    let transaction = state.db.write().await?;
    accounts::queries::lock_customer(&transaction, customer.id).await?;
    linked_customer(state, &transaction, link).await?;
    queries::delete_token(&transaction, customer.id).await?;
    if !accounts::reset_password(state, transaction, customer.id, hash, requester).await? {
        return Err(ApiError::field("uid", "Invalid value"));
    }
    Ok(())
}
