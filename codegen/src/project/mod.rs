//! mcpgen.yaml: one file that says which tools a server is made of (OpenAPI documents, REST
//! endpoints without a document, SQL statements) and how each is changed (filtered, renamed,
//! constrained), plus the credentials they need.
//!
//! ```yaml
//! sources:
//!   - openapi: sales-api.yaml        # relative to this file
//!     overlays: [agent.overlay.yaml] # OpenAPI Overlay 1.0 documents, applied first
//!     prefix: sales_                 # before every tool name of this source
//!     base_url: http://127.0.0.1:8088
//!     include: { tags: [orders], methods: [GET] }
//!     exclude: { operations: [deleteOrder] }
//!     tools:
//!       listOrders:                  # operationId or tool name
//!         name: list_orders
//!         description: Orders of one region.
//!         arguments:
//!           region: { fixed: EU }    # hidden from the model, always sent
//!           status: { enum: [open, shipped], default: open }
//!   - rest: { ... }                  # see `rest`
//!   - sql: { ... }                   # see `sql`
//! tools: auto                        # or all, or discover (see mcpgen_runtime::discovery)
//! audit: { file: audit.jsonl, key_env: AUDIT_KEY }   # the hash-chained audit trail, or
//!                                    # { database: NAME, table: T } for rows in a `sql:` database
//! policy: { default: deny, rules: [...] }           # see mcpgen_runtime::policy
//! credentials:                       # as in a --credentials file
//!   api_key: { env: SALES_API_KEY }
//! ```
//!
//! Each source lowers into a model of its own; the changes apply to it; the models merge into
//! one, shared schema names and security schemes made unique where two sources differ.

mod rest;
mod sql;

use crate::diagnostic::Diagnostic;
use crate::load::names::is_valid_tool_name;
use crate::load::{LoadOptions, Outcome, SourceText, load, load_with_overlays};
use crate::overlay::Overlay;
use mcpgen_runtime::audit::table::{DEFAULT_TABLE, check_table_name};
use mcpgen_runtime::model::{Api, AuditConfig, AuditSink, Method, Server, Tool};
use mcpgen_runtime::policy::Pattern;
use serde::Deserialize;
use serde_json::{Map, Value};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The JSON Schema of mcpgen.yaml, for editors (`mcpgen schema`).
pub const SCHEMA: &str = include_str!("mcpgen.schema.json");

