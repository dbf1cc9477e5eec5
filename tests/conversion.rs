//! How documents are lowered into tools: one focused test per conversion rule.
//!
//! Each test writes a small document (YAML, inline) into its own temporary folder, or loads a
//! committed multi-file fixture from `specs/conversion/`, and asserts exact values on the
//! loaded model and on the tool JSON that clients receive (`tools_list::tool_json`). Every
//! tool JSON a test produces also goes through the shared [`checked_tools`] helper: its input
//! and output schemas must pass the JSON Schema 2020-12 meta-schema, compile into a validator,
//! have no dangling `$ref`, and match the model's own view of the schema.
//!
//! Tests marked `#[ignore = "..."]` pin the behaviour a demanding user would expect where the
//! loader currently does something else; the reason says what it does instead.

use mcpgen_codegen::{Diagnostic, LoadOptions, Severity, load};
use mcpgen_runtime::model::{
    Annotations, Api, ApiKeyLocation, BodyEncoding, Method, OAuthFlow, OAuthFlowKind,
    ParameterLocation, ParameterStyle, SchemeUse, SecurityScheme, Server, ServerVariable, Tool,
};
use mcpgen_runtime::tools_list::tool_json;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

// ----- helpers -------------------------------------------------------------------------------

/// A temporary folder of its own for one document, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let thread = std::thread::current();
        let label: String = thread
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let dir = std::env::temp_dir().join(format!(
            "mcpgen-conversion-{}-{n}-{label}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temporary folder can be created");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loaded document: the model, the diagnostics, and every tool as clients receive it.
struct Loaded {
    api: Api,
    diagnostics: Vec<Diagnostic>,
    tools: Vec<Value>,
    _dir: Option<TempDir>,
}

impl Loaded {
    fn names(&self) -> Vec<&str> {
        self.api.tools.iter().map(|t| t.name.as_str()).collect()
    }

    fn index(&self, name: &str) -> usize {
        self.api
            .tools
            .iter()
            .position(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tool `{name}`; tools: {:?}", self.names()))
    }

    /// The model of one tool.
    fn tool(&self, name: &str) -> &Tool {
        &self.api.tools[self.index(name)]
    }

    /// One tool as `tools/list` gives it.
    fn json(&self, name: &str) -> &Value {
        &self.tools[self.index(name)]
    }

    fn input(&self, name: &str) -> &Value {
        &self.json(name)["inputSchema"]
    }

    fn output(&self, name: &str) -> &Value {
        let tool = self.json(name);
        tool.get("outputSchema")
            .unwrap_or_else(|| panic!("tool `{name}` has no outputSchema: {tool:#}"))
    }

    /// The request body property of a tool's input schema.
    fn body(&self, name: &str) -> &Value {
        &self.input(name)["properties"]["body"]
    }

    /// The warnings with this code.
    fn warnings(&self, code: &str) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning && d.code == code)
            .collect()
    }
}

/// `text` without the indentation its lines share (so documents can be indented in the code).
fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Writes `yaml` as `openapi.yaml` in a fresh folder and loads it; the load must not fail.
fn load_yaml(yaml: &str) -> Loaded {
    load_yaml_with(yaml, |o| o)
}

fn load_yaml_with(yaml: &str, options: impl FnOnce(LoadOptions) -> LoadOptions) -> Loaded {
    let dir = TempDir::new();
    let path = dir.0.join("openapi.yaml");
    std::fs::write(&path, dedent(yaml)).expect("the document can be written");
    let options = options(LoadOptions::default().with_ref_root(&dir.0));
    let mut loaded = load_path(&path, &options);
    loaded._dir = Some(dir);
    loaded
}

/// The committed fixtures of this module.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/conversion")
}

/// Loads a committed fixture with `$ref`s allowed anywhere under `specs/conversion/`.
fn load_fixture(relative: &str) -> Loaded {
    let options = LoadOptions::default().with_ref_root(fixtures());
    load_path(&fixtures().join(relative), &options)
}

fn load_path(path: &Path, options: &LoadOptions) -> Loaded {
    let outcome = load(path, options);
    let Some(api) = outcome.api else {
        panic!(
            "{} did not load: {:#?}",
            path.display(),
            outcome.diagnostics
        );
    };
    let tools = checked_tools(&api);
    Loaded {
        api,
        diagnostics: outcome.diagnostics,
        tools,
        _dir: None,
    }
}

/// Every tool of `api` as JSON, each checked the way a strict client would check it.
fn checked_tools(api: &Api) -> Vec<Value> {
    api.tools
        .iter()
        .map(|tool| {
            let json = tool_json(api, tool);
            let name = &tool.name;
            let input = &json["inputSchema"];
            check_schema(name, "inputSchema", input);
            assert_eq!(input["type"], "object", "{name}: input is not an object");
            assert_eq!(
                input["additionalProperties"],
                json!(false),
                "{name}: input allows additional properties"
            );
            assert!(input["properties"].is_object(), "{name}: no properties");
            assert_eq!(
                input,
                &Value::Object(api.input_schema(tool)),
                "{name}: tool JSON and model disagree on the input schema"
            );
            if let Some(output) = json.get("outputSchema") {
                check_schema(name, "outputSchema", output);
                assert_eq!(output["type"], "object", "{name}: output is not an object");
                assert_eq!(
                    Some(output),
                    api.output_schema(tool).map(Value::Object).as_ref(),
                    "{name}: tool JSON and model disagree on the output schema"
                );
            }
            json
        })
        .collect()
}

/// A schema passes the 2020-12 meta-schema, compiles, and has no dangling `$ref`.
fn check_schema(tool: &str, which: &str, schema: &Value) {
    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
        panic!("{tool}: {which} fails the 2020-12 meta-schema: {e}\n{schema:#}");
    }
    if let Err(e) = jsonschema::draft202012::new(schema) {
        panic!("{tool}: {which} does not compile: {e}\n{schema:#}");
    }
    let dangling = dangling_refs(schema);
    assert!(
        dangling.is_empty(),
        "{tool}: {which} has dangling refs {dangling:?}\n{schema:#}"
    );
}

use crate::strict::dangling_refs;

/// Whether `instance` is valid against `schema` (2020-12).
fn accepts(schema: &Value, instance: Value) -> bool {
    jsonschema::draft202012::new(schema)
        .expect("checked schemas compile")
        .is_valid(&instance)
}

/// The input schema every tool has: its properties, the required ones, nothing else.
fn input_of(properties: Value, required: &[&str]) -> Value {
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema["additionalProperties"] = json!(false);
    schema
}

fn server(url: &str) -> Server {
    Server {
        url: url.into(),
        description: None,
        variables: BTreeMap::new(),
    }
}

fn uses(scheme: &str, scopes: &[&str]) -> SchemeUse {
    SchemeUse {
        scheme: scheme.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

// ----- 1. nullable ---------------------------------------------------------------------------

#[test]
fn nullable_adds_null_to_the_type_and_the_enum() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /things:
            post:
              operationId: createThing
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        name: {type: string, nullable: true}
                        color: {type: string, enum: [red, green], nullable: true}
                        tags: {type: array, items: {type: string}, nullable: true}
                        count: {type: integer, nullable: false}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          note: {type: string, nullable: true}
        "#,
    );
    let body = json!({
        "type": "object",
        "properties": {
            "name": {"type": ["string", "null"]},
            "color": {"type": ["string", "null"], "enum": ["red", "green", null]},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}},
            "count": {"type": "integer"},
        },
    });
    assert_eq!(
        l.input("createThing"),
        &input_of(json!({"body": body}), &["body"])
    );
    assert_eq!(
        l.output("createThing"),
        &json!({"type": "object", "properties": {"note": {"type": ["string", "null"]}}})
    );
    let input = l.input("createThing");
    assert!(accepts(
        input,
        json!({"body": {"name": null, "color": null, "tags": null}})
    ));
    assert!(!accepts(input, json!({"body": {"count": null}})));
    assert!(!accepts(input, json!({"body": {"color": "blue"}})));
}

#[test]
fn nullable_without_a_type_becomes_any_of_null() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /things:
            post:
              operationId: createThing
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        owner:
                          nullable: true
                          allOf: [{$ref: '#/components/schemas/Owner'}]
                        anything: {nullable: true, description: Whatever you like}
              responses: {"204": {description: done}}
        components:
          schemas:
            Owner: {type: object, properties: {name: {type: string}}}
        "#,
    );
    assert_eq!(
        l.body("createThing"),
        &json!({
            "type": "object",
            "properties": {
                "owner": {"anyOf": [{"allOf": [{"$ref": "#/$defs/Owner"}]}, {"type": "null"}]},
                "anything": {"anyOf": [{"description": "Whatever you like"}, {"type": "null"}]},
            },
        })
    );
    assert_eq!(
        l.input("createThing")["$defs"],
        json!({"Owner": {"type": "object", "properties": {"name": {"type": "string"}}}})
    );
    assert!(accepts(
        l.input("createThing"),
        json!({"body": {"owner": null}})
    ));
}

// ----- 2. exclusive bounds -------------------------------------------------------------------

