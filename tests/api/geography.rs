//! The public country / city / township / district lookups, and `storefront geo import`.

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storefront::geo::import::{ImportError, ImportReport, import_file};

use crate::support::{TestApp, json_body, spawn_app};

const INVALID_CHOICE: &str =
    "Select a valid choice. That choice is not one of the available choices.";

/// A small tree: two Turkish cities with townships and districts.
pub const FIXTURE_CSV: &str = "\
country_code,city,township,district,postcode
tr,İstanbul,Arnavutköy,Adnan Menderes Mah,34275
tr,İstanbul,Arnavutköy,Anadolu Mah,34275
tr,İstanbul,Kadıköy,Moda Mah,34710
tr,Ankara,Çankaya,Kızılay Mah,06420
";

/// The pks of the fixture's places, as the lookups show them.
pub struct Places {
    pub turkey: i64,
    pub germany: i64,
    pub istanbul: i64,
    pub ankara: i64,
    pub berlin: i64,
    pub arnavutkoy: i64,
    pub kadikoy: i64,
    pub cankaya: i64,
    pub adnan_menderes: i64,
    pub anadolu: i64,
    pub moda: i64,
    pub kizilay: i64,
}

/// A file in a fresh temporary directory (kept alive by the returned guard).
pub fn write_file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(name);
    std::fs::write(&path, content).unwrap();
    (directory, path)
}

/// Imports a file into the app's database on a connection of its own, as `storefront geo
/// import` does. A running app's lookups see it once their copy ages out, so tests import before
/// their first lookup.
pub async fn import(app: &TestApp, path: &Path) -> Result<ImportReport, ImportError> {
    let db = storefront::db::connect_and_migrate(&app.database.url())
        .await
        .unwrap();
    import_file(&db, path).await
}

/// The `results` of a lookup.
pub async fn results(app: &TestApp, path: &str) -> Vec<Value> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    json_body(response).await["results"]
        .as_array()
        .unwrap()
        .clone()
}

/// The pk of the row named `name` in a lookup's results.
pub async fn pk_named(app: &TestApp, path: &str, name: &str) -> i64 {
    results(app, path)
        .await
        .iter()
        .find(|row| row["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {path}"))["pk"]
        .as_i64()
        .unwrap()
}

/// Imports [`FIXTURE_CSV`] and finds its places through the lookups.
pub async fn imported_places(app: &TestApp) -> Places {
    let (_directory, path) = write_file("fixture.csv", FIXTURE_CSV);
    import(app, &path).await.unwrap();
    let turkey = pk_named(app, "/address/country/", "Türkiye").await;
    let germany = pk_named(app, "/address/country/", "Germany").await;
    let cities = format!("/address/city/?country={turkey}");
    let istanbul = pk_named(app, &cities, "İstanbul").await;
    let ankara = pk_named(app, &cities, "Ankara").await;
    let berlin = pk_named(app, &format!("/address/city/?country={germany}"), "Berlin").await;
    let arnavutkoy = pk_named(
        app,
        &format!("/address/township/?city={istanbul}"),
        "Arnavutköy",
    )
    .await;
    let kadikoy = pk_named(
        app,
        &format!("/address/township/?city={istanbul}"),
        "Kadıköy",
    )
    .await;
    let cankaya = pk_named(app, &format!("/address/township/?city={ankara}"), "Çankaya").await;
    let districts = |township: i64| format!("/address/district/?township={township}");
    Places {
        turkey,
        germany,
        istanbul,
        ankara,
        berlin,
        arnavutkoy,
        kadikoy,
        cankaya,
        adnan_menderes: pk_named(app, &districts(arnavutkoy), "Adnan Menderes Mah").await,
        anadolu: pk_named(app, &districts(arnavutkoy), "Anadolu Mah").await,
        moda: pk_named(app, &districts(kadikoy), "Moda Mah").await,
        kizilay: pk_named(app, &districts(cankaya), "Kızılay Mah").await,
    }
}

#[tokio::test]
async fn iso_countries_ship_with_the_binary_in_one_page_with_lowercase_codes() {
    let app = spawn_app().await;

    let response = app.get("/address/country/").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    let count = body["count"].as_u64().unwrap();
    assert!(count >= 249, "{count}");
    assert_eq!(body["results"].as_array().unwrap().len() as u64, count);
    assert_eq!(body["next"], json!(null));
    assert_eq!(body["previous"], json!(null));
    let turkey = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|country| country["code"] == "tr")
        .unwrap();
    assert_eq!(
        turkey,
        &json!({"pk": turkey["pk"], "is_active": true, "name": "Türkiye", "code": "tr", "translations": null})
    );
}

