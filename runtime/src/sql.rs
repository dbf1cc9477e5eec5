//! SQL tools: a named statement run on SQLite, PostgreSQL or MySQL/MariaDB with the call's
//! arguments bound as parameters, its rows returned as JSON.
//!
//! Safety rules, on every engine:
//! - Arguments are only ever bound (`:name` placeholders become the engine's `?` or `$n`);
//!   nothing from a call is pasted into SQL text.
//! - A tool without `write` runs read-only, enforced by the database: SQLite opens the file
//!   read-only, PostgreSQL and MySQL/MariaDB run it in a `READ ONLY` transaction.
//! - Every statement has a time limit the server enforces (PostgreSQL `statement_timeout`,
//!   MariaDB `max_statement_time`, MySQL `max_execution_time`, SQLite a progress handler), and
//!   a result holds at most `max_rows` rows.
//! - The connection URL is a secret: it never appears in an error, a log line or tools/list.

use crate::credentials::Redactor;
use crate::credentials::source::{SecretReader, SecretSource};
use crate::model::{Api, Database, SecretRef, SqlParameter, SqlQuery, SqlType};
use base64::Engine as _;
use futures::TryStreamExt;
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};
use sqlx::types::chrono;
use sqlx::{AssertSqlSafe, Column, Either, Row, TypeInfo, ValueRef};
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

/// A statement in the engine's own placeholder syntax, and the argument bound at each
/// placeholder, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The SQL text sent to the server.
    pub sql: String,
    /// The argument names, one per bind position.
    pub binds: Vec<String>,
}

/// The `:name` placeholders of a statement, in order of appearance (with repeats). Used when
/// loading, to check that every placeholder has a parameter and every parameter is used.
pub fn placeholders(statement: &str) -> Result<Vec<String>, String> {
    prepare(statement, Engine::Sqlite).map(|p| p.binds)
}

/// Rewrites `:name` placeholders into the engine's syntax (`?` for SQLite and MySQL, `$n` for
/// PostgreSQL, where a repeated name reuses its number). Strings, quoted identifiers,
/// comments, PostgreSQL dollar quotes and `::` casts are left alone. A placeholder in the
/// engine's own syntax is refused: it would bind nothing the tool declares.
pub fn prepare(statement: &str, engine: Engine) -> Result<Prepared, String> {
    let chars: Vec<char> = statement.chars().collect();
    let mut sql = String::with_capacity(statement.len());
    let mut binds: Vec<String> = Vec::new();
    let mut i = 0;
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' | '`' => {
                let end = quoted_end(&chars, i, engine);
                sql.extend(&chars[i..end]);
                i = end;
            }
            '-' if next == Some('-') => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                sql.extend(&chars[i..end]);
                i = end;
            }
            '#' if engine == Engine::MySql => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                sql.extend(&chars[i..end]);
                i = end;
            }
            '/' if next == Some('*') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                    .map_or(chars.len(), |j| j + 2);
                sql.extend(&chars[i..end]);
                i = end;
            }
            ':' if next == Some(':') => {
                sql.push_str("::");
                i += 2;
            }
            ':' if next.is_some_and(ident_start) && !(i > 0 && ident(chars[i - 1])) => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && ident(chars[end]) {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                match engine {
                    Engine::Postgres => {
                        let n = match binds.iter().position(|b| *b == name) {
                            Some(n) => n + 1,
                            None => {
                                binds.push(name);
                                binds.len()
                            }
                        };
                        sql.push_str(&format!("${n}"));
                    }
                    Engine::Sqlite | Engine::MySql => {
                        binds.push(name);
                        sql.push('?');
                    }
                }
                i = end;
            }
            '$' if engine == Engine::Postgres || engine == Engine::Sqlite => {
                if next.is_some_and(|c| c.is_ascii_digit()) {
                    return Err(
                        "use `:name` placeholders, not `$1`: each one names a parameter of the tool"
                            .into(),
                    );
                }
                // A PostgreSQL dollar-quoted string: $tag$ ... $tag$.
                let tag_end = (i + 1..chars.len()).find(|&j| !ident(chars[j]));
                match tag_end {
                    Some(j) if chars[j] == '$' && engine == Engine::Postgres => {
                        let tag: String = chars[i..=j].iter().collect();
                        let body: String = chars[j + 1..].iter().collect();
                        let end = body.find(&tag).map_or(chars.len(), |p| {
                            j + 1 + body[..p].chars().count() + tag.chars().count()
                        });
                        sql.extend(&chars[i..end]);
                        i = end;
                    }
                    _ => {
                        sql.push('$');
                        i += 1;
                    }
                }
            }
            '?' if engine != Engine::Postgres => {
                return Err(
                    "use `:name` placeholders, not `?`: each one names a parameter of the tool"
                        .into(),
                );
            }
            _ => {
                sql.push(c);
                i += 1;
            }
        }
    }
    Ok(Prepared { sql, binds })
}

/// Where a quoted string or identifier starting at `start` ends (one past the closing
/// quote). A doubled quote stays inside; MySQL also escapes with a backslash.
fn quoted_end(chars: &[char], start: usize, engine: Engine) -> usize {
    let quote = chars[start];
    let mut j = start + 1;
    while j < chars.len() {
        if engine == Engine::MySql && chars[j] == '\\' && quote != '`' {
            j += 2;
            continue;
        }
        if chars[j] == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
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

