//! OpenAPI Overlay 1.0: an overlay trims and rewords a real document before it becomes tools,
//! every kind of mistake in an overlay gets a precise error, and a target that selects nothing
//! is a warning.

use crate::util::specs;
use mcpgen_codegen::overlay::Overlay;
use mcpgen_codegen::{Diagnostic, LoadOptions, Outcome, load_with_overlays};
use serde_json::json;
use std::path::Path;

fn petstore() -> std::path::PathBuf {
    specs().join("corpus/swagger-petstore3/openapi.yaml")
}

fn load_petstore_with(overlay: &Path) -> Outcome {
    let overlay = Overlay::read(overlay).expect("the overlay is valid");
    load_with_overlays(
        &petstore(),
        &LoadOptions::default().with_ref_root(specs()),
        &[overlay],
    )
}

#[test]
fn petstore_agent_overlay_removes_rewords_and_narrows() {
    let outcome = load_petstore_with(&specs().join("overlays/petstore-agent.yaml"));
    assert!(outcome.diagnostics.is_empty(), "{:#?}", outcome.diagnostics);
    let api = outcome.api.expect("the document loads");
    let names: Vec<&str> = api.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "updatePet",
            "addPet",
            "findPetsByStatus",
            "findPetsByTags",
            "getPetById",
            "updatePetWithForm",
            "uploadFile",
            "getInventory",
            "placeOrder",
            "getOrderById",
        ]
    );

    let by_status = &api.tools[2];
    assert_eq!(
        by_status.description,
        "Pets in one state of the sale.\n\nLists the pets that are available or pending; sold pets are not shown."
    );
    assert_eq!(
        api.input_schema(by_status)["properties"]["status"],
        json!({
            "type": "string",
            "default": "pending",
            "enum": ["available", "pending"],
            "description": "Status values that need to be considered for filter"
        })
    );

    // The tag is appended to every GET's tags, and only to those.
    for tool in &api.tools {
        let tagged = tool.tags.iter().any(|t| t == "agent-safe");
        assert_eq!(
            tagged,
            tool.method.as_str() == "GET",
            "{}: {:?}",
            tool.name,
            tool.tags
        );
    }
    assert_eq!(api.tools[4].tags, ["pet", "agent-safe"]);
}

#[test]
fn without_overlays_the_document_is_unchanged() {
    let outcome = load_with_overlays(
        &petstore(),
        &LoadOptions::default().with_ref_root(specs()),
        &[],
    );
    let api = outcome.api.expect("the document loads");
    assert_eq!(api.tools.len(), 19);
    assert!(api.tools.iter().any(|t| t.name == "deleteUser"));
}

#[test]
fn a_target_that_selects_nothing_is_a_warning() {
    let overlay = specs().join("overlays/no-match.yaml");
    let outcome = load_petstore_with(&overlay);
    let name = overlay.display().to_string();
    let found: Vec<(&str, Option<usize>, bool)> = outcome
        .diagnostics
        .iter()
        .map(|d| (d.file.as_deref().unwrap_or_default(), d.line, d.is_error()))
        .collect();
    assert_eq!(found, [(name.as_str(), Some(9), false)]);
    assert!(
        outcome.diagnostics[0]
            .message
            .contains("`target: $.paths['/pets'].get` selects nothing"),
        "{}",
        outcome.diagnostics[0]
    );
    // The other action still applies and the document still loads.
    let api = outcome.api.expect("a warning does not stop loading");
    assert_eq!(api.tools.len(), 19);
    assert!(outcome.files.iter().any(|f| f.name == name));
}

#[test]
fn overlay_mistakes_get_precise_errors() {
    // (file, line, what the message or help says)
    let cases = [
        ("version-1.1.yaml", 2, "unsupported overlay version `1.1.0`"),
        (
            "version-number.yaml",
            2,
            "`overlay` must be a version string, found a number `1.0`",
        ),
        ("missing-info.yaml", 2, "missing field `info`"),
        ("info-without-version.yaml", 3, "`info` has no `version`"),
        ("empty-actions.yaml", 4, "`actions` is empty"),
        (
            "action-does-nothing.yaml",
            7,
            "has neither `update` nor `remove: true`",
        ),
        (
            "bad-jsonpath.yaml",
            7,
            "`target: $.paths['/pet'` is not a valid JSONPath expression",
        ),
        (
            "remove-not-boolean.yaml",
            6,
            "`remove` must be a boolean, found the string `yes`",
        ),
        (
            "misspelt-field.yaml",
            5,
            "unknown field `tagret` in an action",
        ),
        ("missing-target.yaml", 5, "the action has no `target`"),
        (
            "openapi-document.yaml",
            2,
            "this is an API description, not an overlay",
        ),
        ("not-yaml.yaml", 4, "not valid YAML or JSON"),
    ];
    let mut failures = Vec::new();
    for (file, line, expected) in cases {
        let path = specs().join("overlays/bad").join(file);
        match Overlay::read(&path) {
            Ok(_) => failures.push(format!("{file}: read without error")),
            Err(d) => {
                let said = format!("{} {}", d.message, d.help.clone().unwrap_or_default());
                let placed = d.file.as_deref() == Some(path.display().to_string().as_str());
                if !said.contains(expected) || d.line != Some(line) || !placed || !d.is_error() {
                    failures.push(format!(
                        "{file}: expected line {line} and {expected:?}, got {:?} line {:?}: {said}",
                        d.file, d.line
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unreadable_overlay_is_an_error_not_a_panic() {
    let error: Diagnostic = Overlay::read(&specs().join("overlays/nowhere.yaml")).unwrap_err();
    assert!(error.is_error());
    assert!(error.message.starts_with("cannot read"), "{error}");
}
