//! The payment gateway, as far as saved cards need it: deleting a token. The [`PaymentGateway`]
//! trait, its HTTP adapter (`PAYMENT_GATEWAY_URL`) and the development adapter that only logs.
//! Deletions reach it through the outbox ([`GatewayTokenDeletions`]), never from a request.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};

use super::{cipher::TokenCipher, types::GatewayToken};
use crate::config::PublicUrl;

/// How long one call to the gateway may take; the outbox retries a call that failed.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Deletes tokens at the payment gateway.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Deletes `token`; `Ok` when the gateway no longer has it (already gone included).
    async fn delete_token(&self, token: &GatewayToken) -> anyhow::Result<()>;
}

/// The gateway's HTTP API: `DELETE {url}/tokens/{token}` with `Authorization: Bearer
/// {PAYMENT_GATEWAY_TOKEN}`.
pub struct HttpPaymentGateway {
    client: reqwest::Client,
    url: PublicUrl,
    token: Option<SecretString>,
}

impl HttpPaymentGateway {
    /// The gateway at `url`, authenticated with `token` when given.
    pub fn new(url: PublicUrl, token: Option<SecretString>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .context("building the payment gateway's HTTP client")?;
        Ok(Self { client, url, token })
    }
}

#[async_trait::async_trait]
impl PaymentGateway for HttpPaymentGateway {
    async fn delete_token(&self, token: &GatewayToken) -> anyhow::Result<()> {
        let url = format!(
            "{}/tokens/{}",
            self.url.as_ref(),
            utf8_percent_encode(token.as_str(), NON_ALPHANUMERIC)
        );
        let mut request = self.client.delete(url);
        if let Some(bearer) = &self.token {
            request = request.bearer_auth(bearer.expose_secret());
        }
        // The error's text would hold the URL, token included: say only what happened.
        let response = request.send().await.map_err(|error| {
            anyhow::anyhow!("the payment gateway did not answer ({})", kind(&error))
        })?;
        let status = response.status();
        // 404: the token is gone already, which is what was asked.
        if status.is_success() || status == reqwest::StatusCode::NOT_FOUND {
            Ok(())
        } else {
            anyhow::bail!("the payment gateway answered {status} to a token deletion")
        }
    }
}

fn kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection refused or unreachable"
    } else {
        "request failed"
    }
}

/// The development gateway (no `PAYMENT_GATEWAY_URL`): logs that a token would be deleted,
/// without the token.
pub struct LogPaymentGateway;

#[async_trait::async_trait]
impl PaymentGateway for LogPaymentGateway {
    async fn delete_token(&self, _token: &GatewayToken) -> anyhow::Result<()> {
        tracing::info!("PAYMENT_GATEWAY_URL is not set: a gateway token deletion is only logged");
        Ok(())
    }
}

/// What the outbox worker needs to carry out a token deletion written by this area: the
/// cipher that opens the sealed token, and the gateway.
#[derive(Clone)]
pub struct GatewayTokenDeletions {
    cipher: TokenCipher,
    gateway: Arc<dyn PaymentGateway>,
}

impl GatewayTokenDeletions {
    /// Deletions through `gateway`, opening tokens with `cipher`.
    pub fn new(cipher: TokenCipher, gateway: Arc<dyn PaymentGateway>) -> Self {
        Self { cipher, gateway }
    }

    /// Deletes the token `sealed` holds at the gateway.
    pub async fn delete(&self, sealed: &str) -> anyhow::Result<()> {
        let token = self.cipher.open(sealed)?;
        self.gateway.delete_token(&token).await
    }
}