/// Whether `text` is an mcpgen.yaml rather than an OpenAPI document: a mapping with
/// `sources` and without `openapi` or `swagger`.
pub fn is_project(text: &str) -> bool {
    let top_level = |key: &str| {
        text.lines()
            .any(|l| l.starts_with(key) && l[key.len()..].trim_start().starts_with(':'))
    };
    top_level("sources") && !top_level("openapi") && !top_level("swagger")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectShape {
    sources: Vec<Spanned<SourceShape>>,
    /// Every tool, the discovery tools, or whichever suits the size (`auto`).
    tools: Option<mcpgen_runtime::model::ToolMode>,
    /// Where the audit trail goes.
    audit: Option<Spanned<AuditShape>>,
    /// Who may list and call which tools.
    policy: Option<Spanned<mcpgen_runtime::policy::Policy>>,
    /// Read by the runtime's credentials parser from the same text.
    #[serde(default)]
    #[allow(dead_code)]
    credentials: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditShape {
    /// A log file, relative to the mcpgen.yaml.
    file: Option<PathBuf>,
    /// Or a database the `sql:` sources declare, by name...
    database: Option<Spanned<String>>,
    /// ...and the table in it.
    table: Option<Spanned<String>>,
    key_env: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceShape {
    openapi: Option<Spanned<PathBuf>>,
    #[serde(default)]
    overlays: Vec<Spanned<PathBuf>>,
    rest: Option<Spanned<rest::RestShape>>,
    sql: Option<Spanned<sql::SqlShape>>,
    prefix: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    include: Option<Spanned<ToolFilter>>,
    exclude: Option<Spanned<ToolFilter>>,
    #[serde(default)]
    tools: HashMap<Spanned<String>, Spanned<ToolShape>>,
}

/// Which tools to keep (`include`) or drop (`exclude`); also the command line's filter flags.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct ToolFilter {
    /// Operations with any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Operations whose path matches any of these globs ([`glob_matches`]).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Operations with any of these methods.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Operations with any of these operationIds or tool names.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Only read-only operations (GET, HEAD, OPTIONS, QUERY, read-only SQL).
    #[serde(default)]
    pub read_only: bool,
}

impl ToolFilter {
    /// Whether the filter says nothing (keeps everything).
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.paths.is_empty()
            && self.methods.is_empty()
            && self.operations.is_empty()
            && !self.read_only
    }
}

/// Keeps the tools that match every criterion `filter` gives (any entry of a list), as an
/// `include:` does; works the same whether the server lists all tools or discovers them.
pub fn retain_tools(api: &mut Api, filter: &ToolFilter) {
    api.tools.retain(|tool| matches_all(filter, tool));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolShape {
    name: Option<Spanned<String>>,
    description: Option<String>,
    #[serde(default)]
    arguments: HashMap<Spanned<String>, Spanned<ArgumentShape>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArgumentShape {
    fixed: Option<Value>,
    default: Option<Value>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<Value>>,
}

/// Loads `path` whatever it is: an mcpgen.yaml, or an OpenAPI or Swagger document.
pub fn load_any(path: &Path, options: &LoadOptions) -> Outcome {
    match read_project(path) {
        Some(text) => load_project_text(path, text, options),
        None => load(path, options),
    }
}

/// The text of `path` when it is an mcpgen.yaml. An mcpgen.yaml is small: a large file is
/// not read here, but once, by the document loader.
pub fn read_project(path: &Path) -> Option<String> {
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() < 1 << 20);
    if !small {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    is_project(&text).then_some(text)
}

/// Loads an mcpgen.yaml and every document it names into one model. Diagnostics name the
/// file and line; documents' own diagnostics are kept as they are.
pub fn load_project(path: &Path, options: &LoadOptions) -> Outcome {
    match std::fs::read_to_string(path) {
        Ok(text) => load_project_text(path, text, options),
        Err(e) => {
            let name = path.display().to_string();
            Outcome {
                api: None,
                diagnostics: vec![
                    Diagnostic::error("io", format!("cannot read {name}: {e}")).at(&name, ""),
                ],
                files: Vec::new(),
            }
        }
    }
}

/// [`load_project`] on text already read.
fn load_project_text(path: &Path, text: String, options: &LoadOptions) -> Outcome {
    let name = path.display().to_string();
    let mut outcome = Outcome {
        api: None,
        diagnostics: Vec::new(),
        files: Vec::new(),
    };
    let parsed = serde_saphyr::from_str_with_options::<ProjectShape>(
        &text,
        serde_saphyr::options! { strict_booleans: true },
    );
    outcome.files.push(SourceText::new(name.clone(), text));
    let project = match parsed {
        Ok(project) => project,
        Err(e) => {
            outcome.diagnostics.push(syntax_error(&name, &e));
            return outcome;
        }
    };
    if project.sources.is_empty() {
        outcome.diagnostics.push(
            Diagnostic::error("project", "`sources` is empty: name at least one document")
                .at_line(&name, 1, 1),
        );
        return outcome;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut merged: Option<Api> = None;
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for (index, source) in project.sources.iter().enumerate() {
        let shape = &source.value;
        let pointer = format!("/sources/{index}");
        let mut errors = Vec::new();
        if let (None, Some(overlay)) = (&shape.openapi, shape.overlays.first()) {
            errors.push(error_at(
                &name,
                &overlay.referenced,
                "`overlays` change an OpenAPI document: they need `openapi: FILE` in the same source",
            ));
        }
        let (api, label) = match (&shape.openapi, &shape.rest, &shape.sql) {
            (Some(openapi), None, None) => {
                let document = base.join(&openapi.value);
                let mut overlays = Vec::new();
                for overlay in &shape.overlays {
                    match Overlay::read(&base.join(&overlay.value)) {
                        Ok(overlay) => overlays.push(overlay),
                        Err(d) => errors.push(d),
                    }
                }
                let mut loaded = load_with_overlays(&document, options, &overlays);
                outcome.diagnostics.append(&mut loaded.diagnostics);
                outcome.files.append(&mut loaded.files);
                if loaded.api.is_none() {
                    errors.push(error_at(
                        &name,
                        &openapi.referenced,
                        format!("the document {} did not load", document.display()),
                    ));
                }
                (loaded.api, document.display().to_string())
            }
            (None, Some(rest), None) => {
                let api = rest::lower(&rest.value, &name, &format!("{pointer}/rest"), &mut errors);
                (Some(api), format!("the REST tools of source {}", index + 1))
            }
            (None, None, Some(sql)) => {
                let at = format!("{pointer}/sql");
                let api = sql::lower(&sql.value, base, &name, &at, &mut errors);
                (Some(api), format!("the SQL tools of source {}", index + 1))
            }
            _ => {
                errors.push(error_at(
                    &name,
                    &source.referenced,
                    "a source needs exactly one of `openapi: FILE`, `rest:` or `sql:`",
                ));
                (None, String::new())
            }
        };
        let Some(mut api) = api.filter(|_| errors.is_empty()) else {
            outcome.diagnostics.append(&mut errors);
            continue;
        };
        shape_source(&mut api, shape, &label, &name, &mut errors);
        if !errors.is_empty() {
            outcome.diagnostics.append(&mut errors);
            continue;
        }
        for (database, connection) in &api.databases {
            let earlier = merged.as_ref().and_then(|m| m.databases.get(database));
            if earlier.is_some_and(|earlier| earlier != connection) {
                outcome.diagnostics.push(error_at(
                    &name,
                    &source.referenced,
                    format!("two `sql:` sources name the database `{database}` with different connections: give one a different `database:` name"),
                ));
            }
        }
        for tool in &api.tools {
            let label = label.clone();
            if let Some(first) = owners.insert(tool.name.clone(), label.clone()) {
                let at = &source.referenced;
                outcome.diagnostics.push(
                    Diagnostic::error(
                        "project",
                        format!(
                            "the tool name `{}` comes from both {first} and {label}",
                            tool.name
                        ),
                    )
                    .at_line(&name, at.line() as usize, at.column() as usize)
                    .help("give one of the sources a `prefix`, or rename the tool"),
                );
            }
        }
        merged = Some(match merged {
            None => api,
            Some(into) => merge(into, api),
        });
    }
    if let Some(api) = &mut merged {
        api.tool_mode = project.tools;
        api.audit = project
            .audit
            .as_ref()
            .and_then(|audit| audit_config(audit, api, base, &name, &mut outcome.diagnostics));
        if let Some(policy) = &project.policy {
            let mut names = BTreeSet::new();
            for rule in &policy.value.rules {
                for (argument, terms) in &rule.arguments {
                    if let Some(Err(e)) = terms.pattern.as_deref().map(Pattern::new) {
                        outcome.diagnostics.push(error_at(
                            &name,
                            &policy.referenced,
                            format!(
                                "policy rule `{}`: the pattern of `{argument}` is not a regular expression: {e}",
                                rule.name
                            ),
                        ));
                    }
                }
                for scheme in &rule.credentials {
                    if !api.security_schemes.contains_key(scheme) {
                        let known: Vec<&str> =
                            api.security_schemes.keys().map(String::as_str).collect();
                        outcome.diagnostics.push(error_at(
                            &name,
                            &policy.referenced,
                            format!(
                                "policy rule `{}`: `credentials` names `{scheme}`, which is not a security scheme of the sources; they are: {}",
                                rule.name,
                                if known.is_empty() { "(none)".to_string() } else { known.join(", ") }
                            ),
                        ));
                    }
                }
                if rule.name.trim().is_empty() || !names.insert(rule.name.clone()) {
                    outcome.diagnostics.push(error_at(
                        &name,
                        &policy.referenced,
                        format!(
                            "policy rule names must be unique and not empty: `{}`",
                            rule.name
                        ),
                    ));
                }
            }
            api.policy = Some(policy.value.clone());
        }
    }
    if !outcome.has_errors() {
        outcome.api = merged;
    }
    outcome
}

/// The `audit:` section as the model keeps it: a file (relative to `base`), or a table in a
/// database the `sql:` sources of `api` declare. `None` after an error.
fn audit_config(
    audit: &Spanned<AuditShape>,
    api: &Api,
    base: &Path,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<AuditConfig> {
    let shape = &audit.value;
    let before = errors.len();
    if let (Some(table), None) = (&shape.table, &shape.database) {
        errors.push(error_at(
            file,
            &table.referenced,
            "`audit`: `table` needs `database: NAME` (a database of the `sql:` sources)",
        ));
    }
    let sink = match (&shape.file, &shape.database) {
        (Some(path), None) => Some(AuditSink::File(base.join(path).display().to_string())),
        (None, Some(database)) => {
            if !api.databases.contains_key(&database.value) {
                let declared: Vec<&str> = api.databases.keys().map(String::as_str).collect();
                let help = if declared.is_empty() {
                    "add a `sql:` source with `database: NAME` and its connection, or write the audit trail to a `file:`".to_string()
                } else {
                    format!("the `sql:` sources declare: {}", declared.join(", "))
                };
                errors.push(
                    error_at(
                        file,
                        &database.referenced,
                        format!(
                            "`audit`: no `sql:` source declares the database `{}`",
                            database.value
                        ),
                    )
                    .help(help),
                );
            }
            let table = match &shape.table {
                None => DEFAULT_TABLE.to_string(),
                Some(table) => {
                    if let Err(e) = check_table_name(&table.value) {
                        errors.push(error_at(file, &table.referenced, format!("`audit`: {e}")));
                    }
                    table.value.clone()
                }
            };
            Some(AuditSink::Table {
                database: database.value.clone(),
                table,
            })
        }
        _ => {
            errors.push(error_at(
                file,
                &audit.referenced,
                "`audit` needs exactly one of `file: PATH` or `database: NAME` (a database of the `sql:` sources)",
            ));
            None
        }
    };
    let sink = sink.filter(|_| errors.len() == before)?;
    Some(AuditConfig {
        sink,
        key_env: shape.key_env.clone(),
    })
}

/// An error at a place in the mcpgen.yaml.
fn error_at(file: &str, at: &serde_saphyr::Location, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error("project", message).at_line(file, at.line() as usize, at.column() as usize)
}

/// Checks what every tool written in mcpgen.yaml needs: a valid name and a description.
fn check_tool(name: &Spanned<String>, description: &str, file: &str, errors: &mut Vec<Diagnostic>) {
    if !is_valid_tool_name(&name.value) {
        errors.push(error_at(
            file,
            &name.referenced,
            format!(
                "tool name `{}`: expected 1 to 64 letters, digits, `_` or `-`",
                name.value
            ),
        ));
    }
    if description.trim().is_empty() {
        errors.push(error_at(
            file,
            &name.referenced,
            format!(
                "tool `{}`: `description` is empty; the model reads it to choose tools",
                name.value
            ),
        ));
    }
}

/// A place in the mcpgen.yaml that errors can point at.
struct Located<'a> {
    file: &'a str,
    at: serde_saphyr::Location,
}

impl<'a> Located<'a> {
    fn new(file: &'a str, at: &serde_saphyr::Location) -> Self {
        Located { file, at: *at }
    }

    fn error(&self, message: impl Into<String>) -> Diagnostic {
        error_at(self.file, &self.at, message)
    }
}

/// A map's entries in the order the file writes them.
fn in_order<K, V>(map: &HashMap<Spanned<K>, V>) -> Vec<(&Spanned<K>, &V)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(k, _)| (k.referenced.line(), k.referenced.column()));
    entries
}

/// The candidate nearest to a misspelt word, when it is near enough to be meant.
fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .min_by_key(|c| edit_distance(word, c))
        .filter(|c| edit_distance(word, c) <= word.len().max(3) / 2 + 1)
}

/// A parse error with its place and, for a misspelt key, the nearest valid one.
fn syntax_error(file: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let message = error.to_string();
    let (line, column) = error
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .unwrap_or((1, 1));
    let mut diagnostic =
        Diagnostic::error("project", first_line(&message)).at_line(file, line, column);
    if let Some(hint) = nearest_key_hint(&message) {
        diagnostic = diagnostic.help(hint);
    }
    diagnostic
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).to_string()
}

