//! The whisper-rs engine behind [`Transcriber`](super::Transcriber).

use std::path::{Path, PathBuf};
use std::sync::Once;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use std::sync::atomic::{AtomicBool, Ordering};

use super::{ModelError, Transcriber, Transcript, Word, compact, ggml};
use crate::analysis::fillers;
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

    /// Adds the hesitations ("um", "uh") whisper left out. It drops most of
    /// them, but they are still voiced: each voiced stretch of 150–800 ms
    /// that no word covers is transcribed on its own (padded with silence,
    /// encoder context fitted, primed with fillers) and kept as a filler if
    /// whisper hears nothing but a hesitation in it. On the labelled set this
    /// took filler recall from 0.60 to 0.70 but precision from 1.00 to 0.85
    /// (EVALUATION.md), so it is off by default. Stops early, with an error,
    /// once `cancel` is set.
    pub fn recover_fillers(
        &self,
        state: &mut WhisperState,
        samples: &[f32],
        spans: &[Span],
        offset_s: f64,
        words: &mut Vec<Word>,
        cancel: Option<&AtomicBool>,
    ) -> Result<(), ModelError> {
        // Word times on this piece's own timeline, snapped to speech as the analysis does.
        let mut local: Vec<Word> = words
            .iter()
            .map(|w| Word {
                start_s: w.start_s - offset_s,
                end_s: w.end_s - offset_s,
                ..w.clone()
            })
            .collect();
        super::snap_words(&mut local, spans);
        let mut found = Vec::new();
        for span in spans {
            let mut at = span.start_s;
            let mut inside: Vec<(f64, f64)> = local
                .iter()
                .filter(|w| w.end_s > span.start_s && w.start_s < span.end_s)
                .map(|w| (w.start_s, w.end_s))
                .collect();
            inside.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (start, end) in inside.into_iter().chain([(span.end_s, span.end_s)]) {
                if (0.15..=0.8).contains(&(start - at)) {
                    found.push((at, start));
                }
                at = at.max(end);
            }
        }
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.options.threads.max(1) as i32);
        params.set_language(Some("en"));
        params.set_no_context(true);
        params.set_single_segment(true);
        // A hesitation is a token or two; anything longer is a word.
        params.set_max_tokens(4);
        params.set_temperature_inc(0.0);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_initial_prompt("Um, uh, hmm.");
        // 1.2 s of audio (whisper.cpp ignores input under 1 s) in 60 + 64 steps.
        params.set_audio_ctx(124);
        let mut piece = Vec::with_capacity(19_200);
        // Whisper's word times are coarse: a hesitation it did write can sit
        // next to the stretch it was said in.
        let kept: Vec<f64> = local
            .iter()
            .filter(|w| fillers::hesitation(&w.word).is_some())
            .map(|w| (w.start_s + w.end_s) / 2.0)
            .collect();
        found.retain(|(from, to)| !kept.iter().any(|t| *t > from - 0.5 && *t < to + 0.5));
        for (from_s, to_s) in found {
            stop_if_cancelled(cancel)?;
            let from = ((from_s - 0.05).max(0.0) * RATE) as usize;
            let to = (((to_s + 0.05) * RATE) as usize).min(samples.len());
            piece.clear();
            piece.extend_from_slice(&samples[from.min(to)..to]);
            piece.resize(piece.len().max(19_200), 0.0);
            state
                .full(params.clone(), &piece)
                .map_err(|e| ModelError::Transcribe(e.to_string()))?;
            let eot = self.ctx.token_eot();
            let (mut heard, mut log_p, mut tokens) = (String::new(), 0f64, 0usize);
            for segment in state.as_iter() {
                if let Ok(text) = segment.to_str_lossy() {
                    heard.push_str(&text);
                    heard.push(' ');
                }
                for token in (0..segment.n_tokens()).filter_map(|i| segment.get_token(i)) {
                    if token.token_id() < eot {
                        log_p += f64::from(token.token_probability().max(1e-6)).ln();
                        tokens += 1;
                    }
                }
            }
            let mut sounds = heard.split_whitespace().map(fillers::hesitation);
            let first = sounds.next().flatten();
            if let Some(sound) = first.filter(|_| tokens > 0 && sounds.all(|s| s.is_some())) {
                words.push(Word {
                    word: sound.to_string(),
                    start_s: offset_s + from_s,
                    end_s: offset_s + to_s,
                    probability: (log_p / tokens as f64).exp() as f32,
                });
            }
        }
        words.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        Ok(())
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
const RATE: f64 = 16_000.0;

