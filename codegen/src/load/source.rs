//! Reading documents from disk and resolving `$ref`s between them.
//!
//! Every file is read once, checked (size, binary content, UTF-8), parsed as JSON or YAML by
//! looking at its content rather than its extension, and kept with its text so diagnostics can
//! quote it (a large JSON document's text stays in its file; see [`Document::lazy_json`]).
//! `$ref`s are resolved relative to the file that contains them; a reference may not leave
//! the ref root folder and never goes to the network.

use super::SourceText;
use super::document::{Document, NodeRef, OpenedFile};
use super::locate;
use crate::Diagnostic;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Every file loaded so far, by canonical path.
pub struct Sources {
    files: Vec<SourceFile>,
    by_path: HashMap<PathBuf, usize>,
    root_dir: PathBuf,
    max_file_bytes: u64,
}

/// One parsed file.
pub struct SourceFile {
    /// The name diagnostics show: as given for the root document, relative to it otherwise.
    pub name: String,
    /// The canonical path.
    pub path: PathBuf,
    /// The document, read through JSON pointers.
    pub doc: Document,
}

/// A reference target: a file index and a JSON pointer inside it.
pub type Target = (usize, String);

impl Sources {
    /// An empty set of files whose `$ref`s may not leave `root_dir`.
    pub fn new(root_dir: PathBuf, max_file_bytes: u64) -> Self {
        Sources {
            files: Vec::new(),
            by_path: HashMap::new(),
            root_dir,
            max_file_bytes,
        }
    }

    /// The file at `index`.
    pub fn file(&self, index: usize) -> &SourceFile {
        &self.files[index]
    }

    /// Every file read, in the order they were reached.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Reads and parses the file at `path` (shown as `name`), or returns the index it already
    /// has. A file that cannot be read or parsed yields a diagnostic.
    pub fn open(&mut self, path: &Path, name: &str) -> Result<usize, Box<Diagnostic>> {
        let canonical = path.canonicalize().map_err(|e| {
            Diagnostic::error("io", format!("cannot read {name}: {e}")).help(format!(
                "expected a readable YAML or JSON file at {}",
                path.display()
            ))
        })?;
        if let Some(&index) = self.by_path.get(&canonical) {
            return Ok(index);
        }
        let doc = read_document(&canonical, name, self.max_file_bytes)?;
        let index = self.files.len();
        self.files.push(SourceFile {
            name: name.to_string(),
            path: canonical.clone(),
            doc,
        });
        self.by_path.insert(canonical, index);
        Ok(index)
    }

    /// The node a JSON pointer names inside a file.
    pub fn node(&self, file: usize, pointer: &str) -> Option<NodeRef> {
        self.files[file].doc.node(pointer)
    }

    /// The keys of the object a JSON pointer names, in document order.
    pub fn keys(&self, file: usize, pointer: &str) -> Option<Vec<String>> {
        self.files[file].doc.keys(pointer)
    }

    /// The whole parsed content of a file (parsing all of a large JSON document).
    pub fn value(&self, file: usize) -> Option<Value> {
        self.node(file, "").map(|node| node.clone())
    }

    /// Replaces the parsed content of a file, e.g. with overlays applied, keeping its text
    /// for quoting (positions of changed nodes are then approximate).
    pub fn replace_value(&mut self, file: usize, value: Value) {
        let doc = &mut self.files[file].doc;
        let text = std::mem::replace(doc, Document::tree(String::new(), Value::Null)).into_text();
        *doc = Document::tree(text, value);
    }

    /// Lets go of the parsed form of a node that will not be read again.
    pub fn release(&self, file: usize, pointer: &str) {
        self.files[file].doc.release(pointer);
    }

    /// Every file's name and text, in the order they were reached. A large document's text,
    /// which was not kept, is read again from its file only if a diagnostic quotes it.
    pub fn into_texts(self) -> Vec<SourceText> {
        self.files
            .into_iter()
            .map(|f| {
                let on_disk = f
                    .doc
                    .text_file()
                    .and_then(|(opened, skip)| Some((opened.file.try_clone().ok()?, skip)));
                match on_disk {
                    Some((file, skip)) => SourceText::on_disk(f.name, file, skip),
                    None => SourceText::new(f.name, f.doc.into_text()),
                }
            })
            .collect()
    }

