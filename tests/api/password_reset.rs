//! Password reset (contract account.md §4): the customer asks for a link, the mail arrives at a
//! real SMTP listener, and the customer follows the link as the storefront client does. A link
//! works once, for a day, and not after a newer link, a password change or a login.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use sea_orm::{
    ConnectionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use serde_json::{Value, json};
use storefront::config::{Config, EmailVerification};

use crate::support::{
    Customer, TestApp, json_body, set_cookies,
    smtp::{ReceivedMail, SmtpServer, mail_through},
    spawn_app_with,
};

const NEW_PASSWORD: &str = "Lq8$fresh-start";
const SHOP: &str = "https://shop.example.com";

/// Mails through `smtp`, and registration mails no confirmation link: the only mails these
/// stories receive are reset links.
fn reset_mails_through(smtp: &SmtpServer) -> impl FnOnce(&mut Config) + use<> {
    let mail_through = mail_through(smtp);
    |config| {
        mail_through(config);
        config.account_email_verification = EmailVerification::None;
    }
}

/// An app mailing through a local SMTP listener, with the CSRF token a browser holds.
async fn app_with_mail() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(reset_mails_through(&smtp)).await;
    app.fetch_csrf_token().await;
    (app, smtp)
}

/// A registered customer, not logged in on the app's client (the one that resets).
async fn registered_customer(app: &TestApp) -> Customer {
    let customer = Customer::generate();
    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&customer.registration())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    customer
}

async fn request_reset(app: &TestApp, email: &str) -> Response {
    app.send(Method::POST, "/users/password/reset/")
        .json(&json!({"email": email}))
        .await
}

/// Asks for a reset of `email` and expects the one answer every address gets.
async fn ask_for_reset(app: &TestApp, email: &str) {
    let response = request_reset(app, email).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Password reset e-mail has been sent."})
    );
}

/// The path of the reset link in `mail` (`/users/reset/{uidb64}/{token}/`), checking that the
/// link is absolute on the shop's public URL.
fn link_path(mail: &ReceivedMail) -> String {
    let text = mail.text();
    let start = text
        .find(&format!("{SHOP}/users/reset/"))
        .unwrap_or_else(|| panic!("no reset link in {text}"));
    let link = text[start..].split_whitespace().next().unwrap();
    link.strip_prefix(SHOP).unwrap().to_owned()
}

/// The `uidb64` and token of a link path.
fn link_parts(path: &str) -> (String, String) {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    assert_eq!(parts.len(), 4, "{path}");
    (parts[2].to_owned(), parts[3].to_owned())
}

/// Asks for a reset of `customer` and returns the path of the link mailed (the `count`-th mail).
async fn mailed_link(
    app: &TestApp,
    smtp: &SmtpServer,
    customer: &Customer,
    count: usize,
) -> String {
    ask_for_reset(app, &customer.email).await;
    let mails = smtp.wait_for(count).await;
    let mail = &mails[count - 1];
    assert_eq!(mail.recipients, std::slice::from_ref(&customer.email));
    link_path(mail)
}

/// Follows the link with a new password, urlencoded as the client sends it.
async fn reset_through(app: &TestApp, path: &str, password: &str) -> Response {
    app.send(Method::POST, path)
        .form(&[("new_password1", password), ("new_password2", password)])
        .await
}

async fn assert_invalid(response: Response, field: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await, json!({field: ["Invalid value"]}));
}

async fn assert_reset(response: Response) {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Password has been reset with the new password."})
    );
}

/// How many mails the outbox holds, sent or not.
async fn outbox_rows(app: &TestApp) -> usize {
    app.database.ids("outbox").await.len()
}

#[tokio::test]
async fn a_reset_link_sets_the_new_password_and_works_only_once() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;

    let response = reset_through(&app, &path, NEW_PASSWORD).await;

    assert_reset(response).await;
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::BAD_REQUEST
    );
    assert_invalid(reset_through(&app, &path, "Zz9!another-one").await, "token").await;
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK,
        "the second use changed nothing"
    );
}

#[tokio::test]
async fn a_link_is_checked_with_get_before_the_form_is_shown() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;

    let valid = app.get(&path).await;
    assert_eq!(valid.status(), StatusCode::OK);
    assert_eq!(json_body(valid).await, json!({"detail": "ok"}));

    assert_reset(reset_through(&app, &path, NEW_PASSWORD).await).await;
    assert_invalid(app.get(&path).await, "token").await;
}

