//! History, `show`, `forget` and the HTML report, through the binary, on a
//! real SQLite file, with real whisper on spoken fixtures and the page
//! rendered by headless Chromium.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;

/// `rehearse --data-dir DATA ARGS…`, which must succeed; stdout.
fn run(data: &Path, args: &[&str]) -> String {
    let out = rehearse()
        .arg("--data-dir")
        .arg(data)
        .arg("--model")
        .arg(tiny_en())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rehearse {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&run(data, &all)).unwrap()
}

/// Analyses a fixture and keeps it in the history.
fn save(data: &Path, fixture: &str, question: &str) {
    let wav = root().join(format!("tests/fixtures/{fixture}.wav"));
    run(
        data,
        &["analyze", wav.to_str().unwrap(), "-q", question, "--save"],
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file and folder under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn three_answers_are_listed_with_their_trends_and_private_files() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // 5 fillers and no Result, then two clean answers with all four parts.
    for fixture in ["holdout-fillers", "cache-full", "fest-kal-cache-eviction"] {
        save(&data, fixture, "performance-optimization");
    }
    save(&data, "kafka-full", "message-queues");

    let all = json(&data, &["history"]);
    let answers = all["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 4, "{all:#}");
    let ids: Vec<i64> = answers.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4], "oldest first");

    let listed = json(
        &data,
        &["history", "--question", "performance-optimization"],
    );
    let answers = listed["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 3);
    let trends = listed["trends"].as_array().unwrap();
    assert_eq!(trends.len(), 1, "one question answered more than once");
    let t = &trends[0];
    assert_eq!(t["question_id"], "performance-optimization");
    assert_eq!(t["answers"], 3);
    // The trend is made of exactly the stored answers' figures…
    for figure in ["wpm", "fillers_per_min", "star_parts", "answer_s"] {
        let stored: Vec<f64> = answers
            .iter()
            .map(|a| a["metrics"][figure].as_f64().unwrap())
            .collect();
        let trend: Vec<f64> = t[figure]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(stored, trend, "{figure}");
    }
    // …and heads where the answers went: fillers gone, the Result added.
    assert!(answers[0]["metrics"]["fillers_per_min"].as_f64().unwrap() > 5.0);
    assert_eq!(t["fillers_per_min"]["direction"], "down");
    assert_eq!(t["fillers_per_min"]["better"], true);
    assert_eq!(t["star_parts"]["values"][0], 3.0);
    assert_eq!(t["star_parts"]["direction"], "up");
    assert_eq!(t["star_parts"]["better"], true);

    // The table shows the same trend with arrows.
    let table = run(&data, &["history"]);
    let row = table
        .lines()
        .rfind(|l| l.starts_with("performance-optimization"))
        .unwrap_or_else(|| panic!("no trend row in:\n{table}"));
    assert!(row.contains("3 → 4 ↑ ✓"), "{row}");

    // --since filters on the recording date.
    let future = json(&data, &["history", "--since", "2999-01-01"]);
    assert!(future["answers"].as_array().unwrap().is_empty());

    // show gives back the full stored analysis.
    let shown = json(&data, &["show", "2"]);
    assert_eq!(shown["analysis"]["schema"], "rehearse.analysis/1");
    assert_eq!(shown["analysis"]["star"]["result"]["present"], true);
    let text = run(&data, &["show", "2"]);
    assert!(text.contains("Transcript"), "{text}");

    // Private: folders 0700, recordings, records and the database 0600.
    assert_eq!(mode(&data), 0o700);
    let files = walk(&data);
    assert!(files.iter().any(|p| p.ends_with("history.sqlite3")));
    assert_eq!(
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "wav"))
            .count(),
        4
    );
    for p in &files {
        let expected = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(p), expected, "{}", p.display());
    }
}

