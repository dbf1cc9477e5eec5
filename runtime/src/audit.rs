//! The audit trail: one JSON line per tool call (and, as governance lands, per denial and
//! authentication failure), saying who called what, with which credential, what the upstream
//! answered and how it ended. Never an argument value or a secret: arguments appear as a
//! SHA-256 digest, credentials as their scheme and the kind of source.
//!
//! Lines are hash-chained: each carries `seq` (one more than the line before), `prev` (the
//! line before's hash) and its own `hash` over everything else in the line, optionally as an
//! HMAC with a key only the operator holds. `mcpgen audit verify` recomputes the chain, so an
//! edited, deleted or reordered line is found, and says which line breaks it. Cutting lines off
//! the end leaves a valid shorter chain: compare the last `seq`/`hash` with a copy kept
//! elsewhere (verify prints them) to catch that.
//!
//! Three sinks, and what is flushed when:
//! - a file: each line is written and flushed to the operating system before the call's
//!   result goes back to the client; it reaches the disk when the OS writes it (the log is
//!   `fsync`ed when the server stops);
//! - standard output: each line is written and flushed before the result goes back;
//! - a database table ([`table`]): each line is chained before the result goes back and
//!   queued in order; one writer inserts queued lines in `seq` order, several in one
//!   transaction, and retries while the database is unavailable. A line is in the table once
//!   its transaction commits, usually milliseconds after the call. When the server stops it
//!   waits up to ten seconds for the queue to empty, then logs every line still queued.
//!   Lines that cannot be queued (more than [`table::MAX_QUEUED`] waiting) are logged in full
//!   instead, so none is lost without a trace.

use crate::model::SecretRef;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub mod table;

/// The `prev` of the first line of a log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened in one call, as the server saw it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AuditEvent {
    /// The acting principal (the token's subject), when the server authenticates callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The MCP client (the token's client id or the client's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The tool called.
    pub tool: String,
    /// SHA-256 of the arguments as JSON (keys sorted), so equal calls can be matched without
    /// keeping their values.
    pub arguments: String,
    /// `allow` or `deny`.
    pub decision: &'static str,
    /// The policy rule that decided, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The credentials the call used: scheme and where its secret came from, never a value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<CredentialUse>,
    /// The upstream request, for an HTTP tool that got as far as sending one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<UpstreamCall>,
    /// The database, for a SQL tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// How long the call took, in milliseconds.
    pub latency_ms: u64,
    /// `ok`, `tool_error` (the result the model got is an error), `invalid_arguments`,
    /// `denied`, `unknown_tool`, or for a request the resource server refused
    /// `unauthenticated`, `forbidden` or `unavailable`.
    pub outcome: &'static str,
}

/// One credential a call used.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CredentialUse {
    /// The security scheme's name.
    pub scheme: String,
    /// Where its secret came from: `env`, `file`, `command`, `oauth2`, `token_exchange`,
    /// `per_principal` or `certificate`.
    pub source: &'static str,
}

/// The upstream request of a call.
#[derive(Clone, Debug, Serialize)]
pub struct UpstreamCall {
    /// The HTTP method.
    pub method: String,
    /// The host (and port) the request went to; never the path or query, which can hold
    /// argument values.
    pub host: String,
    /// The status the upstream answered, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// Why the audit log cannot be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The file cannot be opened, read or written.
    #[error("audit log {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The existing log's last line is not an audit line, so the chain cannot continue.
    #[error(
        "audit log {path}: line {line} is not an audit line ({reason}); keep the file aside and start a new one"
    )]
    Broken {
        /// The log file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The audit table cannot be reached, created or read (the message never holds the
    /// connection URL).
    #[error("audit table `{table}`: {message}")]
    Database {
        /// The table.
        table: String,
        /// The cause.
        message: String,
    },
    /// The audit table's last row is not an audit line, so the chain cannot continue.
    #[error(
        "audit table `{table}`: the row with seq {seq} is not an audit line ({reason}); rename the table aside and start a new one"
    )]
    BrokenRow {
        /// The table.
        table: String,
        /// The row's `seq`.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
}

/// Where audit lines go.
enum Sink {
    File { file: std::fs::File, path: PathBuf },
    Stdout,
    Table(table::TableWriter),
}

/// The chain's current end.
struct Chain {
    sink: Sink,
    seq: u64,
    last_hash: String,
}

/// An append-only, hash-chained audit log shared by every call of a server.
pub struct AuditLog {
    chain: Mutex<Chain>,
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("keyed", &self.key.is_some())
            .finish()
    }
}

