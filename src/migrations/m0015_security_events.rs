//! The customer's security log, and what the list of active sessions shows of each login.
//!
//! - `security_events`: one row per event of the customer's account (a login, a failed login
//!   of the account, a logout, a password or e-mail change, a session revoked, …), with when,
//!   from which IP (when known) and user agent. `kind` is a short snake_case name written by the
//!   application; rows are only ever added, and go with their user (`ON DELETE CASCADE`) or at
//!   anonymisation. Failures against unknown e-mails are never stored here: they name no
//!   customer, and the log is the customer's to read.
//! - `user_logins.ip`: the client's IP at login (text, up to IPv6's 45 characters), `NULL` when
//!   unknown (a trusted proxy that forwarded none).
//! - `user_logins.last_seen_at`: when the session was last used, to the minute; `NULL` until it
//!   is used after its login (rows from before this migration too), which reads as its login.
//!
//! Timestamps are written by the application in UTC; nothing has a database-side default. One
//! `ALTER TABLE` per column: SQLite adds one column per statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserLogins {
    Table,
    Ip,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum SecurityEvents {
    Table,
    Id,
    UserId,
    Kind,
    Ip,
    UserAgent,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserLogins::Table)
                    .add_column(string_len_null(UserLogins::Ip, 45))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserLogins::Table)
                    .add_column(timestamp_with_time_zone_null(UserLogins::LastSeenAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SecurityEvents::Table)
                    .col(big_pk_auto(SecurityEvents::Id))
                    .col(big_integer(SecurityEvents::UserId))
                    .col(string_len(SecurityEvents::Kind, 32))
                    .col(string_len_null(SecurityEvents::Ip, 45))
                    // Cut to 255 characters by the application.
                    .col(string_len_null(SecurityEvents::UserAgent, 255))
                    .col(timestamp_with_time_zone(SecurityEvents::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SecurityEvents::Table, SecurityEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A customer's log, newest first.
        manager
            .create_index(
                Index::create()
                    .name("security_events_user")
                    .table(SecurityEvents::Table)
                    .col(SecurityEvents::UserId)
                    .col(SecurityEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SecurityEvents::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserLogins::Table)
                    .drop_column(UserLogins::LastSeenAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserLogins::Table)
                    .drop_column(UserLogins::Ip)
                    .to_owned(),
            )
            .await
    }
}
