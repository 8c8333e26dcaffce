//! What the client sends (`AddressForm`), what it means once checked (`AddressDetails`,
//! `AddressChange`), the stored `Address`, and what we answer (`AddressView` flat,
//! `DetailedAddressView` with nested places and owner).

mod address;
mod details;
mod form;
mod merge;
mod parse;
mod tax_number;
mod values;
mod view;

pub use self::{
    address::Address,
    details::{
        AddressChange, AddressDetails, AddressRules, DefaultKind, DefaultsChange, FoundPlaces,
        PlaceIds,
    },
    form::{AddressForm, Mode},
    tax_number::TaxNumber,
    view::{AddressView, DetailedAddressView, PlacesByIds},
};

const REQUIRED: &str = "This field is required.";
/// `address_type` of address-book entries.
pub const CUSTOMER_ADDRESS: &str = "customer";