impl AuditLog {
    /// Appends to the log file at `path`, continuing its chain (a new file starts one). With a
    /// `key`, hashes are HMAC-SHA256 under it.
    pub fn open(path: &Path, key: Option<Vec<u8>>) -> Result<Self, AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut unterminated = false;
        let (seq, last_hash) = match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                unterminated = !bytes.is_empty() && !bytes.ends_with(b"\n");
                let last = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                    .last();
                match last {
                    Some((index, line)) => {
                        chain_end(line, key.as_deref(), "file").map_err(|reason| {
                            AuditError::Broken {
                                path: path.to_path_buf(),
                                line: index + 1,
                                reason,
                            }
                        })?
                    }
                    None => (0, GENESIS.to_string()),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (0, GENESIS.to_string()),
            Err(e) => return Err(io(e)),
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if unterminated {
            // The last line is whole but lost its line break (an editor, a crash between the
            // two): restore it, or the next line would be glued onto it.
            file.write_all(b"\n").map_err(io)?;
        }
        Ok(AuditLog {
            chain: Mutex::new(Chain {
                sink: Sink::File {
                    file,
                    path: path.to_path_buf(),
                },
                seq,
                last_hash,
            }),
            key,
        })
    }

    /// Writes audit lines to standard output (for an HTTP server; on stdio, standard output
    /// carries the protocol).
    pub fn stdout(key: Option<Vec<u8>>) -> Self {
        AuditLog {
            chain: Mutex::new(Chain {
                sink: Sink::Stdout,
                seq: 0,
                last_hash: GENESIS.to_string(),
            }),
            key,
        }
    }

    /// Appends to the table `table` of the database `connection` reaches (created if missing),
    /// continuing the chain of its row with the highest `seq`. Blocks until the database
    /// answered; then lines are written in the background (see the module documentation).
    pub fn table(
        connection: &SecretRef,
        table: &str,
        key: Option<Vec<u8>>,
    ) -> Result<Self, AuditError> {
        let (writer, seq, last_hash) =
            table::TableWriter::start(connection, table, key.as_deref())?;
        Ok(AuditLog {
            chain: Mutex::new(Chain {
                sink: Sink::Table(writer),
                seq,
                last_hash,
            }),
            key,
        })
    }

    /// Appends one event. A failure to write is logged, not returned: the call it describes
    /// has already happened.
    pub fn record(&self, event: &AuditEvent) {
        let mut chain = self.chain.lock().unwrap_or_else(|e| e.into_inner());
        let seq = chain.seq + 1;
        let time = now_rfc3339();
        let mut line = Map::new();
        line.insert("seq".into(), Value::from(seq));
        line.insert("time".into(), Value::from(time.clone()));
        if let Ok(Value::Object(fields)) = serde_json::to_value(event) {
            line.extend(fields);
        }
        line.insert(
            "alg".into(),
            Value::from(if self.key.is_some() {
                "hmac-sha256"
            } else {
                "sha256"
            }),
        );
        let prev = chain.last_hash.clone();
        line.insert("prev".into(), Value::from(prev.clone()));
        let body = serde_json::to_string(&line).unwrap_or_default();
        let hash = digest(self.key.as_deref(), &body);
        // The hash closes the line: what was hashed is exactly the line without it.
        let text = format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1]);
        let written = match &mut chain.sink {
            Sink::File { file, .. } => {
                let before = file.metadata().map(|m| m.len());
                let written = file.write_all(text.as_bytes()).and_then(|()| file.flush());
                // A line written in part (a full disk) is cut off again, so the chain stays
                // whole and the next line starts on its own.
                if written.is_err()
                    && let Ok(before) = before
                {
                    let _ = file.set_len(before);
                }
                written
            }
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Sink::Table(writer) => {
                // Queued under the lock, so the writer receives lines in `seq` order; the
                // chain moves on even when the queue is full and the line only logged, so
                // the table shows the gap.
                writer.push(table::Row {
                    seq,
                    time,
                    prev,
                    hash: hash.clone(),
                    line: text.trim_end().to_string(),
                });
                Ok(())
            }
        };
        match written {
            Ok(()) => {
                chain.seq = seq;
                chain.last_hash = hash;
            }
            Err(e) => tracing::error!(error = %e, "cannot write the audit log"),
        }
    }

    /// Writes everything to disk or database (when the server stops): a file is `fsync`ed; a
    /// table's queue is waited for, up to a bound, and what is left is logged. The error says
    /// what did not reach its place, so that the server can exit with a failure.
    pub fn sync(&self) -> Result<(), String> {
        let chain = self.chain.lock().unwrap_or_else(|e| e.into_inner());
        match &chain.sink {
            Sink::File { file, path } => file.sync_all().map_err(|e| {
                tracing::error!(error = %e, file = %path.display(), "cannot sync the audit log");
                format!("cannot sync the audit log {}: {e}", path.display())
            }),
            Sink::Stdout => Ok(()),
            Sink::Table(writer) => match writer.sync() {
                0 => Ok(()),
                lost => Err(format!(
                    "{lost} audit line{} could not be written to the table; {} in the log above",
                    if lost == 1 { "" } else { "s" },
                    if lost == 1 { "it is" } else { "they are" }
                )),
            },
        }
    }
}

