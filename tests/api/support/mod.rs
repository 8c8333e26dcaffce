//! `spawn_app()` and the customer's steps as `TestApp` methods.

mod database;
mod request;
pub mod smtp;

use std::sync::Arc;

use reqwest::{Method, Response, StatusCode, cookie::CookieStore};
use serde_json::{Value, json};
use storefront::{
    clock::Clock,
    config::{Config, SessionStoreUrl},
    startup::Application,
    state::AppState,
};

pub use self::{database::TestDatabase, request::TestRequest};

/// A customer with a unique e-mail address and a password that passes the validators.
#[derive(Clone, Debug)]
pub struct Customer {
    pub email: String,
    pub password: String,
}

/// The test customers' password.
const PASSWORD: &str = "Xk39!pQz-long";
/// [a-z0-9] without the password's characters, for the random part of test e-mails: a part that
/// shares enough of them makes the password "too similar to the email" (Django's quick ratio
/// ≥ 0.7), which 12 characters of [a-z0-9] did about once in 30 000 registrations.
const UNLIKE_PASSWORD: &[u8] = b"abcdefhijmrstuvwy01245678";

impl Customer {
    pub fn generate() -> Self {
        Self {
            email: format!(
                "shopper-{}@example.com",
                random_word_from(UNLIKE_PASSWORD, 16)
            ),
            password: PASSWORD.to_owned(),
        }
    }

    pub fn registration(&self) -> Value {
        json!({"email": self.email, "password": self.password, "first_name": "Jane", "last_name": "Doe"})
    }

    pub fn credentials(&self) -> Value {
        json!({"email": self.email, "password": self.password})
    }
}

/// `length` characters of [a-z0-9].
pub fn random_word(length: usize) -> String {
    random_word_from(b"abcdefghijklmnopqrstuvwxyz0123456789", length)
}

/// `length` characters drawn from `alphabet`.
fn random_word_from(alphabet: &[u8], length: usize) -> String {
    use rand::seq::IndexedRandom;
    let mut rng = rand::rng();
    (0..length)
        .filter_map(|_| alphabet.choose(&mut rng).copied().map(char::from))
        .collect()
}

/// A running application and a browser-like client (with a cookie jar) talking to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub state: AppState,
    pub cookie_name: String,
    pub database: Arc<TestDatabase>,
    /// Stops the server (see [`TestApp::stop`]).
    server: tokio::task::AbortHandle,
}

/// The internal API's bearer token in tests.
pub const INTERNAL_TOKEN: &str = "internal-test-token";

/// Turns the internal API on (and with it saved cards, whose tokens need `CARD_TOKEN_KEY`).
pub fn with_internal_api(config: &mut Config) {
    config.storefront_internal_token = Some(INTERNAL_TOKEN.into());
    config.card_token_key = Some(CARD_TOKEN_KEY.into());
}

/// A `CARD_TOKEN_KEY`: 32 bytes in standard base64.
pub const CARD_TOKEN_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// The app with the default configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with configuration changes.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(Arc::new(TestDatabase::create().await), configure).await
}

/// Another instance of the app, on the database of `first` (which may be stopped): two
/// instances side by side, or a restart.
pub async fn spawn_app_beside(first: &TestApp, configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(first.database.clone(), configure).await
}

