//! Credentials for the upstream API: each security scheme of the document gets a secret the
//! operator supplies, and each call carries the first alternative of its security
//! requirements whose secrets are all there.
//!
//! With no configuration a scheme reads the environment variable `MCPGEN_CRED_<SCHEME>`
//! ([`default_env_var`]); a credentials file ([`config`]) names other sources. Secrets are
//! held as [`SecretString`]s and are added to a request only after it is built and logged,
//! and everything a call returns to the model passes through the [`Redactor`] of the secrets
//! it used.

pub mod config;
pub mod redact;
pub mod source;

use crate::model::{Api, ApiKeyLocation, SecurityScheme, Tool};
use crate::request::{UpstreamRequest, encode};
use base64::Engine;
pub use config::{ConfigError, CredentialsConfig};
pub use redact::Redactor;
use secrecy::{ExposeSecret, SecretString};
use source::{SecretReader, SecretSource};
use std::collections::BTreeMap;

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
    reader: SecretReader,
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
        let schemes = api
            .security_schemes
            .iter()
            .map(|(name, scheme)| {
                let source = config
                    .sources
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| SecretSource::Env(default_env_var(name)));
                let credential = SchemeCredential {
                    placement: placement(scheme),
                    reader: SecretReader::new(source),
                };
                (name.clone(), credential)
            })
            .collect();
        Ok(Credentials { schemes })
    }

    /// Each scheme and whether it is configured, for `mcpgen check`.
    pub fn status(&self) -> Vec<SchemeStatus> {
        self.schemes
            .iter()
            .map(|(name, c)| SchemeStatus {
                scheme: name.clone(),
                kind: c.placement.describe(),
                source: c.reader.source().describe(),
                configured: c.is_ready(),
                unsupported: match &c.placement {
                    Placement::Unsupported(why) => Some(why.clone()),
                    _ => None,
                },
            })
            .collect()
    }

    /// Adds the credentials `tool` needs to `request`: the first alternative of its security
    /// requirements whose schemes are all configured. Returns the redactor of every form the
    /// secrets took, for what goes back to the model. Fails with a message naming what to set
    /// when no alternative is configured.
    pub async fn apply(
        &self,
        tool: &Tool,
        request: &mut UpstreamRequest,
    ) -> Result<Redactor, String> {
        let mut redactor = Redactor::default();
        if tool.security.is_empty() {
            return Ok(redactor);
        }
        let chosen = tool.security.iter().find(|alternative| {
            alternative.iter().all(|u| {
                self.schemes
                    .get(&u.scheme)
                    .is_some_and(SchemeCredential::is_ready)
            })
        });
        let Some(alternative) = chosen else {
            return Err(self.missing(tool));
        };
        for scheme_use in alternative {
            let credential = &self.schemes[&scheme_use.scheme];
            let secret = credential.reader.read().await.map_err(|e| {
                format!(
                    "Cannot call `{}`: the credential for `{}`: {e}",
                    tool.name, scheme_use.scheme
                )
            })?;
            credential
                .placement
                .put(&secret, request, &mut redactor)
                .map_err(|why| {
                    format!(
                        "Cannot call `{}`: the credential for `{}` ({}) {why}",
                        tool.name,
                        scheme_use.scheme,
                        credential.reader.source().describe()
                    )
                })?;
        }
        Ok(redactor)
    }

    /// The message for a call none of whose alternatives is configured.
    fn missing(&self, tool: &Tool) -> String {
        let options: Vec<String> = tool
            .security
            .iter()
            .map(|alternative| {
                let parts: Vec<String> = alternative
                    .iter()
                    .map(|u| match self.schemes.get(&u.scheme) {
                        None => format!("`{}` (not defined in the document)", u.scheme),
                        Some(c) => match &c.placement {
                            Placement::Unsupported(why) => format!("`{}` ({why})", u.scheme),
                            placement => format!(
                                "{} for `{}` ({})",
                                c.reader.source().describe(),
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
    fn is_ready(&self) -> bool {
        !matches!(self.placement, Placement::Unsupported(_)) && self.reader.is_present()
    }
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
        SecurityScheme::MutualTls { .. } => Placement::Unsupported(
            "mutual TLS client certificates are not supported yet".to_string(),
        ),
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
            Placement::Unsupported(_) => return Err("is for a scheme mcpgen cannot send"),
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
