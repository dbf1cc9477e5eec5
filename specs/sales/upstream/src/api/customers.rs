//! `GET /customers` and `GET /customers/{customerId}`: who buys, filtered by region, segment
//! and a name or email search.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::error::ApiError;
use super::params::{Page, Paged, Region};

/// One customer.
#[derive(Debug, Serialize)]
pub(crate) struct Customer {
    id: i64,
    name: String,
    email: String,
    region_id: String,
    segment: String,
    created_at: String,
}

fn customer(row: &SqliteRow) -> Result<Customer, sqlx::Error> {
    Ok(Customer {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        region_id: row.try_get("region_id")?,
        segment: row.try_get("segment")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A customer segment, as the `segment` parameter accepts it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Segment {
    Enterprise,
    Smb,
    Consumer,
}

impl Segment {
    fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Smb => "smb",
            Self::Consumer => "consumer",
        }
    }
}

/// The query parameters of `GET /customers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListCustomers {
    region: Option<Region>,
    segment: Option<Segment>,
    q: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Longest accepted `q`.
const MAX_SEARCH: usize = 100;

/// Lists customers by id; `q` is a case-insensitive substring of the name or email.
pub(crate) async fn list(
    State(pool): State<SqlitePool>,
    query: Result<Query<ListCustomers>, QueryRejection>,
) -> Result<Json<Paged<Customer>>, ApiError> {
    let Query(query) = query?;
    let page = Page::new(query.limit, query.offset)?;
    if query
        .q
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_SEARCH)
    {
        return Err(ApiError::bad_request(format!(
            "q is at most {MAX_SEARCH} characters"
        )));
    }
    // LIKE's wildcards in the search text match themselves.
    let search = query.q.as_deref().map(escape_like);
    let region = query.region.map(Region::as_str);
    let segment = query.segment.map(Segment::as_str);

    let total = sqlx::query_scalar(
        "SELECT COUNT(*) FROM customers \
         WHERE (?1 IS NULL OR region_id = ?1) \
           AND (?2 IS NULL OR segment = ?2) \
           AND (?3 IS NULL OR name LIKE '%' || ?3 || '%' ESCAPE '\\' \
                           OR email LIKE '%' || ?3 || '%' ESCAPE '\\')",
    )
    .bind(region)
    .bind(segment)
    .bind(&search)
    .fetch_one(&pool)
    .await?;
    let rows = sqlx::query(
        "SELECT id, name, email, region_id, segment, created_at FROM customers \
         WHERE (?1 IS NULL OR region_id = ?1) \
           AND (?2 IS NULL OR segment = ?2) \
           AND (?3 IS NULL OR name LIKE '%' || ?3 || '%' ESCAPE '\\' \
                           OR email LIKE '%' || ?3 || '%' ESCAPE '\\') \
         ORDER BY id LIMIT ?4 OFFSET ?5",
    )
    .bind(region)
    .bind(segment)
    .bind(&search)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&pool)
    .await?;
    let items = rows.iter().map(customer).collect::<Result<_, _>>()?;
    Ok(Json(Paged::new(items, total, page)))
}

/// Puts a backslash before LIKE's `%`, `_` and the backslash itself.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One customer by id, or 404.
pub(crate) async fn get(
    State(pool): State<SqlitePool>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Customer>, ApiError> {
    let Path(id) = id?;
    let row = sqlx::query(
        "SELECT id, name, email, region_id, segment, created_at FROM customers WHERE id = ?1",
    )
    .bind(id)
    .fetch_optional(&pool)
    .await?;
    match row {
        Some(row) => Ok(Json(customer(&row)?)),
        None => Err(ApiError::not_found(format!(
            "no customer has id {id}; GET /customers lists them"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_like() {
        assert_eq!(super::escape_like(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(super::escape_like("x' OR '1'='1"), "x' OR '1'='1");
    }
}
