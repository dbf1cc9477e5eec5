//! `tools/call` and `tools/list` over Streamable HTTP answered directly, without rmcp's
//! per-request machinery.
//!
//! In the 2026-07-28 era every POST stands alone. rmcp answers each one by building a service,
//! a transport, channels and a task for it, which costs more than mcpgen's own work for a
//! call. A POST that is plainly a well-formed stateless `tools/call` of a known tool, or a
//! `tools/list` that does not depend on the caller, is answered here: the same checks rmcp
//! makes pass, the same handler code runs (a list page is written straight from the model,
//! see `McpServer::tools_list_line`), and the answer is the same bytes (a test holds the two
//! paths equal). Everything else (another method, an
//! older protocol, a session, an unexpected header, a malformed body, an unknown tool) goes
//! to rmcp untouched, so rmcp alone decides every refusal.

use crate::server::McpServer;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::GetMeta;
use rmcp::model::{
    CallToolResponse, ClientJsonRpcMessage, ClientRequest, ProtocolVersion, ServerJsonRpcMessage,
    ServerResult,
};
use std::sync::Arc;

/// The largest body taken here; a bigger one goes to rmcp, which applies its own limit.
const MAX_BODY_BYTES: u64 = 256 * 1024;

/// What the direct path needs: the server, and which requests it may take.
pub(super) struct DirectCalls {
    server: McpServer,
    gate: Gate,
}

impl DirectCalls {
    /// The direct path for `server`, letting through the `Host`s rmcp's own check allows.
    pub(super) fn new(server: McpServer, allowed_hosts: &[String]) -> Self {
        DirectCalls {
            server,
            gate: Gate {
                allowed_hosts: allowed_hosts.iter().map(|h| h.to_lowercase()).collect(),
            },
        }
    }
}

/// The header checks a request must pass to be taken here.
struct Gate {
    /// rmcp's DNS-rebinding allowlist; empty means any host.
    allowed_hosts: Vec<String>,
}

impl Gate {
    /// Whether the headers are exactly what rmcp accepts for a stateless 2026-07-28
    /// `tools/call` or `tools/list` (its body is checked next): anything else is for rmcp to
    /// judge.
    fn headers_fit(&self, method: &Method, headers: &HeaderMap) -> bool {
        method == Method::POST
            && !headers.contains_key("mcp-session-id")
            && !headers.contains_key(header::ORIGIN)
            && only(headers, "mcp-protocol-version")
                .is_some_and(|v| v == ProtocolVersion::V_2026_07_28.as_str())
            && only(headers, "mcp-method").is_some_and(|v| v == "tools/call" || v == "tools/list")
            && !headers
                .keys()
                .any(|name| name.as_str().starts_with("mcp-param-"))
            && only(headers, header::CONTENT_TYPE.as_str()).is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
            })
            && accepts_json_and_event_stream(headers)
            && only(headers, header::CONTENT_LENGTH.as_str())
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n <= MAX_BODY_BYTES)
            && self.host_allowed(headers)
    }

    /// rmcp's DNS-rebinding check, for the plain case: a `Host` naming an allowed host.
    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        if self.allowed_hosts.is_empty() {
            return true;
        }
        let Some(host) = only(headers, header::HOST.as_str()) else {
            return false;
        };
        let Ok(authority) = host.parse::<axum::http::uri::Authority>() else {
            return false;
        };
        let name = authority
            .host()
            .trim_matches(['[', ']'])
            .to_ascii_lowercase();
        self.allowed_hosts.contains(&name)
    }
}

