//! The shared limiter as a client meets it (issue 19): failed logins wait longer and longer past
//! the free ones, per e-mail address, session and client IP, with the same answers for known
//! and unknown addresses; registration and mail requests have budgets of their own. Each story
//! runs with the counts in the database and in Redis.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use storefront::{config::Config, limits::RateLimitStoreUrl};

use crate::support::{Customer, TestApp, count_in_redis, json_body, spawn_app_with};

const WRONG_PASSWORD: &str = "Not-the-password-1";

fn too_many_attempts() -> Value {
    json!({"non_field_errors": ["Too many attempts. Try again later."]})
}

fn unable_to_log_in() -> Value {
    json!({"non_field_errors": ["Unable to log in with provided credentials."]})
}

fn in_the_database(config: &mut Config) {
    config.limits.rate_limit_store = RateLimitStoreUrl::Database;
}

/// A login as the storefront's server posts it, from a browser without cookies, forwarded for
/// `client_ip` when given.
async fn log_in_from(
    app: &TestApp,
    email: &str,
    password: &str,
    client_ip: Option<&str>,
) -> Response {
    let mut request = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": email, "password": password}));
    if let Some(ip) = client_ip {
        request = request.header("x-forwarded-for", ip);
    }
    request.await
}

/// `(status, Retry-After, body)` of a response.
async fn answer(response: Response) -> (StatusCode, Option<String>, Value) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, retry_after, json_body(response).await)
}

async fn refused_for(app: &TestApp, email: &str, seconds: &str) {
    let refused = answer(log_in_from(app, email, WRONG_PASSWORD, None).await).await;
    assert_eq!(
        refused,
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some(seconds.to_owned()),
            too_many_attempts()
        )
    );
}

async fn fails(app: &TestApp, email: &str) {
    let failed = answer(log_in_from(app, email, WRONG_PASSWORD, None).await).await;
    assert_eq!(failed, (StatusCode::BAD_REQUEST, None, unable_to_log_in()));
}

async fn the_wait_doubles_past_the_free_failures(store: fn(&mut Config)) {
    let app = spawn_app_with(|config| {
        store(config);
        config.limits.login_free_attempts = 2;
    })
    .await;
    let customer = app.logged_in_customer().await;

    fails(&app, &customer.email).await;
    fails(&app, &customer.email).await;

    refused_for(&app, &customer.email, "1").await;
    app.advance_clock(Duration::from_secs(1));
    fails(&app, &customer.email).await;
    refused_for(&app, &customer.email, "2").await;
    app.advance_clock(Duration::from_secs(2));
    fails(&app, &customer.email).await;
    refused_for(&app, &customer.email, "4").await;
    // Even the right password waits.
    let right = log_in_from(&app, &customer.email, &customer.password, None).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_wait_doubles_past_the_free_failures_counted_in_the_database() {
    the_wait_doubles_past_the_free_failures(in_the_database).await;
}

#[tokio::test]
async fn the_wait_doubles_past_the_free_failures_counted_in_redis() {
    the_wait_doubles_past_the_free_failures(count_in_redis).await;
}

async fn the_wait_stops_at_an_hour_and_is_forgotten_an_hour_later(store: fn(&mut Config)) {
    let app = spawn_app_with(|config| {
        store(config);
        config.limits.login_free_attempts = 1;
    })
    .await;
    let email = Customer::generate().email;
    fails(&app, &email).await;
    for seconds in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048] {
        refused_for(&app, &email, &seconds.to_string()).await;
        app.advance_clock(Duration::from_secs(seconds));
        fails(&app, &email).await;
    }

    refused_for(&app, &email, "3600").await;
    app.advance_clock(Duration::from_secs(3600));
    fails(&app, &email).await;
    refused_for(&app, &email, "3600").await;
    app.advance_clock(Duration::from_secs(2 * 3600));
    fails(&app, &email).await;
    refused_for(&app, &email, "1").await;
}

#[tokio::test]
async fn the_wait_stops_at_an_hour_and_is_forgotten_an_hour_later_in_the_database() {
    the_wait_stops_at_an_hour_and_is_forgotten_an_hour_later(in_the_database).await;
}

#[tokio::test]
async fn the_wait_stops_at_an_hour_and_is_forgotten_an_hour_later_in_redis() {
    the_wait_stops_at_an_hour_and_is_forgotten_an_hour_later(count_in_redis).await;
}

async fn a_login_forgets_the_failures_before_it(store: fn(&mut Config)) {
    let app = spawn_app_with(|config| {
        store(config);
        config.limits.login_free_attempts = 2;
    })
    .await;
    let customer = app.logged_in_customer().await;
    fails(&app, &customer.email).await;

    let logged_in = log_in_from(&app, &customer.email, &customer.password, None).await;

    assert_eq!(logged_in.status(), StatusCode::OK);
    fails(&app, &customer.email).await;
    fails(&app, &customer.email).await;
    refused_for(&app, &customer.email, "1").await;
}

#[tokio::test]
async fn a_login_forgets_the_failures_before_it_in_the_database() {
    a_login_forgets_the_failures_before_it(in_the_database).await;
}

#[tokio::test]
async fn a_login_forgets_the_failures_before_it_in_redis() {
    a_login_forgets_the_failures_before_it(count_in_redis).await;
}

