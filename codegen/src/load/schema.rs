//! OpenAPI schemas to self-contained JSON Schema 2020-12.
//!
//! Every `$ref` becomes a local `#/$defs/<Name>` reference, and each referenced schema is
//! converted once and copied into the `$defs` of the tools that reach it. Recursive and
//! mutually recursive schemas therefore cost one entry each: nothing is inlined, so nothing
//! grows exponentially and no reference dangles.
//!
//! Dialect differences are settled here: Swagger 2.0 and OpenAPI 3.0 `nullable`, boolean
//! `exclusiveMinimum`/`exclusiveMaximum`, `example`, `type: file` and tuple `items` become their
//! 2020-12 forms; `x-` extensions and OpenAPI-only keywords (`discriminator`, `xml`,
//! `externalDocs`) are dropped. Input schemas leave out `readOnly` properties and output
//! schemas leave out `writeOnly` ones.

use super::source::{Sources, Target, escape, kind_of};
use crate::Diagnostic;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// Which OpenAPI schema dialect a document uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Swagger 2.0 and OpenAPI 3.0: a JSON Schema draft 4 dialect with `nullable`.
    Draft4,
    /// OpenAPI 3.1 and 3.2: JSON Schema 2020-12 already.
    Draft2020,
}

/// Whether a schema describes what the caller sends or what the API returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Tool arguments: `readOnly` properties are left out, examples kept.
    Input,
    /// Structured results: `writeOnly` properties are left out, examples dropped.
    Output,
}

/// Converts schemas and keeps every referenced schema, converted once per direction.
pub struct Schemas {
    dialect: Dialect,
    names: HashMap<Target, String>,
    targets: HashMap<String, Target>,
    defs: HashMap<(Target, Direction), Value>,
    /// The `$defs` names each converted definition refers to directly.
    direct_refs: HashMap<(Target, Direction), Vec<String>>,
    /// Every definition ever queued for conversion (done or pending).
    queued: HashSet<(Target, Direction)>,
    /// Definitions referenced but not converted yet.
    pending: Vec<(Target, Direction)>,
    /// How deep the inline schema being converted nests.
    depth: usize,
}

/// How deeply one schema may nest inline (references do not count): enough for any real
/// document, and safe for the stack of a small thread.
const MAX_NESTING: usize = 48;

const KNOWN_TYPES: [&str; 7] = [
    "string", "number", "integer", "boolean", "array", "object", "null",
];

impl Schemas {
    /// An empty converter for one document's dialect.
    pub fn new(dialect: Dialect) -> Self {
        Schemas {
            dialect,
            names: HashMap::new(),
            targets: HashMap::new(),
            defs: HashMap::new(),
            direct_refs: HashMap::new(),
            queued: HashSet::new(),
            pending: Vec::new(),
            depth: 0,
        }
    }

    /// `schema`, written at `pointer` in `file`, as 2020-12 with local `$defs` references.
    pub fn convert(
        &mut self,
        src: &mut Sources,
        file: usize,
        pointer: &str,
        schema: &Value,
        dir: Direction,
    ) -> Result<Value, Box<Diagnostic>> {
        let converted = self.convert_inner(src, file, pointer, schema, dir);
        // Referenced schemas are converted here, one after another, rather than from inside
        // the reference: a chain of thousands of `$ref`s then needs no deeper stack than one.
        while let Some(key) = self.pending.pop() {
            let value = src.node(key.0.0, &key.0.1).expect("checked when queued");
            let def = self.convert_inner(src, key.0.0, &key.0.1, &value, key.1);
            match def {
                Ok(def) => {
                    let mut refs = VecDeque::new();
                    collect_refs(&def, &mut refs);
                    self.direct_refs.insert(key.clone(), refs.into());
                    self.defs.insert(key, def);
                }
                Err(e) => {
                    self.pending.clear();
                    self.depth = 0;
                    return Err(e);
                }
            }
        }
        converted
    }

