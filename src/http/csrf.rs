//! CSRF protection: Django's stateless double submit, and `GET /csrf_token/` that feeds it.
//!
//! Hand-written because no crate matches what the storefront client needs: tokens that are not
//! bound to a session and never expire (the client fetches one cookieless before any session
//! exists and keeps it across login and logout), Django's masked-token equivalence, the
//! `csrfmiddlewaretoken` form field of the logout dance, and tokenless server-side calls to
//! login, registration and logout step 1 (see [`protect`]).

use axum::{
    Json,
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, header},
    response::{IntoResponse, Response},
};
use rand::{Rng, distr::Alphanumeric};
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    ApiError, BodyLimits, CsrfFailure, cookies,
    extract::{BodyFormat, parse_body, read_body},
};

/// Cookie holding the CSRF token; the browser's script reads it, so it is never HttpOnly.
pub const CSRF_COOKIE: &str = "csrftoken";
const CSRF_HEADER: &str = "x-csrftoken";
/// Form field carrying the token in urlencoded and multipart bodies (logout step 2).
pub const CSRF_FORM_FIELD: &str = "csrfmiddlewaretoken";
// Django's CSRF_COOKIE_AGE: one year.
const CSRF_COOKIE_AGE: std::time::Duration = std::time::Duration::from_secs(31_449_600);

/// The paths the storefront's own server calls without a token (contract §4).
const TOKENLESS_SERVER_CALLS: [&str; 3] =
    ["/users/login/", "/users/registration/", "/users/logout/"];

/// The outcome of the check, available to handlers as a request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfCheck {
    /// Safe method: nothing to check.
    NotRequired,
    /// A token matched the cookie.
    Passed,
    /// A tokenless call from a server (no sign of a browser) to login, registration or logout.
    TokenlessServerCall,
}

/// What the check needs of the configuration.
#[derive(Debug, Clone)]
pub struct CsrfSettings {
    /// Origins allowed in `Origin`/`Referer` besides the host (`CSRF_TRUSTED_ORIGINS`).
    pub trusted_origins: Vec<String>,
    /// Whether tokenless server calls are refused too (`CSRF_STRICT`).
    pub strict: bool,
    /// How much of a body is read when looking for the form field.
    pub body_limits: BodyLimits,
}

/// Routes of this module: `GET /csrf_token/`.
pub fn router<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new().routes(routes!(get_csrf_token))
}

/// A fresh CSRF token.
#[derive(Serialize, ToSchema)]
pub struct CsrfTokenView {
    /// 64 characters of `[A-Za-z0-9]`; send it back as the `csrftoken` cookie and the `X-CSRFToken` header.
    csrf_token: String,
}

/// A new CSRF token, in the body and as the `csrftoken` cookie. Creates no session; cheap.
#[utoipa::path(get, path = "/csrf_token/", tag = "sessions",
    responses((status = 200, description = "A token", body = CsrfTokenView)))]
pub async fn get_csrf_token() -> Response {
    let token = new_token();
    let headers = [
        (header::SET_COOKIE, token_cookie(&token)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, Json(CsrfTokenView { csrf_token: token })).into_response()
}

/// `Set-Cookie` for a token: readable by the browser's script (never HttpOnly), `Path=/`, one year.
pub fn token_cookie(token: &str) -> HeaderValue {
    cookies::SetCookie {
        name: CSRF_COOKIE,
        value: token,
        max_age: CSRF_COOKIE_AGE,
        http_only: false,
        secure: false,
    }
    .to_header()
}

/// A new random token: 64 alphanumerics, which is also a valid Django masked token.
pub fn new_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(64)
        .map(char::from)
        .collect()
}

/// Checks unsafe methods (POST, PUT, PATCH, DELETE); their outcome goes into the request's
/// extensions as a [`CsrfCheck`] (none for safe methods).
///
/// `Origin`/`Referer`, when present, must name this host or a trusted origin. Then the
/// `X-CSRFToken` header, or for form bodies the `csrfmiddlewaretoken` field, must match the
/// `csrftoken` cookie. Exception: login, registration and logout accept a request without any
/// token when it shows no sign of a browser (no `Origin`, no `Sec-Fetch-Site`), because the
/// storefront's server calls them directly; a browser's cross-site post always carries those
/// headers, so login CSRF stays closed. `CSRF_STRICT` removes the exception.
pub async fn verify(settings: &CsrfSettings, mut request: Request) -> Result<Request, ApiError> {
    let outcome = check(settings, &mut request).await?;
    if outcome != CsrfCheck::NotRequired {
        request.extensions_mut().insert(outcome);
    }
    Ok(request)
}

async fn check(settings: &CsrfSettings, request: &mut Request) -> Result<CsrfCheck, ApiError> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return Ok(CsrfCheck::NotRequired);
    }
    check_origin(request.headers(), &settings.trusted_origins)?;

    let candidate = match header_token(request.headers()) {
        Some(token) => Some(token),
        None => form_token(request, settings.body_limits).await?,
    };
    let Some(candidate) = candidate else {
        let headers = request.headers();
        let from_a_server =
            !headers.contains_key(header::ORIGIN) && !headers.contains_key("sec-fetch-site");
        if !settings.strict
            && from_a_server
            && TOKENLESS_SERVER_CALLS.contains(&request.uri().path())
        {
            return Ok(CsrfCheck::TokenlessServerCall);
        }
        return Err(match cookies::read(request.headers(), CSRF_COOKIE) {
            None => ApiError::Csrf(CsrfFailure::CookieNotSet),
            Some(_) => ApiError::Csrf(CsrfFailure::TokenMissing),
        });
    };
    let cookie = cookies::read(request.headers(), CSRF_COOKIE)
        .ok_or(ApiError::Csrf(CsrfFailure::CookieNotSet))?;
    if tokens_match(cookie, &candidate) {
        Ok(CsrfCheck::Passed)
    } else {
        Err(ApiError::Csrf(CsrfFailure::TokenIncorrect))
    }
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CSRF_HEADER)?.to_str().ok()?.trim();
    // The currency middleware sends an empty header when the browser has no token.
    (!value.is_empty()).then(|| value.to_owned())
}

