//! A parsed document that is read through JSON pointers, parsing large JSON lazily.
//!
//! Big API documents are mostly things no tool needs: GitHub's 13 MB holds 1.5 MB of examples,
//! 0.6 MB of webhooks and hundreds of schemas only webhooks use. A JSON document is therefore
//! checked for syntax in one pass, indexed (key -> byte range) one level at a time as pointers
//! reach into it, and parsed into `Value`s only in units: one path item, one component, one
//! top-level section. YAML documents are parsed whole: the YAML parser has no raw values, and
//! YAML documents are small in practice.
//!
//! A large JSON document's text is not kept in memory once the first pass has indexed it:
//! each unit's bytes are read again from the open file when the unit is parsed, so the text
//! (13 MB for GitHub) is never held beside the model built from it.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::rc::Rc;
use std::time::SystemTime;

use super::source::{escape, pointer_get, unescape};

/// A node of a document, kept alive by the parsed unit it belongs to.
pub struct NodeRef {
    unit: Rc<Value>,
    rest: String,
}

impl std::ops::Deref for NodeRef {
    type Target = Value;

    fn deref(&self) -> &Value {
        pointer_get(&self.unit, &self.rest).expect("checked when the NodeRef was made")
    }
}

/// One file's content, addressable by JSON pointer.
pub enum Document {
    /// Parsed whole (YAML, or JSON whose top level is not an object).
    Tree {
        /// The text as read.
        text: String,
        /// The whole document.
        root: Rc<Value>,
    },
    /// JSON parsed in units on demand.
    Lazy(LazyJson),
}

/// A JSON object document: its text, the indexes built so far and the units parsed so far.
pub struct LazyJson {
    text: Text,
    indexes: RefCell<HashMap<String, Rc<Index>>>,
    units: RefCell<HashMap<String, Rc<Value>>>,
}

/// JSON text larger than this is read again from its file unit by unit instead of kept.
pub const KEEP_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// Where a lazy document's text is.
enum Text {
    /// In memory.
    Memory(String),
    /// In its file, read range by range.
    File(FileText),
}

/// A file a document was read from, kept open to read its text again.
pub struct OpenedFile {
    /// The open file: what it names stays the same even if the path is replaced meanwhile.
    pub file: File,
    /// Its length and modification time when read, to notice a change.
    pub len: u64,
    /// See `len`.
    pub modified: Option<SystemTime>,
}

/// A text left in its file.
struct FileText {
    opened: RefCell<OpenedFile>,
    /// Bytes before the text (a byte-order mark the reader dropped).
    skip: u64,
    len: usize,
    /// Whether reading it again ever failed (the file was cut short or changed).
    failed: std::cell::Cell<bool>,
}

impl Text {
    fn len(&self) -> usize {
        match self {
            Text::Memory(text) => text.len(),
            Text::File(file) => file.len,
        }
    }

    /// The first byte in `range` that is not JSON whitespace.
    fn first_byte(&self, range: Range<usize>) -> Option<u8> {
        let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self {
            Text::Memory(text) => text
                .as_bytes()
                .get(range)?
                .iter()
                .find(|b| !is_space(b))
                .copied(),
            Text::File(text) => {
                let mut opened = text.opened.borrow_mut();
                let file = &mut opened.file;
                file.seek(SeekFrom::Start(text.skip + range.start as u64))
                    .ok()?;
                let mut chunk = [0u8; 512];
                let mut left = range.len();
                while left > 0 {
                    let n = file.read(&mut chunk[..left.min(512)]).unwrap_or(0);
                    if n == 0 {
                        text.failed.set(true);
                        return None;
                    }
                    if let Some(b) = chunk[..n].iter().find(|b| !is_space(b)) {
                        return Some(*b);
                    }
                    left -= n;
                }
                None
            }
        }
    }

