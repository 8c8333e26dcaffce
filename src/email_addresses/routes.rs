//! Handlers of the e-mail address area: thin; the work is in the area's root.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
};

use super::types::{EmailChangeForm, ResendEmailForm, Token, VerifyEmailForm};
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ClientIp, ErrorDetail, FieldErrors, Payload, Requester,
        error::ThrottledBody,
        openapi::{LoggedInWrite, PublicWrite},
    },
    languages::RequestLanguage,
    sessions::Session,
    state::AppState,
};

/// The token in the path. Ours never hold `/`, so the one segment before the final `/` is all of
/// it; a path with more segments is no key we issued and gets the router's identical 404.
/// Anything not shaped like a token is a 404 like an unknown one, never axum's plain text.
fn token_in(path: Result<Path<String>, PathRejection>) -> Result<Token, ApiError> {
    path.ok()
        .and_then(|Path(raw)| Token::parse(&raw))
        .ok_or(ApiError::NotFound)
}

/// Confirms the e-mail address a confirmation link was mailed to (the theme's confirmation page
/// calls it with the link's key). Public; opening the link again still answers "ok".
#[utoipa::path(get, path = "/users/registration/account-confirm-email/{key}/", tag = "email addresses",
    params(("key" = String, Path, description = "The key of the mailed link")),
    responses(
        (status = 200, description = "Confirmed (now or before): `{\"detail\": \"ok\"}`", body = ErrorDetail),
        (status = 404, description = "Unknown, expired or tampered key, or one for an address the account no longer has", body = ErrorDetail),
    ))]
pub async fn confirm_email(
    State(state): State<AppState>,
    key: Result<Path<String>, PathRejection>,
) -> Result<Json<ErrorDetail>, ApiError> {
    super::confirm(&state, &token_in(key)?).await?;
    Ok(ErrorDetail::json("ok"))
}

/// Same as opening the confirmation link, with the key in the body (dj-rest-auth's endpoint).
#[utoipa::path(post, path = "/users/registration/verify-email/", tag = "email addresses",
    request_body = VerifyEmailForm,
    responses(
        (status = 200, description = "Confirmed: `{\"detail\": \"ok\"}`", body = ErrorDetail),
        (status = 400, description = "No key", body = FieldErrors),
        PublicWrite,
        (status = 404, description = "Unknown, expired or tampered key", body = ErrorDetail),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    Payload(form): Payload<VerifyEmailForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    super::confirm(&state, &form.parse()?).await?;
    Ok(ErrorDetail::json("ok"))
}

/// Mails a new confirmation link to the address if an account with it awaits confirmation;
/// the same answer whether or not one does. One mail per address a minute at most.
#[utoipa::path(post, path = "/users/registration/resend-email/", tag = "email addresses",
    request_body = ResendEmailForm,
    responses(
        (status = 200, description = "`{\"detail\": \"ok\"}`, whether or not the address is registered", body = ErrorDetail),
        (status = 400, description = "Missing or malformed address", body = FieldErrors),
        (status = 429, description = "Past `MAIL_REQUEST_ATTEMPTS` an hour for the address, session or client IP, with `Retry-After`", body = ErrorDetail),
        PublicWrite,
    ))]
pub async fn resend_email(
    State(state): State<AppState>,
    session: Session,
    ClientIp(client_ip): ClientIp,
    language: RequestLanguage,
    Payload(form): Payload<ResendEmailForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    let email = form.parse()?;
    let budget = &state.limits.budgets().mail_requests;
    let address = email.lowercase();
    let subject = Some(("email", address.as_str()));
    state
        .limits
        .take_for_visitor(budget, &session, client_ip, subject, ThrottledBody::Detail)
        .await?;
    super::resend(&state, &email, &language).await?;
    Ok(ErrorDetail::json("ok"))
}

/// Asks to change the account's e-mail address, given the password: a link goes to the new
/// address (which becomes the account's once it is opened) and a notice to the current one. A
/// new request replaces an earlier one and its link.
#[utoipa::path(post, path = "/users/email-change/", tag = "email addresses",
    request_body = EmailChangeForm,
    responses(
        (status = 200, description = "`{\"detail\": \"Confirmation e-mail sent.\"}`", body = ErrorDetail),
        (status = 400, description = "Wrong password, malformed or mismatched address, the current one, or one taken; always in `non_field_errors`", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn change_email(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    Payload(form): Payload<EmailChangeForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    super::request_change(&state, &customer, form.parse()?, &language).await?;
    Ok(ErrorDetail::json("Confirmation e-mail sent."))
}

/// Applies the e-mail change whose link was opened (from any device, logged in or not). The
/// customer's sessions stay valid; opening the link again still answers "ok".
#[utoipa::path(get, path = "/users/email-set-primary/{token}/", tag = "email addresses",
    params(("token" = String, Path, description = "The token of the mailed link")),
    responses(
        (status = 200, description = "Applied (now or before): `{\"detail\": \"ok\"}`", body = ErrorDetail),
        (status = 400, description = "The address was taken by another account meanwhile", body = FieldErrors),
        (status = 404, description = "Unknown, expired, tampered or superseded token", body = ErrorDetail),
    ))]
pub async fn set_primary_email(
    State(state): State<AppState>,
    language: RequestLanguage,
    requester: Requester,
    token: Result<Path<String>, PathRejection>,
) -> Result<Json<ErrorDetail>, ApiError> {
    super::apply_change(&state, &token_in(token)?, &language, &requester).await?;
    Ok(ErrorDetail::json("ok"))
}