    /// The files read again as loading went on that are not as they were when first read:
    /// what was built from them may mix two versions.
    pub fn changed_files(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| f.doc.text_changed())
            .map(|f| f.name.as_str())
            .collect()
    }

    /// Where a `$ref` found in `file` points, opening the referenced file when needed.
    /// `at` is the pointer of the object holding the `$ref`, for diagnostics.
    pub fn target(
        &mut self,
        file: usize,
        at: &str,
        reference: &Value,
    ) -> Result<Target, Box<Diagnostic>> {
        let here = self.files[file].name.clone();
        let err = |code, message: String| Box::new(Diagnostic::error(code, message).at(&here, at));
        let Some(reference) = reference.as_str() else {
            return Err(err(
                "ref-invalid",
                format!("`$ref` must be a string, found {}", kind_of(reference)),
            ));
        };
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(err(
                "ref-invalid",
                format!("`$ref: {reference}` has a fragment that is not a JSON pointer"),
            )
            .map_help("expected `#/` followed by a path, e.g. `#/components/schemas/Pet`"));
        }
        let fragment = percent_encoding::percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned();
        if file_part.is_empty() {
            return Ok((file, fragment));
        }
        if file_part.starts_with("file:") {
            return Err(err(
                "ref-escape",
                format!("`$ref: {reference}` is a file: URL; mcpgen follows only relative paths inside the ref root"),
            )
            .map_help("refer to the file by a path relative to this document"));
        }
        if file_part.contains("://") || file_part.starts_with("//") {
            return Err(err(
                "ref-remote",
                format!("`$ref: {reference}` points to a remote document; mcpgen never fetches over the network while loading"),
            )
            .map_help("download the document and refer to it by a relative file path"));
        }
        let relative = percent_encoding::percent_decode_str(file_part).decode_utf8_lossy();
        let base = self.files[file].path.parent().unwrap_or(Path::new("/"));
        let wanted = base.join(relative.as_ref());
        let canonical = wanted.canonicalize().map_err(|e| {
            err(
                "ref-missing",
                format!("`$ref: {reference}` names a file that cannot be read: {e}"),
            )
        })?;
        if !canonical.starts_with(&self.root_dir) {
            return Err(err(
                "ref-escape",
                format!(
                    "`$ref: {reference}` leaves the folder documents may refer into ({})",
                    self.root_dir.display()
                ),
            )
            .map_help(
                "keep referenced files beside the document, or widen the root with --ref-root",
            ));
        }
        let name = display_name(&self.files[0].path, &canonical);
        let index = self.open(&canonical, &name).map_err(|mut d| {
            if d.file.is_none() {
                d = Box::new(d.at(&here, at));
            }
            d
        })?;
        Ok((index, fragment))
    }

    /// Follows `$ref`s from `node` (at `pointer` in its file) until a node without one, so
    /// parameters, responses, path items and bodies can be read through their references.
    /// Returns the node reached and its pointer.
    pub fn deref(
        &mut self,
        file: usize,
        pointer: &str,
    ) -> Result<(usize, String), Box<Diagnostic>> {
        let mut at = (file, pointer.to_string());
        let mut seen = vec![at.clone()];
        let mut seen_set: std::collections::HashSet<(usize, String)> =
            std::collections::HashSet::from([at.clone()]);
        loop {
            let Some(node) = self.node(at.0, &at.1) else {
                return Ok(at);
            };
            let Some(reference) = node.as_object().and_then(|o| o.get("$ref")) else {
                return Ok(at);
            };
            let reference = reference.clone();
            let next = self.target(at.0, &at.1, &reference)?;
            if self.node(next.0, &next.1).is_none() {
                return Err(self.missing(&at, &reference, &next));
            }
            if !seen_set.insert(next.clone()) {
                let chain: Vec<String> = seen
                    .iter()
                    .chain(std::iter::once(&next))
                    .map(|(f, p)| format!("{}#{}", self.files[*f].name, p))
                    .collect();
                return Err(Box::new(
                    Diagnostic::error(
                        "ref-cycle",
                        format!(
                            "`$ref`s loop without reaching a definition: {}",
                            chain.join(" -> ")
                        ),
                    )
                    .at(&self.files[at.0].name, &at.1),
                ));
            }
            seen.push(next.clone());
            at = next;
        }
    }

    /// The diagnostic for a `$ref` (found at `at`) whose target does not exist.
    pub fn missing(&self, at: &Target, reference: &Value, target: &Target) -> Box<Diagnostic> {
        let shown = reference.as_str().unwrap_or_default();
        Box::new(
            Diagnostic::error(
                "ref-missing",
                format!(
                    "`$ref: {shown}` points to nothing: {} has no {}",
                    self.files[target.0].name,
                    if target.1.is_empty() {
                        "document".to_string()
                    } else {
                        format!("`{}`", target.1)
                    }
                ),
            )
            .at(&self.files[at.0].name, &at.1)
            .help(nearest_hint(&self.files[target.0].doc, &target.1)),
        )
    }
}

