//! One row of the model-choice table: word error rate over every spoken
//! fixture (batch), real-time factor, stop → report latency of a 3-minute
//! answer (streaming, time-limit and Enter stops) and this process's peak RSS.
//! `scripts/bench` runs it once per configuration, each in its own process.
//!
//!     cargo run --release --example model_table -- MODEL.bin THREADS BEAM

use std::time::Instant;

use rehearse::analysis::text;
use rehearse::audio::wav;
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

#[path = "common/eval.rs"]
mod eval;
#[path = "common/replay.rs"]
mod replay;
use replay::{Stop, recorded, spoken, stream};

fn peak_rss_mb() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let model = std::path::PathBuf::from(args.next().expect("MODEL.bin"));
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let beam: usize = args.next().and_then(|b| b.parse().ok()).unwrap_or(1);
    let mut whisper = Whisper::load(
        &model,
        WhisperOptions {
            threads,
            beam_size: beam,
            ..WhisperOptions::default()
        },
    )?;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut words, mut errors, mut audio_s, mut busy_s) = (0, 0, 0.0, 0.0);
    for f in eval::fixtures(root) {
        let clip = wav::read_16k_mono(&f.wav)?;
        let t = Instant::now();
        let speech =
            rehearse::audio::spans::speech_spans(&rehearse::audio::vad::detect(&clip.samples));
        let heard = whisper.transcribe(&clip.samples, &speech, 0.0)?;
        busy_s += t.elapsed().as_secs_f64();
        audio_s += clip.samples.len() as f64 / 16_000.0;
        let reference = text::normalize(f.label["text"].as_str().unwrap_or_default());
        errors += text::word_errors(&reference, &text::normalize(&heard.text));
        words += reference.len();
    }
    let full = spoken(180.0)?;
    let mut latency = Vec::new();
    for stop in [Stop::TimeLimit, Stop::Enter] {
        let s = stream(whisper, &recorded(&full, stop))?;
        latency.push(s.latency_s);
        whisper = s.whisper;
    }
    let name = model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    println!(
        "| {name} | {} | {threads} | {:.2} % | {:.3} | {:.2} s | {:.2} s | {:.0} MB |",
        if beam > 1 {
            format!("beam {beam}")
        } else {
            "greedy".into()
        },
        100.0 * errors as f64 / words.max(1) as f64,
        busy_s / audio_s,
        latency[0],
        latency[1],
        peak_rss_mb()
    );
    Ok(())
}
