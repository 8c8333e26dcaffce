//! A one-time code (issued or entered), what it is for, a stored code as the area reads it, and
//! the form of the login by phone.

use chrono::{DateTime, Utc};
use phonenumber::country::Id;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::{
    accounts::PhoneNumber,
    http::{ApiError, lenient},
};

/// Wrong codes accepted before the code is void.
const MAX_FAILED_ATTEMPTS: i32 = 3;

/// What a code is for: a code sent for one purpose is never accepted for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The second step of a registration (auth.md §4.3).
    Registration,
    /// The second step of a login by e-mail and password (auth.md §8).
    Login,
    /// A login by phone alone (`POST /users/login/otp/`).
    PhoneLogin,
}

impl Purpose {
    /// The stored value, and the metric's label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Login => "login",
            Self::PhoneLogin => "phone_login",
        }
    }
}

/// A one-time code: six digits when issued; as entered (trimmed) when read from a form, where a
/// code of another shape is simply a wrong one. A secret: no `Debug`, never logged.
pub struct OtpCode(String);

impl OtpCode {
    /// The code a form carries; blank is none (the first step of the form).
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        raw.map(str::trim)
            .filter(|code| !code.is_empty())
            .map(|code| Self(code.to_owned()))
    }

    /// A new code: six digits from the thread's generator, which is a CSPRNG (ChaCha, seeded
    /// from the operating system).
    pub fn generate() -> Self {
        Self(format!("{:06}", rand::random_range(0..1_000_000u32)))
    }

    /// What is stored of it: SHA-256 hex of purpose, phone and code, so that a hash of one row
    /// says nothing of another's.
    pub fn hash(&self, purpose: Purpose, phone: &PhoneNumber) -> String {
        hex::encode(Sha256::digest(format!(
            "storefront.otp:{}:{}:{}",
            purpose.as_str(),
            phone.e164(),
            self.0
        )))
    }
}

impl AsRef<str> for OtpCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What an entered code is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It is the outstanding code, which is now spent.
    Accepted,
    /// It is not, or none is outstanding (never sent, or spent).
    Wrong,
    /// The outstanding code expired or had too many wrong tries.
    Expired,
}

/// An outstanding code as the area reads it.
pub struct StoredCode {
    /// See the entity.
    pub code_hash: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes entered so far.
    pub failed_attempts: i32,
}

impl StoredCode {
    /// What `code`, entered at `now` for `purpose` and `phone`, is worth against this one.
    pub fn judge(
        &self,
        code: &OtpCode,
        purpose: Purpose,
        phone: &PhoneNumber,
        now: DateTime<Utc>,
    ) -> Verdict {
        if now >= self.expires_at || self.failed_attempts >= MAX_FAILED_ATTEMPTS {
            return Verdict::Expired;
        }
        let entered = code.hash(purpose, phone);
        if bool::from(entered.as_bytes().ct_eq(self.code_hash.as_bytes())) {
            Verdict::Accepted
        } else {
            Verdict::Wrong
        }
    }
}

/// `POST /users/login/otp/`: the phone alone asks for a code; the phone and the code log in.
#[derive(Deserialize, ToSchema)]
pub struct PhoneLoginForm {
    /// The account's verified phone, national (`0532 123 45 67`) or with its country code.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "05321234567")]
    pub phone: Option<String>,
    /// The code sent by SMS; absent in the first step.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "123456")]
    pub code: Option<String>,
}

/// A parsed [`PhoneLoginForm`].
pub struct PhoneLogin {
    /// The phone.
    pub phone: PhoneNumber,
    /// The code, in the second step.
    pub code: Option<OtpCode>,
}

impl PhoneLoginForm {
    /// The phone (numbers without a country code read as of `region`) and the code, or the
    /// phone's field error.
    pub fn parse(self, region: Id) -> Result<PhoneLogin, ApiError> {
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => Err("This field is required.".to_owned()),
            Some(raw) => PhoneNumber::parse(raw, region),
        }
        .map_err(|message| ApiError::field("phone", message))?;
        Ok(PhoneLogin {
            phone,
            code: OtpCode::parse(self.code.as_deref()),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("05321234567", Id::TR).unwrap()
    }

    fn stored(code: &OtpCode, failed_attempts: i32, now: DateTime<Utc>) -> StoredCode {
        StoredCode {
            code_hash: code.hash(Purpose::Login, &phone()),
            expires_at: now + Duration::seconds(180),
            failed_attempts,
        }
    }

    #[test]
    fn generated_codes_are_six_digits() {
        for _ in 0..1000 {
            let code = OtpCode::generate();
            assert_eq!(code.as_ref().len(), 6);
            assert!(code.as_ref().bytes().all(|byte| byte.is_ascii_digit()));
        }
    }

    #[test]
    fn a_code_is_judged_against_its_purpose_phone_expiry_and_tries() {
        let now = Utc::now();
        let code = OtpCode::generate();
        let other = OtpCode::parse(Some(if code.as_ref() == "000000" {
            "111111"
        } else {
            "000000"
        }))
        .unwrap();
        let entered = OtpCode::parse(Some(&format!(" {} ", code.as_ref()))).unwrap();

        let fresh = stored(&code, 0, now);
        assert_eq!(
            fresh.judge(&entered, Purpose::Login, &phone(), now),
            Verdict::Accepted
        );
        assert_eq!(
            fresh.judge(&other, Purpose::Login, &phone(), now),
            Verdict::Wrong
        );
        assert_eq!(
            fresh.judge(&entered, Purpose::PhoneLogin, &phone(), now),
            Verdict::Wrong
        );
        assert_eq!(
            fresh.judge(
                &entered,
                Purpose::Login,
                &phone(),
                now + Duration::seconds(180)
            ),
            Verdict::Expired
        );
        assert_eq!(
            stored(&code, 3, now).judge(&entered, Purpose::Login, &phone(), now),
            Verdict::Expired
        );
    }

    #[test]
    fn a_blank_code_is_none() {
        assert!(OtpCode::parse(Some("  ")).is_none());
        assert!(OtpCode::parse(None).is_none());
    }
}
