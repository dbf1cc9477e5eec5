//! The sales example's upstream: a small but real REST API over a SQLite sales warehouse.
//!
//! `mcpgen` turns `specs/sales/openapi.yaml` into MCP tools; this crate is the API those tools
//! call. [`seed`] creates the warehouse (`specs/sales/warehouse.sql` plus deterministic data),
//! [`serve`] answers the OpenAPI document's endpoints over it, and [`router`] gives tests the
//! same API without a socket. The binary (`src/main.rs`) ties them together.

#![deny(missing_docs)]

mod api;
mod catalog;
mod date;
mod error;
mod generate;
mod prng;
mod seed;

pub use api::{connect, router, serve};
pub use error::{Error, Result};
pub use seed::{SCHEMA, Summary, seed};
