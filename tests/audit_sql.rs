//! The audit trail in a database table, on SQLite, PostgreSQL and MariaDB (real servers, see
//! `databases.rs`): a server configured by mcpgen.yaml records its calls as rows, the rows
//! verify, a restarted server continues the chain, a second writer cannot fork it, lines
//! recorded while the table is unreachable are written once it is back, and an edited,
//! deleted or reordered row is named by its seq.

use crate::databases::{mariadb, postgres, scratch};
use crate::util::call_tool;
use mcpgen_codegen::LoadOptions;
use mcpgen_codegen::project::load_any;
use mcpgen_runtime::audit::AuditLog;
use mcpgen_runtime::audit::table::{RowBreak, verify_table};
use mcpgen_runtime::model::{Api, AuditConfig, AuditSink, SecretRef};
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;
use std::path::Path;
use std::sync::Arc;

const PROJECT: &str = r#"sources:
  - sql:
      database: sales
      connection: { file: url.txt }
      tools:
        - name: answer
          description: The answer.
          statement: SELECT 42 AS answer
audit: { database: sales, table: audit_trail }
"#;

/// Runs `statements` on the database at `url`, in order.
async fn execute(url: &str, statements: &[String]) {
    use sqlx::Connection;
    macro_rules! run {
        ($conn:ty) => {{
            let mut conn = <$conn>::connect(url).await.expect("the test connects");
            for statement in statements {
                sqlx::query(AssertSqlSafe(statement.clone()))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{statement}: {e}"));
            }
        }};
    }
    if url.starts_with("sqlite:") {
        run!(sqlx::SqliteConnection)
    } else if url.starts_with("postgres:") {
        run!(sqlx::PgConnection)
    } else {
        run!(sqlx::MySqlConnection)
    }
}

/// The lines of `table`, in seq order.
async fn lines(url: &str, table: &str) -> Vec<Value> {
    use sqlx::Connection;
    let sql = format!("SELECT line FROM {table} ORDER BY seq");
    let texts: Vec<String> = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap()
    } else if url.starts_with("postgres:") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap()
    } else {
        let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap()
    };
    texts
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect()
}

fn load(dir: &Path) -> Api {
    let outcome = load_any(&dir.join("mcpgen.yaml"), &LoadOptions::default());
    let errors: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    outcome.api.expect("the project loads")
}

/// A server auditing to the table mcpgen.yaml names, as `serve` opens it.
fn server(api: &Api) -> (McpServer, Arc<AuditLog>) {
    let connection = &api.databases["sales"].connection;
    let audit =
        Arc::new(AuditLog::table(connection, "audit_trail", None).expect("the table opens"));
    let options = ServeOptions {
        audit: Some(audit.clone()),
        ..Default::default()
    };
    (McpServer::new(api.clone(), options), audit)
}

async fn call(server: &McpServer) {
    let result = call_tool(server, "answer", json!({})).await;
    assert_eq!(
        result["structuredContent"]["rows"][0]["answer"],
        json!(42),
        "{result}"
    );
}

async fn verified_rows(url: &str, table: &str) -> usize {
    let verified = verify_table(url, table, None)
        .await
        .expect("the table reads")
        .unwrap_or_else(|e| panic!("{table} verifies: {e}"));
    verified.lines
}

