//! The account's e-mail address: confirming it (django-allauth's e-mail confirmation, auth.md
//! §10) and changing it to another one (account.md §5).
//!
//! Endpoints: `GET /users/registration/account-confirm-email/{key}/`,
//! `POST /users/registration/verify-email/`, `POST /users/registration/resend-email/`,
//! `POST /users/email-change/`, `GET /users/email-set-primary/{token}/`.
//!
//! An area of its own beside `accounts`, because it owns tables, mails and links of its own; it
//! reaches the account only through `accounts`' `pub` functions (`queries::find_by_id`,
//! `find_by_email`, `mark_email_verified`, `change_email`, `check_password`, the customer
//! cache), and `accounts` calls [`mail_confirmation_link`] at registration and login.
//! Anonymisation calls [`forget_customer`].

mod entity;
mod queries;
mod routes;
mod types;

use std::time::Duration;

use lettre::message::Mailbox;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use self::types::{EmailChangeRequest, Token};
use crate::{
    accounts::{self, Customer, Email},
    http::{ApiError, Requester},
    languages::RequestLanguage,
    mail::OutgoingMail,
    orders, outbox,
    security_events::{self, SecurityEventKind},
    state::AppState,
};

/// How long a confirmation key or e-mail change link works (contract: 3 days, allauth's
/// `ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS`).
const LINK_LIFETIME: Duration = Duration::from_secs(3 * 24 * 3600);

/// Mails of one purpose go to one address at most once this often, whoever asks: resending and
/// e-mail change requests cannot flood a mailbox.
const MAIL_PERIOD: Duration = Duration::from_secs(60);

/// The answer to an address another account holds (registration words it the same).
const TAKEN: &str = "A user is already registered with this e-mail address.";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::confirm_email))
        .routes(routes!(routes::verify_email))
        .routes(routes!(routes::resend_email))
        .routes(routes!(routes::change_email))
        .routes(routes!(routes::set_primary_email))
}

/// Mails `customer` a link confirming the current address, in the transaction `db` of the
/// change that calls for it (registration, a refused login, a resend); whether it was mailed.
/// At most one such mail goes to an address a minute: a throttled call mails nothing and
/// stores no key, and the caller answers the same.
pub async fn mail_confirmation_link(
    state: &AppState,
    db: &impl ConnectionTrait,
    customer: &Customer,
    language: &RequestLanguage,
) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let key = Token::generate();
    let link = state.settings.public_link(&format!(
        "/users/registration/account-confirm-email/{}/",
        key.as_str()
    ));
    let mail = render(
        state,
        "email_confirmation",
        language,
        customer,
        &customer.email,
        MailContext {
            first_name: &customer.first_name,
            link: Some(&link),
            new_email: None,
        },
    )?;
    let mailed =
        outbox::enqueue_mail_at_most_every(db, "email_confirmation", &mail, now, MAIL_PERIOD)
            .await?;
    if mailed {
        queries::insert_confirmation(
            db,
            customer.id,
            customer.email.lowercase(),
            key.hash(),
            now,
            now + LINK_LIFETIME,
        )
        .await?;
    }
    Ok(mailed)
}

/// [`mail_confirmation_link`] in a transaction of its own (a refused login, a resend).
pub async fn mail_new_confirmation_link(
    state: &AppState,
    customer: &Customer,
    language: &RequestLanguage,
) -> Result<bool, ApiError> {
    let transaction = state.db.write().await?;
    let mailed = mail_confirmation_link(state, &transaction, customer, language).await?;
    transaction.commit().await?;
    Ok(mailed)
}