    /// The text in `range`; `None` when the file no longer holds it (it was changed).
    fn get(&self, range: Range<usize>) -> Option<Cow<'_, str>> {
        match self {
            Text::Memory(text) => text.get(range).map(Cow::Borrowed),
            Text::File(text) => {
                let read = text.read(range);
                if read.is_none() {
                    text.failed.set(true);
                }
                read.map(Cow::Owned)
            }
        }
    }
}

impl FileText {
    /// The text in `range`, read from the file.
    fn read(&self, range: Range<usize>) -> Option<String> {
        if range.end > self.len {
            return None;
        }
        let mut opened = self.opened.borrow_mut();
        opened
            .file
            .seek(SeekFrom::Start(self.skip + range.start as u64))
            .ok()?;
        let mut bytes = vec![0; range.len()];
        opened.file.read_exact(&mut bytes).ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// The members of one object or array: keys (indexes for arrays) and their byte ranges.
struct Index {
    entries: Vec<(String, Range<usize>)>,
    lookup: HashMap<String, usize>,
}

impl Document {
    /// A document parsed whole.
    pub fn tree(text: String, root: Value) -> Self {
        Document::Tree {
            text,
            root: Rc::new(root),
        }
    }

    /// A JSON document whose top level is an object, checked for syntax and otherwise left
    /// unparsed. Fails with serde_json's error (which has the line and column). With `file`
    /// (where `text` was read from, after `skip` bytes), a large text is let go of once
    /// indexed and read again from the file as units are parsed.
    pub fn lazy_json(
        text: String,
        file: Option<(OpenedFile, u64)>,
    ) -> Result<Self, serde_json::Error> {
        // One pass reads every byte once, which checks the syntax of the whole file, and
        // indexes the root and every object above a parsed unit (`/paths`, `/components/*`),
        // so no byte is scanned twice to reach a unit.
        let mut indexes = HashMap::new();
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        let seed = ScanSeed {
            text: &text,
            pointer: String::new(),
            levels: Levels::Root,
            start: skip_whitespace(&text, 0),
            indexes: &mut indexes,
        };
        seed.deserialize(&mut deserializer)?;
        deserializer.end()?;
        if !indexes.contains_key("") {
            // A scalar or array at the top: indexed like any node on demand.
            indexes.insert(String::new(), Rc::new(index_of(&text, 0)?));
        }
        let text = match file {
            Some((opened, skip)) if text.len() > KEEP_TEXT_BYTES => Text::File(FileText {
                opened: RefCell::new(opened),
                skip,
                len: text.len(),
                failed: std::cell::Cell::new(false),
            }),
            _ => Text::Memory(text),
        };
        Ok(Document::Lazy(LazyJson {
            text,
            indexes: RefCell::new(indexes),
            units: RefCell::new(HashMap::new()),
        }))
    }

    /// Takes the text out, leaving the document empty. A text left in its file is read
    /// again (empty if the file cannot be read any more).
    pub fn into_text(self) -> String {
        match self {
            Document::Tree { text, .. } => text,
            Document::Lazy(doc) => match doc.text {
                Text::Memory(text) => text,
                Text::File(text) => {
                    let len = text.len;
                    Text::File(text)
                        .get(0..len)
                        .map(Cow::into_owned)
                        .unwrap_or_default()
                }
            },
        }
    }

    /// For a document that reads its text again as it goes: the file, and the bytes before
    /// the text in it.
    pub fn text_file(&self) -> Option<(std::cell::Ref<'_, OpenedFile>, u64)> {
        match self {
            Document::Lazy(LazyJson {
                text: Text::File(text),
                ..
            }) => Some((text.opened.borrow(), text.skip)),
            _ => None,
        }
    }

    /// Whether the text this document reads again as it goes is no longer what it was: the
    /// file's length or modification time changed, or a read of it failed.
    pub fn text_changed(&self) -> bool {
        let Document::Lazy(LazyJson {
            text: Text::File(text),
            ..
        }) = self
        else {
            return false;
        };
        let opened = text.opened.borrow();
        let now = opened.file.metadata().ok();
        text.failed.get()
            || now.as_ref().map(std::fs::Metadata::len) != Some(opened.len)
            || now.and_then(|m| m.modified().ok()) != opened.modified
    }

    /// The node at `pointer`, if the document has one.
    pub fn node(&self, pointer: &str) -> Option<NodeRef> {
        match self {
            Document::Tree { root, .. } => {
                pointer_get(root, pointer)?;
                Some(NodeRef {
                    unit: Rc::clone(root),
                    rest: pointer.to_string(),
                })
            }
            Document::Lazy(doc) => doc.node(pointer),
        }
    }

    /// The keys of the object at `pointer`, in document order, without parsing its members.
    pub fn keys(&self, pointer: &str) -> Option<Vec<String>> {
        match self {
            Document::Tree { root, .. } => Some(
                pointer_get(root, pointer)?
                    .as_object()?
                    .keys()
                    .cloned()
                    .collect(),
            ),
            Document::Lazy(doc) => {
                doc.node_is_object(pointer)?;
                let index = doc.index(pointer)?;
                Some(index.entries.iter().map(|(k, _)| k.clone()).collect())
            }
        }
    }

    /// Forgets the parsed unit at `pointer` (a path item once its tools are built), so a large
    /// document does not stay in memory as `Value`s.
    pub fn release(&self, pointer: &str) {
        if let Document::Lazy(doc) = self {
            doc.units.borrow_mut().remove(pointer);
        }
    }
}

impl LazyJson {
    fn node(&self, pointer: &str) -> Option<NodeRef> {
        let segments: Vec<&str> = if pointer.is_empty() {
            Vec::new()
        } else {
            pointer.strip_prefix('/')?.split('/').collect()
        };
        let depth = unit_depth(segments.first().copied()).min(segments.len());
        let unit_pointer: String = segments[..depth].iter().map(|s| format!("/{s}")).collect();
        let rest: String = segments[depth..].iter().map(|s| format!("/{s}")).collect();
        let unit = self.unit(&unit_pointer)?;
        pointer_get(&unit, &rest)?;
        Some(NodeRef { unit, rest })
    }

    /// Whether the node at `pointer` is an object, looking only at its first byte.
    fn node_is_object(&self, pointer: &str) -> Option<()> {
        let range = self.range(pointer)?;
        (self.text.first_byte(range)? == b'{').then_some(())
    }

    fn unit(&self, pointer: &str) -> Option<Rc<Value>> {
        if let Some(unit) = self.units.borrow().get(pointer) {
            return Some(Rc::clone(unit));
        }
        let range = self.range(pointer)?;
        let value: Value = serde_json::from_str(&self.text.get(range)?).ok()?;
        let unit = Rc::new(value);
        self.units
            .borrow_mut()
            .insert(pointer.to_string(), Rc::clone(&unit));
        Some(unit)
    }

    fn range(&self, pointer: &str) -> Option<Range<usize>> {
        if pointer.is_empty() {
            return Some(0..self.text.len());
        }
        let (parent, last) = pointer.rsplit_once('/')?;
        let index = self.index(parent)?;
        let at = *index.lookup.get(unescape(last).as_ref())?;
        Some(index.entries[at].1.clone())
    }

    fn index(&self, pointer: &str) -> Option<Rc<Index>> {
        if let Some(index) = self.indexes.borrow().get(pointer) {
            return Some(Rc::clone(index));
        }
        let range = self.range(pointer)?;
        let index = Rc::new(index_of(&self.text.get(range.clone())?, range.start).ok()?);
        self.indexes
            .borrow_mut()
            .insert(pointer.to_string(), Rc::clone(&index));
        Some(index)
    }
}

/// How many pointer segments make one parsed unit under a top-level key: each path item,
/// each component and each Swagger 2.0 definition is parsed on its own; other sections whole.
fn unit_depth(first: Option<&str>) -> usize {
    match first {
        None => 0,
        Some("paths" | "webhooks" | "x-webhooks" | "definitions" | "parameters" | "responses") => 2,
        Some("components") => 3,
        Some(_) => 1,
    }
}

/// How many levels below a node the first pass indexes.
#[derive(Clone, Copy)]
enum Levels {
    /// The document root: each member as deep as [`unit_depth`] says.
    Root,
    /// This node's members are indexed, and so on `n - 1` levels further down.
    Below(usize),
}

/// The first pass over a JSON document: checks syntax, records the index of every node that
/// sits above a parsed unit, and returns where the node it read ends.
struct ScanSeed<'t, 'i> {
    text: &'t str,
    pointer: String,
    levels: Levels,
    /// Where the node starts in `text`.
    start: usize,
    indexes: &'i mut HashMap<String, Rc<Index>>,
}

impl<'de, 't, 'i> DeserializeSeed<'de> for ScanSeed<'t, 'i> {
    /// The end of the node in `text`.
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScanSeed<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let text = self.text;
        let mut entries: Vec<(String, Range<usize>)> = Vec::new();
        let mut lookup: HashMap<String, usize> = HashMap::new();
        let mut cursor = self.start + 1; // after `{`
        while let Some(key) = map.next_key::<String>()? {
            let start = member_start(text, cursor);
            let levels = match self.levels {
                Levels::Root => unit_depth(Some(&key)).saturating_sub(1),
                Levels::Below(n) => n - 1,
            };
            let end = if levels == 0 {
                let raw: &RawValue = map.next_value()?;
                start + raw.get().len()
            } else {
                map.next_value_seed(ScanSeed {
                    text,
                    pointer: format!("{}/{}", self.pointer, escape(&key)),
                    levels: Levels::Below(levels),
                    start,
                    indexes: &mut *self.indexes,
                })?
            };
            cursor = end;
            match lookup.get(&key) {
                // Like serde_json's own maps: the last of duplicate keys wins.
                Some(&at) => entries[at].1 = start..end,
                None => {
                    lookup.insert(key.clone(), entries.len());
                    entries.push((key, start..end));
                }
            }
        }
        self.indexes
            .insert(self.pointer, Rc::new(Index { entries, lookup }));
        Ok(container_end(text, cursor))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        // Arrays above units are rare and small: their members are indexed on demand.
        let mut cursor = self.start + 1; // after `[`
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            cursor = raw.get().as_ptr() as usize - self.text.as_ptr() as usize + raw.get().len();
        }
        Ok(container_end(self.text, cursor))
    }

    fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
        Ok(scalar_end(self.text, self.start))
    }

    fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
        Ok(scalar_end(self.text, self.start))
    }

    fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
        Ok(scalar_end(self.text, self.start))
    }

    fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
        Ok(scalar_end(self.text, self.start))
    }

    fn visit_str<E>(self, _: &str) -> Result<usize, E> {
        Ok(string_end(self.text, self.start))
    }

    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(scalar_end(self.text, self.start))
    }
}

// The position helpers below run only over text serde_json has already accepted up to that
// point, so they can read JSON's structure without checking it again.

fn skip_whitespace(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// Where the value of the next object member starts, from the end of the previous member (or
/// just after `{`): past the comma, the key and the colon.
fn member_start(text: &str, after_previous: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = skip_whitespace(text, after_previous);
    if bytes.get(at) == Some(&b',') {
        at = skip_whitespace(text, at + 1);
    }
    at = skip_whitespace(text, string_end(text, at));
    skip_whitespace(text, at + 1) // past `:`
}

/// The end of an object or array whose last member ends at `after_last` (or which is empty
/// and opened just before it).
fn container_end(text: &str, after_last: usize) -> usize {
    skip_whitespace(text, after_last) + 1
}

/// The end of the string that starts (with its quote) at `start`.
fn string_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    at
}

