//! `GET|PATCH /users/profile/`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, json_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_profile_shows_the_customer_and_the_gender_choices() {
    let app = spawn_app().await;
    let customer = app.logged_in_customer().await;

    let profile = json_body(
        app.send(Method::GET, "/users/profile/")
            .header("accept-language", "en")
            .await,
    )
    .await;

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

    let response = app
        .send(Method::PATCH, "/users/profile/")
        .json(&change)
        .await;

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
    app.send(Method::PATCH, "/users/profile/")
        .json(&json!({"phone": "05351231212", "gender": "male"}))
        .await;

    let profile = json_body(
        app.send(Method::PATCH, "/users/profile/")
            .json(&json!({"phone": "", "gender": ""}))
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
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"first_name": "Changed", "date_of_birth": "2999-01-01", "gender": "x"}))
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

    let response = app.send(Method::GET, "/users/profile/").await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn concurrent_changes_answer_each_with_its_own_change_and_the_last_one_stays() {
    let app = spawn_app().await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    // Half change both names, half only the last name: batched, an update that only sets the
    // last name must still show the first name the updates before it left.
    let changes: Vec<_> = (0..24)
        .map(|i| match i % 2 {
            0 => json!({"first_name": format!("First{i}"), "last_name": format!("Last{i}")}),
            _ => json!({"last_name": format!("Only{i}")}),
        })
        .collect();

    let answers = futures_util::future::join_all(changes.iter().map(|change| async {
        let response = app
            .send(Method::PATCH, "/users/profile/")
            .json(change)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        json_body(response).await
    }))
    .await;

    let names = |profile: &serde_json::Value| {
        (
            profile["first_name"].as_str().unwrap().to_owned(),
            profile["last_name"].as_str().unwrap().to_owned(),
        )
    };
    for (change, answer) in changes.iter().zip(&answers) {
        assert_eq!(answer["last_name"], change["last_name"], "its own change");
        if change.get("first_name").is_some() {
            assert_eq!(answer["first_name"], change["first_name"]);
        } else {
            let first = answer["first_name"].as_str().unwrap();
            assert!(first == "Jane" || first.starts_with("First"), "{first}");
        }
    }
    let stored = json_body(app.current_user().await).await;
    let customer_id = stored["pk"].as_i64().unwrap();
    let row = storefront::accounts::queries::find_by_id(app.state.db.read(), customer_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        names(&stored),
        (row.first_name, row.last_name),
        "the cache holds what the database holds"
    );
    assert!(
        answers.iter().any(|answer| names(answer) == names(&stored)),
        "the stored profile is what the last update answered"
    );
}

/// Changes the logged-in customer's phone to `phone`.
async fn change_phone(app: &TestApp, phone: &str) -> reqwest::Response {
    app.send(Method::PATCH, "/users/profile/")
        .json(&json!({"phone": phone}))
        .await
}

/// A logged-in customer with a CSRF token.
async fn customer_of(app: TestApp) -> TestApp {
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    app
}

#[tokio::test]
async fn a_turkish_phone_is_shown_in_national_form_however_it_was_typed() {
    let app = customer_of(spawn_app().await).await;

    for typed in ["0532 123 45 67", "+90 532 123 45 67", "5321234567"] {
        let response = change_phone(&app, typed).await;

        assert_eq!(response.status(), StatusCode::OK, "{typed}");
        assert_eq!(json_body(response).await["phone"], "05321234567", "{typed}");
        let profile = json_body(app.get("/users/profile/").await).await;
        assert_eq!(profile["phone"], "05321234567", "{typed}");
    }
}

#[tokio::test]
async fn a_phone_of_another_country_is_shown_in_e164() {
    let app = customer_of(spawn_app().await).await;

    let response = change_phone(&app, "+44 20 7123 4567").await;

    assert_eq!(json_body(response).await["phone"], "+442071234567");
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["phone"], "+442071234567");
}

#[tokio::test]
async fn numbers_no_phone_can_have_are_field_errors() {
    let app = customer_of(spawn_app().await).await;

    for typed in ["+0000000000", "12"] {
        let response = change_phone(&app, typed).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{typed}");
        assert_eq!(
            json_body(response).await,
            json!({"phone": ["Enter a valid phone number."]})
        );
    }
}

#[tokio::test]
async fn a_changed_phone_is_stored_in_e164() {
    let app = customer_of(spawn_app().await).await;

    change_phone(&app, "0532 123 45 67").await;

    assert_eq!(
        app.database.text_column("users", "phone").await,
        vec![Some("+905321234567".to_owned())]
    );
}

#[tokio::test]
async fn with_a_british_default_region_a_british_national_number_is_accepted() {
    let app = spawn_app_with(|config| config.phone_default_region = "GB".parse().unwrap()).await;
    let app = customer_of(app).await;

    let response = change_phone(&app, "020 7123 4567").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["phone"], "02071234567");
}

/// The profile's gender choices as the client receives them in `language`.
async fn genders_in(app: &TestApp, language: &str) -> serde_json::Value {
    let profile = app
        .send(Method::GET, "/users/profile/")
        .header("accept-language", language)
        .await;
    json_body(profile).await["genders"].take()
}

