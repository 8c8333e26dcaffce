//! Customers. `email` keeps what the customer typed; `email_lower` is the unique key logins and
//! registrations match on, so "Jane@X.com" and "jane@x.com" are one account on both backends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    EmailLower,
    Password,
    FirstName,
    LastName,
    Phone,
    Gender,
    DateOfBirth,
    EmailAllowed,
    SmsAllowed,
    CallAllowed,
    IsActive,
    UserType,
    LanguageCode,
    Attributes,
    DateJoined,
    LastLogin,
    ModifiedDate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    // Opaque 32-hex public name (Akinon shows a hash, never the e-mail).
                    .col(string_len_uniq(Users::Username, 32))
                    .col(string_len(Users::Email, 254))
                    .col(string_len_uniq(Users::EmailLower, 254))
                    // A PHC argon2id string, or a legacy Django hash until the first login.
                    .col(string_len(Users::Password, 255))
                    .col(string_len(Users::FirstName, 150))
                    .col(string_len(Users::LastName, 150))
                    .col(string_len_null(Users::Phone, 16))
                    .col(string_len_null(Users::Gender, 8))
                    .col(date_null(Users::DateOfBirth))
                    .col(boolean(Users::EmailAllowed))
                    .col(boolean(Users::SmsAllowed))
                    .col(boolean_null(Users::CallAllowed))
                    .col(boolean(Users::IsActive))
                    .col(string_len(Users::UserType, 32))
                    .col(string_len_null(Users::LanguageCode, 16))
                    .col(json(Users::Attributes))
                    .col(timestamp_with_time_zone(Users::DateJoined))
                    .col(timestamp_with_time_zone_null(Users::LastLogin))
                    .col(timestamp_with_time_zone(Users::ModifiedDate))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
