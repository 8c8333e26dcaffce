//! Places as the server sees them (`Country`, `City`, `Township`, `District`), what the API
//! answers (`*View`, flat: parents are pks), and the name folding that makes imports idempotent.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::entity::{city, country, district, township};

/// The key names are matched on: trimmed, inner whitespace collapsed, lower-cased, and Turkish
/// dotted/dotless `i` folded together, so `KADIKÖY`, `Kadıköy` and `kadiköy` are one township
/// (shops' files are often upper-case, and `"I".to_lowercase()` is not Turkish `ı`).
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .filter(|c| *c != '\u{307}')
        .map(|c| if c == 'ı' { 'i' } else { c })
        .collect()
}

/// A country.
#[derive(Debug, Clone)]
pub struct Country {
    /// Primary key.
    pub id: i64,
    /// ISO 3166-1 alpha-2, lower-case.
    pub code: String,
    /// Name.
    pub name: String,
    /// Whether it is offered.
    pub is_active: bool,
    /// Names by language, when known.
    pub translations: Option<Value>,
}

/// A city (first-level subdivision).
#[derive(Debug, Clone)]
pub struct City {
    /// Primary key.
    pub id: i64,
    /// The country.
    pub country_id: i64,
    /// Name.
    pub name: String,
    /// Listing priority; lower first, `None` last.
    pub priority: Option<i32>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Whether it is offered.
    pub is_active: bool,
    /// Names by language, when known.
    pub translations: Option<Value>,
}

/// A township.
#[derive(Debug, Clone)]
pub struct Township {
    /// Primary key.
    pub id: i64,
    /// The city.
    pub city_id: i64,
    /// Name.
    pub name: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Whether it is offered.
    pub is_active: bool,
}

/// A district.
#[derive(Debug, Clone)]
pub struct District {
    /// Primary key.
    pub id: i64,
    /// The township's city.
    pub city_id: i64,
    /// The township.
    pub township_id: i64,
    /// Name.
    pub name: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Whether it is offered.
    pub is_active: bool,
}

impl From<country::Model> for Country {
    fn from(row: country::Model) -> Self {
        Self {
            id: row.id,
            code: row.code,
            name: row.name,
            is_active: row.is_active,
            translations: row.translations,
        }
    }
}

impl From<city::Model> for City {
    fn from(row: city::Model) -> Self {
        Self {
            id: row.id,
            country_id: row.country_id,
            name: row.name,
            priority: row.priority,
            postcode: row.postcode,
            is_active: row.is_active,
            translations: row.translations,
        }
    }
}

impl From<township::Model> for Township {
    fn from(row: township::Model) -> Self {
        Self {
            id: row.id,
            city_id: row.city_id,
            name: row.name,
            postcode: row.postcode,
            is_active: row.is_active,
        }
    }
}

impl From<district::Model> for District {
    fn from(row: district::Model) -> Self {
        Self {
            id: row.id,
            city_id: row.city_id,
            township_id: row.township_id,
            name: row.name,
            postcode: row.postcode,
            is_active: row.is_active,
        }
    }
}

/// A country as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"pk": 1, "is_active": true, "name": "Türkiye", "code": "tr", "translations": null}))]
pub struct CountryView {
    pk: i64,
    is_active: bool,
    name: String,
    /// ISO 3166-1 alpha-2, lower-case; compare case-insensitively.
    code: String,
    #[schema(value_type = Option<Object>)]
    translations: Option<Value>,
}

/// A city as the API shows it; `country` is a pk.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"pk": 40, "is_active": true, "name": "İstanbul", "country": 1, "translations": null, "priority": null, "postcode": null}))]
pub struct CityView {
    pk: i64,
    is_active: bool,
    name: String,
    country: i64,
    #[schema(value_type = Option<Object>)]
    translations: Option<Value>,
    priority: Option<i32>,
    postcode: Option<String>,
}

/// A township as the API shows it; `city` is a pk.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"pk": 449, "is_active": true, "name": "ARNAVUTKÖY", "city": 40, "postcode": null}))]
pub struct TownshipView {
    pk: i64,
    is_active: bool,
    name: String,
    city: i64,
    postcode: Option<String>,
}

/// A district as the API shows it; `city` and `township` are pks.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"pk": 23739, "is_active": true, "name": "ADNAN MENDERES MAH", "city": 40, "township": 449, "postcode": null}))]
pub struct DistrictView {
    pk: i64,
    is_active: bool,
    name: String,
    city: i64,
    township: i64,
    postcode: Option<String>,
}

impl From<&Country> for CountryView {
    fn from(country: &Country) -> Self {
        Self {
            pk: country.id,
            is_active: country.is_active,
            name: country.name.clone(),
            code: country.code.clone(),
            translations: country.translations.clone(),
        }
    }
}

impl From<&City> for CityView {
    fn from(city: &City) -> Self {
        Self {
            pk: city.id,
            is_active: city.is_active,
            name: city.name.clone(),
            country: city.country_id,
            translations: city.translations.clone(),
            priority: city.priority,
            postcode: city.postcode.clone(),
        }
    }
}

impl From<&Township> for TownshipView {
    fn from(township: &Township) -> Self {
        Self {
            pk: township.id,
            is_active: township.is_active,
            name: township.name.clone(),
            city: township.city_id,
            postcode: township.postcode.clone(),
        }
    }
}

impl From<&District> for DistrictView {
    fn from(district: &District) -> Self {
        Self {
            pk: district.id,
            is_active: district.is_active,
            name: district.name.clone(),
            city: district.city_id,
            township: district.township_id,
            postcode: district.postcode.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_fold_case_spacing_and_turkish_i() {
        assert_eq!(name_key("  KADIKÖY "), name_key("Kadıköy"));
        assert_eq!(name_key("İSTANBUL"), name_key("istanbul"));
        assert_eq!(name_key("Adnan   Menderes Mah"), "adnan menderes mah");
        assert_ne!(name_key("Kadıköy"), name_key("Kadikoy"));
    }
}
