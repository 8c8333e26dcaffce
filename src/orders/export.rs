//! What orders contribute to the data export, and what anonymisation leaves of them: the shop
//! keeps its records of sales, without the personal fields.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::Value;

use super::{OrderView, queries};
use crate::{
    accounts::Customer, export::ExportSection, http::ApiError, http::pagination::Window,
    state::AppState,
};

/// The `orders` section: every order of the customer as the order detail shows it.
pub struct OrdersSection;

#[async_trait]
impl ExportSection for OrdersSection {
    fn name(&self) -> &'static str {
        "orders"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let every = Window {
            offset: 0,
            limit: None,
        };
        let orders =
            queries::list_orders(state.db.read(), customer.id, Default::default(), every).await?;
        let now = state.clock.now();
        let language = &state.settings.default_language;
        let views: Vec<OrderView> = orders
            .iter()
            .map(|order| OrderView::new(order, language, now))
            .collect();
        serde_json::to_value(views).map_err(|error| ApiError::Internal(error.into()))
    }
}

/// Fields of an order's snapshot that describe the person, not the sale.
const PERSONAL_FIELDS: [&str; 6] = [
    "shipping_address",
    "billing_address",
    "remote_addr",
    "notes",
    "gift_box_note",
    "delivery_range",
];

/// Anonymisation (in its transaction `db`): the customer's orders stay, with their e-mail and
/// the personal fields of their snapshot erased.
pub async fn forget_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for (id, mut snapshot) in queries::snapshots_of_customer(db, customer_id).await? {
        if let Some(object) = snapshot.as_object_mut() {
            for field in PERSONAL_FIELDS {
                object.insert(field.to_owned(), Value::Null);
            }
            object.insert("user_email".to_owned(), Value::from(""));
        }
        queries::anonymize_order(db, id, snapshot, now).await?;
    }
    Ok(())
}
