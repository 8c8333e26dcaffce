//! The customer's address book: create, list, read, update and delete addresses, the one
//! primary (default) address, and the corporate invoice fields. A customer only ever sees
//! their own addresses: another customer's pk answers 404, like an unknown one.
//!
//! Endpoints (logged in): `GET|POST /address/`, `GET /address/detailed/`,
//! `GET|PUT|PATCH|DELETE /address/{pk}/`.

mod entity;
mod export;
pub mod queries;
mod routes;
mod types;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::export::AddressesSection;
pub use self::types::{
    Address, AddressChange, AddressDetails, AddressForm, AddressRules, AddressView, DefaultKind,
    DefaultsChange, DetailedAddressView, FoundPlaces, Mode, PlaceIds, PlacesByIds,
};
use crate::{
    accounts::{self, Customer},
    config::Settings,
    db::Database,
    geo,
    http::{
        ApiError,
        pagination::{ListRequest, Page, PageRequest},
    },
    state::AppState,
};

/// The address list's page size when the client sends none: the whole book in one page (the
/// client renders only page 1), but at least 100 as the contract asks.
fn default_page_size(settings: &Settings) -> u64 {
    settings.address_limit_per_customer.max(100)
}

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::list_addresses, routes::create_address))
        .routes(routes!(routes::list_detailed_addresses))
        .routes(routes!(
            routes::get_address,
            routes::replace_address,
            routes::update_address,
            routes::delete_address
        ))
}

fn rules<'a>(settings: &Settings, owner: &'a Customer) -> AddressRules<'a> {
    AddressRules {
        phone_region: settings.phone_default_region,
        district_required: settings.address_district_required,
        owner_email: &owner.email,
    }
}

/// Loads the places a form names (at most one query per level).
async fn find_places(db: &impl ConnectionTrait, ids: PlaceIds) -> Result<FoundPlaces, DbErr> {
    let mut places = FoundPlaces::default();
    if let Some(id) = ids.country {
        places.country = geo::queries::find_country(db, id).await?;
    }
    if let Some(id) = ids.city {
        places.city = geo::queries::find_city(db, id).await?;
    }
    if let Some(id) = ids.township {
        places.township = geo::queries::find_township(db, id).await?;
    }
    if let Some(id) = ids.district {
        places.district = geo::queries::find_district(db, id).await?;
    }
    Ok(places)
}

