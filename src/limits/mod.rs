//! The shared limiter: named budgets of attempts, counted per subject (an e-mail address, a
//! session, a client IP, a phone number, an order number) in a store all instances share — the
//! database by default, Redis with `RATE_LIMIT_STORE=redis://…`. It knows no business: an area
//! names the budget and the subjects, and decides what an attempt is. No endpoints.
//!
//! Two kinds of budget, each sized by configuration:
//! - *doubling* (failed logins): the first `allowed` attempts are free, then each further one
//!   waits twice as long as the one before, from 1 s up to 1 hour; the count is forgotten an
//!   hour after its last wait ends, or at once by [`Limiter::forget`] (a successful login);
//! - *window* (everything else): `allowed` attempts per hour from the first one, then every
//!   attempt is refused until that hour has passed.
//!
//! Subjects are kept only as SHA-256 hashes. A count is one atomic step on the store (one
//! upsert, or one Lua script in Redis), so instances never lose an attempt to a race; a request
//! that is refused costs one read and nothing else. Expired counts are purged hourly.
//!
//! How an area uses it (`state.limits`, `budgets = state.limits.budgets()`):
//! - attempts that all count (registration, password reset and resend mails, **OTP sending**):
//!   one call before the work, which counts the attempt and refuses it when over budget:
//!   ```ignore
//!   let budget = &state.limits.budgets().otp_sending;
//!   let phone = Some(("phone", phone.as_ref()));
//!   // 429 + Retry-After when over budget:
//!   state.limits.take_for_visitor(budget, &session, client_ip, phone, ThrottledBody::Form).await?;
//!   ```
//! - attempts that count only when they fail (**OTP checking**, **guest order lookup**):
//!   refuse while blocked *before* comparing anything (so a right code or a right pair is
//!   refused too, and costs no work), count the failure afterwards:
//!   ```ignore
//!   let budget = &state.limits.budgets().guest_order_lookup;
//!   let mut counts = budget.for_visitor(&session, client_ip).await?;
//!   counts.push(budget.count("order", order_number.as_ref()));
//!   state.limits.refuse_if_blocked(&counts, ThrottledBody::Detail).await?;
//!   if !found { state.limits.record(&counts).await?; return Err(ApiError::NotFound); }
//!   ```
//!   (`otp_checking` the same, with `count("phone", …)`).
//!
//! A visitor is counted per session only when it came with one: a request without a session
//! would start a new one each time, and creating a session per refused attempt would make an
//! attack cost writes. (The storefront's login form gets its session from the captcha page,
//! which it loads whenever the form mounts.)

mod config;
mod entity;
mod queries;
mod redis;
mod store;

use std::{net::IpAddr, sync::Arc, time::Duration};

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

pub use self::config::{LimitsConfig, RateLimitStoreUrl};
use self::store::{Counter, CounterStore, Rule};
use crate::{
    clock::Clock,
    db::Database,
    http::{ApiError, error::ThrottledBody},
    sessions::{Session, StorageId},
    tasks::BackgroundTasks,
};

/// How long a window lasts, and how long a doubling count outlives its last wait.
const PERIOD: Duration = Duration::from_secs(3600);
/// The first wait of a doubling budget.
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait of a doubling budget.
const LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// How often forgotten counts are deleted from the database.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

const THROTTLED: &str = "storefront_throttled_requests_total";

/// One named budget of attempts.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    name: &'static str,
    rule: Rule,
}

impl Budget {
    fn doubling(name: &'static str, free: u32) -> Self {
        Self::new(name, free, FIRST_WAIT)
    }

    fn window(name: &'static str, allowed: u32) -> Self {
        Self::new(name, allowed, Duration::ZERO)
    }

    fn new(name: &'static str, allowed: u32, first_wait: Duration) -> Self {
        Self {
            name,
            rule: Rule {
                allowed: i64::from(allowed),
                period_ms: millis(PERIOD),
                first_wait_ms: millis(first_wait),
                longest_wait_ms: millis(LONGEST_WAIT),
            },
        }
    }

    /// The count of this budget for `subject`, a value of `kind` (`email`, `phone`, `order`):
    /// kept only as a hash, so the store holds no address or number.
    pub fn count(&self, kind: &str, subject: &str) -> Count {
        Count {
            budget: *self,
            key: format!(
                "{}:{kind}:{}",
                self.name,
                hex::encode(Sha256::digest(subject))
            ),
        }
    }

    /// The count of a stored session ([`Session::stored_id`]).
    pub fn count_session(&self, session: &StorageId) -> Count {
        self.count("session", session.as_ref())
    }

