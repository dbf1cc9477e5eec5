//! `GET /reports/revenue`: revenue of paid and shipped orders, grouped by region, product
//! category or month. Open and cancelled orders are not revenue.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};

use super::error::ApiError;
use super::params::date_range;

/// What the report groups by.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum GroupBy {
    Region,
    Category,
    Month,
}

impl GroupBy {
    fn as_str(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Category => "category",
            Self::Month => "month",
        }
    }

    /// The report's query: one fixed statement per grouping, so nothing is assembled at run
    /// time. `?1`/`?2` are the optional inclusive date bounds.
    fn sql(self) -> &'static str {
        match self {
            Self::Region => {
                "SELECT o.region_id AS key, COUNT(*) AS orders, SUM(o.total_cents) AS revenue_cents \
                 FROM orders o \
                 WHERE o.status IN ('paid', 'shipped') \
                   AND (?1 IS NULL OR o.ordered_at >= ?1) AND (?2 IS NULL OR o.ordered_at <= ?2) \
                 GROUP BY key ORDER BY key"
            }
            Self::Month => {
                "SELECT substr(o.ordered_at, 1, 7) AS key, COUNT(*) AS orders, \
                        SUM(o.total_cents) AS revenue_cents \
                 FROM orders o \
                 WHERE o.status IN ('paid', 'shipped') \
                   AND (?1 IS NULL OR o.ordered_at >= ?1) AND (?2 IS NULL OR o.ordered_at <= ?2) \
                 GROUP BY key ORDER BY key"
            }
            Self::Category => {
                "SELECT p.category AS key, COUNT(DISTINCT o.id) AS orders, \
                        SUM(i.quantity * i.unit_price_cents) AS revenue_cents \
                 FROM orders o \
                 JOIN order_items i ON i.order_id = o.id \
                 JOIN products p ON p.id = i.product_id \
                 WHERE o.status IN ('paid', 'shipped') \
                   AND (?1 IS NULL OR o.ordered_at >= ?1) AND (?2 IS NULL OR o.ordered_at <= ?2) \
                 GROUP BY key ORDER BY key"
            }
        }
    }
}

/// The query parameters of `GET /reports/revenue`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevenueQuery {
    group_by: GroupBy,
    from: Option<String>,
    to: Option<String>,
}

/// One group of the report.
#[derive(Debug, Serialize)]
pub(crate) struct RevenueRow {
    key: String,
    orders: i64,
    revenue_cents: i64,
}

/// The report: its parameters, the groups, and totals over all of them.
#[derive(Debug, Serialize)]
pub(crate) struct RevenueReport {
    group_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    rows: Vec<RevenueRow>,
    total_orders: i64,
    total_revenue_cents: i64,
}

/// Builds the revenue report for the requested grouping and date range.
pub(crate) async fn revenue(
    State(pool): State<SqlitePool>,
    query: Result<Query<RevenueQuery>, QueryRejection>,
) -> Result<Json<RevenueReport>, ApiError> {
    let Query(query) = query?;
    let (from, to) = date_range(query.from.as_deref(), query.to.as_deref())?;
    let rows = sqlx::query(query.group_by.sql())
        .bind(&from)
        .bind(&to)
        .fetch_all(&pool)
        .await?
        .iter()
        .map(|row| {
            Ok(RevenueRow {
                key: row.try_get("key")?,
                orders: row.try_get("orders")?,
                revenue_cents: row.try_get("revenue_cents")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    // Orders once each: with categories, one order can count in several rows.
    let (total_orders, total_revenue_cents) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM orders \
         WHERE status IN ('paid', 'shipped') \
           AND (?1 IS NULL OR ordered_at >= ?1) AND (?2 IS NULL OR ordered_at <= ?2)",
    )
    .bind(&from)
    .bind(&to)
    .fetch_one(&pool)
    .await?;
    Ok(Json(RevenueReport {
        group_by: query.group_by.as_str(),
        from,
        to,
        rows,
        total_orders,
        total_revenue_cents,
    }))
}
