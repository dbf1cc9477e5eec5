//! Where a secret comes from: an environment variable, a file (re-read when it changes, so a
//! rotated secret is picked up without a restart) or a command such as a vault CLI (its output
//! cached for a while). Reading never puts the value into an error message.

use secrecy::SecretString;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// The operator's choice of where one secret is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable, read at each use.
    Env(String),
    /// A file holding the secret (surrounding whitespace ignored), re-read when its
    /// modification time or size changes.
    File(PathBuf),
    /// A program and its arguments (no shell); its standard output is the secret, cached for
    /// `ttl`.
    Command {
        /// The program and its arguments.
        argv: Vec<String>,
        /// How long an output stays valid.
        ttl: Duration,
    },
}

impl SecretSource {
    /// The source in words, for `mcpgen check` and error messages (never the value).
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Env(var) => format!("environment variable {var}"),
            SecretSource::File(path) => format!("file {}", path.display()),
            SecretSource::Command { argv, .. } => {
                format!(
                    "command `{}`",
                    argv.first().map(String::as_str).unwrap_or("")
                )
            }
        }
    }
}

/// Why a secret could not be read. Names the source, never the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// A secret source with its cache.
#[derive(Debug)]
pub struct SecretReader {
    source: SecretSource,
    cached: Mutex<Option<Cached>>,
}

/// The last value read, and what decides whether it is still good.
#[derive(Debug)]
struct Cached {
    value: SecretString,
    /// For files: modification time and size when read.
    stamp: Option<(SystemTime, u64)>,
    /// For commands: when the output was produced.
    at: Instant,
}

/// How long a command may run before it counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

impl SecretReader {
    /// A reader for `source`; nothing is read until [`SecretReader::read`].
    pub fn new(source: SecretSource) -> Self {
        SecretReader {
            source,
            cached: Mutex::new(None),
        }
    }

    /// Where the secret comes from.
    pub fn source(&self) -> &SecretSource {
        &self.source
    }

    /// Whether a value can be expected: an environment variable must be set; files and
    /// commands count as present (their failures are reported when read).
    pub fn is_present(&self) -> bool {
        match &self.source {
            SecretSource::Env(var) => std::env::var_os(var).is_some_and(|v| !v.is_empty()),
            SecretSource::File(_) | SecretSource::Command { .. } => true,
        }
    }

    /// The current secret.
    pub async fn read(&self) -> Result<SecretString, SourceError> {
        match &self.source {
            SecretSource::Env(var) => match std::env::var(var) {
                Ok(value) if !value.trim().is_empty() => Ok(SecretString::from(value.trim())),
                Ok(_) => Err(SourceError(format!("environment variable {var} is empty"))),
                Err(std::env::VarError::NotPresent) => Err(SourceError(format!(
                    "environment variable {var} is not set"
                ))),
                Err(std::env::VarError::NotUnicode(_)) => Err(SourceError(format!(
                    "environment variable {var} is not valid UTF-8"
                ))),
            },
            SecretSource::File(path) => self.read_file(path),
            SecretSource::Command { argv, ttl } => self.run_command(argv, *ttl).await,
        }
    }

