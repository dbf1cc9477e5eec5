//! Result columns as JSON values, per engine and column type. A type that has no faithful
//! JSON form is an error that says how to cast it, never a silent guess.

use super::describe_error;
use base64::Engine as _;
use serde_json::{Value, json};
use sqlx::types::chrono;
use sqlx::{Column, Row, TypeInfo, ValueRef};

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

/// The type of a result value, or `None` for NULL: what decides how it is decoded.
fn type_of<R>(row: &R, index: usize) -> Result<Option<String>, String>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
{
    let raw = row.try_get_raw(index).map_err(|e| describe_error(&e))?;
    Ok((!raw.is_null()).then(|| raw.type_info().name().to_string()))
}

/// Bytes as JSON: a base64 string.
fn base64_json(bytes: Vec<u8>) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

pub(super) fn sqlite_value(row: &sqlx::sqlite::SqliteRow, index: usize) -> Result<Value, String> {
    // SQLite types values, not columns: decode by what this value is.
    let Some(type_name) = type_of(row, index)? else {
        return Ok(Value::Null);
    };
    let get_err = |e: sqlx::Error| describe_error(&e);
    Ok(match type_name.as_str() {
        "INTEGER" | "BOOLEAN" => json!(row.try_get_unchecked::<i64, _>(index).map_err(get_err)?),
        "REAL" | "NUMERIC" => number(row.try_get_unchecked::<f64, _>(index).map_err(get_err)?),
        "BLOB" => {
            let bytes = row
                .try_get_unchecked::<Vec<u8>, _>(index)
                .map_err(get_err)?;
            base64_json(bytes)
        }
        _ => json!(row.try_get_unchecked::<String, _>(index).map_err(get_err)?),
    })
}

pub(super) fn postgres_value(row: &sqlx::postgres::PgRow, index: usize) -> Result<Value, String> {
    let Some(type_name) = type_of(row, index)? else {
        return Ok(Value::Null);
    };
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
            base64_json(bytes)
        }
        other => return Err(unsupported(row, index, other)),
    })
}

pub(super) fn mysql_value(row: &sqlx::mysql::MySqlRow, index: usize) -> Result<Value, String> {
    let Some(type_name) = type_of(row, index)? else {
        return Ok(Value::Null);
    };
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
            // The server flags text with a binary collation (`utf8mb4_bin`, MariaDB's JSON)
            // as binary too; only real bytes become base64.
            match row.try_get::<String, _>(index) {
                Ok(text) => json!(text),
                Err(_) => {
                    let bytes = row
                        .try_get_unchecked::<Vec<u8>, _>(index)
                        .map_err(get_err)?;
                    base64_json(bytes)
                }
            }
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
    fn decimals_stay_exact() {
        assert_eq!(decimal("12.50".parse().unwrap()), json!(12.5));
        assert_eq!(decimal("1200".parse().unwrap()), json!(1200.0));
        assert_eq!(
            decimal("12345678901234567890.12".parse().unwrap()),
            json!("12345678901234567890.12")
        );
    }
}
