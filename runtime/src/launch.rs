//! Starting a server from the command line: the flags and environment `mcpgen serve` and every
//! generated server's `main` share, and the one function that turns them into a running
//! server. Written once here so that a generated binary takes exactly the options `serve` does.

use crate::audit::AuditLog;
use crate::audit::table::DEFAULT_TABLE;
use crate::auth::{AuthConfig, ResourceServer};
use crate::credentials::{ConfigError, Credentials, CredentialsConfig};
use crate::discovery::ToolMode;
use crate::model::{Api, AuditSink, SecretRef};
use crate::request::Target;
use crate::server::{McpServer, ServeOptions};
use crate::typed::ArgumentsCheck;
use crate::upstream::UpstreamOptions;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How a server is reached, where its requests go, and what it records.
#[derive(Args, Debug)]
pub struct ServeFlags {
    /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio (loopback only unless
    /// --auth-issuer is given).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// Send requests here instead of the document's servers.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A value for a server URL variable (repeatable).
    #[arg(long = "server-var", value_name = "NAME=VALUE", value_parser = parse_server_var)]
    pub server_vars: Vec<(String, String)>,
    /// Seconds to wait for a connection to the upstream.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub connect_timeout: f64,
    /// Seconds a whole upstream call may take.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// The most response bytes read from the upstream per call.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub max_response_bytes: usize,
    /// Also trust the certificate authorities in this PEM file for the upstream, e.g. an
    /// internal PKI (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certificates: Vec<PathBuf>,
    /// Where the security schemes' secrets come from (YAML `credentials:` section);
    /// a scheme not listed reads MCPGEN_CRED_<SCHEME>.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Append one hash-chained JSON line per call to this file (`-`: standard output,
    /// with --http only). `mcpgen audit verify FILE` checks the chain. Overrides
    /// mcpgen.yaml's `audit:`.
    #[arg(long, value_name = "FILE", group = "audit_sink")]
    pub audit: Option<PathBuf>,
    /// Append the audit lines as rows of a database table instead of a file: the connection
    /// URL (sqlite:, postgres://, mysql://) is read from this environment variable. `mcpgen
    /// audit verify --database-url-env VAR` checks the chain.
    #[arg(long, value_name = "VAR", group = "audit_sink")]
    pub audit_database_url_env: Option<String>,
    /// The audit table (created if missing; default: mcpgen_audit).
    #[arg(long, value_name = "NAME", requires = "audit_database_url_env")]
    pub audit_table: Option<String>,
    /// Key the audit hashes (HMAC-SHA256) with the value of this environment variable.
    #[arg(long, value_name = "VAR", requires = "audit_sink")]
    pub audit_key_env: Option<String>,
    /// How tools are offered: all, discover (three tools that search, describe and call
    /// operations) or auto (all below 40 tools and 30k tokens of tools/list, discover above;
    /// the default). Overrides mcpgen.yaml's `tools:`.
    #[arg(long = "tools", value_name = "MODE", value_parser = str::parse::<ToolMode>)]
    pub tool_mode: Option<ToolMode>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub auth: AuthFlags,
}

/// The OAuth 2.1 resource server in front of `--http`.
#[derive(Args, Debug)]
pub struct AuthFlags {
    /// Require access tokens issued by this authorization server (its issuer URL) on every
    /// HTTP request; the server may then listen on any address.
    #[arg(long, value_name = "URL", requires = "http")]
    pub auth_issuer: Option<String>,
    /// This server's canonical URI, the audience tokens must carry (default:
    /// http://ADDR/mcp).
    #[arg(long, value_name = "URL", requires = "auth_issuer")]
    pub auth_resource: Option<String>,
    /// A scope every call needs (repeatable).
    #[arg(long = "auth-scope", value_name = "SCOPE", requires = "auth_issuer")]
    pub auth_scopes: Vec<String>,
    /// The client id used to introspect opaque (non-JWT) tokens.
    #[arg(long, value_name = "ID", requires = "auth_issuer")]
    pub auth_introspection_client: Option<String>,
    /// The environment variable holding that client's secret.
    #[arg(long, value_name = "VAR", requires = "auth_introspection_client")]
    pub auth_introspection_secret_env: Option<String>,
    /// Accept JWT access tokens whose `typ` is not `at+jwt` (RFC 9068), as some
    /// authorization servers (Microsoft Entra ID) issue them.
    #[arg(long, requires = "auth_issuer")]
    pub auth_any_jwt_type: bool,
}

/// What the caller knows beyond the flags: where the model came from and what came with it.
pub struct Setup {
    /// How the model is named in log lines (the document's path, or the generated crate).
    pub label: String,
    /// The credentials configuration that came with the model (mcpgen.yaml's `credentials:`
    /// section), when there is one; `--credentials` may not be given as well.
    pub credentials: Option<Result<CredentialsConfig, ConfigError>>,
    /// Typed arguments every call passes through (a generated crate's).
    pub arguments: Option<ArgumentsCheck>,
}

/// Sends logs to stderr (on stdio, stdout carries only the protocol), at `MCPGEN_LOG`'s level
/// or `default`.
pub fn init_logs(default: &str) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MCPGEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .init();
}

