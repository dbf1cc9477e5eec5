//! Broken input documents: each must be refused with a specific diagnostic (or, for the
//! `warn-*` fixtures, loaded with a specific warning) -- never a panic, never a hang.
//!
//! The committed fixtures live in `specs/broken/` (each starts with a comment saying what is
//! broken; where a fixture can carry a comment, `# <-` marks the line the diagnostic must point
//! at). Inputs that are large, binary or not UTF-8 are generated at test time in a temporary
//! folder instead of being committed.
//!
//! Every load runs on its own thread with a time limit, so one panicking or hanging case is
//! reported as a failure next to the others instead of stopping the run. Deeply nested input,
//! which could overflow the stack (an abort no thread can contain), is loaded in a child
//! process.
//!
//! In the tables below, `contains` is case-sensitive and may list alternatives separated by
//! `|` (the message must contain one of them); `code` may also list alternatives, and `*`
//! means any error code.
//!
//! Set `MCPGEN_BROKEN_VERBOSE=1` (and pass `--nocapture`) to print the diagnostics of passing
//! cases as well.

use mcpgen_codegen::{LoadOptions, Outcome, Severity, load};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one load may take before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// One broken input and what the loader must say about it.
#[derive(Clone, Copy, Debug)]
struct Case {
    /// The file, relative to `specs/broken` (or to the temporary folder for generated inputs).
    fixture: &'static str,
    /// The diagnostic code (alternatives separated by `|`; `*` for any).
    code: &'static str,
    /// A substring the message must contain (alternatives separated by `|`; empty for any).
    contains: &'static str,
    /// The 1-based line the diagnostic must point at, when it has one place.
    line: Option<usize>,
    /// The 1-based column, for the few cases where it is checked.
    column: Option<usize>,
    /// The file names the diagnostic may be reported in; empty means the fixture itself.
    reported_in: &'static [&'static str],
    /// Codes that must not appear: follow-on errors that would mislead.
    without: &'static [&'static str],
}

const fn case(
    fixture: &'static str,
    code: &'static str,
    contains: &'static str,
    line: Option<usize>,
) -> Case {
    Case {
        fixture,
        code,
        contains,
        line,
        column: None,
        reported_in: &[],
        without: &[],
    }
}

impl Case {
    /// The diagnostic belongs to another file (a cross-file `$ref` case).
    const fn reported_in(mut self, files: &'static [&'static str]) -> Self {
        self.reported_in = files;
        self
    }

    /// No diagnostic with these codes may appear.
    const fn without(mut self, codes: &'static [&'static str]) -> Self {
        self.without = codes;
        self
    }

    /// The diagnostic must also have this column.
    const fn column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }
}