/// Answers a plain stateless `tools/call` or `tools/list` itself; hands every other request
/// to rmcp.
pub(super) async fn answer(
    State(direct): State<Arc<DirectCalls>>,
    request: Request,
    next: Next,
) -> Response {
    if !direct.gate.headers_fit(request.method(), request.headers()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES as usize).await {
        Ok(bytes) => bytes,
        // The client went away or sent less than it announced (rmcp answers 500 too).
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read the body: {e}"),
            )
                .into_response();
        }
    };
    let server = &direct.server;
    match plain_request(&bytes, &parts.headers, |name| server.has_tool(name)) {
        Some(Plain::Call(id, params)) => {
            // In its own task, as rmcp runs a handler: a client that hangs up does not cut the
            // upstream request short, nor the audit line written when it ends.
            let server = server.clone();
            let call = tokio::spawn(async move {
                let caller = crate::server::caller_in(&parts.extensions);
                let args = params.arguments.unwrap_or_default();
                server.call_as(&params.name, args, caller).await
            });
            match call.await {
                Ok(Ok(result)) => json_response(
                    StatusCode::OK,
                    &ServerJsonRpcMessage::response(
                        ServerResult::from(CallToolResponse::from(result)),
                        id,
                    ),
                ),
                // `call_as` fails only for an unknown tool, looked up above: a JSON-RPC error
                // with status 200, as rmcp answers it.
                Ok(Err(error)) => json_response(
                    StatusCode::OK,
                    &ServerJsonRpcMessage::error(error, Some(id)),
                ),
                Err(e) => {
                    tracing::error!("a tool call failed: {e}");
                    (StatusCode::INTERNAL_SERVER_ERROR, "the call failed").into_response()
                }
            }
        }
        Some(Plain::List(id, cursor)) => {
            match server.tools_list_line(id, cursor.as_deref(), true) {
                Some(mut line) => {
                    line.pop(); // the newline that ends it on stdio
                    json_bytes(StatusCode::OK, line)
                }
                // Under a policy, or a cursor the handler refuses: rmcp answers.
                None => {
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            }
        }
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

/// A request this path answers itself.
enum Plain {
    /// `tools/call` of a tool the server has.
    Call(rmcp::model::RequestId, rmcp::model::CallToolRequestParams),
    /// `tools/list` at a cursor.
    List(rmcp::model::RequestId, Option<String>),
}

/// What `body` asks for, when it is a stateless 2026-07-28 `tools/call` of a tool the server
/// has (named as the `Mcp-Name` header says) or `tools/list`, with an `Mcp-Method` header
/// that matches.
fn plain_request(
    body: &[u8],
    headers: &HeaderMap,
    has_tool: impl Fn(&str) -> bool,
) -> Option<Plain> {
    let ClientJsonRpcMessage::Request(request) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    if !super::stateless_2026_07_28(request.request.get_meta()) {
        return None;
    }
    let method = only(headers, "mcp-method");
    let name = only(headers, "mcp-name");
    match request.request {
        ClientRequest::CallToolRequest(call) => {
            let params = call.params;
            let plain = method == Some("tools/call")
                && params.input_responses.is_none()
                && params.request_state.is_none()
                && name == Some(params.name.as_ref())
                && has_tool(&params.name);
            plain.then_some(Plain::Call(request.id, params))
        }
        ClientRequest::ListToolsRequest(list) => {
            let plain = method == Some("tools/list") && !headers.contains_key("mcp-name");
            let cursor = list.params.and_then(|p| p.cursor);
            plain.then_some(Plain::List(request.id, cursor))
        }
        _ => None,
    }
}

/// The one value of a header, when it is there exactly once and is visible ASCII.
fn only<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

/// Whether `Accept` names both media types rmcp requires, with no weights or quotes to weigh.
fn accepts_json_and_event_stream(headers: &HeaderMap) -> bool {
    let mut json = false;
    let mut events = false;
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for range in value.split(',') {
            let range = range.trim();
            if range.contains([';', '"']) {
                return false;
            }
            json |= range.eq_ignore_ascii_case("application/json");
            events |= range.eq_ignore_ascii_case("text/event-stream");
        }
    }
    json && events
}

/// A JSON-RPC answer as rmcp sends one in JSON response mode.
fn json_response(status: StatusCode, message: &ServerJsonRpcMessage) -> Response {
    match serde_json::to_vec(message) {
        Ok(body) => json_bytes(status, body),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot serialize the answer: {e}"),
        )
            .into_response(),
    }
}

