//! Orders as the shop's order system sends them (`PUT /internal/orders/{number}/`) and as the
//! customer reads them (`/users/orders/`): ownership, paging with the client's odd query strings,
//! the flags of orders.md §8, and the internal API's idempotency and validation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Customer, TestApp, json_body, spawn_app_with, with_internal_api};

/// An Order object as the shop sends it: items `(id, status)`, placed on `created`.
fn order_body(id: i64, number: &str, email: &str, created: &str, items: &[(i64, &str)]) -> Value {
    json!({
        "id": id,
        "number": number,
        "status": {"value": items.first().map_or("400", |item| item.1), "label": "whatever"},
        "currency": {"value": "try", "label": "TL"},
        "customer_email": email,
        "created_date": created,
        "amount": "159.90",
        "discount_amount": "0",
        "shipping_amount": "9.99",
        "amount_without_discount": "159.90",
        "payment_option": {"pk": 1, "name": "Credit card", "payment_type": "credit_card", "payment_type_label": "Credit Card", "slug": "credit-card"},
        "shipping_address": {"pk": 3, "line": "Bağdat Cd. 1", "city": {"pk": 40, "name": "ISTANBUL"}},
        "billing_address": {"pk": 3, "line": "Bağdat Cd. 1", "city": {"pk": 40, "name": "ISTANBUL"}},
        "orderitem_set": items.iter().map(|(item_id, status)| json!({
            "id": item_id,
            "status": {"value": status, "label": "x"},
            "price_currency": {"value": "try", "label": "TL"},
            "price": "79.95",
            "retail_price": "99.90",
            "quantity": "1",
            "product": {"pk": 5, "sku": "SKU-5", "name": "Shirt", "image": null, "absolute_url": "/shirt/", "attributes": {"renk": "mavi"}},
            "tracking_number": null,
            "tracking_url": null,
        })).collect::<Vec<_>>(),
    })
}

async fn put_order(app: &TestApp, number: &str, body: &Value) -> reqwest::Response {
    app.internal(Method::PUT, &format!("/internal/orders/{number}/"))
        .json(body)
        .await
}

/// Stores an order for `email` and answers its id.
async fn place(app: &TestApp, id: i64, email: &str, created: &str, items: &[(i64, &str)]) -> i64 {
    let number = format!("{}", 2_101_925_807_000_000_i64 + id);
    let response = put_order(
        app,
        &number,
        &order_body(id, &number, email, created, items),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        json_body(response).await
    );
    id
}

async fn app_with_customer() -> (TestApp, Customer) {
    let app = spawn_app_with(with_internal_api).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    (app, customer)
}

#[tokio::test]
async fn an_order_from_the_shop_is_listed_for_its_customer_with_the_contracts_fields() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        41,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(4101, "400"), (4102, "450")],
    )
    .await;

    let response = app
        .send(Method::GET, "/users/orders/")
        .header("accept-language", "en")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let page = json_body(response).await;
    assert_eq!(page["count"], 1);
    assert_eq!(page["next"], Value::Null);
    let order = &page["results"][0];
    assert_eq!(order["id"], 41);
    assert_eq!(order["number"], "2101925807000041");
    assert_eq!(
        order["status"],
        json!({"value": "400", "label": "Approved"})
    );
    assert_eq!(order["currency"]["value"], "try");
    assert_eq!(order["amount"], "159.90");
    assert_eq!(order["discount_amount"], "0.00");
    assert_eq!(order["user_email"], customer.email);
    assert_eq!(order["user"], app.customer_pk().await);
    assert_eq!(order["created_date"], "2024-05-01T10:00:00.000000Z");
    assert_eq!(order["shipping_address"]["city"]["name"], "ISTANBUL");
    assert_eq!(order["discountitem_set"], json!([]));
    assert_eq!(order["is_cancellable"], true);
    assert_eq!(order["is_refundable"], false);
    let items = order["orderitem_set"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], 4101);
    assert_eq!(items[0]["order"], 41);
    assert_eq!(items[0]["is_cancellable"], true);
    assert_eq!(items[0]["active_cancellation_request"], Value::Null);
    assert_eq!(items[0]["cancellationrequest_set"], json!([]));
    assert_eq!(items[0]["product"]["attributes"], json!({"renk": "mavi"}));
    assert_eq!(items[1]["status"]["label"], "Preparing");
    assert_eq!(
        items[1]["is_cancellable"], false,
        "a preparing item can no longer be cancelled"
    );
}