/// Committed fixtures that must be refused.
#[rustfmt::skip]
const REFUSED: &[Case] = &[
    // Text that is not YAML or JSON at all.
    case("syntax-truncated.yaml", "syntax", "unclosed|end of|EOF|eof", Some(8)),
    case("syntax-truncated.json", "syntax", "end of|EOF|eof", Some(10)),
    case("syntax-tab-indent.yaml", "syntax", "tab", Some(4)),
    case("syntax-duplicate-key.yaml", "syntax", "/pets", Some(10)),
    case("syntax-unclosed-flow.yaml", "syntax", "}|flow", Some(10)),
    case("syntax-unclosed-bracket.json", "syntax", "]", Some(11)),
    case("empty-comments.yaml", "empty", "empty", None),
    case("yaml-alias-bomb.yaml", "*", "", None),
    // Parsed, but not an API description.
    case("not-a-document-list.yaml", "not-a-document", "list|sequence|array", None),
    case("not-a-document-scalar.yaml", "not-a-document", "string|scalar|mapping|object", None),
    case("not-a-document-no-version.yaml", "not-a-document", "openapi", None),
    case("version-openapi-4.yaml", "version", "4.0.0", Some(2)),
    case("version-swagger-1.2.yaml", "version", "1.2", Some(2)),
    case("version-number.yaml", "version", "string|number", Some(2)),
    // Fields of the wrong type or missing.
    case("type-paths-list.yaml", "type", "paths", Some(4)),
    case("type-parameters-mapping.yaml", "type", "parameters", Some(8)),
    case("type-operation-string.yaml", "type", "get|GET", Some(6)),
    case("type-operation-id-number.yaml", "type", "operationId", Some(7)),
    case("missing-parameter-name.yaml", "missing-field", "name", Some(9)),
    case("missing-parameter-in.yaml", "missing-field", "`in`|limit", Some(9)),
    // Parameters.
    case("parameter-bad-in.yaml", "invalid-parameter", "sideways", Some(10)),
    case("parameter-body-in-oas3.yaml", "invalid-parameter", "body", Some(9)),
    case("parameter-querystring-in-oas30.yaml", "invalid-parameter", "querystring", Some(9)),
    case("parameter-unknown-style.yaml", "invalid-parameter", "zigzag", Some(10)),
    case("swagger2-parameter-bad-in.json", "invalid-parameter", "cookie", Some(10)),
    case("path-parameter-no-slot.yaml", "path-parameter", "petId", Some(9)),
    // $refs.
    case("ref-missing-local.yaml", "ref-missing", "/components/parameters/Nope", Some(9)),
    case("ref-missing-file.yaml", "ref-missing", "does-not-exist.yaml", Some(9)),
    case("refs/ref-missing-pointer.yaml", "ref-missing", "/components/schemas/Nope", Some(13)),
    case("refs/ref-missing-second-hop.yaml", "ref-missing", "/components/schemas/Gone", Some(12))
        .reported_in(&["shared.yaml"]),
    case("swagger2-body-ref-missing.yaml", "ref-missing", "/definitions/NewPett", Some(14)),
    case("oas31-deep-ref-missing.yaml", "ref-missing", "/components/schemas/Labell", Some(27)),
    case("ref-remote.yaml", "ref-remote", "https://schemas.example.invalid/pet.yaml", Some(13)),
    case("ref-remote-http.json", "ref-remote", "http://schemas.example.invalid/pet.json", Some(14)),
    case("ref-escape-passwd.yaml", "ref-escape", "etc/passwd", Some(9)),
    case("ref-escape-sibling.yaml", "ref-escape", "corpus", Some(13)),
    case("ref-escape-absolute.yaml", "ref-escape", "/etc/passwd", Some(9)),
    // A file: URL is local, so `ref-escape` fits best; `ref-remote` is accepted too.
    case("ref-escape-file-url.yaml", "ref-escape|ref-remote", "/etc/passwd", Some(9)),
    case("ref-cycle-self.yaml", "ref-cycle", "/components/parameters/Self", Some(14)),
    case("ref-cycle-chain.yaml", "ref-cycle", "/components/parameters/A", None),
    case("cycle/cycle-a.yaml", "ref-cycle", "cycle-a.yaml|cycle-b.yaml", None)
        .reported_in(&["cycle-a.yaml", "cycle-b.yaml"]),
    case("ref-not-string.yaml", "ref-invalid", "$ref", Some(9)),
    case("ref-bad-fragment.yaml", "ref-invalid", "components/parameters/Limit", Some(9)),
    // Security. The schemes in the last two are declared (badly): calling them undeclared
    // would mislead.
    case("security-undeclared.yaml", "security-scheme", "oauth_missing", Some(9)),
    case("security-missing-type.yaml", "missing-field", "type", Some(14))
        .without(&["security-scheme"]),
    case("security-unknown-type.yaml", "unsupported-scheme", "kerberos", Some(14))
        .without(&["security-scheme"]),
];

/// Committed fixtures that load, with a warning.
#[rustfmt::skip]
const WARNED: &[Case] = &[
    // OpenAPI requires unique operationIds, but Kubernetes and SendGrid repeat them: a
    // warning, and the second tool gets a numbered name.
    case("duplicate-operation-id.yaml", "duplicate-operation-id", "listPets", Some(12)),
    case("warn-webhooks.yaml", "webhooks", "newPet|webhook", None),
    case("warn-callbacks.yaml", "callbacks", "onAdopted|callback", None),
    case("warn-path-slot.yaml", "path-slot", "petId", None),
    case("warn-name-cut.yaml", "name-cut", "listEveryPetInTheStore", Some(8)),
    case("warn-media-type.yaml", "media-type", "application/x-protobuf", None),
];

