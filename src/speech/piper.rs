//! A natural voice in-process: a Piper VITS model (ONNX plus its JSON
//! config) run through ONNX Runtime, which the `ort` crate opens at run time
//! from the shared library `scripts/fetch-voice` installs (nothing is
//! downloaded by the build). Text becomes phonemes with espeak-ng (`--ipa`),
//! one line per clause; each clause keeps its punctuation, as Piper's own
//! phonemizer does, and the voice's `phoneme_id_map` turns the phonemes
//! (Unicode codepoints after NFD) into the ids the model reads:
//! `^ _ p₁ _ p₂ _ … $`. One sentence is one run of the model.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::{Speaker, SpeechError, audible};
use crate::audio::Clip;

/// The voice's JSON config, as Piper writes it (the fields rehearse reads).
#[derive(Debug, Deserialize)]
pub struct PiperConfig {
    /// Output rate.
    pub audio: AudioConfig,
    /// The espeak-ng voice its phonemes come from.
    pub espeak: EspeakConfig,
    /// Default synthesis scales.
    #[serde(default)]
    pub inference: InferenceConfig,
    /// Phoneme (one codepoint) to ids.
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
    /// Speakers in a multi-speaker model.
    #[serde(default = "one")]
    pub num_speakers: u32,
}

fn one() -> u32 {
    1
}

/// `audio` in a voice's config.
#[derive(Debug, Deserialize)]
pub struct AudioConfig {
    /// Samples per second of the model's output.
    pub sample_rate: u32,
}

/// `espeak` in a voice's config.
#[derive(Debug, Deserialize)]
pub struct EspeakConfig {
    /// espeak-ng voice, e.g. `en-us`.
    pub voice: String,
}

/// `inference` in a voice's config.
#[derive(Debug, Deserialize)]
pub struct InferenceConfig {
    /// Noise added to the voice.
    pub noise_scale: f32,
    /// Phoneme length (above 1 is slower).
    pub length_scale: f32,
    /// Noise in phoneme durations.
    pub noise_w: f32,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        InferenceConfig {
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
        }
    }
}

const PAD: &str = "_";
const BOS: &str = "^";
const EOS: &str = "$";

/// Silence between sentences, seconds.
const SENTENCE_GAP_S: f64 = 0.25;

/// Silence after a clause spoken as a piece of its own, seconds. The first
/// question of the built-in bank, spoken as its first clause and the rest,
/// came to 6.54 s of audible speech against 6.55 s spoken whole: the
/// clause's final lengthening stands in for the comma's pause, and a short
/// gap keeps the two pieces from running together.
const CLAUSE_GAP_S: f64 = 0.12;

/// A loaded Piper voice.
pub struct PiperSpeaker {
    session: Mutex<Session>,
    config: PiperConfig,
    name: String,
    espeak: PathBuf,
    /// Words per minute asked for; the model's length scale follows it.
    rate_wpm: Option<u32>,
    /// The phonemes of the text `open_expecting` was told would come first,
    /// made while the model loaded.
    foreseen: Mutex<Option<(String, Vec<Vec<String>>)>>,
}

impl std::fmt::Debug for PiperSpeaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiperSpeaker")
            .field("name", &self.name)
            .finish()
    }
}

/// The variable that keeps ONNX Runtime from sending usage telemetry (its
/// Linux builds send it to Microsoft from a background thread otherwise). The
/// process must set it before any thread starts (the binary does, first
/// thing); the voice will not load without it.
pub const NO_TELEMETRY: &str = "ORT_DISABLE_TELEMETRY";

/// The ONNX Runtime environment, opened once per process from one library.
static RUNTIME: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

fn runtime(library: &Path) -> Result<&'static ort::environment::Environment, SpeechError> {
    let opened = RUNTIME.get_or_init(|| {
        if std::env::var_os(NO_TELEMETRY).is_none_or(|v| v != "1") {
            return Err(format!(
                "{NO_TELEMETRY}=1 must be set before it loads, or it sends telemetry"
            ));
        }
        if !library.is_file() {
            return Err(format!("{} is not there", library.display()));
        }
        ort::init_from(library)
            .map_err(|e| e.to_string())?
            .with_name("rehearse")
            .with_telemetry(false)
            .build()
            .map_err(|e| e.to_string())
    });
    opened.as_ref().map_err(|detail| SpeechError::Runtime {
        detail: detail.clone(),
    })
}

/// The words-per-minute Piper voices speak at with a length scale of 1.
const NATURAL_WPM: f32 = 170.0;

