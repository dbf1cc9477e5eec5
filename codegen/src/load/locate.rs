//! Source positions of JSON pointers, worked out only when a diagnostic needs them.
//!
//! The loader stores only the file and the JSON pointer (RFC 6901) of every object it reads:
//! carrying a line and column through the whole model would cost memory and bookkeeping on the
//! path every document takes, while positions are needed only for the few objects an error or
//! warning is about. When a diagnostic is rendered, [`locate`] reads the source text again with
//! the YAML event parser that `serde-saphyr` re-exports (`granit_parser`) and follows the pointer
//! through the events, stopping as soon as the target is reached. JSON is YAML 1.2 flow syntax,
//! so the same parser serves `.json` files.
//!
//! The walk is a single forward pass without recursion and keeps no more than the decoded
//! pointer, so it is linear in the text it reads. It never panics: syntax errors, aliases,
//! complex keys, several documents and byte offsets out of range all end the walk early with
//! the deepest node found so far.

use std::borrow::Cow;

use serde_saphyr::granit_parser::{Event, Marker, Options, Parser, ScanError, Span};

/// A place in a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Byte offset of the start of the node (for a mapping entry: the start of its KEY, so a
    /// snippet points at `operationId:` rather than at the value).
    pub offset: usize,
    /// Byte length of the highlighted span (the key for mapping entries, the whole scalar for
    /// sequence items / scalars; for a collection node reached by index use the length of its
    /// first line at most). Never 0 unless the text is empty.
    pub len: usize,
}

/// Where `pointer` (e.g. "/paths/~1pets~1{id}/get/parameters/0/name", "" for the root) is
/// written in `text`. Returns the deepest node that exists along the pointer when the full
/// pointer does not resolve (so an error about a missing key still points at its parent), or
/// None if the text cannot be parsed at all up to that point.
///
/// `text` may be YAML or JSON; only its first document is searched. Mapping keys are compared
/// as strings after YAML unescaping (so `200:` matches the segment `200`); keys that are
/// collections or aliases never match. A numeric segment (`0`, `17`, no leading zeros) indexes
/// a sequence. A text holding no document at all (empty, or only comments) gives its start.
#[must_use]
pub fn locate(text: &str, pointer: &str) -> Option<Position> {
    let (offset, len) = walk(text, pointer)?;
    Some(position(text, offset, len))
}

/// Line and column (both 1-based, column in characters) of a byte offset; offsets past the end
/// clamp to the end. Used when a parser reports only an offset.
///
/// Lines are separated by `\n` (so `\r\n` works too). An offset inside a multi-byte character
/// counts as the start of that character.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let before = &text[..offset];
    // `matches` and `chars().count()` run std's optimised searches, which keeps this fast on
    // big files even in unoptimised builds.
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The most characters highlighted for a collection, whose first line may be the whole rest of
/// a minified JSON file.
const MAX_COLLECTION_CHARS: usize = 80;

/// A byte range in the text: offset and length. Turned into a [`Position`] only once, at the
/// end, so that following a long pointer costs no more than one pass over the text.
type Range = (usize, usize);

