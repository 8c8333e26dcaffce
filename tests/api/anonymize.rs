//! `PATCH /users/anonymize/`: personal data erased for good, every session ended, the address
//! free to register again.

use reqwest::{Method, Response, StatusCode};
use serde_json::json;

use crate::{
    addresses::{add, home},
    geography::imported_places,
    support::{Customer, TestApp, json_body, set_cookies, spawn_app},
};

/// `PATCH /users/anonymize/` as the proxy sends it: `{}` labelled `text/plain;charset=UTF-8`.
async fn anonymize(app: &TestApp) -> Response {
    app.send(Method::PATCH, "/users/anonymize/")
        .text_plain("{}")
        .await
}

/// A logged-in customer with a CSRF token, whose profile holds personal data.
async fn customer_with_a_profile(app: &TestApp) -> Customer {
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let change = json!({"first_name": "Ayşe", "last_name": "Yılmaz", "phone": "05321234567", "gender": "female", "date_of_birth": "1990-04-28", "email_allowed": true, "sms_allowed": true, "call_allowed": true, "whatsapp_allowed": true, "language_code": "tr", "attributes": {"confirm": true, "kvkk_confirm": true, "shoe_size": "38"}});
    let response = app
        .send(Method::PATCH, "/users/profile/")
        .json(&change)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    customer
}

#[tokio::test]
async fn anonymising_answers_an_empty_object_and_deletes_the_session_cookie() {
    let app = spawn_app().await;
    customer_with_a_profile(&app).await;

    let response = anonymize(&app).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        set_cookies(&response),
        vec!["osessionid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0".to_owned()]
    );
    assert_eq!(json_body(response).await, json!({}));
}

