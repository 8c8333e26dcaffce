//! The customer's security log (no Akinon peer has one; Shopify, Ory Kratos and commercetools
//! do in part): what happened to the account, when, from which IP and user agent, so that a
//! customer can spot a login or a change that was not theirs.
//!
//! Endpoint: `GET /users/security-events/` (paginated, newest first).
//!
//! Other areas write to it through [`record`], on the transaction of the change the event
//! records, so an event is stored if and only if its change is. Failed logins against unknown
//! e-mails name no customer: they are for operators only, a log line and the `logins_total`
//! metric ([`record_failed_login`]), never a row a customer can read. Anonymisation erases the
//! log ([`forget_customer`]); the data export shows it ([`SecurityEventsSection`]).

mod entity;
mod export;
mod queries;
mod routes;
mod types;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use utoipa_axum::{router::OpenApiRouter, routes};

use self::types::SecurityEventView;
pub use self::{export::SecurityEventsSection, types::SecurityEventKind};
use crate::{
    accounts::Customer,
    http::{
        ApiError, Requester,
        pagination::{ListRequest, Page, PageRequest},
    },
    state::AppState,
};

/// Events on a page unless the client asks for another size, and the most it may ask for.
const PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;

/// The Prometheus counter of login attempts, by `outcome`.
const LOGINS_METRIC: &str = "storefront_logins_total";

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(routes::list_security_events))
}

/// Adds `kind` to the log of customer `user_id`, on `db`: the transaction of the change the
/// event records (or, for an event that changes nothing, such as a failed login, a write of its
/// own). `requester` is whoever sent the request; `now` is the change's time.
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: SecurityEventKind,
    requester: &Requester,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    queries::insert_event(db, user_id, kind, requester, now).await
}

/// How a login attempt ended, as `/metrics` counts them.
#[derive(Clone, Copy, Debug)]
pub enum LoginOutcome {
    /// Logged in.
    Success,
    /// The account exists; the password was wrong.
    WrongPassword,
    /// No account has the e-mail.
    UnknownEmail,
    /// Answered with the captcha-required body before any password check.
    CaptchaRequired,
    /// Refused while a wait runs, before any password check.
    Throttled,
}

/// Counts a login attempt in `/metrics`.
pub fn count_login(outcome: LoginOutcome) {
    let outcome = match outcome {
        LoginOutcome::Success => "success",
        LoginOutcome::WrongPassword => "wrong_password",
        LoginOutcome::UnknownEmail => "unknown_email",
        LoginOutcome::CaptchaRequired => "captcha_required",
        LoginOutcome::Throttled => "throttled",
    };
    metrics::counter!(LOGINS_METRIC, "outcome" => outcome).increment(1);
}

/// Records a login that failed on its password: in the log of `account` when an account has
/// the e-mail, else only for operators (a log line with the e-mail and the IP, never the
/// password). Counted in `/metrics` either way.
pub async fn record_failed_login(
    state: &AppState,
    account: Option<&Customer>,
    email: &str,
    requester: &Requester,
) -> Result<(), ApiError> {
    match account {
        Some(customer) => {
            count_login(LoginOutcome::WrongPassword);
            let now = state.clock.now();
            record(
                &state.db.write_one(),
                customer.id,
                SecurityEventKind::LoginFailed,
                requester,
                now,
            )
            .await?;
        }
        None => {
            count_login(LoginOutcome::UnknownEmail);
            tracing::info!(
                email,
                ip = requester.ip.map(tracing::field::display),
                "failed login for an unknown e-mail"
            );
        }
    }
    Ok(())
}

/// Erases the log of customer `user_id`, in the anonymisation's transaction.
pub async fn forget_customer(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    queries::delete_events(db, user_id).await
}

/// One page of `customer`'s log, newest first.
async fn list_page(
    db: &impl ConnectionTrait,
    customer: &Customer,
    request: &ListRequest,
) -> Result<Page<SecurityEventView>, ApiError> {
    let paging = PageRequest::from_params(&request.params, Some(PAGE_SIZE), Some(MAX_PAGE_SIZE))?;
    let count = queries::count_events(db, customer.id).await?;
    let (number, window) = paging.window(count)?;
    let events = queries::list_events(db, customer.id, Some(window)).await?;
    let views = events.into_iter().map(SecurityEventView::from).collect();
    Ok(Page::new(count, number, &paging, request, views))
}
