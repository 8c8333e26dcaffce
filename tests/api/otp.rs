//! SMS one-time codes: registration with a code (auth.md §4.3), login with a code (§8), and the
//! login by phone. Codes reach a local SMS gateway the test starts, through the outbox.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use sea_orm::{
    ConnectionTrait,
    sea_query::{Alias, Query},
};
use serde_json::{Value, json};
use storefront::config::{Config, LoginOtp};

use crate::support::{
    Customer, TestApp, json_body, set_cookies,
    sms::{SmsGateway, TOKEN, sms_through},
    spawn_app_beside, spawn_app_with,
};

const PHONE: &str = "0532 123 45 67";
const PHONE_E164: &str = "+905321234567";

const CODE_SENT: &str = "A verification code has been sent to your phone.";

/// The app sending its text messages to `gateway`, with `configure` applied too.
async fn spawn_app_sending_to(
    gateway: &SmsGateway,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let through = sms_through(gateway);
    spawn_app_with(|config| {
        through(config);
        configure(config);
    })
    .await
}

/// The app with `REGISTRATION_OTP` on.
async fn spawn_app_with_registration_otp(gateway: &SmsGateway) -> TestApp {
    spawn_app_sending_to(gateway, |config| config.registration_otp = true).await
}

/// `customer`'s registration with `phone`, and `code` when given.
fn registration(customer: &Customer, phone: &str, code: Option<&str>) -> Value {
    let mut body = customer.registration();
    body["phone"] = json!(phone);
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    body
}

/// Posts `body` as the storefront's server posts registrations.
async fn register(app: &TestApp, body: &Value) -> Response {
    app.send(Method::POST, "/users/registration/")
        .without_csrf_header()
        .json(body)
        .await
}

/// Posts `body` as the storefront's server posts logins.
async fn log_in(app: &TestApp, body: &Value) -> Response {
    app.send(Method::POST, "/users/login/")
        .without_csrf_header()
        .json(body)
        .await
}

/// Posts `body` to the login by phone as a browser does, with its CSRF token.
async fn log_in_by_phone(app: &TestApp, body: &Value) -> Response {
    if app.cookie("csrftoken").is_none() {
        app.fetch_csrf_token().await;
    }
    app.send(Method::POST, "/users/login/otp/").json(body).await
}

/// A customer registered through both steps of a registration with OTP (the phone verified);
/// the gateway has then received `sms_before + 1` messages.
async fn register_with_code(
    app: &TestApp,
    gateway: &SmsGateway,
    phone: &str,
    sms_before: usize,
) -> Customer {
    let customer = Customer::generate();
    let sent = register(app, &registration(&customer, phone, None)).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let code = gateway.code(sms_before + 1).await;
    let registered = register(app, &registration(&customer, phone, Some(&code))).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    customer
}

/// The text messages written to the outbox so far (sent or not).
async fn sms_in_outbox(app: &TestApp) -> usize {
    let channels = app.database.text_column("outbox", "channel").await;
    channels
        .iter()
        .filter(|channel| channel.as_deref() == Some("sms"))
        .count()
}

async fn assert_code_error(response: Response, status: StatusCode, message: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(json_body(response).await, json!({"code": [message]}));
}

#[tokio::test]
async fn registration_with_otp_creates_the_account_once_the_code_sent_by_sms_is_entered() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let customer = Customer::generate();

    let sent = register(&app, &registration(&customer, PHONE, None)).await;

    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert_eq!(
        json_body(sent).await,
        json!({"non_field_errors": [CODE_SENT]})
    );
    assert_eq!(
        app.log_in(&customer).await.status(),
        StatusCode::BAD_REQUEST
    );
    let sms = gateway.wait_for(1).await.remove(0);
    assert_eq!(sms.to, PHONE_E164);
    assert_eq!(sms.authorization, Some(format!("Bearer {TOKEN}")));
    assert_eq!(
        sms.message,
        format!(
            "Doğrulama kodunuz: {}. Kod 3 dakika geçerlidir.",
            sms.code()
        )
    );

    let registered = register(&app, &registration(&customer, PHONE, Some(&sms.code()))).await;

    assert_eq!(registered.status(), StatusCode::CREATED);
    assert!(json_body(registered).await["key"].is_string());
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["email"], customer.email.as_str());
    assert_eq!(user["phone"], "05321234567");
}

