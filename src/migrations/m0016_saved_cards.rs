//! Saved cards: what a customer kept of a card payment, which is only the payment gateway's
//! token and the last four digits (cards.md §2). Never a card number, an expiry or a CVV.
//!
//! Decisions:
//! - `token_sealed` is the token encrypted with AES-256-GCM under `CARD_TOKEN_KEY` (base64 of
//!   nonce and ciphertext): a copy of the database holds no usable token.
//! - `token_hash` (SHA-256 hex of the token, unique) finds a card by its token, which the
//!   encryption's random nonce cannot: the internal API's `PUT` and `DELETE` name the token.
//!   A gateway token is a long random value, so its hash tells nothing.
//! - `last_four` is the only part of the number kept: four digits.
//! - Rows go with their customer (`ON DELETE CASCADE`); timestamps are written by the
//!   application in UTC.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SavedCards {
    Table,
    Id,
    UserId,
    Name,
    LastFour,
    TokenHash,
    TokenSealed,
    Pos,
    CreatedDate,
    ModifiedDate,
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
                    .table(SavedCards::Table)
                    .col(big_pk_auto(SavedCards::Id))
                    .col(big_integer(SavedCards::UserId))
                    .col(string_len_null(SavedCards::Name, 64))
                    .col(string_len(SavedCards::LastFour, 4))
                    .col(string_len_uniq(SavedCards::TokenHash, 64))
                    .col(text(SavedCards::TokenSealed))
                    .col(big_integer_null(SavedCards::Pos))
                    .col(timestamp_with_time_zone(SavedCards::CreatedDate))
                    .col(timestamp_with_time_zone(SavedCards::ModifiedDate))
                    .foreign_key(
                        ForeignKey::create()
                            .name("saved_cards_user_id")
                            .from(SavedCards::Table, SavedCards::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A customer's cards, newest first.
        manager
            .create_index(
                Index::create()
                    .name("saved_cards_user")
                    .table(SavedCards::Table)
                    .col(SavedCards::UserId)
                    .col(SavedCards::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SavedCards::Table).to_owned())
            .await
    }
}
