//! Social login (auth.md §9) against a local OpenID Connect provider the test starts: the start's
//! 302 to the provider, the callback's 302 with the cookies the storefront's middleware needs,
//! which account a sign-in opens, the failures that leave the visitor a guest, plain OAuth 2,
//! and the account's links.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use storefront::{
    accounts::queries::mark_email_verified, config::EmailVerification, social::ProviderConfigs,
};

use crate::support::{
    Customer, TestApp, json_body,
    oidc::{CLIENT_ID, IdTokenKind, Person, TestProvider, location},
    set_cookies, spawn_app_with,
};

/// The storefront's address, where providers send visitors back (the default public URL).
const PUBLIC_URL: &str = "http://localhost:3000";

/// An app with `provider` configured as `google` (OpenID Connect).
async fn app_with_google(provider: &TestProvider) -> TestApp {
    app_with(provider.openid_connect_config("google")).await
}

async fn app_with(providers: ProviderConfigs) -> TestApp {
    spawn_app_with(|config| config.social_providers = providers).await
}

/// `GET /{name}/login/`: the provider's authorization URL it redirects to.
async fn start(app: &TestApp, name: &str) -> String {
    let response = app.get(&format!("/{name}/login/")).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    location(&response)
}

/// The storefront's rewrite of the provider's redirect: the same path and query, on the app.
async fn callback(app: &TestApp, url: &str) -> Response {
    let path = url
        .strip_prefix(PUBLIC_URL)
        .expect("back to the public URL");
    app.get(path).await
}

/// The whole dance: start, agree at the provider, come back.
async fn sign_in(app: &TestApp, provider: &TestProvider, name: &str) -> Response {
    let authorization = start(app, name).await;
    let back = provider.agree(&authorization).await;
    callback(app, &back).await
}

/// Asserts the contract's success: 302 to `/baskets/basket/`, a new session cookie and the
/// `messages` cookie the middleware looks for.
fn assert_signed_in(response: &Response, app: &TestApp, email: &str) {
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(response), "/baskets/basket/");
    let cookies = set_cookies(response);
    let session_prefix = format!("{}=", app.cookie_name);
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with(&session_prefix)
                && cookie.contains("HttpOnly")
                && !cookie.contains("Domain")),
        "{cookies:?}"
    );
    let encoded_email = email.replace('@', "%40");
    assert!(
        cookies.contains(&format!(
            "messages=Successfully%20signed%20in%20as%20{encoded_email}.; Path=/; SameSite=Lax"
        )),
        "{cookies:?}"
    );
}

/// Asserts the contract's failure: 302 to `/`, no `messages`, no new session key.
fn assert_refused(response: &Response, app: &TestApp) {
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(response), "/");
    let cookies = set_cookies(response);
    assert!(
        !cookies.iter().any(|cookie| cookie.starts_with("messages=")
            || cookie.starts_with(&format!("{}=", app.cookie_name))),
        "{cookies:?}"
    );
}

/// A guest session holding something besides the login under way, so that it outlives a
/// failed callback (an emptied session would be deleted).
async fn guest_session(app: &TestApp) -> String {
    app.fetch_csrf_token().await;
    assert_eq!(app.choose_language("en").await.status(), StatusCode::OK);
    app.session_key().unwrap()
}

/// Registers `customer` from another browser: this client's jar stays a guest's.
async fn register_elsewhere(app: &TestApp, customer: &Customer) {
    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&customer.registration())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// Whether `email` is free to register: proof that no account was created with it.
async fn is_unregistered(app: &TestApp, email: &str) -> bool {
    let customer = Customer {
        email: email.to_owned(),
        password: Customer::generate().password,
    };
    let response = app
        .send(Method::POST, "/users/registration/")
        .without_cookies()
        .json(&customer.registration())
        .await;
    response.status() == StatusCode::CREATED
}