/// The end of the number, `true`, `false` or `null` that starts at `start`.
fn scalar_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = start;
    while at < bytes.len()
        && !matches!(bytes[at], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
    {
        at += 1;
    }
    at
}

/// The members of the object or array `slice` holds, whose first byte is at `base` in the
/// document's text.
fn index_of(slice: &str, base: usize) -> Result<Index, serde_json::Error> {
    let slice_start = slice.as_ptr() as usize;
    let mut deserializer = serde_json::Deserializer::from_str(slice);
    let raw = (&mut deserializer).deserialize_any(MembersVisitor)?;
    deserializer.end()?;
    let entries: Vec<(String, Range<usize>)> = raw
        .into_iter()
        .map(|(key, value)| {
            let start = value.get().as_ptr() as usize - slice_start + base;
            (key, start..start + value.get().len())
        })
        .collect();
    let lookup = entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.clone(), i))
        .collect();
    Ok(Index { entries, lookup })
}

/// Reads an object's members (or an array's items, keyed by position) as raw values.
struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object or an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(String, &'de RawValue)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
            match seen.get(&key) {
                // Like serde_json's own maps: the last of duplicate keys wins.
                Some(&at) => out[at].1 = value,
                None => {
                    seen.insert(key.clone(), out.len());
                    out.push((key, value));
                }
            }
        }
        Ok(out)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(value) = seq.next_element::<&'de RawValue>()? {
            out.push((out.len().to_string(), value));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{"openapi": "3.1.0", "paths": {"/a/{id}": {"get": {"operationId": "x"}}},
        "components": {"schemas": {"A": {"type": "object"}, "B~/": {"$ref": "#/components/schemas/A"}}},
        "list": [1, {"k": 2}]}"##;

    #[test]
    fn reads_through_pointers_like_a_tree() {
        let lazy = Document::lazy_json(DOC.to_string(), None).unwrap();
        let tree = Document::tree(DOC.to_string(), serde_json::from_str(DOC).unwrap());
        for pointer in [
            "",
            "/openapi",
            "/paths/~1a~1{id}/get/operationId",
            "/paths/~1a~1{id}",
            "/components/schemas/B~0~1",
            "/components/schemas",
            "/list/1/k",
            "/missing",
            "/paths/~1b",
        ] {
            assert_eq!(
                lazy.node(pointer).map(|n| n.clone()),
                tree.node(pointer).map(|n| n.clone()),
                "{pointer}"
            );
        }
        assert_eq!(
            lazy.keys("/components/schemas"),
            Some(vec!["A".to_string(), "B~/".to_string()])
        );
        assert_eq!(lazy.keys("/list"), None);
    }

    /// Every pointer into `value`, down to `depth` levels.
    fn pointers(value: &Value, at: String, depth: usize, out: &mut Vec<String>) {
        out.push(at.clone());
        if depth == 0 {
            return;
        }
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return,
        };
        for (key, child) in children {
            pointers(child, format!("{at}/{}", escape(&key)), depth - 1, out);
        }
    }

    #[test]
    fn the_first_pass_indexes_any_layout_exactly() {
        // Whitespace everywhere, escapes in keys and strings, empty containers, scalars and
        // arrays where objects are expected, and a duplicate key (the last one wins).
        let docs = [
            DOC.to_string(),
            r#" { "paths" : { } , "components" : { "schemas" : { } } } "#.to_string(),
            "{\n\t\"paths\":\r\n[ {\"a\" : 1} , 2 ],\"components\":{\"schemas\":null,\"x\":-1.5e3,\n\"y\":true,\"z\":\"s\\\"}]\",\"w\":[ ]},\"definitions\":\"d\"}".to_string(),
            r#"{"components":{"a\"b/~c":{"k\\":{"v":[1,{"w":"}"}]}},"a\"b/~c":{"k\\":2}},"paths":{"/x":{"get":{}},"/x":{"put":{"y":"z"}}}}"#.to_string(),
        ];
        for doc in docs {
            let tree_value: Value = serde_json::from_str(&doc).unwrap();
            let lazy = Document::lazy_json(doc.clone(), None).unwrap();
            let tree = Document::tree(doc.clone(), tree_value.clone());
            let mut all = Vec::new();
            pointers(&tree_value, String::new(), 5, &mut all);
            all.push("/components/missing".to_string());
            for pointer in all {
                assert_eq!(
                    lazy.node(&pointer).map(|n| n.clone()),
                    tree.node(&pointer).map(|n| n.clone()),
                    "{pointer} in {doc}"
                );
                assert_eq!(
                    lazy.keys(&pointer),
                    tree.keys(&pointer),
                    "{pointer} in {doc}"
                );
            }
        }
    }

    #[test]
    fn syntax_errors_anywhere_are_found_up_front() {
        let broken = DOC.replace(r#""k": 2"#, r#""k": 2,"#);
        let error = Document::lazy_json(broken, None)
            .err()
            .expect("trailing comma refused");
        assert_eq!(error.line(), 3);
    }

    /// A file for one test, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn with(name: &str, bytes: &[u8]) -> Self {
            let path = std::env::temp_dir().join(format!("mcpgen-{}-{name}", std::process::id()));
            std::fs::write(&path, bytes).unwrap();
            TempFile(path)
        }

        fn opened(&self) -> OpenedFile {
            let file = File::open(&self.0).unwrap();
            let metadata = file.metadata().unwrap();
            OpenedFile {
                file,
                len: metadata.len(),
                modified: metadata.modified().ok(),
            }
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn a_large_text_is_read_again_from_its_file_exactly() {
        // Past the size kept in memory, with a byte-order mark before the text and multi-byte
        // characters on both sides of unit boundaries.
        let padding = "é".repeat(KEEP_TEXT_BYTES / 2 + 1);
        let doc = format!(
            "\n {{\"x-padding\": \"{padding}\", \"paths\": {{\"/é/{{id}}\": {{\"get\": {{\"operationId\": \"ü\"}}}}}},\n \"components\": {{\"schemas\": {{\"A\": {{\"enum\": [\"{padding}\"]}}, \"B\": {{\"$ref\": \"#/components/schemas/A\"}}}}}}, \"list\": [1, {{\"k\": \"ß\"}}]}}"
        );
        assert!(doc.len() > KEEP_TEXT_BYTES);
        let file = TempFile::with("large.json", format!("\u{feff}{doc}").as_bytes());
        let lazy = Document::lazy_json(doc.clone(), Some((file.opened(), 3))).unwrap();
        assert!(lazy.text_file().is_some(), "the text is left in the file");
        assert!(!lazy.text_changed());
        let tree_value: Value = serde_json::from_str(&doc).unwrap();
        let tree = Document::tree(doc.clone(), tree_value.clone());
        let mut all = Vec::new();
        pointers(&tree_value, String::new(), 5, &mut all);
        for pointer in all {
            assert_eq!(
                lazy.node(&pointer).map(|n| n.clone()),
                tree.node(&pointer).map(|n| n.clone()),
                "{pointer}"
            );
            assert_eq!(lazy.keys(&pointer), tree.keys(&pointer), "{pointer}");
        }
        assert_eq!(lazy.into_text(), doc);

        // A small text stays in memory even when its file is known.
        let small = TempFile::with("small.json", DOC.as_bytes());
        let lazy = Document::lazy_json(DOC.to_string(), Some((small.opened(), 0))).unwrap();
        assert!(lazy.text_file().is_none());
    }

    #[test]
    fn a_file_cut_short_reads_as_missing_not_as_other_text() {
        let padding = "x".repeat(KEEP_TEXT_BYTES + 1);
        let doc = format!(
            r#"{{"paths": {{"/a": {{"get": {{}}}}}}, "x-padding": "{padding}", "components": {{"schemas": {{"A": {{}}}}}}}}"#
        );
        let file = TempFile::with("cut.json", doc.as_bytes());
        let lazy = Document::lazy_json(doc.clone(), Some((file.opened(), 0))).unwrap();
        std::fs::write(&file.0, &doc[..100]).unwrap();
        assert!(lazy.node("/paths/~1a").is_some(), "within what is left");
        assert!(lazy.node("/components/schemas/A").is_none());
        assert!(lazy.text_changed(), "a failed read is remembered");
    }
}
