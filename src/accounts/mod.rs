//! Customer accounts: registration, login, logout, the current user, the profile with its
//! consents and their history, and anonymisation.
//!
//! Endpoints: `POST /users/registration/`, `POST /users/login/`, `GET|POST /users/logout/`,
//! `GET /current_user/`, `GET|PATCH|PUT /users/profile/`, `POST /users/password/change/`,
//! `POST /users/password/set/`, `PATCH /users/anonymize/`, and the active sessions (`logins`).

mod anonymize;
pub mod consents;
mod entity;
mod export;
mod login_guard;
pub mod logins;
pub mod passwords;
pub mod queries;
mod routes;
mod types;

use std::{sync::Arc, time::Duration};

use axum::{extract::FromRequestParts, http::request::Parts};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use self::{consents::ConsentSource, types::NewCustomer};
pub use self::{
    export::{ConsentsSection, ProfileSection, SessionsSection},
    types::{
        Customer, Email, Gender, KeyView, NewPassword, NewPasswordForm, PhoneNumber, ProfileChange,
        wire_time,
    },
};
use crate::{
    akifast,
    db::{Reader, WriteTransaction},
    email_addresses,
    http::{ApiError, Requester},
    languages::RequestLanguage,
    security_events::{self, SecurityEventKind},
    sessions::Session,
    state::AppState,
};

/// Session key holding the logged-in customer's id (Django's name).
const SESSION_USER_ID: &str = "_auth_user_id";
/// Session key holding [`Customer::session_auth_hash`] at login time.
const SESSION_AUTH_HASH: &str = "_auth_user_hash";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::register))
        .routes(routes!(routes::log_in))
        .routes(routes!(routes::show_logout_form, routes::log_out))
        .routes(routes!(routes::get_current_user))
        .routes(routes!(routes::change_password))
        .routes(routes!(routes::set_password))
        .routes(routes!(
            routes::get_profile,
            routes::update_profile,
            routes::replace_profile
        ))
        .routes(routes!(routes::anonymize))
        .merge(logins::router())
}

/// Customers by id, kept in memory for a few seconds so that authenticating a request costs no
/// database round trip. Changes made by this instance replace the entry at once; changes made
/// by another instance are seen when the entry ages out.
///
/// An entry is replaced only by a newer version of the row (every update raises it: migration
/// m0006), so a request that read a customer before a change and hands it over after cannot
/// bring back what the change replaced, such as the old password's auth hash.
#[derive(Clone)]
pub struct CustomerCache {
    cache: Option<moka::sync::Cache<i64, Arc<Customer>>>,
}

impl CustomerCache {
    /// A cache whose entries live `ttl`; zero disables it.
    pub fn new(ttl: Duration) -> Self {
        Self {
            cache: (!ttl.is_zero()).then(|| {
                moka::sync::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(ttl)
                    .build()
            }),
        }
    }

    async fn get(&self, db: &Reader, id: i64) -> Result<Option<Arc<Customer>>, sea_orm::DbErr> {
        if let Some(customer) = self.cache.as_ref().and_then(|cache| cache.get(&id)) {
            return Ok(Some(customer));
        }
        let customer = queries::find_by_id(db, id).await?;
        Ok(customer.map(|customer| self.remember(customer)))
    }

    /// Keeps `customer` unless a newer version of it is kept already; hands `customer` back.
    /// Every change of a customer's row hands the changed row here once committed.
    pub fn remember(&self, customer: Customer) -> Arc<Customer> {
        let customer = Arc::new(customer);
        if let Some(cache) = &self.cache {
            cache
                .entry(customer.id)
                .and_compute_with(|current| match current {
                    Some(current) if current.value().version() >= customer.version() => {
                        moka::ops::compute::Op::Nop
                    }
                    _ => moka::ops::compute::Op::Put(customer.clone()),
                });
        }
        customer
    }
}

