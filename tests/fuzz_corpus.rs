//! Replays the committed fuzz corpus (`fuzz/corpus/TARGET/*`, seeds plus what
//! `cargo fuzz` found worth keeping) through the same entry points the fuzz
//! targets call, so every input that once crashed stays fixed.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        run(&bytes);
        count += 1;
    }
    assert!(count > 0, "empty corpus {}", dir.display());
    eprintln!("{target}: {count} inputs");
}

#[test]
fn bank_corpus() {
    replay("bank", rehearse::fuzzing::bank);
}

#[test]
fn wav_corpus() {
    replay("wav", rehearse::fuzzing::wav);
}

#[test]
fn ggml_header_corpus() {
    replay("ggml_header", rehearse::fuzzing::ggml_header);
}

#[test]
fn ct2_import_corpus() {
    replay("ct2_import", rehearse::fuzzing::ct2_import);
}

/// Found by `cargo fuzz run wav`: a float WAV holding NaN samples reached
/// rubato's FFT, which panicked ("Imaginary part of first value was
/// non-zero"). Samples are now made finite and clamped as they are read.
#[test]
fn wav_float_nan_samples_panicked_the_resampler() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/wav-float-nan-samples-panicked-the-resampler.wav");
    let clip = rehearse::audio::wav::read_mono(&path).unwrap();
    assert!(clip.samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
    rehearse::audio::resample::to_16k(&clip).unwrap();
}

/// Every input that ever crashed a fuzz target, kept under fuzz/regressions.
#[test]
fn regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(entry.path()).unwrap();
        match name.split('-').next() {
            Some("wav") => rehearse::fuzzing::wav(&bytes),
            Some("bank") => rehearse::fuzzing::bank(&bytes),
            Some("ggml") => rehearse::fuzzing::ggml_header(&bytes),
            Some("ct2") => rehearse::fuzzing::ct2_import(&bytes),
            _ => panic!("{name}: name regressions TARGET-what-happened"),
        }
    }
}

/// Found by `cargo fuzz run wav`: a header claiming a 4.29 GHz sample rate
/// made the resampler allocate gigabytes for a one-sample file. Rates outside
/// 1–384 kHz are now refused as unreadable.
#[test]
fn wav_4_ghz_sample_rate_exhausted_memory_in_the_resampler() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/wav-4-ghz-sample-rate-exhausted-memory-in-the-resampler.wav");
    let err = rehearse::audio::wav::read_mono(&path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("4294967295 Hz"), "{err}");
}
