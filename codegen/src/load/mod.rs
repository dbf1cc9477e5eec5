//! Documents in, model out: reads an API description and its referenced files, lowers it into
//! an [`Api`], and reports what it skipped or could not read with file, line and column.

mod document;
pub mod locate;
pub(crate) mod names;
mod openapi;
mod schema;
mod source;

use crate::Diagnostic;
use crate::overlay::Overlay;
use mcpgen_runtime::model::Api;
use std::path::{Path, PathBuf};

pub use names::{fit as fit_name, sanitize as sanitize_name};
pub use openapi::{classify as classify_media_type, template_slots};

/// Settings for loading; the defaults suit the strictest common clients.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The longest tool name to produce (64 for Claude and OpenAI, 60 for Cursor).
    pub max_tool_name_len: usize,
    /// The folder `$ref`s may reach into. Default: the current folder when the document is
    /// inside it, else the document's own folder.
    pub ref_root: Option<PathBuf>,
    /// The largest file to read, in bytes (a guard against feeding the loader a disk image).
    pub max_file_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_tool_name_len: 64,
            ref_root: None,
            max_file_bytes: 64 * 1024 * 1024,
        }
    }
}

impl LoadOptions {
    /// Sets the longest tool name (at least 16, so a hash suffix still leaves a readable head).
    pub fn with_max_tool_name_len(mut self, max: usize) -> Self {
        self.max_tool_name_len = max.max(16);
        self
    }

    /// Sets the folder `$ref`s may reach into.
    pub fn with_ref_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.ref_root = Some(root.into());
        self
    }

    /// Sets the largest file to read, in bytes.
    pub fn with_max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }
}

/// A file's name and text, kept so diagnostics can quote it.
#[derive(Clone, Debug)]
pub struct SourceText {
    /// The name diagnostics use for it.
    pub name: String,
    /// Its full text, once known.
    text: std::sync::OnceLock<String>,
    /// Where to read the text from when it was not kept (a large document): the file as it
    /// was opened for loading, and the bytes before the text in it.
    file: Option<(std::sync::Arc<std::fs::File>, u64)>,
}

impl SourceText {
    /// A file whose text is at hand.
    pub fn new(name: String, text: String) -> Self {
        SourceText {
            name,
            text: std::sync::OnceLock::from(text),
            file: None,
        }
    }

    /// A file whose text is read from `file` (after `skip` bytes) when first asked for: a
    /// large document's text is not kept in memory for diagnostics that may never quote it.
    pub fn on_disk(name: String, file: std::fs::File, skip: u64) -> Self {
        SourceText {
            name,
            text: std::sync::OnceLock::new(),
            file: Some((std::sync::Arc::new(file), skip)),
        }
    }

    /// Its full text (empty when a file read again no longer can be).
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| {
            use std::io::{Read, Seek, SeekFrom};
            let mut text = String::new();
            if let Some((file, skip)) = &self.file {
                let mut file: &std::fs::File = file;
                if file.seek(SeekFrom::Start(*skip)).is_err()
                    || file.read_to_string(&mut text).is_err()
                {
                    text.clear();
                }
            }
            text
        })
    }
}

/// What loading a document produced.
#[derive(Debug)]
pub struct Outcome {
    /// The model, when the document had no errors.
    pub api: Option<Api>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read, for quoting in diagnostics.
    pub files: Vec<SourceText>,
}

impl Outcome {
    /// Whether any diagnostic is an error (then `api` is `None`).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Works out line, column and span for every diagnostic, warnings included (errors have
    /// theirs already). Call it before showing diagnostics to a person.
    pub fn place_all(&mut self) {
        place(&mut self.diagnostics, &self.files, |_| true);
    }

    /// The diagnostics worth showing a person: errors first, then warnings, at most `limit`
    /// (a hostile document can produce hundreds of thousands), and how many were left out.
    pub fn shown(&self, limit: usize) -> (Vec<&Diagnostic>, usize) {
        let mut all: Vec<&Diagnostic> = self.diagnostics.iter().filter(|d| d.is_error()).collect();
        all.extend(self.diagnostics.iter().filter(|d| !d.is_error()));
        let hidden = all.len().saturating_sub(limit);
        all.truncate(limit);
        (all, hidden)
    }
}

