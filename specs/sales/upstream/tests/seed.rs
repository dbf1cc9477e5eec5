//! Seeding: the expected row counts, totals consistent with their lines, the same data every
//! time, and a replaced file rather than an appended one.

mod common;

use common::TempDb;
use sqlx::Row;

async fn scalar(pool: &sqlx::SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

#[tokio::test]
async fn counts_and_consistency() {
    let db = TempDb::new("seed");
    let summary = sales_upstream::seed(&db.path).expect("seed");
    assert_eq!(summary.regions, 4);
    assert_eq!(summary.customers, 600);
    assert_eq!(summary.products, 120);
    assert_eq!(summary.orders, 6000);
    assert!((6000..=30_000).contains(&summary.order_items), "{summary}");

    let pool = sales_upstream::connect(&db.path).await.expect("connect");
    let mismatched = scalar(
        &pool,
        "SELECT COUNT(*) FROM orders o WHERE total_cents != \
         (SELECT SUM(quantity * unit_price_cents) FROM order_items WHERE order_id = o.id)",
    )
    .await;
    assert_eq!(mismatched, 0, "order totals equal the sum of their lines");
    assert_eq!(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id \
             WHERE c.region_id != o.region_id OR c.created_at > o.ordered_at"
        )
        .await,
        0,
        "orders are in their customer's region, after the customer existed"
    );
    let (first, last): (String, String) =
        sqlx::query_as("SELECT MIN(ordered_at), MAX(ordered_at) FROM orders")
            .fetch_one(&pool)
            .await
            .expect("range");
    assert!(first.as_str() >= "2025-01-01" && last.as_str() <= "2026-10-31");
    assert_eq!(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM (SELECT order_id FROM order_items GROUP BY order_id \
             HAVING COUNT(*) NOT BETWEEN 1 AND 5)"
        )
        .await,
        0,
        "every order has 1 to 5 lines"
    );
    let problems = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .expect("foreign_key_check");
    assert!(problems.is_empty(), "no dangling references");
    let categories = scalar(&pool, "SELECT COUNT(DISTINCT category) FROM products").await;
    assert_eq!(categories, 8);
    pool.close().await;
}

#[test]
fn same_data_every_time_and_replaces_the_file() {
    let db = TempDb::new("reseed");
    let fingerprint = |path: &std::path::Path| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let pool = sales_upstream::connect(path).await.expect("connect");
            let row = sqlx::query(
                "SELECT (SELECT SUM(total_cents) FROM orders) AS revenue, \
                        (SELECT group_concat(email) FROM customers) AS emails, \
                        (SELECT group_concat(sku || unit_price_cents) FROM products) AS prices",
            )
            .fetch_one(&pool)
            .await
            .expect("fingerprint");
            let fingerprint: (i64, String, String) =
                (row.get("revenue"), row.get("emails"), row.get("prices"));
            pool.close().await;
            fingerprint
        })
    };
    let first = sales_upstream::seed(&db.path).expect("first seed");
    let before = fingerprint(&db.path);
    let second = sales_upstream::seed(&db.path).expect("second seed");
    assert_eq!(first, second, "a second seed replaces, never appends");
    assert_eq!(before, fingerprint(&db.path), "deterministic data");
}

#[test]
fn unwritable_path_is_an_error() {
    let missing_dir = std::env::temp_dir()
        .join("sales-upstream-no-such-dir")
        .join("w.db");
    let error = sales_upstream::seed(&missing_dir).expect_err("no directory");
    assert!(error.to_string().contains("w.db"), "{error}");
}
