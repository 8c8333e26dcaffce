//! The shared limiter's counters (`limits`): one row per budget and subject, e.g. the failed
//! logins of one e-mail address. The key names the budget and the kind of subject in clear and
//! holds only a SHA-256 of the subject itself (an address, a phone number, a client IP).
//!
//! Times are whole milliseconds since the Unix epoch in integer columns, not timestamps: a count
//! is updated by one upsert whose `ON CONFLICT` arithmetic (now + wait, wait × 2) must read the
//! same on SQLite, which keeps timestamps as text, and on PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    Hits,
    WaitMs,
    BlockedUntilMs,
    ExpiresAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    // `<budget>:<kind>:<sha-256 hex of the subject>`.
                    .col(string_len(RateLimits::Key, 128).primary_key())
                    .col(big_integer(RateLimits::Hits))
                    // The current wait of a doubling budget; 0 while no wait is due.
                    .col(big_integer(RateLimits::WaitMs))
                    // Attempts are refused before this; 0 when they are not.
                    .col(big_integer(RateLimits::BlockedUntilMs))
                    // The count is forgotten at this time (and the row purged after it).
                    .col(big_integer(RateLimits::ExpiresAtMs))
                    .to_owned(),
            )
            .await?;
        // The purge's question: which counts are forgotten?
        manager
            .create_index(
                Index::create()
                    .name("rate_limits_expires_at_ms")
                    .table(RateLimits::Table)
                    .col(RateLimits::ExpiresAtMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateLimits::Table).to_owned())
            .await
    }
}
