//! `mcpgen generate` and building what it writes: prints the median wall time of generating
//! the largest crate of `generated/` (Slack, 174 tools) and, for scale, GitHub (1,223 tools),
//! and the time `cargo build` takes for the generated Slack crate: once for its own code with
//! the dependencies already built (what a regenerate costs), debug and release.
//!
//! Run with `cargo bench -p mcpgen --bench generate` (a release build of mcpgen). The first
//! run also builds the dependencies into `target/outside-build`, which is reported apart.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn generate(spec: &Path, out: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .arg("generate")
        .arg(spec)
        .arg("-o")
        .arg(out)
        .args(["--name", "bench-mcp"])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("mcpgen runs");
    assert!(status.success(), "generate failed for {}", spec.display());
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn cargo_build(dir: &Path, release: bool) -> Duration {
    let started = Instant::now();
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .arg("build")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/outside-build"));
    if release {
        command.arg("--release");
    }
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    started.elapsed()
}

fn main() {
    let scratch =
        std::env::temp_dir().join(format!("mcpgen-bench-generate-{}", std::process::id()));
    for (label, spec, runs) in [
        (
            "slack (174 tools)",
            "specs/corpus/slack/slack_web_openapi_v2.json",
            5,
        ),
        (
            "github (1,223 tools)",
            "specs/corpus/github/api.github.com.json",
            3,
        ),
    ] {
        let out = scratch.join(label.split(' ').next().unwrap_or("crate"));
        let times: Vec<Duration> = (0..runs)
            .map(|_| {
                let _ = std::fs::remove_dir_all(&out);
                generate(&root().join(spec), &out)
            })
            .collect();
        let bytes: u64 = walk(&out)
            .iter()
            .filter_map(|p| p.metadata().ok())
            .map(|m| m.len())
            .sum();
        println!(
            "generate {label}: median {:.0} ms over {runs} runs; {} files, {:.1} MB",
            median(times).as_secs_f64() * 1000.0,
            walk(&out).len(),
            bytes as f64 / 1e6
        );
    }

    let slack = scratch.join("slack");
    for release in [false, true] {
        let profile = if release { "release" } else { "debug" };
        // The first build may include the dependencies; the second is the crate alone.
        let first = cargo_build(&slack, release);
        let lib = slack.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).expect("lib.rs");
        std::fs::write(&lib, text).expect("touch lib.rs");
        let own = cargo_build(&slack, release);
        println!(
            "cargo build slack-mcp ({profile}): {:.1} s for the crate itself; first build {:.1} s (with any dependencies not built before)",
            own.as_secs_f64(),
            first.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
