//! `mutualTLS` schemes: a client certificate from files, presented to an HTTPS upstream that
//! requires one (Python's `ssl` module with `CERT_REQUIRED`, `tests/tools/mtls_server.py`),
//! the server's private CA trusted through `ca_certificates`. Certificates are made for each
//! run with the `openssl` command.
//!
//! Asserted: without configuration the call says what to set; with it the upstream sees the
//! configured certificate; rewriting the files switches to the new certificate without a
//! restart; an operation without the scheme presents none and the upstream refuses it.

use crate::tools::start_announcing;
use mcpgen_runtime::credentials::{Credentials, CredentialsConfig};
use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use mcpgen_runtime::upstream::UpstreamOptions;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Runs `openssl` with `args` in `dir`, failing the test with its output if it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A key and a certificate for `name`, signed by the CA in `dir`.
fn issue(dir: &Path, name: &str, subject: &str, extensions: &str) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    let subject = format!("/CN={subject}");
    openssl(
        dir,
        &[
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj",
            &subject,
        ],
    );
    let sign = [
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        &pem,
        "-days",
        "2",
        "-extfile",
        extensions,
    ];
    openssl(dir, &sign);
}

async fn call(server: &McpServer, tool: &str) -> Value {
    let result = server
        .call(tool, Default::default())
        .await
        .expect("a known tool");
    serde_json::to_value(result).unwrap()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn client_certificates_are_presented_and_rotated() {
    let dir = std::env::temp_dir().join(format!("mcpgen-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=mcpgen-test-ca",
        ],
    );
    // Extensions make them X.509 v3 certificates, the only version rustls accepts.
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    issue(&dir, "server", "127.0.0.1", "server.ext");
    issue(&dir, "agent-one", "agent-one", "client.ext");
    issue(&dir, "agent-two", "agent-two", "client.ext");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/mtls_server.py");
    let (_server, line) = start_announcing(
        Command::new("python3")
            .arg(script)
            .args(["ca.pem", "server.pem", "server.key"])
            .current_dir(&dir)
            .stderr(Stdio::null()),
    );
    let port = line.strip_prefix("listening ").expect("a port");
    let base_url = format!("https://127.0.0.1:{port}");

    std::fs::write(
        dir.join("openapi.yaml"),
        r#"openapi: 3.1.0
info: { title: mTLS test, version: "1" }
components:
  securitySchemes:
    mtls: { type: mutualTLS }
paths:
  /who:
    get:
      operationId: who
      security: [{ mtls: [] }]
      responses: { "200": { description: ok } }
  /anonymous:
    get:
      operationId: anonymous
      security: []
      responses: { "200": { description: ok } }
"#,
    )
    .unwrap();
    let api = crate::util::load_spec(&dir.join("openapi.yaml"))
        .api
        .expect("the test document loads");
    let server = |config: &CredentialsConfig| {
        McpServer::new(
            api.clone(),
            ServeOptions {
                target: Target {
                    base_url: Some(base_url.clone()),
                    ..Default::default()
                },
                upstream: UpstreamOptions {
                    ca_certificates: vec![dir.join("ca.pem")],
                    ..Default::default()
                },
                credentials: Arc::new(Credentials::new(&api, config).unwrap()),
                ..Default::default()
            },
        )
    };

    let unconfigured = call(&server(&CredentialsConfig::default()), "who").await;
    assert_eq!(unconfigured["isError"], true);
    assert!(
        text(&unconfigured).contains("`client_certificate: { certificate: FILE, key: FILE }`")
            && text(&unconfigured).contains("`mtls`"),
        "{unconfigured}"
    );

    std::fs::copy(dir.join("agent-one.pem"), dir.join("client.pem")).unwrap();
    std::fs::copy(dir.join("agent-one.key"), dir.join("client.key")).unwrap();
    let config = CredentialsConfig::parse(
        "credentials:\n  mtls:\n    client_certificate: { certificate: client.pem, key: client.key }\n",
        "credentials.yaml",
        &dir,
    )
    .unwrap();
    let served = server(&config);
    let first = call(&served, "who").await;
    assert_eq!(first["isError"], false, "{first}");
    assert!(text(&first).contains(r#""client": "agent-one""#), "{first}");

    // Rotation: new files, same server.
    std::fs::copy(dir.join("agent-two.pem"), dir.join("client.pem")).unwrap();
    std::fs::copy(dir.join("agent-two.key"), dir.join("client.key")).unwrap();
    let second = call(&served, "who").await;
    assert!(
        text(&second).contains(r#""client": "agent-two""#),
        "{second}"
    );

    // The upstream really requires a certificate: a call without one is refused.
    let refused = call(&served, "anonymous").await;
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(text(&refused).contains("127.0.0.1"), "{refused}");

    let key = std::fs::read_to_string(dir.join("agent-two.key")).unwrap();
    let body = key.lines().nth(1).unwrap();
    for result in [&unconfigured, &first, &second, &refused] {
        assert!(
            !result.to_string().contains(body),
            "key material in a result"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
