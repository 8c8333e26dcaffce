//! `GET /users/export/`: one JSON document of everything stored about the customer, a named
//! section per kind of data.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    addresses::{add, home},
    geography::imported_places,
    support::{Customer, TestApp, json_body, spawn_app, spawn_app_beside},
};

/// The export's sections, asserting the download's headers.
async fn exported_sections(app: &TestApp) -> Value {
    let response = app.get("/users/export/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"storefront-export.json\""
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let mut export = json_body(response).await;
    assert!(export["exported_at"].is_string());
    export["sections"].take()
}

fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn the_export_is_one_document_of_named_sections() {
    let app = spawn_app().await;
    app.logged_in_customer().await;

    let response = app.get("/users/export/").await;

    assert_eq!(response.status(), StatusCode::OK);
    let export = json_body(response).await;
    assert_eq!(keys(&export), ["exported_at", "sections"]);
    assert_eq!(
        keys(&export["sections"]),
        [
            "addresses",
            "consents",
            "loyalty_transactions",
            "orders",
            "profile",
            "saved_cards",
            "security_events",
            "sessions",
            "social_accounts"
        ]
    );
}

#[tokio::test]
async fn the_export_needs_a_login() {
    let app = spawn_app().await;

    let response = app.get("/users/export/").await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_profile_section_is_the_account_as_stored_without_its_password() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    app.send(Method::PATCH, "/users/profile/")
        .json(&json!({"phone": "0532 123 45 67", "gender": "female", "date_of_birth": "1990-04-28", "language_code": "en", "attributes": {"shoe_size": "38"}}))
        .await;

    let profile = exported_sections(&app).await["profile"].take();

    let stored = |key: &str| profile[key].clone();
    assert_eq!(
        profile,
        json!({
            "id": stored("id"),
            "username": stored("username"),
            "email": customer.email,
            "first_name": "Jane",
            "last_name": "Doe",
            "phone": "+905321234567",
            "gender": "female",
            "date_of_birth": "1990-04-28",
            "language_code": "en",
            "attributes": {"register_client_type": "default", "shoe_size": "38"},
            "is_active": true,
            "user_type": "registered",
            "date_joined": stored("date_joined"),
            "last_login": stored("last_login"),
            "modified_date": stored("modified_date"),
        })
    );
    assert_eq!(
        profile["id"],
        json_body(app.current_user().await).await["pk"]
    );
    assert!(profile["last_login"].is_string());
}

#[tokio::test]
async fn the_addresses_section_holds_every_address_removed_ones_too() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let kept = add(&app, &home(&places)).await;
    let removed = add(&app, &home(&places)).await;
    app.send(
        Method::DELETE,
        &format!("/address/{}/", removed["pk"].as_i64().unwrap()),
    )
    .await;

    let mut addresses = exported_sections(&app).await["addresses"].take();

    let addresses = addresses.as_array_mut().unwrap();
    assert_eq!(addresses.len(), 2);
    assert!(addresses[0]["removed_at"].is_null());
    assert!(addresses[1]["removed_at"].is_string());
    for address in addresses.iter_mut() {
        let fields = address.as_object_mut().unwrap();
        assert!(fields.remove("created_date").unwrap().is_string());
        fields.remove("removed_at");
    }
    assert_eq!(addresses, &[kept, removed]);
}

#[tokio::test]
async fn the_sessions_section_lists_the_live_logins_without_their_keys() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    let phone = app
        .send(Method::POST, "/users/login/")
        .without_cookies()
        .header("user-agent", "ShopApp/2.1 (Android 14)")
        .json(&customer.credentials())
        .await;
    assert_eq!(phone.status(), StatusCode::OK);
    let phone_key = crate::support::set_cookies(&phone)[0]
        .trim_start_matches("osessionid=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let sessions = exported_sections(&app).await["sessions"].take();

    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    for session in sessions {
        assert_eq!(
            keys(session),
            [
                "created_at",
                "expires_at",
                "id",
                "ip",
                "last_seen_at",
                "user_agent"
            ]
        );
    }
    assert_eq!(sessions[0]["user_agent"], json!(null));
    assert_eq!(sessions[1]["user_agent"], "ShopApp/2.1 (Android 14)");
    let text = sessions_text(&app).await;
    for key in [app.session_key().unwrap(), phone_key] {
        assert!(!text.contains(&key));
        assert!(!text.contains(&hex::encode(Sha256::digest(key.as_bytes()))));
    }
}

/// The whole export as text.
async fn sessions_text(app: &TestApp) -> String {
    app.get("/users/export/").await.text().await.unwrap()
}

#[tokio::test]
async fn sessions_that_no_longer_log_in_are_left_out() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let logged_out = app.log_in_elsewhere(&customer).await;
    let token = crate::support::random_word(64);
    let logout = app
        .send(Method::POST, "/users/logout/")
        .without_cookies()
        .header(
            "cookie",
            format!("csrftoken={token}; {}={logged_out}", app.cookie_name),
        )
        .header("x-csrftoken", &token)
        .await;
    assert_eq!(logout.status(), StatusCode::OK);
    app.log_in_elsewhere(&customer).await;
    assert_eq!(
        exported_sections(&app).await["sessions"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "this one and the one still logged in"
    );

    // A password change ends the other sessions.
    let new_password = "Qw7#nearly-new";
    app.send(Method::POST, "/users/password/change/")
        .json(&json!({"old_password": customer.password, "new_password1": new_password, "new_password2": new_password}))
        .await;

    let sessions = exported_sections(&app).await["sessions"].take();
    assert_eq!(sessions.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_export_holds_nothing_of_another_customer() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;
    app.logged_in_customer().await;
    let other = spawn_app_beside(&app, |_| {}).await;
    let someone_else = Customer::generate();
    other.register(&someone_else).await;
    other.fetch_csrf_token().await;
    add(&other, &home(&places)).await;

    let sections = exported_sections(&app).await;

    assert_eq!(sections["addresses"], json!([]));
    assert_eq!(sections["sessions"].as_array().unwrap().len(), 1);
    assert!(!sections.to_string().contains(&someone_else.email));
}

#[tokio::test]
async fn at_most_the_newest_fifty_logins_are_kept_on_record() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;
    let first = exported_sections(&app).await["sessions"][0]["id"].clone();
    for _ in 0..50 {
        app.log_in_elsewhere(&customer).await;
    }

    let sessions = exported_sections(&app).await["sessions"].take();

    let ids: Vec<_> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|session| session["id"].clone())
        .collect();
    assert_eq!(ids.len(), 50, "51 logins");
    assert!(!ids.contains(&first), "the oldest is dropped");
}
