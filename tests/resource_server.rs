//! The OAuth 2.1 resource server in front of Streamable HTTP, against a real authorization
//! server (`oidc-provider`, `tests/tools/oauth_server.mjs`) that signs with a key this test also
//! holds, so it can mint the tokens a real server would never issue (expired, for another
//! audience or issuer) next to real ones. Each kind of token gets the answer the MCP 2026-07-28
//! authorization rules ask for, and the principal reaches the audit trail.

use crate::tools::{ProcessGroup, path_with_node, start_announcing, tools_dir};
use crate::util::{load_spec, result_text, specs};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcpgen_runtime::audit::AuditLog;
use mcpgen_runtime::auth::{AuthConfig, ResourceServer};
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

const CLIENT: (&str, &str) = ("agent", "agent-secret-1a2b3c4d5e6f");

fn openssl_key(path: &Path) {
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs (tests/run-all.sh installs it)");
    assert!(status.success());
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn mint(key: &Path, kid: &str, claims: &Value) -> String {
    let pem = std::fs::read(key).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    // RFC 9068: an access token says it is one.
    header.typ = Some("at+jwt".into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

/// A token from the authorization server's token endpoint (client credentials).
async fn issued(http: &reqwest::Client, issuer: &str, resource: &str, scope: &str) -> String {
    let body = format!(
        "grant_type=client_credentials&resource={}&scope={}",
        resource.replace(':', "%3A").replace('/', "%2F"),
        scope.replace(' ', "+")
    );
    let response = http
        .post(format!("{issuer}/token"))
        .basic_auth(CLIENT.0, Some(CLIENT.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {answer}"))
        .to_string()
}

/// Serves `server` at `addr` behind `guard` until the returned token is cancelled.
async fn serve_guarded(
    server: McpServer,
    addr: std::net::SocketAddr,
    guard: ResourceServer,
) -> (
    tokio_util::sync::CancellationToken,
    tokio::task::JoinHandle<Result<(), mcpgen_runtime::serve::ServeError>>,
) {
    let stop = tokio_util::sync::CancellationToken::new();
    let (ready, bound) = tokio::sync::oneshot::channel();
    let serving = tokio::spawn(mcpgen_runtime::serve::serve_http_with_auth(
        server,
        addr,
        stop.clone(),
        Some(ready),
        Some(Arc::new(guard)),
    ));
    bound.await.unwrap();
    (stop, serving)
}

/// Starts the authorization server for `resource`, with extra environment; its issuer URL.
fn start_issuer(tools: &Path, resource: &str, env: &[(&str, &str)]) -> (ProcessGroup, String) {
    let mut command = Command::new("node");
    command
        .arg(tools.join("oauth_server.mjs"))
        .env("PATH", path_with_node(tools))
        .env("TOKEN_TTL", "300")
        .env("RESOURCE", resource)
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let (process, line) = start_announcing(&mut command);
    let issuer = line.strip_prefix("listening ").unwrap().to_string();
    (process, issuer)
}

/// What `/mcp` answers an `initialize` with this `Authorization` header: status and the
/// `WWW-Authenticate` header.
async fn attempt(http: &reqwest::Client, url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "resource-server-test", "version": "1"}}})
            .to_string(),
        );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), challenge)
}