impl From<&SecretRef> for SecretSource {
    fn from(reference: &SecretRef) -> Self {
        match reference {
            SecretRef::Env(var) => SecretSource::Env(var.clone()),
            SecretRef::File(path) => SecretSource::File(path.into()),
            SecretRef::Command(argv) => SecretSource::Command {
                argv: argv.clone(),
                ttl: Duration::from_secs(300),
            },
        }
    }
}

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
        .unwrap_or_else(|_| Err(timeout_message(query)));
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
        let mut redactor = Redactor::default();
        redactor.add(url);
        if let Some(password) = url_password(url) {
            redactor.add(password);
        }
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

/// The password part of `scheme://user:password@host`, if any.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then_some(password)
}

async fn connect(url: &str) -> Result<Pools, String> {
    let engine = Engine::of_url(url)?;
    let fail = |e: sqlx::Error| describe_error(&e);
    match engine {
        Engine::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(fail)?;
            let read = sqlx::pool::PoolOptions::new()
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(options.clone().read_only(true))
                .await
                .map_err(fail)?;
            // Opened on first use only, so a database file mounted read-only still serves
            // the read-only tools.
            let write = sqlx::pool::PoolOptions::new()
                .acquire_timeout(CONNECT_TIMEOUT)
                .max_connections(1)
                .connect_lazy_with(options);
            Ok(Pools::Sqlite { read, write })
        }
        Engine::Postgres => {
            let options = sqlx::postgres::PgConnectOptions::from_str(url).map_err(fail)?;
            let pool = sqlx::pool::PoolOptions::new()
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(fail)?;
            Ok(Pools::Postgres(pool))
        }
        Engine::MySql => {
            let url = url.replacen("mariadb://", "mysql://", 1);
            let options = sqlx::mysql::MySqlConnectOptions::from_str(&url).map_err(fail)?;
            let pool: sqlx::MySqlPool = sqlx::pool::PoolOptions::new()
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(fail)?;
            let version: String = sqlx::query_scalar("SELECT VERSION()")
                .fetch_one(&pool)
                .await
                .map_err(fail)?;
            let mariadb = version.to_ascii_lowercase().contains("mariadb");
            Ok(Pools::MySql { pool, mariadb })
        }
    }
}