/// A JSON body with its status.
fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn direct(allowed_hosts: &[&str]) -> Gate {
        Gate {
            allowed_hosts: allowed_hosts.iter().map(|h| h.to_string()).collect(),
        }
    }

    /// The headers rmcp's own 2026-07-28 client sends with a call of `getPet`.
    fn plain_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:8080"),
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("content-length", "200"),
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "getPet"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        headers
    }

    fn plain_body() -> Value {
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "getPet", "arguments": {"id": 1},
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {},
                      "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}}}})
    }

    fn taken(headers: &HeaderMap, body: &Value) -> bool {
        direct(&["localhost", "127.0.0.1", "::1"]).headers_fit(&Method::POST, headers)
            && plain_request(body.to_string().as_bytes(), headers, |name| {
                name == "getPet"
            })
            .is_some()
    }

    #[test]
    fn a_plain_stateless_call_is_answered_directly() {
        assert!(taken(&plain_headers(), &plain_body()));
        let Some(Plain::Call(id, params)) = plain_request(
            plain_body().to_string().as_bytes(),
            &plain_headers(),
            |_| true,
        ) else {
            panic!("a plain call");
        };
        assert_eq!(id, rmcp::model::RequestId::Number(7));
        assert_eq!(params.arguments.unwrap()["id"], 1);

        // A list needs no Mcp-Name, and may carry a cursor.
        let mut headers = plain_headers();
        headers.insert("mcp-method", HeaderValue::from_static("tools/list"));
        headers.remove("mcp-name");
        let mut body = plain_body();
        body["method"] = "tools/list".into();
        body["params"] = json!({"cursor": "12", "_meta": body["params"]["_meta"].clone()});
        assert!(taken(&headers, &body));
        let Some(Plain::List(_, cursor)) =
            plain_request(body.to_string().as_bytes(), &headers, |_| false)
        else {
            panic!("a plain list");
        };
        assert_eq!(cursor.as_deref(), Some("12"));
        headers.insert("mcp-name", HeaderValue::from_static("getPet"));
        assert!(
            !taken(&headers, &body),
            "a list with Mcp-Name is rmcp's to judge"
        );
        headers.remove("mcp-name");
        headers.insert("mcp-method", HeaderValue::from_static("tools/call"));
        assert!(!taken(&headers, &body), "Mcp-Method must match the body");
    }

    #[test]
    fn anything_else_is_left_to_rmcp() {
        let header_changes: &[(&str, Option<&'static str>)] = &[
            ("mcp-session-id", Some("abc")),
            ("origin", Some("http://127.0.0.1:8080")),
            ("mcp-protocol-version", Some("2025-11-25")),
            ("mcp-protocol-version", None),
            ("mcp-method", Some("tools/list")),
            ("mcp-method", Some("prompts/list")),
            ("mcp-method", None),
            ("mcp-name", Some("other")),
            ("mcp-name", None),
            ("mcp-param-id", Some("1")),
            ("content-type", Some("text/plain")),
            ("accept", Some("application/json")),
            ("accept", Some("application/json;q=0, text/event-stream")),
            ("accept", Some("x\"y, application/json, text/event-stream")),
            ("content-length", None),
            ("content-length", Some("100000000")),
            ("host", Some("evil.example:8080")),
            ("host", None),
        ];
        for (name, value) in header_changes {
            let mut headers = plain_headers();
            match value {
                Some(value) => {
                    headers.insert(*name, HeaderValue::from_static(value));
                }
                None => {
                    headers.remove(*name);
                }
            }
            assert!(!taken(&headers, &plain_body()), "{name}: {value:?}");
        }
        let mut doubled = plain_headers();
        doubled.append("mcp-name", HeaderValue::from_static("getPet"));
        assert!(!taken(&doubled, &plain_body()), "a repeated Mcp-Name");

        let body_changes: &[(&str, Value)] = &[
            ("/method", json!("tools/list")),
            ("/params/name", json!("unknownTool")),
            (
                "/params/_meta/io.modelcontextprotocol~1protocolVersion",
                json!("2025-11-25"),
            ),
            ("/params/_meta", json!({})),
            ("/params/inputResponses", json!({})),
            ("/jsonrpc", json!("1.0")),
            ("/params/arguments", json!("not an object")),
        ];
        for (pointer, value) in body_changes {
            let mut body = plain_body();
            match body.pointer_mut(pointer) {
                Some(slot) => *slot = value.clone(),
                None => {
                    let (parent, key) = pointer.rsplit_once('/').unwrap();
                    body.pointer_mut(parent).unwrap()[key] = value.clone();
                }
            }
            assert!(!taken(&plain_headers(), &body), "{pointer}: {value}");
        }
        assert!(!taken(&plain_headers(), &json!([plain_body()])), "a batch");
        assert!(plain_request(b"{not json", &plain_headers(), |_| true).is_none());
    }

    #[test]
    fn hosts_follow_the_allowlist() {
        let mut headers = plain_headers();
        headers.insert("host", HeaderValue::from_static("[::1]:9"));
        assert!(direct(&["::1"]).host_allowed(&headers));
        headers.insert("host", HeaderValue::from_static("LOCALHOST"));
        assert!(direct(&["localhost"]).host_allowed(&headers));
        headers.insert("host", HeaderValue::from_static("mcp.example.com"));
        assert!(!direct(&["localhost"]).host_allowed(&headers));
        assert!(
            direct(&[]).host_allowed(&headers),
            "an empty list allows any host"
        );
    }
}
