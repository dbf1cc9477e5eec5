//! The normalized description of an MCP server: its tools, how each tool maps onto an HTTP
//! request, and the security schemes those requests need.
//!
//! Loaders (OpenAPI 2.0/3.x, and later mcpgen.yaml) produce an [`Api`]; the serving runtime
//! interprets it and the code generator compiles it. It is plain data: no I/O, no parsing, and
//! every collection is ordered so that the same input always gives the same model.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One MCP server's worth of tools, as loaded from one or more documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Api {
    /// The API's title (`info.title`), shown as the server's name.
    pub title: String,
    /// The API's version (`info.version`).
    pub version: String,
    /// The API's description, offered to clients as server instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the API is served when an operation does not say otherwise.
    pub servers: Vec<Server>,
    /// Every security scheme the document declares, by the name requirements use.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// One tool per operation, in document order (paths, then methods in spec order).
    pub tools: Vec<Tool>,
    /// Schemas that tool inputs share, by `$defs` name. Each is stored once here and copied
    /// into a tool's `inputSchema.$defs` only when the schema is handed out, which keeps a
    /// large API's model small (GitHub's tools share a few hundred definitions).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub input_defs: BTreeMap<String, Value>,
    /// Schemas that tool outputs share, by `$defs` name (without `writeOnly` properties, so
    /// they can differ from the input definition of the same name).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub output_defs: BTreeMap<String, Value>,
    /// The databases SQL tools run on, by the name their [`SqlQuery::database`] uses.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub databases: BTreeMap<String, Database>,
    /// How mcpgen.yaml asks for the tools to be offered; the command line can override it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_mode: Option<ToolMode>,
    /// Where mcpgen.yaml asks for the audit trail to go; `serve --audit` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditConfig>,
    /// Who may list and call which tools (mcpgen.yaml `policy:`); none allows everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::policy::Policy>,
}

/// An audit trail as mcpgen.yaml configures it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditConfig {
    /// Where the lines go.
    #[serde(flatten)]
    pub sink: AuditSink,
    /// The environment variable holding the HMAC key, if the log is keyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_env: Option<String>,
}

/// Where mcpgen.yaml sends the audit trail: a file or a database table. Serialized as
/// `"file": PATH` or `"table": {...}` beside `key_env`, so a model written before tables
/// existed still reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditSink {
    /// The log file (relative paths already resolved against the mcpgen.yaml's folder).
    File(String),
    /// A table in one of the [`Api::databases`], one row per line.
    Table {
        /// The database's name in [`Api::databases`].
        database: String,
        /// The table (a plain identifier, see [`crate::audit::table::check_table_name`]).
        table: String,
    },
}

impl Api {
    /// A tool's complete input schema, with the `$defs` it needs: what clients receive.
    pub fn input_schema(&self, tool: &Tool) -> Map<String, Value> {
        with_defs(&tool.input_schema, &tool.input_defs, &self.input_defs)
    }

    /// A tool's complete output schema, with the `$defs` it needs, if it has one.
    pub fn output_schema(&self, tool: &Tool) -> Option<Map<String, Value>> {
        let schema = tool.output_schema.as_ref()?;
        Some(with_defs(schema, &tool.output_defs, &self.output_defs))
    }
}

fn with_defs(
    schema: &Map<String, Value>,
    names: &[String],
    table: &BTreeMap<String, Value>,
) -> Map<String, Value> {
    let mut out = schema.clone();
    if !names.is_empty() {
        let defs: Map<String, Value> = names
            .iter()
            .filter_map(|n| Some((n.clone(), table.get(n)?.clone())))
            .collect();
        out.insert("$defs".into(), Value::Object(defs));
    }
    out
}

