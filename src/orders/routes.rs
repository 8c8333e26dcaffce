//! Handlers of the orders area for customers.

use axum::{Json, extract::State};

use super::{OrderView, ReasonView, queries};
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ErrorDetail, FieldErrors,
        openapi::LoginRequired,
        pagination::{ListRequest, Page, PageParams, PathPk},
    },
    languages::RequestLanguage,
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
