//! Handlers of the address book. Every one needs a logged-in customer ([`CurrentCustomer`]: 401
//! for guests) and touches only that customer's addresses.

use axum::{Json, extract::State, http::StatusCode};

use super::{AddressForm, AddressView, DetailedAddressView, Mode, places_of, queries};
use crate::{
    accounts::{CurrentCustomer, Customer},
    http::pagination::{ListRequest, Page, PageParams, PathPk},
    http::{
        ApiError, ErrorDetail, FieldErrors, Payload,
        openapi::{LoggedInWrite, LoginRequired},
    },
    state::AppState,
};

/// The customer's addresses with places and owner as pks, all in one page unless `limit` is
/// sent; the primary first, then newest first.
#[utoipa::path(get, path = "/address/", tag = "addresses",
    params(PageParams),
    responses(
        (status = 200, description = "The address book", body = Page<AddressView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_addresses(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<AddressView>>, ApiError> {
    let page = super::list_page(state.db.read(), &state.settings, &customer, &request).await?;
    Ok(Json(page.map(|address| {
        AddressView::new(&address, state.settings.phone_default_region)
    })))
}

/// The customer's addresses with places and owner nested (what the storefront renders).
#[utoipa::path(get, path = "/address/detailed/", tag = "addresses",
    params(PageParams),
    responses(
        (status = 200, description = "The address book", body = Page<DetailedAddressView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_detailed_addresses(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<DetailedAddressView>>, ApiError> {
    let page = super::list_page(state.db.read(), &state.settings, &customer, &request).await?;
    let places = places_of(state.db.read(), &page.results).await?;
    Ok(Json(page.map(|address| {
        DetailedAddressView::new(
            &address,
            &places,
            &customer,
            state.settings.phone_default_region,
        )
    })))
}

/// Adds an address. The first one becomes the primary address. Corporate addresses (`type`
/// `corporate`) need `company_name`, `tax_office` and `tax_no`.
#[utoipa::path(post, path = "/address/", tag = "addresses",
    request_body = AddressForm,
    responses(
        (status = 201, description = "The new address, with its `pk`", body = AddressView),
        (status = 400, description = "Invalid fields, or the address limit is reached", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn create_address(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    Payload(form): Payload<AddressForm>,
) -> Result<(StatusCode, Json<AddressView>), ApiError> {
    let address = super::add_address(
        &state.db,
        &state.settings,
        &customer,
        form,
        state.clock.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AddressView::new(
            &address,
            state.settings.phone_default_region,
        )),
    ))
}

/// One of the customer's addresses.
#[utoipa::path(get, path = "/address/{pk}/", tag = "addresses",
    params(("pk" = i64, Path, description = "Address pk")),
    responses(
        (status = 200, description = "The address", body = AddressView),
        LoginRequired,
        (status = 404, description = "No such address of this customer", body = ErrorDetail),
    ))]
pub async fn get_address(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(pk): PathPk,
) -> Result<Json<AddressView>, ApiError> {
    let address = queries::find_address(state.db.read(), customer.id, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(AddressView::new(
        &address,
        state.settings.phone_default_region,
    )))
}

/// Changes the fields sent; others stay. `{"primary": true}` makes it the default address and
/// clears the flag on every other one.
#[utoipa::path(patch, path = "/address/{pk}/", tag = "addresses",
    params(("pk" = i64, Path, description = "Address pk")),
    request_body = AddressForm,
    responses(
        (status = 200, description = "The updated address", body = AddressView),
        (status = 400, description = "Invalid fields", body = FieldErrors),
        LoggedInWrite,
        (status = 404, description = "No such address of this customer", body = ErrorDetail),
    ))]
pub async fn update_address(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(pk): PathPk,
    Payload(form): Payload<AddressForm>,
) -> Result<Json<AddressView>, ApiError> {
    change_and_show(&state, &customer, pk, form, Mode::Partial).await
}

/// Replaces the address: the required fields must all be sent.
#[utoipa::path(put, path = "/address/{pk}/", tag = "addresses",
    params(("pk" = i64, Path, description = "Address pk")),
    request_body = AddressForm,
    responses(
        (status = 200, description = "The updated address", body = AddressView),
        (status = 400, description = "Invalid fields", body = FieldErrors),
        LoggedInWrite,
        (status = 404, description = "No such address of this customer", body = ErrorDetail),
    ))]
pub async fn replace_address(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(pk): PathPk,
    Payload(form): Payload<AddressForm>,
) -> Result<Json<AddressView>, ApiError> {
    change_and_show(&state, &customer, pk, form, Mode::Full).await
}

/// What `PATCH` and `PUT` share: the change, then the address as it now is.
async fn change_and_show(
    state: &AppState,
    customer: &Customer,
    pk: i64,
    form: AddressForm,
    mode: Mode,
) -> Result<Json<AddressView>, ApiError> {
    let address = super::change_address(
        &state.db,
        &state.settings,
        customer,
        pk,
        form,
        mode,
        state.clock.now(),
    )
    .await?;
    Ok(Json(AddressView::new(
        &address,
        state.settings.phone_default_region,
    )))
}

/// Deletes the address (any body is ignored). If it was the primary address, the newest
/// remaining one becomes primary.
#[utoipa::path(delete, path = "/address/{pk}/", tag = "addresses",
    params(("pk" = i64, Path, description = "Address pk")),
    responses(
        (status = 204, description = "Deleted"),
        LoggedInWrite,
        (status = 404, description = "No such address of this customer", body = ErrorDetail),
    ))]
pub async fn delete_address(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    PathPk(pk): PathPk,
) -> Result<StatusCode, ApiError> {
    super::remove_address(&state.db, &customer, pk, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
