//! The REST API, called in memory through the router (and once over a real socket): every
//! endpoint, the API key, 404/400/409/422 answers, and injection-looking values.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use common::TempDb;
use serde_json::{Value, json};
use tower::ServiceExt;

const KEY: &str = "test-key";

/// A router over a fresh copy of the seeded warehouse (kept alive by the returned guard).
async fn app(label: &str) -> (Router, TempDb) {
    let db = TempDb::seeded(label);
    let pool = sales_upstream::connect(&db.path).await.expect("connect");
    (sales_upstream::router(pool, KEY.to_string()), db)
}

/// Sends one request with the right key.
async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, _, body) = send(app, method, uri, Some(KEY), body).await;
    (status, body)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    call(app, Method::GET, uri, None).await
}

/// Sends one request, with `key` as X-API-Key if given; the answer's body parsed as JSON.
async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (parts.status, parts.headers, json)
}

/// Percent-encodes a query value.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Asserts the body is our error shape with this code, and returns the detail.
fn error(body: &Value, code: &str) -> String {
    assert_eq!(body["error"], code, "{body}");
    body["detail"].as_str().expect("detail").to_string()
}

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().expect("items")
}

#[tokio::test]
async fn api_key_is_required() {
    let (app, _db) = app("auth").await;
    for (key, hint) in [
        (None, "send the API key"),
        (Some("wrong"), "does not hold"),
        (Some(""), "does not hold"),
    ] {
        for uri in ["/regions", "/orders/1", "/nowhere"] {
            let (status, _, body) = send(&app, Method::GET, uri, key, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri} {key:?}");
            assert!(error(&body, "unauthorized").contains(hint), "{body}");
        }
    }
    let (status, body) = get(&app, "/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error(&body, "not_found");
    let (status, body) = call(&app, Method::DELETE, "/orders/1", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    error(&body, "method_not_allowed");
}

#[tokio::test]
async fn regions() {
    let (app, _db) = app("regions").await;
    let (status, body) = get(&app, "/regions").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = items(&body)
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["APAC", "EMEA", "LATAM", "NA"]);
    assert_eq!(items(&body)[3]["name"], "North America");
}

#[tokio::test]
async fn customers() {
    let (app, _db) = app("customers").await;
    let (status, body) = get(&app, "/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            body["total"].as_i64(),
            body["limit"].as_i64(),
            body["offset"].as_i64()
        ),
        (Some(600), Some(20), Some(0))
    );
    assert_eq!(items(&body).len(), 20);
    assert_eq!(items(&body)[0]["id"], 1);

    let (_, body) = get(&app, "/customers?region=EMEA&segment=enterprise&limit=100").await;
    assert!(body["total"].as_i64() > Some(0));
    for c in items(&body) {
        assert_eq!(
            (c["region_id"].as_str(), c["segment"].as_str()),
            (Some("EMEA"), Some("enterprise"))
        );
    }

    let (_, body) = get(&app, "/customers?q=SILVA&limit=100").await;
    assert!(!items(&body).is_empty());
    for c in items(&body) {
        let text = format!("{} {}", c["name"], c["email"]).to_lowercase();
        assert!(text.contains("silva"), "{text}");
    }

    let (_, body) = get(&app, "/customers?offset=590").await;
    assert_eq!(items(&body).len(), 10);

    let (status, body) = get(&app, "/customers/42").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], 42);
    for field in ["name", "email", "region_id", "segment", "created_at"] {
        assert!(body[field].is_string(), "{field}: {body}");
    }

    let (status, body) = get(&app, "/customers/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error(&body, "not_found").contains("999999"));

    for bad in [
        "/customers/abc",
        "/customers?limit=0",
        "/customers?limit=101",
        "/customers?limit=ten",
        "/customers?offset=-1",
        "/customers?offset=1000001",
        "/customers?region=EUROPE",
        "/customers?segment=vip",
        "/customers?regoin=EMEA",
    ] {
        let (status, body) = get(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        error(&body, "bad_request");
    }
    let long = "x".repeat(101);
    let (status, _) = get(&app, &format!("/customers?q={long}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn products() {
    let (app, _db) = app("products").await;
    let (status, body) = get(&app, "/products?category=Laptops&limit=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 15);
    assert!(items(&body).iter().all(|p| p["category"] == "Laptops"));
    let (_, lower) = get(&app, "/products?category=laptops&limit=100").await;
    assert_eq!(lower["total"], 15);

    let (_, inactive) = get(&app, "/products?active=false&limit=100").await;
    let (_, active) = get(&app, "/products?active=true&limit=100").await;
    let (_, all) = get(&app, "/products").await;
    assert!(items(&inactive).iter().all(|p| p["active"] == false));
    assert!(items(&active).iter().all(|p| p["active"] == true));
    assert_eq!(
        inactive["total"]
            .as_i64()
            .zip(active["total"].as_i64())
            .map(|(a, b)| a + b),
        all["total"].as_i64()
    );
    assert_eq!(all["total"], 120);

    let (status, body) = get(&app, "/products/LAP-101").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["sku"].as_str(), body["category"].as_str()),
        (Some("LAP-101"), Some("Laptops"))
    );
    assert!(body["unit_price_cents"].as_i64() > Some(0));

    let (status, body) = get(&app, "/products/NOPE-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error(&body, "not_found");
    let (status, _) = get(&app, "/products?active=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn orders_list_and_get() {
    let (app, _db) = app("orders").await;
    let (status, body) = get(&app, "/orders?limit=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 6000);
    let dates: Vec<&str> = items(&body)
        .iter()
        .filter_map(|o| o["ordered_at"].as_str())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let (_, body) = get(
        &app,
        "/orders?from=2025-03-01&to=2025-03-31&region=NA&status=shipped&limit=100",
    )
    .await;
    assert!(body["total"].as_i64() > Some(0));
    for o in items(&body) {
        let date = o["ordered_at"].as_str().unwrap_or_default();
        assert!(("2025-03-01"..="2025-03-31").contains(&date), "{o}");
        assert_eq!(
            (o["region_id"].as_str(), o["status"].as_str()),
            (Some("NA"), Some("shipped"))
        );
    }

    let (_, body) = get(&app, "/orders?customer_id=7&limit=100").await;
    assert!(items(&body).iter().all(|o| o["customer_id"] == 7));

    let (status, order) = get(&app, "/orders/1").await;
    assert_eq!(status, StatusCode::OK);
    let lines = order["items"].as_array().expect("items");
    assert_eq!(order["item_count"].as_u64(), Some(lines.len() as u64));
    let sum: i64 = lines
        .iter()
        .filter_map(|l| l["line_total_cents"].as_i64())
        .sum();
    assert_eq!(order["total_cents"].as_i64(), Some(sum));
    for line in lines {
        assert_eq!(
            line["quantity"]
                .as_i64()
                .zip(line["unit_price_cents"].as_i64())
                .map(|(q, p)| q * p),
            line["line_total_cents"].as_i64()
        );
    }

    let (status, body) = get(&app, "/orders/600000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error(&body, "not_found");
    for bad in [
        "/orders?from=2025-02-30",
        "/orders?to=yesterday",
        "/orders?from=2026-01-02&to=2026-01-01",
        "/orders?status=lost",
        "/orders/x",
    ] {
        let (status, body) = get(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn place_and_move_an_order() {
    let (app, _db) = app("create").await;
    let (_, laptop) = get(&app, "/products/LAP-101").await;
    let (_, customer) = get(&app, "/customers/3").await;
    let (_, mouse) = get(&app, "/products?category=Accessories&active=true&limit=1").await;
    let mouse = &items(&mouse)[0];
    let body = json!({
        "customer_id": 3,
        "items": [{"sku": "LAP-101", "quantity": 2}, {"sku": mouse["sku"], "quantity": 5}],
    });
    let (status, headers, order) = send(&app, Method::POST, "/orders", Some(KEY), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let id = order["id"].as_i64().expect("id");
    assert_eq!(headers["location"], format!("/orders/{id}").as_str());
    assert_eq!(order["status"], "open");
    assert_eq!(order["region_id"], customer["region_id"]);
    assert_eq!(order["item_count"], 2);
    let expected = laptop["unit_price_cents"]
        .as_i64()
        .zip(mouse["unit_price_cents"].as_i64())
        .map(|(l, m)| 2 * l + 5 * m);
    assert_eq!(order["total_cents"].as_i64(), expected);
    let (_, again) = get(&app, &format!("/orders/{id}")).await;
    assert_eq!(again, order);

    let path = format!("/orders/{id}");
    let patch = |status: &str| json!({ "status": status });
    let (status, body) = call(&app, Method::PATCH, &path, Some(patch("paid"))).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("paid"))
    );
    let (status, body) = call(&app, Method::PATCH, &path, Some(patch("paid"))).await;
    assert_eq!(status, StatusCode::OK, "same status again is fine: {body}");
    let (status, body) = call(&app, Method::PATCH, &path, Some(patch("open"))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error(&body, "conflict").contains("shipped or cancelled"),
        "{body}"
    );
    let (status, _) = call(&app, Method::PATCH, &path, Some(patch("shipped"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&app, Method::PATCH, &path, Some(patch("cancelled"))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error(&body, "conflict").contains("final"), "{body}");

    let (status, body) = call(&app, Method::PATCH, "/orders/600000", Some(patch("paid"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = call(&app, Method::PATCH, &path, Some(patch("lost"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"status": "paid", "note": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn bad_orders_are_refused_and_change_nothing() {
    let (app, _db) = app("bad-orders").await;
    let (_, discontinued) = get(&app, "/products?active=false&limit=1").await;
    let discontinued = items(&discontinued)[0]["sku"].clone();

    let body = json!({
        "customer_id": 999999,
        "items": [
            {"sku": "LAP-101", "quantity": 0},
            {"sku": "NOPE-999", "quantity": 1},
            {"sku": "LAP-101", "quantity": 1},
            {"sku": discontinued, "quantity": 1},
        ],
    });
    let (status, answer) = call(&app, Method::POST, "/orders", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = error(&answer, "unprocessable");
    for expected in [
        "items[0].quantity",
        "NOPE-999",
        "repeats items[0]",
        "discontinued",
        "customer_id 999999",
    ] {
        assert!(
            detail.contains(expected),
            "{expected} missing from {detail}"
        );
    }

    for (body, why) in [
        (json!({"customer_id": 1, "items": []}), "at least one"),
        (
            json!({"customer_id": 1, "items": [{"sku": "LAP-101", "quantity": 1001}]}),
            "between 1 and 1000",
        ),
        (json!({"customer_id": 1}), "items"),
        (
            json!({"customer_id": 1, "items": [{"sku": "LAP-101", "quantity": "two"}]}),
            "quantity",
        ),
        (
            json!({"customer_id": 1, "items": [{"sku": "LAP-101", "quantity": 1}], "discount": 50}),
            "discount",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, "/orders", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(
            error(&answer, "unprocessable").contains(why),
            "{why}: {answer}"
        );
    }
    let many: Vec<Value> = (1..=21)
        .map(|n| json!({"sku": format!("X-{n}"), "quantity": 1}))
        .collect();
    let (status, answer) = call(
        &app,
        Method::POST,
        "/orders",
        Some(json!({"customer_id": 1, "items": many})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&answer, "unprocessable").contains("at most 20"));

    let request = Request::post("/orders")
        .header("x-api-key", KEY)
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let request = Request::post("/orders")
        .header("x-api-key", KEY)
        .body(Body::from("{}"))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (_, orders) = get(&app, "/orders?limit=1").await;
    assert_eq!(orders["total"], 6000, "nothing was stored");
}

#[tokio::test]
async fn revenue_report() {
    let (app, _db) = app("report").await;
    for group_by in ["region", "category", "month"] {
        let (status, report) = get(&app, &format!("/reports/revenue?group_by={group_by}")).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["group_by"], group_by);
        let rows = report["rows"].as_array().expect("rows");
        let revenue: i64 = rows
            .iter()
            .filter_map(|r| r["revenue_cents"].as_i64())
            .sum();
        assert_eq!(
            report["total_revenue_cents"].as_i64(),
            Some(revenue),
            "{group_by}"
        );
        let keys: Vec<&str> = rows.iter().filter_map(|r| r["key"].as_str()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "ordered by key");
        let expected_rows = match group_by {
            "region" => 4,
            "category" => 8,
            _ => 22,
        };
        assert_eq!(rows.len(), expected_rows, "{group_by}");
    }
    let (_, year) = get(
        &app,
        "/reports/revenue?group_by=month&from=2025-01-01&to=2025-12-31",
    )
    .await;
    let months: Vec<&str> = year["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert_eq!(months.len(), 12);
    assert!(months.iter().all(|m| m.starts_with("2025-")));
    assert_eq!(
        (year["from"].as_str(), year["to"].as_str()),
        (Some("2025-01-01"), Some("2025-12-31"))
    );

    // Only paid and shipped orders are revenue.
    let (_, shipped) = get(&app, "/orders?status=shipped&limit=1").await;
    let (_, paid) = get(&app, "/orders?status=paid&limit=1").await;
    let (_, all) = get(&app, "/reports/revenue?group_by=region").await;
    assert_eq!(
        shipped["total"]
            .as_i64()
            .zip(paid["total"].as_i64())
            .map(|(s, p)| s + p),
        all["total_orders"].as_i64()
    );

    for bad in [
        "/reports/revenue",
        "/reports/revenue?group_by=week",
        "/reports/revenue?group_by=month&from=2025-13-01",
    ] {
        let (status, body) = get(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        error(&body, "bad_request");
    }
}

#[tokio::test]
async fn injection_looking_values_find_nothing_and_change_nothing() {
    let (app, _db) = app("injection").await;
    for q in [
        "x' OR '1'='1",
        "'; DROP TABLE customers; --",
        "%",
        "_",
        "\\",
    ] {
        let (status, body) = get(&app, &format!("/customers?q={}", enc(q))).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(body["total"], 0, "{q}: {body}");
        assert!(items(&body).is_empty());
    }
    let (status, _) = get(&app, &format!("/products/{}", enc("LAP-101' OR '1'='1"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, &format!("/products?category={}", enc("x' OR '1'='1"))).await;
    assert_eq!((status, body["total"].as_i64()), (StatusCode::OK, Some(0)));
    for uri in [
        format!("/customers?region={}", enc("EMEA' OR '1'='1")),
        format!("/orders?customer_id={}", enc("1 OR 1=1")),
        format!("/orders?from={}", enc("2025-01-01' OR '1'='1")),
        format!("/customers/{}", enc("1 OR 1=1")),
    ] {
        let (status, _) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
    }
    let (_, customers) = get(&app, "/customers?limit=1").await;
    let (_, orders) = get(&app, "/orders?limit=1").await;
    let (_, products) = get(&app, "/products?limit=1").await;
    assert_eq!(
        (
            customers["total"].as_i64(),
            orders["total"].as_i64(),
            products["total"].as_i64()
        ),
        (Some(600), Some(6000), Some(120))
    );
}

#[tokio::test]
async fn serves_over_a_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let db = TempDb::seeded("socket");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let path = db.path.clone();
    let server =
        tokio::spawn(async move { sales_upstream::serve(listener, &path, KEY.into()).await });

    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!(
        "GET /regions HTTP/1.1\r\nHost: {address}\r\nX-API-Key: {KEY}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        answer.contains("application/json") && answer.contains("\"EMEA\""),
        "{answer}"
    );
    server.abort();

    let missing = TempDb::new("missing");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let error = sales_upstream::serve(listener, &missing.path, KEY.into())
        .await
        .expect_err("no database");
    assert!(error.to_string().contains("missing"), "{error}");
}
