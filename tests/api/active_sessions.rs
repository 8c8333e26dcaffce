//! The customer's active sessions: `GET /users/sessions/`, `DELETE /users/sessions/{id}/` and
//! `POST /users/sessions/logout-others/`, seen from the customer's browsers (a second client is
//! a session key of its own) and from two instances of the app on one database.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storefront::sessions::SessionKey;

use crate::support::{
    PHONE_IP, PHONE_USER_AGENT, TestApp, json_body, random_word, set_cookies, spawn_app,
    spawn_app_beside,
};

/// The session list as this client sees it.
async fn sessions(app: &TestApp) -> Value {
    let response = app.get("/users/sessions/").await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

/// The list's id of the session that is not this client's.
async fn other_session_id(app: &TestApp) -> i64 {
    let list = sessions(app).await;
    let results = list["results"].as_array().unwrap();
    let other = results.iter().find(|session| session["current"] == false);
    other.unwrap()["id"].as_i64().unwrap()
}

async fn end_session(app: &TestApp, id: i64) -> reqwest::Response {
    app.send(Method::DELETE, &format!("/users/sessions/{id}/"))
        .await
}

#[tokio::test]
async fn the_list_shows_every_login_newest_first_with_this_one_marked() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.log_in_from_phone(&customer).await;

    let list = sessions(&app).await;

    assert_eq!(list["count"], 2);
    assert_eq!(list["next"], json!(null));
    let results = list["results"].as_array().unwrap();
    let (phone, this) = (&results[0], &results[1]);
    let stored = |session: &Value, key: &str| session[key].clone();
    assert_eq!(
        phone,
        &json!({
            "id": stored(phone, "id"),
            "created_at": stored(phone, "created_at"),
            "last_seen_at": stored(phone, "last_seen_at"),
            "ip": PHONE_IP,
            "user_agent": PHONE_USER_AGENT,
            "current": false,
        })
    );
    // Called from loopback without X-Forwarded-For: a trusted proxy that forwarded no client.
    assert_eq!(this["ip"], json!(null));
    assert_eq!(this["user_agent"], json!(null));
    assert_eq!(this["current"], true);
    assert!(phone["id"].as_i64() > this["id"].as_i64());
    assert!(!list.to_string().contains(&app.session_key().unwrap()));
}

#[tokio::test]
async fn the_list_pages_and_needs_a_login() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.log_in_from_phone(&customer).await;

    let first = app.get("/users/sessions/?limit=1").await;

    let first = json_body(first).await;
    assert_eq!(first["count"], 2);
    assert_eq!(first["results"].as_array().unwrap().len(), 1);
    assert!(first["next"].as_str().unwrap().ends_with("?limit=1&page=2"));
    let guest = app
        .send(Method::GET, "/users/sessions/")
        .without_cookies()
        .await;
    assert_eq!(guest.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn last_seen_is_the_minute_of_the_last_use() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    let at_login = sessions(&app).await["results"][0].clone();
    assert!(
        at_login["last_seen_at"]
            .as_str()
            .unwrap()
            .ends_with(":00.000000Z")
    );

    app.advance_clock(Duration::from_secs(3600));
    app.current_user().await;

    let later = sessions(&app).await["results"][0].clone();
    let minute =
        |value: &Value| chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap();
    let moved = minute(&later["last_seen_at"]) - minute(&at_login["last_seen_at"]);
    assert!(moved >= chrono::TimeDelta::minutes(60), "{moved}");
    assert!(moved <= chrono::TimeDelta::minutes(61), "{moved}");
    assert!(
        later["last_seen_at"]
            .as_str()
            .unwrap()
            .ends_with(":00.000000Z")
    );
    assert_eq!(later["created_at"], at_login["created_at"]);
}

#[tokio::test]
async fn a_session_ended_from_the_list_stops_working_for_the_other_client() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let phone = app.log_in_from_phone(&customer).await;
    assert_eq!(app.current_user_of(&phone).await, StatusCode::OK);
    let id = other_session_id(&app).await;

    let response = end_session(&app, id).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.current_user_of(&phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
    let list = sessions(&app).await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["results"][0]["current"], true);
    assert_eq!(
        end_session(&app, id).await.status(),
        StatusCode::NOT_FOUND,
        "ended already"
    );
}

