//! SQL tools: the same suite on SQLite, PostgreSQL and MariaDB (real servers, see
//! `databases.rs`): bound parameters, injection attempts that change nothing, the row limit,
//! writes only with `write: true` (the database refuses them otherwise), the time limit, and a
//! connection URL that never shows.

use crate::databases::{mariadb, postgres, scratch};
use crate::util::call_tool as call;
use mcpgen_codegen::LoadOptions;
use mcpgen_codegen::project::load_any;
use mcpgen_runtime::model::Api;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;
use std::path::Path;

const REGIONS: [&str; 3] = ["EU", "NA", "APAC"];
const ROWS: usize = 300;

/// Row `i`'s region, amount and date: the test's own copy of the data, to check results.
fn row(i: usize) -> (&'static str, i64, String) {
    let day = i % 59; // 2026-01-01 plus `day` days
    let date = if day < 31 {
        format!("2026-01-{:02}", day + 1)
    } else {
        format!("2026-02-{:02}", day - 30)
    };
    (REGIONS[i % 3], (i as i64) * 100, date)
}

/// The statements that create and fill the `orders` table, the same on every engine.
fn setup_statements() -> Vec<String> {
    let mut values = Vec::new();
    for i in 1..=ROWS {
        let (region, amount, date) = row(i);
        values.push(format!("({i}, '{region}', {amount}, '{date}', NULL)"));
    }
    vec![
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, region VARCHAR(20) NOT NULL, amount_cents INTEGER NOT NULL, ordered_at DATE NOT NULL, note VARCHAR(200))".to_string(),
        format!(
            "INSERT INTO orders (id, region, amount_cents, ordered_at, note) VALUES {}",
            values.join(", ")
        ),
    ]
}

async fn setup(url: &str) {
    use sqlx::Connection;
    let statements = setup_statements();
    macro_rules! fill {
        ($conn:ty) => {{
            let mut conn = <$conn>::connect(url)
                .await
                .expect("the test database connects");
            for statement in &statements {
                sqlx::query(AssertSqlSafe(statement.clone()))
                    .execute(&mut conn)
                    .await
                    .expect("setup runs");
            }
        }};
    }
    if url.starts_with("sqlite:") {
        fill!(sqlx::SqliteConnection)
    } else if url.starts_with("postgres:") {
        fill!(sqlx::PgConnection)
    } else {
        fill!(sqlx::MySqlConnection)
    }
}

/// The mcpgen.yaml of the suite; `slow` is a statement that runs for seconds on the engine.
fn project(slow: &str) -> String {
    format!(
        r#"sources:
  - sql:
      database: sales
      connection: {{ file: url.txt }}
      timeout_seconds: 5
      tools:
        - name: orders_in_region
          description: Orders of one region since a date, oldest first.
          statement: |
            SELECT id, region, amount_cents, ordered_at FROM orders
            WHERE region = :region AND ordered_at >= :since ORDER BY id
          parameters:
            region: {{ type: string }}
            since: {{ type: string, format: date }}
          max_rows: 1000
        - name: totals
          description: Revenue and order count per region.
          statement: SELECT region, SUM(amount_cents) AS total, COUNT(*) AS orders FROM orders GROUP BY region ORDER BY region
        - name: every_order
          description: Every order id, at most 50.
          statement: SELECT id FROM orders ORDER BY id
          max_rows: 50
        - name: set_note
          description: Sets the note of an order.
          statement: UPDATE orders SET note = :note WHERE id = :id
          write: true
          parameters:
            note: {{ type: string, maxLength: 200 }}
            id: {{ type: integer, minimum: 1 }}
        - name: note_of
          description: The note of an order.
          statement: SELECT note FROM orders WHERE id = :id
          parameters:
            id: {{ type: integer }}
        - name: count_orders
          description: How many orders there are.
          statement: SELECT COUNT(*) AS n FROM orders
        - name: slow
          description: Runs longer than its limit.
          statement: "{slow}"
          timeout_seconds: 0.5
"#
    )
}

