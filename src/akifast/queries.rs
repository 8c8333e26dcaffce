//! Every database read and write of Akifast's consents. Expired rows are never answered, and
//! each new consent deletes them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, OnConflict},
};

use super::{
    entity::{self, Column, Entity},
    types::{NewPermissions, Permissions},
};

fn permissions_of(row: &entity::Model) -> Permissions {
    Permissions {
        email_allowed: row.email_allowed,
        sms_allowed: row.sms_allowed,
        call_allowed: row.call_allowed,
        whatsapp_allowed: row.whatsapp_allowed,
    }
}

/// Keeps `new` until `expires_at`, replacing what the same guest said of the same basket; rows
/// expired at `now` are deleted first.
pub async fn keep(
    db: &impl ConnectionTrait,
    new: &NewPermissions,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let row = entity::ActiveModel {
        uid: Set(new.uid.clone()),
        basket: Set(new.basket),
        email_allowed: Set(new.permissions.email_allowed),
        sms_allowed: Set(new.permissions.sms_allowed),
        call_allowed: Set(new.permissions.call_allowed),
        whatsapp_allowed: Set(new.permissions.whatsapp_allowed),
        email_lower: Set(None),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Uid, Column::Basket])
                .update_columns([
                    Column::EmailAllowed,
                    Column::SmsAllowed,
                    Column::CallAllowed,
                    Column::WhatsappAllowed,
                    Column::EmailLower,
                    Column::CreatedAt,
                    Column::ExpiresAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Deletes the live consents given for `basket` and answers them, the latest first.
pub async fn take_for_basket(
    db: &impl ConnectionTrait,
    basket: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Permissions>, DbErr> {
    let rows = Entity::find()
        .filter(Column::Basket.eq(basket))
        .filter(Column::ExpiresAt.gt(now))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(db)
        .await?;
    delete(db, &rows).await?;
    Ok(rows.iter().map(permissions_of).collect())
}

/// Makes the live consents given for `basket` wait, until `expires_at`, for the account
/// registered with `email_lower`.
pub async fn hold_for_email(
    db: &impl ConnectionTrait,
    basket: i64,
    email_lower: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::EmailLower, Expr::value(email_lower))
        .col_expr(Column::ExpiresAt, Expr::value(expires_at))
        .filter(Column::Basket.eq(basket))
        .filter(Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the live consents waiting for an account of `email_lower` and answers them, the
/// latest first.
pub async fn take_for_email(
    db: &impl ConnectionTrait,
    email_lower: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Permissions>, DbErr> {
    let rows = Entity::find()
        .filter(Column::EmailLower.eq(email_lower))
        .filter(Column::ExpiresAt.gt(now))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(db)
        .await?;
    delete(db, &rows).await?;
    Ok(rows.iter().map(permissions_of).collect())
}

async fn delete(db: &impl ConnectionTrait, rows: &[entity::Model]) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::Id.is_in(rows.iter().map(|row| row.id)))
        .exec(db)
        .await?;
    Ok(())
}
