//! End-to-end tests: one binary, one module per area (ripgrep's layout).

mod broken;
mod conversion;
mod corpus;
mod snapshots;
mod strict;
mod util;
