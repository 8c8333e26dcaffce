//! The customer's address book: `/address/`, `/address/detailed/`, `/address/{pk}/`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    geography::{Places, imported_places},
    support::{Customer, TestApp, json_body, spawn_app, spawn_app_with},
};

const REQUIRED: &str = "This field is required.";

/// A personal address form as the storefront sends it (pks as strings, computed `type`).
pub fn home(places: &Places) -> Value {
    json!({
        "is_corporate": "false",
        "type": "personal",
        "title": "Home",
        "first_name": "Jane",
        "last_name": "Doe",
        "phone_number": "05321234567",
        "country": places.turkey.to_string(),
        "city": places.istanbul.to_string(),
        "township": places.arnavutkoy.to_string(),
        "district": places.adnan_menderes.to_string(),
        "line": "Example street 12, flat 3",
        "postcode": "34275"
    })
}

/// The same form with some keys changed.
fn with(mut form: Value, changes: Value) -> Value {
    for (key, value) in changes.as_object().unwrap() {
        form[key] = value.clone();
    }
    form
}

/// A logged-in customer with a CSRF token, and the imported places.
async fn shopper() -> (TestApp, Places, Customer) {
    shopper_with(spawn_app().await).await
}

async fn shopper_with(app: TestApp) -> (TestApp, Places, Customer) {
    let places = imported_places(&app).await;
    let customer = app.logged_in_customer().await;
    app.fetch_csrf_token().await;
    (app, places, customer)
}

/// Adds an address, asserting 201; returns the answer.
pub async fn add(app: &TestApp, form: &Value) -> Value {
    let response = app.send(Method::POST, "/address/").json(form).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json_body(response).await
}

fn pk(address: &Value) -> i64 {
    address["pk"].as_i64().unwrap()
}

/// (pk, primary) of every address in list order.
async fn book(app: &TestApp) -> Vec<(i64, bool)> {
    let body = json_body(app.get("/address/").await).await;
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|address| (pk(address), address["primary"].as_bool().unwrap()))
        .collect()
}

#[tokio::test]
async fn an_added_address_comes_back_flat_with_its_pk() {
    let (app, places, customer) = shopper().await;

    let response = app
        .send(Method::POST, "/address/")
        .json(&home(&places))
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let address = json_body(response).await;
    let user = json_body(app.current_user().await).await["pk"].clone();
    assert_eq!(
        address,
        json!({
            "pk": address["pk"], "title": "Home", "first_name": "Jane", "last_name": "Doe",
            "email": customer.email, "phone_number": "05321234567",
            "country": places.turkey, "city": places.istanbul, "township": places.arnavutkoy,
            "district": places.adnan_menderes, "line": "Example street 12, flat 3",
            "postcode": "34275", "notes": null, "is_corporate": false, "company_name": null,
            "tax_office": null, "tax_no": null, "e_bill_taxpayer": false, "identity_number": null,
            "primary": true, "is_default_shipping": true, "is_default_billing": true,
            "address_type": "customer", "hash_data": address["hash_data"],
            "retail_store": null, "remote_id": null, "extra_field": null, "user": user,
            "latitude": null, "longitude": null
        })
    );
    let hash = address["hash_data"].as_str().unwrap();
    assert!(hash.len() == 32 && hash.bytes().all(|byte| byte.is_ascii_hexdigit()));
    let fetched = json_body(app.get(&format!("/address/{}/", pk(&address))).await).await;
    assert_eq!(fetched, address);
}

