//! The address form: what the client sends, as it sends it.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;

use super::{AddressDetails, PlaceIds, values::pk};

/// Keeps an explicit `null` apart from an absent key: absent stays `None` (through
/// `#[serde(default)]`), anything sent, `null` included, is `Some`.
fn sent<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The address form. Values arrive as the client has them: pks as numbers or numeric strings,
/// booleans as strings, `tax_no` as a number. Unknown and read-only keys (`pk`, `user`,
/// `hash_data`, `address_type`, ...) are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"type": "personal", "title": "Home", "first_name": "Jane", "last_name": "Doe", "phone_number": "05321234567", "country": "1", "city": "40", "township": "449", "district": "23739", "line": "Example street 12, flat 3", "postcode": "34275"}))]
pub struct AddressForm {
    /// Nickname, at most 128 characters. Required.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Value>,
    /// Required, at most 255 characters.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub first_name: Option<Value>,
    /// Required, at most 255 characters.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub last_name: Option<Value>,
    /// Contact e-mail; the customer's own when absent or empty.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Value>,
    /// Required; national (`0532 123 45 67`) or with its country code (`+44 20 7123 4567`).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub phone_number: Option<Value>,
    /// Country pk. Required.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<i64>)]
    pub country: Option<Value>,
    /// City pk, in the country. Required.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<i64>)]
    pub city: Option<Value>,
    /// Township pk, in the city. Required.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<i64>)]
    pub township: Option<Value>,
    /// District pk, in the township; `""`/`null` for none (required if `ADDRESS_DISTRICT_REQUIRED`).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<i64>)]
    pub district: Option<Value>,
    /// Street, building, apartment. Required, at most 255 characters.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub line: Option<Value>,
    /// Postcode (string or number).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub postcode: Option<Value>,
    /// Delivery notes.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Value>,
    /// Corporate address; `type` wins when both are sent.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<bool>)]
    pub is_corporate: Option<Value>,
    /// `personal`, `corporate`, or `customer` (= personal). Authoritative for `is_corporate`.
    #[serde(default, rename = "type", deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<Value>,
    /// Required when corporate; ignored otherwise.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub company_name: Option<Value>,
    /// Required when corporate; ignored otherwise.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub tax_office: Option<Value>,
    /// Digits; required when corporate; ignored otherwise.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub tax_no: Option<Value>,
    /// E-invoice taxpayer (corporate only); absent means `false`.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<bool>)]
    pub e_bill_taxpayer: Option<Value>,
    /// National id; 11 digits for Türkiye.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub identity_number: Option<Value>,
    /// Make this the default address for shipping and billing (clears the others' flags) or not.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<bool>)]
    pub primary: Option<Value>,
    /// Make this the default shipping address only (or not); wins over `primary`.
    #[serde(default, deserialize_with = "sent", alias = "default_shipping")]
    #[schema(value_type = Option<bool>)]
    pub is_default_shipping: Option<Value>,
    /// Make this the default billing address only (or not); wins over `primary`.
    #[serde(default, deserialize_with = "sent", alias = "default_billing")]
    #[schema(value_type = Option<bool>)]
    pub is_default_billing: Option<Value>,
    /// Latitude.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub latitude: Option<Value>,
    /// Longitude.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>)]
    pub longitude: Option<Value>,
}

/// Whether a form replaces the address (create, `PUT`: required fields must be sent) or
/// changes what it sends (`PATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every required field must be present.
    Full,
    /// Only the keys present change.
    Partial,
}

impl AddressForm {
    pub(super) fn touches_places(&self) -> bool {
        self.country.is_some()
            || self.city.is_some()
            || self.township.is_some()
            || self.district.is_some()
    }

    /// Whether checking this form needs the places it names from the database.
    pub fn needs_places(&self, mode: Mode) -> bool {
        mode == Mode::Full || self.touches_places() || self.identity_number.is_some()
    }

    /// The pks of the places the address will name (sent, else kept), for loading them.
    pub fn place_ids(&self, base: Option<&AddressDetails>) -> PlaceIds {
        let pick = |sent: &Option<Value>, kept: Option<i64>| match sent {
            Some(value) => pk(value).ok().flatten(),
            None => kept,
        };
        PlaceIds {
            country: pick(&self.country, base.map(|base| base.country_id)),
            city: pick(&self.city, base.map(|base| base.city_id)),
            township: pick(&self.township, base.map(|base| base.township_id)),
            district: pick(&self.district, base.and_then(|base| base.district_id)),
        }
    }
}
