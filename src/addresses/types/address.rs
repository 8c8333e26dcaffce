//! An address of the book as stored, built from its row.

use serde_json::Value;

use super::{AddressDetails, DefaultKind};
use crate::addresses::entity;

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
