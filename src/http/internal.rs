//! The internal API's gate: every route under `/internal/` (the payment and order side's calls)
//! needs `Authorization: Bearer <STOREFRONT_INTERNAL_TOKEN>`. Anything else, and every request
//! while the token is unset, is answered 404 like an unknown path, so the API's existence is
//! not told to strangers. Areas own their internal routes; `startup` mounts them outside the
//! CSRF check and the session (a server-to-server call has neither cookies nor a browser).

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use utoipa::{
    Modify,
    openapi::{
        OpenApi,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};

use super::ApiError;

/// Name of the bearer scheme in the OpenAPI document; internal routes name it in `security`.
pub const SECURITY_SCHEME: &str = "internal_token";

/// `STOREFRONT_INTERNAL_TOKEN`, when set to something.
#[derive(Clone, Default)]
pub struct InternalToken(Option<Arc<SecretString>>);

impl InternalToken {
    /// The gate for `token`; an empty one opens nothing.
    pub fn new(token: Option<&SecretString>) -> Self {
        Self(
            token
                .filter(|token| !token.expose_secret().is_empty())
                .map(|token| Arc::new(token.clone())),
        )
    }

    /// Whether a token is set (the internal API is on).
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Whether `Authorization` carries the token; compared in constant time, so the answer's
    /// timing tells nothing of how much of a guess was right.
    fn admits(&self, authorization: Option<&[u8]>) -> bool {
        let Some(expected) = &self.0 else {
            return false;
        };
        let Some(given) = authorization.and_then(|value| value.strip_prefix(b"Bearer ")) else {
            return false;
        };
        bool::from(given.ct_eq(expected.expose_secret().as_bytes()))
    }
}

/// The middleware of the internal routes: the request goes on only with the token.
pub async fn require_token(
    State(token): State<InternalToken>,
    request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| value.as_bytes());
    if token.admits(authorization) {
        next.run(request).await
    } else {
        ApiError::NotFound.into_response()
    }
}

/// Adds the bearer scheme to the OpenAPI document.
pub struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                SECURITY_SCHEME,
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_admitted_and_an_empty_token_admits_nothing() {
        let gate = InternalToken::new(Some(&SecretString::from("s3cret")));
        let unset = InternalToken::new(Some(&SecretString::from("")));

        assert!(gate.admits(Some(b"Bearer s3cret")));
        assert!(!gate.admits(Some(b"Bearer s3cre")));
        assert!(!gate.admits(Some(b"Bearer s3cret2")));
        assert!(!gate.admits(Some(b"s3cret")));
        assert!(!gate.admits(None));
        assert!(!unset.admits(Some(b"Bearer ")));
    }
}
