//! A tool call's arguments turned into the exact HTTP request the upstream receives, following
//! OpenAPI's serialization rules (styles, explode, encodings, bodies).
//!
//! This module knows no HTTP client: it produces an [`UpstreamRequest`] (method, URL, headers,
//! body bytes) so every rule is testable byte for byte, and the served runtime and generated
//! servers send the very same bytes.
//!
//! Safety rule: a path parameter can never change the path's shape or the host. Values are
//! percent-encoded (so `/`, `?`, `#` stay inside their segment) and a segment that would come
//! out as `.` or `..` is refused, because URL parsers fold those into the parent directory.

use crate::model::{
    BodyEncoding, Method, Parameter, ParameterLocation, ParameterStyle, RequestBody, Server, Tool,
};
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// An HTTP request ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Headers in the order they are sent (names as the document spells them).
    pub headers: Vec<(String, String)>,
    /// The body and its content type.
    pub body: Option<Body>,
}

/// A request body's bytes and media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header value (with the multipart boundary when there is one).
    pub content_type: String,
    /// The bytes sent.
    pub bytes: Vec<u8>,
}

/// Where requests go: the operator's base URL and server variables, over the document's.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// Replaces every server URL of the document (`--base-url`).
    pub base_url: Option<String>,
    /// Values for server URL variables (`--server-var NAME=VALUE`), over their defaults.
    pub server_vars: BTreeMap<String, String>,
}

/// Why a call could not become a request. Every message says what to change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No absolute base URL: the document has none, or only a relative one.
    #[error("{0}")]
    NoBaseUrl(String),
    /// A server variable's value is not one the document allows.
    #[error("server variable `{name}` is `{value}`, but the document allows only: {allowed}")]
    ServerVariable {
        /// The variable.
        name: String,
        /// The value given.
        value: String,
        /// The allowed values, comma-separated.
        allowed: String,
    },
    /// An argument cannot be serialized as its parameter or body requires.
    #[error("argument `{argument}`: {reason}")]
    Argument {
        /// The input property concerned.
        argument: String,
        /// What is wrong and what was expected.
        reason: String,
    },
}

/// Characters left as they are in a URL component: RFC 3986 unreserved ones.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// For `allowReserved` query values: RFC 3986 reserved characters stay, except those that would
/// end the value or change its meaning in a query (`&`, `=`, `#`, `+`, and `[`/`]`, which
/// OpenAPI 3.0.4 and 3.1.1 say must still be encoded).
const RESERVED_ALLOWED: &AsciiSet = &COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';');

/// Encodes an `allowReserved` value: `%XX` sequences already in it pass through unchanged.
fn encode_reserved(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            out.push_str(&utf8_percent_encode(&text[start..i], RESERVED_ALLOWED).to_string());
            out.push_str(&text[i..i + 3]);
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&utf8_percent_encode(&text[start..], RESERVED_ALLOWED).to_string());
    out
}

/// Builds the request for calling `tool` with `args` (already validated against its input
/// schema).
pub fn build(
    tool: &Tool,
    args: &Map<String, Value>,
    target: &Target,
) -> Result<UpstreamRequest, BuildError> {
    let base = base_url(tool, target)?;
    let mut path = String::new();
    expand_path(tool, args, &mut path)?;
    let mut url = format!("{}{}", base.trim_end_matches('/'), path);
    let query = query_string(tool, args)?;
    if !query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query);
    }

    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    for p in &tool.parameters {
        let Some(value) = args.get(&p.property).filter(|v| !v.is_null()) else {
            continue;
        };
        match p.location {
            ParameterLocation::Header => {
                let text = simple(p, value);
                if text.chars().any(|c| c.is_control()) {
                    return Err(argument(
                        p,
                        "a header value cannot contain control characters (such as line breaks)",
                    ));
                }
                headers.push((p.name.clone(), text));
            }
            ParameterLocation::Cookie => cookies.push(cookie(p, value)),
            _ => {}
        }
    }
    if !cookies.is_empty() {
        headers.push(("Cookie".to_string(), cookies.join("; ")));
    }
    if let Some(response) = &tool.response
        && !response.content.is_empty()
    {
        headers.push(("Accept".to_string(), response.content.join(", ")));
    }

    let body = match &tool.body {
        Some(spec) => {
            let filled = spec.template.as_ref().map(|t| fill_template(t, args));
            match filled
                .as_ref()
                .or_else(|| args.get(&spec.property))
                .filter(|v| !v.is_null())
            {
                Some(value) => Some(encode_body(
                    spec,
                    tool.property_schema(&spec.property),
                    value,
                )?),
                None => None,
            }
        }
        None => None,
    };
    Ok(UpstreamRequest {
        method: tool.method,
        url,
        headers,
        body,
    })
}

