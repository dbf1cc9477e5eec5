//! End-to-end tests: one binary, one module per area (ripgrep's layout).

mod audit_sql;
mod broken;
mod conversion;
mod corpus;
mod credentials;
mod databases;
mod discovery;
mod generate;
mod mtls;
mod oauth;
mod overlay;
mod prism;
mod project;
mod resource_server;
mod serve;
mod snapshots;
mod sql;
mod strict;
mod tools;
mod util;
