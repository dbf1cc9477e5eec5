//! What several command tests share: a local upstream that echoes each request back, and a
//! stdio driver for a server process.
#![allow(dead_code)] // Each test binary uses a part.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// A local upstream that answers every request with its whole head and body as JSON, with
/// the status the test sets, and keeps every request it received.
pub struct Echo {
    pub url: String,
    pub status: Arc<AtomicU16>,
    pub seen: Arc<Mutex<Vec<String>>>,
}

pub fn start_echo() -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let status = Arc::new(AtomicU16::new(200));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (answer, record) = (Arc::clone(&status), Arc::clone(&seen));
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let (answer, record) = (Arc::clone(&answer), Arc::clone(&record));
            std::thread::spawn(move || echo(stream, &answer, &record));
        }
    });
    Echo { url, status, seen }
}

fn echo(mut stream: TcpStream, status: &AtomicU16, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request = format!("{head}{}", String::from_utf8_lossy(&body));
    seen.lock().unwrap().push(request.clone());
    let answer = json!({ "request": request }).to_string();
    let status = status.load(Ordering::SeqCst);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
}

/// A server over stdio (`mcpgen serve` or a generated binary), driven one JSON-RPC request at
/// a time; stdout is kept whole.
pub struct Served {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    transcript: String,
    next_id: u64,
}

impl Served {
    /// Starts `command` (its stdio piped here) and completes the initialize handshake.
    pub fn start(mut command: Command) -> Served {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut served = Served {
            child,
            stdin,
            stdout,
            transcript: String::new(),
            next_id: 0,
        };
        served.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "canary", "version": "1"}}),
        );
        served.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        served
    }

    pub fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns its response; every line read is kept.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "mcpgen closed stdout"
            );
            self.transcript.push_str(&line);
            let message: Value = serde_json::from_str(&line).expect("stdout holds only JSON-RPC");
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Every tool name, across pages.
    pub fn tool_names(&mut self) -> Vec<String> {
        let mut names = Vec::new();
        let mut params = json!({});
        loop {
            let page = self.request("tools/list", params);
            let result = &page["result"];
            for tool in result["tools"].as_array().unwrap() {
                names.push(tool["name"].as_str().unwrap().to_string());
            }
            match result["nextCursor"].as_str() {
                Some(cursor) => params = json!({ "cursor": cursor }),
                None => return names,
            }
        }
    }

    /// Closes stdin, waits for the server to end and returns all it wrote.
    pub fn finish(mut self) -> String {
        drop(self.stdin);
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        self.transcript.push_str(&rest);
        let _ = self.child.wait();
        self.transcript
    }
}