/// A word whisper stretched over this long is suspect ("data" over 2 s).
const STRETCHED_WORD_S: f64 = 0.6;
/// Runs of stretched words this long are decoded again.
const THIN_STRETCH_S: f64 = 10.0;
/// Fewer words a second than this in such a run is a hole; people say two
/// to three. A second pass is kept only if it hears at least this many.
const THIN_WORDS_PER_S: f64 = 1.0;
/// Shorter runs are decoded again only when far thinner: three words
/// over 6.5 s ("No this never-") where a sentence was said.
const VERY_THIN_STRETCH_S: f64 = 5.0;
/// See [`VERY_THIN_STRETCH_S`].
const VERY_THIN_WORDS_PER_S: f64 = 0.6;
/// This many words of no length within [`PILE_UP_WITHIN_S`] after a thin
/// run mean whisper's times slipped, not its words.
const PILED_UP_WORDS: usize = 3;
/// See [`PILED_UP_WORDS`].
const PILE_UP_WITHIN_S: f64 = 2.0;
/// A word starting this close outside a stretch still belongs to it.
const STRETCH_EDGE_S: f64 = 0.05;

/// Whether `w` starts within the stretch `from_s..to_s` (give or take
/// [`STRETCH_EDGE_S`]).
fn in_stretch(w: &Word, from_s: f64, to_s: f64) -> bool {
    w.start_s >= from_s - STRETCH_EDGE_S && w.start_s < to_s + STRETCH_EDGE_S
}

/// Audio kept either side of a thin stretch when decoding it again.
const THIN_PAD_S: f64 = 0.5;

/// Stretches where whisper's words are spread too thin to be what was said:
/// it skipped a sentence or two and stretched the words around the hole
/// over it ("to move the data safely" over 10 s). A run of at least three
/// words of [`STRETCHED_WORD_S`] or longer (one short word may sit between
/// them) that covers [`THIN_STRETCH_S`] or more.
fn thin_stretches(words: &[Word]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    // (start, end, stretched words) of the run being read, and how many
    // short words have followed it.
    let mut run: Option<(f64, f64, usize)> = None;
    let mut short = 0;
    let mut close = |run: &mut Option<(f64, f64, usize)>| {
        if let Some((start, end, n)) = run.take()
            && n >= 3
            && end - start >= VERY_THIN_STRETCH_S
        {
            let said = words
                .iter()
                .filter(|w| w.start_s >= start && w.start_s < end)
                .count() as f64;
            let long = end - start;
            let thin = (long >= THIN_STRETCH_S && said < THIN_WORDS_PER_S * long)
                || said < VERY_THIN_WORDS_PER_S * long;
            // Words piled up at one instant just after the run: whisper
            // wrote what was said there but lost its times, skipped nothing.
            let piled_up = || {
                words
                    .iter()
                    .filter(|w| {
                        w.start_s >= end
                            && w.start_s < end + PILE_UP_WITHIN_S
                            && w.end_s - w.start_s < 0.01
                    })
                    .count()
            };
            if thin && piled_up() < PILED_UP_WORDS {
                out.push((start, end));
            }
        }
    };
    for w in words {
        if w.end_s - w.start_s >= STRETCHED_WORD_S {
            short = 0;
            match &mut run {
                Some(r) => {
                    r.1 = w.end_s;
                    r.2 += 1;
                }
                None => run = Some((w.start_s, w.end_s, 1)),
            }
        } else if run.is_some() {
            short += 1;
            if short > 1 {
                close(&mut run);
            }
        }
    }
    close(&mut run);
    out
}

