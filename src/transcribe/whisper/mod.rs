//! The whisper-rs engine behind [`Transcriber`](super::Transcriber).

use std::path::{Path, PathBuf};
use std::sync::Once;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use std::sync::atomic::{AtomicBool, Ordering};

use super::{ModelError, Transcriber, Transcript, Word, compact, ggml};
use loops::{drop_decoding_loops, repeated_phrases, trim_repeats};
use pieces::{
    THIN_PAD_S, THIN_WORDS_PER_S, in_stretch, join_pieces, thin_stretches, unheard_speech,
    window_cuts,
};
use words::WordAssembler;

mod hesitations;
mod loops;
mod pieces;
mod words;
use crate::audio::spans::{self, Span};

/// Decoding settings.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    /// CPU threads (2 by default: the common laptop budget with audio running).
    pub threads: usize,
    /// Beam size; 1 means greedy decoding. 5 by default: on the labelled
    /// set it heard more words right than greedy decoding (clean WER 12.4 →
    /// 11.2 %) and more of the "um"s under noise, for about 1.5× the
    /// decoding time (EVALUATION.md, BENCHMARKS.md).
    pub beam_size: usize,
    /// Text that primes the decoder (style and vocabulary), if any.
    pub initial_prompt: Option<String>,
    /// Shrink the encoder context to the audio's length: 3× faster on short
    /// chunks, but it cost 0.8 WER points on the fixtures (BENCHMARKS.md), so off.
    pub fit_audio_ctx: bool,
    /// Look for the "um"s and "uh"s whisper leaves out
    /// ([`Whisper::recover_fillers`]). Off: it did not reach the precision
    /// we require (EVALUATION.md).
    pub recover_fillers: bool,
    /// Shorten silences over 2 s between words to 1 s before decoding (word
    /// times are mapped back): on answers with a 5 s pause it kept the words
    /// whisper dropped around it.
    pub shorten_silences: bool,
    /// Added to the logits of the hesitation tokens ("um", "uh") at every
    /// decoding step, so that whisper writes the ones it hears but, trained
    /// on tidied transcripts, leaves out. 0 turns it off. At 3 the labelled
    /// set's filler recall rose from 0.60 to 0.77 with precision staying 1.00
    /// and no "um" written into answers without one (EVALUATION.md). whisper.cpp
    /// calls the filter after dividing by the temperature, so on its fallback
    /// passes the bias weighs relatively less.
    pub filler_bias: f32,
    /// Decode again, on their own, the stretches where whisper's words are
    /// spread too thin to be what was said ([`thin_stretches`]): it had
    /// skipped speech there. On a 3-minute answer under 25 dB noise whisper
    /// dropped 107 of 451 words this way; the second pass brought the
    /// words-per-minute error from 23.7 % to 4.6 %. It never fires on the
    /// labelled set's clean, gap or 15 dB answers (EVALUATION.md).
    pub redecode_thin_stretches: bool,
}

impl WhisperOptions {
    /// The decoding strategy in words ("greedy", "beam search 5"), for
    /// reports and benchmark tables.
    pub fn decoding(&self) -> String {
        if self.uses_beam_search() {
            format!("beam search {}", self.beam_size)
        } else {
            "greedy".to_string()
        }
    }

    fn uses_beam_search(&self) -> bool {
        self.beam_size > 1
    }
}

impl Default for WhisperOptions {
    fn default() -> Self {
        WhisperOptions {
            threads: 2,
            beam_size: 5,
            initial_prompt: None,
            fit_audio_ctx: false,
            recover_fillers: false,
            shorten_silences: true,
            filler_bias: 3.0,
            redecode_thin_stretches: true,
        }
    }
}

/// A loaded Whisper model.
pub struct Whisper {
    ctx: WhisperContext,
    path: PathBuf,
    options: WhisperOptions,
    /// What the logits callback reads during a run (boxed, so its address
    /// does not depend on where the `Whisper` lives).
    hesitations: Box<Hesitations>,
}

/// The hesitation tokens and the bias the logits callback adds to them.
struct Hesitations {
    tokens: Vec<i32>,
    bias: f32,
}

