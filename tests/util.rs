//! Finding the corpus and loading its documents the same way in every test.

use mcpgen_codegen::{LoadOptions, Outcome, load};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The `specs/` folder of the repository, relative to the test's working directory (the
/// `tests/` crate), so file names in models and snapshots do not depend on the checkout path.
pub fn specs() -> PathBuf {
    let relative = PathBuf::from("../specs");
    assert!(
        relative.join("corpus").is_dir()
            && Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../specs")
                .is_dir(),
        "tests run from the tests/ crate folder"
    );
    relative
}

/// One document of `specs/corpus/corpus.json`.
pub struct CorpusEntry {
    pub id: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub operations: usize,
    pub webhook_ops: usize,
    pub callbacks: usize,
}

/// Every document the corpus lists.
pub fn corpus() -> Vec<CorpusEntry> {
    let index = specs().join("corpus/corpus.json");
    let text =
        std::fs::read_to_string(&index).expect("specs/corpus/corpus.json is in the repository");
    let entries: Vec<Value> = serde_json::from_str(&text).expect("corpus.json is JSON");
    entries
        .iter()
        .map(|e| CorpusEntry {
            id: e["id"].as_str().unwrap().to_string(),
            path: specs().join("corpus").join(e["root"].as_str().unwrap()),
            bytes: e["bytes"].as_u64().unwrap(),
            operations: e["operations"].as_u64().unwrap() as usize,
            webhook_ops: e["webhook_ops"].as_u64().unwrap() as usize,
            callbacks: e["composition"]["callbacks"].as_u64().unwrap() as usize,
        })
        .collect()
}

/// Loads a corpus document with `$ref`s allowed anywhere under `specs/`.
pub fn load_spec(path: &Path) -> Outcome {
    load(path, &LoadOptions::default().with_ref_root(specs()))
}

/// The documents small enough to snapshot and read by eye.
pub fn small(entry: &CorpusEntry) -> bool {
    entry.bytes < 100_000
}

/// Calls a tool the way `tools/call` does; the result as JSON.
pub async fn call_tool(
    server: &mcpgen_runtime::server::McpServer,
    tool: &str,
    args: Value,
) -> Value {
    let args = args.as_object().cloned().unwrap_or_default();
    let result = server.call(tool, args).await.expect("a known tool");
    serde_json::to_value(result).unwrap()
}

/// The text a tool result shows the model (its first content block).
pub fn result_text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}