#[tokio::test]
async fn tokens_get_the_answers_the_authorization_rules_ask_for() {
    let Some(tools) = tools_dir("resource server") else {
        return;
    };
    let run = std::process::id();
    let dir = std::env::temp_dir().join(format!("mcpgen-resource-server-{run}"));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, other_key) = (dir.join("signing.pem"), dir.join("other.pem"));
    openssl_key(&key);
    openssl_key(&other_key);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let resource = format!("http://{addr}/mcp");
    let (_process, issuer) = start_issuer(
        &tools,
        &resource,
        &[("SIGNING_KEY_PEM", key.to_str().unwrap())],
    );
    let http = reqwest::Client::new();
    http.post(format!("{issuer}/test/clients"))
        .json(&json!({"client_id": CLIENT.0, "client_secret": CLIENT.1}))
        .send()
        .await
        .unwrap();

    let api = load_spec(&specs().join("corpus/swagger-petstore3/openapi.yaml"))
        .api
        .unwrap();
    let audit_path = dir.join("audit.jsonl");
    let audit = Arc::new(AuditLog::open(&audit_path, None).unwrap());
    let server = McpServer::new(
        api,
        ServeOptions {
            audit: Some(audit.clone()),
            ..ServeOptions::default()
        },
    );
    let guard = ResourceServer::new(AuthConfig {
        issuer: issuer.clone(),
        resource: resource.clone(),
        required_scopes: vec!["write".into()],
        introspection_client: None,
        any_jwt_type: false,
    })
    .with_audit(Some(audit.clone()));
    let (stop, serving) = serve_guarded(server, addr, guard).await;

    // No token: a 401 that leads the client to the metadata, which names the issuer.
    let metadata_url = format!("http://{addr}/.well-known/oauth-protected-resource/mcp");
    let (status, challenge) = attempt(&http, &resource, None).await;
    assert_eq!(status, 401);
    assert!(
        challenge.starts_with(&format!("Bearer resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\"write\""), "{challenge}");
    let metadata: Value = http
        .get(&metadata_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], json!(resource));
    assert_eq!(metadata["authorization_servers"], json!([issuer]));

    // Real tokens: enough scope passes; too little gets 403 and the scope to ask for.
    let read_only = issued(&http, &issuer, &resource, "read").await;
    let (status, challenge) = attempt(&http, &resource, Some(&read_only)).await;
    assert_eq!(status, 403, "{challenge}");
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\"write\""), "{challenge}");
    let stepped_up = issued(&http, &issuer, &resource, "read write").await;
    assert_eq!(attempt(&http, &resource, Some(&stepped_up)).await.0, 200);

    // Behind the resource server clients use the public name, not a loopback one: the token
    // is what guards it, so the Host check against DNS rebinding does not refuse them.
    let public_name = reqwest::Client::builder()
        .resolve("mcp.example.com", addr)
        .build()
        .unwrap();
    let public_url = format!("http://mcp.example.com:{}/mcp", addr.port());
    let (status, challenge) = attempt(&public_name, &public_url, Some(&stepped_up)).await;
    assert_eq!(status, 200, "{challenge}");

    // Minted tokens, each wrong in one way; the control one is right.
    let claims = |change: &dyn Fn(&mut Value)| {
        let mut claims = json!({
            "iss": issuer, "aud": resource, "sub": "alice", "client_id": "agent",
            "scope": "read write", "iat": now(), "exp": now() + 300,
        });
        change(&mut claims);
        claims
    };
    let control = mint(&key, "test-key", &claims(&|_| {}));
    assert_eq!(
        attempt(&http, &resource, Some(&control)).await.0,
        200,
        "the minted control token passes"
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "expired",
            mint(
                &key,
                "test-key",
                &claims(&|c| c["exp"] = json!(now() - 120)),
            ),
            "expired",
        ),
        (
            "not yet valid",
            mint(
                &key,
                "test-key",
                &claims(&|c| c["nbf"] = json!(now() + 120)),
            ),
            "not valid yet",
        ),
        (
            "wrong audience",
            mint(
                &key,
                "test-key",
                &claims(&|c| c["aud"] = json!("http://other.test/mcp")),
            ),
            "not for this server",
        ),
        (
            "wrong issuer",
            mint(
                &key,
                "test-key",
                &claims(&|c| c["iss"] = json!("http://evil.test")),
            ),
            "not issued by",
        ),
        (
            "a JWT that is not an access token (an ID token's type)",
            {
                let pem = std::fs::read(&key).unwrap();
                let mut header = Header::new(Algorithm::RS256);
                header.kid = Some("test-key".into());
                jsonwebtoken::encode(
                    &header,
                    &claims(&|_| {}),
                    &EncodingKey::from_rsa_pem(&pem).unwrap(),
                )
                .unwrap()
            },
            "not `at+jwt`",
        ),
        (
            "unknown kid",
            mint(&other_key, "other-key", &claims(&|_| {})),
            "does not publish",
        ),
        (
            "key confusion",
            mint(&other_key, "test-key", &claims(&|_| {})),
            "signature does not match",
        ),
        (
            "tampered signature",
            {
                // One character inside the signature (the last one may carry padding bits
                // that would make it invalid base64 rather than a wrong signature).
                let mut t: Vec<char> = stepped_up.chars().collect();
                let i = t.len() - 10;
                t[i] = if t[i] == 'A' { 'B' } else { 'A' };
                t.into_iter().collect::<String>()
            },
            "signature does not match",
        ),
        (
            "tampered claims",
            {
                let parts: Vec<&str> = control.split('.').collect();
                use base64::Engine;
                let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(claims(&|c| c["sub"] = json!("mallory")).to_string());
                format!("{}.{payload}.{}", parts[0], parts[2])
            },
            "signature does not match",
        ),
        (
            "alg none",
            {
                use base64::Engine;
                let b64 = |v: &Value| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                };
                format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "typ": "JWT"})),
                    b64(&claims(&|_| {}))
                )
            },
            "not accepted",
        ),
        (
            "HMAC with the public key",
            {
                let mut header = Header::new(Algorithm::HS256);
                header.kid = Some("test-key".into());
                jsonwebtoken::encode(
                    &header,
                    &claims(&|_| {}),
                    &EncodingKey::from_secret(b"public"),
                )
                .unwrap()
            },
            "not accepted",
        ),
    ];
    for (what, token, reason) in &cases {
        let (status, challenge) = attempt(&http, &resource, Some(token)).await;
        assert_eq!(status, 401, "{what}: {challenge}");
        assert!(
            challenge.contains("error=\"invalid_token\""),
            "{what}: {challenge}"
        );
        assert!(challenge.contains(reason), "{what}: {challenge}");
        assert!(
            !challenge.contains(token.as_str()),
            "{what}: the token is not echoed"
        );
    }

    // The principal reaches the audit trail; the token does not.
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
    "name": "getInventory", "arguments": {},
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "resource-server-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    }}});
    let response = http
        .post(&resource)
        .bearer_auth(&control)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "getInventory")
        .body(call.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().await.unwrap()
    );
    let trail = std::fs::read_to_string(&audit_path).unwrap();
    assert!(
        trail.contains("\"principal\":\"alice\",\"client\":\"agent\""),
        "{trail}"
    );
    assert!(!trail.contains(&control));
    // Every refused request is audited too, and no token appears.
    assert!(
        trail.matches("\"outcome\":\"unauthenticated\"").count() > cases.len(),
        "{trail}"
    );
    assert!(trail.contains("\"outcome\":\"forbidden\""), "{trail}");
    for (_, token, _) in &cases {
        assert!(!trail.contains(token.as_str()));
    }
    mcpgen_runtime::audit::verify(&trail, None).unwrap();

    // The official Python SDK holding a token completes a call; without one it is refused.
    let probe = move |token: Option<String>| {
        let mut command = Command::new(tools.join("venv/bin/python"));
        command
            .arg(tools.join("mcp_probe.py"))
            .args(["--http", &resource]);
        if let Some(token) = token {
            command
                .args(["--bearer-env", "MCP_TOKEN"])
                .env("MCP_TOKEN", token);
        }
        command
            .args(["call", "getInventory", "{}"])
            .output()
            .unwrap()
    };
    let probe = Arc::new(probe);
    let with_token = tokio::task::spawn_blocking({
        let (probe, token) = (probe.clone(), stepped_up.clone());
        move || probe(Some(token))
    })
    .await
    .unwrap();
    assert!(
        with_token.status.success(),
        "{}",
        String::from_utf8_lossy(&with_token.stderr)
    );
    let result: Value = serde_json::from_slice(&with_token.stdout).unwrap();
    assert!(result["content"].is_array(), "{result}");
    let without = tokio::task::spawn_blocking(move || probe(None))
        .await
        .unwrap();
    assert!(
        !without.status.success(),
        "a client without a token is refused"
    );
    stop.cancel();
    let _ = serving.await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opaque tokens are checked by introspection at the authorization server: an active one
