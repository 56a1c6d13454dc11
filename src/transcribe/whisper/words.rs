//! Whisper's tokens joined into words, with their times and probabilities.

use crate::transcribe::Word;

/// Joins sub-word tokens into words: a token that starts with a space starts a
/// new word; bytes are joined before UTF-8 decoding so split characters survive.
#[derive(Default)]
pub(super) struct WordAssembler {
    words: Vec<Word>,
    bytes: Vec<u8>,
    start: f64,
    end: f64,
    probs: Vec<f32>,
}

impl WordAssembler {
    pub(super) fn push(&mut self, token: &[u8], t0: f64, t1: f64, p: f32) {
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

    pub(super) fn segment_break(&mut self) {
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

    pub(super) fn finish(mut self) -> Vec<Word> {
        self.flush();
        self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
