//! The consent history: what registration and each profile change record, with the source, as
//! the data export shows it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Customer, TestApp, json_body, spawn_app, spawn_app_beside};

/// The export's `consents` section.
async fn consents(app: &TestApp) -> Value {
    let export = json_body(app.get("/users/export/").await).await;
    export["sections"]["consents"].clone()
}

/// The history as (source, consent, value), oldest first.
async fn history(app: &TestApp) -> Vec<(String, String, bool)> {
    consents(app).await["history"]
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

fn entry(source: &str, consent: &str, value: bool) -> (String, String, bool) {
    (source.to_owned(), consent.to_owned(), value)
}

async fn patch_profile(app: &TestApp, change: Value) {
    let response = app
        .send(Method::PATCH, "/users/profile/")
        .json(&change)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn registration_records_the_consents_it_gives() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    let mut form = customer.registration();
    for (key, value) in [
        ("email_allowed", "true"),
        ("sms_allowed", "false"),
        ("whatsapp_allowed", "true"),
        ("confirm", "true"),
        ("kvkk_confirm", "true"),
    ] {
        form[key] = json!(value);
    }

    let response = app
        .send(Method::POST, "/users/registration/")
        .without_csrf_header()
        .json(&form)
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let export = json_body(app.get("/users/export/").await).await;
    let joined = export["sections"]["profile"]["date_joined"].clone();
    let given = |consent: &str, value: bool| json!({"consent": consent, "value": value, "source": "registration", "changed_at": joined});
    assert_eq!(
        export["sections"]["consents"],
        json!({
            "current": {"email_allowed": true, "sms_allowed": false, "call_allowed": null, "whatsapp_allowed": true, "confirm": true, "kvkk_confirm": true},
            "history": [
                given("email_allowed", true),
                given("sms_allowed", false),
                given("whatsapp_allowed", true),
                given("confirm", true),
                given("kvkk_confirm", true),
            ]
        })
    );
}

#[tokio::test]
async fn each_consent_change_is_recorded_with_the_profile_as_its_source() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    patch_profile(&app, json!({"email_allowed": true, "first_name": "Ann"})).await;
    patch_profile(&app, json!({"email_allowed": true, "sms_allowed": false})).await;
    patch_profile(&app, json!({"attributes": {"kvkk_confirm": true}})).await;
    let put = app
        .send(Method::PUT, "/users/profile/")
        .json(&json!({"call_allowed": "false", "whatsapp_allowed": true}))
        .await;

    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        history(&app).await,
        vec![
            entry("registration", "email_allowed", false),
            entry("registration", "sms_allowed", false),
            entry("profile", "email_allowed", true),
            entry("profile", "kvkk_confirm", true),
            entry("profile", "call_allowed", false),
            entry("profile", "whatsapp_allowed", true),
        ],
        "a value sent again is no change"
    );
    assert_eq!(
        consents(&app).await["current"],
        json!({"email_allowed": true, "sms_allowed": false, "call_allowed": false, "whatsapp_allowed": true, "confirm": null, "kvkk_confirm": true})
    );
}

#[tokio::test]
async fn a_consent_changed_through_another_instance_is_still_recorded() {
    let first = spawn_app().await;
    let customer = first.logged_in_customer().await;
    first.fetch_csrf_token().await;
    let second = spawn_app_beside(&first, |_| {}).await;
    assert_eq!(second.log_in(&customer).await.status(), StatusCode::OK);
    second.fetch_csrf_token().await;

    // The first instance keeps its customer in memory with the consent given...
    patch_profile(&first, json!({"email_allowed": true})).await;
    // ...withdrawn through the second one...
    patch_profile(&second, json!({"email_allowed": false})).await;
    // ...and given again through the first, whose copy still says "given".
    patch_profile(&first, json!({"email_allowed": true})).await;

    let changes: Vec<_> = history(&first)
        .await
        .into_iter()
        .filter(|(source, _, _)| source == "profile")
        .collect();
    assert_eq!(
        changes,
        vec![
            entry("profile", "email_allowed", true),
            entry("profile", "email_allowed", false),
            entry("profile", "email_allowed", true),
        ]
    );
}

#[tokio::test]
async fn an_invalid_change_records_nothing() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"email_allowed": true, "attributes": {"bad key": 1}}))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        history(&app).await,
        vec![
            entry("registration", "email_allowed", false),
            entry("registration", "sms_allowed", false),
        ]
    );
}
