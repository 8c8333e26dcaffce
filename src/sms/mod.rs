//! Sending one text message: the [`SmsSender`] trait, its HTTP gateway adapter
//! (`SMS_GATEWAY_URL`, `SMS_GATEWAY_TOKEN`) and the development adapter that writes messages to
//! the log. Areas never call a sender: they enqueue messages in the outbox
//! (`crate::outbox::enqueue_sms`), whose worker hands them to the sender chosen at start.

use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::accounts::PhoneNumber;

/// How long one request to the gateway may take: well under the outbox's lease on a message,
/// so a slow gateway cannot make two workers send the same one.
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(15);

/// A text message as an area writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingSms {
    /// The recipient.
    pub to: PhoneNumber,
    /// The text; it may hold a one-time code, so it is never logged by the outbox.
    pub text: String,
}

/// Hands one message to whatever delivers it. `Ok` means the message was accepted and must not
/// be sent again; an error means it was not, and may be retried.
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `sms`.
    async fn send(&self, sms: &OutgoingSms) -> anyhow::Result<()>;
}

/// What the gateway receives.
#[derive(Serialize)]
struct GatewayRequest<'a> {
    /// E.164, e.g. `+905321234567`.
    to: &'a str,
    message: &'a str,
}

/// Delivers through an HTTP gateway: a JSON `POST {"to", "message"}` to `SMS_GATEWAY_URL`
/// with `Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx answer is an acceptance.
pub struct HttpSmsSender {
    client: reqwest::Client,
    url: reqwest::Url,
    token: SecretString,
}

impl HttpSmsSender {
    /// The sender posting to `url` with `token`.
    pub fn new(url: reqwest::Url, token: SecretString) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(GATEWAY_TIMEOUT)
            .build()
            .context("building the SMS gateway's HTTP client")?;
        Ok(Self { client, url, token })
    }
}

#[async_trait::async_trait]
impl SmsSender for HttpSmsSender {
    async fn send(&self, sms: &OutgoingSms) -> anyhow::Result<()> {
        let request = GatewayRequest {
            to: sms.to.e164(),
            message: &sms.text,
        };
        self.client
            .post(self.url.clone())
            .bearer_auth(self.token.expose_secret())
            .json(&request)
            .send()
            .await
            // Without the URL: reqwest's error names it, and a gateway may take its key there.
            .map_err(reqwest::Error::without_url)
            .context("posting to the SMS gateway")?
            .error_for_status()
            .map_err(reqwest::Error::without_url)
            .context("the SMS gateway refused the message")?;
        Ok(())
    }
}

/// The development default (no `SMS_GATEWAY_URL`): writes each message to the log at info level
/// and counts it as sent.
///
/// The text is logged whole, one-time code included. A code is a secret, but this adapter
/// exists for a machine without a phone network, where reading the log is the only way to
/// finish a registration or login with OTP: only its hash is stored. Start-up warns that codes
/// go to the log; a deployment sets `SMS_GATEWAY_URL`. The number is shortened to its last
/// digits, which tell a developer's test phones apart without copying customers' numbers into
/// a log that lives longer than any code.
pub struct LogSmsSender;

#[async_trait::async_trait]
impl SmsSender for LogSmsSender {
    async fn send(&self, sms: &OutgoingSms) -> anyhow::Result<()> {
        tracing::info!(
            to = %masked(sms.to.e164()),
            text = %sms.text,
            "SMS (SMS_GATEWAY_URL is not set, so it is only logged)"
        );
        Ok(())
    }
}

/// `+********4567`: the last four digits of an E.164 number.
fn masked(e164: &str) -> String {
    let last_four = e164.get(e164.len().saturating_sub(4)..).unwrap_or_default();
    format!("+{}{last_four}", "*".repeat(e164.len().saturating_sub(5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_number_keeps_only_its_last_four_digits() {
        assert_eq!(masked("+905321234567"), "+********4567");
    }
}