impl PiperSpeaker {
    /// Opens the voice `model` (its config is `model` + `.json`) with the
    /// ONNX Runtime library `runtime_library`, and runs it once, so that a
    /// voice that cannot speak is found now, not mid-question.
    pub fn open(
        model: &Path,
        runtime_library: &Path,
        rate_wpm: Option<u32>,
    ) -> Result<PiperSpeaker, SpeechError> {
        PiperSpeaker::open_expecting(model, runtime_library, rate_wpm, None)
    }

    /// [`PiperSpeaker::open`], told the text it will be asked to say first:
    /// espeak-ng turns that into phonemes while the model loads (the two
    /// take ~35 ms and ~150 ms, on different cores), so its first piece
    /// starts sooner.
    pub fn open_expecting(
        model: &Path,
        runtime_library: &Path,
        rate_wpm: Option<u32>,
        first: Option<&str>,
    ) -> Result<PiperSpeaker, SpeechError> {
        let missing = |path: &Path| SpeechError::VoiceMissing {
            path: path.to_path_buf(),
        };
        if !model.is_file() {
            return Err(missing(model));
        }
        let config_path = config_of(model);
        let config_text =
            std::fs::read_to_string(&config_path).map_err(|_| missing(&config_path))?;
        let bad_config = |detail: String| SpeechError::VoiceConfig {
            path: config_path.clone(),
            detail,
        };
        let config: PiperConfig =
            serde_json::from_str(&config_text).map_err(|e| bad_config(e.to_string()))?;
        for symbol in [PAD, BOS, EOS] {
            if config.phoneme_id_map.get(symbol).is_none_or(Vec::is_empty) {
                return Err(bad_config(format!(
                    "its phoneme_id_map has no \"{symbol}\""
                )));
            }
        }
        if config.audio.sample_rate == 0 {
            return Err(bad_config("its sample rate is 0".into()));
        }
        let espeak = ["espeak-ng", "espeak"]
            .iter()
            .find_map(|p| on_path(p))
            .ok_or(SpeechError::NoEngine)?;
        let phonemizing = first.map(|text| {
            let text = with_early_break(text);
            let child = espeak_command(&espeak, &config.espeak.voice, &text)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn();
            (text, child)
        });
        let environment = runtime(runtime_library)?;
        tracing::debug!("voice: runtime open");
        let corrupt = |detail: String| SpeechError::VoiceCorrupt {
            path: model.to_path_buf(),
            detail,
        };
        // No graph optimization: on en_US-joe-medium it took the session's
        // load from 320 ms to 150 ms on 2 cores, and synthesis was no slower
        // (a sentence in ~150 ms either way), so the question starts sooner.
        let mut builder = Session::builder(environment)
            .map_err(|e| corrupt(e.to_string()))?
            .with_intra_threads(2)
            .map_err(|e| corrupt(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Disable)
            .map_err(|e| corrupt(e.to_string()))?;
        let session = builder
            .commit_from_file(model)
            .map_err(|e| corrupt(first_line(&e.to_string())))?;
        tracing::debug!("voice: model loaded");
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        for needed in ["input", "input_lengths", "scales"] {
            if !inputs.contains(&needed) {
                return Err(corrupt(format!("it has no input called \"{needed}\"")));
            }
        }
        let speaker = PiperSpeaker {
            session: Mutex::new(session),
            name: voice_name(model),
            config,
            espeak,
            rate_wpm,
            foreseen: Mutex::new(None),
        };
        // A config made for another model asks for ids it does not have:
        // one run with the config's highest id finds it (12 ms, against
        // 30 ms for a word).
        speaker
            .run(&speaker.highest_id_probe())
            .map_err(|e| bad_config(format!("it does not fit {}: {e}", model.display())))?;
        tracing::debug!("voice: checked");
        if let Some((text, Ok(child))) = phonemizing
            && let Ok(out) = child.wait_with_output()
            && out.status.success()
            && let Ok(mut foreseen) = speaker.foreseen.lock()
        {
            let sentences = sentences_from_ipa(&String::from_utf8_lossy(&out.stdout), &text);
            *foreseen = Some((text, sentences));
        }
        Ok(speaker)
    }

    /// The voice's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.config.audio.sample_rate
    }

