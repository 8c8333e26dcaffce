//! Saved cards: the customer's list and card (ownership, rename, delete), the payment side's
//! internal `PUT`/`DELETE`, card data refused and never stored or logged, tokens encrypted at
//! rest, and deletions reaching the payment gateway (a local HTTP server the test starts), even
//! through an outage.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode as GatewayStatus},
    routing::delete,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    lifecycle::Server,
    support::{
        CARD_TOKEN_KEY, Customer, INTERNAL_TOKEN, TestApp, json_body, spawn_app_with,
        with_internal_api,
    },
};

const TOKEN: &str = "fbab4cccbfddff68dca70d1e12b072bd";
const CARD_NUMBER: &str = "4111111111111111";

/// The payment side saves `token` as a card of `email`.
async fn put_card(app: &TestApp, email: &str, token: &str, body: Value) -> Response {
    app.internal(
        Method::PUT,
        &format!("/internal/customers/{email}/saved-cards/{token}/"),
    )
    .json(&body)
    .await
}

/// A logged-in customer (with a CSRF token) who has one card saved, `TOKEN`; its id.
async fn customer_with_a_card(app: &TestApp) -> (Customer, i64) {
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let response = put_card(
        app,
        &customer.email,
        TOKEN,
        json!({"last_four": "4523", "name": "My work card", "pos": 3}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = json_body(response).await["id"].as_i64().unwrap();
    (customer, id)
}

#[tokio::test]
async fn the_owner_sees_the_card_with_id_pk_mask_and_token() {
    let app = spawn_app_with(with_internal_api).await;
    let (_, id) = customer_with_a_card(&app).await;
    let pk = app.customer_pk().await;

    let card = json_body(app.get(&format!("/users/saved-cards/{id}/")).await).await;

    let stored = |key: &str| card[key].clone();
    assert_eq!(
        card,
        json!({
            "id": id,
            "pk": id,
            "name": "My work card",
            "masked_card_number": "**** **** **** 4523",
            "token": TOKEN,
            "user": pk,
            "pos": 3,
            "created_date": stored("created_date"),
            "modified_date": stored("modified_date"),
        })
    );
    assert!(card["created_date"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn the_list_is_newest_first_and_stored_cards_leave_the_token_out() {
    let app = spawn_app_with(with_internal_api).await;
    let (customer, first) = customer_with_a_card(&app).await;
    let second = json_body(
        put_card(
            &app,
            &customer.email,
            "tok_second",
            json!({"last_four": "0004"}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let saved = json_body(app.get("/users/saved-cards/").await).await;
    let stored = json_body(app.get("/users/stored-cards/").await).await;

    assert_eq!(saved["count"], 2);
    assert_eq!(saved["next"], Value::Null);
    let ids: Vec<i64> = saved["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card| card["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first]);
    assert_eq!(saved["results"][0]["token"], "tok_second");
    assert_eq!(saved["results"][0]["name"], Value::Null);
    assert_eq!(stored["count"], 2);
    assert!(stored["results"][0].get("token").is_none(), "{stored}");
    assert_eq!(
        stored["results"][1]["masked_card_number"],
        "**** **** **** 4523"
    );
}

#[tokio::test]
async fn cards_need_a_login() {
    let app = spawn_app_with(with_internal_api).await;

    for path in [
        "/users/saved-cards/",
        "/users/stored-cards/",
        "/users/saved-cards/1/",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
}

#[tokio::test]
async fn another_customers_card_is_not_found_and_stays_as_it_was() {
    let app = spawn_app_with(with_internal_api).await;
    let (_, id) = customer_with_a_card(&app).await;
    let other = crate::support::spawn_app_beside(&app, with_internal_api).await;
    other.logged_in_customer().await;
    other.fetch_csrf_token().await;
    let path = format!("/users/saved-cards/{id}/");

    let read = other.get(&path).await;
    let renamed = other
        .send(Method::PATCH, &path)
        .json(&json!({"name": "Mine"}))
        .await;
    let deleted = other.send(Method::DELETE, &path).await;

    for response in [read, renamed, deleted] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    }
    let card = json_body(app.get(&path).await).await;
    assert_eq!(card["name"], "My work card");
    let other_list = json_body(other.get("/users/saved-cards/").await).await;
    assert_eq!(other_list["count"], 0);
}

#[tokio::test]
async fn renaming_changes_only_the_name_and_refuses_more_than_64_characters() {
    let app = spawn_app_with(with_internal_api).await;
    let (_, id) = customer_with_a_card(&app).await;
    let path = format!("/users/saved-cards/{id}/");

    let renamed = app
        .send(Method::PATCH, &path)
        .json(&json!({"name": "Holiday", "pos": 9, "masked_card_number": "x", "token": "other"}))
        .await;
    let too_long = app
        .send(Method::PATCH, &path)
        .json(&json!({"name": "x".repeat(65)}))
        .await;
    let cleared = app
        .send(Method::PATCH, &path)
        .json(&json!({"name": null}))
        .await;

    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed = json_body(renamed).await;
    assert_eq!(renamed["name"], "Holiday");
    assert_eq!(
        (renamed["pos"].clone(), renamed["token"].clone()),
        (json!(3), json!(TOKEN))
    );
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(too_long).await,
        json!({"name": ["Ensure this field has no more than 64 characters."]})
    );
    assert_eq!(json_body(cleared).await["name"], Value::Null);
}

#[tokio::test]
async fn the_payment_sides_put_is_idempotent_and_its_delete_removes_the_card() {
    let app = spawn_app_with(with_internal_api).await;
    let (customer, id) = customer_with_a_card(&app).await;
    let body = json!({"last_four": "4523", "name": "My work card", "pos": 3});

    let again = put_card(&app, &customer.email, TOKEN, body).await;
    let list = json_body(app.get("/users/saved-cards/").await).await;
    let path = format!(
        "/internal/customers/{}/saved-cards/{TOKEN}/",
        customer.email.to_uppercase()
    );
    let deleted = app.internal(Method::DELETE, &path).await;
    let deleted_again = app.internal(Method::DELETE, &path).await;

    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(json_body(again).await["id"], id);
    assert_eq!(list["count"], 1);
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(deleted_again.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_body(app.get("/users/saved-cards/").await).await["count"],
        0
    );
}

#[tokio::test]
async fn a_token_of_another_customers_card_is_a_conflict() {
    let app = spawn_app_with(with_internal_api).await;
    customer_with_a_card(&app).await;
    let other = crate::support::spawn_app_beside(&app, with_internal_api).await;
    let stranger = other.logged_in_customer().await;

    let response = put_card(&app, &stranger.email, TOKEN, json!({"last_four": "4523"})).await;

    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_payment_sides_card_needs_four_digits() {
    let app = spawn_app_with(with_internal_api).await;
    let customer = app.logged_in_customer().await;

    let missing = put_card(&app, &customer.email, TOKEN, json!({})).await;
    let wrong = put_card(
        &app,
        &customer.email,
        TOKEN,
        json!({"last_four": "42a2", "name": "y".repeat(65)}),
    )
    .await;

    assert_eq!(
        json_body(missing).await,
        json!({"last_four": ["This field is required."]})
    );
    assert_eq!(
        json_body(wrong).await,
        json!({
            "last_four": ["Enter the last four digits of the card number."],
            "name": ["Ensure this field has no more than 64 characters."],
        })
    );
}

#[tokio::test]
async fn card_numbers_expiries_and_cvvs_are_refused_naming_the_field() {
    let app = spawn_app_with(with_internal_api).await;
    let (customer, id) = customer_with_a_card(&app).await;

    let internal = put_card(
        &app,
        &customer.email,
        "tok_other",
        json!({"last_four": "1111", "name": "4111 1111 1111 1111", "expiry": "12/30", "cvv": "123"}),
    )
    .await;
    let token_is_a_number = put_card(
        &app,
        &customer.email,
        CARD_NUMBER,
        json!({"last_four": "1111"}),
    )
    .await;
    let rename = app
        .send(Method::PATCH, &format!("/users/saved-cards/{id}/"))
        .json(&json!({"name": "Work", "card_number": CARD_NUMBER, "card_month": "12", "card_year": "2030", "card_cvv": "123", "cvc": "1"}))
        .await;

    assert_eq!(internal.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(internal).await,
        json!({
            "cvv": ["Card security codes are never stored."],
            "expiry": ["Card expiry dates are never stored."],
            "name": ["Card numbers are never stored; send the payment gateway's token."],
        })
    );
    assert_eq!(
        json_body(token_is_a_number).await,
        json!({"token": ["Card numbers are never stored; send the payment gateway's token."]})
    );
    assert_eq!(
        json_body(rename).await,
        json!({
            "card_cvv": ["Card security codes are never stored."],
            "card_month": ["Card expiry dates are never stored."],
            "card_number": ["Card numbers are never stored; send the payment gateway's token."],
            "card_year": ["Card expiry dates are never stored."],
            "cvc": ["Card security codes are never stored."],
        })
    );
    let cards = json_body(app.get("/users/saved-cards/").await).await;
    assert_eq!(cards["count"], 1);
    assert_eq!(cards["results"][0]["name"], "My work card");
    assert!(!app.database.holds_text(CARD_NUMBER).await);
}

#[tokio::test]
async fn the_gateway_token_is_stored_encrypted() {
    let app = spawn_app_with(with_internal_api).await;
    customer_with_a_card(&app).await;
    let customer_sees_it = json_body(app.get("/users/saved-cards/").await).await;

    assert_eq!(customer_sees_it["results"][0]["token"], TOKEN);
    assert!(
        app.database.holds_text("4523").await,
        "the probe finds what is stored"
    );
    assert!(!app.database.holds_text(TOKEN).await);
}

/// The real binary: a body with card data is refused, and the card data is neither in the
/// database file nor in the server's log (at `debug`, with the access log).
#[tokio::test]
async fn refused_card_data_is_neither_stored_nor_logged() {
    let server = Server::start(&[
        ("STOREFRONT_INTERNAL_TOKEN", INTERNAL_TOKEN),
        ("CARD_TOKEN_KEY", CARD_TOKEN_KEY),
        ("STOREFRONT_LOG", "debug"),
        ("STOREFRONT_ACCESS_LOG", "true"),
    ])
    .await;
    let client = reqwest::Client::new();
    let customer = Customer::generate();
    let registered = client
        .post(server.url("/users/registration/"))
        .json(&customer.registration())
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let card_path = |token: &str| {
        server.url(&format!(
            "/internal/customers/{}/saved-cards/{token}/",
            customer.email
        ))
    };

    let refused = client
        .put(card_path("tok_refused"))
        .bearer_auth(INTERNAL_TOKEN)
        .json(&json!({"last_four": "1111", "name": "4111-1111-1111-1111", "cvv": "cvv-9x7q"}))
        .send()
        .await
        .unwrap();
    let saved = client
        .put(card_path(TOKEN))
        .bearer_auth(INTERNAL_TOKEN)
        .json(&json!({"last_four": "4523", "name": "Kept name"}))
        .send()
        .await
        .unwrap();

    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(saved.status(), StatusCode::CREATED);
    let database = &server.database;
    assert!(
        database.holds_text("Kept name").await,
        "the probe finds what is stored"
    );
    assert!(!database.holds_text("4111-1111-1111-1111").await);
    assert!(!database.holds_text(TOKEN).await);
    let lines = server.stop().await;
    let refusal_logged = lines.iter().any(|line| {
        line["route"] == "/internal/customers/{customer_email}/saved-cards/{token}/"
            && line["status"] == 400
    });
    assert!(
        refusal_logged,
        "the log covers the refused request: {lines:#?}"
    );
    let log = format!("{lines:?}");
    assert!(!log.contains("4111-1111-1111-1111"), "{log}");
    assert!(!log.contains("cvv-9x7q"), "{log}");
    assert!(!log.contains(TOKEN), "{log}");
}

/// A payment gateway on 127.0.0.1: records each `DELETE /tokens/{token}` with its
/// `Authorization`, answering 204 while up and 503 while down.
#[derive(Clone, Default)]
struct Gateway {
    deleted: Arc<Mutex<Vec<(String, Option<String>)>>>,
    is_down: Arc<AtomicBool>,
}

impl Gateway {
    /// Starts it; its URL.
    async fn start(&self) -> String {
        async fn delete_token(
            State(gateway): State<Gateway>,
            Path(token): Path<String>,
            headers: HeaderMap,
        ) -> GatewayStatus {
            if gateway.is_down.load(Ordering::SeqCst) {
                return GatewayStatus::SERVICE_UNAVAILABLE;
            }
            let authorization = headers
                .get("authorization")
                .map(|value| value.to_str().unwrap().to_owned());
            gateway.deleted.lock().unwrap().push((token, authorization));
            GatewayStatus::NO_CONTENT
        }
        let router = Router::new()
            .route("/api/tokens/{token}", delete(delete_token))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    }

    /// Waits until `count` deletions arrived (at most 10 s); them.
    async fn wait_for(&self, count: usize) -> Vec<(String, Option<String>)> {
        for _ in 0..200 {
            let deleted = self.deleted.lock().unwrap().clone();
            if deleted.len() >= count {
                return deleted;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the gateway did not get {count} deletions within 10 s");
    }
}

async fn app_with_gateway(url: String) -> TestApp {
    spawn_app_with(move |config| {
        with_internal_api(config);
        config.payment_gateway_url = Some(storefront::config::PublicUrl::parse(&url).unwrap());
        config.payment_gateway_token = Some("gateway-secret".into());
    })
    .await
}

#[tokio::test]
async fn deleting_a_card_deletes_its_token_at_the_gateway() {
    let gateway = Gateway::default();
    let app = app_with_gateway(gateway.start().await).await;
    let (_, id) = customer_with_a_card(&app).await;

    let response = app
        .send(Method::DELETE, &format!("/users/saved-cards/{id}/"))
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/users/saved-cards/{id}/")).await.status(),
        StatusCode::NOT_FOUND
    );
    let deleted = gateway.wait_for(1).await;
    assert_eq!(
        deleted,
        [(TOKEN.to_owned(), Some("Bearer gateway-secret".to_owned()))]
    );
}

/// Waits until the outbox records a failed attempt (at most 10 s).
async fn wait_for_a_failed_attempt(app: &TestApp) {
    for _ in 0..200 {
        let errors = app.database.text_column("outbox", "last_error").await;
        if errors.iter().any(Option::is_some) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no failed attempt within 10 s");
}

#[tokio::test]
async fn a_deletion_waits_out_a_gateway_outage_and_the_card_is_gone_at_once() {
    let gateway = Gateway::default();
    gateway.is_down.store(true, Ordering::SeqCst);
    let app = app_with_gateway(gateway.start().await).await;
    let (_, id) = customer_with_a_card(&app).await;

    let response = app
        .send(Method::DELETE, &format!("/users/saved-cards/{id}/"))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        json_body(app.get("/users/saved-cards/").await).await["count"],
        0
    );
    wait_for_a_failed_attempt(&app).await;
    assert!(
        !app.database.holds_text(TOKEN).await,
        "the waiting deletion holds it sealed"
    );

    gateway.is_down.store(false, Ordering::SeqCst);
    app.advance_clock(Duration::from_secs(3600));

    assert_eq!(gateway.wait_for(1).await[0].0, TOKEN);
}

#[tokio::test]
async fn anonymisation_deletes_the_cards_and_their_tokens_at_the_gateway() {
    let gateway = Gateway::default();
    let app = app_with_gateway(gateway.start().await).await;
    let (customer, _) = customer_with_a_card(&app).await;
    put_card(
        &app,
        &customer.email,
        "tok_second",
        json!({"last_four": "0004"}),
    )
    .await;

    let response = app
        .send(Method::PATCH, "/users/anonymize/")
        .text_plain("{}")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let mut tokens: Vec<String> = gateway
        .wait_for(2)
        .await
        .into_iter()
        .map(|(token, _)| token)
        .collect();
    tokens.sort();
    assert_eq!(tokens, [TOKEN, "tok_second"]);
    assert_eq!(app.database.count_rows("saved_cards").await, 0);
}

#[tokio::test]
async fn the_export_lists_the_cards_masked_without_tokens() {
    let app = spawn_app_with(with_internal_api).await;
    let (_, id) = customer_with_a_card(&app).await;

    let export = json_body(app.get("/users/export/").await).await;

    let cards = &export["sections"]["saved_cards"];
    assert_eq!(cards.as_array().unwrap().len(), 1);
    assert_eq!(cards[0]["id"], id);
    assert_eq!(cards[0]["masked_card_number"], "**** **** **** 4523");
    assert!(cards[0].get("token").is_none());
    assert!(!export.to_string().contains(TOKEN));
}