#[tokio::test]
async fn registration_with_otp_needs_a_phone_and_sends_nothing_for_invalid_data() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let taken = Customer::generate();
    register(&app, &registration(&taken, PHONE, None)).await;
    let code = gateway.code(1).await;
    register(&app, &registration(&taken, PHONE, Some(&code))).await;

    let without_phone = register(&app, &Customer::generate().registration()).await;
    let mut bad_date = registration(&Customer::generate(), "0533 123 45 67", None);
    bad_date["date_of_birth"] = json!("tomorrow");
    let bad_date = register(&app, &bad_date).await;
    let email_taken = register(&app, &registration(&taken, "0534 123 45 67", None)).await;

    assert_eq!(without_phone.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(without_phone).await,
        json!({"phone": ["This field is required."]})
    );
    assert_eq!(bad_date.status(), StatusCode::BAD_REQUEST);
    assert_eq!(email_taken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        sms_in_outbox(&app).await,
        1,
        "only the first registration's"
    );
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_right_one_still_works() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    let code = gateway.code(1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let refused = register(&app, &registration(&customer, PHONE, Some(wrong))).await;
    let accepted = register(&app, &registration(&customer, PHONE, Some(&code))).await;

    assert_code_error(
        refused,
        StatusCode::BAD_REQUEST,
        "Invalid verification code.",
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_expired_code_is_refused_and_a_new_submission_sends_a_new_one() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    let expired_code = gateway.code(1).await;
    app.advance_clock(Duration::from_secs(180));

    let expired = register(&app, &registration(&customer, PHONE, Some(&expired_code))).await;
    let resent = register(&app, &registration(&customer, PHONE, None)).await;
    let new_code = gateway.code(2).await;
    let accepted = register(&app, &registration(&customer, PHONE, Some(&new_code))).await;

    assert_code_error(
        expired,
        StatusCode::BAD_REQUEST,
        "Verification code has expired.",
    )
    .await;
    assert_eq!(resent.status(), StatusCode::ACCEPTED);
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn three_wrong_codes_void_the_code() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    let code = gateway.code(1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    for _ in 0..3 {
        let refused = register(&app, &registration(&customer, PHONE, Some(wrong))).await;
        assert_code_error(
            refused,
            StatusCode::BAD_REQUEST,
            "Invalid verification code.",
        )
        .await;
    }
    let too_late = register(&app, &registration(&customer, PHONE, Some(&code))).await;

    assert_code_error(
        too_late,
        StatusCode::BAD_REQUEST,
        "Verification code has expired.",
    )
    .await;
}

#[tokio::test]
async fn a_new_code_within_a_minute_is_refused_and_a_later_one_replaces_the_first() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    let first_code = gateway.code(1).await;

    let too_early = register(&app, &registration(&customer, PHONE, None)).await;
    app.advance_clock(Duration::from_secs(60));
    let resent = register(&app, &registration(&customer, PHONE, None)).await;
    let second_code = gateway.code(2).await;

    assert_eq!(too_early.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(too_early).await,
        json!({"non_field_errors": ["Please wait before requesting a new code."]})
    );
    assert_eq!(resent.status(), StatusCode::ACCEPTED);
    if first_code != second_code {
        let replaced = register(&app, &registration(&customer, PHONE, Some(&first_code))).await;
        assert_eq!(replaced.status(), StatusCode::BAD_REQUEST);
    }
    let accepted = register(&app, &registration(&customer, PHONE, Some(&second_code))).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    assert_eq!(gateway.received().len(), 2);
}

#[tokio::test]
async fn login_otp_asks_a_code_of_accounts_that_switched_it_on_and_a_code_works_once() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_sending_to(&gateway, |_| {}).await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    app.fetch_csrf_token().await;
    let switched_on = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"attributes": {"login_otp": true}}))
        .await;
    assert_eq!(switched_on.status(), StatusCode::OK);
    let without_it = Customer::generate();
    register(&app, &registration(&without_it, "0533 123 45 67", None)).await;

    let direct = app.log_in(&without_it).await;
    let asked = app.log_in(&customer).await;

    assert_eq!(direct.status(), StatusCode::OK);
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    assert_eq!(
        json_body(asked).await,
        json!({"non_field_errors": [CODE_SENT]})
    );
    let sms = gateway.wait_for(1).await.remove(0);
    assert_eq!(sms.to, PHONE_E164);
    let mut with_code = customer.credentials();
    with_code["code"] = json!(sms.code());
    let logged_in = log_in(&app, &with_code).await;
    assert_eq!(logged_in.status(), StatusCode::OK);
    assert!(json_body(logged_in).await["key"].is_string());
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["email"], customer.email.as_str());
    let reused = log_in(&app, &with_code).await;
    assert_code_error(
        reused,
        StatusCode::BAD_REQUEST,
        "Invalid verification code.",
    )
    .await;
}

