//! OpenAPI Overlay 1.0 documents: changes to an API description kept outside it, so a
//! document someone else publishes can be trimmed and reworded for agents without editing it.
//!
//! ```yaml
//! overlay: 1.0.0
//! info: { title: Petstore for agents, version: 1.0.0 }
//! actions:
//!   - target: $.paths.*.delete          # RFC 9535 JSONPath
//!     remove: true
//!   - target: $.paths['/pet/findByStatus'].get
//!     update: { description: Pets in one state of the sale. }
//! ```
//!
//! [`Overlay::read`] checks the whole file first (every JSONPath included) and reports the
//! first mistake with its line; [`Overlay::apply`] then runs the actions in order on the
//! parsed document. An `update` merges into a selected object (nested objects merge, any
//! other value replaces what was there) and is appended to a selected array; `remove: true`
//! takes the selected nodes out of their parents. A target that selects nothing is a warning.

// Reading stops at the first mistake, so a `Diagnostic` is returned by value: boxing it would
// only make the API harder to use.
#![allow(clippy::result_large_err)]

use crate::diagnostic::Diagnostic;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use serde_json_path::JsonPath;
use serde_saphyr::Spanned;
use std::collections::HashSet;
use std::path::Path;

/// The diagnostic code of every overlay finding.
const CODE: &str = "overlay";

/// The largest overlay file read, in bytes; overlays are hand-written and small.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// How deeply an overlay may nest; deeper files are refused rather than risk the stack.
const MAX_DEPTH: usize = 64;

/// A checked Overlay 1.0 document, ready to apply to any number of API descriptions.
#[derive(Clone, Debug)]
pub struct Overlay {
    /// The file name diagnostics use, as given to [`Overlay::read`].
    pub file: String,
    /// `info.title`: what the overlay is for.
    pub title: String,
    /// `info.version`: which revision of the overlay this is.
    pub version: String,
    /// `extends`: the document the overlay was written for, if it says (not enforced: the
    /// caller chooses what to apply it to).
    pub extends: Option<String>,
    /// The changes, in the order they apply.
    pub actions: Vec<Action>,
    /// The file's text, so diagnostics can quote it.
    pub(crate) text: String,
}

/// One change: what it selects and what it does there.
#[derive(Clone, Debug)]
pub struct Action {
    /// The JSONPath expression, as written.
    pub target: String,
    /// The action's `description`, if any.
    pub description: Option<String>,
    /// The value merged into (objects) or appended to (arrays) every selected node.
    pub update: Option<Value>,
    /// Whether the selected nodes are removed; an `update` is then ignored, as the spec says.
    pub remove: bool,
    /// 1-based line of the action in the overlay file, for diagnostics.
    pub line: usize,
    /// 1-based column of the action in the overlay file.
    pub column: usize,
    path: JsonPath,
}

impl Overlay {
    /// Reads and checks an overlay file (YAML or JSON). The error names the file, line and
    /// column of the first mistake and what was expected there.
    pub fn read(path: &Path) -> Result<Overlay, Diagnostic> {
        let file = path.display().to_string();
        let io_error = |e: std::io::Error| {
            Diagnostic::error(CODE, format!("cannot read {file}: {e}"))
                .help("expected a readable Overlay 1.0 document (YAML or JSON)")
        };
        let size = std::fs::metadata(path).map_err(io_error)?.len();
        if size > MAX_BYTES {
            return Err(Diagnostic::error(
                CODE,
                format!("{file} is {size} bytes, over the {MAX_BYTES}-byte limit for an overlay"),
            ));
        }
        let bytes = std::fs::read(path).map_err(io_error)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Diagnostic::error(CODE, format!("{file} is not valid UTF-8"))
                .help("save the overlay as UTF-8")
        })?;
        Self::parse(&file, text)
    }

    /// [`Overlay::read`] on text already read; `file` is the name diagnostics use.
    pub fn parse(file: &str, text: String) -> Result<Overlay, Diagnostic> {
        let root = parse_tree(file, &text)?;
        let checked = Checker { file }.overlay(&root)?;
        Ok(Overlay { text, ..checked })
    }

    /// Applies every action in order to `document`, each to the result of the one before.
    /// Returns a warning for each target that selects nothing and an error for each action
    /// that cannot apply (an `update` that does not fit the node it selects, removing the
    /// whole document); the actions that can apply still do.
    pub fn apply(&self, document: &mut Value) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        for action in &self.actions {
            let at = |d: Diagnostic| d.at_line(&self.file, action.line, action.column);
            let selected = selected(&action.path, document);
            if selected.is_empty() {
                diagnostics.push(at(Diagnostic::warning(
                    CODE,
                    format!("`target: {}` selects nothing; the action changes nothing", action.target),
                )
                .help("check the path against the document: keys are case-sensitive, and path templates need quotes, e.g. $.paths['/pets']")));
                continue;
            }
            if action.remove {
                for problem in remove_all(document, selected) {
                    diagnostics.push(at(Diagnostic::error(CODE, problem)));
                }
            } else if let Some(update) = &action.update {
                for steps in &selected {
                    let Some(node) = node_mut(document, steps) else {
                        continue;
                    };
                    if let Err(problem) = update_node(node, update) {
                        diagnostics.push(at(Diagnostic::error(
                            CODE,
                            format!(
                                "`target: {}` selects {} at {}: {problem}",
                                action.target,
                                kind_of(node),
                                shown(steps)
                            ),
                        )));
                    }
                }
            }
        }
        diagnostics
    }
}