/// passes, a revoked one does not.
#[tokio::test]
async fn opaque_tokens_are_introspected() {
    let Some(tools) = tools_dir("resource server, opaque tokens") else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let resource = format!("http://{addr}/mcp");
    let (_process, issuer) = start_issuer(&tools, &resource, &[("TOKEN_FORMAT", "opaque")]);
    let http = reqwest::Client::new();
    let introspector = ("mcp-server", "introspection-secret-0a9b8c7d");
    for (id, secret) in [CLIENT, introspector] {
        http.post(format!("{issuer}/test/clients"))
            .json(&json!({"client_id": id, "client_secret": secret}))
            .send()
            .await
            .unwrap();
    }
    let api = load_spec(&specs().join("corpus/swagger-petstore3/openapi.yaml"))
        .api
        .unwrap();
    let guard = ResourceServer::new(AuthConfig {
        issuer: issuer.clone(),
        resource: resource.clone(),
        required_scopes: vec!["read".into()],
        introspection_client: Some((introspector.0.into(), introspector.1.to_string().into())),
        any_jwt_type: false,
    });
    let (stop, serving) =
        serve_guarded(McpServer::new(api, ServeOptions::default()), addr, guard).await;

    let active = issued(&http, &issuer, &resource, "read").await;
    assert!(active.split('.').count() != 3, "an opaque token");
    assert_eq!(attempt(&http, &resource, Some(&active)).await.0, 200);
    let revoked = issued(&http, &issuer, &resource, "read").await;
    http.post(format!("{issuer}/token/revocation"))
        .basic_auth(CLIENT.0, Some(CLIENT.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={revoked}"))
        .send()
        .await
        .unwrap();
    let (status, challenge) = attempt(&http, &resource, Some(&revoked)).await;
    assert_eq!(status, 401, "{challenge}");
    assert!(challenge.contains("not active"), "{challenge}");
    let (status, _) = attempt(&http, &resource, Some("made-up-token")).await;
    assert_eq!(status, 401);
    stop.cancel();
    let _ = serving.await;
}

/// One JSON-RPC request over stateless Streamable HTTP (2026-07-28) with a token.
async fn rpc(http: &reqwest::Client, url: &str, token: &str, method: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "policy-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let mut request = http
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = params["name"].as_str() {
        request = request.header("mcp-name", name);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let text = request
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON-RPC answer: {text}"))
}

/// Two principals with different claims see different tools and get different argument
/// terms; a pinned argument cannot be overridden; a rate limit holds; denials are audited
/// and send nothing upstream.
#[tokio::test]
async fn policy_follows_the_principal() {
    let Some(tools) = tools_dir("policy") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mcpgen-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("signing.pem");
    openssl_key(&key);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let resource = format!("http://{addr}/mcp");
    let (_process, issuer) = start_issuer(
        &tools,
        &resource,
        &[("SIGNING_KEY_PEM", key.to_str().unwrap())],
    );

    // A recording upstream: what reaches it, by path and query.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_url = format!("http://{}", upstream.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push(request.uri().to_string());
            axum::Json(json!([]))
        }
    });
    tokio::spawn(async move { axum::serve(upstream, app).await });

    let petstore = specs()
        .join("corpus/swagger-petstore3/openapi.yaml")
        .canonicalize()
        .unwrap();
    std::fs::write(
        dir.join("mcpgen.yaml"),
        format!(
            r#"sources:
  - openapi: {}
    base_url: {upstream_url}
credentials:
  petstore_auth: {{ command: [echo, upstream-token] }}
  api_key: {{ command: [echo, upstream-key] }}
policy:
  default: deny
  rules:
    - name: no-deletes
      effect: deny
      methods: [DELETE]
    - name: analysts
      when: {{ claims: {{ role: analyst }} }}
      tools: ["find*", "getPet*"]
      arguments:
        status: {{ claim: pet_status }}
      rate_limit: {{ calls: 3, per_seconds: 600 }}
    - name: clerks
      when: {{ claims: {{ role: [clerk, manager] }} }}
      tools: ["*Order*"]
      arguments:
        orderId: {{ maximum: 10 }}
"#,
            petstore.display()
        ),
    )
    .unwrap();
    let project = dir.join("mcpgen.yaml");
    let outcome =
        mcpgen_codegen::project::load_project(&project, &mcpgen_codegen::LoadOptions::default());
    let api = outcome
        .api
        .unwrap_or_else(|| panic!("{:#?}", outcome.diagnostics));
    let text = std::fs::read_to_string(&project).unwrap();
    let config =
        mcpgen_runtime::credentials::CredentialsConfig::parse_section(&text, "mcpgen.yaml", &dir)
            .unwrap();
    let credentials = mcpgen_runtime::credentials::Credentials::new(&api, &config).unwrap();
    let audit_path = dir.join("audit.jsonl");
    let server = McpServer::new(
        api,
        ServeOptions {
            credentials: Arc::new(credentials),
            audit: Some(Arc::new(AuditLog::open(&audit_path, None).unwrap())),
            ..ServeOptions::default()
        },
    );
    let guard = ResourceServer::new(AuthConfig {
        issuer: issuer.clone(),
        resource: resource.clone(),
        required_scopes: Vec::new(),
        introspection_client: None,
        any_jwt_type: false,
    });
    let (stop, serving) = serve_guarded(server, addr, guard).await;

    let token = |sub: &str, claims: Value| {
        let mut all = json!({"iss": issuer, "aud": resource, "sub": sub, "exp": now() + 300});
        for (k, v) in claims.as_object().unwrap() {
            all[k] = v.clone();
        }
        mint(&key, "test-key", &all)
    };
    let alice = token(
        "alice",
        json!({"role": "analyst", "pet_status": "available"}),
    );
    let bob = token("bob", json!({"role": "clerk"}));
    let http = reqwest::Client::new();
    let names = |answer: Value| -> Vec<String> {
        answer["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let alice_list = rpc(&http, &resource, &alice, "tools/list", json!({})).await;
    let bob_list = rpc(&http, &resource, &bob, "tools/list", json!({})).await;
    // Each is shown the terms of the rule that decides for it: alice's pinned `status` is
    // not hers to choose and is left out; bob's `orderId` carries the rule's maximum.
    let schema = |list: &Value, name: &str| -> Value {
        list["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {list}"))["inputSchema"]
            .clone()
    };
    let by_status = schema(&alice_list, "findPetsByStatus");
    assert!(
        by_status["properties"].get("status").is_none(),
        "{by_status}"
    );
    assert!(
        !by_status["required"].to_string().contains("status"),
        "{by_status}"
    );
    assert_eq!(
        schema(&bob_list, "getOrderById")["properties"]["orderId"]["maximum"],
        10
    );
    let alice_tools = names(alice_list);
    let bob_tools = names(bob_list);
    // An analyst without the claim `status` is pinned to could never call findPetsByStatus:
    // it is not listed for them.
    let unpinned = token("dave", json!({"role": "analyst"}));
    assert_eq!(
        names(rpc(&http, &resource, &unpinned, "tools/list", json!({})).await),
        ["findPetsByTags", "getPetById"]
    );
    assert_eq!(
        alice_tools,
        ["findPetsByStatus", "findPetsByTags", "getPetById"]
    );
    assert_eq!(
        bob_tools,
        ["placeOrder", "getOrderById"],
        "deleteOrder is denied to all"
    );

    let call = |token: &str, name: &str, args: Value| {
        let (http, resource, token, name) = (
            http.clone(),
            resource.clone(),
            token.to_string(),
            name.to_string(),
        );
        async move {
            rpc(
                &http,
                &resource,
                &token,
                "tools/call",
                json!({"name": name, "arguments": args}),
            )
            .await["result"]
                .clone()
        }
    };
    // The pinned argument: filled from the claim, and another value is refused.
    let overridden = call(&alice, "findPetsByStatus", json!({"status": "sold"})).await;
    assert_eq!(overridden["isError"], true, "{overridden}");
    let text = overridden["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("policy rule `analysts`") && text.contains("pet_status"),
        "{text}"
    );
    let pinned = call(&alice, "findPetsByStatus", json!({})).await;
    assert_ne!(pinned["isError"], true, "{pinned}");
    // Argument terms differ per principal; a tool outside the rule is refused.
    let too_big = call(&bob, "getOrderById", json!({"orderId": 11})).await;
    assert!(result_text(&too_big).contains("rule `clerks`"), "{too_big}");
    let fine = call(&bob, "getOrderById", json!({"orderId": 5})).await;
    assert_ne!(fine["isError"], true, "{fine}");
    let not_hers = call(&alice, "getOrderById", json!({"orderId": 5})).await;
    assert!(
        result_text(&not_hers).contains("rule `default`"),
        "{not_hers}"
    );
    let deleting = call(&bob, "deleteOrder", json!({"orderId": 5})).await;
    assert!(
        result_text(&deleting).contains("rule `no-deletes`"),
        "{deleting}"
    );
    // The rate limit: three calls per window for alice (one used above).
    for _ in 0..2 {
        let ok = call(&alice, "getPetById", json!({"petId": 1})).await;
        assert_ne!(ok["isError"], true, "{ok}");
    }
    let limited = call(&alice, "getPetById", json!({"petId": 1})).await;
    assert!(result_text(&limited).contains("rate limit"), "{limited}");
    // Only allowed calls reached the upstream, the pinned value with them.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "/pet/findByStatus?status=available",
            "/store/order/5",
            "/pet/1",
            "/pet/1"
        ]
    );
    let trail = std::fs::read_to_string(&audit_path).unwrap();
    assert_eq!(trail.matches("\"decision\":\"deny\"").count(), 5, "{trail}");
    assert!(trail.contains("\"principal\":\"bob\""), "{trail}");
    assert!(trail.contains("\"rule\":\"no-deletes\""), "{trail}");
    mcpgen_runtime::audit::verify(&trail, None).unwrap();
    stop.cancel();
    let _ = serving.await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The claims of a JWT, unverified (the test reads what the upstream was sent).