#[tokio::test]
async fn the_detailed_list_nests_places_one_level_and_the_owner() {
    let (app, places, customer) = shopper().await;
    let address = add(&app, &home(&places)).await;

    let response = app.get("/address/detailed/").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["next"], json!(null));
    let detailed = &body["results"][0];
    assert_eq!(detailed["pk"], address["pk"]);
    assert_eq!(detailed["title"], "Home");
    assert_eq!(
        detailed["country"],
        json!({"pk": places.turkey, "is_active": true, "name": "Türkiye", "code": "tr", "translations": null})
    );
    assert_eq!(
        detailed["city"],
        json!({"pk": places.istanbul, "is_active": true, "name": "İstanbul", "country": places.turkey, "translations": null, "priority": null, "postcode": null})
    );
    assert_eq!(
        detailed["township"],
        json!({"pk": places.arnavutkoy, "is_active": true, "name": "Arnavutköy", "city": places.istanbul, "postcode": null})
    );
    assert_eq!(
        detailed["district"],
        json!({"pk": places.adnan_menderes, "is_active": true, "name": "Adnan Menderes Mah", "city": places.istanbul, "township": places.arnavutkoy, "postcode": "34275"})
    );
    let user = detailed["user"].as_object().unwrap();
    assert_eq!(user["email"], customer.email.as_str());
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attributes",
            "attributes_kwargs",
            "call_allowed",
            "date_joined",
            "date_of_birth",
            "email",
            "email_allowed",
            "first_name",
            "gender",
            "is_active",
            "last_login",
            "last_name",
            "modified_date",
            "phone",
            "pk",
            "sms_allowed",
            "user_type",
            "username"
        ]
    );
}

#[tokio::test]
async fn the_list_is_the_primary_first_then_newest_first_in_one_page() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);
    let second = pk(&add(&app, &with(home(&places), json!({"title": "Work"}))).await);
    let third = pk(&add(&app, &with(home(&places), json!({"title": "Mum"}))).await);

    let body = json_body(app.get("/address/").await).await;

    assert_eq!(body["count"], 3);
    assert_eq!(body["next"], json!(null));
    assert_eq!(body["previous"], json!(null));
    assert_eq!(
        book(&app).await,
        vec![(first, true), (third, false), (second, false)]
    );
}

#[tokio::test]
async fn the_list_pages_when_asked_and_refuses_a_page_past_the_end() {
    let (app, places, _) = shopper().await;
    for title in ["One", "Two", "Three"] {
        add(&app, &with(home(&places), json!({"title": title}))).await;
    }

    let first = json_body(app.get("/address/?limit=2").await).await;
    let second = json_body(app.get("/address/detailed/?limit=2&page=2 ").await).await;
    let past = app.get("/address/?limit=2&page=3").await;

    assert_eq!(first["count"], 3);
    assert_eq!(first["results"].as_array().unwrap().len(), 2);
    assert_eq!(first["previous"], json!(null));
    assert_eq!(
        first["next"],
        format!("{}/address/?limit=2&page=2", app.address)
    );
    assert_eq!(second["results"].as_array().unwrap().len(), 1);
    assert_eq!(second["next"], json!(null));
    assert_eq!(
        second["previous"],
        format!("{}/address/detailed/?limit=2", app.address)
    );
    assert_eq!(past.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(past).await, json!({"detail": "Invalid page."}));
}

#[tokio::test]
async fn setting_a_new_primary_address_clears_the_old_one() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);
    let second = pk(&add(&app, &with(home(&places), json!({"title": "Work"}))).await);

    let response = app
        .send(Method::PATCH, &format!("/address/{second}/"))
        .json(&json!({"primary": true}))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["primary"], true);
    assert_eq!(book(&app).await, vec![(second, true), (first, false)]);
}

#[tokio::test]
async fn unsetting_the_primary_flag_leaves_no_primary_address() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);

    let response = app
        .send(Method::PATCH, &format!("/address/{first}/"))
        .json(&json!({"primary": "false"}))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(book(&app).await, vec![(first, false)]);
}

#[tokio::test]
async fn deleting_the_primary_address_promotes_the_newest_remaining_one() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);
    let second = pk(&add(&app, &with(home(&places), json!({"title": "Work"}))).await);
    let third = pk(&add(&app, &with(home(&places), json!({"title": "Mum"}))).await);

    let response = app
        .send(Method::DELETE, &format!("/address/{first}/"))
        .text_plain("{}")
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(book(&app).await, vec![(third, true), (second, false)]);
    let gone = app.get(&format!("/address/{first}/")).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(gone).await, json!({"detail": "Not found."}));
}

/// (pk, default shipping, default billing) of every address in list order.
async fn defaults(app: &TestApp) -> Vec<(i64, bool, bool)> {
    let body = json_body(app.get("/address/").await).await;
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|address| {
            assert_eq!(address["primary"], address["is_default_shipping"]);
            let flag = |name: &str| address[name].as_bool().unwrap();
            (
                pk(address),
                flag("is_default_shipping"),
                flag("is_default_billing"),
            )
        })
        .collect()
}