#[test]
fn boolean_exclusive_bounds_become_numbers_in_openapi_30() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /measure:
            post:
              operationId: measure
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        ratio: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}
                        count: {type: integer, minimum: 1, exclusiveMinimum: false, maximum: 10, exclusiveMaximum: false}
                        loose: {type: number, exclusiveMaximum: true}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.body("measure"),
        &json!({
            "type": "object",
            "properties": {
                "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "count": {"type": "integer", "minimum": 1, "maximum": 10},
                "loose": {"type": "number"},
            },
        })
    );
    assert!(!accepts(l.input("measure"), json!({"body": {"ratio": 0}})));
    assert!(accepts(l.input("measure"), json!({"body": {"ratio": 0.5}})));
}

#[test]
fn boolean_exclusive_bounds_become_numbers_in_swagger_2() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        paths:
          /items:
            post:
              operationId: addItem
              parameters:
                - {name: limit, in: query, type: integer, minimum: 0, exclusiveMinimum: true, maximum: 100, exclusiveMaximum: true}
                - name: item
                  in: body
                  schema: {$ref: '#/definitions/Item'}
              responses: {"204": {description: done}}
        definitions:
          Item:
            type: object
            properties:
              price: {type: number, minimum: 0, exclusiveMinimum: true}
        "#,
    );
    assert_eq!(
        l.input("addItem"),
        &json!({
            "type": "object",
            "properties": {
                "limit": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100},
                "body": {"$ref": "#/$defs/Item"},
            },
            "additionalProperties": false,
            "$defs": {
                "Item": {
                    "type": "object",
                    "properties": {"price": {"type": "number", "exclusiveMinimum": 0}},
                },
            },
        })
    );
}

#[test]
fn numeric_exclusive_bounds_are_kept_in_openapi_31() {
    let l = load_yaml(
        r#"
        openapi: 3.1.0
        info: {title: T, version: "1"}
        paths:
          /measure:
            get:
              operationId: measure
              parameters:
                - name: t
                  in: query
                  schema: {type: number, minimum: -5, exclusiveMinimum: 0, exclusiveMaximum: 10, maximum: 20}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.input("measure")["properties"]["t"],
        json!({"type": "number", "minimum": -5, "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 20})
    );
}

// ----- 3. examples and dropped keywords -------------------------------------------------------

#[test]
fn example_becomes_examples_in_inputs_and_is_dropped_in_outputs() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets:
            post:
              operationId: createPet
              parameters:
                - {name: q, in: query, description: A query, schema: {type: string}, example: dog}
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Pet'}
              responses:
                "201":
                  description: created
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Pet'}
        components:
          schemas:
            Pet:
              type: object
              example: {name: Rex}
              properties:
                name: {type: string, example: Rex}
                age: {type: integer, minimum: 0, example: 3}
        "#,
    );
    assert_eq!(
        l.input("createPet"),
        &json!({
            "type": "object",
            "properties": {
                "q": {"type": "string", "description": "A query", "examples": ["dog"]},
                "body": {"$ref": "#/$defs/Pet"},
            },
            "additionalProperties": false,
            "$defs": {
                "Pet": {
                    "type": "object",
                    "examples": [{"name": "Rex"}],
                    "properties": {
                        "name": {"type": "string", "examples": ["Rex"]},
                        "age": {"type": "integer", "minimum": 0, "examples": [3]},
                    },
                },
            },
        })
    );
    assert_eq!(
        l.output("createPet"),
        &json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer", "minimum": 0},
            },
        })
    );
}

#[test]
fn examples_arrays_are_kept_in_inputs_and_dropped_in_outputs_in_openapi_31() {
    let l = load_yaml(
        r#"
        openapi: 3.1.0
        info: {title: T, version: "1"}
        paths:
          /tags:
            post:
              operationId: addTag
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Tag'}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Tag'}
        components:
          schemas:
            Tag:
              type: object
              properties:
                label: {type: string, examples: [red, blue], example: ignored-when-examples-exist}
        "#,
    );
    assert_eq!(
        l.input("addTag")["$defs"]["Tag"],
        json!({"type": "object", "properties": {"label": {"type": "string", "examples": ["red", "blue"]}}})
    );
    assert_eq!(
        l.output("addTag"),
        &json!({"type": "object", "properties": {"label": {"type": "string"}}})
    );
}

#[test]
fn extensions_discriminator_xml_and_external_docs_are_dropped_everywhere() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /animals:
            post:
              operationId: addAnimal
              parameters:
                - name: filter
                  in: query
                  schema: {type: string, x-go-name: Filter, xml: {attribute: true}}
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Animal'}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Animal'}
        components:
          schemas:
            Animal:
              type: object
              x-internal: true
              discriminator: {propertyName: kind}
              xml: {name: animal}
              externalDocs: {url: 'https://example.com/animals'}
              properties:
                kind: {type: string, x-order: 1, xml: {attribute: true}}
                x-legacy: {type: string, description: a property whose name starts with x-}
                tags:
                  type: array
                  xml: {wrapped: true}
                  items: {type: string, x-nullable: true}
        "#,
    );
    let input_animal = json!({
        "type": "object",
        "properties": {
            "kind": {"type": "string"},
            "x-legacy": {"type": "string", "description": "a property whose name starts with x-"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    });
    assert_eq!(
        l.input("addAnimal"),
        &json!({
            "type": "object",
            "properties": {
                "filter": {"type": "string"},
                "body": {"$ref": "#/$defs/Animal"},
            },
            "additionalProperties": false,
            "$defs": {"Animal": input_animal},
        })
    );
    assert_eq!(l.output("addAnimal"), &input_animal);
}

// ----- 4. readOnly and writeOnly --------------------------------------------------------------

#[test]
fn read_only_properties_are_left_out_of_inputs_and_write_only_out_of_outputs() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /users:
            post:
              operationId: createUser
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/User'}
              responses:
                "201":
                  description: created
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/User'}
        components:
          schemas:
            Id: {type: string, readOnly: true}
            Secret: {type: string, writeOnly: true}
            User:
              type: object
              required: [id, name, password, pin, created]
              properties:
                id: {$ref: '#/components/schemas/Id'}
                name: {type: string}
                password: {type: string, writeOnly: true}
                pin: {$ref: '#/components/schemas/Secret'}
                created: {type: string, format: date-time, readOnly: true}
        "#,
    );
    assert_eq!(
        l.input("createUser"),
        &json!({
            "type": "object",
            "properties": {"body": {"$ref": "#/$defs/User"}},
            "required": ["body"],
            "additionalProperties": false,
            "$defs": {
                "User": {
                    "type": "object",
                    "required": ["name", "password", "pin"],
                    "properties": {
                        "name": {"type": "string"},
                        "password": {"type": "string", "writeOnly": true},
                        "pin": {"$ref": "#/$defs/Secret"},
                    },
                },
                "Secret": {"type": "string", "writeOnly": true},
            },
        })
    );
    assert_eq!(
        l.output("createUser"),
        &json!({
            "type": "object",
            "required": ["id", "name", "created"],
            "properties": {
                "id": {"$ref": "#/$defs/Id"},
                "name": {"type": "string"},
                "created": {"type": "string", "format": "date-time", "readOnly": true},
            },
            "$defs": {"Id": {"type": "string", "readOnly": true}},
        })
    );
    let tool = l.tool("createUser");
    assert_eq!(tool.input_defs, ["User", "Secret"]);
    assert_eq!(tool.output_defs, ["Id"]);
}

// ----- 5. Swagger 2.0 -------------------------------------------------------------------------

#[test]
fn swagger_file_form_data_becomes_a_multipart_body_with_base64_parts() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        paths:
          /pets/{petId}/photo:
            post:
              operationId: uploadPhoto
              parameters:
                - {name: petId, in: path, required: true, type: integer}
                - {name: file, in: formData, required: true, type: file, description: The photo}
                - {name: caption, in: formData, type: string, maxLength: 80}
              responses: {"204": {description: done}}
        "#,
    );
    let body = json!({
        "type": "object",
        "properties": {
            "file": {
                "type": "string",
                "format": "binary",
                "contentEncoding": "base64",
                "description": "The photo",
            },
            "caption": {"type": "string", "maxLength": 80},
        },
        "required": ["file"],
    });
    assert_eq!(
        l.input("uploadPhoto"),
        &input_of(
            json!({"petId": {"type": "integer"}, "body": body}),
            &["petId", "body"]
        )
    );
    let model = l.tool("uploadPhoto").body.as_ref().expect("a body");
    assert_eq!(model.property, "body");
    assert!(model.required);
    assert_eq!(model.media_type, "multipart/form-data");
    assert_eq!(model.encoding, BodyEncoding::Multipart);
    assert_eq!(model.content, ["multipart/form-data"]);
    assert_eq!(l.tool("uploadPhoto").property_schema("body"), Some(&body));
    assert_eq!(l.tool("uploadPhoto").parameters.len(), 1);
}

#[test]
fn swagger_form_data_without_files_is_url_encoded() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        paths:
          /login:
            post:
              operationId: login
              parameters:
                - {name: user, in: formData, required: true, type: string}
                - {name: remember, in: formData, type: boolean, default: false}
              responses: {"204": {description: done}}
          /notes:
            post:
              operationId: addNote
              consumes: [multipart/form-data]
              parameters:
                - {name: text, in: formData, type: string}
              responses: {"204": {description: done}}
        "#,
    );
    let login = l.tool("login").body.as_ref().expect("a body");
    assert_eq!(login.media_type, "application/x-www-form-urlencoded");
    assert_eq!(login.encoding, BodyEncoding::Form);
    assert_eq!(login.content, ["application/x-www-form-urlencoded"]);
    assert!(login.required);
    assert_eq!(
        l.body("login"),
        &json!({
            "type": "object",
            "properties": {
                "user": {"type": "string"},
                "remember": {"type": "boolean", "default": false},
            },
            "required": ["user"],
        })
    );
    // `consumes: multipart/form-data` asks for multipart even without files; nothing is
    // required, so neither is the body.
    let note = l.tool("addNote").body.as_ref().expect("a body");
    assert_eq!(note.media_type, "multipart/form-data");
    assert_eq!(note.encoding, BodyEncoding::Multipart);
    assert!(!note.required);
    assert_eq!(
        l.input("addNote"),
        &input_of(
            json!({"body": {"type": "object", "properties": {"text": {"type": "string"}}}}),
            &[]
        )
    );
}

