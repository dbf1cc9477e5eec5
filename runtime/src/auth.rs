//! The OAuth 2.1 resource server that guards Streamable HTTP, as the MCP 2026-07-28
//! authorization rules ask: a client must bring an access token issued for this server by the
//! configured authorization server; without one it gets a 401 whose `WWW-Authenticate` header
//! points at this server's RFC 9728 metadata, which names the authorization server.
//!
//! JWT access tokens are checked against the issuer's signing keys (found from its metadata,
//! cached, fetched again when a token names a key not seen yet): signature with an allowed
//! asymmetric algorithm (never `none` or a shared-secret HMAC), issuer, audience = this server's
//! canonical resource URI, expiry and not-before. Other tokens are opaque: the authorization
//! server says whether they are active (RFC 7662 introspection). A token without the scopes
//! the server requires gets a 403 `insufficient_scope` naming them, so the client can ask for
//! more (step-up). The token is never forwarded upstream: it proves who calls, nothing else.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Who a verified token says is calling: what policy, audit and upstream identity use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Principal {
    /// The token's subject (`sub`).
    pub subject: Option<String>,
    /// The OAuth client the token was issued to (`client_id`, else `azp`).
    pub client_id: Option<String>,
    /// The token's scopes.
    pub scopes: Vec<String>,
    /// Every claim of the token (JWT) or introspection answer (opaque), for policy.
    pub claims: Map<String, Value>,
}

/// The access token a request carried, kept beside its [`Principal`] for the token exchange
/// (RFC 8693). Never logged, and never sent upstream as it is.
#[derive(Clone)]
pub struct PresentedToken(pub SecretString);

/// How the resource server is set up.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// The authorization server's issuer identifier (its metadata is found from it).
    pub issuer: String,
    /// This server's canonical resource URI (e.g. `https://mcp.example.com/mcp`): the
    /// audience tokens must be issued for.
    pub resource: String,
    /// Scopes every call needs.
    pub required_scopes: Vec<String>,
    /// A client of the authorization server allowed to introspect opaque tokens.
    pub introspection_client: Option<(String, SecretString)>,
    /// Accepts JWT access tokens whose `typ` header is not `at+jwt` (RFC 9068 asks for it;
    /// some authorization servers, such as Microsoft Entra ID, send `JWT`).
    pub any_jwt_type: bool,
}

impl AuthConfig {
    /// Refuses a configuration that would send or accept tokens in clear over a network: the
    /// issuer and the resource must be `https` unless they are on this machine (loopback).
    pub fn check(&self) -> Result<(), String> {
        for (what, url) in [
            ("--auth-issuer", &self.issuer),
            ("--auth-resource", &self.resource),
        ] {
            let parsed = reqwest::Url::parse(url)
                .map_err(|e| format!("{what} {url} is not an absolute URL: {e}"))?;
            match parsed.scheme() {
                "https" => {}
                "http" if is_loopback(&parsed) => {}
                "http" => {
                    return Err(format!(
                        "{what} {url} must use https: tokens may only travel in clear to this machine (localhost, 127.0.0.1 or ::1)"
                    ));
                }
                other => return Err(format!("{what} {url}: expected https, not {other}")),
            }
            if parsed.fragment().is_some() {
                return Err(format!("{what} {url} may not have a #fragment"));
            }
        }
        Ok(())
    }
}

/// Whether `url` is `https`, or `http` to this machine: where a token may be sent.
pub fn is_secure_or_local(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| u.scheme() == "https" || (u.scheme() == "http" && is_loopback(&u)))
}

/// Whether a URL's host is this machine.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Why a request is refused: the status and the `WWW-Authenticate` header it gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// 401 (no valid token) or 403 (a valid token without the needed scopes).
    pub status: u16,
    /// `invalid_token` or `insufficient_scope`; `None` when no token was given.
    pub error: Option<&'static str>,
    /// What was wrong, for the client's developer (never the token).
    pub description: String,
}

/// The signing algorithms accepted: asymmetric only, so a public key can never be used as an
/// HMAC secret, and never `none`.
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How often the signing keys may be fetched again for a key id not seen yet.
const JWKS_REFRESH_GAP: Duration = Duration::from_secs(10);
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 5;
/// How long an introspection answer is kept (at most until the token expires).
const INTROSPECTION_CACHE: Duration = Duration::from_secs(60);

