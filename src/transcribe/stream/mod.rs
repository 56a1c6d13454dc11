//! Streaming transcription: the answer is cut at pauses into chunks of about
//! 5–25 s, and each finished chunk is transcribed at once on its own thread,
//! with one whisper state per answer and the previous chunk's text as the
//! prompt. When the answer ends only the last chunk is left to do.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;

use whisper_rs::WhisperState;

use super::{ModelError, Transcript, Whisper, Word};
use crate::audio::spans::{self, Span};
use crate::audio::vad::FRAME_S;

mod chunker;
pub use chunker::{
    CUT_PAUSE_S, Chunker, GUESS_PAUSE_S, MAX_CHUNK_S, MIN_CHUNK_S, SETTLED_PAUSE_S, Step,
    speech_end,
};

/// Audio after a guess shorter than this (0.3 s) is not transcribed: it
/// holds no complete word, and whisper invents one in it.
const MIN_REST: usize = 4_800;
/// A guess covers at least this much new audio (6 s): fewer, longer pieces
/// are transcribed more accurately, and what is left after the last guess
/// is at most this plus the time since the last pause.
const MIN_PIECE: usize = 96_000;

/// What the transcriber should do with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// A finished chunk: transcribe it and keep the words.
    Commit,
    /// A guess at the last chunk ([`Step::Guess`]), transcribed only when
    /// nothing newer waits; its words are kept only if the last chunk starts
    /// where it starts.
    Guess,
    /// The last chunk if the answer has ended ([`Step::Settled`]): a guess
    /// made in one pass, replacing one pieced together at pauses.
    Settled,
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
    /// Its speech stretches, on its own timeline (from the capture's voice
    /// activity: the transcriber never runs the voice detector).
    pub speech: Vec<Span>,
    /// What to do with it.
    pub kind: ChunkKind,
}

impl Chunk {
    /// The samples `from..to` of `answer` as a chunk, with their part of
    /// `speech` (the answer's speech stretches).
    pub fn of(
        answer: &[f32],
        speech: &[Span],
        (from, to): (usize, usize),
        kind: ChunkKind,
    ) -> Chunk {
        let at = |i: usize| i as f64 / 16_000.0;
        Chunk {
            samples: answer[from..to].to_vec(),
            offset_s: at(from),
            speech: spans::within(speech, at(from), at(to)),
            kind,
        }
    }

    /// Its speech stretches from `from` samples on, on that rest's own timeline.
    fn speech_after(&self, from: usize) -> Vec<Span> {
        let at = |i: usize| i as f64 / 16_000.0;
        spans::within(&self.speech, at(from), at(self.samples.len()))
    }
}

/// Hands chunks to a [`StreamingTranscriber`]. A committed chunk cancels a
/// guess in progress, which it makes moot; a newer guess does not (it will
/// extend this one), nor does the last chunk, which this guess likely
/// covers. A guess or a committed chunk cancels a refinement (more speech
/// came); the last chunk lets it finish, since the refinement covers its
/// start and finishing it is quicker than starting over after the stop.
#[derive(Debug, Clone)]
pub struct ChunkSender {
    tx: Sender<Chunk>,
    flags: Arc<Flags>,
}

/// Set by the sender, read by whisper's abort callback.
#[derive(Debug, Default)]
struct Flags {
    /// A chunk was committed: a guess in progress is moot.
    committed: AtomicBool,
    /// A guess or a committed chunk arrived (the speaker went on): a
    /// refinement in progress must make way.
    more_speech: AtomicBool,
    /// The answer was abandoned (interrupted): stop as soon as possible.
    abandoned: AtomicBool,
}