async fn spawn_app_on(database: Arc<TestDatabase>, configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::defaults().expect("default configuration");
    config.database_url = database.url();
    config.storefront_bind = "127.0.0.1:0".parse().unwrap();
    config.password_hash_threads = Some(2);
    if let Ok(url) = std::env::var("STOREFRONT_TEST_SESSION_STORE") {
        config.session_store = SessionStoreUrl::Redis(url.into());
        config.session_redis_prefix = format!("test:{}:", random_word(16));
    }
    configure(&mut config);
    let cookie_name = config.session_cookie_name.clone();
    let application = Application::build(config, Clock::default())
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let state = application.state().clone();
    let server = tokio::spawn(application.run_until_stopped()).abort_handle();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        jar,
        state,
        cookie_name,
        database,
        server,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The value of a cookie in the client's jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.address.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }

    pub fn session_key(&self) -> Option<String> {
        self.cookie(&self.cookie_name)
    }

    /// Puts a cookie into the client's jar, as a browser would hold it.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.add_cookie_str(
            &format!("{name}={value}; Path=/"),
            &self.address.parse().unwrap(),
        );
    }

    /// A request as the browser sends it: the jar's cookies, and the `X-CSRFToken` header when
    /// the jar holds a token. Awaiting it gives the response.
    pub fn send(&self, method: Method, path: &str) -> TestRequest {
        TestRequest::new(
            self.client.request(method, self.url(path)),
            self.cookie("csrftoken"),
        )
    }

    /// A call of the internal API as the payment or order side makes it: the bearer token, no
    /// cookies, no CSRF header.
    pub fn internal(&self, method: Method, path: &str) -> TestRequest {
        self.send(method, path)
            .without_cookies()
            .header("authorization", format!("Bearer {INTERNAL_TOKEN}"))
    }

    /// The logged-in customer's pk.
    pub async fn customer_pk(&self) -> i64 {
        json_body(self.current_user().await).await["pk"]
            .as_i64()
            .unwrap()
    }

    /// `GET`, the most frequent step, as the browser sends it.
    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path).await
    }

    /// `GET /csrf_token/`, and the token kept as the `csrftoken` cookie.
    pub async fn fetch_csrf_token(&self) -> String {
        let response = self.get("/csrf_token/").await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["csrf_token"].as_str().unwrap().to_owned()
    }

    /// Registers through the endpoint, as the storefront's server does (no CSRF header).
    pub async fn register(&self, customer: &Customer) -> Response {
        self.send(Method::POST, "/users/registration/")
            .without_csrf_header()
            .json(&customer.registration())
            .await
    }

    /// Logs in as the storefront's server does (no CSRF header, JSON credentials).
    pub async fn log_in(&self, customer: &Customer) -> Response {
        self.send(Method::POST, "/users/login/")
            .without_csrf_header()
            .json(&customer.credentials())
            .await
    }

    /// A new customer, registered and logged in on this client.
    pub async fn logged_in_customer(&self) -> Customer {
        let customer = Customer::generate();
        let response = self.register(&customer).await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::CREATED, "registration answered {body}");
        customer
    }

    /// `POST /i18n/setlang/` as the proxy sends it (urlencoded); a visitor without a session gets
    /// a guest session holding the choice.
    pub async fn choose_language(&self, code: &str) -> Response {
        self.send(Method::POST, "/i18n/setlang/")
            .form(&[("language", code)])
            .await
    }

    pub async fn current_user(&self) -> Response {
        self.get("/current_user/").await
    }

    /// Logs in with `email` and `password` from another browser (this client's jar untouched);
    /// the status.
    pub async fn log_in_with(&self, email: &str, password: &str) -> StatusCode {
        self.send(Method::POST, "/users/login/")
            .without_cookies()
            .json(&json!({"email": email, "password": password}))
            .await
            .status()
    }

    /// Logs `customer` in from another browser; that browser's session key.
    pub async fn log_in_elsewhere(&self, customer: &Customer) -> String {
        let response = self
            .send(Method::POST, "/users/login/")
            .without_cookies()
            .json(&customer.credentials())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let prefix = format!("{}=", self.cookie_name);
        set_cookies(&response)
            .iter()
            .find_map(|cookie| cookie.strip_prefix(&prefix))
            .and_then(|rest| rest.split(';').next())
            .unwrap()
            .to_owned()
    }

    /// `GET /current_user/` with only the session `key`; the status.
    pub async fn current_user_of(&self, key: &str) -> StatusCode {
        self.send(Method::GET, "/current_user/")
            .without_cookies()
            .header("cookie", format!("{}={key}", self.cookie_name))
            .await
            .status()
    }

    /// Ends the server as a crash would: no more requests, its background tasks stopped.
    pub fn stop(&self) {
        self.server.abort();
    }

    /// Moves the application's clock forward.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.state.clock.advance(by);
    }
}

/// The `Set-Cookie` headers of a response.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// The JSON body of a response, asserting the content type.
pub async fn json_body(response: Response) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "JSON expected"
    );
    response.json().await.unwrap()
}

/// The `.rs` files under `directory`, in order (tests that read the source).
pub fn rust_files(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}