/// One operation, ready to be listed as an MCP tool and turned into an HTTP request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// The MCP tool name: `[A-Za-z0-9_-]`, within the configured length, unique in the server.
    pub name: String,
    /// A short human-readable title (the operation's summary, else its operationId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the model reads to decide whether to call the tool; never empty.
    pub description: String,
    /// The operation's `operationId`, when it has one (kept for filters and diagnostics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/pets/{petId}`, appended to the server URL.
    pub path: String,
    /// The servers for this operation: its own, else its path item's, else the document's.
    pub servers: Vec<Server>,
    /// Path, query, header and cookie parameters, in declaration order.
    pub parameters: Vec<Parameter>,
    /// The request body, when the operation takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RequestBody>,
    /// The success response the tool result is built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<SuccessResponse>,
    /// Alternatives of security requirements: any one alternative suffices (OR), and every
    /// scheme inside an alternative is needed (AND). Empty means no authentication.
    pub security: Vec<SecurityRequirement>,
    /// Behaviour hints derived from the HTTP method.
    pub annotations: Annotations,
    /// The operation's tags, for filtering and grouping.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Whether the document marks the operation deprecated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// The tool's input: always `type: object`, JSON Schema 2020-12. Its `$ref`s point into
    /// `#/$defs/`, filled from [`Api::input_defs`] by [`Api::input_schema`].
    pub input_schema: Map<String, Value>,
    /// The [`Api::input_defs`] the input schema reaches, directly or indirectly, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_defs: Vec<String>,
    /// The shape of `structuredContent`: always `type: object`, JSON Schema 2020-12; its
    /// `$defs` come from [`Api::output_defs`] through [`Api::output_schema`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Map<String, Value>>,
    /// The [`Api::output_defs`] the output schema reaches, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_defs: Vec<String>,
    /// Arguments the operator pinned (mcpgen.yaml `fixed`): not in the input schema, so the
    /// model cannot see or change them, and sent on every call.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fixed_arguments: Map<String, Value>,
    /// Values the operator chose for arguments the model leaves out (mcpgen.yaml `default`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub default_arguments: Map<String, Value>,
    /// For a SQL tool: the statement it runs instead of an HTTP request. Such a tool has no
    /// servers, parameters or body, and its method and path are only labels (`POST`, `sql:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<SqlQuery>,
    /// Where the operation is written, for diagnostics.
    pub source: SourceRef,
}

impl Tool {
    /// The model's arguments with the operator's defaults and fixed values added: what the
    /// request is built from.
    pub fn with_operator_arguments(&self, mut args: Map<String, Value>) -> Map<String, Value> {
        for (name, value) in &self.default_arguments {
            args.entry(name.clone()).or_insert_with(|| value.clone());
        }
        for (name, value) in &self.fixed_arguments {
            args.insert(name.clone(), value.clone());
        }
        args
    }

    /// The schema of one input property: a parameter's or the body's (refs into the tool's
    /// `$defs`). Kept only in the input schema, so a large API holds each schema once.
    pub fn property_schema(&self, property: &str) -> Option<&Value> {
        self.input_schema.get("properties")?.get(property)
    }
}

/// A database that SQL tools use. Only where its connection URL is read from is stored: the
/// URL may hold a password, so it is a secret like any other credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Database {
    /// Where the connection URL (`sqlite:`, `postgres://`, `mysql://`) comes from.
    pub connection: SecretRef,
}

/// Where a secret is read from, as written in mcpgen.yaml: the reference, never the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretRef {
    /// An environment variable.
    Env(String),
    /// A file (re-read when it changes).
    File(String),
    /// A program and its arguments; its output is the secret.
    Command(Vec<String>),
}

/// What a SQL tool runs: one statement with named `:placeholders`, each bound as a
/// parameter (never pasted into the text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlQuery {
    /// The database's name in [`Api::databases`].
    pub database: String,
    /// The statement, with `:name` placeholders for the arguments.
    pub statement: String,
    /// The arguments the placeholders take, with the type each is bound as.
    pub parameters: Vec<SqlParameter>,
    /// Whether the statement may change data. Without it the statement runs in a read-only
    /// connection or transaction, so the database itself refuses a write.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write: bool,
    /// The most rows a result holds; more are cut off and the result says so.
    pub max_rows: u64,
    /// How long the statement may run, in milliseconds.
    pub timeout_ms: u64,
}

/// One argument of a SQL tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlParameter {
    /// The placeholder's and the input property's name.
    pub name: String,
    /// How the JSON value is bound.
    #[serde(rename = "type")]
    pub kind: SqlType,
}

