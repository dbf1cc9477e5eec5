//! The MCP server: an rmcp `ServerHandler` whose tools come from the model.
//!
//! `tools/list` pages are cut so that every page stays well under 1 MB (the Python SDK refuses a
//! larger Streamable HTTP event); a page's tools are built from the model when it is asked for.
//! `tools/call` validates the arguments, builds the request, sends it and turns the response
//! into a tool result. Anything that goes wrong in a call is a tool error the model can read;
//! only an unknown tool name is a protocol error, as MCP asks.

use crate::audit::{AuditEvent, AuditLog, CredentialUse, UpstreamCall, arguments_digest};
use crate::auth::{PresentedToken, Principal};
use crate::credentials::{Caller, Credentials};
use crate::discovery::{self, Hit, SearchIndex, ToolMode, discovers};
use crate::model;
use crate::model::Api;
use crate::policy::PolicyCheck;
use crate::request::{self, Target};
use crate::result::{from_response, tool_error};
use crate::sql::Databases;
use crate::tools_list::rmcp_tool;
use crate::tools_list::{ToolView, ToolsListView};
use crate::upstream::{Upstream, UpstreamOptions};
use crate::validate::Validators;
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, RequestId, ServerCapabilities, ServerConfig, ServerJsonRpcMessage,
    ServerResult, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use std::collections::HashMap;
use std::sync::Arc;

/// How a server reaches its upstream and shapes its answers.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Base URL and server variables.
    pub target: Target,
    /// Timeouts and the response cap.
    pub upstream: UpstreamOptions,
    /// The most bytes of tool JSON one `tools/list` page may hold.
    pub page_bytes: usize,
    /// How long clients may cache `tools/list` (MCP 2026-07-28 `ttlMs`).
    pub list_ttl_ms: u64,
    /// The secrets for the document's security schemes.
    pub credentials: Arc<Credentials>,
    /// Every tool, or the three discovery tools (see [`crate::discovery`]).
    pub tool_mode: ToolMode,
    /// Where every call is recorded, when the operator keeps an audit trail.
    pub audit: Option<Arc<AuditLog>>,
    /// A generated crate's typed arguments, which every validated call passes through.
    pub arguments: Option<crate::typed::ArgumentsCheck>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            target: Target::default(),
            upstream: UpstreamOptions::default(),
            page_bytes: 512 * 1024,
            list_ttl_ms: 5 * 60 * 1000,
            credentials: Arc::default(),
            // A library user gets what it built; the command line defaults to `auto`.
            tool_mode: ToolMode::All,
            audit: None,
            arguments: None,
        }
    }
}

/// An MCP server for one [`Api`]; cheap to clone (every clone shares the same state).
#[derive(Clone)]
pub struct McpServer {
    inner: Arc<Inner>,
}

struct Inner {
    api: Api,
    by_name: HashMap<String, usize>,
    options: ServeOptions,
    upstream: Upstream,
    databases: Databases,
    validators: Validators,
    /// Whether the server lists the discovery tools instead of every tool.
    discover: bool,
    /// Who may list and call what.
    policy: PolicyCheck,
    /// The search index, built on the first search.
    index: std::sync::OnceLock<SearchIndex>,
}

