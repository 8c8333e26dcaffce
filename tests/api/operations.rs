//! Health, metrics and Swagger UI (the OpenAPI document has its own file, `openapi.rs`).

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{json_body, spawn_app};

#[tokio::test]
async fn health_checks_the_database() {
    let app = spawn_app().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({"status": "ok"}));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/csrf_token/").await;

    let text = app.get("/metrics").await.text().await.unwrap();

    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/csrf_token/",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn swagger_ui_is_served_without_network() {
    let app = spawn_app().await;

    let response = app.get("/docs/").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("swagger"));
}

#[test]
fn an_unknown_phone_region_stops_start_up_with_one_line_naming_it() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("unused.db");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
        .arg("migrate")
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("PHONE_DEFAULT_REGION", "XX")
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PHONE_DEFAULT_REGION"), "{stderr}");
    assert!(!database.exists(), "nothing is created");
}
