//! The per-request session handle: loads lazily, tracks changes, and commits them once the
//! handler is done (see [`super::with_session`]).

use std::sync::Arc;

use axum::{extract::FromRequestParts, http::HeaderValue, http::request::Parts};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::{SessionKey, SessionManager, SessionRecord, StorageId};
use crate::http::ApiError;

/// The request's session. Clones share the same state.
#[derive(Clone)]
pub struct Session {
    sessions: SessionManager,
    state: Arc<Mutex<State>>,
}

struct State {
    /// Whether the request carried a session cookie at all (well-formed or not).
    cookie_present: bool,
    /// The well-formed key from the cookie until the session is loaded; adopted only if the
    /// store knows it.
    cookie_key: Option<SessionKey>,
    loaded: bool,
    /// The stored session this request is using, if it has one.
    existing: Option<SessionKey>,
    /// The key a new session will be saved under, once [`Session::storage_id`] has named it.
    reserved: Option<SessionKey>,
    data: Arc<Map<String, Value>>,
    changed: bool,
    /// Stored sessions to delete on commit (flushed or rotated away).
    retired: Vec<SessionKey>,
}

impl Session {
    pub(super) fn new(
        sessions: SessionManager,
        cookie_present: bool,
        cookie_key: Option<SessionKey>,
    ) -> Self {
        let state = State {
            cookie_present,
            cookie_key,
            loaded: false,
            existing: None,
            reserved: None,
            data: Arc::default(),
            changed: false,
            retired: Vec::new(),
        };
        Self {
            sessions,
            state: Arc::new(Mutex::new(state)),
        }
    }

    async fn loaded(&self) -> anyhow::Result<tokio::sync::MutexGuard<'_, State>> {
        let mut state = self.state.lock().await;
        if !state.loaded {
            state.loaded = true;
            if let Some(key) = state.cookie_key.take() {
                let record = self.sessions.store().load(&key.storage_id()).await?;
                if let Some(record) =
                    record.filter(|record| record.expires_at > self.sessions.clock().now())
                {
                    state.data = record.data.clone();
                    state.existing = Some(key);
                }
            }
        }
        Ok(state)
    }

    /// The value stored under `key`, if any and of type `T`.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> anyhow::Result<Option<T>> {
        let state = self.loaded().await?;
        Ok(state
            .data
            .get(key)
            .and_then(|value| T::deserialize(value).ok()))
    }

    /// The session's data as it is now, shared rather than copied: for hot paths that read
    /// several values at once.
    pub async fn data(&self) -> anyhow::Result<Arc<Map<String, Value>>> {
        Ok(self.loaded().await?.data.clone())
    }

    /// Stores `value` under `key`; creates the session if there is none.
    pub async fn insert(&self, key: &str, value: impl Serialize) -> anyhow::Result<()> {
        let value = serde_json::to_value(value)?;
        let mut state = self.loaded().await?;
        if state.data.get(key) != Some(&value) {
            Arc::make_mut(&mut state.data).insert(key.to_owned(), value);
            state.changed = true;
        }
        Ok(())
    }

    /// Removes `key` from the session.
    pub async fn remove(&self, key: &str) -> anyhow::Result<()> {
        let mut state = self.loaded().await?;
        if state.data.contains_key(key) {
            Arc::make_mut(&mut state.data).remove(key);
            state.changed = true;
        }
        Ok(())
    }

    /// Keeps the data under a new key; the old key stops working at once (login).
    pub async fn cycle_key(&self) -> anyhow::Result<()> {
        let mut state = self.loaded().await?;
        if let Some(old) = state.existing.take() {
            state.retired.push(old);
        }
        state.reserved = None;
        state.changed = true;
        Ok(())
    }

    /// Drops all data and the stored session (logout, or a login as somebody else).
    pub async fn flush(&self) -> anyhow::Result<()> {
        let mut state = self.loaded().await?;
        if let Some(old) = state.existing.take() {
            state.retired.push(old);
        }
        state.reserved = None;
        state.data = Arc::default();
        state.changed = true;
        Ok(())
    }

    /// The id the session is stored under: its current one, or, for a session not stored yet (a
    /// guest's first save, or after [`Self::cycle_key`] or [`Self::flush`]), the one it will be
    /// saved under when the request ends. For an area that keeps track of its sessions (the
    /// accounts' list of a customer's logins); the id is the key's hash, never the key.
    pub async fn storage_id(&self) -> anyhow::Result<StorageId> {
        let mut state = self.loaded().await?;
        let state = &mut *state;
        let key = match &state.existing {
            Some(key) => key,
            None => state.reserved.get_or_insert_with(SessionKey::generate),
        };
        Ok(key.storage_id())
    }

    /// The id of the stored session this request came with, if it came with one (a known, live
    /// key): for a count kept per session, which a visitor without one cannot be held to.
    pub async fn stored_id(&self) -> anyhow::Result<Option<StorageId>> {
        let state = self.loaded().await?;
        Ok(state.existing.as_ref().map(SessionKey::storage_id))
    }

    /// Persists what changed; returns the `Set-Cookie` value to send, if any.
    pub(super) async fn commit(&self) -> anyhow::Result<Option<HeaderValue>> {
        let mut state = self.state.lock().await;
        let store = self.sessions.store();
        for retired in std::mem::take(&mut state.retired) {
            store.delete(&retired.storage_id()).await?;
        }
        if !state.changed {
            return Ok(None);
        }
        if state.data.is_empty() {
            // Like Django: an emptied session is deleted, and so is the browser's cookie.
            if let Some(existing) = state.existing.take() {
                store.delete(&existing.storage_id()).await?;
            }
            return Ok(state.cookie_present.then(|| self.sessions.set_cookie(None)));
        }
        let expires_at = self.sessions.clock().now() + self.sessions.age();
        let record = Arc::new(SessionRecord {
            data: state.data.clone(),
            expires_at,
        });
        state.changed = false;
        if let Some(existing) = &state.existing {
            // A session ended while this request ran (elsewhere) is not brought back.
            if !store.update(&existing.storage_id(), record).await? {
                state.existing = None;
            }
            return Ok(None);
        }
        let key = state.reserved.take().unwrap_or_else(SessionKey::generate);
        store.save(&key.storage_id(), record).await?;
        state.existing = Some(key.clone());
        Ok(Some(self.sessions.set_cookie(Some(&key))))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("the session layer is not installed"))
        })
    }
}