fn load(dir: &Path) -> Api {
    let outcome = load_any(&dir.join("mcpgen.yaml"), &LoadOptions::default());
    let errors: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    outcome.api.expect("the project loads")
}

fn error_text(result: &Value) -> String {
    assert_eq!(result["isError"], true, "expected a tool error: {result}");
    result["content"][0]["text"].as_str().unwrap().to_string()
}

fn rows(result: &Value) -> &Vec<Value> {
    assert_ne!(result["isError"], true, "{result}");
    result["structuredContent"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("rows in {result}"))
}

async fn count(server: &McpServer) -> i64 {
    let result = call(server, "count_orders", json!({})).await;
    rows(&result)[0]["n"].as_i64().unwrap()
}

/// The suite every engine passes. `url` reaches a database with nothing in it yet.
async fn suite(engine: &str, url: &str, password: Option<&str>, slow: &str) {
    setup(url).await;
    let dir = scratch(&format!("sql-{engine}"));
    std::fs::write(dir.join("url.txt"), url).unwrap();
    std::fs::write(dir.join("mcpgen.yaml"), project(slow)).unwrap();
    let api = load(&dir);
    let listed = serde_json::to_string(&api).unwrap();
    assert!(!listed.contains(url), "the model holds no connection URL");
    let server = McpServer::new(api.clone(), ServeOptions::default());

    // Bound parameters, dates compared as dates.
    let result = call(
        &server,
        "orders_in_region",
        json!({"region": "EU", "since": "2026-02-01"}),
    )
    .await;
    let expected: Vec<usize> = (1..=ROWS)
        .filter(|&i| row(i).0 == "EU" && row(i).2.as_str() >= "2026-02-01")
        .collect();
    let got: Vec<usize> = rows(&result)
        .iter()
        .map(|r| r["id"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(got, expected, "{engine}");
    let first = &rows(&result)[0];
    let (_, amount, date) = row(expected[0]);
    assert_eq!(
        first["amount_cents"].as_i64(),
        Some(amount),
        "{engine}: {first}"
    );
    assert_eq!(first["ordered_at"], json!(date), "{engine}: {first}");
    assert_eq!(
        result["structuredContent"]["row_count"],
        json!(expected.len())
    );
    assert_eq!(result["structuredContent"]["truncated"], json!(false));

    // Aggregates come back as numbers.
    let result = call(&server, "totals", json!({})).await;
    for total in rows(&result) {
        let region = total["region"].as_str().unwrap();
        let sum: i64 = (1..=ROWS)
            .filter(|&i| row(i).0 == region)
            .map(|i| row(i).1)
            .sum();
        assert_eq!(
            total["total"].as_f64(),
            Some(sum as f64),
            "{engine}: {total}"
        );
        assert_eq!(
            total["orders"].as_f64(),
            Some((ROWS / 3) as f64),
            "{engine}: {total}"
        );
    }

    // Injection attempts are values, never SQL: they match nothing and change nothing.
    for hostile in [
        "EU' OR '1'='1",
        "EU'; DELETE FROM orders; --",
        "EU\\'; DROP TABLE orders; #",
        "x\" OR \"\"=\"",
    ] {
        let result = call(
            &server,
            "orders_in_region",
            json!({"region": hostile, "since": "2000-01-01"}),
        )
        .await;
        assert!(rows(&result).is_empty(), "{engine}: {hostile}: {result}");
    }
    let result = call(
        &server,
        "set_note",
        json!({"id": 1, "note": "'); DROP TABLE orders; --"}),
    )
    .await;
    assert_eq!(
        result["structuredContent"]["rows_affected"],
        json!(1),
        "{engine}: {result}"
    );
    let result = call(&server, "note_of", json!({"id": 1})).await;
    assert_eq!(
        rows(&result)[0]["note"],
        json!("'); DROP TABLE orders; --"),
        "{engine}"
    );
    assert_eq!(
        count(&server).await,
        ROWS as i64,
        "{engine}: nothing was dropped or deleted"
    );

    // Arguments are checked before the database sees them.
    let result = call(&server, "orders_in_region", json!({"region": "EU"})).await;
    assert!(error_text(&result).contains("since"), "{engine}: {result}");
    let result = call(&server, "set_note", json!({"id": 0, "note": "x"})).await;
    assert!(error_text(&result).contains("id"), "{engine}: {result}");

    // The row limit.
    let result = call(&server, "every_order", json!({})).await;
    assert_eq!(rows(&result).len(), 50, "{engine}");
    assert_eq!(
        result["structuredContent"]["truncated"],
        json!(true),
        "{engine}"
    );

    // The time limit.
    let started = std::time::Instant::now();
    let result = call(&server, "slow", json!({})).await;
    let message = error_text(&result);
    assert!(
        message.contains("longer than its limit of 500 ms"),
        "{engine}: {message}"
    );
    assert!(
        !message.contains("did not stop it"),
        "{engine}: the database stops it: {message}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{engine}: stopped in time"
    );

    // A write without `write: true` is refused by the database itself. The loader already
    // refuses an obvious write, so the statement is put into the model directly.
    for statement in [
        "DELETE FROM orders",
        "UPDATE orders SET note = 'changed'",
        "INSERT INTO orders (id, region, amount_cents, ordered_at) VALUES (999, 'EU', 1, '2026-01-01')",
        "DROP TABLE orders",
        "SELECT 1 AS one; DELETE FROM orders",
        "VACUUM INTO 'copy.db'",
    ] {
        let mut sneaky = api.clone();
        let tool = sneaky
            .tools
            .iter_mut()
            .find(|t| t.name == "count_orders")
            .unwrap();
        tool.query.as_mut().unwrap().statement = statement.to_string();
        let server = McpServer::new(sneaky, ServeOptions::default());
        let result = call(&server, "count_orders", json!({})).await;
        let message = error_text(&result);
        assert!(message.contains("count_orders"), "{engine}: {message}");
    }
    assert_eq!(
        count(&server).await,
        ROWS as i64,
        "{engine}: the writes were refused"
    );
    assert!(
        !Path::new("copy.db").exists(),
        "{engine}: VACUUM INTO wrote no file"
    );
    let result = call(&server, "note_of", json!({"id": 2})).await;
    assert_eq!(rows(&result)[0]["note"], Value::Null, "{engine}");

    // The connection URL never shows: not in a failure to connect, not with a password.
    if let Some(password) = password {
        let wrong = url.replace(password, &format!("{password}-wrong"));
        std::fs::write(dir.join("url.txt"), &wrong).unwrap();
        let server = McpServer::new(api.clone(), ServeOptions::default());
        let result = call(&server, "count_orders", json!({})).await;
        let message = error_text(&result);
        assert!(
            message.contains("cannot connect to database `sales`"),
            "{engine}: {message}"
        );
        assert!(!message.contains(password), "{engine}: {message}");
    }
    std::fs::remove_file(dir.join("url.txt")).unwrap();
    let server = McpServer::new(api, ServeOptions::default());
    let message = error_text(&call(&server, "count_orders", json!({})).await);
    assert!(message.contains("url.txt"), "{engine}: {message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sqlite_passes_the_sql_suite() {
    let dir = scratch("sqlite-db");
    let file = dir.join("sales.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    setup_file(&url).await;
    let url = format!("sqlite://{}", file.display());
    suite(
        "sqlite",
        &url,
        None,
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) SELECT COUNT(*) AS n FROM c",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// SQLite needs the file created first; the suite then opens it without `mode=rwc`.
async fn setup_file(url: &str) {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect(url)
        .await
        .expect("the SQLite file is created");
}

#[tokio::test]
async fn postgres_passes_the_sql_suite() {
    let server = postgres("sql");
    suite(
        "postgres",
        &server.url,
        Some(&server.password),
        "SELECT pg_sleep(3)",
    )
    .await;
}

#[tokio::test]
async fn mariadb_passes_the_sql_suite() {
    let server = mariadb("sql");
    suite(
        "mariadb",
        &server.url,
        Some(&server.password),
        "SELECT SLEEP(3) AS s",
    )
    .await;
}
