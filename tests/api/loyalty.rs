//! Loyalty money: transactions arrive through the internal API (idempotent by the caller's id),
//! the customer lists them newest first and sees the balance, their sum in the request's
//! currency.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, json_body, spawn_app_with, with_internal_api};

/// The shop of these tests: Turkish lira and US dollars.
pub async fn shop() -> TestApp {
    spawn_app_with(|config| {
        with_internal_api(config);
        config.available_currencies =
            storefront::config::Currencies(vec!["try".into(), "usd".into()]);
    })
    .await
}

/// The order side records a transaction for `email`.
pub async fn record(app: &TestApp, email: &str, body: Value) -> Response {
    app.internal(
        Method::POST,
        &format!("/internal/customers/{email}/loyalty/"),
    )
    .json(&body)
    .await
}

fn transaction(id: &str, amount: &str, currency: &str, created: &str) -> Value {
    json!({"id": id, "amount": amount, "currency": currency, "order_number": format!("order-{id}"), "created_date": created})
}

pub async fn balance(app: &TestApp, currency: Option<&str>) -> Value {
    let mut request = app.send(Method::GET, "/account/loyalty-account-balance/");
    if let Some(currency) = currency {
        request = request.header("x-currency", currency);
    }
    json_body(request.await).await
}

#[tokio::test]
async fn a_customer_without_transactions_has_a_zero_balance_and_an_empty_list() {
    let app = shop().await;
    app.logged_in_customer().await;

    let list = json_body(app.get("/account/loyalty/").await).await;

    assert_eq!(balance(&app, None).await, json!({"balance": 0.0}));
    assert_eq!(
        list,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
}

#[tokio::test]
async fn the_balance_is_the_exact_sum_of_the_transactions_in_the_request_currency() {
    let app = shop().await;
    let customer = app.logged_in_customer().await;
    for (id, amount, currency) in [
        ("t1", "25.10", "try"),
        ("t2", "0.20", "try"),
        ("t3", "-10.00", "try"),
        ("t4", "7.5", "usd"),
    ] {
        let response = record(
            &app,
            &customer.email,
            transaction(id, amount, currency, "2024-02-11T18:40:12Z"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    assert_eq!(balance(&app, None).await, json!({"balance": 15.3}));
    assert_eq!(balance(&app, Some("usd")).await, json!({"balance": 7.5}));
}

#[tokio::test]
async fn transactions_are_listed_newest_first_with_money_strings() {
    let app = shop().await;
    let customer = app.logged_in_customer().await;
    record(
        &app,
        &customer.email,
        transaction("earned", "25", "try", "2024-02-11T18:40:12.123456Z"),
    )
    .await;
    record(&app, &customer.email, json!({"id": "spent", "amount": "-10.00", "currency": "TRY", "order_number": null, "created_date": "2024-03-02T12:15:00+03:00"})).await;

    let list = json_body(app.get("/account/loyalty/").await).await;

    assert_eq!(
        list,
        json!({"count": 2, "next": null, "previous": null, "results": [
            {"amount": "-10.00", "currency": "try", "created_date": "2024-03-02T09:15:00.000000Z",
             "transaction": {"created_date": "2024-03-02T09:15:00.000000Z", "order": null}},
            {"amount": "25.00", "currency": "try", "created_date": "2024-02-11T18:40:12.123456Z",
             "transaction": {"created_date": "2024-02-11T18:40:12.123456Z", "order": "order-earned"}},
        ]})
    );
}

#[tokio::test]
async fn a_repeated_transaction_adds_nothing_and_a_changed_one_is_a_conflict() {
    let app = shop().await;
    let customer = app.logged_in_customer().await;
    let first = transaction("t1", "12.50", "try", "2024-02-11T18:40:12Z");
    record(&app, &customer.email, first.clone()).await;

    let again = record(&app, &customer.email, first).await;
    let changed = record(
        &app,
        &customer.email,
        transaction("t1", "99", "try", "2024-02-11T18:40:12Z"),
    )
    .await;

    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(changed.status(), StatusCode::CONFLICT);
    assert_eq!(balance(&app, None).await, json!({"balance": 12.5}));
}

#[tokio::test]
async fn an_invalid_transaction_is_refused_naming_each_field() {
    let app = shop().await;
    let customer = app.logged_in_customer().await;

    let response = record(
        &app,
        &customer.email,
        json!({"amount": "1.00001", "currency": "eur", "created_date": "yesterday"}),
    )
    .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({
            "amount": ["Ensure that there are no more than 4 decimal places."],
            "created_date": ["Datetime has wrong format. Use ISO 8601 with a time zone."],
            "currency": ["\"eur\" is not a valid choice."],
            "id": ["This field is required."],
        })
    );
}

#[tokio::test]
async fn a_transaction_for_an_unknown_customer_is_not_found() {
    let app = shop().await;

    let response = record(
        &app,
        "nobody@example.com",
        transaction("t1", "1", "try", "2024-02-11T18:40:12Z"),
    )
    .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn loyalty_needs_a_login() {
    let app = shop().await;

    assert_eq!(
        app.get("/account/loyalty/").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/account/loyalty-account-balance/").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_export_lists_the_transactions() {
    let app = shop().await;
    let customer = app.logged_in_customer().await;
    record(
        &app,
        &customer.email,
        transaction("t1", "3.25", "usd", "2024-02-11T18:40:12Z"),
    )
    .await;

    let export = json_body(app.get("/users/export/").await).await;

    assert_eq!(
        export["sections"]["loyalty_transactions"][0]["amount"],
        "3.25"
    );
    assert_eq!(
        export["sections"]["loyalty_transactions"][0]["currency"],
        "usd"
    );
}
