//! `/orders`: listing and reading orders, placing one (priced from the catalogue) and moving it
//! through its statuses (open → paid → shipped, or cancelled before shipping).

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::error::ApiError;
use super::params::{Page, Paged, Region, date_range};
use crate::date::Date;

/// An order's status, as parameters and bodies accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Open,
    Paid,
    Shipped,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::Paid, Self::Shipped, Self::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The statuses an order in this status may move to; shipped and cancelled are final.
    fn next(self) -> &'static [Status] {
        match self {
            Self::Open => &[Self::Paid, Self::Cancelled],
            Self::Paid => &[Self::Shipped, Self::Cancelled],
            Self::Shipped | Self::Cancelled => &[],
        }
    }
}

/// One order without its lines.
#[derive(Debug, Serialize)]
pub(crate) struct Order {
    id: i64,
    customer_id: i64,
    region_id: String,
    status: String,
    ordered_at: String,
    total_cents: i64,
    item_count: i64,
}

fn order(row: &SqliteRow) -> Result<Order, sqlx::Error> {
    Ok(Order {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        region_id: row.try_get("region_id")?,
        status: row.try_get("status")?,
        ordered_at: row.try_get("ordered_at")?,
        total_cents: row.try_get("total_cents")?,
        item_count: row.try_get("item_count")?,
    })
}

/// One order line, with the product's SKU and name for readability.
#[derive(Debug, Serialize)]
pub(crate) struct OrderItem {
    product_id: i64,
    sku: String,
    name: String,
    quantity: i64,
    unit_price_cents: i64,
    line_total_cents: i64,
}

/// One order with its lines.
#[derive(Debug, Serialize)]
pub(crate) struct OrderDetail {
    #[serde(flatten)]
    order: Order,
    items: Vec<OrderItem>,
}

/// The query parameters of `GET /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListOrders {
    customer_id: Option<i64>,
    region: Option<Region>,
    status: Option<Status>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Lists orders, newest first, filtered by customer, region, status and date range.
pub(crate) async fn list(
    State(pool): State<SqlitePool>,
    query: Result<Query<ListOrders>, QueryRejection>,
) -> Result<Json<Paged<Order>>, ApiError> {
    let Query(query) = query?;
    let page = Page::new(query.limit, query.offset)?;
    let (from, to) = date_range(query.from.as_deref(), query.to.as_deref())?;
    let region = query.region.map(Region::as_str);
    let status = query.status.map(Status::as_str);

    let total = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders o \
         WHERE (?1 IS NULL OR o.customer_id = ?1) AND (?2 IS NULL OR o.region_id = ?2) \
           AND (?3 IS NULL OR o.status = ?3) \
           AND (?4 IS NULL OR o.ordered_at >= ?4) AND (?5 IS NULL OR o.ordered_at <= ?5)",
    )
    .bind(query.customer_id)
    .bind(region)
    .bind(status)
    .bind(&from)
    .bind(&to)
    .fetch_one(&pool)
    .await?;
    let rows = sqlx::query(
        "SELECT o.id, o.customer_id, o.region_id, o.status, o.ordered_at, o.total_cents, \
                (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS item_count \
         FROM orders o \
         WHERE (?1 IS NULL OR o.customer_id = ?1) AND (?2 IS NULL OR o.region_id = ?2) \
           AND (?3 IS NULL OR o.status = ?3) \
           AND (?4 IS NULL OR o.ordered_at >= ?4) AND (?5 IS NULL OR o.ordered_at <= ?5) \
         ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?6 OFFSET ?7",
    )
    .bind(query.customer_id)
    .bind(region)
    .bind(status)
    .bind(&from)
    .bind(&to)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&pool)
    .await?;
    let items = rows.iter().map(order).collect::<Result<_, _>>()?;
    Ok(Json(Paged::new(items, total, page)))
}

