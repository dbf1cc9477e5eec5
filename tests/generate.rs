//! `mcpgen generate`: the crates in `generated/` are exactly what the generator writes today,
//! their code is snapshotted for review, and each generated server behaves like `mcpgen
//! serve` on the same document: identical tools/list, byte-identical upstream requests and
//! identical results (credentials and errors included).
//!
//! `MCPGEN_UPDATE_GENERATED=1 cargo test -p mcpgen-tests generate` rewrites `generated/` after
//! a deliberate change.

use crate::prism::arguments;
use crate::serve::Upstream;
use mcpgen_codegen::LoadOptions;
use mcpgen_codegen::generate::{Files, Source, Target, generate};
use mcpgen_runtime::credentials::CredentialsConfig;
use mcpgen_runtime::model::Api;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One crate of `generated/`: where it comes from, and the credentials section it embeds.
struct Generated {
    spec: &'static str,
    dir: &'static str,
    credentials: Option<&'static str>,
}

const CRATES: [Generated; 4] = [
    Generated {
        spec: "specs/corpus/swagger-petstore3/openapi.yaml",
        dir: "petstore",
        credentials: petstore_mcp::CREDENTIALS,
    },
    Generated {
        spec: "specs/sales/mcpgen.yaml",
        dir: "sales",
        credentials: sales_mcp::CREDENTIALS,
    },
    Generated {
        spec: "specs/corpus/readme-oas-examples/3.0/yaml/security.yaml",
        dir: "security",
        credentials: security_mcp::CREDENTIALS,
    },
    Generated {
        spec: "specs/corpus/slack/slack_web_openapi_v2.json",
        dir: "slack",
        credentials: slack_mcp::CREDENTIALS,
    },
];

/// The repository root, relative to the tests' working folder.
fn root() -> PathBuf {
    PathBuf::from("..")
}

/// The model `mcpgen serve SPEC` runs.
fn served_api(spec: &str) -> Api {
    let outcome = mcpgen_codegen::project::load_any(&root().join(spec), &LoadOptions::default());
    outcome
        .api
        .unwrap_or_else(|| panic!("{spec} loads: {:?}", outcome.diagnostics))
}

