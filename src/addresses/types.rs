//! What the client sends (`AddressForm`), what it means once checked (`AddressDetails`,
//! `AddressChange`), the stored `Address`, and what we answer (`AddressView` flat,
//! `DetailedAddressView` with nested places and owner).

use chrono::{DateTime, NaiveDate, Utc};
use phonenumber::country::Id;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::entity;
use crate::{
    accounts::{Customer, Email, Gender, PhoneNumber},
    geo::{City, CityView, Country, CountryView, District, DistrictView, Township, TownshipView},
    http::{ApiError, FieldErrors, lenient},
};

const REQUIRED: &str = "This field is required.";
const TITLE_MAX: usize = 128;
const NAME_MAX: usize = 255;
const LINE_MAX: usize = 255;
const POSTCODE_MAX: usize = 64;
const NOTES_MAX: usize = 1024;
const COMPANY_MAX: usize = 255;
const TAX_NO_MAX: usize = 20;
const IDENTITY_MAX: usize = 20;
const COORDINATE_MAX: usize = 32;
/// `address_type` of address-book entries.
pub const CUSTOMER_ADDRESS: &str = "customer";

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

fn does_not_exist(pk: i64) -> String {
    format!("Invalid pk \"{pk}\" - object does not exist.")
}

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

/// The settings and facts address validation depends on.
pub struct AddressRules<'a> {
    /// Region of phone numbers typed without a country code.
    pub phone_region: Id,
    /// Whether a district is required.
    pub district_required: bool,
    /// The owner's e-mail, the default contact address.
    pub owner_email: &'a Email,
}

/// The places an address names (pks as parsed; unparseable ones are `None`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PlaceIds {
    /// Country pk.
    pub country: Option<i64>,
    /// City pk.
    pub city: Option<i64>,
    /// Township pk.
    pub township: Option<i64>,
    /// District pk.
    pub district: Option<i64>,
}

/// The places found for [`PlaceIds`], active or not.
#[derive(Debug, Default)]
pub struct FoundPlaces {
    /// The country, if it exists.
    pub country: Option<Country>,
    /// The city, if it exists.
    pub city: Option<City>,
    /// The township, if it exists.
    pub township: Option<Township>,
    /// The district, if it exists.
    pub district: Option<District>,
}

/// A checked address: every field the customer controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressDetails {
    /// Nickname.
    pub title: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Contact e-mail.
    pub email: Option<Email>,
    /// Phone number.
    pub phone_number: PhoneNumber,
    /// Country pk.
    pub country_id: i64,
    /// City pk.
    pub city_id: i64,
    /// Township pk.
    pub township_id: i64,
    /// District pk.
    pub district_id: Option<i64>,
    /// Street line.
    pub line: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Corporate invoice address.
    pub is_corporate: bool,
    /// Company (corporate only).
    pub company_name: Option<String>,
    /// Tax office (corporate only).
    pub tax_office: Option<String>,
    /// Tax number (corporate only).
    pub tax_no: Option<String>,
    /// E-invoice taxpayer (corporate only).
    pub e_bill_taxpayer: bool,
    /// National id.
    pub identity_number: Option<String>,
    /// Latitude.
    pub latitude: Option<String>,
    /// Longitude.
    pub longitude: Option<String>,
}

impl AddressDetails {
    /// 32 hex characters identifying the normalized address, for duplicate detection. Akinon
    /// shows an md5 here; we take the first half of a SHA-256 (same shape, no md5 dependency).
    pub fn hash_data(&self) -> String {
        let normalize = |text: &str| {
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let optional = |text: &Option<String>| text.as_deref().map(normalize).unwrap_or_default();
        let parts = [
            normalize(&self.first_name),
            normalize(&self.last_name),
            self.phone_number.e164().to_owned(),
            self.country_id.to_string(),
            self.city_id.to_string(),
            self.township_id.to_string(),
            self.district_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            normalize(&self.line),
            optional(&self.postcode),
            self.is_corporate.to_string(),
            optional(&self.company_name),
            optional(&self.tax_no),
        ];
        let digest = hex::encode(Sha256::digest(parts.join("\u{1f}")));
        digest.chars().take(32).collect()
    }
}

/// A checked form: the address, and the requested default flags.
#[derive(Debug, Clone)]
pub struct AddressChange {
    /// The address as it should be stored.
    pub details: AddressDetails,
    /// Which defaults this address should become, or stop being.
    pub defaults: DefaultsChange,
}

/// The kinds of default address: a customer has at most one address of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKind {
    /// Where orders are sent by default (the client's `primary`, listed first).
    Shipping,
    /// Where invoices are addressed by default.
    Billing,
}