#[tokio::test]
async fn the_link_is_in_djangos_form_on_the_public_url() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;

    let path = mailed_link(&app, &smtp, &customer, 1).await;

    let (uid, token) = link_parts(&path);
    let id = app.database.ids("users").await[0];
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&uid)
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), id.to_string());
    let (time, random) = token.split_once('-').unwrap();
    assert!(
        time.bytes().all(|byte| byte.is_ascii_alphanumeric()),
        "{token}"
    );
    assert_eq!(random.len(), 40, "{token}");
    assert!(!path.contains(','));
}

#[tokio::test]
async fn the_token_is_stored_only_as_its_hash_and_the_sent_mail_is_blanked() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    let (_, token) = link_parts(&path);

    let select = Query::select()
        .column(Alias::new("token_hash"))
        .from(Alias::new("password_reset_tokens"))
        .to_owned();
    let rows = app
        .database
        .connect()
        .await
        .query_all(&select)
        .await
        .unwrap();
    let stored: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect();

    use sha2::Digest;
    assert_eq!(
        stored,
        [hex::encode(sha2::Sha256::digest(token.as_bytes()))]
    );
    for _ in 0..200 {
        let bodies = app.database.text_column("outbox", "text_body").await;
        if bodies == [Some(String::new())] {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sent mail's body still holds the link");
}

#[tokio::test]
async fn a_reset_ends_every_session_and_logs_nobody_in() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let sessions = [
        app.log_in_elsewhere(&customer).await,
        app.log_in_elsewhere(&customer).await,
    ];
    // Logging in voids earlier links: the link is asked for after the logins.
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    for key in &sessions {
        assert_eq!(app.current_user_of(key).await, StatusCode::OK);
    }

    let response = reset_through(&app, &path, NEW_PASSWORD).await;

    let session_cookie = format!("{}=", app.cookie_name);
    assert!(
        !set_cookies(&response)
            .iter()
            .any(|cookie| cookie.starts_with(&session_cookie)),
        "no session is started"
    );
    assert_reset(response).await;
    for key in &sessions {
        assert_eq!(app.current_user_of(key).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_newer_link_voids_the_older_one() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let older = mailed_link(&app, &smtp, &customer, 1).await;
    app.advance_clock(Duration::from_secs(61));
    let newer = mailed_link(&app, &smtp, &customer, 2).await;

    assert_invalid(reset_through(&app, &older, NEW_PASSWORD).await, "token").await;

    assert_reset(reset_through(&app, &newer, NEW_PASSWORD).await).await;
}

#[tokio::test]
async fn a_link_is_void_once_the_password_changed() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    // Logged in first: a login voids the links mailed before it.
    assert_eq!(app.log_in(&customer).await.status(), StatusCode::OK);
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    let changed = app
        .send(Method::POST, "/users/password/change/")
        .json(&json!({"old_password": customer.password, "new_password1": "Mn4%changed-it", "new_password2": "Mn4%changed-it"}))
        .await;
    assert_eq!(changed.status(), StatusCode::OK);

    assert_invalid(reset_through(&app, &path, NEW_PASSWORD).await, "token").await;

    assert_eq!(
        app.log_in_with(&customer.email, "Mn4%changed-it").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_link_is_void_once_the_customer_logged_in() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;

    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::OK
    );

    assert_invalid(app.get(&path).await, "token").await;
    assert_invalid(reset_through(&app, &path, NEW_PASSWORD).await, "token").await;
}

#[tokio::test]
async fn a_link_expires_after_the_reset_timeout() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;

    app.advance_clock(Duration::from_secs(86_400 - 60));
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    app.advance_clock(Duration::from_secs(61));

    assert_invalid(app.get(&path).await, "token").await;
    assert_invalid(reset_through(&app, &path, NEW_PASSWORD).await, "token").await;
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_reset_timeout_is_configurable() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|config| {
        reset_mails_through(&smtp)(config);
        config.password_reset_timeout = Duration::from_secs(3600);
    })
    .await;
    app.fetch_csrf_token().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    let text = smtp.received()[0].text();
    assert!(text.contains("1 saat boyunca"), "{text}");

    app.advance_clock(Duration::from_secs(3601));

    assert_invalid(app.get(&path).await, "token").await;
}