/// Applies a profile change to `customer`; the customer as it now is (`None` when the account
/// went away since the request authenticated).
///
/// A change that leaves every consent as it is stored is one statement, as before consents had
/// a history. One that changes a consent, or the attributes (merged into what is stored), is a
/// transaction that reads the row locked, updates it and records the consent changes with it.
async fn update_profile(
    state: &AppState,
    customer: &Customer,
    change: &ProfileChange,
) -> Result<Option<Arc<Customer>>, ApiError> {
    let now = state.clock.now();
    let consents_kept = change.attributes.is_none()
        && change
            .column_consents()
            .iter()
            .all(|change| change.consent.value_of(customer) == Some(change.value));
    if consents_kept {
        // The statement checks the stored consents itself: the cached customer may be a few
        // seconds old. When one differs after all, the transaction below records it.
        let updated = queries::update_profile_unless_consents_change(
            &state.db.write_one(),
            customer.id,
            change,
            now,
        )
        .await?;
        if let Some(updated) = updated {
            return Ok(Some(state.customers.remember(updated)));
        }
    }
    let transaction = state.db.write().await?;
    let Some(before) = queries::find_for_update(&transaction, customer.id).await? else {
        return Ok(None);
    };
    let attributes = match &change.attributes {
        Some(attributes) => Some(
            attributes
                .apply(&before.attributes)
                .map_err(|message| ApiError::field("attributes", message))?,
        ),
        None => None,
    };
    let updated =
        queries::update_profile(&transaction, customer.id, change, attributes, now).await?;
    let Some(after) = updated else {
        return Ok(None);
    };
    let changes = consents::changes_between(Some(&before), &after);
    consents::record(
        &transaction,
        customer.id,
        &changes,
        ConsentSource::Profile,
        now,
    )
    .await?;
    transaction.commit().await?;
    Ok(Some(state.customers.remember(after)))
}

/// The logged-in customer of this request; 401 when the session has none (or it is no longer
/// valid: expired, logged out, password changed elsewhere, account disabled).
pub struct CurrentCustomer(pub Arc<Customer>);

impl FromRequestParts<AppState> for CurrentCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state).await?;
        match authenticated_customer(state, &session).await? {
            Some(customer) => Ok(Self(customer)),
            None => Err(ApiError::Unauthenticated),
        }
    }
}

/// The customer logged in on this session, if the login is still valid: the account exists and
/// is active, and its password has not changed since (the session's auth hash still matches).
pub async fn authenticated_customer(
    state: &AppState,
    session: &Session,
) -> Result<Option<Arc<Customer>>, ApiError> {
    // One look at the session, on every authenticated request: the id and the auth hash.
    let data = session.data().await?;
    let login = data
        .get(SESSION_USER_ID)
        .and_then(Value::as_i64)
        .zip(data.get(SESSION_AUTH_HASH).and_then(Value::as_str));
    let Some((id, auth_hash)) = login else {
        return Ok(None);
    };
    let Some(customer) = state.customers.get(state.db.read(), id).await? else {
        return Ok(None);
    };
    let hash_matches = bool::from(subtle::ConstantTimeEq::ct_eq(
        customer.session_auth_hash().as_bytes(),
        auth_hash.as_bytes(),
    ));
    if !(customer.is_active && hash_matches) {
        return Ok(None);
    }
    logins::note_seen(state, &data).await?;
    Ok(Some(customer))
}

/// Inserts a new customer with the consents its registration gives (their history) and, unless
/// `ACCOUNT_EMAIL_VERIFICATION` is `none`, mails the confirmation link, all in one transaction,
/// so the link goes if and only if the account exists. An address registered meanwhile is
/// answered `taken()`.
async fn create_customer(
    state: &AppState,
    new_customer: &NewCustomer,
    password_hash: String,
    language: &RequestLanguage,
    taken: impl FnOnce() -> ApiError,
) -> Result<Customer, ApiError> {
    let transaction = state.db.write().await?;
    let customer = insert_customer(state, &transaction, new_customer, password_hash)
        .await
        .map_err(|error| ApiError::unless_duplicate(error, taken))?;
    if state.settings.email_verification.mails_a_link() {
        email_addresses::mail_confirmation_link(state, &transaction, &customer, language).await?;
    }
    transaction.commit().await?;
    Ok(customer)
}

/// Creates, in the caller's transaction `db`, the account of a visitor who signed in through a
/// social login provider (the caller links it in the same transaction): no usable password, no
/// consents given, `attributes.register_client_type` = the provider. Its address is verified
/// when the provider asserted it; otherwise a confirmation link is mailed as at registration.
/// An address registered meanwhile is a unique-constraint violation.
pub async fn create_social_customer(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    sign_up: SocialSignUp,
    language: &RequestLanguage,
) -> Result<Customer, ApiError> {
    let mut attributes = serde_json::Map::new();
    attributes.insert(
        "register_client_type".to_owned(),
        Value::from(sign_up.provider),
    );
    let new_customer = NewCustomer {
        email: sign_up.email,
        // Never hashed: the account gets the unusable hash below.
        password: secrecy::SecretString::default(),
        first_name: sign_up.first_name,
        last_name: sign_up.last_name,
        phone: None,
        gender: None,
        date_of_birth: None,
        email_allowed: false,
        sms_allowed: false,
        call_allowed: None,
        whatsapp_allowed: None,
        attributes,
        otp_code: None,
        verified_phone: None,
    };
    let customer = insert_customer(
        state,
        db,
        &new_customer,
        passwords::unusable_password_hash(),
    )
    .await?;
    if sign_up.is_email_verified {
        let verified = queries::mark_email_verified(
            db,
            customer.id,
            &customer.email.lowercase(),
            state.clock.now(),
        )
        .await?;
        return verified.ok_or_else(|| anyhow::anyhow!("the new account vanished").into());
    }
    if state.settings.email_verification.mails_a_link() {
        email_addresses::mail_confirmation_link(state, db, &customer, language).await?;
    }
    Ok(customer)
}

