//! The login form, and the field parsers every account form shares.

use chrono::NaiveDate;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Email, REQUIRED, too_long};
use crate::{
    http::{FieldErrors, lenient},
    otp::OtpCode,
};

const NAME_MAX_CHARS: usize = 150;
// Argon2 accepts any length, but megabyte passwords are only good for wasting our CPU.
const PASSWORD_MAX_CHARS: usize = 4096;

/// Parses a `YYYY-MM-DD` date of birth that is not in the future. `""` means "not given".
pub fn parse_date_of_birth(raw: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let wrong_format =
        || "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.".to_owned();
    let shaped = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(wrong_format)?;
    if date > today {
        return Err("Date of birth cannot be in the future.".to_owned());
    }
    Ok(Some(date))
}

pub(super) fn parse_name(raw: Option<String>) -> Result<String, String> {
    let name = raw.unwrap_or_default().trim().to_owned();
    if name.chars().count() > NAME_MAX_CHARS {
        Err(too_long(NAME_MAX_CHARS))
    } else {
        Ok(name)
    }
}

pub(super) fn parse_password(raw: Option<String>) -> Result<SecretString, String> {
    match raw {
        None => Err(REQUIRED.to_owned()),
        Some(password) if password.is_empty() => Err(REQUIRED.to_owned()),
        Some(password) if password.chars().count() > PASSWORD_MAX_CHARS => {
            Err(too_long(PASSWORD_MAX_CHARS))
        }
        Some(password) => Ok(SecretString::from(password)),
    }
}

/// The login form. next-auth adds keys of its own (`csrfToken`, `callbackUrl`, `formType`...):
/// unknown keys are ignored.
#[derive(Deserialize, ToSchema)]
pub struct LoginForm {
    /// E-mail address, matched case-insensitively.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
    /// Alias of `email` for clients that send `username`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: Option<String>,
    /// Password.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "S3cret!pass")]
    pub password: Option<String>,
    /// The code sent by SMS, in the second step of a login with SMS verification.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "123456")]
    pub code: Option<String>,
}

/// Parsed login credentials.
pub struct Credentials {
    /// The e-mail address.
    pub email: Email,
    /// The password as typed.
    pub password: SecretString,
    /// The code sent by SMS, if given.
    pub code: Option<OtpCode>,
}

impl LoginForm {
    /// Parses the form, collecting every field error.
    pub fn parse(self) -> Result<Credentials, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check(
            "email",
            Email::parse(&self.email.or(self.username).unwrap_or_default()),
        );
        let password = errors.check("password", parse_password(self.password));
        match (email, password) {
            (Some(email), Some(password)) if errors.is_empty() => Ok(Credentials {
                email,
                password,
                code: OtpCode::parse(self.code.as_deref()),
            }),
            _ => Err(crate::http::ApiError::Validation(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_must_be_padded_real_and_past() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(
            parse_date_of_birth("1990-04-28", today).unwrap(),
            NaiveDate::from_ymd_opt(1990, 4, 28)
        );
        assert_eq!(parse_date_of_birth("", today).unwrap(), None);
        for bad in ["1990-4-28", "1990-02-30", "28.04.1990", "2027-01-01"] {
            assert!(parse_date_of_birth(bad, today).is_err(), "{bad}");
        }
    }
}
