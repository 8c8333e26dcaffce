//! The visitor's language: `POST /i18n/setlang/` keeps a choice in the session (a guest session
//! when there is none yet), and [`RequestLanguage`] tells every handler the language of its
//! request: `Accept-Language` first, then the stored choice, then `DEFAULT_LANGUAGE` (contract
//! account.md §10, pitfall 33). Mails and localised labels use it.

use axum::{
    Json,
    extract::{FromRequestParts, State},
    http::{HeaderMap, header, request::Parts},
};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    http::{ApiError, FieldErrors, Payload, lenient, openapi::PublicWrite},
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
        PublicWrite,
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
    if !state.settings.languages.contains(&code) {
        return Err(ApiError::field(
            "language",
            format!("\"{code}\" is not a valid choice."),
        ));
    }
    session.insert(SESSION_LANGUAGE, code).await?;
    Ok(Json(Map::new()))
}

/// The language of this request, one of `LANGUAGES`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLanguage(String);

impl RequestLanguage {
    /// The language code, e.g. `tr`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromRequestParts<AppState> for RequestLanguage {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let languages = &state.settings.languages;
        if let Some(code) = accepted_language(&parts.headers, |code| languages.contains(code)) {
            return Ok(Self(code));
        }
        let session = Session::from_request_parts(parts, state).await?;
        let stored = session
            .get::<String>(SESSION_LANGUAGE)
            .await?
            .filter(|code| languages.contains(code));
        Ok(Self(stored.unwrap_or_else(|| {
            state.settings.default_language.clone()
        })))
    }
}

/// The first language of `Accept-Language` that `speaks` (by primary subtag: `tr-TR` → `tr`), in
/// the header's order; the client sends one locale, browsers a list by preference. Values such
/// as `undefined` or `*` name no language.
fn accepted_language(headers: &HeaderMap, speaks: impl Fn(&str) -> bool) -> Option<String> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    header
        .split(',')
        .filter_map(|entry| entry.split(';').next())
        .filter_map(|tag| tag.trim().split(['-', '_']).next())
        .map(str::to_ascii_lowercase)
        .find(|code| speaks(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
        accepted_language(&headers, |code| code == "tr" || code == "en")
    }

    #[test]
    fn the_primary_subtag_of_the_first_spoken_language_decides() {
        assert_eq!(accepted("tr-tr").as_deref(), Some("tr"));
        assert_eq!(accepted("EN_us").as_deref(), Some("en"));
        assert_eq!(accepted("de-DE,de;q=0.9,en;q=0.8").as_deref(), Some("en"));
        assert_eq!(accepted("undefined"), None);
        assert_eq!(accepted("*"), None);
        assert_eq!(accepted(""), None);
    }
}
