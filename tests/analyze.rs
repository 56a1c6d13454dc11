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
fn user_errors_get_one_line_messages() {
    let dir = tempfile::tempdir().unwrap();
    let wav = fixture("tests-short").wav;
    let bad_bank = write(
        dir.path(),
        "bank.toml",
        b"[[questions]]\nid = \"x\"\ntext = \"Why?\"\ncategory = \"c\"\nkind = \"sideways\"\n",
    );
    let out = rehearse()
        .arg("--bank")
        .arg(&bad_bank)
        .args(["analyze", "--question", "x"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "bank.toml:5:8:");

    let out = rehearse()
        .args(["analyze", "--question", "no-such-question"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "no question with id `no-such-question`");

    let corrupt = write(
        dir.path(),
        "corrupt.wav",
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage",
    );
    let out = rehearse().arg("analyze").arg(&corrupt).output().unwrap();
    assert_one_line_error(&out, 2, "is not a readable WAV file");

    let empty = dir.path().join("empty.wav");
    hound::WavWriter::create(&empty, rehearse::audio::wav::spec_16k_mono())
        .unwrap()
        .finalize()
        .unwrap();
    let out = rehearse().arg("analyze").arg(&empty).output().unwrap();
    assert_one_line_error(&out, 2, "holds no audio");

    let silent = dir.path().join("silent.wav");
    rehearse::audio::wav::write_16k_mono(&silent, &vec![0.0; 16_000 * 3]).unwrap();
    let out = rehearse().arg("analyze").arg(&silent).output().unwrap();
    assert_one_line_error(&out, 2, "no speech detected");
}

#[test]
fn questions_lists_the_bank_and_filters_by_category() {
    let out = rehearse().args(["questions", "--json"]).output().unwrap();
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 15);
    let out = rehearse()
        .args(["questions", "--category", "data", "--json"])
        .output()
        .unwrap();
    let data: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data.as_array().unwrap().len(), 2);
}

#[test]
fn a_bank_from_questions_new_validates_and_lists_its_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("mine.txt");
    std::fs::write(
        &list,
        "# questions for Friday\nTell me about a time you \"shipped\" late.\n\nWhy Rust, and when not?\nTell me about a time you shipped late!\n",
    )
    .unwrap();
    let bank = tmp.path().join("mine.toml");
    let made = rehearse()
        .args(["questions", "new", "--from"])
        .arg(&list)
        .arg("-o")
        .arg(&bank)
        .args(["--kind", "technical", "--target", "90"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let checked = rehearse()
        .args(["questions", "check"])
        .arg(&bank)
        .output()
        .unwrap();
    assert!(checked.status.success());
    assert!(String::from_utf8_lossy(&checked.stdout).contains("3 questions, valid"));
    let listed = rehearse()
        .arg("--bank")
        .arg(&bank)
        .args(["--json", "questions"])
        .output()
        .unwrap();
    let questions: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let texts: Vec<&str> = questions
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Tell me about a time you \"shipped\" late.",
            "Why Rust, and when not?",
            "Tell me about a time you shipped late!"
        ]
    );
    assert!(
        questions
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["kind"] == "technical" && q["target_seconds"] == 90)
    );
    // An existing bank is not overwritten by accident.
    let again = rehearse()
        .args(["questions", "new", "--from"])
        .arg(&list)
        .arg("-o")
        .arg(&bank)
        .output()
        .unwrap();
    assert_one_line_error(&again, 2, "pass --force");
}

#[test]
fn the_shipped_banks_are_valid_and_their_ids_unique_across_the_folder() {
    let out = rehearse()
        .arg("--bank")
        .arg(root().join("questions"))
        .args(["--json", "questions"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(all.as_array().unwrap().len() >= 15 + 8 + 6);
}

#[test]
fn completions_and_the_man_page_cover_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = rehearse().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let script = String::from_utf8(out.stdout).unwrap();
        for command in [
            "practice",
            "analyze",
            "history",
            "report",
            "forget",
            "questions",
        ] {
            assert!(
                script.contains(command),
                "{shell} completions lack {command}"
            );
        }
    }
    let man = rehearse().arg("man").output().unwrap();
    let page = String::from_utf8(man.stdout).unwrap();
    assert!(page.contains(".TH rehearse 1"), "{page}");
    assert!(page.contains("practice") && page.contains("history"));
}

#[test]
fn config_shows_each_setting_and_where_it_came_from() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("config.toml");
    std::fs::write(
        &file,
        "voice = \"en-gb+f2\"\nsilence_stop = 3\nthreads = 1\ntarget_seconds = 90\n",
    )
    .unwrap();
    let settings = |extra: &[&str], env: Option<(&str, &str)>| -> Value {
        let mut cmd = rehearse();
        cmd.env("REHEARSE_CONFIG", &file)
            .args(extra)
            .args(["--json", "config"]);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let find = |all: &Value, name: &str| -> (String, String) {
        let row = all["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["setting"] == name)
            .unwrap()
            .clone();
        (
            row["value"].as_str().unwrap().to_string(),
            row["source"].as_str().unwrap().to_string(),
        )
    };
    let plain = settings(&[], None);
    assert_eq!(plain["found"], true);
    let (voice, from) = find(&plain, "voice");
    assert_eq!(voice, "en-gb+f2");
    assert!(from.starts_with("config file"), "{from}");
    assert_eq!(find(&plain, "silence_stop").0, "3 s");
    assert_eq!(find(&plain, "rate").1, "default");
    assert_eq!(find(&plain, "target_seconds").0, "90 s");
    let model = tiny_en();
    let flagged = settings(&["--model", model.to_str().unwrap()], None);
    assert_eq!(find(&flagged, "model").1, "command line (--model)");
    let from_env = settings(&[], Some(("REHEARSE_DATA_DIR", "/tmp/elsewhere")));
    assert_eq!(
        find(&from_env, "data_dir"),
        (
            "/tmp/elsewhere".to_string(),
            "environment ($REHEARSE_DATA_DIR)".to_string()
        )
    );
    // A mistake in the file is one line with the place to fix.
    std::fs::write(&file, "voice = \"en\"\nsilence_stopp = 3\n").unwrap();
    let bad = rehearse()
        .env("REHEARSE_CONFIG", &file)
        .arg("config")
        .output()
        .unwrap();
    assert_one_line_error(&bad, 2, "config.toml:2: unknown field `silence_stopp`");
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
