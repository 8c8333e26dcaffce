//! Every database read and write of the password reset area.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict};

use super::{
    entity::{self, Column, Entity},
    types::{ResetToken, StoredToken},
};

/// Keeps `token` as the customer's one reset token, replacing (so voiding) any older one.
pub async fn replace_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    token: &ResetToken,
    account_fingerprint: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token.hash()),
        account_fingerprint: Set(account_fingerprint),
        issued_at: Set(now),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::UserId)
                .update_columns([
                    Column::TokenHash,
                    Column::AccountFingerprint,
                    Column::IssuedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The customer's reset token, if one is outstanding.
pub async fn find_token(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<StoredToken>, DbErr> {
    Ok(Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|row| StoredToken {
            token_hash: row.token_hash,
            account_fingerprint: row.account_fingerprint,
            issued_at: row.issued_at,
        }))
}

/// Spends the customer's reset token.
pub async fn delete_token(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    Entity::delete_by_id(user_id).exec(db).await?;
    Ok(())
}