/// A database error in words: the server's message where there is one.
fn describe_error(error: &sqlx::Error) -> String {
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
            if query.write {
                tx.commit().await.map_err(fail)?;
            } else {
                tx.rollback().await.map_err(fail)?;
            }
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
            if query.write {
                tx.commit().await.map_err(fail)?;
            } else {
                tx.rollback().await.map_err(fail)?;
            }
            collected
        }
    };
    Ok(collected.into_json(query.write))
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
                    break;
                }
                let mut object = Map::new();
                for (i, column) in row.columns().iter().enumerate() {
                    object.insert(column.name().to_string(), to_json(&row, i)?);
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

/// A JSON argument as the value to bind, for the parameter's type.
enum BindValue {
    Null,
    Text(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
}

fn bind_value(kind: SqlType, value: Option<&Value>) -> Result<BindValue, String> {
    Ok(match (kind, value) {
        (_, None | Some(Value::Null)) => BindValue::Null,
        (SqlType::Integer, Some(v)) => BindValue::Integer(
            v.as_i64()
                .ok_or_else(|| format!("expected an integer, got {v}"))?,
        ),
        (SqlType::Number, Some(v)) => BindValue::Number(
            v.as_f64()
                .ok_or_else(|| format!("expected a number, got {v}"))?,
        ),
        (SqlType::Boolean, Some(v)) => BindValue::Boolean(
            v.as_bool()
                .ok_or_else(|| format!("expected true or false, got {v}"))?,
        ),
        (SqlType::String | SqlType::Date | SqlType::DateTime, Some(Value::String(s))) => {
            BindValue::Text(s.clone())
        }
        (_, Some(v)) => return Err(format!("expected a string, got {v}")),
    })
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;
type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;
type MySqlQuery<'q> = sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>;

fn bind_sqlite<'q>(
    statement: SqliteQuery<'q>,
    kind: SqlType,
    value: Option<&Value>,
) -> Result<SqliteQuery<'q>, String> {
    Ok(match bind_value(kind, value)? {
        BindValue::Null => statement.bind(None::<String>),
        BindValue::Text(s) => statement.bind(s),
        BindValue::Integer(n) => statement.bind(n),
        BindValue::Number(n) => statement.bind(n),
        BindValue::Boolean(b) => statement.bind(b),
    })
}

fn bind_postgres<'q>(
    statement: PgQuery<'q>,
    kind: SqlType,
    value: Option<&Value>,
) -> Result<PgQuery<'q>, String> {
    let value = bind_value(kind, value)?;
    Ok(match (kind, value) {
        (SqlType::Integer, BindValue::Null) => statement.bind(None::<i64>),
        (SqlType::Number, BindValue::Null) => statement.bind(None::<f64>),
        (SqlType::Boolean, BindValue::Null) => statement.bind(None::<bool>),
        (SqlType::Date, BindValue::Null) => statement.bind(None::<chrono::NaiveDate>),
        (SqlType::DateTime, BindValue::Null) => {
            statement.bind(None::<chrono::DateTime<chrono::FixedOffset>>)
        }
        (_, BindValue::Null) => statement.bind(None::<String>),
        (SqlType::Date, BindValue::Text(s)) => statement.bind(
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| format!("expected a date like 2026-01-31, got `{s}`"))?,
        ),
        (SqlType::DateTime, BindValue::Text(s)) => {
            statement.bind(chrono::DateTime::parse_from_rfc3339(&s).map_err(|_| {
                format!("expected a date and time like 2026-01-31T12:00:00Z, got `{s}`")
            })?)
        }
        (_, BindValue::Text(s)) => statement.bind(s),
        (_, BindValue::Integer(n)) => statement.bind(n),
        (_, BindValue::Number(n)) => statement.bind(n),
        (_, BindValue::Boolean(b)) => statement.bind(b),
    })
}

fn bind_mysql<'q>(
    statement: MySqlQuery<'q>,
    kind: SqlType,
    value: Option<&Value>,
) -> Result<MySqlQuery<'q>, String> {
    Ok(match bind_value(kind, value)? {
        BindValue::Null => statement.bind(None::<String>),
        BindValue::Text(s) => statement.bind(s),
        BindValue::Integer(n) => statement.bind(n),
        BindValue::Number(n) => statement.bind(n),
        BindValue::Boolean(b) => statement.bind(b),
    })
}

/// A result that cannot be told as JSON: what to change in the statement.
fn unsupported(row: &impl Row, index: usize, type_name: &str) -> String {
    let column = row
        .columns()
        .get(index)
        .map(|c| c.name().to_string())
        .unwrap_or_default();
    format!(
        "column `{column}` has the type {type_name}, which mcpgen cannot return as JSON; cast it to text in the statement"
    )
}

fn number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