    fn convert_inner(
        &mut self,
        src: &mut Sources,
        file: usize,
        pointer: &str,
        schema: &Value,
        dir: Direction,
    ) -> Result<Value, Box<Diagnostic>> {
        if self.depth >= MAX_NESTING {
            return Err(Box::new(
                Diagnostic::error(
                    "type",
                    format!("the schema nests deeper than {MAX_NESTING} levels"),
                )
                .at(&src.file(file).name, pointer)
                .help("move inner schemas to components and refer to them with `$ref`"),
            ));
        }
        self.depth += 1;
        let converted = self.convert_schema(src, file, pointer, schema, dir);
        self.depth -= 1;
        converted
    }

    fn convert_schema(
        &mut self,
        src: &mut Sources,
        file: usize,
        pointer: &str,
        schema: &Value,
        dir: Direction,
    ) -> Result<Value, Box<Diagnostic>> {
        match schema {
            Value::Bool(_) => Ok(schema.clone()),
            Value::Object(map) => self.convert_object(src, file, pointer, map, dir),
            other => Err(Box::new(
                Diagnostic::error(
                    "type",
                    format!("expected a schema (a mapping), found {}", kind_of(other)),
                )
                .at(&src.file(file).name, pointer),
            )),
        }
    }

    fn convert_object(
        &mut self,
        src: &mut Sources,
        file: usize,
        pointer: &str,
        map: &Map<String, Value>,
        dir: Direction,
    ) -> Result<Value, Box<Diagnostic>> {
        let mut out = Map::new();
        if let Some(reference) = map.get("$ref") {
            let name = self.reference(src, file, pointer, reference, dir)?;
            out.insert("$ref".into(), Value::String(format!("#/$defs/{name}")));
            if self.dialect == Dialect::Draft4 {
                // Draft 4 ignores a reference's siblings; only its description is worth keeping.
                if let Some(Value::String(d)) = map.get("description") {
                    out.insert("description".into(), Value::String(d.clone()));
                }
                return Ok(Value::Object(out));
            }
        }
        let mut dropped = Vec::new();
        for (key, value) in map {
            let at = || format!("{pointer}/{}", escape(key));
            match key.as_str() {
                "$ref" => {}
                k if k.starts_with("x-") => {}
                "discriminator" | "xml" | "externalDocs" | "$schema" | "$id" | "$anchor"
                | "$dynamicAnchor" | "$defs" | "definitions" | "nullable" | "$comment" => {}
                "example" => {
                    if dir == Direction::Input && !map.contains_key("examples") {
                        out.insert("examples".into(), Value::Array(vec![value.clone()]));
                    }
                }
                "examples" => {
                    if dir == Direction::Input
                        && value.is_array()
                        && self.dialect == Dialect::Draft2020
                    {
                        out.insert(key.clone(), value.clone());
                    }
                }
                "properties" | "patternProperties" | "dependentSchemas" => {
                    let Value::Object(members) = value else {
                        return Err(self.wrong_type(
                            src,
                            file,
                            &at(),
                            "a mapping of schemas",
                            value,
                        ));
                    };
                    let mut converted = Map::new();
                    for (name, member) in members {
                        if key == "properties" && self.left_out(src, file, member, dir) {
                            dropped.push(name.clone());
                            continue;
                        }
                        let member_at = format!("{}/{}", at(), escape(name));
                        converted.insert(
                            name.clone(),
                            self.convert_inner(src, file, &member_at, member, dir)?,
                        );
                    }
                    out.insert(key.clone(), Value::Object(converted));
                }
                "items" if value.is_array() => {
                    let tuple = self.convert_list(src, file, &at(), value, dir)?;
                    out.insert("prefixItems".into(), tuple);
                }
                // Draft 4 reads `additionalItems` only beside a tuple `items`, where 2020-12
                // calls it `items` (the tuple itself becoming `prefixItems`).
                "additionalItems" if !map.get("items").is_some_and(Value::is_array) => {}
                "items"
                | "additionalProperties"
                | "additionalItems"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentSchema" => {
                    let key = if key == "additionalItems" {
                        "items"
                    } else {
                        key.as_str()
                    };
                    out.insert(
                        key.into(),
                        self.convert_inner(src, file, &at(), value, dir)?,
                    );
                }
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    out.insert(
                        key.clone(),
                        self.convert_list(src, file, &at(), value, dir)?,
                    );
                }
                "type" => {
                    if let Some(t) = self.convert_type(value, &mut out) {
                        out.insert("type".into(), t);
                    }
                }
                "required" => {
                    if let Value::Array(names) = value
                        && names.iter().all(Value::is_string)
                    {
                        out.insert(key.clone(), value.clone());
                    }
                }
                "exclusiveMaximum" | "exclusiveMinimum" => {
                    if value.is_number() {
                        out.insert(key.clone(), value.clone());
                    } else if value == &Value::Bool(true) {
                        let bound = if key == "exclusiveMaximum" {
                            "maximum"
                        } else {
                            "minimum"
                        };
                        if let Some(limit) = map.get(bound) {
                            out.insert(key.clone(), limit.clone());
                            dropped_bound(&mut out, bound);
                        }
                    }
                }
                "maximum" | "minimum"
                    if map.get(&format!("exclusive{}", capitalize(key)))
                        == Some(&Value::Bool(true)) => {}
                "format" if value == "binary" && dir == Direction::Input => {
                    out.insert(key.clone(), value.clone());
                    out.insert("contentEncoding".into(), Value::String("base64".into()));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if !dropped.is_empty()
            && let Some(Value::Array(required)) = out.get_mut("required")
        {
            required.retain(|r| !dropped.iter().any(|d| r == d));
        }
        if let Some(discriminator) = map.get("discriminator") {
            pin_discriminator(&mut out, map, discriminator);
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            make_nullable(&mut out);
        }
        // 2020-12 describes raw bytes as a string with a non-text `contentMediaType`; in tool
        // arguments such bytes travel base64-encoded, and the schema says so.
        if dir == Direction::Input
            && !out.contains_key("contentEncoding")
            && out.get("type") == Some(&Value::String("string".into()))
            && out
                .get("contentMediaType")
                .and_then(Value::as_str)
                .is_some_and(|m| {
                    !m.starts_with("text/") && !m.contains("json") && !m.contains("xml")
                })
        {
            out.insert("contentEncoding".into(), Value::String("base64".into()));
        }
        Ok(Value::Object(out))
    }

    fn convert_list(
        &mut self,
        src: &mut Sources,
        file: usize,
        pointer: &str,
        value: &Value,
        dir: Direction,
    ) -> Result<Value, Box<Diagnostic>> {
        let Value::Array(items) = value else {
            return Err(self.wrong_type(src, file, pointer, "a list of schemas", value));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.convert_inner(src, file, &format!("{pointer}/{i}"), item, dir)?);
        }
        Ok(Value::Array(out))
    }

