//! Real PostgreSQL and MariaDB servers for the SQL tests: each started from the Debian
//! packages' binaries on a free loopback port, with a throw-away data directory and a user
//! with a password, and stopped (data removed) when dropped. `tests/run-all.sh` installs the
//! packages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running database server and the URL that reaches it (with its password).
pub struct DatabaseServer {
    /// `postgres://...` or `mysql://...`, user and password included.
    pub url: String,
    /// The password inside `url`, to check it never leaks.
    pub password: String,
    dir: PathBuf,
    /// The server process, when this test started it directly (MariaDB).
    process: Option<std::process::Child>,
    /// The command that stops it otherwise (PostgreSQL's `pg_ctl stop`).
    stop: Vec<String>,
    as_postgres_user: bool,
}

impl Drop for DatabaseServer {
    fn drop(&mut self) {
        if let Some(process) = &mut self.process {
            let _ = process.kill();
            let _ = process.wait();
        }
        if let Some((program, args)) = self.stop.split_first() {
            let _ = command(program, self.as_postgres_user)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A scratch folder of this test run.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpgen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// PostgreSQL refuses to run as root: then its commands run as the `postgres` user.
fn command(program: &str, as_postgres_user: bool) -> Command {
    if as_postgres_user {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) {
    let output = c.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run {c:?}: {e} (run tests/run-all.sh, which installs it)")
    });
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The binaries folder of the newest installed PostgreSQL (`/usr/lib/postgresql/N/bin`).
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (apt-get install postgresql; tests/run-all.sh does it)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an installed PostgreSQL with initdb")
}

/// Starts PostgreSQL with user `mcpgen` (password auth) and database `postgres`.
pub fn postgres(name: &str) -> DatabaseServer {
    let dir = scratch(&format!("pg-{name}"));
    let as_postgres_user = is_root();
    let password = "pg-S3cret-pass".to_string();
    std::fs::write(dir.join("password"), &password).unwrap();
    if as_postgres_user {
        run(
            {
                let mut c = Command::new("chown");
                c.args(["-R", "postgres"]).arg(&dir);
                c
            },
            "chown",
        );
    }
    let bin = postgres_bin();
    let data = dir.join("data");
    let mut initdb = command(bin.join("initdb").to_str().unwrap(), as_postgres_user);
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "mcpgen", "--auth=scram-sha-256", "--no-sync"])
        .arg(format!("--pwfile={}", dir.join("password").display()));
    run(initdb, "initdb");
    let port = free_port();
    let pg_ctl = bin.join("pg_ctl").to_str().unwrap().to_string();
    let mut start = command(&pg_ctl, as_postgres_user);
    start
        .arg("-D")
        .arg(&data)
        .arg("-o")
        .arg(format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.display()
        ))
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-w", "start"]);
    run(start, "pg_ctl start");
    DatabaseServer {
        url: format!("postgres://mcpgen:{password}@127.0.0.1:{port}/postgres"),
        password,
        stop: vec![
            pg_ctl,
            "-D".into(),
            data.display().to_string(),
            "-m".into(),
            "immediate".into(),
            "stop".into(),
        ],
        process: None,
        dir,
        as_postgres_user,
    }
}

/// Starts MariaDB with user `mcpgen` (password auth) owning database `sales`.
pub fn mariadb(name: &str) -> DatabaseServer {
    let dir = scratch(&format!("mariadb-{name}"));
    let data = dir.join("data");
    let socket = dir.join("sock");
    let user = if is_root() { "root" } else { "" };
    let mut install = Command::new("mariadb-install-db");
    install
        .args([
            "--no-defaults",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ])
        .arg(format!("--datadir={}", data.display()));
    if !user.is_empty() {
        install.arg(format!("--user={user}"));
    }
    run(install, "mariadb-install-db");
    let port = free_port();
    let mut server = Command::new("mariadbd");
    server
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--pid-file={}", dir.join("pid").display()))
        .arg("--skip-log-bin")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("log")).unwrap());
    if !user.is_empty() {
        server.arg(format!("--user={user}"));
    }
    let password = "maria-S3cret-pass".to_string();
    // Owned before anything can fail, so a failed start still stops the server.
    let started = DatabaseServer {
        url: format!("mysql://mcpgen:{password}@127.0.0.1:{port}/sales"),
        password: password.clone(),
        process: Some(server.spawn().expect("mariadbd starts")),
        stop: Vec::new(),
        dir: dir.clone(),
        as_postgres_user: false,
    };
    wait_for(&socket, Duration::from_secs(30));
    let mut setup = Command::new("mariadb");
    setup
        .arg("--no-defaults")
        .arg(format!("--socket={}", socket.display()))
        .args(["-u", "root", "-e"])
        .arg(format!(
            "CREATE USER 'mcpgen'@'%' IDENTIFIED BY '{password}'; CREATE DATABASE sales; GRANT ALL ON sales.* TO 'mcpgen'@'%';"
        ));
    run(setup, "MariaDB setup");
    started
}

/// Waits until the server's socket exists.
fn wait_for(socket: &Path, limit: Duration) {
    let start = Instant::now();
    while !socket.exists() {
        assert!(start.elapsed() < limit, "the database server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}