#[test]
fn swagger_body_parameter_becomes_the_body_property_in_the_consumed_media_type() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        consumes: [application/json]
        paths:
          /pets:
            post:
              operationId: addPet
              consumes: [application/xml, application/json]
              parameters:
                - {name: pet, in: body, required: true, description: The pet, schema: {$ref: '#/definitions/Pet'}}
              responses: {"204": {description: done}}
            put:
              operationId: updatePet
              parameters:
                - {name: pet, in: body, schema: {$ref: '#/definitions/Pet'}}
              responses: {"204": {description: done}}
          /pets/xml:
            post:
              operationId: addPetXml
              consumes: [application/xml]
              parameters:
                - {name: pet, in: body, required: true, schema: {$ref: '#/definitions/Pet'}}
              responses: {"204": {description: done}}
        definitions:
          Pet: {type: object, properties: {name: {type: string}}}
        "#,
    );
    let pet = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let add = l.tool("addPet").body.as_ref().expect("a body");
    assert_eq!(add.property, "body");
    assert_eq!(add.media_type, "application/json");
    assert_eq!(add.encoding, BodyEncoding::Json);
    assert_eq!(add.content, ["application/xml", "application/json"]);
    assert_eq!(add.description.as_deref(), Some("The pet"));
    assert_eq!(
        l.input("addPet"),
        &json!({
            "type": "object",
            "properties": {"body": {"$ref": "#/$defs/Pet", "description": "The pet"}},
            "required": ["body"],
            "additionalProperties": false,
            "$defs": {"Pet": pet},
        })
    );
    // No `consumes` of its own: the document's applies; the body is optional.
    let update = l.tool("updatePet").body.as_ref().expect("a body");
    assert_eq!(update.media_type, "application/json");
    assert_eq!(update.content, ["application/json"]);
    assert!(!update.required);
    assert_eq!(
        l.input("updatePet"),
        &json!({
            "type": "object",
            "properties": {"body": {"$ref": "#/$defs/Pet"}},
            "additionalProperties": false,
            "$defs": {"Pet": pet},
        })
    );
    // XML only: the body is the XML text.
    let xml = l.tool("addPetXml").body.as_ref().expect("a body");
    assert_eq!(xml.media_type, "application/xml");
    assert_eq!(xml.encoding, BodyEncoding::Text);
    assert_eq!(
        l.input("addPetXml"),
        &input_of(
            json!({"body": {"type": "string", "description": "The application/xml body, as text."}}),
            &["body"]
        )
    );
}

#[test]
fn swagger_collection_formats_become_styles() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        paths:
          /search/{ids}:
            get:
              operationId: search
              parameters:
                - {name: ids, in: path, required: true, type: array, items: {type: integer}, collectionFormat: csv}
                - {name: csv, in: query, type: array, items: {type: string}, collectionFormat: csv}
                - {name: ssv, in: query, type: array, items: {type: string}, collectionFormat: ssv}
                - {name: pipes, in: query, type: array, items: {type: string}, collectionFormat: pipes}
                - {name: multi, in: query, type: array, items: {type: string}, collectionFormat: multi}
                - {name: tsv, in: query, type: array, items: {type: string}, collectionFormat: tsv}
                - {name: plain, in: query, type: array, items: {type: string}}
                - {name: X-Tags, in: header, type: array, items: {type: string}, collectionFormat: csv}
              responses: {"204": {description: done}}
        "#,
    );
    let got: Vec<(&str, ParameterLocation, ParameterStyle, bool)> = l
        .tool("search")
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.style, p.explode))
        .collect();
    use ParameterLocation::{Header, Path, Query};
    use ParameterStyle::*;
    assert_eq!(
        got,
        [
            ("ids", Path, Simple, false),
            ("csv", Query, Form, false),
            ("ssv", Query, SpaceDelimited, false),
            ("pipes", Query, PipeDelimited, false),
            ("multi", Query, Form, true),
            ("tsv", Query, TabDelimited, false),
            ("plain", Query, Form, false),
            ("X-Tags", Header, Simple, false),
        ]
    );
    let strings = json!({"type": "array", "items": {"type": "string"}});
    assert_eq!(
        l.input("search"),
        &input_of(
            json!({
                "ids": {"type": "array", "items": {"type": "integer"}},
                "csv": strings, "ssv": strings, "pipes": strings, "multi": strings,
                "tsv": strings, "plain": strings, "X-Tags": strings,
            }),
            &["ids"]
        )
    );
}

#[test]
fn swagger_host_base_path_and_schemes_become_servers() {
    let cases: [(&str, &[&str]); 5] = [
        (
            "host: api.example.com\nbasePath: /v2\nschemes: [http, https]",
            &["http://api.example.com/v2", "https://api.example.com/v2"],
        ),
        (
            "host: api.example.com\nbasePath: /v2",
            &["https://api.example.com/v2"],
        ),
        (
            "host: 'api.example.com:8443'",
            &["https://api.example.com:8443"],
        ),
        ("basePath: /v2", &["/v2"]),
        ("schemes: [http]", &["/"]),
    ];
    for (top, expected) in cases {
        let l = load_yaml(&format!(
            "swagger: \"2.0\"\ninfo: {{title: T, version: \"1\"}}\n{top}\npaths:\n  /ping:\n    get:\n      operationId: ping\n      responses: {{\"204\": {{description: done}}}}\n"
        ));
        let expected: Vec<Server> = expected.iter().map(|u| server(u)).collect();
        assert_eq!(l.api.servers, expected, "for {top:?}");
        assert_eq!(l.tool("ping").servers, expected, "for {top:?}");
    }
}

#[test]
fn swagger_security_definitions_become_schemes() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        securityDefinitions:
          basicAuth: {type: basic, description: User and password}
          headerKey: {type: apiKey, name: X-API-Key, in: header}
          queryKey: {type: apiKey, name: api_key, in: query}
          code:
            type: oauth2
            flow: accessCode
            authorizationUrl: https://auth.example.com/authorize
            tokenUrl: https://auth.example.com/token
            scopes: {read: Read things, write: Write things}
          app:
            type: oauth2
            flow: application
            tokenUrl: https://auth.example.com/token
            scopes: {admin: Everything}
          browser:
            type: oauth2
            flow: implicit
            authorizationUrl: https://auth.example.com/authorize
            scopes: {}
          pw:
            type: oauth2
            flow: password
            tokenUrl: https://auth.example.com/token
        security:
          - basicAuth: []
        paths:
          /ping:
            get:
              operationId: ping
              responses: {"204": {description: done}}
            post:
              operationId: pong
              security: [{code: [read]}, {app: [admin], headerKey: []}]
              responses: {"204": {description: done}}
        "#,
    );
    let flow = |kind, auth: Option<&str>, token: Option<&str>, scopes: &[(&str, &str)]| OAuthFlow {
        kind,
        authorization_url: auth.map(str::to_string),
        token_url: token.map(str::to_string),
        refresh_url: None,
        scopes: scopes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let authorize = Some("https://auth.example.com/authorize");
    let token = Some("https://auth.example.com/token");
    let expected: BTreeMap<String, SecurityScheme> = [
        (
            "basicAuth",
            SecurityScheme::Http {
                scheme: "basic".into(),
                bearer_format: None,
                description: Some("User and password".into()),
            },
        ),
        (
            "headerKey",
            SecurityScheme::ApiKey {
                name: "X-API-Key".into(),
                location: ApiKeyLocation::Header,
                description: None,
            },
        ),
        (
            "queryKey",
            SecurityScheme::ApiKey {
                name: "api_key".into(),
                location: ApiKeyLocation::Query,
                description: None,
            },
        ),
        (
            "code",
            SecurityScheme::OAuth2 {
                flows: vec![flow(
                    OAuthFlowKind::AuthorizationCode,
                    authorize,
                    token,
                    &[("read", "Read things"), ("write", "Write things")],
                )],
                description: None,
            },
        ),
        (
            "app",
            SecurityScheme::OAuth2 {
                flows: vec![flow(
                    OAuthFlowKind::ClientCredentials,
                    None,
                    token,
                    &[("admin", "Everything")],
                )],
                description: None,
            },
        ),
        (
            "browser",
            SecurityScheme::OAuth2 {
                flows: vec![flow(OAuthFlowKind::Implicit, authorize, None, &[])],
                description: None,
            },
        ),
        (
            "pw",
            SecurityScheme::OAuth2 {
                flows: vec![flow(OAuthFlowKind::Password, None, token, &[])],
                description: None,
            },
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(l.api.security_schemes, expected);
    assert_eq!(l.tool("ping").security, [vec![uses("basicAuth", &[])]]);
    assert_eq!(
        l.tool("pong").security,
        [
            vec![uses("code", &["read"])],
            vec![uses("app", &["admin"]), uses("headerKey", &[])],
        ]
    );
}

// ----- 6. tuples ------------------------------------------------------------------------------

#[test]
fn tuple_items_become_prefix_items() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /points:
            post:
              operationId: addPoint
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        pair:
                          type: array
                          items: [{type: string}, {type: integer}]
                        closed:
                          type: array
                          items: [{type: number}, {type: number}]
                          additionalItems: false
                        open:
                          type: array
                          items: [{type: string}]
                          additionalItems: {type: boolean}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.body("addPoint")["properties"],
        json!({
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
            "closed": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false},
            "open": {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "boolean"}},
        })
    );
    let input = l.input("addPoint");
    assert!(accepts(input, json!({"body": {"closed": [1, 2]}})));
    assert!(!accepts(input, json!({"body": {"closed": [1, 2, 3]}})));
    assert!(accepts(
        input,
        json!({"body": {"open": ["a", true, false]}})
    ));
}