#[tokio::test]
async fn anonymising_ends_this_session_and_every_other_one() {
    let app = spawn_app().await;
    let customer = customer_with_a_profile(&app).await;
    let this_key = app.session_key().unwrap();
    let elsewhere = app.log_in_elsewhere(&customer).await;

    anonymize(&app).await;

    assert_eq!(
        app.current_user_of(&this_key).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.current_user_of(&elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_second_anonymise_finds_no_login() {
    let app = spawn_app().await;
    customer_with_a_profile(&app).await;
    anonymize(&app).await;

    let again = anonymize(&app).await;

    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_body(again).await,
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn anonymising_needs_a_login() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = anonymize(&app).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn any_body_is_ignored() {
    let app = spawn_app().await;
    customer_with_a_profile(&app).await;

    let response = app
        .send(Method::PATCH, "/users/anonymize/")
        .header("content-type", "application/xml")
        .body("<not-json")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn anonymising_erases_the_personal_data_for_good() {
    let app = spawn_app().await;
    let customer = customer_with_a_profile(&app).await;
    let id = json_body(app.current_user().await).await["pk"]
        .as_i64()
        .unwrap();

    anonymize(&app).await;

    let stored = storefront::accounts::queries::find_by_id(app.state.db.read(), id)
        .await
        .unwrap()
        .unwrap();
    let email = stored.email.as_ref();
    assert!(
        email.starts_with("anonymized-") && email.ends_with("@anonymized.invalid"),
        "{email}"
    );
    assert_ne!(email, customer.email);
    assert_eq!(
        (stored.first_name.as_str(), stored.last_name.as_str()),
        ("", "")
    );
    assert!(stored.phone.is_none() && stored.gender.is_none());
    assert!(stored.date_of_birth.is_none() && stored.language_code.is_none());
    assert_eq!(stored.attributes, json!({}));
    assert_eq!((stored.email_allowed, stored.sms_allowed), (false, false));
    assert_eq!(
        (stored.call_allowed, stored.whatsapp_allowed),
        (Some(false), Some(false))
    );
    assert!(!stored.is_active);
    assert!(!stored.has_usable_password());
    let users = app.database.text_column("users", "first_name").await;
    assert_eq!(users, vec![Some(String::new())], "no copy left behind");
}

#[tokio::test]
async fn the_old_password_no_longer_logs_in() {
    let app = spawn_app().await;
    let customer = customer_with_a_profile(&app).await;

    anonymize(&app).await;

    let login = app.log_in(&customer).await;
    assert_eq!(login.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(login).await,
        json!({"non_field_errors": ["Unable to log in with provided credentials."]})
    );
}

#[tokio::test]
async fn anonymising_withdraws_every_consent_on_the_record() {
    let app = spawn_app().await;
    customer_with_a_profile(&app).await;

    anonymize(&app).await;

    let db = &app.database;
    let rows: Vec<_> = db
        .text_column("consent_changes", "source")
        .await
        .into_iter()
        .zip(db.text_column("consent_changes", "consent").await)
        .zip(db.bool_column("consent_changes", "value").await)
        .filter(|((source, _), _)| source.as_deref() == Some("anonymize"))
        .map(|((_, consent), value)| (consent.unwrap(), value.unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            "email_allowed",
            "sms_allowed",
            "call_allowed",
            "whatsapp_allowed",
            "confirm",
            "kvkk_confirm"
        ]
        .map(|consent| (consent.to_owned(), false))
    );
}

#[tokio::test]
async fn anonymising_deletes_the_address_book() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;
    customer_with_a_profile(&app).await;
    add(&app, &home(&places)).await;
    add(&app, &home(&places)).await;
    let removed = add(&app, &home(&places)).await;
    app.send(
        Method::DELETE,
        &format!("/address/{}/", removed["pk"].as_i64().unwrap()),
    )
    .await;

    anonymize(&app).await;

    assert_eq!(app.database.ids("addresses").await, Vec::<i64>::new());
}

#[tokio::test]
async fn anonymising_leaves_other_customers_alone() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;
    let other = spawn_app_beside_with_customer(&app).await;
    add(&other, &home(&places)).await;
    customer_with_a_profile(&app).await;

    anonymize(&app).await;

    assert_eq!(other.current_user().await.status(), StatusCode::OK);
    let book = json_body(other.get("/address/").await).await;
    assert_eq!(book["count"], 1);
}

/// A second client of the same app, logged in as a customer of its own, with a CSRF token.
async fn spawn_app_beside_with_customer(app: &TestApp) -> TestApp {
    let other = crate::support::spawn_app_beside(app, |_| {}).await;
    other.logged_in_customer().await;
    other.fetch_csrf_token().await;
    other
}

#[tokio::test]
async fn anonymising_lets_the_old_address_register_again() {
    let app = spawn_app().await;
    let customer = customer_with_a_profile(&app).await;
    anonymize(&app).await;

    let again = app.register(&customer).await;

    assert_eq!(again.status(), StatusCode::CREATED);
    let profile = json_body(app.get("/users/profile/").await).await;
    assert_eq!(profile["email"], customer.email.as_str());
    assert_eq!(profile["first_name"], "Jane", "a new account");
    assert_eq!(profile["phone"], json!(null));
}

#[tokio::test]
async fn anonymising_spends_an_outstanding_password_reset_link() {
    let app = spawn_app().await;
    let customer = customer_with_a_profile(&app).await;
    let reset = app
        .send(Method::POST, "/users/password/reset/")
        .json(&json!({"email": customer.email}))
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(app.database.count_rows("password_reset_tokens").await, 1);

    anonymize(&app).await;

    assert_eq!(app.database.count_rows("password_reset_tokens").await, 0);
}

#[tokio::test]
async fn anonymising_forgets_a_pending_email_change_and_confirmation_keys() {
    let app = spawn_app().await;
    let customer = customer_with_a_profile(&app).await;
    let new_email = Customer::generate().email;
    let change = app
        .send(Method::POST, "/users/email-change/")
        .json(
            &json!({"email": new_email, "emailConfirm": new_email, "password": customer.password}),
        )
        .await;
    assert_eq!(change.status(), StatusCode::OK);
    assert_eq!(app.database.count_rows("email_changes").await, 1);

    anonymize(&app).await;

    assert_eq!(app.database.count_rows("email_changes").await, 0);
    assert_eq!(app.database.count_rows("email_confirmations").await, 0);
}