fn claims_of(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The acting principal's identity reaches the upstream: alice's own API key (a secret per
/// principal), bob's access token exchanged at the authorization server for one to the
/// upstream (RFC 8693, kept per caller until it expires), never the MCP token itself; and a
/// policy rule limits which credentials a principal's calls may use.
#[tokio::test]
async fn upstream_identity_follows_the_principal() {
    let Some(tools) = tools_dir("upstream identity") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mcpgen-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("signing.pem");
    openssl_key(&key);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let resource = format!("http://{addr}/mcp");
    let api_audience = "http://api.test/";
    let (_process, issuer) = start_issuer(
        &tools,
        &format!("{resource},{api_audience}"),
        &[("SIGNING_KEY_PEM", key.to_str().unwrap())],
    );
    let http = reqwest::Client::new();
    let exchanger = ("mcpgen-exchanger", "exchange-secret-9f8e7d6c5b4a");
    http.post(format!("{issuer}/test/clients"))
        .json(&json!({"client_id": exchanger.0, "client_secret": exchanger.1}))
        .send()
        .await
        .unwrap();

    // A recording upstream: path, and the credential headers it got.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_url = format!("http://{}", upstream.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::<(String, String, String)>::new()));
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = record.clone();
        async move {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default()
            };
            record.lock().unwrap().push((
                request.uri().path().to_string(),
                header("api_key"),
                header("authorization"),
            ));
            axum::Json(json!({"id": 1, "name": "rex", "photoUrls": []}))
        }
    });
    tokio::spawn(async move { axum::serve(upstream, app).await });

    std::fs::write(dir.join("alice.key"), "alice-own-key-0a1b2c3d").unwrap();
    std::fs::write(dir.join("exchange.secret"), exchanger.1).unwrap();
    let petstore = specs()
        .join("corpus/swagger-petstore3/openapi.yaml")
        .canonicalize()
        .unwrap();
    std::fs::write(
        dir.join("mcpgen.yaml"),
        format!(
            r#"sources:
  - openapi: {}
    base_url: {upstream_url}
credentials:
  api_key:
    per_principal:
      secrets:
        alice: {{ file: alice.key }}
  petstore_auth:
    oauth2:
      token_exchange: true
      token_url: {issuer}/token
      client_id: {}
      client_secret: {{ file: exchange.secret }}
      audience: {api_audience}
policy:
  default: deny
  rules:
    - name: interns-own-key-only
      when: {{ claims: {{ role: intern }} }}
      tools: ["findPets*", "getPetById"]
      credentials: [api_key]
    - name: staff
      tools: ["getPetById", "findPetsByStatus"]
"#,
            petstore.display(),
            exchanger.0
        ),
    )
    .unwrap();
    let project = dir.join("mcpgen.yaml");
    let outcome =
        mcpgen_codegen::project::load_project(&project, &mcpgen_codegen::LoadOptions::default());
    let api = outcome
        .api
        .unwrap_or_else(|| panic!("{:#?}", outcome.diagnostics));
    let text = std::fs::read_to_string(&project).unwrap();
    let config =
        mcpgen_runtime::credentials::CredentialsConfig::parse_section(&text, "mcpgen.yaml", &dir)
            .unwrap();
    let credentials =
        Arc::new(mcpgen_runtime::credentials::Credentials::new(&api, &config).unwrap());

    // Without an authenticated caller there is no one to act for: the call says what to do.
    let anonymous = McpServer::new(
        api.clone(),
        ServeOptions {
            credentials: credentials.clone(),
            ..ServeOptions::default()
        },
    );
    let refused = anonymous
        .call(
            "getPetById",
            json!({"petId": 1}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    let refused = serde_json::to_value(&refused).unwrap();
    let said = result_text(&refused);
    assert!(said.contains("--auth-issuer"), "{said}");

    let audit_path = dir.join("audit.jsonl");
    let server = McpServer::new(
        api,
        ServeOptions {
            credentials,
            audit: Some(Arc::new(AuditLog::open(&audit_path, None).unwrap())),
            ..ServeOptions::default()
        },
    );
    let guard = ResourceServer::new(AuthConfig {
        issuer: issuer.clone(),
        resource: resource.clone(),
        required_scopes: Vec::new(),
        introspection_client: None,
        any_jwt_type: false,
    });
    let (stop, serving) = serve_guarded(server, addr, guard).await;
    let token = |sub: &str, role: &str| {
        let claims = json!({"iss": issuer, "aud": resource, "sub": sub, "role": role,
            "exp": now() + 300});
        mint(&key, "test-key", &claims)
    };
    let (alice, bob, carol) = (
        token("alice", "intern"),
        token("bob", "staff"),
        token("carol", "intern"),
    );
    let call = |token: &str, name: &str, args: Value| {
        let (http, resource, token, name) = (
            http.clone(),
            resource.clone(),
            token.to_string(),
            name.to_string(),
        );
        async move {
            rpc(
                &http,
                &resource,
                &token,
                "tools/call",
                json!({"name": name, "arguments": args}),
            )
            .await["result"]
                .clone()
        }
    };
    let exchanges = || async {
        let stats: Value = http
            .get(format!("{issuer}/test/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["urn:ietf:params:oauth:grant-type:token-exchange"]
            .as_u64()
            .unwrap()
    };

    // alice (an intern) uses her own key; the rule keeps her off the exchanged token, so the
    // tool that needs it is neither listed nor callable for her.
    let listed = rpc(&http, &resource, &alice, "tools/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["getPetById"],
        "findPetsByStatus needs petstore_auth"
    );
    let own = call(&alice, "getPetById", json!({"petId": 1})).await;
    assert_ne!(own["isError"], true, "{own}");
    let needs_exchange = call(&alice, "findPetsByStatus", json!({"status": "sold"})).await;
    let text = result_text(&needs_exchange);
    assert!(
        text.contains("rule `interns-own-key-only`") && text.contains("`petstore_auth`"),
        "{text}"
    );
    // carol is an intern too, but no key is configured for her: the call says so and sends
    // nothing (the exchanged token is not hers to use).
    let no_key = call(&carol, "getPetById", json!({"petId": 1})).await;
    let text = result_text(&no_key);
    assert!(
        text.contains("no secret is configured for the caller's `sub`"),
        "{text}"
    );

    // bob has no key of his own: his token is exchanged, once for two calls.
    assert_eq!(exchanges().await, 0);
    for _ in 0..2 {
        let exchanged = call(&bob, "findPetsByStatus", json!({"status": "sold"})).await;
        assert_ne!(exchanged["isError"], true, "{exchanged}");
    }
    let by_id = call(&bob, "getPetById", json!({"petId": 2})).await;
    assert_ne!(by_id["isError"], true, "{by_id}");
    assert_eq!(exchanges().await, 1, "one exchange for bob's token");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(
        seen[0],
        (
            "/pet/1".into(),
            "alice-own-key-0a1b2c3d".into(),
            String::new()
        )
    );
    let bearer: Vec<&str> = seen[1..]
        .iter()
        .map(|(_, key, auth)| {
            assert_eq!(key, "", "bob has no API key");
            auth.strip_prefix("Bearer ").expect("a bearer token")
        })
        .collect();
    assert!(bearer.iter().all(|t| *t == bearer[0]), "one kept token");
    assert_ne!(bearer[0], bob, "the MCP token is never sent upstream");
    let upstream_claims = claims_of(bearer[0]);
    assert_eq!(upstream_claims["sub"], "bob", "{upstream_claims}");
    assert_eq!(upstream_claims["aud"], api_audience, "{upstream_claims}");
    assert_eq!(
        upstream_claims["act"]["sub"], exchanger.0,
        "{upstream_claims}"
    );

    let trail = std::fs::read_to_string(&audit_path).unwrap();
    mcpgen_runtime::audit::verify(&trail, None).unwrap();
    assert!(
        trail.contains(r#""credentials":[{"scheme":"api_key","source":"per_principal"}]"#),
        "{trail}"
    );
    assert!(
        trail.contains(r#""credentials":[{"scheme":"petstore_auth","source":"token_exchange"}]"#),
        "{trail}"
    );
    for secret in [
        bearer[0],
        &bob,
        &alice,
        "alice-own-key-0a1b2c3d",
        exchanger.1,
    ] {
        assert!(
            !trail.contains(secret),
            "no token or secret in the audit trail"
        );
    }
    stop.cancel();
    let _ = serving.await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The authorization server rotates its signing key while mcpgen runs: a token signed with
/// the new key is accepted once the keys are fetched again (a key id not seen yet triggers
/// it, at most every 10 s), and tokens signed with the retired key, still published, too.
#[tokio::test]
async fn signing_keys_rotate_without_a_restart() {
    let Some(tools) = tools_dir("key rotation") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mcpgen-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old_key, new_key) = (dir.join("old.pem"), dir.join("new.pem"));
    openssl_key(&old_key);
    openssl_key(&new_key);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let resource = format!("http://{addr}/mcp");
    let (before, issuer) = start_issuer(
        &tools,
        &resource,
        &[("SIGNING_KEY_PEM", old_key.to_str().unwrap())],
    );
    let port = issuer.rsplit(':').next().unwrap().to_string();
    // No kept connections: the authorization server restarts in the middle.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let register = |issuer: String| {
        let http = http.clone();
        async move {
            http.post(format!("{issuer}/test/clients"))
                .json(&json!({"client_id": CLIENT.0, "client_secret": CLIENT.1}))
                .send()
                .await
                .unwrap();
        }
    };
    register(issuer.clone()).await;
    let api = load_spec(&specs().join("corpus/swagger-petstore3/openapi.yaml"))
        .api
        .unwrap();
    let guard = ResourceServer::new(AuthConfig {
        issuer: issuer.clone(),
        resource: resource.clone(),
        required_scopes: Vec::new(),
        introspection_client: None,
        any_jwt_type: false,
    });
    let (stop, serving) =
        serve_guarded(McpServer::new(api, ServeOptions::default()), addr, guard).await;

    let old_token = issued(&http, &issuer, &resource, "read").await;
    let (status, challenge) = attempt(&http, &resource, Some(&old_token)).await;
    assert_eq!(status, 200, "{challenge}");
    let first_fetch = std::time::Instant::now();

    // The rotation: the same issuer, now signing with a new key and still publishing the old.
    drop(before);
    let (_after, same_issuer) = start_issuer(
        &tools,
        &resource,
        &[
            ("PORT", port.as_str()),
            ("SIGNING_KEY_PEM", new_key.to_str().unwrap()),
            ("SIGNING_KEY_ID", "rotated-key"),
            ("PREVIOUS_KEY_PEM", old_key.to_str().unwrap()),
            ("PREVIOUS_KEY_ID", "test-key"),
        ],
    );
    assert_eq!(same_issuer, issuer);
    register(issuer.clone()).await;
    let new_token = issued(&http, &issuer, &resource, "read").await;
    let header = jsonwebtoken::decode_header(&new_token).unwrap();
    assert_eq!(header.kid.as_deref(), Some("rotated-key"));
    // The keys may be fetched again 10 s after the last fetch.
    let gap = std::time::Duration::from_secs(11);
    if let Some(wait) = gap.checked_sub(first_fetch.elapsed()) {
        tokio::time::sleep(wait).await;
    }
    let (status, challenge) = attempt(&http, &resource, Some(&new_token)).await;
    assert_eq!(status, 200, "the new key is found: {challenge}");
    let (status, challenge) = attempt(&http, &resource, Some(&old_token)).await;
    assert_eq!(
        status, 200,
        "the retired key is still published: {challenge}"
    );
    let stranger = mint(
        &new_key,
        "unpublished-key",
        &json!({"iss": issuer, "aud": resource, "sub": "x", "exp": now() + 60}),
    );
    let (status, challenge) = attempt(&http, &resource, Some(&stranger)).await;
    assert_eq!(status, 401, "{challenge}");
    stop.cancel();
    let _ = serving.await;
    let _ = std::fs::remove_dir_all(&dir);
}
