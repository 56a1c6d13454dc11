//! End-of-answer → full report latency, streaming against batch, on the same
//! audio in the same run.
//!
//!     cargo run --release --example bench_latency [-- MODEL.bin]
//!
//! Answers of 30 s, 2 min and 3 min are cut from the spoken fixtures. Batch:
//! transcribe everything after the answer ends, then analyse. Streaming: the
//! chunks before the last are transcribed while the candidate speaks (the
//! table checks that each took less time than its own length, so they keep
//! up in real time); after the answer ends only the last chunk, the merge and
//! the analysis remain, and that is what is timed.

use std::time::Instant;

use rehearse::analysis::{self, Inputs};
use rehearse::audio::{vad, wav};
use rehearse::transcribe::stream::{Chunk, Chunker, StreamingTranscriber};
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

fn answer(seconds: f64) -> anyhow::Result<Vec<f32>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut samples = Vec::new();
    for name in [
        "migration-long",
        "cache-full",
        "kafka-full",
        "result-first",
        "holdout-oncall",
    ] {
        samples.extend(wav::read_16k_mono(&root.join(format!("{name}.wav")))?.samples);
    }
    samples.truncate((seconds * 16_000.0) as usize);
    Ok(samples)
}

fn main() -> anyhow::Result<()> {
    let model = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-tiny.en.bin")
        });
    let threads = 2;
    println!("model {}, {threads} threads, greedy", model.display());
    println!(
        "| answer | encoder context | batch: end → report | streaming: end → report | ratio | chunks | slowest chunk RTF |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut whisper = Whisper::load(
        &model,
        WhisperOptions {
            threads,
            ..WhisperOptions::default()
        },
    )?;
    for (seconds, fit) in [
        (30.0, false),
        (120.0, false),
        (180.0, false),
        (30.0, true),
        (120.0, true),
        (180.0, true),
    ] {
        let samples = answer(seconds)?;
        let voice = vad::detect(&samples);

        let t = Instant::now();
        let transcript = whisper.transcribe(&samples, 0.0)?;
        let _ = analysis::analyze(Inputs {
            duration_s: seconds,
            voice: &voice,
            transcript: &transcript,
            question: None,
        });
        let batch = t.elapsed().as_secs_f64();

        // Streaming: everything but the last chunk happens during the answer.
        let mut chunker = Chunker::new();
        let mut chunks = Vec::new();
        for n in 1..=voice.voiced.len() {
            if let Some(c) = chunker.cut(&voice.voiced[..n], (n * 256).min(samples.len())) {
                chunks.push(c);
            }
        }
        let last = (chunker.open_from(), samples.len());
        whisper.fit_audio_ctx(fit);
        let stream = StreamingTranscriber::start(whisper)?;
        let mut slowest_rtf: f64 = 0.0;
        for &(from, to) in &chunks {
            let t = Instant::now();
            stream.push(Chunk {
                samples: samples[from..to].to_vec(),
                offset_s: from as f64 / 16_000.0,
            });
            let _ = stream.captions.recv();
            slowest_rtf =
                slowest_rtf.max(t.elapsed().as_secs_f64() / ((to - from) as f64 / 16_000.0));
        }
        let t = Instant::now();
        if last.0 < last.1 {
            stream.push(Chunk {
                samples: samples[last.0..].to_vec(),
                offset_s: last.0 as f64 / 16_000.0,
            });
        }
        let (back, transcript) = stream.finish()?;
        let _ = analysis::analyze(Inputs {
            duration_s: seconds,
            voice: &voice,
            transcript: &transcript,
            question: None,
        });
        let streaming = t.elapsed().as_secs_f64();
        whisper = back;
        whisper.fit_audio_ctx(false);
        println!(
            "| {:.0} s | {} | {batch:.2} s | {streaming:.2} s | batch {:.1}× slower | {} | {slowest_rtf:.2} |",
            seconds,
            if fit {
                "fitted to chunk"
            } else {
                "full 30 s (default)"
            },
            batch / streaming,
            chunks.len() + 1
        );
    }
    Ok(())
}
