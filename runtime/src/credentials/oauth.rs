//! Access tokens that mcpgen fetches itself for OAuth 2.0 and OpenID Connect schemes: the
//! client credentials grant or the refresh token grant (RFC 6749), or the token exchange
//! grant (RFC 8693) on behalf of the caller, at the token endpoint the operator names, the
//! document's flow names, or OpenID Connect discovery finds.
//!
//! An exchanged token belongs to one caller: it is kept by the caller's access token (its
//! hash, never the token) until it expires, so each caller's identity reaches the upstream
//! and no caller is ever sent another's token.
//!
//! A token is kept until shortly before it expires; concurrent calls wait for the one fetch
//! under way instead of each starting their own; a token the upstream refused is dropped so
//! the next call fetches a fresh one. A refresh token the server rotates replaces the
//! configured one until the operator's source changes.

use super::config::{ClientAuth, OAuthSettings};
use super::redact::Redactor;
use super::source::SecretReader;
use crate::request::form_encode;
use crate::upstream::innermost_cause;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Where the token endpoint is found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenEndpoint {
    /// The token endpoint itself.
    Url(String),
    /// An OpenID Connect discovery document whose `token_endpoint` is used.
    Discovery(String),
}

impl TokenEndpoint {
    fn describe(&self) -> String {
        match self {
            TokenEndpoint::Url(url) => format!("token endpoint {url}"),
            TokenEndpoint::Discovery(url) => format!("token endpoint discovered from {url}"),
        }
    }
}

/// One scheme's token fetcher and cache; shared by every call of a server.
pub struct TokenClient {
    endpoint: TokenEndpoint,
    client_id: String,
    client_secret: Option<SecretReader>,
    refresh_token: Option<SecretReader>,
    scopes: Vec<String>,
    resource: Option<String>,
    audience: Option<String>,
    client_auth: ClientAuth,
    expiry_skew: Duration,
    /// Whether tokens are the caller's exchanged (RFC 8693) rather than the client's own.
    exchange: bool,
    /// Held across a fetch: the single flight that concurrent calls wait on.
    state: tokio::sync::Mutex<State>,
    /// Exchanged tokens by the hash of the caller's token, each slot its own single flight.
    exchanged:
        std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<Option<Token>>>>>,
    /// A refresh token the server issued in place of the one configured. Saved by the
    /// exchange itself, the moment the answer is read, so that neither a later check nor a
    /// cancelled call can lose it (the server may already have revoked the old one).
    rotated: Arc<std::sync::Mutex<Option<Rotated>>>,
    /// Certificate authorities to trust besides the system's (`serve --ca-cert`).
    ca_certificates: Vec<std::path::PathBuf>,
    http: OnceLock<Result<reqwest::Client, String>>,
}

impl std::fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenClient")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    /// The token endpoint discovery found.
    discovered: Option<String>,
    /// The last failed fetch and when it ended: callers that were already waiting get its
    /// error instead of each trying a failing token endpoint in turn; later calls try again
    /// (a fixed secret file is picked up at once).
    failed: Option<(Instant, String)>,
}

struct Token {
    access: SecretString,
    /// When to fetch a new one; `None` when the server did not say when it expires.
    renew_at: Option<Instant>,
}

struct Rotated {
    /// The configured value it replaced: when the source changes, the source wins again.
    configured: SecretString,
    current: SecretString,
}

/// Most callers' exchanged tokens kept; beyond it the expired ones go, then every idle one.
const EXCHANGED_ENTRIES: usize = 10_000;

/// RFC 8693's name for the grant, and for an access token as the exchanged or issued kind.
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The longest lifetime believed: a larger `expires_in` is treated as this.
const LONGEST_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// How long a token endpoint or discovery request may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(30);

impl TokenClient {
    /// A token client from the operator's settings; `endpoint` is where the token endpoint
    /// is, and `scopes` what a client credentials grant asks for when the settings name none
    /// (a refresh token grant then asks for no scope: it keeps the scopes it was granted).
    pub fn new(settings: &OAuthSettings, endpoint: TokenEndpoint, scopes: Vec<String>) -> Self {
        let default_scopes = if settings.refresh_token.is_some() || settings.token_exchange {
            Vec::new()
        } else {
            scopes
        };
        TokenClient {
            endpoint,
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone().map(SecretReader::new),
            refresh_token: settings.refresh_token.clone().map(SecretReader::new),
            scopes: settings.scopes.clone().unwrap_or(default_scopes),
            resource: settings.resource.clone(),
            audience: settings.audience.clone(),
            client_auth: settings.client_auth,
            expiry_skew: settings.expiry_skew,
            exchange: settings.token_exchange,
            state: Default::default(),
            exchanged: Default::default(),
            rotated: Default::default(),
            ca_certificates: Vec::new(),
            http: OnceLock::new(),
        }
    }