#[tokio::test]
async fn a_tampered_token_or_a_wrong_uid_changes_nothing() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let other = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    let (uid, token) = link_parts(&path);
    let other_uid = {
        use base64::Engine;
        let id = app.database.ids("users").await[1];
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.to_string())
    };
    let flipped = if token.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &token[..token.len() - 1]);

    let attempts = [
        (format!("/users/reset/{uid}/{tampered}/"), "token"),
        (
            format!("/users/reset/{uid}/{}/", &token[..token.len() - 1]),
            "token",
        ),
        (format!("/users/reset/{uid}/not-a-token/"), "token"),
        (format!("/users/reset/{uid}/%FF%FE/"), "token"),
        (format!("/users/reset/{other_uid}/{token}/"), "token"),
        (format!("/users/reset/OTk5OTk5/{token}/"), "uid"),
        (format!("/users/reset/%21%21/{token}/"), "uid"),
    ];
    for (attempt, field) in &attempts {
        assert_invalid(reset_through(&app, attempt, NEW_PASSWORD).await, field).await;
        assert_invalid(app.get(attempt).await, field).await;
    }

    for email in [&customer.email, &other.email] {
        let password = &customer.password;
        assert_eq!(app.log_in_with(email, password).await, StatusCode::OK);
    }
    // The real link was not spent by the attempts (the logins above voided it; a new one works).
    app.advance_clock(Duration::from_secs(61));
    let path = mailed_link(&app, &smtp, &customer, 2).await;
    assert_reset(reset_through(&app, &path, NEW_PASSWORD).await).await;
}

#[tokio::test]
async fn the_link_takes_a_json_body_too() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;

    let response = app
        .send(Method::POST, &path)
        .json(&json!({"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}))
        .await;

    assert_reset(response).await;
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_confirm_endpoint_takes_the_link_in_the_body() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    let (uid, token) = link_parts(&path);
    let confirm = |body: Value| {
        app.send(Method::POST, "/users/password/reset/confirm/")
            .json(&body)
    };

    let missing = confirm(json!({})).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(missing).await,
        json!({
            "uid": ["This field is required."],
            "token": ["This field is required."],
            "new_password1": ["This field is required."],
            "new_password2": ["This field is required."],
        })
    );
    let wrong_uid = confirm(json!({"uid": "OTk5OTk5", "token": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})).await;
    assert_invalid(wrong_uid, "uid").await;

    let response = confirm(json!({"uid": uid, "token": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})).await;

    assert_reset(response).await;
    assert_eq!(
        app.log_in_with(&customer.email, NEW_PASSWORD).await,
        StatusCode::OK
    );
    let again = confirm(json!({"uid": uid, "token": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})).await;
    assert_invalid(again, "token").await;
}

#[tokio::test]
async fn the_new_password_must_be_given_twice_and_pass_the_validators() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;
    let post = |fields: &'static [(&'static str, &'static str)]| {
        app.send(Method::POST, &path).form(&fields)
    };

    let cases: [(&[(&str, &str)], Value); 4] = [
        (
            &[("new_password2", NEW_PASSWORD)],
            json!({"new_password1": ["This field is required."]}),
        ),
        (
            &[
                ("new_password1", NEW_PASSWORD),
                ("new_password2", "Lq8$fresh-other"),
            ],
            json!({"new_password2": ["The two password fields didn't match."]}),
        ),
        (
            &[("new_password1", "12345"), ("new_password2", "12345")],
            json!({"new_password2": [
                "This password is too short. It must contain at least 8 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ]}),
        ),
        (
            &[("new_password1", "Jane@x9"), ("new_password2", "Jane@x9")],
            json!({"new_password2": [
                "The password is too similar to the first name.",
                "This password is too short. It must contain at least 8 characters.",
            ]}),
        ),
    ];
    for (fields, expected) in cases {
        let response = post(fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_body(response).await, expected);
    }

    assert_reset(reset_through(&app, &path, NEW_PASSWORD).await).await;
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;

    ask_for_reset(&app, "nobody-here@example.com").await;
    ask_for_reset(&app, &customer.email.to_uppercase()).await;

    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].recipients, std::slice::from_ref(&customer.email));
    assert_eq!(outbox_rows(&app).await, 1);
}

#[tokio::test]
async fn an_account_without_a_usable_password_or_inactive_gets_no_mail() {
    let (app, smtp) = app_with_mail().await;
    let passwordless = registered_customer(&app).await;
    let inactive = registered_customer(&app).await;
    let active = registered_customer(&app).await;
    let ids = app.database.ids("users").await;
    let unusable = storefront::accounts::passwords::unusable_password_hash();
    app.database
        .set_text("users", "password", ids[0], Some(&unusable))
        .await;
    let deactivate = Query::update()
        .table(Alias::new("users"))
        .value(Alias::new("is_active"), false)
        .and_where(Expr::col(Alias::new("id")).eq(ids[1]))
        .to_owned();
    app.database
        .connect()
        .await
        .execute(&deactivate)
        .await
        .unwrap();

    ask_for_reset(&app, &passwordless.email).await;
    ask_for_reset(&app, &inactive.email).await;
    ask_for_reset(&app, &active.email).await;

    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].recipients, std::slice::from_ref(&active.email));
    assert_eq!(outbox_rows(&app).await, 1);
}

