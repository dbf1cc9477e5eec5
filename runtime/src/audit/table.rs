//! The audit trail in a database table (SQLite, PostgreSQL, MySQL/MariaDB): one row per line,
//! holding the exact line a file would hold, so the same chain check applies.
//!
//! `seq` is the primary key: a second server writing the same chain gets a constraint error
//! (logged, with the line in full) instead of forking it silently. The table is created when
//! missing; a server continues the chain of the row with the highest `seq`.
//!
//! Lines are chained when recorded and queued in `seq` order ([`TableWriter::push`]); one
//! writer thread inserts them, up to [`BATCH`] in a transaction, and retries with growing
//! pauses while the database is unavailable, logging why (never the connection URL). At most
//! [`MAX_QUEUED`] lines wait; one more is logged in full instead. [`TableWriter::sync`] waits
//! up to [`SYNC_LIMIT`] for the queue to empty and logs every line it could not write. The
//! writer has its own thread and runtime, so recording works from any thread, async or not.
//!
//! The price of not waiting for the database on every call: a line queued but not committed
//! when the process is killed is lost, and the next start continues from the last committed
//! row, so the chain cannot show that gap. The file sink has no such window.

use super::{AuditError, GENESIS, Verified, Verifier, chain_end};
use crate::credentials::Redactor;
use crate::credentials::source::{SecretReader, SecretSource};
use crate::model::SecretRef;
use crate::sql::{WritePool, connect_writer, describe_error, url_redactor};
use secrecy::ExposeSecret;
use sqlx::AssertSqlSafe;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The table audit lines go to when none is named.
pub const DEFAULT_TABLE: &str = "mcpgen_audit";

/// The most lines that wait for the database; a line beyond them is logged instead, so a
/// database that stays away cannot exhaust memory.
pub const MAX_QUEUED: usize = 10_000;

/// The most lines inserted in one transaction.
pub const BATCH: usize = 100;

/// How long [`TableWriter::sync`] waits for queued lines to be written.
pub const SYNC_LIMIT: Duration = Duration::from_secs(10);

/// The first pause before writing again after a failure; each failure doubles it, up to
/// [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(200);
const LONGEST_PAUSE: Duration = Duration::from_secs(10);

/// Whether `name` can be a table name: it is pasted into SQL (names cannot be bound), so only
/// a plain identifier is taken, one that means the same table on every engine.
pub fn check_table_name(name: &str) -> Result<(), String> {
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let starts = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    if plain && starts && name.len() <= 63 {
        Ok(())
    } else {
        Err(format!(
            "the audit table name `{name}` is not a plain identifier: use 1 to 63 lower-case letters, digits or `_`, starting with a letter or `_`"
        ))
    }
}

/// One chained line, as a row.
#[derive(Clone)]
pub(super) struct Row {
    pub(super) seq: u64,
    pub(super) time: String,
    pub(super) prev: String,
    pub(super) hash: String,
    /// The whole line, without its line break.
    pub(super) line: String,
}

/// Lines waiting for the writer, shared by the recording side and the writer thread.
struct Queue {
    table: String,
    rows: Mutex<VecDeque<Row>>,
    /// Signalled whenever rows leave the queue (for [`TableWriter::sync`]).
    written: Condvar,
    /// Wakes the writer when rows arrive or the log is closed.
    arrived: tokio::sync::Notify,
    /// Set when the log is dropped: the writer stops once the queue is empty.
    closed: AtomicBool,
}

/// The recording side of a table sink: what an [`super::AuditLog`] holds.
pub(super) struct TableWriter {
    queue: Arc<Queue>,
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        self.queue.closed.store(true, Ordering::SeqCst);
        self.queue.arrived.notify_one();
    }
}

