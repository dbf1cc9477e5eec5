//! Finding the external programs some tests run against (Prism, Node, the Python MCP SDK).
//!
//! `tests/run-all.sh` (the README's test command) installs them under `tests/tools/` and
//! exports `MCPGEN_TEST_TOOLS`. Without it a test that needs them says so and passes, unless
//! `CI` is set: then their absence is a failure, so CI can never skip them silently.

use std::path::PathBuf;

/// The tools folder, or `None` (after saying why) when the tests should be skipped.
pub fn tools_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("MCPGEN_TEST_TOOLS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("node_modules").is_dir(),
                "MCPGEN_TEST_TOOLS={} has no node_modules",
                dir.display()
            );
            Some(dir)
        }
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "{test}: MCPGEN_TEST_TOOLS is not set; run the tests with `bash tests/run-all.sh`"
            )
        }
        None => {
            eprintln!(
                "{test}: skipped (MCPGEN_TEST_TOOLS not set; `bash tests/run-all.sh` installs and sets it)"
            );
            None
        }
    }
}

/// `PATH` with the tools' own Node 24 first.
pub fn path_with_node(tools: &std::path::Path) -> std::ffi::OsString {
    let mut paths = vec![tools.join("venv/bin")];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).expect("paths join")
}
