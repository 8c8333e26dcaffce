//! Checking an address form against the stored address, the settings and the places it names:
//! one step per group of fields, every error collected.

use serde_json::Value;

use super::{
    AddressChange, AddressDetails, AddressForm, AddressRules, DefaultsChange, FoundPlaces, Mode,
    REQUIRED, TaxNumber,
    merge::{Merge, kept_place},
    values::{boolean, does_not_exist, text, within},
};
use crate::{
    accounts::{Email, PhoneNumber},
    http::{ApiError, FieldErrors},
};

const TITLE_MAX: usize = 128;
const NAME_MAX: usize = 255;
const LINE_MAX: usize = 255;
const POSTCODE_MAX: usize = 64;
const NOTES_MAX: usize = 1024;
const COMPANY_MAX: usize = 255;
const TAX_NO_MAX: usize = 20;
const IDENTITY_MAX: usize = 20;
const COORDINATE_MAX: usize = 32;

/// The free-text fields of an address.
struct Texts {
    title: String,
    first_name: String,
    last_name: String,
    line: String,
    postcode: Option<String>,
    notes: Option<String>,
    latitude: Option<String>,
    longitude: Option<String>,
}

/// The place pks of an address, checked.
struct Places {
    country_id: Option<i64>,
    city_id: Option<i64>,
    township_id: Option<i64>,
    district_id: Option<i64>,
}

/// The invoice fields of a corporate address (all none for a personal one).
#[derive(Default)]
struct Corporate {
    company_name: Option<String>,
    tax_office: Option<String>,
    tax_no: Option<TaxNumber>,
    e_bill_taxpayer: bool,
}

impl AddressForm {
    /// Checks the form against the stored address (`base`, for updates), collecting every
    /// field error. `places` are the rows of [`Self::place_ids`].
    pub fn parse(
        mut self,
        base: Option<&AddressDetails>,
        mode: Mode,
        rules: &AddressRules<'_>,
        places: &FoundPlaces,
    ) -> Result<AddressChange, ApiError> {
        let full = mode == Mode::Full;
        let places_touched = full || self.touches_places();
        let corporate_touched = full || self.touches_corporate();
        let mut merge = Merge::new(base, full);
        let texts = merge.texts(&mut self);
        let email = merge.email(self.email.take(), rules.owner_email);
        let phone_number = merge.phone_number(self.phone_number.take(), rules);
        let ids = merge.places(&mut self, rules, places, places_touched);
        let is_corporate = merge.is_corporate(&mut self);
        let corporate = merge.corporate(&mut self, is_corporate, corporate_touched);
        let identity_number = merge.identity_number(self.identity_number.take(), places);
        let defaults = merge.defaults(&mut self);
        let Some(phone_number) = phone_number else {
            return Err(ApiError::Validation(merge.errors));
        };
        merge.errors.into_result(|| AddressChange {
            details: AddressDetails {
                title: texts.title,
                first_name: texts.first_name,
                last_name: texts.last_name,
                email,
                phone_number,
                country_id: ids.country_id.unwrap_or_default(),
                city_id: ids.city_id.unwrap_or_default(),
                township_id: ids.township_id.unwrap_or_default(),
                district_id: ids.district_id,
                line: texts.line,
                postcode: texts.postcode,
                notes: texts.notes,
                is_corporate,
                company_name: corporate.company_name,
                tax_office: corporate.tax_office,
                tax_no: corporate.tax_no,
                e_bill_taxpayer: corporate.e_bill_taxpayer,
                identity_number,
                latitude: texts.latitude,
                longitude: texts.longitude,
            },
            defaults,
        })
    }

    fn touches_corporate(&self) -> bool {
        self.kind.is_some()
            || self.is_corporate.is_some()
            || self.company_name.is_some()
            || self.tax_office.is_some()
            || self.tax_no.is_some()
    }
}

