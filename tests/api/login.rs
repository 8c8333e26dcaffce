//! Login: body formats, failures without enumeration, legacy Django hashes.

use reqwest::{Method, StatusCode, multipart};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::support::{Customer, json_body, set_cookies, spawn_app};

#[tokio::test]
async fn login_with_next_auths_string_body_answers_a_key() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;
    let body = json!({
        "email": customer.email.to_uppercase(), "password": customer.password, "formType": "login",
        "locale": "en", "captchaValidated": "false", "redirect": "false", "callbackUrl": "/",
        "csrfToken": "5f0c7c3e2d", "json": "true"
    });

    let response = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("cookie", "undefined")
        .json(&body)
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response).len(), 1);
    let key = json_body(response).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(key.len(), 40);
}

#[tokio::test]
async fn login_accepts_urlencoded_and_multipart_bodies_and_the_slashless_path() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;

    let form = app
        .send(Method::POST, "/users/login")
        .without_cookies()
        .form(&[("email", &customer.email), ("password", &customer.password)])
        .await;
    let multipart = multipart::Form::new()
        .text("username", customer.email.clone())
        .text("password", customer.password.clone());
    let multipart = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .multipart(multipart)
        .await;
    let text_plain = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .text_plain(customer.credentials().to_string())
        .await;

    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(multipart.status(), StatusCode::OK);
    assert_eq!(text_plain.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;

    let wrong_password = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": customer.email, "password": "Wrong-pass-1"}))
        .await;
    let unknown_email = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": "nobody@example.com", "password": "Wrong-pass-1"}))
        .await;

    assert_eq!(wrong_password.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown_email.status(), StatusCode::BAD_REQUEST);
    let expected = json!({"non_field_errors": ["Unable to log in with provided credentials."]});
    assert_eq!(json_body(wrong_password).await, expected);
    assert_eq!(json_body(unknown_email).await, expected);
}

#[tokio::test]
async fn missing_and_malformed_fields_are_field_errors() {
    let app = spawn_app().await;

    let empty = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({}))
        .await;
    let malformed = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": "not-an-email", "password": "x"}))
        .await;

    assert_eq!(
        json_body(empty).await,
        json!({"email": ["This field is required."], "password": ["This field is required."]})
    );
    assert_eq!(
        json_body(malformed).await,
        json!({"email": ["Enter a valid email address."]})
    );
}

#[tokio::test]
async fn a_disabled_account_is_told_only_with_the_right_password() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;
    app.database
        .connect()
        .await
        .execute_unprepared(&format!(
            "UPDATE users SET is_active = false WHERE email_lower = '{}'",
            customer.email
        ))
        .await
        .unwrap();

    let right = app.log_in(&customer).await;
    let wrong = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": customer.email, "password": "Wrong-pass-1"}))
        .await;

    assert_eq!(
        json_body(right).await,
        json!({"non_field_errors": ["User account is disabled."]})
    );
    assert_eq!(
        json_body(wrong).await,
        json!({"non_field_errors": ["Unable to log in with provided credentials."]})
    );
}

// Django 5.2 `make_password("correct horse battery staple")`, PBKDF2-SHA256 at 1000 iterations.
const DJANGO_PBKDF2: &str =
    "pbkdf2_sha256$1000$betsvXII1ibNe8ToHAzSTb$7A5fAK1MQ9sxFS4Xg2C1KuO1HjdKcv/ZaCk7UrxhGEo=";

#[tokio::test]
async fn a_legacy_django_hash_logs_in_and_is_upgraded_to_argon2id() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;
    let set_hash = format!(
        "UPDATE users SET password = '{DJANGO_PBKDF2}' WHERE email_lower = '{}'",
        customer.email
    );
    app.database
        .connect()
        .await
        .execute_unprepared(&set_hash)
        .await
        .unwrap();

    let customer = Customer {
        password: "correct horse battery staple".to_owned(),
        ..customer
    };

    let response = app.log_in(&customer).await;

    assert_eq!(response.status(), StatusCode::OK);
    let stored = app
        .state
        .db
        .read()
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.read().get_database_backend(),
            format!(
                "SELECT password FROM users WHERE email_lower = '{}'",
                customer.email
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let hash: String = stored.try_get("", "password").unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert_eq!(
        app.log_in(&customer).await.status(),
        StatusCode::OK,
        "the new hash verifies too"
    );
}

#[tokio::test]
async fn a_failed_login_creates_no_session() {
    let app = spawn_app().await;

    let response = app
        .send(Method::POST, "/users/login/")
        .without_csrf_header()
        .json(&json!({"email": "x@example.com", "password": "Wrong-pass-1"}))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(set_cookies(&response).is_empty());
    assert!(app.session_key().is_none());
}

#[tokio::test]
async fn get_on_login_is_405_json() {
    let app = spawn_app().await;

    let response = app.get("/users/login/").await;

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Method \"GET\" not allowed."})
    );
}
