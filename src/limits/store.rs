//! Where counts live: the [`CounterStore`] trait, and what one count holds.

use async_trait::async_trait;

/// How a budget's count grows with each attempt; times in milliseconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Attempts allowed before the subject is refused.
    pub allowed: i64,
    /// How long a count lives: after the first attempt (window), or after the last wait
    /// (doubling).
    pub period_ms: i64,
    /// The first wait once the allowed attempts are used, doubling with each further attempt up
    /// to `longest_wait_ms`; 0 for a fixed window that refuses until its period is over.
    pub first_wait_ms: i64,
    /// The longest wait of a doubling budget.
    pub longest_wait_ms: i64,
}

impl Rule {
    /// The row of a subject's first attempt at `now` (or its first after the count expired).
    pub fn first_hit(&self, now: i64) -> Counter {
        let wait = if self.first_wait_ms > 0 && self.allowed <= 1 {
            self.first_wait_ms
        } else {
            0
        };
        let expires_at = now + wait + self.period_ms;
        let blocked_until = if self.first_wait_ms > 0 {
            now + wait
        } else if self.allowed <= 1 {
            expires_at
        } else {
            0
        };
        Counter {
            hits: 1,
            wait_ms: wait,
            blocked_until_ms: blocked_until,
            expires_at_ms: expires_at,
        }
    }
}

/// One subject's count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    /// Attempts counted.
    pub hits: i64,
    /// The current wait of a doubling budget.
    pub wait_ms: i64,
    /// Refused before this.
    pub blocked_until_ms: i64,
    /// Forgotten at this time.
    pub expires_at_ms: i64,
}

/// A shared store of counts. Each method is one atomic step on the store, so instances sharing
/// it never lose an attempt to a race.
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// The live counts under `keys` at `now`, in order; a missing or expired one is zero.
    async fn read(&self, keys: &[&str], now: i64) -> anyhow::Result<Vec<Counter>>;

    /// Counts one attempt under `key` at `now` by `rule`; the count after it.
    async fn hit(&self, key: &str, rule: &Rule, now: i64) -> anyhow::Result<Counter>;

    /// Forgets the counts under `keys`.
    async fn forget(&self, keys: &[&str]) -> anyhow::Result<()>;

    /// Deletes the counts expired at `now`; how many.
    async fn purge_expired(&self, now: i64) -> anyhow::Result<u64>;
}
