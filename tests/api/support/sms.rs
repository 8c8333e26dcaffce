//! A local SMS gateway the test starts: a small axum server that takes `POST /send` as the
//! gateway protocol says (JSON `{"to", "message"}`, a bearer token), keeps what it receives, and
//! can be switched "down", when it answers 503 as a gateway out of service does.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde::Deserialize;
use storefront::config::Config;
use tokio::net::TcpListener;

/// The token the app is configured with.
pub const TOKEN: &str = "test-gateway-token";

/// A message as the gateway received it.
#[derive(Clone, Debug, Deserialize)]
pub struct ReceivedSms {
    pub to: String,
    pub message: String,
    #[serde(skip)]
    pub authorization: Option<String>,
}

impl ReceivedSms {
    /// The six-digit code in the message.
    pub fn code(&self) -> String {
        self.message
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| word.len() == 6)
            .unwrap_or_else(|| panic!("no code in {:?}", self.message))
            .to_owned()
    }
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<ReceivedSms>>>,
    is_down: Arc<AtomicBool>,
}

/// The running gateway; stops when dropped.
pub struct SmsGateway {
    port: u16,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl SmsGateway {
    /// Listens on 127.0.0.1, on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Shared::default();
        let app = Router::new()
            .route("/send", post(receive))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { port, shared, task }
    }

    /// Out of service (`true`) or back (`false`), from the next request on.
    pub fn set_down(&self, is_down: bool) {
        self.shared.is_down.store(is_down, Ordering::SeqCst);
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<ReceivedSms> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `count` messages have arrived (at most 10 s, then fails) and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedSms> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} text messages within 10 s, received {}",
            self.received().len()
        );
    }

    /// The code of the `count`-th message, once it has arrived.
    pub async fn code(&self, count: usize) -> String {
        self.wait_for(count).await[count - 1].code()
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(mut sms): Json<ReceivedSms>,
) -> StatusCode {
    if shared.is_down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    sms.authorization = headers
        .get("authorization")
        .map(|value| value.to_str().unwrap().to_owned());
    shared.received.lock().unwrap().push(sms);
    StatusCode::OK
}

/// Sends the app's text messages to `gateway`.
pub fn sms_through(gateway: &SmsGateway) -> impl FnOnce(&mut Config) + use<> {
    let url = format!("http://127.0.0.1:{}/send", gateway.port);
    move |config| {
        config.sms_gateway_url = Some(url.parse().unwrap());
        config.sms_gateway_token = Some(TOKEN.into());
    }
}
