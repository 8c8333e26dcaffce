//! The captcha (auth.md §7, issue 19): the page the client scrapes, the check of a solved
//! captcha against a siteverify server that the test starts, and the logins it lets through —
//! a customer whose address is under attack gets in with one.

use std::sync::{Arc, Mutex};

use axum::{Form, Json, Router, routing::post};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use storefront::{
    captcha::{CaptchaOnRegistration, CaptchaVerifyUrl},
    clock::Clock,
    config::{Config, Environment},
    startup::Application,
};

use crate::support::{Customer, TestApp, json_body, set_cookies, spawn_app_with};

const WRONG_PASSWORD: &str = "Not-the-password-1";
const SITE_KEY: &str = "6LcTestSiteKey_0123456789";

fn captcha_required() -> Value {
    json!({"redirect_url": "/users/pz-captcha/?next=/users/login/"})
}

fn development_captcha(config: &mut Config) {
    config.captcha.captcha_verify_url = Some(CaptchaVerifyUrl::Development);
    config.captcha.captcha_site_key = SITE_KEY.to_owned();
}

/// A login from `app`'s browser (its cookies), as the storefront's server posts it.
async fn log_in(app: &TestApp, email: &str, password: &str) -> Response {
    app.send(Method::POST, "/users/login/")
        .without_csrf_header()
        .json(&json!({"email": email, "password": password}))
        .await
}

