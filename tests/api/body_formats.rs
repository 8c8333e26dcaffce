//! Property tests: whatever the body, the server answers 4xx or 2xx, never 5xx.

use proptest::prelude::*;
use reqwest::Method;

use crate::support::spawn_app;

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "\\PC{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("email".to_owned()),
                    Just("password".to_owned()),
                    Just("phone".to_owned()),
                    Just("gender".to_owned()),
                    Just("date_of_birth".to_owned()),
                    Just("email_allowed".to_owned()),
                    "[a-z_]{1,12}"
                ],
                inner,
                0..6
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

const PATHS: [&str; 4] = [
    "/users/login/",
    "/users/registration/",
    "/users/profile/",
    "/users/logout/",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_json_bodies_never_produce_a_5xx(body in any_json(), path_index in 0..PATHS.len()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let status = runtime.block_on(async {
            let app = spawn_app().await;
            app.logged_in_customer().await;
            app.fetch_csrf_token().await;
            let method = if PATHS[path_index] == "/users/profile/" { Method::PATCH } else { Method::POST };
            app.send(method, PATHS[path_index]).json(&body).await.status()
        });
        prop_assert!(status.is_client_error() || status.is_success(), "{} for {}", status, body);
    }

    #[test]
    fn random_bytes_in_any_content_type_never_produce_a_5xx(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        content_type in prop_oneof![
            Just("application/json".to_owned()),
            Just("application/x-www-form-urlencoded".to_owned()),
            Just("multipart/form-data; boundary=X".to_owned()),
            Just("text/plain".to_owned()),
            "[ -~]{0,30}",
        ],
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let status = runtime.block_on(async {
            let app = spawn_app().await;
            app.send(Method::POST, "/users/login/").header("content-type", content_type).body(bytes).try_send().await.map(|response| response.status())
        });
        if let Ok(status) = status {
            prop_assert!(!status.is_server_error(), "{}", status);
        }
    }
}
