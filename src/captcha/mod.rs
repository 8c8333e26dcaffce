//! The captcha (auth.md §7): the page the client scrapes for the site key and a CSRF token, the
//! check of a solved captcha through a [`CaptchaVerifier`], and the session's pass that a solved
//! captcha gives: one login (or registration) attempt, taken by [`take_pass`].
//!
//! Endpoints: `GET|POST /users/pz-captcha/` (JSON, the @akinon/next client: never a 4xx, a
//! failed check re-renders the form) and `GET|POST /users/captcha/` (Akinon's documented HTML
//! page: a solved captcha redirects to `next`).

mod config;
mod routes;
mod types;
mod verifier;

use std::{net::IpAddr, sync::Arc};

use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{
    config::{CaptchaConfig, CaptchaOnRegistration, CaptchaVerifyUrl},
    verifier::{CaptchaVerifier, DevelopmentVerifier, SiteVerify},
};
use crate::{config::Environment, http::ApiError, sessions::Session, state::AppState};

/// The session's key for "a solved captcha not yet used" (Django's name for it).
const SESSION_CAPTCHA_VALIDATED: &str = "captcha_validated";

const SHOWN: &str = "storefront_captchas_shown_total";
const SOLVED: &str = "storefront_captchas_solved_total";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::get_pz_captcha, routes::solve_pz_captcha))
        .routes(routes!(
            routes::get_captcha_page,
            routes::solve_captcha_page
        ))
}

/// The captcha as configured: the verifier (none: captchas are never asked for), the site key
/// and when a captcha is asked for.
#[derive(Clone)]
pub struct Captcha {
    verifier: Option<Arc<dyn CaptchaVerifier>>,
    site_key: String,
    after_failures: u32,
    on_registration: CaptchaOnRegistration,
}

impl Captcha {
    /// The captcha `config` describes, or why it cannot be used in `environment`.
    pub fn from_config(config: &CaptchaConfig, environment: Environment) -> anyhow::Result<Self> {
        let verifier: Option<Arc<dyn CaptchaVerifier>> = match &config.captcha_verify_url {
            None => None,
            Some(CaptchaVerifyUrl::Development) => {
                if environment == Environment::Production {
                    anyhow::bail!(
                        "CAPTCHA_VERIFY_URL=dev accepts a fixed token: refused with STOREFRONT_ENV=production"
                    );
                }
                tracing::warn!("CAPTCHA_VERIFY_URL=dev: any captcha answered `dev-pass` passes");
                Some(Arc::new(DevelopmentVerifier))
            }
            Some(CaptchaVerifyUrl::SiteVerify(url)) => {
                let Some(secret) = config.captcha_secret.clone() else {
                    anyhow::bail!("CAPTCHA_SECRET is required when CAPTCHA_VERIFY_URL is a URL");
                };
                Some(Arc::new(SiteVerify::new(url.clone(), secret)?))
            }
        };
        Ok(Self {
            verifier,
            site_key: config.captcha_site_key.clone(),
            after_failures: config.captcha_after_failures,
            on_registration: config.captcha_on_registration,
        })
    }

    /// Whether `failures` failed logins of an e-mail address or a session call for a captcha.
    pub fn needed_after(&self, failures: u32) -> bool {
        self.verifier.is_some() && failures >= self.after_failures
    }

    /// Whether every registration needs a solved captcha.
    pub fn needed_for_registration(&self) -> bool {
        self.verifier.is_some() && self.on_registration == CaptchaOnRegistration::Always
    }
}

/// Takes the session's solved captcha, if it holds one: whether it did. A solved captcha allows
/// exactly one attempt, whatever its outcome.
pub async fn take_pass(session: &Session) -> Result<bool, ApiError> {
    let solved = session
        .get::<bool>(SESSION_CAPTCHA_VALIDATED)
        .await?
        .unwrap_or(false);
    if solved {
        session.insert(SESSION_CAPTCHA_VALIDATED, false).await?;
    }
    Ok(solved)
}

/// The answer that sends the client to the captcha, for a form posted to `next`
/// (`/users/login/`): 400 `{"redirect_url": "/users/pz-captcha/?next=…"}` (auth.md §3.4).
pub fn required(next: &str) -> ApiError {
    metrics::counter!(SHOWN).increment(1);
    ApiError::Redirect(format!("/users/pz-captcha/?next={next}"))
}

/// Checks `response` (the widget's token) and, when it is a solved captcha, gives the session a
/// pass; whether it did. A verifier that cannot be reached counts as a failed check: the
/// captcha stays required, and the visitor may try again.
async fn solve(
    state: &AppState,
    session: &Session,
    client_ip: Option<IpAddr>,
    response: Option<&str>,
) -> Result<bool, ApiError> {
    let (Some(verifier), Some(response)) = (&state.captcha.verifier, response) else {
        return Ok(false);
    };
    if response.is_empty() {
        return Ok(false);
    }
    let solved = match verifier.verify(response, client_ip).await {
        Ok(solved) => solved,
        Err(error) => {
            tracing::warn!(error = ?error, "the captcha could not be verified");
            false
        }
    };
    if solved {
        session.insert(SESSION_CAPTCHA_VALIDATED, true).await?;
        metrics::counter!(SOLVED).increment(1);
    }
    Ok(solved)
}

/// Makes sure the visitor has a session (the captcha's pass lives in it, and the login that
/// follows must meet it), without touching a pass it holds.
async fn keep_session(session: &Session) -> Result<(), ApiError> {
    if session
        .get::<bool>(SESSION_CAPTCHA_VALIDATED)
        .await?
        .is_none()
    {
        session.insert(SESSION_CAPTCHA_VALIDATED, false).await?;
    }
    Ok(())
}
