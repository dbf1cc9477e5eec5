//! Discovery mode: an API too big to hand an agent whole (GitHub's 1,223 operations are
//! megabytes of `tools/list`) is offered as three tools instead: search the operations, describe
//! a few of them in full, and call one by name. The agent finds what it needs; its context holds
//! only that.
//!
//! Search ranks operations with BM25 over weighted fields (name, title, tags, path, parameter
//! names, description), the ranking full-text engines use. The index is built on the first
//! search and kept.

pub use crate::model::ToolMode;
use crate::model::{Api, Method, Tool};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Above this many tools, `auto` switches to discovery (Cursor offers about 40 at once).
pub const AUTO_MAX_TOOLS: usize = 40;
/// Above this many estimated tokens of `tools/list`, `auto` switches to discovery.
pub const AUTO_MAX_TOKENS: usize = 30_000;

/// A rough token count for JSON text: one token per four bytes, the usual estimate for
/// English and JSON with the tokenizers current models use.
pub fn estimate_tokens(bytes: usize) -> usize {
    bytes.div_ceil(4)
}

/// Whether `api` is served in discovery mode under `mode`; `list_bytes` is the size of its
/// full `tools/list` JSON, asked for only when `auto` needs it.
pub fn discovers(mode: ToolMode, api: &Api, list_bytes: impl FnOnce() -> usize) -> bool {
    match mode {
        ToolMode::All => false,
        ToolMode::Discover => true,
        ToolMode::Auto => {
            api.tools.len() > AUTO_MAX_TOOLS || estimate_tokens(list_bytes()) > AUTO_MAX_TOKENS
        }
    }
}

/// The discovery tools' names.
pub const SEARCH: &str = "search_operations";
/// See [`SEARCH`].
pub const DESCRIBE: &str = "describe_operations";
/// See [`SEARCH`].
pub const CALL: &str = "call_operation";

/// Whether `name` is one of the three discovery tools.
pub fn is_discovery_tool(name: &str) -> bool {
    [SEARCH, DESCRIBE, CALL].contains(&name)
}

/// Most operations one `describe_operations` call returns.
pub const MAX_DESCRIBE: usize = 10;
/// Most results one search returns.
pub const MAX_RESULTS: usize = 50;

