//! Every database read and write of the address book. Deleted addresses (`deleted_at` set)
//! are invisible to all of them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};

use super::{
    entity::{self, Column},
    types::{Address, AddressDetails, CUSTOMER_ADDRESS, DefaultKind},
};
use crate::http::pagination::Window;

fn live_of(user_id: i64) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::UserId.eq(user_id))
        .add(Column::DeletedAt.is_null())
}

/// How many addresses the customer has.
pub async fn count_addresses(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(live_of(user_id))
        .count(db)
        .await
}

/// One window of the customer's addresses: the primary first, then newest first.
pub async fn list_addresses(
    db: &impl ConnectionTrait,
    user_id: i64,
    window: Window,
) -> Result<Vec<Address>, DbErr> {
    let rows = entity::Entity::find()
        .filter(live_of(user_id))
        .order_by_desc(Column::IsPrimary)
        .order_by_desc(Column::Id)
        .offset(window.offset)
        .limit(window.limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Address::from).collect())
}

/// The customer's address with this id; another customer's is `None`, like an unknown id.
pub async fn find_address(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<Option<Address>, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .filter(live_of(user_id))
        .one(db)
        .await?
        .map(Address::from))
}

/// The customer's newest address.
pub async fn find_newest_address(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<Address>, DbErr> {
    Ok(entity::Entity::find()
        .filter(live_of(user_id))
        .order_by_desc(Column::Id)
        .one(db)
        .await?
        .map(Address::from))
}

fn write_details(row: &mut entity::ActiveModel, details: &AddressDetails) {
    row.title = Set(details.title.clone());
    row.first_name = Set(details.first_name.clone());
    row.last_name = Set(details.last_name.clone());
    row.email = Set(details.email.clone());
    row.phone_number = Set(details.phone_number.clone());
    row.country_id = Set(details.country_id);
    row.city_id = Set(details.city_id);
    row.township_id = Set(details.township_id);
    row.district_id = Set(details.district_id);
    row.line = Set(details.line.clone());
    row.postcode = Set(details.postcode.clone());
    row.notes = Set(details.notes.clone());
    row.is_corporate = Set(details.is_corporate);
    row.company_name = Set(details.company_name.clone());
    row.tax_office = Set(details.tax_office.clone());
    row.tax_no = Set(details.tax_no.clone());
    row.e_bill_taxpayer = Set(details.e_bill_taxpayer);
    row.identity_number = Set(details.identity_number.clone());
    row.latitude = Set(details.latitude.clone());
    row.longitude = Set(details.longitude.clone());
    row.hash_data = Set(details.hash_data());
}

/// Adds an address to the customer's book.
pub async fn insert_address(
    db: &impl ConnectionTrait,
    user_id: i64,
    details: &AddressDetails,
    is_default_shipping: bool,
    is_default_billing: bool,
    now: DateTime<Utc>,
) -> Result<Address, DbErr> {
    let mut row = entity::ActiveModel {
        user_id: Set(user_id),
        is_primary: Set(is_default_shipping),
        is_default_billing: Set(is_default_billing),
        address_type: Set(CUSTOMER_ADDRESS.to_owned()),
        retail_store_id: Set(None),
        remote_id: Set(None),
        extra_field: Set(None),
        created_date: Set(now),
        modified_date: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    };
    write_details(&mut row, details);
    Ok(row.insert(db).await?.into())
}

/// Replaces what the customer controls of an address.
pub async fn update_address(
    db: &impl ConnectionTrait,
    id: i64,
    details: &AddressDetails,
    now: DateTime<Utc>,
) -> Result<Address, DbErr> {
    let mut row = entity::ActiveModel {
        id: Set(id),
        modified_date: Set(now),
        ..Default::default()
    };
    write_details(&mut row, details);
    Ok(row.update(db).await?.into())
}

/// The column holding the default flag of `kind`.
fn default_column(kind: DefaultKind) -> Column {
    match kind {
        DefaultKind::Shipping => Column::IsPrimary,
        DefaultKind::Billing => Column::IsDefaultBilling,
    }
}

/// Sets or clears one default flag of one address.
pub async fn set_default(
    db: &impl ConnectionTrait,
    id: i64,
    kind: DefaultKind,
    is_default: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(default_column(kind), Expr::value(is_default))
        .col_expr(Column::ModifiedDate, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Clears the default flag of `kind` on every address of the customer except `keep`.
pub async fn clear_other_defaults(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: i64,
    kind: DefaultKind,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(default_column(kind), Expr::value(false))
        .col_expr(Column::ModifiedDate, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(default_column(kind).eq(true))
        .filter(Column::Id.ne(keep))
        .exec(db)
        .await
        .map(|_| ())
}

/// Deletes an address for the customer (the row stays for whatever refers to it).
pub async fn mark_deleted(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    entity::ActiveModel {
        id: Set(id),
        is_primary: Set(false),
        is_default_billing: Set(false),
        modified_date: Set(now),
        deleted_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

/// Deletes every address of the customer, removed ones included, for good (anonymisation): a
/// kept row would keep the personal data the erasure must remove. Whatever must outlive it
/// (orders) keeps its own copy of the address, anonymised separately.
pub async fn delete_customer_addresses(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<u64, DbErr> {
    let result = entity::Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Every address of the customer, removed ones included, each with when it was added and
/// removed; oldest first (the data export).
pub async fn list_every_address(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<(Address, DateTime<Utc>, Option<DateTime<Utc>>)>, DbErr> {
    let rows = entity::Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (created, deleted) = (row.created_date, row.deleted_at);
            (Address::from(row), created, deleted)
        })
        .collect())
}