#[tokio::test]
async fn shipping_and_billing_each_have_their_own_default_address() {
    let (app, places, _) = shopper().await;
    let home_pk = pk(&add(&app, &home(&places)).await);
    let office = pk(&add(&app, &with(home(&places), json!({"title": "Office"}))).await);

    let response = app
        .send(Method::PATCH, &format!("/address/{office}/"))
        .json(&json!({"is_default_billing": "true"}))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(
        (&body["is_default_billing"], &body["primary"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(
        defaults(&app).await,
        vec![(home_pk, true, false), (office, false, true)]
    );

    app.send(Method::PATCH, &format!("/address/{office}/"))
        .json(&json!({"is_default_shipping": true}))
        .await;

    assert_eq!(
        defaults(&app).await,
        vec![(office, true, true), (home_pk, false, false)]
    );
}

#[tokio::test]
async fn primary_makes_an_address_the_default_of_both_kinds() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);
    let billing = with(
        home(&places),
        json!({"title": "Office", "is_default_billing": true}),
    );
    let second = pk(&add(&app, &billing).await);
    let third = pk(&add(&app, &with(home(&places), json!({"title": "Mum"}))).await);
    assert_eq!(
        defaults(&app).await,
        vec![
            (first, true, false),
            (third, false, false),
            (second, false, true)
        ]
    );

    app.send(Method::PATCH, &format!("/address/{third}/"))
        .json(&json!({"primary": true}))
        .await;

    assert_eq!(
        defaults(&app).await,
        vec![
            (third, true, true),
            (second, false, false),
            (first, false, false)
        ]
    );
}

#[tokio::test]
async fn deleting_a_default_address_passes_each_of_its_defaults_on() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);
    let second = pk(&add(&app, &with(home(&places), json!({"title": "Work"}))).await);
    let billing = with(
        home(&places),
        json!({"title": "Mum", "default_billing": "on"}),
    );
    let third = pk(&add(&app, &billing).await);

    app.send(Method::DELETE, &format!("/address/{third}/"))
        .text_plain("{}")
        .await;

    assert_eq!(
        defaults(&app).await,
        vec![(first, true, false), (second, false, true)]
    );
}

#[tokio::test]
async fn a_default_flag_that_is_not_a_boolean_is_a_field_error() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);

    let response = app
        .send(Method::PATCH, &format!("/address/{first}/"))
        .json(&json!({"is_default_billing": "maybe"}))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"is_default_billing": ["Must be a valid boolean."]})
    );
    assert_eq!(defaults(&app).await, vec![(first, true, true)]);
}

#[tokio::test]
async fn an_address_book_from_before_billing_defaults_keeps_its_one_default_for_both() {
    let (app, places, _) = shopper().await;
    let first = pk(&add(&app, &home(&places)).await);
    let second = pk(&add(&app, &with(home(&places), json!({"title": "Work"}))).await);
    app.send(Method::PATCH, &format!("/address/{second}/"))
        .json(&json!({"primary": true}))
        .await;

    // Back to the schema before the billing flag, then up again, as an upgrade would run.
    let connection = app.database.connect().await;
    app.database
        .roll_back(&connection, "m0005_default_billing_address")
        .await;
    app.database.migrate(&connection).await;

    assert_eq!(
        defaults(&app).await,
        vec![(second, true, true), (first, false, false)]
    );
}

#[tokio::test]
async fn patch_changes_what_the_edit_form_sends_and_ignores_read_only_keys() {
    let (app, places, customer) = shopper().await;
    let address = add(&app, &home(&places)).await;
    // What the Zero theme's edit form really sends: the detailed address with places as pks,
    // some still numbers, changed selects as strings, plus read-only keys.
    let edit = json!({
        "email": customer.email, "phone_number": "0532 765 43 21", "first_name": "Jane",
        "last_name": "Roe", "country": places.turkey, "city": places.istanbul.to_string(),
        "line": "Other street 5", "title": "Home", "township": places.kadikoy.to_string(),
        "district": places.moda, "postcode": "34710", "notes": null, "company_name": null,
        "tax_office": null, "tax_no": null, "e_bill_taxpayer": false,
        "hash_data": "680009c875031382348ea491673c7b2f", "address_type": "billing",
        "retail_store": 7, "remote_id": "x", "identity_number": null, "extra_field": {"a": 1},
        "user": 999_999, "is_corporate": "false", "primary": false, "type": "personal", "pk": 1
    });

    let response = app
        .send(Method::PATCH, &format!("/address/{}/", pk(&address)))
        .json(&edit)
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let updated = json_body(response).await;
    assert_eq!(updated["pk"], address["pk"]);
    assert_eq!(updated["last_name"], "Roe");
    assert_eq!(updated["phone_number"], "05327654321");
    assert_eq!(updated["township"], places.kadikoy);
    assert_eq!(updated["district"], places.moda);
    assert_eq!(updated["address_type"], "customer");
    assert_eq!(updated["user"], address["user"]);
    assert_eq!(updated["retail_store"], json!(null));
    assert_eq!(updated["extra_field"], json!(null));
    assert_ne!(updated["hash_data"], address["hash_data"]);
    assert_eq!(updated["primary"], false);
}