/// A body template filled from the arguments. A string that is exactly `{{name}}` becomes
/// the argument's JSON value, so numbers stay numbers; an object member whose argument is
/// absent is left out. Inside a longer string `{{name}}` is replaced by the argument as text.
/// Nothing else in the template changes, so a value can never add structure to the body.
pub fn fill_template(template: &Value, args: &Map<String, Value>) -> Value {
    fn whole(text: &str) -> Option<&str> {
        let name = text.strip_prefix("{{")?.strip_suffix("}}")?.trim();
        (!name.is_empty() && !name.contains(['{', '}'])).then_some(name)
    }
    match template {
        Value::String(text) => match whole(text) {
            Some(name) => args.get(name).cloned().unwrap_or(Value::Null),
            None => Value::String(fill_text(text, args)),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|item| {
                    item.as_str()
                        .and_then(whole)
                        .is_none_or(|n| args.contains_key(n))
                })
                .map(|item| fill_template(item, args))
                .collect(),
        ),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(_, v)| {
                    v.as_str()
                        .and_then(whole)
                        .is_none_or(|n| args.contains_key(n))
                })
                .map(|(k, v)| (k.clone(), fill_template(v, args)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `{{name}}` inside a string replaced by each argument's text.
fn fill_text(text: &str, args: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + len].trim();
        out.push_str(&rest[..start]);
        match args.get(name) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The base URL: the operator's, else the tool's first server with its variables filled in.
fn base_url(tool: &Tool, target: &Target) -> Result<String, BuildError> {
    if let Some(base) = &target.base_url {
        return Ok(base.clone());
    }
    let Some(server) = tool.servers.first() else {
        return Err(BuildError::NoBaseUrl(
            "the document names no server; start mcpgen with --base-url URL".to_string(),
        ));
    };
    let url = fill_server(server, target)?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(BuildError::NoBaseUrl(format!(
            "the document's server `{url}` is not an absolute http(s) URL; start mcpgen with --base-url URL (e.g. --base-url https://api.example.com{})",
            if url.starts_with('/') && url != "/" {
                url.as_str()
            } else {
                ""
            }
        )));
    }
    Ok(url)
}

/// A server URL with `{variables}` replaced by the operator's values or the defaults.
pub fn fill_server(server: &Server, target: &Target) -> Result<String, BuildError> {
    let mut url = server.url.clone();
    for (name, variable) in &server.variables {
        let value = target.server_vars.get(name).unwrap_or(&variable.default);
        if !variable.allowed.is_empty() && !variable.allowed.contains(value) {
            return Err(BuildError::ServerVariable {
                name: name.clone(),
                value: value.clone(),
                allowed: variable.allowed.join(", "),
            });
        }
        url = url.replace(&format!("{{{name}}}"), value);
    }
    Ok(url)
}

fn argument(p: &Parameter, reason: &str) -> BuildError {
    BuildError::Argument {
        argument: p.property.clone(),
        reason: reason.to_string(),
    }
}

/// The path template with every `{slot}` replaced by its serialized, encoded value.
fn expand_path(tool: &Tool, args: &Map<String, Value>, out: &mut String) -> Result<(), BuildError> {
    // Where each parameter's value lands, to name the right argument when a segment is bad.
    let mut placed: Vec<(std::ops::Range<usize>, &Parameter)> = Vec::new();
    let mut rest = tool.path.as_str();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let slot = &rest[start + 1..start + len];
        let param = tool
            .parameters
            .iter()
            .find(|p| p.location == ParameterLocation::Path && p.name == slot);
        match param.and_then(|p| Some((p, args.get(&p.property)?))) {
            Some((p, value)) if !value.is_null() => {
                let text = path_value(p, value);
                if text.is_empty() {
                    return Err(argument(
                        p,
                        "an empty value would leave an empty path segment; give a real identifier",
                    ));
                }
                placed.push((out.len()..out.len() + text.len(), p));
                out.push_str(&text);
            }
            _ => {
                return Err(BuildError::Argument {
                    argument: param.map_or(slot.to_string(), |p| p.property.clone()),
                    reason: "the path needs a value".to_string(),
                });
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    let mut offset = 0;
    for segment in out.split('/') {
        let range = offset..offset + segment.len();
        offset += segment.len() + 1;
        let lowered = segment.to_ascii_lowercase();
        if matches!(
            lowered.as_str(),
            "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e"
        ) {
            let culprit = placed
                .iter()
                .find(|(r, _)| r.start < range.end.max(range.start + 1) && range.start < r.end);
            return Err(BuildError::Argument {
                argument: culprit.map_or_else(|| "path".to_string(), |(_, p)| p.property.clone()),
                reason: format!(
                    "the value would make the path segment `{segment}`, which changes the path; give a real identifier"
                ),
            });
        }
    }
    Ok(())
}

/// Percent-encodes `text` as one URL component (path segment, query name or value).
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// A primitive as text: strings as they are, numbers and booleans in JSON form.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Path styles: simple (`a,b`), label (`.a.b`), matrix (`;id=a;id=b`).
fn path_value(p: &Parameter, value: &Value) -> String {
    let name = encode(&p.name);
    match (p.style, value) {
        (ParameterStyle::Label, Value::Array(items)) => {
            let sep = if p.explode { "." } else { "," };
            format!(".{}", encoded_items(items).join(sep))
        }
        (ParameterStyle::Label, Value::Object(map)) => {
            if p.explode {
                map.iter()
                    .map(|(k, v)| format!(".{}={}", encode(k), encode(&scalar(v))))
                    .collect()
            } else {
                format!(".{}", pairs_flat(map).join(","))
            }
        }
        (ParameterStyle::Label, v) => format!(".{}", encode(&scalar(v))),
        (ParameterStyle::Matrix, Value::Array(items)) => {
            if p.explode {
                items
                    .iter()
                    .map(|v| format!(";{name}={}", encode(&scalar(v))))
                    .collect()
            } else {
                format!(";{name}={}", encoded_items(items).join(","))
            }
        }
        (ParameterStyle::Matrix, Value::Object(map)) => {
            if p.explode {
                map.iter()
                    .map(|(k, v)| format!(";{}={}", encode(k), encode(&scalar(v))))
                    .collect()
            } else {
                format!(";{name}={}", pairs_flat(map).join(","))
            }
        }
        (ParameterStyle::Matrix, v) => match scalar(v) {
            // RFC 6570 / OpenAPI: an empty value is `;name`, without `=`.
            text if text.is_empty() => format!(";{name}"),
            text => format!(";{name}={}", encode(&text)),
        },
        (_, Value::Array(items)) => encoded_items(items).join(","),
        (_, Value::Object(map)) => {
            if p.explode {
                map.iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(&scalar(v))))
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                pairs_flat(map).join(",")
            }
        }
        (_, v) => encode(&scalar(v)),
    }
}

/// Array items as text, each encoded, ready to be joined by a style's separator.
fn encoded_items(items: &[Value]) -> Vec<String> {
    items.iter().map(|v| encode(&scalar(v))).collect()
}

/// An object as `k1,v1,k2,v2` items, each encoded.
fn pairs_flat(map: &Map<String, Value>) -> Vec<String> {
    map.iter()
        .flat_map(|(k, v)| [encode(k), encode(&scalar(v))])
        .collect()
}

/// Header values use the simple style, unencoded (header syntax, not URL syntax).
fn simple(p: &Parameter, value: &Value) -> String {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(map) if p.explode => map
            .iter()
            .map(|(k, v)| format!("{k}={}", scalar(v)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| [k.clone(), scalar(v)])
            .collect::<Vec<_>>()
            .join(","),
        v => scalar(v),
    }
}

/// A cookie pair (form style): the value percent-encoded so `;` and `,` cannot split it.
fn cookie(p: &Parameter, value: &Value) -> String {
    let text = match value {
        Value::Array(items) => encoded_items(items).join(","),
        Value::Object(map) => pairs_flat(map).join(","),
        v => encode(&scalar(v)),
    };
    format!("{}={text}", p.name)
}

/// The query string, in parameter order.
fn query_string(tool: &Tool, args: &Map<String, Value>) -> Result<String, BuildError> {
    let mut pairs: Vec<String> = Vec::new();
    for p in tool
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Query)
    {
        let Some(value) = args.get(&p.property).filter(|v| !v.is_null()) else {
            continue;
        };
        let enc = |text: &str| {
            if p.allow_reserved {
                encode_reserved(text)
            } else {
                utf8_percent_encode(text, COMPONENT).to_string()
            }
        };
        let name = enc(&p.name);
        if let Some(media) = &p.content_type {
            let text = if media.contains("json") {
                value.to_string()
            } else {
                scalar(value)
            };
            pairs.push(format!("{name}={}", enc(&text)));
            continue;
        }
        match (p.style, value) {
            (ParameterStyle::DeepObject, Value::Object(map)) => {
                deep_object(&p.name, map, &enc, &mut pairs);
            }
            (ParameterStyle::DeepObject, _) => {
                return Err(argument(p, "a deepObject parameter takes an object"));
            }
            (style, Value::Array(items)) => {
                let values: Vec<String> = items.iter().map(|v| enc(&scalar(v))).collect();
                if p.explode && matches!(style, ParameterStyle::Form) {
                    pairs.extend(values.iter().map(|v| format!("{name}={v}")));
                } else if !values.is_empty() || matches!(style, ParameterStyle::Form) {
                    pairs.push(format!("{name}={}", values.join(delimiter(style))));
                }
            }
            (style, Value::Object(map)) => {
                if p.explode && matches!(style, ParameterStyle::Form) {
                    pairs.extend(
                        map.iter()
                            .map(|(k, v)| format!("{}={}", enc(k), enc(&scalar(v)))),
                    );
                } else {
                    let flat: Vec<String> = map
                        .iter()
                        .flat_map(|(k, v)| [enc(k), enc(&scalar(v))])
                        .collect();
                    pairs.push(format!("{name}={}", flat.join(delimiter(style))));
                }
            }
            (_, v) => pairs.push(format!("{name}={}", enc(&scalar(v)))),
        }
    }
    Ok(pairs.join("&"))
}