/// The walk behind [`locate`]: the byte range of the deepest node found along `pointer`.
fn walk(text: &str, pointer: &str) -> Option<Range> {
    let segments = decode_pointer(pointer);
    let mut events = Parser::new_from_str_with_options(text, parser_options());

    let (mut kind, mut best) = match next_node(&mut events)? {
        // No document: point at the start of the text.
        Node::End | Node::Eof => return Some(first_line(text, 0)),
        Node::Scalar(_, span) | Node::Leaf(span) => return Some(span_range(text, span)),
        Node::Start(kind, span) => (kind, collection_range(text, span)),
    };

    for segment in &segments {
        match kind {
            Kind::Sequence => {
                let wanted = parse_index(segment);
                let mut index = 0usize;
                loop {
                    let Some(node) = next_node(&mut events) else {
                        return Some(best);
                    };
                    let found = wanted == Some(index);
                    match node {
                        Node::End | Node::Eof => return Some(best),
                        Node::Scalar(_, span) | Node::Leaf(span) if found => {
                            return Some(span_range(text, span));
                        }
                        Node::Start(inner, span) if found => {
                            kind = inner;
                            best = collection_range(text, span);
                            break;
                        }
                        Node::Start(..) => {
                            if !skip_collection(&mut events) {
                                return Some(best);
                            }
                        }
                        Node::Scalar(..) | Node::Leaf(_) => {}
                    }
                    index = index.saturating_add(1);
                }
            }
            Kind::Mapping => loop {
                let (matched, key_span) = match next_node(&mut events) {
                    None | Some(Node::End | Node::Eof) => return Some(best),
                    Some(Node::Scalar(key, span)) => (key.as_ref() == segment.as_str(), span),
                    Some(Node::Leaf(span)) => (false, span),
                    Some(Node::Start(_, span)) => {
                        // A complex key (`? [a, b]`): never matches a pointer segment.
                        if !skip_collection(&mut events) {
                            return Some(best);
                        }
                        (false, span)
                    }
                };
                match next_node(&mut events) {
                    None | Some(Node::End | Node::Eof) => return Some(best),
                    Some(Node::Scalar(..) | Node::Leaf(_)) if matched => {
                        return Some(span_range(text, key_span));
                    }
                    Some(Node::Start(inner, _)) if matched => {
                        kind = inner;
                        best = span_range(text, key_span);
                        break;
                    }
                    Some(Node::Start(..)) => {
                        if !skip_collection(&mut events) {
                            return Some(best);
                        }
                    }
                    Some(Node::Scalar(..) | Node::Leaf(_)) => {}
                }
            },
        }
    }
    Some(best)
}

/// The kind of a collection node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Mapping,
    Sequence,
}

/// One step of the event stream, as far as the walk is concerned.
enum Node<'input> {
    /// The start of a mapping or sequence.
    Start(Kind, Span),
    /// A scalar, with its value after unescaping.
    Scalar(Cow<'input, str>, Span),
    /// An alias (resolved or not): a node without a value or children of its own here.
    Leaf(Span),
    /// The end of the enclosing mapping or sequence.
    End,
    /// The end of the document or of the stream.
    Eof,
}

/// Parser options: aliases to unknown anchors do not stop the walk, and comments are not
/// reported (even when another crate enables granit-parser's `comments` feature).
fn parser_options() -> Options {
    let mut options = Options::default();
    options.emit_unresolved_aliases = true;
    options.emit_anchor_events = false;
    options.set_emit_comments(false);
    options
}

/// The next node-related event, or None on a syntax error.
fn next_node<'input>(
    events: &mut impl Iterator<Item = Result<(Event<'input>, Span), ScanError>>,
) -> Option<Node<'input>> {
    loop {
        let (event, span) = match events.next() {
            None => return Some(Node::Eof),
            Some(Err(_)) => return None,
            Some(Ok(pair)) => pair,
        };
        return Some(match event {
            Event::MappingStart(..) => Node::Start(Kind::Mapping, span),
            Event::SequenceStart(..) => Node::Start(Kind::Sequence, span),
            Event::MappingEnd | Event::SequenceEnd => Node::End,
            Event::Scalar(value, ..) => Node::Scalar(value, span),
            Event::Alias(_) | Event::UnresolvedAlias(_) => Node::Leaf(span),
            Event::DocumentEnd | Event::StreamEnd => Node::Eof,
            // Stream and document starts, comments, anchor metadata: not nodes.
            _ => continue,
        });
    }
}

/// Consumes events up to the end of a collection whose start was just read. Returns false if
/// the text ends or fails to parse first.
fn skip_collection<'input>(
    events: &mut impl Iterator<Item = Result<(Event<'input>, Span), ScanError>>,
) -> bool {
    let mut depth = 1usize;
    loop {
        match next_node(events) {
            None | Some(Node::Eof) => return false,
            Some(Node::Start(..)) => depth += 1,
            Some(Node::End) => {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            }
            Some(Node::Scalar(..) | Node::Leaf(_)) => {}
        }
    }
}

/// The range of a collection reached as the root or by index: its first line at most.
fn collection_range(text: &str, span: Span) -> Range {
    first_line(text, marker_offset(text, span.start))
}

/// The range of a scalar, alias or key: its whole span.
fn span_range(text: &str, span: Span) -> Range {
    let start = marker_offset(text, span.start);
    let end = marker_offset(text, span.end).max(start);
    (start, end - start)
}

