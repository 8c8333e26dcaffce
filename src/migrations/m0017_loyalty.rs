//! Loyalty money: the customer's transactions, as the order side reports them (account.md §8).
//!
//! Decisions:
//! - The balance is the sum of the transactions, computed when asked: no stored balance that
//!   could drift from them.
//! - `amount_e4` is the amount in ten-thousandths of the currency's unit, an integer: exact on
//!   both backends and summed by the database. Four decimals hold every ISO 4217 currency.
//! - `currency` is the lower-case ISO 4217 code the client uses (`try`).
//! - `external_id` is the caller's id of the transaction, unique: a repeated call cannot add a
//!   transaction twice.
//! - `created_date` is the caller's time of the transaction; rows go with their customer.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoyaltyTransactions {
    Table,
    Id,
    UserId,
    ExternalId,
    AmountE4,
    Currency,
    OrderNumber,
    CreatedDate,
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
                    .table(LoyaltyTransactions::Table)
                    .col(big_pk_auto(LoyaltyTransactions::Id))
                    .col(big_integer(LoyaltyTransactions::UserId))
                    .col(string_len_uniq(LoyaltyTransactions::ExternalId, 128))
                    .col(big_integer(LoyaltyTransactions::AmountE4))
                    .col(string_len(LoyaltyTransactions::Currency, 3))
                    .col(string_len_null(LoyaltyTransactions::OrderNumber, 64))
                    .col(timestamp_with_time_zone(LoyaltyTransactions::CreatedDate))
                    .foreign_key(
                        ForeignKey::create()
                            .name("loyalty_transactions_user_id")
                            .from(LoyaltyTransactions::Table, LoyaltyTransactions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The balance sums one customer's rows of one currency; the list reads them newest first.
        manager
            .create_index(
                Index::create()
                    .name("loyalty_transactions_user")
                    .table(LoyaltyTransactions::Table)
                    .col(LoyaltyTransactions::UserId)
                    .col(LoyaltyTransactions::Currency)
                    .col(LoyaltyTransactions::AmountE4)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoyaltyTransactions::Table).to_owned())
            .await
    }
}