#[tokio::test]
async fn an_unknown_address_is_answered_like_a_customers() {
    let app = spawn_app_with(|config| config.limits.login_free_attempts = 1).await;
    let customer = app.logged_in_customer().await;
    let stranger = Customer::generate();
    let mut answers = Vec::new();

    for email in [&customer.email, &stranger.email] {
        let failed = answer(log_in_from(&app, email, WRONG_PASSWORD, None).await).await;
        let refused = answer(log_in_from(&app, email, WRONG_PASSWORD, None).await).await;
        answers.push((failed, refused));
    }

    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].1.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_session_is_counted_across_addresses() {
    let app = spawn_app_with(|config| config.limits.login_free_attempts = 2).await;
    // A session, as the storefront's login form has one (from the captcha page).
    app.get("/users/pz-captcha/").await;
    let log_in_as = |email: String| {
        app.send(Method::POST, "/users/login/")
            .without_csrf_header()
            .json(&json!({"email": email, "password": WRONG_PASSWORD}))
    };

    let first = log_in_as(Customer::generate().email).await.status();
    let second = log_in_as(Customer::generate().email).await.status();
    let third = answer(log_in_as(Customer::generate().email).await).await;

    assert_eq!([first, second], [StatusCode::BAD_REQUEST; 2]);
    assert_eq!(
        third,
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("1".to_owned()),
            too_many_attempts()
        )
    );
}

/// Failed logins for `count` different addresses, forwarded for `client_ip`; their statuses.
async fn spray(app: &TestApp, client_ip: Option<&str>, count: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        let email = Customer::generate().email;
        statuses.push(
            log_in_from(app, &email, WRONG_PASSWORD, client_ip)
                .await
                .status(),
        );
    }
    statuses
}

async fn a_trusted_proxy_names_the_client_ip(store: fn(&mut Config)) {
    let app = spawn_app_with(|config| {
        store(config);
        config.limits.login_ip_free_attempts = 2;
    })
    .await;

    let attacker = spray(&app, Some("203.0.113.7"), 3).await;
    let behind_another_proxy_hop = spray(&app, Some("203.0.113.7, 10.0.0.3"), 1).await;
    let neighbour = spray(&app, Some("203.0.113.8"), 1).await;
    let storefront_server = spray(&app, None, 3).await;

    use StatusCode as S;
    assert_eq!(
        attacker,
        [S::BAD_REQUEST, S::BAD_REQUEST, S::TOO_MANY_REQUESTS]
    );
    assert_eq!(behind_another_proxy_hop, [S::TOO_MANY_REQUESTS]);
    assert_eq!(neighbour, [S::BAD_REQUEST]);
    assert_eq!(
        storefront_server,
        [S::BAD_REQUEST; 3],
        "no client IP, no count"
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_ip_counted_in_the_database() {
    a_trusted_proxy_names_the_client_ip(in_the_database).await;
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_ip_counted_in_redis() {
    a_trusted_proxy_names_the_client_ip(count_in_redis).await;
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = "".parse().unwrap();
        config.limits.login_ip_free_attempts = 2;
    })
    .await;

    let statuses = [
        spray(&app, Some("198.51.100.1"), 1).await,
        spray(&app, Some("198.51.100.2"), 1).await,
        spray(&app, None, 1).await,
    ]
    .concat();

    use StatusCode as S;
    assert_eq!(
        statuses,
        [S::BAD_REQUEST, S::BAD_REQUEST, S::TOO_MANY_REQUESTS],
        "all from 127.0.0.1"
    );
}

#[tokio::test]
async fn registrations_past_the_budget_wait_for_the_hour() {
    let app = spawn_app_with(|config| config.limits.registration_attempts = 2).await;
    let register = |customer: Customer| {
        app.send(Method::POST, "/users/registration/")
            .without_cookies()
            .header("x-forwarded-for", "203.0.113.20")
            .json(&customer.registration())
    };

    let first = register(Customer::generate()).await.status();
    let second = register(Customer::generate()).await.status();
    let third = answer(register(Customer::generate()).await).await;
    app.advance_clock(Duration::from_secs(3600));
    let after_the_hour = register(Customer::generate()).await.status();

    assert_eq!([first, second], [StatusCode::CREATED; 2]);
    assert_eq!(
        third,
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("3600".to_owned()),
            too_many_attempts()
        )
    );
    assert_eq!(after_the_hour, StatusCode::CREATED);
}

#[tokio::test]
async fn password_reset_requests_for_one_address_have_a_budget() {
    let app = spawn_app_with(|config| config.limits.mail_request_attempts = 2).await;
    app.fetch_csrf_token().await;
    let email = Customer::generate().email;
    let request_reset = |email: String| {
        app.send(Method::POST, "/users/password/reset/")
            .json(&json!({"email": email}))
    };

    let first = request_reset(email.clone()).await.status();
    let second = request_reset(email.clone()).await.status();
    let third = answer(request_reset(email.clone()).await).await;
    let another_address = request_reset(Customer::generate().email).await.status();

    assert_eq!([first, second], [StatusCode::OK; 2]);
    assert_eq!(
        third,
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("3600".to_owned()),
            json!({"detail": "Request was throttled. Expected available in 3600 seconds."})
        )
    );
    assert_eq!(another_address, StatusCode::OK);
}

#[tokio::test]
async fn confirmation_resend_requests_share_the_mail_budget() {
    let app = spawn_app_with(|config| config.limits.mail_request_attempts = 1).await;
    app.fetch_csrf_token().await;
    let email = Customer::generate().email;

    let reset = app
        .send(Method::POST, "/users/password/reset/")
        .json(&json!({"email": email}))
        .await;
    let resend = app
        .send(Method::POST, "/users/registration/resend-email/")
        .json(&json!({"email": email}))
        .await;

    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(resend.status(), StatusCode::TOO_MANY_REQUESTS);
}
