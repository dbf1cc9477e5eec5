//! Arguments checked against a tool's input schema before any request is built, and results
//! checked against its output schema before they become `structuredContent`.
//!
//! Validators are compiled on a tool's first call and kept: a server for GitHub's 1,223 tools
//! starts without compiling 1,223 schemas, and a hot tool pays for its validator once.

use crate::model::Api;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// One lazily compiled validator per tool and direction.
pub struct Validators {
    inputs: Vec<OnceLock<Result<jsonschema::Validator, String>>>,
    outputs: Vec<OnceLock<Option<jsonschema::Validator>>>,
}

impl Validators {
    /// Room for every tool of `api`; nothing is compiled yet.
    pub fn new(api: &Api) -> Self {
        Validators {
            inputs: (0..api.tools.len()).map(|_| OnceLock::new()).collect(),
            outputs: (0..api.tools.len()).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Checks a call's arguments. The error names every bad argument and what was expected,
    /// one per line, in words a model can act on.
    pub fn check_input(
        &self,
        api: &Api,
        tool: usize,
        args: &Map<String, Value>,
    ) -> Result<(), String> {
        let validator = self.inputs[tool].get_or_init(|| {
            let schema = Value::Object(api.input_schema(&api.tools[tool]));
            jsonschema::draft202012::new(&schema)
                .map_err(|e| format!("the tool's input schema cannot be compiled: {e}"))
        });
        let validator = validator.as_ref().map_err(Clone::clone)?;
        let instance = Value::Object(args.clone());
        let problems: Vec<String> = validator
            .iter_errors(&instance)
            .take(20)
            .map(|e| {
                let path = e.instance_path().to_string();
                let place = if path.is_empty() {
                    "arguments".to_string()
                } else {
                    format!("argument `{}`", pointer_to_dotted(&path))
                };
                format!("- {place}: {e}")
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "Invalid arguments for `{}`:\n{}",
                api.tools[tool].name,
                problems.join("\n")
            ))
        }
    }

    /// Whether a result conforms to the tool's output schema (true when it declares none, or
    /// when the schema cannot be compiled: the result is then returned unstructured anyway).
    pub fn output_matches(&self, api: &Api, tool: usize, value: &Value) -> bool {
        let validator = self.outputs[tool].get_or_init(|| {
            let schema = Value::Object(api.output_schema(&api.tools[tool])?);
            jsonschema::draft202012::new(&schema).ok()
        });
        match validator {
            Some(v) => v.is_valid(value),
            None => api.tools[tool].output_schema.is_none(),
        }
    }
}

/// `/body/items/0/name` as `body.items[0].name`, the way people write argument paths.
fn pointer_to_dotted(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}
