//! The canary test: `mcpgen serve` run as a user runs it, over stdio with `MCPGEN_LOG=trace`,
//! on the auth-heavy corpus documents, every scheme given a unique secret from a credentials
//! file. Every tool is called against a local upstream that echoes the whole request back,
//! answering 200, then 401, then 500; then against an unreachable upstream; then with bad
//! arguments.
//!
//! Asserted: each request the upstream received carried exactly the secrets of the first
//! configured alternative, each in its scheme's place; no secret appears anywhere else: not
//! in stdout (tools/list and every result), not in stderr (trace-level logs), not in
//! `mcpgen check`'s report.

use base64::Engine;
use mcpgen_runtime::model::{Api, ApiKeyLocation, SecurityScheme};
use serde_json::json;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;

mod common;
use common::{Served, start_echo};

/// The documents, under `specs/corpus/`.
const DOCUMENTS: [&str; 5] = [
    "readme-oas-examples/3.0/yaml/security.yaml",
    "readme-oas-examples/3.1/yaml/security.yaml",
    "readme-oas-examples/3.0/yaml/security-multiple.yaml",
    "oai-examples/v3.1/tictactoe.yaml",
    "swagger-petstore3/openapi.yaml",
];

/// Where a scheme's secret must be found in a request, given its canary.
fn placement(scheme: &SecurityScheme, canary: &str) -> Option<String> {
    Some(match scheme {
        SecurityScheme::ApiKey { name, location, .. } => match location {
            ApiKeyLocation::Header => format!("\r\n{}: {canary}\r\n", name.to_ascii_lowercase()),
            ApiKeyLocation::Query => format!("{name}={canary}"),
            ApiKeyLocation::Cookie => format!("{name}={canary}"),
        },
        SecurityScheme::Http { scheme, .. } if scheme == "basic" => {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("alice:{canary}"));
            format!("\r\nauthorization: Basic {encoded}\r\n")
        }
        SecurityScheme::Http { .. }
        | SecurityScheme::OAuth2 { .. }
        | SecurityScheme::OpenIdConnect { .. } => {
            format!("\r\nauthorization: Bearer {canary}\r\n")
        }
        SecurityScheme::MutualTls { .. } => return None,
    })
}

fn load(document: &Path) -> Api {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let options = mcpgen_codegen::LoadOptions::default().with_ref_root(specs);
    mcpgen_codegen::load(document, &options)
        .api
        .expect("the document loads")
}

