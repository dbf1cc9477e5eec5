//! Creating the warehouse database: a fresh SQLite file with the schema of `warehouse.sql` and
//! the generated rows, inserted in one transaction so seeding stays well under a second.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection};

use crate::catalog::REGIONS;
use crate::error::{Error, Result};
use crate::generate;

/// The warehouse schema (`specs/sales/warehouse.sql`), embedded so the binary needs no files.
pub const SCHEMA: &str = include_str!("../../warehouse.sql");

/// How many rows each table got, counted in the database after seeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Rows in `regions`.
    pub regions: i64,
    /// Rows in `customers`.
    pub customers: i64,
    /// Rows in `products`.
    pub products: i64,
    /// Rows in `orders`.
    pub orders: i64,
    /// Rows in `order_items`.
    pub order_items: i64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} regions, {} customers, {} products, {} orders, {} order items",
            self.regions, self.customers, self.products, self.orders, self.order_items
        )
    }
}

/// Creates a fresh warehouse at `path`, replacing any file there, and fills it with the same
/// deterministic data every time.
///
/// Synchronous so a binary or a test can call it anywhere: the work runs on a private
/// single-threaded runtime in its own thread, which also makes it safe inside an async runtime
/// (it blocks the calling thread until done).
pub fn seed(path: &Path) -> Result<Summary> {
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(Error::Runtime)?
                .block_on(seed_async(path))
        });
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

async fn seed_async(path: &Path) -> Result<Summary> {
    remove_old(path)?;
    let db = |source| Error::Database {
        path: path.to_path_buf(),
        source,
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .connect()
        .await
        .map_err(db)?;
    sqlx::raw_sql(SCHEMA).execute(&mut conn).await.map_err(db)?;
    insert(&mut conn, &generate::warehouse())
        .await
        .map_err(db)?;
    let summary = count(&mut conn).await.map_err(db)?;
    conn.close().await.map_err(db)?;
    Ok(summary)
}

/// Removes the database and the journal and WAL files SQLite keeps beside it.
fn remove_old(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = OsString::from(path.as_os_str());
        name.push(suffix);
        let file = PathBuf::from(name);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::Io {
                    path: file,
                    source: e,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

async fn insert(conn: &mut SqliteConnection, w: &generate::Warehouse) -> sqlx::Result<()> {
    let mut tx = conn.begin().await?;
    for (id, name) in REGIONS {
        sqlx::query("INSERT INTO regions (id, name) VALUES (?1, ?2)")
            .bind(id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    for c in &w.customers {
        sqlx::query(
            "INSERT INTO customers (id, name, email, region_id, segment, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(c.id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(c.region_id)
        .bind(c.segment)
        .bind(c.created_at.to_string())
        .execute(&mut *tx)
        .await?;
    }
    for p in &w.products {
        sqlx::query(
            "INSERT INTO products (id, sku, name, category, unit_price_cents, active) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(p.id)
        .bind(&p.sku)
        .bind(&p.name)
        .bind(p.category)
        .bind(p.unit_price_cents)
        .bind(p.active)
        .execute(&mut *tx)
        .await?;
    }
    for o in &w.orders {
        sqlx::query(
            "INSERT INTO orders (id, customer_id, region_id, status, ordered_at, total_cents) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(o.id)
        .bind(o.customer_id)
        .bind(o.region_id)
        .bind(o.status)
        .bind(o.ordered_at.to_string())
        .bind(o.total_cents())
        .execute(&mut *tx)
        .await?;
        for i in &o.items {
            sqlx::query(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(o.id)
            .bind(i.product_id)
            .bind(i.quantity)
            .bind(i.unit_price_cents)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

async fn count(conn: &mut SqliteConnection) -> sqlx::Result<Summary> {
    let (regions, customers, products, orders, order_items) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM customers), \
         (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM orders), \
         (SELECT COUNT(*) FROM order_items)",
    )
    .fetch_one(conn)
    .await?;
    Ok(Summary {
        regions,
        customers,
        products,
        orders,
        order_items,
    })
}
