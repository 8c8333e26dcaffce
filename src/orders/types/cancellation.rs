//! Cancellation and return requests as the client sends them (orders.md §6): one entry per item,
//! read leniently (the theme sends the reason id as a string), checked against the item's state
//! when stored.

use serde::Deserialize;

use super::CancellationType;
use crate::http::{FieldErrors, lenient};

/// `{"cancel_order_items": [...]}` of `POST /orders/{number}/cancel/` and the bulk endpoint;
/// `return_policy` and the bulk body's `id` are accepted and ignored.
#[derive(Deserialize, Default)]
pub struct CancellationForm {
    #[serde(default)]
    cancel_order_items: Option<Vec<CancelItemForm>>,
}

/// One entry of `cancel_order_items`.
#[derive(Deserialize, Default, Clone)]
pub struct CancelItemForm {
    #[serde(default, deserialize_with = "lenient::integer")]
    order_item: Option<i64>,
    #[serde(default, deserialize_with = "lenient::integer")]
    reason: Option<i64>,
    #[serde(default, deserialize_with = "lenient::string")]
    cancellation_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::integer")]
    quantity: Option<i64>,
    #[serde(default, deserialize_with = "lenient::integer")]
    shipping_company: Option<i64>,
    #[serde(default, deserialize_with = "lenient::string")]
    iban: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    holder_name: Option<String>,
}

/// What the customer asks for one item, before it is checked against the item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRequest {
    /// The item.
    pub order_item: i64,
    /// The reason's id.
    pub reason: i64,
    /// Cancel or return.
    pub cancellation_type: CancellationType,
    /// The customer's words (may be empty).
    pub description: String,
    /// Units; `None` for every unit not yet asked for.
    pub quantity: Option<i32>,
    /// The easy-return carrier.
    pub shipping_company: Option<i64>,
    /// Where a refund goes, for payments that cannot be refunded to a card.
    pub iban: Option<String>,
    /// The IBAN's holder.
    pub holder_name: Option<String>,
}

/// The longest description kept.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// The field the per-item errors are reported under.
pub const ITEMS_FIELD: &str = "cancel_order_items";

impl CancellationForm {
    /// The entries, each checked on its own; every problem is reported, naming its item.
    pub fn parse(self) -> Result<Vec<ItemRequest>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let entries = self.cancel_order_items.unwrap_or_default();
        if entries.is_empty() {
            errors.add(ITEMS_FIELD, "This list may not be empty.");
        }
        let mut requests: Vec<ItemRequest> = Vec::with_capacity(entries.len());
        for entry in entries {
            match entry.parse() {
                Ok(request)
                    if requests
                        .iter()
                        .any(|seen| seen.order_item == request.order_item) =>
                {
                    errors.add(
                        ITEMS_FIELD,
                        format!("Item {}: asked for twice.", request.order_item),
                    );
                }
                Ok(request) => requests.push(request),
                Err(message) => errors.add(ITEMS_FIELD, message),
            }
        }
        if errors.is_empty() {
            Ok(requests)
        } else {
            Err(errors)
        }
    }
}

impl CancelItemForm {
    /// The entry as a request, or what is wrong with it (naming the item when it has one).
    pub fn parse(self) -> Result<ItemRequest, String> {
        let Some(order_item) = self.order_item else {
            return Err("order_item: This field is required.".to_owned());
        };
        let item = |message: &str| format!("Item {order_item}: {message}");
        let reason = self
            .reason
            .ok_or_else(|| item("reason: This field is required."))?;
        let cancellation_type = match self.cancellation_type.as_deref().map(str::trim) {
            None | Some("") => CancellationType::Cancel,
            Some(raw) => CancellationType::parse(raw)
                .map_err(|message| item(&format!("cancellation_type: {message}")))?,
        };
        let description = self.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(item(&format!(
                "description: Ensure this field has no more than {MAX_DESCRIPTION_CHARS} characters."
            )));
        }
        let quantity = match self.quantity {
            None => None,
            Some(quantity) => Some(
                i32::try_from(quantity)
                    .ok()
                    .filter(|quantity| *quantity >= 1)
                    .ok_or_else(|| item("quantity: Ensure this value is at least 1."))?,
            ),
        };
        let text = |value: Option<String>| {
            value
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
        };
        Ok(ItemRequest {
            order_item,
            reason,
            cancellation_type,
            description,
            quantity,
            shipping_company: self.shipping_company,
            iban: text(self.iban),
            holder_name: text(self.holder_name),
        })
    }
}
