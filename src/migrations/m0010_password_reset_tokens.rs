//! Password reset tokens: at most one per customer (the primary key is the customer), so a newer
//! request replaces the older token, which is then void ("superseded").
//!
//! Decisions:
//! - Only a SHA-256 (hex) of the token is kept: a copy of the database holds no usable link.
//! - `account_fingerprint` is a SHA-256 of what the account was at issue (its password hash,
//!   last login and e-mail, as `password_reset` derives it): a password change, a login or an
//!   e-mail change voids the token without anyone having to delete it, as Django's token does.
//! - `issued_at` is written by the application in UTC; the validity is `PASSWORD_RESET_TIMEOUT`
//!   counted from it at use, so a changed setting applies to tokens already mailed, as in Django.
//! - The row goes with its customer (`ON DELETE CASCADE`). No purge task: one row per customer at
//!   most, deleted when used.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PasswordResetTokens {
    Table,
    UserId,
    TokenHash,
    AccountFingerprint,
    IssuedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordResetTokens::Table)
                    .col(big_integer(PasswordResetTokens::UserId).primary_key())
                    .col(string_len(PasswordResetTokens::TokenHash, 64))
                    .col(string_len(PasswordResetTokens::AccountFingerprint, 64))
                    .col(timestamp_with_time_zone(PasswordResetTokens::IssuedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("password_reset_tokens_user_id")
                            .from(PasswordResetTokens::Table, PasswordResetTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordResetTokens::Table).to_owned())
            .await
    }
}