impl DefaultKind {
    /// Both kinds.
    pub const ALL: [Self; 2] = [Self::Shipping, Self::Billing];
}

/// Requested default flags per kind: `Some(true)` make it the default, `Some(false)` stop being
/// it, `None` unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultsChange {
    /// The shipping default.
    pub shipping: Option<bool>,
    /// The billing default.
    pub billing: Option<bool>,
}

impl DefaultsChange {
    /// The request for one kind.
    pub fn of(&self, kind: DefaultKind) -> Option<bool> {
        match kind {
            DefaultKind::Shipping => self.shipping,
            DefaultKind::Billing => self.billing,
        }
    }
}

/// Text as sent: `null` and blank are `None`; numbers become their text; other types fail.
fn text(value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => {
            let text = text.trim();
            Ok((!text.is_empty()).then(|| text.to_owned()))
        }
        Value::Number(number) => Ok(Some(number.to_string())),
        _ => Err("Not a valid string.".to_owned()),
    }
}

fn within(max: usize) -> impl Fn(Option<String>) -> Result<Option<String>, String> {
    move |text| match text {
        Some(text) if text.chars().count() > max => Err(too_long(max)),
        text => Ok(text),
    }
}

fn boolean(value: &Value) -> Result<Option<bool>, String> {
    lenient::boolean(value.clone()).map_err(|error| error.to_string())
}

/// A pk as sent: a number or numeric string; `null`/`""` is none.
fn pk(value: &Value) -> Result<Option<i64>, String> {
    let wrong_type = |got: &str| format!("Incorrect type. Expected pk value, received {got}.");
    match value {
        Value::Null => Ok(None),
        Value::Number(number) if number.is_f64() => Err(wrong_type("float")),
        // Too large for any row: it cannot exist.
        Value::Number(number) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("Invalid pk \"{number}\" - object does not exist.")),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text.trim().parse().map(Some).map_err(|_| wrong_type("str")),
        Value::Bool(_) => Err(wrong_type("bool")),
        Value::Array(_) => Err(wrong_type("list")),
        Value::Object(_) => Err(wrong_type("dict")),
    }
}

/// Collects the errors of every field while merging the form over the stored address.
struct Merge<'a> {
    errors: FieldErrors,
    base: Option<&'a AddressDetails>,
    full: bool,
}

