//! The `mcpgen` command: check, list, serve and generate API descriptions as MCP tools, and
//! verify audit trails. `main` parses flags and hands over to [`run`], the one place errors
//! are printed.

mod demo;
mod report;

use clap::{Args, Parser, Subcommand};
use mcpgen_codegen::project::load_any as load;
use mcpgen_codegen::project::{ToolFilter, retain_tools};
use mcpgen_codegen::{LoadOptions, Outcome};
use mcpgen_runtime::credentials::{ConfigError, Credentials, CredentialsConfig};
use mcpgen_runtime::discovery::ToolMode;
use mcpgen_runtime::launch::{self, ServeFlags};
use mcpgen_runtime::model::{Api, Method, SecurityRequirement};
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
// Parsed once per run: the size of the `serve` variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Validate documents: print every error and warning with file, line and column.
    /// Exits 1 when any document has an error.
    Check {
        /// Documents to check (Swagger 2.0, OpenAPI 3.0/3.1/3.2; YAML or JSON).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// A credentials file: also report, per security scheme, where its secret comes from
        /// and whether it is there.
        #[arg(long, value_name = "FILE")]
        credentials: Option<PathBuf>,
        #[command(flatten)]
        load: LoadFlags,
    },
    /// Serve a document's tools over MCP: stdio by default, Streamable HTTP with --http.
    Serve {
        /// The document.
        spec: PathBuf,
        #[command(flatten)]
        serve: ServeFlags,
        #[command(flatten)]
        filter: FilterFlags,
        #[command(flatten)]
        load: LoadFlags,
    },
    /// Write a standalone Rust crate that serves the document's tools exactly as `serve`
    /// does: typed arguments per tool, grouped by tag; `cargo build` makes the server.
    Generate {
        /// The document.
        spec: PathBuf,
        /// The crate's folder (created; a crate generated there before is updated, files
        /// you added are kept).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// The crate's name (default: from the document's file or folder name).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[command(flatten)]
        filter: FilterFlags,
        #[command(flatten)]
        load: LoadFlags,
    },
    /// Check an audit trail written by `serve --audit` (or to a database table): every line's
    /// hash, and the chain.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Run the sales example on loopback: a seeded SQLite warehouse, the Sales API, and
    /// mcpgen serving both as MCP tools; prints the URL, the tools, client configurations and
    /// two sample calls.
    Demo {
        /// Serve Streamable HTTP at http://ADDR/mcp.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        http: std::net::SocketAddr,
        /// Stop after the sample calls instead of serving.
        #[arg(long)]
        once: bool,
    },
    /// Print the JSON Schema of mcpgen.yaml, for editors to validate and complete it.
    Schema,
    /// List the tools a document becomes: a table, or the exact tools/list JSON.
    List {
        /// The document.
        spec: PathBuf,
        /// Print the `tools/list` result a client receives instead of a table.
        #[arg(long)]
        json: bool,
        /// Print the tool count, `tools/list` size and estimated tokens of each mode.
        #[arg(long, conflicts_with = "json")]
        stats: bool,
        /// How tools are offered: all, discover or auto (see `serve --help`).
        #[arg(long = "tools", value_name = "MODE", value_parser = str::parse::<ToolMode>)]
        tool_mode: Option<ToolMode>,
        #[command(flatten)]
        filter: FilterFlags,
        #[command(flatten)]
        load: LoadFlags,
    },
}

/// What `mcpgen audit` does.
#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the chain; exit 1 and name the first bad line (or row, by its seq) when one
    /// was changed, deleted or reordered.
    Verify {
        /// The audit log file.
        #[arg(
            required_unless_present = "database_url_env",
            conflicts_with = "database_url_env"
        )]
        file: Option<PathBuf>,
        /// Check an audit table instead: the connection URL (sqlite:, postgres://,
        /// mysql://) is read from this environment variable.
        #[arg(long, value_name = "VAR")]
        database_url_env: Option<String>,
        /// The audit table (default: mcpgen_audit).
        #[arg(long, value_name = "NAME", requires = "database_url_env")]
        table: Option<String>,
        /// The environment variable holding the HMAC key the log was written with.
        #[arg(long, value_name = "VAR")]
        key_env: Option<String>,
    },
}

/// Which operations become tools.
#[derive(Args)]
struct FilterFlags {
    /// Keep only operations with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Keep only operations whose path matches this glob (`*` within a segment, `**` across;
    /// repeatable).
    #[arg(long = "path", value_name = "GLOB")]
    paths: Vec<String>,
    /// Keep only operations with this HTTP method (repeatable).
    #[arg(long = "method", value_name = "METHOD", value_parser = parse_method)]
    methods: Vec<Method>,
    /// Keep only the operation with this operationId or tool name (repeatable).
    #[arg(long = "operation", value_name = "ID")]
    operations: Vec<String>,
    /// Keep only read-only operations.
    #[arg(long)]
    read_only: bool,
}

