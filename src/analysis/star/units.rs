//! Units: the sentence-sized pieces of an answer that STAR parts are read
//! from. Whisper's punctuation is not to be trusted (it can write a whole
//! answer without a full stop), so a unit ends at a full stop, and a long
//! stretch is cut further at the audio's pauses, then at commas and clause
//! openers, until every unit is sentence-sized. Each unit owns a run of the
//! transcript's words, by index, and a time span taken from the audio that
//! is never empty, even where whisper gave a whole sentence one instant.

use serde::{Deserialize, Serialize};

use crate::analysis::timing::Span;
use crate::transcribe::Word;

/// One unit of an answer: a run of transcript words and when it was said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// The words, joined.
    pub text: String,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds; always after the start.
    pub end_s: f64,
    /// The transcript words it owns: `words[first_word..end_word]`.
    #[serde(default)]
    pub first_word: usize,
    /// One past its last word.
    #[serde(default)]
    pub end_word: usize,
}

/// Units longer than this many words are cut further (the labelled answers'
/// own sentences: 95 % are at most 27 words).
pub const MAX_WORDS: usize = 24;
/// No cut leaves a piece shorter than this many words.
pub const MIN_WORDS: usize = 4;
/// A silence at least this long between two words is a pause a listener
/// hears as a boundary.
pub const PAUSE_S: f64 = 0.3;
/// A unit of fewer words (`Yeah.`, `So.`) joins the unit after it.
const TINY_WORDS: usize = 3;

/// Words that open a new clause: a subject, or a word that moves the story on.
const CLAUSE_OPENERS: &[&str] = &[
    "i",
    "we",
    "he",
    "she",
    "they",
    "it",
    "my",
    "our",
    "his",
    "her",
    "their",
    "the",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "so",
    "but",
    "after",
    "afterwards",
    "next",
    "later",
    "now",
    "once",
    "because",
    "when",
    "eventually",
    "finally",
    "in",
    "by",
    "since",
    "meanwhile",
];

/// The word without punctuation, lower-case.
fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase()
}

/// Whether a word ends a sentence (`.`, `?`, `!`, also before a closing quote).
fn ends_sentence(word: &str) -> bool {
    word.trim_end_matches(['"', '\'', ')', '”', '’'])
        .ends_with(['.', '?', '!'])
}

/// How strongly the audio and the text mark a boundary before word `i`
/// (between `i - 1` and `i`); 0 where a cut would be wrong.
fn boundary_strength(words: &[Word], spans: &[Span], i: usize) -> f64 {
    let before = &words[i - 1];
    let after = &words[i];
    let pause = silence_between(spans, before.end_s, after.start_s);
    let comma = before.word.trim_end().ends_with([',', ';', ':', '-', '—']);
    let next = bare(&after.word);
    let next2 = words.get(i + 1).map(|w| bare(&w.word)).unwrap_or_default();
    let opener = CLAUSE_OPENERS.contains(&next.as_str())
        || (matches!(next.as_str(), "and" | "but" | "so")
            && CLAUSE_OPENERS.contains(&next2.as_str()));
    let mut strength = 0.0;
    if pause >= PAUSE_S {
        strength += 2.0 + (pause / PAUSE_S).min(3.0);
    }
    if comma {
        strength += 1.0;
    }
    if opener {
        strength += 1.0;
    }
    // A comma alone, without a pause or an opener, is a list, not a clause.
    if pause < PAUSE_S && !opener {
        strength = 0.0;
    }
    strength
}

/// Seconds of silence (outside `spans`) between `from` and `to`.
fn silence_between(spans: &[Span], from: f64, to: f64) -> f64 {
    if to <= from {
        return 0.0;
    }
    let speech: f64 = spans
        .iter()
        .map(|s| (s.end_s.min(to) - s.start_s.max(from)).max(0.0))
        .sum();
    if spans.is_empty() {
        // No voice activity known: the word times are all there is.
        return to - from;
    }
    (to - from - speech).max(0.0)
}

