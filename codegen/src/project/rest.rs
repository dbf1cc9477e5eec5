//! REST tools written in mcpgen.yaml, for APIs that have no OpenAPI document. Each lowers into
//! the same model as an OpenAPI operation, so serving, credentials and validation are shared.
//!
//! ```yaml
//! - rest:
//!     base_url: https://rates.example.com/v2
//!     schemes:                                  # as OpenAPI security schemes
//!       rates_key: { type: apiKey, in: header, name: X-Rates-Key }
//!     auth: rates_key                           # what every tool uses unless it says
//!     tools:
//!       - name: convert
//!         description: Converts an amount between two currencies.
//!         method: POST
//!         url: /convert/{from}
//!         parameters:
//!           from: { type: string, pattern: "^[A-Z]{3}$" }       # in: path (it is in the URL)
//!           to: { in: query, type: string, required: true }
//!           amount: { in: body, type: number, minimum: 0, required: true }
//!         body: { amount: "{{amount}}", rounding: "bankers" }   # optional template
//! ```
//!
//! A parameter's place defaults to the path when the URL names it, else the query for GET,
//! HEAD and DELETE, else the body. Without a `body` template the body is an object of the
//! body parameters.

use super::{Located, check_tool, error_at};
use crate::diagnostic::Diagnostic;
use crate::load::template_slots;
use mcpgen_runtime::model::{
    Annotations, Api, ApiKeyLocation, BODY_PROPERTY, BodyEncoding, Method, OAuthFlow,
    OAuthFlowKind, Parameter, ParameterLocation, ParameterStyle, RequestBody, SchemeUse,
    SecurityScheme, Server, SourceRef, Tool,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

/// A `rest:` source.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RestShape {
    title: Option<String>,
    base_url: Spanned<String>,
    #[serde(default)]
    schemes: HashMap<Spanned<String>, Spanned<SchemeShape>>,
    auth: Option<Spanned<OneOrMany>>,
    tools: Vec<Spanned<RestToolShape>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn names(&self) -> Vec<String> {
        match self {
            OneOrMany::One(name) => vec![name.clone()],
            OneOrMany::Many(names) => names.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeShape {
    #[serde(rename = "type")]
    kind: SchemeKind,
    name: Option<String>,
    #[serde(rename = "in")]
    location: Option<ApiKeyLocation>,
    scheme: Option<String>,
    token_url: Option<String>,
    #[serde(default)]
    scopes: BTreeMap<String, String>,
    description: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
enum SchemeKind {
    #[serde(rename = "apiKey")]
    ApiKey,
    #[serde(rename = "http")]
    Http,
    #[serde(rename = "oauth2")]
    OAuth2,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestToolShape {
    name: Spanned<String>,
    title: Option<String>,
    description: String,
    #[serde(default = "get")]
    method: Method,
    url: Spanned<String>,
    #[serde(default)]
    parameters: HashMap<Spanned<String>, Spanned<ParameterShape>>,
    body: Option<Spanned<Value>>,
    content_type: Option<Spanned<String>>,
    auth: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    tags: Vec<String>,
}

fn get() -> Method {
    Method::Get
}

#[derive(Deserialize)]
struct ParameterShape {
    #[serde(rename = "in")]
    location: Option<Place>,
    required: Option<bool>,
    /// JSON Schema keywords (checked against [`SCHEMA_KEYWORDS`]).
    #[serde(flatten)]
    schema: Map<String, Value>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Place {
    Path,
    Query,
    Header,
    Cookie,
    Body,
}

/// The JSON Schema keywords a parameter may use.
pub(super) const SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "description",
    "enum",
    "const",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
    "examples",
];

/// Lowers a `rest:` source into a model of its own.
pub(super) fn lower(
    shape: &RestShape,
    file: &str,
    pointer: &str,
    errors: &mut Vec<Diagnostic>,
) -> Api {
    let mut api = Api {
        title: shape.title.clone().unwrap_or_else(|| "REST tools".into()),
        ..Api::default()
    };
    let base = &shape.base_url;
    if !(base.value.starts_with("http://") || base.value.starts_with("https://")) {
        errors.push(error_at(
            file,
            &base.referenced,
            format!(
                "`base_url` must be an absolute http(s) URL, not `{}`",
                base.value
            ),
        ));
    }
    let server = Server {
        url: base.value.clone(),
        description: None,
        variables: BTreeMap::new(),
    };
    for (name, scheme) in super::in_order(&shape.schemes) {
        if let Some(scheme) = security_scheme(&scheme.value, file, &scheme.referenced, errors) {
            api.security_schemes.insert(name.value.clone(), scheme);
        }
    }
    let default_auth = shape
        .auth
        .as_ref()
        .map(|a| a.value.names())
        .unwrap_or_default();
    if let Some(auth) = &shape.auth {
        check_auth(&api, &auth.value.names(), file, &auth.referenced, errors);
    }
    for (i, tool) in shape.tools.iter().enumerate() {
        let at = format!("{pointer}/tools/{i}");
        if let Some(tool) = lower_tool(&api, &tool.value, &server, &default_auth, file, &at, errors)
        {
            api.tools.push(tool);
        }
    }
    api.servers = vec![server];
    api
}

fn security_scheme(
    shape: &SchemeShape,
    file: &str,
    at: &serde_saphyr::Location,
    errors: &mut Vec<Diagnostic>,
) -> Option<SecurityScheme> {
    let description = shape.description.clone();
    let missing =
        |what: &str, kind: &str| error_at(file, at, format!("a `{kind}` scheme needs `{what}`"));
    match shape.kind {
        SchemeKind::ApiKey => {
            let (Some(name), Some(location)) = (&shape.name, shape.location) else {
                errors.push(missing("name` and `in", "apiKey"));
                return None;
            };
            Some(SecurityScheme::ApiKey {
                name: name.clone(),
                location,
                description,
            })
        }
        SchemeKind::Http => {
            let Some(scheme) = &shape.scheme else {
                errors.push(missing("scheme` (basic or bearer", "http"));
                return None;
            };
            Some(SecurityScheme::Http {
                scheme: scheme.to_ascii_lowercase(),
                bearer_format: None,
                description,
            })
        }
        SchemeKind::OAuth2 => {
            let Some(token_url) = &shape.token_url else {
                errors.push(missing("token_url", "oauth2"));
                return None;
            };
            Some(SecurityScheme::OAuth2 {
                flows: vec![OAuthFlow {
                    kind: OAuthFlowKind::ClientCredentials,
                    authorization_url: None,
                    token_url: Some(token_url.clone()),
                    refresh_url: None,
                    scopes: shape.scopes.clone(),
                }],
                description,
            })
        }
    }
}

fn check_auth(
    api: &Api,
    names: &[String],
    file: &str,
    at: &serde_saphyr::Location,
    errors: &mut Vec<Diagnostic>,
) {
    for name in names {
        if !api.security_schemes.contains_key(name) {
            let known: Vec<&str> = api.security_schemes.keys().map(String::as_str).collect();
            errors.push(error_at(
                file,
                at,
                format!(
                    "`auth` names the scheme `{name}`, which `schemes` does not define; defined: {}",
                    if known.is_empty() { "(none)".to_string() } else { known.join(", ") }
                ),
            ));
        }
    }
}

fn lower_tool(
    api: &Api,
    shape: &RestToolShape,
    server: &Server,
    default_auth: &[String],
    file: &str,
    pointer: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Tool> {
    let before = errors.len();
    let name = &shape.name;
    check_tool(name, &shape.description, file, errors);
    let url = &shape.url;
    if !url.value.starts_with('/') || url.value.contains(['?', '#']) {
        errors.push(error_at(
            file,
            &url.referenced,
            format!(
                "`url` `{}` must be a path starting with `/` (relative to `base_url`), without `?` or `#`; put query values in `parameters`",
                url.value
            ),
        ));
    }
    let slots = template_slots(&url.value);
    let mut parameters = Vec::new();
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut body_parameters = Vec::new();
    for (pname, parameter) in super::in_order(&shape.parameters) {
        let located = Located::new(file, &parameter.referenced);
        let place = parameter
            .value
            .location
            .unwrap_or(if slots.contains(&pname.value) {
                Place::Path
            } else if matches!(shape.method, Method::Get | Method::Head | Method::Delete) {
                Place::Query
            } else {
                Place::Body
            });
        if place != Place::Path && slots.contains(&pname.value) {
            errors.push(located.error(format!(
                "parameter `{}` fills `{{{}}}` in the url, so it must be `in: path`",
                pname.value, pname.value
            )));
        }
        if place == Place::Path && !slots.contains(&pname.value) {
            errors.push(located.error(format!(
                "parameter `{}` is `in: path`, but the url `{}` has no `{{{}}}`",
                pname.value, url.value, pname.value
            )));
        }
        let schema = match parameter_schema(&pname.value, &parameter.value, &located) {
            Ok(schema) => schema,
            Err(d) => {
                errors.push(*d);
                continue;
            }
        };
        let is_required = place == Place::Path || parameter.value.required.unwrap_or(false);
        if is_required {
            required.push(Value::String(pname.value.clone()));
        }
        properties.insert(pname.value.clone(), schema);
        let (location, style, explode) = match place {
            Place::Body => {
                body_parameters.push(pname.value.clone());
                continue;
            }
            Place::Path => (ParameterLocation::Path, ParameterStyle::Simple, false),
            Place::Query => (ParameterLocation::Query, ParameterStyle::Form, true),
            Place::Header => (ParameterLocation::Header, ParameterStyle::Simple, false),
            Place::Cookie => (ParameterLocation::Cookie, ParameterStyle::Form, true),
        };
        parameters.push(Parameter {
            name: pname.value.clone(),
            property: pname.value.clone(),
            location,
            required: is_required,
            style,
            explode,
            allow_reserved: false,
            content_type: None,
            source: SourceRef {
                file: file.to_string(),
                pointer: format!("{pointer}/parameters/{}", pname.value),
            },
        });
    }
    for slot in &slots {
        if !shape.parameters.keys().any(|k| &k.value == slot) {
            errors.push(error_at(
                file,
                &url.referenced,
                format!("the url names `{{{slot}}}`, but `parameters` has no `{slot}`"),
            ));
        }
    }
    let body = body(shape, &body_parameters, file, errors);
    let security = {
        let names = shape
            .auth
            .as_ref()
            .map_or(default_auth.to_vec(), |a| a.value.names());
        if let Some(auth) = &shape.auth {
            check_auth(api, &names, file, &auth.referenced, errors);
        }
        if names.is_empty() {
            Vec::new()
        } else {
            vec![
                names
                    .into_iter()
                    .map(|scheme| SchemeUse {
                        scheme,
                        scopes: Vec::new(),
                    })
                    .collect(),
            ]
        }
    };
    if errors.len() > before {
        return None;
    }
    let mut input_schema = Map::new();
    input_schema.insert("type".into(), json!("object"));
    input_schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        input_schema.insert("required".into(), Value::Array(required));
    }
    Some(Tool {
        name: name.value.clone(),
        title: shape.title.clone(),
        description: shape.description.trim().to_string(),
        operation_id: None,
        method: shape.method,
        path: url.value.clone(),
        servers: vec![server.clone()],
        parameters,
        body,
        response: None,
        security,
        annotations: Annotations::for_method(shape.method),
        tags: shape.tags.clone(),
        deprecated: false,
        input_schema,
        input_defs: Vec::new(),
        output_schema: None,
        output_defs: Vec::new(),
        fixed_arguments: Map::new(),
        default_arguments: Map::new(),
        query: None,
        source: SourceRef {
            file: file.to_string(),
            pointer: pointer.to_string(),
        },
    })
}

/// A parameter's JSON Schema: only known keywords, and a schema that is itself valid.
fn parameter_schema(
    name: &str,
    shape: &ParameterShape,
    at: &Located,
) -> Result<Value, Box<Diagnostic>> {
    schema_of(name, &shape.schema, at)
}

/// Checks the JSON Schema keywords written for argument `name`.
pub(super) fn schema_of(
    name: &str,
    schema: &Map<String, Value>,
    at: &Located,
) -> Result<Value, Box<Diagnostic>> {
    if let Some(unknown) = schema
        .keys()
        .find(|k| !SCHEMA_KEYWORDS.contains(&k.as_str()))
    {
        let nearest = super::nearest(unknown, SCHEMA_KEYWORDS.iter().copied());
        let mut d = at.error(format!(
            "parameter `{name}`: unknown key `{unknown}`; expected `in`, `required` or a JSON Schema keyword ({})",
            SCHEMA_KEYWORDS.join(", ")
        ));
        if let Some(nearest) = nearest {
            d = d.help(format!("did you mean `{nearest}`?"));
        }
        return Err(Box::new(d));
    }
    if !schema.contains_key("type") && !schema.contains_key("enum") && !schema.contains_key("const")
    {
        return Err(Box::new(at.error(format!(
            "parameter `{name}`: give its `type` (string, integer, number, boolean, array or object)"
        ))));
    }
    let value = Value::Object(schema.clone());
    if let Err(e) = jsonschema::meta::validate(&value) {
        return Err(Box::new(at.error(format!(
            "parameter `{name}`: not a valid JSON Schema: {e}"
        ))));
    }
    Ok(value)
}

/// The request body: a template, or the body parameters as one object.
fn body(
    shape: &RestToolShape,
    body_parameters: &[String],
    file: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<RequestBody> {
    let media_type = shape
        .content_type
        .as_ref()
        .map_or("application/json".to_string(), |c| c.value.clone());
    let encoding = match media_type.as_str() {
        "application/json" => BodyEncoding::Json,
        "application/x-www-form-urlencoded" => BodyEncoding::Form,
        other => {
            let at = &shape.content_type.as_ref()?.referenced;
            errors.push(error_at(
                file,
                at,
                format!("`content_type` `{other}`: expected application/json or application/x-www-form-urlencoded"),
            ));
            return None;
        }
    };
    let template = match &shape.body {
        Some(template) => {
            let used = placeholders(&template.value);
            for name in &used {
                if !shape.parameters.keys().any(|k| &k.value == name) {
                    errors.push(error_at(
                        file,
                        &template.referenced,
                        format!("the body template uses `{{{{{name}}}}}`, but `parameters` has no `{name}`"),
                    ));
                }
            }
            for name in body_parameters {
                if !used.contains(name) {
                    errors.push(error_at(
                        file,
                        &template.referenced,
                        format!("parameter `{name}` goes in the body, but the body template does not use `{{{{{name}}}}}`"),
                    ));
                }
            }
            template.value.clone()
        }
        None if body_parameters.is_empty() => return None,
        None => Value::Object(
            body_parameters
                .iter()
                .map(|n| (n.clone(), Value::String(format!("{{{{{n}}}}}"))))
                .collect(),
        ),
    };
    Some(RequestBody {
        property: BODY_PROPERTY.to_string(),
        required: true,
        media_type: media_type.clone(),
        encoding,
        content: vec![media_type],
        description: None,
        template: Some(template),
    })
}

/// The argument names a body template uses.
fn placeholders(template: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut visit = vec![template];
    while let Some(value) = visit.pop() {
        match value {
            Value::String(text) => {
                let mut rest = text.as_str();
                while let Some(start) = rest.find("{{") {
                    let Some(len) = rest[start..].find("}}") else {
                        break;
                    };
                    names.push(rest[start + 2..start + len].trim().to_string());
                    rest = &rest[start + len + 2..];
                }
            }
            Value::Array(items) => visit.extend(items),
            Value::Object(members) => visit.extend(members.values()),
            _ => {}
        }
    }
    names
}
