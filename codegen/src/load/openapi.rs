//! Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2 documents lowered into one [`Api`].
//!
//! One walk serves every version: the few places where Swagger 2.0 differs (body and
//! formData parameters, `consumes`/`produces`, `securityDefinitions`, `host`/`basePath`/
//! `schemes`, parameter `type` and `collectionFormat`) branch on [`Version`] right where they
//! are read, so each rule is written once.

use super::LoadOptions;
use super::document::NodeRef;
use super::names::{self, NameSet};
use super::schema::{Dialect, Direction, Schemas};
use super::source::{Sources, escape, kind_of};
use crate::Diagnostic;
use mcpgen_runtime::model::{
    Annotations, Api, ApiKeyLocation, BODY_PROPERTY, BodyEncoding, Method, OAuthFlow,
    OAuthFlowKind, Parameter, ParameterLocation, ParameterStyle, RESULT_PROPERTY, RequestBody,
    SchemeUse, SecurityRequirement, SecurityScheme, Server, ServerVariable, SourceRef,
    SuccessResponse, Tool,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The document versions mcpgen reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Swagger 2.0.
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
    /// OpenAPI 3.2.x.
    OpenApi32,
}

type Res<T> = Result<T, Box<Diagnostic>>;

/// An operation's success response and the output schema built from it.
type SuccessAndOutput = (
    Option<SuccessResponse>,
    Option<(Map<String, Value>, Vec<String>)>,
);

/// Lowers the root document (file 0 of `src`) into an [`Api`], collecting diagnostics.
pub fn lower(src: &mut Sources, options: &LoadOptions, diags: &mut Vec<Diagnostic>) -> Option<Api> {
    let name = src.file(0).name.clone();
    let version = match detect_version(src, &name) {
        Ok(v) => v,
        Err(d) => {
            diags.push(*d);
            return None;
        }
    };
    let dialect = match version {
        Version::Swagger2 | Version::OpenApi30 => Dialect::Draft4,
        Version::OpenApi31 | Version::OpenApi32 => Dialect::Draft2020,
    };
    let mut lowering = Lowering {
        src,
        schemas: Schemas::new(dialect),
        version,
        options,
        names: NameSet::default(),
        operation_ids: HashMap::new(),
        diags,
        file_name: name,
        schemes: BTreeMap::new(),
        declared: HashSet::new(),
        document_servers: Vec::new(),
    };
    let mut api = lowering.document()?;
    let (input_defs, output_defs) = lowering.schemas.into_defs();
    api.input_defs = input_defs;
    api.output_defs = output_defs;
    Some(api)
}

fn detect_version(src: &Sources, name: &str) -> Res<Version> {
    let not_doc = |found: &str| {
        Box::new(
            Diagnostic::error(
                "not-a-document",
                format!("{name} is not an OpenAPI or Swagger document: {found}"),
            )
            .at(name, "")
            .help(
                "expected a mapping with `openapi: 3.x.y` or `swagger: \"2.0\"` at the top level",
            ),
        )
    };
    if src.keys(0, "").is_none() {
        let kind = src
            .node(0, "")
            .map_or("not a mapping", |root| kind_of(&root));
        return Err(not_doc(&format!("the top level is {kind}")));
    }
    let top = |key: &str| src.node(0, &format!("/{key}"));
    let bad_version = |key: &str, found: String, help: &str| {
        Box::new(
            Diagnostic::error("version", format!("unsupported {key} version {found}"))
                .at(name, &format!("/{key}"))
                .help(help.to_string()),
        )
    };
    if let Some(v) = top("openapi") {
        let v = &*v;
        let help = "expected a string `3.0.x`, `3.1.x` or `3.2.x`, e.g. `openapi: 3.1.0`";
        let Value::String(text) = v else {
            return Err(bad_version(
                "openapi",
                format!("{v} ({})", kind_of(v)),
                help,
            ));
        };
        let mut parts = text.split('.');
        let major_minor = (parts.next(), parts.next());
        return match major_minor {
            (Some("3"), Some("0")) => Ok(Version::OpenApi30),
            (Some("3"), Some("1")) => Ok(Version::OpenApi31),
            (Some("3"), Some("2")) => Ok(Version::OpenApi32),
            _ => Err(bad_version("openapi", format!("`{text}`"), help)),
        };
    }
    if let Some(v) = top("swagger") {
        let v = &*v;
        let help =
            "the only Swagger version is \"2.0\"; for 1.x documents, convert to OpenAPI 3 first";
        return match v {
            Value::String(s) if s == "2.0" => Ok(Version::Swagger2),
            Value::Number(n) if n.as_f64() == Some(2.0) => Ok(Version::Swagger2),
            _ => Err(bad_version("swagger", v.to_string(), help)),
        };
    }
    if let Some(v) = top("swaggerVersion") {
        return Err(bad_version(
            "swaggerVersion",
            v.to_string(),
            "Swagger 1.x is not supported; convert it to OpenAPI 3 first",
        ));
    }
    Err(not_doc("it has neither an `openapi` nor a `swagger` key"))
}

struct Lowering<'a> {
    src: &'a mut Sources,
    schemas: Schemas,
    version: Version,
    options: &'a LoadOptions,
    names: NameSet,
    operation_ids: HashMap<String, String>,
    diags: &'a mut Vec<Diagnostic>,
    file_name: String,
    schemes: BTreeMap<String, SecurityScheme>,
    /// Every scheme name the document declares, including ones that failed to load (so a
    /// requirement naming a broken scheme is not also reported as undeclared).
    declared: HashSet<String>,
    /// The document-level servers, which operations without their own inherit.
    document_servers: Vec<Server>,
}

/// A parameter as read from the document, before it gets its input property.
struct RawParameter {
    name: String,
    location: ParameterLocation,
    required: bool,
    style: ParameterStyle,
    explode: bool,
    allow_reserved: bool,
    content_type: Option<String>,
    schema: Value,
    source: SourceRef,
}

/// A request body and its schema, until the schema moves into the tool's input schema.
type LoweredBody = (RequestBody, Value);

/// What Swagger 2.0 `body` and `formData` parameters add up to.
#[derive(Default)]
struct LegacyBody {
    body: Option<(Value, bool, Option<String>)>,
    form: Vec<(String, Value, bool)>,
    has_file: bool,
}

