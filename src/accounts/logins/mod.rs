//! The customer's logins: a row per logged-in session, so that a customer's sessions can be
//! listed (the list of active sessions, the data export) and ended (revoked from another
//! session, anonymisation). The session stores cannot do it themselves on either backend: they
//! know a session only by the hash of its key, not by whom it logs in.
//!
//! Endpoints: `GET /users/sessions/`, `DELETE /users/sessions/{id}/`,
//! `POST /users/sessions/logout-others/`.
//!
//! A row holds that hash (never the key, never shown) and gets its own id as the public handle,
//! with the client's IP and user agent at login and when the session was last used. It is added
//! at login and registration and removed at logout and revocation; a session that ends
//! otherwise (expiry, a password change elsewhere, a login as somebody else) leaves a dead row,
//! which the next listing removes. So the list is always checked against the session store: a
//! row counts only while its session exists and still logs the customer in. A login keeps the
//! customer's newest [`LOGINS_KEPT`] rows and drops older ones unchecked, so that a customer who
//! never lists or logs out (or a script logging in again and again) costs a bounded number of
//! rows and a login costs no session look-ups; a session whose row was dropped still works, it
//! is only no longer listed (anonymisation needs no row to stop it: see `anonymize`).

mod entity;
mod routes;
mod types;

use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::NotSet,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Condition, Expr},
};
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Customer, SESSION_AUTH_HASH, SESSION_USER_ID};
use crate::{
    http::{ApiError, Requester},
    security_events::{self, SecurityEventKind},
    sessions::{Session, StorageId},
    state::AppState,
};

/// How many logins of a customer are kept (see the module).
const LOGINS_KEPT: u64 = 50;

/// Session key holding the id of the session's login row, so that noting the session's use
/// needs no look-up.
const SESSION_LOGIN_ID: &str = "_login_id";

/// Routes of the active sessions.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::list_sessions))
        .routes(routes!(routes::end_session))
        .routes(routes!(routes::log_out_other_sessions))
}

/// A session that logs the customer in now.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// The login's id (not the session key, nor its hash).
    pub id: i64,
    /// When the customer logged in.
    pub created_at: DateTime<Utc>,
    /// When the session was last used, to the minute.
    pub last_seen_at: DateTime<Utc>,
    /// When the session expires unless used.
    pub expires_at: DateTime<Utc>,
    /// The client's IP at login, when known.
    pub ip: Option<String>,
    /// The browser or app that logged in.
    pub user_agent: Option<String>,
    /// Whether it is the session of the request that asked.
    pub is_current: bool,
    /// The session's id in its store.
    session_id: StorageId,
}

/// The minute each recent session was last noted in use by this instance (see `note_seen`).
#[derive(Clone)]
pub struct LastSeen {
    noted: moka::sync::Cache<i64, DateTime<Utc>>,
}

impl LastSeen {
    /// An empty memory. An entry idle for two minutes is useless (the next use falls in a new
    /// minute anyway), so it goes.
    pub fn new() -> Self {
        Self {
            noted: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(120))
                .build(),
        }
    }
}

impl Default for LastSeen {
    fn default() -> Self {
        Self::new()
    }
}

/// `time` cut to the minute: what "last seen" keeps.
fn minute_of(time: DateTime<Utc>) -> DateTime<Utc> {
    time.duration_trunc(TimeDelta::minutes(1)).unwrap_or(time)
}

/// Records on `db` (the login's transaction) that the session stored under `session_id` now logs
/// `customer` in, from `requester`, keeping the customer's newest [`LOGINS_KEPT`] logins; the
/// login's id.
pub(super) async fn record(
    db: &impl ConnectionTrait,
    session_id: StorageId,
    customer: &Customer,
    requester: &Requester,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let beyond_the_newest: Vec<i64> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::UserId.eq(customer.id))
        .order_by_desc(entity::Column::Id)
        .offset(LOGINS_KEPT - 1)
        // SQLite takes no OFFSET without a LIMIT; in steady state there is one row to drop.
        .limit(1000)
        .into_tuple()
        .all(db)
        .await?;
    if !beyond_the_newest.is_empty() {
        delete_logins(db, beyond_the_newest).await?;
    }
    let row = entity::ActiveModel {
        id: NotSet,
        user_id: Set(customer.id),
        session_id: Set(session_id),
        user_agent: Set(requester.user_agent.clone()),
        created_at: Set(now),
        ip: Set(requester.ip.map(|ip| ip.to_string())),
        last_seen_at: Set(Some(minute_of(now))),
    };
    let inserted = entity::Entity::insert(row).exec(db).await?;
    Ok(inserted.last_insert_id)
}

/// Ties `session` to its login `id` once the login is committed, and remembers that it was
/// seen this minute.
pub(super) async fn attach(
    state: &AppState,
    session: &Session,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    session.insert(SESSION_LOGIN_ID, id).await?;
    state.last_seen.noted.insert(id, minute_of(now));
    Ok(())
}

