//! What we answer: an address flat (`AddressView`) or with its places and owner nested
//! (`DetailedAddressView`).

use chrono::{DateTime, NaiveDate, Utc};
use phonenumber::country::Id;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::Address;
use crate::{
    accounts::{Customer, Gender},
    geo::{City, CityView, Country, CountryView, District, DistrictView, Township, TownshipView},
};

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
            tax_no: details
                .tax_no
                .as_ref()
                .map(|tax_no| tax_no.as_ref().to_owned()),
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