#[tokio::test]
async fn a_countrys_cities_are_its_iso_subdivisions() {
    let app = spawn_app().await;
    let turkey = pk_named(&app, "/address/country/", "Türkiye").await;

    let body = json_body(app.get(&format!("/address/city/?country={turkey}")).await).await;

    assert_eq!(body["count"], 81);
    let istanbul = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|city| city["name"] == "İstanbul")
        .unwrap();
    assert_eq!(
        istanbul,
        &json!({"pk": istanbul["pk"], "is_active": true, "name": "İstanbul", "country": turkey, "translations": null, "priority": null, "postcode": null})
    );
}

#[tokio::test]
async fn townships_and_districts_follow_their_parents() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;

    let townships = results(
        &app,
        &format!("/address/township/?city={}", places.istanbul),
    )
    .await;
    let districts = results(
        &app,
        &format!("/address/district/?township={}", places.arnavutkoy),
    )
    .await;
    let by_city = results(&app, &format!("/address/district/?city={}", places.ankara)).await;
    let in_ankara = results(&app, &format!("/address/township/?city={}", places.ankara)).await;

    assert_eq!(
        townships,
        vec![
            json!({"pk": places.arnavutkoy, "is_active": true, "name": "Arnavutköy", "city": places.istanbul, "postcode": null}),
            json!({"pk": places.kadikoy, "is_active": true, "name": "Kadıköy", "city": places.istanbul, "postcode": null}),
        ]
    );
    assert_eq!(
        districts,
        vec![
            json!({"pk": places.adnan_menderes, "is_active": true, "name": "Adnan Menderes Mah", "city": places.istanbul, "township": places.arnavutkoy, "postcode": "34275"}),
            json!({"pk": places.anadolu, "is_active": true, "name": "Anadolu Mah", "city": places.istanbul, "township": places.arnavutkoy, "postcode": "34275"}),
        ]
    );
    assert_eq!(in_ankara.len(), 1);
    assert_eq!(in_ankara[0]["pk"], places.cankaya);
    assert_eq!(by_city.len(), 1);
    assert_eq!(by_city[0]["pk"], places.kizilay);
}