/// The three tools a discovery-mode server lists, as `tools/list` JSON objects.
pub fn discovery_tools(api: &Api) -> Vec<Value> {
    let mut tags: Vec<&str> = api
        .tools
        .iter()
        .flat_map(|t| t.tags.iter().map(String::as_str))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    let tag_hint = if tags.is_empty() || tags.len() > 40 {
        String::new()
    } else {
        format!(" Tags: {}.", tags.join(", "))
    };
    let about = format!(
        "{} offers {} operations; find the ones you need instead of seeing them all.",
        api.title,
        api.tools.len()
    );
    vec![
        json!({
            "name": SEARCH,
            "title": "Search operations",
            "description": format!("{about} Step 1: search by what you want to do, in plain words (e.g. \"list open pull requests\"). Returns the best matches with their names, methods, paths and summaries; then describe one with {DESCRIBE}.{tag_hint}"),
            "inputSchema": {
                "type": "object",
                "properties": {
                    "query": { "type": "string", "minLength": 1, "description": "What you want to do, in plain words." },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "Only operations with one of these tags." },
                    "methods": { "type": "array", "items": { "enum": Method::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>() }, "description": "Only operations with one of these HTTP methods." },
                    "limit": { "type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 10 }
                },
                "required": ["query"],
                "additionalProperties": false
            },
            "annotations": { "readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false }
        }),
        json!({
            "name": DESCRIBE,
            "title": "Describe operations",
            "description": format!("Step 2: the full description and input schema of up to {MAX_DESCRIBE} operations found with {SEARCH}, by name, so you can build valid arguments for {CALL}."),
            "inputSchema": {
                "type": "object",
                "properties": {
                    "names": { "type": "array", "items": { "type": "string" }, "minItems": 1, "maxItems": MAX_DESCRIBE }
                },
                "required": ["names"],
                "additionalProperties": false
            },
            "annotations": { "readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false }
        }),
        json!({
            "name": CALL,
            "title": "Call an operation",
            "description": format!("Step 3: call one operation by name with arguments that match the input schema {DESCRIBE} gave. The arguments are checked exactly as if the operation were a tool of its own."),
            "inputSchema": {
                "type": "object",
                "properties": {
                    "name": { "type": "string", "description": "The operation's name, as search returned it." },
                    "arguments": { "type": "object", "description": "The operation's arguments." }
                },
                "required": ["name"],
                "additionalProperties": false
            },
            "annotations": { "readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": true }
        }),
    ]
}

/// A BM25 index over a server's operations.
pub struct SearchIndex {
    /// Term id by term.
    terms: HashMap<String, usize>,
    /// For each term: the operations that have it, with its weighted frequency there.
    postings: Vec<Vec<(usize, f32)>>,
    /// Each operation's weighted length.
    lengths: Vec<f32>,
    /// Each operation's name, as its distinct words.
    names: Vec<Vec<String>>,
    average_length: f32,
}

/// How much a word counts in each field: names and titles say what an operation is; long
/// descriptions mention many things in passing.
const NAME_WEIGHT: f32 = 3.0;
const TITLE_WEIGHT: f32 = 2.5;
const TAG_WEIGHT: f32 = 1.5;
const PATH_WEIGHT: f32 = 1.5;
const METHOD_WEIGHT: f32 = 1.5;
const PARAMETER_WEIGHT: f32 = 0.5;
const DESCRIPTION_WEIGHT: f32 = 1.0;
/// Descriptions beyond this many words add nothing: the first paragraph says what matters.
const DESCRIPTION_WORDS: usize = 80;
/// How much of its score an operation keeps when none of its name's words are in the query.
const NAME_FLOOR: f32 = 0.6;
/// BM25's usual constants.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// One search hit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    /// The operation's tool name: what `describe_operations` and `call_operation` take.
    pub name: String,
    /// The index of the tool in the server's model.
    #[serde(skip)]
    pub index: usize,
    /// The relevance score (higher is better).
    pub score: f32,
}

impl SearchIndex {
    /// Indexes every tool of `api`.
    pub fn new(api: &Api) -> Self {
        let mut terms: HashMap<String, usize> = HashMap::new();
        let mut postings: Vec<Vec<(usize, f32)>> = Vec::new();
        let mut lengths = Vec::with_capacity(api.tools.len());
        let mut names = Vec::with_capacity(api.tools.len());
        for (index, tool) in api.tools.iter().enumerate() {
            let mut name = words(&tool.name);
            name.sort_unstable();
            name.dedup();
            names.push(name);
            let mut weights: HashMap<String, f32> = HashMap::new();
            let mut length = 0.0;
            for (text, weight) in fields(tool) {
                for word in words(&text) {
                    *weights.entry(word).or_default() += weight;
                    length += weight;
                }
            }
            lengths.push(length);
            let mut weights: Vec<(String, f32)> = weights.into_iter().collect();
            weights.sort_by(|a, b| a.0.cmp(&b.0));
            for (word, weight) in weights {
                let next = terms.len();
                let id = *terms.entry(word).or_insert(next);
                if id == postings.len() {
                    postings.push(Vec::new());
                }
                postings[id].push((index, weight));
            }
        }
        let average_length = if lengths.is_empty() {
            1.0
        } else {
            lengths.iter().sum::<f32>() / lengths.len() as f32
        };
        SearchIndex {
            terms,
            postings,
            lengths,
            names,
            average_length: average_length.max(1.0),
        }
    }

    /// The operations that best match `query`, best first, among those `keep` accepts.
    pub fn search(
        &self,
        api: &Api,
        query: &str,
        limit: usize,
        keep: impl Fn(&Tool) -> bool,
    ) -> Vec<Hit> {
        let documents = self.lengths.len() as f32;
        let mut scores = vec![0.0f32; self.lengths.len()];
        let mut query_terms = words(query);
        query_terms.sort_unstable();
        query_terms.dedup();
        for term in &query_terms {
            let Some(&id) = self.terms.get(term) else {
                continue;
            };
            let postings = &self.postings[id];
            let n = postings.len() as f32;
            let idf = (1.0 + (documents - n + 0.5) / (n + 0.5)).ln();
            for &(doc, tf) in postings {
                let norm = 1.0 - B + B * self.lengths[doc] / self.average_length;
                scores[doc] += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
            }
        }
        let mut hits: Vec<Hit> = scores
            .iter()
            .enumerate()
            .filter(|&(i, &s)| s > 0.0 && keep(&api.tools[i]))
            .map(|(index, &score)| {
                // An operation whose name is all about the query beats one whose longer name
                // also matches it: "list pull requests" is `pulls/list`, not
                // `repos/list-pull-requests-associated-with-commit`.
                let name = &self.names[index];
                let covered = name.iter().filter(|w| query_terms.contains(w)).count();
                let precision = covered as f32 / name.len().max(1) as f32;
                Hit {
                    name: api.tools[index].name.clone(),
                    index,
                    score: score * (NAME_FLOOR + (1.0 - NAME_FLOOR) * precision),
                }
            })
            .collect();
        // Ties keep document order, so results are the same from run to run.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits.truncate(limit);
        hits
    }
}

/// The texts of a tool that search reads, each with its weight.
fn fields(tool: &Tool) -> Vec<(String, f32)> {
    let mut out = vec![(tool.name.clone(), NAME_WEIGHT)];
    // The operationId counts only where it says something the (renamed) tool name does not.
    if let Some(id) = &tool.operation_id
        && words(id) != words(&tool.name)
    {
        out.push((id.clone(), NAME_WEIGHT));
    }
    if let Some(title) = &tool.title {
        out.push((title.clone(), TITLE_WEIGHT));
    }
    for tag in &tool.tags {
        out.push((tag.clone(), TAG_WEIGHT));
    }
    // Path segments name the resource; `{slots}` name identifiers, which matter less.
    let path: Vec<&str> = tool
        .path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect();
    out.push((path.join(" "), PATH_WEIGHT));
    out.push((method_words(tool).to_string(), METHOD_WEIGHT));
    // Parameter names and the values of small enums say what an operation can filter by:
    // `state: [open, closed]` is how "open pull requests" finds `pulls/list`.
    let mut parameters: Vec<&str> = Vec::new();
    for p in &tool.parameters {
        parameters.push(&p.name);
        let values = tool
            .property_schema(&p.property)
            .and_then(|s| s.get("enum").or_else(|| s.get("items")?.get("enum")))
            .and_then(Value::as_array);
        if let Some(values) = values.filter(|v| v.len() <= 20) {
            parameters.extend(values.iter().filter_map(Value::as_str));
        }
    }
    out.push((parameters.join(" "), PARAMETER_WEIGHT));
    let description: Vec<&str> = tool
        .description
        .split_whitespace()
        .take(DESCRIPTION_WORDS)
        .collect();
    out.push((description.join(" "), DESCRIPTION_WEIGHT));
    out
}

/// The verbs people use for what a method does.
fn method_words(tool: &Tool) -> &'static str {
    let collection = !tool.path.trim_end_matches('/').ends_with('}');
    match tool.method {
        Method::Get if collection => "get list",
        Method::Get | Method::Head => "get",
        Method::Post => "create",
        Method::Put => "replace update",
        Method::Patch => "update",
        Method::Delete => "delete",
        Method::Options | Method::Trace | Method::Query => "",
    }
}

