//! Where to cut a streamed answer, from the voice detector's frames as they
//! arrive: finished chunks at pauses, guesses of the last chunk at each
//! pause, and a settled guess once the speaker has stopped.

use super::{Chunk, ChunkKind};
use crate::audio::spans::Span;
use crate::audio::vad::FRAME_S;

/// Shortest chunk worth sending. Measured on the fixtures (EVALUATION.md):
/// 5 s chunks cost 1.5 WER points against batch; 10 s chunks cost 0.35;
/// a 15 s maximum instead of 25 s cost 1.7.
pub const MIN_CHUNK_S: f64 = 10.0;
/// Longest chunk before a cut is forced.
pub const MAX_CHUNK_S: f64 = 25.0;
/// A silence this long is a place to cut.
pub const CUT_PAUSE_S: f64 = 0.3;
/// A silence this long is a place to guess that the answer has ended.
pub const GUESS_PAUSE_S: f64 = 0.2;
/// After a silence this long the answer has probably ended: the guess is
/// made again in one pass. Later than an Enter pressed right after the last
/// word, since whisper's encoder cannot be stopped half-way.
pub const SETTLED_PAUSE_S: f64 = 1.5;

/// Decides where to cut the answer, from the voice detector's frames.
#[derive(Debug, Clone, Default)]
pub struct Chunker {
    /// Sample index where the current chunk starts.
    start: usize,
    min_s: f64,
    max_s: f64,
    /// (chunk start, end of speech) of the last guess, so each pause is guessed once.
    guessed: Option<(usize, usize)>,
    /// The same for the last [`Step::Settled`].
    settled: Option<(usize, usize)>,
}

/// What to do after the newest voice frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A finished chunk: transcribe it and keep the words.
    Commit(usize, usize),
    /// The speaker has paused: if the answer ended now, this would be the
    /// last chunk. Transcribing it while idle means an answer that does end
    /// here, or soon after, costs little more.
    Guess(usize, usize),
    /// The speaker has been silent for [`SETTLED_PAUSE_S`]: the answer has
    /// probably ended, and the last chunk is worth transcribing in one pass.
    Settled(usize, usize),
}

impl Step {
    /// The chunk of `answer` this step hands to the transcriber; `speech` is
    /// where the speech is in the answer so far.
    pub fn chunk(self, answer: &[f32], speech: &[Span]) -> Chunk {
        match self {
            Step::Commit(from, to) => Chunk::of(answer, speech, (from, to), ChunkKind::Commit),
            Step::Guess(from, to) => Chunk::of(answer, speech, (from, to), ChunkKind::Guess),
            Step::Settled(from, to) => Chunk::of(answer, speech, (from, to), ChunkKind::Settled),
        }
    }
}

impl Chunker {
    /// A chunker with the default 5–25 s bounds.
    pub fn new() -> Chunker {
        Chunker::with_bounds(MIN_CHUNK_S, MAX_CHUNK_S)
    }

    /// A chunker with other bounds (tests force seams with short ones).
    pub fn with_bounds(min_s: f64, max_s: f64) -> Chunker {
        Chunker {
            start: 0,
            min_s,
            max_s,
            guessed: None,
            settled: None,
        }
    }

    /// Given the VAD frames so far and the samples so far (16 kHz), returns
    /// a finished chunk, if one should be cut now. Cuts fall in the middle of
    /// a pause, so no word is split, and are made when speech resumes after
    /// it: a pause that turns out to be the end of the answer stays in the
    /// open chunk, where a guess ([`Step::Guess`]) may already cover it.
    pub fn cut(&mut self, voiced: &[bool], samples: usize) -> Option<(usize, usize)> {
        let rate = 16_000.0;
        let length_s = (samples - self.start) as f64 / rate;
        if length_s < self.min_s {
            return None;
        }
        let pause_frames = (CUT_PAUSE_S / FRAME_S).ceil() as usize;
        let first_open = (self.start as f64 / rate / FRAME_S).ceil() as usize;
        let resumed_after = match voiced.split_last() {
            Some((true, before)) => before.iter().rev().take_while(|v| !**v).count(),
            _ => 0,
        };
        let pause_start = voiced.len().saturating_sub(1 + resumed_after);
        let at = if resumed_after >= pause_frames && pause_start >= first_open {
            // Cut in the middle of the pause that just ended.
            Some(pause_start + resumed_after / 2)
        } else if length_s >= self.max_s && voiced.last() == Some(&true) {
            // Force a cut at the longest silence past the minimum length
            // (never the silence before the first word), else here. Not
            // during a pause: the chunk's speech is not growing then, and the
            // pause may be the end of the answer, which a guess covers.
            let from = ((self.start as f64 / rate + self.min_s) / FRAME_S) as usize;
            let quiet =
                longest_gap(&voiced[from.min(voiced.len())..]).map(|(s, e)| from + (s + e) / 2);
            Some(quiet.unwrap_or(voiced.len()))
        } else {
            None
        };
        let end = ((at? as f64 * FRAME_S * rate) as usize).clamp(self.start + 1, samples);
        let chunk = (self.start, end);
        self.start = end;
        Some(chunk)
    }

