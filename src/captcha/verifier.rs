//! Checking a captcha answer: the [`CaptchaVerifier`] trait, the siteverify adapter (the protocol
//! reCAPTCHA, hCaptcha and Turnstile share) and the development one.

use std::{net::IpAddr, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The token the development verifier accepts.
pub const DEVELOPMENT_TOKEN: &str = "dev-pass";

/// How long a siteverify call may take: a login waits on it.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Says whether a captcha answer is a solved one.
#[async_trait]
pub trait CaptchaVerifier: Send + Sync {
    /// Whether `response` (the widget's token) is valid for a visitor at `client_ip`; an error
    /// when the verifier could not tell.
    async fn verify(&self, response: &str, client_ip: Option<IpAddr>) -> anyhow::Result<bool>;
}

/// A siteverify endpoint: a form `POST` of `secret`, `response` and `remoteip`, answered with
/// JSON `{"success": bool, …}`.
pub struct SiteVerify {
    client: reqwest::Client,
    url: String,
    secret: SecretString,
}

impl SiteVerify {
    /// Verifies at `url` with `secret`.
    pub fn new(url: String, secret: SecretString) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .context("building the captcha verifier's HTTP client")?;
        Ok(Self {
            client,
            url,
            secret,
        })
    }
}

#[derive(Deserialize)]
struct SiteVerifyAnswer {
    success: bool,
}

#[async_trait]
impl CaptchaVerifier for SiteVerify {
    async fn verify(&self, response: &str, client_ip: Option<IpAddr>) -> anyhow::Result<bool> {
        let mut form = vec![
            ("secret", self.secret.expose_secret().to_owned()),
            ("response", response.to_owned()),
        ];
        form.extend(client_ip.map(|ip| ("remoteip", ip.to_string())));
        let answer: SiteVerifyAnswer = self
            .client
            .post(&self.url)
            .form(&form)
            .send()
            .await
            .context("calling the captcha verifier")?
            .error_for_status()
            .context("the captcha verifier answered with an error")?
            .json()
            .await
            .context("reading the captcha verifier's answer")?;
        Ok(answer.success)
    }
}

/// Development: [`DEVELOPMENT_TOKEN`] passes, anything else fails; each check is logged.
pub struct DevelopmentVerifier;

#[async_trait]
impl CaptchaVerifier for DevelopmentVerifier {
    async fn verify(&self, response: &str, _client_ip: Option<IpAddr>) -> anyhow::Result<bool> {
        let passed = response == DEVELOPMENT_TOKEN;
        tracing::info!(
            passed,
            "development captcha verifier (passes `{DEVELOPMENT_TOKEN}`)"
        );
        Ok(passed)
    }
}
