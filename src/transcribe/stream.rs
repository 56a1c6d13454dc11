//! Streaming transcription: the answer is cut at pauses into chunks of about
//! 5–25 s, and each finished chunk is transcribed at once on its own thread,
//! with one whisper state per answer and the previous chunk's text as the
//! prompt. When the answer ends only the last chunk is left to do.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use super::{ModelError, Transcript, Whisper};
use crate::audio::vad::FRAME_S;

/// Shortest chunk worth sending. Measured on the fixtures (EVALUATION.md):
/// 5 s chunks cost 1.5 WER points against batch; 10 s chunks cost 0.35;
/// a 15 s maximum instead of 25 s cost 1.7.
pub const MIN_CHUNK_S: f64 = 10.0;
/// Longest chunk before a cut is forced.
pub const MAX_CHUNK_S: f64 = 25.0;
/// Audio after a guess shorter than this (0.3 s) is not transcribed: it
/// holds no complete word, and whisper invents one in it.
const MIN_REST: usize = 4_800;
/// A silence this long is a place to cut.
pub const CUT_PAUSE_S: f64 = 0.3;

/// Decides where to cut the answer, from the voice detector's frames.
#[derive(Debug, Clone, Default)]
pub struct Chunker {
    /// Sample index where the current chunk starts.
    start: usize,
    min_s: f64,
    max_s: f64,
    /// (chunk start, end of speech) of the last guess, so each pause is guessed once.
    guessed: Option<(usize, usize)>,
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
}

impl Step {
    /// The chunk of `answer` this step hands to the transcriber.
    pub fn chunk(self, answer: &[f32]) -> Chunk {
        match self {
            Step::Commit(from, to) => Chunk::of(answer, (from, to), ChunkKind::Commit),
            Step::Guess(from, to) => Chunk::of(answer, (from, to), ChunkKind::Guess),
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
        } else if length_s >= self.max_s {
            // Force a cut at the longest silence past the minimum length
            // (never the silence before the first word), else here.
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
    /// [`CUT_PAUSE_S`], a guess at the last chunk (once per pause).
    pub fn step(&mut self, voiced: &[bool], samples: usize) -> Option<Step> {
        if let Some((from, to)) = self.cut(voiced, samples) {
            return Some(Step::Commit(from, to));
        }
        let pause_frames = (CUT_PAUSE_S / FRAME_S).ceil() as usize;
        let trailing = voiced.iter().rev().take_while(|v| !**v).count();
        let (from, to) = self.last(voiced, samples)?;
        let key = (from, voiced.len() - trailing);
        if trailing < pause_frames || self.guessed == Some(key) {
            return None;
        }
        self.guessed = Some(key);
        Some(Step::Guess(from, to))
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

/// What the transcriber should do with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// A finished chunk: transcribe it and keep the words.
    Commit,
    /// A guess at the last chunk ([`Step::Guess`]), transcribed only when
    /// nothing newer waits; its words are kept only if the last chunk starts
    /// where it starts.
    Guess,
    /// The last chunk of the answer. If a finished guess covers its start,
    /// only the rest after the guess is transcribed.
    Last,
}

/// A chunk of the answer, on the answer's timeline.
#[derive(Debug)]
pub struct Chunk {
    /// 16 kHz samples.
    pub samples: Vec<f32>,
    /// Where it starts, seconds.
    pub offset_s: f64,
    /// What to do with it.
    pub kind: ChunkKind,
}

impl Chunk {
    /// The samples `from..to` of `answer` as a chunk.
    pub fn of(answer: &[f32], (from, to): (usize, usize), kind: ChunkKind) -> Chunk {
        Chunk {
            samples: answer[from..to].to_vec(),
            offset_s: from as f64 / 16_000.0,
            kind,
        }
    }
}

/// Hands chunks to a [`StreamingTranscriber`]. A new chunk or guess cancels
/// a guess in progress, which it makes moot; the last chunk does not, since
/// the guess running then is the likeliest to cover it.
#[derive(Debug, Clone)]
pub struct ChunkSender {
    tx: Sender<Chunk>,
    newer: Arc<AtomicBool>,
}

impl ChunkSender {
    /// Queues a chunk; does nothing if the transcriber has stopped.
    pub fn send(&self, chunk: Chunk) {
        if chunk.kind != ChunkKind::Last {
            self.newer.store(true, Ordering::Release);
        }
        let _ = self.tx.send(chunk);
    }
}

/// What a finished stream produced.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    /// The whole answer's words, on the answer's timeline.
    pub transcript: Transcript,
    /// Chunks transcribed and kept (a reused guess counts as its chunk).
    pub chunks: usize,
    /// Seconds of audio left to transcribe when the last chunk arrived: 0
    /// when a guess already covered it.
    pub after_stop_s: f64,
}

type Worker = JoinHandle<(Whisper, Result<Finished, ModelError>)>;

/// Transcribes chunks as they come, on a worker thread.
pub struct StreamingTranscriber {
    chunks: Option<ChunkSender>,
    thread: Option<Worker>,
    /// Text of each finished chunk, for live captions.
    pub captions: Receiver<String>,
}

impl std::fmt::Debug for StreamingTranscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingTranscriber").finish()
    }
}