#[test]

fn additional_items_next_to_a_single_items_schema_is_ignored() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /names:
            post:
              operationId: addNames
              requestBody:
                content:
                  application/json:
                    schema:
                      type: array
                      items: {type: string}
                      additionalItems: false
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.body("addNames"),
        &json!({"type": "array", "items": {"type": "string"}})
    );
    assert!(accepts(l.input("addNames"), json!({"body": ["a", "b"]})));
}

// ----- 7. references --------------------------------------------------------------------------

#[test]
fn a_shared_schema_appears_in_the_defs_of_every_tool_that_reaches_it() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets:
            post:
              operationId: createPet
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Pet'}
              responses: {"204": {description: done}}
          /pets/{id}:
            put:
              operationId: updatePet
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Pet'}
              responses: {"204": {description: done}}
          /owners:
            post:
              operationId: createOwner
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Owner'}
              responses: {"204": {description: done}}
          /ping:
            get:
              operationId: ping
              responses: {"204": {description: done}}
        components:
          schemas:
            Owner: {type: object, properties: {name: {type: string}}}
            Pet:
              type: object
              properties:
                name: {type: string}
                owner: {$ref: '#/components/schemas/Owner'}
        "#,
    );
    let owner = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let pet = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "owner": {"$ref": "#/$defs/Owner"}},
    });
    let both = json!({"Pet": pet, "Owner": owner});
    assert_eq!(l.input("createPet")["$defs"], both);
    assert_eq!(l.input("updatePet")["$defs"], both);
    assert_eq!(l.input("createOwner")["$defs"], json!({"Owner": owner}));
    assert!(l.input("ping").get("$defs").is_none());
    assert_eq!(l.tool("createPet").input_defs, ["Pet", "Owner"]);
    assert_eq!(l.tool("createOwner").input_defs, ["Owner"]);
    // Stored once in the model, whatever the number of tools using it.
    assert_eq!(
        l.api.input_defs,
        BTreeMap::from([("Owner".to_string(), owner), ("Pet".to_string(), pet)])
    );
}

#[test]
fn recursive_schemas_cost_one_def_each_and_leave_no_dangling_ref() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /trees:
            post:
              operationId: plantTree
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Node'}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Node'}
          /pairs:
            post:
              operationId: addPair
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/A'}
              responses: {"204": {description: done}}
        components:
          schemas:
            Node:
              type: object
              properties:
                value: {type: string}
                children: {type: array, items: {$ref: '#/components/schemas/Node'}}
            A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}
            B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}
        "#,
    );
    let node = json!({
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
        },
    });
    assert_eq!(
        l.input("plantTree"),
        &json!({
            "type": "object",
            "properties": {"body": {"$ref": "#/$defs/Node"}},
            "additionalProperties": false,
            "$defs": {"Node": node},
        })
    );
    // The output inlines the top-level reference and still defines Node for the children.
    let mut output = node.clone();
    output["$defs"] = json!({"Node": node});
    assert_eq!(l.output("plantTree"), &output);
    assert_eq!(
        l.input("addPair")["$defs"],
        json!({
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}},
        })
    );
    let deep = json!({"body": {"value": "root", "children": [{"value": "leaf", "children": []}]}});
    assert!(accepts(l.input("plantTree"), deep));
    assert!(!accepts(
        l.input("plantTree"),
        json!({"body": {"children": [{"value": 1}]}})
    ));
}

#[test]
fn a_top_level_reference_to_an_object_response_is_inlined() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets/{id}:
            get:
              operationId: getPet
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Pet'}
          /loose:
            get:
              operationId: getLoose
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Loose'}
        components:
          schemas:
            Pet:
              type: object
              required: [name]
              properties: {name: {type: string}}
            Loose:
              properties: {a: {type: string}}
        "#,
    );
    assert_eq!(
        l.output("getPet"),
        &json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
    );
    assert_eq!(l.tool("getPet").response.as_ref().unwrap().wrapped_in, None);
    assert!(l.tool("getPet").output_defs.is_empty());
    // An object schema without `type` gets `type: object`.
    assert_eq!(
        l.output("getLoose"),
        &json!({"type": "object", "properties": {"a": {"type": "string"}}})
    );
}

#[test]
fn non_object_responses_are_wrapped_in_result() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets:
            get:
              operationId: listPets
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
          /pets/list:
            get:
              operationId: listPetsByRef
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/PetList'}
          /pets/count:
            get:
              operationId: countPets
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {type: string, format: int64}
          /pets/any:
            get:
              operationId: anyPet
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        oneOf: [{$ref: '#/components/schemas/Pet'}, {type: string}]
        components:
          schemas:
            Pet: {type: object, properties: {name: {type: string}}}
            PetList: {type: array, items: {$ref: '#/components/schemas/Pet'}}
        "#,
    );
    let pet = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let wrap = |result: Value, defs: Option<Value>| {
        let mut schema = json!({
            "type": "object",
            "properties": {"result": result},
            "required": ["result"],
        });
        if let Some(defs) = defs {
            schema["$defs"] = defs;
        }
        schema
    };
    assert_eq!(
        l.output("listPets"),
        &wrap(
            json!({"type": "array", "items": {"$ref": "#/$defs/Pet"}}),
            Some(json!({"Pet": pet}))
        )
    );
    assert_eq!(
        l.output("listPetsByRef"),
        &wrap(
            json!({"$ref": "#/$defs/PetList"}),
            Some(json!({
                "PetList": {"type": "array", "items": {"$ref": "#/$defs/Pet"}},
                "Pet": pet,
            }))
        )
    );
    assert_eq!(
        l.output("countPets"),
        &wrap(json!({"type": "string", "format": "int64"}), None)
    );
    assert_eq!(
        l.output("anyPet"),
        &wrap(
            json!({"oneOf": [{"$ref": "#/$defs/Pet"}, {"type": "string"}]}),
            Some(json!({"Pet": pet}))
        )
    );
    for name in ["listPets", "listPetsByRef", "countPets", "anyPet"] {
        let response = l.tool(name).response.as_ref().expect("a response");
        assert_eq!(response.wrapped_in.as_deref(), Some("result"), "{name}");
        assert_eq!(response.status, "200", "{name}");
    }
}

#[test]
fn references_across_files_resolve_and_same_names_get_distinct_defs() {
    let l = load_fixture("multifile/openapi.yaml");
    assert_eq!(
        l.input("createPet"),
        &json!({
            "type": "object",
            "properties": {
                "body": {
                    "type": "object",
                    "properties": {
                        "mine": {"$ref": "#/$defs/Pet"},
                        "theirs": {"$ref": "#/$defs/Pet_2"},
                        "owner": {"$ref": "#/$defs/owner"},
                    },
                },
            },
            "required": ["body"],
            "additionalProperties": false,
            "$defs": {
                "Pet": {"type": "object", "properties": {"id": {"type": "integer"}}},
                "Pet_2": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "tag": {"$ref": "#/$defs/tag"},
                    },
                },
                "owner": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}},
                "tag": {"type": "string", "enum": ["cat", "dog"]},
            },
        })
    );
    assert_eq!(
        l.tool("createPet").input_defs,
        ["Pet", "Pet_2", "owner", "tag"]
    );
    // A response defined in another file, whose schema refers back into its own file.
    assert_eq!(
        l.output("getOwner"),
        &json!({"type": "object", "properties": {"email": {"type": "string", "format": "email"}}})
    );
}

#[test]

fn read_only_through_a_reference_into_another_file_is_left_out_of_inputs() {
    let l = load_fixture("multifile/openapi.yaml");
    assert_eq!(
        l.input("createRecord")["$defs"]["Record"],
        json!({"type": "object", "properties": {"note": {"type": "string"}}})
    );
}

#[test]

fn read_only_through_all_of_or_a_reference_chain_is_left_out_of_inputs() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /users:
            post:
              operationId: createUser
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/User'}
              responses: {"204": {description: done}}
        components:
          schemas:
            Id: {type: string, readOnly: true}
            IdAlias: {$ref: '#/components/schemas/Id'}
            User:
              type: object
              required: [id, alias, name]
              properties:
                id: {allOf: [{$ref: '#/components/schemas/Id'}], description: The id}
                alias: {$ref: '#/components/schemas/IdAlias'}
                name: {type: string}
        "#,
    );
    assert_eq!(
        l.input("createUser")["$defs"]["User"],
        json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
    );
}