/// Called when a social login provider asserts that the visitor owns `customer`'s unverified
/// address, in the caller's transaction `db`: the address becomes verified, and a password
/// stops working, with every session it logged in, since whoever set it never proved the
/// address. So an account registered beforehand with somebody else's address is not shared
/// with its owner (pre-account takeover); the owner can set a password at
/// `/users/password/set/`. The customer as it now is.
pub async fn verify_email_through_provider(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    customer: &Customer,
) -> Result<Customer, ApiError> {
    let now = state.clock.now();
    if customer.has_usable_password() {
        queries::set_password_hash(db, customer.id, passwords::unusable_password_hash(), now)
            .await?;
        tracing::info!(
            customer = customer.id,
            "voided the password of an unverified account claimed through a provider"
        );
    }
    let verified =
        queries::mark_email_verified(db, customer.id, &customer.email.lowercase(), now).await?;
    verified.ok_or_else(|| anyhow::anyhow!("the account changed meanwhile").into())
}

/// What a social login provider tells about a visitor who has no account yet.
pub struct SocialSignUp {
    /// The provider's name, kept as `attributes.register_client_type`.
    pub provider: String,
    /// The address the provider gave.
    pub email: Email,
    /// Whether the provider asserted the address is the visitor's.
    pub is_email_verified: bool,
    /// Given name, at most 150 characters.
    pub first_name: String,
    /// Family name, at most 150 characters.
    pub last_name: String,
}

/// Inserts a new customer and records the consents its registration gives (their history).
async fn insert_customer(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    new_customer: &NewCustomer,
    password_hash: String,
) -> Result<Customer, sea_orm::DbErr> {
    let now = state.clock.now();
    let customer = queries::insert_customer(db, new_customer, password_hash, now).await?;
    // The consents the registration gives are recorded with the account (account.md §11).
    let given = consents::changes_between(None, &customer);
    consents::record(db, customer.id, &given, ConsentSource::Registration, now).await?;
    // Consents given in Akifast's checkout by a guest with this address wait for the account.
    akifast::apply_at_registration(db, customer, now).await
}

/// Whether `password` is `customer`'s current one (a change that asks for it again). An account
/// without a usable password has none that matches.
pub async fn check_password(
    state: &AppState,
    customer: &Customer,
    password: secrecy::SecretString,
) -> Result<bool, ApiError> {
    let verification = state
        .hasher
        .verify(password, Some(customer.password_hash.clone()))
        .await?;
    Ok(verification != passwords::Verification::Invalid)
}

/// Stores a new password hash. The session making the change stays logged in (its auth hash is
/// updated in place, its key kept: contract pitfall 24); every other session of the customer
/// stops authenticating, since its auth hash no longer matches.
async fn set_password(
    state: &AppState,
    session: &Session,
    id: i64,
    hash: String,
    requester: &Requester,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    let customer = queries::set_password_hash(&transaction, id, hash, now)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let changed = SecurityEventKind::PasswordChanged;
    security_events::record(&transaction, id, changed, requester, now).await?;
    transaction.commit().await?;
    keep_session_after_password_change(state, session, customer).await
}

/// Like [`set_password`], for an account that has no usable password; `false` (and nothing
/// stored) when it has one. The check is made again on the locked row, so two requests at once,
/// or one judged by a stale cached customer, cannot both set a password.
async fn set_first_password(
    state: &AppState,
    session: &Session,
    id: i64,
    hash: String,
    requester: &Requester,
) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    let stored = queries::find_for_update(&transaction, id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if stored.has_usable_password() {
        return Ok(false);
    }
    let customer = queries::set_password_hash(&transaction, id, hash, now)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let set = SecurityEventKind::PasswordSet;
    security_events::record(&transaction, id, set, requester, now).await?;
    transaction.commit().await?;
    keep_session_after_password_change(state, session, customer).await?;
    Ok(true)
}