#[tokio::test]
async fn the_gender_labels_follow_the_request_language() {
    let app = spawn_app().await;
    app.logged_in_customer().await;

    let turkish = genders_in(&app, "tr-TR,tr;q=0.9").await;
    let english = genders_in(&app, "en-us").await;

    assert_eq!(
        turkish,
        json!([
            {"value": "female", "label": "Kadın"},
            {"value": "male", "label": "Erkek"},
            {"value": "none", "label": "Belirtmek istemiyorum"}
        ])
    );
    assert_eq!(
        english,
        json!([
            {"value": "female", "label": "Female"},
            {"value": "male", "label": "Male"},
            {"value": "none", "label": "Prefer not to say"}
        ])
    );
}

/// The consent and preference fields of a profile.
fn preferences(profile: &serde_json::Value) -> serde_json::Value {
    json!({
        "email_allowed": profile["email_allowed"],
        "sms_allowed": profile["sms_allowed"],
        "call_allowed": profile["call_allowed"],
        "whatsapp_allowed": profile["whatsapp_allowed"],
        "language_code": profile["language_code"],
        "attributes": profile["attributes"],
    })
}

#[tokio::test]
async fn consent_and_preference_fields_round_trip_through_patch_put_and_get() {
    let app = customer_of(spawn_app().await).await;
    let fresh = json_body(app.get("/users/profile/").await).await;
    assert_eq!(
        preferences(&fresh),
        json!({"email_allowed": false, "sms_allowed": false, "call_allowed": null, "whatsapp_allowed": null, "language_code": null, "attributes": {"register_client_type": "default"}})
    );

    let patched = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"email_allowed": true, "call_allowed": "true", "whatsapp_allowed": false, "language_code": "EN", "attributes": {"shoe_size": "38", "newsletter_topics": ["shoes", "bags"]}}))
        .await;
    let put = app
        .send(Method::PUT, "/users/profile/")
        .json(
            &json!({"sms_allowed": "on", "whatsapp_allowed": true, "attributes": {"fit": "slim"}}),
        )
        .await;
    let got = json_body(app.get("/users/profile/").await).await;

    assert_eq!(
        preferences(&json_body(patched).await),
        json!({"email_allowed": true, "sms_allowed": false, "call_allowed": true, "whatsapp_allowed": false, "language_code": "en", "attributes": {"register_client_type": "default", "shoe_size": "38", "newsletter_topics": ["shoes", "bags"]}})
    );
    let after_put = json!({"email_allowed": true, "sms_allowed": true, "call_allowed": true, "whatsapp_allowed": true, "language_code": "en", "attributes": {"register_client_type": "default", "fit": "slim"}});
    assert_eq!(preferences(&json_body(put).await), after_put);
    assert_eq!(preferences(&got), after_put);
}

#[tokio::test]
async fn a_patch_merges_attributes_and_null_removes_a_key() {
    let app = customer_of(spawn_app().await).await;
    change_attributes(&app, json!({"shoe_size": "38", "fit": "slim"})).await;

    let profile = change_attributes(
        &app,
        json!({"fit": null, "colour": "red", "register_client_type": "hacked"}),
    )
    .await;

    assert_eq!(
        profile["attributes"],
        json!({"register_client_type": "default", "shoe_size": "38", "colour": "red"})
    );
}

async fn change_attributes(app: &TestApp, attributes: serde_json::Value) -> serde_json::Value {
    let response = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"attributes": attributes}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

#[tokio::test]
async fn attribute_keys_must_be_words_and_the_error_names_the_field() {
    let app = customer_of(spawn_app().await).await;

    let bad_key = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"first_name": "Changed", "attributes": {"shoe-size": "38"}}))
        .await;
    let not_an_object = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"attributes": "shoe_size=38"}))
        .await;
    let consent_not_a_boolean = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"attributes": {"kvkk_confirm": "maybe"}}))
        .await;

    assert_eq!(bad_key.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(bad_key).await,
        json!({"attributes": ["\"shoe-size\" is not a valid key: use at most 64 letters, digits or underscores."]})
    );
    assert_eq!(
        json_body(not_an_object).await,
        json!({"attributes": ["Expected a dictionary of items but got type \"str\"."]})
    );
    assert_eq!(
        json_body(consent_not_a_boolean).await,
        json!({"attributes": ["\"kvkk_confirm\" must be true or false."]})
    );
    let profile = json_body(app.get("/users/profile/").await).await;
    assert_eq!(profile["first_name"], "Jane", "nothing changed");
    assert_eq!(
        profile["attributes"],
        json!({"register_client_type": "default"})
    );
}

#[tokio::test]
async fn attributes_cannot_grow_past_their_bound() {
    let app = customer_of(spawn_app().await).await;
    let many: serde_json::Map<String, serde_json::Value> =
        (0..50).map(|i| (format!("key_{i}"), json!(i))).collect();

    let response = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"attributes": many}))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"attributes": ["Ensure this field has no more than 50 keys."]}),
        "50 of the client's and the server's own"
    );
}