/// The resource server: checks bearer tokens; shared by every request.
pub struct ResourceServer {
    config: AuthConfig,
    http: reqwest::Client,
    /// Held only for lookups, never across a network call.
    state: std::sync::Mutex<State>,
    /// Where refused requests are recorded, when the server keeps an audit trail.
    audit: Option<std::sync::Arc<crate::audit::AuditLog>>,
    /// One fetch from the authorization server at a time; requests whose key is cached never
    /// wait for it.
    fetching: Mutex<()>,
}

/// What is fetched from the authorization server and kept.
#[derive(Default)]
struct State {
    metadata: Option<Value>,
    keys: Option<JwkSet>,
    /// When the keys were last asked for (whether or not that worked): the refetch throttle.
    keys_attempted: Option<Instant>,
    /// Introspection answers by token hash, each kept until its instant.
    introspected: HashMap<String, (Instant, Result<Principal, String>)>,
}

/// Most introspection answers kept; beyond it the expired ones go, then all.
const INTROSPECTION_ENTRIES: usize = 10_000;

/// Why a token could not be accepted: the token's fault (401), or the authorization server
/// could not be asked (503, so that clients do not throw valid tokens away).
enum Failure {
    Token(String),
    Server(String),
}

impl std::fmt::Debug for ResourceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceServer")
            .field("issuer", &self.config.issuer)
            .field("resource", &self.config.resource)
            .finish()
    }
}