/// Loads the captcha form as the client does, keeping its token as the `csrftoken` cookie; the
/// form's HTML.
async fn load_captcha(app: &TestApp) -> String {
    let response = app.get("/users/pz-captcha/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = json_body(response).await["html"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = html
        .split("name=\"csrfmiddlewaretoken\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    app.set_cookie("csrftoken", &token);
    html
}

/// Posts a captcha answer as the client does (urlencoded, with the scraped CSRF token).
async fn solve(app: &TestApp, answer: &str) -> Value {
    load_captcha(app).await;
    let response = app
        .send(Method::POST, "/users/pz-captcha/")
        .form(&[("g-recaptcha-response", answer)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

#[tokio::test]
async fn the_captcha_form_carries_the_site_key_and_a_token_and_starts_a_session() {
    let app = spawn_app_with(development_captcha).await;

    let response = app.get("/users/pz-captcha/").await;

    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("osessionid="), "{cookies:?}");
    let html = json_body(response).await["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains(&format!("data-sitekey=\"{SITE_KEY}\"")),
        "{html}"
    );
    let token = html
        .split("name=\"csrfmiddlewaretoken\" value=\"")
        .nth(1)
        .unwrap();
    assert!(token[..64].bytes().all(|byte| byte.is_ascii_alphanumeric()));
    assert_eq!(&token[64..65], "\"");
}

#[tokio::test]
async fn failed_logins_past_the_threshold_ask_for_a_captcha_for_the_address() {
    let app = spawn_app_with(development_captcha).await;
    let customer = app.logged_in_customer().await;
    let attacker = app.another_browser();

    for _ in 0..3 {
        let failed = log_in(&attacker, &customer.email, WRONG_PASSWORD).await;
        assert_eq!(failed.status(), StatusCode::BAD_REQUEST);
    }
    let asked = log_in(&app, &customer.email, &customer.password).await;

    assert_eq!(asked.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(asked).await, captcha_required());
}

#[tokio::test]
async fn a_customer_under_attack_gets_in_with_a_captcha() {
    let app = spawn_app_with(|config| {
        development_captcha(config);
        config.limits.login_free_attempts = 5;
    })
    .await;
    let customer = app.logged_in_customer().await;
    let customer_browser = app.another_browser();
    let attacker = app.another_browser();
    // The attacker even solves captchas, until the address waits.
    for _ in 0..6 {
        solve(&attacker, "dev-pass").await;
        let failed = log_in(&attacker, &customer.email, WRONG_PASSWORD).await;
        assert_eq!(failed.status(), StatusCode::BAD_REQUEST);
    }

    load_captcha(&customer_browser).await;
    let asked = log_in(&customer_browser, &customer.email, &customer.password).await;
    let solved = solve(&customer_browser, "dev-pass").await;
    let logged_in = log_in(&customer_browser, &customer.email, &customer.password).await;

    assert_eq!(json_body(asked).await, captcha_required());
    assert_eq!(solved, json!({"location": "/"}));
    assert_eq!(logged_in.status(), StatusCode::OK);
    assert_eq!(
        customer_browser.current_user().await.status(),
        StatusCode::OK
    );
    let kinds = customer_browser.security_event_kinds().await;
    assert_eq!(kinds[..2], ["login", "captcha_solved"]);
    assert!(kinds.iter().any(|kind| kind == "captcha_required"));
}

#[tokio::test]
async fn a_solved_captcha_allows_one_attempt() {
    let app = spawn_app_with(|config| {
        development_captcha(config);
        config.captcha.captcha_after_failures = 1;
    })
    .await;
    let email = Customer::generate().email;
    load_captcha(&app).await;
    log_in(&app, &email, WRONG_PASSWORD).await;

    solve(&app, "dev-pass").await;
    let with_the_captcha = log_in(&app, &email, WRONG_PASSWORD).await;
    let after_it = log_in(&app, &email, WRONG_PASSWORD).await;

    assert_eq!(
        json_body(with_the_captcha).await,
        json!({"non_field_errors": ["Unable to log in with provided credentials."]})
    );
    assert_eq!(json_body(after_it).await, captcha_required());
}

#[tokio::test]
async fn a_wrong_answer_renders_the_form_again_and_the_captcha_stays_required() {
    let app = spawn_app_with(|config| {
        development_captcha(config);
        config.captcha.captcha_after_failures = 1;
    })
    .await;
    let email = Customer::generate().email;
    load_captcha(&app).await;
    log_in(&app, &email, WRONG_PASSWORD).await;

    let wrong = solve(&app, "not-solved").await;
    let empty = solve(&app, "").await;
    let login = log_in(&app, &email, WRONG_PASSWORD).await;

    for answer in [wrong, empty] {
        let html = answer["html"].as_str().unwrap();
        assert!(html.contains("data-sitekey"), "{html}");
        assert!(html.contains("not solved"), "{html}");
        assert!(answer.get("location").is_none());
    }
    assert_eq!(json_body(login).await, captcha_required());
}

/// A siteverify server on 127.0.0.1: `good` passes with the secret `s3cret`; every form it
/// receives is kept. `status` is what it answers with.
async fn siteverify(status: StatusCode) -> (String, Arc<Mutex<Vec<Vec<(String, String)>>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let router = Router::new().route(
        "/siteverify",
        post(move |Form(form): Form<Vec<(String, String)>>| {
            let kept = kept.clone();
            async move {
                let field = |name: &str| {
                    form.iter()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.clone())
                };
                let success = field("secret").as_deref() == Some("s3cret")
                    && field("response").as_deref() == Some("good");
                kept.lock().unwrap().push(form);
                (status, Json(json!({"success": success})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received)
}

fn verify_at(url: String) -> impl FnOnce(&mut Config) {
    move |config| {
        config.captcha.captcha_verify_url = Some(CaptchaVerifyUrl::SiteVerify(url));
        config.captcha.captcha_secret = Some("s3cret".into());
    }
}

#[tokio::test]
async fn a_siteverify_server_decides_and_gets_the_secret_answer_and_client_ip() {
    let (url, received) = siteverify(StatusCode::OK).await;
    let app = spawn_app_with(verify_at(url)).await;
    load_captcha(&app).await;

    let failed = app
        .send(Method::POST, "/users/pz-captcha/")
        .header("x-forwarded-for", "203.0.113.5")
        .form(&[("g-recaptcha-response", "bad")])
        .await;
    let passed = app
        .send(Method::POST, "/users/pz-captcha/")
        .header("x-forwarded-for", "203.0.113.5")
        .form(&[("g-recaptcha-response", "good")])
        .await;

    assert!(json_body(failed).await["html"].is_string());
    assert_eq!(json_body(passed).await, json!({"location": "/"}));
    let received = received.lock().unwrap().clone();
    let fields = |form: &Vec<(String, String)>| {
        let mut fields = form.clone();
        fields.sort();
        fields
    };
    assert_eq!(
        received.iter().map(fields).collect::<Vec<_>>(),
        [
            vec![
                ("remoteip".to_owned(), "203.0.113.5".to_owned()),
                ("response".to_owned(), "bad".to_owned()),
                ("secret".to_owned(), "s3cret".to_owned()),
            ],
            vec![
                ("remoteip".to_owned(), "203.0.113.5".to_owned()),
                ("response".to_owned(), "good".to_owned()),
                ("secret".to_owned(), "s3cret".to_owned()),
            ],
        ]
    );
}

#[tokio::test]
async fn a_verifier_that_fails_or_is_down_leaves_the_captcha_required() {
    let (failing, _) = siteverify(StatusCode::INTERNAL_SERVER_ERROR).await;
    // A port nobody listens on any more.
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/siteverify", listener.local_addr().unwrap())
    };
    for url in [failing, down] {
        let app = spawn_app_with(|config| {
            verify_at(url)(config);
            config.captcha.captcha_after_failures = 1;
        })
        .await;
        let email = Customer::generate().email;
        load_captcha(&app).await;
        log_in(&app, &email, WRONG_PASSWORD).await;

        let answer = solve(&app, "good").await;
        let login = log_in(&app, &email, WRONG_PASSWORD).await;

        assert!(answer["html"].as_str().unwrap().contains("not solved"));
        assert_eq!(json_body(login).await, captcha_required());
    }
}

#[tokio::test]
async fn the_captcha_page_redirects_to_next_once_solved_and_only_on_this_site() {
    let app = spawn_app_with(development_captcha).await;

    let page = app.get("/users/captcha/?next=/users/login/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("name=\"next\" value=\"/users/login/\""),
        "{html}"
    );
    let post = |answer: &'static str, next: &'static str| {
        app.send(Method::POST, "/users/captcha/")
            .without_csrf_header()
            .form(&[
                ("g-recaptcha-response", answer),
                ("next", next),
                ("csrfmiddlewaretoken", ""),
            ])
    };
    let token = app.cookie("csrftoken").unwrap();
    let solved = app
        .send(Method::POST, "/users/captcha/")
        .without_csrf_header()
        .form(&[
            ("g-recaptcha-response", "dev-pass"),
            ("next", "/users/login/"),
            ("csrfmiddlewaretoken", &token),
        ])
        .await;
    let elsewhere = app
        .send(Method::POST, "/users/captcha/")
        .form(&[
            ("g-recaptcha-response", "dev-pass"),
            ("next", "//evil.example.com/"),
        ])
        .await;
    let unsolved = app
        .send(Method::POST, "/users/captcha/")
        .form(&[("g-recaptcha-response", "nope"), ("next", "/users/login/")])
        .await;
    let without_token = post("dev-pass", "/").await;

    assert_eq!(solved.status(), StatusCode::FOUND);
    assert_eq!(solved.headers()["location"], "/users/login/");
    assert_eq!(elsewhere.status(), StatusCode::FOUND);
    assert_eq!(elsewhere.headers()["location"], "/");
    assert_eq!(unsolved.status(), StatusCode::OK);
    assert!(unsolved.text().await.unwrap().contains("not solved"));
    assert_eq!(without_token.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn registration_asks_for_a_captcha_when_configured_to() {
    let app = spawn_app_with(|config| {
        development_captcha(config);
        config.captcha.captcha_on_registration = CaptchaOnRegistration::Always;
    })
    .await;
    let customer = Customer::generate();

    let asked = app.register(&customer).await;
    solve(&app, "dev-pass").await;
    let registered = app.register(&customer).await;

    assert_eq!(asked.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(asked).await,
        json!({"redirect_url": "/users/pz-captcha/?next=/users/registration/"})
    );
    assert_eq!(registered.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_development_verifier_is_refused_in_production() {
    let mut config = Config::defaults().unwrap();
    config.storefront_bind = "127.0.0.1:0".parse().unwrap();
    development_captcha(&mut config);
    config.storefront_env = Environment::Production;

    let error = Application::build(config, Clock::default())
        .await
        .err()
        .unwrap()
        .to_string();

    assert!(error.contains("CAPTCHA_VERIFY_URL=dev"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
}

/// The value of the metric line that starts with `series` (`name{labels}`), 0 when absent.
async fn metric(app: &TestApp, series: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

#[tokio::test]
async fn metrics_count_logins_by_outcome_throttling_captchas_and_password_checks() {
    let app = spawn_app_with(|config| {
        development_captcha(config);
        config.captcha.captcha_after_failures = 1;
        config.limits.login_ip_free_attempts = 1;
    })
    .await;
    let series = [
        "storefront_logins_total{outcome=\"unknown_email\"}",
        "storefront_logins_total{outcome=\"captcha_required\"}",
        "storefront_logins_total{outcome=\"throttled\"}",
        "storefront_captchas_shown_total",
        "storefront_captchas_solved_total",
        "storefront_throttled_requests_total{budget=\"login_ip\"}",
        "storefront_password_verifications_total",
    ];
    let mut before = Vec::new();
    for name in series {
        before.push(metric(&app, name).await);
    }
    let email = Customer::generate().email;
    load_captcha(&app).await;

    log_in(&app, &email, WRONG_PASSWORD).await;
    log_in(&app, &email, WRONG_PASSWORD).await;
    solve(&app, "dev-pass").await;
    let from_one_client_ip = || {
        app.send(Method::POST, "/users/login/")
            .without_cookies()
            .header("x-forwarded-for", "203.0.113.50")
            .json(&json!({"email": Customer::generate().email, "password": WRONG_PASSWORD}))
    };
    from_one_client_ip().await;
    let throttled = from_one_client_ip().await;

    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    for (name, before) in series.into_iter().zip(before) {
        let after = metric(&app, name).await;
        assert!(after > before, "{name}: {before} → {after}");
    }
}

#[tokio::test]
async fn the_failure_that_makes_an_address_need_a_captcha_goes_in_its_security_log_once() {
    let app = spawn_app_with(|config| {
        development_captcha(config);
        config.captcha.captcha_after_failures = 2;
    })
    .await;
    let customer = app.logged_in_customer().await;
    let attacker = app.another_browser();

    for _ in 0..3 {
        log_in(&attacker, &customer.email, "not-the-password").await;
    }

    assert_eq!(
        app.security_event_kinds().await,
        ["captcha_required", "login_failed", "login_failed", "login"]
    );
}
