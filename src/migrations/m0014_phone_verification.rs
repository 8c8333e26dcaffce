//! SMS one-time codes and the phone numbers they verified.
//!
//! - `users.verified_phone`: the number (E.164) a code sent to it was entered for, `NULL` when
//!   none was. A number typed later into the profile differs from it, so a changed phone is
//!   unverified without anyone resetting a flag. Unique (both backends let any number of `NULL`s
//!   through a unique index): a number is verified on one account at most, the last to prove it,
//!   so a login by phone finds one account.
//! - `otp_codes`: at most one outstanding code per purpose and phone (the primary key), so a new
//!   code replaces the older one. Only a SHA-256 (hex) of purpose, phone and code is kept: six
//!   digits are quickly guessed from a hash, but the code is dead within `OTP_TTL` and the
//!   salt keeps one table of hashes from serving every row. `failed_attempts` counts wrong
//!   entries; rows expired for an hour are deleted when a code is issued (index on `expires_at`).
//!
//! Timestamps are written by the application in UTC; nothing has a database-side default.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    VerifiedPhone,
}

#[derive(DeriveIden)]
enum OtpCodes {
    Table,
    Purpose,
    Phone,
    CodeHash,
    SentAt,
    ExpiresAt,
    FailedAttempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(Users::VerifiedPhone, 20))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_verified_phone")
                    .table(Users::Table)
                    .col(Users::VerifiedPhone)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OtpCodes::Table)
                    // `registration`, `login` or `phone_login`.
                    .col(string_len(OtpCodes::Purpose, 16))
                    .col(string_len(OtpCodes::Phone, 20))
                    .col(string_len(OtpCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone(OtpCodes::SentAt))
                    .col(timestamp_with_time_zone(OtpCodes::ExpiresAt))
                    .col(integer(OtpCodes::FailedAttempts))
                    .primary_key(Index::create().col(OtpCodes::Purpose).col(OtpCodes::Phone))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("otp_codes_expires_at")
                    .table(OtpCodes::Table)
                    .col(OtpCodes::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OtpCodes::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("users_verified_phone")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::VerifiedPhone)
                    .to_owned(),
            )
            .await
    }
}
