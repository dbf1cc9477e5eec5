//! The operator's `credentials:` section (in a file given with `--credentials`): for each
//! security scheme of the document, where its secret comes from.
//!
//! ```yaml
//! credentials:
//!   api_key: { env: SALES_API_KEY }          # an environment variable
//!   basicAuth: { file: /run/secrets/basic }  # `user:password`, re-read when it changes
//!   bearer:                                  # a command's output, cached for five minutes
//!     command: [vault, kv, get, -field=token, secret/sales]
//!     ttl_seconds: 300
//! ```
//!
//! A scheme not listed uses the environment variable `MCPGEN_CRED_<SCHEME>`. OAuth 2.0 and
//! OpenID Connect schemes can have mcpgen fetch their tokens, and `mutualTLS` schemes take a
//! client certificate:
//!
//! ```yaml
//! credentials:
//!   oauth:
//!     oauth2:                                # client credentials grant
//!       client_id: sales-agent
//!       client_secret: { file: oauth-secret }
//!       scopes: [orders.read]                # default: the scopes the operations require
//!       resource: https://sales.example.com/ # RFC 8707 resource indicator (optional)
//!   oidc:
//!     oauth2:                                # refresh token grant, endpoint from discovery
//!       client_id: sales-agent
//!       refresh_token: { env: SALES_REFRESH_TOKEN }
//!   mtls:
//!     client_certificate: { certificate: client.pem, key: client.key }
//! ```
//!
//! Over HTTP with `--auth-issuer`, a call can carry the acting principal's own identity
//! upstream instead of the server's: a secret per principal, chosen by one of the caller's
//! claims, or an RFC 8693 token exchange of the caller's access token at the upstream's
//! authorization server (on behalf of the caller; each exchanged token is kept for that
//! caller's token until it expires):
//!
//! ```yaml
//! credentials:
//!   api_key:
//!     per_principal:
//!       claim: sub                           # the default
//!       secrets:
//!         alice: { env: ALICE_SALES_KEY }
//!         bob: { file: keys/bob }
//!   oauth:
//!     oauth2:
//!       token_exchange: true
//!       token_url: https://id.example.com/token   # or discovery_url; required here
//!       client_id: mcpgen
//!       client_secret: { env: MCPGEN_CLIENT_SECRET }
//!       audience: https://sales.example.com/ # or `resource:`
//! ```

use super::source::SecretSource;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The credentials section: one source per security scheme name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialsConfig {
    /// Sources by scheme name, as the document spells it.
    pub sources: BTreeMap<String, SchemeSource>,
}

/// Where one scheme's credential comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemeSource {
    /// A ready secret: an API key, `user:password`, or a bearer or access token.
    Secret(SecretSource),
    /// Access tokens that mcpgen fetches from the authorization server.
    OAuth(OAuthSettings),
    /// A secret per principal: the caller's `claim` names which.
    PerPrincipal {
        /// The claim whose value picks the secret (`sub` unless configured).
        claim: String,
        /// The secrets, by claim value.
        secrets: BTreeMap<String, SecretSource>,
    },
    /// A TLS client certificate and its private key, PEM files re-read when they change.
    ClientCertificate {
        /// The certificate chain.
        certificate: PathBuf,
        /// The private key.
        key: PathBuf,
    },
}

/// How mcpgen gets access tokens for an OAuth 2.0 or OpenID Connect scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthSettings {
    /// The token endpoint; when absent, the document's flow or OpenID Connect discovery.
    pub token_url: Option<String>,
    /// An OpenID Connect discovery document that names the token endpoint.
    pub discovery_url: Option<String>,
    /// The client's identifier (not a secret).
    pub client_id: String,
    /// The client's secret; a public client has none.
    pub client_secret: Option<SecretSource>,
    /// A refresh token: when present the refresh token grant is used, else client credentials.
    pub refresh_token: Option<SecretSource>,
    /// Scopes to ask for; when absent, those the document's operations require.
    pub scopes: Option<Vec<String>>,
    /// The RFC 8707 resource indicator to ask a token for.
    pub resource: Option<String>,
    /// The `audience` parameter some servers (Auth0, Okta) use instead of `resource`.
    pub audience: Option<String>,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// How long before its expiry a token is replaced (at most half its lifetime).
    pub expiry_skew: Duration,
    /// The token exchange grant (RFC 8693): the caller's access token is exchanged for one
    /// to the upstream, on behalf of the caller.
    pub token_exchange: bool,
}

