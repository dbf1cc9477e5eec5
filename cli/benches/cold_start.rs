//! Cold start of the `mcpgen` binary to a complete tools/list: the process starts, loads the
//! document, builds every tool and writes the whole `tools/list` result, then exits. Prints
//! the median wall time and the peak RSS for the largest real documents.
//!
//! Run with `cargo bench -p mcpgen --bench cold_start` (a release build).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the command to completion; returns its wall time and peak resident set in KiB.
// The child is reaped by `wait4`, which also reports its peak memory; `Child::wait` cannot.
#[allow(clippy::zombie_processes)]
fn run(spec: &Path) -> (Duration, i64) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .args(["list", "--json"])
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

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/corpus");
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
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
}
