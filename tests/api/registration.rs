//! Registration: validation, duplicates, immediate login.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Customer, TestApp, json_body, set_cookies, spawn_app, spawn_app_with};

#[tokio::test]
async fn registration_logs_the_customer_in_at_once() {
    let app = spawn_app().await;
    let customer = Customer::generate();

    let response = app.register(&customer).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(set_cookies(&response)[0].starts_with("osessionid="));
    assert!(
        json_body(response).await["key"]
            .as_str()
            .is_some_and(|key| !key.is_empty())
    );
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["email"], customer.email.as_str());
    assert_eq!(user["user_type"], "registered");
    assert_eq!(
        user["attributes"],
        json!({"register_client_type": "default"})
    );
}

#[tokio::test]
async fn registration_stores_every_field_the_form_sends_as_strings() {
    let app = spawn_app().await;
    let body = json!({
        "email": "Jane.Doe@Example.com", "password": "Xk39!pQz-long", "first_name": "Jane", "last_name": "Doe",
        "phone": "0532 123 45 67", "gender": "female", "date_of_birth": "1990-01-31", "email_allowed": "true",
        "sms_allowed": "false", "confirm": "true", "kvkk_confirm": "on", "formType": "register", "locale": "en"
    });

    let response = app
        .send(Method::POST, "/users/registration/")
        .without_csrf_header()
        .json(&body)
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["email"], "Jane.Doe@Example.com");
    assert_eq!(user["phone"], "05321234567");
    assert_eq!(user["gender"], "female");
    assert_eq!(user["date_of_birth"], "1990-01-31");
    assert_eq!(user["email_allowed"], true);
    assert_eq!(user["sms_allowed"], false);
    assert_eq!(
        user["attributes"],
        json!({"register_client_type": "default", "confirm": true, "kvkk_confirm": true})
    );
}

#[tokio::test]
async fn registration_rejects_an_email_that_differs_only_in_case() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;
    let twin = Customer {
        email: customer.email.to_uppercase(),
        ..customer
    };

    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&twin.registration())
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"email": ["A user is already registered with this e-mail address."]})
    );
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let body = json!({"email": "nope", "password": "123", "phone": "12", "gender": "x", "date_of_birth": "31.01.1990", "first_name": "J".repeat(151)});

    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&body)
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({
            "email": ["Enter a valid email address."],
            "first_name": ["Ensure this field has no more than 150 characters."],
            "phone": ["Enter a valid phone number."],
            "gender": ["\"x\" is not a valid choice."],
            "date_of_birth": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        })
    );
}

#[tokio::test]
async fn weak_passwords_get_djangos_validator_messages() {
    let app = spawn_app().await;
    let attempt = |password: &str| json!({"email": "jane.doe@example.com", "password": password, "first_name": "Jane"});

    let short_numeric = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&attempt("1234567"))
        .await;
    let common = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&attempt("password123"))
        .await;
    let similar = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&attempt("jane.doe@example"))
        .await;

    assert_eq!(
        json_body(short_numeric).await,
        json!({"password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric."
        ]})
    );
    assert_eq!(
        json_body(common).await,
        json!({"password": ["This password is too common."]})
    );
    assert_eq!(
        json_body(similar).await,
        json!({"password": ["The password is too similar to the email address."]})
    );
}

#[tokio::test]
async fn the_allauth_password_pair_must_match() {
    let app = spawn_app().await;
    let body = json!({"email": "pair@example.com", "password1": "Xk39!pQz-long", "password2": "Xk39!pQz-lonG"});

    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&body)
        .await;

    assert_eq!(
        json_body(response).await,
        json!({"password2": ["The two password fields didn't match."]})
    );
}

#[tokio::test]
async fn registration_keeps_the_guest_session_data_under_a_new_key() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;
    app.choose_language("en").await;
    let guest_key = app.session_key().unwrap();

    app.register(&Customer::generate()).await;

    assert_ne!(app.session_key().unwrap(), guest_key);
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
}

/// Registers a new customer with `phone` (logging them in on `app`'s client).
async fn register_with_phone(app: &TestApp, phone: &str) -> reqwest::Response {
    let mut body = Customer::generate().registration();
    body["phone"] = json!(phone);
    app.client
        .post(app.url("/users/registration/"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_turkish_phone_is_answered_in_national_form_however_it_was_typed() {
    let app = spawn_app().await;

    for typed in ["0532 123 45 67", "+90 532 123 45 67", "5321234567"] {
        let response = register_with_phone(&app, typed).await;

        assert_eq!(response.status(), StatusCode::CREATED, "{typed}");
        let user = json_body(app.current_user().await).await;
        assert_eq!(user["phone"], "05321234567", "{typed}");
    }
}

#[tokio::test]
async fn a_phone_of_another_country_is_answered_in_e164() {
    let app = spawn_app().await;

    let response = register_with_phone(&app, "+44 20 7123 4567").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["phone"], "+442071234567");
}

#[tokio::test]
async fn registration_refuses_numbers_no_phone_can_have() {
    let app = spawn_app().await;

    for typed in ["+0000000000", "12"] {
        let response = register_with_phone(&app, typed).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{typed}");
        assert_eq!(
            json_body(response).await,
            json!({"phone": ["Enter a valid phone number."]})
        );
    }
}

#[tokio::test]
async fn the_phone_is_stored_in_e164() {
    let app = spawn_app().await;

    register_with_phone(&app, "0532 123 45 67").await;

    assert_eq!(
        app.database.text_column("users", "phone").await,
        vec![Some("+905321234567".to_owned())]
    );
}

#[tokio::test]
async fn the_default_region_decides_how_national_numbers_are_read() {
    let app = spawn_app_with(|config| config.phone_default_region = "GB".parse().unwrap()).await;

    let response = register_with_phone(&app, "020 7123 4567").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["phone"], "02071234567");
    assert_eq!(
        app.database.text_column("users", "phone").await,
        vec![Some("+442071234567".to_owned())]
    );
}
