//! `GET /current_user/`: every field the client reads; 401 without a valid login.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{json_body, set_cookies, spawn_app};

#[tokio::test]
async fn current_user_has_every_field_of_the_contract() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;

    let response = app
        .send(Method::GET, "/current_user/")
        .without_cookies()
        .header(
            "cookie",
            format!("osessionid={}", app.session_key().unwrap()),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    let user = json_body(response).await;
    let mut keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attributes",
            "call_allowed",
            "date_joined",
            "date_of_birth",
            "email",
            "email_allowed",
            "first_name",
            "gender",
            "hashed_email",
            "is_active",
            "is_email_verified",
            "is_social_networks_connected",
            "last_login",
            "last_name",
            "phone",
            "pk",
            "sms_allowed",
            "user_type",
            "username"
        ]
    );
    assert!(user["pk"].is_i64());
    assert_eq!(user["email"], customer.email.as_str());
    assert_eq!(user["first_name"], "Jane");
    assert_eq!(user["is_email_verified"], false, "nobody opened a link yet");
    assert_eq!(user["is_social_networks_connected"], false);
    assert_eq!(user["username"].as_str().unwrap().len(), 32);
    let date_joined = user["date_joined"].as_str().unwrap();
    assert!(
        date_joined.ends_with('Z') && date_joined.len() == 27,
        "{date_joined}"
    );
    assert!(
        user["last_login"].as_str().is_some(),
        "already the login that just happened"
    );
    let expected_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(customer.email.to_lowercase()))
    };
    assert_eq!(user["hashed_email"], expected_hash.as_str());
}

#[tokio::test]
async fn without_a_session_current_user_is_401_and_creates_no_session() {
    let app = spawn_app().await;

    let response = app.current_user().await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn a_guest_session_is_not_a_login() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;
    app.choose_language("en").await;
    assert!(app.session_key().is_some());

    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_changed_elsewhere_ends_the_session() {
    let app = spawn_app_with_no_cache().await;
    let customer = app.logged_in_customer().await;
    use sea_orm::ConnectionTrait;
    app.database
        .connect()
        .await
        .execute_unprepared(&format!(
            "UPDATE users SET password = 'changed' WHERE email_lower = '{}'",
            customer.email
        ))
        .await
        .unwrap();

    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}

async fn spawn_app_with_no_cache() -> crate::support::TestApp {
    crate::support::spawn_app_with(|config| config.session_cache_ttl = std::time::Duration::ZERO)
        .await
}
