//! SQL tools written in mcpgen.yaml: named statements over a database, each a tool whose
//! arguments are bound to `:name` placeholders.
//!
//! ```yaml
//! - sql:
//!     database: warehouse                    # a name for it (default: `database`)
//!     connection: { env: SALES_WAREHOUSE_URL } # sqlite:, postgres:// or mysql:// URL: a secret
//!     max_rows: 200                          # defaults for every tool (100 and 10 s)
//!     timeout_seconds: 5
//!     tools:
//!       - name: revenue_by_region
//!         description: Revenue per region between two dates.
//!         statement: |
//!           SELECT region_id AS region, SUM(total_cents) AS revenue_cents
//!           FROM orders WHERE ordered_at BETWEEN :from AND :to GROUP BY region_id
//!         parameters:
//!           from: { type: string, format: date }
//!           to: { type: string, format: date }
//!         columns:                           # optional: the output schema of one row
//!           region: { type: string }
//!           revenue_cents: { type: integer }
//! ```
//!
//! Parameters are required unless they say `required: false` or have a `default`; an
//! optional parameter left out is bound as NULL. A statement that changes data needs
//! `write: true`; without it the database runs the statement read-only.

use super::rest::schema_of;
use super::{Located, check_tool, error_at};
use crate::diagnostic::Diagnostic;
use mcpgen_runtime::model::{
    Annotations, Api, Database, Method, SecretRef, SourceRef, SqlParameter, SqlQuery, SqlType, Tool,
};
use mcpgen_runtime::sql::{first_keyword, output_schema, placeholders};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

