//! Experiment: what does looking for the fillers whisper leaves out buy?
//! Every labelled fixture is transcribed with [`Whisper::recover_fillers`]
//! off and on; fillers are scored per answer as in the evaluation harness
//! (detected against the labelled count), with the time each way took.
//!
//!     cargo run --release --example filled_pauses

use std::time::Instant;

use rehearse::analysis::{fillers, timing};
use rehearse::audio::{vad, wav};
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

#[path = "common/eval.rs"]
mod eval;

fn main() -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |recover_fillers| {
        Whisper::load(
            &root.join("models/ggml-tiny.en.bin"),
            WhisperOptions {
                recover_fillers,
                ..WhisperOptions::default()
            },
        )
    };
    let mut engines = [load(false)?, load(true)?];
    let mut said = 0;
    // Per way: (detected and labelled, detected, detected in answers with none, seconds)
    let mut score = [(0usize, 0usize, 0usize, 0f64); 2];
    println!("| answer | said | whisper alone | with recovery |");
    println!("|---|---|---|---|");
    for f in eval::fixtures(root) {
        let samples = wav::read_16k_mono(&f.wav)?.samples;
        let spans = timing::speech_spans(&vad::detect(&samples));
        let labelled = f.label["fillers"].as_u64().unwrap_or(0) as usize;
        said += labelled;
        let mut found = [0usize; 2];
        for (way, whisper) in engines.iter_mut().enumerate() {
            let began = Instant::now();
            let mut t = whisper.transcribe(&samples, &spans, 0.0)?;
            score[way].3 += began.elapsed().as_secs_f64();
            rehearse::transcribe::snap_words(&mut t.words, &spans);
            found[way] = fillers::fillers(&t.words, 1.0).total;
            score[way].0 += labelled.min(found[way]);
            score[way].1 += found[way];
            if labelled == 0 {
                score[way].2 += found[way];
            }
        }
        if labelled > 0 || found.iter().any(|n| *n > 0) {
            println!("| {} | {labelled} | {} | {} |", f.name, found[0], found[1]);
        }
    }
    println!();
    println!(
        "| way | filler precision | filler recall | found in answers without fillers | transcription time, all answers |"
    );
    println!("|---|---|---|---|---|");
    for (name, (hit, detected, stray, seconds)) in
        ["whisper alone", "with recovery"].iter().zip(score)
    {
        println!(
            "| {name} | {:.2} | {:.2} | {stray} | {seconds:.1} s |",
            hit as f64 / detected.max(1) as f64,
            hit as f64 / said.max(1) as f64,
        );
    }
    Ok(())
}
