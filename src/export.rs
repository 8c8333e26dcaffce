//! The customer's data export (GDPR art. 20; no Akinon peer has it): `GET /users/export/`
//! answers one JSON document of everything stored about the logged-in customer, a named section
//! per kind of data.
//!
//! Each area contributes its own sections through [`ExportSection`], and the list is assembled
//! where the application is (`startup`): an area that stores something about customers adds
//! one line there and its section in its own folder, and this module never changes. A small
//! area of its own rather than a part of accounts, because it gathers from every area and
//! belongs to none.

use std::{collections::HashSet, sync::Arc};

use async_trait::async_trait;
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    accounts::{CurrentCustomer, Customer},
    http::{ApiError, openapi::LoginRequired},
    state::AppState,
};

/// One section of the export: what one area stores about a customer.
#[async_trait]
pub trait ExportSection: Send + Sync {
    /// The section's key in the document, e.g. `addresses`; unique.
    fn name(&self) -> &'static str;

    /// Everything the area stores about `customer`, as JSON. Secrets (password hashes, session
    /// keys, tokens) are left out: they are no data about the customer, and a leaked export
    /// must not open the account.
    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError>;
}

/// The sections of the export.
#[derive(Clone, Default)]
pub struct ExportSections(Arc<[Arc<dyn ExportSection>]>);

impl ExportSections {
    /// The export of `sections`; two with the same name are a mistake of the assembly.
    pub fn new(sections: Vec<Arc<dyn ExportSection>>) -> anyhow::Result<Self> {
        let mut names = HashSet::new();
        for section in &sections {
            if !names.insert(section.name()) {
                anyhow::bail!("two export sections are named {:?}", section.name());
            }
        }
        Ok(Self(sections.into()))
    }
}

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_personal_data))
}

/// Everything stored about the logged-in customer, as one JSON document to download:
/// `exported_at`, then `sections` by name (`profile`, `consents` with their history,
/// `addresses`, `sessions`, and those of later areas). Secrets are left out.
#[utoipa::path(get, path = "/users/export/", tag = "export",
    responses(
        (status = 200, description = "The export, as an attachment `storefront-export.json`", body = Object,
            example = json!({"exported_at": "2026-12-07T12:00:00.000000Z", "sections": {"profile": {}, "consents": {}, "addresses": [], "sessions": []}})),
        LoginRequired,
    ))]
pub async fn export_personal_data(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
) -> Result<Response, ApiError> {
    let mut sections = Map::new();
    for section in state.exports.0.iter() {
        let content = section.export(&state, &customer).await?;
        sections.insert(section.name().to_owned(), content);
    }
    let exported_at = state
        .clock
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tracing::info!(customer = customer.id, "exported the customer's data");
    let headers = [
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"storefront-export.json\""),
        ),
        // Personal data: no cache on the way may keep a copy.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    let document = json!({"exported_at": exported_at, "sections": sections});
    Ok((headers, axum::Json(document)).into_response())
}