// ----- 8. input schema ------------------------------------------------------------------------

#[test]
fn the_input_is_one_closed_object_and_path_parameters_are_always_required() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets/{petId}:
            patch:
              operationId: patchPet
              parameters:
                - {name: petId, in: path, schema: {type: integer}}
                - {name: dryRun, in: query, required: true, schema: {type: boolean}}
                - {name: X-Trace, in: header, schema: {type: string}}
                - {name: session, in: cookie, schema: {type: string}}
              requestBody:
                required: true
                description: The changes
                content:
                  application/json:
                    schema: {type: object, properties: {name: {type: string}}}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.input("patchPet"),
        &json!({
            "type": "object",
            "properties": {
                "petId": {"type": "integer"},
                "dryRun": {"type": "boolean"},
                "X-Trace": {"type": "string"},
                "session": {"type": "string"},
                "body": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "description": "The changes",
                },
            },
            "required": ["petId", "dryRun", "body"],
            "additionalProperties": false,
        })
    );
    let tool = l.tool("patchPet");
    let summary: Vec<(&str, &str, ParameterLocation, bool)> = tool
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.property.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        summary,
        [
            ("petId", "petId", ParameterLocation::Path, true),
            ("dryRun", "dryRun", ParameterLocation::Query, true),
            ("X-Trace", "X-Trace", ParameterLocation::Header, false),
            ("session", "session", ParameterLocation::Cookie, false),
        ]
    );
    let body = tool.body.as_ref().expect("a body");
    assert_eq!(body.property, "body");
    assert!(body.required);
    assert_eq!(body.description.as_deref(), Some("The changes"));
}

#[test]
fn a_parameter_named_body_is_renamed_and_the_body_keeps_the_name() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /things:
            post:
              operationId: createThing
              parameters:
                - {name: body, in: query, schema: {type: string}}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object}
              responses: {"204": {description: done}}
            get:
              operationId: listThings
              parameters:
                - {name: body, in: query, schema: {type: string}}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.input("createThing"),
        &input_of(
            json!({"query_body": {"type": "string"}, "body": {"type": "object"}}),
            &["body"]
        )
    );
    let tool = l.tool("createThing");
    assert_eq!(tool.parameters[0].name, "body");
    assert_eq!(tool.parameters[0].property, "query_body");
    assert_eq!(tool.body.as_ref().unwrap().property, "body");
    // Without a request body, the parameter keeps its name.
    assert_eq!(
        l.input("listThings"),
        &input_of(json!({"body": {"type": "string"}}), &[])
    );
    assert_eq!(l.tool("listThings").parameters[0].property, "body");
}

#[test]
fn same_named_parameters_in_different_places_get_distinct_properties() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /items:
            get:
              operationId: listItems
              parameters:
                - {name: id, in: query, schema: {type: integer}}
                - {name: id, in: header, schema: {type: string}}
                - {name: id, in: cookie, schema: {type: string, format: uuid}}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.input("listItems"),
        &input_of(
            json!({
                "id": {"type": "integer"},
                "header_id": {"type": "string"},
                "cookie_id": {"type": "string", "format": "uuid"},
            }),
            &[]
        )
    );
    let wire: Vec<(&str, &str, ParameterLocation)> = l
        .tool("listItems")
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.property.as_str(), p.location))
        .collect();
    assert_eq!(
        wire,
        [
            ("id", "id", ParameterLocation::Query),
            ("id", "header_id", ParameterLocation::Header),
            ("id", "cookie_id", ParameterLocation::Cookie),
        ]
    );
}

#[test]
fn parameter_names_clients_reject_get_sanitized_properties_and_keep_the_wire_name() {
    let long = "the_maximum_number_of_repositories_to_return_on_each_page_of_results";
    assert!(long.len() > 64);
    let l = load_yaml(&format!(
        r#"
        openapi: 3.0.3
        info: {{title: T, version: "1"}}
        paths:
          /users:
            get:
              operationId: listUsers
              parameters:
                - {{name: 'filter[name]', in: query, schema: {{type: string}}}}
                - {{name: filter_name, in: query, schema: {{type: integer}}}}
                - {{name: page.size, in: query, schema: {{type: integer}}}}
                - {{name: '$top', in: query, schema: {{type: integer}}}}
                - {{name: {long}, in: query, schema: {{type: boolean}}}}
              responses: {{"204": {{description: done}}}}
        "#
    ));
    let short = &long[..56];
    assert_eq!(
        l.input("listUsers"),
        &input_of(
            json!({
                "filter_name": {"type": "string"},
                "query_filter_name": {"type": "integer"},
                "page.size": {"type": "integer"},
                "top": {"type": "integer"},
                short: {"type": "boolean"},
            }),
            &[]
        )
    );
    let wire: Vec<(&str, &str)> = l
        .tool("listUsers")
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.property.as_str()))
        .collect();
    assert_eq!(
        wire,
        [
            ("filter[name]", "filter_name"),
            ("filter_name", "query_filter_name"),
            ("page.size", "page.size"),
            ("$top", "top"),
            (long, short),
        ]
    );
}

#[test]

fn renamed_properties_stay_within_64_characters() {
    let name = format!("x{}", "-request-correlation-identifier".repeat(2)); // 63 characters
    assert_eq!(name.len(), 63);
    let l = load_yaml(&format!(
        r#"
        openapi: 3.0.3
        info: {{title: T, version: "1"}}
        paths:
          /items:
            get:
              operationId: listItems
              parameters:
                - {{name: {name}, in: query, schema: {{type: string}}}}
                - {{name: {name}, in: header, schema: {{type: string}}}}
                - {{name: {name}, in: cookie, schema: {{type: string}}}}
              responses: {{"204": {{description: done}}}}
        "#
    ));
    let tool = l.tool("listItems");
    let properties: Vec<&str> = tool
        .parameters
        .iter()
        .map(|p| p.property.as_str())
        .collect();
    for property in &properties {
        assert!(
            property.len() <= 64,
            "property `{property}` has {} characters",
            property.len()
        );
    }
    let distinct: std::collections::HashSet<_> = properties.iter().collect();
    assert_eq!(distinct.len(), 3, "{properties:?}");
    assert!(tool.parameters.iter().all(|p| p.name == name));
}

#[test]
fn path_level_parameters_are_inherited_and_overridden_by_name_and_place() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets/{petId}:
            parameters:
              - {name: petId, in: path, required: true, description: from the path item, schema: {type: string}}
              - {name: verbose, in: query, schema: {type: boolean}}
            get:
              operationId: getPet
              parameters:
                - {name: petId, in: path, required: true, description: from the operation, schema: {type: integer}}
                - {name: verbose, in: header, schema: {type: string}}
              responses: {"204": {description: done}}
            delete:
              operationId: deletePet
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.input("getPet"),
        &input_of(
            json!({
                "verbose": {"type": "boolean"},
                "petId": {"type": "integer", "description": "from the operation"},
                "header_verbose": {"type": "string"},
            }),
            &["petId"]
        )
    );
    assert_eq!(
        l.input("deletePet"),
        &input_of(
            json!({
                "petId": {"type": "string", "description": "from the path item"},
                "verbose": {"type": "boolean"},
            }),
            &["petId"]
        )
    );
    let places: Vec<(&str, ParameterLocation)> = l
        .tool("getPet")
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location))
        .collect();
    assert_eq!(
        places,
        [
            ("petId", ParameterLocation::Path),
            ("verbose", ParameterLocation::Query),
            ("verbose", ParameterLocation::Header),
        ],
        "an override takes the place of the parameter it replaces"
    );
}

#[test]
fn accept_content_type_and_authorization_headers_are_ignored_in_openapi_3() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /items:
            get:
              operationId: listItems
              parameters:
                - {name: Accept, in: header, schema: {type: string}}
                - {name: content-type, in: header, schema: {type: string}}
                - {name: AUTHORIZATION, in: header, required: true, schema: {type: string}}
                - {name: X-Request-Id, in: header, schema: {type: string}}
                - {name: accept, in: query, schema: {type: string}}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.input("listItems"),
        &input_of(
            json!({"X-Request-Id": {"type": "string"}, "accept": {"type": "string"}}),
            &[]
        )
    );
    let ignored: Vec<(&str, &str)> = l
        .warnings("ignored-header")
        .iter()
        .map(|d| (d.message.as_str(), d.pointer.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        ignored,
        [
            (
                "header parameter `Accept` is ignored, as OpenAPI 3 requires; mcpgen sets it itself",
                "/paths/~1items/get/parameters/0"
            ),
            (
                "header parameter `content-type` is ignored, as OpenAPI 3 requires; mcpgen sets it itself",
                "/paths/~1items/get/parameters/1"
            ),
            (
                "header parameter `AUTHORIZATION` is ignored, as OpenAPI 3 requires; mcpgen sets it itself",
                "/paths/~1items/get/parameters/2"
            ),
        ]
    );
}

// ----- 9. tool names --------------------------------------------------------------------------

