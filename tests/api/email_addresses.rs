//! The account's e-mail address as the customer meets it: the confirmation link mailed at
//! registration (and again on request, or at a refused login under mandatory verification), and
//! changing the address through a link mailed to the new one. Every link is taken from a mail the
//! local SMTP server received and opened as the customer would, often from another browser.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use storefront::config::{Config, EmailVerification};

use crate::support::{
    Customer, TestApp, json_body,
    smtp::{ReceivedMail, SmtpServer, mail_through},
    spawn_app, spawn_app_with,
};

const SHOP: &str = "https://shop.example.com";
const CONFIRM_PREFIX: &str = "https://shop.example.com/users/registration/account-confirm-email/";
const CHANGE_PREFIX: &str = "https://shop.example.com/users/email-set-primary/";
const A_MINUTE: Duration = Duration::from_secs(61);
const THREE_DAYS: Duration = Duration::from_secs(3 * 24 * 3600);

/// An app mailing through `smtp`, with e-mail verification `verification`.
async fn app_with(smtp: &SmtpServer, verification: EmailVerification) -> TestApp {
    let mail = mail_through(smtp);
    spawn_app_with(move |config: &mut Config| {
        mail(config);
        config.account_email_verification = verification;
    })
    .await
}

/// The one link in `mail` starting with `prefix`, as a path on the API.
fn link_path(mail: &ReceivedMail, prefix: &str) -> String {
    let links = mail.links(prefix);
    assert_eq!(links.len(), 1, "one link expected in {}", mail.text());
    links[0].strip_prefix(SHOP).unwrap().to_owned()
}

/// The mails received so far that went to `address`.
fn mails_to(smtp: &SmtpServer, address: &str) -> Vec<ReceivedMail> {
    smtp.received()
        .into_iter()
        .filter(|mail| mail.recipients == [address])
        .collect()
}

/// Opens `path` as a browser without this customer's cookies (another device, logged out).
async fn open_elsewhere(app: &TestApp, path: &str) -> Response {
    app.send(Method::GET, path).without_cookies().await
}

async fn log_in_elsewhere(app: &TestApp, email: &str, password: &str) -> Response {
    app.send(Method::POST, "/users/login/")
        .without_cookies()
        .json(&json!({"email": email, "password": password}))
        .await
}

/// Registers `customer` from another browser, keeping this client's session as it is.
async fn register_elsewhere(app: &TestApp, customer: &Customer) {
    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&customer.registration())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn is_email_verified(app: &TestApp) -> Value {
    json_body(app.current_user().await).await["is_email_verified"].clone()
}

async fn resend(app: &TestApp, email: &str) -> Response {
    app.send(Method::POST, "/users/registration/resend-email/")
        .json(&json!({"email": email}))
        .await
}

async fn change_email(app: &TestApp, body: Value) -> Response {
    app.send(Method::POST, "/users/email-change/")
        .json(&body)
        .await
}

fn change_to(customer: &Customer, email: &str) -> Value {
    json!({"email": email, "emailConfirm": email, "password": customer.password})
}

/// The customer's own address, verified or not, as another client sees it.
async fn email_of(app: &TestApp) -> Value {
    json_body(app.current_user().await).await["email"].clone()
}

async fn assert_not_found(response: Response) {
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
}

async fn assert_ok(response: Response) {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({"detail": "ok"}));
}

// --- confirmation -----------------------------------------------------------------------------

#[tokio::test]
async fn registration_mails_a_link_that_verifies_the_address_and_works_twice() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = app.logged_in_customer().await;
    assert_eq!(is_email_verified(&app).await, false);

    let mail = &smtp.wait_for(1).await[0];
    let path = link_path(mail, CONFIRM_PREFIX);

    assert_eq!(mail.recipients, [customer.email.as_str()]);
    assert_ok(open_elsewhere(&app, &path).await).await;
    assert_eq!(is_email_verified(&app).await, true);
    assert_ok(open_elsewhere(&app, &path).await).await;
    assert_ok(open_elsewhere(&app, path.trim_end_matches('/')).await).await;
    assert_eq!(is_email_verified(&app).await, true);
}

