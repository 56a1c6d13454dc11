//! `rehearse analyze` on the labelled spoken fixtures, with real whisper.

mod common;

use common::*;
use eval::{Fixture, fixtures};
use rehearse::analysis::text;
use serde_json::Value;

#[path = "../examples/common/eval.rs"]
mod eval;

/// The labelled fixture called `name`.
fn fixture(name: &str) -> Fixture {
    fixtures(&root())
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

fn analyze_json(wav: &std::path::Path, question: &str) -> Value {
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("--bank")
        .arg(root().join("questions"))
        .args(["analyze", "--json", "--question", question])
        .arg(wav)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Answers whose words-per-minute error is known to be over 5 %, each with
/// why (and in EVALUATION.md). The target stays 5 % for every other answer,
/// and the test fails once one of these meets it, so the list cannot go stale.
/// Only answers of [`checked_fixtures`] are named; the full set's misses are
/// in EVALUATION.md.
const KNOWN_WPM_MISSES: &[(&str, &str)] = &[
    (
        "holdout4-goroutine-leak-no-result",
        "whisper mishears the diphone voice into extra words (\"heap profiles\" as \"heap row \
         files\", \"tracking it down\" as \"track of it down\"): 6.6 %; issue 7",
    ),
    (
        "holdout9-steps-kubernetes",
        "whisper splits names into more words (\"Dockerfile\" as \"Docker file\", \"Kubernetes\" \
         as \"Cuba needs to be\", \"GitLab\" as \"2 hour jit lab\"): 6.8 %; issue 7",
    ),
];

/// Every second labelled fixture (odd places in name order, none of them in
/// `tests/eval.rs`'s quick set), so that CI stays within its time: all 130
/// took 11 minutes on the slowest host of our kind seen with greedy decoding,
/// and beam search costs about 1.5× that. The first-sight set is scored in
/// full by `tests/eval.rs` and left out here. `cargo run --release --example
/// eval` scores the whole set.
fn checked_fixtures() -> Vec<Fixture> {
    fixtures(&root())
        .into_iter()
        .filter(|f| !eval::is_first_sight(&f.name))
        .skip(1)
        .step_by(2)
        .collect()
}

#[test]
fn fixture_set_meets_the_accuracy_targets() {
    let set = checked_fixtures();
    assert!(set.len() >= 10, "need at least 10 labelled answers");
    for (name, _) in KNOWN_WPM_MISSES {
        assert!(
            set.iter().any(|f| f.name == *name),
            "{name} is not checked here: take it off KNOWN_WPM_MISSES"
        );
    }
    let (mut labels, mut labels_right) = (0, 0);
    let (mut ref_words, mut word_errors) = (0, 0);
    let mut failures = Vec::new();
    for f in &set {
        let a = analyze_json(&f.wav, f.label["question"].as_str().unwrap());
        let truth = &f.label["truth"];
        let mut got = String::new();
        for (part, letter) in [
            ("situation", 'S'),
            ("task", 'T'),
            ("action", 'A'),
            ("result", 'R'),
        ] {
            let present = a["star"][part]["present"].as_bool().unwrap();
            labels += 1;
            if present == f.label["star"][part].as_bool().unwrap() {
                labels_right += 1;
            }
            got.push(if present { letter } else { '-' });
        }
        let reference = text::normalize(f.label["text"].as_str().unwrap());
        let heard = text::normalize(a["transcript"]["text"].as_str().unwrap());
        ref_words += reference.len();
        word_errors += text::word_errors(&reference, &heard);
        // Words as said ("900" is two), as the analysis counts them.
        let true_wpm = text::spoken_words(f.label["text"].as_str().unwrap()) as f64 * 60.0
            / truth["speech_s"].as_f64().unwrap();
        let wpm_err = (a["timing"]["wpm"].as_f64().unwrap() / true_wpm - 1.0).abs();
        let dur_err = (a["audio"]["duration_s"].as_f64().unwrap()
            / truth["duration_s"].as_f64().unwrap()
            - 1.0)
            .abs();
        let think_err = (a["timing"]["thinking_s"].as_f64().unwrap()
            - truth["thinking_s"].as_f64().unwrap())
        .abs();
        eprintln!(
            "{:<30} {got} wpm err {:>4.1}%  duration err {:.2}%  thinking err {:.2} s",
            f.name,
            wpm_err * 100.0,
            dur_err * 100.0,
            think_err
        );
        let known = KNOWN_WPM_MISSES.iter().find(|(name, _)| *name == f.name);
        match known {
            None if wpm_err > 0.05 => failures.push(format!(
                "{}: words per minute off by {:.1}%",
                f.name,
                wpm_err * 100.0
            )),
            Some(_) if wpm_err <= 0.05 => failures.push(format!(
                "{}: words per minute now within 5% ({:.1}%): take it off KNOWN_WPM_MISSES",
                f.name,
                wpm_err * 100.0
            )),
            _ => {}
        }
        if dur_err > 0.01 {
            failures.push(format!(
                "{}: duration off by {:.2}%",
                f.name,
                dur_err * 100.0
            ));
        }
    }
    let star_accuracy = labels_right as f64 / labels as f64;
    let wer = word_errors as f64 / ref_words as f64;
    eprintln!(
        "STAR labels {labels_right}/{labels} = {:.1}%, WER {:.1}%",
        star_accuracy * 100.0,
        wer * 100.0
    );
    assert!(
        star_accuracy >= 0.90,
        "STAR labels {:.1}% < 90%",
        star_accuracy * 100.0
    );
    assert!(wer <= 0.15, "WER {:.1}% > 15%", wer * 100.0);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn analyze_json_matches_the_snapshot() {
    let f = fixture("cache-full");
    let a = analyze_json(&f.wav, "performance-optimization");
    insta::assert_json_snapshot!("cache-full", a, {
        ".transcript.words[].probability" => insta::rounded_redaction(1),
        ".**.start_s" => insta::rounded_redaction(1),
        ".**.end_s" => insta::rounded_redaction(1),
        ".**.duration_s" => insta::rounded_redaction(1),
        ".timing.*" => insta::rounded_redaction(1),
        ".star.*.share" => insta::rounded_redaction(2),
    });
}

#[test]
fn markdown_report_shows_star_and_suggestions() {
    let f = fixture("deploy-no-result");
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .args([
            "analyze",
            "--markdown",
            "--question",
            "zero-downtime-deploys",
        ])
        .arg(&f.wav)
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("## STAR: STA-"), "{md}");
    assert!(md.contains("- **Result**: not found"), "{md}");
    assert!(md.contains("Add the result"), "{md}");
}

#[test]
fn terminal_report_has_no_colour_when_piped() {
    let f = fixture("tests-short");
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("analyze")
        .arg(&f.wav)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "escape codes in piped output");
    // The letters themselves are scored by the accuracy test; here, the line.
    let star_line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("STAR  "))
        .unwrap_or_else(|| panic!("no STAR line: {text}"));
    let letters: Vec<char> = star_line.chars().take(4).collect();
    assert!(
        letters.len() == 4
            && letters
                .iter()
                .zip("STAR".chars())
                .all(|(&got, part)| got == part || got == '-'),
        "{text}"
    );
    assert!(!text.contains("Noisy recording"), "{text}");
}

