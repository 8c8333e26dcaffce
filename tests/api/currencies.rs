//! The request's currency: a valid `x-currency` header, then the session's choice
//! (`POST /users/activate-currency/`), then `DEFAULT_CURRENCY`; the odd values the client sends
//! mean "no header". Observed through the loyalty balance, which is in the request's currency.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    loyalty::{balance, record, shop},
    support::{TestApp, json_body, set_cookies},
};

/// A logged-in customer with 10 lira and 5 dollars of loyalty money.
async fn customer_with_two_currencies(app: &TestApp) {
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    for (id, amount, currency) in [("a", "10", "try"), ("b", "5", "usd")] {
        let body = json!({"id": id, "amount": amount, "currency": currency, "created_date": "2024-02-11T18:40:12Z"});
        assert_eq!(
            record(app, &customer.email, body).await.status(),
            StatusCode::CREATED
        );
    }
}

async fn activate(app: &TestApp, code: &str) -> reqwest::Response {
    app.send(Method::POST, "/users/activate-currency/")
        .json(&json!({"currency_code": code}))
        .await
}

#[tokio::test]
async fn a_valid_header_decides_in_any_case_and_with_spaces() {
    let app = shop().await;
    customer_with_two_currencies(&app).await;

    assert_eq!(balance(&app, Some("usd")).await, json!({"balance": 5.0}));
    assert_eq!(balance(&app, Some(" USD ")).await, json!({"balance": 5.0}));
    assert_eq!(balance(&app, Some("try")).await, json!({"balance": 10.0}));
}

#[tokio::test]
async fn odd_header_values_mean_no_header_and_the_default_applies() {
    let app = shop().await;
    customer_with_two_currencies(&app).await;

    for odd in ["undefined", "null", "", "xyz", "us d"] {
        assert_eq!(
            balance(&app, Some(odd)).await,
            json!({"balance": 10.0}),
            "{odd:?}"
        );
    }
    assert_eq!(balance(&app, None).await, json!({"balance": 10.0}));
}

#[tokio::test]
async fn the_sessions_choice_applies_without_a_usable_header_and_a_header_overrides_it() {
    let app = shop().await;
    customer_with_two_currencies(&app).await;

    let response = activate(&app, "USD").await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(balance(&app, None).await, json!({"balance": 5.0}));
    assert_eq!(
        balance(&app, Some("undefined")).await,
        json!({"balance": 5.0})
    );
    assert_eq!(balance(&app, Some("try")).await, json!({"balance": 10.0}));
}

#[tokio::test]
async fn activating_a_currency_starts_a_guest_session() {
    let app = shop().await;
    app.fetch_csrf_token().await;

    let response = activate(&app, "usd").await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(set_cookies(&response)[0].starts_with("osessionid="));
}

#[tokio::test]
async fn an_unavailable_or_missing_currency_is_a_field_error() {
    let app = shop().await;
    app.fetch_csrf_token().await;

    let unknown = activate(&app, "xyz").await;
    let missing = app
        .send(Method::POST, "/users/activate-currency/")
        .json(&json!({}))
        .await;

    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(unknown).await,
        json!({"currency_code": ["\"xyz\" is not a valid choice."]})
    );
    assert_eq!(
        json_body(missing).await,
        json!({"currency_code": ["This field is required."]})
    );
    assert!(app.session_key().is_none());
}

#[tokio::test]
async fn activating_a_currency_needs_a_csrf_token() {
    let app = shop().await;

    let response = activate(&app, "usd").await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
