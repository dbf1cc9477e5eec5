//! The tools of every small document, snapshotted: a reviewed record of what clients see.
//! Review changes with `cargo insta review`.

use crate::util::{corpus, load_spec, small};

#[test]
fn tools_of_small_documents() {
    for entry in corpus().into_iter().filter(small) {
        let outcome = load_spec(&entry.path);
        let api = outcome.api.unwrap_or_else(|| panic!("{} loads", entry.id));
        let tools = mcpgen_runtime::tools_list::tools_json(&api);
        insta::assert_json_snapshot!(format!("tools-{}", entry.id), tools);
    }
}

#[test]
fn models_of_small_documents() {
    for entry in corpus().into_iter().filter(small) {
        let outcome = load_spec(&entry.path);
        let mut api = outcome.api.unwrap_or_else(|| panic!("{} loads", entry.id));
        // The schemas are in the tools snapshot already; this one shows the request mapping.
        for tool in &mut api.tools {
            tool.input_schema.clear();
            tool.input_defs.clear();
            tool.output_schema = None;
            tool.output_defs.clear();
        }
        api.input_defs.clear();
        api.output_defs.clear();
        insta::assert_json_snapshot!(format!("model-{}", entry.id), api);
    }
}