#[test]
fn a_noisy_recording_is_reported_as_less_certain() {
    let f = fixture("tests-short");
    let clean = rehearse::audio::wav::read_16k_mono(&f.wav).unwrap().samples;
    let dir = tempfile::tempdir().unwrap();
    let noisy = dir.path().join("noisy.wav");
    rehearse::audio::wav::write_16k_mono(&noisy, &eval::with_noise(&clean, 15.0, 7)).unwrap();
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("analyze")
        .arg(&noisy)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Noisy recording: your voice is only about"),
        "{text}"
    );
}

#[test]
fn verbose_logs_to_a_private_file_without_the_transcript() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let wav = root().join("tests/fixtures/tests-short.wav");
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("--data-dir")
        .arg(&data)
        .args(["--verbose", "--json", "analyze"])
        .arg(&wav)
        .arg("--save")
        .output()
        .unwrap();
    assert!(out.status.success());
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    let log_path = data.join("logs/rehearse.log");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("model loaded"), "{log}");
    let mode = std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // What was said stays out of the log.
    let said = analysis["transcript"]["text"].as_str().unwrap();
    for word in said.split_whitespace().filter(|w| w.len() > 6) {
        assert!(!log.contains(word), "{word:?} is in the log");
    }
    // And forget --all takes the log with everything else.
    let forgot = run_in(&data, &["forget", "--all", "--yes"]);
    assert!(forgot.status.success());
    assert!(!data.join("logs").exists());
}