/// The separator non-exploded arrays use in each query style, already encoded.
fn delimiter(style: ParameterStyle) -> &'static str {
    match style {
        ParameterStyle::SpaceDelimited => "%20",
        ParameterStyle::PipeDelimited => "%7C",
        ParameterStyle::TabDelimited => "%09",
        _ => ",",
    }
}

/// `name[key]=value` pairs, recursing into nested objects and repeating keys for arrays.
fn deep_object(
    prefix: &str,
    map: &Map<String, Value>,
    enc: &dyn Fn(&str) -> String,
    pairs: &mut Vec<String>,
) {
    for (key, value) in map {
        let name = format!("{prefix}[{key}]");
        match value {
            Value::Object(inner) => deep_object(&name, inner, enc, pairs),
            Value::Array(items) => {
                pairs.extend(
                    items
                        .iter()
                        .map(|v| format!("{}={}", enc(&name), enc(&scalar(v)))),
                );
            }
            Value::Null => {}
            v => pairs.push(format!("{}={}", enc(&name), enc(&scalar(v)))),
        }
    }
}

/// The body bytes for the chosen media type.
fn encode_body(
    spec: &RequestBody,
    schema: Option<&Value>,
    value: &Value,
) -> Result<Body, BuildError> {
    let fail = |reason: String| BuildError::Argument {
        argument: spec.property.clone(),
        reason,
    };
    match spec.encoding {
        BodyEncoding::Json => Ok(Body {
            content_type: spec.media_type.clone(),
            bytes: serde_json::to_vec(value).expect("JSON values serialize"),
        }),
        BodyEncoding::Form => {
            let Value::Object(map) = value else {
                return Err(fail("a form body takes an object of fields".into()));
            };
            let mut pairs = Vec::new();
            for (key, v) in map {
                match v {
                    Value::Null => {}
                    Value::Array(items) => pairs.extend(items.iter().map(|item| {
                        format!("{}={}", form_encode(key), form_encode(&form_value(item)))
                    })),
                    other => pairs.push(format!(
                        "{}={}",
                        form_encode(key),
                        form_encode(&form_value(other))
                    )),
                }
            }
            Ok(Body {
                content_type: spec.media_type.clone(),
                bytes: pairs.join("&").into_bytes(),
            })
        }
        BodyEncoding::Multipart => {
            let Value::Object(map) = value else {
                return Err(fail("a multipart body takes an object of parts".into()));
            };
            multipart(schema, map).map_err(|(part, reason)| BuildError::Argument {
                argument: format!("{}.{part}", spec.property),
                reason,
            })
        }
        BodyEncoding::Text => match value {
            Value::String(text) => Ok(Body {
                content_type: spec.media_type.clone(),
                bytes: text.clone().into_bytes(),
            }),
            other => Ok(Body {
                content_type: spec.media_type.clone(),
                bytes: other.to_string().into_bytes(),
            }),
        },
        BodyEncoding::Binary => {
            let Value::String(text) = value else {
                return Err(fail("expected the body's bytes as a base64 string".into()));
            };
            let bytes = decode_base64(text).map_err(|e| fail(format!("not valid base64: {e}")))?;
            Ok(Body {
                content_type: spec.media_type.clone(),
                bytes,
            })
        }
    }
}