#[tokio::test]
async fn labels_follow_the_request_language() {
    let (app, customer) = app_with_customer().await;
    let id = place(
        &app,
        42,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(4201, "450")],
    )
    .await;

    let order = json_body(
        app.send(Method::GET, &format!("/users/orders/{id}/"))
            .header("accept-language", "tr")
            .await,
    )
    .await;

    assert_eq!(
        order["status"],
        json!({"value": "450", "label": "Hazırlanıyor"})
    );
}

#[tokio::test]
async fn another_customers_order_and_a_guest_order_are_not_found() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        43,
        "someone-else@example.com",
        "2024-05-01T10:00:00Z",
        &[(4301, "400")],
    )
    .await;
    place(
        &app,
        44,
        &Customer::generate().email,
        "2024-05-01T10:00:00Z",
        &[(4401, "400")],
    )
    .await;
    let other = Customer::generate();
    app.register(&other).await;
    place(
        &app,
        45,
        &other.email,
        "2024-05-01T10:00:00Z",
        &[(4501, "400")],
    )
    .await;
    app.log_in(&customer).await;

    for id in ["43", "44", "45", "99999", "x"] {
        let response = app.get(&format!("/users/orders/{id}/")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "order {id}");
        assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    }
    assert_eq!(json_body(app.get("/users/orders/").await).await["count"], 0);
}

#[tokio::test]
async fn orders_need_a_login() {
    let app = spawn_app_with(with_internal_api).await;

    assert_eq!(
        app.get("/users/orders/").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/users/orders/1/").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_list_pages_by_twelve_newest_first_and_reads_the_clients_odd_query_strings() {
    let (app, customer) = app_with_customer().await;
    for day in 1..=14_i64 {
        place(
            &app,
            100 + day,
            &customer.email,
            &format!("2024-03-{day:02}T08:00:00Z"),
            &[(10_000 + day, "550")],
        )
        .await;
    }
    place(
        &app,
        200,
        &customer.email,
        "2025-01-02T08:00:00Z",
        &[(20_000, "550")],
    )
    .await;

    let first = json_body(app.get("/users/orders/?page=1&limit=12").await).await;
    let second = json_body(app.get("/users/orders/?page=2").await).await;
    let in_2024 = json_body(
        app.get("/users/orders/?page=1&limit=12+&created_date__gte=2024-01-01+&created_date__lte=2025-01-01")
            .await,
    )
    .await;
    let from_march_10 = json_body(
        app.get("/users/orders/?page=1&limit=12%20%20&created_date__gte=2024-03-10T00:00:00Z")
            .await,
    )
    .await;

    assert_eq!(first["count"], 15);
    assert_eq!(first["results"].as_array().unwrap().len(), 12);
    assert_eq!(first["results"][0]["id"], 200);
    assert_eq!(first["results"][1]["id"], 114);
    assert!(
        first["next"]
            .as_str()
            .unwrap()
            .ends_with("/users/orders/?limit=12&page=2")
    );
    assert_eq!(second["results"].as_array().unwrap().len(), 3);
    assert_eq!(second["results"][2]["id"], 101);
    assert_eq!(in_2024["count"], 14);
    assert_eq!(from_march_10["count"], 6);
}

#[tokio::test]
async fn a_bad_date_filter_or_a_page_past_the_end_is_refused() {
    let (app, _customer) = app_with_customer().await;

    let bad_date = app.get("/users/orders/?created_date__gte=2024-13-01").await;
    let past_the_end = app.get("/users/orders/?page=3").await;

    assert_eq!(bad_date.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(bad_date).await,
        json!({"created_date__gte": ["Enter a valid date/time."]})
    );
    assert_eq!(past_the_end.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_body(past_the_end).await,
        json!({"detail": "Invalid page."})
    );
}

#[tokio::test]
async fn the_same_order_twice_changes_nothing_and_a_changed_one_replaces_it() {
    let (app, customer) = app_with_customer().await;
    let number = "2101925807112197";
    let body = order_body(
        46,
        number,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(4601, "400")],
    );
    put_order(&app, number, &body).await;
    let before = json_body(app.get("/users/orders/46/").await).await;
    app.advance_clock(std::time::Duration::from_secs(60));

    let again = put_order(&app, number, &body).await;
    let unchanged = json_body(app.get("/users/orders/46/").await).await;
    let mut shipped = body.clone();
    shipped["orderitem_set"][0]["status"]["value"] = json!("500");
    shipped["orderitem_set"][0]["tracking_number"] = json!("TRK1");
    let replaced = put_order(&app, number, &shipped).await;
    let after = json_body(app.get("/users/orders/46/").await).await;

    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(unchanged, before);
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_ne!(after["modified_date"], before["modified_date"]);
    let item = &after["orderitem_set"][0];
    assert_eq!(item["status"]["value"], "500");
    assert_eq!(item["tracking_number"], "TRK1");
    assert_eq!(item["is_cancellable"], false);
    assert_eq!(
        item["is_refundable"], true,
        "a shipped item may be returned"
    );
    assert_eq!(
        after["is_cancellable"], true,
        "any actionable item makes the order cancellable"
    );
}