/// The `csrfmiddlewaretoken` field of a urlencoded or multipart body. The parsed body is kept
/// for the handler, so the body is read once.
async fn form_token(request: &mut Request, limits: BodyLimits) -> Result<Option<String>, ApiError> {
    let format = BodyFormat::of(request.headers());
    if !matches!(format, BodyFormat::Form | BodyFormat::Multipart(_)) {
        return Ok(None);
    }
    let body = std::mem::replace(request.body_mut(), Body::empty());
    let bytes = read_body(request.headers(), body, limits.of(&format)).await?;
    let parsed = parse_body(&format, &bytes, limits).await?;
    let token = parsed.text_field(CSRF_FORM_FIELD).map(str::to_owned);
    request.extensions_mut().insert(parsed);
    Ok(token.filter(|token| !token.is_empty()))
}

fn check_origin(headers: &HeaderMap, trusted: &[String]) -> Result<(), ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    let allowed = |origin: &str| {
        let origin = origin.to_ascii_lowercase();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        (!origin_host.is_empty() && origin_host.eq_ignore_ascii_case(host))
            || trusted.contains(&origin)
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("(not text)");
        if !allowed(origin) {
            return Err(ApiError::Csrf(CsrfFailure::OriginMismatch(
                origin.to_owned(),
            )));
        }
    }
    if let Some(referer) = headers.get(header::REFERER) {
        let referer = referer.to_str().unwrap_or("(not text)");
        if !allowed(&origin_of(referer)) {
            return Err(ApiError::Csrf(CsrfFailure::RefererMismatch(
                referer.to_owned(),
            )));
        }
    }
    Ok(())
}

/// `https://host:port/path?q` → `https://host:port`.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{authority}")
        }
        None => String::new(),
    }
}

/// Whether a submitted token matches the cookie: equal, or equal secrets under Django's masking.
fn tokens_match(cookie: &str, candidate: &str) -> bool {
    if cookie.len() == candidate.len() && bool::from(cookie.as_bytes().ct_eq(candidate.as_bytes()))
    {
        return well_formed(cookie);
    }
    match (secret_of(cookie), secret_of(candidate)) {
        (Some(a), Some(b)) => bool::from(a.ct_eq(&b)),
        _ => false,
    }
}

fn well_formed(token: &str) -> bool {
    matches!(token.len(), 32 | 64) && token.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

const ALPHABET: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn alphabet_index(byte: u8) -> usize {
    match byte {
        b'a'..=b'z' => usize::from(byte - b'a'),
        b'A'..=b'Z' => usize::from(byte - b'A') + 26,
        _ => usize::from(byte.wrapping_sub(b'0')) + 52,
    }
}

/// The 32-character secret behind a token: itself, or the unmasked cipher of a 64-character one.
fn secret_of(token: &str) -> Option<[u8; 32]> {
    if !well_formed(token) {
        return None;
    }
    let bytes = token.as_bytes();
    let mut secret = [0u8; 32];
    if bytes.len() == 32 {
        secret.copy_from_slice(bytes);
    } else {
        let (mask, cipher) = bytes.split_at(32);
        for (index, slot) in secret.iter_mut().enumerate() {
            let position = (alphabet_index(cipher[index]) + 62 - alphabet_index(mask[index])) % 62;
            *slot = ALPHABET[position];
        }
    }
    Some(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Django's `_mask_cipher_secret`, for building test vectors.
    fn mask(secret: &str, mask: &str) -> String {
        let cipher: String = secret
            .bytes()
            .zip(mask.bytes())
            .map(|(s, m)| char::from(ALPHABET[(alphabet_index(s) + alphabet_index(m)) % 62]))
            .collect();
        format!("{mask}{cipher}")
    }

    #[test]
    fn identical_tokens_match() {
        let token = new_token();
        assert!(tokens_match(&token, &token));
    }

    #[test]
    fn a_masked_token_matches_its_secret_and_another_masking_of_it() {
        let secret = "abcdefghijklmnopqrstuvwxyzABCDEF";
        let first = mask(secret, "0123456789ABCDEFGHIJKLMNOPQRSTUV");
        let second = mask(secret, "zyxwvutsrqponmlkjihgfedcbaZYXWVU");
        assert!(tokens_match(secret, &first));
        assert!(tokens_match(&first, &second));
        assert!(!tokens_match(
            &first,
            &mask(
                "bbcdefghijklmnopqrstuvwxyzABCDEF",
                "0123456789ABCDEFGHIJKLMNOPQRSTUV"
            )
        ));
    }

    #[test]
    fn malformed_tokens_never_match() {
        for bad in ["", "short", "a;b=c", &"-".repeat(64)] {
            assert!(!tokens_match(bad, bad), "{bad}");
        }
    }

    #[test]
    fn the_origin_of_a_referer_drops_path_and_query() {
        assert_eq!(
            origin_of("https://shop.example.com:8443/a/b?c#d"),
            "https://shop.example.com:8443"
        );
        assert_eq!(origin_of("not a url"), "");
    }
}
