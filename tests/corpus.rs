//! Every real-world document of the corpus loads, with one tool per operation, and what it
//! cannot turn into tools (webhooks, callbacks) is reported.

use crate::util::{corpus, load_spec};

#[test]
fn every_corpus_document_loads_with_one_tool_per_operation() {
    let mut failures = Vec::new();
    for entry in corpus() {
        let outcome = load_spec(&entry.path);
        let Some(api) = &outcome.api else {
            let errors: Vec<String> = outcome
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .take(3)
                .map(|d| d.to_string())
                .collect();
            failures.push(format!(
                "{}: did not load:\n{}",
                entry.id,
                errors.join("\n")
            ));
            continue;
        };
        if api.tools.len() != entry.operations {
            failures.push(format!(
                "{}: {} tools for {} operations",
                entry.id,
                api.tools.len(),
                entry.operations
            ));
        }
        let has = |code: &str| outcome.diagnostics.iter().any(|d| d.code == code);
        if entry.webhook_ops > 0 && !has("webhooks") {
            failures.push(format!(
                "{}: {} webhook operations not reported",
                entry.id, entry.webhook_ops
            ));
        }
        if entry.callbacks > 0 && !has("callbacks") {
            failures.push(format!("{}: callbacks not reported", entry.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn loading_is_deterministic() {
    for id in [
        "readme-polymorphism",
        "readme-circular",
        "swagger20-petstore-separate",
        "kubernetes",
    ] {
        let entry = corpus().into_iter().find(|e| e.id == id).unwrap();
        let first = serde_json::to_string(&load_spec(&entry.path).api).unwrap();
        let second = serde_json::to_string(&load_spec(&entry.path).api).unwrap();
        assert!(first == second, "{id}: two loads gave different models");
    }
}

#[test]
fn multi_file_refs_are_resolved_into_defs() {
    let entry = corpus()
        .into_iter()
        .find(|e| e.id == "swagger20-petstore-separate")
        .unwrap();
    let api = load_spec(&entry.path).api.expect("loads");
    let text = serde_json::to_string(&api).unwrap();
    assert!(
        !text.contains("Error.yaml"),
        "a file $ref survived into the model"
    );
    let tool = api
        .tools
        .iter()
        .find(|t| t.name == "findPets")
        .expect("findPets");
    let output = tool.output_schema.as_ref().expect("findPets returns JSON");
    assert_eq!(
        output["properties"]["result"]["items"]["$ref"],
        "#/$defs/Pet"
    );
}

#[test]
fn recursive_schemas_become_one_def_each() {
    let entry = corpus()
        .into_iter()
        .find(|e| e.id == "readme-circular")
        .unwrap();
    let api = load_spec(&entry.path).api.expect("loads");
    let mut defs_seen = 0;
    for tool in &api.tools {
        let schema = api.input_schema(tool);
        let Some(defs) = schema.get("$defs").and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, def) in defs {
            defs_seen += 1;
            let text = def.to_string();
            assert!(
                text.len() < 20_000,
                "{}: $defs/{name} is {} bytes: inlined?",
                tool.name,
                text.len()
            );
            // Each definition refers to others by name instead of containing them.
            assert!(
                !text.contains("\"$defs\""),
                "{}: $defs/{name} nests $defs",
                tool.name
            );
        }
    }
    assert!(
        defs_seen > 0,
        "the circular schemas are shared through $defs"
    );
}

#[test]
fn tool_names_follow_the_configured_limit() {
    let entry = corpus().into_iter().find(|e| e.id == "github").unwrap();
    let options = mcpgen_codegen::LoadOptions::default().with_max_tool_name_len(60);
    let api = mcpgen_codegen::load(&entry.path, &options)
        .api
        .expect("loads");
    let mut seen = std::collections::HashSet::new();
    for tool in &api.tools {
        assert!(tool.name.len() <= 60, "{} is longer than 60", tool.name);
        assert!(
            seen.insert(tool.name.clone()),
            "{} is not unique",
            tool.name
        );
    }
    assert!(
        api.tools.iter().any(|t| t.name.len() == 60),
        "some GitHub names had to be cut"
    );
}
