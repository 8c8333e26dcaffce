//! The database store of counts: every read and write of `rate_limits`, one statement each.

use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, Func, OnConflict},
};

use super::{
    entity::{self, Column, Entity},
    store::{Counter, CounterStore, Rule},
};
use crate::db::Database;

/// Counts in the application's database (`RATE_LIMIT_STORE=database`).
pub struct DatabaseStore {
    db: Database,
}

impl DatabaseStore {
    /// Counts in `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CounterStore for DatabaseStore {
    async fn read(&self, keys: &[&str], now: i64) -> anyhow::Result<Vec<Counter>> {
        let rows = Entity::find()
            .filter(Column::Key.is_in(keys.iter().copied()))
            .filter(Column::ExpiresAtMs.gt(now))
            .all(self.db.read())
            .await?;
        Ok(keys
            .iter()
            .map(|key| {
                rows.iter()
                    .find(|row| row.key == *key)
                    .map(Counter::from)
                    .unwrap_or_default()
            })
            .collect())
    }

    /// One upsert: a new or expired count starts over with the inserted row; a live one grows by
    /// the rule in the `ON CONFLICT` arithmetic. On PostgreSQL a second attempt at once waits for
    /// the first's row lock and then counts on top of it; SQLite has one writer.
    async fn hit(&self, key: &str, rule: &Rule, now: i64) -> anyhow::Result<Counter> {
        let first = rule.first_hit(now);
        let row = entity::ActiveModel {
            key: Set(key.to_owned()),
            hits: Set(first.hits),
            wait_ms: Set(first.wait_ms),
            blocked_until_ms: Set(first.blocked_until_ms),
            expires_at_ms: Set(first.expires_at_ms),
        };
        let stored = |column: Column| Expr::col((Entity, column));
        let hits = stored(Column::Hits).add(1);
        let (wait, blocked_until, expires_at): (Expr, Expr, Expr) = if rule.first_wait_ms > 0 {
            let wait: Expr = Expr::case(hits.clone().lt(rule.allowed), 0)
                .case(
                    stored(Column::WaitMs).gt(0),
                    Func::least([
                        stored(Column::WaitMs).mul(2),
                        Expr::val(rule.longest_wait_ms),
                    ]),
                )
                .finally(rule.first_wait_ms)
                .into();
            (
                wait.clone(),
                wait.clone().add(now),
                wait.add(now + rule.period_ms),
            )
        } else {
            let blocked_until =
                Expr::case(hits.clone().gte(rule.allowed), stored(Column::ExpiresAtMs)).finally(0);
            (
                Expr::val(0),
                blocked_until.into(),
                stored(Column::ExpiresAtMs),
            )
        };
        // An expired count starts over: every column takes the inserted row's value.
        let unless_expired = |grown: Expr, column: Column| -> Expr {
            Expr::case(stored(Column::ExpiresAtMs).gt(now), grown)
                .finally(Expr::col((Alias::new("excluded"), column)))
                .into()
        };
        let grow = OnConflict::column(Column::Key)
            .value(Column::Hits, unless_expired(hits, Column::Hits))
            .value(Column::WaitMs, unless_expired(wait, Column::WaitMs))
            .value(
                Column::BlockedUntilMs,
                unless_expired(blocked_until, Column::BlockedUntilMs),
            )
            .value(
                Column::ExpiresAtMs,
                unless_expired(expires_at, Column::ExpiresAtMs),
            )
            .to_owned();
        let counted = Entity::insert(row)
            .on_conflict(grow)
            .exec_with_returning(&self.db.write_one())
            .await?;
        Ok(Counter::from(&counted))
    }

    async fn forget(&self, keys: &[&str]) -> anyhow::Result<()> {
        Entity::delete_many()
            .filter(Column::Key.is_in(keys.iter().copied()))
            .exec(&self.db.write_one())
            .await?;
        Ok(())
    }

    async fn purge_expired(&self, now: i64) -> anyhow::Result<u64> {
        let purged = Entity::delete_many()
            .filter(Column::ExpiresAtMs.lte(now))
            .exec(&self.db.write_one())
            .await?;
        Ok(purged.rows_affected)
    }
}

impl From<&entity::Model> for Counter {
    fn from(row: &entity::Model) -> Self {
        Self {
            hits: row.hits,
            wait_ms: row.wait_ms,
            blocked_until_ms: row.blocked_until_ms,
            expires_at_ms: row.expires_at_ms,
        }
    }
}