impl FilterFlags {
    /// Applies the filter flags to `api`; fails when nothing is left.
    fn filter(&self, api: &mut Api) -> Result<(), String> {
        let filter = ToolFilter {
            tags: self.tags.clone(),
            paths: self.paths.clone(),
            methods: self.methods.clone(),
            operations: self.operations.clone(),
            read_only: self.read_only,
        };
        if filter.is_empty() {
            return Ok(());
        }
        let before = api.tools.len();
        retain_tools(api, &filter);
        if api.tools.is_empty() {
            return Err(format!(
                "none of the {before} operations matches the filter flags"
            ));
        }
        Ok(())
    }
}

/// An HTTP method as `--method` takes it (any case).
fn parse_method(text: &str) -> Result<Method, String> {
    Method::ALL
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(text))
        .ok_or_else(|| format!("expected an HTTP method (GET, POST, ...), not `{text}`"))
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
    give_back_large_buffers();
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

/// glibc serves a freed large block's size from its heap from then on (its mmap threshold
/// follows the largest block freed, up to 32 MB). Once a large document has been read and let
/// go, every `tools/list` page would then grow a heap that is never given back. A fixed
/// threshold keeps blocks of 256 KiB and more in their own mappings, returned when freed:
/// GitHub's peak memory while serving drops by about 2.5 MB, at no measurable cost in time.
fn give_back_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