impl ChunkSender {
    /// Queues a chunk; does nothing if the transcriber has stopped.
    pub fn send(&self, chunk: Chunk) {
        let kind = chunk.kind;
        // Sent before the flags are set: the worker clears a flag, then looks
        // for chunks, so it either finds this one or sees the flag.
        let _ = self.tx.send(chunk);
        if kind == ChunkKind::Commit {
            self.flags.committed.store(true, Ordering::Release);
        }
        // Not the last chunk: a silence stop 0.5 s into a refinement once
        // cancelled it, and the whole last chunk was transcribed after the
        // stop (flaky `after_stop_s == 0` in tests/practice.rs on CI).
        if kind != ChunkKind::Last {
            self.flags.more_speech.store(true, Ordering::Release);
        }
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

/// The open chunk as it would be transcribed if the answer ended now.
struct OpenGuess {
    /// The samples covered, from the open chunk's start.
    chunk: Chunk,
    transcript: Transcript,
    /// Transcribed in one pass, not joined from pieces cut at pauses.
    whole: bool,
}

impl OpenGuess {
    /// Whether this guess covers the start of `chunk` (the same open chunk, grown).
    fn covers_start_of(&self, chunk: &Chunk) -> bool {
        self.chunk.offset_s == chunk.offset_s && self.chunk.samples.len() <= chunk.samples.len()
    }

    fn end_s(&self) -> f64 {
        self.chunk.offset_s + self.chunk.samples.len() as f64 / 16_000.0
    }
}

/// The transcriber's side of a stream: one whisper state for the answer.
struct Worker {
    whisper: Whisper,
    state: WhisperState,
    words: Vec<Word>,
    chunks: usize,
    after_stop: usize,
    /// The last kept chunk's text: the next chunk's prompt.
    previous: String,
    guessed: Option<OpenGuess>,
    flags: Arc<Flags>,
    captions: Sender<String>,
}

impl Worker {
    fn new(
        whisper: Whisper,
        state: WhisperState,
        flags: Arc<Flags>,
        captions: Sender<String>,
    ) -> Worker {
        Worker {
            whisper,
            state,
            words: Vec::new(),
            chunks: 0,
            after_stop: 0,
            previous: String::new(),
            guessed: None,
            flags,
            captions,
        }
    }

    /// Transcribes chunks until the sender is dropped.
    fn drain(&mut self, rx: &Receiver<Chunk>) -> Result<(), ModelError> {
        let mut queue = VecDeque::new();
        loop {
            while queue.is_empty() {
                if self.flags.abandoned.load(Ordering::Acquire) {
                    return Ok(());
                }
                // A timeout, not a plain wait: an abandoned stream may still
                // have senders (the capture worker's) that are not yet dropped.
                match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok(chunk) => queue.push_back(chunk),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            }
            if self.flags.abandoned.load(Ordering::Acquire) {
                return Ok(());
            }
            // Cleared before looking, so a chunk sent after the look still
            // cancels the guess or refinement about to start.
            self.flags.committed.store(false, Ordering::Release);
            self.flags.more_speech.store(false, Ordering::Release);
            queue.extend(rx.try_iter());
            let Some(chunk) = queue.pop_front() else {
                return Ok(());
            };
            match chunk.kind {
                // A newer guess or chunk makes this guess moot.
                ChunkKind::Guess | ChunkKind::Settled if !queue.is_empty() => {
                    tracing::debug!(kind = ?chunk.kind, "skipped: newer audio waits");
                }
                ChunkKind::Guess => self.guess(chunk)?,
                ChunkKind::Settled => self.refine(chunk)?,
                ChunkKind::Last => self.last(chunk)?,
                ChunkKind::Commit => self.commit(chunk)?,
            }
        }
    }

    /// Transcribes one piece of audio. `fit` fits whisper's encoder context
    /// to the piece's length: a 3 s piece then costs a tenth of a 30 s
    /// encoder pass, at some cost in accuracy (EVALUATION.md), so only what
    /// is left to do after the answer ends is transcribed that way.
    fn piece(
        &mut self,
        samples: &[f32],
        speech: &[Span],
        offset_s: f64,
        prompt: &str,
        fit: bool,
        cancel: Option<&AtomicBool>,
    ) -> Result<Option<Transcript>, ModelError> {
        let began = std::time::Instant::now();
        let fitted = fit && !self.whisper.fit_audio_ctx(true);
        let result = match cancel {
            Some(flag) => self.whisper.transcribe_unless(
                &mut self.state,
                samples,
                speech,
                offset_s,
                prompt,
                flag,
            ),
            None => self
                .whisper
                .transcribe_with(&mut self.state, samples, speech, offset_s, prompt)
                .map(Some),
        };
        if fitted {
            self.whisper.fit_audio_ctx(false);
        }
        tracing::debug!(
            audio_s = samples.len() as f64 / 16_000.0,
            took_s = began.elapsed().as_secs_f64(),
            fit,
            done = matches!(result, Ok(Some(_))),
            "piece transcribed"
        );
        result
    }

    /// A finished chunk: its words are kept.
    fn commit(&mut self, chunk: Chunk) -> Result<(), ModelError> {
        self.guessed = None;
        let prompt = std::mem::take(&mut self.previous);
        let t = self.piece(
            &chunk.samples,
            &chunk.speech,
            chunk.offset_s,
            &prompt,
            false,
            None,
        )?;
        self.keep(t.unwrap_or_default());
        Ok(())
    }

    /// A guess at the last chunk. A finished guess of the same open chunk is
    /// extended by only what was said since, so the newest guess is ready
    /// within a fraction of a second of each pause. Less than [`MIN_PIECE`]
    /// of new audio waits for the next pause (or the last chunk).
    fn guess(&mut self, chunk: Chunk) -> Result<(), ModelError> {
        let flags = Arc::clone(&self.flags);
        let newer = &flags.committed;
        match self.guessed.take() {
            Some(g) if g.covers_start_of(&chunk) => {
                let rest = &chunk.samples[g.chunk.samples.len()..];
                if rest.len() < MIN_PIECE {
                    self.guessed = Some(g);
                    return Ok(());
                }
                let speech = chunk.speech_after(g.chunk.samples.len());
                let more = self.piece(
                    rest,
                    &speech,
                    g.end_s(),
                    &g.transcript.text,
                    false,
                    Some(newer),
                )?;
                self.guessed = Some(match more {
                    Some(more) => OpenGuess {
                        chunk,
                        transcript: join(g.transcript, more),
                        whole: false,
                    },
                    None => g,
                });
            }
            earlier if chunk.samples.len() < MIN_PIECE => self.guessed = earlier,
            earlier => {
                let prompt = self.previous.clone();
                match self.piece(
                    &chunk.samples,
                    &chunk.speech,
                    chunk.offset_s,
                    &prompt,
                    false,
                    Some(newer),
                )? {
                    Some(transcript) => {
                        self.guessed = Some(OpenGuess {
                            chunk,
                            transcript,
                            whole: true,
                        });
                    }
                    None => self.guessed = earlier,
                }
            }
        }
        Ok(())
    }

    /// The answer has probably ended: the open chunk is transcribed in one
    /// pass, more accurate than a guess pieced together at pauses. A newer
    /// guess or chunk cancels it (at the end of whisper's encoder pass, the
    /// first point whisper.cpp checks); the last chunk waits for it.
    fn refine(&mut self, chunk: Chunk) -> Result<(), ModelError> {
        if self
            .guessed
            .as_ref()
            .is_some_and(|g| g.whole && g.chunk.samples.len() == chunk.samples.len())
        {
            return Ok(());
        }
        let flags = Arc::clone(&self.flags);
        let prompt = self.previous.clone();
        if let Some(transcript) = self.piece(
            &chunk.samples,
            &chunk.speech,
            chunk.offset_s,
            &prompt,
            false,
            Some(&flags.more_speech),
        )? {
            self.guessed = Some(OpenGuess {
                chunk,
                transcript,
                whole: true,
            });
        }
        Ok(())
    }

    /// The last chunk: the guess that covers its start, plus whatever was
    /// said after that guess; else the whole chunk.
    fn last(&mut self, chunk: Chunk) -> Result<(), ModelError> {
        let t = match self.guessed.take() {
            Some(g) if g.covers_start_of(&chunk) => {
                let rest = &chunk.samples[g.chunk.samples.len()..];
                // Whisper makes up words in a sliver of audio.
                if rest.len() < MIN_REST {
                    g.transcript
                } else {
                    self.after_stop = rest.len();
                    let speech = chunk.speech_after(g.chunk.samples.len());
                    let more =
                        self.piece(rest, &speech, g.end_s(), &g.transcript.text, true, None)?;
                    join(g.transcript, more.unwrap_or_default())
                }
            }
            _ => {
                self.after_stop = chunk.samples.len();
                let prompt = self.previous.clone();
                self.piece(
                    &chunk.samples,
                    &chunk.speech,
                    chunk.offset_s,
                    &prompt,
                    true,
                    None,
                )?
                .unwrap_or_default()
            }
        };
        self.keep(t);
        Ok(())
    }

    fn keep(&mut self, mut t: Transcript) {
        let _ = self.captions.send(t.text.clone());
        self.previous = std::mem::take(&mut t.text);
        self.words.extend(t.words);
        self.chunks += 1;
    }

    fn finished(self) -> (Whisper, Finished) {
        let finished = Finished {
            transcript: Transcript::from_words(self.words),
            chunks: self.chunks,
            after_stop_s: self.after_stop as f64 / 16_000.0,
        };
        (self.whisper, finished)
    }
}

fn join(first: Transcript, then: Transcript) -> Transcript {
    let mut words = first.words;
    words.extend(then.words);
    Transcript::from_words(words)
}

type Thread = JoinHandle<(Whisper, Result<Finished, ModelError>)>;

/// Transcribes chunks as they come, on a worker thread.
///
/// Guesses at the last chunk come at pauses. The first is of the whole open
/// chunk; later ones only extend it by the audio since, so the newest guess
/// is ready soon after the candidate stops, however they stop. After a long
/// pause the guess is made again in one pass ([`Step::Settled`]), which an
/// answer that ends in silence gets in time.
pub struct StreamingTranscriber {
    chunks: Option<ChunkSender>,
    flags: Arc<Flags>,
    thread: Option<Thread>,
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
    pub fn start(whisper: Whisper) -> Result<StreamingTranscriber, ModelError> {
        let (tx, rx) = mpsc::channel::<Chunk>();
        let flags = Arc::new(Flags::default());
        let (caption_tx, captions) = mpsc::channel();
        let worker_flags = Arc::clone(&flags);
        let thread = std::thread::Builder::new()
            .name("rehearse-transcribe".into())
            .spawn(move || {
                let state = match whisper.new_state() {
                    Ok(state) => state,
                    Err(e) => return (whisper, Err(e)),
                };
                let mut worker = Worker::new(whisper, state, worker_flags, caption_tx);
                match worker.drain(&rx) {
                    Ok(()) => {
                        let (whisper, finished) = worker.finished();
                        (whisper, Ok(finished))
                    }
                    Err(e) => (worker.whisper, Err(e)),
                }
            })
            .map_err(|e| ModelError::Transcribe(e.to_string()))?;
        Ok(StreamingTranscriber {
            chunks: Some(ChunkSender {
                tx,
                flags: Arc::clone(&flags),
            }),
            flags,
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

/// Dropped without [`StreamingTranscriber::finish`] (an interrupted answer,
/// an error): the worker is stopped and joined, so whisper never runs while
/// the process exits (its static destructors would run under it: seen as a
/// crash on Ctrl-C). Waits at most for the encoder pass in progress.
impl Drop for StreamingTranscriber {
    fn drop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.flags.abandoned.store(true, Ordering::Release);
        self.flags.committed.store(true, Ordering::Release);
        self.flags.more_speech.store(true, Ordering::Release);
        drop(self.chunks.take());
        let _ = thread.join();
    }
}

/// Transcribes `samples` in chunks, as the live session would, but in one
/// go on this thread: for tests and benchmarks of the chunked path. Every
/// guess finishes and no refinement ([`Step::Settled`]) runs, so the last
/// chunk is transcribed in pieces cut at pauses: the least accurate way a
/// live answer can end.
/// `speech_until(n)` is where the speech is in the answer's first `n` voice
/// frames, as the capture worker knows it when it cuts a chunk there.
pub fn transcribe_chunked(
    whisper: Whisper,
    samples: &[f32],
    voiced: &[bool],
    speech_until: impl Fn(usize) -> Vec<Span>,
    mut chunker: Chunker,
) -> Result<(Whisper, Transcript), ModelError> {
    let (captions, _) = mpsc::channel();
    let state = whisper.new_state()?;
    let mut worker = Worker::new(whisper, state, Arc::default(), captions);
    let frame = (FRAME_S * 16_000.0) as usize;
    let mut run = || -> Result<(), ModelError> {
        for n in 1..=voiced.len() {
            match chunker.step(&voiced[..n], (n * frame).min(samples.len())) {
                Some(step @ Step::Commit(..)) => {
                    worker.commit(step.chunk(samples, &speech_until(n)))?
                }
                Some(step @ Step::Guess(..)) => {
                    worker.guess(step.chunk(samples, &speech_until(n)))?
                }
                // The worst case: the answer ends before any refinement.
                Some(Step::Settled(..)) | None => {}
            }
        }
        if let Some(span) = chunker.last(voiced, samples.len()) {
            let speech = speech_until(voiced.len());
            worker.last(Chunk::of(samples, &speech, span, ChunkKind::Last))?;
        }
        Ok(())
    };
    run()?;
    let (whisper, finished) = worker.finished();
    Ok((whisper, finished.transcript))
}
