//! Every database read and write of the security log.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{entity, types::SecurityEventKind};
use crate::http::{Requester, pagination::Window};

/// Adds an event to the customer's log.
pub async fn insert_event(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: SecurityEventKind,
    requester: &Requester,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        kind: Set(kind),
        ip: Set(requester.ip.map(|ip| ip.to_string())),
        user_agent: Set(requester.user_agent.clone()),
        occurred_at: Set(now),
    };
    entity::Entity::insert(row).exec(db).await.map(|_| ())
}

/// How many events the customer's log holds.
pub async fn count_events(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .count(db)
        .await
}

/// The customer's log, newest first: one window of it, or all of it (`None`).
pub async fn list_events(
    db: &impl ConnectionTrait,
    user_id: i64,
    window: Option<Window>,
) -> Result<Vec<entity::Model>, DbErr> {
    let mut query = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .order_by_desc(entity::Column::Id);
    // Never an OFFSET alone: SQLite takes none without a LIMIT.
    if let Some(window) = window {
        query = query.offset(window.offset).limit(window.limit);
    }
    query.all(db).await
}

/// Deletes the customer's whole log.
pub async fn delete_events(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .map(|_| ())
}
