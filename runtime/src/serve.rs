//! Running an [`McpServer`] over stdio or Streamable HTTP until the client leaves or the
//! process is told to stop (SIGINT, SIGTERM).

use crate::auth::ResourceServer;
use crate::server::McpServer;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

mod direct_call;
mod direct_list;

/// Whether a request carries its own complete 2026-07-28 metadata, as a stateless request
/// does: what the direct paths answer (rmcp judges any other version).
fn stateless_2026_07_28(meta: &rmcp::model::RequestMetaObject) -> bool {
    let version = rmcp::model::ProtocolVersion::V_2026_07_28;
    meta.protocol_version() == Some(version.clone())
        && meta.missing_required_keys(&version).is_empty()
}

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The MCP session could not start.
    #[error("cannot start the MCP session: {0}")]
    Start(String),
    /// The address cannot be listened on (or may not be, without authentication).
    #[error("{0}")]
    Listen(String),
    /// The server stopped unexpectedly.
    #[error("the server stopped: {0}")]
    Stopped(String),
}

/// Serves over stdin/stdout until stdin closes or a signal arrives.
pub async fn serve_stdio(server: McpServer) -> Result<(), ServeError> {
    serve_io(server, rmcp::transport::stdio()).await
}

/// Serves over any byte stream pair (stdio, a pipe, an in-memory duplex in tests) until the
/// peer closes it or a signal arrives.
pub async fn serve_io<R, W>(server: McpServer, io: (R, W)) -> Result<(), ServeError>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let (transport, writer) = direct_list::DirectStdio::new(server.clone(), io.0, io.1);
    let outcome = match server.serve(transport).await {
        Ok(running) => {
            let token = running.cancellation_token();
            tokio::select! {
                quit = running.waiting() => {
                    quit.map(|_| ()).map_err(|e| ServeError::Stopped(e.to_string()))
                }
                () = shutdown_signal() => {
                    tracing::info!("signal received, shutting down");
                    token.cancel();
                    Ok(())
                }
            }
        }
        Err(e) => Err(ServeError::Start(e.to_string())),
    };
    // Every answer already given (a refused `initialize` too) reaches the client before this
    // returns: the writer ends once the session has dropped the transport.
    if tokio::time::timeout(std::time::Duration::from_secs(5), writer)
        .await
        .is_err()
    {
        tracing::warn!("gave up writing the last answers to the client");
    }
    outcome
}

/// Serves Streamable HTTP at `/mcp` on `addr` until a signal arrives (or `stop` is
/// cancelled). Without authentication only loopback addresses are allowed. `ready` learns the
/// bound address (useful with port 0).
pub async fn serve_http(
    server: McpServer,
    addr: SocketAddr,
    stop: CancellationToken,
    ready: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> Result<(), ServeError> {
    serve_http_with_auth(server, addr, stop, ready, None).await
}

/// [`serve_http`] behind an OAuth 2.1 resource server: every request to `/mcp` needs an
/// access token for this server, and the RFC 9728 metadata is served at
/// `/.well-known/oauth-protected-resource` (plain and path-suffixed). With `auth`, any
/// address may be listened on.
pub async fn serve_http_with_auth(
    server: McpServer,
    addr: SocketAddr,
    stop: CancellationToken,
    ready: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
    auth: Option<Arc<ResourceServer>>,
) -> Result<(), ServeError> {
    if auth.is_none() && !addr.ip().is_loopback() {
        return Err(ServeError::Listen(format!(
            "refusing to listen on {addr}: without authentication mcpgen serves HTTP on loopback only; use 127.0.0.1:{}",
            addr.port()
        )));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Listen(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| ServeError::Listen(e.to_string()))?;
    // Plain JSON answers where no stream is needed: cheaper for every call than SSE framing.
    let mut config = StreamableHttpServerConfig::default()
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_cancellation_token(stop.child_token());
    if auth.is_some() {
        // rmcp's default Host allowlist (loopback names) guards an unauthenticated local
        // server against DNS rebinding. Behind the resource server every request needs an
        // access token a rebinding page cannot have, and clients reach it by its public name.
        config = config.disable_allowed_hosts();
    }
    let direct = Arc::new(direct_call::DirectCalls::new(
        server.clone(),
        &config.allowed_hosts,
    ));
    let service: StreamableHttpService<McpServer, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(server.clone()), Default::default(), config);
    // A route layer: the direct path answers at `/mcp` only, never for an unknown path.
    let mut router = axum::Router::new()
        .nest_service("/mcp", service)
        .route_layer(axum::middleware::from_fn_with_state(
            direct,
            direct_call::answer,
        ));
    if let Some(auth) = auth {
        let metadata = auth.metadata().to_string();
        // The path-suffixed form follows the resource's own path (RFC 9728 section 3.1).
        let suffixed = auth
            .metadata_url()
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .map(|path| {
                path.split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_else(|| "/.well-known/oauth-protected-resource/mcp".into());
        let document = move || {
            let metadata = metadata.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], metadata) }
        };
        router = router
            .layer(axum::middleware::from_fn_with_state(auth, require_token))
            .route(
                "/.well-known/oauth-protected-resource",
                axum::routing::get(document.clone()),
            );
        if suffixed != "/.well-known/oauth-protected-resource" {
            router = router.route(&suffixed, axum::routing::get(document));
        }
    }
    tracing::info!("serving MCP over Streamable HTTP at http://{bound}/mcp");
    if let Some(ready) = ready {
        let _ = ready.send(bound);
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown_signal() => tracing::info!("signal received, shutting down"),
                () = stop.cancelled() => {}
            }
        })
        .await
        .map_err(|e| ServeError::Stopped(e.to_string()))
}

/// Lets a request through to `/mcp` only with a valid access token, and hands the principal
/// it names to the MCP server (through the request's extensions); otherwise answers 401 or
/// 403 with the `WWW-Authenticate` challenge that leads the client to the metadata.
async fn require_token(
    State(auth): State<Arc<ResourceServer>>,
    mut request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match auth.authenticate(authorization).await {
        Ok(principal) => {
            let token = authorization.and_then(ResourceServer::presented_token);
            request.extensions_mut().insert(principal);
            if let Some(token) = token {
                request.extensions_mut().insert(token);
            }
            next.run(request).await
        }
        Err(mut refusal) => {
            // The description may quote the caller's token header: no control characters in
            // logs or headers.
            refusal.description.retain(|c| !c.is_control());
            let tool = request
                .headers()
                .get("mcp-name")
                .and_then(|v| v.to_str().ok());
            auth.record_refusal(&refusal, tool);
            tracing::info!(status = refusal.status, reason = %refusal.description, "request refused");
            let body = serde_json::json!({
                "error": refusal.error.unwrap_or("invalid_request"),
                "error_description": refusal.description,
            });
            let mut response = Response::new(axum::body::Body::from(body.to_string()));
            *response.status_mut() =
                StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::UNAUTHORIZED);
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if refusal.status != 503
                && let Ok(value) = HeaderValue::from_str(&auth.challenge(&refusal))
            {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
