//! Every read and write of the orders area. Lists load a page's orders, then their items and
//! the items' requests with one `IN` query each: three queries whatever the page holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::{
    entity::{event, item, order, reason, request},
    types::{
        CancellationRequest, CancellationType, ItemRequest, NewOrder, NewOrderItem, Order,
        OrderItem, Reason, RequestStatus, Status,
    },
};
use crate::http::pagination::Window;

/// Who made a change, as `order_events` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The logged-in customer.
    Customer,
    /// A guest, with the order's number and e-mail.
    Guest,
    /// The shop, through the internal API or an import.
    BackOffice,
}

impl Actor {
    fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Guest => "guest",
            Self::BackOffice => "back_office",
        }
    }
}

/// The customer's orders created within `[from, to]` (either end open).
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderFilter {
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub to: Option<DateTime<Utc>>,
}

fn customer_orders(customer_id: i64, filter: OrderFilter) -> Select<order::Entity> {
    let mut select = order::Entity::find().filter(order::Column::UserId.eq(customer_id));
    if let Some(from) = filter.from {
        select = select.filter(order::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(order::Column::CreatedAt.lte(to));
    }
    select
}

/// How many of the customer's orders match `filter`.
pub async fn count_orders(
    db: &impl ConnectionTrait,
    customer_id: i64,
    filter: OrderFilter,
) -> Result<u64, DbErr> {
    customer_orders(customer_id, filter).count(db).await
}

/// The customer's orders matching `filter` in `window`, newest first.
pub async fn list_orders(
    db: &impl ConnectionTrait,
    customer_id: i64,
    filter: OrderFilter,
    window: Window,
) -> Result<Vec<Order>, DbErr> {
    let rows = customer_orders(customer_id, filter)
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .offset((window.offset > 0).then_some(window.offset))
        .limit(window.limit)
        .all(db)
        .await?;
    with_items(db, rows).await
}

/// The customer's order `id`.
pub async fn find_customer_order(
    db: &impl ConnectionTrait,
    customer_id: i64,
    id: i64,
) -> Result<Option<Order>, DbErr> {
    let rows = order::Entity::find_by_id(id)
        .filter(order::Column::UserId.eq(customer_id))
        .all(db)
        .await?;
    Ok(with_items(db, rows).await?.pop())
}

/// The order numbered `number`, whoever it belongs to.
pub async fn find_by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<Order>, DbErr> {
    let rows = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .all(db)
        .await?;
    Ok(with_items(db, rows).await?.pop())
}

/// `rows` with their items and requests, in the same order.
async fn with_items(
    db: &impl ConnectionTrait,
    rows: Vec<order::Model>,
) -> Result<Vec<Order>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let items = item::Entity::find()
        .filter(item::Column::OrderId.is_in(rows.iter().map(|row| row.id)))
        .order_by_asc(item::Column::OrderId)
        .order_by_asc(item::Column::Position)
        .all(db)
        .await?;
    let mut requests: HashMap<i64, Vec<CancellationRequest>> = HashMap::new();
    if !items.is_empty() {
        for row in request::Entity::find()
            .filter(request::Column::OrderItemId.is_in(items.iter().map(|item| item.id)))
            .order_by_asc(request::Column::Id)
            .all(db)
            .await?
        {
            let request = request_of(row);
            requests
                .entry(request.order_item_id)
                .or_default()
                .push(request);
        }
    }
    let mut items_by_order: HashMap<i64, Vec<OrderItem>> = HashMap::new();
    for row in items {
        let order_id = row.order_id;
        let item = OrderItem {
            id: row.id,
            status: Status::parse(&row.status).unwrap_or(Status::CANCELLATION_WAITING),
            quantity: row.quantity,
            tracking_number: row.tracking_number,
            tracking_url: row.tracking_url,
            shipped_at: row.shipped_at,
            delivered_at: row.delivered_at,
            modified_at: row.modified_at,
            snapshot: row.snapshot,
            requests: requests.remove(&row.id).unwrap_or_default(),
        };
        items_by_order.entry(order_id).or_default().push(item);
    }
    Ok(rows
        .into_iter()
        .map(|row| Order {
            items: items_by_order.remove(&row.id).unwrap_or_default(),
            id: row.id,
            number: row.number,
            user_id: row.user_id,
            status: Status::parse(&row.status).unwrap_or(Status::CANCELLATION_WAITING),
            created_at: row.created_at,
            modified_at: row.modified_at,
            snapshot: row.snapshot,
        })
        .collect())
}

