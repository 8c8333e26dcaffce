//! The outbox: messages (mails now, SMS later) written in the same transaction as the change
//! that causes them, and sent by a background worker. `claimed_until` is a worker's lease on a
//! row, so two instances never send the same one; `sent_at` marks it done. Every timestamp is set
//! by the application in UTC, and nothing has a database-side default.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Channel,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    // `mail`; `sms` later.
                    .col(string_len(Outbox::Channel, 16))
                    .col(text(Outbox::Recipient))
                    .col(text(Outbox::Subject))
                    .col(text(Outbox::TextBody))
                    .col(text_null(Outbox::HtmlBody))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    // The delivery error of the last attempt, as the SMTP server or the network
                    // reported it; never a credential.
                    .col(text_null(Outbox::LastError))
                    .to_owned(),
            )
            .await?;
        // The worker's question, "what is due and unsent?": unsent rows by due time. A sent row
        // keeps its `sent_at`, so the index leads with it and the unsent ones sit together.
        manager
            .create_index(
                Index::create()
                    .name("outbox_due_unsent")
                    .table(Outbox::Table)
                    .col(Outbox::SentAt)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}