#[tokio::test]
async fn patch_leaves_the_fields_it_does_not_send() {
    let (app, places, _) = shopper().await;
    let address = add(&app, &home(&places)).await;

    let updated = json_body(
        app.send(Method::PATCH, &format!("/address/{}/", pk(&address)))
            .json(&json!({"notes": "Ring twice"}))
            .await,
    )
    .await;

    assert_eq!(updated["notes"], "Ring twice");
    assert_eq!(
        with(
            address.clone(),
            json!({"notes": "Ring twice", "hash_data": updated["hash_data"]})
        ),
        updated
    );
}

#[tokio::test]
async fn put_replaces_the_address_and_needs_every_required_field() {
    let (app, places, _) = shopper().await;
    let address = add(&app, &home(&places)).await;
    let path = format!("/address/{}/", pk(&address));

    let incomplete = app
        .send(Method::PUT, &path)
        .json(&json!({"title": "Only a title"}))
        .await;
    let complete = app
        .send(Method::PUT, &path)
        .json(&with(home(&places), json!({"title": "Replaced"})))
        .await;

    assert_eq!(incomplete.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(incomplete).await,
        json!({
            "first_name": [REQUIRED], "last_name": [REQUIRED], "phone_number": [REQUIRED],
            "country": [REQUIRED], "city": [REQUIRED], "township": [REQUIRED], "line": [REQUIRED]
        })
    );
    assert_eq!(complete.status(), StatusCode::OK);
    assert_eq!(json_body(complete).await["title"], "Replaced");
}

#[tokio::test]
async fn every_missing_or_blank_required_field_is_reported_at_once() {
    let (app, _, _) = shopper().await;

    let response = app
        .send(Method::POST, "/address/")
        .json(&json!({"title": "  ", "first_name": null, "type": "personal"}))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({
            "title": [REQUIRED], "first_name": [REQUIRED], "last_name": [REQUIRED],
            "phone_number": [REQUIRED], "country": [REQUIRED], "city": [REQUIRED],
            "township": [REQUIRED], "line": [REQUIRED]
        })
    );
    assert!(book(&app).await.is_empty());
}

#[tokio::test]
async fn over_long_text_and_bad_values_are_field_errors() {
    let (app, places, _) = shopper().await;
    let form = with(
        home(&places),
        json!({
            "title": "t".repeat(129), "line": "l".repeat(256), "email": "not-an-email",
            "phone_number": "0532 123", "is_corporate": "perhaps", "type": "business"
        }),
    );

    let response = app.send(Method::POST, "/address/").json(&form).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({
            "title": ["Ensure this field has no more than 128 characters."],
            "line": ["Ensure this field has no more than 255 characters."],
            "email": ["Enter a valid email address."],
            "phone_number": ["Enter a valid phone number."],
            "is_corporate": ["Must be a valid boolean."],
            "type": ["\"business\" is not a valid choice."]
        })
    );
}

#[tokio::test]
async fn a_turkish_phone_number_is_answered_in_national_form_however_it_was_typed() {
    let (app, places, _) = shopper().await;

    for typed in ["0532 123 45 67", "+90 (532) 123-45-67", "5321234567"] {
        let address = add(&app, &with(home(&places), json!({"phone_number": typed}))).await;

        assert_eq!(address["phone_number"], "05321234567", "{typed}");
    }
    let listed = json_body(app.get("/address/").await).await;
    for address in listed["results"].as_array().unwrap() {
        assert_eq!(address["phone_number"], "05321234567");
    }
}

