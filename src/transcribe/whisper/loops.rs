//! Words written more than once: beam search's decoding loops (a phrase
//! written three or more times running), and a second pass repeating what
//! the first wrote next to its stretch.

use super::pieces::STRETCH_EDGE_S;
use crate::transcribe::Word;

/// Word 4-grams that occur more than once: a passage decoded twice.
pub(super) fn repeated_phrases(words: &[Word]) -> usize {
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
pub(super) fn drop_decoding_loops(words: &mut Vec<Word>) -> usize {
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
pub(super) fn trim_repeats(words: &[Word], again: &mut Vec<Word>, from_s: f64, to_s: f64) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::whisper::testing::timed;

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
