//! Entry points for the fuzz targets (`fuzz/`) and for the corpus replay in
//! the test suite (`tests/fuzz_corpus.rs`): each feeds untrusted bytes to one
//! parser and discards the result. Any panic, hang or overflow is a bug.

use std::io::Cursor;
use std::path::Path;

/// The question-bank parser.
pub fn bank(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::bank::Bank::parse(text, "fuzz.toml");
    }
}

/// The WAV reader, then the 16 kHz resampler on what it read.
pub fn wav(data: &[u8]) {
    if let Ok(clip) = crate::audio::wav::read_mono_from(Cursor::new(data), Path::new("fuzz.wav")) {
        // Short clips only: the resampler is the next stage, not the target's subject.
        if clip.samples.len() < 1 << 16 {
            let _ = crate::audio::resample::to_16k(&clip);
        }
    }
}

/// The ggml header and tensor-layout check.
pub fn ggml_header(data: &[u8]) {
    let _ = crate::transcribe::ggml::inspect_reader(Cursor::new(data), data.len() as u64);
}

/// The CTranslate2 importer's parse and checks.
pub fn ct2_import(data: &[u8]) {
    let _ = crate::transcribe::import::check_ct2(data);
}