/// whisper hears audio in windows of this length.
const WINDOW_S: f64 = 30.0;
/// Pieces are aimed at no longer than this, leaving room in the window.
const PIECE_S: f64 = 27.0;

/// Where to cut audio longer than whisper's window (on the piece's own
/// timeline, in seconds): at pauses, into pieces of about equal speech.
/// whisper.cpp moves on from a window at its last timestamp, and a sentence
/// said across that seam was skipped whole. `heard_s` is the length whisper
/// will hear (long silences shortened).
fn window_cuts(spans: &[Span], heard_s: f64) -> Vec<f64> {
    if heard_s <= WINDOW_S || spans.len() < 2 {
        return Vec::new();
    }
    let pieces = (heard_s / PIECE_S).ceil() as usize;
    let speech: f64 = spans.iter().map(Span::duration_s).sum();
    let share = speech / pieces as f64;
    // Each pause: (speech said before it, its length, its middle).
    let mut said = 0.0;
    let pauses: Vec<(f64, f64, f64)> = spans
        .windows(2)
        .map(|pair| {
            said += pair[0].duration_s();
            let (from, to) = (pair[0].end_s, pair[1].start_s);
            (said, to - from, (from + to) / 2.0)
        })
        .collect();
    let mut cuts: Vec<f64> = Vec::new();
    for k in 1..pieces {
        let target = share * k as f64;
        let last = cuts.last().copied().unwrap_or(0.0);
        let off = |p: &(f64, f64, f64)| (p.0 - target).abs();
        // Pauses after the last cut that keep this piece within the window
        // (on the recording's timeline, which is never shorter than whisper's).
        let fitting: Vec<&(f64, f64, f64)> = pauses
            .iter()
            .filter(|p| p.2 > last && p.2 - last <= PIECE_S)
            .collect();
        // The longest pause near the target (the nearer of equals); failing
        // that, the nearest.
        let near = fitting
            .iter()
            .filter(|p| off(p) <= share / 4.0)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(off(b).total_cmp(&off(a))));
        let nearest = || fitting.iter().min_by(|a, b| off(a).total_cmp(&off(b)));
        if let Some(&&(_, _, at)) = near.or_else(nearest) {
            cuts.push(at);
        }
    }
    cuts
}

/// Appends the words of the next piece. A piece ends in a full stop even
/// when the cut fell inside a sentence; a piece that goes on in lower case
/// continues the sentence, so that stop goes.
fn join_pieces(words: &mut Vec<Word>, piece: Vec<Word>) {
    let continues = piece
        .first()
        .and_then(|w| w.word.trim_start().chars().next())
        .is_some_and(char::is_lowercase);
    if continues && let Some(last) = words.last_mut() {
        let kept = last.word.trim_end_matches(['.', '?', '!']).len();
        last.word.truncate(kept);
    }
    words.extend(piece);
}

/// Speech this long with no word over it was skipped, not misheard.
const UNHEARD_SPEECH_S: f64 = 2.0;