#[tokio::test]
async fn the_return_window_closes_fourteen_days_after_delivery() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        47,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(4701, "550")],
    )
    .await;

    let fresh = json_body(app.get("/users/orders/47/").await).await;
    app.advance_clock(std::time::Duration::from_secs(15 * 24 * 3600));
    app.log_in(&customer).await;
    let late = json_body(app.get("/users/orders/47/").await).await;

    assert_eq!(fresh["orderitem_set"][0]["is_refundable"], true);
    assert_eq!(late["orderitem_set"][0]["is_refundable"], false);
    assert_eq!(late["is_cancellable"], false);
}

#[tokio::test]
async fn a_body_that_is_not_an_order_is_refused_with_the_path_of_its_first_error() {
    let (app, customer) = app_with_customer().await;
    let number = "2101925807112198";
    let good = order_body(
        48,
        number,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(4801, "400"), (4802, "400")],
    );
    let mut float_price = good.clone();
    float_price["orderitem_set"][1]["price"] = json!(79.95);
    let mut bad_status = good.clone();
    bad_status["orderitem_set"][0]["status"]["value"] = json!("401");
    let mut huge_quantity = good.clone();
    huge_quantity["orderitem_set"][1]["quantity"] = json!(-3);
    let mut no_items = good.clone();
    no_items["orderitem_set"] = json!([]);
    let mut other_number = good.clone();
    other_number["number"] = json!("2101925807112199");

    let cases = [
        (number, float_price, "orderitem_set[1].price"),
        (number, bad_status, "orderitem_set[0].status.value"),
        (number, huge_quantity, "orderitem_set[1].quantity"),
        (number, no_items, "orderitem_set"),
        (number, other_number, "number"),
        ("0123", good.clone(), "number"),
        ("99999999999999999", good.clone(), "number"),
    ];
    for (path_number, body, field) in cases {
        let response = put_order(&app, path_number, &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{field}");
        let errors = json_body(response).await;
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    let missing = put_order(&app, number, &json!({"id": 48})).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(app.get("/users/orders/").await).await["count"], 0);
}

#[tokio::test]
async fn an_item_or_a_number_of_another_order_is_refused() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        49,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(4901, "400")],
    )
    .await;

    let stolen_item = put_order(
        &app,
        "2101925807000050",
        &order_body(
            50,
            "2101925807000050",
            &customer.email,
            "2024-05-01T10:00:00Z",
            &[(4901, "400")],
        ),
    )
    .await;
    let stolen_number = put_order(
        &app,
        "2101925807000049",
        &order_body(
            51,
            "2101925807000049",
            &customer.email,
            "2024-05-01T10:00:00Z",
            &[(5101, "400")],
        ),
    )
    .await;

    assert_eq!(stolen_item.status(), StatusCode::BAD_REQUEST);
    assert!(
        json_body(stolen_item)
            .await
            .get("orderitem_set[0].id")
            .is_some()
    );
    assert_eq!(stolen_number.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(stolen_number).await.get("number").is_some());
}

