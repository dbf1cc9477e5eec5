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
//! A scheme not listed uses the environment variable `MCPGEN_CRED_<SCHEME>`.

use super::source::SecretSource;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The credentials section: one source per security scheme name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialsConfig {
    /// Sources by scheme name, as the document spells it.
    pub sources: BTreeMap<String, SecretSource>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceShape {
    env: Option<String>,
    file: Option<PathBuf>,
    command: Option<Vec<String>>,
    ttl_seconds: Option<u64>,
}

/// How long a command's output is used when `ttl_seconds` is not given.
const DEFAULT_COMMAND_TTL: Duration = Duration::from_secs(300);

impl CredentialsConfig {
    /// Reads a credentials file. Relative `file:` paths are taken from the file's folder.
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
        let mut sources = BTreeMap::new();
        for (scheme, source) in shape.credentials {
            let chosen = [
                source.env.is_some(),
                source.file.is_some(),
                source.command.is_some(),
            ]
            .iter()
            .filter(|x| **x)
            .count();
            if chosen != 1 {
                return Err(ConfigError(format!(
                    "{name}: credentials.{scheme}: expected exactly one of `env`, `file` or `command`"
                )));
            }
            if source.ttl_seconds.is_some() && source.command.is_none() {
                return Err(ConfigError(format!(
                    "{name}: credentials.{scheme}: `ttl_seconds` applies only to `command`"
                )));
            }
            let secret = if let Some(var) = source.env {
                SecretSource::Env(var)
            } else if let Some(file) = source.file {
                SecretSource::File(base.join(file))
            } else {
                let argv = source.command.unwrap_or_default();
                if argv.is_empty() {
                    return Err(ConfigError(format!(
                        "{name}: credentials.{scheme}.command: expected a program and its arguments, got an empty list"
                    )));
                }
                SecretSource::Command {
                    argv,
                    ttl: source
                        .ttl_seconds
                        .map(Duration::from_secs)
                        .unwrap_or(DEFAULT_COMMAND_TTL),
                }
            };
            sources.insert(scheme, secret);
        }
        Ok(CredentialsConfig { sources })
    }
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
        assert_eq!(config.sources["a"], SecretSource::Env("A_KEY".into()));
        assert_eq!(
            config.sources["b"],
            SecretSource::File(PathBuf::from("/etc/mcpgen/secrets/b"))
        );
        assert_eq!(
            config.sources["c"],
            SecretSource::Command {
                argv: vec!["vault".into(), "read".into(), "x".into()],
                ttl: Duration::from_secs(60)
            }
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
}