/// Speech whisper wrote no word over: a gap between words (or before the
/// first, or after the last) holding [`UNHEARD_SPEECH_S`] or more of speech
/// (`spans`, on the piece's own timeline, which starts at `offset_s` and
/// lasts `length_s`). Whisper sometimes ends a 30 s window early and never
/// comes back to the rest ("…with no timeout set." and then nothing over the
/// last 12 s of the answer). Each is returned as the speech inside the gap.
fn unheard_speech(words: &[Word], spans: &[Span], offset_s: f64, length_s: f64) -> Vec<(f64, f64)> {
    let mut edges = vec![offset_s];
    for w in words {
        edges.push(w.start_s);
        edges.push(w.end_s);
    }
    edges.push(offset_s + length_s);
    edges
        .chunks_exact(2)
        .filter_map(|gap| {
            let (from, to) = (gap[0], gap[1]);
            let inside: Vec<(f64, f64)> = spans
                .iter()
                .map(|s| {
                    (
                        (s.start_s + offset_s).max(from),
                        (s.end_s + offset_s).min(to),
                    )
                })
                .filter(|(a, b)| b > a)
                .collect();
            let speech: f64 = inside.iter().map(|(a, b)| b - a).sum();
            (speech >= UNHEARD_SPEECH_S).then(|| (inside[0].0, inside[inside.len() - 1].1))
        })
        .collect()
}

/// Word 4-grams that occur more than once: a passage decoded twice.
fn repeated_phrases(words: &[Word]) -> usize {
    let keys: Vec<String> = words.iter().map(word_key).collect();
    let mut seen = std::collections::HashSet::new();
    keys.windows(4).filter(|w| !seen.insert(w.to_vec())).count()
}

/// A phrase whisper writes this many times running is a decoding loop.
const LOOP_REPEATS: usize = 3;
/// Shorter phrases may be said over on purpose ("no, no, no").
const LOOP_MIN_WORDS: usize = 2;
/// The longest phrase looked for.
const LOOP_MAX_WORDS: usize = 16;

/// Drops the copies of a phrase whisper wrote [`LOOP_REPEATS`] or more
/// times running, keeping the first: beam search can fall into a loop over
/// the silence after an answer ("Thank you for watching. Thank you very
/// much." three times), and no speaker repeats a sentence three times
/// running. Returns how many words went.
fn drop_decoding_loops(words: &mut Vec<Word>) -> usize {
    let before = words.len();
    let mut keys: Vec<String> = words.iter().map(word_key).collect();
    let mut i = 0;
    while i < keys.len() {
        let rest = &keys[i..];
        let looped =
            (LOOP_MIN_WORDS..=LOOP_MAX_WORDS.min(rest.len() / LOOP_REPEATS)).find_map(|n| {
                let copies = rest
                    .chunks_exact(n)
                    .take_while(|chunk| *chunk == &rest[..n])
                    .count();
                (copies >= LOOP_REPEATS).then_some((n, copies))
            });
        if let Some((n, copies)) = looped {
            words.drain(i + n..i + n * copies);
            keys.drain(i + n..i + n * copies);
        }
        i += 1;
    }
    before - words.len()
}

