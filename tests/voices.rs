//! The interviewer's voices without the audio daemon: `rehearse voices`
//! lists the natural voice and espeak-ng, `--try ... --out` writes what a
//! voice says, and a bad voice (a missing or truncated model, a config that
//! does not fit it, no ONNX Runtime) is a short error and never a panic;
//! `voices prepare` keeps a clip of every question of a bank, once, and the
//! voice's copy in ONNX Runtime's format, which opens sooner and says the
//! same (a broken copy is passed over).
//! Needs `scripts/fetch-voice` (run by `scripts/setup`); in the fast tier.

mod common;

use std::path::PathBuf;

use common::*;

/// The installed natural voice.
fn joe() -> PathBuf {
    let p = root().join("models/voices/en_US-joe-medium.onnx");
    assert!(
        p.is_file(),
        "{} is missing: run scripts/fetch-voice first",
        p.display()
    );
    p
}

/// Runs `rehearse voices ARGS`, from the checkout (so the installed voice is found).
fn voices(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = rehearse();
    cmd.current_dir(root()).arg("voices").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A failure of at most four lines, no panic, exit 1 or 2, saying `needle`.
fn assert_short_failure(out: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(1) | Some(2)),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(stderr.trim_end().lines().count() <= 4, "too long: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
}

#[test]
fn the_list_shows_the_natural_voice_as_the_default_and_espeak_ng_beside_it() {
    joe();
    let out = voices(&[], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("* piper:joe"), "{text}");
    assert!(text.contains("espeak-ng:en-us"), "{text}");
    assert_eq!(text.matches("* ").count(), 1, "one default: {text}");
}

#[test]
fn the_natural_voice_and_espeak_ng_both_speak_the_sentence() {
    joe();
    let dir = tempfile::tempdir().unwrap();
    for voice in ["piper:joe", "espeak-ng:en-us"] {
        let wav = dir.path().join("try.wav");
        let out = voices(&["--try", voice, "--out", wav.to_str().unwrap()], &[]);
        assert!(
            out.status.success(),
            "{voice}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let clip = rehearse::audio::wav::read_16k_mono(&wav).unwrap();
        let seconds = clip.samples.len() as f64 / 16_000.0;
        assert!((2.0..10.0).contains(&seconds), "{voice}: {seconds:.2} s");
        // Cut to its audible samples at both ends (within the resampler's
        // 20 ms of ringing).
        let quiet = |s: &&f32| s.abs() < rehearse::speech::SILENCE_BELOW;
        let leading = clip.samples.iter().take_while(quiet).count();
        let trailing = clip.samples.iter().rev().take_while(quiet).count();
        assert!(
            leading <= 320 && trailing <= 320,
            "{voice}: {leading} and {trailing} quiet samples"
        );
    }
}

#[test]
fn a_bad_voice_is_a_short_error_and_never_a_panic() {
    let voice = joe();
    let dir = tempfile::tempdir().unwrap();
    let out_wav = dir.path().join("o.wav");
    let out_arg = out_wav.to_str().unwrap();
    let config = std::fs::read(voice.with_extension("onnx.json")).unwrap();

    // A missing model.
    let missing = dir.path().join("en_US-nobody-medium.onnx");
    let out = voices(&["--try", missing.to_str().unwrap(), "--out", out_arg], &[]);
    assert_short_failure(&out, "is missing");

    // A truncated model, with its (good) config beside it.
    let truncated = dir.path().join("en_US-cut-medium.onnx");
    let bytes = std::fs::read(&voice).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(dir.path().join("en_US-cut-medium.onnx.json"), &config).unwrap();
    let out = voices(
        &["--try", truncated.to_str().unwrap(), "--out", out_arg],
        &[],
    );
    assert_short_failure(&out, "is not a usable voice");

    // A config that does not fit the model: ids past its symbol table.
    let mut wrong: serde_json::Value = serde_json::from_slice(&config).unwrap();
    for ids in wrong["phoneme_id_map"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        for id in ids.as_array_mut().unwrap() {
            *id = serde_json::json!(id.as_i64().unwrap() + 5000);
        }
    }
    let linked = dir.path().join("en_US-other-medium.onnx");
    std::os::unix::fs::symlink(&voice, &linked).unwrap();
    std::fs::write(
        dir.path().join("en_US-other-medium.onnx.json"),
        serde_json::to_vec(&wrong).unwrap(),
    )
    .unwrap();
    let out = voices(&["--try", linked.to_str().unwrap(), "--out", out_arg], &[]);
    assert_short_failure(&out, "does not match its voice");

    // A config that is not one.
    std::fs::write(
        dir.path().join("en_US-other-medium.onnx.json"),
        b"{\"audio\": 3}",
    )
    .unwrap();
    let out = voices(&["--try", linked.to_str().unwrap(), "--out", out_arg], &[]);
    assert_short_failure(&out, "does not match its voice");

    // No ONNX Runtime.
    let out = voices(
        &["--try", "piper:joe", "--out", out_arg],
        &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")],
    );
    assert_short_failure(&out, "ONNX Runtime");

    // A voice that is not installed.
    let out = voices(&["--try", "piper:nobody", "--out", out_arg], &[]);
    assert_short_failure(&out, "no voice called");
    assert!(!out_wav.exists());
}

#[test]
fn prepare_keeps_one_private_clip_per_question_once() {
    use std::os::unix::fs::PermissionsExt;
    joe();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let bank = root().join("questions/system-design.toml");
    let questions = rehearse::bank::Bank::load(&bank).unwrap().questions.len();
    let prepare = || {
        let out = rehearse()
            .current_dir(root())
            .args(["--data-dir", data_dir, "--bank", bank.to_str().unwrap()])
            .args(["voices", "prepare"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let first = prepare();
    assert!(
        first.contains(&format!("kept {questions} question clips")),
        "{first}"
    );
    let kept: Vec<_> = std::fs::read_dir(data.path().join("voice-cache"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(kept.len(), questions);
    for clip in &kept {
        let mode = clip.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?}", clip.path());
        let seconds = hound::WavReader::open(clip.path()).unwrap().duration() as f64 / 22_050.0;
        assert!(seconds > 1.0, "{:?}: {seconds:.2} s", clip.path());
    }
    assert!(
        prepare().contains("kept already"),
        "the second run says them again"
    );
    // The system engine keeps nothing, and a missing voice says what to run.
    let out = voices(&["prepare", "--voice", "espeak-ng"], &[]);
    assert!(out.status.success());
    let missing = data.path().join("en_US-gone-medium.onnx");
    let out = voices(&["prepare", "--voice", missing.to_str().unwrap()], &[]);
    assert_short_failure(&out, "is missing");
}

#[test]
fn a_kept_copy_in_onnx_runtimes_format_speaks_and_a_broken_one_is_passed_over() {
    let voice = joe();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("en_US-joe-medium.onnx");
    std::os::unix::fs::symlink(&voice, &model).unwrap();
    std::fs::copy(
        voice.with_extension("onnx.json"),
        dir.path().join("en_US-joe-medium.onnx.json"),
    )
    .unwrap();
    let copy = dir.path().join("en_US-joe-medium.onnx.ort");
    let said = |name: &str| -> f64 {
        let wav = dir.path().join(name);
        let out = voices(
            &[
                "--try",
                model.to_str().unwrap(),
                "--out",
                wav.to_str().unwrap(),
            ],
            &[],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reader = hound::WavReader::open(&wav).unwrap();
        reader.duration() as f64 / f64::from(reader.spec().sample_rate)
    };
    let from_model = said("model.wav");
    // A copy newer than the model that is not one: the model speaks instead.
    std::fs::write(&copy, b"not a model").unwrap();
    let past_broken = said("broken.wav");
    assert!(
        (past_broken / from_model - 1.0).abs() < 0.2,
        "{past_broken} against {from_model}"
    );
    // `voices prepare` writes it anew, and the voice speaks from it.
    let data = tempfile::tempdir().unwrap();
    let out = rehearse()
        .current_dir(root())
        .args(["--data-dir", data.path().to_str().unwrap()])
        .args([
            "--bank",
            root()
                .join("questions/system-design.toml")
                .to_str()
                .unwrap(),
        ])
        .args(["voices", "prepare", "--voice", model.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::metadata(&copy).unwrap().len();
    assert!(written > 1_000_000, "the copy is {written} bytes");
    let from_copy = said("copy.wav");
    assert!(
        (from_copy / from_model - 1.0).abs() < 0.2,
        "{from_copy} against {from_model}"
    );
    // It is the copy that speaks: with the model cut short (and the copy
    // still the newer), the voice speaks all the same.
    let bytes = std::fs::read(&voice).unwrap();
    std::fs::remove_file(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 3]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .unwrap()
        .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .unwrap();
    let copy_alone = said("alone.wav");
    assert!(
        (copy_alone / from_model - 1.0).abs() < 0.2,
        "{copy_alone} against {from_model}"
    );
}
