//! Credentials for the upstream API: each security scheme of the document gets a secret the
//! operator supplies, and each call carries the first alternative of its security
//! requirements whose secrets are all there.
//!
//! With no configuration a scheme reads the environment variable `MCPGEN_CRED_<SCHEME>`
//! ([`default_env_var`]); a credentials file ([`config`]) names other sources. Secrets are
//! held as [`SecretString`]s and are added to a request only after it is built and logged,
//! and everything a call returns to the model passes through the [`Redactor`] of the secrets
//! it used.

use crate::audit::CredentialUse;
use crate::auth::Principal;

pub mod config;
pub mod oauth;
pub mod redact;
pub mod source;

use crate::model::{Api, ApiKeyLocation, OAuthFlowKind, SecurityScheme, Tool};
use crate::request::{UpstreamRequest, encode};
use crate::upstream::ClientIdentity;
use base64::Engine;
pub use config::{ConfigError, CredentialsConfig, SchemeSource};
use oauth::{TokenClient, TokenEndpoint};
pub use redact::Redactor;
use secrecy::{ExposeSecret, SecretString};
use source::{SecretReader, SecretSource};
use std::collections::{BTreeMap, BTreeSet};

/// The environment variable a scheme reads when the operator configured nothing else:
/// `MCPGEN_CRED_` and the scheme name upper-cased, every other character turned into `_`.
pub fn default_env_var(scheme: &str) -> String {
    let name: String = scheme
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("MCPGEN_CRED_{name}")
}

/// Every scheme of one API with its secret source; shared by all calls of a server.
#[derive(Debug, Default)]
pub struct Credentials {
    schemes: BTreeMap<String, SchemeCredential>,
}

/// One scheme: how its secret is put on a request, and where the secret comes from.
#[derive(Debug)]
struct SchemeCredential {
    placement: Placement,
    supply: Supply,
}

/// Where a scheme's secret comes from.
#[derive(Debug)]
enum Supply {
    /// A ready value from the environment, a file or a command.
    Secret(SecretReader),
    /// Access tokens mcpgen fetches and refreshes (or exchanges for the caller's).
    Tokens(Box<TokenClient>),
    /// A secret per principal, picked by the caller's `claim`.
    PerPrincipal {
        claim: String,
        secrets: BTreeMap<String, SecretReader>,
    },
    /// A client certificate and key, each re-read when its file changes.
    Certificate {
        certificate: SecretReader,
        key: SecretReader,
    },
    /// Nothing configured, and the scheme has no default (a `mutualTLS` scheme).
    Unconfigured,
}

/// Who a call acts for, when an access token named the caller: per-principal secrets are
/// picked by its claims, and the token exchange trades its token for one to the upstream.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    /// The principal the token names.
    pub principal: &'a Principal,
    /// The access token the caller presented (exchanged, never sent upstream as it is).
    pub token: &'a SecretString,
}

/// A request with its credentials added, and what the call needs to know about them.
pub struct Signed {
    /// The request as it is sent.
    pub request: UpstreamRequest,
    /// Every form the secrets took, to scrub from what goes back to the model.
    pub redactor: Redactor,
    /// The TLS client certificate to present, for a `mutualTLS` scheme.
    pub identity: Option<ClientIdentity>,
    /// The fetched access tokens the request carries, by scheme, with the caller's token an
    /// exchanged one was issued for: refused ones are dropped.
    tokens: Vec<(String, SecretString, Option<SecretString>)>,
    /// The schemes the request uses and where their secrets came from, for the audit trail.
    pub used: Vec<CredentialUse>,
}

impl Signed {
    /// Whether the request carries a fetched access token, so that a 401 is worth one retry
    /// with a fresh token.
    pub fn has_fetched_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }
}

/// How a scheme's secret travels.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Placement {
    /// As an API key in a header, query parameter or cookie.
    ApiKey {
        name: String,
        location: ApiKeyLocation,
    },
    /// `Authorization: Basic`, from `user:password`.
    Basic,
    /// `Authorization: Bearer` (HTTP bearer, and OAuth 2.0 / OpenID Connect access tokens).
    Bearer,
    /// A TLS client certificate presented on the connection (`mutualTLS`).
    ClientCertificate,
    /// A scheme mcpgen cannot send; the reason says why.
    Unsupported(String),
}