#[test]
fn tool_names_come_from_sanitized_operation_ids_else_method_and_path() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /orgs/{org}/repos:
            get:
              operationId: repos/list-for-org
              parameters: [{name: org, in: path, required: true, schema: {type: string}}]
              responses: {"204": {description: done}}
          /pets/{petId}:
            get:
              parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
              responses: {"204": {description: done}}
          /pets/{petId}/photos.json:
            post:
              operationId: 'Pets::UploadPhoto (v2)'
              parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.names(),
        [
            "repos_list-for-org",
            "get_pets_petId",
            "Pets_UploadPhoto_v2"
        ]
    );
    let tool = l.tool("repos_list-for-org");
    assert_eq!(tool.operation_id.as_deref(), Some("repos/list-for-org"));
    assert_eq!(tool.title.as_deref(), Some("repos/list-for-org"));
    assert_eq!(l.tool("get_pets_petId").operation_id, None);
    assert_eq!(l.tool("get_pets_petId").title, None);
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
}

#[test]
fn long_tool_names_are_cut_with_a_stable_hash() {
    let id = "listEveryRepositoryThatTheAuthenticatedUserCanAccessAcrossAllOrganizations";
    assert!(id.len() > 64);
    let doc = format!(
        r#"
        openapi: 3.0.3
        info: {{title: T, version: "1"}}
        paths:
          /repos:
            get:
              operationId: {id}
              responses: {{"204": {{description: done}}}}
        "#
    );
    let first = load_yaml(&doc);
    let again = load_yaml(&doc);
    let name = &first.api.tools[0].name;
    assert_eq!(name, &again.api.tools[0].name, "the same on every load");
    assert_eq!(name.len(), 64);
    assert_eq!(name, &format!("{}_{HASH}", &id[..55]));
    const HASH: &str = "a347ea9a"; // FNV-1a of the operationId: pinned, so names never drift
    let cut = first.warnings("name-cut");
    assert_eq!(cut.len(), 1);
    assert_eq!(
        cut[0].message,
        format!("tool name `{id}` is longer than 64 characters; shortened to `{name}`")
    );
    // Cursor's limit: the same hash, a shorter head.
    let cursor = load_yaml_with(&doc, |o| o.with_max_tool_name_len(60));
    let name60 = &cursor.api.tools[0].name;
    assert_eq!(name60.len(), 60);
    assert_eq!(name60, &format!("{}_{HASH}", &id[..51]));
    assert_eq!(cursor.api.tools[0].operation_id.as_deref(), Some(id));
}

#[test]
fn colliding_tool_names_get_numbered_in_document_order() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /a:
            get:
              operationId: a/b
              responses: {"204": {description: done}}
          /b:
            get:
              operationId: a_b
              responses: {"204": {description: done}}
          /c:
            get:
              operationId: dup
              responses: {"204": {description: done}}
          /d:
            get:
              operationId: dup
              responses: {"204": {description: done}}
            put:
              operationId: dup
              responses: {"204": {description: done}}
          /items:
            get:
              responses: {"204": {description: done}}
          /x:
            get:
              operationId: get_items
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.names(),
        [
            "a_b",
            "a_b_2",
            "dup",
            "dup_2",
            "dup_3",
            "get_items",
            "get_items_2"
        ]
    );
    let collisions: Vec<&str> = l
        .warnings("name-collision")
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        collisions,
        [
            "tool name `a_b` is already taken; this operation is `a_b_2`",
            "tool name `get_items` is already taken; this operation is `get_items_2`",
        ]
    );
    assert_eq!(l.warnings("duplicate-operation-id").len(), 2);
    assert_eq!(l.tool("dup_3").operation_id.as_deref(), Some("dup"));
}

// ----- 10. annotations, titles, descriptions --------------------------------------------------

#[test]
fn annotations_follow_the_http_method() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /r:
            get: {operationId: doGet, responses: {"204": {description: done}}}
            put: {operationId: doPut, responses: {"204": {description: done}}}
            post: {operationId: doPost, responses: {"204": {description: done}}}
            delete: {operationId: doDelete, responses: {"204": {description: done}}}
            options: {operationId: doOptions, responses: {"204": {description: done}}}
            head: {operationId: doHead, responses: {"204": {description: done}}}
            patch: {operationId: doPatch, responses: {"204": {description: done}}}
            trace: {operationId: doTrace, responses: {"204": {description: done}}}
        "#,
    );
    // (read-only, destructive, idempotent): PUT and PATCH overwrite, so they may destroy data;
    // POST only adds (MCP's destructiveHint: false means "additive updates only").
    let expected = [
        ("doGet", Method::Get, (true, false, true)),
        ("doPut", Method::Put, (false, true, true)),
        ("doPost", Method::Post, (false, false, false)),
        ("doDelete", Method::Delete, (false, true, true)),
        ("doOptions", Method::Options, (true, false, true)),
        ("doHead", Method::Head, (true, false, true)),
        ("doPatch", Method::Patch, (false, true, false)),
        ("doTrace", Method::Trace, (false, false, false)),
    ];
    assert_eq!(
        l.names(),
        expected.iter().map(|e| e.0).collect::<Vec<_>>(),
        "tools follow the path item's method order"
    );
    for (name, method, (read_only, destructive, idempotent)) in expected {
        let tool = l.tool(name);
        assert_eq!(tool.method, method);
        assert_eq!(
            tool.annotations,
            Annotations {
                read_only_hint: read_only,
                destructive_hint: destructive,
                idempotent_hint: idempotent,
            },
            "{name}"
        );
        assert_eq!(
            l.json(name)["annotations"],
            json!({
                "readOnlyHint": read_only,
                "destructiveHint": destructive,
                "idempotentHint": idempotent,
                "openWorldHint": true,
                "title": name,
            }),
            "{name}"
        );
    }
}

#[test]
fn titles_and_descriptions_come_from_summary_and_description() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /pets:
            get:
              operationId: listPets
              summary: List pets
              description: Returns every pet.
              responses: {"204": {description: done}}
            post:
              operationId: createPet
              description: '  Creates a pet.  '
              responses: {"204": {description: done}}
          /pets/{id}:
            parameters: [{name: id, in: path, required: true, schema: {type: string}}]
            get:
              operationId: getPet
              summary: Get a pet
              description: Get a pet by its id.
              responses: {"204": {description: done}}
            delete:
              responses: {"204": {description: done}}
            patch:
              operationId: patchPet
              summary: Change a pet
              deprecated: true
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.json("listPets"),
        &json!({
            "name": "listPets",
            "title": "List pets",
            "description": "List pets\n\nReturns every pet.",
            "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false},
            "annotations": {
                "readOnlyHint": true,
                "destructiveHint": false,
                "idempotentHint": true,
                "openWorldHint": true,
                "title": "List pets",
            },
        })
    );
    assert_eq!(
        l.json("delete_pets_id"),
        &json!({
            "name": "delete_pets_id",
            "description": "DELETE /pets/{id}",
            "inputSchema": {
                "type": "object",
                "properties": {"id": {"type": "string"}},
                "required": ["id"],
                "additionalProperties": false,
            },
            "annotations": {
                "readOnlyHint": false,
                "destructiveHint": true,
                "idempotentHint": true,
                "openWorldHint": true,
            },
        })
    );
    let described = |name: &str| {
        let tool = l.tool(name);
        (
            tool.title.as_deref(),
            tool.description.as_str(),
            tool.deprecated,
        )
    };
    assert_eq!(
        described("createPet"),
        (Some("createPet"), "Creates a pet.", false)
    );
    assert_eq!(
        described("getPet"),
        (Some("Get a pet"), "Get a pet by its id.", false)
    );
    assert_eq!(
        described("patchPet"),
        (Some("Change a pet"), "(deprecated) Change a pet", true)
    );
    assert_eq!(
        l.json("patchPet")["description"],
        "(deprecated) Change a pet"
    );
}

// ----- 11. security ---------------------------------------------------------------------------

#[test]
fn security_is_the_operations_else_the_documents() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        components:
          securitySchemes:
            key: {type: apiKey, in: header, name: X-Key}
            bearer: {type: http, scheme: Bearer, bearerFormat: JWT}
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  scopes: {read: Read, write: Write}
        security:
          - key: []
        paths:
          /inherited:
            get: {operationId: inherited, responses: {"204": {description: done}}}
          /public:
            get: {operationId: public, security: [], responses: {"204": {description: done}}}
          /optional:
            get:
              operationId: optional
              security: [{}, {bearer: []}]
              responses: {"204": {description: done}}
          /both:
            get:
              operationId: both
              security: [{key: [], oauth: [read, write]}, {bearer: []}]
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(l.tool("inherited").security, [vec![uses("key", &[])]]);
    assert!(l.tool("public").security.is_empty());
    assert_eq!(
        l.tool("optional").security,
        [vec![], vec![uses("bearer", &[])]]
    );
    assert_eq!(
        l.tool("both").security,
        [
            vec![uses("key", &[]), uses("oauth", &["read", "write"])],
            vec![uses("bearer", &[])],
        ]
    );
    assert_eq!(
        l.api.security_schemes["bearer"],
        SecurityScheme::Http {
            scheme: "bearer".into(),
            bearer_format: Some("JWT".into()),
            description: None,
        }
    );
    assert_eq!(
        l.api.security_schemes["oauth"],
        SecurityScheme::OAuth2 {
            flows: vec![OAuthFlow {
                kind: OAuthFlowKind::ClientCredentials,
                authorization_url: None,
                token_url: Some("https://auth.example.com/token".into()),
                refresh_url: None,
                scopes: BTreeMap::from([
                    ("read".to_string(), "Read".to_string()),
                    ("write".to_string(), "Write".to_string()),
                ]),
            }],
            description: None,
        }
    );
}

// ----- 12. servers ----------------------------------------------------------------------------

