//! The OpenAPI document as a reviewed artefact: a snapshot that changes with every route or body
//! change, and a check that the document and the router list the same routes.

use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

use crate::support::{
    INTERNAL_TOKEN, TestApp, json_body, rust_files, spawn_app, spawn_app_with, with_internal_api,
};

/// The committed document, next to the tests.
const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/api/snapshots/openapi.json"
);
/// Set to `1` to write the running app's document as the new snapshot.
const UPDATE: &str = "UPDATE_SNAPSHOTS";

/// `/openapi.json` must equal `tests/api/snapshots/openapi.json` (pretty-printed, keys sorted):
/// a route added, removed or changed in shape fails here until the snapshot is updated, so the
/// change shows in review. `UPDATE_SNAPSHOTS=1 cargo test --test api openapi` rewrites it.
#[tokio::test]
async fn the_openapi_document_matches_the_snapshot() {
    let app = spawn_app().await;

    let document = pretty(&document(&app).await);

    if std::env::var(UPDATE).as_deref() == Ok("1") {
        std::fs::create_dir_all(Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(SNAPSHOT, &document).unwrap();
        return;
    }
    let snapshot = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        snapshot == document,
        "/openapi.json differs from {SNAPSHOT} (- snapshot, + served):\n{}\n\
         If the change is meant, update the snapshot and commit it:\n    \
         {UPDATE}=1 cargo test --test api openapi",
        line_diff(&snapshot, &document)
    );
}

/// Every documented operation is served. The router cannot list its routes, so each is probed:
/// a method no route has (`TRACE`) on the path must get the router's 405, not its 404 fallback
/// (the path is routed), and the documented method must not get 405 (the method is routed; the
/// CSRF token is sent, so an unsafe method reaches the router's answer, not a CSRF refusal).
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app_with(with_internal_api).await;
    app.fetch_csrf_token().await;
    let document = document(&app).await;

    let mut unrouted = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        let concrete = with_parameters(path);
        // The internal API answers 404 to anyone without its bearer token.
        let send = |method: Method| {
            app.send(method, &concrete)
                .header("authorization", format!("Bearer {INTERNAL_TOKEN}"))
        };
        let other = send(Method::TRACE).await.status();
        if other != StatusCode::METHOD_NOT_ALLOWED {
            unrouted.push(format!(
                "{path}: TRACE answered {other}, so the path is not routed"
            ));
        }
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let status = send(method.clone()).await.status();
            if status == StatusCode::METHOD_NOT_ALLOWED {
                unrouted.push(format!("{method} {path}: 405"));
            }
        }
    }

    assert!(
        unrouted.is_empty(),
        "documented but not served: {unrouted:#?}"
    );
}

/// Every served route is documented. `startup::router()` builds the app with utoipa-axum's
/// `OpenApiRouter`, where `.routes(routes!(handler))` documents a route from its
/// `#[utoipa::path]`; only a plain axum call (`.route`, `.route_service`, `.nest`,
/// `.nest_service`, or merging a plain `Router`) can serve one the document lacks. Since a router
/// cannot list its routes, this reads the sources for those calls; the ones here on purpose
/// are listed, and each is checked to be served.
#[tokio::test]
async fn every_served_route_is_documented() {
    /// Served outside the document on purpose: the document itself and its UI; and the
    /// internal API, whose routes are documented by their own `OpenApiRouter`, merged in apart
    /// from the public ones because they skip the CSRF check and the session.
    const UNDOCUMENTED: [(&str, &str); 3] = [
        (
            "src/startup/mod.rs",
            r#"merge(SwaggerUi::new("/docs").url("/openapi.json", openapi))"#,
        ),
        ("src/startup/mod.rs", "openapi.merge(internal_openapi);"),
        ("src/startup/mod.rs", ".merge(internal_api)"),
    ];
    let app = spawn_app().await;

    let mut plain_calls = Vec::new();
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let source = std::fs::read_to_string(&file).unwrap();
        let relative = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .to_string_lossy()
            .trim_start_matches('/')
            .to_owned();
        let code = source.split("\n#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in code.lines().enumerate() {
            let line = line.trim();
            let known = UNDOCUMENTED
                .iter()
                .any(|(file, call)| *file == relative && line.contains(call));
            if !known && serves_plainly(line) {
                plain_calls.push(format!("{relative}:{}: {line}", number + 1));
            }
        }
    }

    assert!(
        plain_calls.is_empty(),
        "routes served outside the OpenAPI document (use `.routes(routes!(...))`, or list the \
         call in UNDOCUMENTED with the reason): {plain_calls:#?}"
    );
    assert_eq!(app.get("/docs/").await.status(), StatusCode::OK);
    assert_eq!(app.get("/openapi.json").await.status(), StatusCode::OK);
}

/// Whether a line of code adds routes to a plain axum `Router`.
fn serves_plainly(line: &str) -> bool {
    let calls = [".route(", ".route_service(", ".nest(", ".nest_service("];
    // An area's `router()` is an `OpenApiRouter` (STYLE.md, section 5).
    let merges_plain_router = line.contains(".merge(") && !line.contains("::router())");
    !line.starts_with("//") && (calls.iter().any(|call| line.contains(call)) || merges_plain_router)
}

async fn document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

/// `/address/{pk}/` → `/address/1/`.
fn with_parameters(path: &str) -> String {
    let mut concrete = String::new();
    let mut in_parameter = false;
    for character in path.chars() {
        match character {
            '{' => in_parameter = true,
            '}' => {
                in_parameter = false;
                concrete.push('1');
            }
            _ if in_parameter => {}
            _ => concrete.push(character),
        }
    }
    concrete
}

/// Pretty-printed with every object's keys sorted, so the text depends on the content only.
fn pretty(document: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(object) => {
                let mut entries: Vec<_> = object.iter().collect();
                entries.sort_by_key(|(key, _)| *key);
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.clone(), sorted(value)))
                        .collect::<Map<_, _>>(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&sorted(document)).unwrap() + "\n"
}

/// The lines only in `old` (`-`) or only in `new` (`+`), by a longest common subsequence, with
/// their line numbers; at most 80 of them.
fn line_diff(old: &str, new: &str) -> String {
    let (old, new): (Vec<_>, Vec<_>) = (old.lines().collect(), new.lines().collect());
    let mut common = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            (i, j) = (i + 1, j + 1);
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(format!("-{:>5} {}", i + 1, old[i]));
            i += 1;
        } else {
            out.push(format!("+{:>5} {}", j + 1, new[j]));
            j += 1;
        }
    }
    let shown = out.len().min(80);
    let mut text = out[..shown].join("\n");
    if out.len() > shown {
        text.push_str(&format!("\n… and {} more lines", out.len() - shown));
    }
    text
}
