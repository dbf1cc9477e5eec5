//! What serving through mcpgen costs over calling the API directly, on loopback over HTTP.
//!
//! A small axum upstream answers `GET /pets/{id}` with a JSON object. The same call is made
//! directly (reqwest) and as an MCP `tools/call` through `mcpgen serve --http` (rmcp's own
//! Streamable HTTP client, protocol 2026-07-28). Prints p50/p99 of both and the difference
//! (the latency mcpgen adds), then calls per second with 1, 8 and 64 concurrent clients.
//!
//! Run with `cargo bench -p mcpgen-tests --bench http`.

use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use rmcp::model::{CallToolRequestParams, ClientConfig, ProtocolVersion};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, ClientLifecycleMode, ClientServiceExt};
use std::time::{Duration, Instant};

const SPEC: &str = r#"
openapi: 3.1.0
info: {title: Bench, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema:
                type: object
                properties: {id: {type: integer}, name: {type: string}}
"#;

#[derive(Clone)]
struct Client;

impl ClientHandler for Client {
    fn get_info(&self) -> ClientConfig {
        let mut info = ClientConfig::default();
        info.protocol_version = ProtocolVersion::V_2026_07_28;
        info
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let samples: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);

    // The upstream.
    let app = axum::Router::new().route(
        "/pets/{id}",
        axum::routing::get(
            |axum::extract::Path(id): axum::extract::Path<u64>| async move {
                axum::Json(serde_json::json!({"id": id, "name": "Rex"}))
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // mcpgen, serving the document over HTTP.
    let dir = std::env::temp_dir().join(format!("mcpgen-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("bench.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let api = mcpgen_codegen::load(&spec, &Default::default())
        .api
        .expect("the bench document loads");
    let options = ServeOptions {
        target: Target {
            base_url: Some(format!("http://{upstream}")),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = McpServer::new(api, options);
    let (ready, bound) = tokio::sync::oneshot::channel();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(mcpgen_runtime::serve::serve_http(
        server,
        "127.0.0.1:0".parse().unwrap(),
        stop.clone(),
        Some(ready),
    ));
    let mcp_url = format!("http://{}/mcp", bound.await.unwrap());

    // Direct calls.
    let http = reqwest::Client::new();
    let direct_url = format!("http://{upstream}/pets/7");
    for _ in 0..200 {
        http.get(&direct_url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    let mut direct = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        http.get(&direct_url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        direct.push(started.elapsed());
    }
    direct.sort();

    // The same call through mcpgen.
    let connect = || async {
        Client
            .serve_with_lifecycle(
                StreamableHttpClientTransport::from_uri(mcp_url.clone()),
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .expect("the client connects")
    };
    let call = || {
        let mut args = serde_json::Map::new();
        args.insert("id".into(), 7.into());
        CallToolRequestParams::new("getPet").with_arguments(args)
    };
    let client = connect().await;
    for _ in 0..200 {
        let r = client.call_tool(call()).await.unwrap();
        assert_ne!(r.is_error, Some(true), "{r:?}");
    }
    let mut through = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        client.call_tool(call()).await.unwrap();
        through.push(started.elapsed());
    }
    through.sort();

    // The same call as a bare JSON-RPC POST (2026-07-28 is stateless): the server's own cost,
    // without the rmcp client's, which shares these two cores with the server.
    let raw_body =
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "getPet", "arguments": {"id": 7},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"}}}})
        .to_string();
    let raw = {
        let mcp_url = mcp_url.clone();
        let raw_body = raw_body.clone();
        move |http: reqwest::Client| {
            let url = mcp_url.clone();
            let body = raw_body.clone();
            async move {
                let reply = http
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("MCP-Protocol-Version", "2026-07-28")
                    .header("Mcp-Method", "tools/call")
                    .header("Mcp-Name", "getPet")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert!(reply.contains("Rex"), "{reply}");
            }
        }
    };
    for _ in 0..200 {
        raw(http.clone()).await;
    }
    let mut bare = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        raw(http.clone()).await;
        bare.push(started.elapsed());
    }
    bare.sort();

    println!("{:<28} {:>10} {:>10}", "one call on loopback", "p50", "p99");
    println!(
        "{:<28} {:>10} {:>10}",
        "direct to the upstream",
        us(percentile(&direct, 0.5)),
        us(percentile(&direct, 0.99))
    );
    println!(
        "{:<28} {:>10} {:>10}",
        "MCP tools/call via mcpgen",
        us(percentile(&through, 0.5)),
        us(percentile(&through, 0.99))
    );
    println!(
        "{:<28} {:>10} {:>10}",
        "bare JSON-RPC POST",
        us(percentile(&bare, 0.5)),
        us(percentile(&bare, 0.99))
    );
    println!(
        "{:<28} {:>10} {:>10}",
        "added by mcpgen (bare POST)",
        us(percentile(&bare, 0.5).saturating_sub(percentile(&direct, 0.5))),
        us(percentile(&bare, 0.99).saturating_sub(percentile(&direct, 0.99)))
    );
    println!(
        "{:<28} {:>10} {:>10}",
        "added (with rmcp client)",
        us(percentile(&through, 0.5).saturating_sub(percentile(&direct, 0.5))),
        us(percentile(&through, 0.99).saturating_sub(percentile(&direct, 0.99)))
    );

    // Throughput: N clients calling in a loop for a fixed time.
    println!();
    println!("{:<28} {:>10}", "concurrent MCP clients", "calls/s");
    for clients in [1usize, 8, 64] {
        let mut connected = Vec::new();
        for _ in 0..clients {
            connected.push(connect().await);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for client in connected {
            tasks.push(tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let mut args = serde_json::Map::new();
                    args.insert("id".into(), 7.into());
                    client
                        .call_tool(CallToolRequestParams::new("getPet").with_arguments(args))
                        .await
                        .unwrap();
                    done += 1;
                }
                done
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        println!(
            "{:<28} {:>10.0}",
            clients,
            total as f64 / started.elapsed().as_secs_f64()
        );
    }
    println!();
    println!("{:<28} {:>10}", "concurrent bare POST clients", "calls/s");
    for clients in [1usize, 8, 64] {
        let deadline = Instant::now() + Duration::from_secs(3);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let raw = raw.clone();
            let http = http.clone();
            tasks.push(tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    raw(http.clone()).await;
                    done += 1;
                }
                done
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        println!(
            "{:<28} {:>10.0}",
            clients,
            total as f64 / started.elapsed().as_secs_f64()
        );
    }
    stop.cancel();
    let _ = std::fs::remove_dir_all(dir);
}
