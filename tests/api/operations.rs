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
