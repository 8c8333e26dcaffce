//! One error type for every handler, mapped to the documented bodies: 400 field errors
//! `{"field": ["msg"], "non_field_errors": ["msg"]}`, `{"detail": "..."}` for 401/403/404/405/409
//! and 500, `non_field_errors` for 413/415 so that even a login form can display them, and 429
//! with `Retry-After` in the shape the endpoint's contract gives. Field errors go under another
//! status only where a contract says so (202 "a code was sent", 406 a wrong SMS code).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use axum::{
    Json,
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// Field name under which errors that belong to no single field are reported.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

/// Validation errors by field: every value is a list of messages (the client joins them).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"email": ["Enter a valid email address."], "password": ["This field is required."]}))]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// Adds a message to a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Records the error of a parse step and keeps going, so one answer lists every problem.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    /// Whether no field has an error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when there are no errors, else the errors as an [`ApiError`].
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, ApiError> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(ApiError::Validation(self))
        }
    }
}

/// The `{"detail": "..."}` body of non-validation errors.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"detail": "Authentication credentials were not provided."}))]
pub struct ErrorDetail {
    /// What went wrong.
    pub detail: String,
}

impl ErrorDetail {
    /// `{"detail": text}` as a JSON body: DRF's shape for a message, also of a success
    /// (`{"detail": "ok"}`).
    pub fn json(text: &str) -> axum::Json<Self> {
        axum::Json(Self {
            detail: text.to_owned(),
        })
    }
}

/// Why a CSRF check failed; the text follows Django's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrfFailure {
    /// No `csrftoken` cookie.
    CookieNotSet,
    /// No `X-CSRFToken` header nor `csrfmiddlewaretoken` form field.
    TokenMissing,
    /// The token does not match the cookie (or is malformed).
    TokenIncorrect,
    /// `Origin` names neither this host nor a trusted origin.
    OriginMismatch(String),
    /// `Referer` names neither this host nor a trusted origin.
    RefererMismatch(String),
}

impl std::fmt::Display for CsrfFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CookieNotSet => write!(f, "CSRF cookie not set."),
            Self::TokenMissing => write!(f, "CSRF token missing."),
            Self::TokenIncorrect => write!(f, "CSRF token incorrect."),
            Self::OriginMismatch(origin) => {
                write!(
                    f,
                    "Origin checking failed - {origin} does not match any trusted origins."
                )
            }
            Self::RefererMismatch(referer) => {
                write!(
                    f,
                    "Referer checking failed - {referer} does not match any trusted origins."
                )
            }
        }
    }
}

/// Every error a handler, extractor or middleware can answer with.
#[derive(Debug)]
pub enum ApiError {
    /// 400 with field errors.
    Validation(FieldErrors),
    /// Field errors under another status where a contract gives one: 202 for a form that waits
    /// for a code sent by SMS (auth.md §4.3), 406 for a wrong code at login by phone.
    Form(StatusCode, FieldErrors),
    /// 401: login required and there is no valid logged-in session.
    Unauthenticated,
    /// 403: the CSRF check failed.
    Csrf(CsrfFailure),
    /// 404 `{"detail": "Not found."}`.
    NotFound,
    /// 404 `{"detail": "Invalid page."}`: a page number that is not one or lies past the last
    /// page (DRF's answer, which the client logs and shows as an empty list).
    InvalidPage,
    /// 405 for this method.
    MethodNotAllowed(Method),
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415: a body in a format we do not read.
    UnsupportedMediaType(String),
    /// 409 `{"detail": "..."}`: the change conflicts with what is stored (a unique value taken).
    Conflict(String),
    /// 429 with `Retry-After`: too many requests of this kind; the body is the endpoint's.
    TooManyRequests {
        /// When the next attempt may succeed.
        retry_after: Duration,
        /// `{"detail": ...}` or, where a form shows it (login), field errors.
        body: ThrottledBody,
    },
    /// 400 `{"redirect_url": "..."}` and no other key: the client must go through that page
    /// first (the captcha, auth.md §3.4).
    Redirect(String),
    /// 500: a bug or an unavailable dependency; the cause is logged, never sent.
    Internal(anyhow::Error),
}

/// The body of a 429.
#[derive(Debug)]
pub enum ThrottledBody {
    /// DRF's `{"detail": "Request was throttled. Expected available in N seconds."}`.
    Detail,
    /// `{"non_field_errors": ["Too many attempts. Try again later."]}` (login, auth.md §3).
    Form,
}

impl ApiError {
    /// A 429 with DRF's `detail` body.
    pub fn throttled(retry_after: Duration) -> Self {
        Self::TooManyRequests {
            retry_after,
            body: ThrottledBody::Detail,
        }
    }