impl Merge<'_> {
    /// A required text: sent and non-blank, or (partial update) kept.
    fn required(
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
    fn optional(
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
    fn place(
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

fn kept_place(
    base: Option<&AddressDetails>,
    pick: impl Fn(&AddressDetails) -> Option<i64>,
) -> Option<i64> {
    base.and_then(pick)
}

impl AddressForm {
    fn touches_places(&self) -> bool {
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

    /// Checks the form against the stored address (`base`, for updates), collecting every
    /// field error. `places` are the rows of [`Self::place_ids`].
    pub fn parse(
        self,
        base: Option<&AddressDetails>,
        mode: Mode,
        rules: &AddressRules<'_>,
        places: &FoundPlaces,
    ) -> Result<AddressChange, ApiError> {
        let full = mode == Mode::Full;
        let places_touched = full || self.touches_places();
        let corporate_touched = full
            || self.kind.is_some()
            || self.is_corporate.is_some()
            || self.company_name.is_some()
            || self.tax_office.is_some()
            || self.tax_no.is_some();
        let mut merge = Merge {
            errors: FieldErrors::default(),
            base,
            full,
        };

        let title = merge.required("title", self.title, |base| &base.title, TITLE_MAX);
        let first_name = merge.required(
            "first_name",
            self.first_name,
            |base| &base.first_name,
            NAME_MAX,
        );
        let last_name = merge.required(
            "last_name",
            self.last_name,
            |base| &base.last_name,
            NAME_MAX,
        );
        let line = merge.required("line", self.line, |base| &base.line, LINE_MAX);
        let postcode = merge.optional(
            "postcode",
            self.postcode,
            |base| &base.postcode,
            POSTCODE_MAX,
        );
        let notes = merge.optional("notes", self.notes, |base| &base.notes, NOTES_MAX);
        let latitude = merge.optional(
            "latitude",
            self.latitude,
            |base| &base.latitude,
            COORDINATE_MAX,
        );
        let longitude = merge.optional(
            "longitude",
            self.longitude,
            |base| &base.longitude,
            COORDINATE_MAX,
        );

        let email = match self.email {
            Some(value) => {
                let result = text(&value).and_then(|email| match email {
                    None => Ok(rules.owner_email.clone()),
                    Some(email) => Email::parse(&email),
                });
                merge.errors.check("email", result)
            }
            None => Some(
                base.and_then(|base| base.email.clone())
                    .unwrap_or_else(|| rules.owner_email.clone()),
            ),
        };

        let phone_number = match self.phone_number {
            Some(value) => {
                let result = text(&value)
                    .and_then(|phone| phone.ok_or_else(|| REQUIRED.to_owned()))
                    .and_then(|phone| PhoneNumber::parse(&phone, rules.phone_region));
                merge.errors.check("phone_number", result)
            }
            None if full => {
                merge.errors.add("phone_number", REQUIRED);
                None
            }
            None => base.map(|base| base.phone_number.clone()),
        };

        let country_id = merge.place(
            "country",
            self.country,
            kept_place(base, |base| Some(base.country_id)),
            true,
        );
        let city_id = merge.place(
            "city",
            self.city,
            kept_place(base, |base| Some(base.city_id)),
            true,
        );
        let township_id = merge.place(
            "township",
            self.township,
            kept_place(base, |base| Some(base.township_id)),
            true,
        );
        let district_id = merge.place(
            "district",
            self.district,
            kept_place(base, |base| base.district_id),
            rules.district_required && places_touched,
        );
        if places_touched {
            check_places(
                &mut merge.errors,
                places,
                [country_id, city_id, township_id, district_id],
            );
        }

        // `type` is what the client computes from the form; it decides over `is_corporate`.
        let kind = match self.kind {
            Some(value) => match text(&value) {
                Ok(None) => None,
                Ok(Some(kind)) => match kind.as_str() {
                    "corporate" => Some(true),
                    "personal" | "customer" => Some(false),
                    other => {
                        merge
                            .errors
                            .add("type", format!("\"{other}\" is not a valid choice."));
                        None
                    }
                },
                Err(message) => {
                    merge.errors.add("type", message);
                    None
                }
            },
            None => None,
        };
        let flag = self.is_corporate.and_then(|value| {
            merge
                .errors
                .check("is_corporate", boolean(&value))
                .flatten()
        });
        let is_corporate = kind
            .or(flag)
            .or(base.map(|base| base.is_corporate))
            .unwrap_or(false);

        let (company_name, tax_office, tax_no, e_bill_taxpayer) = if is_corporate {
            let company_name = merge.optional(
                "company_name",
                self.company_name,
                |base| &base.company_name,
                COMPANY_MAX,
            );
            let tax_office = merge.optional(
                "tax_office",
                self.tax_office,
                |base| &base.tax_office,
                COMPANY_MAX,
            );
            let tax_no = merge.optional("tax_no", self.tax_no, |base| &base.tax_no, TAX_NO_MAX);
            if tax_no
                .as_ref()
                .is_some_and(|tax_no| !tax_no.bytes().all(|byte| byte.is_ascii_digit()))
            {
                merge
                    .errors
                    .add("tax_no", "Enter a valid tax number: digits only.");
            }
            if corporate_touched {
                for (name, value) in [
                    ("company_name", &company_name),
                    ("tax_office", &tax_office),
                    ("tax_no", &tax_no),
                ] {
                    if value.is_none() {
                        merge.errors.add(name, REQUIRED);
                    }
                }
            }
            let e_bill_taxpayer = match self.e_bill_taxpayer {
                Some(value) => merge
                    .errors
                    .check("e_bill_taxpayer", boolean(&value))
                    .flatten()
                    .unwrap_or(false),
                None => base.is_some_and(|base| base.is_corporate && base.e_bill_taxpayer),
            };
            (company_name, tax_office, tax_no, e_bill_taxpayer)
        } else {
            (None, None, None, false)
        };

        let identity_number = merge.optional(
            "identity_number",
            self.identity_number.clone(),
            |base| &base.identity_number,
            IDENTITY_MAX,
        );
        if self.identity_number.is_some()
            && let Some(identity_number) = &identity_number
        {
            let in_turkey = places
                .country
                .as_ref()
                .is_some_and(|country| country.code == "tr");
            let digits = identity_number.bytes().all(|byte| byte.is_ascii_digit());
            if in_turkey && !(digits && identity_number.len() == 11) {
                merge.errors.add(
                    "identity_number",
                    "Enter a valid identity number: 11 digits.",
                );
            }
        }

        let mut flag = |field: &'static str, value: Option<Value>| {
            value.and_then(|value| merge.errors.check(field, boolean(&value)).flatten())
        };
        // `primary` is the one default of the contract, for both kinds; a kind's own flag wins.
        let primary = flag("primary", self.primary);
        let defaults = DefaultsChange {
            shipping: flag("is_default_shipping", self.is_default_shipping).or(primary),
            billing: flag("is_default_billing", self.is_default_billing).or(primary),
        };

        let Some(phone_number) = phone_number else {
            return Err(ApiError::Validation(merge.errors));
        };
        merge.errors.into_result(|| AddressChange {
            details: AddressDetails {
                title,
                first_name,
                last_name,
                email,
                phone_number,
                country_id: country_id.unwrap_or_default(),
                city_id: city_id.unwrap_or_default(),
                township_id: township_id.unwrap_or_default(),
                district_id,
                line,
                postcode,
                notes,
                is_corporate,
                company_name,
                tax_office,
                tax_no,
                e_bill_taxpayer,
                identity_number,
                latitude,
                longitude,
            },
            defaults,
        })
    }
}

/// Each place must exist, be active, and sit in the place above it (checked only when the
/// place above is itself valid, so one wrong country is one error).
fn check_places(errors: &mut FieldErrors, places: &FoundPlaces, ids: [Option<i64>; 4]) {
    let [country_id, city_id, township_id, district_id] = ids;
    let country_ok = country_id.map(|id| {
        places
            .country
            .as_ref()
            .is_some_and(|country| country.id == id && country.is_active)
    });
    let city_ok = city_id.map(|id| {
        places.city.as_ref().is_some_and(|city| {
            city.id == id
                && city.is_active
                && (country_ok != Some(true) || Some(city.country_id) == country_id)
        })
    });
    let township_ok = township_id.map(|id| {
        places.township.as_ref().is_some_and(|township| {
            township.id == id
                && township.is_active
                && (city_ok != Some(true) || Some(township.city_id) == city_id)
        })
    });
    let district_ok = district_id.map(|id| {
        places.district.as_ref().is_some_and(|district| {
            district.id == id
                && district.is_active
                && (township_ok != Some(true) || Some(district.township_id) == township_id)
        })
    });
    for (name, id, ok) in [
        ("country", country_id, country_ok),
        ("city", city_id, city_ok),
        ("township", township_id, township_ok),
        ("district", district_id, district_ok),
    ] {
        if let (Some(id), Some(false)) = (id, ok) {
            errors.add(name, does_not_exist(id));
        }
    }
}

/// An address of the book, as stored.
#[derive(Debug, Clone)]
pub struct Address {
    /// Primary key.
    pub id: i64,
    /// The owner.
    pub user_id: i64,
    /// What the customer controls.
    pub details: AddressDetails,
    /// The default shipping address (the client's `primary`).
    pub is_default_shipping: bool,
    /// The default billing address.
    pub is_default_billing: bool,
    /// `customer`.
    pub address_type: String,
    /// 32-hex digest of the normalized address.
    pub hash_data: String,
    /// Retail store.
    pub retail_store_id: Option<i64>,
    /// Id in an outside system.
    pub remote_id: Option<String>,
    /// Country-specific extras.
    pub extra_field: Option<Value>,
}

impl Address {
    /// Whether this is the customer's default address of `kind`.
    pub fn is_default(&self, kind: DefaultKind) -> bool {
        match kind {
            DefaultKind::Shipping => self.is_default_shipping,
            DefaultKind::Billing => self.is_default_billing,
        }
    }

    /// Records that this is, or is no longer, the default of `kind`.
    pub fn set_default(&mut self, kind: DefaultKind, is_default: bool) {
        match kind {
            DefaultKind::Shipping => self.is_default_shipping = is_default,
            DefaultKind::Billing => self.is_default_billing = is_default,
        }
    }
}

impl From<entity::Model> for Address {
    fn from(row: entity::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            details: AddressDetails {
                title: row.title,
                first_name: row.first_name,
                last_name: row.last_name,
                email: row.email,
                phone_number: row.phone_number,
                country_id: row.country_id,
                city_id: row.city_id,
                township_id: row.township_id,
                district_id: row.district_id,
                line: row.line,
                postcode: row.postcode,
                notes: row.notes,
                is_corporate: row.is_corporate,
                company_name: row.company_name,
                tax_office: row.tax_office,
                tax_no: row.tax_no,
                e_bill_taxpayer: row.e_bill_taxpayer,
                identity_number: row.identity_number,
                latitude: row.latitude,
                longitude: row.longitude,
            },
            is_default_shipping: row.is_primary,
            is_default_billing: row.is_default_billing,
            address_type: row.address_type,
            hash_data: row.hash_data,
            retail_store_id: row.retail_store_id,
            remote_id: row.remote_id,
            extra_field: row.extra_field,
        }
    }
}

/// The fields both representations share.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressFields {
    pk: i64,
    title: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
    /// National digits for numbers of the default region (`05321234567`), else E.164.
    phone_number: String,
    line: String,
    postcode: Option<String>,
    notes: Option<String>,
    is_corporate: bool,
    company_name: Option<String>,
    tax_office: Option<String>,
    tax_no: Option<String>,
    e_bill_taxpayer: bool,
    identity_number: Option<String>,
    /// The default address, listed first: the default shipping address (set through `primary`,
    /// it is also the default billing address).
    primary: bool,
    /// The default shipping address (one per customer); the same as `primary`.
    is_default_shipping: bool,
    /// The default billing address (one per customer).
    is_default_billing: bool,
    address_type: String,
    hash_data: String,
    retail_store: Option<i64>,
    remote_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    extra_field: Option<Value>,
    latitude: Option<String>,
    longitude: Option<String>,
}

impl AddressFields {
    fn new(address: &Address, phone_region: Id) -> Self {
        let details = &address.details;
        Self {
            pk: address.id,
            title: details.title.clone(),
            first_name: details.first_name.clone(),
            last_name: details.last_name.clone(),
            email: details
                .email
                .as_ref()
                .map(|email| email.as_ref().to_owned()),
            phone_number: details.phone_number.display(phone_region),
            line: details.line.clone(),
            postcode: details.postcode.clone(),
            notes: details.notes.clone(),
            is_corporate: details.is_corporate,
            company_name: details.company_name.clone(),
            tax_office: details.tax_office.clone(),
            tax_no: details.tax_no.clone(),
            e_bill_taxpayer: details.e_bill_taxpayer,
            identity_number: details.identity_number.clone(),
            primary: address.is_default_shipping,
            is_default_shipping: address.is_default_shipping,
            is_default_billing: address.is_default_billing,
            address_type: address.address_type.clone(),
            hash_data: address.hash_data.clone(),
            retail_store: address.retail_store_id,
            remote_id: address.remote_id.clone(),
            extra_field: address.extra_field.clone(),
            latitude: details.latitude.clone(),
            longitude: details.longitude.clone(),
        }
    }
}

/// An address with its places and owner as pks (`GET/POST/PATCH/PUT /address/...`).
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    #[serde(flatten)]
    fields: AddressFields,
    country: i64,
    city: i64,
    township: i64,
    district: Option<i64>,
    user: i64,
}

