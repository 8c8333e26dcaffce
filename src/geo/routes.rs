//! Handlers of the geography lookups: public, read-only, served from [`super::GeoCache`].

use axum::{Json, extract::State};

use super::{
    cache::{Level, Places},
    types::{CityView, CountryView, DistrictView, TownshipView, name_key},
};
use crate::{
    http::{
        ApiError, ErrorDetail, FieldErrors,
        pagination::{ListRequest, Page, PageParams, PageRequest, PathPk, QueryParams},
    },
    state::AppState,
};

const INVALID_CHOICE: &str =
    "Select a valid choice. That choice is not one of the available choices.";
/// Shortest `q`/`name` that filters cities by name.
const SEARCH_MIN_CHARS: usize = 2;

/// A filter on a parent's pk, as the client sends it.
enum ParentFilter {
    /// The key is absent: no filtering.
    Absent,
    /// `?city=`: the form has nothing selected yet, so nothing matches (django-filter would
    /// ignore the empty value and list everything; the client never wants that).
    Empty,
    /// `?city=40`.
    Pk(i64),
}

impl ParentFilter {
    fn parse(params: &QueryParams, name: &str) -> Result<Self, ApiError> {
        match params.get(name) {
            None => Ok(Self::Absent),
            Some("") => Ok(Self::Empty),
            Some(value) => value
                .parse()
                .map(Self::Pk)
                .map_err(|_| ApiError::field(name, INVALID_CHOICE)),
        }
    }

    /// The rows of `level` this filter keeps, in listing order.
    fn select<T>(self, level: &Level<T>) -> Vec<&T> {
        match self {
            Self::Absent => level.all().collect(),
            Self::Empty => Vec::new(),
            Self::Pk(pk) => level.under(pk).collect(),
        }
    }
}