/// Loads the places of a page of addresses: one `IN` query per level, whatever the page size.
pub async fn places_of(
    db: &impl ConnectionTrait,
    addresses: &[Address],
) -> Result<PlacesByIds, DbErr> {
    let ids = |pick: fn(&AddressDetails) -> Option<i64>| {
        let mut ids: Vec<i64> = addresses
            .iter()
            .filter_map(|address| pick(&address.details))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    Ok(PlacesByIds {
        countries: geo::queries::countries_by_ids(db, &ids(|details| Some(details.country_id)))
            .await?,
        cities: geo::queries::cities_by_ids(db, &ids(|details| Some(details.city_id))).await?,
        townships: geo::queries::townships_by_ids(db, &ids(|details| Some(details.township_id)))
            .await?,
        districts: geo::queries::districts_by_ids(db, &ids(|details| details.district_id)).await?,
    })
}

/// One page of the customer's book, the primary first, then newest first.
pub async fn list_page(
    db: &impl ConnectionTrait,
    settings: &Settings,
    owner: &Customer,
    request: &ListRequest,
) -> Result<Page<Address>, ApiError> {
    let size = default_page_size(settings);
    let paging = PageRequest::from_params(&request.params, Some(size), Some(size))?;
    // Page 1 always exists, so it is read before counting; when it comes back short it holds the
    // whole book and its length is the count: the client's usual request costs one query.
    if let Some(window) = paging.first_page() {
        let addresses = queries::list_addresses(db, owner.id, window).await?;
        let rows = addresses.len() as u64;
        let count = if window.limit.is_none_or(|limit| rows < limit) {
            rows
        } else {
            queries::count_addresses(db, owner.id).await?
        };
        return Ok(Page::new(count, 1, &paging, request, addresses));
    }
    let count = queries::count_addresses(db, owner.id).await?;
    let (number, window) = paging.window(count)?;
    let addresses = queries::list_addresses(db, owner.id, window).await?;
    Ok(Page::new(count, number, &paging, request, addresses))
}

/// Adds an address: checked, counted against the limit. The first is the default of both kinds;
/// a later one becomes a default when the form asks, taking the flag from the address that had it.
#[tracing::instrument(skip_all, fields(customer = owner.id))]
pub async fn add_address(
    db: &Database,
    settings: &Settings,
    owner: &Customer,
    form: AddressForm,
    now: DateTime<Utc>,
) -> Result<Address, ApiError> {
    let places = find_places(db.read(), form.place_ids(None)).await?;
    let change = form.parse(None, Mode::Full, &rules(settings, owner), &places)?;
    // Counting and inserting in one transaction keeps "first address" and the limit honest.
    let transaction = db.write().await?;
    accounts::queries::lock_customer(&transaction, owner.id).await?;
    let count = queries::count_addresses(&transaction, owner.id).await?;
    let limit = settings.address_limit_per_customer;
    if count >= limit {
        return Err(ApiError::non_field(format!(
            "You cannot have more than {limit} addresses."
        )));
    }
    let is_first = count == 0;
    let becomes_default = |kind: DefaultKind| is_first || change.defaults.of(kind) == Some(true);
    let address = queries::insert_address(
        &transaction,
        owner.id,
        &change.details,
        becomes_default(DefaultKind::Shipping),
        becomes_default(DefaultKind::Billing),
        now,
    )
    .await?;
    for kind in DefaultKind::ALL {
        if address.is_default(kind) && !is_first {
            queries::clear_other_defaults(&transaction, owner.id, address.id, kind, now).await?;
        }
    }
    transaction.commit().await?;
    tracing::info!(address = address.id, "address added");
    Ok(address)
}

/// Changes one of the customer's addresses (`PATCH`: what is sent; `PUT`: all of it) and
/// applies the default flags sent: making it a default clears that flag on every other address
/// in the same transaction, so the customer never has two of a kind.
#[tracing::instrument(skip_all, fields(customer = owner.id, address = id))]
pub async fn change_address(
    db: &Database,
    settings: &Settings,
    owner: &Customer,
    id: i64,
    form: AddressForm,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Address, ApiError> {
    // The address is found, and its ownership checked, in the transaction that changes it: a
    // delete in between cannot leave the change applied to a deleted address.
    let transaction = db.write().await?;
    accounts::queries::lock_customer(&transaction, owner.id).await?;
    let current = queries::find_address(&transaction, owner.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let places = if form.needs_places(mode) {
        find_places(&transaction, form.place_ids(Some(&current.details))).await?
    } else {
        FoundPlaces::default()
    };
    let change = form.parse(
        Some(&current.details),
        mode,
        &rules(settings, owner),
        &places,
    )?;
    let mut address = queries::update_address(&transaction, id, &change.details, now).await?;
    for kind in DefaultKind::ALL {
        let Some(is_default) = change.defaults.of(kind) else {
            continue;
        };
        if is_default {
            queries::clear_other_defaults(&transaction, owner.id, id, kind, now).await?;
        }
        queries::set_default(&transaction, id, kind, is_default, now).await?;
        address.set_default(kind, is_default);
    }
    transaction.commit().await?;
    Ok(address)
}

/// Deletes one of the customer's addresses; each default it held passes to the newest remaining
/// address in the same transaction.
#[tracing::instrument(skip_all, fields(customer = owner.id, address = id))]
pub async fn remove_address(
    db: &Database,
    owner: &Customer,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let transaction = db.write().await?;
    accounts::queries::lock_customer(&transaction, owner.id).await?;
    let address = queries::find_address(&transaction, owner.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    queries::mark_deleted(&transaction, id, now).await?;
    let orphaned = DefaultKind::ALL.map(|kind| address.is_default(kind).then_some(kind));
    if orphaned.iter().any(Option::is_some)
        && let Some(newest) = queries::find_newest_address(&transaction, owner.id).await?
    {
        for kind in orphaned.into_iter().flatten() {
            queries::set_default(&transaction, newest.id, kind, true, now).await?;
        }
    }
    transaction.commit().await?;
    Ok(())
}