    /// The count of a client IP.
    pub fn count_client_ip(&self, client_ip: IpAddr) -> Count {
        self.count("ip", &client_ip.to_string())
    }

    /// The counts of a visitor: its session's when it has one, its client IP's when known.
    pub async fn for_visitor(
        &self,
        session: &Session,
        client_ip: Option<IpAddr>,
    ) -> anyhow::Result<Vec<Count>> {
        let session = session.stored_id().await?;
        Ok(session
            .map(|id| self.count_session(&id))
            .into_iter()
            .chain(client_ip.map(|ip| self.count_client_ip(ip)))
            .collect())
    }
}

/// Every budget of the application, sized by [`LimitsConfig`].
#[derive(Clone, Debug)]
pub struct Budgets {
    /// Failed logins per e-mail address and per session (`LOGIN_FREE_ATTEMPTS`).
    pub login_account: Budget,
    /// Failed logins per client IP (`LOGIN_IP_FREE_ATTEMPTS`).
    pub login_client_ip: Budget,
    /// Registrations (`REGISTRATION_ATTEMPTS`).
    pub registration: Budget,
    /// Password reset and confirmation resend requests (`MAIL_REQUEST_ATTEMPTS`).
    pub mail_requests: Budget,
    /// One-time codes sent (`OTP_SEND_ATTEMPTS`).
    pub otp_sending: Budget,
    /// Wrong one-time codes (`OTP_CHECK_ATTEMPTS`).
    pub otp_checking: Budget,
    /// Failed guest order lookups (`GUEST_ORDER_LOOKUP_ATTEMPTS`).
    pub guest_order_lookup: Budget,
}

impl Budgets {
    fn new(config: &LimitsConfig) -> Self {
        Self {
            login_account: Budget::doubling("login", config.login_free_attempts),
            login_client_ip: Budget::doubling("login_ip", config.login_ip_free_attempts),
            registration: Budget::window("registration", config.registration_attempts),
            mail_requests: Budget::window("mail_requests", config.mail_request_attempts),
            otp_sending: Budget::window("otp_sending", config.otp_send_attempts),
            otp_checking: Budget::window("otp_checking", config.otp_check_attempts),
            guest_order_lookup: Budget::window(
                "guest_order_lookup",
                config.guest_order_lookup_attempts,
            ),
        }
    }
}

/// One budget's count for one subject.
#[derive(Clone, Debug)]
pub struct Count {
    budget: Budget,
    key: String,
}

/// Where one count stands.
#[derive(Clone, Copy, Debug)]
pub struct Standing {
    budget: &'static str,
    /// Attempts counted and not yet forgotten.
    pub hits: u32,
    /// How long the subject is still refused; `None` when it is not.
    pub retry_after: Option<Duration>,
}

/// A refusal: the longest wait among the counts of a request.
#[derive(Clone, Copy, Debug)]
pub struct Blocked {
    budget: &'static str,
    retry_after: Duration,
}

impl Blocked {
    /// The longest-refused of `standings`, if any is refused.
    pub fn among(standings: &[Standing]) -> Option<Self> {
        standings
            .iter()
            .filter_map(|standing| {
                standing.retry_after.map(|retry_after| Self {
                    budget: standing.budget,
                    retry_after,
                })
            })
            .max_by_key(|blocked| blocked.retry_after)
    }

    /// The 429 with `Retry-After` and `body`; counted in the throttled requests' metric.
    pub fn into_error(self, body: ThrottledBody) -> ApiError {
        metrics::counter!(THROTTLED, "budget" => self.budget).increment(1);
        ApiError::TooManyRequests {
            retry_after: self.retry_after,
            body,
        }
    }
}

/// The limiter: the store, the clock, the budgets. Cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Inner>,
}

struct Inner {
    store: Box<dyn CounterStore>,
    clock: Clock,
    budgets: Budgets,
}

