//! CSRF: stateless double submit on every unsafe method; login, registration and logout step 1
//! exempt only for tokenless server-side calls.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Customer, json_body, set_cookies, spawn_app, spawn_app_with};

#[tokio::test]
async fn csrf_token_is_64_alphanumerics_in_body_and_cookie_and_creates_no_session() {
    let app = spawn_app().await;

    let response = app.get("/csrf_token/").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "only the csrftoken cookie: {cookies:?}");
    let body = json_body(response).await;
    let token = body["csrf_token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(
        cookies[0],
        format!("csrftoken={token}; Path=/; SameSite=Lax; Max-Age=31449600")
    );
}

#[tokio::test]
async fn every_unsafe_method_needs_the_token() {
    let app = spawn_app().await;
    app.logged_in_customer().await;

    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let response = app
            .send(method.clone(), "/users/profile/")
            .without_cookies()
            .header(
                "cookie",
                format!("{}={}", app.cookie_name, app.session_key().unwrap()),
            )
            .json(&json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method}");
        assert_eq!(
            json_body(response).await,
            json!({"detail": "CSRF Failed: CSRF cookie not set."})
        );
    }
}

#[tokio::test]
async fn a_missing_or_mismatched_token_is_refused_and_a_matching_one_passes() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    let token = app.fetch_csrf_token().await;

    let missing = app
        .send(Method::PATCH, "/users/profile/")
        .without_csrf_header()
        .json(&json!({}))
        .await;
    let wrong = app
        .send(Method::PATCH, "/users/profile/")
        .without_csrf_header()
        .header("x-csrftoken", "a".repeat(64))
        .json(&json!({}))
        .await;
    let malformed = app
        .send(Method::PATCH, "/users/profile/")
        .without_csrf_header()
        .header("x-csrftoken", "not-a-token")
        .json(&json!({}))
        .await;
    let right = app
        .send(Method::PATCH, "/users/profile/")
        .without_csrf_header()
        .header("X-CSRFToken", &token)
        .json(&json!({}))
        .await;

    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(missing).await,
        json!({"detail": "CSRF Failed: CSRF token missing."})
    );
    assert_eq!(
        json_body(wrong).await,
        json!({"detail": "CSRF Failed: CSRF token incorrect."})
    );
    assert_eq!(
        json_body(malformed).await,
        json!({"detail": "CSRF Failed: CSRF token incorrect."})
    );
    assert_eq!(right.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_djangos_masked_form_of_the_cookie_secret_is_accepted() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    // secret "aaaa…" masked with "bbbb…": cipher letter = (0 + 1) mod 62 = 'b'.
    app.set_cookie("csrftoken", &"a".repeat(32));
    let masked = "b".repeat(64);

    let response = app
        .send(Method::PATCH, "/users/profile/")
        .without_csrf_header()
        .header("x-csrftoken", masked)
        .json(&json!({}))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_token_stays_valid_across_login_and_logout() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.fetch_csrf_token().await;
    app.register(&customer).await;
    app.log_in(&customer).await;

    let patch = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"first_name": "Ann"}))
        .await;
    let logout = app.send(Method::POST, "/users/logout/").await;

    assert_eq!(patch.status(), StatusCode::OK);
    assert_eq!(logout.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_foreign_origin_or_referer_is_refused() {
    let app = spawn_app().await;
    let token = app.fetch_csrf_token().await;

    let origin = app
        .send(Method::POST, "/users/logout/")
        .header("origin", "https://evil.example")
        .await;
    let referer = app
        .send(Method::POST, "/users/logout/")
        .header("referer", "https://evil.example/page")
        .await;
    let own_referer = app
        .send(Method::POST, "/users/logout/")
        .header("referer", format!("{}/anything", app.address))
        .await;

    assert_eq!(origin.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(origin).await,
        json!({"detail": "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."})
    );
    assert_eq!(referer.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        own_referer.status(),
        StatusCode::OK,
        "token {token} with our own referer"
    );
}

#[tokio::test]
async fn a_trusted_origin_passes() {
    let app = spawn_app_with(|config| {
        config.csrf_trusted_origins =
            storefront::config::TrustedOrigins(vec!["https://shop.example.com".to_owned()]);
    })
    .await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::POST, "/users/logout/")
        .header("origin", "https://shop.example.com")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn server_side_login_without_a_token_is_accepted_but_a_browsers_is_not() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;

    let from_server = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("cookie", "csrftoken=abc")
        .json(&customer.credentials())
        .await;
    let cross_site = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("sec-fetch-site", "cross-site")
        .json(&customer.credentials())
        .await;
    let with_origin = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .header("origin", app.address.clone())
        .json(&Customer::generate().registration())
        .await;

    assert_eq!(from_server.status(), StatusCode::OK);
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(cross_site).await,
        json!({"detail": "CSRF Failed: CSRF cookie not set."})
    );
    assert_eq!(with_origin.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wrong_token_on_login_is_refused_even_from_a_server() {
    let app = spawn_app().await;
    let customer = Customer::generate();
    app.register(&customer).await;

    let response = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("cookie", format!("csrftoken={}", "a".repeat(64)))
        .header("x-csrftoken", "b".repeat(32))
        .json(&customer.credentials())
        .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn strict_mode_refuses_tokenless_login_registration_and_logout() {
    let app = spawn_app_with(|config| config.csrf_strict = true).await;
    let customer = Customer::generate();

    let registration = app.register(&customer).await;
    let login = app.log_in(&customer).await;
    let logout = app
        .send(Method::POST, "/users/logout")
        .without_cookies()
        .await;
    app.fetch_csrf_token().await;
    let with_token = app
        .send(Method::POST, "/users/registration/")
        .json(&customer.registration())
        .await;

    assert_eq!(registration.status(), StatusCode::FORBIDDEN);
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(with_token.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn safe_methods_ignore_the_token() {
    let app = spawn_app().await;

    let response = app
        .send(Method::GET, "/csrf_token/")
        .without_cookies()
        .header("x-csrftoken", "garbage")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}
