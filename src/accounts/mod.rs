//! Customer accounts: registration, login, logout, the current user and the profile.
//!
//! Endpoints: `POST /users/registration/`, `POST /users/login/`, `GET|POST /users/logout/`,
//! `GET /current_user/`, `GET|PATCH|PUT /users/profile/`.

mod entity;
pub mod passwords;
pub mod queries;
mod routes;
mod types;

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::types::{Customer, Email, Gender, PhoneNumber, ProfileChange};
use crate::{
    db::{Writer, group_commit::BatchWrite},
    http::ApiError,
    sessions::Session,
    state::AppState,
};

/// Session key holding the logged-in customer's id (Django's name).
const SESSION_USER_ID: &str = "_auth_user_id";
/// Session key holding [`Customer::session_auth_hash`] at login time.
const SESSION_AUTH_HASH: &str = "_auth_user_hash";
/// Session key counting failed logins (for the captcha gate).
const SESSION_FAILED_LOGINS: &str = "failed_logins";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::register))
        .routes(routes!(routes::log_in))
        .routes(routes!(routes::show_logout_form, routes::log_out))
        .routes(routes!(routes::get_current_user))
        .routes(routes!(
            routes::get_profile,
            routes::update_profile,
            routes::replace_profile
        ))
}

/// Customers by id, kept in memory for a few seconds so that authenticating a request costs no
/// database round trip. Changes made by this instance replace the entry at once; changes made
/// by another instance are seen when the entry ages out.
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

    async fn get(
        &self,
        db: &DatabaseConnection,
        id: i64,
    ) -> Result<Option<Arc<Customer>>, sea_orm::DbErr> {
        if let Some(customer) = self.cache.as_ref().and_then(|cache| cache.get(&id)) {
            return Ok(Some(customer));
        }
        let customer = queries::find_by_id(db, id).await?.map(Arc::new);
        if let (Some(cache), Some(customer)) = (&self.cache, &customer) {
            cache.insert(id, customer.clone());
        }
        Ok(customer)
    }

    /// Keeps a customer this instance just changed, so its next request needs no reload.
    fn remember(&self, customer: Arc<Customer>) {
        if let Some(cache) = &self.cache {
            cache.insert(customer.id, customer);
        }
    }

    fn forget(&self, id: i64) {
        if let Some(cache) = &self.cache {
            cache.invalidate(&id);
        }
    }
}

/// Profile updates, committed in groups ([`crate::db::group_commit`]): the updates waiting when
/// the writer is free run together, and several updates to one customer become one write.
pub struct ProfileWrites {
    customers: CustomerCache,
}

impl ProfileWrites {
    /// Profile writes that keep `customers` up to date.
    pub fn new(customers: CustomerCache) -> Self {
        Self { customers }
    }
}

impl BatchWrite for ProfileWrites {
    type Item = queries::ProfileUpdate;
    type Output = Option<Arc<Customer>>;

    async fn apply(
        &self,
        db: &Writer,
        updates: &[queries::ProfileUpdate],
    ) -> Result<Vec<Self::Output>, sea_orm::DbErr> {
        let customers = queries::apply_profile_updates(db, updates).await?;
        Ok(customers.into_iter().map(|c| c.map(Arc::new)).collect())
    }

    /// Caches each customer as the batch's last update to it left it.
    fn committed(&self, outputs: &[Self::Output]) {
        let mut seen = std::collections::HashSet::new();
        for customer in outputs.iter().rev().flatten() {
            if seen.insert(customer.id) {
                self.customers.remember(customer.clone());
            }
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
    let Some(customer) = state.customers.get(state.db.reader(), id).await? else {
        return Ok(None);
    };
    let hash_matches = bool::from(subtle::ConstantTimeEq::ct_eq(
        customer.session_auth_hash().as_bytes(),
        auth_hash.as_bytes(),
    ));
    Ok((customer.is_active && hash_matches).then_some(customer))
}

/// Logs `customer` in on `session` (login and registration): a session of somebody else is
/// flushed first; the key rotates so a key known before login is useless after it; guest data
/// stays; login counters reset.
async fn start_session(
    state: &AppState,
    session: &Session,
    customer: &Customer,
) -> Result<(), ApiError> {
    if session
        .get::<i64>(SESSION_USER_ID)
        .await?
        .is_some_and(|id| id != customer.id)
    {
        session.flush().await?;
    }
    session.cycle_key().await?;
    session.insert(SESSION_USER_ID, customer.id).await?;
    session
        .insert(SESSION_AUTH_HASH, customer.session_auth_hash())
        .await?;
    session.remove(SESSION_FAILED_LOGINS).await?;
    queries::set_last_login(state.db.writer(), customer.id, state.clock.now()).await?;
    state.customers.forget(customer.id);
    Ok(())
}
