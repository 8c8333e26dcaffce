//! A guest's proof of an order (orders.md §9): its e-mail and number, urlencoded as the client
//! sends them or in JSON; `order` is an alias of `number`.

use serde::Deserialize;

use super::{CancelItemForm, CancellationForm, ItemRequest};
use crate::{
    accounts::Email,
    http::{ApiError, FieldErrors, lenient},
};

/// `{email, number}` (alias `order`).
#[derive(Deserialize, Default)]
pub struct GuestLookupForm {
    #[serde(default, deserialize_with = "lenient::string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    number: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    order: Option<String>,
}

/// A guest's claim to an order.
#[derive(Clone, Debug)]
pub struct GuestLookup {
    /// The order's e-mail, lower-cased.
    pub email: String,
    /// The order number as typed (trimmed).
    pub number: String,
}

impl GuestLookupForm {
    /// The claim, or the fields missing or malformed.
    pub fn parse(self) -> Result<GuestLookup, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check(
            "email",
            Email::parse(self.email.as_deref().unwrap_or_default()),
        );
        let number = self
            .number
            .or(self.order)
            .map(|number| number.trim().to_owned())
            .filter(|number| !number.is_empty());
        if number.is_none() {
            errors.add("number", "This field is required.");
        }
        errors.into_result(|| GuestLookup {
            email: email.map(|email| email.lowercase()).unwrap_or_default(),
            number: number.unwrap_or_default(),
        })
    }
}

/// `POST /users/orders/anonymous/cancellation_requests/`: the claim and one item's fields.
#[derive(Deserialize, Default)]
pub struct GuestCancellationForm {
    #[serde(flatten)]
    lookup: GuestLookupForm,
    #[serde(flatten)]
    item: CancelItemForm,
}

/// `POST /users/orders/anonymous/bulk_cancellation_requests/`: the claim and the items.
#[derive(Deserialize, Default)]
pub struct GuestBulkCancellationForm {
    #[serde(flatten)]
    lookup: GuestLookupForm,
    #[serde(flatten)]
    items: CancellationForm,
}

impl GuestCancellationForm {
    /// The claim and the one request.
    pub fn parse(self) -> Result<(GuestLookup, Vec<ItemRequest>), ApiError> {
        let lookup = self.lookup.parse()?;
        let request = self
            .item
            .parse()
            .map_err(|message| ApiError::field(super::ITEMS_FIELD, message))?;
        Ok((lookup, vec![request]))
    }
}

impl GuestBulkCancellationForm {
    /// The claim and the requests.
    pub fn parse(self) -> Result<(GuestLookup, Vec<ItemRequest>), ApiError> {
        let lookup = self.lookup.parse()?;
        let requests = self.items.parse().map_err(ApiError::Validation)?;
        Ok((lookup, requests))
    }
}