impl Merge<'_> {
    fn texts(&mut self, form: &mut AddressForm) -> Texts {
        Texts {
            title: self.required("title", form.title.take(), |b| &b.title, TITLE_MAX),
            first_name: self.required(
                "first_name",
                form.first_name.take(),
                |b| &b.first_name,
                NAME_MAX,
            ),
            last_name: self.required(
                "last_name",
                form.last_name.take(),
                |b| &b.last_name,
                NAME_MAX,
            ),
            line: self.required("line", form.line.take(), |b| &b.line, LINE_MAX),
            postcode: self.optional(
                "postcode",
                form.postcode.take(),
                |b| &b.postcode,
                POSTCODE_MAX,
            ),
            notes: self.optional("notes", form.notes.take(), |b| &b.notes, NOTES_MAX),
            latitude: self.optional(
                "latitude",
                form.latitude.take(),
                |b| &b.latitude,
                COORDINATE_MAX,
            ),
            longitude: self.optional(
                "longitude",
                form.longitude.take(),
                |b| &b.longitude,
                COORDINATE_MAX,
            ),
        }
    }

    /// The contact e-mail: sent, kept, or (absent or blank) the owner's.
    fn email(&mut self, sent: Option<Value>, owner_email: &Email) -> Option<Email> {
        match sent {
            Some(value) => {
                let result = text(&value).and_then(|email| match email {
                    None => Ok(owner_email.clone()),
                    Some(email) => Email::parse(&email),
                });
                self.errors.check("email", result)
            }
            None => Some(
                self.base
                    .and_then(|base| base.email.clone())
                    .unwrap_or_else(|| owner_email.clone()),
            ),
        }
    }

    /// The required phone number: sent, or (partial update) kept.
    fn phone_number(
        &mut self,
        sent: Option<Value>,
        rules: &AddressRules<'_>,
    ) -> Option<PhoneNumber> {
        match sent {
            Some(value) => {
                let result = text(&value)
                    .and_then(|phone| phone.ok_or_else(|| REQUIRED.to_owned()))
                    .and_then(|phone| PhoneNumber::parse(&phone, rules.phone_region));
                self.errors.check("phone_number", result)
            }
            None if self.full => {
                self.errors.add("phone_number", REQUIRED);
                None
            }
            None => self.base.map(|base| base.phone_number.clone()),
        }
    }

    /// The place pks; when the form touches them, each must exist in the place above it.
    fn places(
        &mut self,
        form: &mut AddressForm,
        rules: &AddressRules<'_>,
        places: &FoundPlaces,
        touched: bool,
    ) -> Places {
        let base = self.base;
        let ids = Places {
            country_id: self.place(
                "country",
                form.country.take(),
                kept_place(base, |b| Some(b.country_id)),
                true,
            ),
            city_id: self.place(
                "city",
                form.city.take(),
                kept_place(base, |b| Some(b.city_id)),
                true,
            ),
            township_id: self.place(
                "township",
                form.township.take(),
                kept_place(base, |b| Some(b.township_id)),
                true,
            ),
            district_id: self.place(
                "district",
                form.district.take(),
                kept_place(base, |b| b.district_id),
                rules.district_required && touched,
            ),
        };
        if touched {
            check_places(&mut self.errors, places, &ids);
        }
        ids
    }

    /// Whether the address is corporate: `type` (what the client computes from the form)
    /// decides over `is_corporate`; neither sent keeps what was stored.
    fn is_corporate(&mut self, form: &mut AddressForm) -> bool {
        let kind = match form.kind.take().map(|value| text(&value)) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(kind))) => match kind.as_str() {
                "corporate" => Some(true),
                "personal" | "customer" => Some(false),
                other => {
                    self.errors
                        .add("type", format!("\"{other}\" is not a valid choice."));
                    None
                }
            },
            Some(Err(message)) => {
                self.errors.add("type", message);
                None
            }
        };
        let flag = form
            .is_corporate
            .take()
            .and_then(|value| self.errors.check("is_corporate", boolean(&value)).flatten());
        kind.or(flag)
            .or(self.base.map(|base| base.is_corporate))
            .unwrap_or(false)
    }

    /// The invoice fields of a corporate address (none for a personal one); `touched` (a full
    /// form, or one that changes the kind or these fields) makes company, tax office and tax
    /// number required.
    fn corporate(
        &mut self,
        form: &mut AddressForm,
        is_corporate: bool,
        touched: bool,
    ) -> Corporate {
        if !is_corporate {
            return Corporate::default();
        }
        let company_name = self.optional(
            "company_name",
            form.company_name.take(),
            |b| &b.company_name,
            COMPANY_MAX,
        );
        let tax_office = self.optional(
            "tax_office",
            form.tax_office.take(),
            |b| &b.tax_office,
            COMPANY_MAX,
        );
        // A tax number that is not digits is wrong, not missing: one message.
        let (tax_no, tax_no_missing) = match self.tax_no(form.tax_no.take()) {
            Ok(tax_no) => {
                let missing = tax_no.is_none();
                (tax_no, missing)
            }
            Err(()) => (None, false),
        };
        if touched {
            for (name, missing) in [
                ("company_name", company_name.is_none()),
                ("tax_office", tax_office.is_none()),
                ("tax_no", tax_no_missing),
            ] {
                if missing {
                    self.errors.add(name, REQUIRED);
                }
            }
        }
        Corporate {
            company_name,
            tax_office,
            tax_no,
            e_bill_taxpayer: self.e_bill_taxpayer(form.e_bill_taxpayer.take()),
        }
    }

    /// The tax number: sent (blank or too long is none), or kept; `Err` when sent but not
    /// digits (the error is recorded).
    fn tax_no(&mut self, sent: Option<Value>) -> Result<Option<TaxNumber>, ()> {
        let Some(value) = sent else {
            return Ok(self.base.and_then(|base| base.tax_no.clone()));
        };
        match text(&value).and_then(within(TAX_NO_MAX)) {
            Ok(Some(text)) => TaxNumber::parse(&text)
                .map(Some)
                .map_err(|message| self.errors.add("tax_no", message)),
            Ok(None) => Ok(None),
            Err(message) => {
                self.errors.add("tax_no", message);
                Ok(None)
            }
        }
    }

    /// E-invoice taxpayer: sent, or kept from a stored corporate address; absent means `false`.
    fn e_bill_taxpayer(&mut self, sent: Option<Value>) -> bool {
        match sent {
            Some(value) => self
                .errors
                .check("e_bill_taxpayer", boolean(&value))
                .flatten()
                .unwrap_or(false),
            None => self
                .base
                .is_some_and(|base| base.is_corporate && base.e_bill_taxpayer),
        }
    }

    /// The national id; a sent one must be 11 digits for an address in Türkiye.
    fn identity_number(&mut self, sent: Option<Value>, places: &FoundPlaces) -> Option<String> {
        let is_sent = sent.is_some();
        let identity_number = self.optional(
            "identity_number",
            sent,
            |b| &b.identity_number,
            IDENTITY_MAX,
        );
        if is_sent && let Some(identity_number) = &identity_number {
            let in_turkey = places
                .country
                .as_ref()
                .is_some_and(|country| country.code == "tr");
            let digits = identity_number.bytes().all(|byte| byte.is_ascii_digit());
            if in_turkey && !(digits && identity_number.len() == 11) {
                self.errors.add(
                    "identity_number",
                    "Enter a valid identity number: 11 digits.",
                );
            }
        }
        identity_number
    }

    /// The requested default flags. `primary` is the one default of the contract, for both
    /// kinds; a kind's own flag wins.
    fn defaults(&mut self, form: &mut AddressForm) -> DefaultsChange {
        let mut flag = |field: &'static str, value: Option<Value>| {
            value.and_then(|value| self.errors.check(field, boolean(&value)).flatten())
        };
        let primary = flag("primary", form.primary.take());
        DefaultsChange {
            shipping: flag("is_default_shipping", form.is_default_shipping.take()).or(primary),
            billing: flag("is_default_billing", form.is_default_billing.take()).or(primary),
        }
    }
}