impl TableWriter {
    /// Connects, creates the table if missing, checks its last row, and starts the writer.
    /// Returns the writer with the chain's end (`seq` and hash).
    pub(super) fn start(
        connection: &SecretRef,
        table: &str,
        key: Option<&[u8]>,
    ) -> Result<(TableWriter, u64, String), AuditError> {
        check_table_name(table).map_err(|message| table_error(table, message))?;
        let queue = Arc::new(Queue {
            table: table.to_string(),
            rows: Mutex::new(VecDeque::new()),
            written: Condvar::new(),
            arrived: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
        });
        let source = SecretSource::from(connection);
        let key = key.map(<[u8]>::to_vec);
        let (started, opened) = std::sync::mpsc::channel();
        let writing = Arc::clone(&queue);
        std::thread::Builder::new()
            .name("mcpgen-audit".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = started.send(Err(table_error(&writing.table, e.to_string())));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Table::open(&source, &writing.table, key.as_deref()).await {
                        Ok((table, end)) => {
                            let _ = started.send(Ok(end));
                            table.write(&writing).await;
                        }
                        Err(e) => {
                            let _ = started.send(Err(e));
                        }
                    }
                })
            })
            .map_err(|e| table_error(table, format!("cannot start the writer thread: {e}")))?;
        let (seq, hash) = opened
            .recv()
            .map_err(|_| table_error(table, "the writer thread stopped".into()))??;
        Ok((TableWriter { queue }, seq, hash))
    }

    /// Queues one row for the writer. When [`MAX_QUEUED`] rows already wait, the line is
    /// logged in full instead (it can be inserted by hand to close the gap).
    pub(super) fn push(&self, row: Row) {
        let mut rows = self.queue.rows.lock().unwrap_or_else(|e| e.into_inner());
        if rows.len() >= MAX_QUEUED {
            tracing::error!(
                table = %self.queue.table,
                seq = row.seq,
                line = %row.line,
                "{MAX_QUEUED} audit lines wait for the database: this one is not queued and will be missing from the table"
            );
            return;
        }
        rows.push_back(row);
        drop(rows);
        self.queue.arrived.notify_one();
    }

    /// Waits until every queued row is written, or [`SYNC_LIMIT`] passed; then logs the lines
    /// still waiting, in full, and says how many they are.
    pub(super) fn sync(&self) -> usize {
        let rows = self.queue.rows.lock().unwrap_or_else(|e| e.into_inner());
        let (rows, _) = self
            .queue
            .written
            .wait_timeout_while(rows, SYNC_LIMIT, |rows| !rows.is_empty())
            .unwrap_or_else(|e| e.into_inner());
        if rows.is_empty() {
            return 0;
        }
        tracing::error!(
            table = %self.queue.table,
            lines = rows.len(),
            "audit lines not written to the table after {} s; they follow",
            SYNC_LIMIT.as_secs()
        );
        for row in rows.iter() {
            tracing::error!(table = %self.queue.table, seq = row.seq, line = %row.line, "audit line not written");
        }
        rows.len()
    }
}

/// An [`AuditError`] about `table`.
fn table_error(table: &str, message: String) -> AuditError {
    AuditError::Database {
        table: table.to_string(),
        message,
    }
}

/// A connected audit table.
struct Table {
    pool: WritePool,
    name: String,
    /// Scrubs the connection URL from database errors.
    redactor: Redactor,
}

impl Table {
    /// Connects, creates the table if it is missing, and reads the chain's end from the row
    /// with the highest `seq`, checked as a file's last line is.
    async fn open(
        source: &SecretSource,
        name: &str,
        key: Option<&[u8]>,
    ) -> Result<(Table, (u64, String)), AuditError> {
        let url = SecretReader::new(source.clone())
            .read()
            .await
            .map_err(|e| table_error(name, format!("no connection URL: {e}")))?;
        let table = Table::connect(url.expose_secret(), name, true).await?;
        table.create().await.map_err(|e| table.error(&e))?;
        let end = match table.last().await.map_err(|e| table.error(&e))? {
            None => (0, GENESIS.to_string()),
            Some((seq, line)) => chain_end(&line, key, "table")
                .and_then(|(line_seq, hash)| {
                    if i64::try_from(line_seq) == Ok(seq) {
                        Ok((line_seq, hash))
                    } else {
                        Err(format!("its line says seq {line_seq}"))
                    }
                })
                .map_err(|reason| AuditError::BrokenRow {
                    table: name.to_string(),
                    seq,
                    reason,
                })?,
        };
        Ok((table, end))
    }

