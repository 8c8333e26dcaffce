//! Social login (issue 23): the links between an account and an outside provider's subject.
//!
//! - `social_accounts`: one row per link. `(provider, subject)` is unique: a provider's account
//!   opens at most one of ours. `subject` is the provider's stable id of the person (the ID
//!   token's `sub`, Facebook's `id`), never the e-mail, which can change at the provider;
//!   `email` is the address the provider last reported, shown in the list of links. Nothing
//!   secret is kept: no provider tokens. Rows go with their user (`ON DELETE CASCADE`).
//! - `users.is_social_networks_connected`: whether the account has a link, kept with the links
//!   in their transactions, so `GET /current_user/` (the hottest authenticated read, answered
//!   from the cached row) needs no second query. Existing rows have no links: `false`, the same
//!   default on both backends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    IsSocialNetworksConnected,
}

#[derive(DeriveIden)]
enum SocialAccounts {
    Table,
    Id,
    UserId,
    Provider,
    Subject,
    Email,
    LinkedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::IsSocialNetworksConnected).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SocialAccounts::Table)
                    .col(big_pk_auto(SocialAccounts::Id))
                    .col(big_integer(SocialAccounts::UserId))
                    .col(string_len(SocialAccounts::Provider, 64))
                    .col(string_len(SocialAccounts::Subject, 255))
                    .col(string_len(SocialAccounts::Email, 254))
                    .col(timestamp_with_time_zone(SocialAccounts::LinkedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("social_accounts_user_id")
                            .from(SocialAccounts::Table, SocialAccounts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("social_accounts_provider_subject")
                    .table(SocialAccounts::Table)
                    .col(SocialAccounts::Provider)
                    .col(SocialAccounts::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("social_accounts_user_id")
                    .table(SocialAccounts::Table)
                    .col(SocialAccounts::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SocialAccounts::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::IsSocialNetworksConnected)
                    .to_owned(),
            )
            .await
    }
}
