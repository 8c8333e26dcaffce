//! The Redis store of counts (`RATE_LIMIT_STORE=redis://…`), for instances that share no
//! database or want counts off it: one hash per count, `<prefix><key>` → `hits`, `wait`,
//! `blocked`, `expires`, with a Redis expiry so Redis drops forgotten counts itself.
//!
//! A hit is one Lua script, which Redis runs atomically: the same arithmetic as the database
//! store's upsert. Times are the application's clock, passed in, never Redis's own: the counts
//! must agree with the clock that tests move.

use anyhow::Context;
use async_trait::async_trait;
use redis::aio::ConnectionManager;

use super::store::{Counter, CounterStore, Rule};

/// `KEYS[1]`: the count; `ARGV`: now, allowed, period, first wait (0: a fixed window), longest
/// wait, and the first hit's row. Answers the count after the hit.
const HIT: &str = r"
local now, allowed, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local first_wait, longest_wait = tonumber(ARGV[4]), tonumber(ARGV[5])
local stored = redis.call('HMGET', KEYS[1], 'hits', 'wait', 'blocked', 'expires')
local hits, wait, blocked, expires
if tonumber(stored[4] or 0) > now then
  hits, wait, expires = tonumber(stored[1]) + 1, tonumber(stored[2]), tonumber(stored[4])
  if first_wait > 0 then
    if hits < allowed then wait = 0
    elseif wait > 0 then wait = math.min(wait * 2, longest_wait)
    else wait = first_wait end
    blocked, expires = now + wait, now + wait + period
  else
    blocked = 0
    if hits >= allowed then blocked = expires end
  end
else
  hits, wait, blocked, expires = 1, tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
end
redis.call('HSET', KEYS[1], 'hits', hits, 'wait', wait, 'blocked', blocked, 'expires', expires)
redis.call('PEXPIRE', KEYS[1], expires - now)
return {hits, wait, blocked, expires}
";

/// Counts in Redis.
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    /// Connects to `url`; keys get `prefix`.
    pub async fn connect(url: &str, prefix: String) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing RATE_LIMIT_STORE as a Redis URL")?;
        let connection = ConnectionManager::new(client)
            .await
            .context("connecting to Redis (RATE_LIMIT_STORE)")?;
        Ok(Self { connection, prefix })
    }

    fn redis_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl CounterStore for RedisStore {
    async fn read(&self, keys: &[&str], now: i64) -> anyhow::Result<Vec<Counter>> {
        let mut pipeline = redis::pipe();
        for key in keys {
            pipeline
                .cmd("HMGET")
                .arg(self.redis_key(key))
                .arg(&["hits", "wait", "blocked", "expires"]);
        }
        let rows: Vec<[Option<i64>; 4]> = pipeline
            .query_async(&mut self.connection.clone())
            .await
            .context("reading rate limit counts from Redis")?;
        Ok(rows
            .into_iter()
            .map(|[hits, wait, blocked, expires]| Counter {
                hits: hits.unwrap_or_default(),
                wait_ms: wait.unwrap_or_default(),
                blocked_until_ms: blocked.unwrap_or_default(),
                expires_at_ms: expires.unwrap_or_default(),
            })
            .map(|counter| {
                if counter.expires_at_ms > now {
                    counter
                } else {
                    Counter::default()
                }
            })
            .collect())
    }

    async fn hit(&self, key: &str, rule: &Rule, now: i64) -> anyhow::Result<Counter> {
        let first = rule.first_hit(now);
        let [hits, wait_ms, blocked_until_ms, expires_at_ms]: [i64; 4] = redis::cmd("EVAL")
            .arg(HIT)
            .arg(1)
            .arg(self.redis_key(key))
            .arg(now)
            .arg(rule.allowed)
            .arg(rule.period_ms)
            .arg(rule.first_wait_ms)
            .arg(rule.longest_wait_ms)
            .arg(first.wait_ms)
            .arg(first.blocked_until_ms)
            .arg(first.expires_at_ms)
            .query_async(&mut self.connection.clone())
            .await
            .context("counting an attempt in Redis")?;
        Ok(Counter {
            hits,
            wait_ms,
            blocked_until_ms,
            expires_at_ms,
        })
    }

    async fn forget(&self, keys: &[&str]) -> anyhow::Result<()> {
        let keys: Vec<String> = keys.iter().map(|key| self.redis_key(key)).collect();
        let () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut self.connection.clone())
            .await
            .context("forgetting rate limit counts in Redis")?;
        Ok(())
    }

    // Redis expires counts itself.
    async fn purge_expired(&self, _now: i64) -> anyhow::Result<u64> {
        Ok(0)
    }
}
