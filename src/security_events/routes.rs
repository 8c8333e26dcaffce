//! Handlers of the security log.

use axum::{Json, extract::State};

use super::types::SecurityEventView;
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ErrorDetail,
        openapi::LoginRequired,
        pagination::{ListRequest, Page, PageParams},
    },
    state::AppState,
};

/// The logged-in customer's security log, newest first: logins and failed logins of the
/// account, logouts, password and e-mail changes, sessions revoked, one-time codes, captchas and
/// throttling, each with its time, the client's IP (when known) and user agent.
#[utoipa::path(get, path = "/users/security-events/", tag = "security_events",
    params(PageParams),
    responses(
        (status = 200, description = "The log", body = Page<SecurityEventView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_security_events(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<SecurityEventView>>, ApiError> {
    Ok(Json(
        super::list_page(state.db.read(), &customer, &request).await?,
    ))
}
