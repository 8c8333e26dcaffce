//! The customer's logins: a row per logged-in session, so that a customer's sessions can be
//! listed (the data export; an "active sessions" page later) and ended (anonymisation). The
//! session stores cannot do it themselves on either backend: they know a session only by the
//! hash of its key, not by whom it logs in.
//!
//! A row holds that hash (never the key, never shown) and gets its own id as the public handle.
//! It is added at login and registration and removed at logout; a session that ends otherwise
//! (expiry, a password change elsewhere, a login as somebody else) leaves a dead row, which the
//! next listing removes. So the list is always checked against the session store: a row counts
//! only while its session exists and still logs the customer in. A login keeps the customer's
//! newest [`LOGINS_KEPT`] rows and drops older ones unchecked, so that a customer who never
//! lists or logs out (or a script logging in again and again) costs a bounded number of rows
//! and a login costs no session look-ups; a session whose row was dropped still works, it is
//! only no longer listed (anonymisation needs no row to stop it: see `anonymize`).

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Map, Value};

use super::{Customer, SESSION_AUTH_HASH, SESSION_USER_ID};
use crate::{
    http::ApiError,
    sessions::{Session, StorageId},
    state::AppState,
};

/// How many logins of a customer are kept (see the module).
const LOGINS_KEPT: u64 = 50;

/// What the `user_agent` column keeps of the header, in characters.
const USER_AGENT_MAX_CHARS: usize = 255;

/// The request's `User-Agent`, to tell a customer's sessions apart; `None` when absent or not
/// text.
pub struct UserAgent(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for UserAgent {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self(
            parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(|agent| agent.chars().take(USER_AGENT_MAX_CHARS).collect()),
        ))
    }
}

/// A session that logs the customer in now.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// The login's id (not the session key, nor its hash).
    pub id: i64,
    /// When the customer logged in.
    pub created_at: DateTime<Utc>,
    /// When the session expires unless used.
    pub expires_at: DateTime<Utc>,
    /// The browser or app that logged in.
    pub user_agent: Option<String>,
}

/// The `user_logins` table.
mod entity {
    use sea_orm::entity::prelude::*;

    use crate::sessions::StorageId;

    /// One login.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_logins")]
    pub struct Model {
        /// The public handle of the login.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The customer.
        pub user_id: i64,
        /// The session's id in its store: the hash of its key.
        pub session_id: StorageId,
        /// The `User-Agent` that logged in.
        pub user_agent: Option<String>,
        /// When (UTC).
        pub created_at: DateTimeUtc,
    }

    /// No relations needed.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Records that `session` now logs `customer` in (login, registration), keeping the customer's
/// newest [`LOGINS_KEPT`] logins.
pub(super) async fn record(
    state: &AppState,
    session: &Session,
    customer: &Customer,
    user_agent: Option<String>,
) -> Result<(), ApiError> {
    let beyond_the_newest: Vec<i64> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::UserId.eq(customer.id))
        .order_by_desc(entity::Column::Id)
        .offset(LOGINS_KEPT - 1)
        // SQLite takes no OFFSET without a LIMIT; in steady state there is one row to drop.
        .limit(1000)
        .into_tuple()
        .all(state.db.read())
        .await?;
    if !beyond_the_newest.is_empty() {
        delete_logins(state, beyond_the_newest).await?;
    }
    let row = entity::ActiveModel {
        id: NotSet,
        user_id: Set(customer.id),
        session_id: Set(session.storage_id().await?),
        user_agent: Set(user_agent),
        created_at: Set(state.clock.now()),
    };
    entity::Entity::insert(row)
        .exec(&state.db.write_one())
        .await?;
    Ok(())
}

/// Forgets the login of `session`, if it has one (logout, or a new login on the same session,
/// whose key is about to change).
pub(super) async fn forget(state: &AppState, session: &Session) -> Result<(), ApiError> {
    if session.get::<i64>(SESSION_USER_ID).await?.is_none() {
        return Ok(());
    }
    entity::Entity::delete_many()
        .filter(entity::Column::SessionId.eq(session.storage_id().await?))
        .exec(&state.db.write_one())
        .await?;
    Ok(())
}

/// The sessions that log `customer` in now, oldest first. Rows of sessions that ended are
/// removed on the way.
pub async fn live_sessions(
    state: &AppState,
    customer: &Customer,
) -> Result<Vec<LiveSession>, ApiError> {
    let rows = entity::Entity::find()
        .filter(entity::Column::UserId.eq(customer.id))
        .order_by_asc(entity::Column::Id)
        .all(state.db.read())
        .await?;
    let mut live = Vec::new();
    let mut dead = Vec::new();
    for row in rows {
        let record = state.sessions.find(&row.session_id).await?;
        match record {
            Some(record) if logs_in(&record.data, customer) => live.push(LiveSession {
                id: row.id,
                created_at: row.created_at,
                expires_at: record.expires_at,
                user_agent: row.user_agent,
            }),
            _ => dead.push(row.id),
        }
    }
    if !dead.is_empty() {
        delete_logins(state, dead).await?;
    }
    Ok(live)
}

async fn delete_logins(state: &AppState, ids: Vec<i64>) -> Result<(), DbErr> {
    entity::Entity::delete_many()
        .filter(entity::Column::Id.is_in(ids))
        .exec(&state.db.write_one())
        .await
        .map(|_| ())
}

/// Removes every login row of the customer, in the caller's transaction; the ids of their
/// sessions, to end once it commits.
pub(super) async fn take_all(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<StorageId>, DbErr> {
    let rows = entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(user_id))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().map(|row| row.session_id).collect())
}

/// Whether session data logs `customer` in as things stand: the same test as a request's
/// authentication (the auth hash changes with the password).
fn logs_in(data: &Map<String, Value>, customer: &Customer) -> bool {
    data.get(SESSION_USER_ID).and_then(Value::as_i64) == Some(customer.id)
        && data.get(SESSION_AUTH_HASH).and_then(Value::as_str) == Some(customer.session_auth_hash())
}
