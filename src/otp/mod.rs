//! SMS one-time codes: the second step of a registration with `REGISTRATION_OTP` (auth.md §4.3)
//! and of a login with `LOGIN_OTP` (§8), and the login by phone alone. A code is six digits,
//! stored hashed, valid `OTP_TTL`, void after three wrong tries; one phone gets one SMS a
//! minute at most. Entering a code sent to a phone verifies that phone on the account, which is
//! what the login by phone asks for. Codes leave through the outbox.
//!
//! Endpoint: `POST /users/login/otp/`. The registration and login handlers (accounts) call
//! [`verify_registration`] and [`verify_login`].

mod entity;
mod queries;
mod routes;
mod types;

use std::time::Duration;

use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, DbErr};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::types::OtpCode;
use self::types::{Purpose, Verdict};
use crate::{
    accounts::{self, Customer, PhoneNumber},
    config::LoginOtp,
    http::{
        ApiError, FieldErrors, Requester,
        error::{NON_FIELD_ERRORS, ThrottledBody},
    },
    languages::RequestLanguage,
    limits::Count,
    outbox::{self, OutgoingSms},
    security_events::{self, SecurityEventKind},
    state::AppState,
};

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(routes::log_in_with_phone))
}

/// One SMS per phone this often at most (auth.md §4.3), whatever the purpose: a form anyone
/// can submit must not be a way to flood a phone, or the shop's SMS bill.
const RESEND_PERIOD: Duration = Duration::from_secs(60);

/// How long an expired code is kept before a later send deletes it: meanwhile, entering it
/// still answers "expired" rather than "invalid".
const EXPIRED_KEPT: Duration = Duration::from_secs(3600);

/// The outbox throttle's name for code messages.
const THROTTLE_PURPOSE: &str = "otp_sms";

/// The registration's code step, when `REGISTRATION_OTP` is on (the form then requires a
/// phone): without a code, one is sent to `phone` and the answer is 202; with one, it is
/// checked. The verified phone, `None` when the setting is off. Call it once every other field
/// is known valid: no SMS goes out for a registration that would fail anyway.
pub async fn verify_registration(
    state: &AppState,
    phone: Option<&PhoneNumber>,
    code: Option<&OtpCode>,
    language: &RequestLanguage,
) -> Result<Option<PhoneNumber>, ApiError> {
    let Some(phone) = phone.filter(|_| state.settings.registration_otp) else {
        return Ok(None);
    };
    let Some(code) = code else {
        send_code(
            state,
            Purpose::Registration,
            phone,
            language.as_str(),
            true,
            None,
        )
        .await?;
        return Err(code_sent());
    };
    let guesses = refuse_if_guessing(state, phone).await?;
    let transaction = state.db.write().await?;
    let verdict = spend_code(state, &transaction, Purpose::Registration, phone, code).await?;
    transaction.commit().await?;
    count_guess(state, &guesses, verdict).await?;
    answer_form(verdict)?;
    Ok(Some(phone.clone()))
}

/// The login's code step, for a customer whose password checked out, when `LOGIN_OTP` asks it
/// of this account (`all`, or `attributes.login_otp` under `per-account`) and it has a phone:
/// without a code, one is sent and the answer is 202; with one, it is checked, and a right one
/// verifies the phone. `Ok` when the login may go on.
pub async fn verify_login(
    state: &AppState,
    customer: &Customer,
    code: Option<&OtpCode>,
    language: &RequestLanguage,
    requester: &Requester,
) -> Result<(), ApiError> {
    let asked = match state.settings.login_otp {
        LoginOtp::Off => false,
        LoginOtp::PerAccount => customer.attributes.get("login_otp") == Some(&true.into()),
        LoginOtp::All => true,
    };
    // An account without a phone has nowhere to receive a code.
    let Some(phone) = customer.phone.as_ref().filter(|_| asked) else {
        return Ok(());
    };
    let Some(code) = code else {
        let language = state
            .settings
            .mail_language(customer.language_code.as_ref().map(AsRef::as_ref), language);
        let account = Some((customer.id, requester));
        send_code(state, Purpose::Login, phone, language, true, account).await?;
        return Err(code_sent());
    };
    let guesses = refuse_if_guessing(state, phone).await?;
    let transaction = state.db.write().await?;
    let verdict = spend_code(state, &transaction, Purpose::Login, phone, code).await?;
    let now = state.clock.now();
    let verified = if verdict == Verdict::Accepted && customer.verified_phone().is_none() {
        accounts::queries::mark_phone_verified(&transaction, customer.id, phone, now).await?
    } else {
        None
    };
    if verdict == Verdict::Accepted {
        let kind = SecurityEventKind::OtpVerified;
        security_events::record(&transaction, customer.id, kind, requester, now).await?;
    }
    transaction.commit().await?;
    count_guess(state, &guesses, verdict).await?;
    if let Some(verified) = verified {
        state.customers.remember(verified);
    }
    answer_form(verdict)
}

