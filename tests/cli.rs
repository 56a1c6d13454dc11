//! The command line without transcription: one-line errors for user
//! mistakes, the question banks, completions and the man page, and the
//! configuration. Part of the fast tier (`scripts/test --fast`): nothing here
//! runs whisper or needs the audio daemon.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn user_errors_get_one_line_messages() {
    let dir = tempfile::tempdir().unwrap();
    let wav = root().join("tests/fixtures/tests-short.wav");
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
