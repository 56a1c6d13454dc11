//! Filler words: um, uh, erm, like (as a filler), you know, I mean,
//! basically, sort of, kind of, actually. Context rules keep the ordinary
//! uses ("I would like", "what kind of database", "what it actually meant")
//! out of the count. What counts is written down in
//! `tests/fixtures/FILLERS.md`, the definition the labels follow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::transcribe::Word;

/// One filler in the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filler {
    /// Canonical form, e.g. `you know`.
    pub filler: String,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Index of its first word in the transcript's words (renderers mark it
    /// by index: whisper can give several words one instant). Absent in
    /// analyses written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word: Option<usize>,
    /// How many words it takes (1, or 2 for "you know").
    #[serde(default = "one_word")]
    pub words: usize,
}

fn one_word() -> usize {
    1
}

/// Filler counts for an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fillers {
    /// All fillers.
    pub total: usize,
    /// Per minute of answer.
    pub per_minute: f64,
    /// Count per filler.
    pub counts: BTreeMap<String, usize>,
    /// Where each occurs.
    pub occurrences: Vec<Filler>,
}

/// Lower-cased word without punctuation, and whether punctuation followed it.
fn clean(word: &str) -> (String, bool) {
    let trimmed = word.trim_end_matches(|c: char| c.is_ascii_punctuation());
    let pause_after = trimmed.len() != word.len();
    let core = trimmed
        .trim_start_matches(|c: char| c.is_ascii_punctuation())
        .to_lowercase()
        .replace('’', "'");
    (core, pause_after)
}

/// The filler a hesitation sound is counted as ("um", "uh", "erm"), if `word`
/// (as transcribed, with any punctuation) is one.
pub fn hesitation(word: &str) -> Option<&'static str> {
    match clean(word).0.as_str() {
        "um" | "umm" | "uhm" | "hmm" | "mm" => Some("um"),
        "uh" | "uhh" | "ah" => Some("uh"),
        "er" | "erm" | "err" => Some("erm"),
        _ => None,
    }
}

/// Words that make "kind of"/"sort of" a real classifier ("what kind of cache").
const DETERMINERS: &[&str] = &[
    "a",
    "an",
    "the",
    "what",
    "which",
    "this",
    "that",
    "these",
    "those",
    "any",
    "some",
    "every",
    "each",
    "same",
    "other",
    "different",
    "one",
    "no",
    "right",
    "wrong",
    "new",
    "first",
];
/// Words before "like" that make it a verb or a preposition.
const LIKE_VERBS: &[&str] = &[
    "would",
    "i'd",
    "we'd",
    "you'd",
    "they'd",
    "looks",
    "look",
    "looked",
    "seems",
    "seem",
    "seemed",
    "feel",
    "feels",
    "felt",
    "sounds",
    "sound",
    "sounded",
    "much",
    "something",
    "anything",
    "nothing",
    "didn't",
    "don't",
    "doesn't",
    "really",
    "i",
    "we",
    "you",
    "they",
    "more",
    "most",
    "exactly",
];
/// Words after which "actually" opens a clause ("and actually, it held").
const CLAUSE_LINKS: &[&str] = &["and", "but", "so", "because", "then"];
/// Words before "you know" that make it a real question or clause.
const KNOW_OBJECTS: &[&str] = &["do", "did", "if", "as", "whether", "let", "don't", "didn't"];

/// The words of `text`, word `i` starting at `i` seconds (for tests).
#[cfg(test)]
pub(crate) fn untimed(text: &str) -> Vec<Word> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, w)| Word {
            word: w.to_string(),
            start_s: i as f64,
            end_s: i as f64 + 0.5,
            probability: 1.0,
        })
        .collect()
}

