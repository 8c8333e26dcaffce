//! The `addresses` table. Never serialized: handlers answer with the views in `types.rs`.

use sea_orm::entity::prelude::*;

use super::types::TaxNumber;
use crate::accounts::{Email, PhoneNumber};

/// One address of a customer's address book.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "addresses")]
pub struct Model {
    /// Primary key (`pk` in the API).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owner.
    pub user_id: i64,
    /// Nickname, e.g. "Home".
    pub title: String,
    /// Recipient's given name.
    pub first_name: String,
    /// Recipient's family name.
    pub last_name: String,
    /// Contact e-mail (the owner's by default).
    pub email: Option<Email>,
    /// Phone number in E.164 (`+905321234567`).
    pub phone_number: PhoneNumber,
    /// Country.
    pub country_id: i64,
    /// City, in the country.
    pub city_id: i64,
    /// Township, in the city.
    pub township_id: i64,
    /// District, in the township.
    pub district_id: Option<i64>,
    /// Street, building, apartment.
    pub line: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Delivery notes.
    pub notes: Option<String>,
    /// Corporate invoice address.
    pub is_corporate: bool,
    /// Company (corporate only).
    pub company_name: Option<String>,
    /// Tax office (corporate only).
    pub tax_office: Option<String>,
    /// Tax number, digits (corporate only).
    pub tax_no: Option<TaxNumber>,
    /// E-invoice taxpayer (corporate only).
    pub e_bill_taxpayer: bool,
    /// National id for personal invoices.
    pub identity_number: Option<String>,
    /// The default shipping address (the client's `primary`).
    pub is_primary: bool,
    /// The default billing address.
    pub is_default_billing: bool,
    /// `customer` for address-book entries.
    pub address_type: String,
    /// 32-hex digest of the normalized address.
    pub hash_data: String,
    /// Retail store (none yet).
    pub retail_store_id: Option<i64>,
    /// Id in an outside system.
    pub remote_id: Option<String>,
    /// Country-specific extras.
    pub extra_field: Option<Json>,
    /// Latitude as sent.
    pub latitude: Option<String>,
    /// Longitude as sent.
    pub longitude: Option<String>,
    /// Creation time.
    pub created_date: DateTimeUtc,
    /// Latest change.
    pub modified_date: DateTimeUtc,
    /// When the customer deleted it; deleted addresses are invisible to the address book.
    pub deleted_at: Option<DateTimeUtc>,
}

/// Relations are not navigated through SeaORM; queries load places by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
