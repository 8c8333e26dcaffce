//! Every database read and write of loyalty money.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Alias, Expr, ExprTrait, Func},
};

use super::{
    entity::{self, Column, Entity},
    types::{Amount, LoyaltyTransaction},
};
use crate::http::pagination::Window;

impl From<entity::Model> for LoyaltyTransaction {
    fn from(row: entity::Model) -> Self {
        Self {
            external_id: row.external_id,
            amount: Amount::from_stored(row.amount_e4),
            currency: row.currency,
            order_number: row.order_number,
            created_date: row.created_date,
        }
    }
}

/// The sum of the customer's transactions in `currency` (zero for none), added up by the
/// database. PostgreSQL's `SUM` of a `bigint` is a `numeric`: cast back so both backends
/// answer an integer.
pub async fn balance(
    db: &impl ConnectionTrait,
    user_id: i64,
    currency: &str,
) -> Result<Amount, DbErr> {
    let sum: Option<Option<i64>> = Entity::find()
        .select_only()
        .expr(Func::sum(Expr::col(Column::AmountE4)).cast_as(Alias::new("BIGINT")))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Currency.eq(currency))
        .into_tuple()
        .one(db)
        .await?;
    Ok(Amount::from_stored(sum.flatten().unwrap_or_default()))
}

/// How many transactions the customer has.
pub async fn count_transactions(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .count(db)
        .await
}

/// One window of the customer's transactions, newest first.
pub async fn list_transactions(
    db: &impl ConnectionTrait,
    user_id: i64,
    window: Window,
) -> Result<Vec<LoyaltyTransaction>, DbErr> {
    let rows = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::CreatedDate)
        .order_by_desc(Column::Id)
        // SQLite allows no OFFSET without a LIMIT; the whole list (no limit) starts at 0.
        .offset((window.offset > 0).then_some(window.offset))
        .limit(window.limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(LoyaltyTransaction::from).collect())
}

/// The transaction with the caller's id `external_id`, and whose it is.
pub async fn find_by_external_id(
    db: &impl ConnectionTrait,
    external_id: &str,
) -> Result<Option<(i64, LoyaltyTransaction)>, DbErr> {
    Ok(Entity::find()
        .filter(Column::ExternalId.eq(external_id))
        .one(db)
        .await?
        .map(|row| (row.user_id, LoyaltyTransaction::from(row))))
}

/// Records a transaction of the customer; `amount_e4` is its stored amount.
pub async fn insert_transaction(
    db: &impl ConnectionTrait,
    user_id: i64,
    transaction: &LoyaltyTransaction,
    amount_e4: i64,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        user_id: Set(user_id),
        external_id: Set(transaction.external_id.clone()),
        amount_e4: Set(amount_e4),
        currency: Set(transaction.currency.clone()),
        order_number: Set(transaction.order_number.clone()),
        created_date: Set(transaction.created_date),
        ..Default::default()
    };
    Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}
