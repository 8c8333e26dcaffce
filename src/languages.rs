//! The visitor's language choice: `POST /i18n/setlang/` keeps it in the session (a guest session
//! when there is none yet). Requests still take their language from `Accept-Language` first; the
//! stored choice counts only when that is absent (contract account.md §10, pitfall 33).

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    http::{ApiError, ErrorDetail, FieldErrors, Payload, lenient},
    sessions::Session,
    state::AppState,
};

/// Session key of the chosen language (Django's name).
const SESSION_LANGUAGE: &str = "_language";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_language))
}

/// `POST /i18n/setlang/`, urlencoded as the client sends it; `next` is ignored.
#[derive(Deserialize, ToSchema)]
pub struct LanguageForm {
    /// A code of `LANGUAGES`, e.g. `tr` or `en`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub language: Option<String>,
}

/// Keeps the visitor's language in the session. Answers `{}`, never a redirect (Django's view
/// would redirect to the `Referer`, which the proxy sets to this server's own URL).
#[utoipa::path(post, path = "/i18n/setlang/", tag = "languages",
    request_body(content = LanguageForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Stored; `{}`"),
        (status = 400, description = "Missing or unknown language", body = FieldErrors),
        (status = 403, description = "CSRF check failed", body = ErrorDetail),
    ))]
pub async fn set_language(
    State(state): State<AppState>,
    session: Session,
    Payload(form): Payload<LanguageForm>,
) -> Result<Json<Map<String, Value>>, ApiError> {
    let code = form
        .language
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if code.is_empty() {
        return Err(ApiError::field("language", "This field is required."));
    }
    if !state.settings.languages.0.contains(&code) {
        return Err(ApiError::field(
            "language",
            format!("\"{code}\" is not a valid choice."),
        ));
    }
    session.insert(SESSION_LANGUAGE, code).await?;
    Ok(Json(Map::new()))
}