impl ResourceServer {
    /// A resource server for `config`; nothing is fetched until the first token arrives.
    pub fn new(config: AuthConfig) -> Self {
        // No idle connections kept: the authorization server is asked seldom (keys on a new
        // kid, introspection once a minute per token), by when a kept connection may be gone
        // (a restart, a load balancer's idle timeout) and a request on it would fail.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        ResourceServer {
            config,
            http,
            state: std::sync::Mutex::new(State::default()),
            audit: None,
            fetching: Mutex::new(()),
        }
    }

    /// Records every refused request in `audit` too (as `decision: deny`, outcome
    /// `unauthenticated` or `forbidden`, the tool when the request names it).
    pub fn with_audit(mut self, audit: Option<std::sync::Arc<crate::audit::AuditLog>>) -> Self {
        self.audit = audit;
        self
    }

    /// Records one refused request.
    pub fn record_refusal(&self, refusal: &Refusal, tool: Option<&str>) {
        let Some(audit) = &self.audit else { return };
        audit.record(&crate::audit::AuditEvent {
            tool: tool.unwrap_or_default().chars().take(128).collect(),
            decision: "deny",
            rule: Some(refusal.error.unwrap_or("no_token").to_string()),
            outcome: match refusal.status {
                403 => "forbidden",
                503 => "unavailable",
                _ => "unauthenticated",
            },
            ..crate::audit::AuditEvent::default()
        });
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// The RFC 9728 protected resource metadata.
    pub fn metadata(&self) -> Value {
        let mut out = json!({
            "resource": self.config.resource,
            "authorization_servers": [self.config.issuer],
            "bearer_methods_supported": ["header"],
            "resource_name": "mcpgen",
        });
        if !self.config.required_scopes.is_empty() {
            out["scopes_supported"] = json!(self.config.required_scopes);
        }
        out
    }

    /// Where the metadata is served: the well-known path with the resource's path appended
    /// (RFC 9728 section 3.1).
    pub fn metadata_url(&self) -> String {
        let resource = &self.config.resource;
        let (origin, path) = match resource.split_once("://") {
            Some((scheme, rest)) => match rest.find('/') {
                Some(i) => (format!("{scheme}://{}", &rest[..i]), &rest[i..]),
                None => (resource.clone(), ""),
            },
            None => (resource.clone(), ""),
        };
        // RFC 9728: a resource without a path (or just `/`) has no suffix.
        let path = if path == "/" { "" } else { path };
        format!("{origin}/.well-known/oauth-protected-resource{path}")
    }

    /// The `WWW-Authenticate` header value for a refusal.
    pub fn challenge(&self, refusal: &Refusal) -> String {
        let mut value = format!("Bearer resource_metadata=\"{}\"", self.metadata_url());
        if !self.config.required_scopes.is_empty() {
            value.push_str(&format!(
                ", scope=\"{}\"",
                self.config.required_scopes.join(" ")
            ));
        }
        if let Some(error) = refusal.error {
            let description = refusal.description.replace(['"', '\\'], "'");
            value.push_str(&format!(
                ", error=\"{error}\", error_description=\"{description}\""
            ));
        }
        value
    }

    /// The bearer token of an `Authorization` header, once [`ResourceServer::authenticate`]
    /// accepted it.
    pub fn presented_token(authorization: &str) -> Option<PresentedToken> {
        let (scheme, token) = authorization.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| PresentedToken(SecretString::from(token.trim())))
    }

    /// Checks the `Authorization` header of a request.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, Refusal> {
        let invalid = |description: String| Refusal {
            status: 401,
            error: Some("invalid_token"),
            description,
        };
        let Some(header) = authorization else {
            return Err(Refusal {
                status: 401,
                error: None,
                description: "an access token is required".into(),
            });
        };
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(invalid("expected `Authorization: Bearer TOKEN`".into())),
        };
        let checked = if token.split('.').count() == 3 {
            self.check_jwt(token).await
        } else {
            self.introspect(token).await
        };
        let principal = match checked {
            Ok(principal) => principal,
            Err(Failure::Token(why)) => return Err(invalid(why)),
            Err(Failure::Server(detail)) => {
                tracing::warn!(detail = %detail, "cannot check an access token");
                return Err(Refusal {
                    status: 503,
                    error: None,
                    description: "the authorization server cannot be asked about the token right now; try again".into(),
                });
            }
        };
        let missing: Vec<&String> = self
            .config
            .required_scopes
            .iter()
            .filter(|s| !principal.scopes.contains(s))
            .collect();
        if !missing.is_empty() {
            return Err(Refusal {
                status: 403,
                error: Some("insufficient_scope"),
                description: format!(
                    "the token lacks the scope{} {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            });
        }
        Ok(principal)
    }

    async fn check_jwt(&self, token: &str) -> Result<Principal, Failure> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| {
                // `alg: none` and other unknown algorithms fail here, before any key is used.
                if e.to_string().contains("unknown variant") {
                    "the signing algorithm is not accepted".to_string()
                } else {
                    format!("not a valid JWT header: {e}")
                }
            })
            .map_err(Failure::Token)?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Failure::Token(format!(
                "the signing algorithm {:?} is not accepted",
                header.alg
            )));
        }
        // RFC 9068: a JWT access token says so in its type, so an ID token or another JWT
        // signed by the same keys is never taken for one.
        let typ = header.typ.as_deref().unwrap_or("");
        let is_access_token =
            typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt");
        if !is_access_token && !self.config.any_jwt_type {
            // The caller's text, shown only in a harmless form.
            let shown: String = typ
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "+-./".contains(*c))
                .take(40)
                .collect();
            return Err(Failure::Token(format!(
                "the token's type is `{}`, not `at+jwt` (RFC 9068), so it is not taken for an access token; if the authorization server issues access tokens so, serve with --auth-any-jwt-type",
                if shown.is_empty() { "(none)" } else { &shown }
            )));
        }
        let kid = header.kid.clone().unwrap_or_default();
        let key = self.signing_key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.resource]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "the token has expired".to_string()
                }
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => {
                    "the token is not valid yet".to_string()
                }
                jsonwebtoken::errors::ErrorKind::InvalidAudience => format!(
                    "the token is not for this server (audience {})",
                    self.config.resource
                ),
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                    format!("the token was not issued by {}", self.config.issuer)
                }
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    "the signature does not match".to_string()
                }
                _ => format!("the token is not valid: {e}"),
            })
            .map_err(Failure::Token)?;
        Ok(principal_from(data.claims))
    }

    /// The decoding key for `kid`, fetching the signing keys when it is not known yet (at
    /// most once per [`JWKS_REFRESH_GAP`], whether the last fetch worked or not).
    async fn signing_key(&self, kid: &str) -> Result<DecodingKey, Failure> {
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        let _one_at_a_time = self.fetching.lock().await;
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        let throttled = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let recently = state
                .keys_attempted
                .is_some_and(|at| at.elapsed() < JWKS_REFRESH_GAP);
            if !recently {
                state.keys_attempted = Some(Instant::now());
            }
            recently
        };
        if !throttled {
            let metadata = self.metadata_of_issuer().await?;
            let uri = metadata
                .get("jwks_uri")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Failure::Server("the authorization server's metadata has no jwks_uri".into())
                })?
                .to_string();
            if !is_secure_or_local(&uri) {
                return Err(Failure::Server(format!(
                    "the authorization server's jwks_uri {uri} is not https"
                )));
            }
            let keys: JwkSet = self
                .fetch_json(&uri)
                .await
                .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
                .map_err(|e| {
                    Failure::Server(format!("cannot read the signing keys at {uri}: {e}"))
                })?;
            self.state.lock().unwrap_or_else(|e| e.into_inner()).keys = Some(keys);
        }
        // The kid is the caller's text: it is not repeated back.
        self.cached_key(kid).ok_or_else(|| {
            Failure::Token(
                "the token is signed with a key the authorization server does not publish".into(),
            )
        })
    }

    fn cached_key(&self, kid: &str) -> Option<DecodingKey> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let keys = state.keys.as_ref()?;
        let jwk = if kid.is_empty() && keys.keys.len() == 1 {
            keys.keys.first()
        } else {
            keys.find(kid)
        }?;
        DecodingKey::from_jwk(jwk).ok()
    }

    /// The authorization server's metadata (RFC 8414, else OpenID Connect discovery), fetched
    /// once. Callers hold `fetching`.
    async fn metadata_of_issuer(&self) -> Result<Value, Failure> {
        if let Some(metadata) = &self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .metadata
        {
            return Ok(metadata.clone());
        }
        let issuer = self.config.issuer.trim_end_matches('/');
        let mut last = String::new();
        for path in [
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ] {
            match self.fetch_json(&format!("{issuer}{path}")).await {
                Ok(metadata) => {
                    if metadata.get("issuer").and_then(Value::as_str)
                        != Some(self.config.issuer.as_str())
                    {
                        last = "its metadata names another issuer".into();
                        continue;
                    }
                    self.state
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .metadata = Some(metadata.clone());
                    return Ok(metadata);
                }
                Err(e) => last = e,
            }
        }
        Err(Failure::Server(format!(
            "cannot read the authorization server's metadata at {issuer}: {last}"
        )))
    }

    async fn fetch_json(&self, url: &str) -> Result<Value, String> {
        let response = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))
    }

    /// Asks the authorization server about an opaque token (RFC 7662). An answer is kept for
    /// at most [`INTROSPECTION_CACHE`] and never past the token's expiry, so a revoked token
    /// may pass for up to that long.
    async fn introspect(&self, token: &str) -> Result<Principal, Failure> {
        let Some((client_id, secret)) = &self.config.introspection_client else {
            return Err(Failure::Token("the token is not a JWT, and opaque tokens need an introspection client (--auth-introspection-client)".into()));
        };
        // Keyed by the token's hash, so the cache never holds a token.
        let key = crate::audit::sha256_hex(token.as_bytes());
        if let Some((until, answer)) = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .introspected
            .get(&key)
            && Instant::now() < *until
        {
            return answer.clone().map_err(Failure::Token);
        }
        let metadata = {
            let _one_at_a_time = self.fetching.lock().await;
            self.metadata_of_issuer().await?
        };
        let endpoint = metadata
            .get("introspection_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Failure::Server("the authorization server does not offer introspection".into())
            })?
            .to_string();
        if !is_secure_or_local(&endpoint) {
            return Err(Failure::Server(format!(
                "the introspection endpoint {endpoint} is not https"
            )));
        }
        let response = self
            .http
            .post(&endpoint)
            .basic_auth(client_id, Some(secret.expose_secret()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "token={}&token_type_hint=access_token",
                crate::request::form_encode(token)
            ))
            .send()
            .await
            .map_err(|e| {
                Failure::Server(format!("cannot reach the introspection endpoint: {e}"))
            })?;
        if !response.status().is_success() {
            return Err(Failure::Server(format!(
                "the introspection endpoint answered {}",
                response.status()
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Server(format!("cannot read the introspection answer: {e}")))?;
        let answer: Map<String, Value> = serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Server(format!("the introspection answer is not JSON: {e}")))?;
        let expires_in = answer
            .get("exp")
            .and_then(Value::as_u64)
            .map(|exp| Duration::from_secs(exp.saturating_sub(unix_now())));
        let result = self.judge_introspection(answer);
        let keep = expires_in.map_or(INTROSPECTION_CACHE, |left| left.min(INTROSPECTION_CACHE));
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.introspected.len() >= INTROSPECTION_ENTRIES {
            let now = Instant::now();
            state.introspected.retain(|_, (until, _)| now < *until);
            if state.introspected.len() >= INTROSPECTION_ENTRIES {
                state.introspected.clear();
            }
        }
        state
            .introspected
            .insert(key, (Instant::now() + keep, result.clone()));
        result.map_err(Failure::Token)
    }

    fn judge_introspection(&self, answer: Map<String, Value>) -> Result<Principal, String> {
        if answer.get("active") != Some(&Value::Bool(true)) {
            return Err("the token is not active (expired, revoked or unknown)".into());
        }
        let now = unix_now();
        if answer
            .get("exp")
            .and_then(Value::as_u64)
            .is_some_and(|exp| exp + LEEWAY_SECONDS < now)
        {
            return Err("the token has expired".into());
        }
        let audience_ok = match answer.get("aud") {
            Some(Value::String(aud)) => aud == &self.config.resource,
            Some(Value::Array(auds)) => auds
                .iter()
                .any(|a| a.as_str() == Some(&self.config.resource)),
            _ => false,
        };
        if !audience_ok {
            return Err(format!(
                "the token is not for this server (audience {})",
                self.config.resource
            ));
        }
        if let Some(iss) = answer.get("iss").and_then(Value::as_str)
            && iss != self.config.issuer
        {
            return Err(format!(
                "the token was not issued by {}",
                self.config.issuer
            ));
        }
        Ok(principal_from(answer))
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// A token's claims as a principal.
fn principal_from(claims: Map<String, Value>) -> Principal {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    Principal {
        subject: text("sub"),
        client_id: text("client_id").or_else(|| text("azp")),
        scopes,
        claims,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(resource: &str, scopes: &[&str]) -> ResourceServer {
        ResourceServer::new(AuthConfig {
            issuer: "https://id.example.com".into(),
            resource: resource.into(),
            required_scopes: scopes.iter().map(|s| s.to_string()).collect(),
            introspection_client: None,
            any_jwt_type: false,
        })
    }

    #[test]
    fn metadata_lives_at_the_path_suffixed_well_known_url() {
        let s = server("https://mcp.example.com/mcp", &["tools"]);
        assert_eq!(
            s.metadata_url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            s.metadata()["authorization_servers"],
            json!(["https://id.example.com"])
        );
        assert_eq!(
            server("https://h.example/api/mcp", &[]).metadata_url(),
            "https://h.example/.well-known/oauth-protected-resource/api/mcp"
        );
        assert_eq!(
            server("https://h.example/", &[]).metadata_url(),
            "https://h.example/.well-known/oauth-protected-resource"
        );
        let challenge = s.challenge(&Refusal {
            status: 403,
            error: Some("insufficient_scope"),
            description: "the token lacks the scope \"tools\"".into(),
        });
        assert_eq!(
            challenge,
            "Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\", scope=\"tools\", error=\"insufficient_scope\", error_description=\"the token lacks the scope 'tools'\""
        );
    }

    #[test]
    fn tokens_travel_in_clear_only_on_this_machine() {
        let config = |issuer: &str, resource: &str| AuthConfig {
            issuer: issuer.into(),
            resource: resource.into(),
            required_scopes: Vec::new(),
            introspection_client: None,
            any_jwt_type: false,
        };
        assert!(
            config("https://id.example.com", "https://mcp.example.com/mcp")
                .check()
                .is_ok()
        );
        assert!(
            config("http://127.0.0.1:9000", "http://localhost:8080/mcp")
                .check()
                .is_ok()
        );
        assert!(
            config("http://[::1]:9000", "http://127.0.0.1/mcp")
                .check()
                .is_ok()
        );
        let clear = config("http://id.example.com", "https://mcp.example.com/mcp").check();
        assert!(
            clear
                .unwrap_err()
                .contains("--auth-issuer http://id.example.com must use https")
        );
        let resource = config("https://id.example.com", "http://10.0.0.5/mcp").check();
        assert!(resource.unwrap_err().contains("--auth-resource"));
        assert!(config("id.example.com", "https://m/mcp").check().is_err());
        assert!(is_secure_or_local("https://id.example.com/jwks"));
        assert!(!is_secure_or_local("http://id.example.com/jwks"));
        assert!(is_secure_or_local("http://127.0.0.1:9/jwks"));
    }

    #[tokio::test]
    async fn missing_and_malformed_headers_are_refused_without_a_fetch() {
        let s = server("https://mcp.example.com/mcp", &[]);
        let none = s.authenticate(None).await.unwrap_err();
        assert_eq!((none.status, none.error), (401, None));
        let basic = s.authenticate(Some("Basic abc")).await.unwrap_err();
        assert_eq!(basic.error, Some("invalid_token"));
        // `alg: none` is refused before any key is looked for.
        let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
        let refused = s
            .authenticate(Some(&format!("Bearer {unsigned}")))
            .await
            .unwrap_err();
        assert_eq!(refused.error, Some("invalid_token"), "{refused:?}");
    }
}
