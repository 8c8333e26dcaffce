//! Path handling: every API path answers with and without its trailing slash, never with a
//! redirect (a redirected POST becomes a GET in `fetch`), plus JSON answers for unknown paths
//! and wrong methods. The rewrite wraps the router from outside, because a layer added on the
//! router runs after routing.

use axum::{
    extract::Request,
    http::{Method, Uri, uri::PathAndQuery},
};

use super::ApiError;

/// Operator endpoints keep their conventional slash-less paths.
const PATHS_WITHOUT_SLASH: [&str; 3] = ["/healthz", "/metrics", "/openapi.json"];
const DOCS_PREFIX: &str = "/docs";

/// Rewrites `/users/login` to `/users/login/` before routing; routes are declared with the slash.
pub fn append_trailing_slash(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.ends_with('/') || PATHS_WITHOUT_SLASH.contains(&path) || path.starts_with(DOCS_PREFIX) {
        return request;
    }
    let rewritten = match request.uri().query() {
        Some(query) => format!("{path}/?{query}"),
        None => format!("{path}/"),
    };
    if let Ok(path_and_query) = rewritten.parse::<PathAndQuery>() {
        let mut parts = request.uri().clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// 404 `{"detail": "Not found."}` for unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// 405 `{"detail": "Method \"X\" not allowed."}`.
pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}
