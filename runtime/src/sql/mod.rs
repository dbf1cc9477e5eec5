//! SQL tools: a named statement run on SQLite, PostgreSQL or MySQL/MariaDB with the call's
//! arguments bound as parameters, its rows returned as JSON.
//!
//! Safety rules, on every engine:
//! - Arguments are only ever bound (`:name` placeholders become the engine's `?` or `$n`);
//!   nothing from a call is pasted into SQL text.
//! - A tool without `write` runs read-only, enforced by the database: SQLite opens the file
//!   read-only, PostgreSQL and MySQL/MariaDB run it in a `READ ONLY` transaction.
//! - Every statement has a time limit the server enforces (PostgreSQL `statement_timeout`,
//!   MariaDB `max_statement_time`, SQLite a progress handler; MySQL's `max_execution_time`
//!   covers only SELECT, so there a write is limited by the client, which stops waiting), and
//!   a result holds at most `max_rows` rows.
//! - One statement per tool: text after a `;` is refused.
//! - The connection URL is a secret: it never appears in an error, a log line or tools/list.

mod bind;
mod decode;
mod statement;

pub use statement::{Prepared, first_keyword, placeholders, prepare};

use crate::credentials::Redactor;
use crate::credentials::source::SecretReader;
use crate::model::{Api, Database, SqlParameter, SqlQuery, SqlType};
use bind::{bind_mysql, bind_postgres, bind_sqlite};
use decode::{mysql_value, postgres_value, sqlite_value};
use futures::TryStreamExt;
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};
use sqlx::{AssertSqlSafe, Column, Either, Row};
use statement::SQLITE_READS;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The database engines SQL tools run on, told apart by the connection URL's scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// `sqlite:` URLs: the embedded default.
    Sqlite,
    /// `postgres://` and `postgresql://` URLs.
    Postgres,
    /// `mysql://` and `mariadb://` URLs.
    MySql,
}

impl Engine {
    /// The engine a connection URL names. The error never repeats the URL.
    pub fn of_url(url: &str) -> Result<Engine, String> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            "mysql" | "mariadb" => Ok(Engine::MySql),
            _ => Err(
                "the connection URL must start with sqlite:, postgres://, postgresql://, mysql:// or mariadb://"
                    .to_string(),
            ),
        }
    }
}

/// The output schema every SQL tool shares: the rows, how many, and whether some were cut.
pub fn output_schema(columns: Option<&Map<String, Value>>) -> Map<String, Value> {
    let mut row = json!({ "type": "object" });
    if let Some(columns) = columns {
        row["properties"] = Value::Object(columns.clone());
    }
    let schema = json!({
        "type": "object",
        "properties": {
            "rows": { "type": "array", "items": row },
            "row_count": { "type": "integer", "description": "How many rows `rows` holds." },
            "truncated": {
                "type": "boolean",
                "description": "Whether the statement gave more rows than the tool returns."
            },
            "rows_affected": {
                "type": "integer",
                "description": "For a statement that changes data: how many rows it changed."
            }
        },
        "required": ["rows", "row_count", "truncated"]
    });
    match schema {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// What a SQL tool call returns: JSON for `structuredContent`. The error is for the model to
/// read and never holds the connection URL.
pub type QueryOutcome = Result<Value, String>;

/// The databases of one server, each connected on first use and kept.
#[derive(Default)]
pub struct Databases {
    by_name: BTreeMap<String, Arc<Connection>>,
}

/// One database: where its URL comes from, and its pools once connected.
struct Connection {
    name: String,
    url: SecretReader,
    pools: Mutex<Option<Pools>>,
}

/// The connected pools of one database.
#[derive(Clone)]
enum Pools {
    /// SQLite gets two pools: one opened read-only, and one for write tools.
    Sqlite {
        read: sqlx::SqlitePool,
        write: sqlx::SqlitePool,
    },
    Postgres(sqlx::PgPool),
    MySql {
        pool: sqlx::MySqlPool,
        mariadb: bool,
    },
}

/// How long to wait for a connection from a pool or a new one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Databases {
    /// The databases `api`'s SQL tools use; nothing connects until a tool is called.
    pub fn new(api: &Api) -> Self {
        let by_name = api
            .databases
            .iter()
            .map(|(name, Database { connection })| {
                let connection = Connection {
                    name: name.clone(),
                    url: SecretReader::new(connection.into()),
                    pools: Mutex::new(None),
                };
                (name.clone(), Arc::new(connection))
            })
            .collect();
        Databases { by_name }
    }

    /// Runs `query` with `args` (validated against the tool's input schema).
    pub async fn run(&self, query: &SqlQuery, args: &Map<String, Value>) -> QueryOutcome {
        let Some(connection) = self.by_name.get(&query.database) else {
            return Err(format!("the server has no database `{}`", query.database));
        };
        let (pools, redactor) = connection.pools().await?;
        let deadline = Duration::from_millis(query.timeout_ms);
        // The server enforces the limit; this one also covers a server that stops answering.
        let outcome = tokio::time::timeout(
            deadline + Duration::from_secs(2),
            run_on(&pools, query, args, deadline),
        )
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "the statement ran longer than its limit of {} ms and the database did not stop it; mcpgen stopped waiting",
                query.timeout_ms
            ))
        });
        outcome.map_err(|e| redactor.text(&e))
    }
}