#[test]
fn forget_removes_the_recordings_and_the_rows_and_asks_first() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    save(&data, "cache-full", "performance-optimization");
    save(&data, "kafka-full", "message-queues");
    save(&data, "fest-kal-cache-eviction", "performance-optimization");
    let first = json(&data, &["show", "1"]);
    let wav = PathBuf::from(first["wav"].as_str().unwrap());
    let record = PathBuf::from(first["json"].as_str().unwrap());
    assert!(wav.is_file() && record.is_file());

    // No confirmation, nothing deleted.
    let refused = rehearse()
        .arg("--data-dir")
        .arg(&data)
        .args(["forget", "1"])
        .write_stdin("n\n")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(wav.is_file());
    assert_eq!(
        json(&data, &["history"])["answers"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Confirmed: the files, the row and the emptied session folder go.
    let confirmed = rehearse()
        .arg("--data-dir")
        .arg(&data)
        .args(["forget", "1"])
        .write_stdin("y\n")
        .output()
        .unwrap();
    assert!(confirmed.status.success());
    assert!(!wav.exists() && !record.exists());
    assert!(!wav.parent().unwrap().exists(), "empty session folder left");
    let left = json(&data, &["history"]);
    let ids: Vec<i64> = left["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [2, 3]);
    let missing = rehearse()
        .arg("--data-dir")
        .arg(&data)
        .args(["show", "1"])
        .output()
        .unwrap();
    assert_one_line_error(&missing, 2, "no answer 1");

    // By question.
    run(
        &data,
        &["forget", "--question", "performance-optimization", "--yes"],
    );
    assert_eq!(
        json(&data, &["history"])["answers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Everything: nothing of the user's is left in the data folder.
    run(&data, &["forget", "--all", "--yes"]);
    let left: Vec<PathBuf> = walk(&data);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn a_history_from_a_newer_rehearse_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    drop(rehearse::history::Store::open(&data).unwrap());
    let conn = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let out = rehearse()
        .arg("--data-dir")
        .arg(&data)
        .arg("history")
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "written by a newer rehearse (schema 99");
}

/// Chromium, headless and offline, as the issue prescribes.
fn chromium(args: &[&str], page: &Path) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium is installed (scripts/test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn html_report_renders_in_headless_chromium_with_one_band_per_star_part() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    save(&data, "holdout-fillers", "performance-optimization");
    save(&data, "cache-full", "performance-optimization");
    save(&data, "deploy-no-result", "zero-downtime-deploys");
    let artifacts = root().join("target/html-report");
    std::fs::create_dir_all(&artifacts).unwrap();

    for (id, name) in [
        ("2", "answer-with-all-parts"),
        ("3", "answer-without-result"),
    ] {
        let page = artifacts.join(format!("{name}.html"));
        run(
            &data,
            &[
                "report",
                id,
                "--html",
                page.to_str().unwrap(),
                "--embed-audio",
            ],
        );
        assert_eq!(mode(&page), 0o600, "exports are private");
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "the page must not fetch anything"
        );
        let dom = String::from_utf8(chromium(&["--dump-dom"], &page).stdout).unwrap();
        assert!(dom.contains("<svg class=\"timeline\""), "no timeline");
        let stored = json(&data, &["show", id]);
        let mut present: Vec<&str> = ["situation", "task", "action", "result"]
            .into_iter()
            .filter(|p| stored["analysis"]["star"][p]["present"] == true)
            .collect();
        let mut bands: Vec<&str> = dom
            .match_indices("class=\"band\" data-part=\"")
            .map(|(i, m)| {
                let rest = &dom[i + m.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        present.sort();
        bands.sort();
        assert_eq!(bands, present, "one band per STAR part present");
        assert!(dom.contains("<audio class=\"recording\""), "no player");
        assert!(dom.contains("class=\"sentence\""), "no transcript");
        let screenshot = artifacts.join(format!("{name}.png"));
        chromium(
            &[
                "--window-size=1280,1800",
                &format!("--screenshot={}", screenshot.display()),
            ],
            &page,
        );
        assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000);
    }
    // The answer with a second attempt at its question shows the progress charts.
    let second = std::fs::read_to_string(artifacts.join("answer-with-all-parts.html")).unwrap();
    assert!(second.contains("Progress on this question (2 answers)"));

    // A whole session, as one page.
    let page = artifacts.join("session.html");
    run(
        &data,
        &["report", "--session", "1", "--html", page.to_str().unwrap()],
    );
    let dom = String::from_utf8(chromium(&["--dump-dom"], &page).stdout).unwrap();
    assert_eq!(dom.matches("<section class=\"answer\"").count(), 1);
}

#[test]
fn replay_plays_the_recording_with_the_transcript_scrolling_along() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    save(&data, "kafka-full", "message-queues");
    let monitor = tmp.path().join("monitor.wav");
    let recorder = pulse.record_the_speaker(&monitor);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    // Through bash, whose `times` then prints the CPU the player used.
    let out = pulse
        .command("bash")
        .args(["-c", "\"$@\" && times", "replay"])
        .arg(assert_cmd::cargo::cargo_bin("rehearse"))
        .arg("--data-dir")
        .arg(&data)
        .args(["replay", "1"])
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    stop_recording(recorder);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();

    // The player waits for the device rather than spinning: a spinning
    // feeder took a whole core for the length of the answer, starving the
    // sound server on a two-core machine until the playback broke up.
    let cpu_s: f64 = stdout
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .map(|t| {
            let (m, s) = t.trim_end_matches('s').split_once('m').unwrap();
            m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
        })
        .sum();
    assert!(
        cpu_s < 0.25 * took,
        "the player used {cpu_s:.1} s of CPU in {took:.1} s"
    );

    // Every sentence scrolled by, in order, with its time.
    let shown = json(&data, &["show", "1"]);
    let sentences = shown["analysis"]["star"]["sentences"].as_array().unwrap();
    let captions: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(captions.len(), sentences.len(), "{stdout}");
    for (caption, s) in captions.iter().zip(sentences) {
        assert!(
            caption.ends_with(s["text"].as_str().unwrap().trim()),
            "{caption}"
        );
    }
    // The recording itself was played, at its own speed.
    let original =
        rehearse::audio::wav::read_16k_mono(&root().join("tests/fixtures/kafka-full.wav")).unwrap();
    assert!(took >= original.duration_s() - 0.2, "played in {took:.2} s");
    let heard = rehearse::audio::wav::read_16k_mono(&monitor).unwrap();
    // Aligned on the speech: the fixture's leading silence has nothing to align.
    let (_, speech) = trimmed_fixture("kafka-full", tmp.path());
    let (_, correlation) = align(&heard.samples, &speech);
    assert!(
        correlation > 0.95,
        "the speaker did not play the answer: {correlation:.3}"
    );
}
