//! `GET /products` and `GET /products/{sku}`: the catalogue, by category and availability.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::error::ApiError;
use super::params::{Page, Paged};

/// One product; `active` is false for discontinued products, which cannot be ordered.
#[derive(Debug, Serialize)]
pub(crate) struct Product {
    id: i64,
    sku: String,
    name: String,
    category: String,
    unit_price_cents: i64,
    active: bool,
}

fn product(row: &SqliteRow) -> Result<Product, sqlx::Error> {
    Ok(Product {
        id: row.try_get("id")?,
        sku: row.try_get("sku")?,
        name: row.try_get("name")?,
        category: row.try_get("category")?,
        unit_price_cents: row.try_get("unit_price_cents")?,
        active: row.try_get("active")?,
    })
}

/// The query parameters of `GET /products`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListProducts {
    category: Option<String>,
    active: Option<bool>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Lists products by id, optionally of one category (any case) and only (in)active ones.
pub(crate) async fn list(
    State(pool): State<SqlitePool>,
    query: Result<Query<ListProducts>, QueryRejection>,
) -> Result<Json<Paged<Product>>, ApiError> {
    let Query(query) = query?;
    let page = Page::new(query.limit, query.offset)?;
    let total = sqlx::query_scalar(
        "SELECT COUNT(*) FROM products \
         WHERE (?1 IS NULL OR category = ?1 COLLATE NOCASE) AND (?2 IS NULL OR active = ?2)",
    )
    .bind(&query.category)
    .bind(query.active)
    .fetch_one(&pool)
    .await?;
    let rows = sqlx::query(
        "SELECT id, sku, name, category, unit_price_cents, active FROM products \
         WHERE (?1 IS NULL OR category = ?1 COLLATE NOCASE) AND (?2 IS NULL OR active = ?2) \
         ORDER BY id LIMIT ?3 OFFSET ?4",
    )
    .bind(&query.category)
    .bind(query.active)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&pool)
    .await?;
    let items = rows.iter().map(product).collect::<Result<_, _>>()?;
    Ok(Json(Paged::new(items, total, page)))
}

/// One product by SKU (exact, case-sensitive), or 404.
pub(crate) async fn get(
    State(pool): State<SqlitePool>,
    sku: Result<Path<String>, PathRejection>,
) -> Result<Json<Product>, ApiError> {
    let Path(sku) = sku?;
    let row = sqlx::query(
        "SELECT id, sku, name, category, unit_price_cents, active FROM products WHERE sku = ?1",
    )
    .bind(&sku)
    .fetch_optional(&pool)
    .await?;
    match row {
        Some(row) => Ok(Json(product(&row)?)),
        None => Err(ApiError::not_found(format!(
            "no product has SKU {sku:?}; GET /products lists them"
        ))),
    }
}