/// The digest of arguments for [`AuditEvent::arguments`]: SHA-256 of their JSON with keys
/// sorted, so the same arguments always give the same digest.
pub fn arguments_digest(args: &Map<String, Value>) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let text = serde_json::to_string(&sorted(&Value::Object(args.clone()))).unwrap_or_default();
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

fn digest(key: Option<&[u8]>, body: &str) -> String {
    match key {
        Some(key) => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .expect("HMAC takes a key of any length");
            mac.update(body.as_bytes());
            hex(&mac.finalize().into_bytes())
        }
        None => sha256_hex(body.as_bytes()),
    }
}

/// SHA-256 of `bytes` as lower-case hex: the audit chain's hash, and the key under which a
/// token's introspection answer is kept (so no token is held).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The current time as RFC 3339 UTC with milliseconds.
fn now_rfc3339() -> String {
    sqlx::types::chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The `seq` and hash a log's last line leaves for the next line, after checking that the
/// line is whole and hashed the way (keyed or not) this server hashes. `store` names what
/// holds the log (`file`, `table`) in the advice.
fn chain_end(line: &str, key: Option<&[u8]>, store: &str) -> Result<(u64, String), String> {
    let parsed = parse_line(line)?;
    // One chain, one way of hashing: a key added, dropped or changed would leave a log no
    // single key verifies.
    let keyed = parsed.alg == "hmac-sha256";
    if keyed != key.is_some() {
        return Err(format!(
            "the log is {}; start with {} or use a new {store}",
            if keyed { "HMAC-keyed" } else { "not keyed" },
            if keyed {
                "its key (--audit-key-env)"
            } else {
                "no key"
            }
        ));
    }
    if digest(key, &parsed.body) != parsed.hash {
        return Err("its hash does not match (changed, or written with another key)".into());
    }
    Ok((parsed.seq, parsed.hash))
}

/// One line's chain fields, as read back.
struct ParsedLine {
    seq: u64,
    time: Option<String>,
    prev: String,
    hash: String,
    alg: String,
    /// The text the hash covers.
    body: String,
}

fn parse_line(line: &str) -> Result<ParsedLine, String> {
    const SUFFIX_LEN: usize = ",\"hash\":\"\"}".len() + 64;
    let line = line.trim_end_matches(['\r', '\n']);
    if line.len() < SUFFIX_LEN || !line.is_char_boundary(line.len() - SUFFIX_LEN) {
        return Err("too short to end in a hash".into());
    }
    let (head, tail) = line.split_at(line.len() - SUFFIX_LEN);
    let hash = tail
        .strip_prefix(",\"hash\":\"")
        .and_then(|t| t.strip_suffix("\"}"))
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("it does not end in its hash")?;
    let body = format!("{head}}}");
    let value: Value = serde_json::from_str(&body).map_err(|e| format!("not JSON: {e}"))?;
    let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
    Ok(ParsedLine {
        seq: value.get("seq").and_then(Value::as_u64).ok_or("no `seq`")?,
        time: field("time"),
        prev: field("prev").ok_or("no `prev`")?,
        alg: field("alg").ok_or("no `alg`")?,
        hash: hash.to_string(),
        body,
    })
}

/// What an intact log ends with, to keep elsewhere and compare later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// How many lines the log has.
    pub lines: usize,
    /// The last line's `seq` and hash.
    pub last: Option<(u64, String)>,
}

/// Where and why a log's chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ChainBreak {
    /// The first line that does not fit (1-based).
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// Recomputes a log's chain. `key` must be the key the log was written with, if any.
pub fn verify(text: &str, key: Option<&[u8]>) -> Result<Verified, ChainBreak> {
    let mut verifier = Verifier::new(key);
    for (index, line) in text.lines().enumerate() {
        verifier.next(line).map_err(|reason| ChainBreak {
            line: index + 1,
            reason,
        })?;
    }
    Ok(verifier.verified)
}

/// Checks lines one after another against the chain so far: what [`verify`] does for a file
/// and [`table::verify_table`] for rows.
struct Verifier<'k> {
    key: Option<&'k [u8]>,
    expected_seq: u64,
    expected_prev: String,
    verified: Verified,
}

impl<'k> Verifier<'k> {
    fn new(key: Option<&'k [u8]>) -> Self {
        Verifier {
            key,
            expected_seq: 1,
            expected_prev: GENESIS.to_string(),
            verified: Verified {
                lines: 0,
                last: None,
            },
        }
    }

