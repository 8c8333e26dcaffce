//! Handlers of the captcha area.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, Uri, header},
    response::{Html, IntoResponse, Response},
};

use super::types::{self, CaptchaForm, CaptchaFormView, SolvedView};
use crate::{
    http::ApiError,
    http::{
        ClientIp, Payload,
        csrf::{new_token, token_cookie},
        openapi::PublicWrite,
    },
    sessions::Session,
    state::AppState,
};

const PZ_CAPTCHA: &str = "/users/pz-captcha/";
const CAPTCHA_PAGE: &str = "/users/captcha/";

/// The captcha form as JSON, for the client to scrape the site key and a CSRF token from (it
/// sets the token as its `csrftoken` cookie itself, so none is set here). Creates a guest
/// session when there is none: the captcha's pass and the login that follows must meet in it.
/// Always 200, also when no captcha is configured.
#[utoipa::path(get, path = "/users/pz-captcha/", tag = "captcha",
    responses((status = 200, description = "The form", body = CaptchaFormView)))]
pub async fn get_pz_captcha(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<CaptchaFormView>, ApiError> {
    super::keep_session(&session).await?;
    Ok(Json(pz_form(&state, false)))
}

/// Checks a solved captcha (`g-recaptcha-response`, urlencoded): `{"location": "/"}` when it
/// passes, and the session may try one login; otherwise the form again, with the reason. Never
/// a 4xx for a captcha that fails: the client would retry it.
#[utoipa::path(post, path = "/users/pz-captcha/", tag = "captcha",
    request_body(content = CaptchaForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`{\"location\": \"/\"}` when solved, else the form again as `{\"html\"}`", body = SolvedView),
        PublicWrite,
    ))]
pub async fn solve_pz_captcha(
    State(state): State<AppState>,
    session: Session,
    ClientIp(client_ip): ClientIp,
    Payload(form): Payload<CaptchaForm>,
) -> Result<Response, ApiError> {
    if super::solve(&state, &session, client_ip, form.response.as_deref()).await? {
        return Ok(Json(SolvedView { location: "/" }).into_response());
    }
    Ok(Json(pz_form(&state, true)).into_response())
}

/// Akinon's captcha page (HTML): the form and the widget, posting back here with `next`. Sets
/// the `csrftoken` cookie its form's token matches, and creates a guest session when there is
/// none.
#[utoipa::path(get, path = "/users/captcha/", tag = "captcha",
    params(("next" = Option<String>, Query, description = "The path to go to once solved")),
    responses((status = 200, description = "The page", content_type = "text/html")))]
pub async fn get_captcha_page(
    State(state): State<AppState>,
    session: Session,
    uri: Uri,
) -> Result<Response, ApiError> {
    super::keep_session(&session).await?;
    let next = query_next(&uri);
    Ok(captcha_page(
        &state,
        types::local_path(next.as_deref()),
        false,
    ))
}

/// Checks a solved captcha posted from the page (`g-recaptcha-response`, `next`,
/// `csrfmiddlewaretoken`): a redirect to `next` (a path on this site, else `/`) when it
/// passes, and the session may try one login; otherwise the page again, with the reason.
#[utoipa::path(post, path = "/users/captcha/", tag = "captcha",
    request_body(content = CaptchaForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 302, description = "Solved: to `next`"),
        (status = 200, description = "Not solved: the page again", content_type = "text/html"),
        PublicWrite,
    ))]
pub async fn solve_captcha_page(
    State(state): State<AppState>,
    session: Session,
    ClientIp(client_ip): ClientIp,
    Payload(form): Payload<CaptchaForm>,
) -> Result<Response, ApiError> {
    let next = types::local_path(form.next.as_deref());
    if super::solve(&state, &session, client_ip, form.response.as_deref()).await? {
        let location = HeaderValue::from_str(next).unwrap_or(HeaderValue::from_static("/"));
        return Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response());
    }
    Ok(captcha_page(&state, next, true))
}

fn pz_form(state: &AppState, failed: bool) -> CaptchaFormView {
    CaptchaFormView {
        html: types::form(
            PZ_CAPTCHA,
            &new_token(),
            &state.captcha.site_key,
            None,
            failed,
        ),
    }
}

fn captcha_page(state: &AppState, next: &str, failed: bool) -> Response {
    let token = new_token();
    let form = types::form(
        CAPTCHA_PAGE,
        &token,
        &state.captcha.site_key,
        Some(next),
        failed,
    );
    // The cookie lets a plain browser post the form back.
    let headers = [
        (header::SET_COOKIE, token_cookie(&token)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, Html(types::page(&form))).into_response()
}

/// The `next` parameter of the query string, if any.
fn query_next(uri: &Uri) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "next")
        .map(|(_, value)| value.into_owned())
}