fn request_of(row: request::Model) -> CancellationRequest {
    CancellationRequest {
        id: row.id,
        order_item_id: row.order_item_id,
        cancellation_type: CancellationType::parse(&row.cancellation_type)
            .unwrap_or(CancellationType::Cancel),
        status: RequestStatus::parse(&row.status).unwrap_or(RequestStatus::Waiting),
        reason_id: row.reason_id,
        description: row.description,
        quantity: row.quantity,
        iban: row.iban,
        holder_name: row.holder_name,
        shipping_company: row.shipping_company,
        created_at: row.created_at,
    }
}

/// Active reasons, by position then id.
pub async fn list_reasons(db: &impl ConnectionTrait) -> Result<Vec<Reason>, DbErr> {
    Ok(reason::Entity::find()
        .filter(reason::Column::IsActive.eq(true))
        .order_by_asc(reason::Column::Position)
        .order_by_asc(reason::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| Reason {
            id: row.id,
            uuid: row.uuid,
            cancellation_type: CancellationType::parse(&row.cancellation_type)
                .unwrap_or(CancellationType::Cancel),
            subjects: row.subjects.as_object().cloned().unwrap_or_default(),
            extra_information_needed: row.extra_information_needed,
            is_active: row.is_active,
            position: row.position,
            created_at: row.created_at,
            modified_at: row.modified_at,
        })
        .collect())
}

/// Locks order `id` for the rest of the transaction `db` and reads it; `None` when unknown.
pub async fn lock_order(db: &impl ConnectionTrait, id: i64) -> Result<Option<Order>, DbErr> {
    let rows = order::Entity::find_by_id(id)
        .lock_exclusive()
        .all(db)
        .await?;
    with_items(db, rows).await.map(|mut orders| orders.pop())
}

/// The id of the order numbered `number`, if any.
pub async fn find_id_by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<i64>, DbErr> {
    order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::Number.eq(number))
        .into_tuple::<i64>()
        .one(db)
        .await
}

/// Of `item_ids`, those that belong to an order other than `order_id`.
pub async fn items_of_other_orders(
    db: &impl ConnectionTrait,
    order_id: i64,
    item_ids: Vec<i64>,
) -> Result<Vec<i64>, DbErr> {
    item::Entity::find()
        .select_only()
        .column(item::Column::Id)
        .filter(item::Column::Id.is_in(item_ids))
        .filter(item::Column::OrderId.ne(order_id))
        .into_tuple::<i64>()
        .all(db)
        .await
}

/// Writes `new` as a new order of `user_id` (a guest order when `None`).
pub async fn insert_order(
    db: &impl ConnectionTrait,
    new: &NewOrder,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order::Entity::insert(order::ActiveModel {
        id: Set(new.id),
        number: Set(new.number.as_str().to_owned()),
        user_id: Set(user_id),
        user_email: Set(new.customer_email.clone()),
        status: Set(new.status.code()),
        created_at: Set(new.created_at),
        modified_at: Set(now),
        snapshot: Set(new.snapshot.clone()),
    })
    .exec_without_returning(db)
    .await?;
    for (position, item) in new.items.iter().enumerate() {
        insert_item(db, new.id, position, item, None, now).await?;
    }
    Ok(())
}

/// Replaces order `existing` with `new`: the row, its items (kept by id, added, removed).
pub async fn replace_order(
    db: &impl ConnectionTrait,
    existing: &Order,
    new: &NewOrder,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order::Entity::update(order::ActiveModel {
        id: Set(new.id),
        number: NotSet,
        user_id: Set(user_id),
        user_email: Set(new.customer_email.clone()),
        status: Set(new.status.code()),
        created_at: Set(new.created_at),
        modified_at: Set(now),
        snapshot: Set(new.snapshot.clone()),
    })
    .exec(db)
    .await?;
    let kept: Vec<i64> = new.items.iter().map(|item| item.id).collect();
    item::Entity::delete_many()
        .filter(item::Column::OrderId.eq(existing.id))
        .filter(item::Column::Id.is_not_in(kept))
        .exec(db)
        .await?;
    for (position, item) in new.items.iter().enumerate() {
        let before = existing.items.iter().find(|old| old.id == item.id);
        match before {
            Some(before) => update_item(db, position, item, before, now).await?,
            None => insert_item(db, new.id, position, item, None, now).await?,
        }
    }
    Ok(())
}

