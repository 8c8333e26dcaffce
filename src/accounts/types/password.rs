//! The password forms: `POST /users/password/change/` (checked in Django's `PasswordChangeForm`
//! order) and the new password pair it shares with the password set and the password reset
//! (Django's `SetPasswordForm`).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Customer, form::parse_password, registration};
use crate::http::{ApiError, FieldErrors, lenient};

/// `POST /users/password/change/`.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeForm {
    /// The current password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub old_password: Option<String>,
    /// The new password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password1: Option<String>,
    /// The new password again.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password2: Option<String>,
}

/// A password change whose fields are all present.
pub struct PasswordChange {
    /// What the customer says the current password is.
    pub old_password: SecretString,
    /// The new password, twice.
    pub new_password: NewPassword,
}

impl PasswordChangeForm {
    /// Checks that every field is there (Django's `PasswordChangeForm` checks the old password
    /// next, which needs the hash, then [`NewPassword::for_customer`]).
    pub fn parse(self) -> Result<PasswordChange, ApiError> {
        let mut errors = FieldErrors::default();
        let old_password = errors.check("old_password", parse_password(self.old_password));
        let new_password = NewPassword::check(&mut errors, self.new_password1, self.new_password2);
        match (old_password, new_password) {
            (Some(old_password), Some(new_password)) => Ok(PasswordChange {
                old_password,
                new_password,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// A new password typed twice: the body of `POST /users/password/set/` and of the password reset
/// link (urlencoded as the client sends it, or JSON).
#[derive(Deserialize, ToSchema)]
pub struct NewPasswordForm {
    /// The new password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password1: Option<String>,
    /// The new password again.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password2: Option<String>,
}

impl NewPasswordForm {
    /// Checks that both fields are there (see [`NewPassword::for_customer`] for the rest).
    pub fn parse(self) -> Result<NewPassword, ApiError> {
        let mut errors = FieldErrors::default();
        NewPassword::check(&mut errors, self.new_password1, self.new_password2)
            .ok_or(ApiError::Validation(errors))
    }
}

/// Both entries of a new password, present; not yet compared nor validated.
pub struct NewPassword {
    new_password1: SecretString,
    new_password2: SecretString,
}

impl NewPassword {
    /// Both entries, or their "required" errors recorded in `errors` (other fields of the same
    /// form keep collecting theirs).
    pub fn check(
        errors: &mut FieldErrors,
        new_password1: Option<String>,
        new_password2: Option<String>,
    ) -> Option<Self> {
        let new_password1 = errors.check("new_password1", parse_password(new_password1));
        let new_password2 = errors.check("new_password2", parse_password(new_password2));
        Some(Self {
            new_password1: new_password1?,
            new_password2: new_password2?,
        })
    }

    /// The new password of `customer`, once both entries are equal and it passes the validators
    /// (their messages go on `new_password2`, as Django's `SetPasswordForm` reports them).
    pub fn for_customer(&self, customer: &Customer) -> Result<SecretString, ApiError> {
        let new_password = self.new_password2.expose_secret();
        if self.new_password1.expose_secret() != new_password {
            return Err(ApiError::field(
                "new_password2",
                "The two password fields didn't match.",
            ));
        }
        let mut errors = FieldErrors::default();
        let rule_errors = registration::password_rule_errors(
            &self.new_password2,
            &customer.email,
            &customer.first_name,
            &customer.last_name,
        );
        for message in rule_errors {
            errors.add("new_password2", message);
        }
        errors.into_result(|| self.new_password2.clone())
    }
}
