//! The MCP `Tool` objects that `tools/list` returns, built from the model.
//!
//! `mcpgen list --json` and the server both call [`tool_json`], so what a user inspects is
//! exactly what a client receives.

use crate::model::{Api, Tool};
use serde_json::{Map, Value, json};

/// One tool as MCP's `tools/list` describes it.
pub fn tool_json(tool: &Tool) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(tool.name.clone()));
    if let Some(title) = &tool.title {
        out.insert("title".into(), Value::String(title.clone()));
    }
    out.insert(
        "description".into(),
        Value::String(tool.description.clone()),
    );
    out.insert(
        "inputSchema".into(),
        Value::Object(tool.input_schema.clone()),
    );
    if let Some(output) = &tool.output_schema {
        out.insert("outputSchema".into(), Value::Object(output.clone()));
    }
    let hints = tool.annotations;
    let mut annotations = json!({
        "readOnlyHint": hints.read_only_hint,
        "destructiveHint": hints.destructive_hint,
        "idempotentHint": hints.idempotent_hint,
        "openWorldHint": true,
    });
    if let Some(title) = &tool.title {
        annotations["title"] = Value::String(title.clone());
    }
    out.insert("annotations".into(), annotations);
    Value::Object(out)
}

/// Every tool of the server, in the server's (deterministic) order.
pub fn tools_json(api: &Api) -> Vec<Value> {
    api.tools.iter().map(tool_json).collect()
}
