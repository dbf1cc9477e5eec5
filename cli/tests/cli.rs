//! The `mcpgen` command as a user runs it: exit codes, what goes to stdout and stderr, and the
//! shape of diagnostics and listings.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

fn mcpgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpgen"))
        .args(args)
        .current_dir(specs())
        .env("NO_COLOR", "1")
        .output()
        .expect("mcpgen runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_good_documents_and_exits_zero() {
    let out = mcpgen(&[
        "check",
        "corpus/oai-examples/v3.0/petstore.yaml",
        "corpus/oai-examples/v2.0/json/petstore.json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("corpus/oai-examples/v3.0/petstore.yaml: ok, 3 tools, 0 warning(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("corpus/oai-examples/v2.0/json/petstore.json: ok, 3 tools"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn check_shows_file_line_column_and_a_snippet_and_exits_one() {
    let out = mcpgen(&[
        "check",
        "broken/ref-missing-local.yaml",
        "corpus/oai-examples/v3.0/petstore.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("mcpgen::ref-missing"), "{stderr}");
    let place = regex_like_place(&stderr, "broken/ref-missing-local.yaml:");
    assert!(place, "no file:line:column in {stderr}");
    assert!(
        stderr.contains("$ref"),
        "the snippet quotes the line: {stderr}"
    );
    assert!(
        stderr.contains("broken/ref-missing-local.yaml: 1 error(s)"),
        "{stderr}"
    );
    // The second document is still checked.
    assert!(stderr.contains("petstore.yaml: ok, 3 tools"), "{stderr}");
}

/// Whether `text` has `prefix` followed by `line:column:`.
fn regex_like_place(text: &str, prefix: &str) -> bool {
    text.match_indices(prefix).any(|(at, _)| {
        let rest = &text[at + prefix.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or_default();
        let column = parts.next().unwrap_or_default();
        !line.is_empty()
            && line.chars().all(|c| c.is_ascii_digit())
            && !column.is_empty()
            && column.chars().all(|c| c.is_ascii_digit())
    })
}

#[test]
fn check_reports_warnings_with_their_place() {
    let out = mcpgen(&["check", "corpus/oai-examples/v3.1/webhook-example.yaml"]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("mcpgen::webhooks"), "{stderr}");
    assert!(
        regex_like_place(&stderr, "webhook-example.yaml:"),
        "{stderr}"
    );
}

#[test]
fn list_prints_a_table_with_auth() {
    let out = mcpgen(&[
        "list",
        "corpus/readme-oas-examples/3.0/yaml/security-multiple.yaml",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let header = stdout.lines().next().unwrap();
    for column in ["NAME", "METHOD", "PATH", "AUTH"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(
        stdout.contains(" | "),
        "OR-ed requirements are shown: {stdout}"
    );
    assert!(
        stdout.contains('+'),
        "AND-ed requirements are shown: {stdout}"
    );
    assert!(stdout.trim_end().ends_with("4 tools"), "{stdout}");
}

#[test]
fn list_json_is_the_tools_list_result() {
    let spec = "corpus/swagger-petstore3/openapi.yaml";
    let out = mcpgen(&["list", "--json", spec]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let api = mcpgen_codegen::load(&specs().join(spec), &Default::default())
        .api
        .unwrap();
    let expected = serde_json::json!({ "tools": mcpgen_runtime::tools_list::tools_json(&api) });
    assert_eq!(listed, expected);
    assert_eq!(listed["tools"].as_array().unwrap().len(), 19);
}

#[test]
fn list_of_a_broken_document_fails_with_its_errors() {
    let out = mcpgen(&["list", "broken/version-openapi-4.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("mcpgen::version"));
}

#[test]
fn the_name_limit_is_configurable() {
    let out = mcpgen(&[
        "list",
        "--json",
        "--max-name-len",
        "20",
        "broken/warn-name-cut.yaml",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let name = listed["tools"][0]["name"].as_str().unwrap();
    assert_eq!(name.len(), 20, "{name}");
    let out = mcpgen(&["list", "--max-name-len", "5", "broken/warn-name-cut.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap refuses a limit too short for a hash"
    );
}

#[test]
fn help_is_stable() {
    let out = mcpgen(&["--help"]);
    insta::assert_snapshot!("help", text(&out.stdout));
    let out = mcpgen(&["check", "--help"]);
    insta::assert_snapshot!("check-help", text(&out.stdout));
}

#[test]
fn list_stats_and_modes_show_what_a_client_receives() {
    let out = mcpgen(&["list", "--stats", "corpus/github/api.github.com.json"]);
    let stats = text(&out.stdout);
    assert!(out.status.success(), "{stats}");
    assert!(
        stats.contains("offered as: discover (1223 operations"),
        "{stats}"
    );
    let discover = stats.lines().find(|l| l.starts_with("discover")).unwrap();
    let tokens: usize = discover.split_whitespace().last().unwrap().parse().unwrap();
    assert!(tokens < 2000, "{discover}");

    let out = mcpgen(&["list", "--json", "corpus/github/api.github.com.json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["search_operations", "describe_operations", "call_operation"]
    );

    let out = mcpgen(&[
        "list",
        "--json",
        "--tools",
        "all",
        "--tag",
        "pulls",
        "--method",
        "get",
        "corpus/github/api.github.com.json",
    ]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tools = list["tools"].as_array().unwrap();
    assert!(tools.len() > 5 && tools.len() < 40, "{}", tools.len());
    assert!(
        tools
            .iter()
            .all(|t| t["annotations"]["readOnlyHint"] == true)
    );

    let out = mcpgen(&[
        "list",
        "--tag",
        "no-such-tag",
        "corpus/github/api.github.com.json",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("none of the 1223 operations matches"),
        "{}",
        text(&out.stderr)
    );
    let out = mcpgen(&[
        "list",
        "--tools",
        "some",
        "corpus/github/api.github.com.json",
    ]);
    assert!(
        text(&out.stderr).contains("expected auto, all or discover"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn audit_verify_names_the_first_bad_line() {
    use mcpgen_runtime::audit::{AuditEvent, AuditLog};
    let dir = std::env::temp_dir().join(format!("mcpgen-audit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    let log = AuditLog::open(&path, Some(b"k3y".to_vec())).unwrap();
    for tool in ["a", "b", "c"] {
        log.record(&AuditEvent {
            tool: tool.into(),
            decision: "allow",
            outcome: "ok",
            ..AuditEvent::default()
        });
    }
    drop(log);
    let verify = |key: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcpgen"));
        command.args(["audit", "verify"]).arg(&path);
        if let Some(key) = key {
            command
                .args(["--key-env", "AUDIT_KEY"])
                .env("AUDIT_KEY", key);
        }
        command.output().unwrap()
    };
    let ok = verify(Some("k3y"));
    assert!(ok.status.success(), "{}", text(&ok.stdout));
    assert!(
        text(&ok.stdout).contains("ok, 3 lines"),
        "{}",
        text(&ok.stdout)
    );
    let wrong_key = verify(Some("other"));
    assert!(!wrong_key.status.success());
    assert!(
        text(&wrong_key.stdout).contains("line 1"),
        "{}",
        text(&wrong_key.stdout)
    );

    let original = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    for (what, changed, line) in [
        (
            "an edit",
            original.replacen("\"tool\":\"c\"", "\"tool\":\"x\"", 1),
            3,
        ),
        ("a deletion", [lines[0], lines[2]].join("\n"), 2),
        ("a reorder", [lines[1], lines[0], lines[2]].join("\n"), 1),
    ] {
        std::fs::write(&path, changed).unwrap();
        let out = verify(Some("k3y"));
        assert!(!out.status.success(), "{what}");
        assert!(
            text(&out.stdout).contains(&format!("line {line}:")),
            "{what}: {}",
            text(&out.stdout)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn generate_keeps_files_it_did_not_write_and_refuses_foreign_folders() {
    let scratch = std::env::temp_dir().join(format!("mcpgen-generate-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let out = scratch.join("crate");
    let out_arg = out.to_str().unwrap();
    let generate = |extra: &[&str]| {
        let mut args = vec![
            "generate",
            "corpus/swagger-petstore3/openapi.yaml",
            "-o",
            out_arg,
        ];
        args.extend_from_slice(extra);
        mcpgen(&args)
    };

    let first = generate(&[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("crate `swagger-petstore3-mcp` (19 tools)"));

    // A file of the user's, and a generated file that will no longer be produced.
    std::fs::write(out.join("src/custom.rs"), "// mine\n").unwrap();
    let stale = out.join("src/tools/gone.rs");
    std::fs::write(&stale, "// @generated by mcpgen from `x`\n").unwrap();
    let again = generate(&[]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("0 written") && text(&again.stderr).contains("1 removed"),
        "{}",
        text(&again.stderr)
    );
    assert!(out.join("src/custom.rs").exists(), "a user's file is kept");
    assert!(
        !stale.exists(),
        "a generated file no longer produced is removed"
    );

    // Only the pet operations: the other tag modules go.
    let fewer = generate(&["--tag", "pet"]);
    assert!(fewer.status.success(), "{}", text(&fewer.stderr));
    assert!(!out.join("src/tools/store.rs").exists());
    assert!(out.join("src/tools/pet.rs").exists());

    // A folder holding something else is refused, and nothing is written into it.
    let foreign = scratch.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
    let refused = mcpgen(&[
        "generate",
        "corpus/swagger-petstore3/openapi.yaml",
        "-o",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("holds a crate mcpgen did not generate"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!foreign.join("src").exists());

    let bad_name = generate(&["--name", "9 lives"]);
    assert_eq!(bad_name.status.code(), Some(1));
    assert!(
        text(&bad_name.stderr).contains("is not a crate name"),
        "{}",
        text(&bad_name.stderr)
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