async fn current_user(app: &TestApp) -> Value {
    let response = app.current_user().await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

async fn links(app: &TestApp) -> Value {
    let response = app.get("/users/social-accounts/").await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

#[tokio::test]
async fn unknown_or_unconfigured_providers_are_404() {
    let provider = TestProvider::start(Person::generate()).await;
    let app = app_with_google(&provider).await;

    for path in [
        "/facebook/login/",
        "/twitter/login/callback/?code=a&state=b",
    ] {
        let response = app.get(path).await;

        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    }
}

#[tokio::test]
async fn the_start_sends_the_visitor_to_the_provider_with_state_nonce_and_pkce_in_a_new_session() {
    let provider = TestProvider::start(Person::generate()).await;
    let app = app_with_google(&provider).await;

    let response = app.get("/google/login/?process=login&next=/account/").await;

    assert_eq!(response.status(), StatusCode::FOUND);
    let url = reqwest::Url::parse(&location(&response)).unwrap();
    assert_eq!(
        url.as_str().split('?').next(),
        Some(format!("{}/authorize", provider.issuer).as_str())
    );
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["response_type"], "code");
    assert_eq!(
        query["redirect_uri"],
        format!("{PUBLIC_URL}/google/login/callback/")
    );
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scope"], "openid email profile");
    for random in ["state", "nonce", "code_challenge"] {
        assert!(query[random].len() >= 20, "{random}: {query:?}");
    }
    let session_cookie = format!("{}=", app.cookie_name);
    assert!(
        set_cookies(&response)
            .iter()
            .any(|cookie| cookie.starts_with(&session_cookie))
    );
}

#[tokio::test]
async fn a_new_visitor_gets_a_new_customer_logged_in_without_a_password() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    let guest_key = guest_session(&app).await;

    let response = sign_in(&app, &provider, "google").await;

    assert_signed_in(&response, &app, &person.email);
    assert_ne!(app.session_key().unwrap(), guest_key);
    let user = current_user(&app).await;
    assert_eq!(user["email"], person.email);
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["last_name"], "Lovelace");
    assert_eq!(user["is_email_verified"], true);
    assert_eq!(user["is_social_networks_connected"], true);
    assert_eq!(user["email_allowed"], false);
    assert_eq!(user["attributes"]["register_client_type"], "google");
    let linked = links(&app).await;
    assert_eq!(linked["count"], 1);
    assert_eq!(linked["results"][0]["provider"], "google");
    assert_eq!(linked["results"][0]["email"], person.email);
    // No password logs the account in.
    let password_login = app
        .log_in_with(&person.email, &Customer::generate().password)
        .await;
    assert_eq!(password_login, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_verified_provider_address_opens_the_existing_account_and_links_it() {
    let customer = Customer::generate();
    let person = Person {
        email: customer.email.to_uppercase(),
        ..Person::generate()
    };
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    register_elsewhere(&app, &customer).await;

    let response = sign_in(&app, &provider, "google").await;

    assert_signed_in(&response, &app, &customer.email);
    let user = current_user(&app).await;
    assert_eq!(user["email"], customer.email);
    assert_eq!(user["first_name"], "Jane");
    assert_eq!(user["is_social_networks_connected"], true);
    assert_eq!(user["attributes"]["register_client_type"], "default");
    assert_eq!(user["is_email_verified"], true);
    assert_eq!(links(&app).await["count"], 1);
    // Whoever registered never proved the address: that password no longer opens the account.
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_verified_account_keeps_its_password_when_linked() {
    let customer = Customer::generate();
    let provider = TestProvider::start(Person {
        email: customer.email.clone(),
        ..Person::generate()
    })
    .await;
    let app = app_with_google(&provider).await;
    register_elsewhere(&app, &customer).await;
    // As if its confirmation link had been opened.
    let id = app.database.ids("users").await[0];
    mark_email_verified(
        &app.state.db.write_one(),
        id,
        &customer.email.to_lowercase(),
        app.state.clock.now(),
    )
    .await
    .unwrap()
    .unwrap();

    let response = sign_in(&app, &provider, "google").await;

    assert_signed_in(&response, &app, &customer.email);
    assert_eq!(
        app.log_in_with(&customer.email, &customer.password).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unverified_provider_address_never_opens_an_existing_account() {
    let customer = Customer::generate();
    let provider = TestProvider::start(Person {
        email: customer.email.clone(),
        email_verified: Some(false),
        ..Person::generate()
    })
    .await;
    let app = app_with_google(&provider).await;
    register_elsewhere(&app, &customer).await;
    guest_session(&app).await;

    let response = sign_in(&app, &provider, "google").await;

    assert_refused(&response, &app);
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.log_in(&customer).await.status(), StatusCode::OK);
    assert_eq!(
        current_user(&app).await["is_social_networks_connected"],
        false
    );
    assert_eq!(links(&app).await["count"], 0);
}

#[tokio::test]
async fn the_link_opens_the_account_after_the_address_changed_at_the_provider() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    assert_signed_in(
        &sign_in(&app, &provider, "google").await,
        &app,
        &person.email,
    );
    let first = current_user(&app).await;
    // The new address is another account's, verified: the link still wins.
    let other = Customer::generate();
    register_elsewhere(&app, &other).await;
    provider.sign_in_as(&Person {
        email: other.email.clone(),
        ..person.clone()
    });
    app.set_cookie(&app.cookie_name, "signedoutbrowser");

    let response = sign_in(&app, &provider, "google").await;

    assert_signed_in(&response, &app, &person.email);
    let user = current_user(&app).await;
    assert_eq!(user["pk"], first["pk"]);
    assert_eq!(user["email"], person.email);
    assert_eq!(links(&app).await["results"][0]["email"], other.email);
}

#[tokio::test]
async fn a_wrong_state_leaves_the_visitor_a_guest_and_creates_nothing() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    let guest_key = guest_session(&app).await;
    let back = provider.agree(&start(&app, "google").await).await;
    let forged = reqwest::Url::parse(&back).unwrap();
    let code: String = forged
        .query_pairs()
        .find(|(key, _)| key == "code")
        .unwrap()
        .1
        .into_owned();

    let response = callback(
        &app,
        &format!("{PUBLIC_URL}/google/login/callback/?code={code}&state=forged"),
    )
    .await;

    assert_refused(&response, &app);
    assert_eq!(app.session_key().unwrap(), guest_key);
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
    assert!(is_unregistered(&app, &person.email).await);
}

#[tokio::test]
async fn a_callback_works_once() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    let back = provider.agree(&start(&app, "google").await).await;
    assert_signed_in(&callback(&app, &back).await, &app, &person.email);
    let logged_in_key = app.session_key().unwrap();

    let replayed = callback(&app, &back).await;
    // The callback URL in another browser, which has no login under way.
    let elsewhere = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(back.strip_prefix(PUBLIC_URL).unwrap()))
        .send()
        .await
        .unwrap();

    assert_refused(&replayed, &app);
    assert_eq!(app.session_key().unwrap(), logged_in_key);
    assert_eq!(elsewhere.status(), StatusCode::FOUND);
    assert_eq!(location(&elsewhere), "/");
    assert!(
        set_cookies(&elsewhere)
            .iter()
            .all(|cookie| !cookie.starts_with("messages="))
    );
}

