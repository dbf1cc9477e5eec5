//! Embeds the runtime's source files, so that `mcpgen generate` writes the very modules
//! `mcpgen serve` runs into every generated crate (one source, never a second copy by hand).

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let runtime = manifest.join("../runtime/src");
    println!("cargo:rerun-if-changed={}", runtime.display());
    let mut files = Vec::new();
    collect(&runtime, &runtime, &mut files);
    files.sort();
    let mut code = String::from("/// The runtime's source files: path under `src/`, text.\n");
    code.push_str("pub const RUNTIME_FILES: &[(&str, &str)] = &[\n");
    for relative in &files {
        let absolute = runtime.join(relative);
        writeln!(
            code,
            "    ({relative:?}, include_str!({:?})),",
            absolute.display().to_string()
        )
        .expect("writing to a string");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("runtime_files.rs"), code).expect("OUT_DIR is writable");
}

/// Every `.rs` file under `dir`, as a `/`-separated path relative to `root`.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).expect("the runtime's sources are readable");
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("under root");
            let parts: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
}