/// The range of a node whose end is not known: the rest of its first line, without trailing
/// blanks and at most [`MAX_COLLECTION_CHARS`] characters (so it never reads further than that).
fn first_line(text: &str, offset: usize) -> Range {
    let rest = text.get(offset..).unwrap_or_default();
    let mut end = rest.len();
    for (count, (index, c)) in rest.char_indices().enumerate() {
        if c == '\n' || count == MAX_COLLECTION_CHARS {
            end = index;
            break;
        }
    }
    let line = rest[..end].trim_end_matches([' ', '\t', '\r']);
    (offset, line.len())
}

/// The position of a byte range, widened to one character if empty and the text is not.
fn position(text: &str, offset: usize, len: usize) -> Position {
    let mut offset = text.floor_char_boundary(offset.min(text.len()));
    let mut end = text.ceil_char_boundary(offset.saturating_add(len).min(text.len()));
    if end == offset {
        if let Some(next) = text[offset..].chars().next() {
            end = offset + next.len_utf8();
        } else if let Some(previous) = text[..offset].chars().next_back() {
            offset -= previous.len_utf8();
        }
    }
    let (line, column) = line_col(text, offset);
    Position {
        line,
        column,
        offset,
        len: end - offset,
    }
}

/// The byte offset of a marker, clamped into `text` and onto a character boundary.
fn marker_offset(text: &str, marker: Marker) -> usize {
    let offset = match marker.byte_offset() {
        Some(offset) => offset,
        // Parsers over a `&str` always give byte offsets; should one be missing, count the
        // characters instead (`index` is in characters, not bytes).
        None => text
            .char_indices()
            .nth(marker.index())
            .map_or(text.len(), |(offset, _)| offset),
    };
    text.floor_char_boundary(offset.min(text.len()))
}

/// The unescaped segments of a JSON pointer; "" is the root. A pointer that does not start
/// with '/' is read as if it did.
fn decode_pointer(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    let body = pointer.strip_prefix('/').unwrap_or(pointer);
    body.split('/').map(unescape_segment).collect()
}