/// After a password change made by `session`: it keeps its login under the new auth hash, and
/// this instance's customer cache takes the new row at once.
async fn keep_session_after_password_change(
    state: &AppState,
    session: &Session,
    customer: Customer,
) -> Result<(), ApiError> {
    session
        .insert(SESSION_AUTH_HASH, customer.session_auth_hash())
        .await?;
    tracing::info!(customer = customer.id, "changed the password");
    state.customers.remember(customer);
    Ok(())
}

/// Stores a new password hash on `transaction` and commits it, for a change made without a
/// session of the customer (a password reset, by `requester`, recorded in the security log):
/// every session of the customer stops authenticating, since none holds the new auth hash. The
/// customer cache of this instance takes the new row at once; other instances see it within
/// `SESSION_CACHE_TTL`. `false` when the account is gone (nothing is committed then).
pub async fn reset_password(
    state: &AppState,
    transaction: WriteTransaction,
    id: i64,
    hash: String,
    requester: &Requester,
) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let Some(customer) = queries::set_password_hash(&transaction, id, hash, now).await? else {
        return Ok(false);
    };
    let reset = SecurityEventKind::PasswordReset;
    security_events::record(&transaction, id, reset, requester, now).await?;
    transaction.commit().await?;
    state.customers.remember(customer);
    tracing::info!(customer = id, "reset the password");
    Ok(true)
}

/// Logs `customer` in on `session` (login, registration, login by phone): a session of somebody
/// else is flushed first; the key rotates so a key known before login is useless after it; guest
/// data stays. The login is recorded under the new key, from `requester`, with `last_login` and
/// the security log's `login` in one transaction; the session logs in once that is committed.
pub async fn start_session(
    state: &AppState,
    session: &Session,
    customer: &Customer,
    requester: &Requester,
) -> Result<(), ApiError> {
    start_session_as(
        state,
        session,
        customer,
        requester,
        SecurityEventKind::Login,
    )
    .await
}

/// [`start_session`], recorded in the security log as `kind` (`social_login` for a login
/// through a provider).
pub async fn start_session_as(
    state: &AppState,
    session: &Session,
    customer: &Customer,
    requester: &Requester,
    kind: SecurityEventKind,
) -> Result<(), ApiError> {
    // The session's earlier login, if any, ends with its key.
    logins::forget(state, session).await?;
    if session
        .get::<i64>(SESSION_USER_ID)
        .await?
        .is_some_and(|id| id != customer.id)
    {
        session.flush().await?;
    }
    session.cycle_key().await?;
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    let login = logins::record(
        &transaction,
        session.storage_id().await?,
        customer,
        requester,
        now,
    )
    .await?;
    let logged_in = queries::set_last_login(&transaction, customer.id, now).await?;
    security_events::record(&transaction, customer.id, kind, requester, now).await?;
    crate::orders::claim_guest_orders(&transaction, customer).await?;
    transaction.commit().await?;
    session.insert(SESSION_USER_ID, customer.id).await?;
    session
        .insert(SESSION_AUTH_HASH, customer.session_auth_hash())
        .await?;
    logins::attach(state, session, login, now).await?;
    if let Some(customer) = logged_in {
        state.customers.remember(customer);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(version: i64, first_name: &str) -> Customer {
        let now = chrono::Utc::now();
        Customer::from(entity::Model {
            id: 7,
            username: "u".into(),
            email: Email::parse("jane@example.com").unwrap(),
            email_lower: "jane@example.com".into(),
            password: "hash".into(),
            first_name: first_name.into(),
            last_name: String::new(),
            phone: None,
            gender: None,
            date_of_birth: None,
            email_allowed: false,
            sms_allowed: false,
            call_allowed: None,
            whatsapp_allowed: None,
            is_active: true,
            user_type: "registered".into(),
            language_code: None,
            attributes: serde_json::json!({}),
            date_joined: now,
            last_login: None,
            modified_date: now,
            version,
            email_verified_at: None,
            verified_phone: None,
            is_social_networks_connected: false,
        })
    }

    fn cached_name(cache: &CustomerCache) -> String {
        let cache = cache.cache.as_ref().unwrap();
        cache.get(&7).unwrap().first_name.clone()
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let cache = CustomerCache::new(Duration::from_secs(60));

        cache.remember(customer(2, "new"));
        let handed_back = cache.remember(customer(1, "old"));

        assert_eq!(cached_name(&cache), "new");
        assert_eq!(handed_back.first_name, "old", "the caller gets its own row");
        cache.remember(customer(3, "newer"));
        assert_eq!(cached_name(&cache), "newer");
    }
}