/// Finds the fillers in timed words; `minutes` is the answer's length.
pub fn fillers(words: &[Word], minutes: f64) -> Fillers {
    let cleaned: Vec<(String, bool)> = words.iter().map(|w| clean(&w.word)).collect();
    let at = |i: usize| cleaned.get(i).map(|(w, _)| w.as_str()).unwrap_or("");
    let before = |i: usize| if i == 0 { "" } else { at(i - 1) };
    let pause_before = |i: usize| i == 0 || cleaned[i - 1].1;
    let mut occurrences = Vec::new();
    let mut i = 0;
    while i < cleaned.len() {
        let w = at(i);
        let next = at(i + 1);
        let mut found: Option<(&str, usize)> = None;
        if let Some(sound) = hesitation(w) {
            found = Some((sound, 1));
        }
        match w {
            "basically" => found = Some(("basically", 1)),
            "actually" => {
                // Opening a clause or set off by commas it is a discourse
                // marker; inside a clause ("what the warehouse actually
                // shipped") it marks a contrast with what was assumed.
                let opens_clause = pause_before(i)
                    || cleaned[i].1
                    || CLAUSE_LINKS.contains(&before(i))
                    || hesitation(before(i)).is_some();
                if opens_clause {
                    found = Some(("actually", 1));
                }
            }
            "like" => {
                // A filler is set off by a pause or follows a linking word;
                // "would like", "looks like", "like to" and "like the X" are not.
                let prev = before(i);
                let set_off = cleaned[i].1 || pause_before(i);
                let comparison = !set_off
                    && matches!(
                        next,
                        "a" | "an" | "the" | "this" | "that" | "these" | "those"
                    );
                let ordinary = LIKE_VERBS.contains(&prev) || next == "to" || comparison;
                let filler_spot =
                    set_off || matches!(prev, "and" | "was" | "is" | "it's" | "so" | "but");
                if filler_spot && !ordinary {
                    found = Some(("like", 1));
                }
            }
            "you" if next == "know" => {
                let after = at(i + 2);
                let clause = matches!(
                    after,
                    "how"
                        | "what"
                        | "where"
                        | "why"
                        | "when"
                        | "who"
                        | "that"
                        | "about"
                        | "it"
                        | "the"
                );
                if !KNOW_OBJECTS.contains(&before(i)) && (cleaned[i + 1].1 || !clause) {
                    found = Some(("you know", 2));
                }
            }
            "i" if next == "mean" && !matches!(at(i + 2), "it" | "that" | "to") => {
                found = Some(("i mean", 2))
            }
            "sort" | "kind" if next == "of" && !DETERMINERS.contains(&before(i)) => {
                found = Some((if w == "sort" { "sort of" } else { "kind of" }, 2));
            }
            _ => {}
        }
        if let Some((name, len)) = found {
            occurrences.push(Filler {
                filler: name.to_string(),
                start_s: words[i].start_s,
                end_s: words[i + len - 1].end_s,
                word: Some(i),
                words: len,
            });
            i += len;
        } else {
            i += 1;
        }
    }
    let mut counts = BTreeMap::new();
    for f in &occurrences {
        *counts.entry(f.filler.clone()).or_insert(0) += 1;
    }
    Fillers {
        total: occurrences.len(),
        per_minute: if minutes > 0.0 {
            occurrences.len() as f64 / minutes
        } else {
            0.0
        },
        counts,
        occurrences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> BTreeMap<String, usize> {
        fillers(&untimed(text), 1.0).counts
    }

    #[test]
    fn hesitations_count() {
        let c = count("Um, so we, uh, moved the queue. Erm, basically it worked.");
        assert_eq!(c.get("um"), Some(&1));
        assert_eq!(c.get("uh"), Some(&1));
        assert_eq!(c.get("erm"), Some(&1));
        assert_eq!(c.get("basically"), Some(&1));
    }

    #[test]
    fn like_as_filler_but_not_as_verb_or_comparison() {
        assert_eq!(count("It was, like, really slow.").get("like"), Some(&1));
        assert_eq!(count("and like, the cache was cold").get("like"), Some(&1));
        assert!(count("I would like to add tests.").is_empty());
        assert!(count("It looks like a race condition.").is_empty());
        assert!(count("We used tools like Kafka and Redis.").is_empty());
    }

    #[test]
    fn multiword_fillers_and_their_ordinary_uses() {
        assert_eq!(count("It was, you know, slow.").get("you know"), Some(&1));
        assert!(count("Do you know how it works?").is_empty());
        assert_eq!(count("I mean, we shipped it.").get("i mean"), Some(&1));
        assert_eq!(count("It was kind of slow and sort of broken.").len(), 2);
        assert!(count("What kind of database did you use?").is_empty());
        assert!(count("A different sort of problem.").is_empty());
    }

    #[test]
    fn actually_as_a_marker_but_not_as_a_contrast() {
        assert_eq!(
            count("Actually, the alerts went quiet.").get("actually"),
            Some(&1)
        );
        assert_eq!(count("and actually it held up").get("actually"), Some(&1));
        assert_eq!(count("It was, actually, fine.").get("actually"), Some(&1));
        assert_eq!(
            count("um actually we rolled back").get("actually"),
            Some(&1)
        );
        assert!(count("we counted what the truck actually delivered").is_empty());
        assert!(count("the slow part was actually the disk").is_empty());
    }

    #[test]
    fn positions_and_rate() {
        let f = fillers(&untimed("um we um shipped you know quickly"), 2.0);
        assert_eq!(f.total, 3);
        assert_eq!(f.per_minute, 1.5);
        assert_eq!(f.occurrences[2].filler, "you know");
        assert_eq!(
            (f.occurrences[2].start_s, f.occurrences[2].end_s),
            (4.0, 5.5)
        );
    }
}