/// Notes that the session whose data is `data` was used now, authenticated: at most one write a
/// minute per session and instance. `GET /current_user/` runs this on every call and is near
/// the bare-axum ceiling (docs/PERFORMANCE.md), so a use within a minute already noted costs a
/// look-up in memory and no write: ~0.24 µs of CPU (the clock and the cut to the minute 0.11,
/// the look-up 0.13; release build, measured alone on 2026-12-07), under 1 % of the ~28 µs of
/// the two cores a request takes at 72k a second. The write only moves the time forward, so
/// instances noting the same minute agree.
pub(super) async fn note_seen(state: &AppState, data: &Map<String, Value>) -> Result<(), DbErr> {
    let Some(id) = data.get(SESSION_LOGIN_ID).and_then(Value::as_i64) else {
        return Ok(());
    };
    let minute = minute_of(state.clock.now());
    if state.last_seen.noted.get(&id) == Some(minute) {
        return Ok(());
    }
    entity::Entity::update_many()
        .col_expr(entity::Column::LastSeenAt, Expr::value(minute))
        .filter(
            Condition::all().add(entity::Column::Id.eq(id)).add(
                Condition::any()
                    .add(entity::Column::LastSeenAt.is_null())
                    .add(entity::Column::LastSeenAt.lt(minute)),
            ),
        )
        .exec(&state.db.write_one())
        .await?;
    state.last_seen.noted.insert(id, minute);
    Ok(())
}

/// Forgets the login of `session`, if it has one (a new login on the same session, whose key is
/// about to change).
pub(super) async fn forget(state: &AppState, session: &Session) -> Result<(), ApiError> {
    if session.get::<i64>(SESSION_USER_ID).await?.is_some() {
        delete_login_of(&state.db.write_one(), session).await?;
    }
    Ok(())
}

/// Forgets the login of `session` at logout, recording the logout in the customer's security
/// log with it.
pub(super) async fn log_out(
    state: &AppState,
    session: &Session,
    requester: &Requester,
) -> Result<(), ApiError> {
    let Some(user_id) = session.get::<i64>(SESSION_USER_ID).await? else {
        return Ok(());
    };
    let transaction = state.db.write().await?;
    if delete_login_of(&transaction, session).await? > 0 {
        let now = state.clock.now();
        let logout = SecurityEventKind::Logout;
        security_events::record(&transaction, user_id, logout, requester, now).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Deletes the login row of `session`; how many rows went (0 or 1).
async fn delete_login_of(db: &impl ConnectionTrait, session: &Session) -> Result<u64, ApiError> {
    let deleted = entity::Entity::delete_many()
        .filter(entity::Column::SessionId.eq(session.storage_id().await?))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// The sessions that log `customer` in now, oldest first; `current` is the session of the
/// request asking, if it should be marked. Rows of sessions that ended are removed on the way.
pub async fn live_sessions(
    state: &AppState,
    customer: &Customer,
    current: Option<&Session>,
) -> Result<Vec<LiveSession>, ApiError> {
    let current = match current {
        Some(session) => Some(session.storage_id().await?),
        None => None,
    };
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
                last_seen_at: row.last_seen_at.unwrap_or(row.created_at),
                expires_at: record.expires_at,
                ip: row.ip,
                user_agent: row.user_agent,
                is_current: current.as_ref() == Some(&row.session_id),
                session_id: row.session_id,
            }),
            _ => dead.push(row.id),
        }
    }
    if !dead.is_empty() {
        delete_logins(&state.db.write_one(), dead).await?;
    }
    Ok(live)
}

/// Ends the customer's live session `id` (404 when the customer has none of that id); ending
/// the request's own session logs it out.
async fn end_one(
    state: &AppState,
    session: &Session,
    customer: &Customer,
    id: i64,
    requester: &Requester,
) -> Result<(), ApiError> {
    let ended = live_sessions(state, customer, Some(session))
        .await?
        .into_iter()
        .find(|live| live.id == id)
        .ok_or(ApiError::NotFound)?;
    let is_current = ended.is_current;
    end(state, customer, vec![ended], requester).await?;
    if is_current {
        session.flush().await?;
    }
    Ok(())
}

/// Ends every live session of the customer but the request's own.
async fn end_others(
    state: &AppState,
    session: &Session,
    customer: &Customer,
    requester: &Requester,
) -> Result<(), ApiError> {
    let others = live_sessions(state, customer, Some(session))
        .await?
        .into_iter()
        .filter(|live| !live.is_current)
        .collect();
    end(state, customer, others, requester).await
}

/// Ends `sessions` of `customer`, each recorded in the security log, and returns once none of
/// them authenticates on any instance.
///
/// The store goes first: a crash after it leaves a dead row, which the next listing removes,
/// never a live session the list no longer shows. The rows and the log entries go in one
/// transaction. Then the answer waits until every instance's memory of the sessions has
/// expired (`SessionManager::wait_until_ended_everywhere`), so "ended" is true everywhere the
/// moment the customer reads it, without costing authenticated requests anything: see there
/// why that, and not a notification between instances.
async fn end(
    state: &AppState,
    customer: &Customer,
    sessions: Vec<LiveSession>,
    requester: &Requester,
) -> Result<(), ApiError> {
    if sessions.is_empty() {
        return Ok(());
    }
    for ended in &sessions {
        state.sessions.end(&ended.session_id).await?;
    }
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    for _ in &sessions {
        let revoked = SecurityEventKind::SessionRevoked;
        security_events::record(&transaction, customer.id, revoked, requester, now).await?;
    }
    delete_logins(
        &transaction,
        sessions.iter().map(|ended| ended.id).collect(),
    )
    .await?;
    transaction.commit().await?;
    tracing::info!(
        customer = customer.id,
        count = sessions.len(),
        "ended sessions"
    );
    state.sessions.wait_until_ended_everywhere().await;
    Ok(())
}

async fn delete_logins(db: &impl ConnectionTrait, ids: Vec<i64>) -> Result<(), DbErr> {
    entity::Entity::delete_many()
        .filter(entity::Column::Id.is_in(ids))
        .exec(db)
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
