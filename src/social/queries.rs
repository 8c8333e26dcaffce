//! Every database read and write of the social login area.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::{entity, types::SocialAccount};

/// The link of `provider`'s `subject`, if any.
pub async fn find_link(
    db: &impl ConnectionTrait,
    provider: &str,
    subject: &str,
) -> Result<Option<SocialAccount>, sea_orm::DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Provider.eq(provider))
        .filter(entity::Column::Subject.eq(subject))
        .one(db)
        .await?
        .map(SocialAccount::from))
}

/// Links `provider`'s `subject` to the account `user_id`; a subject linked meanwhile is a
/// unique-constraint violation.
pub async fn insert_link(
    db: &impl ConnectionTrait,
    user_id: i64,
    provider: &str,
    subject: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<SocialAccount, sea_orm::DbErr> {
    let row = entity::ActiveModel {
        user_id: Set(user_id),
        provider: Set(provider.to_owned()),
        subject: Set(subject.to_owned()),
        email: Set(email.to_owned()),
        linked_at: Set(now),
        ..Default::default()
    };
    row.insert(db).await.map(SocialAccount::from)
}

/// Keeps the address the provider reported last.
pub async fn set_link_email(
    db: &impl ConnectionTrait,
    id: i64,
    email: &str,
) -> Result<(), sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        email: Set(email.to_owned()),
        ..Default::default()
    };
    entity::Entity::update_many()
        .set(changes)
        .filter(entity::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// The account's links, oldest first.
pub async fn list_links(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<SocialAccount>, sea_orm::DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(SocialAccount::from)
        .collect())
}

/// Removes one link.
pub async fn delete_link(db: &impl ConnectionTrait, id: i64) -> Result<(), sea_orm::DbErr> {
    entity::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}

/// Removes every link of the account (anonymisation).
pub async fn delete_customer_links(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<(), sea_orm::DbErr> {
    entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .map(|_| ())
}
