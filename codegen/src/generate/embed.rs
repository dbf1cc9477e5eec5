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
    let text = text.replace("\r\n", "\n");
    // What the rewriting below cannot carry into another crate is refused, not mangled.
    for unsupported in [
        "include_str!",
        "include_bytes!",
        "env!(\"CARGO_MANIFEST_DIR",
        "$crate",
    ] {
        if text.contains(unsupported) {
            return Err(GenerateError(format!(
                "runtime/src/{path} uses `{unsupported}`, which a generated crate cannot embed"
            )));
        }
    }
    let code = match text.find("\n#[cfg(test)]\n") {
        None => text.as_str(),
        Some(start) => {
            let rest = &text[start + "\n#[cfg(test)]\n".len()..];
            // The tests module ends the file: its closing brace is the only one in column 0.
            let closing = rest.lines().filter(|line| line.starts_with('}')).count();
            if !rest.starts_with("mod tests {") || !rest.trim_end().ends_with('}') || closing != 1 {
                return Err(GenerateError(format!(
                    "runtime/src/{path}: `#[cfg(test)]` must only mark the `mod tests` block at the end of the file"
                )));
            }
            &text[..=start]
        }
    };
    // `crate::` only where it starts a path, not inside a longer name (`my_crate::`).
    let mut rewritten = String::with_capacity(code.len() + 1024);
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rewritten.push_str(&rest[..at]);
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            rewritten.push_str("crate::");
        } else {
            rewritten.push_str("crate::runtime::");
        }
        rest = &rest[at + "crate::".len()..];
    }
    rewritten.push_str(rest);
    Ok(rewritten.replace(
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
