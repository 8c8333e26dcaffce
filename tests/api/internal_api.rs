//! The internal API's gate: `/internal/…` answers only with `Authorization: Bearer
//! <STOREFRONT_INTERNAL_TOKEN>`, as 404 otherwise (and always while the token is unset), and
//! needs no cookie and no CSRF token.

use reqwest::{Method, StatusCode};
use serde_json::json;
use storefront::{clock::Clock, config::Config, startup::Application};

use crate::support::{
    INTERNAL_TOKEN, TestApp, json_body, spawn_app, spawn_app_with, with_internal_api,
};

fn card_path(email: &str) -> String {
    format!("/internal/customers/{email}/saved-cards/tok_0a1b2c3d4e5f/")
}

async fn put_card(app: &TestApp, email: &str, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app
        .send(Method::PUT, &card_path(email))
        .without_cookies()
        .json(&json!({"last_four": "4242"}));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.await
}

#[tokio::test]
async fn without_the_right_bearer_token_the_internal_api_is_not_found() {
    let app = spawn_app_with(with_internal_api).await;
    let customer = app.logged_in_customer().await;

    let missing = put_card(&app, &customer.email, None).await;
    let wrong = put_card(&app, &customer.email, Some("Bearer internal-test-toke")).await;
    let not_bearer = put_card(&app, &customer.email, Some(INTERNAL_TOKEN)).await;

    for response in [missing, wrong, not_bearer] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    }
    let cards = json_body(app.get("/users/saved-cards/").await).await;
    assert_eq!(cards["count"], 0);
}

#[tokio::test]
async fn with_the_token_unset_even_the_right_looking_call_is_not_found() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;

    let response = put_card(
        &app,
        &customer.email,
        Some(&format!("Bearer {INTERNAL_TOKEN}")),
    )
    .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_internal_api_needs_no_cookie_and_no_csrf_token_and_sets_no_cookie() {
    let app = spawn_app_with(with_internal_api).await;
    let customer = app.logged_in_customer().await;

    let response = app
        .internal(Method::PUT, &card_path(&customer.email))
        .header("origin", "https://elsewhere.example.com")
        .json(&json!({"last_four": "4242"}))
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn an_unknown_customer_is_not_found() {
    let app = spawn_app_with(with_internal_api).await;

    let response = app
        .internal(Method::PUT, &card_path("nobody@example.com"))
        .json(&json!({"last_four": "4242"}))
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn start_up_refuses_the_internal_api_without_a_card_token_key() {
    let database = crate::support::TestDatabase::create().await;
    let mut config = Config::defaults().unwrap();
    config.database_url = database.url();
    config.storefront_bind = "127.0.0.1:0".parse().unwrap();
    config.storefront_internal_token = Some(INTERNAL_TOKEN.into());

    let error = Application::build(config, Clock::default())
        .await
        .err()
        .unwrap();

    assert_eq!(
        error.to_string(),
        "CARD_TOKEN_KEY is required when STOREFRONT_INTERNAL_TOKEN or PAYMENT_GATEWAY_URL is set"
    );
}
