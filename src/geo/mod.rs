//! Geography: countries, cities, townships and districts, the public lookups that feed the
//! address form, the ISO 3166 data that ships with the binary, and `storefront geo import`.
//!
//! Endpoints (public, `GET`): `/address/country/`, `/address/city/?country=`,
//! `/address/township/?city=`, `/address/district/?township=`, and
//! `/address/{country|city|township|district}/{pk}/`.

mod cache;
mod entity;
pub mod import;
pub mod queries;
mod routes;
mod types;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{
    cache::{GeoCache, Places},
    types::{
        City, CityView, Country, CountryView, District, DistrictView, Township, TownshipView,
        name_key,
    },
};
use crate::state::AppState;

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::list_countries))
        .routes(routes!(routes::list_cities))
        .routes(routes!(routes::list_townships))
        .routes(routes!(routes::list_districts))
        .routes(routes!(routes::get_country))
        .routes(routes!(routes::get_city))
        .routes(routes!(routes::get_township))
        .routes(routes!(routes::get_district))
}
