//! Orders as the shop's order system sends them, the customer's cancellation and return requests,
//! the reasons offered for them, and the history of every change.
//!
//! Decisions:
//! - Orders and items keep the ids the shop's order system gave them (`id` of the Order and
//!   OrderItem objects): the customer's URLs and cancellation bodies name them, and a replaced
//!   order keeps its items' ids, so requests stay attached.
//! - `snapshot` is the order (or item) object as the shop sent it, without what this server
//!   computes (flags, requests, labels): everything the storefront renders and we never query
//!   (addresses, payment option, product) is returned from it as given. What we query or change
//!   ourselves has a column: owner, e-mail, number, status, dates, tracking.
//! - Amounts stay in the snapshot as the exact decimal strings the shop wrote; no float column.
//! - `user_id` is the account the order belongs to; `null` for a guest order, which is matched
//!   by `user_email` (lower-cased) and attached to the account once that e-mail is verified.
//!   Deleting an account keeps its orders (`SET NULL`): they are the shop's records.
//! - A cancellation request belongs to one item; `status` is `waiting`, `approved`, `rejected`
//!   or `completed`. "One open request per item" is checked inside the transaction that locks
//!   the order, which both backends serialise.
//! - `order_events` records who changed what: `actor` is `customer`, `guest` or `back_office`.
//! - Reasons are seeded with a small default set in both languages; `subjects` maps a language
//!   code to the text.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Number,
    UserId,
    UserEmail,
    Status,
    CreatedAt,
    ModifiedAt,
    Snapshot,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    Position,
    Status,
    Quantity,
    TrackingNumber,
    TrackingUrl,
    ShippedAt,
    DeliveredAt,
    ModifiedAt,
    Snapshot,
}

#[derive(DeriveIden)]
enum CancellationReasons {
    Table,
    Id,
    Uuid,
    CancellationType,
    Subjects,
    ExtraInformationNeeded,
    IsActive,
    Position,
    CreatedAt,
    ModifiedAt,
}

#[derive(DeriveIden)]
enum CancellationRequests {
    Table,
    Id,
    OrderItemId,
    CancellationType,
    Status,
    ReasonId,
    Description,
    Quantity,
    Iban,
    HolderName,
    ShippingCompany,
    CreatedAt,
    ModifiedAt,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    OrderItemId,
    Actor,
    Change,
    CreatedAt,
}

