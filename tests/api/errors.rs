//! Error shapes for bad input: always JSON, always 4xx, never a 500.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{json_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_a_non_field_error() {
    let app = spawn_app().await;

    let response = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_body(response).await;
    assert!(
        body["non_field_errors"][0]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - "),
        "{body}"
    );
}

#[tokio::test]
async fn a_list_instead_of_an_object_is_refused() {
    let app = spawn_app().await;

    let response = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!([1, 2]))
        .await;

    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    );
}

#[tokio::test]
async fn a_wrong_type_names_the_field() {
    let app = spawn_app().await;

    let response = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": ["a"], "password": "x"}))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"email": ["Not a valid string, got a list."]})
    );
}

#[tokio::test]
async fn nul_bytes_and_invalid_utf8_are_refused() {
    let app = spawn_app().await;

    let nul = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": "a\u{0}@example.com", "password": "x"}))
        .await;
    let bad_json = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("content-type", "application/json")
        .body(b"{\"email\": \"\xff\"}".to_vec())
        .await;
    let bad_form = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=%ff&password=x")
        .await;

    assert_eq!(
        json_body(nul).await,
        json!({"email": ["Null characters are not allowed."]})
    );
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(bad_form).await,
        json!({"non_field_errors": ["Form data is not valid UTF-8."]})
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(|config| config.storefront_max_body_bytes = 1024).await;
    let big = json!({"email": "a@example.com", "password": "x".repeat(2048)});

    let declared = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&big)
        .await;
    let streamed = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            vec![Ok::<_, std::io::Error>(big.to_string())],
        )))
        .await;

    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        json_body(declared).await,
        json!({"non_field_errors": ["Request body is too large: the limit is 1024 bytes."]})
    );
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn an_unknown_content_type_is_415() {
    let app = spawn_app().await;

    let response = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("content-type", "application/xml")
        .body("<a/>")
        .await;

    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["Unsupported media type \"application/xml\" in request."]})
    );
}

#[tokio::test]
async fn unknown_paths_are_404_json_whatever_the_accept_header() {
    let app = spawn_app().await;

    let response = app
        .send(Method::GET, "/no/such/page/")
        .without_cookies()
        .header("accept", "text/html")
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn paths_answer_with_and_without_the_slash_and_never_redirect() {
    let app = spawn_app().await;

    let with_slash = app.get("/csrf_token/").await;
    let without_slash = app.get("/csrf_token?format=json").await;

    assert_eq!(with_slash.status(), StatusCode::OK);
    assert_eq!(without_slash.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_undefined_proxy_body_on_a_bodiless_write_is_ignored() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::POST, "/users/logout/")
        .text_plain("{}")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}
