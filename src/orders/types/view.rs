//! What we answer: the Order object (orders.md §3–§4) built from what the shop sent plus what we
//! compute, and the cancellation reasons (§5).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::{CancellationRequest, Order, OrderItem, Reason};
use crate::http::wire_time;

/// The Order object: the fields the shop sent, with the status labelled in the request's
/// language, the owner, the flags of §8 and every item's requests.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct OrderView(Value);

impl OrderView {
    /// The view of `order` at `now`, labels in `language`.
    pub fn new(order: &Order, language: &str, now: DateTime<Utc>) -> Self {
        let mut object = order.snapshot.as_object().cloned().unwrap_or_default();
        let items: Vec<Value> = order
            .items
            .iter()
            .map(|item| item_view(item, order.id, language, now))
            .collect();
        let any_refundable = order.items.iter().any(|item| item.is_refundable(now));
        let any_cancellable = order.items.iter().any(OrderItem::is_cancellable);
        object.insert("id".into(), order.id.into());
        object.insert("pk".into(), order.id.into());
        object.insert("number".into(), order.number.clone().into());
        object.insert("status".into(), json!(order.shown_status().view(language)));
        object.insert("user".into(), json!(order.user_id));
        object.insert("orderitem_set".into(), Value::Array(items));
        object.insert(
            "is_cancelled".into(),
            order.items.iter().all(OrderItem::is_cancelled).into(),
        );
        // "Any actionable item": the theme shows the return button only when the order is
        // cancellable, even for items that can only be returned (§8).
        object.insert(
            "is_cancellable".into(),
            (any_cancellable || any_refundable).into(),
        );
        object.insert("is_refundable".into(), any_refundable.into());
        object.insert("modified_date".into(), wire_time(&order.modified_at).into());
        object.insert("created_date".into(), wire_time(&order.created_at).into());
        for (name, empty) in [
            ("discountitem_set", json!([])),
            ("loyaltytransaction_set", json!([])),
            ("extra_field", json!({})),
        ] {
            if object.get(name).is_none_or(Value::is_null) {
                object.insert(name.into(), empty);
            }
        }
        Self(Value::Object(object))
    }
}

/// An OrderItem object.
fn item_view(item: &OrderItem, order_id: i64, language: &str, now: DateTime<Utc>) -> Value {
    let mut object: Map<String, Value> = item.snapshot.as_object().cloned().unwrap_or_default();
    object.insert("id".into(), item.id.into());
    object.insert("order".into(), order_id.into());
    object.insert("status".into(), json!(item.status.view(language)));
    object.insert("tracking_number".into(), json!(item.tracking_number));
    object.insert("tracking_url".into(), json!(item.tracking_url));
    object.insert("is_cancelled".into(), item.is_cancelled().into());
    object.insert("is_cancellable".into(), item.is_cancellable().into());
    object.insert("is_refundable".into(), item.is_refundable(now).into());
    object.insert(
        "cancellationrequest_set".into(),
        item.requests
            .iter()
            .map(|request| request_view(request, language))
            .collect::<Vec<_>>()
            .into(),
    );
    // `null`, never `[]` or `{}`: the theme tests `!item.active_cancellation_request` (§4).
    object.insert(
        "active_cancellation_request".into(),
        item.active_request()
            .map_or(Value::Null, |request| request_view(request, language)),
    );
    object.insert("modified_date".into(), wire_time(&item.modified_at).into());
    for name in [
        "attributes",
        "attributes_kwargs",
        "localized_attributes",
        "localized_attributes_kwargs",
    ] {
        if object.get(name).is_none_or(Value::is_null) {
            object.insert(name.into(), json!({}));
        }
    }
    if object
        .get("available_easy_return_shipping_companies")
        .is_none_or(Value::is_null)
    {
        object.insert("available_easy_return_shipping_companies".into(), json!([]));
    }
    Value::Object(object)
}

/// A CancellationRequest object (§4).
pub fn request_view(request: &CancellationRequest, language: &str) -> Value {
    json!({
        "id": request.id,
        "cancellation_type": {
            "value": request.cancellation_type.as_str(),
            "label": request.cancellation_type.label(language),
        },
        "status": {
            "value": request.status.as_str(),
            "label": request.status.label(language),
        },
        "easy_return": null,
        "reason": request.reason_id,
        "description": request.description,
        "order_item": request.order_item_id,
        "quantity": request.quantity,
        "iban": request.iban,
        "holder_name": request.holder_name,
        "shipping_company": request.shipping_company,
        "created_date": wire_time(&request.created_at),
    })
}

/// A cancellation reason (§5), its subject in the request's language.
#[derive(Serialize, ToSchema)]
pub struct ReasonView {
    id: i64,
    uuid: String,
    /// `cancel` or `refund`.
    cancellation_type: &'static str,
    subject: String,
    extra_information_needed: bool,
    is_active: bool,
    order: i32,
    #[schema(value_type = Object)]
    translations: Value,
    created_date: String,
    modified_date: String,
}

impl ReasonView {
    /// The view of `reason` in `language`.
    pub fn new(reason: &Reason, language: &str) -> Self {
        Self {
            id: reason.id,
            uuid: reason.uuid.clone(),
            cancellation_type: reason.cancellation_type.as_str(),
            subject: reason.subject(language),
            extra_information_needed: reason.extra_information_needed,
            is_active: reason.is_active,
            order: reason.position,
            translations: Value::Object(reason.subjects.clone()),
            created_date: wire_time(&reason.created_at),
            modified_date: wire_time(&reason.modified_at),
        }
    }
}
