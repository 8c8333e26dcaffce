//! `GET /users/security-events/`: the customer's security log after a scripted story, what it
//! shows of each event, and what it never shows (failures against unknown e-mails, which only
//! operators see in `/metrics` and the log).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Customer, PHONE_IP, PHONE_USER_AGENT, TestApp, json_body, spawn_app};

const NEW_PASSWORD: &str = "Qw7#nearly-new";

/// The log as this client reads it (first page of 100).
async fn security_events(app: &TestApp) -> Vec<Value> {
    let response = app.get("/users/security-events/?limit=100").await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = json_body(response).await;
    body["results"].take().as_array().unwrap().clone()
}

async fn change_password(app: &TestApp, customer: &Customer) {
    let response = app
        .send(Method::POST, "/users/password/change/")
        .json(&json!({"old_password": customer.password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The value of the metric line `series` (`0` before its first count).
async fn metric(app: &TestApp, series: &str) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_log_tells_the_accounts_story_newest_first() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let logout = app.send(Method::POST, "/users/logout/").await;
    assert_eq!(logout.status(), StatusCode::OK);
    let wrong = Customer {
        password: "not-my-password".into(),
        ..customer.clone()
    };
    assert_eq!(app.log_in(&wrong).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.log_in(&customer).await.status(), StatusCode::OK);
    change_password(&app, &customer).await;
    let customer = Customer {
        password: NEW_PASSWORD.into(),
        ..customer
    };
    app.log_in_from_phone(&customer).await;
    let phone = security_events(&app).await[0]["id"].clone();
    let sessions = json_body(app.get("/users/sessions/").await).await;
    let phone_session = sessions["results"][0]["id"].as_i64().unwrap();
    let revoke = app
        .send(Method::DELETE, &format!("/users/sessions/{phone_session}/"))
        .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let unknown = Customer::generate();
    assert_eq!(app.log_in(&unknown).await.status(), StatusCode::BAD_REQUEST);

    let events = security_events(&app).await;

    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "session_revoked",
            "login",
            "password_changed",
            "login",
            "login_failed",
            "logout",
            "login",
        ]
    );
    let phone_login = &events[1];
    assert_eq!(phone_login["id"], phone);
    assert_eq!(
        phone_login,
        &json!({
            "id": phone,
            "kind": "login",
            "occurred_at": phone_login["occurred_at"].clone(),
            "ip": PHONE_IP,
            "user_agent": PHONE_USER_AGENT,
        })
    );
    assert!(phone_login["occurred_at"].as_str().unwrap().ends_with('Z'));
    // This client calls from loopback without X-Forwarded-For: no IP is known.
    assert_eq!(events[0]["ip"], json!(null));
    assert!(!json!(events).to_string().contains(&unknown.email));
}

#[tokio::test]
async fn failures_against_unknown_emails_are_counted_for_operators_only() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    let series = r#"storefront_logins_total{outcome="unknown_email"}"#;
    let before = metric(&app, series).await;

    let status = app
        .log_in_with("nobody-here@example.com", "whatever-it-is")
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(metric(&app, series).await > before);
    assert_eq!(app.security_event_kinds().await, ["login"]);
}

#[tokio::test]
async fn logins_are_counted_by_outcome() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    let success = r#"storefront_logins_total{outcome="success"}"#;
    let wrong_password = r#"storefront_logins_total{outcome="wrong_password"}"#;
    let (successes, failures) = (
        metric(&app, success).await,
        metric(&app, wrong_password).await,
    );

    app.log_in_with(&customer.email, "not-my-password").await;
    app.log_in_with(&customer.email, &customer.password).await;

    assert!(metric(&app, success).await > successes);
    assert!(metric(&app, wrong_password).await > failures);
}

#[tokio::test]
async fn another_accounts_events_are_not_in_the_log() {
    let app = spawn_app().await;
    let someone_else = Customer::generate();
    app.register(&someone_else).await;
    app.log_in_with(&someone_else.email, "not-their-password")
        .await;
    app.logged_in_customer().await;

    let kinds = app.security_event_kinds().await;

    assert_eq!(kinds, ["login"]);
}

#[tokio::test]
async fn the_log_pages_and_needs_a_login() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.log_in_with(&customer.email, "not-my-password").await;
    app.log_in_with(&customer.email, "not-my-password-either")
        .await;

    let page = json_body(app.get("/users/security-events/?limit=2").await).await;

    assert_eq!(page["count"], 3);
    assert_eq!(page["previous"], json!(null));
    assert!(page["next"].as_str().unwrap().ends_with("?limit=2&page=2"));
    let second = json_body(app.get("/users/security-events/?limit=2&page=2").await).await;
    assert_eq!(second["results"][0]["kind"], "login");
    let beyond = app.get("/users/security-events/?limit=2&page=3").await;
    assert_eq!(beyond.status(), StatusCode::NOT_FOUND);
    let guest = app
        .send(Method::GET, "/users/security-events/")
        .without_cookies()
        .await;
    assert_eq!(guest.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_export_holds_the_log_and_anonymisation_erases_it() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.log_in_with(&customer.email, "not-my-password").await;
    app.fetch_csrf_token().await;

    let export = json_body(app.get("/users/export/").await).await;

    let exported = export["sections"]["security_events"].as_array().unwrap();
    let kinds: Vec<&str> = exported
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["login_failed", "login"]);
    let anonymized = app
        .send(Method::PATCH, "/users/anonymize/")
        .text_plain("{}")
        .await;
    assert_eq!(anonymized.status(), StatusCode::OK);
    assert_eq!(app.database.count_rows("security_events").await, 0);
}
