//! Logout: the storefront's two-step form dance and the one-step header variant.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{json_body, set_cookies, spawn_app};

fn token_in(page: &str) -> String {
    let start = page.find("name=\"csrfmiddlewaretoken\" value=\"").unwrap()
        + "name=\"csrfmiddlewaretoken\" value=\"".len();
    page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

#[tokio::test]
async fn the_two_step_logout_of_the_storefront_works_without_a_session_cookie() {
    let app = spawn_app().await;

    let step1 = app
        .send(Method::POST, "/users/logout")
        .without_cookies()
        .header("cookie", "undefined")
        .await;
    assert_eq!(step1.status(), StatusCode::OK);
    assert_eq!(step1.headers()["content-type"], "text/html; charset=utf-8");
    let token = token_in(&step1.text().await.unwrap());
    assert_eq!(token.len(), 64);

    let step2 = app
        .send(Method::POST, "/users/logout")
        .without_cookies()
        .header("cookie", format!("csrftoken={token}; undefined"))
        .form(&[("csrfmiddlewaretoken", token.as_str())])
        .await;
    assert_eq!(step2.status(), StatusCode::OK);
    assert!(json_body(step2).await.is_object());
}

#[tokio::test]
async fn logout_with_a_session_ends_it_and_a_replayed_key_gets_401() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    let key = app.session_key().unwrap();
    let token = crate::support::random_word(64);

    let response = app
        .send(Method::POST, "/users/logout/")
        .without_cookies()
        .header("cookie", format!("csrftoken={token}; osessionid={key}"))
        .form(&[("csrfmiddlewaretoken", token.as_str())])
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        set_cookies(&response),
        vec!["osessionid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0".to_owned()]
    );
    let replay = app
        .send(Method::GET, "/current_user/")
        .without_cookies()
        .header("cookie", format!("osessionid={key}"))
        .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_step_logout_with_the_header() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::POST, "/users/logout/")
        .json(&json!({}))
        .await;

    assert_eq!(
        json_body(response).await,
        json!({"detail": "Successfully logged out."})
    );
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn step_two_with_a_mismatched_token_is_403() {
    let app = spawn_app().await;

    let response = app
        .send(Method::POST, "/users/logout")
        .without_cookies()
        .header("cookie", format!("csrftoken={}", "a".repeat(64)))
        .form(&[("csrfmiddlewaretoken", "b".repeat(32))])
        .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "CSRF Failed: CSRF token incorrect."})
    );
}

#[tokio::test]
async fn get_shows_the_sign_out_form() {
    let app = spawn_app().await;

    let response = app.get("/users/logout/").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(token_in(&response.text().await.unwrap()).len(), 64);
}
