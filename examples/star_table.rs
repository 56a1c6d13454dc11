//! Writes the table `scripts/train-star` learns the STAR classifier from:
//! every labelled answer cut into units exactly as the analysis cuts a
//! transcript, each unit with its tokens, its cues and the parts its words
//! were labelled with. Answers come from the spoken fixtures' sidecars
//! (`tests/fixtures/*.json`) and from the text-only training answers
//! (`tests/fixtures/star-train.toml`); never from the first-sight set.
//!
//!     cargo run --release --example star_table -- OUT.jsonl [TRANSCRIPTS_DIR]
//!
//! Each answer's reference text is cut as a transcript with no pauses would
//! be (full stops, then clause openers in long sentences). With
//! `TRANSCRIPTS_DIR` (the `EVAL_TRANSCRIPTS` folder of `examples/eval.rs`),
//! the whisper transcripts kept there for a fixture are cut too, with the
//! pauses of its audio, and each word takes the label of the reference word
//! it aligns to.

use std::io::Write;
use std::path::Path;

use rehearse::analysis::star::{cues, units};
use rehearse::analysis::{text, timing};
use rehearse::audio::{vad, wav};
use rehearse::bank::Bank;
use rehearse::transcribe::{Transcript, Word};
use serde_json::{Value, json};

#[path = "common/eval.rs"]
mod eval;

/// A labelled answer: its text, the STAR letters of each word (split at
/// whitespace), and which words end a labelled sentence.
struct Labelled {
    name: String,
    text: String,
    word_parts: Vec<String>,
    sentence_of: Vec<usize>,
    star: Value,
}

fn labelled(name: &str, text: &str, parts: &[String], star: Value) -> Labelled {
    let sentences: Vec<&str> = split_sentences(text);
    assert_eq!(sentences.len(), parts.len(), "{name}: sentences and labels");
    let mut word_parts = Vec::new();
    let mut sentence_of = Vec::new();
    for (k, (s, p)) in sentences.iter().zip(parts).enumerate() {
        for _ in s.split_whitespace() {
            word_parts.push(p.replace('-', ""));
            sentence_of.push(k);
        }
    }
    Labelled {
        name: name.to_string(),
        text: text.to_string(),
        word_parts,
        sentence_of,
        star,
    }
}

/// Sentences as `scripts/make-fixtures` splits them: after `.`, `?` or `!`
/// followed by whitespace.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        if matches!(bytes[i], b'.' | b'?' | b'!')
            && bytes.get(i + 1).is_some_and(|b| b.is_ascii_whitespace())
        {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// The most common label among the given word labels.
fn majority(labels: &[&str]) -> String {
    let mut best = ("", 0);
    for l in labels {
        let n = labels.iter().filter(|x| *x == l).count();
        if n > best.1 {
            best = (l, n);
        }
    }
    best.0.to_string()
}

fn row(units: Vec<Value>, a: &Labelled, source: &str, kind: &str) -> Value {
    json!({
        "answer": a.name,
        "set": eval_set(&a.name),
        "source": source,
        "kind": kind,
        "star": a.star,
        "units": units,
    })
}

fn eval_set(name: &str) -> String {
    let head = name.split('-').next().unwrap_or("");
    if head.starts_with("holdout") || head.starts_with("train") {
        head.to_string()
    } else {
        "tuned".to_string()
    }
}

fn unit_json(text: &str, labels: String, ambiguous: bool) -> Value {
    let tokens = cues::tokens(text);
    json!({
        "text": text,
        "tokens": tokens,
        "cues": cues::features(text, &tokens),
        "labels": labels,
        "ambiguous": ambiguous,
    })
}

/// The reference text cut as a transcript without pauses would be.
fn text_units(a: &Labelled) -> Vec<Value> {
    let words: Vec<Word> = a
        .text
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| Word {
            word: w.to_string(),
            start_s: i as f64 * 0.3,
            end_s: i as f64 * 0.3 + 0.25,
            probability: 1.0,
        })
        .collect();
    units::units(&words, &[])
        .iter()
        .map(|u| {
            let labels: Vec<&str> = a.word_parts[u.first_word..u.end_word]
                .iter()
                .map(String::as_str)
                .collect();
            let label = majority(&labels);
            // Part of a sentence labelled with several parts: which part this
            // piece tells is not known.
            let sentences: std::collections::BTreeSet<usize> = a.sentence_of
                [u.first_word..u.end_word]
                .iter()
                .copied()
                .collect();
            let whole = sentences.iter().all(|&k| {
                let count = a.sentence_of.iter().filter(|&&s| s == k).count();
                let inside = a.sentence_of[u.first_word..u.end_word]
                    .iter()
                    .filter(|&&s| s == k)
                    .count();
                count == inside
            });
            let ambiguous = !whole && label.len() > 1;
            unit_json(&u.text, label, ambiguous)
        })
        .collect()
}

