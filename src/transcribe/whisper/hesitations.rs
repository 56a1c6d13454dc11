//! The hesitations whisper leaves out, looked for in the voiced stretches
//! no word covers (an experiment, off by default: EVALUATION.md).

use std::sync::atomic::AtomicBool;

use whisper_rs::{FullParams, SamplingStrategy, WhisperState};

use super::{RATE, Whisper, stop_if_cancelled};
use crate::analysis::fillers;
use crate::audio::spans::Span;
use crate::transcribe::{ModelError, Word};

impl Whisper {
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
        crate::transcribe::snap_words(&mut local, spans);
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