#[tokio::test]
async fn cancellation_reasons_come_in_one_page_in_the_request_language() {
    let app = spawn_app_with(with_internal_api).await;

    let english = json_body(
        app.send(Method::GET, "/users/orders/cancellation_reasons/")
            .header("accept-language", "en")
            .await,
    )
    .await;
    let turkish = json_body(
        app.send(Method::GET, "/users/orders/cancellation_reasons/")
            .header("accept-language", "tr")
            .await,
    )
    .await;

    assert_eq!(english["count"], 6);
    assert_eq!(english["next"], Value::Null);
    assert_eq!(english["results"][0]["id"], 1);
    assert_eq!(english["results"][0]["cancellation_type"], "cancel");
    assert_eq!(english["results"][0]["subject"], "I changed my mind");
    assert_eq!(turkish["results"][0]["subject"], "Vazgeçtim");
}

async fn cancel(app: &TestApp, number: &str, entries: Value) -> reqwest::Response {
    app.send(Method::POST, &format!("/orders/{number}/cancel/"))
        .json(&json!({"return_policy": true, "cancel_order_items": entries}))
        .await
}

async fn order_of(app: &TestApp, id: i64) -> Value {
    json_body(app.get(&format!("/users/orders/{id}/")).await).await
}

#[tokio::test]
async fn a_cancellation_request_holds_the_item_and_a_retry_creates_nothing_more() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        60,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6001, "400")],
    )
    .await;
    let entry = json!([{"order_item": 6001, "reason": "1", "cancellation_type": "cancel", "description": ""}]);

    let first = cancel(&app, "2101925807000060", entry.clone()).await;
    let retry = cancel(&app, "2101925807000060", entry).await;
    let order = order_of(&app, 60).await;

    assert_eq!(first.status(), StatusCode::OK);
    let created = json_body(first).await;
    assert_eq!(created[0]["status"]["value"], "waiting");
    assert_eq!(created[0]["cancellation_type"]["value"], "cancel");
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(json_body(retry).await[0]["id"], created[0]["id"]);
    let item = &order["orderitem_set"][0];
    assert_eq!(item["cancellationrequest_set"].as_array().unwrap().len(), 1);
    assert_eq!(item["active_cancellation_request"]["id"], created[0]["id"]);
    assert_eq!(item["is_cancellable"], false);
    assert_eq!(
        order["status"]["value"], "50",
        "every live item has an open request"
    );
    assert_eq!(order["is_cancellable"], false);
}

#[tokio::test]
async fn another_request_for_an_item_already_asked_for_gets_akinons_error_code() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        61,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6101, "400")],
    )
    .await;
    cancel(&app, "61", json!([{"order_item": 6101, "reason": 1}])).await;

    let other_reason = cancel(&app, "61", json!([{"order_item": 6101, "reason": 2}])).await;

    assert_eq!(other_reason.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(other_reason).await,
        json!({
            "non_field_errors": ["Item 6101 has an active cancellation request."],
            "error_code": "cancellation_request_100_1",
        })
    );
}