impl StreamingTranscriber {
    /// Starts the worker with a loaded model.
    pub fn start(mut whisper: Whisper) -> Result<StreamingTranscriber, ModelError> {
        let (tx, rx) = mpsc::channel::<Chunk>();
        let newer = Arc::new(AtomicBool::new(false));
        let cancel = Arc::clone(&newer);
        let (caption_tx, captions) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("rehearse-transcribe".into())
            .spawn(move || {
                let result = (|| {
                    let mut state = whisper.new_state()?;
                    let mut words = Vec::new();
                    let (mut chunks, mut after_stop) = (0, 0);
                    let mut previous = String::new();
                    let mut queue = VecDeque::new();
                    let mut guessed: Option<(Chunk, Transcript)> = None;
                    loop {
                        if queue.is_empty() {
                            match rx.recv() {
                                Ok(chunk) => queue.push_back(chunk),
                                Err(_) => break,
                            }
                        }
                        // Cleared before looking, so a chunk sent after the look
                        // still cancels the guess about to start.
                        cancel.store(false, Ordering::Release);
                        queue.extend(rx.try_iter());
                        let Some(chunk) = queue.pop_front() else {
                            break;
                        };
                        let began = std::time::Instant::now();
                        let (kind, audio_s) = (chunk.kind, chunk.samples.len() as f64 / 16_000.0);
                        let mut t = match chunk.kind {
                            ChunkKind::Guess => {
                                // Anything newer makes this guess moot.
                                if queue.is_empty()
                                    && let Some(t) = whisper.transcribe_unless(
                                        &mut state,
                                        &chunk.samples,
                                        chunk.offset_s,
                                        &previous,
                                        &cancel,
                                    )?
                                {
                                    tracing::debug!(
                                        audio_s,
                                        took_s = began.elapsed().as_secs_f64(),
                                        "guess of the last chunk done"
                                    );
                                    guessed = Some((chunk, t));
                                } else {
                                    tracing::debug!(
                                        audio_s,
                                        "guess skipped or cancelled by newer audio"
                                    );
                                }
                                continue;
                            }
                            ChunkKind::Last => match guessed.take() {
                                Some((g, t))
                                    if g.offset_s == chunk.offset_s
                                        && g.samples.len() <= chunk.samples.len() =>
                                {
                                    let rest = &chunk.samples[g.samples.len()..];
                                    let rest_at = g.offset_s + g.samples.len() as f64 / 16_000.0;
                                    // Whisper makes up words in a sliver of audio.
                                    if rest.len() < MIN_REST {
                                        t
                                    } else {
                                        after_stop = rest.len();
                                        let more = whisper
                                            .transcribe_with(&mut state, rest, rest_at, &t.text)?;
                                        let mut joined = t.words;
                                        joined.extend(more.words);
                                        Transcript::from_words(joined)
                                    }
                                }
                                _ => {
                                    after_stop = chunk.samples.len();
                                    whisper.transcribe_with(
                                        &mut state,
                                        &chunk.samples,
                                        chunk.offset_s,
                                        &previous,
                                    )?
                                }
                            },
                            ChunkKind::Commit => {
                                guessed = None;
                                whisper.transcribe_with(
                                    &mut state,
                                    &chunk.samples,
                                    chunk.offset_s,
                                    &previous,
                                )?
                            }
                        };
                        tracing::debug!(
                            ?kind,
                            audio_s,
                            took_s = began.elapsed().as_secs_f64(),
                            words = t.words.len(),
                            "chunk transcribed"
                        );
                        let _ = caption_tx.send(t.text.clone());
                        previous = std::mem::take(&mut t.text);
                        words.extend(t.words);
                        chunks += 1;
                    }
                    Ok(Finished {
                        transcript: Transcript::from_words(words),
                        chunks,
                        after_stop_s: after_stop as f64 / 16_000.0,
                    })
                })();
                (whisper, result)
            })
            .map_err(|e| ModelError::Transcribe(e.to_string()))?;
        Ok(StreamingTranscriber {
            chunks: Some(ChunkSender { tx, newer }),
            thread: Some(thread),
            captions,
        })
    }

