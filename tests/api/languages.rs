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
