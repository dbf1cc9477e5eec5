//! What the loader tells the user: errors that stop a document from loading and warnings about
//! what it skipped or changed. Each names the file, the place inside it and what was expected.

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was skipped or adjusted; the tools still work.
    Warning,
    /// The document cannot be served as written.
    Error,
}

/// One finding about an input document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case identifier of the kind of problem (`ref-missing`, `syntax`, ...),
    /// for tests and tooling; see the README for the list.
    pub code: &'static str,
    /// What is wrong, naming the thing concerned.
    pub message: String,
    /// The file concerned, as given or as reached through a `$ref`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The JSON pointer of the node concerned inside `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// 1-based line in `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Byte offset and length of the span to highlight, when known.
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
    /// What was expected, or how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error of the given kind.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A warning of the given kind.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file: None,
            pointer: None,
            line: None,
            column: None,
            span: None,
            help: None,
        }
    }

    /// Places the diagnostic at a JSON pointer inside a file.
    pub fn at(mut self, file: &str, pointer: &str) -> Self {
        self.file = Some(file.to_string());
        self.pointer = Some(pointer.to_string());
        self
    }

    /// Places the diagnostic at a line and column of a file.
    pub fn at_line(mut self, file: &str, line: usize, column: usize) -> Self {
        self.file = Some(file.to_string());
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Adds what was expected or how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this diagnostic stops the document from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let (Some(line), Some(column)) = (self.line, self.column) {
                write!(f, ":{line}:{column}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{kind}[{}]: {}", self.code, self.message)?;
        if let Some(pointer) = &self.pointer
            && !pointer.is_empty()
        {
            write!(f, " (at {pointer})")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}