/// A word compared without case or punctuation.
fn word_key(w: &Word) -> String {
    w.word
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Drops the words at either end of `again` (a stretch decoded again) that
/// repeat the words just outside it: the second pass hears some of the
/// speech the first already wrote next to the stretch.
fn trim_repeats(words: &[Word], again: &mut Vec<Word>, from_s: f64, to_s: f64) {
    let before: Vec<String> = words
        .iter()
        .filter(|w| w.start_s < from_s - STRETCH_EDGE_S)
        .map(word_key)
        .collect();
    let after: Vec<String> = words
        .iter()
        .filter(|w| w.start_s >= to_s + STRETCH_EDGE_S)
        .map(word_key)
        .collect();
    let heard: Vec<String> = again.iter().map(word_key).collect();
    // The longest run of `again` that opens with the last words before it.
    let head = (1..=heard.len().min(before.len()))
        .rev()
        .find(|&n| heard[..n] == before[before.len() - n..])
        .unwrap_or(0);
    let tail = (1..=(heard.len() - head).min(after.len()))
        .rev()
        .find(|&n| heard[heard.len() - n..] == after[..n])
        .unwrap_or(0);
    again.truncate(heard.len() - tail);
    again.drain(..head);
}

/// Joins sub-word tokens into words: a token that starts with a space starts a
/// new word; bytes are joined before UTF-8 decoding so split characters survive.
#[derive(Default)]
struct WordAssembler {
    words: Vec<Word>,
    bytes: Vec<u8>,
    start: f64,
    end: f64,
    probs: Vec<f32>,
}

impl WordAssembler {
    fn push(&mut self, token: &[u8], t0: f64, t1: f64, p: f32) {
        if token.is_empty() {
            return;
        }
        let starts_word = token[0] == b' ';
        let is_punct = token.iter().all(|b| b.is_ascii_punctuation());
        if starts_word && !self.bytes.is_empty() {
            self.flush();
        }
        if self.bytes.is_empty() {
            self.start = t0;
        }
        self.bytes.extend_from_slice(token);
        if !is_punct || self.probs.is_empty() {
            self.end = t1.max(self.start);
            self.probs.push(p);
        }
    }

    fn segment_break(&mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        let text = String::from_utf8_lossy(&self.bytes).trim().to_string();
        if !text.is_empty() {
            let probability = if self.probs.is_empty() {
                0.0
            } else {
                self.probs.iter().sum::<f32>() / self.probs.len() as f32
            };
            // Whisper's non-speech annotations ("[BLANK_AUDIO]", "(music)") are not words.
            let annotation = (text.starts_with('[') && text.ends_with(']'))
                || (text.starts_with('(') && text.ends_with(')'));
            if annotation {
                // skip
            } else if text.chars().all(|c| c.is_ascii_punctuation()) {
                // A lone punctuation word belongs to the previous word.
                if let Some(last) = self.words.last_mut() {
                    last.word.push_str(&text);
                }
            } else {
                self.words.push(Word {
                    word: text,
                    start_s: self.start,
                    end_s: self.end,
                    probability,
                });
            }
        }
        self.bytes.clear();
        self.probs.clear();
    }

    fn finish(mut self) -> Vec<Word> {
        self.flush();
        self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(word: &str, start_s: f64, end_s: f64) -> Word {
        Word {
            word: word.to_string(),
            start_s,
            end_s,
            probability: 0.9,
        }
    }

    /// `n` words of normal speech from 0 s: 0.3 s each, 2.5 a second.
    fn steady_speech(n: usize) -> Vec<Word> {
        (0..n)
            .map(|i| timed("word", i as f64 * 0.4, i as f64 * 0.4 + 0.3))
            .collect()
    }

    fn spans(times: &[(f64, f64)]) -> Vec<Span> {
        times
            .iter()
            .map(|&(start_s, end_s)| Span { start_s, end_s })
            .collect()
    }

    #[test]
    fn audio_within_whisper_window_is_not_cut() {
        let speech = spans(&[(0.5, 10.0), (10.5, 20.0), (20.6, 29.0)]);
        assert!(window_cuts(&speech, 30.0).is_empty());
    }

    #[test]
    fn a_long_answer_is_cut_at_the_longest_pause_near_equal_shares() {
        // 40 s of speech: two pieces of about 20 s. Near the middle are a
        // short pause (at 19.0) and a longer one (at 22.0, within a quarter
        // share); the longer one is the cut, not the nearer one, and not the
        // longest pause overall (at 5.0, far from the middle).
        let speech = spans(&[
            (0.0, 5.0),
            (7.0, 19.0),
            (19.3, 22.0),
            (22.8, 36.0),
            (36.4, 42.0),
        ]);
        assert_eq!(window_cuts(&speech, 42.0), [22.4]);
    }

    #[test]
    fn a_long_answer_without_a_pause_near_the_middle_is_cut_at_the_nearest() {
        let speech = spans(&[(0.0, 26.0), (26.4, 40.0)]);
        assert_eq!(window_cuts(&speech, 40.0), [26.2]);
        // No pause within the window: whisper's own windows decide.
        let speech = spans(&[(0.0, 33.0), (33.4, 40.0)]);
        assert!(window_cuts(&speech, 40.0).is_empty());
    }

    #[test]
    fn a_very_long_answer_is_cut_into_pieces_that_fit_the_window() {
        // 100 s of speech in 2 s stretches with 0.25 s pauses: four pieces.
        let speech: Vec<(f64, f64)> = (0..45)
            .map(|i| (i as f64 * 2.25, i as f64 * 2.25 + 2.0))
            .collect();
        let cuts = window_cuts(&spans(&speech), 101.0);
        assert_eq!(cuts.len(), 3, "{cuts:?}");
        let mut from = 0.0;
        for to in cuts.iter().copied().chain([101.0]) {
            assert!(to - from <= PIECE_S, "{from}..{to}");
            from = to;
        }
    }

    #[test]
    fn a_cut_inside_a_sentence_does_not_end_it() {
        let mut words = vec![timed("I", 0.0, 0.2), timed("know.", 0.3, 0.6)];
        join_pieces(&mut words, vec![timed("wrote", 1.0, 1.3)]);
        assert_eq!(words[1].word, "know");
        // A piece that starts a sentence keeps the stop before it.
        join_pieces(&mut words, vec![timed("Then", 2.0, 2.3)]);
        assert_eq!(words[2].word, "wrote");
        let mut words = vec![timed("done.", 0.0, 0.2)];
        join_pieces(&mut words, vec![timed("Then", 2.0, 2.3)]);
        assert_eq!(words[0].word, "done.");
    }

    #[test]
    fn three_words_over_six_seconds_are_a_very_thin_stretch() {
        // Under pink noise whisper wrote "No this never-" over 6.5 s where
        // a sentence was said (holdout4-checkout-lock-oncall).
        let mut words = steady_speech(10);
        words.extend([
            timed("No", 4.3, 5.4),
            timed("this", 5.4, 7.8),
            timed("never-", 7.8, 10.8),
            timed("I", 11.4, 11.5),
            timed("also", 11.5, 11.8),
        ]);
        assert_eq!(thin_stretches(&words), [(4.3, 10.8)]);
        // Four words over those 6.5 s are not thin enough to call a skip.
        let mut four = words.clone();
        four.insert(12, timed("really", 6.0, 6.5));
        assert!(thin_stretches(&four).is_empty());
        // The same run with words piled up at one instant after it: the
        // words were written, their times lost.
        let mut piled = words[..13].to_vec();
        piled.extend((0..4).map(|_| timed("app", 11.0, 11.0)));
        assert!(thin_stretches(&piled).is_empty());
    }

    #[test]
    fn a_few_words_spread_over_many_seconds_are_a_thin_stretch() {
        let mut words = steady_speech(20);
        assert!(thin_stretches(&words).is_empty());
        // Then five words over 12 s (one short one among them): whisper
        // skipped what was said there.
        words.extend([
            timed("to", 8.0, 9.5),
            timed("move", 9.6, 12.0),
            timed("the", 12.1, 12.3),
            timed("data", 12.4, 16.0),
            timed("safely.", 16.1, 20.0),
        ]);
        assert_eq!(thin_stretches(&words), [(8.0, 20.0)]);
        // The same words over 6 s: whisper's times are often that loose
        // (in noise), so it is left alone.
        let loose: Vec<Word> = words[20..]
            .iter()
            .map(|w| timed(&w.word, w.start_s / 2.0, w.end_s / 2.0))
            .collect();
        assert!(thin_stretches(&loose).is_empty());
    }

    #[test]
    fn speech_after_the_last_word_is_unheard_speech() {
        // holdout4-goroutine under pink noise: words to 28 s, then whisper
        // stopped while the speaker went on to 40 s. The piece starts at 5 s.
        let span = |a: f64, b: f64| Span {
            start_s: a,
            end_s: b,
        };
        let words: Vec<Word> = (0..50)
            .map(|i| timed("word", 5.5 + i as f64 * 0.45, 5.5 + i as f64 * 0.45 + 0.4))
            .collect();
        let last = words[49].end_s;
        let spans = [span(0.5, 18.0), span(18.5, 35.0)];
        let unheard = unheard_speech(&words, &spans, 5.0, 36.0);
        assert_eq!(unheard.len(), 1, "{unheard:?}");
        assert!((unheard[0].0 - last).abs() < 1e-9 && (unheard[0].1 - 40.0).abs() < 1e-9);
        // A pause, or a second of speech whisper let pass, is not a skip.
        let spans = [span(0.5, 23.0), span(30.0, 31.0)];
        assert!(unheard_speech(&words, &spans, 5.0, 36.0).is_empty());
        // Nothing heard at all over speech: the speech is decoded again.
        assert_eq!(unheard_speech(&[], &spans, 5.0, 36.0), [(5.5, 36.0)]);
    }

    #[test]
    fn a_second_pass_drops_what_the_first_wrote_next_to_the_stretch() {
        let words = [
            timed("I", 0.0, 0.2),
            timed("ran", 0.2, 0.5),
            timed("the", 0.5, 0.6),
            timed("tests.", 0.6, 1.0),
            timed("Then", 12.5, 12.8),
            timed("we", 12.8, 13.0),
        ];
        let mut again = vec![
            timed("ran", 1.0, 1.2),
            timed("the", 1.2, 1.3),
            timed("tests,", 1.3, 1.6),
            timed("and", 1.7, 1.9),
            timed("fixed", 1.9, 2.2),
            timed("it.", 2.2, 2.4),
            timed("then", 11.0, 11.2),
        ];
        trim_repeats(&words, &mut again, 1.0, 12.0);
        let kept: Vec<&str> = again.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(kept, ["and", "fixed", "it."]);
        // A passage written twice shows as repeated 4-grams.
        let twice: Vec<Word> = "we moved the data and then we moved the data"
            .split(' ')
            .map(|w| timed(w, 0.0, 0.1))
            .collect();
        assert_eq!(repeated_phrases(&twice), 1);
        assert_eq!(repeated_phrases(&words), 0);
    }

    #[test]
    fn tokens_join_into_words_with_punctuation() {
        let mut a = WordAssembler::default();
        a.push(b" Hel", 0.0, 0.2, 0.9);
        a.push(b"lo", 0.2, 0.4, 0.7);
        a.push(b",", 0.4, 0.4, 0.9);
        a.push(b" world", 0.5, 0.9, 0.8);
        a.push(b".", 0.9, 0.9, 0.9);
        let w = a.finish();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].word, "Hello,");
        assert_eq!((w[0].start_s, w[0].end_s), (0.0, 0.4));
        assert_eq!(w[1].word, "world.");
        assert!((w[0].probability - 0.8).abs() < 1e-6);
    }

    #[test]
    fn a_phrase_written_three_times_running_is_a_decoding_loop() {
        let said = |text: &str| -> Vec<Word> {
            text.split(' ')
                .enumerate()
                .map(|(i, w)| timed(w, i as f64 * 0.4, i as f64 * 0.4 + 0.3))
                .collect()
        };
        let text = |words: &[Word]| -> String {
            words
                .iter()
                .map(|w| w.word.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut looped = said(
            "in the morning. Thank you for watching. Thank you very much. \
             Thank you for watching. Thank you very much. Thank you for watching. \
             Thank you very much.",
        );
        assert_eq!(drop_decoding_loops(&mut looped), 16);
        assert_eq!(
            text(&looped),
            "in the morning. Thank you for watching. Thank you very much."
        );
        // Said twice, or one word over and over: speech, kept.
        for kept in [
            "I think, I think it was the cache.",
            "it was no, no, no, no not that one.",
            "we retried. We retried. And then it worked.",
        ] {
            let mut words = said(kept);
            assert_eq!(drop_decoding_loops(&mut words), 0, "{kept}");
            assert_eq!(text(&words), kept);
        }
    }
}