fn timeout_message(query: &SqlQuery) -> String {
    format!(
        "the statement ran longer than its limit of {} ms and was stopped",
        query.timeout_ms
    )
}

impl Connection {
    /// The pools, connecting on first use, and what to scrub from errors.
    async fn pools(&self) -> Result<(Pools, Redactor), String> {
        let name = &self.name;
        let url = self
            .url
            .read()
            .await
            .map_err(|e| format!("database `{name}` has no connection URL: {e}"))?;
        let url = url.expose_secret();
        let redactor = url_redactor(url);
        let mut pools = self.pools.lock().await;
        if let Some(pools) = pools.as_ref() {
            return Ok((pools.clone(), redactor));
        }
        let connected = connect(url)
            .await
            .map_err(|e| redactor.text(&format!("cannot connect to database `{name}`: {e}")))?;
        *pools = Some(connected.clone());
        Ok((connected, redactor))
    }
}

/// What to scrub from any text about a connection: its URL and the password inside it.
pub(crate) fn url_redactor(url: &str) -> Redactor {
    let mut redactor = Redactor::default();
    redactor.add(url);
    if let Some(password) = url_password(url) {
        redactor.add(password);
    }
    redactor
}

/// The password part of `scheme://user:password@host`, if any.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    // The host starts after the last `@`: a password may hold one.
    let userinfo = rest.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then_some(password)
}

async fn connect(url: &str) -> Result<Pools, String> {
    let fail = |e: sqlx::Error| describe_error(&e);
    match Engine::of_url(url)? {
        Engine::Sqlite => {
            let options = sqlite_options(url)?;
            let read = sqlx::pool::PoolOptions::new()
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(options.clone().read_only(true))
                .await
                .map_err(fail)?;
            // Opened on first use only, so a database file mounted read-only still serves
            // the read-only tools.
            let write = sqlite_writer(options);
            Ok(Pools::Sqlite { read, write })
        }
        Engine::Postgres => Ok(Pools::Postgres(postgres_pool(url).await?)),
        Engine::MySql => {
            let pool = mysql_pool(url).await?;
            let version: String = sqlx::query_scalar("SELECT VERSION()")
                .fetch_one(&pool)
                .await
                .map_err(fail)?;
            let mariadb = version.to_ascii_lowercase().contains("mariadb");
            Ok(Pools::MySql { pool, mariadb })
        }
    }
}

/// A pool that writes, on any engine: what the audit trail's table sink inserts with.
#[derive(Clone)]
pub(crate) enum WritePool {
    /// One connection, as SQLite allows one writer at a time.
    Sqlite(sqlx::SqlitePool),
    /// A PostgreSQL pool.
    Postgres(sqlx::PgPool),
    /// A MySQL or MariaDB pool.
    MySql(sqlx::MySqlPool),
}

/// Connects a [`WritePool`] to `url`; a missing SQLite file is created when `create` says
/// so. The error never holds the URL unless the driver repeats it: scrub it with
/// [`url_redactor`].
pub(crate) async fn connect_writer(url: &str, create: bool) -> Result<WritePool, String> {
    match Engine::of_url(url)? {
        Engine::Sqlite => {
            let mut options = sqlite_options(url)?;
            if create {
                options = options.create_if_missing(true);
            }
            let pool = sqlite_writer(options);
            // Connect now, so a bad path fails at start rather than at the first write.
            pool.acquire().await.map_err(|e| describe_error(&e))?;
            Ok(WritePool::Sqlite(pool))
        }
        Engine::Postgres => Ok(WritePool::Postgres(postgres_pool(url).await?)),
        Engine::MySql => Ok(WritePool::MySql(mysql_pool(url).await?)),
    }
}

fn sqlite_options(url: &str) -> Result<sqlx::sqlite::SqliteConnectOptions, String> {
    sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| describe_error(&e))
}