#[tokio::test]
async fn what_an_item_allows_depends_on_its_state_and_a_refusal_stores_nothing() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        62,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6201, "500"), (6202, "400"), (6203, "450")],
    )
    .await;

    let cancel_shipped = cancel(
        &app,
        "62",
        json!([
            {"order_item": 6202, "reason": "1", "cancellation_type": "cancel"},
            {"order_item": 6201, "reason": "1", "cancellation_type": "cancel"},
        ]),
    )
    .await;
    let return_unshipped = cancel(
        &app,
        "62",
        json!([{"order_item": 6202, "reason": "3", "cancellation_type": "refund"}]),
    )
    .await;
    let preparing = cancel(&app, "62", json!([{"order_item": 6203, "reason": "1"}])).await;
    let wrong_reason_type = cancel(
        &app,
        "62",
        json!([{"order_item": 6201, "reason": "1", "cancellation_type": "refund"}]),
    )
    .await;
    let no_description = cancel(&app, "62", json!([{"order_item": 6201, "reason": "4", "cancellation_type": "refund", "description": " "}])).await;
    let too_many = cancel(
        &app,
        "62",
        json!([{"order_item": 6201, "reason": "3", "cancellation_type": "refund", "quantity": 2}]),
    )
    .await;
    let untouched = order_of(&app, 62).await;
    let return_shipped = cancel(&app, "62", json!([{"order_item": 6201, "reason": "4", "cancellation_type": "refund", "description": "torn"}])).await;

    for (response, message) in [
        (
            cancel_shipped,
            "Item 6201: this item cannot be cancelled in its state.",
        ),
        (
            return_unshipped,
            "Item 6202: this item cannot be returned in its state.",
        ),
        (
            preparing,
            "Item 6203: this item cannot be cancelled in its state.",
        ),
        (
            wrong_reason_type,
            "Item 6201: reason: \"1\" is not a valid choice.",
        ),
        (
            no_description,
            "Item 6201: description: This reason needs a description.",
        ),
        (
            too_many,
            "Item 6201: quantity: Ensure this value is at most 1.",
        ),
    ] {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{message}");
        assert_eq!(
            json_body(response).await,
            json!({"cancel_order_items": [message]})
        );
    }
    for item in untouched["orderitem_set"].as_array().unwrap() {
        assert_eq!(
            item["cancellationrequest_set"],
            json!([]),
            "nothing stored by a refusal"
        );
    }
    assert_eq!(return_shipped.status(), StatusCode::OK);
    assert_eq!(json_body(return_shipped).await[0]["description"], "torn");
}

#[tokio::test]
async fn bad_cancellation_bodies_are_refused_naming_the_item() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        63,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6301, "400")],
    )
    .await;
    place(
        &app,
        64,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6401, "400")],
    )
    .await;

    let cases = [
        (json!([]), "This list may not be empty."),
        (
            json!([{"reason": "1"}]),
            "order_item: This field is required.",
        ),
        (
            json!([{"order_item": 6301}]),
            "Item 6301: reason: This field is required.",
        ),
        (
            json!([{"order_item": 6301, "reason": "1", "cancellation_type": "swap"}]),
            "Item 6301: cancellation_type: \"swap\" is not a valid choice.",
        ),
        (
            json!([{"order_item": 6301, "reason": "1", "quantity": -1}]),
            "Item 6301: quantity: Ensure this value is at least 1.",
        ),
        (
            json!([{"order_item": 6401, "reason": "1"}]),
            "Item 6401: not an item of this order.",
        ),
        (
            json!([{"order_item": 6301, "reason": "1"}, {"order_item": 6301, "reason": "1"}]),
            "Item 6301: asked for twice.",
        ),
    ];
    for (entries, message) in cases {
        let response = cancel(&app, "63", entries).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{message}");
        assert_eq!(
            json_body(response).await,
            json!({"cancel_order_items": [message]})
        );
    }
    let wrong_types = cancel(&app, "63", json!("nonsense")).await;
    assert_eq!(wrong_types.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn another_customers_order_cannot_be_cancelled() {
    let (app, customer) = app_with_customer().await;
    let other = Customer::generate();
    place(
        &app,
        65,
        &other.email,
        "2024-05-01T10:00:00Z",
        &[(6501, "400")],
    )
    .await;
    place(
        &app,
        66,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6601, "400")],
    )
    .await;

    let by_number = cancel(
        &app,
        "2101925807000065",
        json!([{"order_item": 6501, "reason": "1"}]),
    )
    .await;
    let bulk = app
        .send(Method::POST, "/users/orders/bulk_cancellation_requests/")
        .json(&json!({"cancel_order_items": [{"order_item": 6601, "reason": "1"}, {"order_item": 6501, "reason": "1"}]}))
        .await;

    assert_eq!(by_number.status(), StatusCode::NOT_FOUND);
    assert_eq!(bulk.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(bulk).await,
        json!({"cancel_order_items": ["Item 6501: not an item of this order."]})
    );
    assert_eq!(
        order_of(&app, 66).await["orderitem_set"][0]["cancellationrequest_set"],
        json!([])
    );
}