    /// A valid 2020-12 `type` (or nothing): `file` becomes a binary string, unknown names go.
    fn convert_type(&self, value: &Value, out: &mut Map<String, Value>) -> Option<Value> {
        match value {
            Value::String(t) if t == "file" => {
                out.insert("format".into(), Value::String("binary".into()));
                out.insert("contentEncoding".into(), Value::String("base64".into()));
                Some(Value::String("string".into()))
            }
            Value::String(t) if KNOWN_TYPES.contains(&t.as_str()) => Some(value.clone()),
            Value::Array(types) => {
                let mut kept: Vec<Value> = Vec::new();
                for t in types {
                    if let Some(name) = t.as_str()
                        && KNOWN_TYPES.contains(&name)
                        && !kept.contains(t)
                    {
                        kept.push(t.clone());
                    }
                }
                match kept.len() {
                    0 => None,
                    1 => kept.pop(),
                    _ => Some(Value::Array(kept)),
                }
            }
            _ => None,
        }
    }

    /// Whether a property is left out in this direction (`readOnly` inputs, `writeOnly` outputs),
    /// looking through one `$ref`.
    fn left_out(&self, src: &mut Sources, file: usize, member: &Value, dir: Direction) -> bool {
        let flag = match dir {
            Direction::Input => "readOnly",
            Direction::Output => "writeOnly",
        };
        marked(src, file, member, flag, 0)
    }

