//! Cold start of the `mcpgen` binary to a complete tools/list: the process starts, loads the
//! document, builds every tool and writes the whole `tools/list` result, then exits. Prints
//! the median wall time and the peak RSS for the largest real documents.
//!
//! Two ways: `list --json` (load, build, write the whole list) and `serve` over stdio with a
//! minimal JSON-RPC client (initialize, then every `tools/list` page until the last), which is
//! what an MCP client waits for before its first call.
//!
//! Run with `cargo bench -p mcpgen --bench cold_start` (a release build).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the command to completion; returns its wall time and peak resident set in KiB.
// The child is reaped by `wait4`, which also reports its peak memory; `Child::wait` cannot.
#[allow(clippy::zombie_processes)]
fn run(spec: &Path) -> (Duration, i64) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .args(["list", "--json", "--tools", "all"])
        .arg(spec)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mcpgen starts");
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; the pid is our own child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "mcpgen failed on {}",
        spec.display()
    );
    (elapsed, usage.ru_maxrss)
}

/// What the benchmark reads of a `tools/list` reply (the tools are checked for shape by the
/// tests; here they are only counted, as cheaply as a client could).
#[derive(serde::Deserialize)]
struct Reply {
    result: ListResult,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListResult {
    tools: Vec<serde::de::IgnoredAny>,
    next_cursor: Option<String>,
}

/// Starts `mcpgen serve` on stdio, initializes, reads every tools/list page, closes stdin and
/// reaps the process. Returns the time to the last page, the tools and bytes listed, and the
/// peak RSS in KiB.
#[allow(clippy::zombie_processes)]
fn serve_stdio(spec: &Path) -> (Duration, usize, usize, i64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .arg("serve")
        .arg(spec)
        // Every tool, not the discovery tools `auto` offers for a large API: the figure is
        // the cost of a complete list.
        .args(["--tools", "all"])
        .env("MCPGEN_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mcpgen starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut send = move |message: serde_json::Value| {
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    };
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}),
    );
    stdout.read_line(&mut line).unwrap();
    send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let (mut tools, mut bytes, mut cursor, mut id) = (0, 0, None::<String>, 1);
    loop {
        let params = match &cursor {
            Some(c) => serde_json::json!({"cursor": c}),
            None => serde_json::json!({}),
        };
        send(
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": params}),
        );
        id += 1;
        line.clear();
        stdout.read_line(&mut line).unwrap();
        bytes += line.len();
        let reply: Reply = serde_json::from_str(&line).expect("a tools/list reply");
        tools += reply.result.tools.len();
        cursor = reply.result.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let elapsed = started.elapsed();
    drop(send); // closes stdin: the server sees EOF and exits
    let mut status = 0;
    // SAFETY: as in `run`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    (elapsed, tools, bytes, usage.ru_maxrss)
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/corpus");
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    // BENCH_ONLY=github measures one document (for comparing two builds run after run).
    let only = std::env::var("BENCH_ONLY").ok();
    let chosen = |id: &str| only.as_deref().is_none_or(|o| o == id);
    println!(
        "{:<12} {:>12} {:>12} {:>14}",
        "document", "median", "best", "peak RSS"
    );
    for (id, file) in [
        ("github", "github/api.github.com.json"),
        ("kubernetes", "kubernetes/swagger.json"),
        ("sendgrid", "sendgrid/oai.yaml"),
        ("slack", "slack/slack_web_openapi_v2.json"),
        ("petstore3", "swagger-petstore3/openapi.yaml"),
    ] {
        if !chosen(id) {
            continue;
        }
        let spec = corpus.join(file);
        run(&spec); // warm the page cache: the figure is the process's own cost
        let mut times = Vec::new();
        let mut peak = 0;
        for _ in 0..runs {
            let (time, rss) = run(&spec);
            times.push(time);
            peak = peak.max(rss);
        }
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:<12} {:>12} {:>12} {:>11.1} MB",
            id,
            ms(times[runs / 2]),
            ms(times[0]),
            peak as f64 / 1024.0
        );
    }

    println!();
    println!("serve over stdio: start -> initialize -> every tools/list page");
    println!(
        "{:<12} {:>12} {:>12} {:>14} {:>8} {:>12}",
        "document", "median", "best", "peak RSS", "tools", "list bytes"
    );
    for (id, file) in [
        ("github", "github/api.github.com.json"),
        ("kubernetes", "kubernetes/swagger.json"),
        ("petstore3", "swagger-petstore3/openapi.yaml"),
    ] {
        if !chosen(id) {
            continue;
        }
        let spec = corpus.join(file);
        serve_stdio(&spec);
        let mut times = Vec::new();
        let (mut peak, mut tools, mut bytes) = (0, 0, 0);
        for _ in 0..runs {
            let (time, n, b, rss) = serve_stdio(&spec);
            times.push(time);
            peak = peak.max(rss);
            (tools, bytes) = (n, b);
        }
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:<12} {:>12} {:>12} {:>11.1} MB {:>8} {:>12}",
            id,
            ms(times[runs / 2]),
            ms(times[0]),
            peak as f64 / 1024.0,
            tools,
            bytes
        );
    }
}