/// Cuts `words[from..to]` at its strongest boundaries until every piece is
/// at most [`MAX_WORDS`] long or has no boundary left to cut at.
fn cut_long(words: &[Word], spans: &[Span], from: usize, to: usize, out: &mut Vec<usize>) {
    if to - from <= MAX_WORDS {
        return;
    }
    let middle = (from + to) as f64 / 2.0;
    let best = (from + MIN_WORDS..=to - MIN_WORDS)
        .map(|i| (i, boundary_strength(words, spans, i)))
        .filter(|&(_, s)| s > 0.0)
        // The strongest; between equals, the one nearest the middle.
        .max_by(|a, b| {
            a.1.total_cmp(&b.1).then_with(|| {
                (b.0 as f64 - middle)
                    .abs()
                    .total_cmp(&(a.0 as f64 - middle).abs())
            })
        });
    if let Some((at, _)) = best {
        cut_long(words, spans, from, at, out);
        out.push(at);
        cut_long(words, spans, at, to, out);
    }
}

/// Cuts the transcript into units: at every sentence end whisper wrote, then
/// long stretches at pauses (from `spans`, the answer's speech), commas and
/// clause openers. Units of fewer than three words join the next one.
pub fn units(words: &[Word], spans: &[Span]) -> Vec<Unit> {
    if words.is_empty() {
        return Vec::new();
    }
    // Sentence ends, then tiny sentences joined onto what follows.
    let mut ends: Vec<usize> = (1..words.len())
        .filter(|&i| ends_sentence(&words[i - 1].word))
        .collect();
    ends.push(words.len());
    let mut starts = vec![0];
    for &end in &ends {
        let start = *starts.last().unwrap_or(&0);
        if end - start >= TINY_WORDS && end < words.len() {
            starts.push(end);
        }
    }
    // The last piece, if tiny, joins the one before.
    if starts.len() > 1 && words.len() - starts[starts.len() - 1] < TINY_WORDS {
        starts.pop();
    }
    let mut cuts = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(words.len());
        if k > 0 {
            cuts.push(start);
        }
        cut_long(words, spans, start, end, &mut cuts);
    }
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(words.len())))
        .collect();
    let times = spans_of(words, spans, &bounds);
    bounds
        .iter()
        .zip(times)
        .map(|(&(from, to), (start_s, end_s))| Unit {
            text: words[from..to]
                .iter()
                .map(|w| w.word.trim())
                .collect::<Vec<_>>()
                .join(" "),
            start_s,
            end_s,
            first_word: from,
            end_word: to,
        })
        .collect()
}

/// Shortest span a unit is given, seconds.
const MIN_SPAN_S: f64 = 0.05;