#[tokio::test]
async fn id_tokens_that_do_not_check_out_leave_the_visitor_a_guest() {
    for kind in [
        IdTokenKind::WrongAudience,
        IdTokenKind::Expired,
        IdTokenKind::BadlySigned,
    ] {
        let person = Person::generate();
        let provider = TestProvider::start(person.clone()).await;
        provider.issue(kind);
        let app = app_with_google(&provider).await;
        let guest_key = guest_session(&app).await;

        let response = sign_in(&app, &provider, "google").await;

        assert_refused(&response, &app);
        assert_eq!(app.session_key().unwrap(), guest_key, "{kind:?}");
        assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
        assert!(is_unregistered(&app, &person.email).await, "{kind:?}");
    }
}

#[tokio::test]
async fn a_signing_key_published_since_the_keys_were_fetched_is_fetched() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    assert_signed_in(
        &sign_in(&app, &provider, "google").await,
        &app,
        &person.email,
    );
    provider.rotate_signing_key();
    app.set_cookie(&app.cookie_name, "signedoutbrowser");

    let response = sign_in(&app, &provider, "google").await;

    assert_signed_in(&response, &app, &person.email);
}

#[tokio::test]
async fn a_provider_error_or_a_provider_down_sends_the_visitor_home() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    provider.take_token_endpoint_down().await;
    let app = app_with_google(&provider).await;
    let guest_key = guest_session(&app).await;

    let down = sign_in(&app, &provider, "google").await;
    start(&app, "google").await;
    let refused = callback(
        &app,
        &format!("{PUBLIC_URL}/google/login/callback/?error=access_denied"),
    )
    .await;

    assert_refused(&down, &app);
    assert_refused(&refused, &app);
    assert_eq!(app.session_key().unwrap(), guest_key);
    assert!(is_unregistered(&app, &person.email).await);
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_at_the_start_sends_the_visitor_home() {
    // Nothing listens on the discard port.
    let unreachable = ProviderConfigs::parse("google", |key| match key {
        "SOCIAL_GOOGLE_ISSUER" => Some("http://127.0.0.1:9".to_owned()),
        "SOCIAL_GOOGLE_CLIENT_ID" | "SOCIAL_GOOGLE_CLIENT_SECRET" => Some("x".to_owned()),
        _ => None,
    })
    .unwrap();
    let app = app_with(unreachable).await;

    let response = app.get("/google/login/").await;

    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn a_plain_oauth2_provider_signs_up_with_an_unverified_address_that_never_links() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with(provider.oauth2_config("facebook")).await;

    let response = sign_in(&app, &provider, "facebook").await;

    assert_signed_in(&response, &app, &person.email);
    let user = current_user(&app).await;
    assert_eq!(user["email"], person.email);
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["is_email_verified"], false);
    assert_eq!(user["attributes"]["register_client_type"], "facebook");

    // Another person at the same provider, whose address an account already holds.
    let customer = Customer::generate();
    register_elsewhere(&app, &customer).await;
    provider.sign_in_as(&Person {
        email: customer.email.clone(),
        ..Person::generate()
    });
    app.set_cookie(&app.cookie_name, "signedoutbrowser");
    guest_session(&app).await;

    let taken = sign_in(&app, &provider, "facebook").await;

    assert_refused(&taken, &app);
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_only_way_into_an_account_cannot_be_unlinked_until_a_password_is_set() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    assert_signed_in(
        &sign_in(&app, &provider, "google").await,
        &app,
        &person.email,
    );
    app.fetch_csrf_token().await;
    let id = links(&app).await["results"][0]["id"].as_i64().unwrap();
    let path = format!("/users/social-accounts/{id}/");

    let refused = app.send(Method::DELETE, &path).await;
    let password =
        json!({"new_password1": "Vb6&first-of-mine", "new_password2": "Vb6&first-of-mine"});
    let set = app
        .send(Method::POST, "/users/password/set/")
        .json(&password)
        .await;
    let unlinked = app.send(Method::DELETE, &path).await;
    let again = app.send(Method::DELETE, &path).await;

    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(refused).await,
        json!({"non_field_errors": ["This is the only way into your account: set a password first (/users/password/set/)."]})
    );
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(unlinked.status(), StatusCode::NO_CONTENT);
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(links(&app).await["count"], 0);
    assert_eq!(
        current_user(&app).await["is_social_networks_connected"],
        false
    );
    let events = json_body(app.get("/users/security-events/").await).await;
    let kinds: Vec<&str> = events["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "social_account_unlinked",
            "password_set",
            "social_login",
            "social_account_linked"
        ]
    );
}

