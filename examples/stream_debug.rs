//! Prints batch and chunked transcripts of one fixture side by side.
//!
//!     cargo run --release --example stream_debug -- NAME [prompt|noprompt]
use rehearse::audio::{vad, wav};
use rehearse::transcribe::stream::{Chunker, transcribe_chunked};
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

fn main() -> anyhow::Result<()> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "kafka-full".into());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let clip = wav::read_16k_mono(&root.join(format!("tests/fixtures/{name}.wav")))?;
    let mut w = Whisper::load(
        &root.join("models/ggml-tiny.en.bin"),
        WhisperOptions::default(),
    )?;
    println!("BATCH: {}", w.transcribe(&clip.samples, 0.0)?.text);
    let voice = vad::detect(&clip.samples);
    let mut probe = Chunker::new();
    for n in 1..=voice.voiced.len() {
        if let Some((a, b)) = probe.cut(&voice.voiced[..n], (n * 256).min(clip.samples.len())) {
            let trailing = voice.voiced[..n].iter().rev().take_while(|v| !**v).count();
            println!(
                "chunk {:.2}-{:.2} at n={n} trailing={trailing}",
                a as f64 / 16000.0,
                b as f64 / 16000.0
            );
        }
    }
    let (_, t) = transcribe_chunked(w, &clip.samples, &voice.voiced, Chunker::new())?;
    println!("STREAM: {}", t.text);
    Ok(())
}
