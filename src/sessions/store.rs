//! The session store interface, and the in-memory cache in front of it that keeps the database
//! (or Redis) off the hot path: a request with a session cookie costs a hash and a map lookup.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::key::StorageId;

/// What a store keeps for one session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionRecord {
    /// The session's data, Django-style: a JSON object that each area reads and writes by key.
    /// Shared, so a request reading a cached session copies nothing.
    pub data: Arc<Map<String, Value>>,
    /// When the session stops being valid (last change + session age).
    pub expires_at: DateTime<Utc>,
}

/// Somewhere sessions are kept: the database or Redis.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The record under `id`, expired or not; `None` when there is none.
    async fn load(&self, id: &StorageId) -> anyhow::Result<Option<SessionRecord>>;
    /// Creates or replaces the record under `id`.
    async fn save(&self, id: &StorageId, record: &SessionRecord) -> anyhow::Result<()>;
    /// Replaces the record under `id` only if there is one; whether there was.
    async fn update(&self, id: &StorageId, record: &SessionRecord) -> anyhow::Result<bool>;
    /// Removes the record under `id`, if any.
    async fn delete(&self, id: &StorageId) -> anyhow::Result<()>;
    /// Removes every record that expired before `now`; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> anyhow::Result<u64>;
}

/// A store with a short-lived local cache in front. Writes through this instance update the cache
/// at once; writes on other instances reach it when the cached entry ages out (`ttl`), which is
/// how long a logout elsewhere may take to be seen here. Unknown keys are cached too, so a flood
/// of forged cookies does not reach the store.
pub struct CachedStore {
    store: Arc<dyn SessionStore>,
    cache: Option<moka::sync::Cache<StorageId, Option<Arc<SessionRecord>>>>,
    ttl: Duration,
}

impl CachedStore {
    /// Wraps `store`; a zero `ttl` turns the cache off.
    pub fn new(store: Arc<dyn SessionStore>, ttl: Duration) -> Self {
        let cache = (!ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build()
        });
        Self { store, cache, ttl }
    }

    /// How long a record may be served from memory.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The record under `id`, from the cache when fresh.
    pub async fn load(&self, id: &StorageId) -> anyhow::Result<Option<Arc<SessionRecord>>> {
        if let Some(cached) = self.cache.as_ref().and_then(|cache| cache.get(id)) {
            return Ok(cached);
        }
        let record = self.store.load(id).await?.map(Arc::new);
        if let Some(cache) = &self.cache {
            cache.insert(id.clone(), record.clone());
        }
        Ok(record)
    }

    /// Saves a new session through to the store.
    pub async fn save(&self, id: &StorageId, record: Arc<SessionRecord>) -> anyhow::Result<()> {
        self.store.save(id, &record).await?;
        if let Some(cache) = &self.cache {
            cache.insert(id.clone(), Some(record));
        }
        Ok(())
    }

    /// Saves a change of a stored session through to the store, unless the session is gone
    /// from it: one ended meanwhile (logged out or revoked elsewhere) must stay ended, though
    /// this request loaded it before. Whether it was saved.
    pub async fn update(&self, id: &StorageId, record: Arc<SessionRecord>) -> anyhow::Result<bool> {
        let updated = self.store.update(id, &record).await?;
        if let Some(cache) = &self.cache {
            cache.insert(id.clone(), updated.then_some(record));
        }
        Ok(updated)
    }

    /// Deletes from the store and remembers the key as unknown.
    pub async fn delete(&self, id: &StorageId) -> anyhow::Result<()> {
        self.store.delete(id).await?;
        if let Some(cache) = &self.cache {
            cache.insert(id.clone(), None);
        }
        Ok(())
    }

    /// Purges expired records from the store.
    pub async fn purge_expired(&self, now: DateTime<Utc>) -> anyhow::Result<u64> {
        self.store.purge_expired(now).await
    }
}
