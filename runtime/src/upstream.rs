//! Sending built requests to the upstream API: one pooled HTTP client with connect and total
//! timeouts, redirects followed only on the same host, and response bodies read up to a cap.

use crate::request::UpstreamRequest;
use std::time::Duration;

/// How the upstream client behaves.
#[derive(Clone, Debug)]
pub struct UpstreamOptions {
    /// How long to wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// How long a whole call may take, response body included.
    pub timeout: Duration,
    /// How many response bytes to read; the rest is cut off with a note.
    pub max_response_bytes: usize,
    /// PEM files of certificate authorities to trust besides the system's (an internal PKI).
    pub ca_certificates: Vec<std::path::PathBuf>,
}

impl UpstreamOptions {
    /// Checks what can be wrong before the first call: every CA certificate file must read
    /// and parse, so a typo fails at start, not at the first call.
    pub fn check(&self) -> Result<(), UpstreamError> {
        root_certificates(&self.ca_certificates).map(drop)
    }
}

/// The certificates of every CA file, or what is wrong with the first bad one.
pub(crate) fn root_certificates(
    paths: &[std::path::PathBuf],
) -> Result<Vec<reqwest::Certificate>, UpstreamError> {
    let mut all = Vec::new();
    for path in paths {
        let shown = path.display();
        let pem = std::fs::read(path).map_err(|e| {
            UpstreamError(format!("cannot read the CA certificate file {shown}: {e}"))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                UpstreamError(format!(
                    "the CA certificate file {shown} holds no PEM certificate"
                ))
            })?;
        all.extend(certificates);
    }
    Ok(all)
}

impl Default for UpstreamOptions {
    fn default() -> Self {
        UpstreamOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_response_bytes: 1024 * 1024,
            ca_certificates: Vec::new(),
        }
    }
}

