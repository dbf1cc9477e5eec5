//! The checks strict clients (Claude, Cursor, OpenAI) apply to tools/list, as
//! `shared/clients/mcp_probe.py check` applies them, run on every tool of every document.

use crate::util::{corpus, load_spec};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// What is wrong with one tool, as a list of short problem names.
pub fn problems(tool: &Value, seen: &mut HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let name = tool["name"].as_str().unwrap_or_default();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !name_ok {
        out.push("bad_name".into());
    }
    if !seen.insert(name.to_string()) {
        out.push("dup_name".into());
    }
    if tool["description"]
        .as_str()
        .is_none_or(|d| d.trim().is_empty())
    {
        out.push("no_description".into());
    }
    let input = &tool["inputSchema"];
    if input["type"] != "object" {
        out.push("input_not_object".into());
    } else {
        if let Err(e) = jsonschema::draft202012::meta::validate(input) {
            out.push(format!("invalid_schema: {e}"));
        } else if let Err(e) = jsonschema::draft202012::new(input) {
            out.push(format!("no_validator: {e}"));
        }
        for key in ["oneOf", "anyOf", "allOf", "not", "enum"] {
            if input.get(key).is_some() {
                out.push(format!("top_level_{key}"));
            }
        }
        if let Some(props) = input["properties"].as_object() {
            for key in props.keys() {
                let ok = !key.is_empty()
                    && key.len() <= 64
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
                if !ok {
                    out.push(format!("bad_property_name: {key}"));
                }
            }
        }
        let dangling = dangling_refs(input);
        if !dangling.is_empty() {
            out.push(format!("dangling_ref: {dangling:?}"));
        }
    }
    if let Some(output) = tool.get("outputSchema") {
        if output["type"] != "object" {
            out.push("output_not_object".into());
        }
        if let Err(e) = jsonschema::draft202012::meta::validate(output) {
            out.push(format!("invalid_output_schema: {e}"));
        }
        let dangling = dangling_refs(output);
        if !dangling.is_empty() {
            out.push(format!("output_dangling_ref: {dangling:?}"));
        }
    }
    out
}

