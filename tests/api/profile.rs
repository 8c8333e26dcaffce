//! `GET|PATCH /users/profile/`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{json_body, spawn_app};

#[tokio::test]
async fn the_profile_shows_the_customer_and_the_gender_choices() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;

    let profile = json_body(app.get("/users/profile/").await).await;

    assert_eq!(profile["email"], customer.email.as_str());
    assert_eq!(profile["avatar"], json!(null));
    assert_eq!(
        profile["genders"][2],
        json!({"value": "none", "label": "Prefer not to say"})
    );
}

#[tokio::test]
async fn patch_changes_only_what_is_sent() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let change = json!({"date_of_birth": "1990-04-28", "first_name": "Ann", "phone": "05351231212", "gender": "female", "email_allowed": true, "sms_allowed": "false", "email": "ignored@example.com"});

    let response = app.patch_json("/users/profile/", &change).await;

    assert_eq!(response.status(), StatusCode::OK);
    let profile = json_body(response).await;
    assert_eq!(profile["first_name"], "Ann");
    assert_eq!(profile["last_name"], "Doe");
    assert_eq!(profile["date_of_birth"], "1990-04-28");
    assert_eq!(profile["phone"], "05351231212");
    assert_eq!(profile["email_allowed"], true);
    assert_ne!(profile["email"], "ignored@example.com");
    let current = json_body(app.current_user().await).await;
    assert_eq!(
        current["first_name"], "Ann",
        "the change is visible at once"
    );
}

#[tokio::test]
async fn empty_strings_clear_phone_and_gender() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    app.patch_json(
        "/users/profile/",
        &json!({"phone": "05351231212", "gender": "male"}),
    )
    .await;

    let profile = json_body(
        app.patch_json("/users/profile/", &json!({"phone": "", "gender": ""}))
            .await,
    )
    .await;

    assert_eq!(profile["phone"], json!(null));
    assert_eq!(profile["gender"], json!(null));
}

#[tokio::test]
async fn invalid_changes_are_field_errors_and_change_nothing() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    let response = app
        .patch_json(
            "/users/profile/",
            &json!({"first_name": "Changed", "date_of_birth": "2999-01-01", "gender": "x"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"date_of_birth": ["Date of birth cannot be in the future."], "gender": ["\"x\" is not a valid choice."]})
    );
    assert_eq!(
        json_body(app.get("/users/profile/").await).await["first_name"],
        "Jane"
    );
}

#[tokio::test]
async fn the_profile_needs_a_login() {
    let app = spawn_app().await;

    let response = app
        .request(Method::GET, "/users/profile/")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
