//! The Order object as the shop's order system sends it (`PUT /internal/orders/{number}/`, the
//! import file): read into [`OrderForm`], checked into a [`NewOrder`]. The object is kept as
//! sent ([`NewOrder::snapshot`]) for everything we only return; what we compute is removed from it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Money, Status};
use crate::{accounts::Email, http::ApiError};

/// An order number as the client can use it: digits, no leading zero, and small enough for a
/// JavaScript number (the guest tracking form converts it with `yup.number()`, orders.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderNumber(String);

/// `Number.MAX_SAFE_INTEGER`: the largest order number a JavaScript number keeps exactly.
const MAX_SAFE_NUMBER: u64 = 9_007_199_254_740_991;

impl OrderNumber {
    /// Parses a number as the URL or the body writes it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let valid = !raw.is_empty()
            && !raw.starts_with('0')
            && raw.chars().all(|c| c.is_ascii_digit())
            && raw
                .parse::<u64>()
                .is_ok_and(|number| number < MAX_SAFE_NUMBER);
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(
                "Enter an order number: digits, no leading zero, below 9007199254740991."
                    .to_owned(),
            )
        }
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `{"value": …}` of an enum-with-label; the label is ours to write.
#[derive(Deserialize)]
struct CodedForm {
    value: String,
}

/// What we read of the Order object; the rest is kept as sent.
#[derive(Deserialize)]
struct OrderForm {
    id: i64,
    number: Option<String>,
    status: CodedForm,
    currency: CodedForm,
    orderitem_set: Vec<OrderItemForm>,
    created_date: DateTime<Utc>,
    modified_date: Option<DateTime<Utc>>,
    amount: Money,
    discount_amount: Option<Money>,
    shipping_amount: Money,
    amount_without_discount: Money,
    customer_email: String,
    user_email: Option<String>,
    basket: Option<i64>,
}

/// What we read of an OrderItem object.
#[derive(Deserialize)]
struct OrderItemForm {
    id: i64,
    status: CodedForm,
    price: Money,
    retail_price: Money,
    #[serde(default)]
    quantity: Option<Quantity>,
    product: ProductForm,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
}

/// The compact product: its `attributes` must be an object, which the theme reads unguarded.
#[derive(Deserialize)]
struct ProductForm {
    #[serde(default)]
    attributes: Option<Map<String, Value>>,
}

/// A quantity as the client type declares it (`"1"`) or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Quantity {
    Number(i64),
    Text(String),
}

/// Most units of one line; Akinon splits lines per unit, so this is generous.
const MAX_QUANTITY: i64 = 10_000;

/// An order ready to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrder {
    /// The order system's id, which the customer's URLs name.
    pub id: i64,
    /// The number.
    pub number: OrderNumber,
    /// The account this order belongs to is the one with this address (lower-cased).
    pub customer_email: String,
    /// The order's status as the shop sets it.
    pub status: Status,
    /// The basket it was placed from (Akifast's consents wait for it).
    pub basket: Option<i64>,
    /// When the order was placed.
    pub created_at: DateTime<Utc>,
    /// The object as sent, amounts normalised, without what we compute.
    pub snapshot: Value,
    /// The lines, in the order sent.
    pub items: Vec<NewOrderItem>,
}

/// An order line ready to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrderItem {
    /// The order system's id, which cancellation bodies name.
    pub id: i64,
    /// Its status.
    pub status: Status,
    /// Units on the line.
    pub quantity: i32,
    /// The package's tracking number, if shipped.
    pub tracking_number: Option<String>,
    /// Where the package can be followed.
    pub tracking_url: Option<String>,
    /// The object as sent, without what we compute.
    pub snapshot: Value,
}

/// Fields of the Order object this server computes: never taken from the shop.
const COMPUTED_ORDER_FIELDS: [&str; 7] = [
    "is_cancelled",
    "is_cancellable",
    "is_refundable",
    "user",
    "customer_email",
    "pk",
    "orderitem_set",
];

/// Fields of the OrderItem object this server computes.
const COMPUTED_ITEM_FIELDS: [&str; 8] = [
    "is_cancelled",
    "is_cancellable",
    "is_refundable",
    "cancellationrequest_set",
    "active_cancellation_request",
    "order",
    "status",
    "tracking_number",
];