    /// Connects to `url` (a missing SQLite file is created only when `create` says so).
    async fn connect(url: &str, name: &str, create: bool) -> Result<Table, AuditError> {
        let redactor = url_redactor(url);
        let pool = connect_writer(url, create)
            .await
            .map_err(|e| table_error(name, redactor.text(&format!("cannot connect: {e}"))))?;
        Ok(Table {
            pool,
            name: name.to_string(),
            redactor,
        })
    }

    fn error(&self, error: &sqlx::Error) -> AuditError {
        table_error(&self.name, self.describe(error))
    }

    fn describe(&self, error: &sqlx::Error) -> String {
        self.redactor.text(&describe_error(error))
    }

    /// The table's name quoted for its engine (it is a checked plain identifier).
    fn quoted(&self) -> String {
        match self.pool {
            WritePool::MySql(_) => format!("`{}`", self.name),
            WritePool::Sqlite(_) | WritePool::Postgres(_) => format!("\"{}\"", self.name),
        }
    }

    async fn create(&self) -> Result<(), sqlx::Error> {
        let table = self.quoted();
        let sql = match self.pool {
            WritePool::Sqlite(_) | WritePool::Postgres(_) => format!(
                "CREATE TABLE IF NOT EXISTS {table} (seq BIGINT PRIMARY KEY, time TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL, line TEXT NOT NULL)"
            ),
            // utf8mb4, so a line's text comes back byte for byte whatever the server's default.
            WritePool::MySql(_) => format!(
                "CREATE TABLE IF NOT EXISTS {table} (seq BIGINT PRIMARY KEY, time VARCHAR(64) NOT NULL, prev VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL, line LONGTEXT NOT NULL) DEFAULT CHARSET = utf8mb4"
            ),
        };
        match &self.pool {
            WritePool::Sqlite(pool) => execute(pool, sql).await,
            WritePool::Postgres(pool) => execute(pool, sql).await,
            WritePool::MySql(pool) => execute(pool, sql).await,
        }
    }

    /// The `seq` and line of the row with the highest `seq`, if any.
    async fn last(&self) -> Result<Option<(i64, String)>, sqlx::Error> {
        let sql = format!(
            "SELECT seq, line FROM {} ORDER BY seq DESC LIMIT 1",
            self.quoted()
        );
        let rows = match &self.pool {
            WritePool::Sqlite(pool) => fetch::<_, (i64, String)>(pool, sql).await?,
            WritePool::Postgres(pool) => fetch::<_, (i64, String)>(pool, sql).await?,
            WritePool::MySql(pool) => fetch::<_, (i64, String)>(pool, sql).await?,
        };
        Ok(rows.into_iter().next())
    }

    /// The hash of the row with this `seq`, if there is one.
    async fn hash_at(&self, seq: u64) -> Result<Option<String>, sqlx::Error> {
        // `seq` is a number: pasting it cannot inject.
        let sql = format!("SELECT hash FROM {} WHERE seq = {seq}", self.quoted());
        let rows = match &self.pool {
            WritePool::Sqlite(pool) => fetch::<_, (String,)>(pool, sql).await?,
            WritePool::Postgres(pool) => fetch::<_, (String,)>(pool, sql).await?,
            WritePool::MySql(pool) => fetch::<_, (String,)>(pool, sql).await?,
        };
        Ok(rows.into_iter().next().map(|(hash,)| hash))
    }

    /// Every row in `seq` order: seq, time, prev, hash, line.
    async fn all(&self) -> Result<Vec<StoredRow>, sqlx::Error> {
        let sql = format!(
            "SELECT seq, time, prev, hash, line FROM {} ORDER BY seq",
            self.quoted()
        );
        match &self.pool {
            WritePool::Sqlite(pool) => fetch(pool, sql).await,
            WritePool::Postgres(pool) => fetch(pool, sql).await,
            WritePool::MySql(pool) => fetch(pool, sql).await,
        }
    }