#[tokio::test]
async fn with_login_otp_for_all_every_account_with_a_phone_is_asked_a_code() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_sending_to(&gateway, |config| config.login_otp = LoginOtp::All).await;
    let with_phone = Customer::generate();
    register(&app, &registration(&with_phone, PHONE, None)).await;
    let without_phone = Customer::generate();
    app.register(&without_phone).await;

    let asked = app.log_in(&with_phone).await;
    let direct = app.log_in(&without_phone).await;

    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    assert_eq!(direct.status(), StatusCode::OK);
    let mut wrong = with_phone.credentials();
    wrong["code"] = json!("not-it");
    let refused = log_in(&app, &wrong).await;
    assert_code_error(
        refused,
        StatusCode::BAD_REQUEST,
        "Invalid verification code.",
    )
    .await;
}

#[tokio::test]
async fn login_by_phone_sends_a_code_only_to_a_verified_phone_and_answers_the_same() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    register_with_code(&app, &gateway, PHONE, 0).await;
    let unverified = Customer::generate();
    let unverified_phone = "0533 123 45 67";
    // A second instance on the same database, registering without OTP.
    let without_otp = spawn_app_beside(&app, sms_through(&gateway)).await;
    assert_eq!(
        register(
            &without_otp,
            &registration(&unverified, unverified_phone, None)
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    app.advance_clock(Duration::from_secs(60));

    let mut answers = Vec::new();
    for phone in [PHONE, unverified_phone, "0534 123 45 67"] {
        let response = log_in_by_phone(&app, &json!({"phone": phone})).await;
        answers.push((response.status(), json_body(response).await));
    }

    assert_eq!(answers, vec![(StatusCode::OK, json!({})); 3]);
    assert_eq!(
        sms_in_outbox(&app).await,
        2,
        "the registration's and one login's"
    );
    let received = gateway.wait_for(2).await;
    assert_eq!(received[1].to, PHONE_E164);
}

#[tokio::test]
async fn login_by_phone_logs_in_with_the_code_and_rotates_the_session_key() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    let customer = register_with_code(&app, &gateway, PHONE, 0).await;
    // Another browser (a fresh cookie jar), through a second instance on the same database.
    let browser = spawn_app_beside(&app, sms_through(&gateway)).await;
    browser.advance_clock(Duration::from_secs(60));
    browser.fetch_csrf_token().await;
    assert_eq!(browser.choose_language("en").await.status(), StatusCode::OK);
    let guest_key = browser.session_key().unwrap();

    log_in_by_phone(&browser, &json!({"phone": "+90 532 123 45 67"})).await;
    let code = gateway.code(2).await;
    let response = log_in_by_phone(&browser, &json!({"phone": PHONE, "code": code})).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response)[0].starts_with("osessionid="));
    assert!(json_body(response).await["key"].is_string());
    let new_key = browser.session_key().unwrap();
    assert_ne!(new_key, guest_key);
    assert_eq!(
        browser.current_user_of(&guest_key).await,
        StatusCode::UNAUTHORIZED
    );
    let user = json_body(browser.current_user().await).await;
    assert_eq!(user["email"], customer.email.as_str());
}

