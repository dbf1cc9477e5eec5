//! Helpers shared by the integration tests: a seeded warehouse per test, in the temp directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A database file that is deleted (with its WAL files) when dropped.
pub struct TempDb {
    pub path: PathBuf,
}

impl TempDb {
    /// A unique path in the temp directory; nothing is created yet.
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("sales-upstream-{label}-{}-{n}.db", std::process::id());
        let path = std::env::temp_dir().join(name);
        remove(&path);
        Self { path }
    }

    /// A copy of a warehouse seeded once per test binary: every test gets the same data and
    /// can change it freely.
    pub fn seeded(label: &str) -> Self {
        let db = Self::new(label);
        std::fs::copy(template(), &db.path).expect("copying the template");
        db
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        remove(&self.path);
    }
}

/// The warehouse the copies come from, seeded once per test binary. A static is never dropped,
/// so it lives in cargo's scratch directory for integration tests under a fixed name (replaced
/// by an atomic rename, so concurrent runs never see half a file) instead of piling up in the
/// system temp directory.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let fresh = dir.join(format!("sales-upstream-template-{}.db", std::process::id()));
        sales_upstream::seed(&fresh).expect("seeding the template");
        let template = dir.join("sales-upstream-template.db");
        std::fs::rename(&fresh, &template).expect("moving the template");
        template
    })
}

fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}