/// The suite every engine passes; `url` reaches a database without an audit table.
async fn suite(engine: &str, url: &str, password: Option<&str>) {
    let dir = scratch(&format!("audit-sql-{engine}"));
    std::fs::write(dir.join("url.txt"), url).unwrap();
    std::fs::write(dir.join("mcpgen.yaml"), PROJECT).unwrap();
    let api = load(&dir);
    assert_eq!(
        api.audit,
        Some(AuditConfig {
            sink: AuditSink::Table {
                database: "sales".into(),
                table: "audit_trail".into()
            },
            key_env: None
        })
    );

    // Three calls, a restart, two more: one chain, each line a call of the tool.
    let (first, audit) = server(&api);
    for _ in 0..3 {
        call(&first).await;
    }
    audit.sync().unwrap();
    drop((first, audit));
    let (second, audit) = server(&api);
    call(&second).await;
    call(&second).await;
    audit.sync().unwrap();
    assert_eq!(verified_rows(url, "audit_trail").await, 5, "{engine}");
    let trail = lines(url, "audit_trail").await;
    for (i, line) in trail.iter().enumerate() {
        assert_eq!(line["seq"], json!(i + 1), "{engine}: {line}");
        assert_eq!(line["tool"], "answer", "{engine}: {line}");
        assert_eq!(line["database"], "sales", "{engine}: {line}");
        assert_eq!(line["outcome"], "ok", "{engine}: {line}");
        assert!(
            !line.to_string().contains(url),
            "{engine}: no URL in {line}"
        );
    }

    // A second server on the same table cannot fork the chain: its line with a seq already
    // taken is refused by the primary key (and logged), the first server's stays.
    let (other, other_audit) = server(&api);
    call(&second).await;
    audit.sync().unwrap();
    call(&other).await;
    other_audit.sync().unwrap();
    drop((other, other_audit));
    assert_eq!(verified_rows(url, "audit_trail").await, 6, "{engine}");

    // Lines recorded while the table is away are kept, retried and written once it is back.
    execute(
        url,
        &["ALTER TABLE audit_trail RENAME TO audit_away".to_string()],
    )
    .await;
    call(&second).await;
    call(&second).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(
        lines(url, "audit_away").await.len(),
        6,
        "{engine}: the writes failed while the table was away"
    );
    execute(
        url,
        &["ALTER TABLE audit_away RENAME TO audit_trail".to_string()],
    )
    .await;
    audit.sync().unwrap();
    assert_eq!(
        verified_rows(url, "audit_trail").await,
        8,
        "{engine}: the lines recorded while the table was away are written"
    );
    drop((second, audit));

    // Tampering, each on a copy of the table: the first bad row is named by its seq.
    let cases = [
        (
            "edit",
            vec![
                "UPDATE {t} SET line = REPLACE(line, '\"outcome\":\"ok\"', '\"outcome\":\"denied\"') WHERE seq = 3",
            ],
            3,
        ),
        (
            "column edit",
            vec!["UPDATE {t} SET time = '2020-01-01T00:00:00.000Z' WHERE seq = 6"],
            6,
        ),
        ("deletion", vec!["DELETE FROM {t} WHERE seq = 4"], 5),
        (
            "reorder",
            vec![
                "UPDATE {t} SET seq = 0 WHERE seq = 2",
                "UPDATE {t} SET seq = 2 WHERE seq = 3",
                "UPDATE {t} SET seq = 3 WHERE seq = 0",
            ],
            2,
        ),
    ];
    for (i, (what, statements, bad)) in cases.into_iter().enumerate() {
        let copy = format!("tampered_{i}");
        let mut sql = vec![format!("CREATE TABLE {copy} AS SELECT * FROM audit_trail")];
        sql.extend(statements.iter().map(|s| s.replace("{t}", &copy)));
        execute(url, &sql).await;
        let outcome = verify_table(url, &copy, None)
            .await
            .expect("the copy reads");
        match outcome {
            Err(RowBreak { seq, reason }) => {
                assert_eq!(seq, bad, "{engine}: {what}: {reason}")
            }
            Ok(verified) => panic!("{engine}: {what} went unnoticed: {verified:?}"),
        }
    }
    let key_given = verify_table(url, "audit_trail", Some(b"key"))
        .await
        .unwrap();
    assert_eq!(key_given.unwrap_err().seq, 1, "{engine}");

    // A table that is not there, and a connection that fails, say so without the URL.
    let missing = verify_table(url, "no_such_table", None).await.unwrap_err();
    assert!(
        missing.to_string().contains("no_such_table"),
        "{engine}: {missing}"
    );
    if let Some(password) = password {
        let wrong = url.replace(password, &format!("{password}-wrong"));
        std::fs::write(dir.join("wrong.txt"), &wrong).unwrap();
        let connection = SecretRef::File(dir.join("wrong.txt").display().to_string());
        let refused = AuditLog::table(&connection, "audit_trail", None).unwrap_err();
        let message = refused.to_string();
        assert!(message.contains("cannot connect"), "{engine}: {message}");
        assert!(!message.contains(password), "{engine}: {message}");
        let refused = verify_table(&wrong, "audit_trail", None).await.unwrap_err();
        assert!(
            !refused.to_string().contains(password),
            "{engine}: {refused}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_keeps_the_audit_trail() {
    let dir = scratch("audit-sqlite-db");
    let url = format!("sqlite://{}", dir.join("audit.db").display());
    suite("sqlite", &url, None).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_keeps_the_audit_trail() {
    let server = postgres("audit");
    suite("postgres", &server.url, Some(&server.password)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_keeps_the_audit_trail() {
    let server = mariadb("audit");
    suite("mariadb", &server.url, Some(&server.password)).await;
}
