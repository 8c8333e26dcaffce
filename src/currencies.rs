//! The visitor's currency (cards.md §5): [`RequestCurrency`] tells every handler the currency
//! of its request: the `x-currency` header when it names one of `AVAILABLE_CURRENCIES`, then
//! the choice stored in the session by `POST /users/activate-currency/`, then
//! `DEFAULT_CURRENCY`. The client builds the header from a cookie that may be missing, so
//! `undefined`, `null`, `""` and unknown codes mean "no header", never an error.

use axum::{
    extract::{FromRequestParts, State},
    http::{StatusCode, request::Parts},
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    http::{ApiError, FieldErrors, Payload, lenient, openapi::PublicWrite},
    sessions::Session,
    state::AppState,
};

/// Session key of the chosen currency.
const SESSION_CURRENCY: &str = "_currency";

/// The header the client sends on every request.
const CURRENCY_HEADER: &str = "x-currency";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(activate_currency))
}

/// `POST /users/activate-currency/`.
#[derive(Deserialize, ToSchema)]
pub struct CurrencyForm {
    /// A code of `AVAILABLE_CURRENCIES`, e.g. `try`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub currency_code: Option<String>,
}

/// Keeps the visitor's currency in the session (a guest session when there is none yet); it
/// applies to requests without a usable `x-currency` header.
#[utoipa::path(post, path = "/users/activate-currency/", tag = "currencies",
    request_body = CurrencyForm,
    responses(
        (status = 204, description = "Stored"),
        (status = 400, description = "Missing or unavailable `currency_code`", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn activate_currency(
    State(state): State<AppState>,
    session: Session,
    Payload(form): Payload<CurrencyForm>,
) -> Result<StatusCode, ApiError> {
    let raw = form.currency_code.unwrap_or_default();
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ApiError::field("currency_code", "This field is required."));
    }
    let Some(code) = state.settings.available_currencies.find(raw) else {
        return Err(ApiError::field(
            "currency_code",
            format!("\"{raw}\" is not a valid choice."),
        ));
    };
    session.insert(SESSION_CURRENCY, code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The currency of this request: a lower-case code of `AVAILABLE_CURRENCIES`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestCurrency(String);

impl RequestCurrency {
    /// The code, e.g. `try`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromRequestParts<AppState> for RequestCurrency {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let available = &state.settings.available_currencies;
        let from_header = parts
            .headers
            .get(CURRENCY_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|code| available.find(code));
        if let Some(code) = from_header {
            return Ok(Self(code.to_owned()));
        }
        let session = Session::from_request_parts(parts, state).await?;
        let stored = session.get::<String>(SESSION_CURRENCY).await?;
        let code = stored
            .as_deref()
            .and_then(|code| available.find(code))
            .unwrap_or(&state.settings.default_currency);
        Ok(Self(code.to_owned()))
    }
}