    /// The `$defs` name for the schema a `$ref` points to, converting it on first use.
    fn reference(
        &mut self,
        src: &mut Sources,
        file: usize,
        pointer: &str,
        reference: &Value,
        dir: Direction,
    ) -> Result<String, Box<Diagnostic>> {
        let target = src.target(file, pointer, reference)?;
        let name = match self.names.get(&target) {
            Some(name) => name.clone(),
            None => {
                if src.node(target.0, &target.1).is_none() {
                    return Err(src.missing(&(file, pointer.to_string()), reference, &target));
                }
                // Refuse pure reference loops (A -> B -> A) before they reach a validator.
                src.deref(target.0, &target.1)?;
                let name = self.new_name(src, &target);
                self.names.insert(target.clone(), name.clone());
                self.targets.insert(name.clone(), target.clone());
                name
            }
        };
        let key = (target, dir);
        if self.queued.insert(key.clone()) {
            self.pending.push(key);
        }
        Ok(name)
    }

    /// A `$defs` key for a target: its last pointer segment (or file stem), made unique.
    fn new_name(&self, src: &Sources, target: &Target) -> String {
        let last = target.1.rsplit('/').next().unwrap_or_default();
        let raw = if last.is_empty() {
            src.file(target.0)
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            super::source::unescape(last).into_owned()
        };
        let mut base: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if base.is_empty() {
            base = "schema".into();
        }
        if !self.targets.contains_key(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}_{n}"))
            .find(|candidate| !self.targets.contains_key(candidate))
            .expect("an unbounded counter always finds a free name")
    }

    /// The `$defs` names a schema needs: every definition it reaches, directly or through
    /// others, in the order first reached.
    pub fn defs_for(&self, schema: &Map<String, Value>, dir: Direction) -> Vec<String> {
        let mut names = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::new();
        schema.values().for_each(|v| collect_refs(v, &mut queue));
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some(target) = self.targets.get(&name) else {
                continue;
            };
            let key = (target.clone(), dir);
            if !self.defs.contains_key(&key) {
                continue;
            }
            if let Some(refs) = self.direct_refs.get(&key) {
                queue.extend(refs.iter().cloned());
            }
            names.push(name);
        }
        names
    }

    /// Every converted definition, by name: those for inputs and those for outputs.
    pub fn into_defs(self) -> (BTreeMap<String, Value>, BTreeMap<String, Value>) {
        let mut input = BTreeMap::new();
        let mut output = BTreeMap::new();
        for ((target, dir), def) in self.defs {
            let name = self.names[&target].clone();
            match dir {
                Direction::Input => input.insert(name, def),
                Direction::Output => output.insert(name, def),
            };
        }
        (input, output)
    }

    /// The converted definition behind a local `#/$defs/Name` reference.
    pub fn def(&self, reference: &str, dir: Direction) -> Option<&Value> {
        let name = reference.strip_prefix("#/$defs/")?;
        let target = self.targets.get(name)?;
        self.defs.get(&(target.clone(), dir))
    }

    /// Whether every value the (converted) schema accepts is a JSON object, so it can be an
    /// output schema as is.
    pub fn is_object(&self, schema: &Value, dir: Direction) -> bool {
        self.is_object_depth(schema, dir, 0)
    }

    fn is_object_depth(&self, schema: &Value, dir: Direction, depth: usize) -> bool {
        let Some(map) = schema.as_object() else {
            return false;
        };
        if depth > 16 {
            return false;
        }
        match map.get("type") {
            Some(Value::String(t)) => return t == "object",
            Some(_) => return false,
            None => {}
        }
        if let Some(Value::String(r)) = map.get("$ref")
            && let Some(def) = self.def(r, dir)
        {
            return self.is_object_depth(def, dir, depth + 1);
        }
        if let Some(Value::Array(all)) = map.get("allOf")
            && all.iter().any(|s| self.is_object_depth(s, dir, depth + 1))
        {
            return true;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(any)) = map.get(key)
                && !any.is_empty()
                && any.iter().all(|s| self.is_object_depth(s, dir, depth + 1))
            {
                return true;
            }
        }
        map.contains_key("properties") && !map.contains_key("oneOf") && !map.contains_key("anyOf")
    }

    fn wrong_type(
        &self,
        src: &Sources,
        file: usize,
        pointer: &str,
        expected: &str,
        found: &Value,
    ) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(
                "type",
                format!("expected {expected}, found {}", kind_of(found)),
            )
            .at(&src.file(file).name, pointer),
        )
    }
}

