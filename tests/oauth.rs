//! OAuth 2.0 tokens fetched by mcpgen itself, against a real authorization server
//! (`oidc-provider` on Node 24, `tests/tools/oauth_server.mjs`) issuing opaque access
//! tokens that live two seconds.
//!
//! The upstream is a resource server that checks every token at the authorization server's
//! introspection endpoint (RFC 7662) and answers 401 to a token that is not active.
//!
//! Asserted: concurrent calls share one token fetch; a token is replaced after it expires; a
//! revoked token gets one retry with a fresh one; a client secret rotated in its file is
//! picked up without a restart; the refresh token grant (token endpoint found by OpenID
//! Connect discovery) follows the server's refresh token rotation; no secret or token shows
//! in any tool result or log line.

use crate::credentials::capture_logs;
use crate::tools::{ProcessGroup, path_with_node, start_announcing, tools_dir};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use mcpgen_runtime::credentials::{Credentials, CredentialsConfig};
use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the authorization server's access tokens live, in seconds.
const TOKEN_TTL: u64 = 2;
/// The resource indicator tokens are issued for.
const RESOURCE: &str = "http://api.test/";
/// The resource server's own client, for introspection.
const INTROSPECTOR: (&str, &str) = ("resource-server", "introspection-secret-9f8e7d6c5b4a");

/// The running authorization server.
struct AuthServer {
    _process: ProcessGroup,
    url: String,
}

fn start_auth_server(tools: &Path) -> AuthServer {
    let (process, line) = start_announcing(
        Command::new("node")
            .arg(tools.join("oauth_server.mjs"))
            .env("PATH", path_with_node(tools))
            .env("TOKEN_TTL", TOKEN_TTL.to_string())
            .env("RESOURCE", RESOURCE)
            .env("TOKEN_FORMAT", "opaque")
            .stderr(Stdio::null()),
    );
    let url = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected first line from the auth server: {line:?}"))
        .to_string();
    AuthServer {
        _process: process,
        url,
    }
}

/// What the resource server saw: for each request, the token and whether it was active.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, Value)>>>);

#[derive(Clone)]
struct Upstream {
    auth: String,
    http: reqwest::Client,
    seen: Seen,
}