/// A form field's text: primitives as they are, objects and arrays as JSON (OpenAPI's default
/// `contentType` for complex form fields).
fn form_value(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => value.to_string(),
        v => scalar(v),
    }
}

/// `application/x-www-form-urlencoded` encoding: spaces as `+`, everything else unreserved
/// kept, the rest percent-encoded. Also what token requests are made of.
pub(crate) fn form_encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT)
        .to_string()
        .replace("%20", "+")
}

/// Accepts standard and URL-safe base64, with or without padding, ignoring whitespace.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let cleaned = cleaned.trim_end_matches('=');
    let engine = if cleaned.contains(['-', '_']) {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD
    };
    engine.decode(cleaned).map_err(|e| e.to_string())
}

/// A `multipart/form-data` body: binary parts (base64 in the arguments) as files, objects and
/// arrays of objects as JSON parts, everything else as text parts. The boundary is derived from
/// the content, so the same call always produces the same bytes.
fn multipart(schema: Option<&Value>, map: &Map<String, Value>) -> Result<Body, (String, String)> {
    let mut parts: Vec<(String, Option<String>, String, Vec<u8>)> = Vec::new(); // name, filename, type, bytes
    for (name, value) in map {
        let binary = schema.is_some_and(|s| property_is_binary(s, name));
        let mut push = |value: &Value| -> Result<(), (String, String)> {
            match value {
                Value::Null => {}
                Value::String(text) if binary => {
                    let bytes = decode_base64(text).map_err(|e| {
                        (name.clone(), format!("expected base64 file content: {e}"))
                    })?;
                    parts.push((
                        name.clone(),
                        Some(name.clone()),
                        "application/octet-stream".into(),
                        bytes,
                    ));
                }
                Value::Object(_) | Value::Array(_) => {
                    parts.push((
                        name.clone(),
                        None,
                        "application/json".into(),
                        value.to_string().into_bytes(),
                    ));
                }
                v => parts.push((
                    name.clone(),
                    None,
                    "text/plain; charset=utf-8".into(),
                    scalar(v).into_bytes(),
                )),
            }
            Ok(())
        };
        match value {
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                for item in items {
                    push(item)?;
                }
            }
            other => push(other)?,
        }
    }
    let mut salt = 0u64;
    let boundary = loop {
        let mut hash: u64 = 0xcbf29ce484222325 ^ salt;
        for (name, _, _, bytes) in &parts {
            for b in name.bytes().chain(bytes.iter().copied()) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x100000001b3);
            }
        }
        let candidate = format!("mcpgen-boundary-{hash:016x}");
        let clash = parts.iter().any(|(_, _, _, bytes)| {
            bytes
                .windows(candidate.len())
                .any(|w| w == candidate.as_bytes())
        });
        if !clash {
            break candidate;
        }
        salt += 1;
    };
    let mut bytes = Vec::new();
    for (name, filename, content_type, content) in &parts {
        let mut head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
            quote(name)
        );
        if let Some(filename) = filename {
            let _ = write!(head, "; filename=\"{}\"", quote(filename));
        }
        let _ = write!(head, "\r\nContent-Type: {content_type}\r\n\r\n");
        bytes.extend_from_slice(head.as_bytes());
        bytes.extend_from_slice(content);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(Body {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        bytes,
    })
}

/// A name inside a quoted header parameter: quotes and line breaks escaped as browsers do.
fn quote(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Whether the body schema marks a property as binary (`contentEncoding: base64`), looking
/// through the property's schema directly (refs are not followed: the loader marks binary
/// properties inline).
fn property_is_binary(schema: &Value, name: &str) -> bool {
    let property = schema.get("properties").and_then(|p| p.get(name));
    let is_binary = |s: &Value| s.get("contentEncoding").and_then(Value::as_str) == Some("base64");
    match property {
        Some(p) if is_binary(p) => true,
        Some(p) => p.get("items").is_some_and(is_binary),
        None => false,
    }
}