/// What `mcpgen generate SPEC -o generated/DIR --name DIR-mcp` writes.
fn generated_files(entry: &Generated) -> Files {
    let spec = root().join(entry.spec);
    let source = Source::new(&spec, served_api(entry.spec))
        .expect("the source reads")
        .with_label(entry.spec);
    let target = Target {
        crate_name: format!("{}-mcp", entry.dir),
        output_label: format!("generated/{}", entry.dir),
    };
    generate(&source, &target).expect("the crate generates")
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, base, out);
        } else {
            let relative = path.strip_prefix(base).expect("under base");
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn generated_crates_are_what_the_generator_writes() {
    let update = std::env::var_os("MCPGEN_UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for entry in &CRATES {
        let files = generated_files(entry);
        let dir = root().join("generated").join(entry.dir);
        if update {
            files.write(&dir).expect("generated/ is writable");
            continue;
        }
        let mut on_disk = Vec::new();
        files_under(&dir, &dir, &mut on_disk);
        for (path, text) in &files.0 {
            match std::fs::read_to_string(dir.join(path)) {
                Ok(old) if old == *text => {}
                Ok(old) => {
                    let line = old
                        .lines()
                        .zip(text.lines())
                        .position(|(a, b)| a != b)
                        .map_or(old.lines().count().min(text.lines().count()), |i| i);
                    stale.push(format!(
                        "generated/{}/{path} differs from line {}",
                        entry.dir,
                        line + 1
                    ));
                }
                Err(_) => stale.push(format!("generated/{}/{path} is missing", entry.dir)),
            }
        }
        for path in on_disk {
            if !files.0.iter().any(|(p, _)| *p == path) {
                stale.push(format!(
                    "generated/{}/{path} is no longer generated",
                    entry.dir
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated/ is out of date; run `MCPGEN_UPDATE_GENERATED=1 cargo test -p mcpgen-tests generate` and review the diff:\n{}",
        stale.join("\n")
    );
}

#[test]
fn generated_code_of_the_small_documents() {
    for entry in CRATES.iter().filter(|e| e.dir != "slack") {
        for (path, text) in generated_files(entry).0 {
            if path.starts_with("src/runtime/") || path == "src/api.json" || path == "Cargo.lock" {
                continue;
            }
            // The definitions are the model, snapshotted elsewhere; the code around them is
            // what a reviewer reads here.
            let code = hide_definitions(&text);
            insta::assert_snapshot!(format!("generate__{}__{}", entry.dir, path), code);
        }
    }
}

/// `DEFINITION` raw strings shortened to their first line.
fn hide_definitions(text: &str) -> String {
    let mut out = String::new();
    let mut skipping: Option<String> = None;
    for line in text.lines() {
        if let Some(end) = &skipping {
            if line.trim_end().ends_with(end.as_str()) {
                out.push_str("  ...\n");
                out.push_str(line.trim_start_matches(|c| c != '}'));
                out.push('\n');
                skipping = None;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if let Some(at) = line.find("DEFINITION: &str = r") {
            let hashes: String = line[at + 20..].chars().take_while(|&c| c == '#').collect();
            skipping = Some(format!("\"{hashes};"));
        }
    }
    out
}

/// A credentials section where every scheme reads a file holding a made-up secret, so both
/// servers sign with the same values.
fn test_credentials(api: &Api, folder: &Path) -> String {
    let mut lines = vec!["credentials:".to_string()];
    for name in api.security_schemes.keys() {
        let file = folder.join(format!("{name}.secret"));
        std::fs::write(&file, format!("user-{name}:secret-{name}")).expect("temp is writable");
        lines.push(format!(
            "  {name}: {{ file: {:?} }}",
            file.display().to_string()
        ));
    }
    if lines.len() == 1 {
        lines[0].push_str(" {}");
    }
    lines.join("\n")
}

/// A server running one copy of the runtime: mcpgen's own, or a generated crate's.
trait Server {
    /// The whole tools/list, serialized.
    fn list(&self) -> String;
    /// One `tools/call`, its result as JSON.
    fn call<'a>(&'a self, tool: &'a str, args: Map<String, Value>) -> BoxFuture<'a, Value>;
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Starts a server on the runtime at path `$rt` (its own types: a generated crate embeds its
/// copy of the runtime's modules) for the model `$api`.
macro_rules! start {
    ($($rt:ident)::+, $api:expr, $base:expr, $credentials:expr, $arguments:expr) => {{
        use $($rt)::+ as rt;
        struct Running(rt::server::McpServer);
        impl Server for Running {
            fn list(&self) -> String {
                serde_json::to_string(&rt::tools_list::ToolsListView(self.0.api()))
                    .expect("tools serialize")
            }
            fn call<'a>(&'a self, tool: &'a str, args: Map<String, Value>) -> BoxFuture<'a, Value> {
                Box::pin(async move { result_json(self.0.call(tool, args).await) })
            }
        }
        let api: rt::model::Api = $api;
        let config =
            rt::credentials::CredentialsConfig::parse($credentials, "test credentials", Path::new("."))
                .expect("the test credentials parse");
        let credentials =
            rt::credentials::Credentials::new(&api, &config).expect("the credentials fit");
        let options = rt::server::ServeOptions {
            target: rt::request::Target {
                base_url: Some($base),
                ..Default::default()
            },
            credentials: Arc::new(credentials),
            arguments: $arguments,
            ..Default::default()
        };
        Box::new(Running(rt::server::McpServer::new(api, options))) as Box<dyn Server>
    }};
}

/// The server a generated crate runs: its model, its typed arguments, its runtime.
fn generated_server(dir: &str, base: String, credentials: &str) -> Box<dyn Server> {
    macro_rules! of {
        ($krate:ident) => {
            start!(
                $krate::runtime,
                $krate::api().expect("the generated model reads"),
                base,
                credentials,
                Some($krate::tools::typed_arguments)
            )
        };
    }
    match dir {
        "petstore" => of!(petstore_mcp),
        "sales" => of!(sales_mcp),
        "security" => of!(security_mcp),
        "slack" => of!(slack_mcp),
        other => panic!("no generated crate `{other}`"),
    }
}

/// The arguments, then the same with what a typed round trip could get wrong: whole numbers
/// written as floats (`7.0`), huge numbers, each argument `null` (refused or kept, as the
/// schema says) or left out, and a member the schema does not name (refused by closed schemas, passed on
/// by open ones).
fn variants(args: Map<String, Value>) -> Vec<Map<String, Value>> {
    let mut out = vec![args.clone()];
    let mut floats = args.clone();
    let mut huge = args.clone();
    for (name, value) in &args {
        if let Some(n) = value.as_i64() {
            floats.insert(name.clone(), json!(n as f64));
            huge.insert(name.clone(), json!(1e300));
        }
        let mut null = args.clone();
        null.insert(name.clone(), Value::Null);
        out.push(null);
        let mut absent = args.clone();
        absent.remove(name);
        out.push(absent);
    }
    out.extend([floats, huge]);
    let mut extra = args;
    extra.insert("no_such_argument".to_string(), json!([1, null, "x"]));
    out.push(extra);
    out
}

fn result_json(result: Result<rmcp::model::CallToolResult, rmcp::ErrorData>) -> Value {
    match result {
        Ok(result) => serde_json::to_value(result).expect("results serialize"),
        Err(error) => json!({ "protocol_error": error.message }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_servers_behave_like_serve() {
    let upstream = Upstream::start().await;
    let folder = std::env::temp_dir().join(format!("mcpgen-parity-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("temp is writable");
    for entry in &CRATES {
        let served = served_api(entry.spec);
        if let Some(text) = entry.credentials {
            let project = std::fs::read_to_string(root().join(entry.spec)).expect("readable");
            let from_project =
                CredentialsConfig::parse_section(&project, entry.spec, Path::new("."))
                    .expect("parses");
            let from_crate =
                CredentialsConfig::parse(text, "generated", Path::new(".")).expect("parses");
            assert_eq!(
                from_project, from_crate,
                "{}: credentials differ",
                entry.spec
            );
        }
        let credentials = test_credentials(&served, &folder);
        let serve = start!(
            mcpgen_runtime,
            served.clone(),
            upstream.url(),
            &credentials,
            None
        );
        let generated = generated_server(entry.dir, upstream.url(), &credentials);
        // The same tools, byte for byte.
        assert_eq!(
            serve.list(),
            generated.list(),
            "{}: tools/list differs",
            entry.spec
        );

        let (mut called, mut requests) = (0, 0);
        for (index, tool) in served.tools.iter().enumerate() {
            let Ok(args) = arguments(&served, index) else {
                continue;
            };
            called += 1;
            for args in variants(args) {
                let a = serve.call(&tool.name, args.clone()).await;
                let sent_by_serve = upstream.take();
                let b = generated.call(&tool.name, args.clone()).await;
                let sent_by_generated = upstream.take();
                assert_eq!(
                    a, b,
                    "{} `{}` {args:?}: results differ",
                    entry.spec, tool.name
                );
                assert_eq!(
                    format!("{sent_by_serve:?}"),
                    format!("{sent_by_generated:?}"),
                    "{} `{}`: upstream requests differ",
                    entry.spec,
                    tool.name
                );
                requests += sent_by_serve.len();
            }
        }
        // Not vacuous: nearly every tool was called and most HTTP calls reached the upstream
        // (the sales policy refuses its two writes to a caller without claims).
        let http_tools = served.tools.iter().filter(|t| t.query.is_none()).count();
        assert!(
            called * 10 >= served.tools.len() * 9 && requests * 4 >= http_tools * 3,
            "{}: {called} of {} tools called, {requests} requests for {http_tools} HTTP tools",
            entry.spec,
            served.tools.len()
        );
    }
    let _ = std::fs::remove_dir_all(&folder);
}