/// SQLite's writing pool: one connection, opened on first use.
fn sqlite_writer(options: sqlx::sqlite::SqliteConnectOptions) -> sqlx::SqlitePool {
    sqlx::pool::PoolOptions::new()
        .acquire_timeout(CONNECT_TIMEOUT)
        .max_connections(1)
        .connect_lazy_with(options)
}

async fn postgres_pool(url: &str) -> Result<sqlx::PgPool, String> {
    let fail = |e: sqlx::Error| describe_error(&e);
    let options = sqlx::postgres::PgConnectOptions::from_str(url).map_err(fail)?;
    sqlx::pool::PoolOptions::new()
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(fail)
}

/// A MySQL or MariaDB pool (`mariadb://` is read as `mysql://`).
async fn mysql_pool(url: &str) -> Result<sqlx::MySqlPool, String> {
    let fail = |e: sqlx::Error| describe_error(&e);
    let url = url.replacen("mariadb://", "mysql://", 1);
    let options = sqlx::mysql::MySqlConnectOptions::from_str(&url).map_err(fail)?;
    sqlx::pool::PoolOptions::new()
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(fail)
}

/// A database error in words: the server's message where there is one.
pub(crate) fn describe_error(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(e) => e.message().to_string(),
        other => other.to_string(),
    }
}

/// Rows read so far, and whether the statement had more.
#[derive(Default)]
struct Collected {
    rows: Vec<Value>,
    truncated: bool,
    rows_affected: u64,
}

impl Collected {
    fn into_json(self, write: bool) -> Value {
        let mut out = json!({
            "rows": self.rows,
            "row_count": self.rows.len(),
            "truncated": self.truncated,
        });
        if write {
            out["rows_affected"] = json!(self.rows_affected);
        }
        out
    }
}

async fn run_on(
    pools: &Pools,
    query: &SqlQuery,
    args: &Map<String, Value>,
    limit: Duration,
) -> QueryOutcome {
    let fail = |e: sqlx::Error| describe_error(&e);
    let collected = match pools {
        Pools::Sqlite { read, write } => {
            let pool = if query.write { write } else { read };
            let prepared = prepare(&query.statement, Engine::Sqlite)?;
            let keyword = first_keyword(&query.statement);
            if !query.write && !SQLITE_READS.contains(&keyword.as_str()) {
                return Err(format!(
                    "a read-only tool runs SELECT, WITH or VALUES statements on SQLite, not {keyword}; mark the tool `write: true` if it is meant to change data"
                ));
            }
            let mut conn = pool.acquire().await.map_err(fail)?;
            let deadline = Instant::now() + limit;
            conn.lock_handle()
                .await
                .map_err(fail)?
                .set_progress_handler(1000, move || Instant::now() < deadline);
            let sql = AssertSqlSafe(prepared.sql.clone());
            let mut statement = sqlx::query(sql);
            for (name, kind) in bound(query, &prepared)? {
                statement = bind_sqlite(statement, kind, args.get(name))?;
            }
            let outcome = collect(&mut *conn, statement, query, sqlite_value).await;
            if let Ok(mut handle) = conn.lock_handle().await {
                handle.remove_progress_handler();
            }
            outcome.map_err(|e| {
                if e.contains("interrupted") {
                    timeout_message(query)
                } else {
                    e
                }
            })?
        }
        Pools::Postgres(pool) => {
            let prepared = prepare(&query.statement, Engine::Postgres)?;
            let begin = if query.write {
                "BEGIN"
            } else {
                "BEGIN TRANSACTION READ ONLY"
            };
            let mut tx = pool.begin_with(begin).await.map_err(fail)?;
            let timeout = format!("SET LOCAL statement_timeout = {}", query.timeout_ms.max(1));
            sqlx::query(AssertSqlSafe(timeout))
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
            let mut statement = sqlx::query(AssertSqlSafe(prepared.sql.clone()));
            for (name, kind) in bound(query, &prepared)? {
                statement = bind_postgres(statement, kind, args.get(name))?;
            }
            let collected = collect(&mut *tx, statement, query, postgres_value)
                .await
                .map_err(|e| {
                    if e.contains("statement timeout") {
                        timeout_message(query)
                    } else {
                        e
                    }
                })?;
            finish(tx, query.write).await?;
            collected
        }
        Pools::MySql { pool, mariadb } => {
            let prepared = prepare(&query.statement, Engine::MySql)?;
            let mut conn = pool.acquire().await.map_err(fail)?;
            let timeout = if *mariadb {
                format!(
                    "SET SESSION max_statement_time = {}",
                    query.timeout_ms.max(1) as f64 / 1000.0
                )
            } else {
                format!(
                    "SET SESSION max_execution_time = {}",
                    query.timeout_ms.max(1)
                )
            };
            sqlx::query(AssertSqlSafe(timeout))
                .execute(&mut *conn)
                .await
                .map_err(fail)?;
            // The session's access mode too, not only the transaction's: a DDL statement
            // commits the transaction it is in and then runs in a new one of the session's
            // mode, which would otherwise be READ WRITE.
            let mode = if query.write {
                "SET SESSION TRANSACTION READ WRITE"
            } else {
                "SET SESSION TRANSACTION READ ONLY"
            };
            sqlx::query(mode).execute(&mut *conn).await.map_err(fail)?;
            let begin = if query.write {
                "START TRANSACTION"
            } else {
                "START TRANSACTION READ ONLY"
            };
            let mut tx = sqlx::Connection::begin_with(&mut *conn, begin)
                .await
                .map_err(fail)?;
            let mut statement = sqlx::query(AssertSqlSafe(prepared.sql.clone()));
            for (name, kind) in bound(query, &prepared)? {
                statement = bind_mysql(statement, kind, args.get(name))?;
            }
            let collected = collect(&mut *tx, statement, query, mysql_value)
                .await
                .map_err(|e| {
                    if e.contains("max_statement_time")
                        || e.contains("maximum statement execution time")
                    {
                        timeout_message(query)
                    } else {
                        e
                    }
                })?;
            finish(tx, query.write).await?;
            collected
        }
    };
    Ok(collected.into_json(query.write))
}