/// `retailstore__isnull`: `false` lists places with a retail store, `true` those without. No
/// retail stores exist yet, so `false` matches nothing and `true` everything.
fn keeps_places_without_retail_store(params: &QueryParams) -> Result<bool, ApiError> {
    const NAME: &str = "retailstore__isnull";
    match params.get(NAME).map(str::to_ascii_lowercase).as_deref() {
        None | Some("" | "true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(ApiError::field(NAME, "Must be a valid boolean.")),
    }
}

async fn places(state: &AppState) -> Result<std::sync::Arc<Places>, ApiError> {
    Ok(state.geo.places(state.db.read()).await?)
}

/// Active countries, everything in one page unless `limit`/`page_size` is sent.
#[utoipa::path(get, path = "/address/country/", tag = "geography",
    params(PageParams),
    responses(
        (status = 200, description = "Countries by name", body = Page<CountryView>),
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_countries(
    State(state): State<AppState>,
    request: ListRequest,
) -> Result<Json<Page<CountryView>>, ApiError> {
    let paging = PageRequest::from_params(&request.params, None, None)?;
    let places = places(&state).await?;
    let rows = places.countries.all().map(CountryView::from).collect();
    Ok(Json(Page::of_all(rows, &paging, &request)?))
}

/// Active cities by priority then name, filtered by `country`, `retailstore__isnull` and a
/// `q`/`name` search of at least two characters.
#[utoipa::path(get, path = "/address/city/", tag = "geography",
    params(
        PageParams,
        ("country" = Option<String>, Query, description = "Country pk; empty matches nothing"),
        ("retailstore__isnull" = Option<bool>, Query, description = "`false`: only cities with a retail store"),
        ("q" = Option<String>, Query, description = "Name contains (case-insensitive, at least 2 characters); alias `name`"),
    ),
    responses(
        (status = 200, description = "Cities", body = Page<CityView>),
        (status = 400, description = "A filter is not a pk", body = FieldErrors),
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_cities(
    State(state): State<AppState>,
    request: ListRequest,
) -> Result<Json<Page<CityView>>, ApiError> {
    let paging = PageRequest::from_params(&request.params, None, None)?;
    let country = ParentFilter::parse(&request.params, "country")?;
    let keep = keeps_places_without_retail_store(&request.params)?;
    let search = request
        .params
        .get("q")
        .or_else(|| request.params.get("name"))
        .filter(|text| text.chars().count() >= SEARCH_MIN_CHARS)
        .map(name_key);
    let places = places(&state).await?;
    let rows = country
        .select(&places.cities)
        .into_iter()
        .filter(|_| keep)
        .filter(|city| {
            search
                .as_ref()
                .is_none_or(|search| name_key(&city.name).contains(search.as_str()))
        })
        .map(CityView::from)
        .collect();
    Ok(Json(Page::of_all(rows, &paging, &request)?))
}

/// Active townships by name, filtered by `city` and `retailstore__isnull`.
#[utoipa::path(get, path = "/address/township/", tag = "geography",
    params(
        PageParams,
        ("city" = Option<String>, Query, description = "City pk; empty matches nothing"),
        ("retailstore__isnull" = Option<bool>, Query, description = "`false`: only townships with a retail store"),
    ),
    responses(
        (status = 200, description = "Townships", body = Page<TownshipView>),
        (status = 400, description = "A filter is not a pk", body = FieldErrors),
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_townships(
    State(state): State<AppState>,
    request: ListRequest,
) -> Result<Json<Page<TownshipView>>, ApiError> {
    let paging = PageRequest::from_params(&request.params, None, None)?;
    let city = ParentFilter::parse(&request.params, "city")?;
    let keep = keeps_places_without_retail_store(&request.params)?;
    let places = places(&state).await?;
    let rows = city
        .select(&places.townships)
        .into_iter()
        .filter(|_| keep)
        .map(TownshipView::from)
        .collect();
    Ok(Json(Page::of_all(rows, &paging, &request)?))
}

/// Active districts by name, filtered by `township` and/or `city`.
#[utoipa::path(get, path = "/address/district/", tag = "geography",
    params(
        PageParams,
        ("township" = Option<String>, Query, description = "Township pk; empty matches nothing"),
        ("city" = Option<String>, Query, description = "City pk; empty matches nothing"),
    ),
    responses(
        (status = 200, description = "Districts", body = Page<DistrictView>),
        (status = 400, description = "A filter is not a pk", body = FieldErrors),
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_districts(
    State(state): State<AppState>,
    request: ListRequest,
) -> Result<Json<Page<DistrictView>>, ApiError> {
    let paging = PageRequest::from_params(&request.params, None, None)?;
    let township = ParentFilter::parse(&request.params, "township")?;
    let city = ParentFilter::parse(&request.params, "city")?;
    let places = places(&state).await?;
    let rows = match (township, city) {
        (ParentFilter::Empty, _) | (_, ParentFilter::Empty) => Vec::new(),
        (ParentFilter::Pk(township), city) => places
            .districts
            .under(township)
            .filter(|district| match city {
                ParentFilter::Pk(city) => district.city_id == city,
                _ => true,
            })
            .collect(),
        (ParentFilter::Absent, ParentFilter::Pk(city)) => places
            .districts_by_city
            .get(&city)
            .into_iter()
            .flatten()
            .filter_map(|id| places.districts.get(*id))
            .collect(),
        (ParentFilter::Absent, ParentFilter::Absent) => places.districts.all().collect(),
    }
    .into_iter()
    .map(DistrictView::from)
    .collect();
    Ok(Json(Page::of_all(rows, &paging, &request)?))
}

/// One active country.
#[utoipa::path(get, path = "/address/country/{pk}/", tag = "geography",
    params(("pk" = i64, Path, description = "Country pk")),
    responses(
        (status = 200, description = "The country", body = CountryView),
        (status = 404, description = "Unknown or inactive", body = ErrorDetail),
    ))]
pub async fn get_country(
    State(state): State<AppState>,
    PathPk(pk): PathPk,
) -> Result<Json<CountryView>, ApiError> {
    let places = places(&state).await?;
    places
        .countries
        .get(pk)
        .map(|row| Json(row.into()))
        .ok_or(ApiError::NotFound)
}

/// One active city.
#[utoipa::path(get, path = "/address/city/{pk}/", tag = "geography",
    params(("pk" = i64, Path, description = "City pk")),
    responses(
        (status = 200, description = "The city", body = CityView),
        (status = 404, description = "Unknown or inactive", body = ErrorDetail),
    ))]
pub async fn get_city(
    State(state): State<AppState>,
    PathPk(pk): PathPk,
) -> Result<Json<CityView>, ApiError> {
    let places = places(&state).await?;
    places
        .cities
        .get(pk)
        .map(|row| Json(row.into()))
        .ok_or(ApiError::NotFound)
}

/// One active township.
#[utoipa::path(get, path = "/address/township/{pk}/", tag = "geography",
    params(("pk" = i64, Path, description = "Township pk")),
    responses(
        (status = 200, description = "The township", body = TownshipView),
        (status = 404, description = "Unknown or inactive", body = ErrorDetail),
    ))]
pub async fn get_township(
    State(state): State<AppState>,
    PathPk(pk): PathPk,
) -> Result<Json<TownshipView>, ApiError> {
    let places = places(&state).await?;
    places
        .townships
        .get(pk)
        .map(|row| Json(row.into()))
        .ok_or(ApiError::NotFound)
}

/// One active district.
#[utoipa::path(get, path = "/address/district/{pk}/", tag = "geography",
    params(("pk" = i64, Path, description = "District pk")),
    responses(
        (status = 200, description = "The district", body = DistrictView),
        (status = 404, description = "Unknown or inactive", body = ErrorDetail),
    ))]
pub async fn get_district(
    State(state): State<AppState>,
    PathPk(pk): PathPk,
) -> Result<Json<DistrictView>, ApiError> {
    let places = places(&state).await?;
    places
        .districts
        .get(pk)
        .map(|row| Json(row.into()))
        .ok_or(ApiError::NotFound)
}
