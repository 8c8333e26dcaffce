//! `POST /users/password/change/`: the form, checked in Django's `PasswordChangeForm` order.

use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Customer, form::parse_password, registration};
use crate::http::{FieldErrors, lenient};

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
    new_password1: SecretString,
    new_password2: SecretString,
}

impl PasswordChangeForm {
    /// Checks that every field is there (Django's `PasswordChangeForm` checks the old password
    /// next, which needs the hash, then [`PasswordChange::new_password`]).
    pub fn parse(self) -> Result<PasswordChange, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let old_password = errors.check("old_password", parse_password(self.old_password));
        let new_password1 = errors.check("new_password1", parse_password(self.new_password1));
        let new_password2 = errors.check("new_password2", parse_password(self.new_password2));
        match (old_password, new_password1, new_password2) {
            (Some(old_password), Some(new_password1), Some(new_password2)) => Ok(PasswordChange {
                old_password,
                new_password1,
                new_password2,
            }),
            _ => Err(crate::http::ApiError::Validation(errors)),
        }
    }
}

impl PasswordChange {
    /// The new password, once both entries are equal and it passes the validators (their
    /// messages go on `new_password2`, as Django reports them).
    pub fn new_password(&self, customer: &Customer) -> Result<SecretString, crate::http::ApiError> {
        use secrecy::ExposeSecret;
        let new_password = self.new_password2.expose_secret();
        if self.new_password1.expose_secret() != new_password {
            return Err(crate::http::ApiError::field(
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