    fn read_file(&self, path: &PathBuf) -> Result<SecretString, SourceError> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| SourceError(format!("cannot read credential file {shown}: {e}")))?;
        let stamp = (
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            meta.len(),
        );
        let mut cached = self.cached.lock().expect("not poisoned");
        if let Some(c) = cached.as_ref()
            && c.stamp == Some(stamp)
        {
            return Ok(c.value.clone());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| SourceError(format!("cannot read credential file {shown}: {e}")))?;
        let value = text.trim();
        if value.is_empty() {
            return Err(SourceError(format!("credential file {shown} is empty")));
        }
        let value = SecretString::from(value);
        *cached = Some(Cached {
            value: value.clone(),
            stamp: Some(stamp),
            at: Instant::now(),
        });
        Ok(value)
    }

    async fn run_command(
        &self,
        argv: &[String],
        ttl: Duration,
    ) -> Result<SecretString, SourceError> {
        if let Some(c) = self.cached.lock().expect("not poisoned").as_ref()
            && c.at.elapsed() < ttl
        {
            return Ok(c.value.clone());
        }
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| SourceError("a credential command is empty".to_string()))?;
        let run = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = match tokio::time::timeout(COMMAND_TIMEOUT, run).await {
            Err(_) => {
                return Err(SourceError(format!(
                    "credential command `{program}` did not finish within {} s",
                    COMMAND_TIMEOUT.as_secs()
                )));
            }
            Ok(Err(e)) => {
                return Err(SourceError(format!(
                    "cannot run credential command `{program}`: {e}"
                )));
            }
            Ok(Ok(output)) => output,
        };
        if !output.status.success() {
            // Its output is not shown: it may hold part of a secret.
            return Err(SourceError(format!(
                "credential command `{program}` failed ({})",
                output.status
            )));
        }
        let text = String::from_utf8(output.stdout).map_err(|_| {
            SourceError(format!(
                "credential command `{program}` printed invalid UTF-8"
            ))
        })?;
        let value = text.trim();
        if value.is_empty() {
            return Err(SourceError(format!(
                "credential command `{program}` printed nothing"
            )));
        }
        let value = SecretString::from(value);
        *self.cached.lock().expect("not poisoned") = Some(Cached {
            value: value.clone(),
            stamp: None,
            at: Instant::now(),
        });
        Ok(value)
    }
}

/// The model keeps where a secret comes from as plain data (mcpgen.yaml); a command's output
/// is kept for five minutes, as in a credentials file without `ttl_seconds`.
impl From<&crate::model::SecretRef> for SecretSource {
    fn from(reference: &crate::model::SecretRef) -> Self {
        match reference {
            crate::model::SecretRef::Env(var) => SecretSource::Env(var.clone()),
            crate::model::SecretRef::File(path) => SecretSource::File(path.into()),
            crate::model::SecretRef::Command(argv) => SecretSource::Command {
                argv: argv.clone(),
                ttl: Duration::from_secs(300),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn a_rotated_file_is_read_again() {
        let dir = std::env::temp_dir().join(format!("mcpgen-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, "first-secret\n").unwrap();
        let reader = SecretReader::new(SecretSource::File(path.clone()));
        assert_eq!(reader.read().await.unwrap().expose_secret(), "first-secret");
        // A different size changes the stamp even within the file system's time resolution.
        std::fs::write(&path, "second-secret-value").unwrap();
        assert_eq!(
            reader.read().await.unwrap().expose_secret(),
            "second-secret-value"
        );
        std::fs::write(&path, "  \n").unwrap();
        let error = reader.read().await.unwrap_err().0;
        assert!(error.contains("is empty"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn command_output_is_cached_for_its_ttl() {
        let dir = std::env::temp_dir().join(format!("mcpgen-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let counter = dir.join("runs");
        let script = format!(
            "echo x >> {0}; echo token-$(wc -l < {0} | tr -d ' ')",
            counter.display()
        );
        let argv = vec!["sh".to_string(), "-c".to_string(), script];
        let cached = SecretReader::new(SecretSource::Command {
            argv: argv.clone(),
            ttl: Duration::from_secs(60),
        });
        assert_eq!(cached.read().await.unwrap().expose_secret(), "token-1");
        assert_eq!(cached.read().await.unwrap().expose_secret(), "token-1");
        let fresh = SecretReader::new(SecretSource::Command {
            argv,
            ttl: Duration::ZERO,
        });
        assert_eq!(fresh.read().await.unwrap().expose_secret(), "token-2");
        assert_eq!(fresh.read().await.unwrap().expose_secret(), "token-3");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn failures_name_the_source_and_never_the_output() {
        let failing = SecretReader::new(SecretSource::Command {
            argv: vec!["sh".into(), "-c".into(), "echo leaked-value; exit 3".into()],
            ttl: Duration::from_secs(1),
        });
        let error = failing.read().await.unwrap_err().0;
        assert!(error.contains("`sh` failed"), "{error}");
        assert!(!error.contains("leaked-value"), "{error}");
        let unset = SecretReader::new(SecretSource::Env("MCPGEN_TEST_SURELY_UNSET_VAR".into()));
        assert!(!unset.is_present());
        assert_eq!(
            unset.read().await.unwrap_err().0,
            "environment variable MCPGEN_TEST_SURELY_UNSET_VAR is not set"
        );
    }
}
