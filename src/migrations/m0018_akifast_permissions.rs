//! Akifast's marketing consents (cards.md §6): given by a guest in Akinon's hosted checkout
//! before any account exists, kept until the order of their basket arrives.
//!
//! Decisions:
//! - One row per `uid` (the Akifast guest, a UUID) and `basket`: a repeated call replaces it.
//! - Each consent is nullable: `null` is "not said", which changes nothing when applied.
//! - `email_lower` is set when a guest order names the basket: the consents then wait for the
//!   account registered with that address.
//! - `expires_at` = the write's time + `AKIFAST_PERMISSIONS_TTL`; expired rows are ignored and
//!   deleted by the next write.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AkifastPermissions {
    Table,
    Id,
    Uid,
    Basket,
    EmailAllowed,
    SmsAllowed,
    CallAllowed,
    WhatsappAllowed,
    EmailLower,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AkifastPermissions::Table)
                    .col(big_pk_auto(AkifastPermissions::Id))
                    .col(string_len(AkifastPermissions::Uid, 36))
                    .col(big_integer(AkifastPermissions::Basket))
                    .col(boolean_null(AkifastPermissions::EmailAllowed))
                    .col(boolean_null(AkifastPermissions::SmsAllowed))
                    .col(boolean_null(AkifastPermissions::CallAllowed))
                    .col(boolean_null(AkifastPermissions::WhatsappAllowed))
                    .col(string_len_null(AkifastPermissions::EmailLower, 254))
                    .col(timestamp_with_time_zone(AkifastPermissions::CreatedAt))
                    .col(timestamp_with_time_zone(AkifastPermissions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("akifast_permissions_uid_basket")
                    .table(AkifastPermissions::Table)
                    .col(AkifastPermissions::Uid)
                    .col(AkifastPermissions::Basket)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("akifast_permissions_basket")
                    .table(AkifastPermissions::Table)
                    .col(AkifastPermissions::Basket)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("akifast_permissions_email")
                    .table(AkifastPermissions::Table)
                    .col(AkifastPermissions::EmailLower)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("akifast_permissions_expires_at")
                    .table(AkifastPermissions::Table)
                    .col(AkifastPermissions::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AkifastPermissions::Table).to_owned())
            .await
    }
}