#[tokio::test]
async fn an_address_gets_at_most_one_mail_a_minute() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let first = mailed_link(&app, &smtp, &customer, 1).await;

    ask_for_reset(&app, &customer.email).await;
    ask_for_reset(&app, &customer.email).await;

    assert_eq!(outbox_rows(&app).await, 1);
    assert_eq!(
        app.get(&first).await.status(),
        StatusCode::OK,
        "a throttled request issues no new token"
    );
    app.advance_clock(Duration::from_secs(61));
    mailed_link(&app, &smtp, &customer, 2).await;
    assert_eq!(outbox_rows(&app).await, 2);
}

#[tokio::test]
async fn the_mail_is_in_the_customers_language_or_the_requests() {
    let (app, smtp) = app_with_mail().await;
    let by_header = registered_customer(&app).await;
    let by_profile = registered_customer(&app).await;
    let english = registered_customer(&app).await;
    let id = app.database.ids("users").await[1];
    app.database
        .set_text("users", "language_code", id, Some("tr"))
        .await;

    let ask = |email: String, language: &'static str| {
        app.send(Method::POST, "/users/password/reset/")
            .header("accept-language", language)
            .json(&json!({"email": email}))
    };
    assert_eq!(
        ask(by_header.email.clone(), "tr-TR").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        ask(by_profile.email.clone(), "en").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        ask(english.email.clone(), "en").await.status(),
        StatusCode::OK
    );

    let mails = smtp.wait_for(3).await;
    let text_to = |email: &str| {
        let mail = mails
            .iter()
            .find(|mail| mail.recipients == [email.to_owned()])
            .unwrap();
        (mail.text(), link_path(mail))
    };
    for customer in [&by_header, &by_profile] {
        let (text, _) = text_to(&customer.email);
        assert!(text.starts_with("Merhaba Jane,"), "{text}");
        assert!(text.contains("şifresini sıfırlamak"), "{text}");
    }
    let (text, _) = text_to(&english.email);
    assert!(text.starts_with("Hello Jane,"), "{text}");
}

#[tokio::test]
async fn a_malformed_reset_request_gets_field_errors() {
    let (app, _smtp) = app_with_mail().await;

    let cases = [
        (json!({}), json!({"email": ["This field is required."]})),
        (
            json!({"email": ""}),
            json!({"email": ["This field is required."]}),
        ),
        (
            json!({"email": "nope"}),
            json!({"email": ["Enter a valid email address."]}),
        ),
    ];
    for (body, expected) in cases {
        let response = app
            .send(Method::POST, "/users/password/reset/")
            .json(&body)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_body(response).await, expected);
    }
    let not_an_object = app
        .send(Method::POST, "/users/password/reset/")
        .json(&json!(["jane@example.com"]))
        .await;
    assert_eq!(not_an_object.status(), StatusCode::BAD_REQUEST);
    let wrong_type = app
        .send(Method::POST, "/users/password/reset/")
        .json(&json!({"email": {"a": 1}}))
        .await;
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    assert_eq!(outbox_rows(&app).await, 0);
}

#[tokio::test]
async fn a_reset_is_in_the_security_log_with_whoever_followed_the_link() {
    let (app, smtp) = app_with_mail().await;
    let customer = registered_customer(&app).await;
    let path = mailed_link(&app, &smtp, &customer, 1).await;

    let response = app
        .send(Method::POST, &path)
        .header("user-agent", "Mail link browser")
        .form(&[
            ("new_password1", NEW_PASSWORD),
            ("new_password2", NEW_PASSWORD),
        ])
        .await;

    assert_reset(response).await;
    app.log_in(&Customer {
        password: NEW_PASSWORD.into(),
        ..customer
    })
    .await;
    let log = json_body(app.get("/users/security-events/").await).await;
    let reset = &log["results"][1];
    assert_eq!(reset["kind"], "password_reset");
    assert_eq!(reset["user_agent"], "Mail link browser");
    assert_eq!(
        app.security_event_kinds().await,
        ["login", "password_reset", "login"]
    );
}
