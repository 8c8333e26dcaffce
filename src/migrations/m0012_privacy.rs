//! Privacy: the WhatsApp consent, the history of every consent change, and a row per login.
//!
//! - `users.whatsapp_allowed` is nullable like `call_allowed`: `null` means "never asked", which
//!   is not the same as a refusal. No default: existing rows read `null`.
//! - `consent_changes` is the audit trail a shop shows to prove a consent: one row per change of
//!   one consent (`email_allowed`, `sms_allowed`, `call_allowed`, `whatsapp_allowed`, `confirm`,
//!   `kvkk_confirm`), the value it took, where it was given (`registration`, `profile`,
//!   `akifast`, `anonymize`) and when (UTC, written by the application). Rows are only ever
//!   added; an anonymised account keeps its trail (it names nobody any more), and the rows go
//!   with the account row if that is ever deleted.
//! - `user_logins` lists a customer's sessions, which the session stores cannot (they know a
//!   session only by the hash of its key). `session_id` is that hash, never the key, and never
//!   shown; `id` is the handle the API shows. Rows are removed at logout and at anonymisation,
//!   and when found dead (the session expired or no longer logs the customer in).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    WhatsappAllowed,
}

#[derive(DeriveIden)]
enum ConsentChanges {
    Table,
    Id,
    UserId,
    Consent,
    Value,
    Source,
    ChangedAt,
}

#[derive(DeriveIden)]
enum UserLogins {
    Table,
    Id,
    UserId,
    SessionId,
    UserAgent,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean_null(Users::WhatsappAllowed))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsentChanges::Table)
                    .col(big_pk_auto(ConsentChanges::Id))
                    .col(big_integer(ConsentChanges::UserId))
                    .col(string_len(ConsentChanges::Consent, 32))
                    .col(boolean(ConsentChanges::Value))
                    .col(string_len(ConsentChanges::Source, 16))
                    .col(timestamp_with_time_zone(ConsentChanges::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentChanges::Table, ConsentChanges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A customer's history, in the order it was written.
        manager
            .create_index(
                Index::create()
                    .name("consent_changes_user")
                    .table(ConsentChanges::Table)
                    .col(ConsentChanges::UserId)
                    .col(ConsentChanges::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserLogins::Table)
                    .col(big_pk_auto(UserLogins::Id))
                    .col(big_integer(UserLogins::UserId))
                    // SHA-256 of the session key in hex, as the session stores keep it.
                    .col(string_len_uniq(UserLogins::SessionId, 64))
                    // Cut to 255 characters by the application.
                    .col(string_len_null(UserLogins::UserAgent, 255))
                    .col(timestamp_with_time_zone(UserLogins::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserLogins::Table, UserLogins::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_logins_user")
                    .table(UserLogins::Table)
                    .col(UserLogins::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserLogins::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ConsentChanges::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::WhatsappAllowed)
                    .to_owned(),
            )
            .await
    }
}