fn run(cli: Cli) -> std::io::Result<ExitCode> {
    match cli.command {
        Command::Check {
            specs,
            credentials,
            load: flags,
        } => {
            let options = flags.options();
            let mut failed = false;
            for spec in &specs {
                let mut outcome = load(spec, &options);
                outcome.place_all();
                report::diagnostics(&outcome)?;
                failed |= outcome.has_errors();
                summary(spec, &outcome)?;
                if let Some(api) = &outcome.api {
                    let credentials = read_credentials(credentials.as_deref(), spec)
                        .and_then(|config| Credentials::new(api, &config));
                    match credentials {
                        Ok(credentials) => {
                            report::credentials(&credentials)?;
                            report::databases(api)?;
                        }
                        Err(e) => {
                            eprintln!("mcpgen: {e}");
                            failed = true;
                        }
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Serve {
            spec,
            serve,
            filter,
            load: flags,
        } => {
            launch::init_logs("info");
            let Some((api, outcome)) = load_filtered(&spec, &flags, &filter)? else {
                return Ok(ExitCode::FAILURE);
            };
            let warnings = outcome.diagnostics.len();
            drop(outcome);
            if warnings > 0 {
                tracing::info!(
                    warnings,
                    "run `mcpgen check {}` to see the warnings",
                    spec.display()
                );
            }
            let setup = launch::Setup {
                label: spec.display().to_string(),
                credentials: project_credentials(&spec),
                arguments: None,
            };
            Ok(launch::serve("mcpgen", api, serve, setup))
        }
        Command::Generate {
            spec,
            output,
            name,
            filter,
            load: flags,
        } => {
            let Some((api, _)) = load_filtered(&spec, &flags, &filter)? else {
                return Ok(ExitCode::FAILURE);
            };
            let written = mcpgen_codegen::generate::Source::new(&spec, api).and_then(|source| {
                let crate_name = name.unwrap_or_else(|| source.default_crate_name());
                let target = mcpgen_codegen::generate::Target {
                    output_label: output.to_string_lossy().replace('\\', "/"),
                    crate_name: crate_name.clone(),
                };
                let report =
                    mcpgen_codegen::generate::generate(&source, &target)?.write(&output)?;
                Ok((crate_name, source.api.tools.len(), report))
            });
            match written {
                Ok((crate_name, tools, report)) => {
                    eprintln!(
                        "{}: crate `{crate_name}` ({tools} tools) in {}: {report}",
                        spec.display(),
                        output.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("mcpgen: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            action:
                AuditAction::Verify {
                    file,
                    database_url_env,
                    table,
                    key_env,
                },
        } => {
            let key = match launch::audit_key(key_env.as_deref()) {
                Ok(key) => key,
                Err(e) => {
                    eprintln!("mcpgen: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            match (file, database_url_env) {
                (Some(file), _) => Ok(verify_file(&file, key.as_deref())),
                (None, Some(var)) => Ok(verify_table(&var, table.as_deref(), key.as_deref())),
                // clap requires one of them.
                (None, None) => Ok(ExitCode::FAILURE),
            }
        }
        Command::Demo { http, once } => match demo::run(http, once) {
            Ok(code) => Ok(code),
            Err(e) => {
                eprintln!("mcpgen demo: {e:#}");
                Ok(ExitCode::FAILURE)
            }
        },
        Command::Schema => {
            println!("{}", mcpgen_codegen::project::SCHEMA.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            spec,
            json,
            stats,
            tool_mode,
            filter,
            load: flags,
        } => {
            let Some((model, outcome)) = load_filtered(&spec, &flags, &filter)? else {
                return Ok(ExitCode::FAILURE);
            };
            let api = &model;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let full_bytes = || {
                serde_json::to_vec(&mcpgen_runtime::tools_list::ToolsListView(api))
                    .map_or(0, |v| v.len())
            };
            let discovers = mcpgen_runtime::discovery::discovers(
                tool_mode.or(api.tool_mode).unwrap_or_default(),
                api,
                full_bytes,
            );
            if stats {
                report::stats(&mut out, api, discovers)?;
            } else if json && discovers {
                let list = serde_json::json!({
                    "tools": mcpgen_runtime::discovery::discovery_tools(api)
                });
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else if json {
                let list = mcpgen_runtime::tools_list::ToolsListView(api);
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else {
                table(&mut out, api)?;
            }
            out.flush()?;
            // The process ends here: freeing a large model node by node would only add time.
            std::mem::forget((model, outcome));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `mcpgen audit verify FILE`: prints the chain's end, or the first bad line.
fn verify_file(file: &std::path::Path, key: Option<&[u8]>) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("mcpgen: cannot read {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let label = file.display().to_string();
    print_verified(&label, "lines", mcpgen_runtime::audit::verify(&text, key))
}

/// `mcpgen audit verify --database-url-env VAR`: the same for an audit table, rows in `seq`
/// order.
fn verify_table(var: &str, table: Option<&str>, key: Option<&[u8]>) -> ExitCode {
    use mcpgen_runtime::audit::table::{DEFAULT_TABLE, verify_table};
    let url = match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => {
            eprintln!("mcpgen: the database URL variable {var} is not set");
            return ExitCode::FAILURE;
        }
    };
    let table = table.unwrap_or(DEFAULT_TABLE);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mcpgen: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(verify_table(&url, table, key)) {
        Ok(outcome) => print_verified(&format!("table `{table}`"), "rows", outcome),
        Err(e) => {
            eprintln!("mcpgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What `audit verify` prints: the chain's end to keep elsewhere, or where it breaks.
fn print_verified<E: std::fmt::Display>(
    label: &str,
    unit: &str,
    outcome: Result<mcpgen_runtime::audit::Verified, E>,
) -> ExitCode {
    match outcome {
        Ok(verified) => {
            match &verified.last {
                Some((seq, hash)) => println!(
                    "{label}: ok, {} {unit}; the chain ends at seq {seq}, hash {hash} (keep this to detect {unit} cut off the end)",
                    verified.lines
                ),
                None => println!("{label}: ok, empty"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{label}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Loads `spec` and keeps the operations the filter flags select; with the rest of the
/// outcome (warnings, sources). `None` once the errors (or an empty selection) have been
/// printed.
fn load_filtered(
    spec: &std::path::Path,
    flags: &LoadFlags,
    filter: &FilterFlags,
) -> std::io::Result<Option<(Api, Outcome)>> {
    let mut outcome = load(spec, &flags.options());
    let Some(mut api) = outcome.api.take() else {
        outcome.place_all();
        report::diagnostics(&outcome)?;
        summary(spec, &outcome)?;
        return Ok(None);
    };
    if let Err(e) = filter.filter(&mut api) {
        eprintln!("mcpgen: {e}");
        return Ok(None);
    }
    Ok(Some((api, outcome)))
}

/// The credentials configuration for `spec` ([`launch::credentials_config`]).
fn read_credentials(
    flag: Option<&std::path::Path>,
    spec: &std::path::Path,
) -> Result<CredentialsConfig, ConfigError> {
    launch::credentials_config(flag, &spec.display().to_string(), project_credentials(spec))
}

/// An mcpgen.yaml's `credentials:` section, when `spec` is one and has it (relative paths in
/// it are taken from its folder).
fn project_credentials(spec: &std::path::Path) -> Option<Result<CredentialsConfig, ConfigError>> {
    let text = mcpgen_codegen::project::read_project(spec)?;
    CredentialsConfig::has_section(&text).then(|| {
        CredentialsConfig::parse_section(
            &text,
            &spec.display().to_string(),
            spec.parent().unwrap_or(std::path::Path::new(".")),
        )
    })
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
        .map(|t| match &t.query {
            // A SQL tool: the database stands where the path would.
            Some(query) => [
                t.name.clone(),
                if query.write { "SQL write" } else { "SQL read" }.to_string(),
                format!("database `{}`", query.database),
                "connection URL".to_string(),
            ],
            None => [
                t.name.clone(),
                t.method.as_str().to_string(),
                t.path.clone(),
                auth(&t.security),
            ],
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
