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
    /// ONNX Runtime library `runtime_library`, and speaks a word with it, so
    /// that a voice that cannot speak is found now, not mid-question.
    pub fn open(
        model: &Path,
        runtime_library: &Path,
        rate_wpm: Option<u32>,
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
        let environment = runtime(runtime_library)?;
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
        };
        // A config made for another model asks for ids it does not have.
        speaker
            .sentence_audio(&["h", "ə", "l", "ˈ", "o", "ʊ", "."])
            .map_err(|e| bad_config(format!("it does not fit {}: {e}", model.display())))?;
        Ok(speaker)
    }

    /// The voice's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.config.audio.sample_rate
    }

    /// `text` as phonemes, one list per sentence (espeak-ng's IPA, clause
    /// punctuation kept, decomposed into codepoints as Piper does).
    pub fn phonemize(&self, text: &str) -> Result<Vec<Vec<String>>, SpeechError> {
        let failed = |detail: String| SpeechError::Failed {
            engine: "espeak-ng",
            detail,
        };
        let out = Command::new(&self.espeak)
            .args(["-q", "--ipa", "-v", &self.config.espeak.voice, "--"])
            .arg(text)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| failed(e.to_string()))?;
        if !out.status.success() {
            return Err(failed(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let clauses: Vec<&str> = stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        Ok(sentences_of(&clauses, &terminators(text)))
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

    fn sentence_audio<S: AsRef<str>>(&self, phonemes: &[S]) -> Result<Vec<f32>, String> {
        let phonemes: Vec<String> = phonemes.iter().map(|p| p.as_ref().to_string()).collect();
        let ids = self.ids(&phonemes);
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
        for piece in self.pieces(text)? {
            let clip = self.piece_audio(&piece)?;
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
    fn a_voice_is_named_by_the_middle_of_its_file_name() {
        assert_eq!(voice_name(Path::new("/v/en_US-joe-medium.onnx")), "joe");
        assert_eq!(voice_name(Path::new("/v/custom.onnx")), "custom");
        assert_eq!(
            config_of(Path::new("/v/en_US-joe-medium.onnx")),
            Path::new("/v/en_US-joe-medium.onnx.json")
        );
    }
}
