//! Sessions: lazy creation, key format, rotation at login, no fixation, expiry, purge, cookie name.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use storefront::sessions::entity as stored_sessions;

use crate::support::{Customer, json_body, set_cookies, spawn_app, spawn_app_with};

fn is_django_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
}

#[tokio::test]
async fn login_sets_a_session_cookie_the_client_can_parse() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;

    let response = app.log_in(&customer).await;

    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    let (name_and_key, attributes) = cookies[0].split_once("; ").unwrap();
    let key = name_and_key.strip_prefix("osessionid=").unwrap();
    assert!(is_django_key(key), "{key}");
    assert_eq!(
        attributes,
        "Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600"
    );
}

#[tokio::test]
async fn login_rotates_the_session_key_and_the_old_key_is_dead() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;
    app.send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": customer.email, "password": "wrong-password"}))
        .await;
    // A failed login created a guest session; the browser now holds it.
    let failed = app
        .log_in(&Customer {
            password: "wrong".into(),
            ..customer.clone()
        })
        .await;
    assert_eq!(failed.status(), StatusCode::BAD_REQUEST);
    let guest_key = app.session_key().unwrap();

    let response = app.log_in(&customer).await;

    let new_key = app.session_key().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(guest_key, new_key);
    let with_old_key = app
        .send(Method::GET, "/current_user/")
        .without_cookies()
        .header("cookie", format!("osessionid={guest_key}"))
        .await;
    assert_eq!(with_old_key.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forged_session_key_is_never_adopted() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;
    let forged = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    app.set_cookie("osessionid", forged);

    app.fetch_csrf_token().await;

    let chosen = app.choose_language("tr").await;

    let issued = app.session_key().unwrap();
    assert_eq!(chosen.status(), StatusCode::OK);
    assert_ne!(
        issued, forged,
        "a new key is issued instead of the forged one"
    );
    assert!(is_django_key(&issued));
    let forged_request = app
        .send(Method::GET, "/current_user/")
        .without_cookies()
        .header("cookie", format!("osessionid={forged}"))
        .await;
    assert_eq!(forged_request.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn keys_are_stored_hashed() {
    let app = spawn_app_with(|config| {
        config.session_store = storefront::config::SessionStoreUrl::Database
    })
    .await;
    app.logged_in_customer().await;
    let key = app.session_key().unwrap();

    let rows = stored_sessions::Entity::find()
        .all(app.state.db.read())
        .await
        .unwrap();

    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].id, key);
    assert!(!rows[0].data.contains(&key));
}

#[tokio::test]
async fn a_session_expires_after_its_age() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    assert_eq!(app.current_user().await.status(), StatusCode::OK);

    app.advance_clock(Duration::from_secs(1_209_600 + 1));

    let response = app.current_user().await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn expired_sessions_are_purged_from_the_database() {
    let app = spawn_app_with(|config| {
        config.session_store = storefront::config::SessionStoreUrl::Database
    })
    .await;
    app.logged_in_customer().await;
    app.advance_clock(Duration::from_secs(1_209_600 + 1));

    let purged = app.state.sessions.purge_expired().await.unwrap();

    assert_eq!(purged, 1);
    assert_eq!(
        stored_sessions::Entity::find()
            .count(app.state.db.read())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_cookie_name_is_configurable() {
    let app = spawn_app_with(|config| config.session_cookie_name = "shopsession".to_owned()).await;
    let customer = Customer::generate();

    let response = app.register(&customer).await;

    assert!(set_cookies(&response)[0].starts_with("shopsession="));
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
    let with_default_name = app
        .send(Method::GET, "/current_user/")
        .without_cookies()
        .header(
            "cookie",
            format!("osessionid={}", app.cookie("shopsession").unwrap()),
        )
        .await;
    assert_eq!(with_default_name.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let app = spawn_app_with(|config| config.session_cookie_secure = true).await;

    let response = app.register(&Customer::generate()).await;

    assert!(set_cookies(&response)[0].ends_with("; Secure"));
}

#[tokio::test]
async fn a_session_of_another_customer_is_flushed_at_login() {
    let app = spawn_app().await;
    let first = app.logged_in_customer().await;
    let second = Customer::generate();
    app.send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&second.registration())
        .await;

    app.log_in(&second).await;

    let body = json_body(app.current_user().await).await;
    assert_eq!(body["email"], second.email.as_str());
    assert_ne!(body["email"], first.email.as_str());
}

#[tokio::test]
async fn the_session_cookie_is_read_among_junk_cookies() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    let key = app.session_key().unwrap();

    let response = app
        .send(Method::GET, "/current_user/").without_cookies()
        .header("cookie", format!("undefined; pz-pos-error={{\"a\":1}}; sessionid=zzz; osessionid={key}; next-auth.session-token={}", "x".repeat(20_000)))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn of_two_session_cookies_the_last_counts_as_in_django() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    let key = app.session_key().unwrap();
    let stale = "k".repeat(32);
    let current_user_with = |cookie: String| {
        app.send(Method::GET, "/current_user/")
            .without_cookies()
            .header("cookie", cookie)
    };

    let stale_first = current_user_with(format!("osessionid={stale}; osessionid={key}")).await;
    let stale_last = current_user_with(format!("osessionid={key}; osessionid={stale}")).await;

    assert_eq!(stale_first.status(), StatusCode::OK);
    assert_eq!(stale_last.status(), StatusCode::UNAUTHORIZED);
}
