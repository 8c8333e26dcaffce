//! One error type for every handler, mapped to the documented bodies: 400 field errors
//! `{"field": ["msg"], "non_field_errors": ["msg"]}`, `{"detail": "..."}` for 401/403/404/405/429
//! and 500, and `non_field_errors` for 413/415 so that even a login form can display them.

use std::{collections::BTreeMap, sync::Arc};

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
    /// 401: login required and there is no valid logged-in session.
    Unauthenticated,
    /// 403: the CSRF check failed.
    Csrf(CsrfFailure),
    /// 404.
    NotFound,
    /// 405 for this method.
    MethodNotAllowed(Method),
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415: a body in a format we do not read.
    UnsupportedMediaType(String),
    /// 500: a bug or an unavailable dependency; the cause is logged, never sent.
    Internal(anyhow::Error),
}

impl ApiError {
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
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
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

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Internal(error.into())
    }
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
            Self::Validation(errors) => json!(errors),
            Self::Unauthenticated => detail("Authentication credentials were not provided."),
            Self::Csrf(failure) => detail(format!("CSRF Failed: {failure}")),
            Self::NotFound => detail("Not found."),
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