/// The types SQL arguments are bound as. Dates are bound as dates where the engine needs
/// it (PostgreSQL will not compare a date column with text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum SqlType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    DateTime,
}

/// Whether a server lists every tool or the three discovery tools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolMode {
    /// Every tool when the list is small (see [`crate::discovery::AUTO_MAX_TOOLS`]),
    /// discovery otherwise.
    #[default]
    Auto,
    /// Every tool, however many.
    All,
    /// The three discovery tools.
    Discover,
}

impl std::str::FromStr for ToolMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "auto" => Ok(ToolMode::Auto),
            "all" => Ok(ToolMode::All),
            "discover" => Ok(ToolMode::Discover),
            other => Err(format!("expected auto, all or discover, not `{other}`")),
        }
    }
}

/// HTTP methods an operation can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
    Query,
}

impl Method {
    /// Every method, in the order OpenAPI lists them in a path item.
    pub const ALL: [Method; 9] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
        Method::Query,
    ];

    /// The lower-case key a path item uses for this method.
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
            Method::Query => "query",
        }
    }

    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Query => "QUERY",
        }
    }
}

/// A base URL template with its variables, e.g. `https://{region}.example.com/v1`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Server {
    /// The URL template; may be relative (then the operator must supply a base URL).
    pub url: String,
    /// What the document says about this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Template variables, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, ServerVariable>,
}

/// One `{name}` in a server URL template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerVariable {
    /// The value used unless the operator sets another.
    pub default: String,
    /// The only values allowed, when the document restricts them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// What the variable means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One operation parameter and how to serialize it (OpenAPI's style and explode rules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// The name on the wire (path slot, query key, header or cookie name).
    pub name: String,
    /// The input-schema property that carries the value; differs from `name` when the name
    /// is not a valid property name or collides with another parameter or the body.
    pub property: String,
    /// Where the value goes.
    pub location: ParameterLocation,
    /// Whether the call must supply it (always true for path parameters).
    pub required: bool,
    /// How the value is serialized.
    pub style: ParameterStyle,
    /// Whether arrays and objects are exploded into several pairs.
    pub explode: bool,
    /// Whether reserved characters go unencoded in a query value (`allowReserved`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_reserved: bool,
    /// When the parameter uses `content` instead of `schema`: the media type its value is
    /// encoded in (e.g. JSON in a query string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Where the parameter is written, for diagnostics.
    pub source: SourceRef,
}

/// Where a parameter travels in the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ParameterLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParameterLocation {
    /// The name OpenAPI uses (`in:`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
            ParameterLocation::Cookie => "cookie",
        }
    }
}

impl From<ApiKeyLocation> for ParameterLocation {
    /// Where an API key travels, as a parameter location (to match a parameter that
    /// carries it).
    fn from(location: ApiKeyLocation) -> Self {
        match location {
            ApiKeyLocation::Header => ParameterLocation::Header,
            ApiKeyLocation::Query => ParameterLocation::Query,
            ApiKeyLocation::Cookie => ParameterLocation::Cookie,
        }
    }
}

/// OpenAPI parameter serialization styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum ParameterStyle {
    Matrix,
    Label,
    Simple,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// Swagger 2.0 `collectionFormat: tsv`: tab-separated values.
    TabDelimited,
}

/// The body an operation accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestBody {
    /// The input-schema property that carries the body (always [`BODY_PROPERTY`] unless a
    /// parameter already uses that name).
    pub property: String,
    /// Whether the call must supply a body.
    pub required: bool,
    /// The media type mcpgen sends, chosen from `content` (JSON first, then forms, text,
    /// binary).
    pub media_type: String,
    /// How the chosen media type is encoded from the body argument.
    pub encoding: BodyEncoding,
    /// Every media type the document offers, in document order.
    pub content: Vec<String>,
    /// What the document says about the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For a REST tool of mcpgen.yaml: the body as a template filled from the arguments
    /// (see [`crate::request::fill_template`]) instead of one `body` argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
}

/// The name of the input property that holds a request body.
pub const BODY_PROPERTY: &str = "body";

