//! mcpgen's front end: loads API descriptions (Swagger 2.0, OpenAPI 3.0, 3.1 and 3.2, in YAML
//! or JSON, split across files) into the tool model of [`mcpgen_runtime::model`].
//!
//! Pipeline: [`load()`] (documents -> model, with [`Diagnostic`]s) -> the runtime serves the
//! model, or [`generate`] compiles it into a standalone crate.
#![deny(missing_docs)]

pub mod diagnostic;
pub mod generate;
pub mod load;
pub mod overlay;
pub mod project;

pub use diagnostic::{Diagnostic, Severity};
pub use load::{LoadOptions, MAX_PLACED, Outcome, SourceText, load, load_with_overlays};