impl AddressView {
    /// The view of `address`; phone numbers of `phone_region` in national form.
    pub fn new(address: &Address, phone_region: Id) -> Self {
        Self {
            fields: AddressFields::new(address, phone_region),
            country: address.details.country_id,
            city: address.details.city_id,
            township: address.details.township_id,
            district: address.details.district_id,
            user: address.user_id,
        }
    }
}

/// An address with its places and owner nested one level (`GET /address/detailed/`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailedAddressView {
    #[serde(flatten)]
    fields: AddressFields,
    country: Option<CountryView>,
    city: Option<CityView>,
    township: Option<TownshipView>,
    district: Option<DistrictView>,
    user: AddressOwnerView,
}

/// The places a page of addresses names, loaded with one query per level.
#[derive(Default)]
pub struct PlacesByIds {
    /// Countries by pk.
    pub countries: std::collections::HashMap<i64, Country>,
    /// Cities by pk.
    pub cities: std::collections::HashMap<i64, City>,
    /// Townships by pk.
    pub townships: std::collections::HashMap<i64, Township>,
    /// Districts by pk.
    pub districts: std::collections::HashMap<i64, District>,
}

impl DetailedAddressView {
    /// The view of `address`, owned by `owner`, with its places from `places`; phone numbers of
    /// `phone_region` in national form.
    pub fn new(
        address: &Address,
        places: &PlacesByIds,
        owner: &Customer,
        phone_region: Id,
    ) -> Self {
        let details = &address.details;
        Self {
            fields: AddressFields::new(address, phone_region),
            country: places.countries.get(&details.country_id).map(Into::into),
            city: places.cities.get(&details.city_id).map(Into::into),
            township: places.townships.get(&details.township_id).map(Into::into),
            district: details
                .district_id
                .and_then(|id| places.districts.get(&id))
                .map(Into::into),
            user: AddressOwnerView::new(owner, phone_region),
        }
    }
}