/// For "unknown field `x`, expected one of a, b" (with or without backticks around the
/// names): "did you mean `a`?".
fn nearest_key_hint(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, rest) = rest.split_once('`')?;
    let list = rest
        .split_once("expected one of ")
        .or_else(|| rest.split_once("expected "))?
        .1
        .lines()
        .next()?;
    let nearest = list
        .split(", ")
        .map(|k| k.trim().trim_matches('`'))
        .filter(|k| !k.is_empty())
        .min_by_key(|k| edit_distance(unknown, k))
        .filter(|k| edit_distance(unknown, k) <= unknown.len().max(3) / 2 + 1)?;
    Some(format!("did you mean `{nearest}`?"))
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Applies one source's filters and changes to its model.
fn shape_source(
    api: &mut Api,
    source: &SourceShape,
    label: &str,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) {
    let place = |at: &serde_saphyr::Location| (at.line() as usize, at.column() as usize);
    if let Some(url) = &source.base_url {
        if !(url.value.starts_with("http://") || url.value.starts_with("https://")) {
            let (line, column) = place(&url.referenced);
            errors.push(
                Diagnostic::error(
                    "project",
                    format!(
                        "`base_url` must be an absolute http(s) URL, not `{}`",
                        url.value
                    ),
                )
                .at_line(file, line, column),
            );
            return;
        }
        let server = Server {
            url: url.value.clone(),
            description: None,
            variables: BTreeMap::new(),
        };
        api.servers = vec![server.clone()];
        for tool in &mut api.tools {
            tool.servers = vec![server.clone()];
        }
    }
    for filter in [&source.include, &source.exclude].into_iter().flatten() {
        for glob in &filter.value.paths {
            if !glob.starts_with('/') {
                let (line, column) = place(&filter.referenced);
                errors.push(
                    Diagnostic::error(
                        "project",
                        format!("path pattern `{glob}` must start with `/`"),
                    )
                    .at_line(file, line, column),
                );
            }
        }
    }
    // Every `tools:` key must name an operation of the document.
    let mut changes: Vec<(usize, &Spanned<ToolShape>)> = Vec::new();
    let mut keyed: Vec<_> = source.tools.iter().collect();
    keyed.sort_by(|a, b| a.0.value.cmp(&b.0.value));
    for (key, change) in keyed {
        match api.tools.iter().position(|t| {
            t.operation_id.as_deref() == Some(key.value.as_str()) || t.name == key.value
        }) {
            Some(index) => changes.push((index, change)),
            None => {
                let (line, column) = place(&key.referenced);
                let names = api
                    .tools
                    .iter()
                    .map(|t| t.operation_id.clone().unwrap_or_else(|| t.name.clone()));
                let nearest = names.min_by_key(|n| edit_distance(&key.value, n));
                let mut d = Diagnostic::error(
                    "project",
                    format!(
                        "`tools.{}`: {label} has no operation with this operationId or tool name",
                        key.value,
                    ),
                )
                .at_line(file, line, column);
                if let Some(nearest) = nearest {
                    d = d.help(format!("did you mean `{nearest}`?"));
                }
                errors.push(d);
            }
        }
    }
    if !errors.is_empty() {
        return;
    }
    for (index, change) in changes {
        change_tool(api, index, &change.value, file, errors);
    }
    let keep: Vec<bool> = api
        .tools
        .iter()
        .map(|tool| {
            source
                .include
                .as_ref()
                .is_none_or(|f| matches_all(&f.value, tool))
                && !source
                    .exclude
                    .as_ref()
                    .is_some_and(|f| matches_any(&f.value, tool))
        })
        .collect();
    let mut keep = keep.into_iter();
    api.tools.retain(|_| keep.next().unwrap_or(false));
    if let Some(prefix) = &source.prefix {
        if !is_valid_tool_name(&prefix.value) {
            let (line, column) = place(&prefix.referenced);
            errors.push(
                Diagnostic::error(
                    "project",
                    format!(
                        "`prefix` `{}` may hold only letters, digits, `_` and `-`",
                        prefix.value
                    ),
                )
                .at_line(file, line, column),
            );
            return;
        }
        for tool in &mut api.tools {
            tool.name = format!("{}{}", prefix.value, tool.name);
        }
    }
    for tool in &api.tools {
        if tool.name.len() > 64 {
            errors.push(
                Diagnostic::error(
                    "project",
                    format!("the tool name `{}` is longer than 64 characters", tool.name),
                )
                .at_line(file, 1, 1)
                .help("use a shorter `prefix` or rename the tool"),
            );
        }
    }
}

