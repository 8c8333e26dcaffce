//! The outbox's memory of recent mails by purpose and address, so that a request which may be
//! repeated at will (a password reset, a resent confirmation) mails an address at most once a
//! period. The key holds a SHA-256 of the address, never the address itself.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxThrottle {
    Table,
    Key,
    LastAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxThrottle::Table)
                    // `<purpose>:<sha-256 hex of the lower-cased address>`.
                    .col(string_len(OutboxThrottle::Key, 100).primary_key())
                    .col(timestamp_with_time_zone(OutboxThrottle::LastAt))
                    .to_owned(),
            )
            .await?;
        // The hourly purge's question: which entries are old?
        manager
            .create_index(
                Index::create()
                    .name("outbox_throttle_last_at")
                    .table(OutboxThrottle::Table)
                    .col(OutboxThrottle::LastAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxThrottle::Table).to_owned())
            .await
    }
}
