//! `mcpgen demo`: the sales example running on loopback in one command, so a newcomer sees
//! mcpgen work before writing anything.
//!
//! It seeds a SQLite sales warehouse, starts the Sales API (the real `sales-upstream` crate)
//! with a fresh API key, loads `specs/sales/mcpgen.yaml` (the API's OpenAPI document plus SQL
//! report tools), makes two sample calls, and serves the tools over Streamable HTTP until
//! Ctrl-C. Everything lives in a scratch folder that is removed on exit.

use crate::{load, read_credentials, table};
use mcpgen_codegen::LoadOptions;
use mcpgen_runtime::audit::{AuditLog, verify};
use mcpgen_runtime::credentials::Credentials;
use mcpgen_runtime::model::AuditSink;
use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The example's files, embedded so the demo also runs from an installed binary.
const FILES: [(&str, &str); 2] = [
    ("mcpgen.yaml", include_str!("../../specs/sales/mcpgen.yaml")),
    (
        "openapi.yaml",
        include_str!("../../specs/sales/openapi.yaml"),
    ),
];

/// The scratch folder, removed when the demo ends however it ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the demo; with `once`, stops after the sample calls instead of serving.
pub fn run(http: SocketAddr, once: bool) -> anyhow::Result<ExitCode> {
    let scratch = Scratch(std::env::temp_dir().join(format!("mcpgen-demo-{}", std::process::id())));
    let dir = &scratch.0;
    let warehouse = dir.join("warehouse.db");
    let api_key = fresh_key();
    let warehouse_url = format!("sqlite://{}", warehouse.display());
    // SAFETY: this is the first thing the demo does, before any thread exists (the runtime
    // and the seeding threads come later), so nothing can read the environment while it
    // changes. The project reads both variables, as it would in production.
    unsafe {
        std::env::set_var("SALES_API_KEY", &api_key);
        std::env::set_var("SALES_WAREHOUSE_URL", &warehouse_url);
    }
    std::fs::create_dir_all(dir)?;
    for (name, text) in FILES {
        std::fs::write(dir.join(name), text)?;
    }
    let started = std::time::Instant::now();
    let summary = sales_upstream::seed(&warehouse)?;
    println!(
        "Sales warehouse (SQLite): {summary}, seeded in {} ms",
        started.elapsed().as_millis()
    );
    mcpgen_runtime::launch::init_logs("warn");

    let project = dir.join("mcpgen.yaml");
    let mut outcome = load(&project, &LoadOptions::default());
    let Some(api) = outcome.api.take() else {
        outcome.place_all();
        crate::report::diagnostics(&outcome)?;
        anyhow::bail!("the sales example did not load");
    };
    let credentials = Credentials::new(&api, &read_credentials(None, &project)?)?;
    // The example keeps its trail in a file.
    let audit_file = match api.audit.as_ref().map(|a| &a.sink) {
        Some(AuditSink::File(file)) => Some(PathBuf::from(file)),
        _ => None,
    };
    let audit = match &audit_file {
        Some(file) => Some(std::sync::Arc::new(AuditLog::open(file, None)?)),
        None => None,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let upstream_url = format!("http://{}", listener.local_addr()?);
        let database = warehouse.clone();
        tokio::spawn(async move {
            if let Err(e) = sales_upstream::serve(listener, &database, api_key).await {
                eprintln!("mcpgen demo: the Sales API stopped: {e}");
            }
        });
        println!("Sales API (upstream):     {upstream_url} (X-API-Key required)");

        let options = ServeOptions {
            target: Target {
                base_url: Some(upstream_url.clone()),
                ..Target::default()
            },
            credentials: std::sync::Arc::new(credentials),
            audit,
            ..ServeOptions::default()
        };
        let server = McpServer::new(api, options);
        println!("\nTools ({}):", server.api().tools.len());
        table(&mut std::io::stdout(), server.api())?;

        sample(
            &server,
            "api_listRegions",
            json!({}),
            "a REST call; mcpgen adds the API key",
        )
        .await;
        let report = json!({"from": "2026-01-01", "to": "2026-06-30"});
        sample(
            &server,
            "revenue_by_region",
            report,
            "a SQL report with bound parameters",
        )
        .await;
        if let Some(file) = &audit_file {
            print_audit(file);
        }
        if once {
            return Ok(ExitCode::SUCCESS);
        }

        let (ready, bound) = tokio::sync::oneshot::channel();
        let stop = tokio_util::sync::CancellationToken::new();
        let serving = tokio::spawn(mcpgen_runtime::serve::serve_http(
            server,
            http,
            stop,
            Some(ready),
        ));
        if let Ok(addr) = bound.await {
            print_clients(addr, &upstream_url, &warehouse_url, &project);
            println!("\nServing until Ctrl-C.");
        }
        match serving.await? {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => {
                eprintln!("mcpgen demo: {e} (choose another address with --http 127.0.0.1:PORT)");
                Ok(ExitCode::FAILURE)
            }
        }
    })
}

