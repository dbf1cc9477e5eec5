//! `mcpgen demo --once`, the README's first command minus the serving: the sales example
//! seeds, starts, lists its tools and answers both sample calls.

use std::process::Command;

#[test]
fn the_demo_answers_its_sample_calls() {
    let output = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .args(["demo", "--once"])
        .env("MCPGEN_LOG", "warn")
        .output()
        .expect("mcpgen demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("600 customers"), "{stdout}");
    assert!(stdout.contains("Tools (14):"), "{stdout}");
    assert!(
        stdout.contains("\"name\": \"North America\""),
        "the REST call: {stdout}"
    );
    assert!(
        stdout.contains("\"region_name\": \"North America\""),
        "the SQL call: {stdout}"
    );
    assert!(!stdout.contains("a tool error"), "{stdout}");
    assert!(
        stdout.contains("2 hash-chained lines, chain verified"),
        "{stdout}"
    );
    assert!(stdout.contains("\"database\":\"warehouse\""), "{stdout}");
}