#[tokio::test]
async fn a_phone_number_of_another_country_is_answered_in_e164() {
    let (app, places, _) = shopper().await;

    let address = add(
        &app,
        &with(home(&places), json!({"phone_number": "+44 20 7123 4567"})),
    )
    .await;

    assert_eq!(address["phone_number"], "+442071234567");
}

#[tokio::test]
async fn numbers_no_phone_can_have_are_field_errors() {
    let (app, places, _) = shopper().await;

    for typed in ["+0000000000", "12"] {
        let response = app
            .send(Method::POST, "/address/")
            .json(&with(home(&places), json!({"phone_number": typed})))
            .await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{typed}");
        assert_eq!(
            json_body(response).await,
            json!({"phone_number": ["Enter a valid phone number."]})
        );
    }
}

#[tokio::test]
async fn phone_numbers_are_stored_in_e164() {
    let (app, places, _) = shopper().await;

    add(
        &app,
        &with(home(&places), json!({"phone_number": "0532 123 45 67"})),
    )
    .await;

    assert_eq!(
        app.database.text_column("addresses", "phone_number").await,
        vec![Some("+905321234567".to_owned())]
    );
}

#[tokio::test]
async fn with_a_british_default_region_a_british_national_number_is_accepted() {
    let app = spawn_app_with(|config| config.phone_default_region = "GB".parse().unwrap()).await;
    let (app, places, _) = shopper_with(app).await;

    let british = add(
        &app,
        &with(home(&places), json!({"phone_number": "020 7123 4567"})),
    )
    .await;
    let turkish = add(
        &app,
        &with(home(&places), json!({"phone_number": "+90 532 123 45 67"})),
    )
    .await;

    assert_eq!(british["phone_number"], "02071234567");
    assert_eq!(turkish["phone_number"], "+905321234567");
}

#[tokio::test]
async fn phones_stored_before_e164_are_converted_by_the_upgrade() {
    let (app, places, _) = shopper().await;
    let readable = pk(&add(&app, &home(&places)).await);
    let unreadable = pk(&add(&app, &home(&places)).await);
    let other = Customer::generate();
    app.register(&other).await;
    let connection = app.database.connect().await;
    app.database
        .roll_back(&connection, "m0007_phones_e164")
        .await;
    // What the digit filter used to store: its own normalization, and a number it let through.
    let user_ids = app.database.ids("users").await;
    app.database
        .set_text("users", "phone", user_ids[0], Some("05321234567"))
        .await;
    app.database
        .set_text("users", "phone", user_ids[1], Some("+0000000000"))
        .await;
    app.database
        .set_text("addresses", "phone_number", readable, Some("05321234567"))
        .await;
    app.database
        .set_text("addresses", "phone_number", unreadable, Some("+0000000000"))
        .await;

    app.database.migrate(&connection).await;

    assert_eq!(
        app.database.text_column("users", "phone").await,
        vec![Some("+905321234567".to_owned()), None],
        "a customer's phone that is no number is removed"
    );
    assert_eq!(
        app.database.text_column("addresses", "phone_number").await,
        vec![
            Some("+905321234567".to_owned()),
            Some("+0000000000".to_owned())
        ],
        "an address keeps what it had when it cannot be read"
    );
}

#[tokio::test]
async fn a_corporate_address_needs_company_tax_office_and_tax_number() {
    let (app, places, _) = shopper().await;
    let corporate = with(
        home(&places),
        json!({"is_corporate": "true", "type": "corporate"}),
    );

    let missing = app.send(Method::POST, "/address/").json(&corporate).await;
    let bad_tax_no = app
        .send(Method::POST, "/address/")
        .json(&with(
            corporate.clone(),
            json!({"company_name": "Acme", "tax_office": "Kadıköy", "tax_no": "12AB"}),
        ))
        .await;
    let complete = app
        .send(Method::POST, "/address/").json(&with(corporate, json!({"company_name": "Acme Ltd", "tax_office": "Kadıköy", "tax_no": 1234567890, "e_bill_taxpayer": true})))
        .await;

    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(missing).await,
        json!({"company_name": [REQUIRED], "tax_office": [REQUIRED], "tax_no": [REQUIRED]})
    );
    assert_eq!(
        json_body(bad_tax_no).await,
        json!({"tax_no": ["Enter a valid tax number: digits only."]})
    );
    assert_eq!(complete.status(), StatusCode::CREATED);
    let address = json_body(complete).await;
    assert_eq!(address["is_corporate"], true);
    assert_eq!(address["company_name"], "Acme Ltd");
    assert_eq!(address["tax_no"], "1234567890");
    assert_eq!(address["e_bill_taxpayer"], true);
}