/// The default reasons: id, type, English, Turkish, whether a description is expected.
const DEFAULT_REASONS: [(i64, &str, &str, &str, bool); 6] = [
    (1, "cancel", "I changed my mind", "Vazgeçtim", false),
    (
        2,
        "cancel",
        "I ordered by mistake",
        "Yanlışlıkla sipariş verdim",
        false,
    ),
    (3, "refund", "The size does not fit", "Beden uymadı", false),
    (
        4,
        "refund",
        "The product is damaged or faulty",
        "Ürün hasarlı veya kusurlu",
        true,
    ),
    (
        5,
        "refund",
        "The product is not as described",
        "Ürün açıklamadaki gibi değil",
        false,
    ),
    (6, "cancel", "Other", "Diğer", true),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(big_integer(Orders::Id).primary_key())
                    .col(string_len_uniq(Orders::Number, 16))
                    .col(big_integer_null(Orders::UserId))
                    .col(string_len(Orders::UserEmail, 254))
                    .col(string_len(Orders::Status, 8))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::ModifiedAt))
                    .col(json(Orders::Snapshot))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The customer's list, newest first.
        manager
            .create_index(
                Index::create()
                    .name("orders_user_created")
                    .table(Orders::Table)
                    .col(Orders::UserId)
                    .col(Orders::CreatedAt)
                    .col(Orders::Id)
                    .to_owned(),
            )
            .await?;
        // Guest lookups and attaching guest orders to the account of that e-mail.
        manager
            .create_index(
                Index::create()
                    .name("orders_user_email")
                    .table(Orders::Table)
                    .col(Orders::UserEmail)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(big_integer(OrderItems::Id).primary_key())
                    .col(big_integer(OrderItems::OrderId))
                    .col(integer(OrderItems::Position))
                    .col(string_len(OrderItems::Status, 8))
                    .col(integer(OrderItems::Quantity))
                    .col(text_null(OrderItems::TrackingNumber))
                    .col(text_null(OrderItems::TrackingUrl))
                    .col(timestamp_with_time_zone_null(OrderItems::ShippedAt))
                    .col(timestamp_with_time_zone_null(OrderItems::DeliveredAt))
                    .col(timestamp_with_time_zone(OrderItems::ModifiedAt))
                    .col(json(OrderItems::Snapshot))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderItems::Table, OrderItems::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_items_order")
                    .table(OrderItems::Table)
                    .col(OrderItems::OrderId)
                    .col(OrderItems::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CancellationReasons::Table)
                    .col(big_integer(CancellationReasons::Id).primary_key())
                    .col(string_len(CancellationReasons::Uuid, 36))
                    .col(string_len(CancellationReasons::CancellationType, 8))
                    .col(json(CancellationReasons::Subjects))
                    .col(boolean(CancellationReasons::ExtraInformationNeeded))
                    .col(boolean(CancellationReasons::IsActive))
                    .col(integer(CancellationReasons::Position))
                    .col(timestamp_with_time_zone(CancellationReasons::CreatedAt))
                    .col(timestamp_with_time_zone(CancellationReasons::ModifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CancellationRequests::Table)
                    .col(big_pk_auto(CancellationRequests::Id))
                    .col(big_integer(CancellationRequests::OrderItemId))
                    .col(string_len(CancellationRequests::CancellationType, 8))
                    .col(string_len(CancellationRequests::Status, 16))
                    .col(big_integer(CancellationRequests::ReasonId))
                    .col(text(CancellationRequests::Description))
                    .col(integer(CancellationRequests::Quantity))
                    .col(text_null(CancellationRequests::Iban))
                    .col(text_null(CancellationRequests::HolderName))
                    .col(big_integer_null(CancellationRequests::ShippingCompany))
                    .col(timestamp_with_time_zone(CancellationRequests::CreatedAt))
                    .col(timestamp_with_time_zone(CancellationRequests::ModifiedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CancellationRequests::Table,
                                CancellationRequests::OrderItemId,
                            )
                            .to(OrderItems::Table, OrderItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CancellationRequests::Table, CancellationRequests::ReasonId)
                            .to(CancellationReasons::Table, CancellationReasons::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cancellation_requests_item")
                    .table(CancellationRequests::Table)
                    .col(CancellationRequests::OrderItemId)
                    .to_owned(),
            )
            .await?;
        // The back office's queue: requests by status.
        manager
            .create_index(
                Index::create()
                    .name("cancellation_requests_status")
                    .table(CancellationRequests::Table)
                    .col(CancellationRequests::Status)
                    .col(CancellationRequests::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderEvents::Table)
                    .col(big_pk_auto(OrderEvents::Id))
                    .col(big_integer(OrderEvents::OrderId))
                    .col(big_integer_null(OrderEvents::OrderItemId))
                    .col(string_len(OrderEvents::Actor, 16))
                    .col(text(OrderEvents::Change))
                    .col(timestamp_with_time_zone(OrderEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderEvents::Table, OrderEvents::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_events_order")
                    .table(OrderEvents::Table)
                    .col(OrderEvents::OrderId)
                    .col(OrderEvents::Id)
                    .to_owned(),
            )
            .await?;
        seed_reasons(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderEvents::Table.into_iden(),
            CancellationRequests::Table.into_iden(),
            CancellationReasons::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Writes [`DEFAULT_REASONS`], dated at the migration.
async fn seed_reasons(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let mut insert = Query::insert();
    insert.into_table(CancellationReasons::Table).columns([
        CancellationReasons::Id,
        CancellationReasons::Uuid,
        CancellationReasons::CancellationType,
        CancellationReasons::Subjects,
        CancellationReasons::ExtraInformationNeeded,
        CancellationReasons::IsActive,
        CancellationReasons::Position,
        CancellationReasons::CreatedAt,
        CancellationReasons::ModifiedAt,
    ]);
    for (id, kind, english, turkish, extra) in DEFAULT_REASONS {
        insert.values_panic([
            id.into(),
            format!("00000000-0000-4000-8000-{id:012}").into(),
            kind.into(),
            serde_json::json!({"en": english, "tr": turkish}).into(),
            extra.into(),
            true.into(),
            <i32 as TryFrom<i64>>::try_from(id)
                .unwrap_or(i32::MAX)
                .into(),
            now.into(),
            now.into(),
        ]);
    }
    manager.exec_stmt(insert).await
}
