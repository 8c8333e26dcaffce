//! Every database read and write of saved cards.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{
    entity::{self, Column, Entity},
    types::{LastFour, NewCard, SavedCard},
};
use crate::http::pagination::Window;

impl From<entity::Model> for SavedCard {
    fn from(row: entity::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            last_four: LastFour::trusted(row.last_four),
            sealed_token: row.token_sealed,
            pos: row.pos,
            created_date: row.created_date,
            modified_date: row.modified_date,
        }
    }
}

/// How many cards the customer has.
pub async fn count_cards(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .count(db)
        .await
}

/// One window of the customer's cards, newest first.
pub async fn list_cards(
    db: &impl ConnectionTrait,
    user_id: i64,
    window: Window,
) -> Result<Vec<SavedCard>, DbErr> {
    let rows = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::Id)
        // SQLite allows no OFFSET without a LIMIT; the whole list (no limit) starts at 0.
        .offset((window.offset > 0).then_some(window.offset))
        .limit(window.limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(SavedCard::from).collect())
}

/// The customer's card with this id; another customer's is `None`, like an unknown id.
pub async fn find_card(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<Option<SavedCard>, DbErr> {
    Ok(Entity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(SavedCard::from))
}

/// The card whose token hashes to `token_hash`, whoever owns it.
pub async fn find_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<SavedCard>, DbErr> {
    Ok(Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(SavedCard::from))
}

/// Saves a new card.
pub async fn insert_card(
    db: &impl ConnectionTrait,
    user_id: i64,
    card: &NewCard,
    token_hash: String,
    sealed_token: String,
    now: DateTime<Utc>,
) -> Result<SavedCard, DbErr> {
    let row = entity::ActiveModel {
        user_id: Set(user_id),
        name: Set(card.name.clone()),
        last_four: Set(card.last_four.as_str().to_owned()),
        token_hash: Set(token_hash),
        token_sealed: Set(sealed_token),
        pos: Set(card.pos),
        created_date: Set(now),
        modified_date: Set(now),
        ..Default::default()
    };
    Ok(row.insert(db).await?.into())
}

/// Replaces what the payment side says of a saved card.
pub async fn update_card(
    db: &impl ConnectionTrait,
    id: i64,
    card: &NewCard,
    now: DateTime<Utc>,
) -> Result<SavedCard, DbErr> {
    let row = entity::ActiveModel {
        id: Set(id),
        name: Set(card.name.clone()),
        last_four: Set(card.last_four.as_str().to_owned()),
        pos: Set(card.pos),
        modified_date: Set(now),
        ..Default::default()
    };
    Ok(row.update(db).await?.into())
}

/// Renames one of the customer's cards; `None` when it has no such card.
pub async fn rename_card(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
    name: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<SavedCard>, DbErr> {
    let rows = Entity::update_many()
        .set(entity::ActiveModel {
            name: Set(name),
            modified_date: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(Column::UserId.eq(user_id))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next().map(SavedCard::from))
}

/// Deletes the card `id`.
pub async fn delete_card(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    Entity::delete_by_id(id).exec(db).await.map(|_| ())
}

/// Deletes every card of the customer; their sealed tokens.
pub async fn take_customer_cards(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<String>, DbErr> {
    let sealed: Vec<String> = Entity::find()
        .select_only()
        .column(Column::TokenSealed)
        .filter(Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(sealed)
}