#[tokio::test]
async fn a_confirmation_mail_speaks_the_request_language_and_the_key_is_stored_hashed() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = Customer::generate();

    let response = app
        .send(Method::POST, "/users/registration/")
        .without_csrf_header()
        .header("accept-language", "en")
        .json(&customer.registration())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let mail = &smtp.wait_for(1).await[0];
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Confirm your e-mail address")
    );
    assert!(mail.text().starts_with("Hello Jane,"), "{}", mail.text());
    let path = link_path(mail, CONFIRM_PREFIX);
    let key = path.trim_end_matches('/').rsplit('/').next().unwrap();
    assert_eq!(key.len(), 43);
    assert!(
        key.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'),
        "{key}"
    );
    let stored = app
        .database
        .text_column("email_confirmations", "key_hash")
        .await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].as_deref(), Some(key), "only its hash is kept");
    assert_eq!(stored[0].as_ref().unwrap().len(), 64);
}

#[tokio::test]
async fn without_verification_registration_mails_nothing() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;

    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let resent = resend(&app, &customer.email).await;

    assert_ok(resent).await;
    assert_eq!(is_email_verified(&app).await, false);
    // The mail would have been written with the account, before the answer.
    assert!(app.database.ids("outbox").await.is_empty());
}

#[tokio::test]
async fn a_tampered_unknown_malformed_or_expired_key_is_not_found() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    app.logged_in_customer().await;
    let path = link_path(&smtp.wait_for(1).await[0], CONFIRM_PREFIX);
    let key = path.trim_end_matches('/').rsplit('/').next().unwrap();
    let last = key.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &key[..key.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let base = "/users/registration/account-confirm-email";

    for wrong in [
        format!("{base}/{tampered}/"),
        format!("{base}/{}/", "x".repeat(43)),
        format!("{base}/{key}x/"),
        format!("{base}/{}/{}/", &key[..20], &key[20..]),
        format!("{base}/%ZZ/"),
        format!("{base}/"),
    ] {
        assert_not_found(open_elsewhere(&app, &wrong).await).await;
    }
    app.advance_clock(THREE_DAYS + Duration::from_secs(1));
    assert_not_found(open_elsewhere(&app, &path).await).await;
    assert_eq!(is_email_verified(&app).await, false);
}

#[tokio::test]
async fn verify_email_takes_the_key_in_the_body() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let path = link_path(&smtp.wait_for(1).await[0], CONFIRM_PREFIX);
    let key = path.trim_end_matches('/').rsplit('/').next().unwrap();
    let verify = |body: Value| {
        app.send(Method::POST, "/users/registration/verify-email/")
            .json(&body)
    };

    let missing = verify(json!({})).await;
    let wrong_type = verify(json!({"key": ["a"]})).await;
    let unknown = verify(json!({"key": "nope"})).await;
    assert_eq!(is_email_verified(&app).await, false);
    let right = verify(json!({"key": key})).await;

    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(missing).await,
        json!({"key": ["This field is required."]})
    );
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    assert_not_found(unknown).await;
    assert_ok(right).await;
    assert_eq!(is_email_verified(&app).await, true);
}

#[tokio::test]
async fn resend_answers_the_same_for_unknown_addresses_and_mails_only_registered_ones() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    smtp.wait_for(1).await;
    app.advance_clock(A_MINUTE);
    let stranger = Customer::generate();

    let unknown = resend(&app, &stranger.email).await;
    let known = resend(&app, &customer.email).await;
    let malformed = resend(&app, "not-an-address").await;

    assert_eq!(unknown.status(), StatusCode::OK);
    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(
        json_body(unknown).await,
        json_body(known).await,
        "the same answer"
    );
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(malformed).await,
        json!({"email": ["Enter a valid email address."]})
    );
    // The outbox sends in order: the stranger's mail, had it been written, came first.
    let received = smtp.wait_for(2).await;
    assert_eq!(received[1].recipients, [customer.email.as_str()]);
    assert_ok(open_elsewhere(&app, &link_path(&received[1], CONFIRM_PREFIX)).await).await;
    assert!(mails_to(&smtp, &stranger.email).is_empty());
    assert_eq!(smtp.received().len(), 2);
}