#[tokio::test]
async fn a_wrong_expired_or_spent_code_at_login_by_phone_is_406() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    register_with_code(&app, &gateway, PHONE, 0).await;
    app.advance_clock(Duration::from_secs(60));
    log_in_by_phone(&app, &json!({"phone": PHONE})).await;
    let code = gateway.code(2).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let wrong_code = log_in_by_phone(&app, &json!({"phone": PHONE, "code": wrong})).await;
    let unknown_phone =
        log_in_by_phone(&app, &json!({"phone": "0534 123 45 67", "code": code})).await;
    let accepted = log_in_by_phone(&app, &json!({"phone": PHONE, "code": code})).await;
    let spent = log_in_by_phone(&app, &json!({"phone": PHONE, "code": code})).await;
    app.advance_clock(Duration::from_secs(60));
    log_in_by_phone(&app, &json!({"phone": PHONE})).await;
    let next_code = gateway.code(3).await;
    app.advance_clock(Duration::from_secs(180));
    let expired = log_in_by_phone(&app, &json!({"phone": PHONE, "code": next_code})).await;

    assert_eq!(accepted.status(), StatusCode::OK);
    for refused in [wrong_code, unknown_phone, spent, expired] {
        assert_code_error(
            refused,
            StatusCode::NOT_ACCEPTABLE,
            "Invalid verification code.",
        )
        .await;
    }
}

#[tokio::test]
async fn login_by_phone_refuses_a_missing_or_invalid_phone() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_sending_to(&gateway, |_| {}).await;

    let missing = log_in_by_phone(&app, &json!({})).await;
    let invalid = log_in_by_phone(&app, &json!({"phone": "12"})).await;

    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(missing).await,
        json!({"phone": ["This field is required."]})
    );
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(invalid).await,
        json!({"phone": ["Enter a valid phone number."]})
    );
}

#[tokio::test]
async fn a_code_is_not_lost_while_the_gateway_is_down_and_leaves_once_it_is_back() {
    let gateway = SmsGateway::start().await;
    gateway.set_down(true);
    let app = spawn_app_with_registration_otp(&gateway).await;
    register(&app, &registration(&Customer::generate(), PHONE, None)).await;
    wait_for_a_failed_attempt(&app).await;
    let errors = app.database.text_column("outbox", "last_error").await;
    let error = errors[0].clone().unwrap();
    assert!(error.contains("503"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");

    gateway.set_down(false);
    app.advance_clock(Duration::from_secs(3601));

    let received = gateway.wait_for(1).await;
    assert_eq!(received[0].to, PHONE_E164);
    assert_eq!(gateway.received().len(), 1);
}

#[tokio::test]
async fn codes_are_stored_hashed_and_counted_in_the_metrics() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;

    register(&app, &registration(&Customer::generate(), PHONE, None)).await;

    let code = gateway.code(1).await;
    let select = Query::select()
        .column(Alias::new("code_hash"))
        .from(Alias::new("otp_codes"))
        .to_owned();
    let rows = app
        .database
        .connect()
        .await
        .query_all(&select)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored: String = rows[0].try_get_by_index(0).unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&code));
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"otp_codes_sent_total{purpose="registration"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_sms_gateway_without_a_token_refuses_to_start() {
    let gateway = SmsGateway::start().await;
    let mut config = Config::defaults().unwrap();
    sms_through(&gateway)(&mut config);
    config.sms_gateway_token = None;
    config.storefront_bind = "127.0.0.1:0".parse().unwrap();

    let Err(error) =
        storefront::startup::Application::build(config, storefront::clock::Clock::default()).await
    else {
        panic!("the application started");
    };

    let message = format!("{error:#}");
    assert!(message.contains("SMS_GATEWAY_TOKEN"), "{message}");
}

/// Waits until a row of the outbox records a failed attempt (at most 10 s).
async fn wait_for_a_failed_attempt(app: &TestApp) {
    for _ in 0..200 {
        let errors = app.database.text_column("outbox", "last_error").await;
        if errors.iter().any(Option::is_some) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no failed attempt within 10 s");
}

#[tokio::test]
async fn a_phone_changed_in_the_profile_is_no_longer_verified() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    register_with_code(&app, &gateway, PHONE, 0).await;
    app.fetch_csrf_token().await;
    let changed = app
        .send(Method::PATCH, "/users/profile/")
        .json(&json!({"phone": "0533 123 45 67"}))
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    app.advance_clock(Duration::from_secs(60));

    let old_phone = log_in_by_phone(&app, &json!({"phone": PHONE})).await;
    let new_phone = log_in_by_phone(&app, &json!({"phone": "0533 123 45 67"})).await;

    assert_eq!(old_phone.status(), StatusCode::OK);
    assert_eq!(new_phone.status(), StatusCode::OK);
    assert_eq!(sms_in_outbox(&app).await, 1, "only the registration's");
}