impl Lowering<'_> {
    /// A top-level member of the root document.
    fn top(&self, key: &str) -> Option<NodeRef> {
        self.src.node(0, &format!("/{}", escape(key)))
    }

    fn document(&mut self) -> Option<Api> {
        let info = self.top("info");
        let text = |key: &str| {
            info.as_ref()
                .and_then(|i| i.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let mut api = Api {
            title: text("title").unwrap_or_else(|| "API".into()),
            version: text("version").unwrap_or_default(),
            description: text("description"),
            ..Api::default()
        };
        let errors_before = self.error_count();
        let servers = self.document_servers();
        api.servers = self.keep(servers).unwrap_or_default();
        self.document_servers = api.servers.clone();
        self.security_schemes();
        api.security_schemes = self.schemes.clone();
        let global_security = match self.top("security") {
            Some(v) => self
                .keep(self.security(&v, 0, "/security"))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        self.operations(&mut api, &global_security);
        self.report_webhooks();
        (self.error_count() == errors_before).then_some(api)
    }

    fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    fn keep<T>(&mut self, result: Res<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.push(*d);
                None
            }
        }
    }

    fn error(
        &self,
        code: &'static str,
        file: usize,
        pointer: &str,
        message: String,
    ) -> Box<Diagnostic> {
        Box::new(Diagnostic::error(code, message).at(&self.src.file(file).name, pointer))
    }

    fn warn(&mut self, code: &'static str, file: usize, pointer: &str, message: String) {
        let d = Diagnostic::warning(code, message).at(&self.src.file(file).name, pointer);
        self.diags.push(d);
    }

    fn wrong_type(
        &self,
        file: usize,
        pointer: &str,
        expected: &str,
        found: &Value,
    ) -> Box<Diagnostic> {
        self.error(
            "type",
            file,
            pointer,
            format!("expected {expected}, found {}", kind_of(found)),
        )
    }

    /// The node at `pointer` in `file`, through any `$ref`s, with where it really is.
    fn resolve(&mut self, file: usize, pointer: &str) -> Res<(NodeRef, usize, String)> {
        let (file, pointer) = self.src.deref(file, pointer)?;
        match self.src.node(file, &pointer) {
            Some(node) => Ok((node, file, pointer)),
            None => Err(self.error(
                "ref-missing",
                file,
                &pointer,
                "nothing is written here".into(),
            )),
        }
    }

    // ----- servers ---------------------------------------------------------------------------

    fn document_servers(&mut self) -> Res<Vec<Server>> {
        if self.version != Version::Swagger2 {
            // No servers, or an empty list, means one server at `/` (OpenAPI 3).
            return match self.top("servers") {
                Some(v) if v.as_array().is_none_or(|list| !list.is_empty()) => {
                    self.servers(0, "/servers", &v)
                }
                _ => Ok(vec![server("/")]),
            };
        }
        let host_node = self.top("host");
        let host = host_node.as_deref().and_then(Value::as_str);
        let base_path_node = self.top("basePath");
        let base_path = base_path_node
            .as_deref()
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(host) = host else {
            return Ok(vec![server(if base_path.is_empty() {
                "/"
            } else {
                base_path
            })]);
        };
        let schemes_node = self.top("schemes");
        let schemes: Vec<&str> = match schemes_node.as_deref() {
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec!["https"],
        };
        let schemes = if schemes.is_empty() {
            vec!["https"]
        } else {
            schemes
        };
        Ok(schemes
            .iter()
            .map(|scheme| server(&format!("{scheme}://{host}{base_path}")))
            .collect())
    }

    fn servers(&mut self, file: usize, pointer: &str, value: &Value) -> Res<Vec<Server>> {
        let Value::Array(list) = value else {
            return Err(self.wrong_type(file, pointer, "a list of servers", value));
        };
        let mut out = Vec::new();
        for (i, entry) in list.iter().enumerate() {
            let at = format!("{pointer}/{i}");
            let Some(url) = entry.get("url").and_then(Value::as_str) else {
                return Err(self.error(
                    "missing-field",
                    file,
                    &at,
                    "a server needs a `url` string".into(),
                ));
            };
            let mut variables = BTreeMap::new();
            if let Some(Value::Object(vars)) = entry.get("variables") {
                for (name, var) in vars {
                    let default = match var.get("default") {
                        Some(Value::String(s)) => s.clone(),
                        Some(other) if !other.is_null() => other.to_string(),
                        _ => {
                            let at = format!("{at}/variables/{}", escape(name));
                            return Err(self.error(
                                "missing-field",
                                file,
                                &at,
                                format!("server variable `{name}` needs a `default`"),
                            ));
                        }
                    };
                    let allowed = var
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|l| {
                            l.iter()
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    let description = var
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    variables.insert(
                        name.clone(),
                        ServerVariable {
                            default,
                            allowed,
                            description,
                        },
                    );
                }
            }
            out.push(Server {
                url: url.to_string(),
                description: entry
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                variables,
            });
        }
        Ok(out)
    }

    // ----- security --------------------------------------------------------------------------

    fn security_schemes(&mut self) {
        let pointer = match self.version {
            Version::Swagger2 => "/securityDefinitions",
            _ => "/components/securitySchemes",
        };
        let Some(names) = self.src.keys(0, pointer) else {
            if let Some(found) = self.src.node(0, pointer) {
                let d = self.wrong_type(0, pointer, "a mapping of security schemes", &found);
                self.diags.push(*d);
            }
            return;
        };
        self.declared.extend(names.iter().cloned());
        for name in names {
            let at = format!("{pointer}/{}", escape(&name));
            let scheme = self
                .resolve(0, &at)
                .and_then(|(value, file, at)| self.security_scheme(&name, file, &at, &value));
            if let Some(scheme) = self.keep(scheme) {
                self.schemes.insert(name, scheme);
            }
        }
    }

    fn security_scheme(
        &mut self,
        name: &str,
        file: usize,
        at: &str,
        value: &Value,
    ) -> Res<SecurityScheme> {
        let Value::Object(map) = value else {
            return Err(self.wrong_type(file, at, "a security scheme mapping", value));
        };
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string);
        let description = text("description");
        let Some(kind) = text("type") else {
            return Err(self
                .error(
                    "missing-field",
                    file,
                    at,
                    format!("security scheme `{name}` has no `type`"),
                )
                .map(|d| {
                    d.help("expected one of apiKey, http, oauth2, openIdConnect, mutualTLS")
                }));
        };
        let need = |this: &Self, key: &str| {
            text(key).ok_or_else(|| {
                this.error(
                    "missing-field",
                    file,
                    at,
                    format!("security scheme `{name}` of type {kind} needs `{key}`"),
                )
            })
        };
        Ok(match kind.as_str() {
            "apiKey" => {
                let location = match need(self, "in")?.as_str() {
                    "header" => ApiKeyLocation::Header,
                    "query" => ApiKeyLocation::Query,
                    "cookie" => ApiKeyLocation::Cookie,
                    other => {
                        return Err(self.error(
                            "unsupported-scheme",
                            file,
                            &format!("{at}/in"),
                            format!("API key `{name}` goes `in: {other}`; expected header, query or cookie"),
                        ));
                    }
                };
                SecurityScheme::ApiKey {
                    name: need(self, "name")?,
                    location,
                    description,
                }
            }
            "http" => SecurityScheme::Http {
                scheme: need(self, "scheme")?.to_ascii_lowercase(),
                bearer_format: text("bearerFormat"),
                description,
            },
            "basic" if self.version == Version::Swagger2 => SecurityScheme::Http {
                scheme: "basic".into(),
                bearer_format: None,
                description,
            },
            "oauth2" => SecurityScheme::OAuth2 {
                flows: self.oauth_flows(file, at, map)?,
                description,
            },
            "openIdConnect" => SecurityScheme::OpenIdConnect {
                url: need(self, "openIdConnectUrl")?,
                description,
            },
            "mutualTLS" => SecurityScheme::MutualTls { description },
            other => {
                return Err(self
                    .error(
                        "unsupported-scheme",
                        file,
                        &format!("{at}/type"),
                        format!("security scheme `{name}` has unknown type `{other}`"),
                    )
                    .map(|d| {
                        d.help("expected one of apiKey, http, oauth2, openIdConnect, mutualTLS")
                    }));
            }
        })
    }

    fn oauth_flows(&self, file: usize, at: &str, map: &Map<String, Value>) -> Res<Vec<OAuthFlow>> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let scopes = |v: &Value| -> BTreeMap<String, String> {
            v.get("scopes")
                .and_then(Value::as_object)
                .map(|s| {
                    s.iter()
                        .map(|(k, d)| (k.clone(), d.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        if self.version == Version::Swagger2 {
            let kind = match map.get("flow").and_then(Value::as_str) {
                Some("implicit") => OAuthFlowKind::Implicit,
                Some("password") => OAuthFlowKind::Password,
                Some("application") => OAuthFlowKind::ClientCredentials,
                Some("accessCode") => OAuthFlowKind::AuthorizationCode,
                other => {
                    return Err(self.error(
                        "unsupported-scheme",
                        file,
                        at,
                        format!("OAuth2 flow {other:?} is unknown; expected implicit, password, application or accessCode"),
                    ));
                }
            };
            let whole = Value::Object(map.clone());
            return Ok(vec![OAuthFlow {
                kind,
                authorization_url: text(&whole, "authorizationUrl"),
                token_url: text(&whole, "tokenUrl"),
                refresh_url: None,
                scopes: scopes(&whole),
            }]);
        }
        let Some(Value::Object(flows)) = map.get("flows") else {
            return Err(self.error(
                "missing-field",
                file,
                at,
                "an oauth2 scheme needs `flows`".into(),
            ));
        };
        let mut out = Vec::new();
        for (key, flow) in flows {
            let kind = match key.as_str() {
                "implicit" => OAuthFlowKind::Implicit,
                "password" => OAuthFlowKind::Password,
                "clientCredentials" => OAuthFlowKind::ClientCredentials,
                "authorizationCode" => OAuthFlowKind::AuthorizationCode,
                "deviceAuthorization" => OAuthFlowKind::DeviceAuthorization,
                _ => continue,
            };
            out.push(OAuthFlow {
                kind,
                authorization_url: text(flow, "authorizationUrl"),
                token_url: text(flow, "tokenUrl").or_else(|| text(flow, "deviceAuthorizationUrl")),
                refresh_url: text(flow, "refreshUrl"),
                scopes: scopes(flow),
            });
        }
        Ok(out)
    }

    fn security(&self, value: &Value, file: usize, pointer: &str) -> Res<Vec<SecurityRequirement>> {
        let Value::Array(list) = value else {
            return Err(self.wrong_type(file, pointer, "a list of security requirements", value));
        };
        let mut out = Vec::new();
        for (i, requirement) in list.iter().enumerate() {
            let at = format!("{pointer}/{i}");
            let Value::Object(map) = requirement else {
                return Err(self.wrong_type(
                    file,
                    &at,
                    "a security requirement mapping",
                    requirement,
                ));
            };
            let mut alternative = Vec::new();
            for (scheme, scopes) in map {
                if !self.declared.contains(scheme) {
                    let declared: Vec<&str> = self.schemes.keys().map(String::as_str).collect();
                    let d = Diagnostic::error(
                        "security-scheme",
                        format!("security requirement names scheme `{scheme}`, which the document does not declare"),
                    )
                    .at(&self.src.file(file).name, &format!("{at}/{}", escape(scheme)))
                    .help(if declared.is_empty() {
                        "declare it under components.securitySchemes (securityDefinitions in Swagger 2.0)".to_string()
                    } else {
                        format!("declared schemes: {}", declared.join(", "))
                    });
                    return Err(Box::new(d));
                }
                let scopes = scopes
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                alternative.push(SchemeUse {
                    scheme: scheme.clone(),
                    scopes,
                });
            }
            out.push(alternative);
        }
        Ok(out)
    }

    // ----- operations ------------------------------------------------------------------------

    fn operations(&mut self, api: &mut Api, global_security: &[SecurityRequirement]) {
        let Some(paths) = self.src.keys(0, "/paths") else {
            match self.top("paths") {
                Some(found) => {
                    let d = self.wrong_type(0, "/paths", "a mapping of paths", &found);
                    self.diags.push(*d);
                }
                None if matches!(self.version, Version::Swagger2 | Version::OpenApi30) => {
                    let d =
                        self.error("missing-field", 0, "", "the document has no `paths`".into());
                    self.diags.push(*d);
                }
                None => {}
            }
            return;
        };
        for path in &paths {
            let item_at = format!("/paths/{}", escape(path));
            if let Err(d) = self.path_item(api, path, &item_at, global_security) {
                self.diags.push(*d);
            }
            // Its tools are built: the parsed path item is not needed any more.
            self.src.release(0, &item_at);
        }
    }

    fn path_item(
        &mut self,
        api: &mut Api,
        path: &str,
        item_at: &str,
        global_security: &[SecurityRequirement],
    ) -> Res<()> {
        let (item, file, at) = self.resolve(0, item_at)?;
        let Value::Object(item) = &*item else {
            return Err(self.wrong_type(file, &at, "a path item mapping", &item));
        };
        let servers = match item.get("servers").filter(|v| !is_empty_list(v)) {
            Some(v) if self.version != Version::Swagger2 => {
                Some(self.servers(file, &format!("{at}/servers"), v)?)
            }
            _ => None,
        };
        for method in Method::ALL {
            if method == Method::Query && self.version != Version::OpenApi32 {
                continue;
            }
            if !item.contains_key(method.key()) {
                continue;
            }
            let op_at = format!("{at}/{}", method.key());
            match self.operation(
                path,
                method,
                item,
                file,
                &at,
                &op_at,
                servers.as_ref(),
                global_security,
            ) {
                Ok(tool) => api.tools.push(tool),
                Err(d) => self.diags.push(*d),
            }
        }
        if let Some(Value::Object(extra)) = item.get("additionalOperations") {
            let methods: Vec<&String> = extra.keys().collect();
            self.warn(
                "method",
                file,
                &format!("{at}/additionalOperations"),
                format!("operations with custom methods ({}) were skipped: MCP tools use standard HTTP methods", methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")),
            );
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: Method,
        item: &Map<String, Value>,
        file: usize,
        item_at: &str,
        op_at: &str,
        path_servers: Option<&Vec<Server>>,
        global_security: &[SecurityRequirement],
    ) -> Res<Tool> {
        let op = &item[method.key()];
        let Value::Object(op) = op else {
            let expected = format!(
                "the `{}` operation of `{path}` to be a mapping",
                method.key()
            );
            return Err(self.wrong_type(file, op_at, &expected, op));
        };
        let name_of = |this: &Self| this.src.file(file).name.clone();
        let operation_id = match op.get("operationId") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(other) => {
                return Err(self.wrong_type(
                    file,
                    &format!("{op_at}/operationId"),
                    "a string operationId",
                    other,
                ));
            }
        };
        let mut duplicate = false;
        if let Some(id) = &operation_id {
            let here = format!("{}#{op_at}", name_of(self));
            if let Some(first) = self.operation_ids.get(id).cloned() {
                // OpenAPI requires unique operationIds, but real documents (Kubernetes,
                // SendGrid) repeat them; the tool still gets a unique name.
                let d = Diagnostic::warning(
                    "duplicate-operation-id",
                    format!("operationId `{id}` is used twice; first at {first}; this tool gets a numbered name"),
                )
                .at(&name_of(self), &format!("{op_at}/operationId"))
                .help("operationIds must be unique across the document");
                self.diags.push(d);
                duplicate = true;
            } else {
                self.operation_ids.insert(id.clone(), here);
            }
        }

        // Parameters: the path item's, overridden by the operation's with the same name and place.
        let mut raw: Vec<(String, String, usize, String)> = Vec::new(); // (name, in, file, pointer)
        let mut positions: HashMap<(String, String), usize> = HashMap::new();
        for (owner, owner_at) in [(item, item_at), (op, op_at)] {
            let Some(list) = owner.get("parameters") else {
                continue;
            };
            let list_at = format!("{owner_at}/parameters");
            let Value::Array(list) = list else {
                return Err(self.wrong_type(file, &list_at, "a list of parameters", list));
            };
            for i in 0..list.len() {
                let (param, pfile, pat) = self.resolve(file, &format!("{list_at}/{i}"))?;
                let Value::Object(p) = &*param else {
                    return Err(self.wrong_type(pfile, &pat, "a parameter mapping", &param));
                };
                let Some(name) = p.get("name") else {
                    return Err(self.error(
                        "missing-field",
                        pfile,
                        &pat,
                        "a parameter needs a `name`".into(),
                    ));
                };
                let Some(name) = name.as_str() else {
                    return Err(self.wrong_type(
                        pfile,
                        &format!("{pat}/name"),
                        "a string name",
                        name,
                    ));
                };
                let Some(location) = p.get("in").and_then(Value::as_str) else {
                    return Err(self
                        .error(
                            "missing-field",
                            pfile,
                            &pat,
                            format!("parameter `{name}` needs `in`"),
                        )
                        .map(|d| d.help("expected `in: path`, `query`, `header` or `cookie`")));
                };
                // An operation's parameter replaces the path item's with the same name and place.
                let key = (name.to_string(), location.to_string());
                match positions.get(&key) {
                    Some(&at) => raw[at] = (key.0, key.1, pfile, pat),
                    None => {
                        positions.insert(key.clone(), raw.len());
                        raw.push((key.0, key.1, pfile, pat));
                    }
                }
            }
        }

        let mut parameters = Vec::new();
        let mut legacy = LegacyBody::default();
        for (name, location, pfile, pat) in &raw {
            let node = self.src.node(*pfile, pat).expect("read above");
            let p = node.as_object().expect("checked above");
            if let Some(param) = self.parameter(name, location, p, *pfile, pat, &mut legacy)? {
                parameters.push(param);
            }
        }

        // Every path parameter needs a slot in the template, and every slot a parameter.
        let slots = template_slots(path);
        for param in &parameters {
            if param.location == ParameterLocation::Path && !slots.iter().any(|s| s == &param.name)
            {
                return Err(self
                    .error(
                        "path-parameter",
                        param_file(self, &param.source),
                        &param.source.pointer,
                        format!(
                            "path parameter `{}` has no `{{{}}}` slot in `{path}`",
                            param.name, param.name
                        ),
                    )
                    .map(|d| {
                        d.help(format!(
                            "add {{{}}} to the path or change the parameter's `in`",
                            param.name
                        ))
                    }));
            }
        }
        for slot in &slots {
            if !parameters
                .iter()
                .any(|p| p.location == ParameterLocation::Path && &p.name == slot)
            {
                self.warn(
                    "path-slot",
                    file,
                    op_at,
                    format!(
                        "`{{{slot}}}` in `{path}` has no path parameter; added as a required string"
                    ),
                );
                parameters.push(RawParameter {
                    name: slot.clone(),
                    location: ParameterLocation::Path,
                    required: true,
                    style: ParameterStyle::Simple,
                    explode: false,
                    allow_reserved: false,
                    content_type: None,
                    schema: json!({"type": "string"}),
                    source: SourceRef {
                        file: name_of(self),
                        pointer: op_at.to_string(),
                    },
                });
            }
        }

        let body = match self.version {
            Version::Swagger2 => self.legacy_body(op, legacy, file, op_at)?,
            _ => match op.get("requestBody") {
                Some(_) => self.request_body(file, &format!("{op_at}/requestBody"))?,
                None => None,
            },
        };
        let (response, output) = self.success_response(op, file, op_at)?;

        let security = match op.get("security") {
            Some(v) => self.security(v, file, &format!("{op_at}/security"))?,
            None => global_security.to_vec(),
        };
        // An empty list inherits, like an absent one: a tool needs somewhere to send requests.
        let servers = match op.get("servers").filter(|v| !is_empty_list(v)) {
            Some(v) if self.version != Version::Swagger2 => {
                self.servers(file, &format!("{op_at}/servers"), v)?
            }
            _ => match path_servers {
                Some(s) => s.clone(),
                None => self.document_servers.clone(),
            },
        };
        if let Some(Value::Object(callbacks)) = op.get("callbacks") {
            let names: Vec<&str> = callbacks.keys().map(String::as_str).collect();
            self.warn(
                "callbacks",
                file,
                &format!("{op_at}/callbacks"),
                format!(
                    "callbacks {} were skipped: an MCP tool cannot receive requests from the API",
                    names.join(", ")
                ),
            );
        }

        let text = |key: &str| {
            op.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let summary = text("summary");
        let description = match (summary, text("description")) {
            (Some(s), Some(d)) if d.starts_with(s) => d.to_string(),
            (Some(s), Some(d)) => format!("{s}\n\n{d}"),
            (Some(s), None) => s.to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) => format!("{} {path}", method.as_str()),
        };
        let deprecated = op.get("deprecated") == Some(&Value::Bool(true));
        let tags = op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();

        let identity = operation_id
            .clone()
            .unwrap_or_else(|| format!("{} {path}", method.as_str()));
        let wanted = operation_id
            .as_deref()
            .map(names::sanitize)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| names::from_method_and_path(method.key(), path));
        let wanted = if wanted.is_empty() {
            "operation".to_string()
        } else {
            wanted
        };
        let max = self.options.max_tool_name_len;
        let name = self.names.claim(&wanted, &identity, max);
        let fitted = names::fit(&wanted, &identity, max);
        let name_at = match &operation_id {
            Some(_) => format!("{op_at}/operationId"),
            None => op_at.to_string(),
        };
        if fitted != wanted {
            self.warn(
                "name-cut",
                file,
                &name_at,
                format!(
                    "tool name `{wanted}` is longer than {max} characters; shortened to `{fitted}`"
                ),
            );
        }
        if name != fitted && !duplicate {
            self.warn(
                "name-collision",
                file,
                &name_at,
                format!("tool name `{fitted}` is already taken; this operation is `{name}`"),
            );
        }

        let parameters = self.without_credentials(parameters, &security);
        let (parameters, body, input_schema, input_defs) = self.input_schema(parameters, body);
        let (output_schema, output_defs) = output.unzip();
        Ok(Tool {
            name,
            title: summary.map(str::to_string).or_else(|| operation_id.clone()),
            description: if deprecated {
                format!("(deprecated) {description}")
            } else {
                description
            },
            operation_id,
            method,
            path: path.to_string(),
            servers,
            parameters,
            body,
            response,
            security,
            annotations: Annotations::for_method(method),
            tags,
            deprecated,
            input_schema,
            input_defs,
            output_schema,
            output_defs: output_defs.unwrap_or_default(),
            fixed_arguments: Map::new(),
            default_arguments: Map::new(),
            query: None,
            source: SourceRef {
                file: name_of(self),
                pointer: op_at.to_string(),
            },
        })
    }

    /// One parameter; Swagger 2.0 body and formData parameters go into `legacy` instead.
    fn parameter(
        &mut self,
        name: &str,
        location: &str,
        p: &Map<String, Value>,
        file: usize,
        at: &str,
        legacy: &mut LegacyBody,
    ) -> Res<Option<RawParameter>> {
        let v2 = self.version == Version::Swagger2;
        let required = p.get("required") == Some(&Value::Bool(true));
        let location = match location {
            "path" => ParameterLocation::Path,
            "query" => ParameterLocation::Query,
            "header" => ParameterLocation::Header,
            "cookie" if !v2 => ParameterLocation::Cookie,
            "body" if v2 => {
                let schema = p.get("schema").cloned().unwrap_or(json!({}));
                let schema = self.schemas.convert(
                    self.src,
                    file,
                    &format!("{at}/schema"),
                    &schema,
                    Direction::Input,
                )?;
                let description = p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                legacy.body = Some((schema, required, description));
                return Ok(None);
            }
            "formData" if v2 => {
                let schema = self.legacy_schema(p, file, at)?;
                legacy.has_file |= p.get("type").and_then(Value::as_str) == Some("file");
                legacy.form.push((name.to_string(), schema, required));
                return Ok(None);
            }
            other => {
                let expected = if v2 {
                    "path, query, header, body or formData"
                } else {
                    "path, query, header or cookie"
                };
                let mut d = Diagnostic::error(
                    "invalid-parameter",
                    format!("parameter `{name}` has `in: {other}`; expected {expected}"),
                )
                .at(&self.src.file(file).name, &format!("{at}/in"));
                if !v2 && (other == "body" || other == "formData") {
                    d = d.help("OpenAPI 3 describes bodies with `requestBody`, not parameters");
                }
                return Err(Box::new(d));
            }
        };
        if location == ParameterLocation::Header
            && !v2
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            self.warn(
                "ignored-header",
                file,
                at,
                format!("header parameter `{name}` is ignored, as OpenAPI 3 requires; mcpgen sets it itself"),
            );
            return Ok(None);
        }
        let (style, explode) = if v2 {
            let format = p
                .get("collectionFormat")
                .and_then(Value::as_str)
                .unwrap_or("csv");
            let default_style = match location {
                ParameterLocation::Path | ParameterLocation::Header => ParameterStyle::Simple,
                _ => ParameterStyle::Form,
            };
            match format {
                "multi" => (ParameterStyle::Form, true),
                "ssv" => (ParameterStyle::SpaceDelimited, false),
                "pipes" => (ParameterStyle::PipeDelimited, false),
                "tsv" => (ParameterStyle::TabDelimited, false),
                _ => (default_style, false),
            }
        } else {
            let style = match p.get("style") {
                None => match location {
                    ParameterLocation::Path | ParameterLocation::Header => ParameterStyle::Simple,
                    _ => ParameterStyle::Form,
                },
                Some(v) => {
                    let style = match v.as_str() {
                        Some("matrix") => Some(ParameterStyle::Matrix),
                        Some("label") => Some(ParameterStyle::Label),
                        Some("simple") => Some(ParameterStyle::Simple),
                        Some("form") => Some(ParameterStyle::Form),
                        Some("spaceDelimited") => Some(ParameterStyle::SpaceDelimited),
                        Some("pipeDelimited") => Some(ParameterStyle::PipeDelimited),
                        Some("deepObject") => Some(ParameterStyle::DeepObject),
                        _ => None,
                    };
                    let allowed: &[ParameterStyle] = match location {
                        ParameterLocation::Path => &[
                            ParameterStyle::Matrix,
                            ParameterStyle::Label,
                            ParameterStyle::Simple,
                        ],
                        ParameterLocation::Query => &[
                            ParameterStyle::Form,
                            ParameterStyle::SpaceDelimited,
                            ParameterStyle::PipeDelimited,
                            ParameterStyle::DeepObject,
                        ],
                        ParameterLocation::Header => &[ParameterStyle::Simple],
                        ParameterLocation::Cookie => &[ParameterStyle::Form],
                    };
                    match style.filter(|s| allowed.contains(s)) {
                        Some(s) => s,
                        None => {
                            return Err(Box::new(
                                Diagnostic::error(
                                    "invalid-parameter",
                                    format!(
                                        "parameter `{name}` in {} has style {v}",
                                        location.as_str()
                                    ),
                                )
                                .at(&self.src.file(file).name, &format!("{at}/style"))
                                .help(format!(
                                    "expected one of: {}",
                                    allowed
                                        .iter()
                                        .map(|s| serde_json::to_value(s)
                                            .unwrap()
                                            .as_str()
                                            .unwrap()
                                            .to_string())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            ));
                        }
                    }
                }
            };
            let explode = match p.get("explode") {
                Some(Value::Bool(b)) => *b,
                _ => style == ParameterStyle::Form,
            };
            (style, explode)
        };
        let mut content_type = None;
        let schema = if v2 {
            self.legacy_schema(p, file, at)?
        } else if let Some(schema) = p.get("schema") {
            self.schemas.convert(
                self.src,
                file,
                &format!("{at}/schema"),
                schema,
                Direction::Input,
            )?
        } else if let Some(Value::Object(content)) = p.get("content") {
            match content.iter().next() {
                Some((media, m)) => {
                    content_type = Some(media.clone());
                    let at = format!("{at}/content/{}/schema", escape(media));
                    match m.get("schema") {
                        Some(s) => {
                            self.schemas
                                .convert(self.src, file, &at, s, Direction::Input)?
                        }
                        None => json!({}),
                    }
                }
                None => json!({}),
            }
        } else {
            json!({})
        };
        let mut schema = schema;
        if let (Some(Value::String(d)), Value::Object(s)) = (p.get("description"), &mut schema)
            && !s.contains_key("description")
        {
            s.insert("description".into(), Value::String(d.clone()));
        }
        if !v2
            && let (Some(example), Value::Object(s)) = (p.get("example"), &mut schema)
            && !s.contains_key("examples")
        {
            s.insert("examples".into(), Value::Array(vec![example.clone()]));
        }
        if p.get("deprecated") == Some(&Value::Bool(true))
            && let Value::Object(s) = &mut schema
        {
            s.insert("deprecated".into(), Value::Bool(true));
        }
        Ok(Some(RawParameter {
            name: name.to_string(),
            location,
            required: required || location == ParameterLocation::Path,
            style,
            explode,
            allow_reserved: p.get("allowReserved") == Some(&Value::Bool(true)),
            content_type,
            schema,
            source: SourceRef {
                file: self.src.file(file).name.clone(),
                pointer: at.to_string(),
            },
        }))
    }

    /// A Swagger 2.0 non-body parameter is its own schema (`type`, `items`, `enum`, ...).
    fn legacy_schema(&mut self, p: &Map<String, Value>, file: usize, at: &str) -> Res<Value> {
        const SCHEMA_KEYS: [&str; 17] = [
            "type",
            "format",
            "items",
            "enum",
            "default",
            "maximum",
            "minimum",
            "exclusiveMaximum",
            "exclusiveMinimum",
            "maxLength",
            "minLength",
            "pattern",
            "maxItems",
            "minItems",
            "uniqueItems",
            "multipleOf",
            "description",
        ];
        let mut schema = Map::new();
        for key in SCHEMA_KEYS {
            if let Some(v) = p.get(key) {
                schema.insert(key.into(), v.clone());
            }
        }
        if let Some(Value::Object(items)) = schema.get_mut("items") {
            items.retain(|k, _| k != "collectionFormat");
        }
        self.schemas
            .convert(self.src, file, at, &Value::Object(schema), Direction::Input)
    }

    fn legacy_body(
        &mut self,
        op: &Map<String, Value>,
        legacy: LegacyBody,
        file: usize,
        at: &str,
    ) -> Res<Option<LoweredBody>> {
        let consumes = self.media_list(op, "consumes");
        if let Some((schema, required, description)) = legacy.body {
            let content = if consumes.is_empty() {
                vec!["application/json".to_string()]
            } else {
                consumes
            };
            return Ok(Some(self.body_from(
                content,
                |_| Some(schema.clone()),
                required,
                description,
                file,
                at,
            )));
        }
        if legacy.form.is_empty() {
            return Ok(None);
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (name, schema, is_required) in legacy.form {
            if is_required {
                required.push(Value::String(name.clone()));
            }
            properties.insert(name, schema);
        }
        let any_required = !required.is_empty();
        let mut schema = json!({"type": "object", "properties": properties});
        if any_required {
            schema["required"] = Value::Array(required);
        }
        let multipart = legacy.has_file
            || consumes
                .iter()
                .any(|m| m.starts_with("multipart/form-data"));
        let media = if multipart {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        let content = vec![media.to_string()];
        Ok(Some(self.body_from(
            content,
            |_| Some(schema.clone()),
            any_required,
            None,
            file,
            at,
        )))
    }

    /// The `consumes` or `produces` list of a Swagger 2.0 operation, else of the document.
    fn media_list(&self, op: &Map<String, Value>, key: &str) -> Vec<String> {
        let top = self.top(key);
        let list = op.get(key).or(top.as_deref());
        list.and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn request_body(&mut self, file: usize, at: &str) -> Res<Option<LoweredBody>> {
        let (body, file, at) = self.resolve(file, at)?;
        let Value::Object(body) = &*body else {
            return Err(self.wrong_type(file, &at, "a request body mapping", &body));
        };
        let required = body.get("required") == Some(&Value::Bool(true));
        let description = body
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(content) = body.get("content") else {
            return Err(self.error(
                "missing-field",
                file,
                &at,
                "a request body needs `content`".into(),
            ));
        };
        let Value::Object(content) = content else {
            return Err(self.wrong_type(
                file,
                &format!("{at}/content"),
                "a mapping of media types",
                content,
            ));
        };
        if content.is_empty() {
            return Ok(None);
        }
        let media: Vec<String> = content.keys().cloned().collect();
        let chosen = choose_media(&media);
        let schema = match content[&chosen].get("schema") {
            Some(s) => Some(self.schemas.convert(
                self.src,
                file,
                &format!("{at}/content/{}/schema", escape(&chosen)),
                s,
                Direction::Input,
            )?),
            None => None,
        };
        Ok(Some(self.body_from(
            media,
            |_| schema.clone(),
            required,
            description,
            file,
            &at,
        )))
    }

    /// A request body sending the preferred one of `content`, whose schema `schema_of` gives.
    fn body_from(
        &mut self,
        content: Vec<String>,
        schema_of: impl Fn(&str) -> Option<Value>,
        required: bool,
        description: Option<String>,
        file: usize,
        at: &str,
    ) -> LoweredBody {
        let media_type = choose_media(&content);
        let encoding = match classify(&media_type) {
            Some(e) => e,
            None => {
                self.warn(
                    "media-type",
                    file,
                    at,
                    format!("request media type `{media_type}` is not one mcpgen encodes; the body is sent as base64-decoded bytes"),
                );
                BodyEncoding::Binary
            }
        };
        let declared = schema_of(&media_type);
        let mut schema = match encoding {
            BodyEncoding::Json => declared.unwrap_or(json!({})),
            BodyEncoding::Form | BodyEncoding::Multipart => {
                declared.unwrap_or(json!({"type": "object"}))
            }
            BodyEncoding::Text => match declared {
                Some(s) if s.get("type") == Some(&json!("string")) => s,
                _ => json!({
                    "type": "string",
                    "description": with_note(&description, &format!("The {media_type} body, as text.")),
                }),
            },
            BodyEncoding::Binary => json!({
                "type": "string",
                "contentEncoding": "base64",
                "contentMediaType": media_type,
                "description": with_note(&description, &format!("The {media_type} body, base64-encoded.")),
            }),
        };
        if let (Some(d), Value::Object(s)) = (&description, &mut schema)
            && !s.contains_key("description")
        {
            s.insert("description".into(), Value::String(d.clone()));
        }
        let body = RequestBody {
            property: BODY_PROPERTY.to_string(),
            required,
            media_type,
            encoding,
            content,
            description,
            template: None,
        };
        (body, schema)
    }

    /// The first 2xx response (lowest code first, then `2XX`), with its output schema.
    fn success_response(
        &mut self,
        op: &Map<String, Value>,
        file: usize,
        op_at: &str,
    ) -> Res<SuccessAndOutput> {
        let Some(responses) = op.get("responses") else {
            return Ok((None, None));
        };
        let Value::Object(responses) = responses else {
            return Err(self.wrong_type(
                file,
                &format!("{op_at}/responses"),
                "a mapping of responses",
                responses,
            ));
        };
        let mut codes: Vec<&String> = responses
            .keys()
            .filter(|k| k.starts_with('2') && (k.len() == 3))
            .collect();
        // The lowest 2xx that describes a body (else the lowest 2xx), `2XX` after exact codes.
        let has_body = |code: &str| {
            let entry = &responses[code];
            let deref = entry.get("$ref").map(|_| ());
            deref.is_some() || entry.get("content").is_some() || entry.get("schema").is_some()
        };
        codes.sort_by_key(|k| (!has_body(k), k.eq_ignore_ascii_case("2XX"), k.to_string()));
        let Some(code) = codes.first() else {
            return Ok((None, None));
        };
        let (response, rfile, rat) = self.resolve(file, &format!("{op_at}/responses/{code}"))?;
        let response: &Value = &response;
        let (content, schema, schema_at): (Vec<String>, Option<&Value>, String) =
            if self.version == Version::Swagger2 {
                let produces = self.media_list(op, "produces");
                let produces = if produces.is_empty() {
                    vec!["application/json".to_string()]
                } else {
                    produces
                };
                (produces, response.get("schema"), format!("{rat}/schema"))
            } else {
                match response.get("content").and_then(Value::as_object) {
                    Some(content) => {
                        let media: Vec<String> = content.keys().cloned().collect();
                        let json_media = media.iter().find(|m| {
                            classify(m) == Some(BodyEncoding::Json) && m.as_str() != "*/*"
                        });
                        match json_media {
                            Some(m) => {
                                let at = format!("{rat}/content/{}/schema", escape(m));
                                (media.clone(), content[m].get("schema"), at)
                            }
                            None => (media, None, String::new()),
                        }
                    }
                    None => (Vec::new(), None, String::new()),
                }
            };
        let is_json = content
            .iter()
            .any(|m| classify(m) == Some(BodyEncoding::Json));
        let mut success = SuccessResponse {
            status: code.to_string(),
            content,
            wrapped_in: None,
        };
        let Some(schema) = schema.filter(|_| is_json) else {
            return Ok((Some(success), None));
        };
        let converted =
            self.schemas
                .convert(self.src, rfile, &schema_at, schema, Direction::Output)?;
        let output = if self.schemas.is_object(&converted, Direction::Output) {
            let mut top = match converted.get("$ref").and_then(Value::as_str) {
                Some(r) if converted.as_object().is_some_and(|m| m.len() == 1) => self
                    .schemas
                    .def(r, Direction::Output)
                    .cloned()
                    .unwrap_or(converted),
                _ => converted,
            };
            let top_map = top.as_object_mut().expect("object schemas are mappings");
            if !top_map.contains_key("type") {
                top_map.insert("type".into(), json!("object"));
            }
            top
        } else {
            success.wrapped_in = Some(RESULT_PROPERTY.to_string());
            json!({
                "type": "object",
                "properties": { RESULT_PROPERTY: converted },
                "required": [RESULT_PROPERTY],
            })
        };
        let output = match output {
            Value::Object(map) => map,
            _ => unreachable!("built as an object above"),
        };
        let defs = self.schemas.defs_for(&output, Direction::Output);
        Ok((Some(success), Some((output, defs))))
    }

    /// The parameters less those that carry a credential: an API key scheme's header, query
    /// parameter or cookie, and `Authorization` when the operation uses HTTP, OAuth 2.0 or
    /// OpenID Connect. mcpgen fills those in; the model must never supply them.
    fn without_credentials(
        &self,
        parameters: Vec<RawParameter>,
        security: &[SecurityRequirement],
    ) -> Vec<RawParameter> {
        let sends_authorization = security
            .iter()
            .flatten()
            .filter_map(|u| self.schemes.get(&u.scheme))
            .any(|s| {
                matches!(
                    s,
                    SecurityScheme::Http { .. }
                        | SecurityScheme::OAuth2 { .. }
                        | SecurityScheme::OpenIdConnect { .. }
                )
            });
        // An API key is matched wherever the document defines it: its header stays a secret
        // even on an operation that does not ask for the key.
        let is_api_key = |p: &RawParameter| {
            self.schemes.values().any(|scheme| match scheme {
                SecurityScheme::ApiKey { name, location, .. } => {
                    ParameterLocation::from(*location) == p.location
                        && match p.location {
                            // Header names are case-insensitive; query and cookie names are not.
                            ParameterLocation::Header => name.eq_ignore_ascii_case(&p.name),
                            _ => *name == p.name,
                        }
                }
                _ => false,
            })
        };
        let is_authorization = |p: &RawParameter| {
            sends_authorization
                && p.location == ParameterLocation::Header
                && p.name.eq_ignore_ascii_case("authorization")
        };
        parameters
            .into_iter()
            .filter(|p| !is_api_key(p) && !is_authorization(p))
            .collect()
    }

    /// Gives every parameter and the body an input property and builds the tool's input schema.
    fn input_schema(
        &mut self,
        raw: Vec<RawParameter>,
        body: Option<LoweredBody>,
    ) -> (
        Vec<Parameter>,
        Option<RequestBody>,
        Map<String, Value>,
        Vec<String>,
    ) {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut taken: HashSet<String> = HashSet::new();
        if body.is_some() {
            taken.insert(BODY_PROPERTY.to_string());
        }
        let mut parameters = Vec::with_capacity(raw.len());
        for p in raw {
            let base = if names::is_valid_property(&p.name) {
                p.name.clone()
            } else {
                let cleaned: String = names::sanitize(&p.name.replace('.', "_"))
                    .chars()
                    .take(56)
                    .collect();
                if cleaned.is_empty() {
                    "param".to_string()
                } else {
                    cleaned
                }
            };
            // Renamed properties stay within the 64 characters clients accept.
            let prefixed = |suffix: &str| {
                let room = 64 - p.location.as_str().len() - 1 - suffix.len();
                let head: String = base.chars().take(room).collect();
                format!("{}_{head}{suffix}", p.location.as_str())
            };
            let mut property = base.clone();
            if taken.contains(&property) {
                property = prefixed("");
            }
            let mut n = 2;
            while taken.contains(&property) {
                property = prefixed(&format!("_{n}"));
                n += 1;
            }
            taken.insert(property.clone());
            properties.insert(property.clone(), p.schema);
            if p.required {
                required.push(Value::String(property.clone()));
            }
            parameters.push(Parameter {
                name: p.name,
                property,
                location: p.location,
                required: p.required,
                style: p.style,
                explode: p.explode,
                allow_reserved: p.allow_reserved,
                content_type: p.content_type,
                source: p.source,
            });
        }
        let body = body.map(|(body, schema)| {
            properties.insert(body.property.clone(), schema);
            if body.required {
                required.push(Value::String(body.property.clone()));
            }
            body
        });
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        schema.insert("additionalProperties".into(), Value::Bool(false));
        let defs = self.schemas.defs_for(&schema, Direction::Input);
        (parameters, body, schema, defs)
    }

    /// Webhooks (3.1+) and GitHub-style `x-webhooks` are reported, not made tools.
    fn report_webhooks(&mut self) {
        for key in ["webhooks", "x-webhooks"] {
            let at = format!("/{key}");
            if let Some(hooks) = self.src.keys(0, &at) {
                // Counted from the index alone: webhook payloads are never parsed.
                let count: usize = hooks
                    .iter()
                    .map(|hook| {
                        let methods = self
                            .src
                            .keys(0, &format!("{at}/{}", escape(hook)))
                            .unwrap_or_default();
                        Method::ALL
                            .iter()
                            .filter(|m| methods.iter().any(|k| k == m.key()))
                            .count()
                    })
                    .sum();
                let file = self.file_name.clone();
                self.diags.push(
                    Diagnostic::warning(
                        "webhooks",
                        format!("{count} webhook operation(s) under `{key}` were skipped: webhooks are requests the API sends, not tools an agent calls"),
                    )
                    .at(&file, &format!("/{key}")),
                );
            }
        }
    }
}

trait MapDiag {
    fn map(self, f: impl FnOnce(Diagnostic) -> Diagnostic) -> Self;
}

impl MapDiag for Box<Diagnostic> {
    fn map(self, f: impl FnOnce(Diagnostic) -> Diagnostic) -> Self {
        Box::new(f(*self))
    }
}

fn param_file(lowering: &Lowering<'_>, source: &SourceRef) -> usize {
    lowering
        .src
        .files()
        .iter()
        .position(|f| f.name == source.file)
        .unwrap_or(0)
}

/// The document's description followed by mcpgen's note on how the value is given.
fn with_note(description: &Option<String>, note: &str) -> String {
    match description {
        Some(d) if !d.trim().is_empty() => format!(
            "{} ({})",
            d.trim_end().trim_end_matches('.'),
            note.trim_end_matches('.')
        ),
        _ => note.to_string(),
    }
}

fn is_empty_list(value: &&Value) -> bool {
    value.as_array().is_some_and(Vec::is_empty)
}

fn server(url: &str) -> Server {
    Server {
        url: url.to_string(),
        description: None,
        variables: BTreeMap::new(),
    }
}

/// The `{name}` slots of a path template, in order.
pub fn template_slots(path: &str) -> Vec<String> {
    let mut slots = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        slots.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    slots
}

/// How mcpgen can encode a media type, or `None` when it cannot.
pub fn classify(media: &str) -> Option<BodyEncoding> {
    let essence = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
    Some(match (kind, sub) {
        ("application", "json") | ("text", "json") | ("*", "*") => BodyEncoding::Json,
        (_, s) if s.ends_with("+json") || s.ends_with("-json") => BodyEncoding::Json,
        ("application", "x-www-form-urlencoded") => BodyEncoding::Form,
        ("multipart", "form-data") => BodyEncoding::Multipart,
        ("text", _) => BodyEncoding::Text,
        ("application", "xml" | "yaml" | "x-yaml" | "javascript" | "graphql" | "sql") => {
            BodyEncoding::Text
        }
        (_, s) if s.ends_with("+xml") || s.ends_with("+yaml") => BodyEncoding::Text,
        ("application", "octet-stream" | "pdf" | "zip" | "gzip") => BodyEncoding::Binary,
        ("image" | "audio" | "video" | "font", _) => BodyEncoding::Binary,
        _ => return None,
    })
}

/// The media type mcpgen sends from those offered: JSON, then forms, text, binary, else the
/// first.
fn choose_media(media: &[String]) -> String {
    let rank = |m: &String| match classify(m) {
        Some(BodyEncoding::Json) if m != "*/*" => 0,
        Some(BodyEncoding::Form) => 1,
        Some(BodyEncoding::Multipart) => 2,
        Some(BodyEncoding::Json) => 3,
        Some(BodyEncoding::Text) => 4,
        Some(BodyEncoding::Binary) => 5,
        None => 6,
    };
    media
        .iter()
        .min_by_key(|m| rank(m))
        .cloned()
        .unwrap_or_else(|| "application/json".into())
}
