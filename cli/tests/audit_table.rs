//! The audit trail in a SQLite table, as a user runs it: `mcpgen serve` with mcpgen.yaml's
//! `audit: { database, table }`, restarted with `--audit-database-url-env` instead, then
//! `mcpgen audit verify --database-url-env` on the table and on tampered copies of it; and a
//! bad `audit:` section refused with its place. (PostgreSQL and MariaDB run the same sink in
//! the e2e suite, `tests/audit_sql.rs`.)

use serde_json::json;
use sqlx::{AssertSqlSafe, Connection};
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::Served;

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `mcpgen serve` over stdio: calls `answer` `calls` times and one unknown tool, then stops.
fn serve(dir: &Path, url: &str, flags: &[&str], calls: usize) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcpgen"));
    command
        .arg("serve")
        .arg(dir.join("mcpgen.yaml"))
        .args(flags)
        .env("AUDIT_DB", url)
        .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap());
    let mut served = Served::start(command);
    for _ in 0..calls {
        let answer = served.request("tools/call", json!({"name": "answer", "arguments": {}}));
        assert_eq!(
            answer["result"]["structuredContent"]["rows"][0]["answer"],
            json!(42),
            "{answer}"
        );
    }
    served.request("tools/call", json!({"name": "nope", "arguments": {}}));
    served.finish();
    let stderr = std::fs::read_to_string(dir.join("stderr.log")).unwrap();
    assert!(!stderr.contains("ERROR"), "{stderr}");
}

fn verify(url: &str, table: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .args([
            "audit",
            "verify",
            "--database-url-env",
            "AUDIT_DB",
            "--table",
            table,
        ])
        .env("AUDIT_DB", url)
        .output()
        .unwrap()
}

async fn execute(url: &str, statements: &[String]) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    for statement in statements {
        sqlx::query(AssertSqlSafe(statement.clone()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

#[tokio::test]
async fn serve_writes_the_audit_table_and_verify_names_the_first_bad_row() {
    let dir = std::env::temp_dir().join(format!("mcpgen-audit-table-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("audit.db").display());
    std::fs::write(dir.join("url.txt"), &url).unwrap();
    std::fs::write(dir.join("mcpgen.yaml"), PROJECT).unwrap();

    // mcpgen.yaml's table, then the same table named on the command line: one chain.
    serve(&dir, &url, &[], 2);
    serve(
        &dir,
        &url,
        &[
            "--audit-database-url-env",
            "AUDIT_DB",
            "--audit-table",
            "audit_trail",
        ],
        1,
    );
    let ok = verify(&url, "audit_trail");
    assert!(
        ok.status.success(),
        "{}{}",
        text(&ok.stdout),
        text(&ok.stderr)
    );
    assert!(
        text(&ok.stdout).contains("table `audit_trail`: ok, 5 rows; the chain ends at seq 5"),
        "{}",
        text(&ok.stdout)
    );

    for (i, (what, statements, bad)) in [
        (
            "an edit",
            vec!["UPDATE {t} SET line = REPLACE(line, '\"tool\":\"nope\"', '\"tool\":\"answer\"') WHERE seq = 3"],
            3,
        ),
        ("a deletion", vec!["DELETE FROM {t} WHERE seq = 2"], 3),
        (
            "a reorder",
            vec![
                "UPDATE {t} SET seq = 0 WHERE seq = 4",
                "UPDATE {t} SET seq = 4 WHERE seq = 5",
                "UPDATE {t} SET seq = 5 WHERE seq = 0",
            ],
            4,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let copy = format!("tampered_{i}");
        let mut sql = vec![format!("CREATE TABLE {copy} AS SELECT * FROM audit_trail")];
        sql.extend(statements.iter().map(|s| s.replace("{t}", &copy)));
        execute(&url, &sql).await;
        let out = verify(&url, &copy);
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert!(
            text(&out.stdout).contains(&format!("table `{copy}`: row seq {bad}:")),
            "{what}: {}",
            text(&out.stdout)
        );
    }

    // A table name that is not an identifier, and a missing variable, are refused plainly.
    let out = verify(&url, "audit;drop");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a plain identifier"),
        "{}",
        text(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .args([
            "audit",
            "verify",
            "--database-url-env",
            "MCPGEN_NO_SUCH_VAR",
        ])
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("MCPGEN_NO_SUCH_VAR is not set"),
        "{}",
        text(&out.stderr)
    );

    // An `audit:` naming a database no source declares: the file and line of the mistake.
    std::fs::write(
        dir.join("mcpgen.yaml"),
        PROJECT.replace("database: sales, table", "database: warehouse, table"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .arg("serve")
        .arg(dir.join("mcpgen.yaml"))
        .stdin(std::process::Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no `sql:` source declares the database `warehouse`"),
        "{stderr}"
    );
    assert!(stderr.contains("mcpgen.yaml:9:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
