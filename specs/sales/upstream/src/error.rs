//! The crate's one error type, for seeding and opening the warehouse.

use std::path::PathBuf;

/// Why the warehouse could not be seeded or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be removed or created (an old database, its journal or WAL files).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused to open the database or to run a statement.
    #[error("database {}: {source}", path.display())]
    Database {
        /// The database file.
        path: PathBuf,
        /// What SQLite (through sqlx) said.
        #[source]
        source: sqlx::Error,
    },
    /// The private async runtime the synchronous [`seed`](crate::seed) needs could not start.
    #[error("cannot start the seeding runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
