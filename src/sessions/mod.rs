//! Server-side sessions with Django's semantics, for guests and customers alike.
//!
//! A session exists once something is stored in it; its key (32 × `[a-z0-9]`) travels in the
//! session cookie and stores keep only its hash. An unknown, expired or forged key is never
//! adopted: a new key is issued when the request stores something. The key rotates only at login
//! ([`Session::cycle_key`]). Handlers reach the request's session through the [`Session`]
//! extractor; [`with_session`] saves it after the handler and sets or deletes the cookie.

mod database;
mod handle;
mod key;
mod redis;
mod store;

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    extract::Request,
    http::header,
    response::{IntoResponse, Response},
};

use self::{database::DatabaseStore, redis::RedisStore, store::CachedStore};
pub use self::{
    database::entity,
    handle::Session,
    key::{SessionKey, StorageId},
    store::{SessionRecord, SessionStore},
};
use crate::{
    clock::Clock,
    config::{Config, SessionStoreUrl},
    db::Database,
    http::{ApiError, cookies},
    tasks::BackgroundTasks,
};

/// The session machinery shared by all requests: the store behind its cache, the clock and the
/// cookie settings. Cheap to clone.
#[derive(Clone)]
pub struct SessionManager {
    inner: Arc<Inner>,
}

struct Inner {
    store: CachedStore,
    clock: Clock,
    cookie_name: String,
    age: Duration,
    secure: bool,
}

impl SessionManager {
    /// Opens the store named by `SESSION_STORE`.
    pub async fn from_config(config: &Config, db: Database, clock: Clock) -> anyhow::Result<Self> {
        let store: Arc<dyn SessionStore> = match &config.session_store {
            SessionStoreUrl::Database => Arc::new(DatabaseStore::new(db)),
            SessionStoreUrl::Redis(url) => {
                use secrecy::ExposeSecret;
                let prefix = config.session_redis_prefix.clone();
                Arc::new(RedisStore::connect(url.expose_secret(), prefix, clock.clone()).await?)
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                store: CachedStore::new(store, config.session_cache_ttl),
                clock,
                cookie_name: config.session_cookie_name.clone(),
                age: config.session_cookie_age,
                secure: config.session_cookie_secure,
            }),
        })
    }

    /// Removes expired sessions from the store; returns how many.
    pub async fn purge_expired(&self) -> anyhow::Result<u64> {
        self.inner.store.purge_expired(self.inner.clock.now()).await
    }

    /// The session stored under `id`, unless it is gone or has expired: for an area that keeps
    /// the ids of its sessions (see [`Session::storage_id`]).
    pub async fn find(&self, id: &StorageId) -> anyhow::Result<Option<Arc<SessionRecord>>> {
        let record = self.inner.store.load(id).await?;
        let now = self.inner.clock.now();
        Ok(record.filter(|record| record.expires_at > now))
    }

    /// Ends the session stored under `id` (if there is one): its key stops working at once on
    /// this instance, and on others when their cached copy ages out (`SESSION_CACHE_TTL`; see
    /// [`Self::wait_until_ended_everywhere`]).
    pub async fn end(&self, id: &StorageId) -> anyhow::Result<()> {
        self.inner.store.delete(id).await
    }

    /// Returns once every session ended (by [`Self::end`]) before the call has stopped working on
    /// every instance: once any copy another instance kept in memory has aged out, which takes
    /// `SESSION_CACHE_TTL` at most (nothing to wait for when it is 0).
    ///
    /// Why waiting, and not telling the other instances: a notification (Redis pub/sub,
    /// PostgreSQL `NOTIFY`) reaches them a little later, never "at once", and instances sharing
    /// an SQLite file have no channel at all; checking the store on every request would cost
    /// `GET /current_user/` a round trip it avoids now (docs/PERFORMANCE.md). Ending a session
    /// is a rare action of a customer, so it pays the wait instead: when the answer arrives, no
    /// instance lets the session in any more. Only a load that read the session before it was
    /// deleted and is cached after the wait began could outlive it, by that load's duration.
    pub async fn wait_until_ended_everywhere(&self) {
        tokio::time::sleep(self.inner.store.ttl()).await;
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &str {
        &self.inner.cookie_name
    }

    fn store(&self) -> &CachedStore {
        &self.inner.store
    }

    fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    fn age(&self) -> Duration {
        self.inner.age
    }

    fn set_cookie(&self, key: Option<&SessionKey>) -> axum::http::HeaderValue {
        cookies::SetCookie {
            name: &self.inner.cookie_name,
            value: key.map_or("", SessionKey::as_cookie_value),
            max_age: if key.is_some() {
                self.inner.age
            } else {
                Duration::ZERO
            },
            http_only: true,
            secure: self.inner.secure,
        }
        .to_header()
    }
}

/// Gives the request its [`Session`] (loaded only if a handler asks), runs the handler, then saves
/// the session and sets or deletes the cookie. Also for error answers: a failed login counts.
pub async fn with_session<Route, Answer>(
    sessions: &SessionManager,
    mut request: Request,
    route: Route,
) -> Response
where
    Route: FnOnce(Request) -> Answer,
    Answer: Future<Output = Response>,
{
    let cookie = cookies::read(request.headers(), sessions.cookie_name());
    let session = Session::new(
        sessions.clone(),
        cookie.is_some(),
        cookie.and_then(SessionKey::parse),
    );
    request.extensions_mut().insert(session.clone());
    let mut response = route(request).await;
    match session.commit().await {
        Ok(Some(cookie)) => {
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(None) => response,
        Err(error) => ApiError::Internal(error.context("saving the session")).into_response(),
    }
}

/// Deletes expired sessions every `interval`, for as long as the server runs.
pub fn spawn_purge_task(tasks: &BackgroundTasks, sessions: SessionManager, interval: Duration) {
    tasks.every("session purge", interval, move || {
        let sessions = sessions.clone();
        async move {
            match sessions.purge_expired().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "purged expired sessions"),
                Err(error) => tracing::warn!(error = ?error, "purging expired sessions failed"),
            }
        }
    });
}