/// Include: every criterion given must match (a criterion is a list: any entry matches).
fn matches_all(filter: &ToolFilter, tool: &Tool) -> bool {
    (filter.tags.is_empty() || filter.tags.iter().any(|t| tool.tags.contains(t)))
        && (filter.paths.is_empty() || filter.paths.iter().any(|g| glob_matches(g, &tool.path)))
        && (filter.methods.is_empty() || filter.methods.contains(&tool.method))
        && (filter.operations.is_empty() || filter.operations.iter().any(|o| names_tool(o, tool)))
        && (!filter.read_only || tool.annotations.read_only_hint)
}

/// Exclude: any entry of any criterion matches.
fn matches_any(filter: &ToolFilter, tool: &Tool) -> bool {
    filter.tags.iter().any(|t| tool.tags.contains(t))
        || filter.paths.iter().any(|g| glob_matches(g, &tool.path))
        || filter.methods.contains(&tool.method)
        || filter.operations.iter().any(|o| names_tool(o, tool))
        || (filter.read_only && tool.annotations.read_only_hint)
}

fn names_tool(name: &str, tool: &Tool) -> bool {
    tool.operation_id.as_deref() == Some(name) || tool.name == name
}

/// Path globs: `*` matches within one segment, `**` any number of segments.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    fn segments(pattern: &[&str], path: &[&str]) -> bool {
        match (pattern.first(), path.first()) {
            (None, None) => true,
            (Some(&"**"), _) => {
                segments(&pattern[1..], path) || (!path.is_empty() && segments(pattern, &path[1..]))
            }
            (Some(p), Some(s)) => segment(p, s) && segments(&pattern[1..], &path[1..]),
            _ => false,
        }
    }
    fn segment(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, tail)) => {
                text.starts_with(head)
                    && (head.len()..=text.len())
                        .any(|i| text.is_char_boundary(i) && segment(tail, &text[i..]))
            }
        }
    }
    let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    segments(&pattern, &path)
}