trait MapHelp {
    fn map_help(self, help: &str) -> Self;
}

impl MapHelp for Box<Diagnostic> {
    fn map_help(self, help: &str) -> Self {
        Box::new((*self).help(help))
    }
}

/// What a diagnostic says about a missing pointer: the longest prefix that does exist.
fn nearest_hint(doc: &Document, pointer: &str) -> String {
    let mut found = String::new();
    for segment in pointer.split('/').skip(1) {
        let next = format!("{found}/{segment}");
        if doc.node(&next).is_some() {
            found = next;
            continue;
        }
        let key = unescape(segment);
        let keys: Vec<String> = doc
            .keys(&found)
            .unwrap_or_default()
            .into_iter()
            .take(8)
            .collect();
        let place = if found.is_empty() {
            "the document root".to_string()
        } else {
            format!("`{found}`")
        };
        return if keys.is_empty() {
            format!("{place} has no `{key}`")
        } else {
            format!("{place} has no `{key}`; it has: {}", keys.join(", "))
        };
    }
    "check the pointer after `#`".to_string()
}

/// How a `$ref`'d file is shown: relative to the root document's folder when possible.
fn display_name(root_doc: &Path, file: &Path) -> String {
    let base = root_doc.parent().unwrap_or(Path::new("/"));
    let mut up = PathBuf::new();
    let mut dir = base;
    loop {
        if let Ok(rest) = file.strip_prefix(dir) {
            return up.join(rest).display().to_string();
        }
        match dir.parent() {
            Some(parent) => {
                up.push("..");
                dir = parent;
            }
            None => return file.display().to_string(),
        }
    }
}

/// Reads, checks and parses one file.
fn read_document(path: &Path, name: &str, max_bytes: u64) -> Result<Document, Box<Diagnostic>> {
    let io_err =
        |e: std::io::Error| Box::new(Diagnostic::error("io", format!("cannot read {name}: {e}")));
    let size = std::fs::metadata(path).map_err(io_err)?.len();
    if size > max_bytes {
        return Err(Box::new(
            Diagnostic::error(
                "too-large",
                format!(
                    "{name} is {}, over the {} limit for one document",
                    human_size(size),
                    human_size(max_bytes)
                ),
            )
            .help("raise the limit with --max-file-size if the document is genuine"),
        ));
    }
    let mut file = std::fs::File::open(path).map_err(io_err)?;
    let metadata = file.metadata().map_err(io_err)?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(io_err)?;
    let read = bytes.len() as u64;
    let text = check_text(bytes, name)?;
    // A large JSON document is read again from this open file, unit by unit.
    let opened = OpenedFile {
        file,
        len: read,
        modified: metadata.modified().ok(),
    };
    let skip = read - text.len() as u64;
    parse(text, name, Some((opened, skip)))
}

/// A byte count for people: `64 bytes`, `12.4 KiB`, `100.0 MiB`.
fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Refuses binary and non-UTF-8 content with the place of the first bad byte.
fn check_text(bytes: Vec<u8>, name: &str) -> Result<String, Box<Diagnostic>> {
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return Err(Box::new(
            Diagnostic::error(
                "binary",
                format!("{name} is a binary file (it contains NUL bytes)"),
            )
            .help("expected a YAML or JSON text document"),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let valid = String::from_utf8_lossy(&bytes[..offset]);
            let (line, column) = locate::line_col(&valid, offset);
            Err(Box::new(
                Diagnostic::error(
                    "utf8",
                    format!(
                        "{name} is not valid UTF-8: byte 0x{:02X} at line {line}, column {column}",
                        bytes[offset]
                    ),
                )
                .at_line(name, line, column)
                .help("save the document as UTF-8"),
            ))
        }
    }
}

