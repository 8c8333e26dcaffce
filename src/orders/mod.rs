//! Orders: what the customer bought, as the shop's order system reports it, and the customer's
//! cancellation and return requests. Orders arrive from the back office (`/internal/`); the
//! customer reads them and asks for cancellations and returns.
//!
//! Endpoints: `GET /users/orders/`, `GET /users/orders/{id}/`,
//! `GET /users/orders/cancellation_reasons/`, `POST /orders/{number}/cancel/`,
//! `POST /users/orders/bulk_cancellation_requests/`, `POST /users/orders/anonymous/` and its
//! `cancellation_requests/` and `bulk_cancellation_requests/`; internal: `PUT /internal/orders/{number}/`,
//! `POST /internal/orders/{number}/status/`, `GET /internal/cancellation_requests/`,
//! `POST /internal/cancellation_requests/{id}/`.

mod back_office;
mod cancellations;
mod entity;
mod export;
pub mod internal;
mod queries;
mod routes;
mod types;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{
    export::{OrdersSection, forget_customer},
    types::{NewOrder, OrderView, ReasonView},
};
use self::{
    queries::{Actor, OrderFilter},
    types::{GuestLookup, Order},
};
use crate::{
    accounts::{self, Customer},
    akifast,
    http::{
        ApiError,
        error::ThrottledBody,
        pagination::{ListRequest, Page, PageRequest, QueryParams},
    },
    sessions::Session,
    state::AppState,
};

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::track_guest_order))
        .routes(routes!(routes::request_guest_cancellation))
        .routes(routes!(routes::request_guest_bulk_cancellation))
        .routes(routes!(routes::list_orders))
        .routes(routes!(routes::list_cancellation_reasons))
        .routes(routes!(routes::get_order))
        .routes(routes!(routes::cancel_order))
        .routes(routes!(routes::request_bulk_cancellation))
}

/// The page size of the order list: the Zero theme counts pages of 12 (orders.md §1).
const PAGE_SIZE: u64 = 12;
/// The largest page a client may ask for.
const MAX_PAGE_SIZE: u64 = 100;

/// A page of `customer`'s orders as `request` asks: `page`, `limit`, `created_date__gte` and
/// `created_date__lte`. Three queries for the page plus one count when the page is full.
pub async fn list_page(
    db: &impl sea_orm::ConnectionTrait,
    customer: &Customer,
    request: &ListRequest,
) -> Result<Page<Order>, ApiError> {
    let filter = filter_of(&request.params)?;
    let paging = PageRequest::from_params(&request.params, Some(PAGE_SIZE), Some(MAX_PAGE_SIZE))?;
    // Page 1 always exists: read it first; when it comes back short, its length is the count.
    if let Some(window) = paging.first_page() {
        let orders = queries::list_orders(db, customer.id, filter, window).await?;
        let rows = orders.len() as u64;
        let count = if window.limit.is_none_or(|limit| rows < limit) {
            rows
        } else {
            queries::count_orders(db, customer.id, filter).await?
        };
        return Ok(Page::new(count, 1, &paging, request, orders));
    }
    let count = queries::count_orders(db, customer.id, filter).await?;
    let (number, window) = paging.window(count)?;
    let orders = queries::list_orders(db, customer.id, filter, window).await?;
    Ok(Page::new(count, number, &paging, request, orders))
}

/// The date filters: `YYYY-MM-DD` (midnight UTC) or a full ISO date-time; blank means none.
fn filter_of(params: &QueryParams) -> Result<OrderFilter, ApiError> {
    let parse = |name: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
        let Some(raw) = params.get(name).filter(|raw| !raw.is_empty()) else {
            return Ok(None);
        };
        if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            return Ok(Some(date.and_time(NaiveTime::MIN).and_utc()));
        }
        DateTime::parse_from_rfc3339(raw)
            .map(|time| Some(time.with_timezone(&Utc)))
            .map_err(|_| ApiError::field(name, "Enter a valid date/time."))
    };
    Ok(OrderFilter {
        from: parse("created_date__gte")?,
        to: parse("created_date__lte")?,
    })
}

/// What storing an order from the shop did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// A new order.
    Created,
    /// An existing order changed.
    Updated,
    /// The same order as stored: nothing written.
    Unchanged,
}