#[tokio::test]
async fn type_decides_whether_an_address_is_corporate() {
    let (app, places, _) = shopper().await;
    let form = with(
        home(&places),
        json!({"is_corporate": "false", "type": "corporate", "company_name": "Acme", "tax_office": "Moda", "tax_no": "123"}),
    );

    let address = add(&app, &form).await;
    let personal = json_body(
        app.send(Method::PATCH, &format!("/address/{}/", pk(&address)))
            .json(&json!({"type": "customer", "is_corporate": true}))
            .await,
    )
    .await;

    assert_eq!(address["is_corporate"], true);
    assert_eq!(personal["is_corporate"], false);
    assert_eq!(personal["company_name"], json!(null));
}

#[tokio::test]
async fn a_personal_address_ignores_corporate_fields() {
    let (app, places, _) = shopper().await;
    let form = with(
        home(&places),
        json!({"company_name": "Acme", "tax_office": "Moda", "tax_no": "not digits", "e_bill_taxpayer": "on"}),
    );

    let address = add(&app, &form).await;

    assert_eq!(address["is_corporate"], false);
    assert_eq!(address["company_name"], json!(null));
    assert_eq!(address["tax_office"], json!(null));
    assert_eq!(address["tax_no"], json!(null));
    assert_eq!(address["e_bill_taxpayer"], false);
}

#[tokio::test]
async fn places_must_exist_and_belong_together() {
    let (app, places, _) = shopper().await;
    let does_not_exist = |pk: i64| json!([format!("Invalid pk \"{pk}\" - object does not exist.")]);
    let cases = [
        (
            json!({"city": places.berlin}),
            json!({"city": does_not_exist(places.berlin)}),
        ),
        (
            json!({"township": places.cankaya}),
            json!({"township": does_not_exist(places.cankaya)}),
        ),
        (
            json!({"district": places.moda}),
            json!({"district": does_not_exist(places.moda)}),
        ),
        (
            json!({"district": "9999999"}),
            json!({"district": does_not_exist(9_999_999)}),
        ),
        (
            json!({"country": places.germany}),
            json!({"city": does_not_exist(places.istanbul)}),
        ),
        (json!({"country": 0}), json!({"country": does_not_exist(0)})),
        (
            json!({"township": "abc", "country": true}),
            json!({
                "township": ["Incorrect type. Expected pk value, received str."],
                "country": ["Incorrect type. Expected pk value, received bool."]
            }),
        ),
    ];

    for (change, errors) in cases {
        let response = app
            .send(Method::POST, "/address/")
            .json(&with(home(&places), change.clone()))
            .await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{change}");
        assert_eq!(json_body(response).await, errors, "{change}");
    }
    assert!(book(&app).await.is_empty());
}

#[tokio::test]
async fn an_update_that_moves_the_city_must_move_the_township_too() {
    let (app, places, _) = shopper().await;
    let address = add(&app, &home(&places)).await;
    let path = format!("/address/{}/", pk(&address));

    let city_only = app
        .send(Method::PATCH, &path)
        .json(&json!({"city": places.ankara}))
        .await;
    let moved = app
        .send(Method::PATCH, &path)
        .json(
            &json!({"city": places.ankara, "township": places.cankaya, "district": places.kizilay}),
        )
        .await;

    assert_eq!(city_only.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(city_only).await,
        json!({"township": [format!("Invalid pk \"{}\" - object does not exist.", places.arnavutkoy)]})
    );
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(json_body(moved).await["city"], places.ankara);
}

#[tokio::test]
async fn an_empty_district_means_none_unless_districts_are_required() {
    let (app, places, _) = shopper().await;
    let strict = spawn_app_with(|config| config.address_district_required = true).await;
    let (strict, strict_places, _) = shopper_with(strict).await;

    let optional = app
        .send(Method::POST, "/address/")
        .json(&with(home(&places), json!({"district": ""})))
        .await;
    let required = strict
        .send(Method::POST, "/address/")
        .json(&with(home(&strict_places), json!({"district": null})))
        .await;

    assert_eq!(optional.status(), StatusCode::CREATED);
    assert_eq!(json_body(optional).await["district"], json!(null));
    assert_eq!(required.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(required).await, json!({"district": [REQUIRED]}));
}

