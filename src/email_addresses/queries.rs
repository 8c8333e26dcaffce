//! Every database read and write of the area: confirmation keys and pending e-mail changes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};

use super::{
    entity::{change, confirmation},
    types::{Confirmation, PendingChange},
};
use crate::accounts::Email;

/// Stores the hash of a confirmation key mailed to `email_lower` of user `user_id`, valid until
/// `expires_at`. The user's expired keys go at the same time, so the table holds only live ones.
pub async fn insert_confirmation(
    db: &impl ConnectionTrait,
    user_id: i64,
    email_lower: String,
    key_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    confirmation::Entity::delete_many()
        .filter(confirmation::Column::UserId.eq(user_id))
        .filter(confirmation::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let row = confirmation::ActiveModel {
        user_id: Set(user_id),
        email_lower: Set(email_lower),
        key_hash: Set(key_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    };
    confirmation::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The live confirmation key whose hash is `key_hash`.
pub async fn find_confirmation(
    db: &impl ConnectionTrait,
    key_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Confirmation>, DbErr> {
    let row = confirmation::Entity::find()
        .filter(confirmation::Column::KeyHash.eq(key_hash))
        .filter(confirmation::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    Ok(row.map(|row| Confirmation {
        user_id: row.user_id,
        email_lower: row.email_lower,
    }))
}

/// Records a change of user `user_id` to `new_email`, replacing the user's earlier one (and so
/// voiding its token).
pub async fn replace_change(
    db: &impl ConnectionTrait,
    user_id: i64,
    new_email: &Email,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = change::ActiveModel {
        user_id: Set(user_id),
        new_email: Set(new_email.as_ref().to_owned()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        applied_at: Set(None),
    };
    change::Entity::insert(row)
        .on_conflict(
            OnConflict::column(change::Column::UserId)
                .update_columns([
                    change::Column::NewEmail,
                    change::Column::TokenHash,
                    change::Column::CreatedAt,
                    change::Column::ExpiresAt,
                    change::Column::AppliedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The live change whose token hash is `token_hash`, applied or not.
pub async fn find_change(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<PendingChange>, DbErr> {
    let row = change::Entity::find()
        .filter(change::Column::TokenHash.eq(token_hash))
        .filter(change::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    // The address was parsed before it was stored; one that no longer parses is void.
    Ok(row.and_then(|row| {
        Some(PendingChange {
            user_id: row.user_id,
            new_email: Email::parse(&row.new_email).ok()?,
            is_applied: row.applied_at.is_some(),
        })
    }))
}

/// Marks the change of `token_hash` applied at `now`, if it is still the user's pending one;
/// whether it was. On PostgreSQL the update locks the row, so a newer request replacing it
/// waits for this transaction; SQLite runs write transactions one at a time.
pub async fn mark_change_applied(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = change::Entity::update_many()
        .col_expr(
            change::Column::AppliedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(change::Column::TokenHash.eq(token_hash))
        .filter(change::Column::AppliedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes the confirmation keys of user `user_id`.
pub async fn delete_confirmations(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    confirmation::Entity::delete_many()
        .filter(confirmation::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the pending or applied e-mail change of user `user_id`.
pub async fn delete_change(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    change::Entity::delete_many()
        .filter(change::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