#[tokio::test]
async fn resend_mails_an_address_at_most_once_a_minute_and_every_link_works() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    for _ in 0..3 {
        assert_ok(resend(&app, &customer.email).await).await;
    }
    app.advance_clock(A_MINUTE);
    assert_ok(resend(&app, &customer.email).await).await;
    assert_ok(resend(&app, &customer.email).await).await;

    let received = smtp.wait_for(2).await;
    let first = link_path(&received[0], CONFIRM_PREFIX);
    let second = link_path(&received[1], CONFIRM_PREFIX);
    assert_ne!(first, second);
    assert_eq!(app.database.ids("outbox").await.len(), 2, "no third mail");
    assert_ok(open_elsewhere(&app, &first).await).await;
    assert_ok(open_elsewhere(&app, &second).await).await;
    assert_eq!(is_email_verified(&app).await, true);
}

#[tokio::test]
async fn a_verified_address_gets_no_more_links() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let path = link_path(&smtp.wait_for(1).await[0], CONFIRM_PREFIX);
    assert_ok(open_elsewhere(&app, &path).await).await;
    app.advance_clock(A_MINUTE);

    assert_ok(resend(&app, &customer.email).await).await;

    assert_eq!(app.database.ids("outbox").await.len(), 1);
}

// --- mandatory verification -------------------------------------------------------------------

#[tokio::test]
async fn under_mandatory_verification_registration_mails_the_link_and_does_not_log_in() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Mandatory).await;
    let customer = Customer::generate();

    let response = app.register(&customer).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["Verification e-mail sent."]})
    );
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
    let mail = &smtp.wait_for(1).await[0];
    assert_eq!(mail.recipients, [customer.email.as_str()]);
    link_path(mail, CONFIRM_PREFIX);
}

#[tokio::test]
async fn an_unverified_login_is_refused_with_a_fresh_link_and_works_once_it_is_opened() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Mandatory).await;
    let customer = Customer::generate();
    app.register(&customer).await;
    smtp.wait_for(1).await;
    app.advance_clock(A_MINUTE);

    let refused = app.log_in(&customer).await;

    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(refused).await,
        json!({"non_field_errors": ["E-mail is not verified."]})
    );
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
    let received = smtp.wait_for(2).await;
    assert_eq!(received[1].recipients, [customer.email.as_str()]);
    let fresh = link_path(&received[1], CONFIRM_PREFIX);
    assert_ne!(fresh, link_path(&received[0], CONFIRM_PREFIX));
    assert_ok(open_elsewhere(&app, &fresh).await).await;
    let logged_in = app.log_in(&customer).await;
    assert_eq!(logged_in.status(), StatusCode::OK);
    assert_eq!(is_email_verified(&app).await, true);
}

#[tokio::test]
async fn under_mandatory_verification_a_wrong_password_gets_the_ordinary_answer_and_no_mail() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Mandatory).await;
    let customer = Customer::generate();
    app.register(&customer).await;
    app.advance_clock(A_MINUTE);

    let response = log_in_elsewhere(&app, &customer.email, "Wrong-password-9").await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["Unable to log in with provided credentials."]})
    );
    assert_eq!(
        app.database.ids("outbox").await.len(),
        1,
        "the registration's only"
    );
}

// --- e-mail change ----------------------------------------------------------------------------

