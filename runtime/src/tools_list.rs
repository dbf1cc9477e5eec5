//! The MCP `Tool` objects that `tools/list` returns, built from the model.
//!
//! [`ToolView`] serializes a tool straight from the model, copying each shared `$defs` entry
//! into the output as it is written rather than into memory first: GitHub's 1,223 tools come
//! to 6.9 MB of JSON that never exists as a `Value`. `mcpgen list --json` and the server use
//! the same views, so what a user inspects is exactly what a client receives.

use crate::model::{Api, Tool};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One tool as MCP's `tools/list` describes it, ready to serialize.
pub struct ToolView<'a> {
    /// The server the tool belongs to (for its shared `$defs`).
    pub api: &'a Api,
    /// The tool.
    pub tool: &'a Tool,
}

/// The whole `tools/list` result of a server: `{"tools": [...]}`.
pub struct ToolsListView<'a>(pub &'a Api);

/// One tool as a JSON value (for callers that need to hold or modify it).
pub fn tool_json(api: &Api, tool: &Tool) -> Value {
    serde_json::to_value(ToolView { api, tool }).expect("a model serializes to JSON")
}

/// One tool as rmcp's `Tool`, for the server. It serializes to exactly what [`ToolView`]
/// writes (a test holds the two together); it is built directly rather than through JSON
/// because a large API's first `tools/list` is on the critical path of a client's start.
pub fn rmcp_tool(api: &Api, tool: &Tool) -> rmcp::model::Tool {
    let mut out = rmcp::model::Tool::new(
        tool.name.clone(),
        tool.description.clone(),
        std::sync::Arc::new(api.input_schema(tool)),
    );
    if let Some(title) = &tool.title {
        out = out.with_title(title.clone());
    }
    if let Some(output) = api.output_schema(tool) {
        out = out.with_raw_output_schema(std::sync::Arc::new(output));
    }
    let hints = tool.annotations;
    out.with_annotations(rmcp::model::ToolAnnotations::from_raw(
        tool.title.clone(),
        Some(hints.read_only_hint),
        Some(hints.destructive_hint),
        Some(hints.idempotent_hint),
        Some(true),
    ))
}

/// Every tool of the server as JSON values, in the server's (deterministic) order.
pub fn tools_json(api: &Api) -> Vec<Value> {
    api.tools.iter().map(|tool| tool_json(api, tool)).collect()
}

impl Serialize for ToolsListView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Tools<'a>(&'a Api);
        impl Serialize for Tools<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let api = self.0;
                serializer.collect_seq(api.tools.iter().map(|tool| ToolView { api, tool }))
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("tools", &Tools(self.0))?;
        map.end()
    }
}

impl Serialize for ToolView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (api, tool) = (self.api, self.tool);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &tool.name)?;
        if let Some(title) = &tool.title {
            map.serialize_entry("title", title)?;
        }
        map.serialize_entry("description", &tool.description)?;
        map.serialize_entry(
            "inputSchema",
            &WithDefs {
                schema: &tool.input_schema,
                names: &tool.input_defs,
                table: &api.input_defs,
            },
        )?;
        if let Some(output) = &tool.output_schema {
            map.serialize_entry(
                "outputSchema",
                &WithDefs {
                    schema: output,
                    names: &tool.output_defs,
                    table: &api.output_defs,
                },
            )?;
        }
        map.serialize_entry("annotations", &Annotations(tool))?;
        map.end()
    }
}

/// A schema followed by the `$defs` it needs, taken from the server's shared table.
struct WithDefs<'a> {
    schema: &'a Map<String, Value>,
    names: &'a [String],
    table: &'a BTreeMap<String, Value>,
}

impl Serialize for WithDefs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Defs<'a>(&'a [String], &'a BTreeMap<String, Value>);
        impl Serialize for Defs<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().filter_map(|n| Some((n, self.1.get(n)?))))
            }
        }
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.schema {
            map.serialize_entry(key, value)?;
        }
        if !self.names.is_empty() {
            map.serialize_entry("$defs", &Defs(self.names, self.table))?;
        }
        map.end()
    }
}

/// MCP tool annotations: the method's hints, and the title for clients that show it there.
struct Annotations<'a>(&'a Tool);

impl Serialize for Annotations<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let hints = self.0.annotations;
        let mut map = serializer.serialize_map(None)?;
        if let Some(title) = &self.0.title {
            map.serialize_entry("title", title)?;
        }
        map.serialize_entry("readOnlyHint", &hints.read_only_hint)?;
        map.serialize_entry("destructiveHint", &hints.destructive_hint)?;
        map.serialize_entry("idempotentHint", &hints.idempotent_hint)?;
        map.serialize_entry("openWorldHint", &true)?;
        map.end()
    }
}
