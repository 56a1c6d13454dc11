//! Streaming transcription: the answer is cut at pauses into chunks of about
//! 5–25 s, and each finished chunk is transcribed at once on its own thread,
//! with one whisper state per answer and the previous chunk's text as the
//! prompt. When the answer ends only the last chunk is left to do.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use super::{ModelError, Transcript, Whisper, Word};
use crate::audio::vad::FRAME_S;

/// Shortest chunk worth sending. Measured on the fixtures (EVALUATION.md):
/// 5 s chunks cost 1.5 WER points against batch; 10 s chunks cost 0.35;
/// a 15 s maximum instead of 25 s cost 1.7.
pub const MIN_CHUNK_S: f64 = 10.0;
/// Longest chunk before a cut is forced.
pub const MAX_CHUNK_S: f64 = 25.0;
/// A silence this long is a place to cut.
pub const CUT_PAUSE_S: f64 = 0.3;

/// Decides where to cut the answer, from the voice detector's frames.
#[derive(Debug, Clone, Default)]
pub struct Chunker {
    /// Sample index where the current chunk starts.
    start: usize,
    min_s: f64,
    max_s: f64,
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
        }
    }

    /// Given the VAD frames so far and the samples so far (16 kHz), returns
    /// the end of a finished chunk, if one should be cut now. Cuts fall in
    /// the middle of a pause, so no word is split.
    pub fn cut(&mut self, voiced: &[bool], samples: usize) -> Option<(usize, usize)> {
        let rate = 16_000.0;
        let length_s = (samples - self.start) as f64 / rate;
        if length_s < self.min_s {
            return None;
        }
        let pause_frames = (CUT_PAUSE_S / FRAME_S).ceil() as usize;
        let trailing = voiced.iter().rev().take_while(|v| !**v).count();
        let at = if trailing >= pause_frames {
            // Cut in the middle of the pause that just happened.
            Some(voiced.len() - trailing / 2)
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

/// A chunk of the answer, on the answer's timeline.
#[derive(Debug)]
pub struct Chunk {
    /// 16 kHz samples.
    pub samples: Vec<f32>,
    /// Where it starts, seconds.
    pub offset_s: f64,
}

type Worker = JoinHandle<(Whisper, Result<Vec<Word>, ModelError>)>;

/// Transcribes chunks as they come, on a worker thread.
pub struct StreamingTranscriber {
    chunks: Option<Sender<Chunk>>,
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
        let (caption_tx, captions) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("rehearse-transcribe".into())
            .spawn(move || {
                let result = (|| {
                    let mut state = whisper.new_state()?;
                    let mut words = Vec::new();
                    let mut previous = String::new();
                    for chunk in rx {
                        let t = whisper.transcribe_with(
                            &mut state,
                            &chunk.samples,
                            chunk.offset_s,
                            &previous,
                        )?;
                        let _ = caption_tx.send(t.text.clone());
                        previous = t.text;
                        words.extend(t.words);
                    }
                    Ok(words)
                })();
                (whisper, result)
            })
            .map_err(|e| ModelError::Transcribe(e.to_string()))?;
        Ok(StreamingTranscriber {
            chunks: Some(tx),
            thread: Some(thread),
            captions,
        })
    }

    /// A sender for chunks (the capture worker feeds it directly).
    pub fn sender(&self) -> Option<Sender<Chunk>> {
        self.chunks.clone()
    }

    /// Queues a finished chunk.
    pub fn push(&self, chunk: Chunk) {
        if let Some(tx) = &self.chunks {
            let _ = tx.send(chunk);
        }
    }

    /// Waits for every queued chunk and returns the merged transcript and
    /// the model, for the next answer.
    pub fn finish(mut self) -> Result<(Whisper, Transcript), ModelError> {
        drop(self.chunks.take());
        let (whisper, words) = self
            .thread
            .take()
            .ok_or_else(|| ModelError::Transcribe("the transcriber already finished".into()))?
            .join()
            .map_err(|_| ModelError::Transcribe("the transcriber stopped".into()))?;
        Ok((whisper, Transcript::from_words(words?)))
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
    for n in 1..=voiced.len() {
        if let Some((from, to)) = chunker.cut(&voiced[..n], (n * frame).min(samples.len())) {
            stream.push(Chunk {
                samples: samples[from..to].to_vec(),
                offset_s: from as f64 / 16_000.0,
            });
        }
    }
    let from = chunker.open_from();
    let to = speech_end(voiced, samples.len());
    let first_frame = (from as f64 / 16_000.0 / FRAME_S) as usize;
    let has_speech = voiced
        .get(first_frame..)
        .is_some_and(|v| v.iter().any(|x| *x));
    if from < to && has_speech {
        stream.push(Chunk {
            samples: samples[from..to].to_vec(),
            offset_s: from as f64 / 16_000.0,
        });
    }
    stream.finish()
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
        // 40 voiced frames (0.64 s) then 20 silent (0.32 s): cut 10 frames into the pause.
        let v = frames(&format!("{}{}", "#".repeat(40), ".".repeat(20)));
        let cut = c.cut(&v, v.len() * 256).unwrap();
        assert_eq!(cut, (0, 50 * 256));
        assert_eq!(c.open_from(), 50 * 256);
    }

    #[test]
    fn no_cut_before_the_minimum_or_inside_speech() {
        let mut c = Chunker::with_bounds(5.0, 25.0);
        let short = frames(&format!("{}{}", "#".repeat(40), ".".repeat(20)));
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
