//! The handler of Akifast's consents.

use axum::{extract::State, http::StatusCode};

use super::types::PermissionsForm;
use crate::{
    http::{ApiError, FieldErrors, Payload, openapi::PublicWrite},
    state::AppState,
};

/// Keeps the marketing consents an Akifast guest gave for a basket, until the order of that
/// basket arrives (at most `AKIFAST_PERMISSIONS_TTL`); the same `uid` and `basket` again
/// replace them.
#[utoipa::path(post, path = "/users/permissions/", tag = "akifast",
    request_body = PermissionsForm,
    responses(
        (status = 204, description = "Kept"),
        (status = 400, description = "A malformed `uid` or a missing `basket`", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn keep_permissions(
    State(state): State<AppState>,
    Payload(form): Payload<PermissionsForm>,
) -> Result<StatusCode, ApiError> {
    let new = form.parse()?;
    let transaction = state.db.write().await?;
    super::keep(
        &transaction,
        &new,
        state.settings.akifast_permissions_ttl,
        state.clock.now(),
    )
    .await?;
    transaction.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