/// Ends a tool's transaction: a write is committed, a read rolled back (it changed nothing,
/// and a rollback also undoes any session setting it made).
async fn finish<DB: sqlx::Database>(
    tx: sqlx::Transaction<'_, DB>,
    write: bool,
) -> Result<(), String> {
    let ended = if write {
        tx.commit().await
    } else {
        tx.rollback().await
    };
    ended.map_err(|e| describe_error(&e))
}

/// Each bind position's argument name and type.
fn bound<'q>(
    query: &'q SqlQuery,
    prepared: &'q Prepared,
) -> Result<Vec<(&'q str, SqlType)>, String> {
    prepared
        .binds
        .iter()
        .map(|name| {
            let parameter: Option<&SqlParameter> =
                query.parameters.iter().find(|p| p.name == *name);
            parameter.map(|p| (p.name.as_str(), p.kind)).ok_or_else(|| {
                format!("the statement uses `:{name}`, which is not a parameter of the tool")
            })
        })
        .collect()
}

/// Streams the statement's results, keeping at most `max_rows` rows.
async fn collect<'c, DB, E>(
    executor: E,
    statement: sqlx::query::Query<'c, DB, <DB as sqlx::Database>::Arguments>,
    query: &SqlQuery,
    to_json: fn(&DB::Row, usize) -> Result<Value, String>,
) -> Result<Collected, String>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'c, Database = DB>,
    DB::QueryResult: RowsAffected,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    let mut stream = executor.fetch_many(statement);
    let mut collected = Collected::default();
    while let Some(step) = stream.try_next().await.map_err(|e| describe_error(&e))? {
        match step {
            Either::Left(result) => collected.rows_affected += result.rows_affected(),
            Either::Right(row) => {
                if collected.rows.len() as u64 >= query.max_rows {
                    collected.truncated = true;
                    if query.write {
                        // A write runs to its end (and reports every row it changed); only
                        // the rows it returns are cut.
                        continue;
                    }
                    break;
                }
                let mut object = Map::new();
                for (i, column) in row.columns().iter().enumerate() {
                    let name = column.name().to_string();
                    if object.contains_key(&name) {
                        return Err(format!(
                            "two result columns are named `{name}`: give them distinct names with AS"
                        ));
                    }
                    object.insert(name, to_json(&row, i)?);
                }
                collected.rows.push(Value::Object(object));
            }
        }
    }
    Ok(collected)
}

/// The one thing every engine's query result says.
trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::mysql::MySqlQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::mysql::MySqlQueryResult::rows_affected(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_found_in_urls() {
        assert_eq!(url_password("postgres://u:s3cret@h/db"), Some("s3cret"));
        assert_eq!(url_password("sqlite:data.db"), None);
        assert_eq!(url_password("mysql://u@h/db"), None);
        assert_eq!(url_password("postgres://u:p@ss@h/db"), Some("p@ss"));
    }
}
