//! The `mcpgen` command: check and list API descriptions as MCP tools (serve and generate
//! follow). `main` parses flags and hands over to [`run`], the one place errors are printed.

mod demo;
mod report;

use clap::{Args, Parser, Subcommand};
use mcpgen_codegen::project::load_any as load;
use mcpgen_codegen::project::{ToolFilter, retain_tools};
use mcpgen_codegen::{LoadOptions, Outcome};
use mcpgen_runtime::credentials::{ConfigError, Credentials, CredentialsConfig};
use mcpgen_runtime::discovery::ToolMode;
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
        /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio (loopback only for now).
        #[arg(long, value_name = "ADDR")]
        http: Option<std::net::SocketAddr>,
        /// Send requests here instead of the document's servers.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// A value for a server URL variable (repeatable).
        #[arg(long = "server-var", value_name = "NAME=VALUE", value_parser = parse_server_var)]
        server_vars: Vec<(String, String)>,
        /// Seconds to wait for a connection to the upstream.
        #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
        connect_timeout: f64,
        /// Seconds a whole upstream call may take.
        #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
        timeout: f64,
        /// The most response bytes read from the upstream per call.
        #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
        max_response_bytes: usize,
        /// Also trust the certificate authorities in this PEM file for the upstream, e.g. an
        /// internal PKI (repeatable).
        #[arg(long = "ca-cert", value_name = "FILE")]
        ca_certificates: Vec<PathBuf>,
        /// Where the security schemes' secrets come from (YAML `credentials:` section);
        /// a scheme not listed reads MCPGEN_CRED_<SCHEME>.
        #[arg(long, value_name = "FILE")]
        credentials: Option<PathBuf>,
        /// Append one hash-chained JSON line per call to this file (`-`: standard output,
        /// with --http only). `mcpgen audit verify FILE` checks the chain.
        #[arg(long, value_name = "FILE")]
        audit: Option<PathBuf>,
        /// Key the audit hashes (HMAC-SHA256) with the value of this environment variable.
        #[arg(long, value_name = "VAR", requires = "audit")]
        audit_key_env: Option<String>,
        #[command(flatten)]
        auth: AuthFlags,
        #[command(flatten)]
        tools: ToolFlags,
        #[command(flatten)]
        load: LoadFlags,
    },
    /// Check an audit log written by `serve --audit`: every line's hash, and the chain.
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
        #[command(flatten)]
        tools: ToolFlags,
        #[command(flatten)]
        load: LoadFlags,
    },
}

/// Sends logs to stderr (on stdio, stdout carries only the protocol), at `MCPGEN_LOG`'s level
/// or `default`.
fn init_logs(default: &str) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MCPGEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .init();
}

/// The OAuth 2.1 resource server in front of `--http`.
#[derive(Args)]
struct AuthFlags {
    /// Require access tokens issued by this authorization server (its issuer URL) on every
    /// HTTP request; the server may then listen on any address.
    #[arg(long, value_name = "URL", requires = "http")]
    auth_issuer: Option<String>,
    /// This server's canonical URI, the audience tokens must carry (default:
    /// http://ADDR/mcp).
    #[arg(long, value_name = "URL", requires = "auth_issuer")]
    auth_resource: Option<String>,
    /// A scope every call needs (repeatable).
    #[arg(long = "auth-scope", value_name = "SCOPE", requires = "auth_issuer")]
    auth_scopes: Vec<String>,
    /// The client id used to introspect opaque (non-JWT) tokens.
    #[arg(long, value_name = "ID", requires = "auth_issuer")]
    auth_introspection_client: Option<String>,
    /// The environment variable holding that client's secret.
    #[arg(long, value_name = "VAR", requires = "auth_introspection_client")]
    auth_introspection_secret_env: Option<String>,
}

impl AuthFlags {
    /// The resource server, when `--auth-issuer` asks for one.
    fn resource_server(
        &self,
        addr: std::net::SocketAddr,
        audit: Option<std::sync::Arc<mcpgen_runtime::audit::AuditLog>>,
    ) -> Result<Option<std::sync::Arc<mcpgen_runtime::auth::ResourceServer>>, String> {
        let Some(issuer) = &self.auth_issuer else {
            return Ok(None);
        };
        if self.auth_resource.is_none() && !addr.ip().is_loopback() {
            return Err(format!(
                "--auth-resource URL is needed when serving on {addr}: the URL clients reach this server at, which tokens must name as their audience"
            ));
        }
        let introspection_client = match &self.auth_introspection_client {
            None => None,
            Some(id) => {
                let var = self.auth_introspection_secret_env.as_deref().ok_or(
                    "--auth-introspection-client needs --auth-introspection-secret-env VAR",
                )?;
                let secret = std::env::var(var)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| format!("the variable {var} is not set"))?;
                Some((id.clone(), secret.into()))
            }
        };
        let config = mcpgen_runtime::auth::AuthConfig {
            issuer: issuer.clone(),
            resource: self
                .auth_resource
                .clone()
                .unwrap_or_else(|| format!("http://{addr}/mcp")),
            required_scopes: self.auth_scopes.clone(),
            introspection_client,
        };
        Ok(Some(std::sync::Arc::new(
            mcpgen_runtime::auth::ResourceServer::new(config).with_audit(audit),
        )))
    }
}

