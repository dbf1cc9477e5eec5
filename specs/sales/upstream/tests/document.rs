//! `openapi.yaml` and the server agree: every operation of the document is routed, and what a
//! successful call answers has every property the document's response schema requires.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TempDb;
use serde_json::{Value, json};
use tower::ServiceExt;

const DOCUMENT: &str = include_str!("../../openapi.yaml");
const KEY: &str = "document-key";

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(pointer) => resolve(doc, &doc[pointer.trim_start_matches('#')]),
        None => schema,
    }
}

/// Checks `value` has every required property of `schema`, recursively; returns the problems.
fn missing(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut problems = Vec::new();
    if let Some(required) = schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if value.get(name).is_none() {
                problems.push(format!("{at}/{name}"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (name, property) in properties {
            if let Some(inner) = object.get(name) {
                problems.extend(missing(doc, property, inner, &format!("{at}/{name}")));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (n, inner) in array.iter().enumerate() {
            problems.extend(missing(doc, items, inner, &format!("{at}/{n}")));
        }
    }
    problems
}

#[tokio::test]
async fn every_operation_is_served_as_documented() {
    let doc: Value = serde_saphyr::from_str(DOCUMENT).expect("openapi.yaml parses");
    let db = TempDb::seeded("document");
    let pool = sales_upstream::connect(&db.path).await.expect("connect");
    let app = sales_upstream::router(pool, KEY.into());

    // Arguments that make every operation succeed on the seeded data. Operations run in the
    // document's order, so order 6001 is the open one `createOrder` placed, which can be
    // cancelled.
    let samples = [
        ("{customerId}", "3"),
        ("{sku}", "LAP-101"),
        ("{orderId}", "6001"),
    ];
    let query = |operation: &str| match operation {
        "revenueReport" => "?group_by=month",
        _ => "",
    };
    let body = |operation: &str| match operation {
        "createOrder" => {
            Some(json!({"customer_id": 3, "items": [{"sku": "LAP-101", "quantity": 1}]}))
        }
        "updateOrderStatus" => Some(json!({"status": "cancelled"})),
        _ => None,
    };

    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Some(id) = operation["operationId"].as_str() else {
                continue; // `parameters` shared by the path's operations
            };
            operations += 1;
            let mut uri = path.clone();
            for (slot, value) in samples {
                uri = uri.replace(slot, value);
            }
            uri.push_str(query(id));
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header("x-api-key", KEY)
                .header("content-type", "application/json");
            let request = match body(id) {
                Some(body) => request.body(Body::from(body.to_string())),
                None => request.body(Body::empty()),
            }
            .expect("request");
            let response = app.clone().oneshot(request).await.expect("infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            let answer: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert!(
                matches!(status, StatusCode::OK | StatusCode::CREATED),
                "{id}: {method} {uri} answered {status}: {answer}"
            );
            let documented = &operation["responses"][status.as_str()];
            assert!(documented.is_object(), "{id}: {status} is not documented");
            let schema = &resolve(&doc, documented)["content"]["application/json"]["schema"];
            let problems = missing(&doc, schema, &answer, "");
            assert!(problems.is_empty(), "{id} lacks {problems:?}: {answer}");
        }
    }
    assert_eq!(operations, 10);

    // And the security scheme is the header the server checks.
    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(
        (scheme["in"].as_str(), scheme["name"].as_str()),
        (Some("header"), Some("X-API-Key"))
    );
}
