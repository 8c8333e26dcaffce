//! What a form means once checked (`AddressDetails`, `AddressChange`, the default flags), and
//! the settings and places checking depends on.

use phonenumber::country::Id;
use sha2::{Digest, Sha256};

use super::TaxNumber;
use crate::{
    accounts::{Email, PhoneNumber},
    geo::{City, Country, District, Township},
};

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
    pub tax_no: Option<TaxNumber>,
    /// E-invoice taxpayer (corporate only).
    pub e_bill_taxpayer: bool,
    /// National id. Plain text on purpose: its rule depends on the address's country (11 digits
    /// in Türkiye, free elsewhere), so it is checked with the places rather than by a type.
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
            self.tax_no
                .as_ref()
                .map(|tax_no| tax_no.as_ref().to_owned())
                .unwrap_or_default(),
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