/// Renames, redescribes and constrains one tool.
fn change_tool(
    api: &mut Api,
    index: usize,
    change: &ToolShape,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) {
    let full_schema = api.input_schema(&api.tools[index]);
    let tool = &mut api.tools[index];
    if let Some(name) = &change.name {
        if !is_valid_tool_name(&name.value) {
            errors.push(
                Diagnostic::error(
                    "project",
                    format!(
                        "tool name `{}`: expected 1 to 64 letters, digits, `_` or `-`",
                        name.value
                    ),
                )
                .at_line(
                    file,
                    name.referenced.line() as usize,
                    name.referenced.column() as usize,
                ),
            );
        } else {
            tool.name = name.value.clone();
        }
    }
    if let Some(description) = &change.description {
        tool.description = description.clone();
    }
    let defs = full_schema.get("$defs").cloned();
    let mut arguments: Vec<_> = change.arguments.iter().collect();
    arguments.sort_by(|a, b| a.0.value.cmp(&b.0.value));
    for (argument, rule) in arguments {
        let at = (
            argument.referenced.line() as usize,
            argument.referenced.column() as usize,
        );
        let fail =
            |message: String| Diagnostic::error("project", message).at_line(file, at.0, at.1);
        let Some(schema) = tool.property_schema(&argument.value).cloned() else {
            let known: Vec<String> = tool
                .input_schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            let mut d = fail(format!(
                "`{}` has no argument `{}`; its arguments are: {}",
                tool.name,
                argument.value,
                if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                }
            ));
            if let Some(nearest) = known
                .iter()
                .min_by_key(|k| edit_distance(&argument.value, k))
            {
                d = d.help(format!("did you mean `{nearest}`?"));
            }
            errors.push(d);
            continue;
        };
        let rule = &rule.value;
        if rule.fixed.is_some() && (rule.default.is_some() || rule.allowed.is_some()) {
            errors.push(fail(format!(
                "argument `{}`: `fixed` hides the argument, so `default` and `enum` do not apply",
                argument.value
            )));
            continue;
        }
        // What is wrong with `value` for this argument, if anything.
        let problem = |value: &Value, what: &str| -> Option<Diagnostic> {
            let mut with_defs = schema.clone();
            if let (Some(defs), Some(object)) = (&defs, with_defs.as_object_mut()) {
                object.insert("$defs".into(), defs.clone());
            }
            let validator = match jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&with_defs)
            {
                Ok(validator) => validator,
                Err(e) => {
                    return Some(fail(format!(
                        "argument `{}`: its schema cannot check values: {e}",
                        argument.value
                    )));
                }
            };
            let error = validator.iter_errors(value).next()?;
            Some(fail(format!(
                "argument `{}`: the {what} {value} does not fit its schema: {error}",
                argument.value
            )))
        };
        if let Some(value) = &rule.fixed {
            if let Some(d) = problem(value, "fixed value") {
                errors.push(d);
                continue;
            }
            remove_property(&mut tool.input_schema, &argument.value);
            tool.fixed_arguments
                .insert(argument.value.clone(), value.clone());
        }
        if let Some(allowed) = &rule.allowed {
            if allowed.is_empty() {
                errors.push(fail(format!(
                    "argument `{}`: `enum` is empty",
                    argument.value
                )));
                continue;
            }
            if let Some(d) = allowed.iter().find_map(|v| problem(v, "enum value")) {
                errors.push(d);
                continue;
            }
            set_keyword(
                &mut tool.input_schema,
                &argument.value,
                "enum",
                Value::Array(allowed.clone()),
            );
        }
        if let Some(value) = &rule.default {
            if let Some(d) = problem(value, "default") {
                errors.push(d);
                continue;
            }
            if let Some(allowed) = &rule.allowed
                && !allowed.contains(value)
            {
                errors.push(fail(format!(
                    "argument `{}`: the default {value} is not one of its `enum` values",
                    argument.value
                )));
                continue;
            }
            set_keyword(
                &mut tool.input_schema,
                &argument.value,
                "default",
                value.clone(),
            );
            unrequire(&mut tool.input_schema, &argument.value);
            tool.default_arguments
                .insert(argument.value.clone(), value.clone());
        }
    }
}