/// Each unit's time span: from its first word's start to its last word's
/// end, where whisper gave them distinct times. Where it did not (word times
/// collapsed onto one instant, or running backwards into the unit before),
/// a run of such units shares the time between the units around it, in
/// proportion to their words, so every span is non-empty, in order, and
/// inside the audio the words were said in.
fn spans_of(words: &[Word], spans: &[Span], bounds: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let mut times: Vec<(f64, f64)> = bounds
        .iter()
        .map(|&(from, to)| {
            let start = words[from..to]
                .iter()
                .map(|w| w.start_s)
                .fold(f64::INFINITY, f64::min);
            let end = words[from..to]
                .iter()
                .map(|w| w.end_s)
                .fold(f64::NEG_INFINITY, f64::max);
            (start, end.max(start))
        })
        .collect();
    let speech_end = spans
        .last()
        .map_or(f64::NEG_INFINITY, |s| s.end_s)
        .max(times.iter().map(|t| t.1).fold(0.0, f64::max));
    let mut i = 0;
    while i < times.len() {
        let previous_end = if i == 0 { 0.0 } else { times[i - 1].1 };
        let broken = |t: (f64, f64), floor: f64| t.1 - t.0 < MIN_SPAN_S || t.0 < floor - 1e-9;
        if !broken(times[i], previous_end) {
            i += 1;
            continue;
        }
        // The run of broken units from i, and the time free around it.
        let mut j = i + 1;
        while j < times.len() && broken(times[j], times[i].0.max(previous_end)) {
            j += 1;
        }
        let from = times[i].0.max(previous_end);
        let to = times
            .get(j)
            .map_or(speech_end, |t| t.0)
            .max(times[j - 1].1)
            .max(from + MIN_SPAN_S * (j - i) as f64);
        let counts: Vec<usize> = bounds[i..j].iter().map(|&(a, b)| b - a).collect();
        let total = counts.iter().sum::<usize>().max(1) as f64;
        let mut at = from;
        for (k, count) in counts.iter().enumerate() {
            let length = (to - from) * *count as f64 / total;
            times[i + k] = (at, at + length.max(MIN_SPAN_S));
            at += length.max(MIN_SPAN_S);
        }
        i = j;
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(text: &str, gap_after: &[usize], gap_s: f64) -> (Vec<Word>, Vec<Span>) {
        let mut t = 0.0;
        let mut words = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        let mut span_start = 0.0;
        for (i, w) in text.split_whitespace().enumerate() {
            words.push(Word {
                word: w.to_string(),
                start_s: t,
                end_s: t + 0.3,
                probability: 0.9,
            });
            t += 0.35;
            if gap_after.contains(&i) {
                spans.push(Span {
                    start_s: span_start,
                    end_s: t - 0.05,
                });
                t += gap_s;
                span_start = t;
            }
        }
        spans.push(Span {
            start_s: span_start,
            end_s: t,
        });
        (words, spans)
    }

    fn texts(units: &[Unit]) -> Vec<&str> {
        units.iter().map(|u| u.text.as_str()).collect()
    }

    #[test]
    fn units_end_at_full_stops() {
        let (w, s) = timed(
            "Our search was slow. I added a cache. Latency fell by half.",
            &[],
            0.0,
        );
        assert_eq!(
            texts(&units(&w, &s)),
            [
                "Our search was slow.",
                "I added a cache.",
                "Latency fell by half."
            ]
        );
    }

    #[test]
    fn a_tiny_sentence_joins_the_next() {
        let (w, s) = timed("Yeah. So. Our search was slow every morning.", &[], 0.0);
        assert_eq!(
            texts(&units(&w, &s)),
            ["Yeah. So. Our search was slow every morning."]
        );
    }

    #[test]
    fn an_answer_without_punctuation_is_cut_at_its_pauses_into_sentence_sized_units() {
        // 12 clauses of 10 words, a pause after each, no punctuation at all.
        let clause = "and then i went and looked at the queue again";
        let text = [clause; 12].join(" ");
        let gaps: Vec<usize> = (0..12).map(|k| k * 10 + 9).collect();
        let (w, s) = timed(&text, &gaps, 0.5);
        let u = units(&w, &s);
        assert!(u.len() >= 6, "{} units", u.len());
        assert!(u.iter().all(|u| u.end_word - u.first_word <= MAX_WORDS));
        // Cut at the pauses, so every unit holds whole clauses.
        assert!(
            u.iter().all(|u| (u.end_word - u.first_word) % 10 == 0),
            "{:?}",
            texts(&u)
        );
    }

    #[test]
    fn without_pauses_a_run_on_is_cut_at_clause_openers() {
        let text = "we had a queue that kept filling up every night, and then i added a second \
                    consumer for the largest topic, so the lag went down to a few seconds by \
                    morning and nobody was paged again that month";
        let (w, s) = timed(text, &[], 0.0);
        let u = units(&w, &s);
        assert!(u.len() >= 2, "{:?}", texts(&u));
        assert!(
            u[1].text.starts_with("and then i") || u[1].text.starts_with("so the"),
            "{:?}",
            texts(&u)
        );
    }

    #[test]
    fn every_word_belongs_to_exactly_one_unit_in_order() {
        let text = "one two three four. five six seven eight nine ten eleven twelve thirteen \
                    fourteen fifteen sixteen seventeen eighteen nineteen twenty twentyone and then \
                    we twentytwo twentythree twentyfour twentyfive twentysix twentyseven. done";
        let (w, s) = timed(text, &[], 0.0);
        let u = units(&w, &s);
        let mut next = 0;
        for unit in &u {
            assert_eq!(unit.first_word, next);
            assert!(unit.end_word > unit.first_word);
            next = unit.end_word;
        }
        assert_eq!(next, w.len());
    }

    #[test]
    fn collapsed_word_times_still_give_every_unit_a_span_of_its_own() {
        let (mut w, s) = timed(
            "Our search was slow at peak. I added a cache to it. Latency fell by half after. We kept it.",
            &[],
            0.0,
        );
        // Whisper put the middle two sentences at one instant.
        for word in &mut w[6..16] {
            word.start_s = 2.5;
            word.end_s = 2.5;
        }
        let u = units(&w, &s);
        assert_eq!(u.len(), 4);
        for pair in u.windows(2) {
            assert!(pair[0].end_s <= pair[1].start_s + 1e-9, "{u:?}");
        }
        assert!(
            u.iter().all(|u| u.end_s - u.start_s >= MIN_SPAN_S - 1e-9),
            "{u:?}"
        );
    }
}