/// Each place must exist, be active, and sit in the place above it (checked only when the
/// place above is itself valid, so one wrong country is one error).
fn check_places(errors: &mut FieldErrors, places: &FoundPlaces, ids: &Places) {
    let country_ok = ids.country_id.map(|id| {
        places
            .country
            .as_ref()
            .is_some_and(|country| country.id == id && country.is_active)
    });
    let city_ok = ids.city_id.map(|id| {
        places.city.as_ref().is_some_and(|city| {
            city.id == id
                && city.is_active
                && (country_ok != Some(true) || Some(city.country_id) == ids.country_id)
        })
    });
    let township_ok = ids.township_id.map(|id| {
        places.township.as_ref().is_some_and(|township| {
            township.id == id
                && township.is_active
                && (city_ok != Some(true) || Some(township.city_id) == ids.city_id)
        })
    });
    let district_ok = ids.district_id.map(|id| {
        places.district.as_ref().is_some_and(|district| {
            district.id == id
                && district.is_active
                && (township_ok != Some(true) || Some(district.township_id) == ids.township_id)
        })
    });
    for (name, id, ok) in [
        ("country", ids.country_id, country_ok),
        ("city", ids.city_id, city_ok),
        ("township", ids.township_id, township_ok),
        ("district", ids.district_id, district_ok),
    ] {
        if let (Some(id), Some(false)) = (id, ok) {
            errors.add(name, does_not_exist(id));
        }
    }
}