#[test]
fn no_secret_leaves_the_request_it_was_meant_for() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/corpus");
    let run = std::process::id();
    let dir = std::env::temp_dir().join(format!("mcpgen-canary-cli-{run}"));
    std::fs::create_dir_all(&dir).unwrap();
    let echo = start_echo();
    let dead = {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", closed.local_addr().unwrap())
    };
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut all_canaries = Vec::new();

    for document in DOCUMENTS {
        let path = specs.join(document);
        let api = load(&path);
        let canary = |scheme: &str| {
            let safe: String = scheme
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            format!("canary{safe}{run}x{}", document.len())
        };
        let mut config = String::from("credentials:\n");
        for (name, scheme) in &api.security_schemes {
            if matches!(scheme, SecurityScheme::MutualTls { .. }) {
                continue;
            }
            let value = match scheme {
                SecurityScheme::Http { scheme, .. } if scheme == "basic" => {
                    format!("alice:{}", canary(name))
                }
                _ => canary(name),
            };
            let file: PathBuf = dir.join(format!("{}.secret", all_canaries.len()));
            std::fs::write(&file, value).unwrap();
            config.push_str(&format!("  {name}: {{ file: {} }}\n", file.display()));
            all_canaries.push(canary(name));
        }
        let credentials = dir.join("credentials.yaml");
        std::fs::write(&credentials, &config).unwrap();

        let check = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
            .arg("check")
            .arg(&path)
            .arg("--credentials")
            .arg(&credentials)
            .output()
            .unwrap();
        outputs.push((
            format!("{document}: check"),
            format!(
                "{}{}",
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            ),
        ));

        for (label, base_url) in [("echo", echo.url.as_str()), ("unreachable", &dead)] {
            let stderr = dir.join("stderr.log");
            let audit = dir.join("audit.jsonl");
            let mut command = Command::new(env!("CARGO_BIN_EXE_mcpgen"));
            command
                .arg("serve")
                .arg(&path)
                .args(["--base-url", base_url, "--connect-timeout", "2"])
                .arg("--credentials")
                .arg(&credentials)
                .arg("--audit")
                .arg(&audit)
                .env("MCPGEN_LOG", "trace")
                .stderr(std::fs::File::create(&stderr).unwrap());
            let mut served = Served::start(command);
            let names = served.tool_names();
            assert_eq!(names.len(), api.tools.len(), "{document}");
            let statuses: &[u16] = if label == "echo" {
                &[200, 401, 500]
            } else {
                &[200]
            };
            for &status in statuses {
                echo.status.store(status, Ordering::SeqCst);
                for tool in &api.tools {
                    let before = echo.seen.lock().unwrap().len();
                    served.request("tools/call", json!({"name": tool.name, "arguments": {}}));
                    // Bad arguments: never sent, never a secret in the message.
                    served.request(
                        "tools/call",
                        json!({"name": tool.name, "arguments": {"not-a-parameter": [1]}}),
                    );
                    let seen = echo.seen.lock().unwrap();
                    let Some(request) = seen.get(before) else {
                        continue;
                    };
                    let lower_head = lowercase_header_names(request);
                    // The first alternative that is all configured (mutual TLS is not) and
                    // needs the Authorization header at most once.
                    let chosen = tool.security.iter().find(|alternative| {
                        let schemes = alternative.iter().map(|u| &api.security_schemes[&u.scheme]);
                        let authorization = schemes
                            .clone()
                            .filter(|s| {
                                placement(s, "").is_some_and(|p| p.contains("authorization:"))
                            })
                            .count();
                        authorization < 2
                            && schemes
                                .clone()
                                .all(|s| !matches!(s, SecurityScheme::MutualTls { .. }))
                    });
                    let expected: Vec<&str> = chosen
                        .map(|a| a.iter().map(|u| u.scheme.as_str()).collect())
                        .unwrap_or_default();
                    for (name, scheme) in &api.security_schemes {
                        let Some(place) = placement(scheme, &canary(name)) else {
                            continue;
                        };
                        let mut rest = lower_head.clone();
                        if expected.contains(&name.as_str()) {
                            assert!(
                                rest.contains(&place),
                                "{document} {}: `{name}` not sent as {place:?}:\n{request}",
                                tool.name
                            );
                            rest = rest.replacen(&place, "", 1);
                        }
                        assert!(
                            !rest.contains(&canary(name)),
                            "{document} {}: `{name}` sent where it does not belong:\n{request}",
                            tool.name
                        );
                    }
                    assert_eq!(seen.len(), before + 1, "bad arguments were sent upstream");
                }
            }
            let stdout = served.finish();
            assert!(stdout.contains("\"tools\""), "the transcript was kept");
            let stderr = std::fs::read_to_string(&stderr).unwrap();
            assert!(
                stderr.contains("TRACE") || stderr.contains("DEBUG"),
                "{stderr}"
            );
            outputs.push((format!("{document} ({label}): stdout"), stdout));
            outputs.push((format!("{document} ({label}): stderr"), stderr));
            // The audit trail names each call's credentials by scheme and source, never by
            // value, and its chain holds across both runs (the second appends to the first).
            let trail = std::fs::read_to_string(&audit).unwrap();
            assert!(trail.contains("\"credentials\":[{\"scheme\""), "{trail}");
            let verify = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
                .args(["audit", "verify"])
                .arg(&audit)
                .output()
                .unwrap();
            assert!(
                verify.status.success(),
                "{}",
                String::from_utf8_lossy(&verify.stdout)
            );
            outputs.push((format!("{document} ({label}): audit"), trail));
        }
    }

    assert!(
        echo.seen.lock().unwrap().len() > 100,
        "the upstream was called"
    );
    for (what, text) in &outputs {
        for canary in &all_canaries {
            assert!(
                !text.contains(canary.as_str()),
                "{canary} leaked into {what}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The request with header names lower-cased (the request line and body left alone), so
/// placements can be matched whatever case the document gave a header.
fn lowercase_header_names(request: &str) -> String {
    let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
    let mut lines = head.split("\r\n");
    let mut out = String::from(lines.next().unwrap_or(""));
    for line in lines {
        out.push_str("\r\n");
        match line.split_once(':') {
            Some((name, value)) => {
                out.push_str(&name.to_ascii_lowercase());
                out.push(':');
                out.push_str(value);
            }
            None => out.push_str(line),
        }
    }
    format!("{out}\r\n\r\n{body}")
}