/// A response as far as mcpgen read it.
#[derive(Clone, Debug)]
pub struct UpstreamResponse {
    /// The status code.
    pub status: u16,
    /// The status's reason phrase (`Not Found`), when it has a standard one.
    pub reason: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Location` header of a redirect that was not followed.
    pub location: Option<String>,
    /// The body, at most `max_response_bytes` of it.
    pub body: Vec<u8>,
    /// Whether the body was longer than the cap (and cut).
    pub truncated: bool,
}

/// A call that produced no response. The message names the host and the cause.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct UpstreamError(pub String);

/// A TLS client certificate chain and its private key, PEM, for a `mutualTLS` scheme.
#[derive(Clone, Debug)]
pub struct ClientIdentity {
    /// The certificate chain followed by the key.
    pub pem: secrecy::SecretString,
}

/// How many client identities keep their own pooled client (rotation adds one each time).
const KEPT_IDENTITIES: usize = 4;

/// The shared HTTP client for every tool call of a server.
///
/// The client is made on the first call, not at start: loading the TLS root certificates
/// takes milliseconds that a client waiting for `tools/list` should not pay. A call that
/// presents a client certificate uses a client of its own per certificate.
#[derive(Clone)]
pub struct Upstream {
    client: std::sync::Arc<std::sync::OnceLock<Result<reqwest::Client, UpstreamError>>>,
    with_identity: std::sync::Arc<std::sync::Mutex<Vec<(ClientIdentity, reqwest::Client)>>>,
    options: UpstreamOptions,
}

impl Upstream {
    /// An upstream with the given timeouts and cap; nothing is set up until the first call.
    pub fn new(options: UpstreamOptions) -> Self {
        Upstream {
            client: Default::default(),
            with_identity: Default::default(),
            options,
        }
    }

    /// The pooled client, made on first use: connection pooling, the timeouts and a
    /// same-host redirect policy.
    fn client(&self) -> Result<&reqwest::Client, UpstreamError> {
        let made = self
            .client
            .get_or_init(|| build_client(&self.options, None));
        made.as_ref().map_err(Clone::clone)
    }

    /// The client that presents `identity`, made when it is first (or newly) used.
    fn client_with(&self, identity: &ClientIdentity) -> Result<reqwest::Client, UpstreamError> {
        use secrecy::ExposeSecret;
        let pem = identity.pem.expose_secret();
        let kept = |list: &[(ClientIdentity, reqwest::Client)]| {
            list.iter()
                .find(|(i, _)| i.pem.expose_secret() == pem)
                .map(|(_, c)| c.clone())
        };
        if let Some(client) = kept(&self.with_identity.lock().expect("not poisoned")) {
            return Ok(client);
        }
        // Made outside the lock: it reads files and sets up TLS.
        let client = build_client(&self.options, Some(identity))?;
        let mut list = self.with_identity.lock().expect("not poisoned");
        if let Some(made_meanwhile) = kept(&list) {
            return Ok(made_meanwhile);
        }
        if list.len() == KEPT_IDENTITIES {
            list.remove(0);
        }
        list.push((identity.clone(), client.clone()));
        Ok(client)
    }

    /// The options the client was made with.
    pub fn options(&self) -> &UpstreamOptions {
        &self.options
    }

    /// Sends the request and reads the response, body capped.
    pub async fn send(&self, request: &UpstreamRequest) -> Result<UpstreamResponse, UpstreamError> {
        self.send_as(request, None).await
    }

    /// Sends the request presenting a TLS client certificate, when one is given.
    pub async fn send_as(
        &self,
        request: &UpstreamRequest,
        identity: Option<&ClientIdentity>,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let url = reqwest::Url::parse(&request.url).map_err(|e| {
            UpstreamError(format!(
                "the request URL `{}` is not valid: {e}",
                request.url
            ))
        })?;
        let host = url.host_str().unwrap_or("the upstream").to_string();
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .expect("standard methods are valid");
        let client = match identity {
            Some(identity) => self.client_with(identity)?,
            None => self.client()?.clone(),
        };
        let mut builder = client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, body.content_type.as_str())
                .body(body.bytes.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| describe(&host, &e, &self.options))?;
        let status = response.status();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let location = header(reqwest::header::LOCATION);
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| describe(&host, &e, &self.options))?
        {
            let room = self.options.max_response_bytes - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(UpstreamResponse {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or_default().to_string(),
            content_type,
            location,
            body,
            truncated,
        })
    }
}

/// The one HTTP client of a server: pooled, with the timeouts, and redirects followed only
/// on the same host (a redirect elsewhere is returned to the model, not followed).
fn build_client(
    options: &UpstreamOptions,
    identity: Option<&ClientIdentity>,
) -> Result<reqwest::Client, UpstreamError> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first();
        let same_host = first.is_some_and(|f| {
            f.host_str() == attempt.url().host_str()
                && f.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if attempt.previous().len() > 5 || !same_host {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.timeout)
        .redirect(policy)
        .user_agent(concat!("mcpgen/", env!("CARGO_PKG_VERSION")));
    for certificate in root_certificates(&options.ca_certificates)? {
        builder = builder.add_root_certificate(certificate);
    }
    if let Some(identity) = identity {
        use secrecy::ExposeSecret;
        // The message of a parse failure never quotes the key.
        let identity = reqwest::Identity::from_pem(identity.pem.expose_secret().as_bytes())
            .map_err(|_| {
                UpstreamError(
                    "the client certificate and key are not a PEM certificate chain and private key"
                        .to_string(),
                )
            })?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| {
        let mut message = format!("cannot create the HTTP client: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        UpstreamError(message)
    })
}

/// The innermost cause of an error, which says what actually went wrong (`Connection
/// refused`, not `error sending request`).
pub(crate) fn innermost_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// A transport error in words: which host, and the innermost cause.
fn describe(host: &str, error: &reqwest::Error, options: &UpstreamOptions) -> UpstreamError {
    if error.is_timeout() {
        return UpstreamError(format!(
            "{host} did not answer in time (connect timeout {} s, total timeout {} s)",
            options.connect_timeout.as_secs_f64(),
            options.timeout.as_secs_f64()
        ));
    }
    let cause = innermost_cause(error);
    let verb = if error.is_connect() {
        "could not connect to"
    } else {
        "the request to"
    };
    let tail = if error.is_connect() { "" } else { " failed" };
    UpstreamError(format!("{verb} {host}{tail}: {cause}"))
}