/// One order with its lines, or 404.
pub(crate) async fn get(
    State(pool): State<SqlitePool>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<OrderDetail>, ApiError> {
    let Path(id) = id?;
    match detail(&pool, id).await? {
        Some(order) => Ok(Json(order)),
        None => Err(no_order(id)),
    }
}

fn no_order(id: i64) -> ApiError {
    ApiError::not_found(format!("no order has id {id}; GET /orders lists them"))
}

async fn detail(pool: &SqlitePool, id: i64) -> Result<Option<OrderDetail>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT o.id, o.customer_id, o.region_id, o.status, o.ordered_at, o.total_cents, \
                (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS item_count \
         FROM orders o WHERE o.id = ?1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let items = sqlx::query(
        "SELECT i.product_id, p.sku, p.name, i.quantity, i.unit_price_cents, \
                i.quantity * i.unit_price_cents AS line_total_cents \
         FROM order_items i JOIN products p ON p.id = i.product_id \
         WHERE i.order_id = ?1 ORDER BY p.sku",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(OrderItem {
            product_id: row.try_get("product_id")?,
            sku: row.try_get("sku")?,
            name: row.try_get("name")?,
            quantity: row.try_get("quantity")?,
            unit_price_cents: row.try_get("unit_price_cents")?,
            line_total_cents: row.try_get("line_total_cents")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some(OrderDetail {
        order: order(&row)?,
        items,
    }))
}

/// The body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewOrder {
    customer_id: i64,
    items: Vec<NewItem>,
}

/// One line of a new order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewItem {
    sku: String,
    quantity: i64,
}

/// Most lines an order may have.
const MAX_LINES: usize = 20;
/// Largest quantity of one line.
const MAX_QUANTITY: i64 = 1000;

/// A new order that passed every check: where it goes, its priced lines and its total.
struct Checked {
    region_id: String,
    lines: Vec<PricedLine>,
    total_cents: i64,
}

/// A line of a new order, priced.
struct PricedLine {
    product_id: i64,
    quantity: i64,
    unit_price_cents: i64,
}

/// Places an order: checks the customer and every line, prices the lines at the products'
/// current prices, and stores the order as `open`, dated today (UTC).
pub(crate) async fn create(
    State(pool): State<SqlitePool>,
    body: Result<Json<NewOrder>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(new) = body?;
    let checked = check(&pool, &new).await?;
    let id = store(&pool, new.customer_id, &checked).await?;
    let order = detail(&pool, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((
        StatusCode::CREATED,
        [(LOCATION, format!("/orders/{id}"))],
        Json(order),
    ))
}

/// Checks a new order against the catalogue and prices it. Every problem found is reported at
/// once (422), so one corrected request succeeds.
async fn check(pool: &SqlitePool, new: &NewOrder) -> Result<Checked, ApiError> {
    let mut problems = Vec::new();
    if new.items.is_empty() {
        problems.push("items must list at least one product".to_string());
    }
    if new.items.len() > MAX_LINES {
        problems.push(format!(
            "an order has at most {MAX_LINES} lines, this one has {}",
            new.items.len()
        ));
    }
    let mut first_line_of: HashMap<&str, usize> = HashMap::new();
    for (n, item) in new.items.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            problems.push(format!(
                "items[{n}].quantity must be between 1 and {MAX_QUANTITY}, got {}",
                item.quantity
            ));
        }
        if let Some(first) = first_line_of.insert(&item.sku, n) {
            problems.push(format!(
                "items[{n}].sku {:?} repeats items[{first}]; put the whole quantity on one line",
                item.sku
            ));
        }
    }

    let region_id: Option<String> =
        sqlx::query_scalar("SELECT region_id FROM customers WHERE id = ?1")
            .bind(new.customer_id)
            .fetch_optional(pool)
            .await?;
    if region_id.is_none() {
        problems.push(format!(
            "customer_id {} matches no customer; GET /customers lists them",
            new.customer_id
        ));
    }

    let mut lines = Vec::with_capacity(new.items.len());
    for (n, item) in new.items.iter().enumerate().take(MAX_LINES) {
        let row =
            sqlx::query("SELECT id, name, unit_price_cents, active FROM products WHERE sku = ?1")
                .bind(&item.sku)
                .fetch_optional(pool)
                .await?;
        let Some(row) = row else {
            problems.push(format!(
                "items[{n}].sku {:?} matches no product; GET /products lists them",
                item.sku
            ));
            continue;
        };
        if !row.try_get::<bool, _>("active")? {
            let name: String = row.try_get("name")?;
            problems.push(format!(
                "items[{n}].sku {:?} ({name}) is discontinued and cannot be ordered",
                item.sku
            ));
        }
        lines.push(PricedLine {
            product_id: row.try_get("id")?,
            quantity: item.quantity,
            unit_price_cents: row.try_get("unit_price_cents")?,
        });
    }

    let total_cents = lines.iter().try_fold(0i64, |sum, line| {
        line.quantity
            .checked_mul(line.unit_price_cents)
            .and_then(|amount| sum.checked_add(amount))
    });
    if total_cents.is_none() {
        problems.push("the order total is too large".to_string());
    }
    match (region_id, total_cents) {
        (Some(region_id), Some(total_cents)) if problems.is_empty() => Ok(Checked {
            region_id,
            lines,
            total_cents,
        }),
        _ => Err(ApiError::unprocessable(problems.join("; "))),
    }
}

/// Stores a checked order and its lines in one transaction; returns the new order's id.
async fn store(pool: &SqlitePool, customer_id: i64, order: &Checked) -> sqlx::Result<i64> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (customer_id, region_id, status, ordered_at, total_cents) \
         VALUES (?1, ?2, 'open', ?3, ?4) RETURNING id",
    )
    .bind(customer_id)
    .bind(&order.region_id)
    .bind(Date::today().to_string())
    .bind(order.total_cents)
    .fetch_one(&mut *tx)
    .await?;
    for line in &order.lines {
        sqlx::query(
            "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(id)
        .bind(line.product_id)
        .bind(line.quantity)
        .bind(line.unit_price_cents)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The body of `PATCH /orders/{orderId}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    status: Status,
}

/// Moves an order to a new status if its current one allows it (409 otherwise); asking for
/// the status it already has changes nothing and succeeds, so retries are safe.
pub(crate) async fn update_status(
    State(pool): State<SqlitePool>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> Result<Json<OrderDetail>, ApiError> {
    let Path(id) = id?;
    let Json(change) = body?;
    let current: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = ?1")
        .bind(id)
        .fetch_optional(&pool)
        .await?;
    let Some(current) = current else {
        return Err(no_order(id));
    };
    let target = change.status;
    let from = Status::parse(&current);
    if from != Some(target) {
        let allowed = from.map_or(&[][..], Status::next);
        if !allowed.contains(&target) {
            let options: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            let options = if options.is_empty() {
                "none: it is final".to_string()
            } else {
                options.join(" or ")
            };
            return Err(ApiError::conflict(format!(
                "order {id} is {current} and cannot become {}; allowed next: {options}",
                target.as_str()
            )));
        }
        // Only if nobody changed it since we looked.
        let changed = sqlx::query("UPDATE orders SET status = ?1 WHERE id = ?2 AND status = ?3")
            .bind(target.as_str())
            .bind(id)
            .bind(&current)
            .execute(&pool)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(ApiError::conflict(format!(
                "order {id} changed while this request ran; read it again and retry"
            )));
        }
    }
    let order = detail(&pool, id).await?.ok_or_else(|| no_order(id))?;
    Ok(Json(order))
}
