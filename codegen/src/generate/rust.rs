//! The generated crate's own Rust code: a module per tag holding a module per tool (its
//! `Arguments` struct, its definition and its request builder), the dispatch in
//! `tools/mod.rs`, `lib.rs` and `main.rs`. Built as `syn` trees and printed by `prettyplease`.

use super::names::{Scope, snake_case};
use super::{GenerateError, Source};
use mcpgen_runtime::model::{Api, Tool};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where each tool's code goes: its tag's module and its own module name.
pub struct Layout {
    /// Tag modules in the order their first tool appears: module name, tag, tool indices.
    pub tags: Vec<TagModule>,
}

/// One `src/tools/<module>.rs`.
pub struct TagModule {
    /// The module's name.
    pub module: String,
    /// The tag as the document writes it (`None`: tools without a tag).
    pub tag: Option<String>,
    /// The tools in it: index in the model and module name.
    pub tools: Vec<(usize, String)>,
}

impl Layout {
    /// Groups `api`'s tools by their first tag, naming every module uniquely.
    pub fn new(api: &Api) -> Self {
        let mut tag_scope = Scope::with_reserved(&["all", "typed_arguments", "tools"]);
        let mut by_tag: BTreeMap<Option<String>, usize> = BTreeMap::new();
        let mut tags: Vec<TagModule> = Vec::new();
        let mut tool_scopes: Vec<Scope> = Vec::new();
        for (index, tool) in api.tools.iter().enumerate() {
            let tag = tool.tags.first().cloned();
            let slot = *by_tag.entry(tag.clone()).or_insert_with(|| {
                let wanted = tag.as_deref().map_or("untagged".to_string(), snake_case);
                let module = tag_scope.claim(wanted);
                // A tool module named like its tag module is `tools::x::x` (module inception).
                tool_scopes.push(Scope::with_reserved(&[module.as_str()]));
                tags.push(TagModule {
                    module,
                    tag,
                    tools: Vec::new(),
                });
                tags.len() - 1
            });
            let module = tool_scopes[slot].claim(snake_case(&tool.name));
            tags[slot].tools.push((index, module));
        }
        Layout { tags }
    }
}

/// Formats a file of items, with `header` above it.
pub fn format(header: &str, tokens: TokenStream) -> Result<String, GenerateError> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenerateError(format!("generated code does not parse: {e}")))?;
    Ok(format!("{header}{}", prettyplease::unparse(&file)))
}

/// `#[doc = ...]` lines for a text (tabs as spaces, which clippy asks of doc comments).
fn doc(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = format!(" {}", line.replace('\t', "    ").trim_end());
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// A raw string literal holding `text` as written, so long JSON stays readable.
fn raw_string(text: &str) -> Result<Literal, GenerateError> {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .map_err(|e| GenerateError(format!("a raw string literal does not parse: {e}")))
}

/// `src/tools/<tag>.rs`.
pub fn tag_file(
    source: &Source,
    module: &TagModule,
    header: &str,
) -> Result<String, GenerateError> {
    let about = match &module.tag {
        Some(tag) => format!(" Tools tagged `{tag}` in the document."),
        None => " Tools the document gives no tag.".to_string(),
    };
    let tools = module
        .tools
        .iter()
        .map(|(index, name)| tool_module(source, &source.api.tools[*index], name))
        .collect::<Result<Vec<_>, _>>()?;
    format(
        header,
        quote! {
            #![doc = #about]
            #![doc = ""]
            #![doc = " Each tool's module holds the arguments a client sends (`Arguments`), the tool"]
            #![doc = " as the runtime runs it (`DEFINITION`) and, for an HTTP operation, the request it"]
            #![doc = " sends (`request`)."]
            // Documentation text comes from the document as its authors wrote it.
            #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
            #(#tools)*
        },
    )
}

/// One tool's module.
fn tool_module(source: &Source, tool: &Tool, module: &str) -> Result<TokenStream, GenerateError> {
    let module = format_ident!("{}", module);
    let name = &tool.name;
    let summary = tool.title.clone().unwrap_or_else(|| {
        tool.description
            .lines()
            .next()
            .unwrap_or(&tool.name)
            .to_string()
    });
    let what = match &tool.query {
        Some(query) => format!(
            "SQL {} on database `{}`; tool `{name}`.",
            if query.write { "write" } else { "read" },
            query.database
        ),
        None => format!("`{} {}`; tool `{name}`.", tool.method.as_str(), tool.path),
    };
    let module_doc = doc(&format!("{summary}\n\n{what}"));
    let arguments = arguments_struct(tool)?;
    let definition = raw_string(&source.definition(tool)?)?;
    let request = tool.query.is_none().then(|| {
        quote! {
            /// The HTTP request this tool sends for `arguments`, built by the runtime exactly
            /// as the server builds it (credentials are added when it is sent).
            pub fn request(
                tool: &Tool,
                arguments: &Arguments,
                target: &Target,
            ) -> Result<UpstreamRequest, String> {
                typed::build_request(tool, arguments, target)
            }
        }
    });
    let imports = if tool.query.is_none() {
        quote!(
            use crate::runtime::{
                model::Tool,
                request::{Target, UpstreamRequest},
                typed,
            };
        )
    } else {
        quote!(
            use crate::runtime::model::Tool;
        )
    };
    Ok(quote! {
        #module_doc
        pub mod #module {
            #imports

            /// The tool's name, as clients call it.
            pub const NAME: &str = #name;

            #arguments

            /// The tool as the runtime runs it: input and output schemas (their shared
            /// `$defs` are in `api.json`), and how the arguments become the request.
            pub const DEFINITION: &str = #definition;

            /// [`DEFINITION`] read into the model.
            pub fn tool() -> Result<Tool, serde_json::Error> {
                serde_json::from_str(DEFINITION)
            }

            #request
        }
    })
}