#[tokio::test]
async fn an_email_change_is_confirmed_from_another_browser_and_the_old_address_is_told_twice() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let key_before = app.session_key();
    let other_session = log_in_elsewhere(&app, &customer.email, &customer.password).await;
    let other_key = crate::support::set_cookies(&other_session)[0]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let new_email = Customer::generate().email;

    let response = change_email(&app, change_to(&customer, &new_email)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Confirmation e-mail sent."})
    );
    assert_eq!(email_of(&app).await, customer.email.as_str(), "not yet");
    smtp.wait_for(3).await;
    let to_new = mails_to(&smtp, &new_email);
    assert_eq!(to_new.len(), 1);
    let path = link_path(&to_new[0], CHANGE_PREFIX);
    assert_ok(open_elsewhere(&app, &path).await).await;
    assert_ok(open_elsewhere(&app, &path).await).await;

    let user = json_body(app.current_user().await).await;
    assert_eq!(user["email"], new_email.as_str());
    assert_eq!(user["is_email_verified"], true);
    assert_eq!(
        app.session_key(),
        key_before,
        "this session stays, same key"
    );
    let elsewhere = app
        .send(Method::GET, "/current_user/")
        .without_cookies()
        .header("cookie", &other_key)
        .await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::OK,
        "other sessions stay too"
    );
    smtp.wait_for(4).await;
    let to_old = mails_to(&smtp, &customer.email);
    assert_eq!(to_old.len(), 3, "confirmation, change requested, changed");
    for notice in &to_old[1..] {
        let text = notice.text();
        assert!(text.contains(&new_email), "{text}");
        assert!(
            !text.contains("email-set-primary"),
            "never the link: {text}"
        );
        assert!(!notice.data.contains("email-set-primary"));
    }
    let with_new = log_in_elsewhere(&app, &new_email, &customer.password).await;
    let with_old = log_in_elsewhere(&app, &customer.email, &customer.password).await;
    assert_eq!(with_new.status(), StatusCode::OK);
    assert_eq!(with_old.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn email_change_errors_have_the_contract_bodies_and_change_nothing() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;
    let customer = app.logged_in_customer().await;
    let other = Customer::generate();
    register_elsewhere(&app, &other).await;
    app.fetch_csrf_token().await;
    let new_email = Customer::generate().email;
    let password = customer.password.as_str();

    let cases = [
        (
            json!({"email": new_email, "emailConfirm": new_email, "password": "Wrong-password-9"}),
            json!({"non_field_errors": ["Your password is incorrect."], "password": ["Your password is incorrect."]}),
        ),
        (
            json!({"email": other.email.to_uppercase(), "emailConfirm": other.email, "password": password}),
            json!({"non_field_errors": ["A user is already registered with this e-mail address."]}),
        ),
        (
            json!({"email": customer.email.to_uppercase(), "password": password}),
            json!({"non_field_errors": ["This is already your e-mail address."]}),
        ),
        (
            json!({"email": "not an address", "emailConfirm": "not an address", "password": password}),
            json!({"non_field_errors": ["Enter a valid email address."]}),
        ),
        (
            json!({"email": new_email, "emailConfirm": other.email, "password": password}),
            json!({"non_field_errors": ["The two e-mail fields didn't match."]}),
        ),
        (
            json!({"email": new_email, "email_confirm": "x@example.com", "password": password}),
            json!({"non_field_errors": ["The two e-mail fields didn't match."]}),
        ),
        (
            json!({"emailConfirm": new_email}),
            json!({"email": ["This field is required."], "password": ["This field is required."], "non_field_errors": ["This field is required."]}),
        ),
        (
            json!({"email": ["a"], "password": password}),
            json!({"email": ["Not a valid string, got a list."]}),
        ),
    ];

    for (body, expected) in cases {
        let response = change_email(&app, body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json_body(response).await, expected, "{body}");
    }
    let malformed = app
        .send(Method::POST, "/users/email-change/")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(malformed).await["non_field_errors"].is_array());
    assert_eq!(email_of(&app).await, customer.email.as_str());
    assert!(app.database.ids("outbox").await.is_empty(), "no mail");
    let guest = app
        .send(Method::POST, "/users/email-change/")
        .without_cookies()
        .json(&change_to(&customer, &new_email))
        .await;
    assert_eq!(
        guest.status(),
        StatusCode::FORBIDDEN,
        "no CSRF cookie either"
    );
}

