//! Typed arguments: what a generated crate's per-tool `Arguments` structs stand on.
//!
//! A generated server checks every call's validated arguments by reading them into the tool's
//! struct and writing them back ([`round_trip`]), so the Rust types a user reads and edits are
//! the ones every call passes through. The structs are written so that the round trip gives
//! the same arguments back (numbers stay [`serde_json::Number`], unknown members are kept,
//! a `null` stays a `null`), which the parity tests check against `mcpgen serve`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::model::Tool;
use crate::request::{Target, UpstreamRequest};

/// Sees each call's arguments after validation and before the request is built; an error is
/// the call's tool error. A generated crate's `typed_arguments` is one.
pub type ArgumentsCheck =
    fn(tool: &str, arguments: Map<String, Value>) -> Result<Map<String, Value>, String>;

/// Reads `arguments` into `T` and writes them back, so that a call passes through its tool's
/// Rust type; the error names the tool and what did not fit.
pub fn round_trip<T: DeserializeOwned + Serialize>(
    tool: &str,
    arguments: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let typed: T = serde_json::from_value(Value::Object(arguments))
        .map_err(|e| format!("the arguments of `{tool}` do not fit its Rust type: {e}"))?;
    match serde_json::to_value(typed) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("the arguments of `{tool}` are not an object")),
        Err(e) => Err(format!("the arguments of `{tool}` cannot be written: {e}")),
    }
}

/// The HTTP request a tool sends for typed `arguments`, built exactly as the server builds it
/// (the operator's fixed and default arguments included; credentials are added when sent).
pub fn build_request<T: Serialize>(
    tool: &Tool,
    arguments: &T,
    target: &Target,
) -> Result<UpstreamRequest, String> {
    let arguments = match serde_json::to_value(arguments) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(format!(
                "the arguments of `{}` are not an object",
                tool.name
            ));
        }
        Err(e) => {
            return Err(format!(
                "the arguments of `{}` cannot be written: {e}",
                tool.name
            ));
        }
    };
    let arguments = tool.with_operator_arguments(arguments);
    crate::request::build(tool, &arguments, target).map_err(|e| e.to_string())
}

/// For an optional member whose value may be `null`: present-but-null reads as
/// `Some(Value::Null)`, so it is written back instead of being dropped like an absent one.
/// Use with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize, Deserialize)]
    struct Example {
        #[serde(rename = "petId")]
        pet_id: serde_json::Number,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        note: Option<Value>,
        #[serde(flatten)]
        other: Map<String, Value>,
    }

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn a_round_trip_gives_the_same_arguments() {
        for arguments in [
            json!({"petId": 7}),
            json!({"petId": 7.5, "name": "Rex"}),
            json!({"petId": -3, "note": null}),
            json!({"petId": 1e3, "note": {"a": [1, 2]}, "extra": "kept"}),
        ] {
            let back = round_trip::<Example>("t", object(arguments.clone())).expect("fits");
            assert_eq!(Value::Object(back), arguments);
        }
    }

    #[test]
    fn a_misfit_names_the_tool() {
        let error = round_trip::<Example>("getPet", object(json!({"petId": "seven"})))
            .expect_err("a string is not a number");
        assert!(error.contains("`getPet`"), "{error}");
        assert!(error.contains("invalid type"), "{error}");
    }
}