/// What `mcpgen check` shows about one scheme: never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeStatus {
    /// The scheme's name in the document.
    pub scheme: String,
    /// The scheme in words (``API key in header `X-API-Key` ``).
    pub kind: String,
    /// Where its secret comes from.
    pub source: String,
    /// Whether a call could use it now (an environment variable is set, a file or command is
    /// configured).
    pub configured: bool,
    /// Why mcpgen cannot use this scheme at all, if it cannot.
    pub unsupported: Option<String>,
}

impl Credentials {
    /// The credentials of `api`: each scheme from `config`, else from its default variable.
    /// Fails when the configuration names a scheme the document does not define.
    pub fn new(api: &Api, config: &CredentialsConfig) -> Result<Self, ConfigError> {
        if let Some(unknown) = config
            .sources
            .keys()
            .find(|s| !api.security_schemes.contains_key(*s))
        {
            let known: Vec<&str> = api.security_schemes.keys().map(String::as_str).collect();
            return Err(ConfigError(format!(
                "credentials: the document has no security scheme `{unknown}`; its schemes are: {}",
                if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        let mut schemes = BTreeMap::new();
        for (name, scheme) in &api.security_schemes {
            let place = format!("credentials.{name}");
            let is_mtls = matches!(scheme, SecurityScheme::MutualTls { .. });
            let supply = match config.sources.get(name) {
                None if is_mtls => Supply::Unconfigured,
                None => Supply::Secret(SecretReader::new(SecretSource::Env(default_env_var(name)))),
                Some(SchemeSource::ClientCertificate { certificate, key }) if is_mtls => {
                    Supply::Certificate {
                        certificate: SecretReader::new(SecretSource::File(certificate.clone())),
                        key: SecretReader::new(SecretSource::File(key.clone())),
                    }
                }
                Some(_) if is_mtls => {
                    return Err(ConfigError(format!(
                        "{place}: `{name}` is a mutualTLS scheme: expected `client_certificate: {{ certificate: FILE, key: FILE }}`"
                    )));
                }
                Some(SchemeSource::Secret(source)) => {
                    Supply::Secret(SecretReader::new(source.clone()))
                }
                Some(SchemeSource::PerPrincipal { claim, secrets }) => Supply::PerPrincipal {
                    claim: claim.clone(),
                    secrets: secrets
                        .iter()
                        .map(|(who, source)| (who.clone(), SecretReader::new(source.clone())))
                        .collect(),
                },
                Some(SchemeSource::OAuth(settings)) => {
                    let endpoint = token_endpoint(scheme, settings, &place)?;
                    let scopes = default_scopes(api, name, scheme);
                    Supply::Tokens(Box::new(TokenClient::new(settings, endpoint, scopes)))
                }
                Some(SchemeSource::ClientCertificate { .. }) => {
                    return Err(ConfigError(format!(
                        "{place}: `client_certificate` is for `mutualTLS` schemes; `{name}` is {}",
                        placement(scheme).describe()
                    )));
                }
            };
            let credential = SchemeCredential {
                placement: placement(scheme),
                supply,
            };
            schemes.insert(name.clone(), credential);
        }
        Ok(Credentials { schemes })
    }

    /// Also trusts these certificate authorities at token endpoints (`serve --ca-cert`).
    pub fn trust(&mut self, ca_certificates: &[std::path::PathBuf]) {
        for credential in self.schemes.values_mut() {
            if let Supply::Tokens(client) = &mut credential.supply {
                client.trust(ca_certificates);
            }
        }
    }

    /// Each scheme and whether it is configured, for `mcpgen check`.
    pub fn status(&self) -> Vec<SchemeStatus> {
        self.schemes
            .iter()
            .map(|(name, c)| SchemeStatus {
                scheme: name.clone(),
                kind: c.placement.describe(),
                source: c.supply.describe(),
                configured: c.is_configured(),
                unsupported: match &c.placement {
                    Placement::Unsupported(why) => Some(why.clone()),
                    _ => None,
                },
            })
            .collect()
    }

    /// `request` with the credentials `tool` needs for `caller`: the first alternative of its
    /// security requirements whose schemes are all configured (and, when the policy names
    /// them, all in `permitted`). Fails with a message naming what to set when no alternative
    /// is configured, or saying why a secret could not be had.
    pub async fn sign(
        &self,
        tool: &Tool,
        request: UpstreamRequest,
        caller: Option<Caller<'_>>,
        permitted: Option<&[String]>,
    ) -> Result<Signed, String> {
        let mut signed = Signed {
            request,
            redactor: Redactor::default(),
            identity: None,
            tokens: Vec::new(),
            used: Vec::new(),
        };
        if tool.security.is_empty() {
            return Ok(signed);
        }
        let configured: Vec<_> = tool
            .security
            .iter()
            .filter(|alternative| {
                alternative.iter().all(|u| {
                    permitted.is_none_or(|p| p.contains(&u.scheme))
                        && self
                            .schemes
                            .get(&u.scheme)
                            .is_some_and(|c| c.is_ready(caller))
                })
            })
            .collect();
        let Some(alternative) = configured
            .iter()
            .find(|a| self.authorization_users(a).len() < 2)
        else {
            return Err(match configured.first() {
                Some(clash) => format!(
                    "Cannot call `{}`: its security requirement needs {} together, and each is sent in the `Authorization` header, which a request carries once. Configure another of its options.",
                    tool.name,
                    self.authorization_users(clash).join(" and ")
                ),
                None => self.missing(tool, caller, permitted),
            });
        };
        for scheme_use in alternative.iter() {
            let scheme = &scheme_use.scheme;
            let credential = &self.schemes[scheme];
            signed.used.push(CredentialUse {
                scheme: scheme.clone(),
                source: credential.supply.kind(),
            });
            let cannot = |e: String| {
                format!(
                    "Cannot call `{}`: the credential for `{scheme}`: {e}",
                    tool.name
                )
            };
            let secret = match &credential.supply {
                Supply::Secret(reader) => reader.read().await.map_err(|e| e.0),
                Supply::Tokens(client) if client.exchanges() => match caller {
                    Some(caller) => client.token_for(caller.token).await,
                    None => Err("it exchanges the caller's token, and this call has none".into()),
                },
                Supply::Tokens(client) => client.token().await,
                Supply::PerPrincipal { claim, secrets } => {
                    match caller.and_then(|c| principal_secret(c.principal, claim, secrets)) {
                        Some(reader) => reader.read().await.map_err(|e| e.0),
                        None => Err(format!("the caller's `{claim}` has no secret")),
                    }
                }
                Supply::Certificate { certificate, key } => {
                    let certificate = certificate.read().await.map_err(|e| cannot(e.0))?;
                    let key = key.read().await.map_err(|e| cannot(e.0))?;
                    let pem = format!("{}\n{}\n", certificate.expose_secret(), key.expose_secret());
                    signed.identity = Some(ClientIdentity {
                        pem: SecretString::from(pem),
                    });
                    continue;
                }
                Supply::Unconfigured => Err("it is not configured".to_string()),
            }
            .map_err(cannot)?;
            credential
                .placement
                .put(&secret, &mut signed.request, &mut signed.redactor)
                .map_err(|why| {
                    format!(
                        "Cannot call `{}`: the credential for `{scheme}` ({}) {why}",
                        tool.name,
                        credential.supply.describe()
                    )
                })?;
            if let Supply::Tokens(client) = &credential.supply {
                let subject = client
                    .exchanges()
                    .then(|| caller.map(|c| c.token.clone()))
                    .flatten();
                signed.tokens.push((scheme.clone(), secret, subject));
            }
        }
        Ok(signed)
    }

    /// Whether a call of `tool` may carry a token mcpgen fetched, so that the caller keeps an
    /// unsigned copy of the request for one retry after a 401.
    pub fn may_fetch_tokens(&self, tool: &Tool) -> bool {
        tool.security.iter().flatten().any(|u| {
            matches!(
                self.schemes.get(&u.scheme),
                Some(SchemeCredential {
                    supply: Supply::Tokens(_),
                    ..
                })
            )
        })
    }

    /// Drops the fetched tokens a refused request carried, so that signing again fetches
    /// fresh ones.
    pub async fn reject(&self, signed: &Signed) {
        for (scheme, token, subject) in &signed.tokens {
            if let Some(SchemeCredential {
                supply: Supply::Tokens(client),
                ..
            }) = self.schemes.get(scheme)
            {
                client.reject(token, subject.as_ref()).await;
            }
        }
    }

    /// The schemes of one alternative that are sent in the `Authorization` header.
    fn authorization_users(&self, alternative: &[crate::model::SchemeUse]) -> Vec<String> {
        alternative
            .iter()
            .filter(|u| {
                self.schemes
                    .get(&u.scheme)
                    .is_some_and(|c| match &c.placement {
                        Placement::Basic | Placement::Bearer => true,
                        Placement::ApiKey {
                            name,
                            location: ApiKeyLocation::Header,
                        } => name.eq_ignore_ascii_case("authorization"),
                        _ => false,
                    })
            })
            .map(|u| format!("`{}`", u.scheme))
            .collect()
    }

    /// The message for a call none of whose alternatives is configured (for this caller, and
    /// among those the policy permits).
    fn missing(
        &self,
        tool: &Tool,
        caller: Option<Caller<'_>>,
        permitted: Option<&[String]>,
    ) -> String {
        let options: Vec<String> = tool
            .security
            .iter()
            .filter(|alternative| {
                alternative
                    .iter()
                    .all(|u| permitted.is_none_or(|p| p.contains(&u.scheme)))
            })
            .map(|alternative| {
                let parts: Vec<String> = alternative
                    .iter()
                    .map(|u| match self.schemes.get(&u.scheme) {
                        None => format!("`{}` (not defined in the document)", u.scheme),
                        Some(c) => match &c.placement {
                            Placement::Unsupported(why) => format!("`{}` ({why})", u.scheme),
                            _ if c.is_configured() && !c.is_ready(caller) => {
                                format!("`{}` ({})", u.scheme, c.supply.needs_caller(caller))
                            }
                            placement => format!(
                                "{} for `{}` ({})",
                                c.supply.describe(),
                                u.scheme,
                                placement.describe()
                            ),
                        },
                    })
                    .collect();
                parts.join(" and ")
            })
            .collect();
        format!(
            "Cannot call `{}`: it needs credentials and none of its options is configured. Set {}. Or give the scheme another source in a credentials file (`--credentials FILE`).",
            tool.name,
            options.join("; or "),
        )
    }
}

impl SchemeCredential {
    /// Whether a call for `caller` can have this scheme's secret.
    fn is_ready(&self, caller: Option<Caller<'_>>) -> bool {
        self.is_configured()
            && match &self.supply {
                Supply::Tokens(client) if client.exchanges() => caller.is_some(),
                Supply::PerPrincipal { claim, secrets } => caller
                    .and_then(|c| principal_secret(c.principal, claim, secrets))
                    .is_some_and(SecretReader::is_present),
                _ => true,
            }
    }

    /// Whether the operator configured a usable source (for some caller, for per-caller
    /// sources).
    fn is_configured(&self) -> bool {
        !matches!(self.placement, Placement::Unsupported(_))
            && match &self.supply {
                Supply::Secret(reader) => reader.is_present(),
                Supply::Tokens(client) => client.is_present(),
                Supply::PerPrincipal { secrets, .. } => {
                    secrets.values().any(SecretReader::is_present)
                }
                Supply::Certificate { .. } => true,
                Supply::Unconfigured => false,
            }
    }
}

/// The secret `principal`'s `claim` picks, if the operator gave it one.
fn principal_secret<'a>(
    principal: &Principal,
    claim: &str,
    secrets: &'a BTreeMap<String, SecretReader>,
) -> Option<&'a SecretReader> {
    let value = match principal.claims.get(claim)? {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    secrets.get(&value)
}

impl Supply {
    /// The kind of source, as the audit trail names it.
    fn kind(&self) -> &'static str {
        match self {
            Supply::Secret(reader) => match reader.source() {
                SecretSource::Env(_) => "env",
                SecretSource::File(_) => "file",
                SecretSource::Command { .. } => "command",
            },
            Supply::Tokens(client) if client.exchanges() => "token_exchange",
            Supply::Tokens(_) => "oauth2",
            Supply::PerPrincipal { .. } => "per_principal",
            Supply::Certificate { .. } => "certificate",
            Supply::Unconfigured => "none",
        }
    }

    /// The source in words (never a value).
    fn describe(&self) -> String {
        match self {
            Supply::Secret(reader) => reader.source().describe(),
            Supply::Tokens(client) => client.describe(),
            Supply::PerPrincipal { claim, secrets } => format!(
                "a secret per principal by the caller's `{claim}` claim ({} configured)",
                secrets.len()
            ),
            Supply::Certificate { certificate, key } => format!(
                "client certificate {} with key {}",
                describe_file(certificate),
                describe_file(key)
            ),
            Supply::Unconfigured => {
                "`client_certificate: { certificate: FILE, key: FILE }` in a credentials file"
                    .to_string()
            }
        }
    }

    /// What a per-caller source lacks for `caller`, in words.
    fn needs_caller(&self, caller: Option<Caller<'_>>) -> String {
        match (self, caller) {
            (Supply::Tokens(_), _) => "it exchanges the caller's access token: serve over HTTP with --auth-issuer so that calls carry one".to_string(),
            (Supply::PerPrincipal { claim, .. }, None) => format!(
                "a secret per principal by the `{claim}` claim: serve over HTTP with --auth-issuer so that calls have a principal"
            ),
            (Supply::PerPrincipal { claim, .. }, Some(_)) => {
                format!("no secret is configured for the caller's `{claim}`")
            }
            _ => "not available for this caller".to_string(),
        }
    }
}

fn describe_file(reader: &SecretReader) -> String {
    match reader.source() {
        SecretSource::File(path) => path.display().to_string(),
        other => other.describe(),
    }
}

/// Where a scheme's tokens are fetched: the operator's URL, else the document's flow (client
/// credentials first, then any flow with a token URL), else OpenID Connect discovery.
fn token_endpoint(
    scheme: &SecurityScheme,
    settings: &config::OAuthSettings,
    place: &str,
) -> Result<TokenEndpoint, ConfigError> {
    if let Some(url) = &settings.token_url {
        return Ok(TokenEndpoint::Url(url.clone()));
    }
    if let Some(url) = &settings.discovery_url {
        return Ok(TokenEndpoint::Discovery(url.clone()));
    }
    let from_document = match scheme {
        SecurityScheme::OpenIdConnect { url, .. } => Some(TokenEndpoint::Discovery(url.clone())),
        SecurityScheme::OAuth2 { flows, .. } => {
            let refreshing = settings.refresh_token.is_some();
            let preferred = flows
                .iter()
                .filter(|f| refreshing || f.kind == OAuthFlowKind::ClientCredentials)
                .chain(flows.iter())
                .find_map(|f| {
                    if refreshing {
                        f.refresh_url.clone().or_else(|| f.token_url.clone())
                    } else {
                        f.token_url.clone()
                    }
                });
            preferred.map(TokenEndpoint::Url)
        }
        _ => {
            return Err(ConfigError(format!(
                "{place}: `oauth2` is for OAuth2 and OpenID Connect schemes; this one is {}",
                placement(scheme).describe()
            )));
        }
    };
    match from_document {
        Some(TokenEndpoint::Url(url) | TokenEndpoint::Discovery(url))
            if !(url.starts_with("https://") || url.starts_with("http://")) =>
        {
            Err(ConfigError(format!(
                "{place}.oauth2: the document's URL `{url}` is not absolute; set `token_url`"
            )))
        }
        Some(endpoint) => Ok(endpoint),
        None => Err(ConfigError(format!(
            "{place}.oauth2: the document gives no token URL for this scheme; set `token_url` or `discovery_url`"
        ))),
    }
}

/// What a client credentials token asks for when the operator names no scopes: the scopes
/// the operations require of `scheme` that its client credentials flow declares. Scopes of
/// other flows (granted to users, not to a client) are left out, or the server would refuse
/// the whole request.
fn default_scopes(api: &Api, name: &str, scheme: &SecurityScheme) -> Vec<String> {
    let SecurityScheme::OAuth2 { flows, .. } = scheme else {
        return Vec::new();
    };
    let Some(flow) = flows
        .iter()
        .find(|f| f.kind == OAuthFlowKind::ClientCredentials)
    else {
        return Vec::new();
    };
    let scopes: BTreeSet<&String> = api
        .tools
        .iter()
        .flat_map(|t| t.security.iter().flatten())
        .filter(|u| u.scheme == name)
        .flat_map(|u| u.scopes.iter())
        .filter(|s| flow.scopes.contains_key(*s))
        .collect();
    scopes.into_iter().cloned().collect()
}

/// How a document's scheme is sent.
fn placement(scheme: &SecurityScheme) -> Placement {
    match scheme {
        SecurityScheme::ApiKey { name, location, .. } => Placement::ApiKey {
            name: name.clone(),
            location: *location,
        },
        SecurityScheme::Http { scheme, .. } => match scheme.to_ascii_lowercase().as_str() {
            "basic" => Placement::Basic,
            "bearer" => Placement::Bearer,
            other => Placement::Unsupported(format!(
                "HTTP `{other}` authentication is not supported; mcpgen sends basic and bearer"
            )),
        },
        SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIdConnect { .. } => Placement::Bearer,
        SecurityScheme::MutualTls { .. } => Placement::ClientCertificate,
    }
}

impl Placement {
    fn describe(&self) -> String {
        match self {
            Placement::ApiKey { name, location } => {
                let at = match location {
                    ApiKeyLocation::Header => "header",
                    ApiKeyLocation::Query => "query parameter",
                    ApiKeyLocation::Cookie => "cookie",
                };
                format!("API key in {at} `{name}`")
            }
            Placement::Basic => "HTTP basic, `user:password`".to_string(),
            Placement::Bearer => "bearer token".to_string(),
            Placement::ClientCertificate => "TLS client certificate".to_string(),
            Placement::Unsupported(why) => why.clone(),
        }
    }

    /// Puts `secret` on `request`, and every form it takes there into `redactor`.
    fn put(
        &self,
        secret: &SecretString,
        request: &mut UpstreamRequest,
        redactor: &mut Redactor,
    ) -> Result<(), &'static str> {
        let value = secret.expose_secret();
        if value.chars().any(char::is_control) {
            return Err("contains a line break or another control character");
        }
        redactor.add(value);
        match self {
            Placement::ApiKey { name, location } => match location {
                ApiKeyLocation::Header => set_header(request, name, value.to_string()),
                ApiKeyLocation::Query => {
                    let encoded = encode(value);
                    redactor.add(&encoded);
                    let separator = if request.url.contains('?') { '&' } else { '?' };
                    request.url = format!("{}{separator}{}={encoded}", request.url, encode(name));
                }
                ApiKeyLocation::Cookie => {
                    let encoded = encode(value);
                    redactor.add(&encoded);
                    let pair = format!("{name}={encoded}");
                    match request
                        .headers
                        .iter_mut()
                        .find(|(n, _)| n.eq_ignore_ascii_case("cookie"))
                    {
                        Some((_, cookies)) => *cookies = format!("{cookies}; {pair}"),
                        None => request.headers.push(("Cookie".to_string(), pair)),
                    }
                }
            },
            Placement::Basic => {
                if !value.contains(':') {
                    return Err("must be `user:password`");
                }
                let encoded = base64::engine::general_purpose::STANDARD.encode(value);
                redactor.add(&encoded);
                if let Some((_, password)) = value.split_once(':') {
                    redactor.add(password);
                }
                set_header(request, "Authorization", format!("Basic {encoded}"));
            }
            Placement::Bearer => set_header(request, "Authorization", format!("Bearer {value}")),
            Placement::ClientCertificate | Placement::Unsupported(_) => {
                return Err("is for a scheme mcpgen cannot send as a value");
            }
        }
        Ok(())
    }
}

/// Sets a header, replacing any value the request already had under that name.
fn set_header(request: &mut UpstreamRequest, name: &str, value: String) {
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    request.headers.push((name.to_string(), value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_variables_upper_case_and_replace_other_characters() {
        assert_eq!(default_env_var("api_key"), "MCPGEN_CRED_API_KEY");
        assert_eq!(
            default_env_var("petstore-auth.v2"),
            "MCPGEN_CRED_PETSTORE_AUTH_V2"
        );
        assert_eq!(default_env_var("Bearer Auth"), "MCPGEN_CRED_BEARER_AUTH");
    }
}