    /// Start of the chunk still open.
    pub fn open_from(&self) -> usize {
        self.start
    }

    /// A cut if one is due, else, once the speaker has paused for
    /// [`GUESS_PAUSE_S`], a guess at the last chunk, and once they have
    /// paused for [`SETTLED_PAUSE_S`], [`Step::Settled`] (each once per pause).
    pub fn step(&mut self, voiced: &[bool], samples: usize) -> Option<Step> {
        if let Some((from, to)) = self.cut(voiced, samples) {
            return Some(Step::Commit(from, to));
        }
        let frames = |s: f64| (s / FRAME_S).ceil() as usize;
        let trailing = voiced.iter().rev().take_while(|v| !**v).count();
        let (from, to) = self.last(voiced, samples)?;
        let key = Some((from, voiced.len() - trailing));
        if trailing >= frames(SETTLED_PAUSE_S) && self.settled != key {
            self.settled = key;
            return Some(Step::Settled(from, to));
        }
        if trailing < frames(GUESS_PAUSE_S) || self.guessed == key {
            return None;
        }
        self.guessed = key;
        Some(Step::Guess(from, to))
    }

    /// Every step due after the frames from `before` onwards were added.
    ///
    /// The capture worker pushes audio in blocks that may complete several
    /// voice frames at once. Stepping once per block would see speech that
    /// resumed two frames ago as no pause at all, and the cut there would be
    /// missed; stepping frame by frame gives what a frame-by-frame feed gives.
    pub fn catch_up(&mut self, voiced: &[bool], before: usize, samples: usize) -> Vec<Step> {
        let frame = (FRAME_S * 16_000.0).round() as usize;
        let first = if voiced.len() > before {
            before + 1
        } else {
            voiced.len()
        };
        (first..=voiced.len())
            .filter_map(|n| {
                let seen = if n == voiced.len() {
                    samples
                } else {
                    (n * frame).min(samples)
                };
                self.step(&voiced[..n], seen)
            })
            .collect()
    }

    /// The last chunk when the answer ends now: from the last cut to the end
    /// of speech, or nothing if no word was spoken since the last cut.
    pub fn last(&self, voiced: &[bool], samples: usize) -> Option<(usize, usize)> {
        let from = self.start;
        let to = speech_end(voiced, samples);
        let first_frame = (from as f64 / 16_000.0 / FRAME_S) as usize;
        let has_speech = voiced
            .get(first_frame..)
            .is_some_and(|v| v.iter().any(|x| *x));
        (from < to && has_speech).then_some((from, to))
    }
}

