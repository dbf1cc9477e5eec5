//! `sales-upstream`: seeds the sales warehouse and serves its REST API, the upstream that
//! `mcpgen serve specs/sales/openapi.yaml` calls.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: sales-upstream --db PATH [--listen ADDR] [--api-key KEY] [--seed | --seed-only]

  --db PATH        the SQLite warehouse (seeded first if it does not exist)
  --listen ADDR    where to serve the API (default 127.0.0.1:8765)
  --api-key KEY    the key clients send in X-API-Key (default: $SALES_API_KEY)
  --seed           recreate the warehouse with fresh data, then serve
  --seed-only      recreate the warehouse, print the row counts and exit";

/// The command line, parsed by hand to keep the example free of extra dependencies.
struct Args {
    db: PathBuf,
    listen: String,
    api_key: Option<String>,
    seed: bool,
    seed_only: bool,
}

/// The arguments, or `None` when help was asked for.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut db = None;
    let mut listen = "127.0.0.1:8765".to_string();
    let mut api_key = None;
    let (mut seed, mut seed_only) = (false, false);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--db" => db = Some(PathBuf::from(value("--db")?)),
            "--listen" => listen = value("--listen")?,
            "--api-key" => api_key = Some(value("--api-key")?),
            "--seed" => seed = true,
            "--seed-only" => seed_only = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let db = db.ok_or("--db PATH is required")?;
    Ok(Some(Args {
        db,
        listen,
        api_key,
        seed,
        seed_only,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sales-upstream: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Does the work; every failure comes back as one message for `main` to print.
async fn run() -> Result<(), String> {
    let Some(args) = parse(std::env::args().skip(1)).map_err(|e| format!("{e}\n{USAGE}"))? else {
        println!("{USAGE}");
        return Ok(());
    };
    // Checked before seeding, so a missing key costs nothing.
    let api_key = args
        .api_key
        .clone()
        .or_else(|| std::env::var("SALES_API_KEY").ok())
        .unwrap_or_default();
    if api_key.is_empty() && !args.seed_only {
        return Err("an API key is required: --api-key KEY or SALES_API_KEY".into());
    }

    if args.seed || args.seed_only || !args.db.exists() {
        let db = args.db.clone();
        let started = Instant::now();
        let summary = tokio::task::spawn_blocking(move || sales_upstream::seed(&db))
            .await
            .map_err(|e| format!("seeding stopped: {e}"))?
            .map_err(|e| e.to_string())?;
        eprintln!(
            "sales-upstream: seeded {} in {:.2?}: {summary}",
            args.db.display(),
            started.elapsed()
        );
    }
    if args.seed_only {
        return Ok(());
    }

    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "sales-upstream: serving {} on http://{address} (Ctrl-C stops)",
        args.db.display()
    );
    tokio::select! {
        served = sales_upstream::serve(listener, &args.db, api_key) => {
            served.map_err(|e| e.to_string())
        }
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(line: &str) -> impl Iterator<Item = String> {
        line.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn flags() {
        let parsed = parse(args("--db w.db --listen 0.0.0.0:1 --api-key k --seed"));
        let Ok(Some(a)) = parsed else {
            panic!("parsed");
        };
        assert_eq!(a.db.to_str(), Some("w.db"));
        assert_eq!(
            (a.listen.as_str(), a.api_key.as_deref()),
            ("0.0.0.0:1", Some("k"))
        );
        assert!(a.seed && !a.seed_only);
        let Ok(Some(a)) = parse(args("--seed-only --db w.db")) else {
            panic!("parsed");
        };
        assert_eq!(
            (a.listen.as_str(), a.api_key, a.seed_only),
            ("127.0.0.1:8765", None, true)
        );
    }

    #[test]
    fn mistakes_and_help() {
        assert!(matches!(parse(args("--help --db x")), Ok(None)));
        assert!(parse(args("--listen 1")).is_err_and(|e| e.contains("--db")));
        assert!(parse(args("--db")).is_err_and(|e| e.contains("needs a value")));
        assert!(parse(args("--db x --port 1")).is_err_and(|e| e.contains("--port")));
    }
}