    /// Also trusts these certificate authorities at the token endpoint (an internal PKI).
    pub fn trust(&mut self, ca_certificates: &[std::path::PathBuf]) {
        self.ca_certificates = ca_certificates.to_vec();
    }

    /// The grant and endpoint in words, for `mcpgen check` and error messages.
    pub fn describe(&self) -> String {
        format!(
            "OAuth2 {} grant for client `{}` at the {}",
            self.grant(),
            self.client_id,
            self.endpoint.describe()
        )
    }

    /// The grant in words.
    fn grant(&self) -> &'static str {
        if self.exchange {
            "token exchange (on behalf of the caller)"
        } else if self.refresh_token.is_some() {
            "refresh token"
        } else {
            "client credentials"
        }
    }

    /// Whether tokens are exchanged for the caller's (RFC 8693), so a call needs a caller.
    pub fn exchanges(&self) -> bool {
        self.exchange
    }

    /// Whether the secrets the grant needs can be expected (environment variables set).
    pub fn is_present(&self) -> bool {
        [&self.client_secret, &self.refresh_token]
            .into_iter()
            .flatten()
            .all(SecretReader::is_present)
    }

    /// A current access token: the cached one while it is fresh, else a new one. Concurrent
    /// callers share one fetch.
    pub async fn token(&self) -> Result<SecretString, String> {
        let arrived = Instant::now();
        let mut state = self.state.lock().await;
        if let Some(token) = &state.token
            && token.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(token.access.clone());
        }
        state.token = None;
        if let Some((at, error)) = &state.failed
            && *at > arrived
        {
            return Err(error.clone());
        }
        let fetched = match self.token_url(&mut state).await {
            Ok(url) => self.fetch(&url, None).await,
            Err(e) => Err(e),
        };
        match fetched {
            Ok(token) => {
                let access = token.access.clone();
                state.token = Some(token);
                state.failed = None;
                Ok(access)
            }
            Err(error) => {
                state.failed = Some((Instant::now(), error.clone()));
                Err(error)
            }
        }
    }

    /// A token to the upstream for the caller whose access token is `subject` (the token
    /// exchange grant): the one kept for that caller while it is fresh, else a new exchange.
    /// Concurrent calls of one caller share one exchange.
    pub async fn token_for(&self, subject: &SecretString) -> Result<SecretString, String> {
        let key = crate::audit::sha256_hex(subject.expose_secret().as_bytes());
        let slot = {
            let mut exchanged = self.exchanged.lock().unwrap_or_else(|e| e.into_inner());
            if exchanged.len() >= EXCHANGED_ENTRIES && !exchanged.contains_key(&key) {
                let now = Instant::now();
                exchanged.retain(|_, slot| {
                    slot.try_lock().map_or(true, |token| {
                        token
                            .as_ref()
                            .is_some_and(|t| t.renew_at.is_some_and(|at| now < at))
                    })
                });
                if exchanged.len() >= EXCHANGED_ENTRIES {
                    exchanged.retain(|_, slot| slot.try_lock().is_err());
                }
            }
            Arc::clone(exchanged.entry(key).or_default())
        };
        let mut token = slot.lock().await;
        if let Some(kept) = token.as_ref()
            && kept.renew_at.is_some_and(|at| Instant::now() < at)
        {
            return Ok(kept.access.clone());
        }
        let url = {
            let mut state = self.state.lock().await;
            self.token_url(&mut state).await?
        };
        let fresh = self.fetch(&url, Some(subject)).await?;
        let access = fresh.access.clone();
        // A token without a stated lifetime is used for this call only: it cannot be known
        // to end before the caller's does.
        *token = fresh.renew_at.is_some().then_some(fresh);
        Ok(access)
    }

    /// Forgets `used` if it is still the cached token (for an exchanged token, the one kept
    /// for the caller whose token is `subject`): the upstream refused it, so the next call
    /// fetches another. A token another call already replaced is left alone.
    pub async fn reject(&self, used: &SecretString, subject: Option<&SecretString>) {
        if self.exchange {
            let Some(subject) = subject else { return };
            let key = crate::audit::sha256_hex(subject.expose_secret().as_bytes());
            let slot = self
                .exchanged
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .cloned();
            if let Some(slot) = slot {
                let mut token = slot.lock().await;
                if token
                    .as_ref()
                    .is_some_and(|t| t.access.expose_secret() == used.expose_secret())
                {
                    *token = None;
                }
            }
            return;
        }
        let mut state = self.state.lock().await;
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.access.expose_secret() == used.expose_secret())
        {
            state.token = None;
        }
    }

    fn http(&self) -> Result<&reqwest::Client, String> {
        self.http
            .get_or_init(|| {
                // No idle connections kept: tokens are fetched minutes apart, by when a kept
                // connection has usually been closed by the server, and a request sent on one
                // fails with a reset.
                let mut builder = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none());
                let roots =
                    crate::upstream::root_certificates(&self.ca_certificates).map_err(|e| e.0)?;
                for root in roots {
                    builder = builder.add_root_certificate(root);
                }
                builder
                    .build()
                    .map_err(|e| format!("cannot set up the HTTP client for tokens: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The token endpoint's URL, discovering it once when needed.
    async fn token_url(&self, state: &mut State) -> Result<String, String> {
        let discovery = match &self.endpoint {
            TokenEndpoint::Url(url) => return Ok(url.clone()),
            TokenEndpoint::Discovery(url) => url,
        };
        if let Some(url) = &state.discovered {
            return Ok(url.clone());
        }
        let response = self
            .http()?
            .get(discovery)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| {
                format!(
                    "OpenID Connect discovery at {discovery} failed: {}",
                    cause(&e)
                )
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "OpenID Connect discovery at {discovery} answered {status}"
            ));
        }
        let text = response.text().await.map_err(|e| {
            format!(
                "OpenID Connect discovery at {discovery} failed: {}",
                cause(&e)
            )
        })?;
        let document: Value = serde_json::from_str(&text).map_err(|e| {
            format!("OpenID Connect discovery at {discovery} is not a JSON document: {e}")
        })?;
        // A discovery document fetched over HTTPS may not send the client secret in clear.
        let secure = discovery.starts_with("https://");
        let url = match document.get("token_endpoint").and_then(Value::as_str) {
            Some(url) if url.starts_with("https://") || (!secure && url.starts_with("http://")) => {
                url
            }
            _ => {
                return Err(format!(
                    "OpenID Connect discovery at {discovery} names no absolute `token_endpoint`{}",
                    if secure { " over https" } else { "" }
                ));
            }
        };
        state.discovered = Some(url.to_string());
        Ok(url.to_string())
    }

    /// Asks the token endpoint at `url` for a new access token; for the token exchange
    /// grant, one for the caller whose token is `subject`.
    async fn fetch(&self, url: &str, subject: Option<&SecretString>) -> Result<Token, String> {
        // Everything secret this request holds, so that no error message repeats it.
        let mut redactor = Redactor::default();
        let mut form: Vec<(&str, String)> = Vec::new();
        let mut configured_refresh = None;
        if self.exchange {
            let subject = subject.ok_or("the token exchange needs the caller's access token")?;
            redactor.add(subject.expose_secret());
            form.push(("grant_type", TOKEN_EXCHANGE.to_string()));
            form.push(("subject_token", subject.expose_secret().to_string()));
            form.push(("subject_token_type", ACCESS_TOKEN_TYPE.to_string()));
            form.push(("requested_token_type", ACCESS_TOKEN_TYPE.to_string()));
        }
        match &self.refresh_token {
            _ if self.exchange => {}
            Some(reader) => {
                let configured = reader
                    .read()
                    .await
                    .map_err(|e| format!("the refresh token: {e}"))?;
                let current = match &*self.rotated.lock().expect("not poisoned") {
                    Some(r) if r.configured.expose_secret() == configured.expose_secret() => {
                        r.current.clone()
                    }
                    _ => configured.clone(),
                };
                redactor.add(configured.expose_secret());
                redactor.add(current.expose_secret());
                form.push(("grant_type", "refresh_token".to_string()));
                form.push(("refresh_token", current.expose_secret().to_string()));
                configured_refresh = Some(configured);
            }
            None => form.push(("grant_type", "client_credentials".to_string())),
        }
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        if let Some(resource) = &self.resource {
            form.push(("resource", resource.clone()));
        }
        if let Some(audience) = &self.audience {
            form.push(("audience", audience.clone()));
        }
        let secret = match &self.client_secret {
            Some(reader) => Some(
                reader
                    .read()
                    .await
                    .map_err(|e| format!("the client secret: {e}"))?,
            ),
            None => None,
        };
        let mut request = self
            .http()?
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json");
        match (&secret, self.client_auth) {
            (Some(secret), ClientAuth::ClientSecretBasic) => {
                redactor.add(secret.expose_secret());
                // RFC 6749 section 2.3.1: both parts form-encoded before base64.
                let pair = format!(
                    "{}:{}",
                    form_encode(&self.client_id),
                    form_encode(secret.expose_secret())
                );
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                redactor.add(&encoded);
                request =
                    request.header(reqwest::header::AUTHORIZATION, format!("Basic {encoded}"));
            }
            (Some(secret), ClientAuth::ClientSecretPost) => {
                redactor.add(secret.expose_secret());
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_secret", secret.expose_secret().to_string()));
            }
            (None, _) => form.push(("client_id", self.client_id.clone())),
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let sent_at = Instant::now();
        let request = request
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        // The exchange runs as its own task: a call cancelled meanwhile cannot cut it off
        // between the server rotating the refresh token and mcpgen saving the new one.
        let rotated = Arc::clone(&self.rotated);
        let exchange = tokio::spawn(async move {
            let response = request.send().await.map_err(|e| cause(&e))?;
            let status = response.status();
            let text = response.text().await.map_err(|e| cause(&e))?;
            let json: Option<Value> = serde_json::from_str(&text).ok();
            if status.is_success()
                && let (Some(configured), Some(new)) = (
                    configured_refresh.clone(),
                    json.as_ref()
                        .and_then(|j| j.get("refresh_token"))
                        .and_then(Value::as_str),
                )
            {
                *rotated.lock().expect("not poisoned") = Some(Rotated {
                    configured,
                    current: SecretString::from(new),
                });
            }
            Ok::<_, String>((status, json))
        });
        let (status, json) = exchange
            .await
            .map_err(|e| format!("the token request was interrupted: {e}"))?
            .map_err(|e| redactor.text(&format!("the token endpoint {url} failed: {e}")))?;
        if !status.is_success() {
            let error = json
                .as_ref()
                .and_then(|j| j.get("error"))
                .and_then(Value::as_str);
            let detail = json
                .as_ref()
                .and_then(|j| j.get("error_description"))
                .and_then(Value::as_str);
            let said = match (error, detail) {
                (Some(e), Some(d)) => format!(": {e} ({d})"),
                (Some(e), None) => format!(": {e}"),
                _ => String::new(),
            };
            return Err(redactor.text(&format!(
                "the token endpoint {url} refused the {} grant for client `{}` ({status}){said}",
                self.grant(),
                self.client_id
            )));
        }
        let json =
            json.ok_or_else(|| format!("the token endpoint {url} answered with no JSON object"))?;
        let access = match json.get("access_token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => SecretString::from(token),
            _ => {
                return Err(format!(
                    "the token endpoint {url} answered with no `access_token`"
                ));
            }
        };
        if self.exchange
            && let Some(issued) = json.get("issued_token_type").and_then(Value::as_str)
            && issued != ACCESS_TOKEN_TYPE
        {
            return Err(format!(
                "the token endpoint {url} exchanged the caller's token for a `{issued}`, not an access token"
            ));
        }
        let token_type = json.get("token_type").and_then(Value::as_str).unwrap_or("");
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(format!(
                "the token endpoint {url} issued a `{token_type}` token; mcpgen sends bearer tokens only"
            ));
        }
        // Some servers send `expires_in` as a string.
        let lifetime = match json.get("expires_in") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.parse::<f64>().ok(),
            _ => None,
        }
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .map(|lifetime| lifetime.min(LONGEST_LIFETIME));
        let renew_at = lifetime.and_then(|lifetime| {
            sent_at.checked_add(lifetime - self.expiry_skew.min(lifetime / 2))
        });
        tracing::debug!(
            endpoint = %url,
            client = %self.client_id,
            grant = self.grant(),
            lifetime_seconds = lifetime.map(|l| l.as_secs()),
            "fetched an access token"
        );
        Ok(Token { access, renew_at })
    }
}

/// A token request's transport error in words.
fn cause(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_string();
    }
    innermost_cause(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_encoded_as_rfc_6749_asks() {
        assert_eq!(form_encode("a b+c/d:é"), "a+b%2Bc%2Fd%3A%C3%A9");
        assert_eq!(form_encode("svc-1_x.y~"), "svc-1_x.y~");
    }
}