/// A kept transcript of the fixture cut with its audio's pauses; each word
/// labelled as the reference word it aligns to.
fn transcript_units(a: &Labelled, transcript: &Transcript, samples: &[f32]) -> Vec<Value> {
    let voice = vad::detect(samples);
    let spans = timing::speech_spans(&voice);
    let mut words = transcript.words.clone();
    rehearse::transcribe::snap_words(&mut words, &spans);
    // Normalised tokens of each side, and the word each came from.
    let flatten = |ws: Vec<&str>| -> (Vec<String>, Vec<usize>) {
        let mut toks = Vec::new();
        let mut from = Vec::new();
        for (i, w) in ws.iter().enumerate() {
            for t in text::normalize(w) {
                toks.push(t);
                from.push(i);
            }
        }
        (toks, from)
    };
    let (ref_toks, ref_from) = flatten(a.text.split_whitespace().collect());
    let (hyp_toks, hyp_from) = flatten(words.iter().map(|w| w.word.as_str()).collect());
    let mut label_of: Vec<Option<String>> = vec![None; words.len()];
    for (r, h) in text::align(&ref_toks, &hyp_toks) {
        let slot = &mut label_of[hyp_from[h]];
        if slot.is_none() {
            *slot = Some(a.word_parts[ref_from[r]].clone());
        }
    }
    // Unaligned words take the label of the nearest aligned word before them.
    let mut last = a.word_parts.first().cloned().unwrap_or_default();
    let labels: Vec<String> = label_of
        .into_iter()
        .map(|l| {
            if let Some(l) = l {
                last = l;
            }
            last.clone()
        })
        .collect();
    units::units(&words, &spans)
        .iter()
        .map(|u| {
            let ls: Vec<&str> = labels[u.first_word..u.end_word]
                .iter()
                .map(String::as_str)
                .collect();
            let label = majority(&ls);
            let mixed = ls.iter().any(|l| *l != label);
            unit_json(&u.text, label, mixed)
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out_path = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: star_table OUT.jsonl [TRANSCRIPTS_DIR]"))?;
    let transcripts = args.get(1).map(Path::new);
    let bank = Bank::load(&root.join("questions"))?;
    let kind = |q: &str| {
        bank.get(q).map_or("behavioral", |q| match q.kind {
            rehearse::bank::Kind::Behavioral => "behavioral",
            _ => "technical",
        })
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(out_path)?);
    let mut answers = 0;
    for f in eval::fixtures(root) {
        if eval::is_first_sight(&f.name) {
            continue;
        }
        let Some(sentences) = f.label["sentences"].as_array() else {
            continue;
        };
        let parts: Vec<String> = sentences
            .iter()
            .map(|s| s["parts"].as_str().unwrap_or("-").to_string())
            .collect();
        let question = f.label["question"].as_str().unwrap_or("");
        let a = labelled(
            &f.name,
            f.label["text"].as_str().unwrap_or(""),
            &parts,
            f.label["star"].clone(),
        );
        writeln!(out, "{}", row(text_units(&a), &a, "text", kind(question)))?;
        answers += 1;
        if let Some(dir) = transcripts {
            let clean = wav::read_16k_mono(&f.wav)?.samples;
            for condition in [eval::Condition::Clean, eval::Condition::Noise(15)] {
                let name = condition.name().replace(' ', "-");
                let path = dir.join(format!("{}.{name}.json", f.name));
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let t: Transcript = serde_json::from_slice(&bytes)?;
                // The audio as the harness played it, for its pauses.
                let samples = match condition {
                    eval::Condition::Noise(db) => {
                        eval::with_noise(&clean, f32::from(db), 0x9e37_79b9_7f4a_7c15)
                    }
                    _ => clean.clone(),
                };
                let condition = if name == "clean" { "clean" } else { "noise" };
                let units = transcript_units(&a, &t, &samples);
                writeln!(out, "{}", row(units, &a, condition, kind(question)))?;
            }
        }
    }
    let train: toml::Value = toml::from_str(&std::fs::read_to_string(
        root.join("tests/fixtures/star-train.toml"),
    )?)?;
    for t in train["answer"].as_array().into_iter().flatten() {
        let parts: Vec<String> = t["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(String::from))
            .collect();
        let star: Value = serde_json::to_value(&t["star"])?;
        let question = t["question"].as_str().unwrap_or("");
        let a = labelled(
            t["name"].as_str().unwrap_or(""),
            t["text"].as_str().unwrap_or(""),
            &parts,
            star,
        );
        writeln!(out, "{}", row(text_units(&a), &a, "text", kind(question)))?;
        answers += 1;
    }
    eprintln!("{out_path}: {answers} answers");
    Ok(())
}