/// whisper.cpp's logits filter: raises the hesitation tokens by the bias.
unsafe extern "C" fn raise_hesitations(
    _ctx: *mut whisper_rs_sys::whisper_context,
    _state: *mut whisper_rs_sys::whisper_state,
    _tokens: *const whisper_rs_sys::whisper_token_data,
    _n_tokens: std::os::raw::c_int,
    logits: *mut f32,
    user_data: *mut std::ffi::c_void,
) {
    // SAFETY: `user_data` is the Whisper's boxed Hesitations; the parameters
    // that carry it borrow the Whisper (`params(&self)`), so it cannot be moved
    // or dropped during the run. With several decoders whisper.cpp calls this
    // from several threads at once, which is fine: it only reads. Token ids
    // were checked against the vocabulary size, the length of `logits`
    // (whisper.cpp asserts it).
    unsafe {
        let h = &*(user_data as *const Hesitations);
        for &t in &h.tokens {
            *logits.add(t as usize) += h.bias;
        }
    }
}

impl std::fmt::Debug for Whisper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whisper").field("path", &self.path).finish()
    }
}

static QUIET: Once = Once::new();

impl Whisper {
    /// Checks the file's structure, then loads it into whisper.cpp.
    pub fn load(path: &Path, options: WhisperOptions) -> Result<Whisper, ModelError> {
        let began = std::time::Instant::now();
        ggml::inspect(path).map_err(|e| e.in_file(path))?;
        tracing::debug!(model = %path.display(), threads = options.threads, "loading the model");
        // With no log backend feature, the hooks drop whisper.cpp's and ggml's logging.
        QUIET.call_once(whisper_rs::install_logging_hooks);
        let mut params = WhisperContextParameters::default();
        params.use_gpu(false);
        let ctx = WhisperContext::new_with_params(path, params).map_err(|_| ModelError::Load {
            path: path.to_path_buf(),
        })?;
        tracing::debug!(took_s = began.elapsed().as_secs_f64(), "model loaded");
        let vocabulary = ctx.n_vocab();
        // Only the forms that start a word: "um" without the space would also
        // be raised as the tail of a word ("so" + "um").
        let mut tokens: Vec<i32> = [" um", " Um", " uh", " Uh"]
            .iter()
            .filter_map(|word| match ctx.tokenize(word, 4).as_deref() {
                Ok([one]) if (0..vocabulary).contains(one) => Some(*one),
                _ => None,
            })
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        let hesitations = Box::new(Hesitations {
            tokens,
            bias: options.filler_bias,
        });
        Ok(Whisper {
            ctx,
            path: path.to_path_buf(),
            options,
            hesitations,
        })
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn params(&self) -> FullParams<'_, '_> {
        let strategy = if self.options.uses_beam_search() {
            SamplingStrategy::BeamSearch {
                beam_size: self.options.beam_size as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut p = FullParams::new(strategy);
        p.set_n_threads(self.options.threads.max(1) as i32);
        p.set_language(Some("en"));
        p.set_translate(false);
        p.set_no_context(true);
        p.set_token_timestamps(true);
        p.set_print_special(false);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        p.set_print_timestamps(false);
        p.set_suppress_blank(true);
        if self.hesitations.bias != 0.0 && !self.hesitations.tokens.is_empty() {
            // SAFETY: the callback only reads the boxed Hesitations, owned by
            // `self`, which these parameters borrow, so it outlives them.
            unsafe {
                p.set_filter_logits_callback(Some(raise_hesitations));
                p.set_filter_logits_callback_user_data(
                    &*self.hesitations as *const Hesitations as *mut std::ffi::c_void,
                );
            }
        }
        p
    }
}

impl Whisper {
    /// Sets whether the encoder context is fitted to the audio's length;
    /// returns the previous setting.
    pub fn fit_audio_ctx(&mut self, fit: bool) -> bool {
        std::mem::replace(&mut self.options.fit_audio_ctx, fit)
    }

    /// A fresh decoding state (one per answer when streaming).
    pub fn new_state(&self) -> Result<WhisperState, ModelError> {
        self.ctx
            .create_state()
            .map_err(|e| ModelError::Transcribe(e.to_string()))
    }

    /// Transcribes into `state`, primed with `prompt` (the previous chunk's
    /// text when streaming). `speech` is where the speech is in `samples`
    /// (on their own timeline), from the voice activity computed once per
    /// recording. Word times are offset by `offset_s`.
    pub fn transcribe_with(
        &mut self,
        state: &mut WhisperState,
        samples: &[f32],
        speech: &[Span],
        offset_s: f64,
        prompt: &str,
    ) -> Result<Transcript, ModelError> {
        let params = self.params();
        self.run(state, params, samples, speech, offset_s, prompt, None)
    }

    /// Like [`Whisper::transcribe_with`], but gives up as soon as `cancel`
    /// is set and returns `None`.
    pub fn transcribe_unless(
        &mut self,
        state: &mut WhisperState,
        samples: &[f32],
        speech: &[Span],
        offset_s: f64,
        prompt: &str,
        cancel: &AtomicBool,
    ) -> Result<Option<Transcript>, ModelError> {
        let mut params = self.params();
        // Not whisper-rs's `set_abort_callback_safe`: in 0.16 its trampoline
        // reads the boxed closure as the wrong type. This raw callback only
        // reads the flag, which `cancel` keeps alive for the whole call.
        unsafe extern "C" fn cancelled(flag: *mut std::ffi::c_void) -> bool {
            // SAFETY: `flag` is the AtomicBool set below, alive during `run`.
            unsafe { (*(flag as *const AtomicBool)).load(Ordering::Acquire) }
        }
        // SAFETY: the callback only loads an atomic that outlives the call.
        unsafe {
            params.set_abort_callback(Some(cancelled));
            params
                .set_abort_callback_user_data(cancel as *const AtomicBool as *mut std::ffi::c_void);
        }
        match self.run(
            state,
            params,
            samples,
            speech,
            offset_s,
            prompt,
            Some(cancel),
        ) {
            Err(_) if cancel.load(Ordering::Acquire) => Ok(None),
            other => other.map(Some),
        }
    }

    #[allow(clippy::too_many_arguments)] // one private entry point for both public ones
    fn run(
        &self,
        state: &mut WhisperState,
        params: FullParams<'_, '_>,
        samples: &[f32],
        spans: &[Span],
        offset_s: f64,
        prompt: &str,
        cancel: Option<&AtomicBool>,
    ) -> Result<Transcript, ModelError> {
        if samples.is_empty() {
            return Ok(Transcript::default());
        }
        // Cut where whisper would otherwise cut blindly: each piece is
        // decoded on its own, as whisper's own windows are (no context).
        let heard = if self.options.shorten_silences {
            compact::kept_len(spans, samples.len())
        } else {
            samples.len()
        };
        let cuts = window_cuts(spans, heard as f64 / RATE);
        if !cuts.is_empty() {
            tracing::debug!(?cuts, "decoding in pieces");
        }
        let mut words = Vec::new();
        let mut from = 0;
        let ends = cuts
            .iter()
            .map(|&t| ((t * RATE) as usize).min(samples.len()))
            .chain([samples.len()]);
        for to in ends {
            stop_if_cancelled(cancel)?;
            let piece_offset = offset_s + from as f64 / RATE;
            let piece = self.decode(
                state,
                params.clone(),
                &samples[from..to],
                &spans::within(spans, from as f64 / RATE, to as f64 / RATE),
                piece_offset,
                prompt,
            )?;
            join_pieces(&mut words, piece);
            from = to;
        }
        if self.options.redecode_thin_stretches {
            let mut stretches = thin_stretches(&words);
            stretches.extend(unheard_speech(
                &words,
                spans,
                offset_s,
                samples.len() as f64 / RATE,
            ));
            for (from_s, to_s) in stretches {
                stop_if_cancelled(cancel)?;
                let at = |t: f64| (((t - offset_s).max(0.0) * RATE) as usize).min(samples.len());
                let (from, to) = (at(from_s - THIN_PAD_S), at(to_s + THIN_PAD_S));
                let piece_offset = offset_s + from as f64 / RATE;
                let piece_speech = spans::within(spans, from as f64 / RATE, to as f64 / RATE);
                let again = self.decode(
                    state,
                    params.clone(),
                    &samples[from..to],
                    &piece_speech,
                    piece_offset,
                    "",
                )?;
                let inside = |w: &Word| in_stretch(w, from_s, to_s);
                let heard_before = words.iter().filter(|w| inside(w)).count();
                let mut heard_again: Vec<Word> = again.into_iter().filter(inside).collect();
                trim_repeats(&words, &mut heard_again, from_s, to_s);
                tracing::debug!(
                    from_s,
                    to_s,
                    heard_before,
                    heard_again = heard_again.len(),
                    "thin stretch decoded again"
                );
                // More than before, and at a speaking rate: not a "Thank
                // you." invented over a few seconds of noise.
                let rate_heard = heard_again.len() as f64 / (to_s - from_s).max(f64::EPSILON);
                if heard_again.len() > heard_before && rate_heard >= THIN_WORDS_PER_S {
                    let mut merged: Vec<Word> =
                        words.iter().filter(|w| !inside(w)).cloned().collect();
                    merged.extend(heard_again);
                    merged.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
                    // Whisper's times were off rather than speech skipped
                    // when the second pass repeats what the first wrote
                    // nearby.
                    if repeated_phrases(&merged) <= repeated_phrases(&words) {
                        words = merged;
                    }
                }
            }
        }
        let looped = drop_decoding_loops(&mut words);
        if looped > 0 {
            tracing::debug!(looped, "decoding loop dropped");
        }
        if self.options.recover_fillers {
            self.recover_fillers(state, samples, spans, offset_s, &mut words, cancel)?;
        }
        Ok(Transcript::from_words(words))
    }

    /// One whisper pass over `samples`: the words, on the answer's timeline.
    fn decode(
        &self,
        state: &mut WhisperState,
        mut params: FullParams<'_, '_>,
        samples: &[f32],
        speech: &[Span],
        offset_s: f64,
        prompt: &str,
    ) -> Result<Vec<Word>, ModelError> {
        if !prompt.is_empty() {
            params.set_initial_prompt(prompt);
        }
        let shortened = if self.options.shorten_silences {
            compact::compact(samples, speech)
        } else {
            None
        };
        let heard = shortened.as_ref().map_or(samples, |c| &c.samples[..]);
        let original = |t0: f64, t1: f64| {
            let (t0, t1) = shortened
                .as_ref()
                .map_or((t0, t1), |c| c.original_span(t0, t1));
            (t0 + offset_s, t1 + offset_s)
        };
        if self.options.fit_audio_ctx {
            // The encoder's context covers 30 s in 1500 steps; a short chunk
            // needs only its own length (plus a little room).
            let steps = (heard.len() as f64 / RATE * 50.0).ceil() as i32 + 64;
            params.set_audio_ctx(steps.min(1500));
        }
        state
            .full(params, heard)
            .map_err(|e| ModelError::Transcribe(e.to_string()))?;
        let eot = self.ctx.token_eot();
        let mut assembler = WordAssembler::default();
        for segment in state.as_iter() {
            for i in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(i) else {
                    continue;
                };
                if token.token_id() >= eot {
                    continue; // special and timestamp tokens
                }
                let data = token.token_data();
                let bytes = token.to_bytes().unwrap_or_default();
                let (t0, t1) = original(data.t0 as f64 / 100.0, data.t1 as f64 / 100.0);
                assembler.push(bytes, t0, t1, token.token_probability());
            }
            assembler.segment_break();
        }
        Ok(assembler.finish())
    }
}

impl Transcriber for Whisper {
    fn transcribe(
        &mut self,
        samples: &[f32],
        speech: &[Span],
        offset_s: f64,
    ) -> Result<Transcript, ModelError> {
        let mut state = self.new_state()?;
        let prompt = self.options.initial_prompt.clone().unwrap_or_default();
        self.transcribe_with(&mut state, samples, speech, offset_s, &prompt)
    }
}

/// An error once `cancel` is set, between whisper passes: the caller no
/// longer wants this run at all.
fn stop_if_cancelled(cancel: Option<&AtomicBool>) -> Result<(), ModelError> {
    if cancel.is_some_and(|c| c.load(Ordering::Acquire)) {
        return Err(ModelError::Transcribe("cancelled".into()));
    }
    Ok(())
}

/// whisper's sample rate.
pub(super) const RATE: f64 = 16_000.0;

#[cfg(test)]
mod testing {
    //! Words and speech for the tests of the decoding helpers.
    use super::*;

    pub fn timed(word: &str, start_s: f64, end_s: f64) -> Word {
        Word {
            word: word.to_string(),
            start_s,
            end_s,
            probability: 0.9,
        }
    }

    /// `n` words of normal speech from 0 s: 0.3 s each, 2.5 a second.
    pub fn steady_speech(n: usize) -> Vec<Word> {
        (0..n)
            .map(|i| timed("word", i as f64 * 0.4, i as f64 * 0.4 + 0.3))
            .collect()
    }

    pub fn spans(times: &[(f64, f64)]) -> Vec<Span> {
        times
            .iter()
            .map(|&(start_s, end_s)| Span { start_s, end_s })
            .collect()
    }
}