    /// `text` as phonemes, one list per sentence (espeak-ng's IPA, clause
    /// punctuation kept, decomposed into codepoints as Piper does).
    /// A long first clause gets a break early on ([`with_early_break`]).
    pub fn phonemize(&self, text: &str) -> Result<Vec<Vec<String>>, SpeechError> {
        let text = with_early_break(text);
        if let Ok(mut foreseen) = self.foreseen.lock()
            && foreseen.as_ref().is_some_and(|(t, _)| *t == text)
            && let Some((_, sentences)) = foreseen.take()
        {
            tracing::debug!("voice: foreseen");
            return Ok(sentences);
        }
        let failed = |detail: String| SpeechError::Failed {
            engine: "espeak-ng",
            detail,
        };
        let out = espeak_command(&self.espeak, &self.config.espeak.voice, &text)
            .output()
            .map_err(|e| failed(e.to_string()))?;
        if !out.status.success() {
            return Err(failed(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Ok(sentences_from_ipa(
            &String::from_utf8_lossy(&out.stdout),
            &text,
        ))
    }

    /// The ids of one run that asks for the config's highest phoneme id.
    fn highest_id_probe(&self) -> Vec<i64> {
        let map = &self.config.phoneme_id_map;
        let of = |s: &str| map.get(s).map(Vec::as_slice).unwrap_or_default();
        let highest = map.values().flatten().copied().max().unwrap_or_default();
        let mut ids: Vec<i64> = Vec::new();
        ids.extend(of(BOS));
        ids.extend(of(PAD));
        ids.push(highest);
        ids.extend(of(PAD));
        ids.extend(of(EOS));
        ids
    }

    /// A sentence's phonemes as the model's ids: `^ _ (p _)* $`. Phonemes the
    /// voice does not know are left out, as Piper leaves them out.
    pub fn ids(&self, phonemes: &[String]) -> Vec<i64> {
        let map = &self.config.phoneme_id_map;
        let of = |s: &str| map.get(s).map(Vec::as_slice).unwrap_or_default();
        let mut ids: Vec<i64> = Vec::with_capacity(phonemes.len() * 2 + 3);
        ids.extend(of(BOS));
        ids.extend(of(PAD));
        for p in phonemes {
            if let Some(id) = map.get(p.as_str()) {
                ids.extend(id);
                ids.extend(of(PAD));
            }
        }
        ids.extend(of(EOS));
        ids
    }

    fn sentence_audio(&self, phonemes: &[String]) -> Result<Vec<f32>, String> {
        let t = std::time::Instant::now();
        let r = self.run(&self.ids(phonemes));
        tracing::debug!(
            ms = t.elapsed().as_secs_f64() * 1000.0,
            n = phonemes.len(),
            "voice: run"
        );
        r
    }

    /// One run of the model on `ids`: its audio.
    fn run(&self, ids: &[i64]) -> Result<Vec<f32>, String> {
        let ids = ids.to_vec();
        let n = ids.len();
        let inference = &self.config.inference;
        // Slower speech: longer phonemes.
        let length_scale = self
            .rate_wpm
            .filter(|&w| w > 0)
            .map_or(inference.length_scale, |w| {
                inference.length_scale * NATURAL_WPM / w as f32
            });
        let input = Tensor::from_array(([1usize, n], ids)).map_err(|e| e.to_string())?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(|e| e.to_string())?;
        let scales = Tensor::from_array((
            [3usize],
            vec![inference.noise_scale, length_scale, inference.noise_w],
        ))
        .map_err(|e| e.to_string())?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| "the voice failed before".to_string())?;
        let outputs = if self.config.num_speakers > 1 {
            let sid = Tensor::from_array(([1usize], vec![0i64])).map_err(|e| e.to_string())?;
            session.run(ort::inputs![
                "input" => input,
                "input_lengths" => lengths,
                "scales" => scales,
                "sid" => sid
            ])
        } else {
            session.run(ort::inputs![
                "input" => input,
                "input_lengths" => lengths,
                "scales" => scales
            ])
        }
        .map_err(|e| first_line(&e.to_string()))?;
        let (_, audio) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| e.to_string())?;
        if audio.is_empty() || audio.iter().any(|s| !s.is_finite()) {
            return Err("it gave no audio".into());
        }
        Ok(audio.to_vec())
    }

    /// The pieces `text` is spoken in, each with the silence before it.
    fn pieces(&self, text: &str) -> Result<Vec<Piece>, SpeechError> {
        Ok(pieces_of(self.phonemize(text)?))
    }

    /// One piece as audio: the silence before it, then its audible samples.
    fn piece_audio(&self, piece: &Piece) -> Result<Clip, SpeechError> {
        let audio = self
            .sentence_audio(&piece.phonemes)
            .map_err(|detail| SpeechError::Failed {
                engine: "piper",
                detail,
            })?;
        let rate = self.sample_rate();
        let spoken = audible(Clip {
            samples: peak_normalized(audio),
            rate,
        });
        let mut samples = vec![0.0; (piece.gap_before_s * f64::from(rate)) as usize];
        samples.extend(spoken.samples);
        Ok(Clip { samples, rate })
    }
}

/// Scaled so the loudest sample is at 0.95 (Piper normalizes its output).
fn peak_normalized(mut audio: Vec<f32>) -> Vec<f32> {
    let peak = audio.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak > 1e-8 {
        for s in &mut audio {
            *s = (*s / peak * 0.95).clamp(-1.0, 1.0);
        }
    }
    audio
}

impl Speaker for PiperSpeaker {
    fn synthesize(&self, text: &str) -> Result<Clip, SpeechError> {
        let mut samples: Vec<f32> = Vec::new();
        self.synthesize_each(text, &mut |piece| {
            samples.extend(piece.samples);
            true
        })?;
        Ok(audible(Clip {
            samples,
            rate: self.sample_rate(),
        }))
    }