#[tokio::test]
async fn another_customers_link_is_not_found() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    assert_signed_in(
        &sign_in(&app, &provider, "google").await,
        &app,
        &person.email,
    );
    let id = links(&app).await["results"][0]["id"].as_i64().unwrap();
    app.set_cookie(&app.cookie_name, "signedoutbrowser");
    app.logged_in_customer().await;
    app.fetch_csrf_token().await;

    let response = app
        .send(Method::DELETE, &format!("/users/social-accounts/{id}/"))
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/users/social-accounts/").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_links_are_exported_and_go_with_anonymisation() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let app = app_with_google(&provider).await;
    assert_signed_in(
        &sign_in(&app, &provider, "google").await,
        &app,
        &person.email,
    );
    let first = current_user(&app).await;

    let export = json_body(app.get("/users/export/").await).await;
    app.fetch_csrf_token().await;
    let anonymized = app.send(Method::PATCH, "/users/anonymize/").await;
    let again = sign_in(&app, &provider, "google").await;

    assert_eq!(
        export["sections"]["social_accounts"][0]["provider"],
        "google"
    );
    assert_eq!(
        export["sections"]["social_accounts"][0]["email"],
        person.email
    );
    assert_eq!(anonymized.status(), StatusCode::OK);
    // The link went with the old account: the same person gets a new one.
    assert_signed_in(&again, &app, &person.email);
    assert_ne!(current_user(&app).await["pk"], first["pk"]);
}

#[tokio::test]
async fn under_mandatory_verification_only_a_verified_provider_address_logs_in() {
    let person = Person::generate();
    let provider = TestProvider::start(person.clone()).await;
    let mut providers = provider.openid_connect_config("google");
    providers.0.extend(provider.oauth2_config("facebook").0);
    let app = spawn_app_with(|config| {
        config.social_providers = providers;
        config.account_email_verification = EmailVerification::Mandatory;
    })
    .await;
    guest_session(&app).await;

    let unverified = sign_in(&app, &provider, "facebook").await;

    assert_refused(&unverified, &app);
    assert_eq!(app.current_user().await.status(), StatusCode::UNAUTHORIZED);
    // The account waits for its confirmation link, as after a registration.
    assert!(!is_unregistered(&app, &person.email).await);

    let verified = sign_in(&app, &provider, "google").await;

    assert_signed_in(&verified, &app, &person.email);
}
