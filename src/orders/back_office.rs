//! What the shop changes in orders through the internal API: statuses and tracking of an order
//! and its items, and its decisions on cancellation and return requests. Only the transitions
//! of orders.md §7–§8 are allowed; each change is recorded as the back office's.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    queries::{self, Actor},
    types::{CancellationRequest, CancellationType, Order, RequestStatus, Status},
};
use crate::{db::Database, http::ApiError};

/// `POST /internal/orders/{number}/status/`: any of the order's status, items' statuses and
/// the tracking of the items named (of every live item when none is named).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeForm {
    /// The order's new status code.
    status: Option<String>,
    /// Items' new status codes.
    #[serde(default)]
    items: Vec<ItemStatusForm>,
    /// The package's tracking number.
    tracking_number: Option<String>,
    /// Where the package can be followed.
    tracking_url: Option<String>,
}

/// One item's new status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemStatusForm {
    /// The item's id.
    id: i64,
    /// Its new status code.
    status: Option<String>,
}

/// `POST /internal/cancellation_requests/{id}/`: the shop's decision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionForm {
    /// `approved`, `rejected` or `completed`.
    status: String,
}

/// Applies `change` to order `number`; the order as it now is.
pub async fn change_status(
    db: &Database,
    number: &str,
    change: StatusChangeForm,
    now: DateTime<Utc>,
) -> Result<Order, ApiError> {
    if change.status.is_none()
        && change.items.is_empty()
        && change.tracking_number.is_none()
        && change.tracking_url.is_none()
    {
        return Err(ApiError::non_field("Nothing to change."));
    }
    let transaction = db.write().await?;
    let id = queries::find_id_by_number(&transaction, number)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut order = queries::lock_order(&transaction, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut events: Vec<(Option<i64>, String)> = Vec::new();
    if let Some(raw) = &change.status {
        let next = Status::parse(raw).map_err(|message| ApiError::field("status", message))?;
        if !order.status.may_become(next) {
            return Err(ApiError::field(
                "status",
                format!(
                    "The order cannot go from {} to {}.",
                    order.status.code(),
                    next.code()
                ),
            ));
        }
        events.push((
            None,
            format!("status {} → {}", order.status.code(), next.code()),
        ));
        order.status = next;
    }
    let mut touched: Vec<i64> = Vec::new();
    for (index, entry) in change.items.iter().enumerate() {
        let Some(item) = order.items.iter_mut().find(|item| item.id == entry.id) else {
            return Err(ApiError::field(
                &format!("items[{index}].id"),
                format!("Item {} is not an item of this order.", entry.id),
            ));
        };
        if let Some(raw) = &entry.status {
            let field = format!("items[{index}].status");
            let next = Status::parse(raw).map_err(|message| ApiError::field(&field, message))?;
            if !item.status.may_become(next) {
                return Err(ApiError::field(
                    &field,
                    format!(
                        "Item {} cannot go from {} to {}.",
                        item.id,
                        item.status.code(),
                        next.code()
                    ),
                ));
            }
            events.push((
                Some(item.id),
                format!("status {} → {}", item.status.code(), next.code()),
            ));
            item.status = next;
        }
        touched.push(item.id);
    }
    let tracking = change.tracking_number.is_some() || change.tracking_url.is_some();
    for item in &mut order.items {
        let named = touched.contains(&item.id);
        let tracked = tracking && (named || (change.items.is_empty() && !item.is_cancelled()));
        if tracked {
            if let Some(number) = &change.tracking_number {
                item.tracking_number = Some(number.trim().to_owned()).filter(|n| !n.is_empty());
            }
            if let Some(url) = &change.tracking_url {
                item.tracking_url = Some(url.trim().to_owned()).filter(|u| !u.is_empty());
            }
            events.push((Some(item.id), "tracking".to_owned()));
        }
        if named || tracked {
            queries::update_item_state(&transaction, item, now).await?;
        }
    }
    queries::update_order_status(&transaction, order.id, order.status, now).await?;
    for (item, change) in events {
        queries::record_event(&transaction, order.id, item, Actor::BackOffice, change, now).await?;
    }
    transaction.commit().await?;
    queries::find_by_number(db.read(), number)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Records the shop's decision on request `id`: a completed cancellation cancels its item, a
/// completed return refunds it. The request as it now is.
pub async fn decide_request(
    db: &Database,
    id: i64,
    decision: DecisionForm,
    now: DateTime<Utc>,
) -> Result<CancellationRequest, ApiError> {
    let next = RequestStatus::parse(&decision.status)
        .map_err(|message| ApiError::field("status", message))?;
    let transaction = db.write().await?;
    let order_id = queries::order_of_request(&transaction, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let order = queries::lock_order(&transaction, order_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (item, request) = order
        .items
        .iter()
        .find_map(|item| {
            item.requests
                .iter()
                .find(|request| request.id == id)
                .map(|request| (item, request))
        })
        .ok_or(ApiError::NotFound)?;
    if !request.status.may_become(next) {
        return Err(ApiError::field(
            "status",
            format!(
                "The request cannot go from {} to {}.",
                request.status.as_str(),
                next.as_str()
            ),
        ));
    }
    queries::update_request_status(&transaction, id, next, now).await?;
    let mut change = format!(
        "{} request {}",
        request.cancellation_type.as_str(),
        next.as_str()
    );
    if next == RequestStatus::Completed {
        let mut item = item.clone();
        item.status = match request.cancellation_type {
            CancellationType::Cancel => Status::CANCELLED,
            CancellationType::Refund => Status::REFUNDED,
        };
        queries::update_item_state(&transaction, &item, now).await?;
        change = format!("{change}; status {}", item.status.code());
    }
    queries::record_event(
        &transaction,
        order.id,
        Some(item.id),
        Actor::BackOffice,
        change,
        now,
    )
    .await?;
    let mut decided = request.clone();
    decided.status = next;
    transaction.commit().await?;
    Ok(decided)
}
