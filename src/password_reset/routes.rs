//! Handlers of the password reset area.

use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::request::Parts,
};

use super::types::{PasswordResetConfirmForm, PasswordResetForm, ResetLink};
use crate::{
    accounts::NewPasswordForm,
    http::{
        ApiError, ClientIp, ErrorDetail, FieldErrors, Payload, Requester, error::ThrottledBody,
        openapi::PublicWrite,
    },
    languages::RequestLanguage,
    sessions::Session,
    state::AppState,
};

/// The `{uidb64}/{token}` of a reset link's path. A path that cannot be read at all (bad
/// percent-encoding) is an invalid token, never axum's plain-text rejection.
pub struct LinkInPath(ResetLink);

impl<S: Send + Sync> FromRequestParts<S> for LinkInPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((uidb64, token)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::field("token", "Invalid value"))?;
        Ok(Self(ResetLink::parse(&uidb64, &token)))
    }
}

/// Mails a password reset link to the account of this address, at most once a minute per
/// address. The same answer whether or not an account has this address.
#[utoipa::path(post, path = "/users/password/reset/", tag = "password_reset",
    request_body = PasswordResetForm,
    responses(
        (status = 200, description = "Mailed if the account exists (the answer does not say)", body = ErrorDetail),
        (status = 400, description = "A missing or malformed address", body = FieldErrors),
        (status = 429, description = "Past `MAIL_REQUEST_ATTEMPTS` an hour for the address, session or client IP, with `Retry-After`", body = ErrorDetail),
        PublicWrite,
    ))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    session: Session,
    ClientIp(client_ip): ClientIp,
    language: RequestLanguage,
    Payload(form): Payload<PasswordResetForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    let email = form.parse()?;
    let budget = &state.limits.budgets().mail_requests;
    let address = email.lowercase();
    let subject = Some(("email", address.as_str()));
    state
        .limits
        .take_for_visitor(budget, &session, client_ip, subject, ThrottledBody::Detail)
        .await?;
    super::mail_reset_link(&state, &email, &language).await?;
    Ok(ErrorDetail::json("Password reset e-mail has been sent."))
}

/// Checks a reset link before asking for the new password: `{"detail": "ok"}` while it is valid.
#[utoipa::path(get, path = "/users/reset/{uidb64}/{token}/", tag = "password_reset",
    params(
        ("uidb64" = String, Path, description = "The customer's pk in URL-safe base64"),
        ("token" = String, Path, description = "The token from the mail"),
    ),
    responses(
        (status = 200, description = "The link is valid", body = ErrorDetail),
        (status = 400, description = "`{\"token\": [\"Invalid value\"]}` or `{\"uid\": [\"Invalid value\"]}`", body = FieldErrors),
    ))]
pub async fn check_reset_link(
    State(state): State<AppState>,
    LinkInPath(link): LinkInPath,
) -> Result<Json<ErrorDetail>, ApiError> {
    super::linked_customer(&state, state.db.read(), &link).await?;
    Ok(ErrorDetail::json("ok"))
}

/// Sets a new password through the mailed link (urlencoded as the client sends it, or JSON). The
/// link is spent, every session of the customer ends, and nobody is logged in.
#[utoipa::path(post, path = "/users/reset/{uidb64}/{token}/", tag = "password_reset",
    params(
        ("uidb64" = String, Path, description = "The customer's pk in URL-safe base64"),
        ("token" = String, Path, description = "The token from the mail"),
    ),
    request_body(content = NewPasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The password is reset", body = ErrorDetail),
        (status = 400, description = "Missing fields, a weak password, or an invalid link (`uid`/`token`: `Invalid value`)", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    LinkInPath(link): LinkInPath,
    requester: Requester,
    Payload(form): Payload<NewPasswordForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    let new_password = form.parse()?;
    super::reset_password(&state, &link, &new_password, &requester).await?;
    Ok(ErrorDetail::json(
        "Password has been reset with the new password.",
    ))
}

/// dj-rest-auth's form of the reset: the link's `uid` and `token` in the body with the new
/// password. Same effects and answers as `POST /users/reset/{uidb64}/{token}/`.
#[utoipa::path(post, path = "/users/password/reset/confirm/", tag = "password_reset",
    request_body = PasswordResetConfirmForm,
    responses(
        (status = 200, description = "The password is reset", body = ErrorDetail),
        (status = 400, description = "Missing fields, a weak password, or an invalid link (`uid`/`token`: `Invalid value`)", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    requester: Requester,
    Payload(form): Payload<PasswordResetConfirmForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    let (link, new_password) = form.parse()?;
    super::reset_password(&state, &link, &new_password, &requester).await?;
    Ok(ErrorDetail::json(
        "Password has been reset with the new password.",
    ))
}
