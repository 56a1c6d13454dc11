//! Any common recording in: the same answer as WAV, as FLAC (sox, lossless),
//! and as MP3 and AAC in M4A (made with ffmpeg, `tests/fixtures/formats/`)
//! gives the same report through `rehearse analyze` with real whisper.

mod common;

use common::*;
use rehearse::analysis::text;
use serde_json::Value;

fn analyze(path: &std::path::Path) -> Value {
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .args([
            "analyze",
            "--json",
            "--question",
            "performance-optimization",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn states(a: &Value) -> Vec<String> {
    ["situation", "task", "action", "result"]
        .iter()
        .map(|p| {
            a["star"][p]["state"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn flac_mp3_and_m4a_give_the_report_the_wav_gives() {
    let wav = root().join("tests/fixtures/cache-full.wav");
    let dir = tempfile::tempdir().unwrap();
    let flac = dir.path().join("cache-full.flac");
    let made = std::process::Command::new("sox")
        .arg(&wav)
        .arg(&flac)
        .status()
        .unwrap();
    assert!(made.success());
    let reference = analyze(&wav);
    let said = text::normalize(reference["transcript"]["text"].as_str().unwrap());

    // Lossless: the very same report.
    let from_flac = analyze(&flac);
    assert_eq!(from_flac["transcript"], reference["transcript"]);
    assert_eq!(from_flac["star"], reference["star"]);
    assert_eq!(from_flac["timing"], reference["timing"]);

    // Lossy, resampled, stereo: the same words and parts, within the codec's reach.
    for name in ["cache-full.mp3", "cache-full.m4a"] {
        let a = analyze(&root().join("tests/fixtures/formats").join(name));
        let heard = text::normalize(a["transcript"]["text"].as_str().unwrap());
        let errors = text::word_errors(&said, &heard);
        assert!(
            errors * 20 <= said.len(),
            "{name}: {errors} of {} words differ from the WAV's transcript",
            said.len()
        );
        assert_eq!(states(&a), states(&reference), "{name}");
        let d = |v: &Value| v["audio"]["duration_s"].as_f64().unwrap();
        assert!((d(&a) - d(&reference)).abs() < 0.15, "{name}: {} s", d(&a));
    }
}

#[test]
fn a_file_in_no_audio_format_names_the_formats_rehearse_reads() {
    let dir = tempfile::tempdir().unwrap();
    let notes = write(dir.path(), "answer.txt", b"my notes, not a recording");
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("analyze")
        .arg(&notes)
        .output()
        .unwrap();
    assert_one_line_error(
        &out,
        2,
        "it reads WAV, FLAC, MP3, Ogg/Vorbis and AAC in MP4/M4A",
    );
}