/// The login by phone's first step: a code to `phone` if it is the verified phone of an active
/// account. The same answer and nearly the same work otherwise (the resend throttle counts
/// every phone asked for), so the answer tells nobody whose phone it is.
async fn send_phone_login_code(
    state: &AppState,
    phone: &PhoneNumber,
    language: &RequestLanguage,
    requester: &Requester,
) -> Result<(), ApiError> {
    let customer = accounts::queries::find_by_verified_phone(state.db.read(), phone).await?;
    let language = customer.as_ref().map_or(language.as_str(), |customer| {
        state
            .settings
            .mail_language(customer.language_code.as_ref().map(AsRef::as_ref), language)
    });
    let account = customer.as_ref().map(|customer| (customer.id, requester));
    send_code(
        state,
        Purpose::PhoneLogin,
        phone,
        language,
        customer.is_some(),
        account,
    )
    .await
}

/// The login by phone's second step: the account of `phone` when `code` is the one sent to it;
/// any fault (wrong, expired, spent, no such account) is one 406 answer.
async fn check_phone_login_code(
    state: &AppState,
    phone: &PhoneNumber,
    code: &OtpCode,
    requester: &Requester,
) -> Result<Customer, ApiError> {
    let customer = accounts::queries::find_by_verified_phone(state.db.read(), phone).await?;
    let guesses = refuse_if_guessing(state, phone).await?;
    let transaction = state.db.write().await?;
    let verdict = spend_code(state, &transaction, Purpose::PhoneLogin, phone, code).await?;
    if let Some(customer) = customer.as_ref().filter(|_| verdict == Verdict::Accepted) {
        let kind = SecurityEventKind::OtpVerified;
        let now = state.clock.now();
        security_events::record(&transaction, customer.id, kind, requester, now).await?;
    }
    transaction.commit().await?;
    count_guess(state, &guesses, verdict).await?;
    match customer {
        Some(customer) if verdict == Verdict::Accepted => Ok(customer),
        _ => {
            let mut errors = FieldErrors::default();
            errors.add("code", "Invalid verification code.");
            Err(ApiError::Form(StatusCode::NOT_ACCEPTABLE, errors))
        }
    }
}

/// Issues a code for `purpose` and sends it to `phone` in `language` through the outbox, unless
/// a code went to that phone less than [`RESEND_PERIOD`] ago (a 400 then). With
/// `is_deliverable` false only the throttle runs: the caller answers the same either way. The
/// phone's budget (`OTP_SEND_ATTEMPTS` an hour) counts every request, deliverable or not. A code
/// sent to an `account`'s phone goes in its security log, with the requester.
async fn send_code(
    state: &AppState,
    purpose: Purpose,
    phone: &PhoneNumber,
    language: &str,
    is_deliverable: bool,
    account: Option<(i64, &Requester)>,
) -> Result<(), ApiError> {
    let budget = &state.limits.budgets().otp_sending;
    let counts = [budget.count("phone", phone.e164())];
    state.limits.take(&counts, ThrottledBody::Form).await?;
    let now = state.clock.now();
    let ttl = state.settings.otp_ttl;
    let code = OtpCode::generate();
    let sms = OutgoingSms {
        to: phone.clone(),
        text: message(&code, ttl, language),
    };
    let transaction = state.db.write().await?;
    if !outbox::pass_throttle(
        &transaction,
        THROTTLE_PURPOSE,
        phone.e164(),
        now,
        RESEND_PERIOD,
    )
    .await?
    {
        return Err(ApiError::non_field(
            "Please wait before requesting a new code.",
        ));
    }
    if is_deliverable {
        let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let long_expired = now - chrono::Duration::from_std(EXPIRED_KEPT).unwrap_or_default();
        queries::delete_expired_before(&transaction, long_expired).await?;
        queries::replace_code(
            &transaction,
            purpose,
            phone,
            code.hash(purpose, phone),
            now,
            expires_at,
        )
        .await?;
        outbox::enqueue_sms(&transaction, &sms, now).await?;
        if let Some((customer_id, requester)) = account {
            let kind = SecurityEventKind::OtpSent;
            security_events::record(&transaction, customer_id, kind, requester, now).await?;
        }
    }
    transaction.commit().await?;
    if is_deliverable {
        metrics::counter!("otp_codes_sent_total", "purpose" => purpose.as_str()).increment(1);
        tracing::info!(purpose = purpose.as_str(), "sent a one-time code");
    }
    Ok(())
}

