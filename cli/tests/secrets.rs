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
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// The documents, under `specs/corpus/`.
const DOCUMENTS: [&str; 5] = [
    "readme-oas-examples/3.0/yaml/security.yaml",
    "readme-oas-examples/3.1/yaml/security.yaml",
    "readme-oas-examples/3.0/yaml/security-multiple.yaml",
    "oai-examples/v3.1/tictactoe.yaml",
    "swagger-petstore3/openapi.yaml",
];

/// A local upstream that answers every request with its whole head and body as JSON, with
/// the status the test sets, and keeps every request it received.
struct Echo {
    url: String,
    status: Arc<AtomicU16>,
    seen: Arc<Mutex<Vec<String>>>,
}

fn start_echo() -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let status = Arc::new(AtomicU16::new(200));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (answer, record) = (Arc::clone(&status), Arc::clone(&seen));
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let (answer, record) = (Arc::clone(&answer), Arc::clone(&record));
            std::thread::spawn(move || echo(stream, &answer, &record));
        }
    });
    Echo { url, status, seen }
}

fn echo(mut stream: TcpStream, status: &AtomicU16, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request = format!("{head}{}", String::from_utf8_lossy(&body));
    seen.lock().unwrap().push(request.clone());
    let answer = json!({ "request": request }).to_string();
    let status = status.load(Ordering::SeqCst);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
}

/// `mcpgen serve` over stdio, driven one JSON-RPC request at a time; stdout is kept whole.
struct Served {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    transcript: String,
    next_id: u64,
}

impl Served {
    fn start(
        document: &Path,
        base_url: &str,
        credentials: &Path,
        stderr: &Path,
        audit: &Path,
    ) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
            .arg("serve")
            .arg(document)
            .args(["--base-url", base_url, "--connect-timeout", "2"])
            .arg("--credentials")
            .arg(credentials)
            .arg("--audit")
            .arg(audit)
            .env("MCPGEN_LOG", "trace")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr).unwrap())
            .spawn()
            .expect("mcpgen runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut served = Served {
            child,
            stdin,
            stdout,
            transcript: String::new(),
            next_id: 0,
        };
        served.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "canary", "version": "1"}}),
        );
        served.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        served
    }

    fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns its response; every line read is kept.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "mcpgen closed stdout"
            );
            self.transcript.push_str(&line);
            let message: Value = serde_json::from_str(&line).expect("stdout holds only JSON-RPC");
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn tool_names(&mut self) -> Vec<String> {
        let mut names = Vec::new();
        let mut params = json!({});
        loop {
            let page = self.request("tools/list", params);
            let result = &page["result"];
            for tool in result["tools"].as_array().unwrap() {
                names.push(tool["name"].as_str().unwrap().to_string());
            }
            match result["nextCursor"].as_str() {
                Some(cursor) => params = json!({ "cursor": cursor }),
                None => return names,
            }
        }
    }

    fn finish(mut self) -> String {
        drop(self.stdin);
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        self.transcript.push_str(&rest);
        let _ = self.child.wait();
        self.transcript
    }
}

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
            let mut served = Served::start(&path, base_url, &credentials, &stderr, &audit);
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