/// Introspects the bearer token and answers 200 with the claims, or 401.
async fn resource(State(state): State<Upstream>, request: Request) -> (StatusCode, String) {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let claims: Value = state
        .http
        .post(format!("{}/token/introspection", state.auth))
        .basic_auth(INTROSPECTOR.0, Some(INTROSPECTOR.1))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state.seen.0.lock().unwrap().push((token, claims.clone()));
    if claims["active"] == true {
        (
            StatusCode::OK,
            json!({"path": request.uri().path(), "sub": claims["sub"]}).to_string(),
        )
    } else {
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_token"}"#.to_string(),
        )
    }
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    http.post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn stats(http: &reqwest::Client, auth: &str) -> (u64, u64) {
    let stats: Value = http
        .get(format!("{auth}/test/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        stats["client_credentials"].as_u64().unwrap(),
        stats["refresh_token"].as_u64().unwrap(),
    )
}

async fn call(server: &McpServer, tool: &str) -> Value {
    let result = server
        .call(tool, Default::default())
        .await
        .expect("a known tool");
    serde_json::to_value(result).unwrap()
}

fn is_error(result: &Value) -> bool {
    result["isError"] == true
}

#[tokio::test(flavor = "current_thread")]
async fn tokens_are_fetched_once_refreshed_retried_and_rotated() {
    let Some(tools) = tools_dir("tokens_are_fetched_once_refreshed_retried_and_rotated") else {
        return;
    };
    let (captured, _logs) = capture_logs();

    let auth_server = start_auth_server(&tools);
    let auth = auth_server.url.clone();
    // Node closes idle connections on its own schedule: a fresh connection per request.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let run = std::process::id();
    let first_secret = format!("first-client-secret-{run}-Qx81");
    let second_secret = format!("second-client-secret-{run}-Wv27");
    for (id, secret) in [("svc", first_secret.as_str()), INTROSPECTOR] {
        let registered = post(
            &http,
            format!("{auth}/test/clients"),
            json!({"client_id": id, "client_secret": secret}),
        )
        .await;
        assert_eq!(registered["ok"], true);
    }
    let refresh = post(
        &http,
        format!("{auth}/test/refresh-token"),
        json!({"client_id": "svc", "account": "alice"}),
    )
    .await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();

    let seen = Seen::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(resource).with_state(Upstream {
        auth: auth.clone(),
        http: http.clone(),
        seen: seen.clone(),
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let dir = std::env::temp_dir().join(format!("mcpgen-oauth-{run}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("secret"), &first_secret).unwrap();
    std::fs::write(dir.join("refresh"), &refresh).unwrap();
    let document = format!(
        r#"openapi: 3.1.0
info: {{ title: OAuth test, version: "1" }}
servers: [{{ url: "{upstream}" }}]
components:
  securitySchemes:
    machine:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: {auth}/token
          scopes: {{ read: Read things }}
    user:
      type: openIdConnect
      openIdConnectUrl: {auth}/.well-known/openid-configuration
paths:
  /machine:
    get:
      operationId: machine_read
      security: [{{ machine: [read] }}]
      responses: {{ "200": {{ description: ok }} }}
  /user:
    get:
      operationId: user_read
      security: [{{ user: [] }}]
      responses: {{ "200": {{ description: ok }} }}
"#
    );
    std::fs::write(dir.join("openapi.yaml"), document).unwrap();
    let config = CredentialsConfig::parse(
        &format!(
            "credentials:\n  machine:\n    oauth2:\n      client_id: svc\n      client_secret: {{ file: secret }}\n      resource: {RESOURCE}\n      expiry_skew_seconds: 1\n  user:\n    oauth2:\n      client_id: svc\n      client_secret: {{ file: secret }}\n      refresh_token: {{ file: refresh }}\n      expiry_skew_seconds: 1\n"
        ),
        "credentials.yaml",
        &dir,
    )
    .unwrap();
    let api = crate::util::load_spec(&dir.join("openapi.yaml"))
        .api
        .expect("the test document loads");
    let credentials = Credentials::new(&api, &config).expect("the configuration fits");
    let status = credentials.status();
    assert!(
        status.iter().all(|s| s.configured),
        "both schemes configured: {status:?}"
    );
    let server = McpServer::new(
        api,
        ServeOptions {
            target: Target {
                base_url: Some(upstream.clone()),
                ..Default::default()
            },
            credentials: Arc::new(credentials),
            ..Default::default()
        },
    );
    let mut results = Vec::new();

    // Eight concurrent calls: one token fetch, one token on every request.
    let calls: Vec<_> = (0..8).map(|_| call(&server, "machine_read")).collect();
    let answers = futures::future::join_all(calls).await;
    for answer in &answers {
        assert!(!is_error(answer), "{answer}");
    }
    results.extend(answers);
    assert_eq!(
        stats(&http, &auth).await,
        (1, 0),
        "one fetch for eight calls"
    );
    let first_token = {
        let seen = seen.0.lock().unwrap();
        assert_eq!(seen.len(), 8);
        assert!(seen.iter().all(|(t, _)| t == &seen[0].0), "one token");
        let claims = &seen[0].1;
        assert_eq!(claims["client_id"], "svc");
        assert_eq!(claims["aud"], RESOURCE);
        assert_eq!(claims["scope"], "read", "the scopes the operation requires");
        seen[0].0.clone()
    };

    // After the token expires, the next call fetches another.
    tokio::time::sleep(Duration::from_millis(TOKEN_TTL * 1000 + 300)).await;
    let answer = call(&server, "machine_read").await;
    assert!(!is_error(&answer), "{answer}");
    results.push(answer);
    assert_eq!(
        stats(&http, &auth).await,
        (2, 0),
        "a new token after expiry"
    );
    let second_token = seen.0.lock().unwrap().last().unwrap().0.clone();
    assert_ne!(second_token, first_token);

    // A revoked token is refused with 401: one retry with a fresh token succeeds.
    let revoked = http
        .post(format!("{auth}/token/revocation"))
        .basic_auth("svc", Some(&first_secret))
        .form(&[("token", second_token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "{}", revoked.status());
    let before = seen.0.lock().unwrap().len();
    let answer = call(&server, "machine_read").await;
    assert!(!is_error(&answer), "{answer}");
    results.push(answer);
    {
        let seen = seen.0.lock().unwrap();
        assert_eq!(seen.len(), before + 2, "the refused request and its retry");
        assert_eq!(seen[before].0, second_token);
        assert_eq!(seen[before].1["active"], false);
        assert_ne!(seen[before + 1].0, second_token);
    }
    assert_eq!(stats(&http, &auth).await, (3, 0));

    // The secret is rotated at the server: until the file has it too, fetching fails with
    // a message that names the endpoint and never the secret; then it works, no restart.
    post(
        &http,
        format!("{auth}/test/clients"),
        json!({"client_id": "svc", "client_secret": second_secret}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(TOKEN_TTL * 1000 + 300)).await;
    let refused = call(&server, "machine_read").await;
    assert!(is_error(&refused), "{refused}");
    let message = refused["content"][0]["text"].as_str().unwrap().to_string();
    assert!(
        message.contains(&format!("{auth}/token")) && message.contains("invalid_client"),
        "{message}"
    );
    results.push(refused);
    std::fs::write(dir.join("secret"), &second_secret).unwrap();
    let answer = call(&server, "machine_read").await;
    assert!(!is_error(&answer), "{answer}");
    results.push(answer);

    // The refresh token grant, with the endpoint from discovery. The server rotates the
    // refresh token on every use and revokes the grant if an old one is replayed, so the
    // third call works only if mcpgen kept the rotated one.
    for round in 1..=3 {
        let answer = call(&server, "user_read").await;
        assert!(!is_error(&answer), "round {round}: {answer}");
        let body: Value =
            serde_json::from_str(answer["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(body["sub"], "alice", "the user's token: {answer}");
        results.push(answer);
        assert_eq!(stats(&http, &auth).await.1, round);
        tokio::time::sleep(Duration::from_millis(TOKEN_TTL * 1000 + 300)).await;
    }

    // No secret, refresh token or access token in any result or log line.
    let mut secrets = vec![first_secret, second_secret, refresh];
    secrets.extend(seen.0.lock().unwrap().iter().map(|(t, _)| t.clone()));
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("fetched an access token"),
        "logs were captured"
    );
    let results = serde_json::to_string(&results).unwrap();
    for secret in &secrets {
        assert!(
            !results.contains(secret.as_str()),
            "a secret in a tool result"
        );
        assert!(!logs.contains(secret.as_str()), "a secret in the logs");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