fn sqlite_value(row: &sqlx::sqlite::SqliteRow, index: usize) -> Result<Value, String> {
    let raw = row.try_get_raw(index).map_err(|e| describe_error(&e))?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // SQLite types values, not columns: decode by what this value is.
    let type_name = raw.type_info().name().to_string();
    let get_err = |e: sqlx::Error| describe_error(&e);
    Ok(match type_name.as_str() {
        "INTEGER" | "BOOLEAN" => json!(row.try_get_unchecked::<i64, _>(index).map_err(get_err)?),
        "REAL" | "NUMERIC" => number(row.try_get_unchecked::<f64, _>(index).map_err(get_err)?),
        "BLOB" => {
            let bytes = row
                .try_get_unchecked::<Vec<u8>, _>(index)
                .map_err(get_err)?;
            json!(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        _ => json!(row.try_get_unchecked::<String, _>(index).map_err(get_err)?),
    })
}

fn postgres_value(row: &sqlx::postgres::PgRow, index: usize) -> Result<Value, String> {
    let raw = row.try_get_raw(index).map_err(|e| describe_error(&e))?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let type_name = raw.type_info().name().to_string();
    let get_err = |e: sqlx::Error| describe_error(&e);
    Ok(match type_name.as_str() {
        "BOOL" => json!(row.try_get::<bool, _>(index).map_err(get_err)?),
        "INT2" => json!(row.try_get::<i16, _>(index).map_err(get_err)?),
        "INT4" => json!(row.try_get::<i32, _>(index).map_err(get_err)?),
        "INT8" => json!(row.try_get::<i64, _>(index).map_err(get_err)?),
        "OID" => json!(
            row.try_get::<sqlx::postgres::types::Oid, _>(index)
                .map_err(get_err)?
                .0
        ),
        "FLOAT4" => number(row.try_get::<f32, _>(index).map_err(get_err)?.into()),
        "FLOAT8" => number(row.try_get::<f64, _>(index).map_err(get_err)?),
        "NUMERIC" => decimal(
            row.try_get::<sqlx::types::Decimal, _>(index)
                .map_err(get_err)?,
        ),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" | "CITEXT" => {
            json!(row.try_get_unchecked::<String, _>(index).map_err(get_err)?)
        }
        "DATE" => json!(
            row.try_get::<chrono::NaiveDate, _>(index)
                .map_err(get_err)?
                .to_string()
        ),
        "TIME" => json!(
            row.try_get::<chrono::NaiveTime, _>(index)
                .map_err(get_err)?
                .to_string()
        ),
        "TIMESTAMP" => json!(
            row.try_get::<chrono::NaiveDateTime, _>(index)
                .map_err(get_err)?
                .format("%Y-%m-%dT%H:%M:%S%.f")
                .to_string()
        ),
        "TIMESTAMPTZ" => json!(
            row.try_get::<chrono::DateTime<chrono::Utc>, _>(index)
                .map_err(get_err)?
                .to_rfc3339()
        ),
        "UUID" => json!(
            row.try_get::<sqlx::types::Uuid, _>(index)
                .map_err(get_err)?
                .to_string()
        ),
        "JSON" | "JSONB" => row.try_get::<Value, _>(index).map_err(get_err)?,
        "BYTEA" => {
            let bytes = row.try_get::<Vec<u8>, _>(index).map_err(get_err)?;
            json!(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        other => return Err(unsupported(row, index, other)),
    })
}

fn mysql_value(row: &sqlx::mysql::MySqlRow, index: usize) -> Result<Value, String> {
    let raw = row.try_get_raw(index).map_err(|e| describe_error(&e))?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let type_name = raw.type_info().name().to_string();
    let get_err = |e: sqlx::Error| describe_error(&e);
    Ok(match type_name.as_str() {
        "BOOLEAN" => json!(row.try_get::<bool, _>(index).map_err(get_err)?),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
            json!(row.try_get_unchecked::<i64, _>(index).map_err(get_err)?)
        }
        t if t.ends_with("UNSIGNED") => {
            json!(row.try_get_unchecked::<u64, _>(index).map_err(get_err)?)
        }
        "FLOAT" => number(row.try_get::<f32, _>(index).map_err(get_err)?.into()),
        "DOUBLE" => number(row.try_get::<f64, _>(index).map_err(get_err)?),
        "DECIMAL" => decimal(
            row.try_get::<sqlx::types::Decimal, _>(index)
                .map_err(get_err)?,
        ),
        "DATE" => json!(
            row.try_get::<chrono::NaiveDate, _>(index)
                .map_err(get_err)?
                .to_string()
        ),
        "TIME" => json!(
            row.try_get::<chrono::NaiveTime, _>(index)
                .map_err(get_err)?
                .to_string()
        ),
        "DATETIME" | "TIMESTAMP" => json!(
            row.try_get::<chrono::NaiveDateTime, _>(index)
                .map_err(get_err)?
                .format("%Y-%m-%dT%H:%M:%S%.f")
                .to_string()
        ),
        "JSON" => row.try_get::<Value, _>(index).map_err(get_err)?,
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BIT" => {
            let bytes = row
                .try_get_unchecked::<Vec<u8>, _>(index)
                .map_err(get_err)?;
            json!(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        "CHAR" | "VARCHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET" => {
            json!(row.try_get_unchecked::<String, _>(index).map_err(get_err)?)
        }
        other => return Err(unsupported(row, index, other)),
    })
}

/// An exact decimal as a JSON number when it survives the trip, else as a string.
fn decimal(value: sqlx::types::Decimal) -> Value {
    let text = value.normalize().to_string();
    match text.parse::<f64>() {
        Ok(n) if n.to_string() == text || (n.fract() == 0.0 && format!("{n:.0}") == text) => {
            number(n)
        }
        _ => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_the_engines_own() {
        let statement = "SELECT * FROM t WHERE a = :a AND b > :b OR a = :a";
        let sqlite = prepare(statement, Engine::Sqlite).unwrap();
        assert_eq!(sqlite.sql, "SELECT * FROM t WHERE a = ? AND b > ? OR a = ?");
        assert_eq!(sqlite.binds, ["a", "b", "a"]);
        let pg = prepare(statement, Engine::Postgres).unwrap();
        assert_eq!(pg.sql, "SELECT * FROM t WHERE a = $1 AND b > $2 OR a = $1");
        assert_eq!(pg.binds, ["a", "b"]);
    }

    #[test]
    fn strings_comments_and_casts_are_left_alone() {
        let statement = "SELECT ':x', \"a:b\", x::text -- :c\n/* :d */ FROM t WHERE e = :e";
        let p = prepare(statement, Engine::Postgres).unwrap();
        assert_eq!(p.binds, ["e"]);
        assert_eq!(
            p.sql,
            "SELECT ':x', \"a:b\", x::text -- :c\n/* :d */ FROM t WHERE e = $1"
        );
        let dollar = "SELECT $f$ :no $f$, :yes";
        assert_eq!(prepare(dollar, Engine::Postgres).unwrap().binds, ["yes"]);
        let escaped = r"SELECT 'it\'s :no', :yes";
        assert_eq!(prepare(escaped, Engine::MySql).unwrap().binds, ["yes"]);
        assert_eq!(
            prepare("SELECT 'it''s :no', :yes", Engine::Sqlite)
                .unwrap()
                .binds,
            ["yes"]
        );
    }

    #[test]
    fn engine_placeholders_are_refused() {
        assert!(prepare("SELECT * FROM t WHERE a = ?", Engine::Sqlite).is_err());
        assert!(prepare("SELECT * FROM t WHERE a = $1", Engine::Postgres).is_err());
        assert!(prepare("SELECT '?' FROM t", Engine::MySql).is_ok());
    }

    #[test]
    fn passwords_are_found_in_urls() {
        assert_eq!(url_password("postgres://u:s3cret@h/db"), Some("s3cret"));
        assert_eq!(url_password("sqlite:data.db"), None);
        assert_eq!(url_password("mysql://u@h/db"), None);
    }

    #[test]
    fn decimals_stay_exact() {
        assert_eq!(decimal("12.50".parse().unwrap()), json!(12.5));
        assert_eq!(decimal("1200".parse().unwrap()), json!(1200.0));
        assert_eq!(
            decimal("12345678901234567890.12".parse().unwrap()),
            json!("12345678901234567890.12")
        );
    }
}
