//! A call's JSON arguments bound as statement parameters, each as the type its parameter
//! declares (dates as dates on PostgreSQL, which will not compare a date column with text).

use crate::model::SqlType;
use serde_json::Value;
use sqlx::types::chrono;

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

pub(super) type SqliteQuery<'q> =
    sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;
pub(super) type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;
pub(super) type MySqlQuery<'q> = sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>;

pub(super) fn bind_sqlite<'q>(
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

pub(super) fn bind_postgres<'q>(
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

pub(super) fn bind_mysql<'q>(
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
