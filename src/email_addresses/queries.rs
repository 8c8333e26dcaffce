//! Every database read and write of the area: confirmation keys and pending e-mail changes.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::{entity::confirmation, types::Confirmation};

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

/// Deletes the confirmation keys of user `user_id`.
pub async fn delete_confirmations(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    confirmation::Entity::delete_many()
        .filter(confirmation::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
