//! Independent MCP clients hold `mcpgen serve` up: the official Python SDK (`mcp_probe.py
//! check`, the checks strict clients apply) over stdio and Streamable HTTP in both protocol
//! eras for every corpus document, and the official TypeScript SDK listing and calling tools.
//!
//! The clients are installed by `tests/run-all.sh`, which sets `MCPGEN_TEST_TOOLS`; without it
//! these tests say so and pass, unless `CI` is set (then they fail).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

fn tools_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("MCPGEN_TEST_TOOLS") {
        Some(dir) => Some(PathBuf::from(dir)),
        None if std::env::var_os("CI").is_some() => {
            panic!("{test}: MCPGEN_TEST_TOOLS is not set; run `bash tests/run-all.sh`")
        }
        None => {
            eprintln!(
                "{test}: skipped (MCPGEN_TEST_TOOLS not set; `bash tests/run-all.sh` sets it)"
            );
            None
        }
    }
}

fn path_with_node(tools: &Path) -> std::ffi::OsString {
    let mut paths = vec![tools.join("venv/bin")];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// Every document of the corpus that has operations, relative to `specs/` (a webhooks-only
/// document serves no tools, which the probe rightly counts as a failure).
fn corpus() -> Vec<String> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(specs().join("corpus/corpus.json")).unwrap())
            .unwrap();
    index
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operations"].as_u64() > Some(0))
        .map(|e| format!("corpus/{}", e["root"].as_str().unwrap()))
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process (and its process group) killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

fn spawn(mut command: Command) -> Running {
    Running(
        command
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts"),
    )
}

fn mcpgen_serve(doc: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcpgen"));
    command
        .arg("serve")
        .args(extra)
        .arg(doc)
        .current_dir(specs())
        .env("MCPGEN_LOG", "warn");
    command
}