/// Date-times on the wire: ISO 8601 UTC with microseconds and `Z`.
fn wire_time(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The owner nested in a detailed address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressOwnerView {
    pk: i64,
    username: String,
    first_name: String,
    last_name: String,
    email: String,
    is_active: bool,
    #[schema(example = "2022-07-01T11:46:01.970233Z")]
    date_joined: String,
    last_login: Option<String>,
    email_allowed: bool,
    sms_allowed: bool,
    call_allowed: Option<bool>,
    gender: Option<Gender>,
    #[schema(value_type = Object)]
    attributes: Value,
    phone: Option<String>,
    #[schema(value_type = Option<String>, example = "1990-04-28")]
    date_of_birth: Option<NaiveDate>,
    #[schema(value_type = Object)]
    attributes_kwargs: Map<String, Value>,
    user_type: String,
    modified_date: String,
}

impl AddressOwnerView {
    fn new(customer: &Customer, phone_region: Id) -> Self {
        Self {
            pk: customer.id,
            username: customer.username.clone(),
            first_name: customer.first_name.clone(),
            last_name: customer.last_name.clone(),
            email: customer.email.as_ref().to_owned(),
            is_active: customer.is_active,
            date_joined: wire_time(&customer.date_joined),
            last_login: customer.last_login.as_ref().map(wire_time),
            email_allowed: customer.email_allowed,
            sms_allowed: customer.sms_allowed,
            call_allowed: customer.call_allowed,
            gender: customer.gender,
            attributes: customer.attributes.clone(),
            phone: customer
                .phone
                .as_ref()
                .map(|phone| phone.display(phone_region)),
            date_of_birth: customer.date_of_birth,
            attributes_kwargs: Map::new(),
            user_type: customer.user_type.clone(),
            modified_date: wire_time(&customer.modified_date),
        }
    }
}
