//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default test model; built by `scripts/fetch-model`.
pub fn tiny_en() -> PathBuf {
    let p = root().join("models/ggml-tiny.en.bin");
    assert!(
        p.is_file(),
        "{} is missing: run scripts/fetch-model first",
        p.display()
    );
    p
}

/// The `rehearse` binary under test, with a clean environment.
pub fn rehearse() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("rehearse").expect("binary built");
    cmd.env_remove("REHEARSE_MODEL").env("NO_COLOR", "1");
    cmd
}

/// Asserts a failure printed exactly one line on stderr and no panic.
pub fn assert_one_line_error(out: &std::process::Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
}

/// What the test server does with one request.
pub enum Reply {
    /// Serve the body (honouring Range).
    Body,
    /// Send headers for the whole body but cut the connection after N bytes.
    CutAfter(usize),
    /// Answer with this status and no body.
    Status(u16),
}

/// A loopback HTTP/1.1 server for one file, scripted request by request.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Request lines and Range headers seen, in order.
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// Serves `body`; request i gets `script[i]` (then [`Reply::Body`]).
    pub fn start(body: Vec<u8>, script: Vec<Reply>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let reply = script.next().unwrap_or(Reply::Body);
                let _ = serve(stream, &body, reply, &log);
            }
        });
        TestServer { base, seen }
    }
}

fn serve(
    mut stream: TcpStream,
    body: &[u8],
    reply: Reply,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut range_start = 0usize;
    let mut range_header = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
            range_header = v.trim().to_string();
            range_start = v.trim().trim_end_matches('-').parse().unwrap_or(0);
        }
    }
    log.lock()
        .unwrap()
        .push(format!("{} range={}", request.trim(), range_header));
    match reply {
        Reply::Status(code) => {
            write!(
                stream,
                "HTTP/1.1 {code} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
        }
        Reply::CutAfter(n) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body[..n.min(body.len())])?;
            stream.flush()?;
            // Close mid-body; both clones share the socket, so shut it down.
            stream.shutdown(std::net::Shutdown::Both)?;
            return Ok(());
        }
        Reply::Body => {
            let part = &body[range_start.min(body.len())..];
            if range_start > 0 {
                write!(
                    stream,
                    "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{}\r\nConnection: close\r\n\r\n",
                    part.len(),
                    range_start,
                    body.len() - 1,
                    body.len()
                )?;
            } else {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )?;
            }
            stream.write_all(part)?;
        }
    }
    let _ = reader.read(&mut [0u8; 0]);
    Ok(())
}

/// sha256 of bytes, hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    rehearse::transcribe::catalog::hex(&sha2::Sha256::digest(bytes))
}

/// Writes a file and returns its path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}