/// Client authentication at the token endpoint (RFC 6749 section 2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP basic with the client id and secret (the default every server must support).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// A credentials file that cannot be used; the message names the file, the line and what
/// was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    credentials: BTreeMap<String, SourceShape>,
}

/// The `credentials:` section of a file that holds other sections too (mcpgen.yaml).
#[derive(Deserialize)]
struct SectionShape {
    #[serde(default)]
    credentials: BTreeMap<String, SourceShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceShape {
    env: Option<String>,
    file: Option<PathBuf>,
    command: Option<Vec<String>>,
    ttl_seconds: Option<u64>,
    oauth2: Option<OAuthShape>,
    client_certificate: Option<CertificateShape>,
    per_principal: Option<PerPrincipalShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerPrincipalShape {
    claim: Option<String>,
    secrets: BTreeMap<String, SecretShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretShape {
    env: Option<String>,
    file: Option<PathBuf>,
    command: Option<Vec<String>>,
    ttl_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuthShape {
    token_url: Option<String>,
    discovery_url: Option<String>,
    client_id: String,
    client_secret: Option<SecretShape>,
    refresh_token: Option<SecretShape>,
    scopes: Option<Vec<String>>,
    resource: Option<String>,
    audience: Option<String>,
    #[serde(default)]
    client_auth: ClientAuth,
    expiry_skew_seconds: Option<u64>,
    #[serde(default)]
    token_exchange: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificateShape {
    certificate: PathBuf,
    key: PathBuf,
}

/// How long a command's output is used when `ttl_seconds` is not given.
const DEFAULT_COMMAND_TTL: Duration = Duration::from_secs(300);

/// How long before expiry a token is replaced when `expiry_skew_seconds` is not given.
const DEFAULT_EXPIRY_SKEW: Duration = Duration::from_secs(30);

impl CredentialsConfig {
    /// Reads a credentials file. Relative paths are taken from the file's folder.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{shown}: cannot read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &shown.to_string(), base)
    }

    /// Parses the YAML text of a credentials file named `name`.
    pub fn parse(text: &str, name: &str, base: &Path) -> Result<Self, ConfigError> {
        let options = serde_saphyr::options! { strict_booleans: true };
        let shape: FileShape = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| ConfigError(format!("{name}: {e}")))?;
        Self::from_shape(shape.credentials, name, base)
    }

    /// Parses only the `credentials:` section of a file with other sections (mcpgen.yaml).
    pub fn parse_section(text: &str, name: &str, base: &Path) -> Result<Self, ConfigError> {
        let options = serde_saphyr::options! { strict_booleans: true };
        let shape: SectionShape = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| ConfigError(format!("{name}: {e}")))?;
        Self::from_shape(shape.credentials, name, base)
    }

    /// Whether a YAML text has a top-level `credentials:` section.
    pub fn has_section(text: &str) -> bool {
        text.lines().any(|l| {
            l.strip_prefix("credentials")
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    }

    fn from_shape(
        shape: BTreeMap<String, SourceShape>,
        name: &str,
        base: &Path,
    ) -> Result<Self, ConfigError> {
        let mut sources = BTreeMap::new();
        for (scheme, source) in shape {
            let place = format!("{name}: credentials.{scheme}");
            let source = scheme_source(source, &place, base)?;
            sources.insert(scheme, source);
        }
        Ok(CredentialsConfig { sources })
    }
}

fn scheme_source(
    shape: SourceShape,
    place: &str,
    base: &Path,
) -> Result<SchemeSource, ConfigError> {
    let secret = SecretShape {
        env: shape.env,
        file: shape.file,
        command: shape.command,
        ttl_seconds: shape.ttl_seconds,
    };
    let kinds = [
        secret.env.is_some() || secret.file.is_some() || secret.command.is_some(),
        shape.oauth2.is_some(),
        shape.client_certificate.is_some(),
        shape.per_principal.is_some(),
    ];
    if kinds.iter().filter(|x| **x).count() > 1 {
        return Err(ConfigError(format!(
            "{place}: expected one of `env`, `file`, `command`, `oauth2`, `client_certificate` or `per_principal`"
        )));
    }
    if let Some(per) = shape.per_principal {
        if secret.ttl_seconds.is_some() {
            return Err(ConfigError(format!(
                "{place}: `ttl_seconds` applies only to `command`"
            )));
        }
        let claim = per.claim.unwrap_or_else(|| "sub".to_string());
        if claim.trim().is_empty() {
            return Err(ConfigError(format!(
                "{place}.per_principal.claim: expected a claim name, got an empty string"
            )));
        }
        if per.secrets.is_empty() {
            return Err(ConfigError(format!(
                "{place}.per_principal.secrets: expected at least one principal's secret"
            )));
        }
        let mut secrets = BTreeMap::new();
        for (principal, shape) in per.secrets {
            let at = format!("{place}.per_principal.secrets.{principal}");
            secrets.insert(principal, secret_source(shape, &at, base, false)?);
        }
        return Ok(SchemeSource::PerPrincipal { claim, secrets });
    }
    if let Some(oauth) = shape.oauth2 {
        if secret.ttl_seconds.is_some() {
            return Err(ConfigError(format!(
                "{place}: `ttl_seconds` applies only to `command`"
            )));
        }
        return oauth_settings(oauth, &format!("{place}.oauth2"), base).map(SchemeSource::OAuth);
    }
    if let Some(cert) = shape.client_certificate {
        if secret.ttl_seconds.is_some() {
            return Err(ConfigError(format!(
                "{place}: `ttl_seconds` applies only to `command`"
            )));
        }
        return Ok(SchemeSource::ClientCertificate {
            certificate: base.join(cert.certificate),
            key: base.join(cert.key),
        });
    }
    secret_source(secret, place, base, true).map(SchemeSource::Secret)
}

fn secret_source(
    shape: SecretShape,
    place: &str,
    base: &Path,
    top_level: bool,
) -> Result<SecretSource, ConfigError> {
    let chosen = [
        shape.env.is_some(),
        shape.file.is_some(),
        shape.command.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if chosen != 1 {
        return Err(ConfigError(format!(
            "{place}: expected exactly one of `env`, `file` or `command`{}",
            if top_level {
                " (or `oauth2`, or `client_certificate`)"
            } else {
                ""
            }
        )));
    }
    if shape.ttl_seconds.is_some() && shape.command.is_none() {
        return Err(ConfigError(format!(
            "{place}: `ttl_seconds` applies only to `command`"
        )));
    }
    if let Some(var) = shape.env {
        return Ok(SecretSource::Env(var));
    }
    if let Some(file) = shape.file {
        return Ok(SecretSource::File(base.join(file)));
    }
    let argv = shape.command.unwrap_or_default();
    if argv.is_empty() {
        return Err(ConfigError(format!(
            "{place}.command: expected a program and its arguments, got an empty list"
        )));
    }
    Ok(SecretSource::Command {
        argv,
        ttl: shape
            .ttl_seconds
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_COMMAND_TTL),
    })
}

fn oauth_settings(
    shape: OAuthShape,
    place: &str,
    base: &Path,
) -> Result<OAuthSettings, ConfigError> {
    for (key, url) in [
        ("token_url", &shape.token_url),
        ("discovery_url", &shape.discovery_url),
    ] {
        if let Some(url) = url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError(format!(
                "{place}.{key}: expected an absolute http(s) URL, got `{url}`"
            )));
        }
    }
    if shape.token_url.is_some() && shape.discovery_url.is_some() {
        return Err(ConfigError(format!(
            "{place}: expected `token_url` or `discovery_url`, not both"
        )));
    }
    if shape.client_id.trim().is_empty() {
        return Err(ConfigError(format!(
            "{place}.client_id: expected the client's id, got an empty string"
        )));
    }
    if shape.token_exchange {
        // The caller's access token goes there: only to an endpoint the operator names, and
        // never in clear over a network.
        let Some((key, url)) = shape
            .token_url
            .as_ref()
            .map(|u| ("token_url", u))
            .or(shape.discovery_url.as_ref().map(|u| ("discovery_url", u)))
        else {
            return Err(ConfigError(format!(
                "{place}: `token_exchange` sends the caller's access token to the authorization server: name it with `token_url` or `discovery_url` (the document's token URL is not used for this)"
            )));
        };
        if !crate::auth::is_secure_or_local(url) {
            return Err(ConfigError(format!(
                "{place}.{key}: `token_exchange` sends the caller's access token there, so it must be https (or http on this machine), not `{url}`"
            )));
        }
    }
    if shape.token_exchange && shape.refresh_token.is_some() {
        return Err(ConfigError(format!(
            "{place}: `token_exchange` exchanges the caller's token; it takes no `refresh_token`"
        )));
    }
    if shape.client_secret.is_none() && shape.refresh_token.is_none() && !shape.token_exchange {
        return Err(ConfigError(format!(
            "{place}: the client credentials grant needs `client_secret` (or give a `refresh_token` for the refresh token grant)"
        )));
    }
    if let Some(resource) = &shape.resource
        && (!(resource.starts_with("https://") || resource.starts_with("http://"))
            || resource.contains('#'))
    {
        return Err(ConfigError(format!(
            "{place}.resource: expected an absolute URI without a fragment (RFC 8707), got `{resource}`"
        )));
    }
    let secret = |shape: Option<SecretShape>, key: &str| {
        shape
            .map(|s| secret_source(s, &format!("{place}.{key}"), base, false))
            .transpose()
    };
    Ok(OAuthSettings {
        token_url: shape.token_url,
        discovery_url: shape.discovery_url,
        client_id: shape.client_id,
        client_secret: secret(shape.client_secret, "client_secret")?,
        refresh_token: secret(shape.refresh_token, "refresh_token")?,
        scopes: shape.scopes,
        resource: shape.resource,
        audience: shape.audience,
        client_auth: shape.client_auth,
        expiry_skew: shape
            .expiry_skew_seconds
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_EXPIRY_SKEW),
        token_exchange: shape.token_exchange,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CredentialsConfig, String> {
        CredentialsConfig::parse(text, "creds.yaml", Path::new("/etc/mcpgen")).map_err(|e| e.0)
    }

    #[test]
    fn every_source_kind_reads() {
        let config = parse(
            "credentials:\n  a: { env: A_KEY }\n  b: { file: secrets/b }\n  c:\n    command: [vault, read, x]\n    ttl_seconds: 60\n",
        )
        .unwrap();
        assert_eq!(
            config.sources["a"],
            SchemeSource::Secret(SecretSource::Env("A_KEY".into()))
        );
        assert_eq!(
            config.sources["b"],
            SchemeSource::Secret(SecretSource::File(PathBuf::from("/etc/mcpgen/secrets/b")))
        );
        assert_eq!(
            config.sources["c"],
            SchemeSource::Secret(SecretSource::Command {
                argv: vec!["vault".into(), "read".into(), "x".into()],
                ttl: Duration::from_secs(60)
            })
        );
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        let two = parse("credentials:\n  a: { env: A, file: f }\n").unwrap_err();
        assert!(
            two.contains("credentials.a: expected exactly one of"),
            "{two}"
        );
        let unknown = parse("credentials:\n  a: { envv: A }\n").unwrap_err();
        assert!(unknown.starts_with("creds.yaml: "), "{unknown}");
        assert!(
            unknown.contains("envv") && unknown.contains("line 2"),
            "{unknown}"
        );
        let ttl = parse("credentials:\n  a: { env: A, ttl_seconds: 3 }\n").unwrap_err();
        assert!(ttl.contains("only to `command`"), "{ttl}");
        let empty = parse("credentials:\n  a: { command: [] }\n").unwrap_err();
        assert!(empty.contains("empty list"), "{empty}");
        let duplicate = parse("credentials:\n  a: { env: A }\n  a: { env: B }\n").unwrap_err();
        assert!(duplicate.contains("line 3"), "{duplicate}");
    }

    #[test]
    fn oauth_and_client_certificates_read() {
        let config = parse(
            "credentials:\n  o:\n    oauth2:\n      client_id: svc\n      client_secret: { file: s }\n      scopes: [read]\n      resource: https://api.test/\n      client_auth: client_secret_post\n      expiry_skew_seconds: 5\n  r:\n    oauth2: { client_id: svc, refresh_token: { env: RT }, discovery_url: 'https://id.test/.well-known/openid-configuration' }\n  m:\n    client_certificate: { certificate: c.pem, key: k.pem }\n",
        )
        .unwrap();
        let SchemeSource::OAuth(o) = &config.sources["o"] else {
            panic!("{:?}", config.sources["o"])
        };
        assert_eq!(o.client_id, "svc");
        assert_eq!(
            o.client_secret,
            Some(SecretSource::File(PathBuf::from("/etc/mcpgen/s")))
        );
        assert_eq!(o.scopes, Some(vec!["read".to_string()]));
        assert_eq!(o.client_auth, ClientAuth::ClientSecretPost);
        assert_eq!(o.expiry_skew, Duration::from_secs(5));
        let SchemeSource::OAuth(r) = &config.sources["r"] else {
            panic!("{:?}", config.sources["r"])
        };
        assert_eq!(r.refresh_token, Some(SecretSource::Env("RT".into())));
        assert_eq!(r.client_auth, ClientAuth::ClientSecretBasic);
        assert_eq!(
            config.sources["m"],
            SchemeSource::ClientCertificate {
                certificate: PathBuf::from("/etc/mcpgen/c.pem"),
                key: PathBuf::from("/etc/mcpgen/k.pem"),
            }
        );
    }

    #[test]
    fn per_principal_secrets_and_token_exchange_read() {
        let config = parse(
            "credentials:\n  k:\n    per_principal:\n      secrets:\n        alice: { env: ALICE }\n        bob: { file: keys/bob }\n  r:\n    per_principal: { claim: region, secrets: { eu: { env: EU } } }\n  x:\n    oauth2: { token_exchange: true, token_url: 'https://id.test/token', client_id: mcpgen, client_secret: { env: S }, audience: api }\n",
        )
        .unwrap();
        let SchemeSource::PerPrincipal { claim, secrets } = &config.sources["k"] else {
            panic!("{:?}", config.sources["k"])
        };
        assert_eq!(claim, "sub");
        assert_eq!(secrets["alice"], SecretSource::Env("ALICE".into()));
        assert_eq!(
            secrets["bob"],
            SecretSource::File(PathBuf::from("/etc/mcpgen/keys/bob"))
        );
        let SchemeSource::PerPrincipal { claim, .. } = &config.sources["r"] else {
            panic!("{:?}", config.sources["r"])
        };
        assert_eq!(claim, "region");
        let SchemeSource::OAuth(x) = &config.sources["x"] else {
            panic!("{:?}", config.sources["x"])
        };
        assert!(x.token_exchange);
        assert_eq!(x.audience.as_deref(), Some("api"));

        let empty = parse("credentials:\n  k:\n    per_principal: { secrets: {} }\n").unwrap_err();
        assert!(
            empty.contains("credentials.k.per_principal.secrets: expected at least one"),
            "{empty}"
        );
        let bad = parse(
            "credentials:\n  k:\n    per_principal: { secrets: { alice: { env: A, file: f } } }\n",
        )
        .unwrap_err();
        assert!(
            bad.contains("credentials.k.per_principal.secrets.alice: expected exactly one"),
            "{bad}"
        );
        let both = parse(
            "credentials:\n  k:\n    env: K\n    per_principal: { secrets: { a: { env: A } } }\n",
        )
        .unwrap_err();
        assert!(both.contains("expected one of"), "{both}");
        let refresh = parse("credentials:\n  x:\n    oauth2: { token_exchange: true, token_url: 'https://id.test/t', client_id: a, refresh_token: { env: R } }\n").unwrap_err();
        assert!(refresh.contains("takes no `refresh_token`"), "{refresh}");
        let unnamed =
            parse("credentials:\n  x:\n    oauth2: { token_exchange: true, client_id: a }\n")
                .unwrap_err();
        assert!(
            unnamed.contains("name it with `token_url` or `discovery_url`"),
            "{unnamed}"
        );
        let clear = parse("credentials:\n  x:\n    oauth2: { token_exchange: true, token_url: 'http://id.example.com/t', client_id: a }\n").unwrap_err();
        assert!(
            clear.contains("credentials.x.oauth2.token_url: `token_exchange` sends"),
            "{clear}"
        );
        parse("credentials:\n  x:\n    oauth2: { token_exchange: true, token_url: 'http://127.0.0.1:9/t', client_id: a }\n").unwrap();
    }

    #[test]
    fn oauth_mistakes_are_named_with_their_place() {
        let relative =
            parse("credentials:\n  o:\n    oauth2: { client_id: a, token_url: /token }\n")
                .unwrap_err();
        assert!(
            relative.contains("credentials.o.oauth2.token_url: expected an absolute"),
            "{relative}"
        );
        let secret = parse("credentials:\n  o:\n    oauth2: { client_id: a, client_secret: {} }\n")
            .unwrap_err();
        assert!(
            secret.contains("credentials.o.oauth2.client_secret: expected exactly one"),
            "{secret}"
        );
        let mixed =
            parse("credentials:\n  o:\n    env: X\n    oauth2: { client_id: a }\n").unwrap_err();
        assert!(mixed.contains("expected one of"), "{mixed}");
        let method = parse("credentials:\n  o:\n    oauth2: { client_id: a, client_auth: jwt }\n")
            .unwrap_err();
        assert!(method.contains("line 3"), "{method}");
        let no_id =
            parse("credentials:\n  o:\n    oauth2: { token_url: 'https://x' }\n").unwrap_err();
        assert!(no_id.contains("client_id"), "{no_id}");
    }
}
