//! Cross-cutting HTTP concerns: the error type, extractors, pagination, cookies, CSRF, path
//! rewriting, fallbacks and the OpenAPI document. Business areas own their routes; nothing here knows them.

pub mod client_ip;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod internal;
pub mod lenient;
pub mod openapi;
pub mod pagination;
pub mod paths;
pub mod requester;

pub use self::{
    client_ip::ClientIp,
    error::{ApiError, CsrfFailure, ErrorDetail, FieldErrors},
    extract::{BodyLimits, FilePart, Payload, PayloadWithFiles},
    requester::Requester,
};

/// Date-times on the wire: ISO 8601 UTC with microseconds and `Z` (`2023-04-11T06:24:47.015497Z`).
pub fn wire_time(time: &chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