/// Stores `new` as the shop sent it: created, replaced, or left alone when nothing differs. The
/// order belongs to the account with its `customer_email`, else it is a guest order of that
/// address (an order attached to an account stays with it).
pub async fn store_order(
    state: &AppState,
    new: NewOrder,
    now: DateTime<Utc>,
) -> Result<Stored, ApiError> {
    let (customers, akifast_ttl) = (&state.customers, state.settings.akifast_permissions_ttl);
    let transaction = state.db.write().await?;
    if let Some(id) = queries::find_id_by_number(&transaction, new.number.as_str()).await?
        && id != new.id
    {
        return Err(ApiError::field(
            "number",
            format!("Order {} has this number already.", id),
        ));
    }
    let item_ids = new.items.iter().map(|item| item.id).collect();
    if let Some(taken) = queries::items_of_other_orders(&transaction, new.id, item_ids)
        .await?
        .first()
    {
        let index = new
            .items
            .iter()
            .position(|item| item.id == *taken)
            .unwrap_or(0);
        return Err(ApiError::field(
            &format!("orderitem_set[{index}].id"),
            "This item belongs to another order.",
        ));
    }
    let owner = accounts::queries::find_by_email(&transaction, &new.customer_email)
        .await?
        .map(|customer| customer.id);
    let mut consented = None;
    let stored = match queries::lock_order(&transaction, new.id).await? {
        None => {
            queries::insert_order(&transaction, &new, owner, now).await?;
            // Consents given in Akifast's checkout for this basket: the account's now, or kept
            // for the account later registered with the guest's address.
            match (new.basket, owner) {
                (Some(basket), Some(owner)) => {
                    consented = akifast::apply_for_order(&transaction, basket, owner, now).await?;
                }
                (Some(basket), None) => {
                    if let Ok(email) = accounts::Email::parse(&new.customer_email) {
                        akifast::hold_for_guest_order(
                            &transaction,
                            basket,
                            &email,
                            akifast_ttl,
                            now,
                        )
                        .await?;
                    }
                }
                (None, _) => {}
            }
            queries::record_event(
                &transaction,
                new.id,
                None,
                Actor::BackOffice,
                "created".into(),
                now,
            )
            .await?;
            Stored::Created
        }
        Some(existing) if existing.number != new.number.as_str() => {
            return Err(ApiError::field(
                "id",
                format!("This id is order {}'s.", existing.number),
            ));
        }
        Some(existing) if same_order(&existing, &new, owner) => Stored::Unchanged,
        Some(existing) => {
            if let Some(index) = removed_item_with_requests(&existing, &new) {
                return Err(ApiError::field(
                    "orderitem_set",
                    format!("Item {index} has cancellation requests and cannot be removed."),
                ));
            }
            let owner = existing.user_id.filter(|_| owner.is_none()).or(owner);
            queries::replace_order(&transaction, &existing, &new, owner, now).await?;
            for change in changes_between(&existing, &new) {
                queries::record_event(
                    &transaction,
                    new.id,
                    change.0,
                    Actor::BackOffice,
                    change.1,
                    now,
                )
                .await?;
            }
            Stored::Updated
        }
    };
    transaction.commit().await?;
    if let Some(customer) = consented {
        customers.remember(customer);
    }
    Ok(stored)
}

/// Whether `new` says nothing `existing` does not already hold.
fn same_order(existing: &Order, new: &NewOrder, owner: Option<i64>) -> bool {
    existing.snapshot == new.snapshot
        && existing.status == new.status
        && (owner.is_none() || existing.user_id == owner)
        && existing.items.len() == new.items.len()
        && existing.items.iter().zip(&new.items).all(|(old, new)| {
            old.id == new.id
                && old.status == new.status
                && old.quantity == new.quantity
                && old.tracking_number == new.tracking_number
                && old.tracking_url == new.tracking_url
                && old.snapshot == new.snapshot
        })
}

/// The id of an item `new` leaves out although customers asked to cancel or return it.
fn removed_item_with_requests(existing: &Order, new: &NewOrder) -> Option<i64> {
    existing
        .items
        .iter()
        .find(|old| !old.requests.is_empty() && new.items.iter().all(|item| item.id != old.id))
        .map(|old| old.id)
}

/// What a replacement changes, in words: statuses of the order and of each item.
fn changes_between(existing: &Order, new: &NewOrder) -> Vec<(Option<i64>, String)> {
    let mut changes = vec![(None, "replaced".to_owned())];
    if existing.status != new.status {
        changes.push((
            None,
            format!("status {} → {}", existing.status.code(), new.status.code()),
        ));
    }
    for item in &new.items {
        match existing.items.iter().find(|old| old.id == item.id) {
            Some(old) if old.status != item.status => changes.push((
                Some(item.id),
                format!("status {} → {}", old.status.code(), item.status.code()),
            )),
            Some(_) => {}
            None => changes.push((Some(item.id), "added".to_owned())),
        }
    }
    changes
}

/// The guest order `lookup` proves, within the guest lookup budget
/// (`GUEST_ORDER_LOOKUP_ATTEMPTS` failures an hour per order number, session and client IP).
/// While a budget is spent every claim is refused, the right one too, so numbers cannot be
/// enumerated; a wrong claim gets the one neutral error whatever was wrong.
pub async fn find_guest_order(
    state: &AppState,
    session: &Session,
    client_ip: Option<std::net::IpAddr>,
    lookup: &GuestLookup,
) -> Result<Order, ApiError> {
    let budget = &state.limits.budgets().guest_order_lookup;
    let mut counts = budget.for_visitor(session, client_ip).await?;
    counts.push(budget.count("order", &lookup.number));
    state
        .limits
        .refuse_if_blocked(&counts, ThrottledBody::Detail)
        .await?;
    match queries::find_guest_order(state.db.read(), &lookup.number, &lookup.email).await? {
        Some(order) => Ok(order),
        None => {
            state.limits.record(&counts).await?;
            Err(ApiError::non_field("Order not found."))
        }
    }
}

/// Gives `customer` the guest orders placed with their address, once it is verified (a login
/// with a verified address, a confirmed address): an unverified address must not reveal another
/// person's orders. Idempotent; on the caller's connection or transaction `db`.
pub async fn claim_guest_orders(
    db: &impl sea_orm::ConnectionTrait,
    customer: &Customer,
) -> Result<(), sea_orm::DbErr> {
    if !customer.is_email_verified() {
        return Ok(());
    }
    let claimed = queries::claim_guest_orders(db, customer.id, &customer.email.lowercase()).await?;
    if claimed > 0 {
        tracing::info!(
            customer = customer.id,
            claimed,
            "guest orders joined the account"
        );
    }
    Ok(())
}