/// Words that say nothing about which operation is meant.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "of", "for", "to", "in", "on", "by", "with", "and", "or", "from", "at", "as",
    "is", "are", "be", "this", "that", "these", "those", "it", "its", "my", "me", "i", "you",
    "your", "all", "some", "any", "into", "about", "which", "what", "how", "do", "does", "can",
    "will", "should", "would", "please", "want", "need", "given", "one", "api",
];

/// Synonyms folded onto one word, so "remove" finds "delete" and "PR" finds pull requests.
fn canonical(word: &str) -> &str {
    match word {
        "remove" | "erase" | "destroy" | "drop" => "delete",
        "add" | "new" | "make" | "submit" => "create",
        "fetch" | "show" | "read" | "view" | "retrieve" | "look" | "lookup" | "describe" => "get",
        "edit" | "modify" | "change" | "patch" | "set" | "rename" => "update",
        "enumerate" | "every" => "list",
        "find" => "search",
        "pr" | "prs" => "pull",
        "repo" | "repos" => "repository",
        "org" | "orgs" => "organization",
        other => other,
    }
}

/// The words of a text as search compares them: split at non-alphanumerics and at camelCase
/// boundaries, lower-cased, stop words dropped, plurals and common endings stemmed.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    let flush = |current: &mut String, out: &mut Vec<String>| {
        if !current.is_empty() {
            let word = current.to_ascii_lowercase();
            current.clear();
            if !STOP_WORDS.contains(&word.as_str()) {
                let canonical = canonical(&word);
                out.push(stem(canonical));
            }
        }
    };
    for c in text.chars() {
        if !c.is_alphanumeric() {
            flush(&mut current, &mut out);
            previous = None;
            continue;
        }
        let boundary = match previous {
            Some(p) => {
                (p.is_lowercase() && c.is_uppercase()) || (p.is_ascii_digit() != c.is_ascii_digit())
            }
            None => false,
        };
        if boundary {
            flush(&mut current, &mut out);
        }
        current.push(c);
        previous = Some(c);
    }
    flush(&mut current, &mut out);
    out
}

