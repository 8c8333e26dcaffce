//! The geography that ships with the binary: ISO 3166-1 countries and their ISO 3166-2
//! subdivisions, from the `rust_iso3166` crate (kept current by its maintainers, so a new
//! release of the standard is a dependency update). The geography migration loads it.
//!
//! The crate lists every ISO 3166-2 code of a country without parent links, so for the few
//! countries the standard splits on two levels (France's regions and departments, Spain's
//! communities and provinces, ...) both levels become cities; a shop can import its own.

use super::types::name_key;

/// A country to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoCountry {
    /// ISO 3166-1 alpha-2, lower-case (what the API shows).
    pub code: String,
    /// English short name.
    pub name: String,
    /// Its subdivisions, by code; names unique within the country once folded.
    pub subdivisions: Vec<IsoSubdivision>,
}

/// A subdivision to load as a city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoSubdivision {
    /// ISO 3166-2 code, e.g. `TR-34`.
    pub code: String,
    /// Name in the local language, e.g. `İstanbul`.
    pub name: String,
}

/// Every country with its subdivisions, countries by code. Where two subdivisions share a
/// folded name (a region and a province named alike), the first by code is kept, because
/// cities are unique by name within a country.
pub fn countries() -> Vec<IsoCountry> {
    let mut countries: Vec<IsoCountry> = rust_iso3166::ALL
        .iter()
        .map(|country| {
            let mut subdivisions: Vec<IsoSubdivision> = country
                .subdivisions()
                .unwrap_or_default()
                .iter()
                .map(|subdivision| IsoSubdivision {
                    code: subdivision.code.to_owned(),
                    name: subdivision.name.trim().to_owned(),
                })
                .collect();
            subdivisions.sort_by(|a, b| a.code.cmp(&b.code));
            let mut seen = std::collections::HashSet::new();
            subdivisions.retain(|subdivision| seen.insert(name_key(&subdivision.name)));
            IsoCountry {
                code: country.alpha2.to_ascii_lowercase(),
                name: country.name.to_owned(),
                subdivisions,
            }
        })
        .collect();
    countries.sort_by(|a, b| a.code.cmp(&b.code));
    countries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkey_and_its_81_provinces_are_there() {
        let countries = countries();
        let turkey = countries
            .iter()
            .find(|country| country.code == "tr")
            .unwrap();
        assert_eq!(turkey.name, "Türkiye");
        assert_eq!(turkey.subdivisions.len(), 81);
        assert!(
            turkey
                .subdivisions
                .iter()
                .any(|city| city.code == "TR-34" && city.name == "İstanbul")
        );
        assert!(countries.len() >= 249);
    }
}
