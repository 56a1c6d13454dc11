//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    cmd.env_remove("REHEARSE_MODEL")
        .env("NO_COLOR", "1")
        .env("REHEARSE_CONFIG", root().join("tests/no-config.toml"));
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

/// `rehearse --data-dir DATA ARGS…` to completion.
pub fn run_in(data: &Path, args: &[&str]) -> std::process::Output {
    rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
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

/// A private headless PulseAudio daemon (scripts/headless-pulse), stopped on drop.
pub struct Pulse {
    dir: tempfile::TempDir,
    /// Environment to give processes that should use it.
    pub env: Vec<(String, String)>,
}

impl Pulse {
    /// Starts a daemon with the `speaker` and `micfeed` null sinks.
    pub fn start() -> Pulse {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(root().join("scripts/headless-pulse"))
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("scripts/headless-pulse runs (apt-get install pulseaudio pulseaudio-utils)");
        assert!(
            out.status.success(),
            "headless pulse failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Pulse { dir, env }
    }

    /// Plays `wav` into the virtual microphone, as the candidate speaking.
    pub fn speak_into_mic(&self, wav: &Path) -> Child {
        self.command("paplay")
            .args(["-d", "micfeed"])
            .arg(wav)
            .spawn()
            .unwrap()
    }

    /// Records what the speaker plays (its monitor) to `wav` until [`stop_recording`].
    pub fn record_the_speaker(&self, wav: &Path) -> Child {
        self.command("parecord")
            .args(["-d", "speaker.monitor", "--file-format=wav"])
            .arg(wav)
            .spawn()
            .unwrap()
    }

    /// Records what reaches the virtual microphone (raw 16 kHz mono s16le, the
    /// sink's own format, so nothing is resampled) until the child is stopped
    /// or the daemon dies. Read it with [`read_heard`].
    pub fn record_what_the_mic_hears(&self, raw: &Path) -> Child {
        self.command("parecord")
            .args([
                "-d",
                "micfeed.monitor",
                "--raw",
                "--format=s16le",
                "--rate=16000",
                "--channels=1",
            ])
            .stdout(std::fs::File::create(raw).unwrap())
            .spawn()
            .unwrap()
    }

    /// Kills the daemon outright (SIGKILL), as a crash would.
    pub fn kill_daemon(&self) {
        let pid = std::fs::read_to_string(self.dir.path().join("run/pid")).unwrap();
        let status = std::process::Command::new("kill")
            .args(["-KILL", pid.trim()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// A command with the daemon's environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        // Tests never read the user's own config file.
        c.env("REHEARSE_CONFIG", root().join("tests/no-config.toml"));
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        let _ = std::process::Command::new(root().join("scripts/headless-pulse"))
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

/// The fixture's audio without its leading silence, as a 16 kHz WAV in `dir`.
pub fn trimmed_fixture(name: &str, dir: &Path) -> (PathBuf, Vec<f32>) {
    let label: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(format!("tests/fixtures/{name}.json"))).unwrap(),
    )
    .unwrap();
    let clip =
        rehearse::audio::wav::read_16k_mono(&root().join(format!("tests/fixtures/{name}.wav")))
            .unwrap();
    let lead = (label["truth"]["thinking_s"].as_f64().unwrap() * 16_000.0) as usize;
    let samples = clip.samples[lead..].to_vec();
    let path = dir.join(format!("{name}-answer.wav"));
    rehearse::audio::wav::write_16k_mono(&path, &samples).unwrap();
    (path, samples)
}

/// Stops a recorder the way Ctrl-C would, so parecord finishes its WAV header.
pub fn stop_recording(mut recorder: Child) {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &recorder.id().to_string()])
        .status();
    let _ = recorder.wait();
}

/// The samples of a [`Pulse::record_what_the_mic_hears`] recording.
pub fn read_heard(raw: &Path) -> Vec<f32> {
    std::fs::read(raw)
        .unwrap()
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
        .collect()
}

/// How a recording made by rehearse matches what the microphone heard, from
/// the first voiced moment on: (seconds of that speech kept, correlation).
/// On a loaded machine the daemon can drop or pad audio; comparing with what
/// it delivered, rather than with the file played, leaves only our own losses.
pub fn kept_speech(recorded: &[f32], heard: &[f32]) -> (f64, f64) {
    let speech_at = rehearse::analysis::timing::speech_spans(&rehearse::audio::vad::detect(heard))
        .first()
        .map_or(0, |s| (s.start_s * 16_000.0) as usize);
    let said = &heard[speech_at.min(heard.len())..];
    let (lag, correlation) = align(recorded, &said[..said.len().min(recorded.len())]);
    let kept = recorded.len().saturating_sub(lag) as f64 / 16_000.0;
    (kept, correlation)
}

/// Where `needle` best aligns inside `haystack` (coarse envelope, then fine),
/// and the normalised correlation there over the whole of `needle`.
pub fn align(haystack: &[f32], needle: &[f32]) -> (usize, f64) {
    let env = |x: &[f32]| -> Vec<f32> {
        x.chunks(160)
            .map(|c| c.iter().map(|s| s.abs()).sum::<f32>())
            .collect()
    };
    let (he, ne) = (env(haystack), env(needle));
    let score = |lag: usize, h: &[f32], n: &[f32], len: usize| -> f64 {
        let len = len.min(n.len()).min(h.len().saturating_sub(lag));
        let (mut hn, mut nn, mut hh) = (0f64, 0f64, 0f64);
        for i in 0..len {
            let (a, b) = (f64::from(h[lag + i]), f64::from(n[i]));
            hn += a * b;
            nn += b * b;
            hh += a * a;
        }
        if nn == 0.0 || hh == 0.0 {
            0.0
        } else {
            hn / (nn.sqrt() * hh.sqrt())
        }
    };
    // Lags that leave at least 2 s of overlap, or half the haystack when it is
    // shorter: a recording of 2 s would otherwise get no lag to search but 0.
    let min_overlap = ne.len().min(200).min(he.len() / 2);
    let coarse = (0..=he.len().saturating_sub(min_overlap))
        .max_by(|&a, &b| score(a, &he, &ne, 200).total_cmp(&score(b, &he, &ne, 200)))
        .unwrap_or(0)
        * 160;
    let fine = (coarse.saturating_sub(320)..coarse + 320)
        .max_by(|&a, &b| {
            score(a, haystack, needle, 32_000).total_cmp(&score(b, haystack, needle, 32_000))
        })
        .unwrap_or(coarse);
    (fine, score(fine, haystack, needle, needle.len()))
}

/// Starts `rehearse` and returns it with a channel of its stderr lines.
pub fn spawn(
    pulse: &Pulse,
    args: &[&str],
    data: &std::path::Path,
) -> (Child, mpsc::Receiver<String>) {
    let mut child = pulse
        .command(assert_cmd::cargo::cargo_bin!("rehearse"))
        .arg("--model")
        .arg(tiny_en())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("REHEARSE_MODEL")
        .env("REHEARSE_CONFIG", root().join("tests/no-config.toml"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

pub fn wait_for(lines: &mpsc::Receiver<String>, needle: &str, timeout: Duration) -> Instant {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(50)) {
            if line.contains(needle) {
                return Instant::now();
            }
            seen.push(line);
        }
    }
    panic!("never saw {needle:?}; stderr so far: {seen:#?}");
}

pub fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            // A hung run must not outlive its test and eat a core for the rest of the suite.
            let _ = child.kill();
            let _ = child.wait();
            panic!("rehearse did not finish in {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