fn longest_gap(voiced: &[bool]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = None;
    for (i, &v) in voiced.iter().enumerate() {
        match (v, start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                if best.is_none_or(|(bs, be)| i - s > be - bs) {
                    best = Some((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    best.filter(|(s, e)| e > s)
}

/// Where the last chunk should end: half a second after the last voiced
/// frame. Whisper invents words ("you") in long trailing silence.
pub fn speech_end(voiced: &[bool], samples: usize) -> usize {
    let last = voiced.iter().rposition(|v| *v).map_or(0, |i| i + 1);
    (((last as f64 * FRAME_S) + 0.5) * 16_000.0).min(samples as f64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(pattern: &str) -> Vec<bool> {
        pattern.chars().map(|c| c == '#').collect()
    }

    /// Every step the chunker takes as the frames arrive one by one.
    fn steps(c: &mut Chunker, v: &[bool]) -> Vec<Step> {
        (1..=v.len())
            .filter_map(|n| c.step(&v[..n], n * 256))
            .collect()
    }

    #[test]
    fn cuts_in_the_middle_of_a_pause_after_the_minimum() {
        let mut c = Chunker::with_bounds(0.5, 25.0);
        // 40 voiced frames (0.64 s), 20 silent (0.32 s): no cut until speech
        // resumes, then 10 frames into the pause.
        let v = frames(&format!("{}{}#", "#".repeat(40), ".".repeat(20)));
        assert_eq!(c.cut(&v[..60], 60 * 256), None);
        let cut = c.cut(&v, v.len() * 256).unwrap();
        assert_eq!(cut, (0, 50 * 256));
        assert_eq!(c.open_from(), 50 * 256);
    }

    #[test]
    fn a_pause_gives_one_guess_of_the_last_chunk() {
        let mut c = Chunker::with_bounds(5.0, 25.0);
        // 1 s of speech, then silence: one guess once the pause reaches 0.2 s.
        let v = frames(&format!("{}{}", "#".repeat(63), ".".repeat(40)));
        let steps = steps(&mut c, &v);
        let at = (63 + 13) * 256;
        assert_eq!(steps, vec![Step::Guess(0, at)]);
        assert_eq!(c.last(&v, v.len() * 256), Some((0, 63 * 256 + 8_000)));
    }

    #[test]
    fn the_longest_chunk_is_not_forced_to_a_cut_during_the_final_pause() {
        // Regression: a chunk reaching 25 s in the silence after the last word
        // was cut there, so the guess covering the end was thrown away and the
        // report after Enter waited for two transcriptions.
        let mut c = Chunker::with_bounds(5.0, 25.0);
        let v = frames(&format!("{}{}", "#".repeat(1550), ".".repeat(100)));
        for n in 1..=v.len() {
            assert_eq!(c.cut(&v[..n], n * 256), None, "cut at frame {n}");
        }
        // Speech resuming after a long pause is cut at that pause as usual.
        let mut resumed = v.clone();
        resumed.push(true);
        assert_eq!(
            c.cut(&resumed, resumed.len() * 256),
            Some((0, (1550 + 50) * 256))
        );
    }

    #[test]
    fn a_long_pause_is_settled_once_after_its_guess() {
        let mut c = Chunker::with_bounds(5.0, 25.0);
        let v = frames(&format!("{}{}", "#".repeat(63), ".".repeat(200)));
        let steps = steps(&mut c, &v);
        let end = 63 * 256 + 8_000;
        assert_eq!(steps, vec![Step::Guess(0, 76 * 256), Step::Settled(0, end)]);
    }

    #[test]
    fn no_cut_before_the_minimum_or_inside_speech() {
        let mut c = Chunker::with_bounds(5.0, 25.0);
        let short = frames(&format!("{}{}#", "#".repeat(40), ".".repeat(20)));
        assert_eq!(c.cut(&short, short.len() * 256), None);
        let speech = frames(&"#".repeat(400));
        assert_eq!(c.cut(&speech, speech.len() * 256), None);
    }

    #[test]
    fn frames_arriving_in_blocks_are_cut_as_if_they_came_one_by_one() {
        // Regression: the capture worker stepped once per block; when a block
        // completed the first voiced frame after a pause and the next one too,
        // the pause was not seen and a live answer went uncut.
        let v = frames(&format!(
            "{}{}{}{}{}",
            "#".repeat(700),
            ".".repeat(24),
            "#".repeat(300),
            ".".repeat(24),
            "#".repeat(100)
        ));
        let one_by_one = steps(&mut Chunker::new(), &v);
        assert!(
            one_by_one.iter().any(|s| matches!(s, Step::Commit(..))),
            "{one_by_one:?}"
        );
        for block in [2, 3, 7] {
            let mut c = Chunker::new();
            let mut got = Vec::new();
            let mut before = 0;
            while before < v.len() {
                let now = (before + block).min(v.len());
                got.extend(c.catch_up(&v[..now], before, now * 256));
                before = now;
            }
            assert_eq!(got, one_by_one, "blocks of {block} frames");
        }
    }

    #[test]
    fn a_long_monologue_is_cut_at_its_longest_silence() {
        let mut c = Chunker::with_bounds(5.0, 25.0);
        // 1000 voiced, a 10-frame gap, 600 voiced: 26 s with no 0.3 s pause at the end.
        let v = frames(&format!(
            "{}{}{}",
            "#".repeat(1000),
            ".".repeat(10),
            "#".repeat(600)
        ));
        let (from, to) = c.cut(&v, v.len() * 256).unwrap();
        assert_eq!(from, 0);
        assert_eq!(to, 1005 * 256);
    }
}
