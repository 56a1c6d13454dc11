//! The evaluation harness: runs the whole analysis on the labelled spoken
//! fixtures (`tests/fixtures/*.wav` + `.json`) under several conditions and
//! scores it against the labels. Shared by `examples/eval.rs` (the full table,
//! written to EVALUATION.md) and `tests/eval.rs` (the quick check in CI).

// Each file that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use rehearse::analysis::{fillers, star, text};
use rehearse::audio::{vad, wav};
use rehearse::bank::Bank;
use rehearse::session;
use rehearse::transcribe::Whisper;
use rehearse::transcribe::Word;

pub const PARTS: [&str; 4] = ["situation", "task", "action", "result"];
const RATE: f64 = 16_000.0;

/// A labelled fixture.
pub struct Fixture {
    pub name: String,
    pub wav: PathBuf,
    pub label: serde_json::Value,
}

impl Fixture {
    /// Engine and voice, e.g. `festival kal_diphone`.
    pub fn voice(&self) -> String {
        format!(
            "{} {}",
            self.label["engine"].as_str().unwrap_or("?"),
            self.label["voice"].as_str().unwrap_or("?")
        )
    }

    /// Where the labelled fillers start: word indices into the text.
    pub fn filler_at(&self) -> Vec<usize> {
        self.label["filler_at"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.as_u64())
                    .map(|i| i as usize)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whether a fixture belongs to the first-sight set: answers written without
/// reading the detector, scored once before it changed, never tuned on.
pub fn is_first_sight(name: &str) -> bool {
    name.starts_with("firstsight")
}

/// Every labelled fixture, by name.
pub fn fixtures(root: &Path) -> Vec<Fixture> {
    let dir = root.join("tests/fixtures");
    let mut out: Vec<Fixture> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| Fixture {
            name: p.file_stem().unwrap().to_string_lossy().into_owned(),
            wav: p.with_extension("wav"),
            label: serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A recording condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Condition {
    /// As rendered.
    Clean,
    /// White noise mixed in at this signal-to-noise ratio in dB (over the
    /// speech); 15 in the standard run.
    Noise(u8),
    /// Pink noise at this signal-to-noise ratio in dB (a sweep, not part of
    /// the standard run).
    PinkNoise(u8),
    /// 5 s of silence inserted at the pause nearest the middle of the answer.
    Gap5,
}

impl Condition {
    pub fn name(self) -> String {
        match self {
            Condition::Clean => "clean".to_string(),
            Condition::Noise(db) => format!("noise {db} dB SNR"),
            Condition::PinkNoise(db) => format!("pink noise {db} dB SNR"),
            Condition::Gap5 => "5 s silence gap".to_string(),
        }
    }

    /// The samples under this condition, and how much the true speaking span grew.
    fn apply(self, clean: &[f32]) -> (Vec<f32>, f64) {
        match self {
            Condition::Clean => (clean.to_vec(), 0.0),
            Condition::Noise(db) => (with_noise(clean, f32::from(db), 0x9e37_79b9_7f4a_7c15), 0.0),
            Condition::PinkNoise(db) => (
                with_pink_noise(clean, f32::from(db), 0x9e37_79b9_7f4a_7c15),
                0.0,
            ),
            Condition::Gap5 => {
                let voice = vad::detect(clean);
                let middle = voice.voiced.len() / 2;
                // The silent frame nearest the middle, between two words.
                let at = (0..voice.voiced.len() / 2)
                    .flat_map(|d| [middle + d, middle.saturating_sub(d)])
                    .find(|&i| {
                        i > 0
                            && i + 1 < voice.voiced.len()
                            && !voice.voiced[i]
                            && !voice.voiced[i - 1]
                    })
                    .unwrap_or(middle);
                let cut = ((at as f64 * vad::FRAME_S) * RATE) as usize;
                let mut out = clean[..cut].to_vec();
                out.extend(std::iter::repeat_n(0.0, (5.0 * RATE) as usize));
                out.extend_from_slice(&clean[cut..]);
                (out, 5.0)
            }
        }
    }
}

/// `clean` with white noise `snr_db` below its speech (samples above 0.01),
/// from a fixed-seed generator so every run hears the same noise.
pub fn with_noise(clean: &[f32], snr_db: f32, seed: u64) -> Vec<f32> {
    // Uniform noise in [-1, 1] has RMS 1/sqrt(3).
    mix(clean, &white(clean.len(), seed), 3f32.sqrt(), snr_db)
}

/// The same with pink noise (-3 dB per octave, nearer a room's fans and
/// traffic than white noise): Paul Kellet's filter over the same white noise.
pub fn with_pink_noise(clean: &[f32], snr_db: f32, seed: u64) -> Vec<f32> {
    let mut b = [0f32; 3];
    let pink: Vec<f32> = white(clean.len(), seed)
        .into_iter()
        .map(|w| {
            b[0] = 0.99765 * b[0] + w * 0.0990;
            b[1] = 0.96300 * b[1] + w * 0.2965;
            b[2] = 0.57000 * b[2] + w * 1.0526;
            b[0] + b[1] + b[2] + w * 0.1848
        })
        .collect();
    let rms = (pink.iter().map(|s| s * s).sum::<f32>() / pink.len().max(1) as f32).sqrt();
    mix(clean, &pink, 1.0 / rms.max(f32::MIN_POSITIVE), snr_db)
}

/// Uniform noise in [-1, 1] from a fixed-seed xorshift generator.
fn white(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0
        })
        .collect()
}

/// `noise` (times `to_unit_rms` it has RMS 1) scaled to `snr_db` below the
/// speech of `clean` (its samples above 0.01) and added.
fn mix(clean: &[f32], noise: &[f32], to_unit_rms: f32, snr_db: f32) -> Vec<f32> {
    let voiced: Vec<f32> = clean.iter().copied().filter(|s| s.abs() > 0.01).collect();
    let power = voiced.iter().map(|s| s * s).sum::<f32>() / voiced.len().max(1) as f32;
    let noise_rms = (power / 10f32.powf(snr_db / 10.0)).sqrt();
    let scale = noise_rms * to_unit_rms;
    clean
        .iter()
        .zip(noise)
        .map(|(s, n)| (s + n * scale).clamp(-1.0, 1.0))
        .collect()
}

/// Which STAR detector the harness scores.
pub enum StarDetector {
    /// The classifier built into the binary (what ships).
    Builtin,
    /// A classifier read from a file: one trained with some sets left out
    /// (`scripts/train-star --exclude`), to score it on them.
    Model(star::Model),
}

static DETECTOR: OnceLock<StarDetector> = OnceLock::new();

/// Sets the STAR detector for every later [`run`] (the built-in one unless set).
pub fn use_star_detector(detector: StarDetector) {
    let _ = DETECTOR.set(detector);
}

/// One answer's outcome.
pub struct Outcome {
    pub fixture: String,
    pub voice: String,
    pub condition: Condition,
    pub ref_words: usize,
    pub word_errors: usize,
    /// (labelled, detected) per STAR part.
    pub star: [(bool, bool); 4],
    pub fillers_labelled: usize,
    pub fillers_detected: usize,
    /// Of those, found where a filler was said ([`fillers_in_place`]).
    pub fillers_in_place: usize,
    pub wpm_error: f64,
    pub thinking_error_s: f64,
    pub analysis_ms: f64,
    /// The analysis's estimate of speech over background, dB.
    pub speech_over_noise_db: Option<f64>,
    /// Whether the report warned that the recording is noisy.
    pub warned_noisy: bool,
    /// Per STAR part, when both labelled and detected: the overlap of the
    /// detected sentences with the labelled ones (see [`span_overlap`]).
    pub overlap: [Option<f64>; 4],
    /// The transcript and timing, for reading a miss.
    pub detail: String,
}

/// How an answer is transcribed.
pub enum Decode<'a> {
    /// In one go, as `rehearse analyze` does.
    Batch(&'a mut Whisper),
    /// In chunks cut at pauses, as a live practice answer is: the streaming
    /// worker's code (`transcribe_chunked`), with a model loaded from this
    /// file for each answer (the worker takes the model for its thread).
    Streamed(&'a std::path::Path),
    /// Not at all: the transcript kept in this folder by an earlier run
    /// (`EVAL_TRANSCRIPTS`), which must be there.
    Kept(&'a std::path::Path),
}

/// Runs one fixture under one condition.
pub fn run(decode: Decode, bank: &Bank, f: &Fixture, condition: Condition) -> Outcome {
    let clean = wav::read_16k_mono(&f.wav).unwrap().samples;
    let (samples, stretch_s) = condition.apply(&clean);
    // The audio as the pipeline hears it, to run `rehearse analyze` on a miss.
    if let Some(dir) = std::env::var_os("EVAL_DUMP") {
        let name = format!("{}.{}.wav", f.name, condition.name().replace(' ', "-"));
        wav::write_16k_mono(&std::path::Path::new(&dir).join(name), &samples).unwrap();
    }
    // A fixture's question must be in the built-in bank, as `rehearse
    // analyze --question` needs it to be.
    let question = f.label["question"]
        .as_str()
        .map(|id| bank.get(id).unwrap_or_else(|e| panic!("{}: {e}", f.name)));
    let voice = vad::detect(&samples);
    // Transcripts kept from an earlier run, so that analysis changes can be
    // measured in seconds (the decoding options must not have changed).
    let kept_dir = match &decode {
        Decode::Kept(dir) => Some(dir.to_path_buf()),
        _ => std::env::var_os("EVAL_TRANSCRIPTS").map(PathBuf::from),
    };
    let kept = kept_dir.map(|dir| {
        let name = format!("{}.{}.json", f.name, condition.name().replace(' ', "-"));
        dir.join(name)
    });
    let cached: Option<rehearse::transcribe::Transcript> = kept
        .as_ref()
        .and_then(|p| std::fs::read(p).ok())
        .map(|bytes| serde_json::from_slice(&bytes).unwrap());
    let a = match (decode, cached) {
        (_, Some(transcript)) => {
            session::analyze_transcribed(&samples, &voice, &transcript, question, &f.name).unwrap()
        }
        (Decode::Batch(whisper), None) => {
            session::analyze_samples(&samples, question, whisper, &f.name).unwrap()
        }
        (Decode::Kept(dir), None) => panic!(
            "{}: no transcript kept in {} for {}",
            f.name,
            dir.display(),
            condition.name()
        ),
        (Decode::Streamed(model), None) => {
            let whisper =
                Whisper::load(model, rehearse::transcribe::WhisperOptions::default()).unwrap();
            let (_, transcript) = rehearse::transcribe::stream::transcribe_chunked(
                whisper,
                &samples,
                &voice.voiced,
                |n| rehearse::audio::spans::speech_spans_until(&voice, n),
                rehearse::transcribe::stream::Chunker::new(),
            )
            .unwrap();
            session::analyze_transcribed(&samples, &voice, &transcript, question, &f.name).unwrap()
        }
    };
    let mut a = a;
    match DETECTOR.get() {
        None | Some(StarDetector::Builtin) => {}
        Some(StarDetector::Model(model)) => {
            let spans = rehearse::analysis::timing::speech_spans(&voice);
            a.star = star::star_with(&a.transcript.words, &spans, model);
        }
    }
    if let Some(p) = kept.filter(|p| !p.exists()) {
        std::fs::write(p, serde_json::to_vec(&a.transcript).unwrap()).unwrap();
    }
    // The analysis alone (no transcription), for the time budget.
    let t = Instant::now();
    let _ = session::analyze_transcribed(&samples, &voice, &a.transcript, question, &f.name);
    let analysis_ms = t.elapsed().as_secs_f64() * 1000.0;

    let reference = text::normalize(f.label["text"].as_str().unwrap());
    let heard = text::normalize(&a.transcript.text);
    let truth = &f.label["truth"];
    // Words as said ("900" is two), as the analysis counts them.
    let words = text::spoken_words(f.label["text"].as_str().unwrap()) as f64;
    let true_wpm = words * 60.0 / (truth["speech_s"].as_f64().unwrap() + stretch_s);
    let star = PARTS.map(|p| {
        let detected = match p {
            "situation" => a.star.situation.present,
            "task" => a.star.task.present,
            "action" => a.star.action.part.present,
            _ => a.star.result.part.present,
        };
        (f.label["star"][p].as_bool().unwrap(), detected)
    });
    let labelled: Vec<(String, String)> = f.label["sentences"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| {
                    (
                        s["text"].as_str().unwrap_or_default().to_string(),
                        s["parts"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let detected: Vec<(String, String)> = a
        .star
        .sentences
        .iter()
        .map(|l| (l.unit.text.clone(), l.parts.iter().collect()))
        .collect();
    let overlap = PARTS.map(|p| {
        let letter = p.chars().next().unwrap().to_ascii_uppercase();
        span_overlap(&labelled, &detected, letter)
    });
    Outcome {
        overlap,
        fixture: f.name.clone(),
        voice: f.voice(),
        condition,
        ref_words: reference.len(),
        word_errors: text::word_errors(&reference, &heard),
        star,
        fillers_labelled: f.label["fillers"].as_u64().unwrap() as usize,
        fillers_detected: a.fillers.total,
        fillers_in_place: fillers_in_place(
            f.label["text"].as_str().unwrap(),
            &f.filler_at(),
            &a.transcript.words,
            &a.fillers.occurrences,
        ),
        wpm_error: (a.timing.wpm / true_wpm - 1.0).abs(),
        thinking_error_s: (a.timing.thinking_s - truth["thinking_s"].as_f64().unwrap()).abs(),
        analysis_ms,
        speech_over_noise_db: a.audio.speech_over_noise_db,
        warned_noisy: a.audio.noise_warning().is_some(),
        detail: format!(
            "[{}] words {} (true {words}), answer {:.2} s (true {:.2} s), wpm {:.1} (true {true_wpm:.1})\n{}\n{}",
            condition.name(),
            a.timing.words,
            a.timing.answer_s,
            truth["speech_s"].as_f64().unwrap() + stretch_s,
            a.timing.wpm,
            a.transcript.text,
            unit_table(&a.star, &a.transcript.words, &voice),
        ),
    }
}

/// Every unit of the answer with the classifier's probabilities (S T A R),
/// which parts the evidence rules allow it to make present, and what the
/// report made of it: for reading a miss with `--show`.
fn unit_table(shown: &star::Star, words: &[Word], voice: &vad::VoiceActivity) -> String {
    let model = match DETECTOR.get() {
        Some(StarDetector::Model(model)) => Some(model),
        _ => star::Model::builtin(),
    };
    let Some(model) = model else {
        return String::new();
    };
    let spans = rehearse::analysis::timing::speech_spans(voice);
    let units = star::units::units(words, &spans);
    let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
    let probabilities = model.probabilities(&texts);
    let th = model.thresholds();
    let mut out = format!(
        "present from S {:.2} T {:.2} A {:.2} R {:.2}; weak from S {:.2} T {:.2} A {:.2} R {:.2}\n",
        th.present[0],
        th.present[1],
        th.present[2],
        th.present[3],
        th.weak[0],
        th.weak[1],
        th.weak[2],
        th.weak[3]
    );
    for ((unit, p), l) in units.iter().zip(&probabilities).zip(&shown.sentences) {
        let allowed = star::evidence::allowed(&unit.text);
        let marks: String = "STAR"
            .chars()
            .zip(allowed)
            .map(|(c, ok)| if ok { c } else { '·' })
            .collect();
        let parts: String = l.parts.iter().collect();
        let weak: String = l.weak.iter().map(|c| c.to_ascii_lowercase()).collect();
        out.push_str(&format!(
            "  {:.2} {:.2} {:.2} {:.2} {marks} {parts:>4}{weak:<2} {}\n",
            p[0], p[1], p[2], p[3], unit.text
        ));
    }
    out
}

/// How well the sentences detected as one STAR part (`letter`) cover the
/// sentences labelled with it: the Jaccard overlap of their words, after
/// aligning the transcript to the reference text word by word (a misheard
/// word still counts where it was said). `None` unless the part is both
/// labelled and detected.
pub fn span_overlap(
    labelled: &[(String, String)],
    detected: &[(String, String)],
    letter: char,
) -> Option<f64> {
    let words = |sentences: &[(String, String)]| -> Vec<(String, bool)> {
        sentences
            .iter()
            .flat_map(|(text, parts)| {
                let has = parts.contains(letter);
                text::normalize(text).into_iter().map(move |w| (w, has))
            })
            .collect()
    };
    let reference = words(labelled);
    let heard = words(detected);
    let in_reference = reference.iter().filter(|w| w.1).count();
    let in_heard = heard.iter().filter(|w| w.1).count();
    if in_reference == 0 || in_heard == 0 {
        return None;
    }
    let keys = |w: &[(String, bool)]| w.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>();
    let both = text::align(&keys(&reference), &keys(&heard))
        .into_iter()
        .filter(|&(r, h)| reference[r].1 && heard[h].1)
        .count();
    Some(both as f64 / (in_reference + in_heard - both) as f64)
}

/// How many of the fillers found were said at that place: each found filler
/// is paired with an unpaired labelled filler (`said_at`: word indices into
/// `reference_text`, the sidecar's `filler_at`) at most one word away in the
/// word alignment. The per-answer counts cannot see an "um" written where
/// none was said if another was missed; this can.
pub fn fillers_in_place(
    reference_text: &str,
    said_at: &[usize],
    heard: &[Word],
    found: &[fillers::Filler],
) -> usize {
    let key = |w: &str| {
        w.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let said: Vec<&str> = reference_text.split_whitespace().collect();
    let mut labelled = said_at.to_vec();
    let pairs = text::align(
        &said.iter().map(|w| key(w)).collect::<Vec<_>>(),
        &heard.iter().map(|w| key(&w.word)).collect::<Vec<_>>(),
    );
    // Where each heard word sits in the reference: its aligned partner, else
    // the partner of the nearest aligned word before it.
    let mut place = vec![0usize; heard.len()];
    let mut last = 0;
    let mut next_pair = pairs.iter().peekable();
    for (j, slot) in place.iter_mut().enumerate() {
        while let Some(&&(r, h)) = next_pair.peek() {
            if h > j {
                break;
            }
            last = r;
            next_pair.next();
        }
        *slot = last;
    }
    let mut in_place = 0;
    for f in found {
        // Snapped words can share a start time; the filler's own word decides.
        let first = f.filler.split(' ').next().unwrap_or_default();
        let Some(j) = heard.iter().position(|w| {
            w.start_s == f.start_s
                && (fillers::hesitation(&w.word) == Some(f.filler.as_str())
                    || key(&w.word) == first)
        }) else {
            continue;
        };
        if let Some(k) = labelled.iter().position(|&r| r.abs_diff(place[j]) <= 1) {
            labelled.remove(k);
            in_place += 1;
        }
    }
    in_place
}

/// Scores over a group of outcomes.
#[derive(Default, Clone)]
pub struct Score {
    pub answers: usize,
    pub ref_words: usize,
    pub word_errors: usize,
    pub labels: usize,
    pub labels_right: usize,
    /// Parts truly missing, and of those, how many the report called missing.
    pub absent: usize,
    pub absent_called_missing: usize,
    /// Parts truly present, and of those, how many the report found.
    pub present: usize,
    pub present_found: usize,
    /// (tp, fp, fn) per part.
    pub parts: [(usize, usize, usize); 4],
    pub filler_tp: usize,
    pub filler_fp: usize,
    pub filler_fn: usize,
    /// Fillers found, all answers.
    pub fillers_found: usize,
    /// Of those, found where a filler was said.
    pub fillers_in_place: usize,
    pub worst_wpm_error: f64,
    pub worst_thinking_error_s: f64,
    pub slowest_analysis_ms: f64,
    /// (sum of overlaps, answers measured) per part.
    pub overlap: [(f64, usize); 4],
}

impl Score {
    pub fn add(&mut self, o: &Outcome) {
        self.answers += 1;
        self.ref_words += o.ref_words;
        self.word_errors += o.word_errors;
        for (i, &(labelled, detected)) in o.star.iter().enumerate() {
            self.labels += 1;
            self.labels_right += usize::from(labelled == detected);
            if labelled {
                self.present += 1;
                self.present_found += usize::from(detected);
            } else {
                self.absent += 1;
                self.absent_called_missing += usize::from(!detected);
            }
            let p = &mut self.parts[i];
            match (labelled, detected) {
                (true, true) => p.0 += 1,
                (false, true) => p.1 += 1,
                (true, false) => p.2 += 1,
                _ => {}
            }
        }
        // Counted per answer: a filler found where none of that many was said is false.
        let tp = o.fillers_detected.min(o.fillers_labelled);
        self.filler_tp += tp;
        self.filler_fp += o.fillers_detected - tp;
        self.filler_fn += o.fillers_labelled - tp;
        self.fillers_found += o.fillers_detected;
        self.fillers_in_place += o.fillers_in_place;
        self.worst_wpm_error = self.worst_wpm_error.max(o.wpm_error);
        self.worst_thinking_error_s = self.worst_thinking_error_s.max(o.thinking_error_s);
        self.slowest_analysis_ms = self.slowest_analysis_ms.max(o.analysis_ms);
        for (sum, o) in self.overlap.iter_mut().zip(o.overlap) {
            if let Some(x) = o {
                sum.0 += x;
                sum.1 += 1;
            }
        }
    }

    /// Mean span overlap of part `i` over the answers where it was measured.
    pub fn mean_overlap(&self, i: usize) -> Option<f64> {
        let (sum, n) = self.overlap[i];
        (n > 0).then(|| sum / n as f64)
    }

    pub fn wer(&self) -> f64 {
        self.word_errors as f64 / self.ref_words.max(1) as f64
    }

    /// Of the parts truly missing, the share the report called missing.
    pub fn missing_caught(&self) -> f64 {
        ratio(self.absent_called_missing, self.absent)
    }

    /// Of the parts truly present, the share the report found.
    pub fn present_found(&self) -> f64 {
        ratio(self.present_found, self.present)
    }

    pub fn star_accuracy(&self) -> f64 {
        self.labels_right as f64 / self.labels.max(1) as f64
    }

    /// (precision, recall) of part `i`; 1.0 when there is nothing to find or claim.
    pub fn part(&self, i: usize) -> (f64, f64) {
        let (tp, fp, fn_) = self.parts[i];
        (ratio(tp, tp + fp), ratio(tp, tp + fn_))
    }

    pub fn filler_precision(&self) -> f64 {
        ratio(self.filler_tp, self.filler_tp + self.filler_fp)
    }

    /// The share of the fillers found that were said at that place.
    pub fn filler_precision_in_place(&self) -> f64 {
        ratio(self.fillers_in_place, self.fillers_found)
    }

    /// The share of the fillers said that were found at their place.
    pub fn filler_recall_in_place(&self) -> f64 {
        ratio(self.fillers_in_place, self.filler_tp + self.filler_fn)
    }

    pub fn filler_recall(&self) -> f64 {
        ratio(self.filler_tp, self.filler_tp + self.filler_fn)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A Markdown table: one row per group.
pub fn table(groups: &BTreeMap<String, Score>) -> String {
    let mut out = String::from(
        "| group | answers | WER | missing parts called missing | present parts found | STAR labels right | S p/r | T p/r | A p/r | R p/r | span overlap S/T/A/R | fillers p/r | fillers in place p/r | worst wpm error | worst thinking error |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, s) in groups {
        let overlap = (0..4)
            .map(|i| {
                s.mean_overlap(i)
                    .map_or("–".to_string(), |o| format!("{o:.2}"))
            })
            .collect::<Vec<_>>()
            .join("/");
        let pr = |i: usize| {
            let (p, r) = s.part(i);
            format!("{p:.2}/{r:.2}")
        };
        out.push_str(&format!(
            "| {name} | {} | {:.1} % | {}/{} = {:.0} % | {}/{} = {:.0} % | {}/{} = {:.1} % | {} | {} | {} | {} | {overlap} | {:.2}/{:.2} | {:.2}/{:.2} | {:.1} % | {:.2} s |\n",
            s.answers,
            100.0 * s.wer(),
            s.absent_called_missing,
            s.absent,
            100.0 * s.missing_caught(),
            s.present_found,
            s.present,
            100.0 * s.present_found(),
            s.labels_right,
            s.labels,
            100.0 * s.star_accuracy(),
            pr(0),
            pr(1),
            pr(2),
            pr(3),
            s.filler_precision(),
            s.filler_recall(),
            s.filler_precision_in_place(),
            s.filler_recall_in_place(),
            100.0 * s.worst_wpm_error,
            s.worst_thinking_error_s,
        ));
    }
    out
}
