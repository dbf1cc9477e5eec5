//! Credentials end to end: the auth-heavy corpus documents served with a unique canary secret
//! per scheme, against a local httpbin-like upstream that echoes every header and query string
//! back (the worst case: an API that reflects the credential it was sent).
//!
//! Asserted: each request carried the right credential in the right place; no canary appears
//! in tools/list, in any tool result (successes, upstream 401 and 500, an unreachable
//! upstream, bad arguments, missing credentials) or in any log line at trace level.

use crate::util::{call_tool as call, load_spec};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use mcpgen_runtime::credentials::{Credentials, CredentialsConfig};
use mcpgen_runtime::model::Api;
use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use mcpgen_runtime::tools_list::tools_json;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One request as the upstream received it.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// Records the request and echoes its headers and query, like httpbin's `/anything`;
/// `/status/401` and `/status/500` answer with that status and the same echo.
async fn echo(State(log): State<Log>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let seen = Seen {
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
            .collect(),
    };
    let body = json!({
        "headers": seen
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
        "query": seen.query,
    });
    let status = match seen.path.as_str() {
        "/status/401" => StatusCode::UNAUTHORIZED,
        "/status/500" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::OK,
    };
    log.lock().unwrap().push(seen);
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn start_upstream() -> (String, Log, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let app = axum::Router::new()
        .fallback(echo)
        .with_state(Arc::clone(&log));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, log, task)
}

/// Log lines at every level, as a string.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Log lines at every level from this thread, until the guard drops (tests that use it run
/// on a current-thread runtime, so every task logs here).
pub fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

fn load(root: &str) -> Api {
    let outcome = load_spec(&Path::new("../specs/corpus").join(root));
    outcome.api.expect("the document loads")
}

/// A folder of credential files for one test run.
fn secrets_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpgen-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn server(api: &Api, base_url: String, config: &CredentialsConfig) -> McpServer {
    let credentials = Credentials::new(api, config).expect("the configuration fits the document");
    McpServer::new(
        api.clone(),
        ServeOptions {
            target: Target {
                base_url: Some(base_url),
                ..Default::default()
            },
            credentials: Arc::new(credentials),
            ..Default::default()
        },
    )
}

