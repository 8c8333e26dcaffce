//! Merging a form over the stored address field by field, collecting every error.

use serde_json::Value;

use super::{
    AddressDetails, REQUIRED,
    values::{pk, text, within},
};
use crate::http::FieldErrors;

/// Collects the errors of every field while merging the form over the stored address.
pub(super) struct Merge<'a> {
    pub(super) errors: FieldErrors,
    pub(super) base: Option<&'a AddressDetails>,
    pub(super) full: bool,
}

impl<'a> Merge<'a> {
    /// A merge over `base` (`None` when creating); `full` when every required field must be sent.
    pub(super) fn new(base: Option<&'a AddressDetails>, full: bool) -> Self {
        Self {
            errors: FieldErrors::default(),
            base,
            full,
        }
    }

    /// A required text: sent and non-blank, or (partial update) kept.
    pub(super) fn required(
        &mut self,
        name: &str,
        sent: Option<Value>,
        kept: impl Fn(&AddressDetails) -> &String,
        max: usize,
    ) -> String {
        let result = match sent {
            Some(value) => text(&value)
                .and_then(|text| text.ok_or_else(|| REQUIRED.to_owned()))
                .and_then(|text| within(max)(Some(text)))
                .map(Option::unwrap_or_default),
            None if self.full => Err(REQUIRED.to_owned()),
            None => Ok(self.base.map(|base| kept(base).clone()).unwrap_or_default()),
        };
        self.errors.check(name, result).unwrap_or_default()
    }

    /// An optional text: sent (blank clears it), or kept.
    pub(super) fn optional(
        &mut self,
        name: &str,
        sent: Option<Value>,
        kept: impl Fn(&AddressDetails) -> &Option<String>,
        max: usize,
    ) -> Option<String> {
        match sent {
            Some(value) => self
                .errors
                .check(name, text(&value).and_then(within(max)))
                .flatten(),
            None => self.base.and_then(|base| kept(base).clone()),
        }
    }

    /// A place pk: sent, or kept; `required` makes none an error.
    pub(super) fn place(
        &mut self,
        name: &str,
        sent: Option<Value>,
        kept: Option<i64>,
        required: bool,
    ) -> Option<i64> {
        let result = match sent {
            Some(value) => pk(&value),
            None if self.full && required => Ok(None),
            None => Ok(kept),
        };
        match self.errors.check(name, result) {
            Some(None) if required => {
                self.errors.add(name, REQUIRED);
                None
            }
            Some(id) => id,
            None => None,
        }
    }
}

pub(super) fn kept_place(
    base: Option<&AddressDetails>,
    pick: impl Fn(&AddressDetails) -> Option<i64>,
) -> Option<i64> {
    base.and_then(pick)
}