impl NewOrder {
    /// Reads `body` for the order numbered `number` (from the URL). The first problem is a 400
    /// naming its field path (`orderitem_set[1].price`).
    pub fn parse(number: &str, body: Value) -> Result<Self, ApiError> {
        let form: OrderForm = serde_path_to_error::deserialize(&body).map_err(|error| {
            let path = error.path().to_string();
            ApiError::field(
                if path == "." {
                    "non_field_errors"
                } else {
                    &path
                },
                error.into_inner().to_string(),
            )
        })?;
        let number =
            OrderNumber::parse(number).map_err(|message| ApiError::field("number", message))?;
        if form
            .number
            .as_deref()
            .is_some_and(|sent| sent.trim() != number.as_str())
        {
            return Err(ApiError::field(
                "number",
                "The number differs from the one in the URL.",
            ));
        }
        let status = Status::parse(&form.status.value)
            .map_err(|message| ApiError::field("status.value", message))?;
        let customer_email = Email::parse(&form.customer_email)
            .map_err(|message| ApiError::field("customer_email", message))?;
        let currency = form.currency.value.trim().to_lowercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(ApiError::field(
                "currency.value",
                "Enter a three-letter currency code such as \"try\".",
            ));
        }
        let mut items = Vec::with_capacity(form.orderitem_set.len());
        let raw_items = body
            .get("orderitem_set")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (index, (item, raw)) in form.orderitem_set.into_iter().zip(raw_items).enumerate() {
            let field = |name: &str| format!("orderitem_set[{index}].{name}");
            if items.iter().any(|seen: &NewOrderItem| seen.id == item.id) {
                return Err(ApiError::field(
                    &field("id"),
                    "The same item id appears twice.",
                ));
            }
            let status = Status::parse(&item.status.value)
                .map_err(|message| ApiError::field(&field("status.value"), message))?;
            let quantity = match item.quantity {
                None => Ok(1),
                Some(Quantity::Number(quantity)) => Ok(quantity),
                Some(Quantity::Text(text)) => text.trim().parse::<i64>().map_err(|_| ()),
            }
            .ok()
            .filter(|quantity| (1..=MAX_QUANTITY).contains(quantity))
            .and_then(|quantity| i32::try_from(quantity).ok())
            .ok_or_else(|| {
                ApiError::field(
                    &field("quantity"),
                    format!("Enter a whole number from 1 to {MAX_QUANTITY}."),
                )
            })?;
            let mut snapshot = raw;
            if let Some(object) = snapshot.as_object_mut() {
                for name in COMPUTED_ITEM_FIELDS {
                    object.remove(name);
                }
                object.insert("price".into(), item.price.to_string().into());
                object.insert("retail_price".into(), item.retail_price.to_string().into());
                object.insert("quantity".into(), quantity.to_string().into());
                if let Some(product) = object.get_mut("product").and_then(Value::as_object_mut) {
                    product.insert(
                        "attributes".into(),
                        Value::Object(item.product.attributes.unwrap_or_default()),
                    );
                }
            }
            items.push(NewOrderItem {
                id: item.id,
                status,
                quantity,
                tracking_number: non_empty(item.tracking_number),
                tracking_url: non_empty(item.tracking_url),
                snapshot,
            });
        }
        if items.is_empty() {
            return Err(ApiError::field(
                "orderitem_set",
                "An order needs at least one item.",
            ));
        }
        let mut snapshot = body;
        if let Some(object) = snapshot.as_object_mut() {
            for name in COMPUTED_ORDER_FIELDS {
                object.remove(name);
            }
            object.insert("number".into(), number.as_str().into());
            object.insert("amount".into(), form.amount.to_string().into());
            object.insert(
                "discount_amount".into(),
                form.discount_amount.unwrap_or_default().to_string().into(),
            );
            object.insert(
                "shipping_amount".into(),
                form.shipping_amount.to_string().into(),
            );
            object.insert(
                "amount_without_discount".into(),
                form.amount_without_discount.to_string().into(),
            );
            let user_email = match form.user_email {
                Some(email) if !email.trim().is_empty() => email.trim().to_owned(),
                _ => customer_email.as_ref().to_owned(),
            };
            object.insert("user_email".into(), user_email.into());
            object.insert(
                "modified_date".into(),
                crate::http::wire_time(&form.modified_date.unwrap_or(form.created_date)).into(),
            );
            object.insert(
                "created_date".into(),
                crate::http::wire_time(&form.created_date).into(),
            );
        }
        Ok(Self {
            id: form.id,
            number,
            customer_email: customer_email.lowercase(),
            status,
            basket: form.basket,
            created_at: form.created_date,
            snapshot,
            items,
        })
    }
}

/// `None` for an absent or blank text.
fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}
