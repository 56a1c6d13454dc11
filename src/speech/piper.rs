//! A natural voice in-process: a Piper VITS model (ONNX plus its JSON
//! config) run through ONNX Runtime, which the `ort` crate opens at run time
//! from the shared library `scripts/fetch-voice` installs (nothing is
//! downloaded by the build). Text becomes phonemes and pieces in
//! [`super::phrasing`]; the voice's `phoneme_id_map` turns the phonemes
//! (Unicode codepoints after NFD) into the ids the model reads:
//! `^ _ p₁ _ p₂ _ … $`. One piece is one run of the model.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use serde::Deserialize;

use super::phrasing::{Piece, espeak_command, pieces_of, sentences_from_ipa, with_early_break};
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
        let foreseeing = first.map(|text| {
            let text = with_early_break(text);
            let child = espeak_command(&espeak, &config.espeak.voice, &text)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .ok();
            Foreseeing { text, child }
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
        let new_builder = || -> Result<ort::session::builder::SessionBuilder, SpeechError> {
            Session::builder(environment)
                .map_err(|e| corrupt(e.to_string()))?
                .with_intra_threads(2)
                .map_err(|e| corrupt(e.to_string()))?
                .with_optimization_level(GraphOptimizationLevel::Disable)
                .map_err(|e| corrupt(e.to_string()))
        };
        // A kept copy that does not load (made by another runtime, say) is
        // passed over for the model itself.
        let from_copy = kept_ort_copy(model).and_then(|bytes| {
            new_builder()
                .ok()?
                .with_config_entry("session.use_ort_model_bytes_directly", "1")
                .ok()?
                .with_config_entry("session.use_ort_model_bytes_for_initializers", "1")
                .ok()?
                .commit_from_memory(bytes)
                .ok()
        });
        let session = match from_copy {
            Some(session) => session,
            None => new_builder()?
                .commit_from_file(model)
                .map_err(|e| corrupt(first_line(&e.to_string())))?,
        };
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
        if let Some(phonemes) = foreseeing.and_then(Foreseeing::finish)
            && let Ok(mut foreseen) = speaker.foreseen.lock()
        {
            *foreseen = Some(phonemes);
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

/// espeak-ng phonemizing the first text while the model loads. If the voice
/// fails to open, dropping it stops and reaps the process, so none is left
/// behind for the rest of the session.
struct Foreseeing {
    text: String,
    child: Option<std::process::Child>,
}

impl Foreseeing {
    /// The text and its phonemes, once espeak-ng has finished.
    fn finish(mut self) -> Option<(String, Vec<Vec<String>>)> {
        let out = self.child.take()?.wait_with_output().ok()?;
        let text = std::mem::take(&mut self.text);
        out.status.success().then(|| {
            let sentences = sentences_from_ipa(&String::from_utf8_lossy(&out.stdout), &text);
            (text, sentences)
        })
    }
}

impl Drop for Foreseeing {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where a voice's copy in ONNX Runtime's own format is kept: beside the
/// model, `MODEL.ort`.
pub fn ort_copy_of(model: &Path) -> PathBuf {
    let mut p = model.as_os_str().to_owned();
    p.push(".ort");
    PathBuf::from(p)
}

/// The voice's copy in ONNX Runtime's own format, when one newer than the
/// model is kept ([`keep_ort_copy`]): the runtime reads its weights where
/// they lie instead of parsing and copying them, which loads joe in 75 ms
/// instead of 120–170 ms. The bytes stay for the rest of the process (the
/// session reads its weights from them), as the voice does.
fn kept_ort_copy(model: &Path) -> Option<&'static [u8]> {
    let copy = ort_copy_of(model);
    let made = std::fs::metadata(&copy).ok()?.modified().ok()?;
    let source = std::fs::metadata(model).ok()?.modified().ok()?;
    if made < source {
        return None;
    }
    let bytes = std::fs::read(&copy).ok().filter(|b| !b.is_empty())?;
    Some(Box::leak(bytes.into_boxed_slice()))
}

/// Writes the voice `model`'s copy in ONNX Runtime's own format beside it
/// (`rehearse voices prepare` does, and `scripts/setup` through it), so that
/// it opens sooner; written to a temporary name and renamed, so a copy is
/// never read half written.
pub fn keep_ort_copy(model: &Path, runtime_library: &Path) -> Result<PathBuf, SpeechError> {
    let environment = runtime(runtime_library)?;
    let copy = ort_copy_of(model);
    let partial = copy.with_extension("ort.partial");
    let failed = |detail: String| SpeechError::Failed {
        engine: "piper",
        detail: format!("cannot keep {}: {detail}", copy.display()),
    };
    Session::builder(environment)
        .map_err(|e| failed(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::Disable)
        .map_err(|e| failed(e.to_string()))?
        .with_config_entry("session.save_model_format", "ORT")
        .map_err(|e| failed(e.to_string()))?
        .with_optimized_model_path(&partial)
        .map_err(|e| failed(e.to_string()))?
        .commit_from_file(model)
        .map_err(|e| failed(first_line(&e.to_string())))?;
    std::fs::rename(&partial, &copy).map_err(|e| failed(e.to_string()))?;
    Ok(copy)
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

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