/// OpenAPI's `discriminator` is not JSON Schema: a `oneOf` whose alternatives differ only by
/// the discriminator's value would accept every object twice, so no value would be valid.
/// Each `$ref` alternative gets its discriminator value pinned (`const`, or `enum` when several
/// mapping keys name it), which JSON Schema can check and a model can read.
fn pin_discriminator(
    out: &mut Map<String, Value>,
    original: &Map<String, Value>,
    discriminator: &Value,
) {
    let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else {
        return;
    };
    let mapping = discriminator.get("mapping").and_then(Value::as_object);
    for key in ["oneOf", "anyOf"] {
        let (Some(Value::Array(converted)), Some(Value::Array(written))) =
            (out.get_mut(key), original.get(key))
        else {
            continue;
        };
        for (member, source) in converted.iter_mut().zip(written) {
            let Some(reference) = source.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let name = reference.rsplit('/').next().unwrap_or(reference);
            let mut values: Vec<Value> = mapping
                .map(|m| {
                    m.iter()
                        .filter(|(_, target)| {
                            target.as_str().is_some_and(|t| {
                                t == reference || t == name || t.ends_with(&format!("/{name}"))
                            })
                        })
                        .map(|(value, _)| Value::String(value.clone()))
                        .collect()
                })
                .unwrap_or_default();
            if values.is_empty() {
                values.push(Value::String(name.to_string()));
            }
            let pinned = if values.len() == 1 {
                json!({"const": values[0]})
            } else {
                json!({"enum": values})
            };
            *member = json!({
                "allOf": [member.clone()],
                "properties": { property: pinned },
                "required": [property],
            });
        }
    }
}

/// Whether a schema carries `flag: true` itself, through `$ref`s (in any file) or through any
/// member of an `allOf` (the usual OpenAPI 3.0 way to annotate a reference).
fn marked(src: &mut Sources, file: usize, schema: &Value, flag: &str, depth: usize) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    if depth > 8 {
        return false;
    }
    if map.get(flag) == Some(&Value::Bool(true)) {
        return true;
    }
    if let Some(reference) = map.get("$ref")
        && let Ok(target) = src.target(file, "", reference)
        && let Some(node) = src.node(target.0, &target.1)
        && marked(src, target.0, &node, flag, depth + 1)
    {
        return true;
    }
    if let Some(Value::Array(all)) = map.get("allOf") {
        return all
            .iter()
            .any(|member| marked(src, file, member, flag, depth + 1));
    }
    false
}

fn collect_refs(value: &Value, out: &mut VecDeque<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref"
                    && let Some(name) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/"))
                {
                    out.push_back(name.to_string());
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn dropped_bound(out: &mut Map<String, Value>, bound: &str) {
    out.shift_remove(bound);
}

fn capitalize(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// OpenAPI 3.0 `nullable: true` in 2020-12 terms: `null` joins the type (and the enum).
fn make_nullable(out: &mut Map<String, Value>) {
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(Value::String("null".into()));
            }
        }
        _ => {
            let inner = std::mem::take(out);
            out.insert(
                "anyOf".into(),
                json!([Value::Object(inner), {"type": "null"}]),
            );
            return;
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}