/// Committed fixtures that must load without errors: the shapes the broken ones start from.
const CONTROLS: &[&str] = &["ok-control.yaml", "ok-control-swagger2.yaml"];

/// Files that are only reached through `$ref`s from the fixtures above.
const SUPPORT: &[&str] = &["refs/shared.yaml", "refs/pet.yaml", "cycle/cycle-b.yaml"];

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/broken")
}

fn fixture_options() -> LoadOptions {
    LoadOptions::default().with_ref_root(broken_dir())
}

#[test]
fn broken_documents_are_refused() {
    let dir = broken_dir();
    let mut failures = Vec::new();
    for &case in REFUSED {
        let path = dir.join(case.fixture);
        let (problems, _) = guarded(case.fixture, move || {
            check_refused(&case, &load(&path, &fixture_options()))
        });
        report(&mut failures, case.fixture, problems);
    }
    for &case in WARNED {
        let path = dir.join(case.fixture);
        let (problems, _) = guarded(case.fixture, move || {
            // Warnings get their line and column when shown, as `mcpgen check` shows them.
            let mut outcome = load(&path, &fixture_options());
            outcome.place_all();
            check_warned(&case, &outcome)
        });
        report(&mut failures, case.fixture, problems);
    }
    failures.extend(table_problems());
    finish(failures, REFUSED.len() + WARNED.len());
}

#[test]
fn broken_controls_load() {
    let mut failures = Vec::new();
    for &fixture in CONTROLS {
        let path = broken_dir().join(fixture);
        let (problems, _) = guarded(fixture, move || {
            let outcome = load(&path, &fixture_options());
            let mut problems = Vec::new();
            if outcome.has_errors() || outcome.api.is_none() {
                problems.push(format!(
                    "expected to load without errors; api is {}",
                    if outcome.api.is_some() {
                        "Some"
                    } else {
                        "None"
                    }
                ));
            } else if outcome.api.as_ref().is_some_and(|api| api.tools.is_empty()) {
                problems.push("loaded, but without tools".to_string());
            }
            with_dump(problems, &outcome)
        });
        report(&mut failures, fixture, problems);
    }
    finish(failures, CONTROLS.len());
}

