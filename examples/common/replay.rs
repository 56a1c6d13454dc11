//! Shared by the benchmark examples: spoken answers cut from the fixtures,
//! stopped in the ways a live answer stops, and replayed through the capture
//! worker's voice detector and chunker with the end in real time.

// Each example that includes this file uses only part of it.
#![allow(dead_code)]

use rehearse::audio::spans::speech_spans;
use std::time::{Duration, Instant};

use rehearse::analysis::{self, Inputs};
use rehearse::audio::vad::{self, Vad};
use rehearse::audio::wav;
use rehearse::transcribe::Whisper;
use rehearse::transcribe::stream::{Chunk, ChunkKind, Chunker, Step, StreamingTranscriber};

pub const RATE: usize = 16_000;
/// How much of the end of each answer is fed at the speed of speech.
const REALTIME_TAIL_S: f64 = 30.0;

#[derive(Clone, Copy)]
pub enum Stop {
    TimeLimit,
    Enter,
    Silence,
}

impl Stop {
    pub fn name(self) -> &'static str {
        match self {
            Stop::TimeLimit => "time limit (mid-sentence)",
            Stop::Enter => "Enter, 1 s after the last word",
            Stop::Silence => "5 s silence stop",
        }
    }
}

pub fn spoken(seconds: f64) -> anyhow::Result<Vec<f32>> {
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
    samples.truncate((seconds * RATE as f64) as usize);
    Ok(samples)
}

/// The answer as recorded for a given way of stopping.
pub fn recorded(full: &[f32], stop: Stop) -> Vec<f32> {
    let pad_s = match stop {
        Stop::TimeLimit => return full.to_vec(),
        Stop::Enter => 1.0,
        Stop::Silence => 5.0,
    };
    // End on the last word before the limit, then the silence before the stop.
    let voice = vad::detect(full);
    let last = voice.voiced.iter().rposition(|v| *v).map_or(0, |i| i + 1);
    let end = ((last as f64 * vad::FRAME_S) * RATE as f64) as usize;
    let mut out = full[..end.min(full.len())].to_vec();
    out.extend(std::iter::repeat_n(0.0, (pad_s * RATE as f64) as usize));
    out
}

pub struct Streamed {
    pub latency_s: f64,
    pub chunks: usize,
    pub guesses: usize,
    pub whisper: Whisper,
}

/// Replays `samples` as the capture worker sees them and times stop → report.
pub fn stream(whisper: Whisper, samples: &[f32]) -> anyhow::Result<Streamed> {
    let stream = StreamingTranscriber::start(whisper)?;
    let mut vad = Vad::default();
    let mut chunker = Chunker::new();
    let realtime_from = samples
        .len()
        .saturating_sub((REALTIME_TAIL_S * RATE as f64) as usize);
    let (mut chunks, mut guesses, mut pending) = (0, 0, 0);
    let mut clock: Option<Instant> = None;
    for (i, block) in samples.chunks(RATE / 100).enumerate() {
        let at = i * (RATE / 100);
        if at >= realtime_from {
            // Before the real-time tail the worker has caught up, as it would live.
            let start = *clock.get_or_insert_with(|| {
                for _ in 0..pending {
                    let _ = stream.captions.recv();
                }
                Instant::now()
            });
            let due = Duration::from_secs_f64((at - realtime_from) as f64 / RATE as f64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        vad.push(block);
        let heard = at + block.len();
        match chunker.step(&vad.activity.voiced, heard) {
            Some(step @ Step::Commit(..)) => {
                tracing::debug!(?step, realtime = clock.is_some(), "replay: commit");
                stream.push(step.chunk(samples, &speech_spans(&vad.activity)));
                chunks += 1;
                if clock.is_none() {
                    pending += 1;
                }
            }
            Some(step @ (Step::Guess(..) | Step::Settled(..))) if clock.is_some() => {
                tracing::debug!(?step, "replay: guess");
                stream.push(step.chunk(samples, &speech_spans(&vad.activity)));
                guesses += 1;
            }
            _ => {}
        }
    }
    let t = Instant::now();
    tracing::debug!(samples = samples.len(), "replay: stop");
    if let Some(span) = chunker.last(&vad.activity.voiced, samples.len()) {
        stream.push(Chunk::of(
            samples,
            &speech_spans(&vad.activity),
            span,
            ChunkKind::Last,
        ));
        chunks += 1;
    }
    let (whisper, finished) = stream.finish()?;
    let transcript = finished.transcript;
    let _ = analysis::analyze(Inputs {
        duration_s: samples.len() as f64 / RATE as f64,
        voice: &vad.activity,
        speech: &speech_spans(&vad.activity),
        transcript: &transcript,
        question: None,
    });
    Ok(Streamed {
        latency_s: t.elapsed().as_secs_f64(),
        chunks,
        guesses,
        whisper,
    })
}