/// Forgets user `user_id`'s confirmation keys and pending e-mail change, so no link mailed
/// before works afterwards. Anonymisation calls it in its transaction.
pub async fn forget_customer(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<(), sea_orm::DbErr> {
    queries::delete_confirmations(db, user_id).await?;
    queries::delete_change(db, user_id).await
}

/// Marks the address a confirmation key was mailed to verified. Unknown, expired and tampered
/// keys, and keys for an address the account no longer has, are 404; a key already used is
/// fine (the theme's page asks twice).
async fn confirm(state: &AppState, key: &Token) -> Result<(), ApiError> {
    let now = state.clock.now();
    let confirmation = queries::find_confirmation(state.db.read(), &key.hash(), now)
        .await?
        .ok_or(ApiError::NotFound)?;
    let customer = accounts::queries::find_by_id(state.db.read(), confirmation.user_id)
        .await?
        .filter(|customer| {
            customer.is_active && customer.email.lowercase() == confirmation.email_lower
        })
        .ok_or(ApiError::NotFound)?;
    if customer.is_email_verified() {
        return Ok(());
    }
    // Guarded by the address: a change of address in between leaves the new one unverified.
    let verified = accounts::queries::mark_email_verified(
        &state.db.write_one(),
        customer.id,
        &confirmation.email_lower,
        now,
    )
    .await?;
    if let Some(verified) = verified {
        tracing::info!(customer = verified.id, "confirmed the e-mail address");
        orders::claim_guest_orders(&state.db.write_one(), &verified).await?;
        state.customers.remember(verified);
    }
    Ok(())
}

/// Mails a new confirmation link to `email` if an active account with an unverified address has
/// it (and confirmation mails are on). Nothing in the answer tells whether one did.
async fn resend(
    state: &AppState,
    email: &Email,
    language: &RequestLanguage,
) -> Result<(), ApiError> {
    if !state.settings.email_verification.mails_a_link() {
        return Ok(());
    }
    let customer = accounts::queries::find_by_email(state.db.read(), &email.lowercase()).await?;
    let Some(customer) =
        customer.filter(|customer| customer.is_active && !customer.is_email_verified())
    else {
        return Ok(());
    };
    mail_new_confirmation_link(state, &customer, language).await?;
    Ok(())
}

/// Records a change of `customer`'s address and mails its link to the new address, and a
/// notice (without the link) to the current one. The password is checked first, so only its
/// holder learns whether the new address is taken.
async fn request_change(
    state: &AppState,
    customer: &Customer,
    request: EmailChangeRequest,
    language: &RequestLanguage,
) -> Result<(), ApiError> {
    if !accounts::check_password(state, customer, request.password).await? {
        let mut errors = crate::http::FieldErrors::default();
        errors.add("non_field_errors", "Your password is incorrect.");
        errors.add("password", "Your password is incorrect.");
        return Err(ApiError::Validation(errors));
    }
    let new_email = request.email;
    if new_email.lowercase() == customer.email.lowercase() {
        return Err(ApiError::non_field("This is already your e-mail address."));
    }
    if accounts::queries::find_by_email(state.db.read(), &new_email.lowercase())
        .await?
        .is_some()
    {
        return Err(ApiError::non_field(TAKEN));
    }
    let now = state.clock.now();
    let token = Token::generate();
    let link = state
        .settings
        .public_link(&format!("/users/email-set-primary/{}/", token.as_str()));
    let context = |link| MailContext {
        first_name: &customer.first_name,
        link,
        new_email: Some(new_email.as_ref()),
    };
    let confirmation = render(
        state,
        "email_change_confirmation",
        language,
        customer,
        &new_email,
        context(Some(&link)),
    )?;
    let notice = render(
        state,
        "email_change_requested",
        language,
        customer,
        &customer.email,
        context(None),
    )?;
    let transaction = state.db.write().await?;
    // A throttled request keeps the pending change as it was: its link, mailed less than a
    // minute ago, stays the one that works.
    if outbox::enqueue_mail_at_most_every(
        &transaction,
        "email_change",
        &confirmation,
        now,
        MAIL_PERIOD,
    )
    .await?
    {
        queries::replace_change(
            &transaction,
            customer.id,
            &new_email,
            token.hash(),
            now,
            now + LINK_LIFETIME,
        )
        .await?;
        outbox::enqueue_mail_at_most_every(
            &transaction,
            "email_change_notice",
            &notice,
            now,
            MAIL_PERIOD,
        )
        .await?;
    }
    transaction.commit().await?;
    tracing::info!(customer = customer.id, "requested an e-mail change");
    Ok(())
}

/// Applies the change whose link was opened: the account's address becomes the new one,
/// verified, and the old address gets a notice. Unknown, expired and superseded tokens are 404;
/// an applied one is fine while the account still has that address; an address taken in the
/// meantime is a 400 and changes nothing.
async fn apply_change(
    state: &AppState,
    token: &Token,
    language: &RequestLanguage,
    requester: &Requester,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let token_hash = token.hash();
    let change = queries::find_change(state.db.read(), &token_hash, now)
        .await?
        .ok_or(ApiError::NotFound)?;
    let customer = accounts::queries::find_by_id(state.db.read(), change.user_id)
        .await?
        .filter(|customer| customer.is_active)
        .ok_or(ApiError::NotFound)?;
    let new_email = change.new_email;
    let has_new_email = customer.email.lowercase() == new_email.lowercase();
    if change.is_applied {
        return if has_new_email {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        };
    }
    let taken = accounts::queries::find_by_email(state.db.read(), &new_email.lowercase())
        .await?
        .is_some_and(|holder| holder.id != customer.id);
    if taken {
        return Err(ApiError::non_field(TAKEN));
    }
    let notice = render(
        state,
        "email_changed",
        language,
        &customer,
        &customer.email,
        MailContext {
            first_name: &customer.first_name,
            link: None,
            new_email: Some(new_email.as_ref()),
        },
    )?;
    let transaction = state.db.write().await?;
    // Superseded (or applied by a request racing this one) since it was read: as if unknown.
    if !queries::mark_change_applied(&transaction, &token_hash, now).await? {
        return Err(ApiError::NotFound);
    }
    let changed = accounts::queries::change_email(&transaction, customer.id, &new_email, now)
        .await
        .map_err(|error| ApiError::unless_duplicate(error, || ApiError::non_field(TAKEN)))?
        .ok_or(ApiError::NotFound)?;
    // Keys mailed to the old address are void already (they name it); this drops them.
    queries::delete_confirmations(&transaction, customer.id).await?;
    if !has_new_email {
        outbox::enqueue_mail(&transaction, &notice, now).await?;
    }
    let changed_email = SecurityEventKind::EmailChanged;
    security_events::record(&transaction, customer.id, changed_email, requester, now).await?;
    transaction.commit().await?;
    tracing::info!(customer = changed.id, "changed the e-mail address");
    state.customers.remember(changed);
    Ok(())
}

/// What the mails of this area may say. A variable a mail lacks is left out, not `none`: a
/// template naming it fails (templates are strict), so a notice that tried to show the link
/// would fail in tests, not leak.
#[derive(Serialize)]
struct MailContext<'a> {
    first_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_email: Option<&'a str>,
}

