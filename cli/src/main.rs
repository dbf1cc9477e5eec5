//! The `mcpgen` command: check and list API descriptions as MCP tools (serve and generate
//! follow). `main` parses flags and hands over to [`run`], the one place errors are printed.

mod report;

use clap::{Args, Parser, Subcommand};
use mcpgen_codegen::{LoadOptions, Outcome, load};
use mcpgen_runtime::model::{Api, SecurityRequirement};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Turn OpenAPI documents into MCP servers.
#[derive(Parser)]
#[command(name = "mcpgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate documents: print every error and warning with file, line and column.
    /// Exits 1 when any document has an error.
    Check {
        /// Documents to check (Swagger 2.0, OpenAPI 3.0/3.1/3.2; YAML or JSON).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        #[command(flatten)]
        load: LoadFlags,
    },
    /// List the tools a document becomes: a table, or the exact tools/list JSON.
    List {
        /// The document.
        spec: PathBuf,
        /// Print the `tools/list` result a client receives instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        load: LoadFlags,
    },
}

/// Flags that shape how documents load.
#[derive(Args)]
struct LoadFlags {
    /// Longest tool name to produce (64 suits Claude and OpenAI; Cursor needs 60).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(16..=128))]
    max_name_len: u16,
    /// Folder that `$ref`s may reach into (default: the current folder when the document
    /// is inside it, else the document's folder).
    #[arg(long)]
    ref_root: Option<PathBuf>,
    /// Largest document file to read, in megabytes.
    #[arg(long, default_value_t = 64)]
    max_file_size: u64,
}

impl LoadFlags {
    fn options(&self) -> LoadOptions {
        let mut options = LoadOptions::default()
            .with_max_tool_name_len(self.max_name_len.into())
            .with_max_file_bytes(self.max_file_size * 1024 * 1024);
        if let Some(root) = &self.ref_root {
            options = options.with_ref_root(root);
        }
        options
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcpgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> std::io::Result<ExitCode> {
    match cli.command {
        Command::Check { specs, load: flags } => {
            let options = flags.options();
            let mut failed = false;
            for spec in &specs {
                let mut outcome = load(spec, &options);
                outcome.place_all();
                report::diagnostics(&outcome)?;
                failed |= outcome.has_errors();
                summary(spec, &outcome)?;
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::List {
            spec,
            json,
            load: flags,
        } => {
            let mut outcome = load(&spec, &flags.options());
            let Some(api) = &outcome.api else {
                outcome.place_all();
                report::diagnostics(&outcome)?;
                summary(&spec, &outcome)?;
                return Ok(ExitCode::FAILURE);
            };
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            if json {
                let list = mcpgen_runtime::tools_list::ToolsListView(api);
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else {
                table(&mut out, api)?;
            }
            out.flush()?;
            // The process ends here: freeing a large model node by node would only add time.
            std::mem::forget(outcome);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One line per document: whether it loads, how many tools, how many findings.
fn summary(spec: &std::path::Path, outcome: &Outcome) -> std::io::Result<()> {
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = outcome.diagnostics.len() - errors;
    let mut err = std::io::stderr().lock();
    match &outcome.api {
        Some(api) => writeln!(
            err,
            "{}: ok, {} tools, {warnings} warning(s)",
            spec.display(),
            api.tools.len()
        ),
        None => writeln!(
            err,
            "{}: {errors} error(s), {warnings} warning(s)",
            spec.display()
        ),
    }
}

/// The readable table of `mcpgen list`: name, method, path and what authentication it needs.
fn table(out: &mut impl Write, api: &Api) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = api
        .tools
        .iter()
        .map(|t| {
            [
                t.name.clone(),
                t.method.as_str().to_string(),
                t.path.clone(),
                auth(&t.security),
            ]
        })
        .collect();
    let headers = ["NAME", "METHOD", "PATH", "AUTH"];
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: [&str; 4]| -> std::io::Result<()> {
        let w = widths;
        writeln!(
            out,
            "{:<a$}  {:<b$}  {:<c$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            a = w[0],
            b = w[1],
            c = w[2]
        )
    };
    line(out, headers)?;
    for row in &rows {
        line(out, [&row[0], &row[1], &row[2], &row[3]])?;
    }
    writeln!(out, "{} tools", rows.len())
}

/// Security alternatives as `a+b | c`; `none` when no authentication is needed.
fn auth(security: &[SecurityRequirement]) -> String {
    if security.is_empty() {
        return "none".into();
    }
    security
        .iter()
        .map(|alt| {
            if alt.is_empty() {
                "none".to_string()
            } else {
                alt.iter()
                    .map(|s| s.scheme.as_str())
                    .collect::<Vec<_>>()
                    .join("+")
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}
