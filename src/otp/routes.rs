//! Handlers of the one-time codes area.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use serde_json::Map;

use super::types::PhoneLoginForm;
use crate::{
    accounts::{self, KeyView},
    config::EmailVerification,
    email_addresses,
    http::{ApiError, FieldErrors, Payload, Requester, openapi::PublicWrite},
    languages::RequestLanguage,
    sessions::Session,
    state::AppState,
};

/// Logs in by phone (Akinon's SMS login). With `phone` alone: `{}`, and a code sent by SMS when
/// the phone is the verified phone of an active account (the answer does not say whether it
/// is). With `phone` and `code`: logged in exactly as by `POST /users/login/` (the session key
/// rotates, guest data stays), answering a `key`.
#[utoipa::path(post, path = "/users/login/otp/", tag = "accounts",
    request_body = PhoneLoginForm,
    responses(
        (status = 200, description = "`{}` when a code was asked for; `{\"key\": …}` and the session cookie when logged in", body = KeyView),
        (status = 400, description = "A missing or invalid phone, or a new code asked for within a minute of the last", body = FieldErrors),
        (status = 406, description = "A wrong, expired or spent code: `{\"code\": [\"Invalid verification code.\"]}`", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn log_in_with_phone(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    Payload(form): Payload<PhoneLoginForm>,
) -> Result<Response, ApiError> {
    let login = form.parse(state.settings.phone_default_region)?;
    let Some(code) = login.code else {
        super::send_phone_login_code(&state, &login.phone, &language, &requester).await?;
        return Ok(Json(Map::new()).into_response());
    };
    let customer = super::check_phone_login_code(&state, &login.phone, &code, &requester).await?;
    // As at `/users/login/`: under mandatory verification an unverified address waits for its
    // link, and gets a fresh one.
    if state.settings.email_verification == EmailVerification::Mandatory
        && !customer.is_email_verified()
    {
        email_addresses::mail_new_confirmation_link(&state, &customer, &language).await?;
        return Err(ApiError::non_field("E-mail is not verified."));
    }
    accounts::start_session(&state, &session, &customer, &requester).await?;
    Ok(Json(KeyView::new()).into_response())
}