    /// A 429 whose body a form displays: `non_field_errors`.
    pub fn too_many_attempts(retry_after: Duration) -> Self {
        Self::TooManyRequests {
            retry_after,
            body: ThrottledBody::Form,
        }
    }

    /// `error` as an answer, with a unique-constraint violation (on either backend) answered
    /// `on_duplicate()` instead: a field error, say, for an e-mail address registered meanwhile.
    pub fn unless_duplicate(error: sea_orm::DbErr, on_duplicate: impl FnOnce() -> Self) -> Self {
        if is_unique_violation(&error) {
            on_duplicate()
        } else {
            Self::Internal(error.into())
        }
    }

    /// A 400 with one message on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Validation(errors)
    }

    /// A 400 with one message that belongs to no single field.
    pub fn non_field(message: impl Into<String>) -> Self {
        Self::field(NON_FIELD_ERRORS, message)
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::Redirect(_) => StatusCode::BAD_REQUEST,
            Self::Form(status, _) => *status,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotFound | Self::InvalidPage => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

/// Whether `error` is a unique-constraint violation: the one place that tells, for SQLite and
/// PostgreSQL alike (through SeaORM's reading of the driver's error).
pub fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// A database error nobody anticipated: a unique-constraint violation (two requests creating
/// the same thing at once) is a 409, anything else a 500.
impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        if is_unique_violation(&error) {
            tracing::info!(error = ?error, "a write conflicted with a stored row");
            Self::Conflict("This conflicts with a change made at the same time.".to_owned())
        } else {
            Self::Internal(error.into())
        }
    }
}

fn throttled_response(retry_after: Duration, body: ThrottledBody) -> Response {
    // Whole seconds, rounded up: a client waiting what it is told must not come back too early.
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let body = match body {
        ThrottledBody::Detail => detail(format!(
            "Request was throttled. Expected available in {seconds} seconds."
        )),
        ThrottledBody::Form => json!({NON_FIELD_ERRORS: ["Too many attempts. Try again later."]}),
    };
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, HeaderValue::from(seconds))],
        Json(body),
    )
        .into_response()
}

/// The cause of a 500, riding on the response to where the request is observed
/// (`ops::Observation`), which logs it once with the request's method, route and id.
#[derive(Clone, Debug)]
pub struct ErrorReport(pub Arc<anyhow::Error>);

fn detail(message: impl Into<String>) -> serde_json::Value {
    json!({ "detail": message.into() })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match self {
            Self::Validation(errors) | Self::Form(_, errors) => json!(errors),
            Self::Redirect(url) => json!({ "redirect_url": url }),
            Self::Unauthenticated => detail("Authentication credentials were not provided."),
            Self::Csrf(failure) => detail(format!("CSRF Failed: {failure}")),
            Self::NotFound => detail("Not found."),
            Self::InvalidPage => detail("Invalid page."),
            Self::Conflict(message) => detail(message),
            Self::TooManyRequests { retry_after, body } => {
                return throttled_response(retry_after, body);
            }
            Self::MethodNotAllowed(method) => detail(format!("Method \"{method}\" not allowed.")),
            Self::PayloadTooLarge { limit } => json!({
                NON_FIELD_ERRORS: [format!("Request body is too large: the limit is {limit} bytes.")]
            }),
            Self::UnsupportedMediaType(media_type) => json!({
                NON_FIELD_ERRORS: [format!("Unsupported media type \"{media_type}\" in request.")]
            }),
            Self::Internal(error) => {
                let mut response = (status, Json(detail("Internal server error"))).into_response();
                response
                    .extensions_mut()
                    .insert(ErrorReport(Arc::new(error)));
                return response;
            }
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110 wants a challenge with 401; Django's session auth names no scheme, so we
            // name the cookie-based one the client actually uses.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Session"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_429_says_when_to_come_back_in_whole_seconds_rounded_up() {
        let response = ApiError::throttled(Duration::from_millis(2_100)).into_response();

        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(
            body_of(response).await,
            json!({"detail": "Request was throttled. Expected available in 3 seconds."})
        );
    }

    #[tokio::test]
    async fn a_login_429_is_a_form_error() {
        let response = ApiError::too_many_attempts(Duration::from_secs(60)).into_response();

        assert_eq!(response.headers()[header::RETRY_AFTER], "60");
        assert_eq!(
            body_of(response).await,
            json!({"non_field_errors": ["Too many attempts. Try again later."]})
        );
    }

    #[tokio::test]
    async fn an_invalid_page_and_a_conflict_have_their_details() {
        let page = ApiError::InvalidPage.into_response();
        let conflict = ApiError::Conflict("Taken.".into()).into_response();

        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert_eq!(body_of(page).await, json!({"detail": "Invalid page."}));
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        assert_eq!(body_of(conflict).await, json!({"detail": "Taken."}));
    }
}