impl McpServer {
    /// A server for `api`.
    pub fn new(api: Api, options: ServeOptions) -> Self {
        let upstream = Upstream::new(options.upstream.clone());
        let by_name = api
            .tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let validators = Validators::new(&api);
        let databases = Databases::new(&api);
        let api_policy = api.policy.clone();
        let discover = discovers(options.tool_mode, &api, || {
            let mut counter = ByteCounter(0);
            serde_json::to_writer(&mut counter, &ToolsListView(&api)).expect("tools serialize");
            counter.0
        });
        McpServer {
            inner: Arc::new(Inner {
                api,
                by_name,
                options,
                upstream,
                databases,
                validators,
                discover,
                policy: PolicyCheck::new(api_policy),
                index: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The model this server serves.
    pub fn api(&self) -> &Api {
        &self.inner.api
    }

    /// Whether `name` is a tool a call may name: an operation, or a discovery tool when the
    /// server offers them.
    pub fn has_tool(&self, name: &str) -> bool {
        self.inner.by_name.contains_key(name)
            || (self.inner.discover && discovery::is_discovery_tool(name))
    }

    /// Whether the server offers the discovery tools instead of every tool.
    pub fn discovers(&self) -> bool {
        self.inner.discover
    }

    /// Ranks the operations for `query` (what `search_operations` runs).
    pub fn search(
        &self,
        query: &str,
        limit: usize,
        keep: impl Fn(&model::Tool) -> bool,
    ) -> Vec<Hit> {
        let api = &self.inner.api;
        let index = self.inner.index.get_or_init(|| SearchIndex::new(api));
        index.search(api, query, limit, keep)
    }

    /// Runs one of the three discovery tools; `None` when `name` is not one of them.
    async fn discovery_call(
        &self,
        name: &str,
        args: &serde_json::Map<String, serde_json::Value>,
        caller: Option<Caller<'_>>,
    ) -> Option<Result<rmcp::model::CallToolResult, ErrorData>> {
        use serde_json::{Value, json};
        let api = &self.inner.api;
        let principal = caller.map(|c| c.principal);
        let strings = |key: &str| -> Vec<String> {
            args.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let structured = |value: Value| {
            let text = serde_json::to_string(&value).unwrap_or_default();
            let mut result =
                rmcp::model::CallToolResult::success(vec![rmcp::model::ContentBlock::text(text)]);
            result.structured_content = Some(value);
            Ok(result)
        };
        Some(match name {
            discovery::SEARCH => {
                let Some(query) = args
                    .get("query")
                    .and_then(Value::as_str)
                    .filter(|q| !q.trim().is_empty())
                else {
                    return Some(Ok(tool_error(
                        "`query` is required: say in plain words what you want to do",
                    )));
                };
                let limit = args
                    .get("limit")
                    .and_then(Value::as_u64)
                    .map_or(10, |l| (l as usize).clamp(1, discovery::MAX_RESULTS));
                let tags = strings("tags");
                let methods: Vec<String> = strings("methods")
                    .iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                let hits = self.search(query, limit, |tool| {
                    self.inner.policy.may_list(principal, tool)
                        && (tags.is_empty() || tool.tags.iter().any(|t| tags.contains(t)))
                        && (methods.is_empty() || methods.iter().any(|m| m == tool.method.as_str()))
                });
                let results: Vec<Value> = hits
                    .iter()
                    .map(|hit| discovery::hit_summary(&api.tools[hit.index]))
                    .collect();
                structured(json!({ "results": results }))
            }
            discovery::DESCRIBE => {
                let names = strings("names");
                if names.is_empty() || names.len() > discovery::MAX_DESCRIBE {
                    return Some(Ok(tool_error(format!(
                        "`names`: give 1 to {} operation names from {}",
                        discovery::MAX_DESCRIBE,
                        discovery::SEARCH
                    ))));
                }
                let mut operations = Vec::new();
                let mut unknown = Vec::new();
                for name in &names {
                    match self
                        .inner
                        .by_name
                        .get(name)
                        .filter(|&&i| self.inner.policy.may_list(principal, &api.tools[i]))
                    {
                        Some(&i) => {
                            let mut operation = discovery::description(api, &api.tools[i]);
                            self.show_terms(principal, &api.tools[i], &mut operation);
                            operations.push(operation);
                        }
                        None => unknown.push(name.clone()),
                    }
                }
                let mut out = json!({ "operations": operations });
                if !unknown.is_empty() {
                    out["unknown"] = json!(unknown);
                    out["hint"] = json!(format!("names come from {}", discovery::SEARCH));
                }
                structured(out)
            }
            discovery::CALL => {
                let Some(target) = args.get("name").and_then(Value::as_str) else {
                    return Some(Ok(tool_error(
                        "`name` is required: an operation name from search_operations",
                    )));
                };
                if !self.inner.by_name.contains_key(target) {
                    return Some(Ok(tool_error(format!(
                        "there is no operation `{target}`; find one with {}",
                        discovery::SEARCH
                    ))));
                }
                let arguments = match args.get("arguments") {
                    None | Some(Value::Null) => serde_json::Map::new(),
                    Some(Value::Object(map)) => map.clone(),
                    Some(_) => return Some(Ok(tool_error("`arguments` must be an object"))),
                };
                self.call_operation(target, arguments, caller).await
            }
            _ => return None,
        })
    }

    /// Runs one tool call: the same path `tools/call` takes, for tests and benchmarks.
    pub async fn call(
        &self,
        name: &str,
        args: serde_json::Map<String, serde_json::Value>,
    ) -> Result<rmcp::model::CallToolResult, ErrorData> {
        self.call_as(name, args, None).await
    }

    /// [`McpServer::call`] on behalf of the caller an access token named.
    pub async fn call_as(
        &self,
        name: &str,
        args: serde_json::Map<String, serde_json::Value>,
        caller: Option<Caller<'_>>,
    ) -> Result<rmcp::model::CallToolResult, ErrorData> {
        if self.inner.discover
            && let Some(result) = self.discovery_call(name, &args, caller).await
        {
            return result;
        }
        self.call_operation(name, args, caller).await
    }

    /// Calls one operation of the model by its tool name, and records it in the audit trail.
    async fn call_operation(
        &self,
        name: &str,
        args: serde_json::Map<String, serde_json::Value>,
        caller: Option<Caller<'_>>,
    ) -> Result<rmcp::model::CallToolResult, ErrorData> {
        let Some(audit) = &self.inner.options.audit else {
            return self
                .run_operation(name, args, caller, &mut Facts::default())
                .await;
        };
        let principal = caller.map(|c| c.principal);
        let started = std::time::Instant::now();
        let arguments = arguments_digest(&args);
        let mut facts = Facts::default();
        let result = self.run_operation(name, args, caller, &mut facts).await;
        let outcome = match &result {
            Err(_) => "unknown_tool",
            Ok(_) if facts.denied => "denied",
            Ok(_) if facts.invalid_arguments => "invalid_arguments",
            Ok(r) if r.is_error == Some(true) => "tool_error",
            Ok(_) => "ok",
        };
        audit.record(&AuditEvent {
            principal: principal.and_then(|p| p.subject.clone()),
            client: principal.and_then(|p| p.client_id.clone()),
            tool: name.to_string(),
            arguments,
            decision: if facts.denied { "deny" } else { "allow" },
            rule: facts.rule,
            credentials: facts.credentials,
            upstream: facts.upstream,
            database: facts.database,
            latency_ms: started.elapsed().as_millis() as u64,
            outcome,
        });
        result
    }

    /// Runs one operation, noting in `facts` what the audit trail says about it.
    async fn run_operation(
        &self,
        name: &str,
        args: serde_json::Map<String, serde_json::Value>,
        caller: Option<Caller<'_>>,
        facts: &mut Facts,
    ) -> Result<rmcp::model::CallToolResult, ErrorData> {
        let principal = caller.map(|c| c.principal);
        let inner = &self.inner;
        let Some(&index) = inner.by_name.get(name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`"),
                None,
            ));
        };
        let api = &inner.api;
        let mut args = args;
        let permit = match inner
            .policy
            .check_call(principal, &api.tools[index], &mut args)
        {
            Ok(permit) => permit,
            Err(denial) => {
                let message = format!(
                    "`{name}` was refused by policy rule `{}`: {}",
                    denial.rule, denial.reason
                );
                facts.rule = Some(denial.rule);
                facts.denied = true;
                return Ok(tool_error(message));
            }
        };
        facts.rule = permit.rule;
        let permitted = permit.credentials.as_deref();
        if let Err(message) = inner.validators.check_input(api, index, &args) {
            facts.invalid_arguments = true;
            return Ok(tool_error(message));
        }
        let tool = &api.tools[index];
        let args = match inner.options.arguments {
            Some(check) => match check(name, args) {
                Ok(args) => args,
                Err(message) => {
                    facts.invalid_arguments = true;
                    return Ok(tool_error(message));
                }
            },
            None => args,
        };
        let args = tool.with_operator_arguments(args);
        if let Some(query) = &tool.query {
            facts.database = Some(query.database.clone());
            tracing::debug!(tool = name, database = %query.database, "running statement");
            return Ok(match inner.databases.run(query, &args).await {
                Ok(rows) => sql_result(rows),
                Err(e) => {
                    tracing::warn!(tool = name, error = %e, "statement failed");
                    tool_error(format!("`{name}` failed: {e}"))
                }
            });
        }
        let request = match request::build(tool, &args, &inner.options.target) {
            Ok(request) => request,
            Err(e) => return Ok(tool_error(format!("Cannot call `{name}`: {e}"))),
        };
        // Logged before the credentials are added: a log line never holds a secret.
        tracing::debug!(tool = name, method = request.method.as_str(), url = %request.url, "calling upstream");
        let credentials = &inner.options.credentials;
        // Only a request that may carry a fetched token is copied, for the retry below.
        let unsigned = credentials.may_fetch_tokens(tool).then(|| request.clone());
        let mut signed = match credentials.sign(tool, request, caller, permitted).await {
            Ok(signed) => signed,
            Err(message) => return Ok(tool_error(message)),
        };
        let mut redactor = std::mem::take(&mut signed.redactor);
        facts.credentials = signed.used.clone();
        facts.upstream = Some(UpstreamCall {
            method: signed.request.method.as_str().to_string(),
            host: host_of(&signed.request.url),
            status: None,
        });
        let mut outcome = inner
            .upstream
            .send_as(&signed.request, signed.identity.as_ref())
            .await;
        if let Some(unsigned) = unsigned
            && signed.has_fetched_tokens()
            && matches!(&outcome, Ok(r) if r.status == 401)
        {
            // The token may have been revoked or expired early: one retry with a fresh one.
            tracing::debug!(
                tool = name,
                "upstream refused the access token; retrying with a new one"
            );
            credentials.reject(&signed).await;
            match credentials.sign(tool, unsigned, caller, permitted).await {
                Ok(again) => {
                    redactor.extend(again.redactor);
                    outcome = inner
                        .upstream
                        .send_as(&again.request, again.identity.as_ref())
                        .await;
                }
                Err(message) => return Ok(tool_error(redactor.text(&message))),
            }
        }
        if let (Some(upstream), Ok(response)) = (&mut facts.upstream, &outcome) {
            upstream.status = Some(response.status);
        }
        match outcome {
            Ok(mut response) => {
                redactor.bytes(&mut response.body);
                if let Some(location) = &response.location {
                    response.location = Some(redactor.text(location));
                }
                tracing::debug!(
                    tool = name,
                    status = response.status,
                    bytes = response.body.len(),
                    "upstream answered"
                );
                let cap = inner.options.upstream.max_response_bytes;
                Ok(from_response(api, index, response, &inner.validators, cap))
            }
            Err(e) => {
                let e = redactor.text(&e.to_string());
                tracing::warn!(tool = name, error = %e, "upstream call failed");
                Ok(tool_error(format!("Calling `{name}` failed: {e}")))
            }
        }
    }

    /// Writes the policy's terms for `principal` into a `describe_operations` entry's input
    /// schema, as `tools/list` shows them.
    fn show_terms(
        &self,
        principal: Option<&Principal>,
        tool: &model::Tool,
        operation: &mut serde_json::Value,
    ) {
        if let Some(serde_json::Value::Object(schema)) = operation.get_mut("inputSchema")
            && let Some(narrowed) = self.inner.policy.input_schema_for(principal, tool, schema)
        {
            *schema = narrowed;
        }
    }

    /// The page of `tools/list` that starts at tool `start`: tools in order until the next one
    /// would take the page past `page_bytes` of JSON (a page always holds at least one tool),
    /// and the index the next page starts at. The cursor is that index, so any page can be
    /// asked for again and nothing is measured before a client asks.
    fn page(&self, start: usize, principal: Option<&Principal>) -> (Vec<Tool>, Option<usize>) {
        let api = &self.inner.api;
        let mut tools = Vec::new();
        let mut cut = PageCut::new(self.inner.options.page_bytes);
        for (i, model) in api.tools.iter().enumerate().skip(start) {
            if !self.inner.policy.may_list(principal, model) {
                continue;
            }
            let mut tool = rmcp_tool(api, model);
            if let Some(schema) =
                self.inner
                    .policy
                    .input_schema_for(principal, model, &tool.input_schema)
            {
                tool.input_schema = Arc::new(schema);
            }
            let mut counter = ByteCounter(0);
            serde_json::to_writer(&mut counter, &tool).expect("tools serialize");
            if !cut.takes(counter.0) {
                return (tools, Some(i));
            }
            tools.push(tool);
        }
        (tools, None)
    }
}

impl McpServer {
    /// The `tools/list` result at `cursor` for `principal`: what the handler answers.
    pub fn tools_list(
        &self,
        cursor: Option<&str>,
        principal: Option<&Principal>,
    ) -> Result<ListToolsResult, ErrorData> {
        if self.inner.discover {
            let tools = discovery::discovery_tools(&self.inner.api)
                .into_iter()
                .filter_map(|t| serde_json::from_value::<Tool>(t).ok())
                .collect();
            return Ok(ListToolsResult::with_all_items(tools)
                .with_ttl_ms(self.inner.options.list_ttl_ms)
                .with_cache_scope(CacheScope::Public));
        }
        let start = self.page_start(cursor).ok_or_else(|| {
            ErrorData::invalid_params(
                format!("unknown cursor `{}`", cursor.unwrap_or_default()),
                None,
            )
        })?;
        let (tools, next) = self.page(start, principal);
        // Under a policy the list depends on who asks: only that client may cache it.
        let scope = if self.inner.api.policy.is_some() {
            CacheScope::Private
        } else {
            CacheScope::Public
        };
        let mut result = ListToolsResult::with_all_items(tools)
            .with_ttl_ms(self.inner.options.list_ttl_ms)
            .with_cache_scope(scope);
        result.next_cursor = next.map(|n| n.to_string());
        Ok(result)
    }

    /// The JSON-RPC answer (one line) to `tools/list` at `cursor`, written straight from the
    /// model. It is the line rmcp writes for [`McpServer::tools_list`]'s result (a test holds
    /// them equal) without first copying each tool's schemas and `$defs` into rmcp `Tool`s,
    /// which is most of what listing a large API costs. `current_era` is whether the client
    /// speaks 2026-07-28 (older clients get the result without `resultType`, as rmcp sends
    /// it). `None` where only the handler may answer: under a policy (the list depends on
    /// the caller), with the discovery tools, for a cursor it refuses, or for an older client
    /// and a tool whose output schema rmcp would drop.
    pub fn tools_list_line(
        &self,
        id: RequestId,
        cursor: Option<&str>,
        current_era: bool,
    ) -> Option<Vec<u8>> {
        let inner = &self.inner;
        let api = &inner.api;
        if inner.discover || api.policy.is_some() {
            return None;
        }
        let start = self.page_start(cursor)?;
        // Sized for a page up front, not grown by doubling: a large API's pages are ~0.5 MB.
        let mut tools = Vec::with_capacity(inner.options.page_bytes.min(8 << 20) + (64 << 10));
        tools.push(b'[');
        let mut cut = PageCut::new(inner.options.page_bytes);
        let mut next = None;
        for (i, tool) in api.tools.iter().enumerate().skip(start) {
            if !current_era && !has_object_output(tool) {
                return None;
            }
            let mark = tools.len();
            if cut.count > 0 {
                tools.push(b',');
            }
            let written = tools.len();
            serde_json::to_writer(&mut tools, &ToolView { api, tool }).ok()?;
            if !cut.takes(tools.len() - written) {
                tools.truncate(mark);
                next = Some(i);
                break;
            }
        }
        tools.push(b']');
        let mut result = ListToolsResult::with_all_items(Vec::new())
            .with_ttl_ms(inner.options.list_ttl_ms)
            .with_cache_scope(CacheScope::Public);
        result.next_cursor = next.map(|n| n.to_string());
        let mut result = ServerResult::ListToolsResult(result);
        if !current_era {
            result.strip_result_type_for_legacy_peer();
        }
        // rmcp's own framing of the result, with the tools (its last field) spliced in.
        let frame = serde_json::to_vec(&ServerJsonRpcMessage::response(result, id)).ok()?;
        let head = frame.strip_suffix(b"[]}}")?;
        let mut line = Vec::with_capacity(head.len() + tools.len() + 3);
        line.extend_from_slice(head);
        line.extend_from_slice(&tools);
        line.extend_from_slice(b"}}\n");
        Some(line)
    }

    /// The tool index a `tools/list` cursor names (the first page without one).
    fn page_start(&self, cursor: Option<&str>) -> Option<usize> {
        match cursor {
            None => Some(0),
            Some(c) => c.parse().ok().filter(|&i| i < self.inner.api.tools.len()),
        }
    }
}

/// The principal of a request: over authenticated HTTP, the resource server put it in the
/// request's extensions; otherwise there is none.
fn principal_of(context: &RequestContext<RoleServer>) -> Option<&Principal> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>())
}

/// The caller of a request: its principal and the token that named it.
fn caller_of(context: &RequestContext<RoleServer>) -> Option<Caller<'_>> {
    caller_in(
        &context
            .extensions
            .get::<axum::http::request::Parts>()?
            .extensions,
    )
}

/// The caller the resource server put in an HTTP request's extensions, if any.
pub(crate) fn caller_in(extensions: &axum::http::Extensions) -> Option<Caller<'_>> {
    Some(Caller {
        principal: extensions.get::<Principal>()?,
        token: &extensions.get::<PresentedToken>()?.0,
    })
}

/// What a call's audit line says beyond its tool and arguments, gathered as the call runs.
#[derive(Default)]
struct Facts {
    denied: bool,
    rule: Option<String>,
    invalid_arguments: bool,
    credentials: Vec<CredentialUse>,
    upstream: Option<UpstreamCall>,
    database: Option<String>,
}

/// The host (and port) of a URL: what the audit trail keeps of it.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Never a `user:password@` a base URL may carry.
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_string()
}

/// A SQL tool's rows: as text for every client, and as `structuredContent`.
fn sql_result(rows: serde_json::Value) -> rmcp::model::CallToolResult {
    let text = serde_json::to_string(&rows).unwrap_or_default();
    let mut result =
        rmcp::model::CallToolResult::success(vec![rmcp::model::ContentBlock::text(text)]);
    result.structured_content = Some(rows);
    result
}

/// Where a `tools/list` page ends, the one rule both ways of listing follow: the page's
/// tools, without separators, stay within the page size, and a page always holds one tool.
struct PageCut {
    limit: usize,
    size: usize,
    count: usize,
}

impl PageCut {
    fn new(limit: usize) -> Self {
        PageCut {
            limit,
            size: 0,
            count: 0,
        }
    }

    /// Whether a tool of `size` bytes joins the page (it is counted if it does).
    fn takes(&mut self, size: usize) -> bool {
        if self.count > 0 && self.size + size > self.limit {
            return false;
        }
        self.size += size;
        self.count += 1;
        true
    }
}

/// Whether a tool has no output schema or an object one: what clients before 2026-07-28 take
/// (rmcp drops any other from their lists).
fn has_object_output(tool: &model::Tool) -> bool {
    tool.output_schema.as_ref().is_none_or(|schema| {
        schema.get("type").and_then(serde_json::Value::as_str) == Some("object")
    })
}

/// A writer that only counts.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let api = &self.inner.api;
        let mut info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("mcpgen", env!("CARGO_PKG_VERSION"))
                    .with_title(format!("{} (mcpgen)", api.title)),
            );
        if let Some(description) = &api.description {
            info = info.with_instructions(description.clone());
        }
        info
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let cursor = request.and_then(|r| r.cursor);
        self.tools_list(cursor.as_deref(), principal_of(&context))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        self.call_as(&request.name, args, caller_of(&context))
            .await
            .map(Into::into)
    }
}