#[tokio::test]
async fn a_bulk_request_spans_the_customers_orders() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        67,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(6701, "400"), (6702, "400")],
    )
    .await;
    place(
        &app,
        68,
        &customer.email,
        "2024-05-02T10:00:00Z",
        &[(6801, "550")],
    )
    .await;

    let response = app
        .send(Method::POST, "/users/orders/bulk_cancellation_requests/")
        .json(&json!({
            "id": "2101925807000067",
            "return_policy": true,
            "cancel_order_items": [
                {"order_item": 6701, "reason": "2", "cancellation_type": "cancel", "description": ""},
                {"order_item": 6801, "reason": "3", "cancellation_type": "refund", "description": "too small"},
            ],
        }))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await.as_array().unwrap().len(), 2);
    let first = order_of(&app, 67).await;
    assert_eq!(
        first["status"]["value"], "400",
        "one item of two is still live"
    );
    assert_eq!(first["orderitem_set"][1]["is_cancellable"], true);
    assert_eq!(order_of(&app, 68).await["status"]["value"], "50");
}

async fn track(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.send(Method::POST, "/users/orders/anonymous/")
        .form(&form)
        .await
}

#[tokio::test]
async fn a_guest_finds_their_order_by_email_and_number_and_nothing_else() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        70,
        "Guest@Example.com",
        "2024-05-01T10:00:00Z",
        &[(7001, "400")],
    )
    .await;
    place(
        &app,
        71,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(7101, "400")],
    )
    .await;
    let guest = app.another_browser();
    guest.fetch_csrf_token().await;

    let found = track(
        &guest,
        &[
            ("email", " guest@example.com "),
            ("number", "2101925807000070"),
        ],
    )
    .await;
    let by_alias = guest
        .send(Method::POST, "/users/orders/anonymous/")
        .json(&json!({"email": "guest@example.com", "order": "2101925807000070"}))
        .await;
    let wrong_email = track(
        &guest,
        &[
            ("email", "other@example.com"),
            ("number", "2101925807000070"),
        ],
    )
    .await;
    let registered = track(
        &guest,
        &[("email", &customer.email), ("number", "2101925807000071")],
    )
    .await;
    let unknown = track(&guest, &[("email", "guest@example.com"), ("number", "1")]).await;
    let bad_email = track(&guest, &[("email", "nope"), ("number", "1")]).await;

    assert_eq!(found.status(), StatusCode::OK);
    let orders = json_body(found).await;
    assert_eq!(orders.as_array().unwrap().len(), 1);
    assert_eq!(orders[0]["id"], 70);
    assert_eq!(json_body(by_alias).await[0]["id"], 70);
    for response in [wrong_email, registered, unknown] {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            json_body(response).await,
            json!({"non_field_errors": ["Order not found."]})
        );
    }
    assert_eq!(
        json_body(bad_email).await,
        json!({"email": ["Enter a valid email address."]})
    );
}