/// One step of a node's location: an object key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    Key(String),
    Index(usize),
}

/// The locations `path` selects in `document`, each once, in the order the query gives.
fn selected(path: &JsonPath, document: &Value) -> Vec<Vec<Step>> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for location in path.query_located(document).locations() {
        let steps: Vec<Step> = location
            .iter()
            .map(|element| match element.as_index() {
                Some(index) => Step::Index(index),
                None => Step::Key(element.as_name().unwrap_or_default().to_string()),
            })
            .collect();
        if seen.insert(steps.clone()) {
            all.push(steps);
        }
    }
    all
}

/// A location as a JSONPath normalized path, e.g. `$['paths']['/pet']['get']`.
fn shown(steps: &[Step]) -> String {
    let mut text = String::from("$");
    for step in steps {
        match step {
            Step::Key(key) => text.push_str(&format!("[{}]", quoted(key))),
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

fn quoted(key: &str) -> String {
    format!("'{}'", key.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The node at a location, if it is still there.
fn node_mut<'a>(document: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    let mut node = document;
    for step in steps {
        node = match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key)?,
            (Value::Array(items), Step::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Removes every selected node from its parent. Locations are handled from the last in
/// document order to the first, so removing an array element never shifts the index of
/// another one still to be removed (`[3]` goes before `[1]`), and a node's descendants go
/// before the node. Returns what could not be removed.
fn remove_all(document: &mut Value, mut selected: Vec<Vec<Step>>) -> Vec<String> {
    selected.sort_unstable_by(|a, b| b.cmp(a));
    let mut problems = Vec::new();
    for steps in selected {
        let Some((last, parent)) = steps.split_last() else {
            problems.push("`remove: true` on the document root would leave nothing to load; select the nodes to remove".to_string());
            continue;
        };
        match (node_mut(document, parent), last) {
            (Some(Value::Object(map)), Step::Key(key)) => {
                map.shift_remove(key);
            }
            (Some(Value::Array(items)), Step::Index(index)) if *index < items.len() => {
                items.remove(*index);
            }
            _ => {}
        }
    }
    problems
}

/// Merges `update` into an object node or appends it to an array node.
fn update_node(node: &mut Value, update: &Value) -> Result<(), String> {
    match (node, update) {
        (Value::Object(target), Value::Object(update)) => {
            merge(target, update);
            Ok(())
        }
        (Value::Object(_), other) => Err(format!(
            "`update` must be a mapping of properties to merge into it, found {}",
            kind_of(other)
        )),
        (Value::Array(items), value) => {
            items.push(value.clone());
            Ok(())
        }
        _ => Err("`update` merges into objects and appends to arrays; to change a single value, select the object holding it and update that property".to_string()),
    }
}

/// Merges `update` into `target`: a property that is an object on both sides merges
/// recursively; any other property of `update` replaces the target's (so an `enum` list is
/// replaced, which is how an overlay narrows it) or is added.
fn merge(target: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        match (target.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(value)) => merge(inner, value),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The JSON type of a value, for "found X" messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A parsed YAML or JSON node with the place it starts, so every check can name its line.
#[derive(Debug)]
struct Node {
    line: usize,
    column: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Scalar(Value),
    List(Vec<Node>),
    /// Entries in file order: the key, its line and column, and the value.
    Map(Vec<(String, usize, usize, Node)>),
}

impl From<Spanned<Kind>> for Node {
    fn from(spanned: Spanned<Kind>) -> Self {
        Node {
            line: spanned.referenced.line() as usize,
            column: spanned.referenced.column() as usize,
            kind: spanned.value,
        }
    }
}

impl Node {
    /// The plain JSON value, without positions.
    fn to_value(&self) -> Value {
        match &self.kind {
            Kind::Scalar(value) => value.clone(),
            Kind::List(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, _, _, value)| (key.clone(), value.to_value()))
                    .collect(),
            ),
        }
    }

    /// What the node is, for "found X" messages.
    fn found(&self) -> String {
        match &self.kind {
            Kind::Scalar(Value::String(s)) => format!("the string `{s}`"),
            Kind::Scalar(Value::Null) => "nothing".to_string(),
            Kind::Scalar(other) => format!("{} `{other}`", kind_of(other)),
            Kind::List(_) => "a list".to_string(),
            Kind::Map(_) => "a mapping".to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Kind, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Kind::Scalar(Value::Number(n)))
            .ok_or_else(|| E::custom(format!("{v} has no JSON equivalent")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Kind, E> {
        Ok(Kind::Scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kind, D::Error> {
        Kind::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Kind>>()? {
            items.push(item.into());
        }
        Ok(Kind::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value: Node = map.next_value::<Spanned<Kind>>()?.into();
            entries.push((
                key.value,
                key.referenced.line() as usize,
                key.referenced.column() as usize,
                value,
            ));
        }
        Ok(Kind::Map(entries))
    }
}

/// Parses YAML (JSON is YAML) into a tree of positioned nodes.
fn parse_tree(file: &str, text: &str) -> Result<Node, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(CODE, format!("{file} is empty"))
            .at_line(file, 1, 1)
            .help(START_HELP));
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    let options = serde_saphyr::options! {
        strict_booleans: true,
        budget: Some(budget),
    };
    match serde_saphyr::from_str_with_options::<Spanned<Kind>>(text, options) {
        Ok(root) => Ok(root.into()),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line() as usize, l.column() as usize))
                .unwrap_or((1, 1));
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default().trim();
            let first = first.strip_prefix("error:").map(str::trim).unwrap_or(first);
            let first = match first
                .strip_prefix("line ")
                .and_then(|rest| rest.split_once(": "))
            {
                Some((_, rest)) => rest,
                None => first,
            };
            let first = first
                .split_once(", set DuplicateKeyPolicy")
                .map_or(first, |(kept, _)| kept);
            Err(
                Diagnostic::error(CODE, format!("not valid YAML or JSON: {first}")).at_line(
                    file,
                    line.max(1),
                    column.max(1),
                ),
            )
        }
    }
}

const START_HELP: &str = "an overlay starts with `overlay: 1.0.0`, then `info: {title, version}` and a list of `actions`";

/// Checks the parsed tree against the Overlay 1.0 rules, one field at a time.
struct Checker<'a> {
    file: &'a str,
}

impl Checker<'_> {
    fn error(&self, line: usize, column: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(CODE, message).at_line(self.file, line.max(1), column.max(1))
    }

    /// The entries of a mapping; `what` names it in the error.
    fn entries<'n>(
        &self,
        node: &'n Node,
        what: &str,
    ) -> Result<&'n [(String, usize, usize, Node)], Diagnostic> {
        match &node.kind {
            Kind::Map(entries) => Ok(entries),
            _ => Err(self.error(
                node.line,
                node.column,
                format!("{what} must be a mapping, found {}", node.found()),
            )),
        }
    }

    /// Refuses keys other than `known` and `x-` extensions, naming the key's line.
    fn only(
        &self,
        entries: &[(String, usize, usize, Node)],
        known: &[&str],
        within: &str,
    ) -> Result<(), Diagnostic> {
        for (key, line, column, _) in entries {
            if !known.contains(&key.as_str()) && !key.starts_with("x-") {
                let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                return Err(self
                    .error(*line, *column, format!("unknown field `{key}` in {within}"))
                    .help(format!(
                        "expected {} or an `x-` extension",
                        expected.join(", ")
                    )));
            }
        }
        Ok(())
    }

    fn string(&self, node: &Node, what: &str) -> Result<String, Diagnostic> {
        match &node.kind {
            Kind::Scalar(Value::String(s)) => Ok(s.clone()),
            _ => Err(self.error(
                node.line,
                node.column,
                format!("{what} must be a string, found {}", node.found()),
            )),
        }
    }

    fn overlay(&self, root: &Node) -> Result<Overlay, Diagnostic> {
        let entries = self
            .entries(root, "an overlay")
            .map_err(|d| d.help(START_HELP))?;
        let get = |key: &str| entries.iter().find(|(k, ..)| k == key);
        if get("overlay").is_none() && (get("openapi").is_some() || get("swagger").is_some()) {
            return Err(self
                .error(
                    root.line,
                    root.column,
                    "this is an API description, not an overlay",
                )
                .help(START_HELP));
        }
        self.only(
            entries,
            &["overlay", "info", "extends", "actions"],
            "the overlay",
        )?;
        let Some((_, _, _, version)) = get("overlay") else {
            return Err(self
                .error(root.line, root.column, "missing field `overlay`")
                .help(START_HELP));
        };
        self.version(version)?;
        let Some((_, line, column, info)) = get("info") else {
            return Err(self
                .error(root.line, root.column, "missing field `info`")
                .help("expected `info: { title: ..., version: ... }`"));
        };
        let (title, version) = self.info(info, *line, *column)?;
        let extends = match get("extends") {
            Some((_, _, _, node)) => Some(self.string(node, "`extends`")?),
            None => None,
        };
        let Some((_, line, column, actions)) = get("actions") else {
            return Err(self
                .error(root.line, root.column, "missing field `actions`")
                .help("expected a list of actions, each with a `target` and an `update` or `remove: true`"));
        };
        let actions = match &actions.kind {
            Kind::List(items) if items.is_empty() => {
                return Err(self
                    .error(
                        *line,
                        *column,
                        "`actions` is empty: an overlay needs at least one action",
                    )
                    .help("add an action with a `target` and an `update` or `remove: true`"));
            }
            Kind::List(items) => items
                .iter()
                .map(|item| self.action(item))
                .collect::<Result<Vec<_>, _>>()?,
            _ => {
                return Err(self.error(
                    actions.line,
                    actions.column,
                    format!("`actions` must be a list, found {}", actions.found()),
                ));
            }
        };
        Ok(Overlay {
            file: self.file.to_string(),
            title,
            version,
            extends,
            actions,
            text: String::new(),
        })
    }

    fn version(&self, node: &Node) -> Result<(), Diagnostic> {
        let help = "mcpgen reads Overlay 1.0 documents: expected `overlay: 1.0.0` (any 1.0.x)";
        let Kind::Scalar(Value::String(version)) = &node.kind else {
            return Err(self
                .error(
                    node.line,
                    node.column,
                    format!("`overlay` must be a version string, found {}", node.found()),
                )
                .help(help));
        };
        let patch = version.strip_prefix("1.0.");
        if patch.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
            return Ok(());
        }
        Err(self
            .error(
                node.line,
                node.column,
                format!("unsupported overlay version `{version}`"),
            )
            .help(help))
    }

    fn info(
        &self,
        node: &Node,
        line: usize,
        column: usize,
    ) -> Result<(String, String), Diagnostic> {
        let entries = self.entries(node, "`info`")?;
        self.only(entries, &["title", "version", "description"], "`info`")?;
        let field = |key: &str| -> Result<String, Diagnostic> {
            match entries.iter().find(|(k, ..)| k == key) {
                Some((_, _, _, value)) => self.string(value, &format!("`info.{key}`")),
                None => Err(self
                    .error(line, column, format!("`info` has no `{key}`"))
                    .help("expected `info: { title: ..., version: ... }`")),
            }
        };
        Ok((field("title")?, field("version")?))
    }

    fn action(&self, node: &Node) -> Result<Action, Diagnostic> {
        let entries = self.entries(node, "an action")?;
        self.only(
            entries,
            &["target", "description", "update", "remove"],
            "an action",
        )?;
        let get = |key: &str| entries.iter().find(|(k, ..)| k == key).map(|e| &e.3);
        let Some(target_node) = get("target") else {
            return Err(self
                .error(node.line, node.column, "the action has no `target`")
                .help("expected a JSONPath expression selecting what to change, e.g. `target: $.paths['/pets'].get`"));
        };
        let target = self.string(target_node, "`target`")?;
        let path = JsonPath::parse(&target).map_err(|e| {
            self.error(
                target_node.line,
                target_node.column,
                format!(
                    "`target: {target}` is not a valid JSONPath expression: {} (at character {})",
                    e.message(),
                    e.position()
                ),
            )
            .help("expected an RFC 9535 JSONPath starting with `$`, e.g. $.paths['/pets'].get or $.tags[?@.name=='store']")
        })?;
        let description = match get("description") {
            Some(value) => Some(self.string(value, "`description`")?),
            None => None,
        };
        let remove = match get("remove") {
            None => false,
            Some(Node {
                kind: Kind::Scalar(Value::Bool(remove)),
                ..
            }) => *remove,
            Some(other) => {
                return Err(self
                    .error(
                        other.line,
                        other.column,
                        format!("`remove` must be a boolean, found {}", other.found()),
                    )
                    .help("expected `remove: true` or `remove: false`"));
            }
        };
        let update = get("update").map(Node::to_value);
        if update.is_none() && !remove {
            return Err(self
                .error(node.line, node.column, format!("the action on `{target}` has neither `update` nor `remove: true`, so it does nothing"))
                .help("add `update:` with the properties to merge, or `remove: true`"));
        }
        Ok(Action {
            target,
            description,
            update,
            remove,
            line: node.line,
            column: node.column,
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overlay(actions: &str) -> Overlay {
        let text =
            format!("overlay: 1.0.0\ninfo: {{ title: t, version: '1' }}\nactions:\n{actions}");
        Overlay::parse("test.yaml", text).expect("the overlay is valid")
    }

    #[test]
    fn objects_merge_recursively_and_other_values_replace() {
        let mut document = json!({
            "info": {"title": "Old", "contact": {"name": "A", "email": "a@example.com"}},
            "schema": {"type": "string", "enum": ["a", "b", "c"]}
        });
        let diagnostics = overlay(
            "  - target: $.info\n    update: { title: New, contact: { name: B }, x-new: 1 }\n  - target: $.schema\n    update: { enum: [a, b] }\n",
        )
        .apply(&mut document);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            document,
            json!({
                "info": {"title": "New", "contact": {"name": "B", "email": "a@example.com"}, "x-new": 1},
                "schema": {"type": "string", "enum": ["a", "b"]}
            })
        );
    }

    #[test]
    fn an_update_is_appended_to_a_selected_array() {
        let mut document = json!({"tags": [{"name": "pet"}], "list": [1]});
        let diagnostics = overlay(
            "  - target: $.tags\n    update: { name: agent }\n  - target: $.list\n    update: [2, 3]\n",
        )
        .apply(&mut document);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            document,
            json!({"tags": [{"name": "pet"}, {"name": "agent"}], "list": [1, [2, 3]]})
        );
    }

    #[test]
    fn removing_several_array_elements_removes_exactly_those() {
        let mut document = json!({"tags": [
            {"name": "store", "n": 0}, {"name": "pet"}, {"name": "store", "n": 2},
            {"name": "user"}, {"name": "store", "n": 4}
        ]});
        let diagnostics = overlay("  - target: $.tags[?@.name=='store']\n    remove: true\n")
            .apply(&mut document);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            document,
            json!({"tags": [{"name": "pet"}, {"name": "user"}]})
        );
    }

    #[test]
    fn a_node_and_its_descendants_can_be_removed_together() {
        let mut document = json!({"a": [{"b": [1, 2]}, {"b": [3]}], "c": 1});
        let diagnostics = overlay("  - target: $..b\n    remove: true\n  - target: $.a[0]\n    remove: true\n  - target: $.a[*]\n    remove: true\n")
            .apply(&mut document);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(document, json!({"a": [], "c": 1}));
    }

    #[test]
    fn actions_apply_in_order_to_the_previous_result() {
        let mut document = json!({"paths": {"/a": {"get": {"x": 1}}}});
        let diagnostics = overlay(
            "  - target: $.paths['/a'].get\n    remove: true\n  - target: $.paths['/a']\n    update: { get: { y: 2 } }\n",
        )
        .apply(&mut document);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(document, json!({"paths": {"/a": {"get": {"y": 2}}}}));
    }

    #[test]
    fn remove_wins_over_update() {
        let mut document = json!({"a": {"b": 1}});
        overlay("  - target: $.a\n    remove: true\n    update: { c: 2 }\n").apply(&mut document);
        assert_eq!(document, json!({}));
    }

    #[test]
    fn a_target_selecting_nothing_is_a_warning_at_the_action() {
        let mut document = json!({"a": 1});
        let diagnostics = overlay("  - target: $.missing\n    remove: true\n").apply(&mut document);
        assert_eq!(diagnostics.len(), 1);
        assert!(!diagnostics[0].is_error());
        assert_eq!(diagnostics[0].line, Some(4));
        assert!(diagnostics[0].message.contains("selects nothing"));
        assert_eq!(document, json!({"a": 1}));
    }

    #[test]
    fn updates_that_do_not_fit_are_errors_not_panics() {
        let mut document = json!({"info": {"title": "T"}, "n": 1});
        let diagnostics = overlay(
            "  - target: $.info.title\n    update: New\n  - target: $.info\n    update: [1]\n  - target: $\n    remove: true\n",
        )
        .apply(&mut document);
        let messages: Vec<(&str, Option<usize>)> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.message.as_str(), d.line))
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages[0]
                .0
                .contains("selects a string at $['info']['title']")
        );
        assert_eq!(messages[0].1, Some(4));
        assert!(messages[1].0.contains("must be a mapping"));
        assert!(messages[2].0.contains("document root"));
        assert_eq!(document, json!({"info": {"title": "T"}, "n": 1}));
    }

    #[test]
    fn the_same_node_selected_twice_is_updated_once() {
        let mut document = json!({"a": []});
        overlay("  - target: $['a','a']\n    update: 1\n").apply(&mut document);
        assert_eq!(document, json!({"a": [1]}));
    }

    #[test]
    fn unusual_targets_neither_panic_nor_change_what_they_do_not_select() {
        let targets = [
            "$[::-9007199254740991]",
            "$..*",
            "$..[?length(@) > 1]",
            "$..[?match(@, '(')]",
            "$[?search(@.name, 'a+')]",
            "$.a[-1]",
            "$.a[5:1:-1]",
            "$['']",
        ];
        for target in targets {
            let mut document = json!({"a": [{"name": "aa"}, [1, 2], "s", null], "": {}});
            let text = format!(
                "overlay: 1.0.0\ninfo: {{ title: t, version: '1' }}\nactions:\n  - target: \"{target}\"\n    remove: true\n"
            );
            let overlay = Overlay::parse("test.yaml", text).expect(target);
            overlay.apply(&mut document);
            let mut document = json!({"a": [{"name": "aa"}, [1, 2], "s", null], "": {}});
            let text = format!(
                "overlay: 1.0.0\ninfo: {{ title: t, version: '1' }}\nactions:\n  - target: \"{target}\"\n    update: {{ x: 1 }}\n"
            );
            Overlay::parse("test.yaml", text)
                .expect(target)
                .apply(&mut document);
        }
    }

    #[test]
    fn json_overlays_and_extensions_are_accepted() {
        let text = r#"{"overlay": "1.0.1", "x-tool": 1, "info": {"title": "t", "version": "2", "x-a": 1},
            "extends": "openapi.yaml",
            "actions": [{"target": "$.info", "update": {"200": {"a": true}}, "x-b": 2}]}"#;
        let overlay = Overlay::parse("o.json", text.to_string()).unwrap();
        assert_eq!(overlay.extends.as_deref(), Some("openapi.yaml"));
        let mut document = json!({"info": {}});
        overlay.apply(&mut document);
        assert_eq!(document, json!({"info": {"200": {"a": true}}}));
    }
}
