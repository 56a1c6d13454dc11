//! How late does the voice detector mark the start of speech?
//!
//!     cargo run --release --example vad_onset
//!
//! Prepends 1.5 s of silence plus a sub-frame offset to each fixture's
//! speech and prints the detected onset error per fixture.

use rehearse::analysis::timing::speech_spans;
use rehearse::audio::{vad, wav};

fn main() -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<_> = std::fs::read_dir(&root)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    for label_path in names {
        let label: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&label_path)?)?;
        let clip = wav::read_16k_mono(&label_path.with_extension("wav"))?;
        let lead = (label["truth"]["thinking_s"].as_f64().unwrap_or(0.0) * 16_000.0) as usize;
        let speech = &clip.samples[lead..];
        let mut errors = Vec::new();
        for offset in (0..256).step_by(32) {
            let mut samples = vec![0f32; 24_000 + offset];
            samples.extend_from_slice(speech);
            let spans = speech_spans(&vad::detect(&samples));
            let truth = (24_000 + offset) as f64 / 16_000.0;
            errors.push(spans.first().map_or(f64::NAN, |s| s.start_s - truth));
        }
        let fmt: Vec<String> = errors.iter().map(|e| format!("{:+.3}", e)).collect();
        println!(
            "{:<30} {}",
            label["name"].as_str().unwrap_or_default(),
            fmt.join(" ")
        );
    }
    Ok(())
}