#[test]
fn servers_are_the_operations_else_the_path_items_else_the_documents() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        servers:
          - url: 'https://{region}.example.com/{base}'
            description: Regional
            variables:
              region: {default: eu, enum: [eu, us], description: Where the data lives}
              base: {default: v1}
          - url: /relative
        paths:
          /a:
            get: {operationId: fromDocument, responses: {"204": {description: done}}}
          /b:
            servers: [{url: 'https://b.example.com', description: B}]
            get: {operationId: fromPath, responses: {"204": {description: done}}}
            post:
              operationId: fromOperation
              servers: [{url: 'https://op.example.com'}]
              responses: {"204": {description: done}}
        "#,
    );
    let regional = Server {
        url: "https://{region}.example.com/{base}".into(),
        description: Some("Regional".into()),
        variables: BTreeMap::from([
            (
                "region".to_string(),
                ServerVariable {
                    default: "eu".into(),
                    allowed: vec!["eu".into(), "us".into()],
                    description: Some("Where the data lives".into()),
                },
            ),
            (
                "base".to_string(),
                ServerVariable {
                    default: "v1".into(),
                    allowed: vec![],
                    description: None,
                },
            ),
        ]),
    };
    let document = vec![regional, server("/relative")];
    assert_eq!(l.api.servers, document);
    assert_eq!(l.tool("fromDocument").servers, document);
    assert_eq!(
        l.tool("fromPath").servers,
        [Server {
            description: Some("B".into()),
            ..server("https://b.example.com")
        }]
    );
    assert_eq!(
        l.tool("fromOperation").servers,
        [server("https://op.example.com")]
    );
}

#[test]
fn without_servers_an_openapi_3_document_is_served_from_slash() {
    let l = load_yaml(
        r#"
        openapi: 3.1.0
        info: {title: T, version: "1"}
        paths:
          /a:
            get: {operationId: a, responses: {"204": {description: done}}}
        "#,
    );
    assert_eq!(l.api.servers, [server("/")]);
    assert_eq!(l.tool("a").servers, [server("/")]);
}

#[test]

fn an_empty_servers_list_means_slash() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        servers: []
        paths:
          /a:
            get: {operationId: a, responses: {"204": {description: done}}}
        "#,
    );
    assert_eq!(l.api.servers, [server("/")]);
    assert_eq!(l.tool("a").servers, [server("/")]);
}

#[test]

fn an_empty_servers_list_on_an_operation_inherits() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        servers: [{url: 'https://api.example.com'}]
        paths:
          /a:
            servers: []
            get: {operationId: a, responses: {"204": {description: done}}}
          /b:
            get: {operationId: b, servers: [], responses: {"204": {description: done}}}
        "#,
    );
    assert_eq!(l.tool("a").servers, [server("https://api.example.com")]);
    assert_eq!(l.tool("b").servers, [server("https://api.example.com")]);
}

// ----- 13. request media types ----------------------------------------------------------------

#[test]
fn the_body_media_type_prefers_json_then_forms_then_multipart_then_text_then_binary() {
    let op = |id: &str, media: &[&str]| {
        let content: String = media
            .iter()
            .map(|m| format!("\n                  '{m}': {{schema: {{type: object}}}}"))
            .collect();
        format!(
            r#"
          /{id}:
            post:
              operationId: {id}
              requestBody:
                content:{content}
              responses: {{"204": {{description: done}}}}"#
        )
    };
    let cases: [(&str, &[&str], &str, BodyEncoding); 7] = [
        (
            "json",
            &[
                "text/plain",
                "multipart/form-data",
                "application/x-www-form-urlencoded",
                "application/json",
            ],
            "application/json",
            BodyEncoding::Json,
        ),
        (
            "suffixJson",
            &["*/*", "application/merge-patch+json"],
            "application/merge-patch+json",
            BodyEncoding::Json,
        ),
        (
            "form",
            &[
                "text/plain",
                "multipart/form-data",
                "application/x-www-form-urlencoded",
            ],
            "application/x-www-form-urlencoded",
            BodyEncoding::Form,
        ),
        (
            "multipart",
            &[
                "application/octet-stream",
                "text/plain",
                "multipart/form-data",
            ],
            "multipart/form-data",
            BodyEncoding::Multipart,
        ),
        (
            "anything",
            &["text/plain", "*/*"],
            "*/*",
            BodyEncoding::Json,
        ),
        (
            "text",
            &["application/octet-stream", "text/plain"],
            "text/plain",
            BodyEncoding::Text,
        ),
        (
            "binary",
            &["application/vnd.acme.blob", "image/png"],
            "image/png",
            BodyEncoding::Binary,
        ),
    ];
    let paths: String = cases.iter().map(|(id, media, ..)| op(id, media)).collect();
    let l = load_yaml(&format!(
        "openapi: 3.0.3\ninfo: {{title: T, version: \"1\"}}\npaths:{}\n",
        dedent(&paths)
            .lines()
            .map(|l| format!("\n  {l}"))
            .collect::<String>()
    ));
    for (id, media, chosen, encoding) in cases {
        let body = l.tool(id).body.as_ref().expect("a body");
        assert_eq!(body.media_type, chosen, "{id}");
        assert_eq!(body.encoding, encoding, "{id}");
        assert_eq!(body.content, media, "{id}: every offered type, in order");
    }
    assert!(l.warnings("media-type").is_empty(), "{:#?}", l.diagnostics);
}

#[test]
fn text_xml_and_binary_bodies_are_strings() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /xml:
            post:
              operationId: sendXml
              requestBody:
                required: true
                content:
                  application/xml:
                    schema: {$ref: '#/components/schemas/Pet'}
              responses: {"204": {description: done}}
          /text:
            post:
              operationId: sendText
              requestBody:
                description: A short note
                content:
                  text/plain:
                    schema: {type: string, maxLength: 10}
              responses: {"204": {description: done}}
          /upload:
            post:
              operationId: upload
              requestBody:
                required: true
                content:
                  application/octet-stream:
                    schema: {type: string, format: binary}
              responses: {"204": {description: done}}
        components:
          schemas:
            Pet: {type: object, properties: {name: {type: string}}}
        "#,
    );
    let xml = l.tool("sendXml").body.as_ref().unwrap();
    assert_eq!(
        (xml.media_type.as_str(), xml.encoding),
        ("application/xml", BodyEncoding::Text)
    );
    assert_eq!(
        l.input("sendXml"),
        &input_of(
            json!({"body": {"type": "string", "description": "The application/xml body, as text."}}),
            &["body"]
        )
    );
    let text = l.tool("sendText").body.as_ref().unwrap();
    assert_eq!(
        (text.media_type.as_str(), text.encoding),
        ("text/plain", BodyEncoding::Text)
    );
    assert_eq!(
        l.input("sendText"),
        &input_of(
            json!({"body": {"type": "string", "maxLength": 10, "description": "A short note"}}),
            &[]
        )
    );
    let upload = l.tool("upload").body.as_ref().unwrap();
    assert_eq!(
        (upload.media_type.as_str(), upload.encoding),
        ("application/octet-stream", BodyEncoding::Binary)
    );
    assert_eq!(
        l.input("upload"),
        &input_of(
            json!({"body": {
                "type": "string",
                "contentEncoding": "base64",
                "contentMediaType": "application/octet-stream",
                "description": "The application/octet-stream body, base64-encoded.",
            }}),
            &["body"]
        )
    );
}

#[test]
fn multipart_bodies_carry_binary_parts_as_base64() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /photos:
            post:
              operationId: uploadPhoto
              requestBody:
                required: true
                content:
                  multipart/form-data:
                    schema:
                      type: object
                      required: [photo]
                      properties:
                        photo: {type: string, format: binary}
                        caption: {type: string}
              responses: {"204": {description: done}}
        "#,
    );
    let body = l.tool("uploadPhoto").body.as_ref().unwrap();
    assert_eq!(
        (body.media_type.as_str(), body.encoding),
        ("multipart/form-data", BodyEncoding::Multipart)
    );
    assert_eq!(
        l.input("uploadPhoto"),
        &input_of(
            json!({"body": {
                "type": "object",
                "required": ["photo"],
                "properties": {
                    "photo": {"type": "string", "format": "binary", "contentEncoding": "base64"},
                    "caption": {"type": "string"},
                },
            }}),
            &["body"]
        )
    );
}

#[test]

fn openapi_31_binary_multipart_parts_are_base64() {
    let l = load_yaml(
        r#"
        openapi: 3.1.0
        info: {title: T, version: "1"}
        paths:
          /photos:
            post:
              operationId: uploadPhoto
              requestBody:
                content:
                  multipart/form-data:
                    schema:
                      type: object
                      properties:
                        photo: {type: string, contentMediaType: image/png}
              responses: {"204": {description: done}}
        "#,
    );
    assert_eq!(
        l.body("uploadPhoto")["properties"]["photo"],
        json!({"type": "string", "contentMediaType": "image/png", "contentEncoding": "base64"})
    );
}

#[test]

fn text_and_binary_bodies_keep_the_documents_description() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /xml:
            post:
              operationId: sendXml
              requestBody:
                description: A pet, as XML
                content:
                  application/xml: {schema: {type: object}}
              responses: {"204": {description: done}}
          /photo:
            post:
              operationId: sendPhoto
              requestBody:
                description: The photo bytes
                content:
                  image/png: {schema: {type: string, format: binary}}
              responses: {"204": {description: done}}
        "#,
    );
    for (tool, said) in [
        ("sendXml", "A pet, as XML"),
        ("sendPhoto", "The photo bytes"),
    ] {
        let description = l.body(tool)["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(said),
            "{tool}: body description {description:?} lost {said:?}"
        );
    }
}

