//! The account's e-mail address: whether it is verified, the keys mailed to confirm it, and a
//! pending change to another address.
//!
//! - `users.email_verified_at`: when the current address was confirmed; `NULL` is unverified.
//!   Rows from before this migration stay `NULL`: nobody confirmed them here, and saying so is
//!   the truth (a shop importing verified addresses from another system sets the column itself).
//! - `email_confirmations`: one row per confirmation key mailed. The key names one user and one
//!   address (`email_lower` at the time of mailing), so a key for an address the account no
//!   longer has is void. A used key stays until it expires, so opening the link twice still
//!   answers "ok" (the contract's idempotence).
//! - `email_changes`: at most one pending change per user (the user id is the primary key), so a
//!   new request replaces the earlier one and its link. `applied_at` marks it done while the row
//!   stays, so a re-opened link of an applied change answers "ok" again.
//!
//! Keys and tokens are stored only as SHA-256 hex (`key_hash`, `token_hash`, unique: the lookup
//! goes by them). Rows go with their user (`ON DELETE CASCADE`). Timestamps are written by the
//! application in UTC; nothing has a database-side default.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerifiedAt,
}

#[derive(DeriveIden)]
enum EmailConfirmations {
    Table,
    Id,
    UserId,
    EmailLower,
    KeyHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum EmailChanges {
    Table,
    UserId,
    NewEmail,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    AppliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailConfirmations::Table)
                    .col(big_pk_auto(EmailConfirmations::Id))
                    .col(big_integer(EmailConfirmations::UserId))
                    .col(string_len(EmailConfirmations::EmailLower, 254))
                    .col(string_len_uniq(EmailConfirmations::KeyHash, 64))
                    .col(timestamp_with_time_zone(EmailConfirmations::CreatedAt))
                    .col(timestamp_with_time_zone(EmailConfirmations::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("email_confirmations_user_id")
                            .from(EmailConfirmations::Table, EmailConfirmations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A new key clears the user's expired ones, and anonymisation all of them: by user.
        manager
            .create_index(
                Index::create()
                    .name("email_confirmations_user_id")
                    .table(EmailConfirmations::Table)
                    .col(EmailConfirmations::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailChanges::Table)
                    .col(big_integer(EmailChanges::UserId).primary_key())
                    // The new address as the customer typed it.
                    .col(string_len(EmailChanges::NewEmail, 254))
                    .col(string_len_uniq(EmailChanges::TokenHash, 64))
                    .col(timestamp_with_time_zone(EmailChanges::CreatedAt))
                    .col(timestamp_with_time_zone(EmailChanges::ExpiresAt))
                    .col(timestamp_with_time_zone_null(EmailChanges::AppliedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("email_changes_user_id")
                            .from(EmailChanges::Table, EmailChanges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EmailConfirmations::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::EmailVerifiedAt)
                    .to_owned(),
            )
            .await
    }
}
