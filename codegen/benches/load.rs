//! Load + tool building on the largest real documents, and the cost of the tools/list they
//! produce. Prints figures; run with `cargo bench -p mcpgen-codegen --bench load`.
//!
//! For each document: median of N runs of the whole load (read, parse, lower into the model),
//! the share of that spent parsing, the time to build and serialize the tools/list result, and
//! its size.

use mcpgen_codegen::{LoadOptions, load};
use std::path::Path;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/corpus");
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let documents = [
        ("github", "github/api.github.com.json"),
        ("kubernetes", "kubernetes/swagger.json"),
        ("sendgrid", "sendgrid/oai.yaml"),
        ("slack", "slack/slack_web_openapi_v2.json"),
    ];
    println!(
        "{:<12} {:>6} {:>12} {:>12} {:>14} {:>12}",
        "document", "tools", "load", "parse only", "tools/list", "list bytes"
    );
    for (id, file) in documents {
        let path = specs.join(file);
        let options = LoadOptions::default().with_ref_root(&specs);
        let text = std::fs::read_to_string(&path).expect("corpus document");
        let mut loads = Vec::new();
        let mut parses = Vec::new();
        let mut lists = Vec::new();
        let mut tools = 0;
        let mut bytes = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let outcome = load(&path, &options);
            loads.push(started.elapsed());
            let api = outcome.api.expect("corpus documents load");
            tools = api.tools.len();

            let started = Instant::now();
            let out = serde_json::to_vec(&mcpgen_runtime::tools_list::ToolsListView(&api)).unwrap();
            lists.push(started.elapsed());
            bytes = out.len();

            let started = Instant::now();
            if file.ends_with(".json") {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                std::hint::black_box(value);
            } else {
                let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
                std::hint::black_box(value);
            }
            parses.push(started.elapsed());
        }
        println!(
            "{:<12} {:>6} {:>12} {:>12} {:>14} {:>12}",
            id,
            tools,
            ms(median(loads)),
            ms(median(parses)),
            ms(median(lists)),
            bytes
        );
    }
}