#[tokio::test]
async fn failed_guest_lookups_of_a_number_are_limited_even_for_the_right_email_afterwards() {
    let app = spawn_app_with(with_internal_api).await;
    place(
        &app,
        72,
        "guest@example.com",
        "2024-05-01T10:00:00Z",
        &[(7201, "400")],
    )
    .await;
    app.fetch_csrf_token().await;

    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(
            track(
                &app,
                &[
                    ("email", "thief@example.com"),
                    ("number", "2101925807000072"),
                ],
            )
            .await
            .status(),
        );
    }
    let right_pair = track(
        &app,
        &[
            ("email", "guest@example.com"),
            ("number", "2101925807000072"),
        ],
    )
    .await;

    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert_eq!(right_pair.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(right_pair.headers().get("retry-after").is_some());
    app.advance_clock(std::time::Duration::from_secs(3601));
    let later = track(
        &app,
        &[
            ("email", "guest@example.com"),
            ("number", "2101925807000072"),
        ],
    )
    .await;
    assert_eq!(later.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_guest_asks_to_cancel_an_item_of_their_order() {
    let app = spawn_app_with(with_internal_api).await;
    place(
        &app,
        73,
        "guest@example.com",
        "2024-05-01T10:00:00Z",
        &[(7301, "400"), (7302, "400")],
    )
    .await;
    app.fetch_csrf_token().await;

    let one = app
        .send(
            Method::POST,
            "/users/orders/anonymous/cancellation_requests/",
        )
        .form(&[
            ("email", "guest@example.com"),
            ("number", "2101925807000073"),
            ("order_item", "7301"),
            ("reason", "1"),
            ("cancellation_type", "cancel"),
        ])
        .await;
    let bulk = app
        .send(Method::POST, "/users/orders/anonymous/bulk_cancellation_requests/")
        .json(&json!({"email": "guest@example.com", "number": "2101925807000073", "cancel_order_items": [{"order_item": 7302, "reason": 2}]}))
        .await;
    let wrong_claim = app
        .send(
            Method::POST,
            "/users/orders/anonymous/cancellation_requests/",
        )
        .form(&[
            ("email", "x@example.com"),
            ("number", "2101925807000073"),
            ("order_item", "7301"),
            ("reason", "1"),
        ])
        .await;

    assert_eq!(one.status(), StatusCode::CREATED);
    assert_eq!(json_body(one).await["order_item"], 7301);
    assert_eq!(bulk.status(), StatusCode::CREATED);
    assert_eq!(json_body(bulk).await[0]["order_item"], 7302);
    assert_eq!(wrong_claim.status(), StatusCode::BAD_REQUEST);
    let order = json_body(
        track(
            &app,
            &[
                ("email", "guest@example.com"),
                ("number", "2101925807000073"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(order[0]["status"]["value"], "50");
}

#[tokio::test]
async fn the_shop_moves_statuses_forward_only_and_decides_requests() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        74,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(7401, "400"), (7402, "400")],
    )
    .await;
    let status = |body: Value| {
        app.internal(Method::POST, "/internal/orders/2101925807000074/status/")
            .json(&body)
    };

    let shipped =
        status(json!({"items": [{"id": 7401, "status": "500"}], "tracking_number": "TRK9"})).await;
    let backwards = status(json!({"items": [{"id": 7401, "status": "400"}]})).await;
    let unknown_item = status(json!({"items": [{"id": 9999, "status": "500"}]})).await;
    let nothing = status(json!({})).await;
    cancel(&app, "74", json!([{"order_item": 7402, "reason": "1"}])).await;
    let waiting = json_body(
        app.internal(
            Method::GET,
            "/internal/cancellation_requests/?status=waiting",
        )
        .await,
    )
    .await;
    let request_id = waiting["results"][0]["id"].as_i64().unwrap();
    let decide = |decision: &str| {
        app.internal(
            Method::POST,
            &format!("/internal/cancellation_requests/{request_id}/"),
        )
        .json(&json!({"status": decision}))
    };
    let completed = decide("completed").await;
    let again = decide("approved").await;
    let order = order_of(&app, 74).await;

    assert_eq!(shipped.status(), StatusCode::OK);
    assert_eq!(backwards.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(backwards).await,
        json!({"items[0].status": ["Item 7401 cannot go from 500 to 400."]})
    );
    assert_eq!(unknown_item.status(), StatusCode::BAD_REQUEST);
    assert_eq!(nothing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(waiting["count"], 1);
    assert_eq!(waiting["results"][0]["order_number"], "2101925807000074");
    assert_eq!(completed.status(), StatusCode::OK);
    assert_eq!(json_body(completed).await["status"]["value"], "completed");
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let items = order["orderitem_set"].as_array().unwrap();
    assert_eq!(items[0]["tracking_number"], "TRK9");
    assert_eq!(items[0]["is_refundable"], true);
    assert_eq!(items[1]["status"]["value"], "100");
    assert_eq!(items[1]["is_cancelled"], true);
    assert_eq!(items[1]["active_cancellation_request"], Value::Null);
}

#[tokio::test]
async fn akifast_consents_of_a_basket_apply_when_its_order_arrives() {
    let (app, customer) = app_with_customer().await;
    let permissions = |basket: i64| json!({"uid": "8f1c2a8e-3c1b-4b7e-9d0a-2f6f1e0c9b11", "basket": basket, "email_allowed": true, "sms_allowed": true});
    app.send(Method::POST, "/users/permissions/")
        .json(&permissions(77))
        .await;
    app.send(Method::POST, "/users/permissions/")
        .json(&permissions(78))
        .await;
    let mut body = order_body(
        75,
        "2101925807000075",
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(7501, "400")],
    );
    body["basket"] = json!(77);
    let guest = Customer::generate();
    let mut guest_body = order_body(
        76,
        "2101925807000076",
        &guest.email,
        "2024-05-01T10:00:00Z",
        &[(7601, "400")],
    );
    guest_body["basket"] = json!(78);

    put_order(&app, "2101925807000075", &body).await;
    put_order(&app, "2101925807000076", &guest_body).await;
    let profile = json_body(app.get("/users/profile/").await).await;
    app.register(&guest).await;
    let guest_profile = json_body(app.get("/users/profile/").await).await;

    assert_eq!(
        (
            profile["email_allowed"].clone(),
            profile["sms_allowed"].clone()
        ),
        (json!(true), json!(true))
    );
    assert_eq!(
        (
            guest_profile["email_allowed"].clone(),
            guest_profile["sms_allowed"].clone()
        ),
        (json!(true), json!(true))
    );
}

#[tokio::test]
async fn the_export_lists_the_orders_and_anonymisation_keeps_them_without_personal_fields() {
    let (app, customer) = app_with_customer().await;
    place(
        &app,
        79,
        &customer.email,
        "2024-05-01T10:00:00Z",
        &[(7901, "400")],
    )
    .await;

    let export = json_body(app.get("/users/export/").await).await;
    let anonymized = app
        .send(Method::PATCH, "/users/anonymize/")
        .json(&json!({}))
        .await;
    let kept = json_body(
        app.internal(Method::POST, "/internal/orders/2101925807000079/status/")
            .json(&json!({"status": "450"}))
            .await,
    )
    .await;

    assert_eq!(
        export["sections"]["orders"][0]["number"],
        "2101925807000079"
    );
    assert!(anonymized.status().is_success(), "{}", anonymized.status());
    assert_eq!(kept["number"], "2101925807000079");
    assert_eq!(kept["shipping_address"], Value::Null);
    assert_eq!(kept["billing_address"], Value::Null);
    assert_eq!(kept["user_email"], "");
    assert_eq!(kept["amount"], "159.90");
}

#[tokio::test]
async fn guest_orders_join_the_account_once_its_address_is_verified_and_not_before() {
    let smtp = crate::support::smtp::SmtpServer::start().await;
    let app = spawn_app_with(|config| {
        with_internal_api(config);
        crate::support::smtp::mail_through(&smtp)(config);
    })
    .await;
    let customer = Customer::generate();
    place(
        &app,
        80,
        &customer.email.to_uppercase(),
        "2024-05-01T10:00:00Z",
        &[(8001, "400")],
    )
    .await;

    app.register(&customer).await;
    let before = json_body(app.get("/users/orders/").await).await;
    let link = smtp.wait_for(1).await[0]
        .links("https://shop.example.com/users/registration/account-confirm-email/")[0]
        .clone();
    let key = link
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    app.fetch_csrf_token().await;
    let confirmed = app
        .send(Method::POST, "/users/registration/verify-email/")
        .json(&json!({"key": key}))
        .await;
    let after = json_body(app.get("/users/orders/").await).await;

    assert_eq!(
        before["count"], 0,
        "an unverified address reveals no orders"
    );
    assert!(confirmed.status().is_success(), "{}", confirmed.status());
    assert_eq!(after["count"], 1);
    assert_eq!(after["results"][0]["id"], 80);
}