    /// Checks the next line; its chain fields when it fits, else what is wrong with it.
    fn next(&mut self, line: &str) -> Result<ParsedLine, String> {
        if line.trim().is_empty() {
            return Err("an empty line".into());
        }
        let parsed = parse_line(line)?;
        match (parsed.alg.as_str(), self.key) {
            ("sha256", None) | ("hmac-sha256", Some(_)) => {}
            ("hmac-sha256", None) => {
                return Err("the line is HMAC-keyed: give the key to verify it".into());
            }
            ("sha256", Some(_)) => {
                return Err("the line is not keyed, but a key was given".into());
            }
            (other, _) => return Err(format!("unknown hash algorithm `{other}`")),
        }
        if digest(self.key, &parsed.body) != parsed.hash {
            return Err("its hash does not match its content: the line was changed".into());
        }
        if parsed.seq != self.expected_seq {
            return Err(format!(
                "`seq` is {} where {} was expected: lines were deleted or reordered",
                parsed.seq, self.expected_seq
            ));
        }
        if parsed.prev != self.expected_prev {
            return Err(
                "`prev` is not the hash of the line before: lines were deleted, reordered or changed"
                    .into(),
            );
        }
        self.expected_prev = parsed.hash.clone();
        self.expected_seq = parsed.seq + 1;
        self.verified.lines += 1;
        self.verified.last = Some((parsed.seq, parsed.hash.clone()));
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(tool: &str) -> AuditEvent {
        AuditEvent {
            tool: tool.into(),
            arguments: arguments_digest(&Map::new()),
            decision: "allow",
            outcome: "ok",
            ..AuditEvent::default()
        }
    }

    fn written(key: Option<Vec<u8>>, tools: &[&str]) -> String {
        let path = std::env::temp_dir().join(format!(
            "mcpgen-audit-unit-{}-{}.jsonl",
            std::process::id(),
            tools.join("-")
        ));
        let _ = std::fs::remove_file(&path);
        let log = AuditLog::open(&path, key.clone()).unwrap();
        for tool in &tools[..tools.len() / 2] {
            log.record(&event(tool));
        }
        drop(log);
        // A restarted server continues the chain.
        let log = AuditLog::open(&path, key).unwrap();
        for tool in &tools[tools.len() / 2..] {
            log.record(&event(tool));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        text
    }

    #[test]
    fn an_untouched_log_verifies_and_any_change_is_found() {
        let text = written(None, &["a", "b", "c", "d"]);
        let verified = verify(&text, None).unwrap();
        assert_eq!(verified.lines, 4);
        assert_eq!(verified.last.as_ref().unwrap().0, 4);
        let lines: Vec<&str> = text.lines().collect();

        let edited = text.replacen("\"tool\":\"b\"", "\"tool\":\"x\"", 1);
        assert_eq!(verify(&edited, None).unwrap_err().line, 2);
        let deleted = [lines[0], lines[2], lines[3]].join("\n");
        assert_eq!(verify(&deleted, None).unwrap_err().line, 2);
        let reordered = [lines[0], lines[2], lines[1], lines[3]].join("\n");
        assert_eq!(verify(&reordered, None).unwrap_err().line, 2);
        let first_gone = lines[1..].join("\n");
        assert_eq!(verify(&first_gone, None).unwrap_err().line, 1);
    }

    #[test]
    fn keyed_logs_need_their_key() {
        let key = b"operator-secret".to_vec();
        let text = written(Some(key.clone()), &["a", "b"]);
        assert_eq!(verify(&text, Some(&key)).unwrap().lines, 2);
        assert!(verify(&text, None).is_err());
        assert!(verify(&text, Some(b"other")).is_err());
    }

    #[test]
    fn a_lost_line_break_is_restored_and_a_key_change_refused() {
        let path =
            std::env::temp_dir().join(format!("mcpgen-audit-recover-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let log = AuditLog::open(&path, None).unwrap();
        log.record(&event("a"));
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        let log = AuditLog::open(&path, None).unwrap();
        log.record(&event("b"));
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(verify(&text, None).unwrap().lines, 2);
        let refused = AuditLog::open(&path, Some(b"new-key".to_vec())).unwrap_err();
        assert!(refused.to_string().contains("not keyed"), "{refused}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn digests_ignore_key_order() {
        let a: Map<String, Value> = serde_json::from_str(r#"{"x":1,"y":{"b":2,"a":1}}"#).unwrap();
        let b: Map<String, Value> = serde_json::from_str(r#"{"y":{"a":1,"b":2},"x":1}"#).unwrap();
        assert_eq!(arguments_digest(&a), arguments_digest(&b));
        assert!(arguments_digest(&a).starts_with("sha256:"));
    }

    #[test]
    fn times_are_rfc3339() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
