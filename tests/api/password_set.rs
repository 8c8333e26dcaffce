//! `POST /users/password/set/`: a first password for an account that has none (made by social
//! login, guest checkout or import); refused to an account that has one.

use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use storefront::{
    accounts::{passwords::unusable_password_hash, queries::find_by_id},
    config::SessionStoreUrl,
    sessions::{SessionKey, entity as stored_sessions},
};

use crate::support::{TestApp, json_body, spawn_app, spawn_app_with};

const NEW_PASSWORD: &str = "Vb6&first-of-mine";

fn set_to(password: &str) -> Value {
    json!({"new_password1": password, "new_password2": password})
}

async fn set_password(app: &TestApp, body: &Value) -> reqwest::Response {
    app.send(Method::POST, "/users/password/set/")
        .json(body)
        .await
}

/// Turns the customer logged in on `app`'s client into one without a password, as a social
/// login leaves it: an unusable hash in the row, and the session's auth hash derived from it
/// (what the login of such an account stores). Sessions in the database, no caches (see
/// [`passwordless_app`]), so the change is seen at once.
async fn make_passwordless(app: &TestApp) -> i64 {
    let id = app.database.ids("users").await[0];
    app.database
        .set_text("users", "password", id, Some(&unusable_password_hash()))
        .await;
    let customer = find_by_id(app.state.db.read(), id).await.unwrap().unwrap();
    let key = SessionKey::parse(&app.session_key().unwrap()).unwrap();
    let session = stored_sessions::Entity::find_by_id(key.storage_id().as_ref())
        .one(app.state.db.read())
        .await
        .unwrap()
        .unwrap();
    let mut data: Value = serde_json::from_str(&session.data).unwrap();
    data["_auth_user_hash"] = json!(customer.session_auth_hash());
    let mut session: stored_sessions::ActiveModel = session.into();
    session.data = Set(data.to_string());
    session.update(&app.database.connect().await).await.unwrap();
    id
}

async fn passwordless_app() -> TestApp {
    spawn_app_with(|config| {
        config.session_store = SessionStoreUrl::Database;
        config.session_cache_ttl = std::time::Duration::ZERO;
    })
    .await
}

#[tokio::test]
async fn an_account_without_a_password_sets_one_and_logs_in_with_it() {
    let app = passwordless_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    make_passwordless(&app).await;
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::BAD_REQUEST
    );

    let response = set_password(&app, &set_to(NEW_PASSWORD)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "New password has been saved."})
    );
    assert_eq!(
        app.current_user().await.status(),
        StatusCode::OK,
        "this session stays logged in"
    );
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK
    );
    let again = set_password(&app, &set_to("Gh5*second-try")).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_account_with_a_password_is_refused_and_keeps_it() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    let response = set_password(&app, &set_to(NEW_PASSWORD)).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["This account already has a password. Change it with the old one instead."]})
    );
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_new_password_is_checked_as_at_registration() {
    let app = passwordless_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    make_passwordless(&app).await;

    let cases = [
        (
            json!({"new_password1": NEW_PASSWORD}),
            json!({"new_password2": ["This field is required."]}),
        ),
        (
            json!({"new_password1": NEW_PASSWORD, "new_password2": "Vb6&first-of-yours"}),
            json!({"new_password2": ["The two password fields didn't match."]}),
        ),
        (
            set_to("password"),
            json!({"new_password2": ["This password is too common."]}),
        ),
    ];
    for (body, expected) in cases {
        let response = set_password(&app, &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_body(response).await, expected);
    }
    assert_eq!(
        set_password(&app, &set_to(NEW_PASSWORD)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_guest_cannot_set_a_password() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = set_password(&app, &set_to(NEW_PASSWORD)).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn a_first_password_is_in_the_security_log() {
    let app = passwordless_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    make_passwordless(&app).await;

    let response = set_password(&app, &set_to(NEW_PASSWORD)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.security_event_kinds().await, ["password_set", "login"]);
}
