//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes (so it cannot
//! drift from the router), served at `/openapi.json` with Swagger UI at `/docs` from vendored
//! assets (no network at run time).

use utoipa::{IntoResponses, OpenApi};

use super::{ErrorDetail, FieldErrors, internal::BearerScheme};

/// The document's fixed parts; each area's router adds its paths.
#[derive(OpenApi)]
#[openapi(
    info(title = "storefront", description = "Commerce User API for Akinon-style storefronts."),
    modifiers(&BearerScheme),
    components(schemas(FieldErrors, ErrorDetail)),
    tags(
        (name = "sessions", description = "CSRF tokens and sessions"),
        (name = "accounts", description = "Registration, login, logout, current user, profile, anonymisation"),
        (name = "export", description = "Everything stored about the customer, as one document"),
        (name = "password_reset", description = "Forgotten passwords: a reset link by e-mail"),
        (name = "addresses", description = "The customer's address book"),
        (name = "geography", description = "Countries, cities, townships and districts (public)"),
        (name = "languages", description = "The visitor's language choice"),
        (name = "operations", description = "Health and metrics"),
        (name = "cards", description = "The customer's saved cards"),
        (name = "cards (internal)", description = "Saved cards arriving from the payment side"),
        (name = "loyalty", description = "The customer's loyalty money"),
        (name = "loyalty (internal)", description = "Loyalty transactions arriving from the order side"),
        (name = "currencies", description = "The visitor's currency"),
        (name = "akifast", description = "Consents given in Akinon's hosted checkout"),
    )
)]
pub struct ApiDoc;

/// What an endpoint for logged-in customers can answer besides its own responses.
#[derive(IntoResponses)]
pub enum LoginRequired {
    /// No logged-in session, or one that is no longer valid.
    #[response(status = 401, description = "Not logged in")]
    NotLoggedIn(ErrorDetail),
}

/// What a write open to everyone (guests too) can answer besides its own responses.
#[derive(IntoResponses)]
pub enum PublicWrite {
    /// The CSRF check failed.
    #[response(status = 403, description = "CSRF check failed")]
    Csrf(ErrorDetail),
}

/// What a logged-in customer's write can answer besides its own responses.
#[derive(IntoResponses)]
pub enum LoggedInWrite {
    /// No logged-in session, or one that is no longer valid.
    #[response(status = 401, description = "Not logged in")]
    NotLoggedIn(ErrorDetail),
    /// The CSRF check failed.
    #[response(status = 403, description = "CSRF check failed")]
    Csrf(ErrorDetail),
}
