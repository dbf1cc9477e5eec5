//! `GET /regions`: the four sales regions, which other endpoints filter by.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sqlx::{Row, SqlitePool};

use super::error::ApiError;

/// One region.
#[derive(Debug, Serialize)]
pub(crate) struct Region {
    id: String,
    name: String,
}

/// The list of regions (an object, so MCP clients get structured content).
#[derive(Debug, Serialize)]
pub(crate) struct RegionList {
    items: Vec<Region>,
}

/// Lists every region, by id.
pub(crate) async fn list(State(pool): State<SqlitePool>) -> Result<Json<RegionList>, ApiError> {
    let rows = sqlx::query("SELECT id, name FROM regions ORDER BY id")
        .fetch_all(&pool)
        .await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(Region {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(RegionList { items }))
}