/// How a body argument becomes request bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyEncoding {
    /// The argument serialized as JSON.
    Json,
    /// An object argument as `application/x-www-form-urlencoded`.
    Form,
    /// An object argument as `multipart/form-data`; binary parts are given base64-encoded.
    Multipart,
    /// A string argument sent as is (text/*, XML and other textual types).
    Text,
    /// A base64 string argument decoded and sent as raw bytes.
    Binary,
}

/// The response a successful call returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuccessResponse {
    /// The status code as written (`200`, `2XX`).
    pub status: String,
    /// The media types the response may have, in document order (used for `Accept`).
    pub content: Vec<String>,
    /// When the JSON response is not an object, the output schema wraps it in one property of
    /// this name and `structuredContent` must be wrapped the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_in: Option<String>,
}

/// The property that wraps a non-object JSON result in `structuredContent`.
pub const RESULT_PROPERTY: &str = "result";

/// One alternative of a security requirement: all of these schemes together.
pub type SecurityRequirement = Vec<SchemeUse>;

/// One scheme inside a security requirement, with the scopes the operation needs from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeUse {
    /// The scheme's name in [`Api::security_schemes`].
    pub scheme: String,
    /// Required scopes (OAuth2/OIDC; roles for other kinds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

/// A way the upstream API authenticates callers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SecurityScheme {
    /// A key sent in a header, query parameter or cookie.
    #[serde(rename = "apiKey")]
    ApiKey {
        /// The header, query or cookie name.
        name: String,
        /// Where the key travels.
        location: ApiKeyLocation,
        /// What the document says about the scheme.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// HTTP authentication (`basic`, `bearer`, or another RFC 7235 scheme).
    Http {
        /// The scheme, lower-cased (`basic`, `bearer`, ...).
        scheme: String,
        /// A hint about the bearer token's format.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bearer_format: Option<String>,
        /// What the document says about the scheme.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// OAuth 2.0, with the flows the document declares.
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// The declared flows.
        flows: Vec<OAuthFlow>,
        /// What the document says about the scheme.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// OpenID Connect discovery.
    OpenIdConnect {
        /// The discovery document's URL.
        url: String,
        /// What the document says about the scheme.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// TLS client certificates.
    #[serde(rename = "mutualTLS")]
    MutualTls {
        /// What the document says about the scheme.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
}

/// Where an API key travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

/// One OAuth 2.0 flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OAuthFlow {
    /// Which grant the flow uses.
    pub kind: OAuthFlowKind,
    /// The authorization endpoint (authorization code and implicit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// The token endpoint (authorization code, password, client credentials, device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The refresh endpoint, when it differs from the token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_url: Option<String>,
    /// Scopes the flow offers, with their descriptions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scopes: BTreeMap<String, String>,
}

/// OAuth 2.0 grant types that OpenAPI describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum OAuthFlowKind {
    Implicit,
    Password,
    ClientCredentials,
    AuthorizationCode,
    DeviceAuthorization,
}

/// Behaviour hints for clients, derived from the HTTP method (MCP tool annotations).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotations {
    /// The call does not change anything (GET, HEAD, OPTIONS, QUERY).
    pub read_only_hint: bool,
    /// The call may destroy or overwrite data (DELETE, PUT, PATCH); POST only adds.
    pub destructive_hint: bool,
    /// Repeating the call has no further effect (GET, HEAD, OPTIONS, QUERY, PUT, DELETE).
    pub idempotent_hint: bool,
}

impl Annotations {
    /// The hints HTTP semantics give each method (RFC 9110 safe and idempotent methods).
    pub fn for_method(method: Method) -> Self {
        let read_only = matches!(
            method,
            Method::Get | Method::Head | Method::Options | Method::Query
        );
        Annotations {
            read_only_hint: read_only,
            destructive_hint: matches!(method, Method::Delete | Method::Put | Method::Patch),
            idempotent_hint: read_only || matches!(method, Method::Put | Method::Delete),
        }
    }
}

/// Where something is written: a file and a JSON pointer inside it. Line and column are worked
/// out from these only when a diagnostic needs them, so loading stays fast.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceRef {
    /// The file, as given on the command line or reached through a `$ref`.
    pub file: String,
    /// An RFC 6901 JSON pointer into that file (empty for the whole document).
    pub pointer: String,
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}
