//! Experiment: can "um"/"uh" that whisper left out be found acoustically, as
//! voiced stretches with no transcribed word on them? For every fixture,
//! prints the fillers said, the fillers whisper kept, and the voiced
//! stretches of 150–800 ms that no word covers.
//!
//!     cargo run --release --example filled_pauses

use rehearse::analysis::timing;
use rehearse::audio::{vad, wav};
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

#[path = "common/eval.rs"]
mod eval;

fn main() -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut whisper = Whisper::load(
        &root.join("models/ggml-tiny.en.bin"),
        WhisperOptions::default(),
    )?;
    let (mut said, mut kept, mut found, mut found_where_none) = (0, 0, 0, 0);
    for f in eval::fixtures(root) {
        let samples = wav::read_16k_mono(&f.wav)?.samples;
        let voice = vad::detect(&samples);
        let spans = timing::speech_spans(&voice);
        let mut t = whisper.transcribe(&samples, 0.0)?;
        timing::snap_words(&mut t.words, &spans);
        let kept_here = rehearse::analysis::fillers::fillers(&t.words, 1.0).total;
        let mut gaps = Vec::new();
        for s in &spans {
            // Walk the span; every stretch no word overlaps is a candidate.
            let mut at = s.start_s;
            let mut words: Vec<_> = t
                .words
                .iter()
                .filter(|w| w.end_s > s.start_s && w.start_s < s.end_s)
                .collect();
            words.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
            for w in words
                .iter()
                .map(|w| (w.start_s, w.end_s))
                .chain([(s.end_s, s.end_s)])
            {
                let gap = w.0 - at;
                if (0.15..=0.8).contains(&gap) {
                    gaps.push((at, w.0));
                }
                at = at.max(w.1);
            }
        }
        let labelled = f.label["fillers"].as_u64().unwrap_or(0) as usize;
        said += labelled;
        kept += kept_here;
        found += gaps.len();
        if labelled == 0 {
            found_where_none += gaps.len();
        }
        println!(
            "{:<32} said {labelled:>2}  kept {kept_here:>2}  unworded voiced stretches {:>2} {:?}",
            f.name,
            gaps.len(),
            gaps.iter()
                .map(|(a, b)| format!("{a:.2}-{b:.2}"))
                .collect::<Vec<_>>()
        );
    }
    println!(
        "fillers said {said}, kept by whisper {kept}; unworded stretches {found}, of which {found_where_none} in answers with no filler"
    );
    Ok(())
}