    fn synthesize_each(
        &self,
        text: &str,
        each: &mut dyn FnMut(Clip) -> bool,
    ) -> Result<(), SpeechError> {
        let pieces = self.pieces(text)?;
        tracing::debug!(pieces = pieces.len(), "voice: phonemized");
        for piece in pieces {
            let clip = self.piece_audio(&piece)?;
            tracing::debug!(samples = clip.samples.len(), "voice: piece made");
            if clip.samples.iter().all(|s| *s == 0.0) {
                continue;
            }
            if !each(clip) {
                break;
            }
        }
        Ok(())
    }

    fn name(&self) -> String {
        format!("piper:{}", self.name)
    }
}

/// A voice's config file: the model's path with `.json` added.
pub fn config_of(model: &Path) -> PathBuf {
    let mut p = model.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// A voice's short name: `en_US-joe-medium.onnx` is `joe`.
pub fn voice_name(model: &Path) -> String {
    let stem = model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parts: Vec<&str> = stem.split('-').collect();
    match parts.as_slice() {
        [_, name, _] => name.to_string(),
        _ => stem,
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// espeak-ng asked for `text` as IPA in `voice`, one line per clause.
fn espeak_command(espeak: &Path, voice: &str, text: &str) -> Command {
    let mut command = Command::new(espeak);
    command
        .args(["-q", "--ipa", "-v", voice, "--"])
        .arg(text)
        .stdin(Stdio::null());
    command
}

/// espeak-ng's IPA for `text` as phonemes, one list per sentence.
fn sentences_from_ipa(ipa: &str, text: &str) -> Vec<Vec<String>> {
    let clauses: Vec<&str> = ipa
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    sentences_of(&clauses, &terminators(text))
}

/// A first clause longer than this many words gets a break of its own.
const FIRST_CLAUSE_MAX_WORDS: usize = 7;

/// Where that break may go: before one of these words, after this many
/// words at the least and at the most, with at least this many after it.
const BREAK_BEFORE: &[&str] = &[
    "about", "when", "where", "that", "which", "who", "how", "what", "why", "if", "because",
    "while", "as", "like", "with", "for", "to", "in", "on", "at", "under", "from", "during", "you",
    "you've", "you'd", "you're", "your", "and", "or", "but",
];
const BREAK_AFTER_WORDS: (usize, usize) = (3, 7);
const WORDS_AFTER_BREAK: usize = 3;

/// `text` with a comma put into a long first clause before a word that
/// starts a phrase ("Based on what you know, about our company's
/// projects…"), so the first piece the voice makes is a few words long.
/// A piece takes ~40 ms per second of speech to make: an eleven-word first
/// clause held the question's first sound back by ~140 ms, five words by
/// ~50 ms. The clause's final lengthening and a short gap carry the break,
/// as a speaker would phrase it.
pub fn with_early_break(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let clause_words = words
        .iter()
        .position(|w| w.ends_with([',', ';', ':', '.', '?', '!']))
        .map_or(words.len(), |i| i + 1);
    if clause_words <= FIRST_CLAUSE_MAX_WORDS {
        return text.to_string();
    }
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_lowercase()
    };
    let (least, most) = BREAK_AFTER_WORDS;
    let target = (least + most) / 2 + 1;
    let best = (least..=most.min(clause_words.saturating_sub(WORDS_AFTER_BREAK)))
        .filter(|&i| BREAK_BEFORE.contains(&bare(words[i]).as_str()))
        .min_by_key(|&i| i.abs_diff(target));
    let Some(at) = best else {
        return text.to_string();
    };
    // Put the comma after word `at - 1`, keeping the text's own spacing.
    let mut seen = 0;
    let mut in_word = false;
    for (byte, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen += 1;
                if seen == at {
                    return format!("{},{}", &text[..byte], &text[byte..]);
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text.to_string()
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

/// A run of the model: phonemes, and the silence to put before them.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// The phonemes, with their punctuation.
    pub phonemes: Vec<String>,
    /// Seconds of silence before this piece (none for the first).
    pub gap_before_s: f64,
}

/// A clause of the first sentence shorter than this many phonemes is not
/// spoken on its own (a piece that short sounds clipped).
const MIN_CLAUSE_PHONEMES: usize = 12;

/// The pieces to speak `sentences` in: one per sentence, except that the
/// first sentence's first clause is its own piece when both it and the rest
/// are long enough. A sentence takes ~40 ms per second of speech to make,
/// so a long first sentence would hold back the question's first sound; its
/// first clause alone starts it in about a third of the time.
pub fn pieces_of(sentences: Vec<Vec<String>>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (k, sentence) in sentences.into_iter().enumerate() {
        if sentence.is_empty() {
            continue;
        }
        let gap_before_s = if pieces.is_empty() {
            0.0
        } else {
            SENTENCE_GAP_S
        };
        if k == 0
            && let Some(cut) = sentence
                .iter()
                .position(|p| matches!(p.as_str(), "," | ";" | ":"))
            && cut + 1 >= MIN_CLAUSE_PHONEMES
            && sentence.len() - cut > MIN_CLAUSE_PHONEMES
        {
            let (clause, rest) = sentence.split_at(cut + 1);
            let rest: Vec<String> = rest.iter().skip_while(|p| *p == " ").cloned().collect();
            pieces.push(Piece {
                phonemes: clause.to_vec(),
                gap_before_s,
            });
            pieces.push(Piece {
                phonemes: rest,
                gap_before_s: CLAUSE_GAP_S,
            });
            continue;
        }
        pieces.push(Piece {
            phonemes: sentence,
            gap_before_s,
        });
    }
    pieces
}

/// The clause punctuation of `text`, in order: `,` `;` `:` `.` `?` `!` at
/// the end of a word (not the point in "3.5" or the comma in "1,000"); a run
/// such as "?!" or "..." counts once, by its first mark.
pub fn terminators(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if ",;:.?!".contains(c) {
            let mut j = i;
            while j + 1 < chars.len() && ",;:.?!".contains(chars[j + 1]) {
                j += 1;
            }
            let ends_word = chars
                .get(j + 1)
                .is_none_or(|n| n.is_whitespace() || *n == '"');
            if ends_word && i > 0 {
                out.push(c);
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// espeak-ng's clauses (one IPA line each) with their punctuation put back,
/// grouped into sentences. When the clauses and the punctuation do not pair
/// up one to one (espeak-ng also breaks very long clauses), the clauses are
/// read as one sentence with the text's last mark.
pub fn sentences_of(clauses: &[&str], marks: &[char]) -> Vec<Vec<String>> {
    let phonemes = |s: &str| -> Vec<String> {
        // Words in other languages come wrapped in "(en)" flags.
        let mut plain = String::new();
        let mut in_flag = false;
        for c in s.chars() {
            match c {
                '(' => in_flag = true,
                ')' => in_flag = false,
                c if !in_flag => plain.push(c),
                _ => {}
            }
        }
        plain.nfd().map(|c| c.to_string()).collect()
    };
    let paired = clauses.len() == marks.len() || clauses.len() == marks.len() + 1;
    let mut sentences = Vec::new();
    let mut current: Vec<String> = Vec::new();
    if !paired {
        for (k, clause) in clauses.iter().enumerate() {
            if k > 0 {
                current.push(" ".into());
            }
            current.extend(phonemes(clause));
        }
        if let Some(&mark) = marks.last() {
            current.push(mark.to_string());
        }
        if !current.is_empty() {
            sentences.push(current);
        }
        return sentences;
    }
    for (k, clause) in clauses.iter().enumerate() {
        current.extend(phonemes(clause));
        match marks.get(k) {
            Some(&m) if ".?!".contains(m) => {
                current.push(m.to_string());
                sentences.push(std::mem::take(&mut current));
            }
            Some(&m) => {
                current.push(m.to_string());
                current.push(" ".into());
            }
            None => {}
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_marks_are_found_but_not_inside_numbers() {
        assert_eq!(
            terminators("Well, it took 3.5 s and 1,000 rows; then what? Done!?"),
            [',', ';', '?', '!']
        );
        assert_eq!(terminators("No marks at all"), Vec::<char>::new());
        assert_eq!(terminators("Wait... really."), ['.', '.']);
    }

    #[test]
    fn clauses_get_their_marks_back_and_sentences_end_at_full_stops() {
        let s = sentences_of(&["tˈɛl mˌiː", "wʌt juː dˈɪd", "hˌaʊ"], &[',', '.', '?']);
        assert_eq!(s.len(), 2);
        let first: String = s[0].concat();
        assert_eq!(first, "tˈɛl mˌiː, wʌt juː dˈɪd.");
        assert_eq!(s[1].concat(), "hˌaʊ?");
        // Decomposed into codepoints, one phoneme each.
        assert!(s[0].iter().all(|p| p.chars().count() == 1));
    }

    #[test]
    fn clauses_that_do_not_pair_with_the_marks_become_one_sentence() {
        let s = sentences_of(&["ɐ", "bˈiː", "sˈiː"], &['.']);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].concat(), "ɐ bˈiː sˈiː.");
    }

    #[test]
    fn foreign_word_flags_are_dropped() {
        let s = sentences_of(&["ðə (fr)ʒˈuː(en) wˈɜːd"], &[]);
        assert_eq!(s[0].concat(), "ðə ʒˈuː wˈɜːd");
    }

    fn phonemes(s: &str) -> Vec<String> {
        s.chars().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_long_first_clause_is_its_own_piece_and_later_sentences_are_whole() {
        let first = phonemes("bˈeɪst ɒn wʌt juː nˈoʊ, wʌt wʊd juː sədʒˈɛst?");
        let second = phonemes("ænd, hˈaʊ lˈɒŋ fɔː ɐ wˈiːk ɔː tˈuː?");
        let pieces = pieces_of(vec![first, second.clone()]);
        let texts: Vec<String> = pieces.iter().map(|p| p.phonemes.concat()).collect();
        assert_eq!(
            texts,
            [
                "bˈeɪst ɒn wʌt juː nˈoʊ,",
                "wʌt wʊd juː sədʒˈɛst?",
                "ænd, hˈaʊ lˈɒŋ fɔː ɐ wˈiːk ɔː tˈuː?"
            ]
        );
        let gaps: Vec<f64> = pieces.iter().map(|p| p.gap_before_s).collect();
        assert_eq!(gaps, [0.0, CLAUSE_GAP_S, SENTENCE_GAP_S]);
    }

    #[test]
    fn a_short_first_clause_stays_with_its_sentence() {
        let pieces = pieces_of(vec![phonemes("ɪf sˌoʊ, kæn juː dɪskˈʌs ɐ prˈɒdʒɛkt?")]);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].gap_before_s, 0.0);
    }

    #[test]
    fn a_long_first_clause_gets_a_break_before_a_phrase() {
        assert_eq!(
            with_early_break(
                "Based on what you know about our company's projects and products, what would you suggest?"
            ),
            "Based on what you know, about our company's projects and products, what would you suggest?"
        );
        assert_eq!(
            with_early_break(
                "Tell me about a time you disagreed with a technical decision. What did you do?"
            ),
            "Tell me about a time, you disagreed with a technical decision. What did you do?"
        );
        assert_eq!(
            with_early_break("Describe a project or a change of yours that failed badly."),
            "Describe a project, or a change of yours that failed badly."
        );
        // Short first clauses, and long ones with no place to break, stay.
        for text in [
            "Tell me about a time. What did you do?",
            "If so, can you discuss a specific project you have been working on lately?",
            "Supercalifragilistic unbelievably extraordinarily magnificent wonderful excellent database engineering practices?",
        ] {
            assert_eq!(with_early_break(text), text);
        }
    }

    #[test]
    fn a_voice_is_named_by_the_middle_of_its_file_name() {
        assert_eq!(voice_name(Path::new("/v/en_US-joe-medium.onnx")), "joe");
        assert_eq!(voice_name(Path::new("/v/custom.onnx")), "custom");
        assert_eq!(
            config_of(Path::new("/v/en_US-joe-medium.onnx")),
            Path::new("/v/en_US-joe-medium.onnx.json")
        );
    }
}