/// What `mcpgen audit` does.
#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the chain; exit 1 and name the first bad line when a line was changed,
    /// deleted or reordered.
    Verify {
        /// The audit log.
        file: PathBuf,
        /// The environment variable holding the HMAC key the log was written with.
        #[arg(long, value_name = "VAR")]
        key_env: Option<String>,
    },
}

/// The audit key from an environment variable, when one is named.
fn audit_key(var: Option<&str>) -> Result<Option<Vec<u8>>, String> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Some(value.into_bytes())),
        _ => Err(format!("the audit key variable {var} is not set")),
    }
}

/// Which tools a server offers, and how.
#[derive(Args)]
struct ToolFlags {
    /// How tools are offered: all, discover (three tools that search, describe and call
    /// operations) or auto (all below 40 tools and 30k tokens of tools/list, discover above;
    /// the default). Overrides mcpgen.yaml's `tools:`.
    #[arg(long = "tools", value_name = "MODE", value_parser = str::parse::<ToolMode>)]
    mode: Option<ToolMode>,
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

impl ToolFlags {
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

    /// The mode: the flag, else mcpgen.yaml's, else `auto`.
    fn mode(&self, api: &Api) -> ToolMode {
        self.mode.or(api.tool_mode).unwrap_or_default()
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

/// `NAME=VALUE`, as `--server-var` takes it.
fn parse_server_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
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
            http,
            base_url,
            server_vars,
            connect_timeout,
            timeout,
            max_response_bytes,
            ca_certificates,
            credentials,
            audit,
            audit_key_env,
            auth,
            tools,
            load: flags,
        } => {
            init_logs("info");
            let mut outcome = load(&spec, &flags.options());
            let Some(mut api) = outcome.api.take() else {
                outcome.place_all();
                report::diagnostics(&outcome)?;
                summary(&spec, &outcome)?;
                return Ok(ExitCode::FAILURE);
            };
            if let Err(e) = tools.filter(&mut api) {
                eprintln!("mcpgen: {e}");
                return Ok(ExitCode::FAILURE);
            }
            let tool_mode = tools.mode(&api);
            let warnings = outcome.diagnostics.len();
            drop(outcome);
            let credentials = match read_credentials(credentials.as_deref(), &spec)
                .and_then(|config| Credentials::new(&api, &config))
            {
                Ok(mut credentials) => {
                    credentials.trust(&ca_certificates);
                    credentials
                }
                Err(e) => {
                    eprintln!("mcpgen: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            // The flag, else mcpgen.yaml's `audit:`.
            let configured = api.audit.clone();
            let audit = audit.or_else(|| configured.as_ref().map(|a| PathBuf::from(&a.file)));
            let audit_key_env = audit_key_env.or_else(|| configured.and_then(|a| a.key_env));
            let key = match audit_key(audit_key_env.as_deref()) {
                Ok(key) => key,
                Err(e) => {
                    eprintln!("mcpgen: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let audit = match audit.as_deref() {
                None => None,
                Some(path) if path == std::path::Path::new("-") => {
                    if http.is_none() {
                        eprintln!(
                            "mcpgen: --audit - writes to standard output, which stdio serving uses for the protocol; give a file, or serve with --http"
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    Some(std::sync::Arc::new(
                        mcpgen_runtime::audit::AuditLog::stdout(key),
                    ))
                }
                Some(path) => match mcpgen_runtime::audit::AuditLog::open(path, key) {
                    Ok(log) => Some(std::sync::Arc::new(log)),
                    Err(e) => {
                        eprintln!("mcpgen: {e}");
                        return Ok(ExitCode::FAILURE);
                    }
                },
            };
            let seconds = |s: f64| std::time::Duration::from_secs_f64(s.max(0.001));
            let options = mcpgen_runtime::server::ServeOptions {
                target: mcpgen_runtime::request::Target {
                    base_url,
                    server_vars: server_vars.into_iter().collect(),
                },
                upstream: mcpgen_runtime::upstream::UpstreamOptions {
                    connect_timeout: seconds(connect_timeout),
                    timeout: seconds(timeout),
                    max_response_bytes,
                    ca_certificates,
                },
                credentials: std::sync::Arc::new(credentials),
                tool_mode,
                audit: audit.clone(),
                ..Default::default()
            };
            if let Err(e) = options.upstream.check() {
                eprintln!("mcpgen: {e}");
                return Ok(ExitCode::FAILURE);
            }
            tracing::info!(
                tools = api.tools.len(),
                warnings,
                "loaded {} (run `mcpgen check` to see the warnings)",
                spec.display()
            );
            let server = mcpgen_runtime::server::McpServer::new(api, options);
            if server.discovers() {
                tracing::info!(
                    operations = server.api().tools.len(),
                    "discovery mode: offering search_operations, describe_operations and call_operation (--tools all lists every operation)"
                );
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let audit_for_auth = audit.clone();
            let resource_server = match http.map(|addr| auth.resource_server(addr, audit_for_auth))
            {
                Some(Err(e)) => {
                    eprintln!("mcpgen: {e}");
                    return Ok(ExitCode::FAILURE);
                }
                Some(Ok(server)) => server,
                None => None,
            };
            let served = runtime.block_on(async move {
                match http {
                    Some(addr) => {
                        let stop = tokio_util::sync::CancellationToken::new();
                        mcpgen_runtime::serve::serve_http_with_auth(
                            server,
                            addr,
                            stop,
                            None,
                            resource_server,
                        )
                        .await
                    }
                    None => mcpgen_runtime::serve::serve_stdio(server).await,
                }
            });
            // Do not wait for idle keep-alive connections or a blocked stdin read.
            runtime.shutdown_timeout(std::time::Duration::from_millis(100));
            if let Some(audit) = &audit {
                audit.sync();
            }
            match served {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("mcpgen: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            action: AuditAction::Verify { file, key_env },
        } => {
            let key = match audit_key(key_env.as_deref()) {
                Ok(key) => key,
                Err(e) => {
                    eprintln!("mcpgen: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) => {
                    eprintln!("mcpgen: cannot read {}: {e}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            match mcpgen_runtime::audit::verify(&text, key.as_deref()) {
                Ok(verified) => {
                    match &verified.last {
                        Some((seq, hash)) => println!(
                            "{}: ok, {} lines; the chain ends at seq {seq}, hash {hash} (keep this to detect lines cut off the end)",
                            file.display(),
                            verified.lines
                        ),
                        None => println!("{}: ok, empty", file.display()),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("{}: {e}", file.display());
                    Ok(ExitCode::FAILURE)
                }
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
            tools,
            load: flags,
        } => {
            let mut outcome = load(&spec, &flags.options());
            let Some(api) = &mut outcome.api else {
                outcome.place_all();
                report::diagnostics(&outcome)?;
                summary(&spec, &outcome)?;
                return Ok(ExitCode::FAILURE);
            };
            if let Err(e) = tools.filter(api) {
                eprintln!("mcpgen: {e}");
                return Ok(ExitCode::FAILURE);
            }
            let api = &*api;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let full_bytes = || {
                serde_json::to_vec(&mcpgen_runtime::tools_list::ToolsListView(api))
                    .map_or(0, |v| v.len())
            };
            let discovers = mcpgen_runtime::discovery::discovers(tools.mode(api), api, full_bytes);
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
            std::mem::forget(outcome);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The credentials file, when one is given.
/// The credentials configuration: the `--credentials` file, else an mcpgen.yaml's own
/// `credentials:` section, else none (every scheme reads its default variable).
fn read_credentials(
    flag: Option<&std::path::Path>,
    spec: &std::path::Path,
) -> Result<CredentialsConfig, ConfigError> {
    let project = mcpgen_codegen::project::read_project(spec);
    match (flag, project) {
        (Some(path), Some(text)) if CredentialsConfig::has_section(&text) => {
            Err(ConfigError(format!(
                "{} has a `credentials:` section and --credentials names {}: keep one",
                spec.display(),
                path.display()
            )))
        }
        (Some(path), _) => CredentialsConfig::read(path),
        (None, Some(text)) => CredentialsConfig::parse_section(
            &text,
            &spec.display().to_string(),
            spec.parent().unwrap_or(std::path::Path::new(".")),
        ),
        (None, None) => Ok(CredentialsConfig::default()),
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