#[test]
fn an_unknown_vendor_media_type_is_sent_as_bytes_with_a_warning() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /things:
            post:
              operationId: sendThing
              requestBody:
                content:
                  application/vnd.acme.thing:
                    schema: {type: object}
              responses: {"204": {description: done}}
        "#,
    );
    let body = l.tool("sendThing").body.as_ref().unwrap();
    assert_eq!(body.media_type, "application/vnd.acme.thing");
    assert_eq!(body.encoding, BodyEncoding::Binary);
    assert_eq!(
        l.body("sendThing"),
        &json!({
            "type": "string",
            "contentEncoding": "base64",
            "contentMediaType": "application/vnd.acme.thing",
            "description": "The application/vnd.acme.thing body, base64-encoded.",
        })
    );
    let warnings = l.warnings("media-type");
    assert_eq!(warnings.len(), 1, "{:#?}", l.diagnostics);
    assert_eq!(
        warnings[0].message,
        "request media type `application/vnd.acme.thing` is not one mcpgen encodes; the body is sent as base64-decoded bytes"
    );
    assert_eq!(
        warnings[0].pointer.as_deref(),
        Some("/paths/~1things/post/requestBody")
    );
}

// ----- 14. the success response ---------------------------------------------------------------

#[test]
fn the_success_response_is_the_lowest_2xx_and_2xx_comes_after_concrete_codes() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /lowest:
            get:
              operationId: lowest
              responses:
                "404": {description: missing, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}
                "2XX": {description: any, content: {application/json: {schema: {$ref: '#/components/schemas/X'}}}}
                "201": {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
                "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}
          /range:
            get:
              operationId: range
              responses:
                "2XX": {description: any, content: {application/json: {schema: {$ref: '#/components/schemas/X'}}}}
                "202": {description: accepted, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
          /rangeOnly:
            get:
              operationId: rangeOnly
              responses:
                default: {description: error, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}
                "2XX": {description: any, content: {application/json: {schema: {$ref: '#/components/schemas/X'}}}}
          /accept:
            get:
              operationId: accept
              responses:
                "200":
                  description: ok
                  content:
                    application/json: {schema: {$ref: '#/components/schemas/B'}}
                    application/xml: {schema: {$ref: '#/components/schemas/B'}}
                    text/csv: {schema: {type: string}}
          /csv:
            get:
              operationId: csv
              responses:
                "200": {description: ok, content: {text/csv: {schema: {type: string}}}}
          /errorsOnly:
            get:
              operationId: errorsOnly
              responses:
                default: {description: error, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}
        components:
          schemas:
            A: {type: object, properties: {a: {type: string}}}
            B: {type: object, properties: {b: {type: string}}}
            X: {type: object, properties: {x: {type: string}}}
            E: {type: object, properties: {error: {type: string}}}
        "#,
    );
    let object = |key: &str| json!({"type": "object", "properties": {key: {"type": "string"}}});
    let status = |name: &str| {
        let response = l.tool(name).response.as_ref().expect("a success response");
        (response.status.as_str(), response.content.clone())
    };
    assert_eq!(
        status("lowest"),
        ("200", vec!["application/json".to_string()])
    );
    assert_eq!(l.output("lowest"), &object("b"));
    assert_eq!(status("range").0, "202");
    assert_eq!(l.output("range"), &object("a"));
    assert_eq!(status("rangeOnly").0, "2XX");
    assert_eq!(l.output("rangeOnly"), &object("x"));
    assert_eq!(
        status("accept"),
        (
            "200",
            vec![
                "application/json".to_string(),
                "application/xml".to_string(),
                "text/csv".to_string()
            ]
        )
    );
    assert_eq!(l.output("accept"), &object("b"));
    // A response without JSON gives the Accept list but no output schema.
    assert_eq!(status("csv"), ("200", vec!["text/csv".to_string()]));
    assert!(l.json("csv").get("outputSchema").is_none());
    assert!(l.tool("csv").output_schema.is_none());
    // No 2xx at all: no success response.
    assert!(l.tool("errorsOnly").response.is_none());
    assert!(l.json("errorsOnly").get("outputSchema").is_none());
}

#[test]
fn swagger_responses_accept_what_the_operation_produces() {
    let l = load_yaml(
        r#"
        swagger: "2.0"
        info: {title: T, version: "1"}
        produces: [application/json]
        paths:
          /pets:
            get:
              operationId: listPets
              produces: [application/json, application/xml]
              responses:
                "200": {description: ok, schema: {type: array, items: {type: string}}}
          /pets/xml:
            get:
              operationId: listPetsXml
              produces: [application/xml]
              responses:
                "200": {description: ok, schema: {type: object}}
        "#,
    );
    let response = l.tool("listPets").response.as_ref().unwrap();
    assert_eq!(response.content, ["application/json", "application/xml"]);
    assert_eq!(response.wrapped_in.as_deref(), Some("result"));
    assert_eq!(
        l.output("listPets"),
        &json!({
            "type": "object",
            "properties": {"result": {"type": "array", "items": {"type": "string"}}},
            "required": ["result"],
        })
    );
    assert_eq!(
        l.tool("listPetsXml").response.as_ref().unwrap().content,
        ["application/xml"]
    );
    assert!(l.tool("listPetsXml").output_schema.is_none());
}

#[test]

fn the_success_response_is_the_lowest_2xx_with_content() {
    let l = load_yaml(
        r#"
        openapi: 3.0.3
        info: {title: T, version: "1"}
        paths:
          /jobs:
            post:
              operationId: startJob
              responses:
                "200": {description: already done}
                "202":
                  description: started
                  content:
                    application/json:
                      schema: {type: object, properties: {job: {type: string}}}
        "#,
    );
    let response = l
        .tool("startJob")
        .response
        .as_ref()
        .expect("a success response");
    assert_eq!(response.status, "202");
    assert_eq!(response.content, ["application/json"]);
    assert_eq!(
        l.output("startJob"),
        &json!({"type": "object", "properties": {"job": {"type": "string"}}})
    );
}

// ----- 15. QUERY and webhooks -----------------------------------------------------------------

#[test]
fn an_openapi_32_query_operation_becomes_a_read_only_tool() {
    let l = load_yaml(
        r#"
        openapi: 3.2.0
        info: {title: T, version: "1"}
        paths:
          /pets/search:
            query:
              operationId: searchPets
              summary: Search pets
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object, properties: {q: {type: string}}}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {type: object, properties: {total: {type: integer}}}
            additionalOperations:
              PURGE: {operationId: purgePets, responses: {"204": {description: done}}}
        "#,
    );
    assert_eq!(l.names(), ["searchPets"]);
    let tool = l.tool("searchPets");
    assert_eq!(tool.method, Method::Query);
    assert_eq!(tool.body.as_ref().unwrap().encoding, BodyEncoding::Json);
    assert_eq!(
        l.json("searchPets"),
        &json!({
            "name": "searchPets",
            "title": "Search pets",
            "description": "Search pets",
            "inputSchema": {
                "type": "object",
                "properties": {"body": {"type": "object", "properties": {"q": {"type": "string"}}}},
                "required": ["body"],
                "additionalProperties": false,
            },
            "outputSchema": {"type": "object", "properties": {"total": {"type": "integer"}}},
            "annotations": {
                "readOnlyHint": true,
                "destructiveHint": false,
                "idempotentHint": true,
                "openWorldHint": true,
                "title": "Search pets",
            },
        })
    );
    let skipped = l.warnings("method");
    assert_eq!(skipped.len(), 1, "{:#?}", l.diagnostics);
    assert!(
        skipped[0].message.contains("PURGE"),
        "{}",
        skipped[0].message
    );
}

#[test]
fn webhooks_make_no_tools_and_a_warning() {
    let l = load_yaml(
        r#"
        openapi: 3.1.0
        info: {title: T, version: "1"}
        paths:
          /pets:
            get: {operationId: listPets, responses: {"204": {description: done}}}
            query: {operationId: notBefore32, responses: {"204": {description: done}}}
        webhooks:
          petAdded:
            post: {operationId: onPetAdded, responses: {"200": {description: ok}}}
            put: {operationId: onPetReplaced, responses: {"200": {description: ok}}}
          petRemoved:
            post: {operationId: onPetRemoved, responses: {"200": {description: ok}}}
        "#,
    );
    assert_eq!(l.names(), ["listPets"]);
    let webhooks = l.warnings("webhooks");
    assert_eq!(webhooks.len(), 1, "{:#?}", l.diagnostics);
    assert_eq!(
        webhooks[0].message,
        "3 webhook operation(s) under `webhooks` were skipped: webhooks are requests the API sends, not tools an agent calls"
    );
    assert_eq!(webhooks[0].pointer.as_deref(), Some("/webhooks"));

    // A 3.1 document may have webhooks and no paths at all.
    let only = load_yaml(
        r#"
        openapi: 3.1.0
        info: {title: T, version: "1"}
        webhooks:
          ping:
            post: {responses: {"200": {description: ok}}}
        "#,
    );
    assert!(only.api.tools.is_empty());
    assert_eq!(only.warnings("webhooks").len(), 1);
}