/// Loads the document at `path` and every file it refers to.
pub fn load(path: &Path, options: &LoadOptions) -> Outcome {
    load_with_overlays(path, options, &[])
}

/// [`load`] with Overlay documents applied, in order, to the document at `path` before it
/// becomes tools, so a published description can be trimmed and reworded without editing it.
/// Overlays change only that document, not the files its `$ref`s reach.
pub fn load_with_overlays(path: &Path, options: &LoadOptions, overlays: &[Overlay]) -> Outcome {
    let name = path.display().to_string();
    let root_dir = ref_root(path, options);
    let mut sources = source::Sources::new(root_dir, options.max_file_bytes);
    let mut diagnostics = Vec::new();
    let api = match sources.open(path, &name) {
        Ok(root) => {
            apply_overlays(&mut sources, root, overlays, &mut diagnostics);
            if diagnostics.iter().any(Diagnostic::is_error) {
                None
            } else {
                openapi::lower(&mut sources, options, &mut diagnostics)
            }
        }
        Err(d) => {
            let mut d = *d;
            if d.file.is_none() {
                d.file = Some(name.clone());
            }
            diagnostics.push(d);
            None
        }
    };
    for name in sources.changed_files() {
        diagnostics.push(
            Diagnostic::error("io", format!("{name} changed while it was being read"))
                .help("load it again once it is written"),
        );
    }
    let mut files = sources.into_texts();
    if files.is_empty()
        && let Ok(bytes) = std::fs::read(path)
        && bytes.len() as u64 <= options.max_file_bytes
    {
        files.push(SourceText::new(
            name,
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    files.extend(
        overlays
            .iter()
            .map(|o| SourceText::new(o.file.clone(), o.text.clone())),
    );
    // Errors are placed now; warnings only when shown (`Outcome::place_all`), because working
    // out a position means re-reading the file, which a large document cannot afford each run.
    place(&mut diagnostics, &files, Diagnostic::is_error);
    let api = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        api
    };
    Outcome {
        api,
        diagnostics,
        files,
    }
}

/// Applies the overlays to the parsed root document, replacing it with the result.
fn apply_overlays(
    sources: &mut source::Sources,
    root: usize,
    overlays: &[Overlay],
    diagnostics: &mut Vec<Diagnostic>,
) {
    if overlays.is_empty() {
        return;
    }
    let Some(mut document) = sources.value(root) else {
        return;
    };
    for overlay in overlays {
        diagnostics.extend(overlay.apply(&mut document));
    }
    sources.replace_value(root, document);
}

fn ref_root(path: &Path, options: &LoadOptions) -> PathBuf {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    if let Some(root) = &options.ref_root {
        return canonical(root);
    }
    let doc_dir = canonical(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    match std::env::current_dir() {
        Ok(cwd) if doc_dir.starts_with(canonical(&cwd)) => canonical(&cwd),
        _ => doc_dir,
    }
}

/// How many diagnostics of one load get a line and column worked out.
pub const MAX_PLACED: usize = 200;

/// Fills in line, column and span for diagnostics that carry only a JSON pointer.
fn place(diagnostics: &mut [Diagnostic], files: &[SourceText], which: fn(&Diagnostic) -> bool) {
    // Each position costs a pass over the file, so only as many as anyone reads get one.
    for d in diagnostics
        .iter_mut()
        .filter(|d| which(d) && d.span.is_none())
        .take(MAX_PLACED)
    {
        let Some(file) = &d.file else { continue };
        let Some(source) = files.iter().find(|f| &f.name == file) else {
            continue;
        };
        if d.line.is_some() {
            if d.span.is_none()
                && let (Some(line), Some(column)) = (d.line, d.column)
            {
                d.span = Some((offset_of(source.text(), line, column), 1));
            }
            continue;
        }
        let Some(pointer) = &d.pointer else { continue };
        if let Some(position) = locate::locate(source.text(), pointer) {
            d.line = Some(position.line);
            d.column = Some(position.column);
            d.span = Some((position.offset, position.len));
        }
    }
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return (offset + within).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}
