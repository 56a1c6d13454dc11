//! Faults injected into real runs: kills at random points, a full disk, a
//! read-only data folder, two processes on one history, the audio daemon
//! dying mid-answer, the model file truncated under a running program.
//! Nothing already said may be lost, and every failure is one clear line.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use rehearse::audio::wav;

fn kill(child: &std::process::Child, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
}

/// A small pseudo-random generator seeded from the clock; the seed is
/// printed so a failing run can be repeated with REHEARSE_TEST_SEED.
fn rng() -> impl FnMut() -> f64 {
    let seed = std::env::var("REHEARSE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("REHEARSE_TEST_SEED={seed}");
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn history(data: &Path) -> (serde_json::Value, String) {
    let out = run_in(data, &["--json", "history"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn answers(h: &serde_json::Value) -> &Vec<serde_json::Value> {
    h["answers"].as_array().unwrap()
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_the_next_start_recovers_it() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let mut random = rng();
    let (answer_wav, _) = trimmed_fixture("migration-long", tmp.path());
    let data = tmp.path().join("data");

    // 1. While the question is being spoken: nothing was said, nothing to keep.
    let (child, lines) = spawn(&pulse, &["ask", "complex-project"], &data);
    wait_for(&lines, "▶ question", Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs_f64(random() * 1.5));
    let mut child = child;
    kill(&child, "-KILL");
    let _ = child.wait(); // the kernel releases its locks once it is gone
    let (h, _) = history(&data);
    assert!(answers(&h).is_empty(), "{h}");

    // 2. Mid-answer, at a random moment: every second that reached the
    // worker is in a valid WAV, and the next start records it as interrupted.
    // The reference recording starts first, so that it holds the first word
    // whatever the timing; the answer's own recording must hold it too.
    let heard_path = tmp.path().join("heard.raw");
    let mut heard = pulse.record_what_the_mic_hears(&heard_path);
    let (mut child, lines) = spawn(&pulse, &["ask", "complex-project", "--no-speak"], &data);
    wait_for(&lines, "answer now", Duration::from_secs(60));
    let mut feed = pulse.speak_into_mic(&answer_wav);
    let fed_at = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(2.0 + random() * 6.0));
    kill(&child, "-KILL");
    let spoken = fed_at.elapsed().as_secs_f64();
    let _ = child.wait();
    let _ = feed.kill();
    let _ = feed.wait();
    kill(&heard, "-INT");
    let _ = heard.wait();
    let (h, stderr) = history(&data);
    assert!(
        stderr.contains("recovered answer 1"),
        "the start says so: {stderr}"
    );
    assert_eq!(answers(&h).len(), 1, "{h}");
    assert_eq!(answers(&h)[0]["status"], "interrupted");
    assert_eq!(answers(&h)[0]["question_id"], "complex-project");
    let shown = run_in(&data, &["--json", "show", "1"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let recorded = wav::read_16k_mono(Path::new(shown["wav"].as_str().unwrap()))
        .expect("the recovered WAV is valid");
    let (kept, correlation) = kept_speech(&recorded.samples, &read_heard(&heard_path));
    eprintln!(
        "killed {spoken:.2} s into the answer; {kept:.2} s kept; correlation {correlation:.4}"
    );
    assert!(
        correlation >= 0.99,
        "the kept audio is the answer: {correlation:.4} (near 0.3: its first word was cut)"
    );
    // What had not reached the worker yet: the daemon's buffer and one block.
    assert!(kept >= spoken - 0.6, "lost {:.2} s", spoken - kept);

    // 3. Right after the stop, while the report is made: the answer is kept,
    // analysed if its record was written, interrupted otherwise.
    let (short_wav, _) = trimmed_fixture("tests-short", tmp.path());
    let (child, lines) = spawn(
        &pulse,
        &[
            "ask",
            "testing-techniques",
            "--no-speak",
            "--silence-stop",
            "1",
            "--audio-from",
            short_wav.to_str().unwrap(),
        ],
        &data,
    );
    wait_for(&lines, "■ stopped", Duration::from_secs(90));
    std::thread::sleep(Duration::from_secs_f64(random() * 0.3));
    let mut child = child;
    kill(&child, "-KILL");
    let _ = child.wait();
    let (h, _) = history(&data);
    assert_eq!(answers(&h).len(), 2, "{h}");
    let last = &answers(&h)[1];
    assert!(
        last["status"] == "interrupted" || last["status"] == "complete",
        "{last}"
    );
    // And once only: a second start finds nothing new.
    let (h, stderr) = history(&data);
    assert_eq!(answers(&h).len(), 2);
    assert!(!stderr.contains("recovered"), "{stderr}");
}

#[test]
fn sigint_at_a_random_moment_saves_and_records_the_answer() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let mut random = rng();
    let (answer_wav, _) = trimmed_fixture("migration-long", tmp.path());
    let data = tmp.path().join("data");
    let (mut child, lines) = spawn(&pulse, &["ask", "complex-project", "--no-speak"], &data);
    wait_for(&lines, "answer now", Duration::from_secs(60));
    let mut feed = pulse.speak_into_mic(&answer_wav);
    std::thread::sleep(Duration::from_secs_f64(0.5 + random() * 5.0));
    kill(&child, "-INT");
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let _ = feed.kill();
    let _ = feed.wait();
    assert_eq!(status.code(), Some(130));
    let (h, stderr) = history(&data);
    assert!(
        !stderr.contains("recovered"),
        "SIGINT needs no recovery: {stderr}"
    );
    assert_eq!(answers(&h).len(), 1);
    assert_eq!(answers(&h)[0]["status"], "interrupted");
}

#[test]
fn a_read_only_data_folder_is_a_clear_error() {
    if unsafe { libc::geteuid() } == 0 {
        // root ignores file modes; a read-only bind mount is the honest test.
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let status = std::process::Command::new("mount")
            .args(["--bind", "-o", "ro"])
            .arg(&data)
            .arg(&data)
            .status()
            .unwrap();
        assert!(status.success(), "mount --bind -o ro failed");
        let fixture = root().join("tests/fixtures/cache-full.wav");
        let out = run_in(&data, &["analyze", fixture.to_str().unwrap(), "--save"]);
        let _ = std::process::Command::new("umount").arg(&data).status();
        assert_one_line_error(&out, 2, "cannot open the history");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--data-dir"));
    } else {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();
        let fixture = root().join("tests/fixtures/cache-full.wav");
        let out = run_in(&data, &["analyze", fixture.to_str().unwrap(), "--save"]);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_one_line_error(&out, 2, "cannot open the history");
    }
}

/// A writer process for the two-process test: adds `n` answers.
fn writer_child(data: &Path, n: usize, tag: &str) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "two_processes_writer",
            "--nocapture",
            "--include-ignored",
        ])
        .env("REHEARSE_WRITER_DATA", data)
        .env("REHEARSE_WRITER_N", n.to_string())
        .env("REHEARSE_WRITER_TAG", tag)
        .spawn()
        .unwrap()
}

/// Not a test by itself: the body of each writer process.
#[test]
#[ignore = "run by two_rehearse_processes_share_one_history"]
fn two_processes_writer() {
    let Ok(data) = std::env::var("REHEARSE_WRITER_DATA") else {
        return;
    };
    let n: usize = std::env::var("REHEARSE_WRITER_N").unwrap().parse().unwrap();
    let tag = std::env::var("REHEARSE_WRITER_TAG").unwrap();
    let mut store = rehearse::history::Store::open(Path::new(&data)).unwrap();
    let session = store
        .start_session(&tag, "2026-11-29T00:00:00Z", None)
        .unwrap();
    for i in 0..n {
        let question = format!("{tag}-{i}");
        store
            .add_answer(&rehearse::history::NewAnswer {
                session_id: session,
                recorded_at: format!("2026-11-29T00:00:{:02}Z", i % 60),
                question_id: Some(&question),
                question_text: None,
                status: "interrupted",
                stopped: None,
                wav: None,
                json: None,
                extra: &[],
                analysis: None,
            })
            .unwrap();
    }
}

#[test]
fn two_rehearse_processes_share_one_history_without_loss_or_corruption() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // Two writer processes hammering the same file…
    let mut a = writer_child(&data, 400, "a");
    let mut b = writer_child(&data, 400, "b");
    // …while the real binary saves answers to it too.
    let fixture = root().join("tests/fixtures/tests-short.wav");
    let saved = run_in(
        &data,
        &[
            "analyze",
            fixture.to_str().unwrap(),
            "-q",
            "testing-techniques",
            "--save",
        ],
    );
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let (h, _) = history(&data);
    let all = answers(&h);
    assert_eq!(all.len(), 801, "no row lost");
    for tag in ["a", "b"] {
        let mine: Vec<&str> = all
            .iter()
            .filter_map(|r| r["question_id"].as_str())
            .filter(|q| q.starts_with(&format!("{tag}-")))
            .collect();
        assert_eq!(mine.len(), 400, "{tag}");
    }
    let conn = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// A tmpfs of `kib` KiB at `dir`, unmounted on drop; None where mounting is
/// not allowed (not root).
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, kib: u64) -> Option<SmallDisk> {
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("not root: cannot mount a small tmpfs; full-disk test not run");
            return None;
        }
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success(), "mount -t tmpfs failed as root");
        Some(SmallDisk(dir.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_while_recording_stops_with_a_clear_error_and_keeps_what_was_written() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // 384 KiB: the history, then about 10 s of 16 kHz audio.
    let Some(_disk) = SmallDisk::mount(&data, 384) else {
        return;
    };
    let (h, _) = history(&data);
    assert!(answers(&h).is_empty());
    let (answer_wav, answer) = trimmed_fixture("migration-long", tmp.path());
    let (mut child, lines) = spawn(
        &pulse,
        &[
            "ask",
            "complex-project",
            "--no-speak",
            "--audio-from",
            answer_wav.to_str().unwrap(),
        ],
        &data,
    );
    let status = wait_exit(&mut child, Duration::from_secs(90));
    let stderr: Vec<String> = lines.try_iter().collect();
    assert_eq!(status.code(), Some(1), "{stderr:#?}");
    let last = stderr.last().unwrap();
    assert!(
        last.starts_with("error: ") && last.contains("No space left on device"),
        "{stderr:#?}"
    );
    // Everything written before the disk filled is a valid recording of the answer.
    let wavs: Vec<PathBuf> = walk_wavs(&data.join("sessions"));
    assert_eq!(wavs.len(), 1);
    let kept = wav::read_16k_mono(&wavs[0]).expect("valid WAV after ENOSPC");
    assert!(
        kept.duration_s() > 5.0,
        "only {:.1} s kept",
        kept.duration_s()
    );
    let (_, correlation) = align(&kept.samples, &answer[..16_000 * 4]);
    assert!(correlation >= 0.99, "{correlation:.4}");
}

fn walk_wavs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_wavs(&p));
        } else if p.extension().is_some_and(|x| x == "wav") {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_audio_daemon_dying_mid_answer_keeps_and_analyses_what_was_said() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let (answer_wav, _) = trimmed_fixture("migration-long", tmp.path());
    let data = tmp.path().join("data");
    // Started first, so it holds the first word whatever the timing.
    let heard_path = tmp.path().join("heard.raw");
    let mut heard = pulse.record_what_the_mic_hears(&heard_path);
    let (mut child, lines) = spawn(
        &pulse,
        &["--json", "ask", "complex-project", "--no-speak"],
        &data,
    );
    wait_for(&lines, "answer now", Duration::from_secs(60));
    let mut feed = pulse.speak_into_mic(&answer_wav);
    std::thread::sleep(Duration::from_secs(6));
    pulse.kill_daemon();
    let status = wait_exit(&mut child, Duration::from_secs(60));
    let _ = feed.wait();
    let _ = heard.wait();
    let stderr: Vec<String> = lines.try_iter().collect();
    assert!(status.success(), "{status:?} {stderr:#?}");
    assert!(
        stderr
            .iter()
            .any(|l| l.contains("the input device disappeared")),
        "{stderr:#?}"
    );
    let (h, _) = history(&data);
    assert_eq!(answers(&h).len(), 1);
    let shown = run_in(&data, &["--json", "show", "1"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["stopped"], "device_lost");
    assert_eq!(shown["status"], "complete", "what was said is analysed");
    let words = shown["analysis"]["timing"]["words"].as_u64().unwrap();
    assert!(words >= 8, "only {words} words analysed");
    let recorded = wav::read_16k_mono(Path::new(shown["wav"].as_str().unwrap())).unwrap();
    let (kept, correlation) = kept_speech(&recorded.samples, &read_heard(&heard_path));
    eprintln!("{kept:.2} s of speech kept; correlation {correlation:.4}");
    assert!(kept >= 2.0, "only {kept:.2} s of speech kept");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shown["json"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(record["overruns"], 0);
    assert!(
        correlation >= 0.99,
        "the kept audio is what was said: {correlation:.4}"
    );
}

#[test]
fn a_model_truncated_while_the_program_runs_is_a_clear_error_or_harmless() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("ggml-tiny.en.bin");
    std::fs::copy(tiny_en(), &model).unwrap();
    let data = tmp.path().join("data");
    let (answer_wav, _) = trimmed_fixture("tests-short", tmp.path());
    let args = [
        "--model",
        model.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "practice",
        "--no-follow-ups",
        "--count",
        "2",
        "--no-speak",
        "--silence-stop",
        "1",
        "--audio-from",
        answer_wav.to_str().unwrap(),
    ];
    // Truncated after the check, while the first answer is recorded: the model
    // was already loaded, so the session goes on unharmed.
    let mut child = pulse
        .command(assert_cmd::cargo::cargo_bin!("rehearse"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    wait_for(&lines, "answer now", Duration::from_secs(60));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&model)
        .unwrap()
        .set_len(1000)
        .unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(120));
    assert!(
        status.success(),
        "{:#?}",
        lines.try_iter().collect::<Vec<_>>()
    );
    let (h, _) = history(&data);
    assert_eq!(answers(&h).len(), 2);

    // The next start finds it truncated: one line, what to do, before any question.
    let out = pulse
        .command(assert_cmd::cargo::cargo_bin!("rehearse"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "ggml-tiny.en.bin");
    let (h, _) = history(&data);
    assert_eq!(answers(&h).len(), 2, "nothing recorded without a model");
}

/// Bytes free on the filesystem holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: statvfs writes only the struct it is given.
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
    st.f_bavail as u64 * st.f_frsize as u64
}

#[test]
fn a_full_disk_while_writing_the_history_loses_nothing_and_is_taken_in_later() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let Some(_disk) = SmallDisk::mount(&data, 2048) else {
        return;
    };
    let fixture = root().join("tests/fixtures/tests-short.wav");
    let fixture = fixture.to_str().unwrap();
    let first = run_in(
        &data,
        &["analyze", fixture, "-q", "testing-techniques", "--save"],
    );
    assert!(first.status.success());
    // Room for exactly the recording's copy and its JSON record, in whole pages,
    // plus the database's shared-memory index (32 KiB) and the first page of its
    // write-ahead log, which opening it creates: no room for the log to grow.
    let json_len = run_in(
        &data,
        &["--json", "analyze", fixture, "-q", "testing-techniques"],
    )
    .stdout
    .len() as u64;
    let pages = |n: u64| n.div_ceil(4096) * 4096;
    let keep = pages(std::fs::metadata(fixture).unwrap().len()) + pages(json_len) + 32_768 + 4096;
    let filler = data.join("filler");
    let size = free_bytes(&data) - keep;
    std::fs::write(&filler, vec![0u8; size as usize]).unwrap();
    let out = run_in(
        &data,
        &["analyze", fixture, "-q", "testing-techniques", "--save"],
    );
    assert_one_line_error(&out, 1, "could not be written");
    // The recording and its analysis are on disk, whole; the history is intact.
    let wavs = walk_wavs(&data.join("sessions"));
    assert_eq!(wavs.len(), 2);
    for wav in &wavs {
        assert_eq!(std::fs::read(wav).unwrap(), std::fs::read(fixture).unwrap());
        assert!(wav.with_extension("json").is_file(), "{}", wav.display());
    }
    let conn = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    // With room again, the next start takes the answer in, analysed.
    std::fs::remove_file(&filler).unwrap();
    let (h, stderr) = history(&data);
    assert!(
        stderr.contains("recovered answer 2") && stderr.contains("kept as analysed"),
        "{stderr}"
    );
    assert_eq!(answers(&h).len(), 2);
    assert_eq!(answers(&h)[1]["status"], "complete");
}
