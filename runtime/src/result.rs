//! Upstream responses (and failures) as MCP tool results.
//!
//! Success: JSON becomes a text block plus `structuredContent` when it conforms to the output
//! schema; text stays text; images become image content; other binaries are summarized.
//! Failure: a non-2xx status, an unreachable host, bad arguments or missing configuration all
//! become a tool result with `isError: true` and a message saying what happened, never a
//! protocol error, so the model can read it and react.

use crate::model::{Api, RESULT_PROPERTY};
use crate::upstream::UpstreamResponse;
use crate::validate::Validators;
use base64::Engine;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

/// How much of an error body a tool error quotes.
const ERROR_EXCERPT_BYTES: usize = 2048;

/// A tool error with one text block.
pub fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

/// The result of a call whose request got a response.
pub fn from_response(
    api: &Api,
    tool: usize,
    response: UpstreamResponse,
    validators: &Validators,
    cap: usize,
) -> CallToolResult {
    let essence = response
        .content_type
        .as_deref()
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if !(200..300).contains(&response.status) {
        return status_error(&response, &essence);
    }
    let note = response
        .truncated
        .then(|| format!("\n\n[mcpgen: response cut at {cap} bytes; the rest was not read]"));
    let is_json =
        essence == "application/json" || essence.ends_with("+json") || essence == "text/json";
    if response.body.is_empty() {
        return CallToolResult::success(vec![ContentBlock::text(format!(
            "{} {} (no content)",
            response.status, response.reason
        ))]);
    }
    if essence.starts_with("image/") && !response.truncated {
        let data = base64::engine::general_purpose::STANDARD.encode(&response.body);
        return CallToolResult::success(vec![ContentBlock::image(data, essence)]);
    }
    let text = match std::str::from_utf8(&response.body) {
        Ok(text) => text,
        Err(e) if response.truncated && e.error_len().is_none() => {
            // The cap fell inside a multi-byte character: keep what decodes.
            std::str::from_utf8(&response.body[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => {
            let kind = if essence.is_empty() {
                "binary data".to_string()
            } else {
                essence.clone()
            };
            return CallToolResult::success(vec![ContentBlock::text(format!(
                "The response is {} bytes{} of {kind}, which cannot be shown as text.",
                response.body.len(),
                if response.truncated { " (or more)" } else { "" },
            ))]);
        }
    };
    let mut result = CallToolResult::success(vec![ContentBlock::text(format!(
        "{text}{}",
        note.clone().unwrap_or_default()
    ))]);
    if is_json
        && !response.truncated
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        let tool_model = &api.tools[tool];
        let structured = match tool_model
            .response
            .as_ref()
            .and_then(|r| r.wrapped_in.as_ref())
        {
            Some(_) => json!({ RESULT_PROPERTY: value }),
            None => value,
        };
        if tool_model.output_schema.is_some()
            && structured.is_object()
            && validators.output_matches(api, tool, &structured)
        {
            result.structured_content = Some(structured);
        }
    }
    result
}

/// A non-2xx response as a tool error: status, reason, and the start of the body.
fn status_error(response: &UpstreamResponse, essence: &str) -> CallToolResult {
    let mut message = format!("The API answered {} {}", response.status, response.reason)
        .trim_end()
        .to_string();
    if let Some(location) = &response.location
        && (300..400).contains(&response.status)
    {
        message.push_str(&format!(
            " (a redirect to {location}, not followed: it leaves the API's host)"
        ));
    }
    if !response.body.is_empty() {
        let is_text = essence.is_empty()
            || essence.starts_with("text/")
            || essence.contains("json")
            || essence.contains("xml");
        if is_text {
            let cut = response.body.len().min(ERROR_EXCERPT_BYTES);
            let excerpt = String::from_utf8_lossy(&response.body[..cut]);
            message.push_str(":\n");
            message.push_str(excerpt.trim_end());
            if response.body.len() > cut || response.truncated {
                message.push_str("\n[...]");
            }
        } else {
            message.push_str(&format!(" ({} bytes of {essence})", response.body.len()));
        }
    }
    tool_error(message)
}
