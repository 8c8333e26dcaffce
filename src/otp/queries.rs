//! Every database read and write of the one-time codes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{
    entity::{self, Column, Entity},
    types::{Purpose, StoredCode},
};
use crate::accounts::PhoneNumber;

/// Keeps `code_hash` as the outstanding code of `purpose` for `phone`, replacing (so voiding)
/// an older one, with no wrong tries yet.
pub async fn replace_code(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    phone: &PhoneNumber,
    code_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        purpose: Set(purpose.as_str().to_owned()),
        phone: Set(phone.e164().to_owned()),
        code_hash: Set(code_hash),
        sent_at: Set(now),
        expires_at: Set(expires_at),
        failed_attempts: Set(0),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Purpose, Column::Phone])
                .update_columns([
                    Column::CodeHash,
                    Column::SentAt,
                    Column::ExpiresAt,
                    Column::FailedAttempts,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Deletes the codes that expired before `cutoff`.
pub async fn delete_expired_before(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(())
}

/// The outstanding code of `purpose` for `phone`, its row locked until the transaction `db`
/// ends (PostgreSQL; SQLite's writes run one at a time), so two entries at once are judged one
/// after the other.
pub async fn find_code_for_update(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    phone: &PhoneNumber,
) -> Result<Option<StoredCode>, DbErr> {
    Ok(
        Entity::find_by_id((purpose.as_str().to_owned(), phone.e164().to_owned()))
            .lock_exclusive()
            .one(db)
            .await?
            .map(|row| StoredCode {
                code_hash: row.code_hash,
                expires_at: row.expires_at,
                failed_attempts: row.failed_attempts,
            }),
    )
}

/// Counts a wrong code entered for the outstanding code of `purpose` for `phone`.
pub async fn count_failed_attempt(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    phone: &PhoneNumber,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(
            Column::FailedAttempts,
            Expr::col(Column::FailedAttempts).add(1),
        )
        .filter(Column::Purpose.eq(purpose.as_str()))
        .filter(Column::Phone.eq(phone.e164()))
        .exec(db)
        .await?;
    Ok(())
}

/// Spends the outstanding code of `purpose` for `phone`.
pub async fn delete_code(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    phone: &PhoneNumber,
) -> Result<(), DbErr> {
    Entity::delete_by_id((purpose.as_str().to_owned(), phone.e164().to_owned()))
        .exec(db)
        .await?;
    Ok(())
}
