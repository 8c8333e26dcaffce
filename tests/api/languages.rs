//! `POST /i18n/setlang/`: the language kept in the session.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{json_body, set_cookies, spawn_app, spawn_app_with};

#[tokio::test]
async fn choosing_a_language_answers_an_empty_object_and_starts_a_guest_session() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = app.choose_language("EN").await;

    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(
        cookies.len(),
        1,
        "the session cookie only, no language cookie"
    );
    assert!(cookies[0].starts_with("osessionid="));
    assert_eq!(json_body(response).await, json!({}));
}

#[tokio::test]
async fn an_unknown_or_missing_language_is_a_field_error_and_stores_nothing() {
    let app = spawn_app_with(|config| {
        config.languages = storefront::config::Languages(vec!["tr".to_owned()])
    })
    .await;
    app.fetch_csrf_token().await;

    let unknown = app.choose_language("en").await;
    let missing = app.choose_language("").await;

    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(set_cookies(&unknown).is_empty());
    assert_eq!(
        json_body(unknown).await,
        json!({"language": ["\"en\" is not a valid choice."]})
    );
    assert_eq!(
        json_body(missing).await,
        json!({"language": ["This field is required."]})
    );
    assert!(app.session_key().is_none());
}

/// The first gender label of the profile in the language `accept_language` (none: no header)
/// makes the request's: the label is localised by the request language.
async fn first_gender_label(
    app: &crate::support::TestApp,
    accept_language: Option<&str>,
) -> String {
    let mut request = app.send(reqwest::Method::GET, "/users/profile/");
    if let Some(value) = accept_language {
        request = request.header("accept-language", value);
    }
    json_body(request.await).await["genders"][0]["label"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_request_language_is_accept_language_then_the_stored_choice_then_the_default() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let by_default = first_gender_label(&app, None).await;

    app.choose_language("en").await;

    assert_eq!(
        by_default, "Kadın",
        "DEFAULT_LANGUAGE is the first of LANGUAGES, tr"
    );
    assert_eq!(first_gender_label(&app, None).await, "Female");
    assert_eq!(first_gender_label(&app, Some("undefined")).await, "Female");
    assert_eq!(first_gender_label(&app, Some("de-DE")).await, "Female");
    assert_eq!(first_gender_label(&app, Some("tr-tr")).await, "Kadın");
}
