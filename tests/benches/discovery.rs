//! Discovery mode's costs on the largest documents: `tools/list` bytes and estimated tokens in
//! each mode, how long the search index takes to build, and search latency (the target is a
//! p50 under 1 ms on GitHub). Run with `cargo bench -p mcpgen-tests --bench discovery`.

use mcpgen_codegen::{LoadOptions, load};
use mcpgen_runtime::discovery::{ToolMode, discovery_tools, estimate_tokens};
use mcpgen_runtime::server::{McpServer, ServeOptions};
use mcpgen_runtime::tools_list::ToolsListView;
use std::path::Path;
use std::time::{Duration, Instant};

const QUERIES: &[&str] = &[
    "list the open pull requests of a repository",
    "create an issue in a repository",
    "merge a pull request",
    "get the contents of a file",
    "list the workflow runs of a repository",
    "search code",
    "scale a deployment",
    "get the logs of a pod",
    "delete a service",
    "list the members of an organization",
];

fn main() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/corpus");
    for document in ["github/api.github.com.json", "kubernetes/swagger.json"] {
        let path = specs.join(document);
        let api = load(&path, &LoadOptions::default().with_ref_root(&specs))
            .api
            .expect("the document loads");
        let all = serde_json::to_vec(&ToolsListView(&api)).unwrap().len();
        let discover = serde_json::to_vec(&serde_json::json!({"tools": discovery_tools(&api)}))
            .unwrap()
            .len();
        println!("{document}: {} operations", api.tools.len());
        println!(
            "  tools/list: all {all} bytes (~{} tokens), discover {discover} bytes (~{} tokens)",
            estimate_tokens(all),
            estimate_tokens(discover)
        );
        let server = McpServer::new(
            api,
            ServeOptions {
                tool_mode: ToolMode::Discover,
                ..ServeOptions::default()
            },
        );
        let started = Instant::now();
        server.search("warm up", 10, |_| true);
        println!(
            "  index build + first search: {:.1} ms",
            ms(started.elapsed())
        );
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..200 {
            for query in QUERIES {
                let started = Instant::now();
                let hits = server.search(query, 10, |_| true);
                times.push(started.elapsed());
                std::hint::black_box(hits);
            }
        }
        times.sort();
        let at = |q: f64| ms(times[((times.len() as f64 - 1.0) * q) as usize]);
        println!(
            "  search ({} runs): p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
            times.len(),
            at(0.5),
            at(0.9),
            at(0.99)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