    /// A sender for chunks (the capture worker feeds it directly).
    pub fn sender(&self) -> Option<ChunkSender> {
        self.chunks.clone()
    }

    /// Queues a chunk.
    pub fn push(&self, chunk: Chunk) {
        if let Some(tx) = &self.chunks {
            tx.send(chunk);
        }
    }

    /// Waits for every queued chunk and returns the model, for the next
    /// answer, with the merged transcript.
    pub fn finish(mut self) -> Result<(Whisper, Finished), ModelError> {
        drop(self.chunks.take());
        let (whisper, words) = self
            .thread
            .take()
            .ok_or_else(|| ModelError::Transcribe("the transcriber already finished".into()))?
            .join()
            .map_err(|_| ModelError::Transcribe("the transcriber stopped".into()))?;
        Ok((whisper, words?))
    }
}

/// Transcribes `samples` in chunks, as the live session would, but all at
/// once: for tests and benchmarks of the chunked path.
pub fn transcribe_chunked(
    whisper: Whisper,
    samples: &[f32],
    voiced: &[bool],
    mut chunker: Chunker,
) -> Result<(Whisper, Transcript), ModelError> {
    let stream = StreamingTranscriber::start(whisper)?;
    let frame = (FRAME_S * 16_000.0) as usize;
    let mut guess = None;
    for n in 1..=voiced.len() {
        match chunker.step(&voiced[..n], (n * frame).min(samples.len())) {
            Some(Step::Commit(from, to)) => {
                stream.push(Chunk::of(samples, (from, to), ChunkKind::Commit));
                guess = None;
            }
            Some(Step::Guess(from, to)) => guess = Some((from, to)),
            None => {}
        }
    }
    if let Some((from, to)) = chunker.last(voiced, samples.len()) {
        // The worst case live: the last guess finished, but not a guess of
        // the whole last chunk, so the rest after it is transcribed apart.
        match guess {
            // (Pushed as two chunks: what the worker does with a guess and a
            // last chunk, without racing it.)
            Some((g_from, g_to)) if g_from == from && g_to < to => {
                if to - g_to < MIN_REST {
                    stream.push(Chunk::of(samples, (from, g_to), ChunkKind::Last));
                } else {
                    stream.push(Chunk::of(samples, (from, g_to), ChunkKind::Commit));
                    stream.push(Chunk::of(samples, (g_to, to), ChunkKind::Last));
                }
            }
            _ => stream.push(Chunk::of(samples, (from, to), ChunkKind::Last)),
        }
    }
    let (whisper, finished) = stream.finish()?;
    Ok((whisper, finished.transcript))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(pattern: &str) -> Vec<bool> {
        pattern.chars().map(|c| c == '#').collect()
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
        // 1 s of speech, then silence: one guess once the pause reaches 0.3 s.
        let v = frames(&format!("{}{}", "#".repeat(63), ".".repeat(40)));
        let mut steps = Vec::new();
        for n in 1..=v.len() {
            steps.extend(c.step(&v[..n], n * 256));
        }
        let at = (63 + 19) * 256;
        assert_eq!(steps, vec![Step::Guess(0, at)]);
        assert_eq!(c.last(&v, v.len() * 256), Some((0, 63 * 256 + 8_000)));
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
