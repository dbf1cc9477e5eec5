//! Finding the external programs some tests run against (Prism, Node, the Python MCP SDK).
//!
//! `tests/run-all.sh` (the README's test command) installs them under `tests/tools/` and
//! exports `MCPGEN_TEST_TOOLS`. Without it a test that needs them says so and passes, unless
//! `CI` is set: then their absence is a failure, so CI can never skip them silently.

use std::path::PathBuf;

/// The tools folder, or `None` (after saying why) when the tests should be skipped.
pub fn tools_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("MCPGEN_TEST_TOOLS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("node_modules").is_dir(),
                "MCPGEN_TEST_TOOLS={} has no node_modules",
                dir.display()
            );
            Some(dir)
        }
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "{test}: MCPGEN_TEST_TOOLS is not set; run the tests with `bash tests/run-all.sh`"
            )
        }
        None => {
            eprintln!(
                "{test}: skipped (MCPGEN_TEST_TOOLS not set; `bash tests/run-all.sh` installs and sets it)"
            );
            None
        }
    }
}

/// `PATH` with the tools' own Node 24 first.
pub fn path_with_node(tools: &std::path::Path) -> std::ffi::OsString {
    let mut paths = vec![tools.join("venv/bin")];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).expect("paths join")
}

/// A helper server started in a process group of its own (`process_group(0)`), stopped with
/// the whole group when dropped: Node wrappers start the real process as a child, which would
/// otherwise outlive the test.
pub struct ProcessGroup(pub std::process::Child);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// Starts `command` (stdout piped, in its own process group) and returns it with the first
/// line it prints, which says where it listens. The rest of its output is read and dropped:
/// a closed pipe would kill it at its next line.
pub fn start_announcing(command: &mut std::process::Command) -> (ProcessGroup, String) {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let mut child = command
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} starts: {e}"));
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    stdout
        .read_line(&mut line)
        .expect("the server says where it listens");
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (ProcessGroup(child), line.trim().to_string())
}