#[tokio::test]
async fn another_customers_session_is_not_found_and_keeps_working() {
    let app = spawn_app().await;
    let someone_else = app.logged_in_customer().await;
    let their_phone = app.log_in_from_phone(&someone_else).await;
    let their_phone_id = other_session_id(&app).await;
    // This browser now registers and logs in as somebody else.
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    let response = end_session(&app, their_phone_id).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    assert_eq!(app.current_user_of(&their_phone).await, StatusCode::OK);
    for path in ["/users/sessions/abc/", "/users/sessions/99999999/"] {
        let response = app.send(Method::DELETE, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn ending_this_session_logs_it_out() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let this = sessions(&app).await["results"][0]["id"].as_i64().unwrap();

    let response = end_session(&app, this).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(set_cookies(&response)[0].starts_with("osessionid=; "));
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_others_ends_every_session_but_this_one() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let phone = app.log_in_from_phone(&customer).await;
    let tablet = app.log_in_elsewhere(&customer).await;

    let response = app
        .send(Method::POST, "/users/sessions/logout-others/")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Other sessions have been logged out."})
    );
    for other in [phone, tablet] {
        assert_eq!(app.current_user_of(&other).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
    assert_eq!(sessions(&app).await["count"], 1);
}

#[tokio::test]
async fn ending_a_session_needs_the_csrf_token() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.log_in_from_phone(&customer).await;
    let id = other_session_id(&app).await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::DELETE, &format!("/users/sessions/{id}/"))
        .without_csrf_header()
        .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(sessions(&app).await["count"], 2);
}

/// Two instances sharing sessions (one database, and under `STOREFRONT_TEST_SESSION_STORE` one
/// Redis key prefix), each with its own memory of sessions (`SESSION_CACHE_TTL`, 2 s).
async fn two_instances() -> (TestApp, TestApp) {
    let first = spawn_app().await;
    let second = spawn_app_beside(&first, |_| {}).await;
    (first, second)
}

#[tokio::test]
async fn a_session_ended_on_one_instance_stops_working_on_the_other_at_once() {
    let (laptop_side, phone_side) = two_instances().await;
    let customer = laptop_side.logged_in_customer().await;
    laptop_side.fetch_csrf_token().await;
    let phone = phone_side.log_in_from_phone(&customer).await;
    // The other instance now holds the phone's session in memory.
    assert_eq!(phone_side.current_user_of(&phone).await, StatusCode::OK);
    let id = other_session_id(&laptop_side).await;

    let response = end_session(&laptop_side, id).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        phone_side.current_user_of(&phone).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_others_on_one_instance_ends_them_on_the_other_at_once() {
    let (laptop_side, phone_side) = two_instances().await;
    let customer = laptop_side.logged_in_customer().await;
    laptop_side.fetch_csrf_token().await;
    let phone = phone_side.log_in_from_phone(&customer).await;
    assert_eq!(phone_side.current_user_of(&phone).await, StatusCode::OK);

    let response = laptop_side
        .send(Method::POST, "/users/sessions/logout-others/")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        phone_side.current_user_of(&phone).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(laptop_side.current_user().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_instance_still_holding_an_ended_session_cannot_bring_it_back() {
    let (laptop_side, phone_side) = two_instances().await;
    let customer = laptop_side.logged_in_customer().await;
    let phone = phone_side.log_in_from_phone(&customer).await;
    assert_eq!(phone_side.current_user_of(&phone).await, StatusCode::OK);
    // Ended through the laptop's instance, as a revocation ends it before waiting: the phone's
    // instance still holds the session in memory.
    let stored_as = SessionKey::parse(&phone).unwrap().storage_id();
    laptop_side.state.sessions.end(&stored_as).await.unwrap();

    // Meanwhile the phone changes its session through its instance.
    let token = random_word(64);
    let chosen = phone_side
        .send(Method::POST, "/i18n/setlang/")
        .without_cookies()
        .header(
            "cookie",
            format!("csrftoken={token}; {}={phone}", phone_side.cookie_name),
        )
        .header("x-csrftoken", &token)
        .form(&[("language", "en")])
        .await;

    assert_eq!(chosen.status(), StatusCode::OK);
    let fresh = spawn_app_beside(&laptop_side, |_| {}).await;
    assert_eq!(
        fresh.current_user_of(&phone).await,
        StatusCode::UNAUTHORIZED
    );
}