#[tokio::test]
async fn an_email_change_needs_a_login() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let response = change_email(&app, json!({"email": "a@example.com", "password": "x"})).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_newer_change_supersedes_the_older_link() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let (first, second) = (Customer::generate().email, Customer::generate().email);

    change_email(&app, change_to(&customer, &first)).await;
    smtp.wait_for(2).await;
    change_email(&app, change_to(&customer, &second)).await;
    smtp.wait_for(3).await;

    let old_link = link_path(&mails_to(&smtp, &first)[0], CHANGE_PREFIX);
    let new_link = link_path(&mails_to(&smtp, &second)[0], CHANGE_PREFIX);
    assert_not_found(open_elsewhere(&app, &old_link).await).await;
    assert_eq!(email_of(&app).await, customer.email.as_str());
    assert_ok(open_elsewhere(&app, &new_link).await).await;
    assert_eq!(email_of(&app).await, second.as_str());
    assert_not_found(open_elsewhere(&app, &old_link).await).await;
}

#[tokio::test]
async fn a_change_link_fails_once_another_account_took_the_address() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let wanted = Customer::generate();
    change_email(&app, change_to(&customer, &wanted.email)).await;
    let path = link_path(&smtp.wait_for(1).await[0], CHANGE_PREFIX);

    register_elsewhere(&app, &wanted).await;
    let response = open_elsewhere(&app, &path).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["A user is already registered with this e-mail address."]})
    );
    assert_eq!(email_of(&app).await, customer.email.as_str());
}

#[tokio::test]
async fn a_change_link_expires_after_three_days_and_a_tampered_one_is_not_found() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    change_email(&app, change_to(&customer, &Customer::generate().email)).await;
    let path = link_path(&smtp.wait_for(1).await[0], CHANGE_PREFIX);
    let tampered = path.replacen(
        CHANGE_PREFIX.trim_start_matches(SHOP),
        "/users/email-set-primary/A",
        1,
    );

    assert_not_found(open_elsewhere(&app, &tampered).await).await;
    app.advance_clock(THREE_DAYS + Duration::from_secs(1));

    assert_not_found(open_elsewhere(&app, &path).await).await;
    assert_eq!(email_of(&app).await, customer.email.as_str());
}

#[tokio::test]
async fn change_requests_mail_an_address_at_most_once_a_minute_and_keep_the_mailed_link() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let new_email = Customer::generate().email;

    for _ in 0..3 {
        let response = change_email(&app, change_to(&customer, &new_email)).await;
        assert_eq!(
            json_body(response).await,
            json!({"detail": "Confirmation e-mail sent."})
        );
    }

    let received = smtp.wait_for(2).await;
    assert_eq!(
        app.database.ids("outbox").await.len(),
        2,
        "one link, one notice"
    );
    let path = link_path(&mails_to(&smtp, &new_email)[0], CHANGE_PREFIX);
    assert_eq!(received.len(), 2);
    assert_ok(open_elsewhere(&app, &path).await).await;
    assert_eq!(email_of(&app).await, new_email.as_str());
}

#[tokio::test]
async fn a_confirmation_key_for_an_address_the_account_no_longer_has_is_void() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::Optional).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let confirmation = link_path(&smtp.wait_for(1).await[0], CONFIRM_PREFIX);
    let new_email = Customer::generate().email;
    change_email(&app, change_to(&customer, &new_email)).await;
    smtp.wait_for(3).await;
    let change = link_path(&mails_to(&smtp, &new_email)[0], CHANGE_PREFIX);
    assert_ok(open_elsewhere(&app, &change).await).await;

    assert_not_found(open_elsewhere(&app, &confirmation).await).await;
}

#[tokio::test]
async fn an_applied_email_change_is_in_the_security_log() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, EmailVerification::None).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    let new_email = Customer::generate().email;
    let response = change_email(&app, change_to(&customer, &new_email)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.security_event_kinds().await,
        ["login"],
        "asked, not yet changed"
    );
    smtp.wait_for(2).await;
    let path = link_path(&mails_to(&smtp, &new_email)[0], CHANGE_PREFIX);

    assert_ok(open_elsewhere(&app, &path).await).await;

    assert_eq!(app.security_event_kinds().await, ["email_changed", "login"]);
}