/// Mail `name` to `to` about `customer`, in the customer's language when the shop speaks it,
/// else the request's.
fn render(
    state: &AppState,
    name: &str,
    language: &RequestLanguage,
    customer: &Customer,
    to: &Email,
    context: MailContext<'_>,
) -> Result<OutgoingMail, ApiError> {
    let language = state
        .settings
        .mail_language(customer.language_code.as_ref().map(AsRef::as_ref), language);
    let address = to
        .as_ref()
        .parse()
        .map_err(|_| anyhow::anyhow!("customer {} has an address lettre refuses", customer.id))?;
    let full_name = format!("{} {}", customer.first_name, customer.last_name);
    let full_name = full_name.trim();
    let mailbox = Mailbox::new(
        (!full_name.is_empty()).then(|| full_name.to_owned()),
        address,
    );
    Ok(state.mail.render(name, language, mailbox, context)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An address registration accepts must become a mailbox, or its confirmation mail would
    /// fail the registration.
    #[test]
    fn every_shape_of_address_registration_accepts_is_a_mailbox() {
        for raw in [
            "jane@example.com",
            "Jane.Doe+shop@Sub-Domain.Example.co",
            "a!#$%&'*/=?^_`{|}~-z@example.com",
            "1@x.io",
        ] {
            let email = Email::parse(raw).unwrap();
            assert!(email.as_ref().parse::<lettre::Address>().is_ok(), "{raw}");
        }
    }
}
