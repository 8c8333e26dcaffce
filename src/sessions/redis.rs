//! The Redis session store, for several instances sharing sessions: one string per session,
//! `<prefix><storage id>` → JSON record, with a Redis expiry so Redis itself purges old sessions.

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::{AsyncCommands, aio::ConnectionManager};

use super::{
    key::StorageId,
    store::{SessionRecord, SessionStore},
};
use crate::clock::Clock;

/// Sessions in Redis.
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    clock: Clock,
}

impl RedisStore {
    /// Connects to `url`; keys get `prefix`.
    pub async fn connect(url: &str, prefix: String, clock: Clock) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing SESSION_STORE as a Redis URL")?;
        let connection = ConnectionManager::new(client)
            .await
            .context("connecting to Redis (SESSION_STORE)")?;
        Ok(Self {
            connection,
            prefix,
            clock,
        })
    }

    fn redis_key(&self, id: &StorageId) -> String {
        format!("{}{}", self.prefix, id.as_ref())
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn load(&self, id: &StorageId) -> anyhow::Result<Option<SessionRecord>> {
        let mut connection = self.connection.clone();
        let value: Option<String> = connection
            .get(self.redis_key(id))
            .await
            .context("reading a session from Redis")?;
        value
            .map(|json| serde_json::from_str(&json).context("decoding a session from Redis"))
            .transpose()
    }

    async fn save(&self, id: &StorageId, record: &SessionRecord) -> anyhow::Result<()> {
        let seconds_left = (record.expires_at - self.clock.now()).num_seconds();
        let mut connection = self.connection.clone();
        let key = self.redis_key(id);
        match u64::try_from(seconds_left) {
            Ok(seconds) if seconds > 0 => {
                let json = serde_json::to_string(record)?;
                let () = connection
                    .set_ex(key, json, seconds)
                    .await
                    .context("saving a session to Redis")?;
            }
            _ => {
                let () = connection
                    .del(key)
                    .await
                    .context("deleting a session from Redis")?;
            }
        }
        Ok(())
    }

    async fn update(&self, id: &StorageId, record: &SessionRecord) -> anyhow::Result<bool> {
        let seconds_left = (record.expires_at - self.clock.now()).num_seconds();
        let Ok(seconds @ 1..) = u64::try_from(seconds_left) else {
            self.delete(id).await?;
            return Ok(false);
        };
        let mut connection = self.connection.clone();
        // `XX`: only if the key exists, in the same command (no read between).
        let stored: Option<String> = redis::cmd("SET")
            .arg(self.redis_key(id))
            .arg(serde_json::to_string(record)?)
            .arg("EX")
            .arg(seconds)
            .arg("XX")
            .query_async(&mut connection)
            .await
            .context("updating a session in Redis")?;
        Ok(stored.is_some())
    }

    async fn delete(&self, id: &StorageId) -> anyhow::Result<()> {
        let mut connection = self.connection.clone();
        let () = connection
            .del(self.redis_key(id))
            .await
            .context("deleting a session from Redis")?;
        Ok(())
    }

    // Redis expires keys itself.
    async fn purge_expired(&self, _now: DateTime<Utc>) -> anyhow::Result<u64> {
        Ok(0)
    }
}
