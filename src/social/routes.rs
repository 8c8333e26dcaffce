//! Handlers of the social login area.

use axum::{
    Json,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::types::SocialAccountView;
use crate::{
    accounts::CurrentCustomer,
    http::{
        ApiError, ErrorDetail, FieldErrors, Requester,
        openapi::{LoggedInWrite, LoginRequired},
        pagination::{ListRequest, Page, PageParams, PageRequest, PathPk, QueryParams},
    },
    languages::RequestLanguage,
    sessions::Session,
    state::AppState,
};

/// Where the storefront's middleware expects a successful login to land (auth.md §9.2).
const LOGGED_IN_LOCATION: &str = "/baskets/basket/";

/// Where a failed login lands.
const FAILED_LOCATION: &str = "/";

/// What the `messages` cookie may leave unencoded: no `;`, `,` or space can break the header.
const MESSAGE_SAFE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');

/// Sends the visitor to the provider to sign in. A guest session keeps the login under way (its
/// cookie is set when new); extra query parameters (`process`, `next`) are ignored. A provider
/// that cannot be reached sends the visitor back to `/`.
#[utoipa::path(get, path = "/{provider}/login/", tag = "social",
    params(("provider" = String, Path, description = "A provider of `SOCIAL_PROVIDERS`, e.g. `google`")),
    responses(
        (status = 302, description = "To the provider's authorization page (or to `/` when it cannot be reached)",
            headers(("Location" = String, description = "The provider's authorization URL"))),
        (status = 404, description = "No such provider configured", body = ErrorDetail),
    ))]
pub async fn start_login(
    State(state): State<AppState>,
    session: Session,
    provider: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Ok(Path(name)) = provider else {
        return Err(ApiError::NotFound);
    };
    let provider = state.social.get(&name).ok_or(ApiError::NotFound)?;
    let location = super::start(&session, provider).await?;
    Ok(found(location.as_deref().unwrap_or(FAILED_LOCATION), None))
}

/// Where the provider sends the visitor back (through the storefront's rewrite). On success the
/// visitor is logged in as at `/users/login/` (key rotation, guest data kept) and sent to
/// `/baskets/basket/` with the session cookie and a `messages` cookie saying "Successfully
/// signed in as …", which the storefront's middleware looks for. Any failure (bad or replayed
/// state, an error from the provider, an ID token that does not check out, no e-mail address)
/// sends the visitor to `/` without `messages`, as they were.
#[utoipa::path(get, path = "/{provider}/login/callback/", tag = "social",
    params(
        ("provider" = String, Path, description = "A provider of `SOCIAL_PROVIDERS`"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state sent at the start"),
        ("error" = Option<String>, Query, description = "The provider's error, e.g. `access_denied`"),
    ),
    responses(
        (status = 302, description = "Logged in: to `/baskets/basket/` with the session and `messages` cookies; failed: to `/`",
            headers(("Location" = String, description = "`/baskets/basket/` or `/`"))),
        (status = 404, description = "No such provider configured", body = ErrorDetail),
    ))]
pub async fn finish_login(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    provider: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Ok(Path(name)) = provider else {
        return Err(ApiError::NotFound);
    };
    let provider = state.social.get(&name).ok_or(ApiError::NotFound)?;
    let params = QueryParams::parse(query.as_deref());
    let signed_in =
        super::sign_in(&state, &session, provider, &params, &requester, &language).await?;
    let Some(customer) = signed_in else {
        return Ok(found(FAILED_LOCATION, None));
    };
    // What Django's message framework would store; the middleware only looks for the words.
    let message = format!("Successfully signed in as {}.", customer.email.as_ref());
    let cookie = format!(
        "messages={}; Path=/; SameSite=Lax",
        utf8_percent_encode(&message, MESSAGE_SAFE)
    );
    Ok(found(
        LOGGED_IN_LOCATION,
        HeaderValue::try_from(cookie).ok(),
    ))
}

/// The logged-in customer's social login links, oldest first.
#[utoipa::path(get, path = "/users/social-accounts/", tag = "social",
    params(PageParams),
    responses(
        (status = 200, description = "The links", body = Page<SocialAccountView>),
        LoginRequired,
    ))]
pub async fn list_social_accounts(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<SocialAccountView>>, ApiError> {
    let paging = PageRequest::from_params(&request.params, None, None)?;
    let links = super::list_links(&state, &customer).await?;
    let views = links.iter().map(SocialAccountView::from).collect();
    Ok(Json(Page::of_all(views, &paging, &request)?))
}

/// Unlinks a provider from the logged-in customer's account. Refused while it is the only way in
/// (the account has no usable password: set one at `/users/password/set/` first).
#[utoipa::path(delete, path = "/users/social-accounts/{id}/", tag = "social",
    params(("id" = i64, Path, description = "The link's id")),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 400, description = "The only way into the account", body = FieldErrors),
        LoggedInWrite,
        (status = 404, description = "No such link of this customer", body = ErrorDetail),
    ))]
pub async fn unlink_social_account(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    requester: Requester,
    PathPk(id): PathPk,
) -> Result<StatusCode, ApiError> {
    super::unlink(&state, &customer, id, &requester).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A `302 Found` to `location` (never axum's `Redirect`, which answers 303), with `cookie`.
fn found(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::try_from(location) {
        headers.insert(header::LOCATION, location);
    }
    if let Some(cookie) = cookie {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}
