//! End-of-answer → full report latency, streaming against batch, on the same
//! audio in the same run.
//!
//!     cargo run --release --example bench_latency [-- MODEL.bin [THREADS [--fit]]]
//!
//! Answers of 30 s, 2 min and 3 min are cut from the spoken fixtures and
//! stopped three ways:
//! - time limit: the recording stops mid-sentence;
//! - Enter: the candidate finishes the last word and presses Enter 1 s later;
//! - silence: the candidate finishes and the 5 s silence stop (the default) ends it.
//!
//! Batch transcribes the whole answer after the stop, then analyses.
//! Streaming replays the answer through the same voice detector and
//! [`Chunker`] the capture worker uses; the last 30 s before the stop (more
//! than the longest chunk) are fed in real time (10 ms blocks), so guesses
//! and chunks race the clock as they do live. What is timed is from the stop to the finished analysis.

use std::time::Instant;

use rehearse::analysis::{self, Inputs};
use rehearse::audio::vad;
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

#[path = "common/replay.rs"]
mod replay;
use replay::{RATE, Stop, recorded, spoken, stream};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let model = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-tiny.en.bin")
        });
    let threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let fit = args.next().as_deref() == Some("--fit");
    if std::env::var_os("BENCH_TRACE").is_some() {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::stderr)
            .init();
    }
    let only: Option<f64> = std::env::var("BENCH_ONLY")
        .ok()
        .and_then(|s| s.parse().ok());
    let decoding = WhisperOptions::default().decoding();
    println!(
        "model {}, {threads} threads, {decoding}, encoder context {}",
        model.display(),
        if fit {
            "fitted to each chunk"
        } else {
            "full 30 s"
        }
    );
    println!(
        "| answer | stopped by | batch: stop → report | streaming: stop → report | ratio | chunks | guesses |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut whisper = Whisper::load(
        &model,
        WhisperOptions {
            threads,
            fit_audio_ctx: fit,
            ..WhisperOptions::default()
        },
    )?;
    for seconds in [30.0, 120.0, 180.0] {
        if only.is_some_and(|o| o != seconds) {
            continue;
        }
        let full = spoken(seconds)?;
        for stop in [Stop::TimeLimit, Stop::Enter, Stop::Silence] {
            let samples = recorded(&full, stop);

            let t = Instant::now();
            let voice = vad::detect(&samples);
            let speech = rehearse::audio::spans::speech_spans(&voice);
            let transcript = whisper.transcribe(&samples, &speech, 0.0)?;
            let _ = analysis::analyze(Inputs {
                duration_s: samples.len() as f64 / RATE as f64,
                voice: &voice,
                speech: &speech,
                transcript: &transcript,
                question: None,
            });
            let batch = t.elapsed().as_secs_f64();

            let s = stream(whisper, &samples)?;
            whisper = s.whisper;
            println!(
                "| {:.0} s | {} | {batch:.2} s | {:.2} s | batch {:.1}× slower | {} | {} |",
                seconds,
                stop.name(),
                s.latency_s,
                batch / s.latency_s,
                s.chunks,
                s.guesses
            );
        }
    }
    Ok(())
}
