//! Login's defences: failed logins counted per e-mail address, per session and per client IP in
//! the shared limiter (`limits`), a doubling wait past the free attempts, and a captcha past
//! `CAPTCHA_AFTER_FAILURES` for the address or the session. The login handler calls
//! [`LoginGuard::admit`] before any password is checked, then [`LoginGuard::failed`] or
//! [`LoginGuard::passed`]; registration calls [`admit_registration`].
//!
//! A refused attempt costs one read of the counts and no password verification. A solved
//! captcha lets one attempt past every wait: whoever knows the password gets in even while an
//! attacker keeps the address's wait running, so nobody can lock a customer out. Unknown and
//! known addresses are counted and answered alike.

use std::net::IpAddr;

use super::{Customer, Email};
use crate::{
    captcha,
    http::{ApiError, Requester, error::ThrottledBody},
    limits::{Blocked, Count},
    security_events::{self, LoginOutcome, SecurityEventKind},
    sessions::Session,
    state::AppState,
};

/// Where a login is posted: where the captcha sends the client back to.
const LOGIN_PATH: &str = "/users/login/";
const REGISTRATION_PATH: &str = "/users/registration/";

/// The counts of one login attempt.
pub struct LoginGuard {
    /// The address's, and the session's when the visitor came with one.
    account: Vec<Count>,
    /// The client IP's, when it is known.
    client_ip: Option<Count>,
    /// Whether the attempt goes on on a solved captcha's pass (past any wait).
    on_captcha_pass: bool,
}

impl LoginGuard {
    /// Lets the attempt go on to the password check, or answers for it: the captcha-required
    /// body when the address or the session has failed `CAPTCHA_AFTER_FAILURES` times, or 429
    /// with `Retry-After` while one of the counts waits — unless the session holds a solved
    /// captcha, which this attempt uses up.
    pub async fn admit(
        state: &AppState,
        session: &Session,
        client_ip: Option<IpAddr>,
        email: &Email,
    ) -> Result<Self, ApiError> {
        let budgets = state.limits.budgets();
        let mut account = vec![budgets.login_account.count("email", &email.lowercase())];
        account.extend(
            session
                .stored_id()
                .await?
                .map(|id| budgets.login_account.count_session(&id)),
        );
        let mut guard = Self {
            account,
            client_ip: client_ip.map(|ip| budgets.login_client_ip.count_client_ip(ip)),
            on_captcha_pass: false,
        };
        if captcha::take_pass(session).await? {
            guard.on_captcha_pass = true;
            return Ok(guard);
        }
        let standings = state.limits.check(&guard.counts()).await?;
        let account_failures = standings
            .iter()
            .take(guard.account.len())
            .map(|standing| standing.hits)
            .max()
            .unwrap_or_default();
        // Before the wait: the customer behind a waiting address gets a way in.
        if state.captcha.needed_after(account_failures) {
            security_events::count_login(LoginOutcome::CaptchaRequired);
            return Err(captcha::required(LOGIN_PATH));
        }
        if let Some(blocked) = Blocked::among(&standings) {
            security_events::count_login(LoginOutcome::Throttled);
            return Err(blocked.into_error(ThrottledBody::Form));
        }
        Ok(guard)
    }

    /// Counts a failed attempt (a wrong password or an unknown address). The failure that makes
    /// `account`'s address need a captcha, or that starts its wait, goes in its security log:
    /// once per crossing, so an attack on an address cannot fill the customer's log.
    pub async fn failed(
        self,
        state: &AppState,
        account: Option<&Customer>,
        requester: &Requester,
    ) -> Result<(), ApiError> {
        let standings = state.limits.record(&self.counts()).await?;
        let (Some(customer), Some(address)) = (account, standings.first()) else {
            return Ok(());
        };
        let captcha_now = state.captcha.needed_after(address.hits)
            && !state.captcha.needed_after(address.hits.saturating_sub(1));
        let wait_starts = address.retry_after.is_some() && !self.on_captcha_pass;
        let kind = if captcha_now {
            SecurityEventKind::CaptchaRequired
        } else if wait_starts {
            SecurityEventKind::Throttled
        } else {
            return Ok(());
        };
        let now = state.clock.now();
        let transaction = state.db.write().await?;
        security_events::record(&transaction, customer.id, kind, requester, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The password was right: the address's and the session's failures are forgotten (the
    /// client IP's are not: it may be shared with an attacker's other attempts). A captcha this
    /// attempt got in on goes in `customer`'s security log: solved on the captcha page, it is
    /// known as the customer's only now.
    pub async fn passed(
        self,
        state: &AppState,
        customer: &Customer,
        requester: &Requester,
    ) -> Result<(), ApiError> {
        state.limits.forget(&self.account).await?;
        if self.on_captcha_pass {
            let now = state.clock.now();
            let transaction = state.db.write().await?;
            let kind = SecurityEventKind::CaptchaSolved;
            security_events::record(&transaction, customer.id, kind, requester, now).await?;
            transaction.commit().await?;
        }
        Ok(())
    }

    fn counts(&self) -> Vec<Count> {
        self.account
            .iter()
            .chain(&self.client_ip)
            .cloned()
            .collect()
    }
}

/// Lets a registration go on, or answers for it: the captcha-required body when
/// `CAPTCHA_ON_REGISTRATION=always` and the session holds no solved captcha (a solved one is
/// used up), or 429 past `REGISTRATION_ATTEMPTS` of the session or the client IP.
pub async fn admit_registration(
    state: &AppState,
    session: &Session,
    client_ip: Option<IpAddr>,
) -> Result<(), ApiError> {
    if state.captcha.needed_for_registration() && !captcha::take_pass(session).await? {
        return Err(captcha::required(REGISTRATION_PATH));
    }
    let budget = &state.limits.budgets().registration;
    state
        .limits
        .take_for_visitor(budget, session, client_ip, None, ThrottledBody::Form)
        .await
}