async fn insert_item(
    db: &impl ConnectionTrait,
    order_id: i64,
    position: usize,
    item: &NewOrderItem,
    before: Option<&OrderItem>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    item::Entity::insert(item_row(order_id, position, item, before, now))
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

async fn update_item(
    db: &impl ConnectionTrait,
    position: usize,
    item: &NewOrderItem,
    before: &OrderItem,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut row = item_row(0, position, item, Some(before), now);
    row.order_id = NotSet;
    item::Entity::update(row).exec(db).await.map(|_| ())
}

/// The row of `item`: shipping and delivery times kept from `before`, or now when it first
/// reaches that status (the return window counts from them).
fn item_row(
    order_id: i64,
    position: usize,
    item: &NewOrderItem,
    before: Option<&OrderItem>,
    now: DateTime<Utc>,
) -> item::ActiveModel {
    let shipped_at = before
        .and_then(|before| before.shipped_at)
        .or_else(|| item.status.has_shipped().then_some(now));
    let delivered_at = before
        .and_then(|before| before.delivered_at)
        .or_else(|| (item.status == Status::DELIVERED).then_some(now));
    item::ActiveModel {
        id: Set(item.id),
        order_id: Set(order_id),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        status: Set(item.status.code()),
        quantity: Set(item.quantity),
        tracking_number: Set(item.tracking_number.clone()),
        tracking_url: Set(item.tracking_url.clone()),
        shipped_at: Set(shipped_at),
        delivered_at: Set(delivered_at),
        modified_at: Set(now),
        snapshot: Set(item.snapshot.clone()),
    }
}

/// Records that `actor` changed `change` of order `order_id` (of one item when given).
pub async fn record_event(
    db: &impl ConnectionTrait,
    order_id: i64,
    order_item_id: Option<i64>,
    actor: Actor,
    change: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    event::Entity::insert(event::ActiveModel {
        id: NotSet,
        order_id: Set(order_id),
        order_item_id: Set(order_item_id),
        actor: Set(actor.as_str().to_owned()),
        change: Set(change),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// The order (and its owner) of each item of `item_ids` that exists.
pub async fn orders_of_items(
    db: &impl ConnectionTrait,
    item_ids: Vec<i64>,
) -> Result<Vec<ItemOwner>, DbErr> {
    Ok(item::Entity::find()
        .select_only()
        .column(item::Column::Id)
        .column(item::Column::OrderId)
        .column_as(order::Column::UserId, "user_id")
        .join(
            sea_orm::JoinType::InnerJoin,
            item::Entity::belongs_to(order::Entity)
                .from(item::Column::OrderId)
                .to(order::Column::Id)
                .into(),
        )
        .filter(item::Column::Id.is_in(item_ids))
        .into_tuple::<(i64, i64, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(item_id, order_id, user_id)| ItemOwner {
            item_id,
            order_id,
            user_id,
        })
        .collect())
}

/// Whose an item is.
#[derive(Clone, Copy, Debug)]
pub struct ItemOwner {
    /// The item.
    pub item_id: i64,
    /// Its order.
    pub order_id: i64,
    /// The order's account, `None` for a guest order.
    pub user_id: Option<i64>,
}

/// Writes a waiting request for `quantity` units as `request` asks.
pub async fn insert_request(
    db: &impl ConnectionTrait,
    request: &ItemRequest,
    quantity: i32,
    now: DateTime<Utc>,
) -> Result<CancellationRequest, DbErr> {
    let row = request::Entity::insert(request::ActiveModel {
        id: NotSet,
        order_item_id: Set(request.order_item),
        cancellation_type: Set(request.cancellation_type.as_str().to_owned()),
        status: Set(RequestStatus::Waiting.as_str().to_owned()),
        reason_id: Set(request.reason),
        description: Set(request.description.clone()),
        quantity: Set(quantity),
        iban: Set(request.iban.clone()),
        holder_name: Set(request.holder_name.clone()),
        shipping_company: Set(request.shipping_company),
        created_at: Set(now),
        modified_at: Set(now),
    })
    .exec_with_returning(db)
    .await?;
    Ok(request_of(row))
}

/// The id of the customer's order named by `number_or_id`: its number, else its id.
pub async fn find_customer_order_id(
    db: &impl ConnectionTrait,
    customer_id: i64,
    number_or_id: &str,
) -> Result<Option<i64>, DbErr> {
    let by_number = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::UserId.eq(customer_id))
        .filter(order::Column::Number.eq(number_or_id))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if by_number.is_some() {
        return Ok(by_number);
    }
    let Ok(id) = number_or_id.parse::<i64>() else {
        return Ok(None);
    };
    order::Entity::find_by_id(id)
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::UserId.eq(customer_id))
        .into_tuple::<i64>()
        .one(db)
        .await
}

/// Sets order `id`'s status.
pub async fn update_order_status(
    db: &impl ConnectionTrait,
    id: i64,
    status: Status,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order::Entity::update_many()
        .col_expr(order::Column::Status, status.code().into())
        .col_expr(order::Column::ModifiedAt, now.into())
        .filter(order::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Writes `item`'s status and tracking as they now are, dating its shipping and delivery the
/// first time it reaches them (the return window counts from them).
pub async fn update_item_state(
    db: &impl ConnectionTrait,
    item: &OrderItem,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let shipped_at = item
        .shipped_at
        .or_else(|| item.status.has_shipped().then_some(now));
    let delivered_at = item
        .delivered_at
        .or_else(|| (item.status == Status::DELIVERED).then_some(now));
    item::Entity::update_many()
        .col_expr(item::Column::Status, item.status.code().into())
        .col_expr(
            item::Column::TrackingNumber,
            item.tracking_number.clone().into(),
        )
        .col_expr(item::Column::TrackingUrl, item.tracking_url.clone().into())
        .col_expr(item::Column::ShippedAt, shipped_at.into())
        .col_expr(item::Column::DeliveredAt, delivered_at.into())
        .col_expr(item::Column::ModifiedAt, now.into())
        .filter(item::Column::Id.eq(item.id))
        .exec(db)
        .await
        .map(|_| ())
}

/// The order id of request `id`'s item, if the request exists.
pub async fn order_of_request(db: &impl ConnectionTrait, id: i64) -> Result<Option<i64>, DbErr> {
    let Some(item_id) = request::Entity::find_by_id(id)
        .select_only()
        .column(request::Column::OrderItemId)
        .into_tuple::<i64>()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    item::Entity::find_by_id(item_id)
        .select_only()
        .column(item::Column::OrderId)
        .into_tuple::<i64>()
        .one(db)
        .await
}

/// Sets request `id`'s status.
pub async fn update_request_status(
    db: &impl ConnectionTrait,
    id: i64,
    status: RequestStatus,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    request::Entity::update_many()
        .col_expr(request::Column::Status, status.as_str().into())
        .col_expr(request::Column::ModifiedAt, now.into())
        .filter(request::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// How many requests are in `status` (all when `None`).
pub async fn count_requests(
    db: &impl ConnectionTrait,
    status: Option<RequestStatus>,
) -> Result<u64, DbErr> {
    requests_in(status).count(db).await
}

/// The requests in `status` (all when `None`) in `window`, oldest first, each with its order's
/// number.
pub async fn list_requests(
    db: &impl ConnectionTrait,
    status: Option<RequestStatus>,
    window: Window,
) -> Result<Vec<(CancellationRequest, String)>, DbErr> {
    let rows = requests_in(status)
        .order_by_asc(request::Column::Id)
        .offset((window.offset > 0).then_some(window.offset))
        .limit(window.limit)
        .all(db)
        .await?;
    let owners = orders_of_items(db, rows.iter().map(|row| row.order_item_id).collect()).await?;
    let numbers: HashMap<i64, String> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Number)
        .filter(order::Column::Id.is_in(owners.iter().map(|owner| owner.order_id)))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let number = owners
                .iter()
                .find(|owner| owner.item_id == row.order_item_id)
                .and_then(|owner| numbers.get(&owner.order_id))
                .cloned()
                .unwrap_or_default();
            (request_of(row), number)
        })
        .collect())
}

fn requests_in(status: Option<RequestStatus>) -> Select<request::Entity> {
    let select = request::Entity::find();
    match status {
        Some(status) => select.filter(request::Column::Status.eq(status.as_str())),
        None => select,
    }
}

/// The guest order numbered `number` placed with `email_lower`; `None` for anything else (an
/// unknown number, another address, a registered customer's order).
pub async fn find_guest_order(
    db: &impl ConnectionTrait,
    number: &str,
    email_lower: &str,
) -> Result<Option<Order>, DbErr> {
    let rows = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .filter(order::Column::UserId.is_null())
        .filter(order::Column::UserEmail.eq(email_lower))
        .all(db)
        .await?;
    Ok(with_items(db, rows).await?.pop())
}

/// The id and snapshot of each of the customer's orders.
pub async fn snapshots_of_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
) -> Result<Vec<(i64, serde_json::Value)>, DbErr> {
    order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Snapshot)
        .filter(order::Column::UserId.eq(customer_id))
        .into_tuple::<(i64, serde_json::Value)>()
        .all(db)
        .await
}

/// Writes order `id`'s anonymised snapshot and erases its e-mail.
pub async fn anonymize_order(
    db: &impl ConnectionTrait,
    id: i64,
    snapshot: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order::Entity::update_many()
        .col_expr(order::Column::Snapshot, snapshot.into())
        .col_expr(order::Column::UserEmail, String::new().into())
        .col_expr(order::Column::ModifiedAt, now.into())
        .filter(order::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Gives `customer_id` the guest orders placed with `email_lower`; how many.
pub async fn claim_guest_orders(
    db: &impl ConnectionTrait,
    customer_id: i64,
    email_lower: &str,
) -> Result<u64, DbErr> {
    Ok(order::Entity::update_many()
        .col_expr(order::Column::UserId, Some(customer_id).into())
        .filter(order::Column::UserId.is_null())
        .filter(order::Column::UserEmail.eq(email_lower))
        .exec(db)
        .await?
        .rows_affected)
}