/// A light suffix stemmer: enough to make "requests", "request" and "requested" one word.
fn stem(word: &str) -> String {
    let n = word.len();
    let strip = |suffix: &str, min: usize| word.strip_suffix(suffix).filter(|w| w.len() >= min);
    if let Some(w) = strip("ies", 3) {
        return format!("{w}y");
    }
    if let Some(w) = strip("sses", 2) {
        return format!("{w}ss");
    }
    if let Some(w) = strip("ing", 4).or_else(|| strip("ed", 4)) {
        return w
            .strip_suffix('e')
            .filter(|w| w.len() >= 4)
            .unwrap_or(w)
            .to_string();
    }
    let base = if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        &word[..n - 1]
    } else {
        word
    };
    // "scale", "scaled" and "scales" all end up "scal".
    match base.strip_suffix('e') {
        Some(w) if w.len() >= 4 => w.to_string(),
        _ => base.to_string(),
    }
}

/// What `search_operations` returns for one hit: enough to choose, not the whole schema.
pub fn hit_summary(tool: &Tool) -> Value {
    let summary = tool.title.clone().unwrap_or_else(|| {
        let first: String = tool
            .description
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        first
    });
    let mut out = json!({
        "name": tool.name,
        "summary": summary,
    });
    if tool.query.is_some() {
        out["kind"] = json!("sql");
    } else {
        out["method"] = json!(tool.method.as_str());
        out["path"] = json!(tool.path);
    }
    if !tool.tags.is_empty() {
        out["tags"] = json!(tool.tags);
    }
    out
}

/// What `describe_operations` returns for one operation: everything a tool listing has.
pub fn description(api: &Api, tool: &Tool) -> Value {
    let mut out = json!({
        "name": tool.name,
        "description": tool.description,
        "inputSchema": Value::Object(api.input_schema(tool)),
        "annotations": {
            "readOnlyHint": tool.annotations.read_only_hint,
            "destructiveHint": tool.annotations.destructive_hint,
            "idempotentHint": tool.annotations.idempotent_hint,
        },
    });
    if let Some(title) = &tool.title {
        out["title"] = json!(title);
    }
    if tool.query.is_none() {
        out["method"] = json!(tool.method.as_str());
        out["path"] = json!(tool.path);
    }
    if let Some(output) = api.output_schema(tool) {
        out["outputSchema"] = Value::Object(output);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_case_and_stem() {
        assert_eq!(words("listPullRequests"), ["list", "pull", "request"]);
        assert_eq!(
            words("pulls/list-review-comments"),
            ["pull", "list", "review", "comment"]
        );
        assert_eq!(words("Remove the repositories"), ["delet", "repository"]);
        assert_eq!(
            words("readAppsV1NamespacedDeploymentScale"),
            ["get", "app", "v", "1", "namespac", "deployment", "scal"]
        );
        assert_eq!(words("namespace scaled"), ["namespac", "scal"]);
        assert_eq!(words("issues statuses"), ["issu", "status"]);
    }
}
