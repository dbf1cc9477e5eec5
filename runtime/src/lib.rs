//! mcpgen's runtime: the normalized tool [`model`] that every loader produces and every back
//! end consumes, and what turns that model into MCP protocol objects.
//!
//! Pipeline: load (documents -> [`model::Api`]) -> serve (interpret it) or generate (compile it).
//! This crate never parses OpenAPI and never emits code, so a generated server can depend on it
//! alone.
#![deny(missing_docs)]

pub mod audit;
pub mod auth;
pub mod credentials;
pub mod discovery;
pub mod launch;
pub mod model;
pub mod policy;
pub mod request;
pub mod result;
pub mod serve;
pub mod server;
pub mod sql;
pub mod tools_list;
pub mod typed;
pub mod upstream;
pub mod validate;