fn remove_property(schema: &mut Map<String, Value>, name: &str) {
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.remove(name);
    }
    unrequire(schema, name);
}

fn unrequire(schema: &mut Map<String, Value>, name: &str) {
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| r != name);
        if required.is_empty() {
            schema.remove("required");
        }
    }
}

/// Sets a keyword on a property's schema; a `$ref` property is wrapped in `allOf` so the
/// shared definition stays as it is.
fn set_keyword(schema: &mut Map<String, Value>, name: &str, keyword: &str, value: Value) {
    let Some(Value::Object(properties)) = schema.get_mut("properties") else {
        return;
    };
    let Some(property) = properties.get_mut(name) else {
        return;
    };
    if let Value::Object(object) = property {
        if object.contains_key("$ref") {
            let inner = std::mem::take(object);
            object.insert("allOf".into(), Value::Array(vec![Value::Object(inner)]));
        }
        object.insert(keyword.to_string(), value);
    }
}

/// Adds `other`'s tools, schemes and definitions to `into`. A definition or scheme name
/// both have with different content is renamed in `other` (`Name_2`, ...).
fn merge(mut into: Api, mut other: Api) -> Api {
    let input = rename_clashes(&into.input_defs, &other.input_defs);
    let output = rename_clashes(&into.output_defs, &other.output_defs);
    let schemes: BTreeMap<String, String> = {
        let mut renames = BTreeMap::new();
        for (name, scheme) in &other.security_schemes {
            if into.security_schemes.get(name).is_some_and(|s| s != scheme) {
                let mut n = 2;
                while into.security_schemes.contains_key(&format!("{name}_{n}")) {
                    n += 1;
                }
                renames.insert(name.clone(), format!("{name}_{n}"));
            }
        }
        renames
    };
    for (name, mut def) in std::mem::take(&mut other.input_defs) {
        rewrite_refs(&mut def, &input);
        into.input_defs
            .insert(input.get(&name).cloned().unwrap_or(name), def);
    }
    for (name, mut def) in std::mem::take(&mut other.output_defs) {
        rewrite_refs(&mut def, &output);
        into.output_defs
            .insert(output.get(&name).cloned().unwrap_or(name), def);
    }
    into.databases.append(&mut other.databases);
    for (name, scheme) in std::mem::take(&mut other.security_schemes) {
        into.security_schemes
            .insert(schemes.get(&name).cloned().unwrap_or(name), scheme);
    }
    for mut tool in other.tools {
        let mut schema = Value::Object(std::mem::take(&mut tool.input_schema));
        rewrite_refs(&mut schema, &input);
        tool.input_schema = match schema {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        for name in &mut tool.input_defs {
            if let Some(new) = input.get(name) {
                *name = new.clone();
            }
        }
        if let Some(output_schema) = tool.output_schema.take() {
            let mut schema = Value::Object(output_schema);
            rewrite_refs(&mut schema, &output);
            if let Value::Object(map) = schema {
                tool.output_schema = Some(map);
            }
        }
        for name in &mut tool.output_defs {
            if let Some(new) = output.get(name) {
                *name = new.clone();
            }
        }
        for alternative in &mut tool.security {
            for scheme_use in alternative {
                if let Some(new) = schemes.get(&scheme_use.scheme) {
                    scheme_use.scheme = new.clone();
                }
            }
        }
        into.tools.push(tool);
    }
    into
}

fn rename_clashes(
    into: &BTreeMap<String, Value>,
    other: &BTreeMap<String, Value>,
) -> BTreeMap<String, String> {
    let mut taken: BTreeSet<String> = into.keys().chain(other.keys()).cloned().collect();
    let mut renames = BTreeMap::new();
    for (name, def) in other {
        if into.get(name).is_some_and(|d| d != def) {
            let mut n = 2;
            while taken.contains(&format!("{name}_{n}")) {
                n += 1;
            }
            let new = format!("{name}_{n}");
            taken.insert(new.clone());
            renames.insert(name.clone(), new);
        }
    }
    renames
}

/// Points every `#/$defs/Old` reference at its new name.
fn rewrite_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    if renames.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(target) = child
                    && let Some(name) = target.strip_prefix("#/$defs/")
                    && let Some(new) = renames.get(name)
                {
                    *target = format!("#/$defs/{new}");
                } else {
                    rewrite_refs(child, renames);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_segments() {
        assert!(glob_matches(
            "/repos/*/*/pulls",
            "/repos/{owner}/{repo}/pulls"
        ));
        assert!(glob_matches("/repos/**", "/repos/{owner}/{repo}/pulls/{n}"));
        assert!(glob_matches("/repos/**/pulls", "/repos/a/b/pulls"));
        assert!(!glob_matches("/repos/*", "/repos/a/b"));
        assert!(glob_matches("/pet*", "/pets"));
        assert!(!glob_matches("/pet*", "/store"));
    }

    #[test]
    fn projects_are_told_from_openapi_documents() {
        assert!(is_project("sources:\n  - openapi: a.yaml\n"));
        assert!(!is_project("openapi: 3.1.0\nsources: 1\n"));
        assert!(!is_project("swagger: '2.0'\n"));
    }

    #[test]
    fn misspelt_keys_get_the_nearest_one() {
        assert_eq!(
            nearest_key_hint(
                "unknown field `prefx`, expected one of `openapi`, `prefix`, `base_url`"
            ),
            Some("did you mean `prefix`?".to_string())
        );
        assert_eq!(
            nearest_key_hint("unknown field `zzzzzzzz`, expected `a`"),
            None
        );
    }
}