#[tokio::test]
async fn a_phone_verified_on_a_new_account_logs_in_to_that_one() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    register_with_code(&app, &gateway, PHONE, 0).await;
    app.advance_clock(Duration::from_secs(60));
    let newer = register_with_code(&app, &gateway, PHONE, 1).await;
    app.advance_clock(Duration::from_secs(60));

    log_in_by_phone(&app, &json!({"phone": PHONE})).await;
    let code = gateway.code(3).await;
    let logged_in = log_in_by_phone(&app, &json!({"phone": PHONE, "code": code})).await;

    assert_eq!(logged_in.status(), StatusCode::OK);
    let user = json_body(app.current_user().await).await;
    assert_eq!(user["email"], newer.email.as_str());
}

#[tokio::test]
async fn without_a_gateway_a_text_message_is_logged_and_counted_as_sent() {
    let app = spawn_app_with(|config| config.registration_otp = true).await;

    let sent = register(&app, &registration(&Customer::generate(), PHONE, None)).await;

    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    for _ in 0..200 {
        let texts = app.database.text_column("outbox", "text_body").await;
        if texts == [Some(String::new())] {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the text message was not marked sent (its text blanked) within 10 s");
}

#[tokio::test]
async fn a_code_expired_for_an_hour_is_deleted_when_another_is_sent() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    register(&app, &registration(&Customer::generate(), PHONE, None)).await;
    app.advance_clock(Duration::from_secs(180 + 3599));
    register(
        &app,
        &registration(&Customer::generate(), "0533 123 45 67", None),
    )
    .await;
    let both_kept = app.database.count_rows("otp_codes").await;

    app.advance_clock(Duration::from_secs(2));
    register(
        &app,
        &registration(&Customer::generate(), "0534 123 45 67", None),
    )
    .await;

    assert_eq!(both_kept, 2);
    assert_eq!(
        app.database.count_rows("otp_codes").await,
        2,
        "the first one went"
    );
}

#[tokio::test]
async fn wrong_codes_for_a_phone_are_limited_and_then_even_the_right_code_is_refused() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_sending_to(&gateway, |config| {
        config.registration_otp = true;
        config.limits.otp_check_attempts = 2;
    })
    .await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    let code = gateway.code(1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    for _ in 0..2 {
        let refused = register(&app, &registration(&customer, PHONE, Some(wrong))).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }
    let blocked = register(&app, &registration(&customer, PHONE, Some(&code))).await;

    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn codes_sent_to_a_phone_are_limited_per_hour() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_sending_to(&gateway, |config| {
        config.registration_otp = true;
        config.limits.otp_send_attempts = 1;
    })
    .await;
    let customer = Customer::generate();

    let first = register(&app, &registration(&customer, PHONE, None)).await;
    app.advance_clock(Duration::from_secs(61));
    let second = register(&app, &registration(&customer, PHONE, None)).await;

    assert_eq!(first.status(), StatusCode::ACCEPTED);
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn login_by_phone_leaves_the_code_sent_and_verified_in_the_security_log() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with_registration_otp(&gateway).await;
    register_with_code(&app, &gateway, PHONE, 0).await;
    app.advance_clock(Duration::from_secs(60));

    log_in_by_phone(&app, &json!({"phone": PHONE})).await;
    let code = gateway.code(2).await;
    let response = log_in_by_phone(&app, &json!({"phone": PHONE, "code": code})).await;

    assert_eq!(response.status(), StatusCode::OK);
    let events = json_body(app.get("/users/security-events/").await).await;
    let kinds: Vec<&str> = events["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..3], ["login", "otp_verified", "otp_sent"]);
}

#[tokio::test]
async fn login_by_phone_waits_for_the_email_under_mandatory_verification() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_sending_to(&gateway, |config| {
        config.registration_otp = true;
        config.account_email_verification = storefront::config::EmailVerification::Mandatory;
    })
    .await;
    let customer = Customer::generate();
    register(&app, &registration(&customer, PHONE, None)).await;
    let code = gateway.code(1).await;
    let registered = register(&app, &registration(&customer, PHONE, Some(&code))).await;
    app.advance_clock(Duration::from_secs(60));

    log_in_by_phone(&app, &json!({"phone": PHONE})).await;
    let code = gateway.code(2).await;
    let response = log_in_by_phone(&app, &json!({"phone": PHONE, "code": code})).await;

    assert_eq!(registered.status(), StatusCode::CREATED);
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["E-mail is not verified."]})
    );
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}