#[tokio::test]
async fn an_empty_filter_matches_nothing() {
    let app = spawn_app().await;
    imported_places(&app).await;

    for path in [
        "/address/city/?country=",
        "/address/township/?city=",
        "/address/district/?township=",
        "/address/district/?township=%20",
    ] {
        let body = json_body(app.get(path).await).await;

        assert_eq!(
            body,
            json!({"count": 0, "next": null, "previous": null, "results": []}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_filter_that_is_not_a_pk_is_a_field_error() {
    let app = spawn_app().await;

    let city = app.get("/address/township/?city=abc").await;
    let country = app.get("/address/city/?country=1x").await;

    assert_eq!(city.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(city).await, json!({"city": [INVALID_CHOICE]}));
    assert_eq!(country.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(country).await,
        json!({"country": [INVALID_CHOICE]})
    );
}

#[tokio::test]
async fn query_values_are_trimmed_and_limit_pages_the_list() {
    let app = spawn_app().await;
    let turkey = pk_named(&app, "/address/country/", "Türkiye").await;

    let response = app
        .get(&format!("/address/city/?country=+{turkey}+&limit=10+"))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(body["count"], 81);
    assert_eq!(body["results"].as_array().unwrap().len(), 10);
    assert_eq!(body["previous"], json!(null));
    assert_eq!(
        body["next"],
        format!(
            "{}/address/city/?country={turkey}&limit=10&page=2",
            app.address
        )
    );
}

#[tokio::test]
async fn the_last_page_links_back_and_a_page_past_it_is_invalid() {
    let app = spawn_app().await;
    let turkey = pk_named(&app, "/address/country/", "Türkiye").await;

    let last = json_body(
        app.get(&format!(
            "/address/city/?country={turkey}&page_size=40&page=3"
        ))
        .await,
    )
    .await;
    let past = app
        .get(&format!("/address/city/?country={turkey}&limit=40&page=4"))
        .await;
    let nonsense = app.get("/address/country/?page=abc").await;

    assert_eq!(last["results"].as_array().unwrap().len(), 1);
    assert_eq!(last["next"], json!(null));
    assert_eq!(
        last["previous"],
        format!(
            "{}/address/city/?country={turkey}&page=2&page_size=40",
            app.address
        )
    );
    assert_eq!(past.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(past).await, json!({"detail": "Invalid page."}));
    assert_eq!(nonsense.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_body(nonsense).await,
        json!({"detail": "Invalid page."})
    );
}

#[tokio::test]
async fn without_retail_stores_only_the_no_store_filter_lists_anything() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;

    let with_stores = results(
        &app,
        &format!(
            "/address/city/?retailstore__isnull=false&country={}",
            places.turkey
        ),
    )
    .await;
    let without_stores = results(
        &app,
        &format!(
            "/address/city/?retailstore__isnull=True&country={}",
            places.turkey
        ),
    )
    .await;
    let townships = results(
        &app,
        &format!(
            "/address/township/?retailstore__isnull=0&city={}",
            places.istanbul
        ),
    )
    .await;
    let bad = app.get("/address/city/?retailstore__isnull=maybe").await;

    assert!(with_stores.is_empty());
    assert_eq!(without_stores.len(), 81);
    assert!(townships.is_empty());
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(bad).await,
        json!({"retailstore__isnull": ["Must be a valid boolean."]})
    );
}

#[tokio::test]
async fn cities_can_be_searched_by_name() {
    let app = spawn_app().await;
    let turkey = pk_named(&app, "/address/country/", "Türkiye").await;

    let found = results(&app, &format!("/address/city/?country={turkey}&q=İSTANB")).await;
    let too_short = results(&app, &format!("/address/city/?country={turkey}&name=i")).await;

    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["name"], "İstanbul");
    assert_eq!(too_short.len(), 81);
}

#[tokio::test]
async fn lookups_need_no_login_and_single_places_have_their_own_path() {
    let app = spawn_app().await;
    let places = imported_places(&app).await;

    let city = app
        .send(Method::GET, &format!("/address/city/{}/", places.ankara))
        .without_cookies()
        .await;
    let district = app
        .send(Method::GET, &format!("/address/district/{}", places.moda))
        .without_cookies()
        .await;
    let berlin = app.get(&format!("/address/city/{}/", places.berlin)).await;
    let unknown = app.get("/address/township/999999/").await;
    let not_a_pk = app.get("/address/country/tr/").await;

    assert_eq!(city.status(), StatusCode::OK);
    assert_eq!(json_body(city).await["name"], "Ankara");
    assert_eq!(json_body(district).await["township"], places.kadikoy);
    assert_eq!(json_body(berlin).await["country"], places.germany);
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(unknown).await, json!({"detail": "Not found."}));
    assert_eq!(not_a_pk.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(not_a_pk).await, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn an_import_reports_what_it_added_and_a_second_run_changes_nothing() {
    let app = spawn_app().await;
    let (_directory, path) = write_file("places.csv", FIXTURE_CSV);

    let first = import(&app, &path).await.unwrap();
    let second = import(&app, &path).await.unwrap();

    assert_eq!(
        first.to_string(),
        "added: 0 cities, 3 townships, 4 districts; updated: 0"
    );
    assert_eq!(
        second.to_string(),
        "added: 0 cities, 0 townships, 0 districts; updated: 0"
    );
    let ankara = pk_named(&app, "/address/city/?q=ankara", "Ankara").await;
    assert_eq!(
        results(&app, &format!("/address/township/?city={ankara}"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_import_matches_names_case_insensitively_and_updates_spelling_and_postcodes() {
    let app = spawn_app().await;
    let (_fixture_directory, fixture) = write_file("fixture.csv", FIXTURE_CSV);
    import(&app, &fixture).await.unwrap();
    let (_directory, path) = write_file(
        "update.csv",
        "country_code,city,township,district,postcode\nTR,İSTANBUL,KADIKÖY,MODA MAH,34711\n",
    );

    let report = import(&app, &path).await.unwrap();

    assert_eq!(
        report.to_string(),
        "added: 0 cities, 0 townships, 0 districts; updated: 3"
    );
    let istanbul = pk_named(&app, "/address/city/?q=istanbul", "İSTANBUL").await;
    let kadikoy = pk_named(
        &app,
        &format!("/address/township/?city={istanbul}"),
        "KADIKÖY",
    )
    .await;
    let moda = &results(&app, &format!("/address/district/?township={kadikoy}")).await[0];
    assert_eq!(moda["name"], "MODA MAH");
    assert_eq!(moda["postcode"], "34711");
}

#[tokio::test]
async fn an_import_adds_cities_that_are_not_iso_subdivisions() {
    let app = spawn_app().await;
    let (_directory, path) = write_file(
        "london.json",
        r#"[{"country_code": "gb", "city": "London", "township": "Camden", "district": "Kentish Town", "postcode": "NW5"}]"#,
    );

    let report = import(&app, &path).await.unwrap();

    assert_eq!(
        report.to_string(),
        "added: 1 cities, 1 townships, 1 districts; updated: 0"
    );
    let united_kingdom = pk_named(
        &app,
        "/address/country/?limit=500",
        "United Kingdom of Great Britain and Northern Ireland",
    )
    .await;
    pk_named(
        &app,
        &format!("/address/city/?country={united_kingdom}"),
        "London",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_row_stops_the_import_with_its_line_and_changes_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            "bad.csv",
            "country_code,city,township,district,postcode\ntr,Ankara,Yenimahalle,,\ntr,Ankara,,Kızılay Mah,\n",
            "line 3: a district needs its township",
        ),
        (
            "bad.csv",
            "country_code,city,township,district,postcode\ntr,Ankara,Yenimahalle,,\nzz,Nowhere,,,\n",
            "line 3: unknown country code \"zz\" (expected ISO 3166-1 alpha-2, e.g. tr)",
        ),
        (
            "bad.csv",
            "country_code,city,township,district,postcode\ntr,Ankara,Yenimahalle,,\ntr,Ankara\n",
            "line 3: expected 5 fields like the header, found 2",
        ),
        (
            "bad.json",
            "[\n  {\"country_code\": \"tr\", \"city\": \"Ankara\", \"township\": \"Yenimahalle\"},\n  {\"country_code\": \"tr\", \"city\": \"\"}\n]",
            "line 3: city is empty",
        ),
    ];

    for (name, content, expected) in cases {
        let (_directory, path) = write_file(name, content);

        let error = import(&app, &path).await.unwrap_err();

        assert_eq!(error.to_string(), expected);
        let ankara = pk_named(&app, "/address/city/?q=ankara", "Ankara").await;
        assert!(
            results(&app, &format!("/address/township/?city={ankara}"))
                .await
                .is_empty(),
            "{expected}: nothing is written"
        );
    }
}

fn run_binary(database: &Path, file: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
        .args(["geo", "import"])
        .arg(file)
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("STOREFRONT_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_geo_import_command_imports_the_sample_file_and_refuses_a_bad_one() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("import.db");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/geo-sample.csv");
    let bad = directory.path().join("bad.csv");
    std::fs::write(&bad, "country_code,city\ntr,Ankara\ntr,\n").unwrap();

    let imported = tokio::task::spawn_blocking({
        let (database, sample) = (database.clone(), sample.clone());
        move || {
            (
                run_binary(&database, &sample),
                run_binary(&database, &sample),
            )
        }
    })
    .await
    .unwrap();
    let refused = tokio::task::spawn_blocking(move || run_binary(&database, &bad))
        .await
        .unwrap();

    let (first, second) = imported;
    assert!(first.status.success(), "{first:?}");
    assert_eq!(
        String::from_utf8_lossy(&first.stdout).trim(),
        "added: 1 cities, 5 townships, 6 districts; updated: 0"
    );
    assert_eq!(
        String::from_utf8_lossy(&second.stdout).trim(),
        "added: 0 cities, 0 townships, 0 districts; updated: 0"
    );
    assert!(!refused.status.success());
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "error: line 3: city is empty"
    );
}

#[tokio::test]
async fn the_json_sample_matches_the_csv_sample() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));

    let csv = storefront::geo::import::read_file(&manifest.join("samples/geo-sample.csv")).unwrap();
    let json =
        storefront::geo::import::read_file(&manifest.join("samples/geo-sample.json")).unwrap();

    let strip = |rows: Vec<storefront::geo::import::ImportRow>| {
        rows.into_iter()
            .map(|row| {
                (
                    row.country_code,
                    row.city,
                    row.township,
                    row.district,
                    row.postcode,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(csv), strip(json));
}
