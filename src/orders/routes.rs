//! Handlers of the orders area for customers.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    OrderView, ReasonView,
    cancellations::{self, Refused, Scope},
    queries::{self, Actor},
    types::{
        CancellationForm, CancellationRequest, GuestBulkCancellationForm, GuestCancellationForm,
        GuestLookupForm, request_view,
    },
};
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ErrorDetail, FieldErrors, Payload, Requester,
        openapi::{LoggedInWrite, LoginRequired, PublicWrite},
        pagination::{ListRequest, Page, PageParams, PathPk},
    },
    languages::RequestLanguage,
    sessions::Session,
    state::AppState,
};

/// The customer's orders, newest first, 12 a page unless `limit` says otherwise; optionally
/// only those created between `created_date__gte` and `created_date__lte` (a date or an ISO
/// date-time; stray spaces the client adds are ignored).
#[utoipa::path(get, path = "/users/orders/", tag = "orders",
    params(
        PageParams,
        ("created_date__gte" = Option<String>, Query, description = "Created at or after (YYYY-MM-DD or ISO 8601)"),
        ("created_date__lte" = Option<String>, Query, description = "Created at or before (YYYY-MM-DD or ISO 8601)"),
    ),
    responses(
        (status = 200, description = "A page of orders", body = Page<OrderView>),
        (status = 400, description = "An invalid date filter", body = FieldErrors),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    request: ListRequest,
) -> Result<Json<Page<OrderView>>, ApiError> {
    let page = super::list_page(state.db.read(), &customer, &request).await?;
    let now = state.clock.now();
    Ok(Json(page.map(|order| {
        OrderView::new(&order, language.as_str(), now)
    })))
}

/// One of the customer's orders by id; another customer's or an unknown id is a 404.
#[utoipa::path(get, path = "/users/orders/{id}/", tag = "orders",
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        LoginRequired,
        (status = 404, description = "No such order of this customer", body = ErrorDetail),
    ))]
pub async fn get_order(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    PathPk(id): PathPk,
) -> Result<Json<OrderView>, ApiError> {
    let order = queries::find_customer_order(state.db.read(), customer.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(OrderView::new(
        &order,
        language.as_str(),
        state.clock.now(),
    )))
}

/// The reasons a customer may give, all in one page, their subjects in the request's language.
/// Not personal: guests may read them too.
#[utoipa::path(get, path = "/users/orders/cancellation_reasons/", tag = "orders",
    responses(
        (status = 200, description = "Every active reason", body = Page<ReasonView>),
    ))]
pub async fn list_cancellation_reasons(
    State(state): State<AppState>,
    language: RequestLanguage,
    request: ListRequest,
) -> Result<Json<Page<ReasonView>>, ApiError> {
    let reasons = queries::list_reasons(state.db.read()).await?;
    let everything = crate::http::pagination::PageRequest::from_params(
        &crate::http::pagination::QueryParams::default(),
        None,
        None,
    )?;
    let page = Page::of_all(reasons, &everything, &request)?;
    Ok(Json(
        page.map(|reason| ReasonView::new(&reason, language.as_str())),
    ))
}

/// Asks to cancel or return items of one of the customer's orders, named by number (what the
/// theme sends) or by id. Every entry is checked before anything is stored; an identical retry
/// of an earlier success creates nothing more and answers the same requests.
#[utoipa::path(post, path = "/orders/{number}/cancel/", tag = "orders",
    params(("number" = String, Path, description = "The order's number (or id)")),
    request_body = inline(Object),
    responses(
        (status = 200, description = "The requests (created now or by an identical earlier call)", body = Vec<Object>),
        (status = 400, description = "An entry that cannot be requested, naming its item; `error_code` `cancellation_request_100_1` when an item has another open request", body = FieldErrors),
        LoggedInWrite,
        (status = 404, description = "No such order of this customer", body = ErrorDetail),
    ))]
pub async fn cancel_order(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    Path(number): Path<String>,
    Payload(form): Payload<CancellationForm>,
) -> Result<Response, ApiError> {
    let order_id = queries::find_customer_order_id(state.db.read(), customer.id, number.trim())
        .await?
        .ok_or(ApiError::NotFound)?;
    let requests = form.parse().map_err(ApiError::Validation)?;
    let outcome = cancellations::request_cancellations(
        &state.db,
        Scope::Order(order_id),
        requests,
        Actor::Customer,
        state.clock.now(),
    )
    .await;
    answer_requests(outcome, &language)
}