#[tokio::test]
async fn another_customers_address_is_not_found_and_stays_untouched() {
    let (app, places, _) = shopper().await;
    let theirs = add(&app, &home(&places)).await;
    let path = format!("/address/{}/", pk(&theirs));
    app.logged_in_customer().await;

    let read = app.get(&path).await;
    let patched = app
        .send(Method::PATCH, &path)
        .json(&json!({"title": "Mine now"}))
        .await;
    let replaced = app.send(Method::PUT, &path).json(&home(&places)).await;
    let deleted = app.send(Method::DELETE, &path).text_plain("{}").await;
    let made_primary = app
        .send(Method::PATCH, &path)
        .json(&json!({"primary": true}))
        .await;

    for response in [read, patched, replaced, deleted, made_primary] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    }
    assert!(book(&app).await.is_empty());
    assert!(json_body(app.get("/address/detailed/").await).await["results"] == json!([]));
}

#[tokio::test]
async fn a_pk_that_is_not_a_number_is_not_found() {
    let (app, _, _) = shopper().await;

    for path in [
        "/address/abc/",
        "/address/1.5/",
        "/address/99999999999999999999/",
    ] {
        let response = app.get(path).await;

        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(json_body(response).await, json!({"detail": "Not found."}));
    }
}

#[tokio::test]
async fn guests_are_asked_to_log_in() {
    let app = spawn_app().await;
    app.fetch_csrf_token().await;

    let responses = [
        app.get("/address/").await,
        app.get("/address/detailed/").await,
        app.get("/address/1/").await,
        app.send(Method::POST, "/address/").json(&json!({})).await,
        app.send(Method::PATCH, "/address/1/")
            .json(&json!({"primary": true}))
            .await,
        app.send(Method::DELETE, "/address/1/")
            .text_plain("{}")
            .await,
    ];

    for response in responses {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            json_body(response).await,
            json!({"detail": "Authentication credentials were not provided."})
        );
    }
}

#[tokio::test]
async fn past_the_address_limit_adding_is_a_clear_400() {
    let app = spawn_app_with(|config| config.address_limit_per_customer = 2).await;
    let (app, places, _) = shopper_with(app).await;
    add(&app, &home(&places)).await;
    add(&app, &home(&places)).await;

    let response = app
        .send(Method::POST, "/address/")
        .json(&home(&places))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(response).await,
        json!({"non_field_errors": ["You cannot have more than 2 addresses."]})
    );
    assert_eq!(book(&app).await.len(), 2);
}

#[tokio::test]
async fn an_urlencoded_form_is_read_like_json() {
    let (app, places, _) = shopper().await;
    let form = [
        ("title", "Home".to_owned()),
        ("first_name", "Jane".to_owned()),
        ("last_name", "Doe".to_owned()),
        ("phone_number", "05321234567".to_owned()),
        ("country", places.turkey.to_string()),
        ("city", places.istanbul.to_string()),
        ("township", places.kadikoy.to_string()),
        ("line", "Example street 12".to_owned()),
        ("type", "personal".to_owned()),
    ];

    let response = app.send(Method::POST, "/address/").form(&form).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(json_body(response).await["township"], places.kadikoy);
}

#[tokio::test]
async fn concurrent_first_addresses_leave_one_primary_and_respect_the_limit() {
    let app = spawn_app_with(|config| config.address_limit_per_customer = 3).await;
    let (app, places, _) = shopper_with(app).await;
    let form = home(&places);

    let statuses = futures_util::future::join_all((0..6).map(|_| async {
        app.send(Method::POST, "/address/")
            .json(&form)
            .await
            .status()
    }))
    .await;

    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED);
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::BAD_REQUEST);
    assert_eq!((created.count(), refused.count()), (3, 3), "{statuses:?}");
    let book = book(&app).await;
    assert_eq!(book.len(), 3);
    assert_eq!(book.iter().filter(|(_, primary)| *primary).count(), 1);
}