/// The fixture folder and the tables agree: every file is used, and every `# <-` marker is on
/// the line its case expects.
fn table_problems() -> Vec<String> {
    let dir = broken_dir();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    list_files(&dir, &dir, &mut files);
    let known: Vec<&str> = REFUSED
        .iter()
        .chain(WARNED)
        .map(|c| c.fixture)
        .chain(CONTROLS.iter().copied())
        .chain(SUPPORT.iter().copied())
        .collect();
    for file in &files {
        if !known.contains(&file.as_str()) {
            problems.push(format!(
                "{file}: in specs/broken but in no table of tests/broken.rs"
            ));
        }
    }
    for name in &known {
        if !files.iter().any(|f| f == name) {
            problems.push(format!(
                "{name}: in a table of tests/broken.rs but not in specs/broken"
            ));
        }
    }
    for case in REFUSED.iter().chain(WARNED) {
        let Some(line) = case.line else { continue };
        let marked_file = match case.reported_in.first() {
            Some(other) => Path::new(case.fixture).with_file_name(other),
            None => PathBuf::from(case.fixture),
        };
        let Ok(text) = std::fs::read(dir.join(&marked_file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        let marked: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("# <-"))
            .map(|(i, _)| i + 1)
            .collect();
        if !marked.is_empty() && !marked.contains(&line) {
            problems.push(format!(
                "{}: the table expects line {line}, but `# <-` marks line(s) {marked:?} of {}",
                case.fixture,
                marked_file.display()
            ));
        }
    }
    problems
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_files(root, &path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs generated at test time.

/// What to write for a generated input.
enum Content {
    /// `n` pseudo-random bytes (with NULs).
    Garbage(usize),
    /// `n` pseudo-random printable ASCII characters and newlines.
    Printable(usize),
    /// Exactly these bytes.
    Bytes(&'static [u8]),
    /// Nothing is written: the path does not exist.
    Absent,
    /// A folder instead of a file.
    Folder,
}

/// Generated inputs and what the loader must say about them, loaded with default options
/// unless `max_file_bytes` is given.
#[rustfmt::skip]
const GENERATED: &[(Case, Content, Option<u64>)] = &[
    (case("huge.yaml", "too-large", "MB|MiB|bytes", None), Content::Garbage(100 << 20), None),
    (case("small-limit.yaml", "too-large", "64", None), Content::Bytes(VALID_YAML), Some(64)),
    (case("garbage.yaml", "syntax|not-a-document", "", None), Content::Printable(3 << 20), None),
    (case("binary.yaml", "binary", "NUL|binary", None), Content::Garbage(64 << 10), None),
    (case("invalid-utf8.yaml", "utf8", "line 3", Some(3)).column(14), Content::Bytes(INVALID_UTF8), None),
    (case("empty.yaml", "empty", "empty", None), Content::Bytes(b""), None),
    (case("whitespace.yaml", "empty", "empty", None), Content::Bytes(b"  \n\n   \r\n \t \n\n"), None),
    (case("does-not-exist.yaml", "io", "does-not-exist.yaml", None), Content::Absent, None),
    (case("a-folder.yaml", "io", "a-folder.yaml", None), Content::Folder, None),
];

const VALID_YAML: &[u8] = b"openapi: 3.0.3\ninfo: {title: Fine, version: \"1.0\"}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses:\n        \"200\": {description: ok}\n";

/// Valid YAML but for one 0xFF byte on line 3, column 14.
const INVALID_UTF8: &[u8] = b"openapi: 3.0.3\ninfo:\n  title: \"Caf\xFF Pets\"\n  version: \"1.0\"\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses:\n        \"200\": {description: ok}\n";

#[test]
fn broken_generated_inputs_are_refused() {
    let temp = TempDir::new("generated");
    let mut failures = Vec::new();
    for (case, content, max_bytes) in GENERATED {
        let path = temp.0.join(case.fixture);
        if let Err(e) = write_content(&path, content) {
            failures.push(format!("{}: could not be generated: {e}", case.fixture));
            continue;
        }
        let (case, max_bytes, load_path) = (*case, *max_bytes, path.clone());
        let (problems, took) = guarded(case.fixture, move || {
            let mut options = LoadOptions::default();
            if let Some(max) = max_bytes {
                options = options.with_max_file_bytes(max);
            }
            check_refused(&case, &load(&load_path, &options))
        });
        eprintln!("{}: loaded in {:.2?}", case.fixture, took);
        let mut problems = problems;
        if took > TIME_LIMIT {
            problems.push(format!("took {took:.2?}, over the {TIME_LIMIT:?} limit"));
        }
        report(&mut failures, case.fixture, problems);
        // Do not keep 100 MB around longer than needed.
        if matches!(content, Content::Garbage(_)) {
            let _ = std::fs::remove_file(&path);
        }
    }
    finish(failures, GENERATED.len());
}

fn write_content(path: &Path, content: &Content) -> std::io::Result<()> {
    match content {
        Content::Absent => Ok(()),
        Content::Folder => std::fs::create_dir(path),
        Content::Bytes(bytes) => std::fs::write(path, bytes),
        Content::Garbage(n) | Content::Printable(n) => {
            let printable = matches!(content, Content::Printable(_));
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ *n as u64);
            let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
            let mut chunk = vec![0u8; 1 << 20];
            let mut left = *n;
            let mut first = true;
            while left > 0 {
                let len = left.min(chunk.len());
                for byte in &mut chunk[..len] {
                    let r = rng.next();
                    *byte = if printable {
                        // Mostly printable ASCII, with a newline about every 60 characters.
                        if r.is_multiple_of(60) {
                            b'\n'
                        } else {
                            b' ' + (r >> 8) as u8 % 95
                        }
                    } else {
                        (r >> 24) as u8
                    };
                }
                if first && !printable {
                    // Make the NULs certain rather than likely.
                    chunk[3] = 0;
                    chunk[len.min(100) - 1] = 0;
                    first = false;
                }
                out.write_all(&chunk[..len])?;
                left -= len;
            }
            out.flush()
        }
    }
}

/// xorshift64*: small, deterministic, good enough for garbage.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A unique temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "mcpgen-broken-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Deep nesting, in child processes: a stack overflow aborts the whole process, so each deep
// input is loaded by a separate run of this test binary. Deep input may be refused or loaded;
// it must not crash or hang.

/// Set in the child's environment (to the index of the input in [`deep_inputs`]) so the ignored
/// child test only works when started from here.
const CHILD_ENV: &str = "MCPGEN_BROKEN_DEEP_CHILD";

/// The folder the child writes its input to: the parent's, so it is removed even when the
/// child aborts.
const CHILD_DIR_ENV: &str = "MCPGEN_BROKEN_DEEP_DIR";

/// Deeply nested inputs: (file name, text).
fn deep_inputs() -> Vec<(&'static str, String)> {
    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: Deep, version: \"1.0\"}\n";
    const OP: &str = "paths:\n  /pets:\n    get:\n      operationId: listPets\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: ";
    const JSON_HEAD: &str = r#"{"openapi": "3.0.3", "info": {"title": "Deep", "version": "1.0"}, "paths": {"/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": "#;
    const JSON_TAIL: &str = "}}}}}}}}\n";
    let n = 100_000;
    let mut inputs: Vec<(&str, String)> = vec![
        (
            "deep-flow-seq.yaml",
            format!(
                "{HEAD}x-deep: {}{}\n{OP}{{type: object}}\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "deep-flow-map.yaml",
            format!(
                "{HEAD}x-deep: {}1{}\n{OP}{{type: object}}\n",
                "{a: ".repeat(n),
                "}".repeat(n)
            ),
        ),
        (
            "deep-schema.yaml",
            format!(
                "{HEAD}{OP}{}{{type: string}}{}\n",
                "{type: array, items: ".repeat(n / 5),
                "}".repeat(n / 5)
            ),
        ),
        (
            "deep-schema.json",
            format!(
                "{JSON_HEAD}{}{{\"type\": \"string\"}}{}{JSON_TAIL}",
                "{\"type\": \"array\", \"items\": ".repeat(n),
                "}".repeat(n)
            ),
        ),
    ];
    // A long chain of schemas, each a property of the one before: legal, but deep once inlined.
    let mut chain =
        format!("{HEAD}{OP}{{$ref: '#/components/schemas/S0'}}\ncomponents:\n  schemas:\n");
    for i in 0..5_000 {
        chain.push_str(&format!(
            "    S{i}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/S{}'}}}}}}\n",
            i + 1
        ));
    }
    chain.push_str("    S5000: {type: string}\n");
    inputs.push(("deep-schema-ref-chain.yaml", chain));
    // A long chain of parameter $refs (no cycle): must be followed, or refused, quickly.
    let mut params = format!(
        "{HEAD}paths:\n  /pets:\n    get:\n      operationId: listPets\n      parameters:\n        - $ref: '#/components/parameters/P0'\n      responses:\n        \"200\": {{description: ok}}\ncomponents:\n  parameters:\n"
    );
    for i in 0..10_000 {
        params.push_str(&format!(
            "    P{i}: {{$ref: '#/components/parameters/P{}'}}\n",
            i + 1
        ));
    }
    params.push_str("    P10000: {name: limit, in: query, schema: {type: integer}}\n");
    inputs.push(("deep-parameter-ref-chain.yaml", params));
    inputs
}

#[test]
fn broken_deep_nesting_does_not_crash() {
    let temp = TempDir::new("deep-parent");
    let name = match module_path!().split_once("::") {
        Some((_, rest)) => format!("{rest}::deep_nesting_child"),
        None => "deep_nesting_child".to_string(),
    };
    let exe = std::env::current_exe().expect("the test binary's path");
    let inputs = deep_inputs();
    let mut failures = Vec::new();
    for (index, (file, _)) in inputs.iter().enumerate() {
        let (out_path, err_path) = (
            temp.0.join(format!("{index}.out")),
            temp.0.join(format!("{index}.err")),
        );
        let mut child = std::process::Command::new(&exe)
            .args([
                name.as_str(),
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, index.to_string())
            .env(CHILD_DIR_ENV, &temp.0)
            .env("RUST_BACKTRACE", "0")
            .stdout(std::fs::File::create(&out_path).expect("stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("stderr file"))
            .spawn()
            .expect("start a child test process");
        let start = Instant::now();
        let limit = TIME_LIMIT + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the child") {
                break Some(status);
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = format!(
            "{}{}",
            std::fs::read_to_string(&out_path).unwrap_or_default(),
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        let output: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
        let problem = match status {
            Some(status) if status.success() && output.iter().any(|l| l.contains("1 passed")) => {
                None
            }
            Some(status) => Some(format!("the child process ended with {status}")),
            None => Some(format!("the child process did not finish within {limit:?}")),
        };
        if std::env::var_os("MCPGEN_BROKEN_VERBOSE").is_some() {
            eprintln!("{file} (child):\n    {}", output.join("\n    "));
        }
        if let Some(problem) = problem {
            failures.push(format!(
                "{file}:\n    {problem}; its output:\n      {}",
                output.join("\n      ")
            ));
        }
    }
    finish(failures, inputs.len());
}

#[test]
#[ignore = "run in child processes by broken_deep_nesting_does_not_crash"]
fn deep_nesting_child() {
    let Some(index) = std::env::var(CHILD_ENV)
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
    else {
        return;
    };
    let dir = PathBuf::from(std::env::var_os(CHILD_DIR_ENV).expect("the parent's folder"));
    let (file, text) = deep_inputs().swap_remove(index);
    let path = dir.join(file);
    std::fs::write(&path, text).expect("write a deep input");
    let (problems, took) = guarded(file, move || {
        let outcome = load(&path, &LoadOptions::default());
        let shown: Vec<String> = outcome
            .diagnostics
            .iter()
            .take(3)
            .map(|d| format!("{:?} `{}`: {}", d.severity, d.code, d.message))
            .collect();
        eprintln!(
            "{file}: api is {}; diagnostics: {shown:?}",
            if outcome.api.is_some() {
                "Some"
            } else {
                "None"
            }
        );
        Vec::new()
    });
    eprintln!("{file}: done in {took:.2?}");
    let mut failures = Vec::new();
    report(&mut failures, file, problems);
    finish(failures, 1);
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// Runs `f` on its own thread, turning a panic or a hang into a problem.
fn guarded<F>(label: &str, f: F) -> (Vec<String>, Duration)
where
    F: FnOnce() -> Vec<String> + Send + 'static,
{
    let (send, receive) = mpsc::channel();
    let start = Instant::now();
    let spawned = std::thread::Builder::new()
        .name(format!("load {label}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(
                |payload| {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "(no message)".to_string());
                    vec![format!("the loader panicked: {message}")]
                },
            );
            let _ = send.send(result);
        });
    if let Err(e) = spawned {
        return (
            vec![format!("could not start a thread: {e}")],
            Duration::ZERO,
        );
    }
    let problems = match receive.recv_timeout(TIME_LIMIT) {
        Ok(problems) => problems,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            vec![format!(
                "the loader did not finish within {TIME_LIMIT:?} (a hang?)"
            )]
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => vec!["the loading thread died".to_string()],
    };
    (problems, start.elapsed())
}

fn check_refused(case: &Case, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if !outcome.has_errors() {
        problems.push("expected an error, got none".to_string());
    }
    if outcome.api.is_some() {
        problems.push("expected no api (None), got Some".to_string());
    }
    problems.extend(match_diagnostic(case, outcome, Severity::Error));
    with_dump(problems, outcome)
}

fn check_warned(case: &Case, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if outcome.has_errors() {
        problems.push("expected to load without errors".to_string());
    }
    if outcome.api.is_none() {
        problems.push("expected an api, got None".to_string());
    }
    problems.extend(match_diagnostic(case, outcome, Severity::Warning));
    with_dump(problems, outcome)
}

/// Some diagnostic of this severity and code meets every expectation of the case, and none has
/// a code the case rules out.
fn match_diagnostic(case: &Case, outcome: &Outcome, severity: Severity) -> Vec<String> {
    let mut problems: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| case.without.contains(&d.code))
        .map(|d| format!("unexpected `{}` {:?}", d.code, d.message))
        .collect();
    problems.extend(match_expected(case, outcome, severity));
    problems
}

fn match_expected(case: &Case, outcome: &Outcome, severity: Severity) -> Vec<String> {
    let candidates: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .filter(|d| case.code == "*" || case.code.split('|').any(|c| c == d.code))
        .collect();
    if candidates.is_empty() {
        return vec![format!("no {severity:?} with code `{}`", case.code)];
    }
    let own = [Path::new(case.fixture)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(case.fixture)];
    let files: &[&str] = if case.reported_in.is_empty() {
        &own
    } else {
        case.reported_in
    };
    let mut misses = Vec::new();
    for d in &candidates {
        let mut miss = Vec::new();
        if !case.contains.is_empty() && !case.contains.split('|').any(|s| d.message.contains(s)) {
            miss.push(format!("message lacks {:?}", case.contains));
        }
        match &d.file {
            None => miss.push("file is not set".to_string()),
            Some(file) if !files.iter().any(|f| Path::new(file).ends_with(f)) => {
                miss.push(format!("file {file:?} is not {}", files.join(" or ")))
            }
            Some(_) => {}
        }
        if let Some(line) = case.line {
            if d.line != Some(line) {
                miss.push(format!("line is {:?}, expected {line}", d.line));
            }
            if d.column.is_none() {
                miss.push("column is not set".to_string());
            }
        }
        if let Some(column) = case.column
            && d.column != Some(column)
        {
            miss.push(format!("column is {:?}, expected {column}", d.column));
        }
        if miss.is_empty() {
            return Vec::new();
        }
        misses.push(format!("`{}` {:?}: {}", d.code, d.message, miss.join("; ")));
    }
    misses
}

/// Adds every diagnostic of the outcome to a non-empty list of problems. With
/// `MCPGEN_BROKEN_VERBOSE` set, prints them for passing cases too.
fn with_dump(mut problems: Vec<String>, outcome: &Outcome) -> Vec<String> {
    let mut dump = vec!["diagnostics:".to_string()];
    if outcome.diagnostics.is_empty() {
        dump.push("  (none)".to_string());
    }
    for d in &outcome.diagnostics {
        dump.push(format!(
            "  {:?} `{}` file={:?} line={:?} column={:?} pointer={:?}: {}",
            d.severity, d.code, d.file, d.line, d.column, d.pointer, d.message
        ));
    }
    if problems.is_empty() {
        if std::env::var_os("MCPGEN_BROKEN_VERBOSE").is_some() {
            eprintln!(
                "{} (ok)\n    {}",
                std::thread::current().name().unwrap_or("?"),
                dump.join("\n    ")
            );
        }
    } else {
        problems.extend(dump);
    }
    problems
}

fn report(failures: &mut Vec<String>, label: &str, problems: Vec<String>) {
    if !problems.is_empty() {
        failures.push(format!("{label}:\n    {}", problems.join("\n    ")));
    }
}

fn finish(failures: Vec<String>, total: usize) {
    if !failures.is_empty() {
        panic!(
            "{} of {total} broken-input checks failed:\n\n{}\n",
            failures.len(),
            failures.join("\n\n")
        );
    }
}