/// Runs the Python probe's `check` against one server; returns a failure description.
fn probe(tools: &Path, mode: &str, server: &[String]) -> Option<String> {
    let output: Output = Command::new(tools.join("venv/bin/python"))
        .arg(tools.join("mcp_probe.py"))
        .args(["--mode", mode, "--timeout", "120", "check"])
        .args(server)
        .current_dir(specs())
        .output()
        .expect("the probe runs");
    (!output.status.success()).then(|| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Runs `job` for every item on two threads (the machine has two cores), collecting failures.
fn in_parallel<T: Sync>(items: &[T], job: impl Fn(&T) -> Option<String> + Sync) -> Vec<String> {
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    if let Some(failure) = job(item) {
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

#[test]
fn python_sdk_accepts_every_corpus_document_over_stdio_in_both_eras() {
    let Some(tools) = tools_dir("python stdio") else {
        return;
    };
    let cases: Vec<(String, &str)> = corpus()
        .into_iter()
        .flat_map(|doc| [(doc.clone(), "legacy"), (doc, "2026-07-28")])
        .collect();
    let failures = in_parallel(&cases, |(doc, mode)| {
        let server = vec![
            "--".into(),
            env!("CARGO_BIN_EXE_mcpgen").into(),
            "serve".into(),
            doc.clone(),
        ];
        probe(&tools, mode, &server).map(|f| format!("{doc} ({mode}, stdio): {f}"))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn python_sdk_accepts_every_corpus_document_over_http_in_both_eras() {
    let Some(tools) = tools_dir("python http") else {
        return;
    };
    let failures = in_parallel(&corpus(), |doc| {
        let port = free_port();
        let _server = spawn(mcpgen_serve(doc, &["--http", &format!("127.0.0.1:{port}")]));
        wait_for_port(port, doc);
        let url = format!("http://127.0.0.1:{port}/mcp");
        let mut failures = Vec::new();
        for mode in ["legacy", "2026-07-28"] {
            if let Some(f) = probe(&tools, mode, &["--http".into(), url.clone()]) {
                failures.push(format!("{doc} ({mode}, http): {f}"));
            }
        }
        (!failures.is_empty()).then(|| failures.join("\n\n"))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn typescript_sdk_lists_and_calls_over_stdio_and_http() {
    let Some(tools) = tools_dir("typescript") else {
        return;
    };
    let doc = "corpus/oai-examples/v3.0/petstore.yaml";
    // Prism serves the document's examples, so the call succeeds with structured content the
    // TypeScript SDK checks against the output schema.
    let prism_port = free_port();
    let mut prism = Command::new(tools.join("node_modules/.bin/prism"));
    prism
        .args([
            "mock",
            "--host",
            "127.0.0.1",
            "-p",
            &prism_port.to_string(),
            doc,
        ])
        .current_dir(specs())
        .env("PATH", path_with_node(&tools));
    let _prism = spawn(prism);
    wait_for_port(prism_port, "prism");
    let base = format!("http://127.0.0.1:{prism_port}");

    let client = |target: &[&str]| -> serde_json::Value {
        let output = Command::new(tools.join("venv/bin/node"))
            .arg(tools.join("ts_client.mjs"))
            .args(["--call", "listPets", r#"{"limit": 2}"#])
            .args(target)
            .current_dir(specs())
            .env("PATH", path_with_node(&tools))
            .output()
            .expect("node runs");
        assert!(
            output.status.success(),
            "ts client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("one JSON line")
    };
    let check = |seen: serde_json::Value, how: &str| {
        assert_eq!(seen["tools"], 3, "{how}: {seen}");
        assert_eq!(
            seen["names"],
            serde_json::json!(["listPets", "createPets", "showPetById"]),
            "{how}"
        );
        let result = &seen["result"];
        assert_ne!(result["isError"], true, "{how}: {result}");
        assert!(
            result["structuredContent"]["result"].is_array(),
            "{how}: the array result is wrapped: {result}"
        );
    };

    let stdio = client(&[
        "--",
        env!("CARGO_BIN_EXE_mcpgen"),
        "serve",
        "--base-url",
        &base,
        doc,
    ]);
    check(stdio, "stdio");

    let port = free_port();
    let _server = spawn(mcpgen_serve(
        doc,
        &["--http", &format!("127.0.0.1:{port}"), "--base-url", &base],
    ));
    wait_for_port(port, "mcpgen serve --http");
    let http = client(&["--http", &format!("http://127.0.0.1:{port}/mcp")]);
    check(http, "http");
}

/// Calls one tool through the Python SDK over Streamable HTTP; the result as JSON.
fn sdk_call(tools: &Path, url: &str, tool: &str, args: serde_json::Value) -> serde_json::Value {
    let output = Command::new(tools.join("venv/bin/python"))
        .arg(tools.join("mcp_probe.py"))
        .args(["--http", url, "call", tool])
        .arg(args.to_string())
        .output()
        .expect("the probe runs");
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the probe prints the result as JSON")
}

/// The sales example end to end, as a newcomer runs it: the real Sales API (which refuses
/// calls without its key) and the seeded SQLite warehouse behind `mcpgen serve
/// specs/sales/mcpgen.yaml`, called by the official Python SDK.
#[test]
fn python_sdk_uses_the_sales_example() {
    let Some(tools) = tools_dir("sales example") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mcpgen-sales-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let warehouse = dir.join("warehouse.db");
    let seeded = sales_upstream::seed(&warehouse).expect("the warehouse seeds");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    let api_key = format!("sales-key-{}-Zq7", std::process::id());
    let (database, key) = (warehouse.clone(), api_key.clone());
    runtime.spawn(async move { sales_upstream::serve(listener, &database, key).await });

    let port = free_port();
    let mut serve = mcpgen_serve(
        "sales/mcpgen.yaml",
        &[
            "--http",
            &format!("127.0.0.1:{port}"),
            "--base-url",
            &upstream,
            "--audit",
            &dir.join("audit.jsonl").display().to_string(),
        ],
    );
    serve.env("SALES_API_KEY", &api_key).env(
        "SALES_WAREHOUSE_URL",
        format!("sqlite://{}", warehouse.display()),
    );
    let _server = spawn(serve);
    wait_for_port(port, "mcpgen serve specs/sales/mcpgen.yaml");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let call = |tool: &str, args: serde_json::Value| {
        let result = sdk_call(&tools, &url, tool, args);
        assert!(
            !result.to_string().contains(&api_key),
            "the API key reached the client: {result}"
        );
        result
    };

    // A REST call: the Sales API answers only because mcpgen added the key.
    let customer = call("api_getCustomer", serde_json::json!({"customerId": 7}));
    assert_ne!(customer["isError"], true, "{customer}");
    assert_eq!(customer["structuredContent"]["id"], 7, "{customer}");

    // A SQL report with bound parameters, checked against the warehouse directly.
    let (from, to) = ("2026-01-01", "2026-06-30");
    let report = call(
        "revenue_by_region",
        serde_json::json!({"from": from, "to": to}),
    );
    assert_ne!(report["isError"], true, "{report}");
    let direct = |sql: &str| -> i64 {
        runtime.block_on(async {
            use sqlx::Connection;
            let url = format!("sqlite://{}", warehouse.display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_one(&mut conn)
                .await
                .unwrap()
        })
    };
    let rows = report["structuredContent"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "one row per region: {report}");
    for row in rows {
        let region = row["region"].as_str().unwrap();
        assert!(region.chars().all(|c| c.is_ascii_uppercase()), "{region}");
        let expected = direct(&format!(
            "SELECT COALESCE(SUM(total_cents), 0) FROM orders WHERE region_id = '{region}' \
             AND status IN ('paid', 'shipped') AND ordered_at >= '{from}' AND ordered_at <= '{to}'"
        ));
        assert_eq!(row["revenue_cents"], expected, "{region}: {row}");
    }
    let top = call(
        "top_products",
        serde_json::json!({"from": from, "to": to, "region": "EMEA", "limit": 3}),
    );
    assert_eq!(
        top["structuredContent"]["rows"].as_array().unwrap().len(),
        3,
        "{top}"
    );

    // Injection attempts through a parameter are plain values: they match nothing and change
    // nothing, in the SQL tools and in the API alike.
    for hostile in [
        "x' OR '1'='1",
        "%' OR 1=1 --",
        "'; DROP TABLE customers; --",
        "') UNION SELECT 1, sql, name, 'x', 'y', 0, 0 FROM sqlite_master --",
    ] {
        let found = call("customers_by_name", serde_json::json!({"name": hostile}));
        assert_eq!(
            found["structuredContent"]["rows"],
            serde_json::json!([]),
            "{hostile}: {found}"
        );
        let listed = call("api_listCustomers", serde_json::json!({"q": hostile}));
        assert_ne!(listed["isError"], true, "{listed}");
        assert!(
            !listed["content"][0]["text"].as_str().unwrap().contains("@"),
            "{hostile}: {listed}"
        );
    }
    assert_eq!(direct("SELECT COUNT(*) FROM customers"), seeded.customers);
    assert_eq!(direct("SELECT COUNT(*) FROM orders"), seeded.orders);
    let found = call("customers_by_name", serde_json::json!({"name": "a"}));
    assert!(
        !found["structuredContent"]["rows"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Every call is in the audit trail, its chain intact, and the key is not.
    let trail = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(!trail.contains(&api_key));
    assert!(trail.contains("\"database\":\"warehouse\""), "{trail}");
    assert!(
        trail.contains("\"credentials\":[{\"scheme\":\"api_key\",\"source\":\"env\"}]"),
        "{trail}"
    );
    let verified = mcpgen_runtime::audit::verify(&trail, None).expect("the chain holds");
    assert_eq!(verified.lines, 3 + 2 * 4 + 1, "one line per call");
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
}
