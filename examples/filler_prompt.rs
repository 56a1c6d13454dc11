//! Does a filler-laden initial prompt make whisper keep "um" and "uh"?
//!
//!     cargo run --release --example filler_prompt
//!
//! Transcribes every fixture that has fillers, with and without the prompt,
//! and prints filler recall (against the reference text) and WER for each.

use rehearse::analysis::{fillers, text};
use rehearse::audio::wav;
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

const PROMPT: &str =
    "Umm, let me think, uh... so, like, I mean, you know, basically it was, um, hard.";

fn filler_count(t: &str) -> usize {
    let words: Vec<rehearse::transcribe::Word> = t
        .split_whitespace()
        .map(|w| rehearse::transcribe::Word {
            word: w.into(),
            start_s: 0.0,
            end_s: 0.0,
            probability: 1.0,
        })
        .collect();
    fillers::fillers(&words, 1.0).total
}

fn main() -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/ggml-tiny.en.bin");
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/fixtures"))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let label: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        if label["fillers"].as_u64().unwrap_or(0) == 0 {
            continue;
        }
        rows.push((path.with_extension("wav"), label));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    println!(
        "| fixture | fillers said | kept, no prompt | kept, prompt | WER no prompt | WER prompt |"
    );
    println!("|---|---|---|---|---|---|");
    let mut totals = [0usize; 3];
    for (wav_path, label) in rows {
        let clip = wav::read_16k_mono(&wav_path)?;
        let reference = label["text"].as_str().unwrap_or_default();
        let said = filler_count(reference);
        let mut results = Vec::new();
        for prompt in [None, Some(PROMPT.to_string())] {
            let mut w = Whisper::load(
                &model,
                WhisperOptions {
                    initial_prompt: prompt,
                    ..WhisperOptions::default()
                },
            )?;
            let speech =
                rehearse::audio::spans::speech_spans(&rehearse::audio::vad::detect(&clip.samples));
            let t = w.transcribe(&clip.samples, &speech, 0.0)?;
            results.push((
                filler_count(&t.text).min(said),
                text::wer(reference, &t.text),
            ));
        }
        totals[0] += said;
        totals[1] += results[0].0;
        totals[2] += results[1].0;
        println!(
            "| {} | {said} | {} | {} | {:.1}% | {:.1}% |",
            label["name"].as_str().unwrap_or_default(),
            results[0].0,
            results[1].0,
            results[0].1 * 100.0,
            results[1].1 * 100.0
        );
    }
    println!(
        "| total | {} | {} | {} | | |",
        totals[0], totals[1], totals[2]
    );
    Ok(())
}
