//! mcpgen.yaml: filters, renames and argument rules applied to real documents, several
//! sources merged, and a precise error for each kind of mistake.

use crate::util::{call_tool, specs};
use mcpgen_codegen::project::{SCHEMA, load_any};
use mcpgen_codegen::{Diagnostic, LoadOptions, Outcome};
use mcpgen_runtime::credentials::{Credentials, CredentialsConfig};
use mcpgen_runtime::model::Api;
use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn load(path: &Path) -> Outcome {
    load_any(path, &LoadOptions::default().with_ref_root(specs()))
}

fn loaded(path: &Path) -> Api {
    let outcome = load(path);
    let errors: Vec<&Diagnostic> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    outcome.api.expect("the project loads")
}

#[test]
fn filtering_github_by_tag_keeps_exactly_its_operations() {
    let api = loaded(&specs().join("projects/github-pulls.yaml"));
    // Worked out from the raw document, independently of the loader.
    let text = std::fs::read_to_string(specs().join("corpus/github/api.github.com.json")).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    let mut expected = BTreeSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for (method, operation) in item.as_object().unwrap() {
            let tagged = operation["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t == "pulls"));
            if method != "parameters" && tagged {
                expected.insert(operation["operationId"].as_str().unwrap().to_string());
            }
        }
    }
    let got: BTreeSet<String> = api
        .tools
        .iter()
        .map(|t| t.operation_id.clone().unwrap())
        .collect();
    assert_eq!(got, expected);
    assert!(got.len() > 20, "{}", got.len());
}

#[tokio::test]
async fn petstore_changes_reach_tools_list_and_requests() {
    let api = loaded(&specs().join("projects/petstore.yaml"));
    let names: Vec<&str> = api.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "shop_updatePet",
            "shop_addPet",
            "shop_pets_by_status",
            "shop_findPetsByTags",
            "shop_getPetById",
            "shop_updatePetWithForm",
            "shop_deletePet",
            "shop_getInventory",
            "shop_placeOrder",
            "shop_getOrderById",
        ]
    );
    let by_status = &api.tools[2];
    assert_eq!(by_status.description, "Pets in one state of the sale.");
    assert_eq!(
        by_status.input_schema["properties"]["status"],
        json!({"type": "string", "default": "pending", "enum": ["available", "pending"], "description": "Status values that need to be considered for filter"})
    );
    let by_id = &api.tools[4];
    assert!(
        by_id.input_schema["properties"]
            .as_object()
            .unwrap()
            .is_empty(),
        "a fixed argument is hidden: {:?}",
        by_id.input_schema
    );
    assert!(!by_id.input_schema.contains_key("required"));

    // Requests: the default fills a missing argument, the fixed value is always sent, and
    // the model can neither pass a value outside the narrowed enum nor the fixed argument.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = std::sync::Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = std::sync::Arc::clone(&record);
        async move {
            record.lock().unwrap().push(request.uri().to_string());
            axum::Json(json!({}))
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = CredentialsConfig::parse(
        "credentials:\n  petstore_auth: { command: [echo, token-for-the-test] }\n",
        "credentials.yaml",
        Path::new("."),
    )
    .unwrap();
    let server = McpServer::new(
        api.clone(),
        ServeOptions {
            target: Target {
                base_url: Some(url),
                ..Default::default()
            },
            credentials: std::sync::Arc::new(Credentials::new(&api, &config).unwrap()),
            ..Default::default()
        },
    );
    let call = |name: &'static str, args: Value| call_tool(&server, name, args);
    let first = call("shop_pets_by_status", json!({})).await;
    assert_eq!(first["isError"], false, "{first}");
    call("shop_pets_by_status", json!({"status": "available"})).await;
    let sold = call("shop_pets_by_status", json!({"status": "sold"})).await;
    assert_eq!(sold["isError"], true, "{sold}");
    call("shop_getPetById", json!({})).await;
    let pinned = call("shop_getPetById", json!({"petId": 8})).await;
    assert_eq!(pinned["isError"], true, "{pinned}");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "/pet/findByStatus?status=pending",
            "/pet/findByStatus?status=available",
            "/pet/7"
        ]
    );
}