/// A `sql:` source.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SqlShape {
    database: Option<Spanned<String>>,
    connection: Spanned<ConnectionShape>,
    max_rows: Option<Spanned<u64>>,
    timeout_seconds: Option<Spanned<f64>>,
    tools: Vec<Spanned<SqlToolShape>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionShape {
    env: Option<String>,
    file: Option<String>,
    command: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlToolShape {
    name: Spanned<String>,
    title: Option<String>,
    description: String,
    statement: Spanned<String>,
    #[serde(default)]
    parameters: HashMap<Spanned<String>, Spanned<SqlParameterShape>>,
    #[serde(default)]
    columns: BTreeMap<String, Value>,
    #[serde(default)]
    write: bool,
    max_rows: Option<Spanned<u64>>,
    timeout_seconds: Option<Spanned<f64>>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct SqlParameterShape {
    required: Option<bool>,
    #[serde(flatten)]
    schema: Map<String, Value>,
}

/// Rows a result holds when the file does not say.
const DEFAULT_MAX_ROWS: u64 = 100;
/// The most rows any tool may return.
const MAX_ROWS_LIMIT: u64 = 10_000;
/// How long a statement may run when the file does not say.
const DEFAULT_TIMEOUT_SECONDS: f64 = 10.0;

/// The name a `sql:` source's database gets when it gives none.
pub(super) const DEFAULT_DATABASE: &str = "database";

/// Lowers a `sql:` source into a model of its own.
pub(super) fn lower(
    shape: &SqlShape,
    base: &std::path::Path,
    file: &str,
    pointer: &str,
    errors: &mut Vec<Diagnostic>,
) -> Api {
    let mut api = Api {
        title: "SQL tools".into(),
        ..Api::default()
    };
    let database = shape
        .database
        .as_ref()
        .map_or(DEFAULT_DATABASE.to_string(), |d| d.value.clone());
    let connection = &shape.connection;
    let reference = match (
        &connection.value.env,
        &connection.value.file,
        &connection.value.command,
    ) {
        (Some(var), None, None) => Some(SecretRef::Env(var.clone())),
        // Relative to the mcpgen.yaml, like every other path in it.
        (None, Some(path), None) => Some(SecretRef::File(base.join(path).display().to_string())),
        (None, None, Some(argv)) if !argv.is_empty() => Some(SecretRef::Command(argv.clone())),
        _ => {
            errors.push(error_at(
                file,
                &connection.referenced,
                "`connection`: expected exactly one of `env: VARIABLE`, `file: PATH` or `command: [PROGRAM, ARGS...]` holding the connection URL",
            ));
            None
        }
    };
    if let Some(connection) = reference {
        api.databases
            .insert(database.clone(), Database { connection });
    }
    let max_rows = rows_limit(shape.max_rows.as_ref(), DEFAULT_MAX_ROWS, file, errors);
    let timeout = seconds(
        shape.timeout_seconds.as_ref(),
        DEFAULT_TIMEOUT_SECONDS,
        file,
        errors,
    );
    for (i, tool) in shape.tools.iter().enumerate() {
        let at = format!("{pointer}/tools/{i}");
        let defaults = (max_rows, timeout);
        if let Some(tool) = lower_tool(&tool.value, &database, defaults, file, &at, errors) {
            api.tools.push(tool);
        }
    }
    api
}

fn rows_limit(
    value: Option<&Spanned<u64>>,
    default: u64,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) -> u64 {
    match value {
        None => default,
        Some(v) if (1..=MAX_ROWS_LIMIT).contains(&v.value) => v.value,
        Some(v) => {
            errors.push(error_at(
                file,
                &v.referenced,
                format!("`max_rows` is {}: expected 1 to {MAX_ROWS_LIMIT}", v.value),
            ));
            default
        }
    }
}

fn seconds(
    value: Option<&Spanned<f64>>,
    default: f64,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) -> f64 {
    match value {
        None => default,
        Some(v) if v.value > 0.0 && v.value <= 3600.0 => v.value,
        Some(v) => {
            errors.push(error_at(
                file,
                &v.referenced,
                format!(
                    "`timeout_seconds` is {}: expected more than 0 and at most 3600",
                    v.value
                ),
            ));
            default
        }
    }
}

fn lower_tool(
    shape: &SqlToolShape,
    database: &str,
    (default_rows, default_timeout): (u64, f64),
    file: &str,
    pointer: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Tool> {
    let before = errors.len();
    let name = &shape.name;
    check_tool(name, &shape.description, file, errors);
    let statement = &shape.statement;
    let used = match placeholders(&statement.value) {
        Ok(used) => used,
        Err(e) => {
            errors.push(error_at(
                file,
                &statement.referenced,
                format!("`statement`: {e}"),
            ));
            Vec::new()
        }
    };
    if statement.value.trim().is_empty() {
        errors.push(error_at(
            file,
            &statement.referenced,
            "`statement` is empty",
        ));
    }
    if !shape.write
        && let Some(keyword) = writing_keyword(&statement.value)
    {
        errors.push(
            error_at(
                file,
                &statement.referenced,
                format!(
                    "tool `{}`: the statement changes data ({keyword}), but the tool is read-only",
                    name.value
                ),
            )
            .help("add `write: true` to the tool if it is meant to change data"),
        );
    }
    for placeholder in &used {
        if !shape.parameters.keys().any(|k| &k.value == placeholder) {
            errors.push(error_at(
                file,
                &statement.referenced,
                format!(
                    "the statement uses `:{placeholder}`, but `parameters` has no `{placeholder}`"
                ),
            ));
        }
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut parameters = Vec::new();
    let mut defaults = Map::new();
    for (pname, parameter) in super::in_order(&shape.parameters) {
        let located = Located::new(file, &parameter.referenced);
        if !used.contains(&pname.value) {
            errors.push(located.error(format!(
                "parameter `{}` is not used: the statement has no `:{}`",
                pname.value, pname.value
            )));
            continue;
        }
        let schema = match schema_of(&pname.value, &parameter.value.schema, &located) {
            Ok(schema) => schema,
            Err(d) => {
                errors.push(*d);
                continue;
            }
        };
        let Some(kind) = sql_type(&schema) else {
            errors.push(located.error(format!(
                "parameter `{}`: expected `type` string (optionally `format: date` or `date-time`), integer, number or boolean",
                pname.value
            )));
            continue;
        };
        let default = schema.get("default").cloned();
        let optional = parameter.value.required == Some(false) || default.is_some();
        if !optional {
            required.push(Value::String(pname.value.clone()));
        }
        if let Some(default) = default {
            // Bound when the model leaves the argument out, rather than NULL.
            defaults.insert(pname.value.clone(), default);
        }
        properties.insert(pname.value.clone(), schema);
        parameters.push(SqlParameter {
            name: pname.value.clone(),
            kind,
        });
    }
    let max_rows = rows_limit(shape.max_rows.as_ref(), default_rows, file, errors);
    let timeout = seconds(
        shape.timeout_seconds.as_ref(),
        default_timeout,
        file,
        errors,
    );
    if errors.len() > before {
        return None;
    }
    let mut input_schema = Map::new();
    input_schema.insert("type".into(), json!("object"));
    input_schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        input_schema.insert("required".into(), Value::Array(required));
    }
    let columns: Map<String, Value> = shape.columns.clone().into_iter().collect();
    let write = shape.write;
    Some(Tool {
        name: name.value.clone(),
        title: shape.title.clone(),
        description: shape.description.trim().to_string(),
        operation_id: None,
        method: if write { Method::Post } else { Method::Get },
        path: String::new(),
        servers: Vec::new(),
        parameters: Vec::new(),
        body: None,
        response: None,
        security: Vec::new(),
        annotations: Annotations {
            read_only_hint: !write,
            destructive_hint: write,
            idempotent_hint: !write,
        },
        tags: shape.tags.clone(),
        deprecated: false,
        input_schema,
        input_defs: Vec::new(),
        output_schema: Some(output_schema((!columns.is_empty()).then_some(&columns))),
        output_defs: Vec::new(),
        fixed_arguments: Map::new(),
        default_arguments: defaults,
        query: Some(SqlQuery {
            database: database.to_string(),
            statement: statement.value.clone(),
            parameters,
            write,
            max_rows,
            timeout_ms: ((timeout * 1000.0).round() as u64).max(1),
        }),
        source: SourceRef {
            file: file.to_string(),
            pointer: pointer.to_string(),
        },
    })
}

/// How a parameter's JSON value is bound, from its schema.
fn sql_type(schema: &Value) -> Option<SqlType> {
    let kind = schema.get("type").and_then(Value::as_str).or_else(|| {
        // An `enum` or `const` without a type: the type of its values.
        let first = schema
            .get("enum")
            .and_then(|e| e.get(0))
            .or(schema.get("const"))?;
        Some(match first {
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() => "integer",
            Value::Number(_) => "number",
            _ => return None,
        })
    })?;
    Some(match (kind, schema.get("format").and_then(Value::as_str)) {
        ("string", Some("date")) => SqlType::Date,
        ("string", Some("date-time")) => SqlType::DateTime,
        ("string", _) => SqlType::String,
        ("integer", _) => SqlType::Integer,
        ("number", _) => SqlType::Number,
        ("boolean", _) => SqlType::Boolean,
        _ => return None,
    })
}

/// The keyword that makes a statement a write, when it obviously is one. The database is
/// what enforces read-only; this only gives an early, clear error.
fn writing_keyword(statement: &str) -> Option<String> {
    const WRITES: &[&str] = &[
        "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CREATE", "DROP", "ALTER",
        "TRUNCATE", "GRANT", "REVOKE", "ATTACH", "DETACH", "VACUUM", "REINDEX", "COPY", "CALL",
        "PRAGMA", "SET", "LOCK",
    ];
    let first = first_keyword(statement);
    WRITES.contains(&first.as_str()).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obvious_writes_are_told() {
        assert_eq!(
            writing_keyword("  -- x\n delete from t"),
            Some("DELETE".into())
        );
        assert_eq!(
            writing_keyword("/* a */ INSERT INTO t VALUES (1)"),
            Some("INSERT".into())
        );
        assert_eq!(writing_keyword("SELECT 1"), None);
        assert_eq!(
            writing_keyword("WITH x AS (SELECT 1) SELECT * FROM x"),
            None
        );
    }

    #[test]
    fn types_come_from_schemas() {
        assert_eq!(
            sql_type(&json!({"type": "string", "format": "date"})),
            Some(SqlType::Date)
        );
        assert_eq!(
            sql_type(&json!({"enum": ["a", "b"]})),
            Some(SqlType::String)
        );
        assert_eq!(sql_type(&json!({"type": "array"})), None);
    }
}
