//! Cancellation and return requests (orders.md §6–§8): checked against each item's state with
//! the orders locked, created all together or not at all, and idempotent per item, because the
//! client replays a request whose answer it did not get.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{
    queries::{self, Actor},
    types::{CancellationRequest, CancellationType, ITEMS_FIELD, ItemRequest, Order},
};
use crate::{
    db::Database,
    http::{ApiError, FieldErrors},
};

/// Whose orders the items must belong to.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// One order (the per-order endpoint, a guest's order).
    Order(i64),
    /// Any order of this customer (the bulk endpoint).
    CustomerOrders(i64),
}

/// Why requests were not created.
#[derive(Debug)]
pub enum Refused {
    /// An ordinary error: invalid entries, an unknown order, a failure.
    Error(ApiError),
    /// These items have an open request already, asking for something else.
    AlreadyRequested(Vec<i64>),
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Self::Error(error)
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Error(error.into())
    }
}

/// Creates a request for every entry of `requests` in `scope`, made by `actor`; the requests,
/// including those an earlier identical call created (which are not created again).
pub async fn request_cancellations(
    db: &Database,
    scope: Scope,
    requests: Vec<ItemRequest>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<CancellationRequest>, Refused> {
    let transaction = db.write().await?;
    let owners = queries::orders_of_items(
        &transaction,
        requests.iter().map(|r| r.order_item).collect(),
    )
    .await?;
    let mut errors = FieldErrors::default();
    let mut order_ids = BTreeSet::new();
    for request in &requests {
        let owner = owners
            .iter()
            .find(|owner| owner.item_id == request.order_item);
        match (owner, scope) {
            (Some(owner), Scope::Order(id)) if owner.order_id == id => {}
            (Some(owner), Scope::CustomerOrders(customer)) if owner.user_id == Some(customer) => {}
            _ => {
                errors.add(
                    ITEMS_FIELD,
                    format!("Item {}: not an item of this order.", request.order_item),
                );
                continue;
            }
        }
        order_ids.extend(owner.map(|owner| owner.order_id));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors).into());
    }
    // Locked in id order, so two requests over the same orders cannot deadlock.
    let mut orders: Vec<Order> = Vec::with_capacity(order_ids.len());
    for id in order_ids {
        orders.extend(queries::lock_order(&transaction, id).await?);
    }
    let reasons = queries::list_reasons(&transaction).await?;
    let mut answered = Vec::new();
    let mut to_create = Vec::new();
    let mut already_requested = Vec::new();
    for request in requests {
        let Some((order, item)) = orders.iter().find_map(|order| {
            order
                .items
                .iter()
                .find(|item| item.id == request.order_item)
                .map(|item| (order, item))
        }) else {
            continue;
        };
        let refuse = |errors: &mut FieldErrors, message: &str| {
            errors.add(ITEMS_FIELD, format!("Item {}: {message}", item.id));
        };
        let reason = reasons.iter().find(|reason| {
            reason.id == request.reason && reason.cancellation_type == request.cancellation_type
        });
        let Some(reason) = reason else {
            refuse(
                &mut errors,
                &format!("reason: \"{}\" is not a valid choice.", request.reason),
            );
            continue;
        };
        if reason.extra_information_needed && request.description.is_empty() {
            refuse(&mut errors, "description: This reason needs a description.");
            continue;
        }
        if let Some(open) = item.active_request() {
            let same = open.cancellation_type == request.cancellation_type
                && open.reason_id == request.reason
                && request
                    .quantity
                    .is_none_or(|quantity| quantity == open.quantity);
            if same {
                answered.push(open.clone());
            } else {
                already_requested.push(item.id);
            }
            continue;
        }
        let allowed = match request.cancellation_type {
            CancellationType::Cancel => item.is_cancellable(),
            CancellationType::Refund => item.is_refundable(now),
        };
        if !allowed {
            refuse(
                &mut errors,
                match request.cancellation_type {
                    CancellationType::Cancel => "this item cannot be cancelled in its state.",
                    CancellationType::Refund => "this item cannot be returned in its state.",
                },
            );
            continue;
        }
        let left = item.quantity_left();
        let quantity = request.quantity.unwrap_or(left);
        if quantity < 1 || quantity > left {
            refuse(
                &mut errors,
                &format!("quantity: Ensure this value is at most {}.", left.max(0)),
            );
            continue;
        }
        to_create.push((order.id, request, quantity));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors).into());
    }
    if !already_requested.is_empty() {
        return Err(Refused::AlreadyRequested(already_requested));
    }
    for (order_id, request, quantity) in to_create {
        let created = queries::insert_request(&transaction, &request, quantity, now).await?;
        queries::record_event(
            &transaction,
            order_id,
            Some(request.order_item),
            actor,
            format!("{} requested", request.cancellation_type.as_str()),
            now,
        )
        .await?;
        answered.push(created);
    }
    transaction.commit().await?;
    Ok(answered)
}