/// Undoes RFC 6901 escaping: "~1" is '/', "~0" is '~' (so "~01" is "~1"). A '~' followed by
/// anything else is kept as it is.
fn unescape_segment(segment: &str) -> String {
    if !segment.contains('~') {
        return segment.to_owned();
    }
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('0') => {
                    chars.next();
                    out.push('~');
                }
                Some('1') => {
                    chars.next();
                    out.push('/');
                }
                _ => out.push('~'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The sequence index a segment names: decimal digits without leading zeros.
fn parse_index(segment: &str) -> Option<usize> {
    let digits = !segment.is_empty() && segment.bytes().all(|byte| byte.is_ascii_digit());
    if !digits || (segment.len() > 1 && segment.starts_with('0')) {
        return None;
    }
    segment.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text a position highlights.
    fn snippet<'t>(text: &'t str, pointer: &str) -> &'t str {
        let position = locate(text, pointer).expect("text parses");
        &text[position.offset..position.offset + position.len]
    }

    /// Line and column of a pointer.
    fn place(text: &str, pointer: &str) -> (usize, usize) {
        let position = locate(text, pointer).expect("text parses");
        (position.line, position.column)
    }

    const YAML: &str = "\
# Überschrift: ünïcödé before the target
openapi: 3.0.3
info: {title: \"Pets — 🐾\", version: '1'}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - name: id
          in: path
        - {name: q, in: query}
        - - nested
      responses:
        200:
          description: ok
        '404': {description: missing}
        ? [complex, key]
        : ignored
  \"/quoted\": {a: [1, 2]}
tags:
- pets
- name: other
";

    #[test]
    fn block_mapping_entries_point_at_their_key() {
        assert_eq!(snippet(YAML, "/openapi"), "openapi");
        assert_eq!(place(YAML, "/openapi"), (2, 1));
        let position = locate(YAML, "/paths/~1pets~1{id}/get/operationId").unwrap();
        assert_eq!(&YAML[position.offset..][..position.len], "operationId");
        assert_eq!((position.line, position.column), (7, 7));
    }

    #[test]
    fn keys_with_slashes_and_tildes_are_unescaped() {
        assert_eq!(snippet(YAML, "/paths/~1pets~1{id}"), "/pets/{id}");
        assert_eq!(snippet("a~b: 1\n~1: 2\n", "/a~0b"), "a~b");
        assert_eq!(snippet("a~b: 1\n~1: 2\n", "/~01"), "~1");
    }

    #[test]
    fn flow_style_and_quoted_keys() {
        assert_eq!(snippet(YAML, "/info/title"), "title");
        assert_eq!(place(YAML, "/info/title"), (3, 8));
        assert_eq!(snippet(YAML, "/info/version"), "version");
        assert_eq!(snippet(YAML, "/paths/~1quoted"), "\"/quoted\"");
        assert_eq!(snippet(YAML, "/paths/~1quoted/a/1"), "2");
        assert_eq!(
            snippet(YAML, "/paths/~1pets~1{id}/get/responses/404"),
            "'404'"
        );
        assert_eq!(
            snippet(YAML, "/paths/~1pets~1{id}/get/responses/404/description"),
            "description"
        );
    }

    #[test]
    fn integer_keys_match_as_strings() {
        assert_eq!(
            snippet(YAML, "/paths/~1pets~1{id}/get/responses/200"),
            "200"
        );
        assert_eq!(
            place(YAML, "/paths/~1pets~1{id}/get/responses/200"),
            (14, 9)
        );
        assert_eq!(
            snippet(YAML, "/paths/~1pets~1{id}/get/responses/200/description"),
            "description"
        );
    }

    #[test]
    fn sequence_items() {
        let parameters = "/paths/~1pets~1{id}/get/parameters";
        // A block mapping reached by index: its first line.
        assert_eq!(snippet(YAML, &format!("{parameters}/0")), "name: id");
        assert_eq!(place(YAML, &format!("{parameters}/0")), (9, 11));
        assert_eq!(snippet(YAML, &format!("{parameters}/0/in")), "in");
        // A flow mapping reached by index: the rest of its line.
        assert_eq!(
            snippet(YAML, &format!("{parameters}/1")),
            "{name: q, in: query}"
        );
        assert_eq!(snippet(YAML, &format!("{parameters}/1/in")), "in");
        assert_eq!(snippet(YAML, &format!("{parameters}/2/0")), "nested");
        // Scalar items: the whole scalar.
        assert_eq!(snippet(YAML, "/tags/0"), "pets");
        assert_eq!(place(YAML, "/tags/0"), (21, 3));
        assert_eq!(snippet(YAML, "/tags/1/name"), "name");
    }

    #[test]
    fn non_ascii_text_before_the_target() {
        let text = "dé: 'é🐾'\n🐾: {ü: [x, ÿ]}\n";
        let position = locate(text, "/🐾/ü/1").unwrap();
        assert_eq!(&text[position.offset..][..position.len], "ÿ");
        assert_eq!((position.line, position.column), (2, 12));
        assert_eq!(text[..position.offset].chars().count(), 20);
        assert_eq!(snippet(text, "/dé"), "dé");
    }

    #[test]
    fn missing_parts_point_at_the_deepest_existing_node() {
        // A missing key: its parent entry.
        assert_eq!(snippet(YAML, "/paths/~1pets~1{id}/get/summary"), "get");
        assert_eq!(
            snippet(YAML, "/paths/~1pets~1{id}/post/summary"),
            "/pets/{id}"
        );
        // An index out of range, or a key into a sequence: the sequence's entry.
        assert_eq!(snippet(YAML, "/tags/7"), "tags");
        assert_eq!(snippet(YAML, "/tags/name"), "tags");
        assert_eq!(snippet(YAML, "/tags/01"), "tags");
        // Past a scalar: the scalar's entry.
        assert_eq!(snippet(YAML, "/openapi/major"), "openapi");
        // Complex keys never match.
        assert_eq!(
            snippet(YAML, "/paths/~1pets~1{id}/get/responses/complex"),
            "responses"
        );
        // Nothing at all: the root.
        assert_eq!(snippet(YAML, "/nope"), "openapi: 3.0.3");
    }

    #[test]
    fn root_pointer() {
        assert_eq!(
            locate(YAML, ""),
            Some(Position {
                line: 2,
                column: 1,
                offset: YAML.find("openapi").unwrap(),
                len: "openapi: 3.0.3".len(),
            })
        );
        assert_eq!(snippet("[1, 2]\n", ""), "[1, 2]");
        assert_eq!(snippet("  just a scalar  \n", ""), "just a scalar");
        assert_eq!(snippet("{}", "/a"), "{}");
        let long = format!("[{}]", "1, ".repeat(100));
        assert_eq!(locate(&long, "").unwrap().len, MAX_COLLECTION_CHARS);
    }

    #[test]
    fn json_documents() {
        let json = r#"{
  "openapi": "3.1.0",
  "paths": {
    "/pets/{id}": {
      "get": {
        "operationId": "getPet",
        "parameters": [
          {"name": "id", "in": "path"},
          {
            "name": "q\u00e9",
            "in": "query"
          }
        ],
        "responses": {"200": {"description": "ok"}}
      }
    }
  }
}"#;
        assert_eq!(snippet(json, ""), "{");
        assert_eq!(snippet(json, "/paths/~1pets~1{id}/get"), "\"get\"");
        assert_eq!(place(json, "/paths/~1pets~1{id}/get"), (5, 7));
        assert_eq!(
            snippet(json, "/paths/~1pets~1{id}/get/operationId"),
            "\"operationId\""
        );
        assert_eq!(
            snippet(json, "/paths/~1pets~1{id}/get/parameters/0"),
            r#"{"name": "id", "in": "path"},"#
        );
        assert_eq!(snippet(json, "/paths/~1pets~1{id}/get/parameters/1"), "{");
        assert_eq!(
            snippet(json, "/paths/~1pets~1{id}/get/parameters/1/in"),
            "\"in\""
        );
        assert_eq!(
            place(json, "/paths/~1pets~1{id}/get/parameters/1/in"),
            (11, 13)
        );
        assert_eq!(
            snippet(json, "/paths/~1pets~1{id}/get/responses/200"),
            "\"200\""
        );
        assert_eq!(
            snippet(json, "/paths/~1pets~1{id}/get/deprecated"),
            "\"get\""
        );
        // Minified.
        let minified = r#"{"a":{"b":[10,{"c":"d"}]}}"#;
        assert_eq!(snippet(minified, "/a/b/0"), "10");
        assert_eq!(snippet(minified, "/a/b/1/c"), "\"c\"");
        assert_eq!(snippet(minified, "/a/b/1"), r#"{"c":"d"}]}}"#);
    }

    #[test]
    fn only_the_first_document_counts() {
        let text = "a: 1\n---\nb: 2\n";
        assert_eq!(snippet(text, "/a"), "a");
        assert_eq!(snippet(text, "/b"), "a: 1");
    }

    #[test]
    fn aliases_and_empty_values() {
        let text =
            "base: &b {x: 1}\nuse: *b\nalias_key: {*b : 1}\nempty:\nlist:\n- \n- &s v\n- *s\n";
        assert_eq!(snippet(text, "/use"), "use");
        // An alias is not followed.
        assert_eq!(snippet(text, "/use/x"), "use");
        assert_eq!(snippet(text, "/list/2"), "*s");
        assert_eq!(snippet(text, "/list/1"), "v");
        assert_eq!(snippet(text, "/empty"), "empty");
        // An empty item still highlights one character.
        assert_eq!(locate(text, "/list/0").unwrap().len, 1);
        // Unknown anchors do not stop the walk.
        assert_eq!(snippet("a: *nowhere\nb: 2\n", "/b"), "b");
    }

    #[test]
    fn errors_stop_with_the_deepest_match() {
        let text = "a:\n  b: [1, 2]\n  c: d: e\n  f: g\n";
        assert_eq!(snippet(text, "/a/b/1"), "2");
        assert_eq!(snippet(text, "/a/b/5"), "b");
        assert_eq!(snippet(text, "/a/c"), "c");
        // The error comes before `f`.
        assert_eq!(snippet(text, "/a/f"), "a");
        assert_eq!(snippet(text, "/z"), "a:");
        assert_eq!(locate("]", ""), None);
        assert_eq!(locate("\"unterminated", "/x"), None);
    }

    #[test]
    fn empty_and_comment_only_texts() {
        assert_eq!(
            locate("", ""),
            Some(Position {
                line: 1,
                column: 1,
                offset: 0,
                len: 0
            })
        );
        assert_eq!(
            locate("", "/a/0"),
            Some(Position {
                line: 1,
                column: 1,
                offset: 0,
                len: 0
            })
        );
        assert_eq!(snippet("# only a comment\n", "/a"), "# only a comment");
        assert_eq!(snippet("\n\n", ""), "\n");
        let position = locate("---\n", "/a").unwrap();
        assert!(position.len > 0);
    }

    #[test]
    fn hostile_input_never_panics() {
        let mut inputs: Vec<String> = vec![
            "\0\u{1}\u{7f}\u{feff}\u{feff}: [".into(),
            "{{{{{{{{".into(),
            "- - - - - -".into(),
            "? ? ? ? :".into(),
            "&a &b *c".into(),
            "%YAML 1.2\n%YAML 1.2\n---".into(),
            "key: |\n  \u{0}".into(),
            "a: 'é".into(),
            "\u{feff}a: 1".into(),
            "\r\r\r: \r".into(),
            "[".repeat(10_000),
            "{a: ".repeat(10_000),
            "- ".repeat(10_000),
            format!("{}x", " ".repeat(10_000)),
            format!("k{}: v", "é".repeat(5_000)),
        ];
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        let pointers = [
            "",
            "/",
            "/a",
            "/0/0/0",
            "a/b",
            "/~",
            "/~2",
            "/a/99999999999999999999999",
        ];
        for input in &inputs {
            for pointer in pointers {
                if let Some(position) = locate(input, pointer) {
                    assert!(position.offset + position.len <= input.len());
                    assert!(input.is_char_boundary(position.offset));
                    assert!(input.is_char_boundary(position.offset + position.len));
                    assert!(position.len > 0 || input.is_empty());
                }
            }
        }
        assert_eq!(snippet("\u{feff}a: 1", "/a"), "a");
    }

    #[test]
    fn pointer_decoding() {
        assert_eq!(decode_pointer(""), Vec::<String>::new());
        assert_eq!(decode_pointer("/"), vec![String::new()]);
        assert_eq!(
            decode_pointer("/a~1b/~0/~01/x~"),
            vec!["a/b", "~", "~1", "x~"]
        );
        assert_eq!(decode_pointer("a/b"), vec!["a", "b"]);
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("12"), Some(12));
        assert_eq!(parse_index("012"), None);
        assert_eq!(parse_index("-"), None);
        assert_eq!(parse_index(""), None);
        assert_eq!(parse_index("99999999999999999999999999"), None);
    }

    #[test]
    fn line_col_edge_cases() {
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("", 10), (1, 1));
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("abc", 2), (1, 3));
        assert_eq!(line_col("abc", 3), (1, 4));
        assert_eq!(line_col("abc", 99), (1, 4));
        assert_eq!(line_col("a\nb", 1), (1, 2));
        assert_eq!(line_col("a\nb", 2), (2, 1));
        assert_eq!(line_col("a\r\nb", 3), (2, 1));
        assert_eq!(line_col("a\n", 2), (2, 1));
        assert_eq!(line_col("a\n", usize::MAX), (2, 1));
        // Columns count characters, not bytes.
        assert_eq!(line_col("é🐾x", 6), (1, 3));
        assert_eq!(line_col("\nü🐾x", 7), (2, 3));
        // Inside a character: that character.
        assert_eq!(line_col("é🐾x", 3), (1, 2));
        assert_eq!(line_col("é🐾x", 5), (1, 2));
    }

    /// The 13 MB GitHub description from the corpus, when it is there.
    #[test]
    fn large_json_document() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../specs/corpus/github/api.github.com.json"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let position = locate(&text, "/paths/~1repos~1{owner}~1{repo}/get").unwrap();
        assert_eq!(&text[position.offset..][..position.len], "\"get\"");
        let line = text.lines().nth(position.line - 2).unwrap();
        assert_eq!(line.trim(), "\"/repos/{owner}/{repo}\": {");
    }
}
