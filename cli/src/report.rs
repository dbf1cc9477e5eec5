//! Diagnostics rendered for people: miette snippets pointing at the line and column concerned.

use mcpgen_codegen::{Diagnostic, Outcome, Severity};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::io::{IsTerminal, Write};

/// Prints every diagnostic of a load to stderr, each with a snippet when its place is known.
pub fn diagnostics(outcome: &Outcome) -> std::io::Result<()> {
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(2);
    let mut err = std::io::stderr().lock();
    let (shown, hidden) = outcome.shown(mcpgen_codegen::MAX_PLACED);
    for d in shown {
        let source = d
            .file
            .as_ref()
            .and_then(|f| outcome.files.iter().find(|s| &s.name == f))
            .map(|s| NamedText {
                name: &s.name,
                text: s.text(),
            });
        let shown = Shown { d, source };
        let mut text = String::new();
        if handler.render_report(&mut text, &shown).is_err() {
            text = format!("{d}\n");
        }
        write!(err, "{text}")?;
    }
    if hidden > 0 {
        writeln!(err, "... and {hidden} more diagnostic(s) not shown")?;
    }
    Ok(())
}

/// A diagnostic with the text it points into, as miette wants it.
struct Shown<'a> {
    d: &'a Diagnostic,
    source: Option<NamedText<'a>>,
}

/// A file's text that tells miette its name, so snippets are headed by the file.
struct NamedText<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for NamedText<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl std::fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.d)
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.d;
        if let Some(file) = &d.file {
            write!(f, "{file}")?;
            if let (Some(line), Some(column)) = (d.line, d.column) {
                write!(f, ":{line}:{column}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", d.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("mcpgen::{}", self.d.code)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let help = self.d.help.clone();
        let pointer = self.d.pointer.clone().filter(|p| !p.is_empty());
        match (help, pointer) {
            (Some(h), Some(p)) => Some(Box::new(format!("{h}\n(at {p})"))),
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(p)) => Some(Box::new(format!("at {p}"))),
            (None, None) => None,
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.d.span?;
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (offset, len) = self.d.span?;
        self.source.as_ref()?;
        let label = match self.d.severity {
            Severity::Error => "here",
            Severity::Warning => "this",
        };
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label.into()),
            offset,
            len.max(1),
        ))))
    }
}

/// `mcpgen list --stats`: what each mode costs a client's context.
pub fn stats(
    out: &mut impl Write,
    api: &mcpgen_runtime::model::Api,
    discovers: bool,
) -> std::io::Result<()> {
    use mcpgen_runtime::discovery::{discovery_tools, estimate_tokens};
    let all =
        serde_json::to_vec(&mcpgen_runtime::tools_list::ToolsListView(api)).map_or(0, |v| v.len());
    let discover = serde_json::to_vec(&serde_json::json!({ "tools": discovery_tools(api) }))
        .map_or(0, |v| v.len());
    writeln!(
        out,
        "{:<9} {:>6} {:>12} {:>14}",
        "MODE", "TOOLS", "LIST BYTES", "TOKENS (est.)"
    )?;
    for (mode, tools, bytes) in [("all", api.tools.len(), all), ("discover", 3, discover)] {
        writeln!(
            out,
            "{mode:<9} {tools:>6} {bytes:>12} {:>14}",
            estimate_tokens(bytes)
        )?;
    }
    writeln!(
        out,
        "offered as: {} ({} operations; --tools changes it)",
        if discovers { "discover" } else { "all" },
        api.tools.len()
    )
}

/// Prints where each database's connection URL comes from and whether it is there.
pub fn databases(api: &mcpgen_runtime::model::Api) -> std::io::Result<()> {
    if api.databases.is_empty() {
        return Ok(());
    }
    let mut err = std::io::stderr().lock();
    writeln!(err, "  databases:")?;
    for (name, database) in &api.databases {
        let reader =
            mcpgen_runtime::credentials::source::SecretReader::new((&database.connection).into());
        let state = if reader.is_present() {
            "configured"
        } else {
            "missing"
        };
        writeln!(
            err,
            "    {name}: {state} (connection URL from {})",
            reader.source().describe()
        )?;
    }
    Ok(())
}

/// Prints each security scheme of a document with where its secret comes from and whether it
/// is there (never a value).
pub fn credentials(credentials: &mcpgen_runtime::credentials::Credentials) -> std::io::Result<()> {
    let status = credentials.status();
    if status.is_empty() {
        return Ok(());
    }
    let mut err = std::io::stderr().lock();
    writeln!(err, "  credentials:")?;
    for s in status {
        let state = match (&s.unsupported, s.configured) {
            (Some(_), _) => "unsupported",
            (None, true) => "configured",
            (None, false) => "missing",
        };
        writeln!(
            err,
            "    {}: {state} ({}; from {})",
            s.scheme, s.kind, s.source
        )?;
    }
    Ok(())
}