impl Limiter {
    /// Opens the store named by `RATE_LIMIT_STORE`.
    pub async fn from_config(
        config: &LimitsConfig,
        db: Database,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let store: Box<dyn CounterStore> = match &config.rate_limit_store {
            RateLimitStoreUrl::Database => Box::new(queries::DatabaseStore::new(db)),
            RateLimitStoreUrl::Redis(url) => Box::new(
                redis::RedisStore::connect(
                    url.expose_secret(),
                    config.rate_limit_redis_prefix.clone(),
                )
                .await?,
            ),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                clock,
                budgets: Budgets::new(config),
            }),
        })
    }

    /// The application's budgets.
    pub fn budgets(&self) -> &Budgets {
        &self.inner.budgets
    }

    fn now(&self) -> i64 {
        self.inner.clock.now().timestamp_millis()
    }

    /// Where `counts` stand now, in order; one read.
    pub async fn check(&self, counts: &[Count]) -> anyhow::Result<Vec<Standing>> {
        let now = self.now();
        let keys: Vec<&str> = counts.iter().map(|count| count.key.as_str()).collect();
        let counters = self.inner.store.read(&keys, now).await?;
        Ok(counts
            .iter()
            .zip(counters)
            .map(|(count, counter)| standing(count, &counter, now))
            .collect())
    }

    /// The 429 (with `body`) when one of `counts` is refused now; else where they stand.
    pub async fn refuse_if_blocked(
        &self,
        counts: &[Count],
        body: ThrottledBody,
    ) -> Result<Vec<Standing>, ApiError> {
        let standings = self.check(counts).await?;
        match Blocked::among(&standings) {
            Some(blocked) => Err(blocked.into_error(body)),
            None => Ok(standings),
        }
    }

    /// Counts one attempt (a failure) on each of `counts`; where they stand after it.
    pub async fn record(&self, counts: &[Count]) -> anyhow::Result<Vec<Standing>> {
        let now = self.now();
        let mut standings = Vec::with_capacity(counts.len());
        for count in counts {
            let counter = self
                .inner
                .store
                .hit(&count.key, &count.budget.rule, now)
                .await?;
            standings.push(standing(count, &counter, now));
        }
        Ok(standings)
    }

    /// Counts this attempt on each of `counts` and refuses it (429 with `body`) when that takes
    /// one of them past its budget. For budgets where every attempt counts.
    pub async fn take(&self, counts: &[Count], body: ThrottledBody) -> Result<(), ApiError> {
        let now = self.now();
        let mut refused = None;
        for count in counts {
            let counter = self
                .inner
                .store
                .hit(&count.key, &count.budget.rule, now)
                .await?;
            if counter.hits > count.budget.rule.allowed {
                let retry_after = wait_until(counter.blocked_until_ms, now).unwrap_or_default();
                if refused.is_none_or(|longest: Blocked| longest.retry_after < retry_after) {
                    refused = Some(Blocked {
                        budget: count.budget.name,
                        retry_after,
                    });
                }
            }
        }
        match refused {
            Some(blocked) => Err(blocked.into_error(body)),
            None => Ok(()),
        }
    }

    /// [`Self::take`] on `budget` for the visitor (its session and client IP) and, when given, a
    /// `(kind, value)` subject such as `("email", address)`.
    pub async fn take_for_visitor(
        &self,
        budget: &Budget,
        session: &Session,
        client_ip: Option<IpAddr>,
        subject: Option<(&str, &str)>,
        body: ThrottledBody,
    ) -> Result<(), ApiError> {
        let mut counts = budget.for_visitor(session, client_ip).await?;
        counts.extend(subject.map(|(kind, value)| budget.count(kind, value)));
        self.take(&counts, body).await
    }

    /// Forgets `counts` (a success that clears the failures before it).
    pub async fn forget(&self, counts: &[Count]) -> anyhow::Result<()> {
        let keys: Vec<&str> = counts.iter().map(|count| count.key.as_str()).collect();
        self.inner.store.forget(&keys).await
    }

    /// Deletes forgotten counts; how many.
    pub async fn purge_expired(&self) -> anyhow::Result<u64> {
        self.inner.store.purge_expired(self.now()).await
    }
}

fn standing(count: &Count, counter: &Counter, now: i64) -> Standing {
    Standing {
        budget: count.budget.name,
        hits: u32::try_from(counter.hits).unwrap_or(u32::MAX),
        retry_after: wait_until(counter.blocked_until_ms, now),
    }
}

/// The time from `now` to `until` (milliseconds since the epoch), if `until` is later.
fn wait_until(until: i64, now: i64) -> Option<Duration> {
    u64::try_from(until - now)
        .ok()
        .filter(|millis| *millis > 0)
        .map(Duration::from_millis)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Deletes forgotten counts hourly, for as long as the server runs.
pub fn spawn_purge_task(tasks: &BackgroundTasks, limiter: Limiter) {
    tasks.every("rate limit purge", PURGE_INTERVAL, move || {
        let limiter = limiter.clone();
        async move {
            match limiter.purge_expired().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "purged forgotten rate limit counts"),
                Err(error) => tracing::warn!(error = ?error, "purging rate limit counts failed"),
            }
        }
    });
}