    /// Inserts `rows` in one transaction.
    async fn insert(&self, rows: &[Row]) -> Result<(), sqlx::Error> {
        let columns = format!(
            "INSERT INTO {} (seq, time, prev, hash, line) VALUES",
            self.quoted()
        );
        match &self.pool {
            WritePool::Sqlite(pool) => {
                insert(pool, format!("{columns} (?, ?, ?, ?, ?)"), rows).await
            }
            WritePool::Postgres(pool) => {
                insert(pool, format!("{columns} ($1, $2, $3, $4, $5)"), rows).await
            }
            WritePool::MySql(pool) => {
                insert(pool, format!("{columns} (?, ?, ?, ?, ?)"), rows).await
            }
        }
    }

    /// Writes queued rows until the log is closed and the queue is empty.
    async fn write(&self, queue: &Queue) {
        let mut pause = FIRST_PAUSE;
        loop {
            let batch: Vec<Row> = {
                let rows = queue.rows.lock().unwrap_or_else(|e| e.into_inner());
                rows.iter().take(BATCH).cloned().collect()
            };
            if batch.is_empty() {
                if queue.closed.load(Ordering::SeqCst) {
                    return;
                }
                queue.arrived.notified().await;
                continue;
            }
            let outcome = match self.insert(&batch).await {
                Err(e) if is_unique_violation(&e) => self.insert_one_by_one(&batch).await,
                other => other.map(|()| batch.len()),
            };
            match outcome {
                Ok(done) => {
                    pause = FIRST_PAUSE;
                    let mut rows = queue.rows.lock().unwrap_or_else(|e| e.into_inner());
                    let done = done.min(rows.len());
                    rows.drain(..done);
                    drop(rows);
                    queue.written.notify_all();
                }
                Err(e) => {
                    if queue.closed.load(Ordering::SeqCst) {
                        // Nobody waits for these any more (sync has logged them).
                        tracing::error!(table = %self.name, error = %self.describe(&e), "cannot write the audit table; the log is closed, giving up");
                        return;
                    }
                    tracing::error!(
                        table = %self.name,
                        error = %self.describe(&e),
                        waiting = batch.len(),
                        "cannot write the audit table; trying again in {} ms",
                        pause.as_millis()
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(LONGEST_PAUSE);
                }
            }
        }
    }

    /// After a batch met a row with the same `seq`: inserts the rows one at a time, logging
    /// (in full) and dropping each one that another writer's row already holds. Returns how
    /// many rows from the start of `batch` are dealt with.
    async fn insert_one_by_one(&self, batch: &[Row]) -> Result<usize, sqlx::Error> {
        for (done, row) in batch.iter().enumerate() {
            match self.insert(std::slice::from_ref(row)).await {
                Ok(()) => {}
                // A commit that reported a failure but went through: the row is this one.
                Err(e)
                    if is_unique_violation(&e)
                        && self.hash_at(row.seq).await.ok().flatten().as_deref()
                            == Some(row.hash.as_str()) => {}
                Err(e) if is_unique_violation(&e) => tracing::error!(
                    table = %self.name,
                    seq = row.seq,
                    line = %row.line,
                    "the audit table already has a row with this seq: another server writes the same chain (give each its own table); this line is not written"
                ),
                Err(e) if done == 0 => return Err(e),
                Err(_) => return Ok(done),
            }
        }
        Ok(batch.len())
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// A row as read back: seq, time, prev, hash, line.
type StoredRow = (i64, String, String, String, String);

async fn execute<DB>(pool: &sqlx::Pool<DB>, sql: String) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    let mut conn = pool.acquire().await?;
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

async fn fetch<DB, T>(pool: &sqlx::Pool<DB>, sql: String) -> Result<Vec<T>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
{
    let mut conn = pool.acquire().await?;
    sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
}

async fn insert<DB>(pool: &sqlx::Pool<DB>, sql: String, rows: &[Row]) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut tx = pool.begin().await?;
    for row in rows {
        let seq = i64::try_from(row.seq).unwrap_or(i64::MAX);
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(seq)
            .bind(row.time.clone())
            .bind(row.prev.clone())
            .bind(row.hash.clone())
            .bind(row.line.clone())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Where and why a table's chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("row seq {seq}: {reason}")]
pub struct RowBreak {
    /// The `seq` column of the first row that does not fit.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: String,
}

/// Recomputes the chain of the audit table `table` in the database at `url`, rows in `seq`
/// order: each row's line as [`super::verify`] checks a file's, and its columns against its
/// line. `key` must be the key the table was written with, if any. The outer error is for a
/// table that cannot be read (never holding the URL).
pub async fn verify_table(
    url: &str,
    table: &str,
    key: Option<&[u8]>,
) -> Result<Result<Verified, RowBreak>, AuditError> {
    check_table_name(table).map_err(|message| table_error(table, message))?;
    let connected = Table::connect(url, table, false).await?;
    let rows = connected.all().await.map_err(|e| connected.error(&e))?;
    let mut verifier = Verifier::new(key);
    for (seq, time, prev, hash, line) in &rows {
        let at = |reason: String| RowBreak { seq: *seq, reason };
        let parsed = verifier.next(line).map_err(at);
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(broken) => return Ok(Err(broken)),
        };
        let columns = [
            (
                "seq",
                i64::try_from(parsed.seq).ok().map(|s| s.to_string()),
                seq.to_string(),
            ),
            ("time", parsed.time, time.clone()),
            ("prev", Some(parsed.prev), prev.clone()),
            ("hash", Some(parsed.hash), hash.clone()),
        ];
        for (column, in_line, stored) in columns {
            if in_line.as_deref() != Some(stored.as_str()) {
                return Ok(Err(at(format!(
                    "the `{column}` column does not match the line: the row was changed"
                ))));
            }
        }
    }
    Ok(Ok(verifier.verified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEvent, AuditLog};

    fn event(tool: &str) -> AuditEvent {
        AuditEvent {
            tool: tool.into(),
            decision: "allow",
            outcome: "ok",
            ..AuditEvent::default()
        }
    }

    #[test]
    fn table_names_are_plain_identifiers() {
        assert!(check_table_name("mcpgen_audit").is_ok());
        assert!(check_table_name("_a1").is_ok());
        for bad in [
            "",
            "1a",
            "Audit",
            "a-b",
            "a;drop",
            "a b",
            "\"a\"",
            &"a".repeat(64),
        ] {
            assert!(check_table_name(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_sqlite_table_continues_its_chain_and_refuses_another_key() {
        let dir = std::env::temp_dir().join(format!("mcpgen-audit-table-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("audit.db").display());
        std::fs::write(dir.join("url"), &url).unwrap();
        let source = SecretRef::File(dir.join("url").display().to_string());
        for round in 0..2 {
            let log = AuditLog::table(&source, "trail", None).unwrap();
            for tool in ["a", "b", "c"] {
                log.record(&event(&format!("{tool}{round}")));
            }
            log.sync().unwrap();
        }
        let verified = verify_table(&url, "trail", None).await.unwrap().unwrap();
        assert_eq!(verified.lines, 6);
        assert_eq!(verified.last.unwrap().0, 6);
        let refused = AuditLog::table(&source, "trail", Some(b"key".to_vec())).unwrap_err();
        assert!(refused.to_string().contains("not keyed"), "{refused}");
        let refused = AuditLog::table(&source, "Trail", None).unwrap_err();
        assert!(
            refused.to_string().contains("plain identifier"),
            "{refused}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn models_name_the_sink_and_earlier_models_still_read() {
        use crate::model::{AuditConfig, AuditSink};
        let table = AuditConfig {
            sink: AuditSink::Table {
                database: "sales".into(),
                table: DEFAULT_TABLE.into(),
            },
            key_env: Some("K".into()),
        };
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(
            json,
            r#"{"table":{"database":"sales","table":"mcpgen_audit"},"key_env":"K"}"#
        );
        assert_eq!(serde_json::from_str::<AuditConfig>(&json).unwrap(), table);
        let earlier: AuditConfig = serde_json::from_str(r#"{"file":"audit.jsonl"}"#).unwrap();
        assert_eq!(earlier.sink, AuditSink::File("audit.jsonl".into()));
        assert!(serde_json::from_str::<AuditConfig>(r#"{"key_env":"K"}"#).is_err());
    }
}
