//! Where whisper hears the answer in pieces: cuts at pauses so that no
//! piece outgrows whisper's 30 s window, and the stretches where whisper's
//! words are spread too thin (or missing over speech) to be what was said,
//! which are decoded again.

use crate::audio::spans::Span;
use crate::transcribe::Word;

/// A word whisper stretched over this long is suspect ("data" over 2 s).
const STRETCHED_WORD_S: f64 = 0.6;
/// Runs of stretched words this long are decoded again.
const THIN_STRETCH_S: f64 = 10.0;
/// Fewer words a second than this in such a run is a hole; people say two
/// to three. A second pass is kept only if it hears at least this many.
pub(super) const THIN_WORDS_PER_S: f64 = 1.0;
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
pub(super) const STRETCH_EDGE_S: f64 = 0.05;

/// Whether `w` starts within the stretch `from_s..to_s` (give or take
/// [`STRETCH_EDGE_S`]).
pub(super) fn in_stretch(w: &Word, from_s: f64, to_s: f64) -> bool {
    w.start_s >= from_s - STRETCH_EDGE_S && w.start_s < to_s + STRETCH_EDGE_S
}

/// Audio kept either side of a thin stretch when decoding it again.
pub(super) const THIN_PAD_S: f64 = 0.5;

/// Stretches where whisper's words are spread too thin to be what was said:
/// it skipped a sentence or two and stretched the words around the hole
/// over it ("to move the data safely" over 10 s). A run of at least three
/// words of [`STRETCHED_WORD_S`] or longer (one short word may sit between
/// them) that covers [`THIN_STRETCH_S`] or more.
pub(super) fn thin_stretches(words: &[Word]) -> Vec<(f64, f64)> {
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
pub(super) fn window_cuts(spans: &[Span], heard_s: f64) -> Vec<f64> {
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
pub(super) fn join_pieces(words: &mut Vec<Word>, piece: Vec<Word>) {
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
pub(super) fn unheard_speech(
    words: &[Word],
    spans: &[Span],
    offset_s: f64,
    length_s: f64,
) -> Vec<(f64, f64)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::whisper::testing::{spans, steady_speech, timed};

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
}
