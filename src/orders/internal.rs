//! The shop's side of orders, under the internal API (bearer token, no cookies, no CSRF: see
//! `http::internal`): orders arrive and change here.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde_json::{Map, Value};

use super::{NewOrder, OrderView, Stored, queries};
use crate::{
    http::{ApiError, ErrorDetail, FieldErrors, Payload},
    state::AppState,
};

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
    let stored = super::store_order(&state.db, new.clone(), now).await?;
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