/// Parses JSON or YAML, chosen by the first meaningful character: `{` or `[` means JSON.
/// `file` is where the text was read from, after how many bytes (see [`Document::lazy_json`]).
fn parse(
    text: String,
    name: &str,
    file: Option<(OpenedFile, u64)>,
) -> Result<Document, Box<Diagnostic>> {
    let meaningful = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = meaningful else {
        return Err(Box::new(
            Diagnostic::error("empty", format!("{name} is empty"))
                .at_line(name, 1, 1)
                .help("expected an OpenAPI or Swagger document starting with `openapi:` or `swagger:`"),
        ));
    };
    let json_error =
        |e: serde_json::Error| {
            Box::new(
                Diagnostic::error("syntax", format!("not valid JSON: {}", json_message(&e)))
                    .at_line(name, e.line().max(1), e.column().max(1)),
            )
        };
    if first.starts_with('{') {
        return Document::lazy_json(text, file).map_err(json_error);
    }
    if first.starts_with('[') {
        let root = serde_json::from_str(&text).map_err(json_error)?;
        return Ok(Document::tree(text, root));
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = YAML_MAX_DEPTH;
    // The crate's defaults suit configuration files; an API document may be megabytes. Every
    // node takes at least two bytes of text, so these scale with the file, not past it, while
    // the alias limits (the defence against alias bombs) stay as they are.
    budget.max_nodes = budget.max_nodes.max(text.len() / 2);
    budget.max_events = budget.max_events.max(text.len());
    let options = serde_saphyr::options! {
        strict_booleans: true,
        budget: Some(budget),
    };
    match serde_saphyr::from_str_with_options::<Value>(&text, options) {
        Ok(root) => Ok(Document::tree(text, root)),
        Err(e) => {
            let (line, column) = yaml_position(&e);
            let mut d =
                Diagnostic::error("syntax", format!("not valid YAML: {}", yaml_message(&e)));
            if let Some((line, column)) = line.zip(column) {
                d = d.at_line(name, line, column);
            } else {
                d.file = Some(name.to_string());
            }
            if text.lines().any(|l| l.starts_with('\t')) {
                d = d.help("YAML indentation must use spaces, not tabs");
            }
            Err(Box::new(d))
        }
    }
}

/// How deeply YAML may nest. Deeper documents are refused rather than risk the stack of a
/// small (2 MiB) thread; real API documents stay far below this.
const YAML_MAX_DEPTH: usize = 64;

fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_string(),
        None => full,
    }
}

fn yaml_position(e: &serde_saphyr::Error) -> (Option<usize>, Option<usize>) {
    match e.location() {
        Some(loc) => (Some(loc.line() as usize), Some(loc.column() as usize)),
        None => (None, None),
    }
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    if full.contains("budget breached") {
        if full.contains("Depth") {
            return format!("it nests deeper than {YAML_MAX_DEPTH} levels");
        }
        let what = full
            .split("budget breached:")
            .nth(1)
            .unwrap_or_default()
            .trim();
        return format!(
            "it exceeds a resource limit ({what}); aliases and anchors are the usual cause"
        );
    }
    // The crate renders a source snippet after the first line; the CLI draws its own.
    let first = full.lines().next().unwrap_or_default().trim();
    // Drop the crate's own "error: line N column M:" prefix; the diagnostic has the place.
    let first = first.strip_prefix("error:").map(str::trim).unwrap_or(first);
    let message = match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((_, message)) => message,
        None => first,
    };
    // Advice meant for programs using the YAML crate, not for the person fixing the file.
    match message.split_once(", set DuplicateKeyPolicy") {
        Some((message, _)) => message.to_string(),
        None => message.to_string(),
    }
}

/// The JSON type name of a value, for "expected X, found Y" messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Decodes one RFC 6901 pointer segment.
pub fn unescape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~").into()
    } else {
        segment.into()
    }
}

/// Encodes one key as an RFC 6901 pointer segment.
pub fn escape(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}

/// The value a JSON pointer names, if any.
pub fn pointer_get<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut node = root;
    for segment in pointer.strip_prefix('/')?.split('/') {
        let key = unescape(segment);
        node = match node {
            Value::Object(map) => map.get(key.as_ref())?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::document::KEEP_TEXT_BYTES;

    #[test]
    fn a_large_document_changed_while_loading_is_noticed() {
        let dir = std::env::temp_dir().join(format!("mcpgen-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.json");
        let padding = "x".repeat(KEEP_TEXT_BYTES + 1);
        let doc = format!(r#"{{"openapi": "3.1.0", "x-padding": "{padding}", "paths": {{}}}}"#);
        std::fs::write(&path, &doc).unwrap();
        let mut sources = Sources::new(dir.clone(), u64::MAX);
        let file = sources.open(&path, "big.json").unwrap();
        assert_eq!(
            sources.node(file, "/openapi").map(|n| n.clone()),
            Some("3.1.0".into())
        );
        assert!(sources.changed_files().is_empty());

        std::fs::write(&path, format!("{doc} ")).unwrap();
        assert_eq!(sources.changed_files(), vec!["big.json"]);
        // Diagnostics quote the file as it is now, read only when asked for.
        let texts = sources.into_texts();
        assert_eq!(texts[0].text(), format!("{doc} "));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
