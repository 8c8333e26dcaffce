//! The customer's handlers of loyalty money; both need a logged-in customer ([`CurrentCustomer`]:
//! 401 for guests).

use axum::{Json, extract::State};

use super::{
    PAGE_SIZE, queries,
    types::{BalanceView, TransactionView},
};
use crate::{
    accounts::CurrentCustomer,
    currencies::RequestCurrency,
    http::{
        ApiError, ErrorDetail,
        openapi::LoginRequired,
        pagination::{ListRequest, Page, PageParams, PageRequest},
    },
    state::AppState,
};

/// The customer's loyalty balance in the request's currency (`x-currency`, the session's choice,
/// or `DEFAULT_CURRENCY`): the sum of the transactions in it, `0` when there are none.
#[utoipa::path(get, path = "/account/loyalty-account-balance/", tag = "loyalty",
    params(("x-currency" = Option<String>, Header, description = "The currency, e.g. `try`")),
    responses(
        (status = 200, description = "The balance", body = BalanceView),
        LoginRequired,
    ))]
pub async fn get_balance(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    currency: RequestCurrency,
) -> Result<Json<BalanceView>, ApiError> {
    let balance = queries::balance(state.db.read(), customer.id, currency.as_str()).await?;
    Ok(Json(BalanceView {
        balance: balance.to_number(),
    }))
}

/// The customer's loyalty transactions, newest first, each in its own currency (page size
/// `limit`, default 100).
#[utoipa::path(get, path = "/account/loyalty/", tag = "loyalty",
    params(PageParams),
    responses(
        (status = 200, description = "The transactions", body = Page<TransactionView>),
        LoginRequired,
        (status = 404, description = "Invalid page", body = ErrorDetail),
    ))]
pub async fn list_transactions(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    request: ListRequest,
) -> Result<Json<Page<TransactionView>>, ApiError> {
    let db = state.db.read();
    let paging = PageRequest::from_params(&request.params, Some(PAGE_SIZE), Some(PAGE_SIZE))?;
    let count = queries::count_transactions(db, customer.id).await?;
    let (number, window) = paging.window(count)?;
    let transactions = queries::list_transactions(db, customer.id, window).await?;
    let page = Page::new(count, number, &paging, &request, transactions);
    Ok(Json(
        page.map(|transaction| TransactionView::new(&transaction)),
    ))
}