/// Calls one tool and prints what the model would read.
async fn sample(server: &McpServer, tool: &str, args: Value, what: &str) {
    println!("\nSample call, {what}: {tool} {args}");
    let args = args.as_object().cloned().unwrap_or_default();
    match server.call(tool, args).await {
        Ok(result) => {
            let text = result
                .content
                .first()
                .and_then(|c| c.as_text())
                .map(|t| t.text.clone())
                .unwrap_or_default();
            let shown = serde_json::from_str::<Value>(&text)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(text);
            let lines: Vec<&str> = shown.lines().collect();
            for line in lines.iter().take(30) {
                println!("  {line}");
            }
            if lines.len() > 30 {
                println!("  ... ({} more lines)", lines.len() - 30);
            }
            if result.is_error == Some(true) {
                println!("  (a tool error)");
            }
        }
        Err(e) => println!("  failed: {}", e.message),
    }
}

/// The audit trail so far: verified, and its last line.
fn print_audit(file: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    match verify(&text, None) {
        Ok(verified) => println!(
            "\nAudit trail ({}): {} hash-chained lines, chain verified. The last one:",
            file.display(),
            verified.lines
        ),
        Err(e) => println!("\nAudit trail ({}): {e}", file.display()),
    }
    if let Some(last) = text.lines().last() {
        println!("  {last}");
    }
}

/// What to paste into a client to use the running demo.
fn print_clients(addr: SocketAddr, upstream_url: &str, warehouse_url: &str, project: &Path) {
    let url = format!("http://{addr}/mcp");
    println!("\nMCP server (Streamable HTTP): {url}");
    let remote = json!({ "mcpServers": { "sales": { "url": url } } });
    println!("\nCursor (~/.cursor/mcp.json) or any client that takes a URL:");
    println!(
        "{}",
        serde_json::to_string_pretty(&remote).unwrap_or_default()
    );
    let command = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "mcpgen".into());
    let local = json!({ "mcpServers": { "sales": {
        "command": command,
        "args": ["serve", project.display().to_string(), "--base-url", upstream_url],
        "env": {
            "SALES_API_KEY": std::env::var("SALES_API_KEY").unwrap_or_default(),
            "SALES_WAREHOUSE_URL": warehouse_url,
        }
    } } });
    println!("\nClaude Desktop (claude_desktop_config.json; stdio, works while the demo runs):");
    println!(
        "{}",
        serde_json::to_string_pretty(&local).unwrap_or_default()
    );
}

/// A demo API key: unpredictable enough for a loopback server that lives minutes.
fn fresh_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut hasher = state.build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.write_u32(std::process::id());
    let second = state.hash_one(hasher.finish());
    format!("demo-{:016x}{:016x}", hasher.finish(), second)
}