/// Asks to cancel or return items of any of the customer's orders at once (the bulk variant:
/// the body's `id` is ignored; every item must be one of this customer's).
#[utoipa::path(post, path = "/users/orders/bulk_cancellation_requests/", tag = "orders",
    request_body = inline(Object),
    responses(
        (status = 200, description = "The requests (created now or by an identical earlier call)", body = Vec<Object>),
        (status = 400, description = "An entry that cannot be requested, naming its item; `error_code` `cancellation_request_100_1` when an item has another open request", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn request_bulk_cancellation(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    Payload(form): Payload<CancellationForm>,
) -> Result<Response, ApiError> {
    let requests = form.parse().map_err(ApiError::Validation)?;
    let outcome = cancellations::request_cancellations(
        &state.db,
        Scope::CustomerOrders(customer.id),
        requests,
        Actor::Customer,
        state.clock.now(),
    )
    .await;
    answer_requests(outcome, &language)
}

/// The answer to a cancellation call: the requests, or the refusal's body (Akinon's
/// `cancellation_request_100_1` for an item that has another open request).
pub(super) fn answer_requests(
    outcome: Result<Vec<CancellationRequest>, Refused>,
    language: &RequestLanguage,
) -> Result<Response, ApiError> {
    match outcome {
        Ok(requests) => Ok(Json(
            requests
                .iter()
                .map(|request| request_view(request, language.as_str()))
                .collect::<Vec<_>>(),
        )
        .into_response()),
        Err(Refused::Error(error)) => Err(error),
        Err(Refused::AlreadyRequested(items)) => {
            let messages: Vec<String> = items
                .iter()
                .map(|item| format!("Item {item} has an active cancellation request."))
                .collect();
            Ok((
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "non_field_errors": messages,
                    "error_code": "cancellation_request_100_1",
                })),
            )
                .into_response())
        }
    }
}

/// Finds a guest's order by its e-mail and number (urlencoded as the client sends it, or JSON;
/// `order` is an alias of `number`): a list of that one order. Only orders placed as a guest;
/// any wrong claim gets the same `Order not found.`. Failed claims are limited per order number,
/// session and client IP (`GUEST_ORDER_LOOKUP_ATTEMPTS` an hour), then every claim gets 429.
#[utoipa::path(post, path = "/users/orders/anonymous/", tag = "orders",
    request_body = inline(Object),
    responses(
        (status = 200, description = "The order, alone in a list", body = Vec<OrderView>),
        (status = 400, description = "`{\"non_field_errors\": [\"Order not found.\"]}`, or a missing or malformed field", body = FieldErrors),
        (status = 429, description = "Too many failed claims, with `Retry-After`", body = ErrorDetail),
        PublicWrite,
    ))]
pub async fn track_guest_order(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    Payload(form): Payload<GuestLookupForm>,
) -> Result<Json<Vec<OrderView>>, ApiError> {
    let lookup = form.parse()?;
    let order = super::find_guest_order(&state, &session, requester.ip, &lookup).await?;
    Ok(Json(vec![OrderView::new(
        &order,
        language.as_str(),
        state.clock.now(),
    )]))
}

/// A guest asks to cancel or return one item of their order, proven by its e-mail and number
/// (limited as the lookup is).
#[utoipa::path(post, path = "/users/orders/anonymous/cancellation_requests/", tag = "orders",
    request_body = inline(Object),
    responses(
        (status = 201, description = "The request (created now or by an identical earlier call)", body = Object),
        (status = 400, description = "`Order not found.`, or an item that cannot be requested", body = FieldErrors),
        (status = 429, description = "Too many failed claims, with `Retry-After`", body = ErrorDetail),
        PublicWrite,
    ))]
pub async fn request_guest_cancellation(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    Payload(form): Payload<GuestCancellationForm>,
) -> Result<Response, ApiError> {
    let (lookup, requests) = form.parse()?;
    let order = super::find_guest_order(&state, &session, requester.ip, &lookup).await?;
    let outcome = cancellations::request_cancellations(
        &state.db,
        Scope::Order(order.id),
        requests,
        Actor::Guest,
        state.clock.now(),
    )
    .await;
    match outcome {
        Ok(mut requests) => Ok((
            StatusCode::CREATED,
            Json(
                requests
                    .pop()
                    .map(|request| request_view(&request, language.as_str())),
            ),
        )
            .into_response()),
        refused => answer_requests(refused, &language),
    }
}

/// A guest asks to cancel or return several items of their order at once.
#[utoipa::path(post, path = "/users/orders/anonymous/bulk_cancellation_requests/", tag = "orders",
    request_body = inline(Object),
    responses(
        (status = 201, description = "The requests (created now or by an identical earlier call)", body = Vec<Object>),
        (status = 400, description = "`Order not found.`, or an item that cannot be requested", body = FieldErrors),
        (status = 429, description = "Too many failed claims, with `Retry-After`", body = ErrorDetail),
        PublicWrite,
    ))]
pub async fn request_guest_bulk_cancellation(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    Payload(form): Payload<GuestBulkCancellationForm>,
) -> Result<Response, ApiError> {
    let (lookup, requests) = form.parse()?;
    let order = super::find_guest_order(&state, &session, requester.ip, &lookup).await?;
    let outcome = cancellations::request_cancellations(
        &state.db,
        Scope::Order(order.id),
        requests,
        Actor::Guest,
        state.clock.now(),
    )
    .await;
    let mut answer = answer_requests(outcome, &language)?;
    if answer.status() == StatusCode::OK {
        *answer.status_mut() = StatusCode::CREATED;
    }
    Ok(answer)
}
