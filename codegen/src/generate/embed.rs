//! The runtime's own source files, as they go into a generated crate's `src/runtime/`.
//!
//! A generated server runs the very code `mcpgen serve` runs: the build script embeds
//! `runtime/src` into this crate, and [`runtime_files`] makes three mechanical changes so the
//! files work as a module instead of a crate. Nothing here is a second copy to keep in step.

use super::GenerateError;

include!(concat!(env!("OUT_DIR"), "/runtime_files.rs"));

/// The version of the runtime embedded, reported where the runtime names itself.
const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The runtime's files for a generated crate: `(path in the crate, text)`.
///
/// - `lib.rs` becomes `src/runtime/mod.rs`, every other file keeps its place under it;
/// - `crate::` paths point into the module (`crate::runtime::`), and `CARGO_PKG_VERSION` is
///   the runtime's version, so the user agent and server version stay mcpgen's;
/// - unit tests (`#[cfg(test)] mod tests`, always at the end of a file) are left out: they
///   are the runtime's and run in mcpgen's own test suite.
pub fn runtime_files(header: &str) -> Result<Vec<(String, String)>, GenerateError> {
    RUNTIME_FILES
        .iter()
        .map(|(path, text)| {
            let target = match *path {
                "lib.rs" => "src/runtime/mod.rs".to_string(),
                other => format!("src/runtime/{other}"),
            };
            Ok((target, format!("{header}{}", as_module(path, text)?)))
        })
        .collect()
}

/// One runtime file's text as a module of the generated crate.
fn as_module(path: &str, text: &str) -> Result<String, GenerateError> {
    let code = match text.find("\n#[cfg(test)]\n") {
        None => text,
        Some(start) => {
            let rest = &text[start + "\n#[cfg(test)]\n".len()..];
            if !rest.starts_with("mod tests {") || !rest.trim_end().ends_with('}') {
                return Err(GenerateError(format!(
                    "runtime/src/{path}: `#[cfg(test)]` must only mark the `mod tests` block at the end of the file"
                )));
            }
            &text[..=start]
        }
    };
    Ok(code.replace("crate::", "crate::runtime::").replace(
        "env!(\"CARGO_PKG_VERSION\")",
        &format!("{RUNTIME_VERSION:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_file_becomes_a_module_file() {
        let files = runtime_files("").expect("the runtime's files fit");
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"src/runtime/mod.rs"), "{paths:?}");
        assert!(paths.contains(&"src/runtime/sql/mod.rs"), "{paths:?}");
        for (path, text) in &files {
            assert!(!text.contains("#[cfg(test)]"), "{path} keeps its tests");
            assert!(
                !text.contains("use crate::model") && !text.contains("CARGO_PKG_VERSION"),
                "{path} still names the runtime crate"
            );
        }
    }
}