#[tokio::test(flavor = "current_thread")]
async fn canaries_reach_the_upstream_and_nothing_else() {
    let (captured, _logs) = capture_logs();

    let run = std::process::id();
    let canary = |scheme: &str| format!("canary-{scheme}-{run}-Zq7");
    let schemes = [
        "apiKey_query",
        "apiKey_header",
        "apiKey_cookie",
        "basic",
        "bearer",
        "bearer_jwt",
        "oauth2",
        "oauth2_authorizationCode",
        "oauth2_clientCredentials",
        "oauth2_implicit",
        "oauth2_password",
        "openIdConnect",
    ];
    let dir = secrets_dir("canary");
    let mut yaml = String::from("credentials:\n");
    for scheme in schemes {
        let value = if scheme == "basic" {
            format!("alice:{}", canary(scheme))
        } else {
            canary(scheme)
        };
        std::fs::write(dir.join(scheme), format!("{value}\n")).unwrap();
        yaml.push_str(&format!("  {scheme}: {{ file: {scheme} }}\n"));
    }
    let config = CredentialsConfig::parse(&yaml, "credentials.yaml", &dir).unwrap();
    let api = load("readme-oas-examples/3.1/yaml/security.yaml");
    let (url, log, task) = start_upstream().await;
    let served = server(&api, url, &config);

    let mut results = vec![serde_json::to_string(&tools_json(&api)).unwrap()];
    let expect = [
        ("get_anything_apiKey", "apiKey_query"),
        ("put_anything_apiKey", "apiKey_header"),
        ("post_anything_apiKey", "apiKey_cookie"),
        ("post_anything_basic", "basic"),
        ("put_anything_bearer", "bearer_jwt"),
        ("post_anything_bearer", "bearer"),
        ("get_anything_oauth2", "oauth2_authorizationCode"),
        ("put_anything_oauth2", "oauth2_clientCredentials"),
        ("delete_anything_oauth2", "oauth2_password"),
        ("patch_anything_oauth2", "oauth2_implicit"),
        ("post_anything_openIdConnect", "openIdConnect"),
        ("post_status_401", "apiKey_header"),
    ];
    for (tool, scheme) in expect {
        let result = call(&served, tool, json!({})).await;
        let seen = log
            .lock()
            .unwrap()
            .pop()
            .expect("the call reached the upstream");
        let secret = canary(scheme);
        match scheme {
            "apiKey_query" => assert_eq!(
                seen.query.as_deref(),
                Some(format!("apiKey={secret}").as_str())
            ),
            "apiKey_header" => assert_eq!(seen.header("x-api-key"), Some(secret.as_str())),
            "apiKey_cookie" => assert_eq!(
                seen.header("cookie"),
                Some(format!("api_key={secret}").as_str())
            ),
            "basic" => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("alice:{secret}"));
                assert_eq!(
                    seen.header("authorization"),
                    Some(format!("Basic {encoded}").as_str())
                );
            }
            _ => assert_eq!(
                seen.header("authorization"),
                Some(format!("Bearer {secret}").as_str()),
                "{tool}"
            ),
        }
        // The upstream echoed the credential; the model sees it redacted.
        let text = result.to_string();
        assert!(text.contains("[REDACTED]"), "{tool}: {text}");
        assert_eq!(
            result["isError"],
            json!(tool == "post_status_401"),
            "{tool}: {text}"
        );
        results.push(text);
    }

    // Mutual TLS with no certificate configured: the message says what to set; nothing is sent.
    let mtls = call(&served, "post_anything_mutualTLS", json!({})).await;
    assert_eq!(mtls["isError"], json!(true));
    assert!(mtls.to_string().contains("client_certificate"), "{mtls}");
    assert!(log.lock().unwrap().is_empty());
    results.push(mtls.to_string());

    // Bad arguments: refused before any credential is read.
    let bad = call(&served, "get_anything_apiKey", json!({"nope": 1})).await;
    assert_eq!(bad["isError"], json!(true));
    results.push(bad.to_string());

    // An unreachable upstream, with the key in the query string of the failed URL.
    task.abort();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = server(&api, dead, &config);
    let failed = call(&unreachable, "get_anything_apiKey", json!({})).await;
    assert_eq!(failed["isError"], json!(true), "{failed}");
    results.push(failed.to_string());

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("calling upstream"),
        "trace logs were captured"
    );
    for scheme in schemes {
        let secret = canary(scheme);
        for text in &results {
            assert!(
                !text.contains(&secret),
                "{scheme} leaked into a result: {text}"
            );
        }
        assert!(!logs.contains(&secret), "{scheme} leaked into the logs");
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("alice:{secret}"));
        assert!(!logs.contains(&encoded) && results.iter().all(|t| !t.contains(&encoded)));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn with_no_credentials_a_call_names_what_to_set() {
    let api = load("readme-oas-examples/3.1/yaml/security.yaml");
    let (url, log, _task) = start_upstream().await;
    let served = server(&api, url, &CredentialsConfig::default());
    let result = call(&served, "put_anything_apiKey", json!({})).await;
    assert_eq!(result["isError"], json!(true));
    assert_eq!(
        result["content"][0]["text"],
        json!(
            "Cannot call `put_anything_apiKey`: it needs credentials and none of its options is configured. Set environment variable MCPGEN_CRED_APIKEY_HEADER for `apiKey_header` (API key in header `X-API-KEY`). Or give the scheme another source in a credentials file (`--credentials FILE`)."
        )
    );
    assert!(log.lock().unwrap().is_empty(), "nothing was sent");
    // An operation without security needs nothing.
    let open = call(&served, "post_anything_no-auth", json!({})).await;
    assert_eq!(open["isError"], json!(false), "{open}");
}