/// The `Arguments` struct of a tool, one field per input property.
fn arguments_struct(tool: &Tool) -> Result<TokenStream, GenerateError> {
    let schema = &tool.input_schema;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // Only a schema that names every member it allows may refuse unknown ones.
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false))
        && schema.get("patternProperties").is_none();
    let mut scope = Scope::with_reserved(&["additional"]);
    let mut fields = Vec::new();
    let mut uses_present = false;
    let properties = schema.get("properties").and_then(Value::as_object);
    for (property, property_schema) in properties.into_iter().flatten() {
        let field = format_ident!("{}", scope.claim(snake_case(property)));
        let rename = (field != property.as_str()).then(|| quote!(#[serde(rename = #property)]));
        let docs = doc(&field_doc(property_schema));
        let typed = shape(property_schema);
        let field = match (required.contains(&property.as_str()), typed) {
            (true, Some(shape)) => quote! { #docs #rename pub #field: #shape, },
            (true, None) => quote! { #docs #rename pub #field: serde_json::Value, },
            (false, Some(shape)) => quote! {
                #docs
                #rename
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub #field: Option<#shape>,
            },
            (false, None) => {
                uses_present = true;
                quote! {
                    #docs
                    #rename
                    #[serde(
                        default,
                        deserialize_with = "typed::present",
                        skip_serializing_if = "Option::is_none"
                    )]
                    pub #field: Option<serde_json::Value>,
                }
            }
        };
        fields.push(field);
    }
    let (attributes, additional) = if closed {
        (quote!(#[serde(deny_unknown_fields)]), quote!())
    } else {
        (
            quote!(),
            quote! {
                /// Members the schema does not name, passed on as they are.
                #[serde(flatten)]
                pub additional: serde_json::Map<String, serde_json::Value>,
            },
        )
    };
    let import = (uses_present && tool.query.is_some()).then(|| {
        quote!(
            use crate::runtime::typed;
        )
    });
    Ok(quote! {
        #import
        /// The arguments a client sends, already checked against the input schema; every
        /// call is read into this struct and written back before its request is built.
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #attributes
        pub struct Arguments {
            #(#fields)*
            #additional
        }
    })
}

/// A field's documentation: the property's description and its allowed values.
fn field_doc(schema: &Value) -> String {
    let mut text = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("One of: {}.", values.join(", ")));
    }
    text
}

/// The Rust type of a property: exact for strings, booleans, numbers and arrays of them;
/// `None` (a `serde_json::Value`) for anything else, so every value the schema allows fits
/// and is written back unchanged.
fn shape(schema: &Value) -> Option<TokenStream> {
    if let Some(tokens) = primitive(schema) {
        return Some(tokens);
    }
    // A tuple (`prefixItems`) may mix types: only `Value` holds every one.
    let list = schema.get("type").and_then(Value::as_str) == Some("array")
        && schema.get("prefixItems").is_none();
    let item = schema.get("items").and_then(primitive).filter(|_| list)?;
    Some(quote!(Vec<#item>))
}

/// `String`, `bool` or `serde_json::Number` for a schema of exactly that single type.
fn primitive(schema: &Value) -> Option<TokenStream> {
    if schema.get("$ref").is_some() {
        return None;
    }
    match schema.get("type").and_then(Value::as_str)? {
        "string" => Some(quote!(String)),
        "boolean" => Some(quote!(bool)),
        // `Number` keeps the value exactly as sent (`5.0` stays `5.0`).
        "integer" | "number" => Some(quote!(serde_json::Number)),
        _ => None,
    }
}

/// `src/tools/mod.rs`: the tag modules, every tool in the model's order, and the dispatch
/// that passes each call's arguments through its tool's struct.
pub fn tools_mod(layout: &Layout, header: &str) -> Result<String, GenerateError> {
    let mut order: Vec<(usize, TokenStream)> = Vec::new();
    let mut modules = Vec::new();
    for tag in &layout.tags {
        let tag_module = format_ident!("{}", tag.module);
        let about = match &tag.tag {
            Some(name) => format!(" `{name}`: {} tools.", tag.tools.len()),
            None => format!(" Without a tag: {} tools.", tag.tools.len()),
        };
        modules.push(quote! { #[doc = #about] pub mod #tag_module; });
        for (index, module) in &tag.tools {
            let module = format_ident!("{}", module);
            order.push((*index, quote!(#tag_module::#module)));
        }
    }
    order.sort_by_key(|(index, _)| *index);
    let paths: Vec<&TokenStream> = order.iter().map(|(_, path)| path).collect();
    format(
        header,
        quote! {
            //! The API's tools, a module per tag.
            #(#modules)*

            use crate::runtime::model::Tool;
            use serde_json::{Map, Value};

            /// Every tool, in the order `tools/list` gives them.
            pub fn all() -> Result<Vec<Tool>, serde_json::Error> {
                Ok(vec![ #( #paths::tool()?, )* ])
            }

            /// Passes a call's validated arguments through its tool's `Arguments` struct (the
            /// server's [`crate::runtime::typed::ArgumentsCheck`]).
            pub fn typed_arguments(
                tool: &str,
                arguments: Map<String, Value>,
            ) -> Result<Map<String, Value>, String> {
                use crate::runtime::typed::round_trip;
                match tool {
                    #( #paths::NAME => round_trip::<#paths::Arguments>(tool, arguments), )*
                    _ => Ok(arguments),
                }
            }
        },
    )
}

/// `src/lib.rs`.
pub fn lib_rs(source: &Source, header: &str) -> Result<String, GenerateError> {
    let title = &source.api.title;
    let spec = &source.spec_label;
    let about = format!(
        " {title} as an MCP server: {} tools, generated by mcpgen from `{spec}`.",
        source.api.tools.len()
    );
    let credentials = match &source.credentials {
        Some(text) => {
            let text = raw_string(text)?;
            quote!(Some(#text))
        }
        None => quote!(None),
    };
    format(
        header,
        quote! {
            #![doc = #about]
            #![doc = ""]
            #![doc = " [`api`] is the model the server runs; [`tools`] holds each tool's typed arguments"]
            #![doc = " and request builder; [`runtime`] is mcpgen's runtime, embedded as it is."]

            #![cfg_attr(any(), rustfmt::skip)]

            #[rustfmt::skip]
            pub mod runtime;
            #[rustfmt::skip]
            pub mod tools;

            use runtime::model::Api;

            /// The API's servers, security schemes and shared schemas; the tools are in
            /// [`tools`].
            const API: &str = include_str!("api.json");

            /// Where the security schemes' secrets come from, as the document's project
            /// said (`credentials:`); `--credentials FILE` replaces it only when this is
            /// `None`. Relative paths are taken from the working folder.
            pub const CREDENTIALS: Option<&str> = #credentials;

            /// The model the server runs: exactly what `mcpgen serve` loads from the
            /// document.
            pub fn api() -> Result<Api, serde_json::Error> {
                let mut api: Api = serde_json::from_str(API)?;
                api.tools = tools::all()?;
                Ok(api)
            }

            /// What the server starts with besides its flags.
            pub fn setup() -> runtime::launch::Setup {
                runtime::launch::Setup {
                    label: concat!(env!("CARGO_PKG_NAME"), " (generated from ", #spec, ")").to_string(),
                    credentials: CREDENTIALS.map(|text| {
                        runtime::credentials::CredentialsConfig::parse(
                            text,
                            "the generated credentials section",
                            std::path::Path::new("."),
                        )
                    }),
                    arguments: Some(tools::typed_arguments),
                }
            }
        },
    )
}

/// `src/main.rs`: the same flags and environment as `mcpgen serve`.
pub fn main_rs(source: &Source, crate_name: &str, header: &str) -> Result<String, GenerateError> {
    let about = format!(
        "Serve {} over MCP: stdio by default, Streamable HTTP with --http.",
        source.api.title
    );
    let library = format_ident!("{}", crate_name.replace('-', "_"));
    format(
        header,
        quote! {
            //! The server binary: `mcpgen serve`'s flags and environment, this crate's tools.
            #![cfg_attr(any(), rustfmt::skip)]

            use clap::Parser;
            use #library::runtime::launch;
            use std::process::ExitCode;

            #[derive(Parser)]
            #[command(version, about = #about)]
            struct Flags {
                #[command(flatten)]
                serve: launch::ServeFlags,
            }

            fn main() -> ExitCode {
                let flags = Flags::parse();
                launch::init_logs("info");
                let api = match #library::api() {
                    Ok(api) => api,
                    Err(e) => {
                        eprintln!("{}: the embedded model does not read: {e}", env!("CARGO_PKG_NAME"));
                        return ExitCode::FAILURE;
                    }
                };
                launch::serve(env!("CARGO_PKG_NAME"), api, flags.serve, #library::setup())
            }
        },
    )
}