#[test]
fn two_sources_merge_with_prefixes_and_distinct_definitions() {
    let dir = std::env::temp_dir().join(format!("mcpgen-project-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = specs().join("corpus").canonicalize().unwrap();
    std::fs::write(
        dir.join("mcpgen.yaml"),
        format!(
            "sources:\n  - openapi: {0}/swagger-petstore3/openapi.yaml\n    prefix: v3_\n    base_url: http://127.0.0.1:1/v3\n  - openapi: {0}/oai-examples/v3.0/petstore.yaml\n    prefix: v2_\n",
            corpus.display()
        ),
    )
    .unwrap();
    let api = loaded(&dir.join("mcpgen.yaml"));
    let v3 = api
        .tools
        .iter()
        .filter(|t| t.name.starts_with("v3_"))
        .count();
    let v2 = api
        .tools
        .iter()
        .filter(|t| t.name.starts_with("v2_"))
        .count();
    assert_eq!((v3, v2), (19, 3));
    assert!(
        api.tools
            .iter()
            .filter(|t| t.name.starts_with("v3_"))
            .all(|t| t.servers[0].url == "http://127.0.0.1:1/v3")
    );
    // Both documents define `Pet` differently: each tool still reaches its own.
    assert!(api.input_defs.contains_key("Pet") && api.input_defs.contains_key("Pet_2"));
    for tool in &api.tools {
        let schema = Value::Object(api.input_schema(tool));
        let text = schema.to_string();
        for reference in text.split("\"$ref\":\"#/$defs/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                schema["$defs"].get(name).is_some(),
                "{}: dangling {name}",
                tool.name
            );
        }
    }
    let v2_defs: Vec<&String> = api
        .tools
        .iter()
        .filter(|t| t.name.starts_with("v2_"))
        .flat_map(|t| t.input_defs.iter().chain(&t.output_defs))
        .collect();
    assert!(v2_defs.contains(&&"Pet_2".to_string()), "{v2_defs:?}");
    assert!(!v2_defs.contains(&&"Pet".to_string()), "{v2_defs:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each bad file gives one error at the right line, saying what is wrong.
#[test]
fn mistakes_get_precise_errors() {
    let dir = std::env::temp_dir().join(format!("mcpgen-bad-project-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let petstore = specs()
        .join("corpus/swagger-petstore3/openapi.yaml")
        .canonicalize()
        .unwrap();
    let pet = petstore.display();
    let cases: Vec<(&str, String, usize, &str)> = vec![
        (
            "unknown top-level key",
            format!("source:\n  - openapi: {pet}\n"),
            1,
            "did you mean `sources`?",
        ),
        (
            "misspelt source key",
            format!("sources:\n  - openapi: {pet}\n    prefx: a_\n"),
            3,
            "did you mean `prefix`?",
        ),
        (
            "no document",
            "sources:\n  - prefix: a_\n".to_string(),
            2,
            "a source needs exactly one of",
        ),
        (
            "empty sources",
            "sources: []\n".to_string(),
            1,
            "`sources` is empty",
        ),
        (
            "missing document",
            "sources:\n  - openapi: nowhere.yaml\n".to_string(),
            2,
            "did not load",
        ),
        (
            "unknown operation",
            format!("sources:\n  - openapi: {pet}\n    tools:\n      getPetByID: {{ name: x }}\n"),
            4,
            "did you mean `getPetById`?",
        ),
        (
            "unknown argument",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      getPetById:\n        arguments:\n          petid: {{ fixed: 1 }}\n"
            ),
            6,
            "has no argument `petid`",
        ),
        (
            "fixed value of the wrong type",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      getPetById:\n        arguments:\n          petId: {{ fixed: seven }}\n"
            ),
            6,
            "does not fit its schema",
        ),
        (
            "enum value outside the schema",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      findPetsByStatus:\n        arguments:\n          status: {{ enum: [available, lost] }}\n"
            ),
            6,
            "the enum value \"lost\"",
        ),
        (
            "default outside the enum",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      findPetsByStatus:\n        arguments:\n          status: {{ enum: [available], default: sold }}\n"
            ),
            6,
            "not one of its `enum` values",
        ),
        (
            "fixed and default together",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      getPetById:\n        arguments:\n          petId: {{ fixed: 1, default: 2 }}\n"
            ),
            6,
            "`fixed` hides the argument",
        ),
        (
            "bad tool name",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      getPetById: {{ name: get pet }}\n"
            ),
            4,
            "expected 1 to 64 letters",
        ),
        (
            "bad prefix",
            format!("sources:\n  - openapi: {pet}\n    prefix: 'a b'\n"),
            3,
            "may hold only letters",
        ),
        (
            "relative base URL",
            format!("sources:\n  - openapi: {pet}\n    base_url: /v3\n"),
            3,
            "absolute http(s) URL",
        ),
        (
            "clashing tool names",
            format!("sources:\n  - openapi: {pet}\n  - openapi: {pet}\n"),
            3,
            "comes from both",
        ),
        (
            "path pattern without a slash",
            format!("sources:\n  - openapi: {pet}\n    include: {{ paths: [pet] }}\n"),
            3,
            "must start with `/`",
        ),
        (
            "unknown method",
            format!("sources:\n  - openapi: {pet}\n    include: {{ methods: [FETCH] }}\n"),
            3,
            "FETCH",
        ),
        (
            "duplicate key",
            format!("sources:\n  - openapi: {pet}\n    prefix: a_\n    prefix: b_\n"),
            4,
            "duplicate",
        ),
        (
            "not a boolean",
            format!("sources:\n  - openapi: {pet}\n    include: {{ read_only: yes }}\n"),
            3,
            "bool",
        ),
        (
            "empty enum",
            format!(
                "sources:\n  - openapi: {pet}\n    tools:\n      findPetsByStatus:\n        arguments:\n          status: {{ enum: [] }}\n"
            ),
            6,
            "`enum` is empty",
        ),
        (
            "a source with two kinds",
            format!("sources:\n  - openapi: {pet}\n    sql:\n      connection: {{ env: A }}\n      tools: []\n"),
            2,
            "exactly one of `openapi: FILE`, `rest:` or `sql:`",
        ),
        (
            "REST base URL not absolute",
            "sources:\n  - rest:\n      base_url: /v1\n      tools: []\n".to_string(),
            3,
            "`base_url` must be an absolute http(s) URL",
        ),
        (
            "misspelt schema keyword",
            "sources:\n  - rest:\n      base_url: http://h\n      tools:\n        - name: t\n          description: d\n          url: /x/{id}\n          parameters:\n            id: { type: string, minimun: 1 }\n".to_string(),
            9,
            "did you mean `minimum`?",
        ),
        (
            "URL slot without a parameter",
            "sources:\n  - rest:\n      base_url: http://h\n      tools:\n        - name: t\n          description: d\n          url: /x/{id}\n".to_string(),
            7,
            "`parameters` has no `id`",
        ),
        (
            "auth names an undefined scheme",
            "sources:\n  - rest:\n      base_url: http://h\n      auth: key\n      tools: []\n".to_string(),
            4,
            "which `schemes` does not define",
        ),
        (
            "body template with an unknown argument",
            "sources:\n  - rest:\n      base_url: http://h\n      tools:\n        - name: t\n          description: d\n          method: POST\n          url: /x\n          body: { a: \"{{nope}}\" }\n".to_string(),
            9,
            "`parameters` has no `nope`",
        ),
        (
            "connection from two places",
            "sources:\n  - sql:\n      connection: { env: A, file: b }\n      tools: []\n".to_string(),
            3,
            "expected exactly one of `env: VARIABLE`",
        ),
        (
            "placeholder without a parameter",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools:\n        - name: t\n          description: d\n          statement: SELECT :x\n".to_string(),
            7,
            "`parameters` has no `x`",
        ),
        (
            "unused SQL parameter",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools:\n        - name: t\n          description: d\n          statement: SELECT 1\n          parameters:\n            x: { type: integer }\n".to_string(),
            9,
            "is not used",
        ),
        (
            "a write without `write: true`",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools:\n        - name: t\n          description: d\n          statement: DELETE FROM t\n".to_string(),
            7,
            "add `write: true`",
        ),
        (
            "row limit out of range",
            "sources:\n  - sql:\n      connection: { env: A }\n      max_rows: 0\n      tools: []\n".to_string(),
            4,
            "expected 1 to 10000",
        ),
        (
            "engine placeholder",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools:\n        - name: t\n          description: d\n          statement: SELECT * FROM t WHERE a = ?\n".to_string(),
            7,
            "not `?`",
        ),
        (
            "overlays without a document",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools: []\n    overlays: [a.yaml]\n".to_string(),
            5,
            "they need `openapi: FILE`",
        ),
        (
            "SQL parameter of an unbindable type",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools:\n        - name: t\n          description: d\n          statement: SELECT :x\n          parameters:\n            x: { type: array }\n".to_string(),
            9,
            "expected `type` string",
        ),
        (
            "two statements in one tool",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools:\n        - name: t\n          description: d\n          statement: SELECT 1; DELETE FROM t\n".to_string(),
            7,
            "a tool runs one statement",
        ),
        (
            "URL slot filled from the query",
            "sources:\n  - rest:\n      base_url: http://h\n      tools:\n        - name: t\n          description: d\n          url: /x/{id}\n          parameters:\n            id: { in: query, type: string }\n".to_string(),
            9,
            "must be `in: path`",
        ),
        (
            "policy credentials naming no scheme",
            format!("sources:\n  - openapi: {pet}\npolicy:\n  rules:\n    - name: keys\n      credentials: [api_keys]\n"),
            4,
            "`credentials` names `api_keys`, which is not a security scheme of the sources; they are: api_key, petstore_auth",
        ),
        (
            "policy pattern that is not a regular expression",
            format!("sources:\n  - openapi: {pet}\npolicy:\n  rules:\n    - name: ids\n      arguments:\n        petId: {{ pattern: \"(\" }}\n"),
            4,
            "policy rule `ids`: the pattern of `petId` is not a regular expression",
        ),
        (
            "audit to an undeclared database",
            "sources:\n  - sql:\n      database: sales\n      connection: { env: A }\n      tools: []\naudit:\n  database: warehouse\n".to_string(),
            7,
            "no `sql:` source declares the database `warehouse`",
        ),
        (
            "audit table that is not a plain identifier",
            "sources:\n  - sql:\n      database: sales\n      connection: { env: A }\n      tools: []\naudit:\n  database: sales\n  table: audit-trail\n".to_string(),
            8,
            "not a plain identifier",
        ),
        (
            "audit to a file and a database",
            "sources:\n  - sql:\n      database: sales\n      connection: { env: A }\n      tools: []\naudit: { file: a.jsonl, database: sales }\n".to_string(),
            6,
            "exactly one of `file: PATH` or `database: NAME`",
        ),
        (
            "audit table without a database",
            "sources:\n  - sql:\n      connection: { env: A }\n      tools: []\naudit: { file: a.jsonl, table: t }\n".to_string(),
            5,
            "`table` needs `database: NAME`",
        ),
    ];
    assert!(cases.len() >= 15);
    let mut failures = Vec::new();
    for (i, (kind, text, line, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i}.yaml"));
        std::fs::write(&path, text).unwrap();
        let outcome = mcpgen_codegen::project::load_project(
            &path,
            &LoadOptions::default().with_ref_root(specs()),
        );
        let error = outcome
            .diagnostics
            .iter()
            .filter(|d| d.file.as_deref() == Some(path.display().to_string().as_str()))
            .find(|d| d.is_error());
        match error {
            None => failures.push(format!(
                "{kind}: no error in the project file: {:?}",
                outcome.diagnostics
            )),
            Some(d) => {
                let said = format!("{} {}", d.message, d.help.clone().unwrap_or_default());
                if !said.contains(expected) || d.line != Some(*line) {
                    failures.push(format!(
                        "{kind}: expected line {line} and {expected:?}, got line {:?}: {said}",
                        d.line
                    ));
                }
            }
        }
        assert!(outcome.api.is_none(), "{kind}: loaded anyway");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_published_schema_accepts_the_examples_and_refuses_mistakes() {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for example in [
        "projects/github-pulls.yaml",
        "projects/petstore.yaml",
        "sales/mcpgen.yaml",
    ] {
        let text = std::fs::read_to_string(specs().join(example)).unwrap();
        let value: Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{example}: {errors:?}");
    }
    let typo: Value = json!({"sources": [{"openapi": "a.yaml", "prefx": "a_"}]});
    assert!(!validator.is_valid(&typo));
    let both: Value = json!({"sources": [{"openapi": "a.yaml", "tools": {"x": {"arguments": {"a": {"fixed": 1, "default": 2}}}}}]});
    assert!(!validator.is_valid(&both));
    let audit = |audit: Value| json!({"sources": [{"openapi": "a.yaml"}], "audit": audit});
    for good in [
        json!({"file": "audit.jsonl", "key_env": "K"}),
        json!({"database": "sales"}),
        json!({"database": "sales", "table": "audit_trail", "key_env": "K"}),
    ] {
        assert!(validator.is_valid(&audit(good.clone())), "{good}");
    }
    for bad in [
        json!({}),
        json!({"file": "a.jsonl", "database": "sales"}),
        json!({"file": "a.jsonl", "table": "t"}),
        json!({"database": "sales", "table": "Audit-Trail"}),
        json!({"database": "sales", "tabel": "t"}),
    ] {
        assert!(!validator.is_valid(&audit(bad.clone())), "{bad}");
    }
}

/// A REST tool written in mcpgen.yaml sends exactly the request it describes: path, query,
/// header, the body from its template, and the API key from the project's credentials.
#[tokio::test]
async fn rest_tools_send_the_request_they_describe() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    type Seen = (String, String, Vec<(String, String)>, String);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Seen>::new()));
    let record = std::sync::Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = std::sync::Arc::clone(&record);
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let headers = parts
                .headers
                .iter()
                .filter(|(n, _)| {
                    n.as_str().starts_with("x-") || *n == "content-type" || *n == "trace"
                })
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
                .collect();
            record.lock().unwrap().push((
                parts.method.to_string(),
                parts.uri.to_string(),
                headers,
                String::from_utf8(body.to_vec()).unwrap(),
            ));
            axum::Json(json!({"converted": 12.5}))
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = std::env::temp_dir().join(format!("mcpgen-rest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let project = format!(
        r#"sources:
  - rest:
      base_url: {url}/v2
      schemes:
        rates_key: {{ type: apiKey, in: header, name: X-Rates-Key }}
      auth: rates_key
      tools:
        - name: convert
          description: Converts an amount between two currencies.
          method: POST
          url: /convert/{{from}}
          parameters:
            from: {{ type: string, pattern: "^[A-Z]{{3}}$", description: ISO 4217 code }}
            to: {{ in: query, type: string, required: true }}
            trace: {{ in: header, type: string }}
            amount: {{ type: number, minimum: 0, required: true }}
            memo: {{ type: string }}
          body: {{ amount: "{{{{amount}}}}", note: "for {{{{memo}}}}", fixed: [1, "two"], memo: "{{{{memo}}}}" }}
        - name: rates
          description: Today's rates for one currency.
          url: /rates/{{base}}
          auth: []
          parameters:
            base: {{ type: string }}
            symbols: {{ type: array, items: {{ type: string }} }}
credentials:
  rates_key: {{ command: [echo, key-for-the-test] }}
"#
    );
    std::fs::write(dir.join("mcpgen.yaml"), project).unwrap();
    let api = loaded(&dir.join("mcpgen.yaml"));
    let convert = api.tools.iter().find(|t| t.name == "convert").unwrap();
    let schema = api.input_schema(convert);
    assert_eq!(
        schema["required"],
        json!(["from", "to", "amount"]),
        "path parameters are always required: {schema:?}"
    );
    assert_eq!(
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["from", "to", "trace", "amount", "memo"],
        "in the order the file writes them"
    );
    let text = std::fs::read_to_string(dir.join("mcpgen.yaml")).unwrap();
    let config = CredentialsConfig::parse_section(&text, "mcpgen.yaml", &dir).unwrap();
    let server = McpServer::new(
        api.clone(),
        ServeOptions {
            credentials: std::sync::Arc::new(Credentials::new(&api, &config).unwrap()),
            ..Default::default()
        },
    );
    let call = |name: &'static str, args: Value| call_tool(&server, name, args);
    let result = call(
        "convert",
        json!({"from": "EUR", "to": "USD", "amount": 10.5, "memo": "rent \"May\"", "trace": "t-1"}),
    )
    .await;
    assert_eq!(result["isError"], false, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("12.5"),
        "{result}"
    );
    let result = call("convert", json!({"from": "EUR", "to": "USD", "amount": 3})).await;
    assert_eq!(result["isError"], false, "{result}");
    let refused = call("convert", json!({"from": "../x", "to": "USD", "amount": 3})).await;
    assert_eq!(
        refused["isError"], true,
        "the pattern is checked: {refused}"
    );
    let result = call("rates", json!({"base": "a/b", "symbols": ["USD", "GBP"]})).await;
    assert_eq!(result["isError"], false, "{result}");

    let seen = seen.lock().unwrap().clone();
    let key = ("x-rates-key".to_string(), "key-for-the-test".to_string());
    let trace = ("trace".to_string(), "t-1".to_string());
    let json_type = ("content-type".to_string(), "application/json".to_string());
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0].0, "POST");
    assert_eq!(seen[0].1, "/v2/convert/EUR?to=USD");
    for header in [&key, &json_type, &trace] {
        assert!(seen[0].2.contains(header), "{header:?} in {:?}", seen[0].2);
    }
    let body: Value = serde_json::from_str(&seen[0].3).unwrap();
    assert_eq!(
        body,
        json!({"amount": 10.5, "note": "for rent \"May\"", "fixed": [1, "two"], "memo": "rent \"May\""})
    );
    let body: Value = serde_json::from_str(&seen[1].3).unwrap();
    assert_eq!(
        body,
        json!({"amount": 3, "note": "for ", "fixed": [1, "two"]}),
        "an absent argument leaves its member out"
    );
    assert_eq!(seen[2].0, "GET");
    assert_eq!(seen[2].1, "/v2/rates/a%2Fb?symbols=USD&symbols=GBP");
    assert!(!seen[2].2.contains(&key), "`auth: []` sends no key");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An Overlay 1.0 document named in mcpgen.yaml changes the document before the project's own
/// filters and renames apply.
#[test]
fn overlays_apply_before_the_projects_changes() {
    let dir = std::env::temp_dir().join(format!("mcpgen-overlaid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let specs = specs().canonicalize().unwrap();
    let project = format!(
        "sources:\n  - openapi: {}\n    overlays: [{}]\n    prefix: pets_\n    exclude: {{ methods: [POST] }}\n",
        specs
            .join("corpus/swagger-petstore3/openapi.yaml")
            .display(),
        specs.join("overlays/petstore-agent.yaml").display()
    );
    std::fs::write(dir.join("mcpgen.yaml"), project).unwrap();
    let api = loaded(&dir.join("mcpgen.yaml"));
    let names: Vec<&str> = api.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "pets_updatePet",
            "pets_findPetsByStatus",
            "pets_findPetsByTags",
            "pets_getPetById",
            "pets_getInventory",
            "pets_getOrderById",
        ]
    );
    assert_eq!(
        api.input_schema(&api.tools[1])["properties"]["status"]["enum"],
        json!(["available", "pending"])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
