//! Streaming transcription keeps accuracy: chunked WER stays within 0.5
//! points of batch WER, and no word is lost or doubled at a chunk seam.

mod common;

use common::*;
use rehearse::analysis::text;
use rehearse::audio::spans::{speech_spans, speech_spans_until};
use rehearse::audio::{vad, wav};
use rehearse::transcribe::stream::{Chunker, transcribe_chunked};
use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};

fn load() -> Whisper {
    Whisper::load(&tiny_en(), WhisperOptions::default()).unwrap()
}

fn fixture(name: &str) -> (Vec<f32>, String) {
    let label: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(format!("tests/fixtures/{name}.json"))).unwrap(),
    )
    .unwrap();
    let clip = wav::read_16k_mono(&root().join(format!("tests/fixtures/{name}.wav"))).unwrap();
    (clip.samples, label["text"].as_str().unwrap().to_string())
}

#[test]
fn streaming_wer_is_within_half_a_point_of_batch() {
    let names = [
        "cache-full",
        "debug-fillers",
        "kafka-full",
        "migration-long",
        "holdout-oncall",
        "mbrola-rest",
    ];
    let (mut ref_words, mut batch_errors, mut stream_errors) = (0, 0, 0);
    let mut whisper = load();
    for name in names {
        let (samples, reference) = fixture(name);
        let reference = text::normalize(&reference);
        let voice = vad::detect(&samples);
        let batch = whisper
            .transcribe(&samples, &speech_spans(&voice), 0.0)
            .unwrap();
        let (back, streamed) = transcribe_chunked(
            whisper,
            &samples,
            &voice.voiced,
            |n| speech_spans_until(&voice, n),
            Chunker::new(),
        )
        .unwrap();
        whisper = back;
        let b = text::word_errors(&reference, &text::normalize(&batch.text));
        let s = text::word_errors(&reference, &text::normalize(&streamed.text));
        eprintln!(
            "{name:<20} batch {b:>3} errors, streaming {s:>3} errors of {}",
            reference.len()
        );
        ref_words += reference.len();
        batch_errors += b;
        stream_errors += s;
    }
    let (b, s) = (
        batch_errors as f64 / ref_words as f64 * 100.0,
        stream_errors as f64 / ref_words as f64 * 100.0,
    );
    eprintln!("WER batch {b:.2}%, streaming {s:.2}%");
    assert!(s <= b + 0.5, "streaming WER {s:.2}% vs batch {b:.2}%");
}

#[test]
fn no_word_is_lost_or_doubled_at_mid_sentence_seams() {
    let mut whisper = load();
    // Short chunks force seams at the pauses inside sentences (commas).
    for name in ["debug-fillers", "migration-long"] {
        let (samples, reference) = fixture(name);
        let reference = text::normalize(&reference);
        let voice = vad::detect(&samples);
        let mut probe = Chunker::with_bounds(2.0, 6.0);
        let frame = 256;
        let mut seams = Vec::new();
        for n in 1..=voice.voiced.len() {
            if let Some((_, to)) = probe.cut(&voice.voiced[..n], (n * frame).min(samples.len())) {
                seams.push(to as f64 / 16_000.0);
            }
        }
        assert!(seams.len() >= 3, "{name}: only {} seams", seams.len());
        let (back, streamed) = transcribe_chunked(
            whisper,
            &samples,
            &voice.voiced,
            |n| speech_spans_until(&voice, n),
            Chunker::with_bounds(2.0, 6.0),
        )
        .unwrap();
        whisper = back;
        let words: Vec<(String, f64, f64)> = streamed
            .words
            .iter()
            .map(|w| (text::normalize(&w.word).join(" "), w.start_s, w.end_s))
            .collect();
        let said = reference.join(" ");
        let voiced_in = |from: f64, to: f64| {
            let (a, b) = ((from / vad::FRAME_S) as usize, (to / vad::FRAME_S) as usize);
            voice.voiced[a.min(voice.voiced.len())..b.min(voice.voiced.len())]
                .iter()
                .any(|v| *v)
        };
        let mut seam_errors = Vec::new();
        for &seam in &seams {
            let before: Vec<&String> = words.iter().filter(|w| w.1 < seam).map(|w| &w.0).collect();
            let after: Vec<&String> = words.iter().filter(|w| w.1 >= seam).map(|w| &w.0).collect();
            // Doubled: the end of one chunk repeated at the start of the next.
            for k in 1..=3.min(before.len()).min(after.len()) {
                let tail: Vec<&str> = before[before.len() - k..]
                    .iter()
                    .map(|s| s.as_str())
                    .collect();
                let head: Vec<&str> = after[..k].iter().map(|s| s.as_str()).collect();
                let doubled = format!("{} {}", tail.join(" "), head.join(" "));
                if tail == head && !said.contains(&doubled) {
                    seam_errors.push(format!("doubled at {seam:.1} s: {doubled:?}"));
                }
            }
            // Lost: speech right at the seam with no word for it on that side.
            if voiced_in(seam - 0.5, seam) && !words.iter().any(|w| w.2 > seam - 1.5 && w.1 < seam)
            {
                seam_errors.push(format!("speech before {seam:.1} s has no words"));
            }
            if voiced_in(seam, seam + 0.5) && !words.iter().any(|w| w.1 >= seam && w.1 < seam + 1.5)
            {
                seam_errors.push(format!("speech after {seam:.1} s has no words"));
            }
        }
        eprintln!("{name}: {} seams, seam errors {seam_errors:?}", seams.len());
        assert!(seam_errors.is_empty(), "{name}: {seam_errors:#?}");
    }
}

/// Regression: whisper-rs 0.16's `set_abort_callback_safe` reads its boxed
/// closure as the wrong type, so cancelling a guess either did nothing or
/// failed the next chunk with error -6. Cancelling must stop the guess and
/// leave the answer's state as good as new.
#[test]
fn a_cancelled_guess_stops_and_leaves_the_state_usable() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut whisper = load();
    let (samples, _) = fixture("cache-full");
    let clip = &samples[..16_000 * 20];
    let speech = speech_spans(&vad::detect(clip));
    let expected = whisper.transcribe(clip, &speech, 0.0).unwrap().text;
    let mut state = whisper.new_state().unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        flag.store(true, Ordering::Release);
    });
    let guess = whisper
        .transcribe_unless(&mut state, clip, &speech, 0.0, "", &cancel)
        .unwrap();
    canceller.join().unwrap();
    assert!(guess.is_none(), "the guess ran to the end: {guess:?}");
    cancel.store(false, Ordering::Release);
    let after = whisper
        .transcribe_with(&mut state, clip, &speech, 0.0, "")
        .unwrap();
    assert_eq!(after.text, expected);
}
