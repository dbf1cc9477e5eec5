//! A generated crate as a user gets it: `mcpgen generate` writes it into a folder outside the
//! repository, plain `cargo build` builds it there (registry crates only, the versions of the
//! shipped Cargo.lock), and the binary
//! serves over stdio exactly what `mcpgen serve` serves: the same tools/list, and results that
//! echo byte-identical upstream requests, credentials included.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{Served, start_echo};

const DOCUMENT: &str = "corpus/swagger-petstore3/openapi.yaml";

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// The workspace's target folder: the copy builds in a folder of its own there, so its
/// artifacts survive between runs without mixing with the workspace's.
fn target_dir() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_mcpgen"));
    exe.ancestors()
        .nth(2)
        .expect("target/<profile>/mcpgen")
        .join("outside-build")
}

/// Every `name version` pair a crate's Cargo.lock holds.
fn locked_packages(crate_dir: &Path) -> std::collections::BTreeSet<String> {
    let text = std::fs::read_to_string(crate_dir.join("Cargo.lock")).expect("a Cargo.lock");
    let mut pairs = std::collections::BTreeSet::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"').to_string());
        } else if let (Some(value), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            pairs.insert(format!("{n} {}", value.trim_matches('"')));
        }
    }
    pairs
}

/// Runs a server and calls every tool with the same arguments; what it wrote to stdout.
fn transcript(mut command: Command, base_url: &str, credentials: &Path) -> (Value, Vec<Value>) {
    command
        .args(["--base-url", base_url])
        .arg("--credentials")
        .arg(credentials)
        .stderr(std::process::Stdio::null());
    let mut served = Served::start(command);
    let list = served.request("tools/list", json!({}));
    let calls = [
        ("getPetById", json!({"petId": 7})),
        ("findPetsByStatus", json!({"status": "sold"})),
        ("findPetsByTags", json!({"tags": ["a b", "c/d"]})),
        (
            "updatePetWithForm",
            json!({"petId": 1, "name": "Rex", "status": "x"}),
        ),
        (
            "addPet",
            json!({"body": {"name": "Rex", "photoUrls": ["u"], "id": 5.0}}),
        ),
        ("getInventory", json!({})),
        ("loginUser", json!({"username": "al", "password": "pw"})),
        ("deleteUser", json!({"username": "../admin"})),
        ("getPetById", json!({"petId": "seven"})),
    ];
    let results = calls
        .iter()
        .map(|(name, arguments)| {
            served.request("tools/call", json!({"name": name, "arguments": arguments}))["result"]
                .clone()
        })
        .collect();
    served.finish();
    (list["result"].clone(), results)
}

#[test]
fn a_generated_crate_builds_outside_the_repository_and_serves_like_mcpgen() {
    let scratch = std::env::temp_dir().join(format!("mcpgen-outside-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let crate_dir = scratch.join("petstore");
    let generated = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .arg("generate")
        .arg(specs().join(DOCUMENT))
        .arg("-o")
        .arg(&crate_dir)
        .args(["--name", "petstore-mcp"])
        .output()
        .expect("mcpgen runs");
    assert!(generated.status.success(), "{generated:?}");
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [dependencies] table");
    for line in dependencies.lines().filter(|l| l.contains('=')) {
        assert!(
            line.contains("version = \"=") && !line.contains("path") && !line.contains("git"),
            "registry crates only, pinned: {line}"
        );
    }

    let shipped = locked_packages(&crate_dir);
    assert!(
        shipped.len() > 100,
        "a lock file with the whole dependency tree"
    );

    // Plain `cargo build`, as a user runs it in the copied folder.
    let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("build")
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    assert!(
        built.status.success(),
        "cargo build failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // Cargo may drop entries only other mcpgen crates' features need, never change a version.
    let built_with = locked_packages(&crate_dir);
    let changed: Vec<_> = built_with.difference(&shipped).collect();
    assert!(
        changed.is_empty(),
        "versions not in the shipped lock file: {changed:?}"
    );
    let binary = target_dir().join("debug/petstore-mcp");

    let echo = start_echo();
    let credentials = scratch.join("credentials.yaml");
    std::fs::write(
        &credentials,
        "credentials:\n  api_key: { env: PARITY_KEY }\n  petstore_auth: { env: PARITY_TOKEN }\n",
    )
    .unwrap();
    let command = |program: &Path, serve: bool| {
        let mut command = Command::new(program);
        if serve {
            command.arg("serve").arg(specs().join(DOCUMENT));
        }
        command
            .env("PARITY_KEY", "key-1234")
            .env("PARITY_TOKEN", "token-5678");
        command
    };
    let (served_list, served_results) = transcript(
        command(Path::new(env!("CARGO_BIN_EXE_mcpgen")), true),
        &echo.url,
        &credentials,
    );
    let requests_by_serve = echo.seen.lock().unwrap().split_off(0);
    let (generated_list, generated_results) =
        transcript(command(&binary, false), &echo.url, &credentials);
    let requests_by_generated = echo.seen.lock().unwrap().split_off(0);

    assert_eq!(served_list, generated_list, "tools/list differs");
    assert_eq!(served_list["tools"].as_array().map(Vec::len), Some(19));
    assert_eq!(
        requests_by_serve, requests_by_generated,
        "upstream requests differ"
    );
    assert_eq!(requests_by_serve.len(), 8, "{requests_by_serve:#?}");
    assert!(
        requests_by_serve
            .iter()
            .any(|r| r.contains("api_key: key-1234")),
        "the API key is sent: {requests_by_serve:#?}"
    );
    assert_eq!(served_results, generated_results, "results differ");
    let _ = std::fs::remove_dir_all(&scratch);
}