#[tokio::test]
async fn the_first_configured_alternative_wins() {
    // petstore3: `api_key` (header) or `petstore_auth` (OAuth 2.0) on most pet operations.
    let api = load("swagger-petstore3/openapi.yaml");
    let tool = api.tools.iter().find(|t| t.name == "getPetById").unwrap();
    assert_eq!(tool.security.len(), 2, "{:?}", tool.security);
    let dir = secrets_dir("alternatives");
    std::fs::write(dir.join("token"), "oauth-token-value").unwrap();
    let config = CredentialsConfig::parse(
        "credentials:\n  petstore_auth: { file: token }\n  api_key: { command: [sh, -c, 'exit 0'] }\n",
        "c.yaml",
        &dir,
    )
    .unwrap();
    let (url, log, _task) = start_upstream().await;
    // The api_key command is configured but prints nothing: its alternative is chosen first
    // (configured) and its failure is reported, naming the source and never a value.
    let served = server(&api, url.clone(), &config);
    let failed = call(&served, "getPetById", json!({"petId": 1})).await;
    assert_eq!(failed["isError"], json!(true));
    assert!(failed.to_string().contains("printed nothing"), "{failed}");
    // With only OAuth configured, the second alternative is used.
    let only_oauth = CredentialsConfig::parse(
        "credentials:\n  petstore_auth: { file: token }\n",
        "c.yaml",
        &dir,
    )
    .unwrap();
    let served = server(&api, url, &only_oauth);
    call(&served, "getPetById", json!({"petId": 1})).await;
    let seen = log.lock().unwrap().pop().unwrap();
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer oauth-token-value")
    );
    assert_eq!(seen.header("api_key"), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_configuration_naming_an_unknown_scheme_is_refused() {
    let api = load("swagger-petstore3/openapi.yaml");
    let config = CredentialsConfig::parse(
        "credentials:\n  apikey: { env: X }\n",
        "c.yaml",
        Path::new("."),
    )
    .unwrap();
    let error = Credentials::new(&api, &config).unwrap_err().0;
    assert_eq!(
        error,
        "credentials: the document has no security scheme `apikey`; its schemes are: api_key, petstore_auth"
    );
}

#[test]
fn credential_parameters_are_not_model_inputs() {
    // petstore3's deletePet also lists the `api_key` header of the document's API key scheme
    // as a parameter: mcpgen must not ask the model for it.
    let api = load("swagger-petstore3/openapi.yaml");
    for tool in &api.tools {
        let properties = tool.input_schema["properties"].as_object().unwrap();
        assert!(!properties.contains_key("api_key"), "{}", tool.name);
    }
}

#[tokio::test]
async fn schemes_that_share_the_authorization_header_are_not_combined() {
    // security-multiple's `/anything/and` needs an API key, HTTP basic and OAuth 2.0 at once:
    // two of them would be the one Authorization header, so no request can satisfy it.
    let api = load("readme-oas-examples/3.0/yaml/security-multiple.yaml");
    let dir = secrets_dir("clash");
    let mut yaml = String::from("credentials:\n");
    for scheme in api.security_schemes.keys() {
        std::fs::write(dir.join(scheme), "alice:value-for-clash-test").unwrap();
        yaml.push_str(&format!("  {scheme}: {{ file: {scheme} }}\n"));
    }
    let config = CredentialsConfig::parse(&yaml, "c.yaml", &dir).unwrap();
    let (url, log, _task) = start_upstream().await;
    let served = server(&api, url, &config);
    let result = call(&served, "post_anything_and", json!({})).await;
    assert_eq!(
        result["content"][0]["text"],
        json!(
            "Cannot call `post_anything_and`: its security requirement needs `basic` and `oauth2` together, and each is sent in the `Authorization` header, which a request carries once. Configure another of its options."
        )
    );
    assert!(log.lock().unwrap().is_empty(), "nothing was sent");
    // `/anything/many-and-or` skips its clashing options for the first one that works.
    call(&served, "post_anything_many-and-or", json!({})).await;
    let seen = log.lock().unwrap().pop().expect("sent");
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer alice:value-for-clash-test")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