/// Judges `code` against the outstanding code of `purpose` for `phone` on `transaction`: a
/// right one is spent, a wrong one counted. The caller commits (with what a right code
/// changes).
async fn spend_code(
    state: &AppState,
    transaction: &impl ConnectionTrait,
    purpose: Purpose,
    phone: &PhoneNumber,
    code: &OtpCode,
) -> Result<Verdict, DbErr> {
    let stored = queries::find_code_for_update(transaction, purpose, phone).await?;
    let verdict = stored.map_or(Verdict::Wrong, |stored| {
        stored.judge(code, purpose, phone, state.clock.now())
    });
    match verdict {
        Verdict::Accepted => queries::delete_code(transaction, purpose, phone).await?,
        Verdict::Wrong => queries::count_failed_attempt(transaction, purpose, phone).await?,
        Verdict::Expired => {}
    }
    tracing::info!(
        purpose = purpose.as_str(),
        ?verdict,
        "a one-time code was entered"
    );
    Ok(verdict)
}

/// The phone's count of wrong codes (`OTP_CHECK_ATTEMPTS` an hour), or the 429 while it is
/// spent: then even the right code is refused, before it is compared. Checked before the
/// caller's write transaction, since the counts may live in the same database.
async fn refuse_if_guessing(state: &AppState, phone: &PhoneNumber) -> Result<Vec<Count>, ApiError> {
    let counts = vec![
        state
            .limits
            .budgets()
            .otp_checking
            .count("phone", phone.e164()),
    ];
    state
        .limits
        .refuse_if_blocked(&counts, ThrottledBody::Form)
        .await?;
    Ok(counts)
}

/// Counts a wrong code against the phone's budget (after the caller's transaction ended).
async fn count_guess(state: &AppState, counts: &[Count], verdict: Verdict) -> Result<(), ApiError> {
    if verdict == Verdict::Wrong {
        state.limits.record(counts).await?;
    }
    Ok(())
}

/// A form's answer to `verdict` (auth.md §4.3): `Ok` for a right code, else the `code` error.
fn answer_form(verdict: Verdict) -> Result<(), ApiError> {
    match verdict {
        Verdict::Accepted => Ok(()),
        Verdict::Wrong => Err(ApiError::field("code", "Invalid verification code.")),
        Verdict::Expired => Err(ApiError::field("code", "Verification code has expired.")),
    }
}

/// 202: the form waits for the code just sent (the client's "otp" answer, auth.md §3.4).
fn code_sent() -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(
        NON_FIELD_ERRORS,
        "A verification code has been sent to your phone.",
    );
    ApiError::Form(StatusCode::ACCEPTED, errors)
}

/// The text carrying `code`, valid `ttl`, in `language` (Turkish, else English).
fn message(code: &OtpCode, ttl: Duration, language: &str) -> String {
    let minutes = ttl.as_secs().div_ceil(60);
    let code = code.as_ref();
    match language {
        "tr" => format!("Doğrulama kodunuz: {code}. Kod {minutes} dakika geçerlidir."),
        _ => format!("Your verification code is {code}. It is valid for {minutes} minutes."),
    }
}
