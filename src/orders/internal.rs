//! The shop's side of orders, under the internal API (bearer token, no cookies, no CSRF: see
//! `http::internal`): orders arrive and change here.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    NewOrder, OrderView, Stored,
    back_office::{self, DecisionForm, StatusChangeForm},
    queries,
    types::{RequestStatus, request_view},
};
use crate::{
    http::{
        ApiError, ErrorDetail, FieldErrors, Payload,
        pagination::{ListRequest, Page, PageParams, PageRequest, PathPk},
    },
    state::AppState,
};

/// Routes of the shop's side (mounted under the internal API's gate).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_order))
        .routes(routes!(change_order_status))
        .routes(routes!(decide_cancellation_request))
        .routes(routes!(list_cancellation_requests))
}

/// Creates or replaces order `number` with the Order object the shop's order system holds
/// (orders.md §3–§4) plus `customer_email`: the order belongs to the account with that e-mail,
/// else it is a guest order of it. Idempotent: the same body again changes nothing. A body that
/// is not an Order object is a 400 naming the field path of its first error.
#[utoipa::path(put, path = "/internal/orders/{number}/", tag = "orders (internal)",
    security(("internal_token" = [])),
    params(("number" = String, Path, description = "The order number")),
    request_body(content = Object, description = "The Order object, plus `customer_email`"),
    responses(
        (status = 201, description = "Created", body = OrderView),
        (status = 200, description = "Replaced, or already the same", body = OrderView),
        (status = 400, description = "Not an Order object: the first error, by field path", body = FieldErrors),
        (status = 404, description = "No valid bearer token", body = ErrorDetail),
    ))]
pub async fn put_order(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Payload(body): Payload<Map<String, Value>>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let new = NewOrder::parse(&number, Value::Object(body))?;
    let now = state.clock.now();
    let stored = super::store_order(&state, new.clone(), now).await?;
    let order = queries::find_by_number(state.db.read(), new.number.as_str())
        .await?
        .ok_or(ApiError::NotFound)?;
    let status = match stored {
        Stored::Created => StatusCode::CREATED,
        Stored::Updated | Stored::Unchanged => StatusCode::OK,
    };
    Ok((
        status,
        Json(OrderView::new(
            &order,
            &state.settings.default_language,
            now,
        )),
    ))
}

/// Changes order `number`'s status, its items' statuses, or their tracking, along the
/// transitions orders.md §7–§8 allow; anything else is a 400 naming the transition.
#[utoipa::path(post, path = "/internal/orders/{number}/status/", tag = "orders (internal)",
    security(("internal_token" = [])),
    params(("number" = String, Path, description = "The order number")),
    request_body = StatusChangeForm,
    responses(
        (status = 200, description = "The order as it now is", body = OrderView),
        (status = 400, description = "A transition that is not allowed, or an unknown item", body = FieldErrors),
        (status = 404, description = "No such order, or no valid bearer token", body = ErrorDetail),
    ))]
pub async fn change_order_status(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Payload(change): Payload<StatusChangeForm>,
) -> Result<Json<OrderView>, ApiError> {
    let now = state.clock.now();
    let order = back_office::change_status(&state.db, number.trim(), change, now).await?;
    Ok(Json(OrderView::new(
        &order,
        &state.settings.default_language,
        now,
    )))
}

/// Approves, rejects or completes a cancellation or return request: a waiting request may be
/// approved, rejected or completed, an approved one completed or rejected. Completing cancels
/// the item (or, for a return, marks it refunded).
#[utoipa::path(post, path = "/internal/cancellation_requests/{id}/", tag = "orders (internal)",
    security(("internal_token" = [])),
    params(("id" = i64, Path, description = "The request's id")),
    request_body = DecisionForm,
    responses(
        (status = 200, description = "The request as it now is", body = Object),
        (status = 400, description = "A transition that is not allowed", body = FieldErrors),
        (status = 404, description = "No such request, or no valid bearer token", body = ErrorDetail),
    ))]
pub async fn decide_cancellation_request(
    State(state): State<AppState>,
    PathPk(id): PathPk,
    Payload(decision): Payload<DecisionForm>,
) -> Result<Json<Value>, ApiError> {
    let request = back_office::decide_request(&state.db, id, decision, state.clock.now()).await?;
    Ok(Json(request_view(
        &request,
        &state.settings.default_language,
    )))
}

/// The cancellation and return requests the shop has to handle, oldest first: those in
/// `status` (`waiting`, `approved`, `rejected`, `completed`), all when absent. Each names its
/// order's `order_number`.
#[utoipa::path(get, path = "/internal/cancellation_requests/", tag = "orders (internal)",
    security(("internal_token" = [])),
    params(PageParams, ("status" = Option<String>, Query, description = "Only requests in this status")),
    responses(
        (status = 200, description = "A page of requests", body = Page<Object>),
        (status = 400, description = "An unknown status", body = FieldErrors),
        (status = 404, description = "Invalid page, or no valid bearer token", body = ErrorDetail),
    ))]
pub async fn list_cancellation_requests(
    State(state): State<AppState>,
    request: ListRequest,
) -> Result<Json<Page<Value>>, ApiError> {
    let status = match request.params.get("status").filter(|raw| !raw.is_empty()) {
        Some(raw) => {
            Some(RequestStatus::parse(raw).map_err(|message| ApiError::field("status", message))?)
        }
        None => None,
    };
    let db = state.db.read();
    let paging = PageRequest::from_params(&request.params, Some(REQUESTS_PAGE_SIZE), Some(100))?;
    let count = queries::count_requests(db, status).await?;
    let (number, window) = paging.window(count)?;
    let rows = queries::list_requests(db, status, window).await?;
    let language = &state.settings.default_language;
    let views = rows
        .into_iter()
        .map(|(cancellation, order_number)| {
            let mut view = request_view(&cancellation, language);
            view["order_number"] = order_number.into();
            view
        })
        .collect();
    Ok(Json(Page::new(count, number, &paging, &request, views)))
}

/// Requests per page of the back office's list.
const REQUESTS_PAGE_SIZE: u64 = 50;
