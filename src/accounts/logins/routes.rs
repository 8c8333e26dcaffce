//! Handlers of the customer's active sessions.

use axum::{Json, extract::State, http::StatusCode};

use super::types::SessionView;
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ErrorDetail, Requester,
        openapi::{LoggedInWrite, LoginRequired},
        pagination::{ListRequest, Page, PageParams, PageRequest, PathPk},
    },
    sessions::Session,
    state::AppState,
};

/// The sessions that log the customer in now, newest first, `current` marking this one: when
/// each logged in and was last used (to the minute), from which IP (when known) and user agent.
#[utoipa::path(get, path = "/users/sessions/", tag = "sessions",
    params(PageParams),
    responses(
        (status = 200, description = "The live sessions", body = Page<SessionView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_sessions(
    State(state): State<AppState>,
    session: Session,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<SessionView>>, ApiError> {
    let paging = PageRequest::from_params(&request.params, None, None)?;
    let sessions = super::live_sessions(&state, &customer, Some(&session)).await?;
    let newest_first = sessions.into_iter().rev().map(SessionView::from).collect();
    Ok(Json(Page::of_all(newest_first, &paging, &request)?))
}

/// Ends one of the customer's sessions: it stops authenticating on every instance by the time
/// the answer comes (which takes up to `SESSION_CACHE_TTL`). Ending this one logs it out.
/// Recorded in the security log.
#[utoipa::path(delete, path = "/users/sessions/{id}/", tag = "sessions",
    params(("id" = i64, Path, description = "The session's `id` in the list")),
    responses(
        (status = 204, description = "Ended"),
        LoggedInWrite,
        (status = 404, description = "No such session of this customer", body = ErrorDetail),
    ))]
pub async fn end_session(
    State(state): State<AppState>,
    session: Session,
    CurrentCustomer(customer): CurrentCustomer,
    requester: Requester,
    PathPk(id): PathPk,
) -> Result<StatusCode, ApiError> {
    super::end_one(&state, &session, &customer, id, &requester).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the customer but this one, as [`end_session`] ends one.
#[utoipa::path(post, path = "/users/sessions/logout-others/", tag = "sessions",
    responses(
        (status = 200, description = "The other sessions are ended", body = ErrorDetail),
        LoggedInWrite,
    ))]
pub async fn log_out_other_sessions(
    State(state): State<AppState>,
    session: Session,
    CurrentCustomer(customer): CurrentCustomer,
    requester: Requester,
) -> Result<Json<ErrorDetail>, ApiError> {
    super::end_others(&state, &session, &customer, &requester).await?;
    Ok(ErrorDetail::json("Other sessions have been logged out."))
}