/// Serves `api` as `flags` say until the client leaves or the process is told to stop; every
/// failure is printed on stderr with `program`'s name and ends in exit status 1.
pub fn serve(program: &str, api: Api, flags: ServeFlags, setup: Setup) -> ExitCode {
    match run(api, flags, setup) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{program}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(api: Api, flags: ServeFlags, setup: Setup) -> Result<(), String> {
    let mut credentials = credentials_config(
        flags.credentials.as_deref(),
        &setup.label,
        setup.credentials,
    )
    .and_then(|config| Credentials::new(&api, &config))
    .map_err(|e| e.to_string())?;
    credentials.trust(&flags.ca_certificates);
    let audit = open_audit(&flags, &api)?;
    let seconds = |s: f64| Duration::from_secs_f64(s.max(0.001));
    let options = ServeOptions {
        target: Target {
            base_url: flags.base_url.clone(),
            server_vars: flags.server_vars.iter().cloned().collect(),
        },
        upstream: UpstreamOptions {
            connect_timeout: seconds(flags.connect_timeout),
            timeout: seconds(flags.timeout),
            max_response_bytes: flags.max_response_bytes,
            ca_certificates: flags.ca_certificates.clone(),
        },
        credentials: Arc::new(credentials),
        tool_mode: flags.tool_mode.or(api.tool_mode).unwrap_or_default(),
        audit: audit.clone(),
        arguments: setup.arguments,
        ..Default::default()
    };
    options.upstream.check().map_err(|e| e.to_string())?;
    tracing::info!(tools = api.tools.len(), "serving {}", setup.label);
    let server = McpServer::new(api, options);
    if server.discovers() {
        tracing::info!(
            operations = server.api().tools.len(),
            "discovery mode: offering search_operations, describe_operations and call_operation (--tools all lists every operation)"
        );
    }
    let resource_server = match flags.http {
        Some(addr) => flags.auth.resource_server(addr, audit.clone())?,
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    // Each server future is boxed where it is made: nested in one async block, their types
    // are too deep for rustc's layout queries in a release build.
    let served = match flags.http {
        Some(addr) => {
            let stop = tokio_util::sync::CancellationToken::new();
            runtime.block_on(Box::pin(crate::serve::serve_http_with_auth(
                server,
                addr,
                stop,
                None,
                resource_server,
            )))
        }
        None => runtime.block_on(Box::pin(crate::serve::serve_stdio(server))),
    };
    // Do not wait for idle keep-alive connections or a blocked stdin read.
    runtime.shutdown_timeout(Duration::from_millis(100));
    let synced = audit.as_ref().map_or(Ok(()), |audit| audit.sync());
    served.map_err(|e| e.to_string())?;
    synced
}

/// The audit log the flags name, else the one mcpgen.yaml's `audit:` names, else none. The
/// key comes from `--audit-key-env`, else from the `audit:` section's `key_env`.
fn open_audit(flags: &ServeFlags, api: &Api) -> Result<Option<Arc<AuditLog>>, String> {
    let configured = api.audit.as_ref();
    let key_env = flags
        .audit_key_env
        .as_deref()
        .or(configured.and_then(|a| a.key_env.as_deref()));
    let file = |path: &Path| {
        if path != Path::new("-") {
            return AuditLog::open(path, audit_key(key_env)?).map_err(|e| e.to_string());
        }
        if flags.http.is_none() {
            return Err("--audit - writes to standard output, which stdio serving uses for the protocol; give a file, or serve with --http".into());
        }
        Ok(AuditLog::stdout(audit_key(key_env)?))
    };
    let table = |connection: &SecretRef, table: &str| {
        AuditLog::table(connection, table, audit_key(key_env)?).map_err(|e| e.to_string())
    };
    let log = if let Some(path) = &flags.audit {
        file(path)?
    } else if let Some(var) = &flags.audit_database_url_env {
        let name = flags.audit_table.as_deref().unwrap_or(DEFAULT_TABLE);
        table(&SecretRef::Env(var.clone()), name)?
    } else {
        match configured.map(|a| &a.sink) {
            None => return Ok(None),
            Some(AuditSink::File(path)) => file(Path::new(path))?,
            Some(AuditSink::Table {
                database,
                table: name,
            }) => {
                // The loader checks this; a model edited by hand may still name no database.
                let database = api.databases.get(database).ok_or_else(|| {
                    format!("the audit trail goes to the database `{database}`, which no `sql:` source declares")
                })?;
                table(&database.connection, name)?
            }
        }
    };
    Ok(Some(Arc::new(log)))
}

/// The credentials configuration: the `--credentials` file, else the section that came with
/// the model (`project`), else none (every scheme reads its default variable). Both at once
/// is refused: `label` names where the section came from.
pub fn credentials_config(
    flag: Option<&Path>,
    label: &str,
    project: Option<Result<CredentialsConfig, ConfigError>>,
) -> Result<CredentialsConfig, ConfigError> {
    match (flag, project) {
        (Some(path), Some(_)) => Err(ConfigError(format!(
            "{label} has a `credentials:` section and --credentials names {}: keep one",
            path.display()
        ))),
        (Some(path), None) => CredentialsConfig::read(path),
        (None, Some(config)) => config,
        (None, None) => Ok(CredentialsConfig::default()),
    }
}

impl AuthFlags {
    /// The resource server, when `--auth-issuer` asks for one.
    fn resource_server(
        &self,
        addr: SocketAddr,
        audit: Option<Arc<AuditLog>>,
    ) -> Result<Option<Arc<ResourceServer>>, String> {
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
        let config = AuthConfig {
            issuer: issuer.clone(),
            resource: self
                .auth_resource
                .clone()
                .unwrap_or_else(|| format!("http://{addr}/mcp")),
            required_scopes: self.auth_scopes.clone(),
            introspection_client,
            any_jwt_type: self.auth_any_jwt_type,
        };
        config.check()?;
        Ok(Some(Arc::new(
            ResourceServer::new(config).with_audit(audit),
        )))
    }
}

/// The audit key from an environment variable, when one is named.
pub fn audit_key(var: Option<&str>) -> Result<Option<Vec<u8>>, String> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Some(value.into_bytes())),
        _ => Err(format!("the audit key variable {var} is not set")),
    }
}

/// `NAME=VALUE`, as `--server-var` takes it.
fn parse_server_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}
