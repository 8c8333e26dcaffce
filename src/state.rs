//! The state every handler can reach. One `Arc` inside: extractors and middleware clone it on
//! every request, so a clone must cost one reference-count increment.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::{
    accounts::{CustomerCache, passwords::PasswordHasher},
    cards::TokenCipher,
    clock::Clock,
    config::Settings,
    db::Database,
    export::ExportSections,
    geo::GeoCache,
    http::{BodyLimits, client_ip::TrustedProxies, csrf::CsrfSettings, internal::InternalToken},
    mail::MailTemplates,
    sessions::SessionManager,
};

/// Handles shared by all requests; reads as [`Services`].
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// Shares `services` with every request.
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What a request can reach.
pub struct Services {
    /// The database: readers and the writer.
    pub db: Database,
    /// Session store, cache and cookie settings.
    pub sessions: SessionManager,
    /// Recently loaded customers, so authenticating a request skips the database.
    pub customers: CustomerCache,
    /// Password hashing on its own thread pool.
    pub hasher: Arc<PasswordHasher>,
    /// Settings parsed from the configuration.
    pub settings: Arc<Settings>,
    /// What mails say, in every language.
    pub mail: Arc<MailTemplates>,
    /// What the CSRF check needs of the configuration.
    pub csrf: CsrfSettings,
    /// The clock (tests move it).
    pub clock: Clock,
    /// Renders the Prometheus metrics.
    pub metrics: PrometheusHandle,
    /// The geography lookups' in-memory copy.
    pub geo: GeoCache,
    /// The sections of the customer's data export, one or more per area.
    pub exports: ExportSections,
    /// Seals and opens saved cards' gateway tokens (`CARD_TOKEN_KEY`).
    pub card_tokens: TokenCipher,
    /// The internal API's bearer token (`STOREFRONT_INTERNAL_TOKEN`).
    pub internal_token: InternalToken,
}

impl FromRef<AppState> for BodyLimits {
    fn from_ref(state: &AppState) -> Self {
        state.csrf.body_limits
    }
}

impl FromRef<AppState> for TrustedProxies {
    fn from_ref(state: &AppState) -> Self {
        state.settings.trusted_proxies.clone()
    }
}

impl FromRef<AppState> for InternalToken {
    fn from_ref(state: &AppState) -> Self {
        state.internal_token.clone()
    }
}

impl FromRef<AppState> for SessionManager {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}
