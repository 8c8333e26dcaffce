//! Akifast's consents: `POST /users/permissions/` keeps them for a basket; when the order of that
//! basket arrives (the orders area's calls, made here directly), they are applied, with their
//! consent history entry, to the order's account or to the account later registered with a
//! guest order's e-mail.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storefront::{accounts::Email, akifast};

use crate::support::{Customer, TestApp, json_body, spawn_app};

const UID: &str = "8f1c2a8e-3c1b-4b7e-9d0a-2f6f1e0c9b11";

async fn give_permissions(app: &TestApp, body: Value) -> reqwest::Response {
    app.send(Method::POST, "/users/permissions/")
        .json(&body)
        .await
}

/// What the orders area does when a guest order of `basket` arrives with `email`.
async fn guest_order_arrives(app: &TestApp, basket: i64, email: &str) {
    let transaction = app.state.db.write().await.unwrap();
    akifast::hold_for_guest_order(
        &transaction,
        basket,
        &Email::parse(email).unwrap(),
        Duration::from_secs(86_400),
        app.state.clock.now(),
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
}

async fn consents_history(app: &TestApp) -> Vec<(String, String, bool)> {
    let export = json_body(app.get("/users/export/").await).await;
    export["sections"]["consents"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            (
                change["source"].as_str().unwrap().to_owned(),
                change["consent"].as_str().unwrap().to_owned(),
                change["value"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn consents_are_kept_with_a_204() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = give_permissions(
        &app,
        json!({"uid": UID, "basket": 42, "email_allowed": true, "sms_allowed": false}),
    )
    .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.database.count_rows("akifast_permissions").await, 1);
}

#[tokio::test]
async fn a_malformed_uid_or_a_missing_basket_is_a_field_error() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response =
        give_permissions(&app, json!({"uid": "not-a-uuid", "email_allowed": true})).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"uid": ["Must be a valid UUID."], "basket": ["This field is required."]})
    );
    assert_eq!(app.database.count_rows("akifast_permissions").await, 0);
}

#[tokio::test]
async fn a_guest_orders_consents_are_applied_when_its_email_registers() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;
    let customer = Customer::generate();
    give_permissions(&app, json!({"uid": UID.to_uppercase(), "basket": 42, "email_allowed": true, "sms_allowed": true, "whatsapp_allowed": false})).await;
    guest_order_arrives(&app, 42, &customer.email.to_uppercase()).await;

    let registered = app.register(&customer).await;

    assert_eq!(registered.status(), StatusCode::CREATED);
    let profile = json_body(app.get("/users/profile/").await).await;
    assert_eq!(
        (
            profile["email_allowed"].clone(),
            profile["sms_allowed"].clone(),
            profile["whatsapp_allowed"].clone()
        ),
        (json!(true), json!(true), json!(false))
    );
    let from_akifast: Vec<_> = consents_history(&app)
        .await
        .into_iter()
        .filter(|(source, _, _)| source == "akifast")
        .collect();
    let entry = |consent: &str, value| ("akifast".to_owned(), consent.to_owned(), value);
    assert_eq!(
        from_akifast,
        [
            entry("email_allowed", true),
            entry("sms_allowed", true),
            entry("whatsapp_allowed", false)
        ]
    );
    assert_eq!(
        app.database.count_rows("akifast_permissions").await,
        0,
        "applied once"
    );
}

#[tokio::test]
async fn consents_past_their_time_are_not_applied() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;
    let customer = Customer::generate();
    give_permissions(
        &app,
        json!({"uid": UID, "basket": 7, "email_allowed": true}),
    )
    .await;
    app.advance_clock(Duration::from_secs(86_401));
    guest_order_arrives(&app, 7, &customer.email).await;

    app.register(&customer).await;

    let profile = json_body(app.get("/users/profile/").await).await;
    assert_eq!(profile["email_allowed"], false);
}

#[tokio::test]
async fn an_order_of_the_basket_applies_them_to_its_account() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let pk = app.customer_pk().await;
    give_permissions(
        &app,
        json!({"uid": UID, "basket": 9, "sms_allowed": "true"}),
    )
    .await;

    let transaction = app.state.db.write().await.unwrap();
    let applied = akifast::apply_for_order(&transaction, 9, pk, app.state.clock.now())
        .await
        .unwrap();
    transaction.commit().await.unwrap();

    assert!(applied.unwrap().sms_allowed);
    assert_eq!(app.database.count_rows("akifast_permissions").await, 0);
}
