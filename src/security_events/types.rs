//! The kinds of event the log holds, and what the customer reads of one.

use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::entity;
use crate::accounts::wire_time;

/// What happened to the account. Stored and shown by the snake_case name in each variant's
/// `string_value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    /// A session started: a login (with a password, a one-time code or a social account), or
    /// a registration that logged the customer in.
    #[sea_orm(string_value = "login")]
    Login,
    /// A login of this account failed (a wrong password).
    #[sea_orm(string_value = "login_failed")]
    LoginFailed,
    /// A session logged out.
    #[sea_orm(string_value = "logout")]
    Logout,
    /// The password was changed, given the old one.
    #[sea_orm(string_value = "password_changed")]
    PasswordChanged,
    /// The password was reset through a mailed link.
    #[sea_orm(string_value = "password_reset")]
    PasswordReset,
    /// A first password was set on an account that had none.
    #[sea_orm(string_value = "password_set")]
    PasswordSet,
    /// The account's e-mail address changed.
    #[sea_orm(string_value = "email_changed")]
    EmailChanged,
    /// A one-time code was sent by SMS.
    #[sea_orm(string_value = "otp_sent")]
    OtpSent,
    /// A one-time code was entered correctly.
    #[sea_orm(string_value = "otp_verified")]
    OtpVerified,
    /// A login of this account was asked to solve a captcha.
    #[sea_orm(string_value = "captcha_required")]
    CaptchaRequired,
    /// A captcha asked of a login of this account was solved.
    #[sea_orm(string_value = "captcha_solved")]
    CaptchaSolved,
    /// A session was ended from another one (the list of active sessions).
    #[sea_orm(string_value = "session_revoked")]
    SessionRevoked,
    /// Attempts on this account were refused for a while (too many failures).
    #[sea_orm(string_value = "throttled")]
    Throttled,
    /// A login through a social account.
    #[sea_orm(string_value = "social_login")]
    SocialLogin,
    /// A social account was linked to this one.
    #[sea_orm(string_value = "social_account_linked")]
    SocialAccountLinked,
    /// A social account was unlinked from this one.
    #[sea_orm(string_value = "social_account_unlinked")]
    SocialAccountUnlinked,
}

/// One event as the customer reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecurityEventView {
    /// The event's id.
    pub id: i64,
    /// What happened.
    pub kind: SecurityEventKind,
    /// When, in UTC (`2026-12-07T12:00:00.000000Z`).
    pub occurred_at: String,
    /// The client's IP address, `null` when unknown.
    pub ip: Option<String>,
    /// The client's `User-Agent`, `null` when it sent none.
    pub user_agent: Option<String>,
}

impl From<entity::Model> for SecurityEventView {
    fn from(row: entity::Model) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            occurred_at: wire_time(&row.occurred_at),
            ip: row.ip,
            user_agent: row.user_agent,
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    /// The stored name and the name the customer reads are one and the same.
    #[test]
    fn every_kind_is_stored_under_the_name_it_is_shown_by() {
        for kind in SecurityEventKind::iter() {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.to_value())
            );
        }
    }
}
