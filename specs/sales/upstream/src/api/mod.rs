//! The REST API of `specs/sales/openapi.yaml` over the warehouse: routes, the API-key check,
//! and serving on a listener. One module per tag of the document.

mod customers;
mod error;
mod orders;
mod params;
mod products;
mod regions;
mod reports;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tokio::net::TcpListener;

use self::error::ApiError;
use crate::error::{Error, Result};

/// Opens a pool on an existing warehouse (it is never created here: serving a missing or empty
/// file would only answer errors, so that is reported at once).
pub async fn connect(database: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(database)
        .create_if_missing(false)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|source| Error::Database {
            path: database.to_path_buf(),
            source,
        })
}

/// The whole API as an axum router; every request must carry `X-API-Key: <api_key>`.
///
/// Public so tests can call it in memory (`tower::ServiceExt::oneshot`) without a socket.
pub fn router(pool: SqlitePool, api_key: String) -> Router {
    Router::new()
        .route("/regions", get(regions::list))
        .route("/customers", get(customers::list))
        .route("/customers/{customerId}", get(customers::get))
        .route("/products", get(products::list))
        .route("/products/{sku}", get(products::get))
        .route("/orders", get(orders::list).post(orders::create))
        .route(
            "/orders/{orderId}",
            get(orders::get).patch(orders::update_status),
        )
        .route("/reports/revenue", get(reports::revenue))
        .fallback(|| async { ApiError::not_found("no such endpoint; see openapi.yaml") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(from_fn_with_state(Arc::<str>::from(api_key), require_key))
        .with_state(pool)
}

/// Serves the API on `listener` over the warehouse at `database` until the listener fails.
///
/// The database must exist (see [`seed`](crate::seed)); the error says so if it does not.
pub async fn serve(listener: TcpListener, database: &Path, api_key: String) -> std::io::Result<()> {
    let pool = connect(database).await.map_err(std::io::Error::other)?;
    axum::serve(listener, router(pool, api_key)).await
}

/// Lets a request through only with the right `X-API-Key`; an empty key never matches.
async fn require_key(State(key): State<Arc<str>>, request: Request, next: Next) -> Response {
    match request.headers().get("x-api-key") {
        Some(given) if !given.is_empty() && same(given.as_bytes(), key.as_bytes()) => {
            next.run(request).await
        }
        Some(_) => ApiError::unauthorized("the X-API-Key header does not hold this server's key")
            .into_response(),
        None => ApiError::unauthorized("send the API key in the X-API-Key header").into_response(),
    }
}

/// Compares in time independent of where the first difference is, so timing leaks nothing.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}