/// Every `$ref` in `schema` that does not resolve inside `schema` itself.
pub fn dangling_refs(schema: &Value) -> Vec<String> {
    fn walk(node: &Value, root: &Value, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let resolved = r.strip_prefix('#').and_then(|p| root.pointer(p));
                    if resolved.is_none() {
                        out.push(r.clone());
                    }
                }
                map.values().for_each(|v| walk(v, root, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, root, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(schema, schema, &mut out);
    out
}

#[test]
fn every_tool_of_every_document_passes_strict_client_checks() {
    let mut failures = Vec::new();
    let mut tools_checked = 0;
    for entry in corpus() {
        let outcome = load_spec(&entry.path);
        let api = outcome.api.unwrap_or_else(|| panic!("{} loads", entry.id));
        let mut seen = HashSet::new();
        for tool in mcpgen_runtime::tools_list::tools_json(&api) {
            tools_checked += 1;
            let found = problems(&tool, &mut seen);
            if !found.is_empty() && failures.len() < 40 {
                failures.push(format!(
                    "{} / {}: {}",
                    entry.id,
                    tool["name"],
                    found.join("; ")
                ));
            }
        }
    }
    assert!(tools_checked > 2500, "only {tools_checked} tools checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checks_catch_what_clients_reject() {
    let mut seen = HashSet::new();
    let bad: Value = serde_json::json!({
        "name": "has.dot/and/slash",
        "description": " ",
        "inputSchema": {"type": "object", "oneOf": [{}], "properties": {"a[b]": {"$ref": "#/$defs/Gone"}}},
        "outputSchema": {"type": "array"}
    });
    let found = problems(&bad, &mut seen);
    for expected in [
        "bad_name",
        "no_description",
        "top_level_oneOf",
        "bad_property_name",
        "dangling_ref",
        "output_not_object",
    ] {
        assert!(
            found.iter().any(|p| p.starts_with(expected)),
            "{expected} not caught: {found:?}"
        );
    }
    let mut map = Map::new();
    map.insert("name".into(), "ok".into());
    assert!(
        problems(&Value::Object(map), &mut HashSet::new())
            .contains(&"input_not_object".to_string())
    );
}

/// stdio answers `tools/list` straight from the model (`McpServer::tools_list_line`); every
/// page must be the line rmcp writes for the handler's own result, in both protocol eras,
/// page cuts included.
#[test]
fn direct_tools_list_lines_are_what_rmcp_writes() {
    use mcpgen_runtime::server::{McpServer, ServeOptions};
    use rmcp::model::{NumberOrString, ServerJsonRpcMessage, ServerResult};
    for entry in corpus() {
        let api = load_spec(&entry.path).api.unwrap();
        // Small pages too for the smaller documents (the largest ones have many pages anyway).
        let sizes: &[usize] = if entry.bytes < 2_000_000 {
            &[512 * 1024, 4 * 1024]
        } else {
            &[512 * 1024]
        };
        for &page_bytes in sizes {
            let server = McpServer::new(
                api.clone(),
                ServeOptions {
                    page_bytes,
                    ..ServeOptions::default()
                },
            );
            for current_era in [true, false] {
                let (mut cursor, mut pages, mut tools) = (None::<String>, 0, 0);
                loop {
                    let id = NumberOrString::Number(pages);
                    let direct = server
                        .tools_list_line(id.clone(), cursor.as_deref(), current_era)
                        .unwrap_or_else(|| panic!("{}: the direct path answers", entry.id));
                    let result = server.tools_list(cursor.as_deref(), None).unwrap();
                    let next = result.next_cursor.clone();
                    tools += result.tools.len();
                    let mut result = ServerResult::ListToolsResult(result);
                    if !current_era {
                        result.strip_result_type_for_legacy_peer();
                        result.strip_non_object_output_for_legacy_peer();
                    }
                    let mut expected =
                        serde_json::to_vec(&ServerJsonRpcMessage::response(result, id)).unwrap();
                    expected.push(b'\n');
                    assert!(
                        direct == expected,
                        "{} page {pages} (era {current_era}, {page_bytes} B pages):\ndirect {}\nrmcp   {}",
                        entry.id,
                        String::from_utf8_lossy(&direct),
                        String::from_utf8_lossy(&expected)
                    );
                    pages += 1;
                    match next {
                        Some(next) => cursor = Some(next),
                        None => break,
                    }
                }
                assert_eq!(tools, api.tools.len(), "{}", entry.id);
            }
        }
    }
    // What only the handler may answer is left to it.
    let api = load_spec(&corpus()[0].path).api.unwrap();
    let server = McpServer::new(api, ServeOptions::default());
    assert!(
        server
            .tools_list_line(NumberOrString::Number(1), Some("999999"), true)
            .is_none()
    );
    assert!(
        server
            .tools_list_line(NumberOrString::Number(1), Some("x"), true)
            .is_none()
    );
}

#[test]
fn the_served_tools_are_the_listed_tools() {
    // The server builds rmcp tools directly; `mcpgen list --json` serializes the model. Both
    // must give the same JSON, key order included, for every tool of every document.
    for entry in corpus() {
        let api = load_spec(&entry.path)
            .api
            .unwrap_or_else(|| panic!("{} loads", entry.id));
        for tool in &api.tools {
            let served =
                serde_json::to_string(&mcpgen_runtime::tools_list::rmcp_tool(&api, tool)).unwrap();
            let listed =
                serde_json::to_string(&mcpgen_runtime::tools_list::ToolView { api: &api, tool })
                    .unwrap();
            assert!(
                served == listed,
                "{} / {}:\nserved {served}\nlisted {listed}",
                entry.id,
                tool.name
            );
        }
    }
}
