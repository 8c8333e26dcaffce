//! `POST /users/password/change/`: the contract's validation order, and which sessions stay
//! logged in afterwards.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Customer, json_body, spawn_app};

const NEW_PASSWORD: &str = "Qw7#nearly-new";

fn change_to(customer: &Customer, new_password: &str) -> Value {
    json!({"old_password": customer.password, "new_password1": new_password, "new_password2": new_password})
}

#[tokio::test]
async fn a_changed_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let key_before = app.session_key();
    let elsewhere = app.log_in_elsewhere(&customer).await;

    let response = app
        .send(Method::POST, "/users/password/change/")
        .json(&change_to(&customer, NEW_PASSWORD))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        crate::support::set_cookies(&response).is_empty(),
        "no Set-Cookie"
    );
    assert_eq!(
        json_body(response).await,
        json!({"detail": "New password has been saved."})
    );
    assert_eq!(app.session_key(), key_before, "the key is kept");
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
    assert_eq!(
        app.current_user_of(&elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_change_is_checked_in_djangos_order() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let app = &app;
    let change = |body: Value| async move {
        app.send(Method::POST, "/users/password/change/")
            .json(&body)
            .await
    };

    let missing = change(json!({"old_password": customer.password})).await;
    let wrong_old =
        change(json!({"old_password": "not-it", "new_password1": "a", "new_password2": "b"})).await;
    let mismatch = change(json!({"old_password": customer.password, "new_password1": NEW_PASSWORD, "new_password2": "Other#pass-123"})).await;
    let weak = change(change_to(&customer, "short")).await;

    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(missing).await,
        json!({"new_password1": ["This field is required."], "new_password2": ["This field is required."]})
    );
    assert_eq!(
        json_body(wrong_old).await,
        json!({"old_password": ["Your old password was entered incorrectly. Please enter it again."]})
    );
    assert_eq!(
        json_body(mismatch).await,
        json!({"new_password2": ["The two password fields didn't match."]})
    );
    let weak = json_body(weak).await;
    assert_eq!(
        weak["new_password2"][0],
        "This password is too short. It must contain at least 8 characters."
    );
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::OK,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn a_password_change_needs_a_login() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::POST, "/users/password/change/")
        .json(&change_to(&Customer::generate(), NEW_PASSWORD))
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// The race the profile group commit had: a profile update that read the customer before the
/// password changed, and put it into the customer cache after, brought the old password's auth
/// hash back (the other sessions stayed logged in, this one was logged out).
#[tokio::test]
async fn a_password_change_racing_profile_updates_still_ends_the_other_sessions() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let elsewhere = app.log_in_elsewhere(&customer).await;
    let done = std::sync::atomic::AtomicBool::new(false);
    let update_profile_until_done = || async {
        let mut answered = 0;
        // Bounded, should the change never finish.
        while !done.load(std::sync::atomic::Ordering::SeqCst) && answered < 5_000 {
            let body = json!({"first_name": format!("Name{answered}")});
            let status = app
                .send(Method::PATCH, "/users/profile/")
                .json(&body)
                .await
                .status();
            // A request that read the session before the change saved it, and the customer
            // after, is refused: in flight during the change, it cannot tell which login it has.
            assert!(
                [StatusCode::OK, StatusCode::UNAUTHORIZED].contains(&status),
                "{status}"
            );
            answered += 1;
        }
    };
    let change = async {
        let response = app
            .send(Method::POST, "/users/password/change/")
            .json(&change_to(&customer, NEW_PASSWORD))
            .await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        response.status()
    };

    let updaters = futures_util::future::join_all((0..16).map(|_| update_profile_until_done()));
    let (status, _) = tokio::join!(change, updaters);

    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.current_user().await.status(), StatusCode::OK);
    assert_eq!(
        app.current_user_of(&elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_change_is_in_the_security_log_and_a_refused_one_is_not() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let change = |old: &str| json!({"old_password": old, "new_password1": "Qw7#nearly-new", "new_password2": "Qw7#nearly-new"});
    let refused = app
        .send(Method::POST, "/users/password/change/")
        .json(&change("not-my-password"))
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let response = app
        .send(Method::POST, "/users/password/change/")
        .json(&change(&customer.password))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.security_event_kinds().await,
        ["password_changed", "login"]
    );
}
