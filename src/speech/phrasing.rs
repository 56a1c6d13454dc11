//! How a text is phrased for a Piper voice: espeak-ng's IPA for it, one
//! list of phonemes per sentence with each clause's punctuation put back
//! (as Piper's own phonemizer does), and the pieces the voice makes and
//! plays one after another, so that a question starts before all of it is
//! made. Pure, but for running espeak-ng.

use std::path::Path;
use std::process::{Command, Stdio};

use unicode_normalization::UnicodeNormalization;

/// Silence between sentences, seconds.
const SENTENCE_GAP_S: f64 = 0.25;

/// Silence after a clause spoken as a piece of its own, seconds. The first
/// question of the built-in bank, spoken as its first clause and the rest,
/// came to 6.54 s of audible speech against 6.55 s spoken whole: the
/// clause's final lengthening stands in for the comma's pause, and a short
/// gap keeps the two pieces from running together.
const CLAUSE_GAP_S: f64 = 0.12;

/// espeak-ng asked for `text` as IPA in `voice`, one line per clause.
pub(super) fn espeak_command(espeak: &Path, voice: &str, text: &str) -> Command {
    let mut command = Command::new(espeak);
    command
        .args(["-q", "--ipa", "-v", voice, "--"])
        .arg(text)
        .stdin(Stdio::null());
    command
}

/// espeak-ng's IPA for `text` as phonemes, one list per sentence.
pub(super) fn sentences_from_ipa(ipa: &str, text: &str) -> Vec<Vec<String>> {
    let clauses: Vec<&str> = ipa
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    sentences_of(&clauses, &terminators(text))
}

/// A first clause longer than this many words gets a break of its own.
const FIRST_CLAUSE_MAX_WORDS: usize = 7;

/// Where that break may go: before one of these words, after this many
/// words at the least and at the most, with at least this many after it.
const BREAK_BEFORE: &[&str] = &[
    "about", "when", "where", "that", "which", "who", "how", "what", "why", "if", "because",
    "while", "as", "like", "with", "for", "to", "in", "on", "at", "under", "from", "during", "you",
    "you've", "you'd", "you're", "your", "and", "or", "but",
];
const BREAK_AFTER_WORDS: (usize, usize) = (3, 7);
const WORDS_AFTER_BREAK: usize = 3;

/// `text` with a comma put into a long first clause before a word that
/// starts a phrase ("Based on what you know, about our company's
/// projects…"), so the first piece the voice makes is a few words long.
/// A piece takes ~40 ms per second of speech to make: an eleven-word first
/// clause held the question's first sound back by ~140 ms, five words by
/// ~50 ms. The clause's final lengthening and a short gap carry the break,
/// as a speaker would phrase it.
pub fn with_early_break(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let clause_words = words
        .iter()
        .position(|w| w.ends_with([',', ';', ':', '.', '?', '!']))
        .map_or(words.len(), |i| i + 1);
    if clause_words <= FIRST_CLAUSE_MAX_WORDS {
        return text.to_string();
    }
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_lowercase()
    };
    let (least, most) = BREAK_AFTER_WORDS;
    let target = (least + most) / 2 + 1;
    let best = (least..=most.min(clause_words.saturating_sub(WORDS_AFTER_BREAK)))
        .filter(|&i| BREAK_BEFORE.contains(&bare(words[i]).as_str()))
        .min_by_key(|&i| i.abs_diff(target));
    let Some(at) = best else {
        return text.to_string();
    };
    // Put the comma after word `at - 1`, keeping the text's own spacing.
    let mut seen = 0;
    let mut in_word = false;
    for (byte, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen += 1;
                if seen == at {
                    return format!("{},{}", &text[..byte], &text[byte..]);
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text.to_string()
}

/// A run of the model: phonemes, and the silence to put before them.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// The phonemes, with their punctuation.
    pub phonemes: Vec<String>,
    /// Seconds of silence before this piece (none for the first).
    pub gap_before_s: f64,
}

/// A clause of the first sentence shorter than this many phonemes is not
/// spoken on its own (a piece that short sounds clipped).
const MIN_CLAUSE_PHONEMES: usize = 12;

/// The pieces to speak `sentences` in: one per sentence, except that the
/// first sentence's first clause is its own piece when both it and the rest
/// are long enough. A sentence takes ~40 ms per second of speech to make,
/// so a long first sentence would hold back the question's first sound; its
/// first clause alone starts it in about a third of the time.
pub fn pieces_of(sentences: Vec<Vec<String>>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (k, sentence) in sentences.into_iter().enumerate() {
        if sentence.is_empty() {
            continue;
        }
        let gap_before_s = if pieces.is_empty() {
            0.0
        } else {
            SENTENCE_GAP_S
        };
        if k == 0
            && let Some(cut) = sentence
                .iter()
                .position(|p| matches!(p.as_str(), "," | ";" | ":"))
            && cut + 1 >= MIN_CLAUSE_PHONEMES
            && sentence.len() - cut > MIN_CLAUSE_PHONEMES
        {
            let (clause, rest) = sentence.split_at(cut + 1);
            let rest: Vec<String> = rest.iter().skip_while(|p| *p == " ").cloned().collect();
            pieces.push(Piece {
                phonemes: clause.to_vec(),
                gap_before_s,
            });
            pieces.push(Piece {
                phonemes: rest,
                gap_before_s: CLAUSE_GAP_S,
            });
            continue;
        }
        pieces.push(Piece {
            phonemes: sentence,
            gap_before_s,
        });
    }
    pieces
}

/// The clause punctuation of `text`, in order: `,` `;` `:` `.` `?` `!` at
/// the end of a word (not the point in "3.5" or the comma in "1,000"); a run
/// such as "?!" or "..." counts once, by its first mark.
pub fn terminators(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if ",;:.?!".contains(c) {
            let mut j = i;
            while j + 1 < chars.len() && ",;:.?!".contains(chars[j + 1]) {
                j += 1;
            }
            let ends_word = chars
                .get(j + 1)
                .is_none_or(|n| n.is_whitespace() || *n == '"');
            if ends_word && i > 0 {
                out.push(c);
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// espeak-ng's clauses (one IPA line each) with their punctuation put back,
/// grouped into sentences. When the clauses and the punctuation do not pair
/// up one to one (espeak-ng also breaks very long clauses), the clauses are
/// read as one sentence with the text's last mark.
pub fn sentences_of(clauses: &[&str], marks: &[char]) -> Vec<Vec<String>> {
    let phonemes = |s: &str| -> Vec<String> {
        // Words in other languages come wrapped in "(en)" flags.
        let mut plain = String::new();
        let mut in_flag = false;
        for c in s.chars() {
            match c {
                '(' => in_flag = true,
                ')' => in_flag = false,
                c if !in_flag => plain.push(c),
                _ => {}
            }
        }
        plain.nfd().map(|c| c.to_string()).collect()
    };
    let paired = clauses.len() == marks.len() || clauses.len() == marks.len() + 1;
    let mut sentences = Vec::new();
    let mut current: Vec<String> = Vec::new();
    if !paired {
        for (k, clause) in clauses.iter().enumerate() {
            if k > 0 {
                current.push(" ".into());
            }
            current.extend(phonemes(clause));
        }
        if let Some(&mark) = marks.last() {
            current.push(mark.to_string());
        }
        if !current.is_empty() {
            sentences.push(current);
        }
        return sentences;
    }
    for (k, clause) in clauses.iter().enumerate() {
        current.extend(phonemes(clause));
        match marks.get(k) {
            Some(&m) if ".?!".contains(m) => {
                current.push(m.to_string());
                sentences.push(std::mem::take(&mut current));
            }
            Some(&m) => {
                current.push(m.to_string());
                current.push(" ".into());
            }
            None => {}
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_marks_are_found_but_not_inside_numbers() {
        assert_eq!(
            terminators("Well, it took 3.5 s and 1,000 rows; then what? Done!?"),
            [',', ';', '?', '!']
        );
        assert_eq!(terminators("No marks at all"), Vec::<char>::new());
        assert_eq!(terminators("Wait... really."), ['.', '.']);
    }

    #[test]
    fn clauses_get_their_marks_back_and_sentences_end_at_full_stops() {
        let s = sentences_of(&["tˈɛl mˌiː", "wʌt juː dˈɪd", "hˌaʊ"], &[',', '.', '?']);
        assert_eq!(s.len(), 2);
        let first: String = s[0].concat();
        assert_eq!(first, "tˈɛl mˌiː, wʌt juː dˈɪd.");
        assert_eq!(s[1].concat(), "hˌaʊ?");
        // Decomposed into codepoints, one phoneme each.
        assert!(s[0].iter().all(|p| p.chars().count() == 1));
    }

    #[test]
    fn clauses_that_do_not_pair_with_the_marks_become_one_sentence() {
        let s = sentences_of(&["ɐ", "bˈiː", "sˈiː"], &['.']);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].concat(), "ɐ bˈiː sˈiː.");
    }

    #[test]
    fn foreign_word_flags_are_dropped() {
        let s = sentences_of(&["ðə (fr)ʒˈuː(en) wˈɜːd"], &[]);
        assert_eq!(s[0].concat(), "ðə ʒˈuː wˈɜːd");
    }

    fn phonemes(s: &str) -> Vec<String> {
        s.chars().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_long_first_clause_is_its_own_piece_and_later_sentences_are_whole() {
        let first = phonemes("bˈeɪst ɒn wʌt juː nˈoʊ, wʌt wʊd juː sədʒˈɛst?");
        let second = phonemes("ænd, hˈaʊ lˈɒŋ fɔː ɐ wˈiːk ɔː tˈuː?");
        let pieces = pieces_of(vec![first, second.clone()]);
        let texts: Vec<String> = pieces.iter().map(|p| p.phonemes.concat()).collect();
        assert_eq!(
            texts,
            [
                "bˈeɪst ɒn wʌt juː nˈoʊ,",
                "wʌt wʊd juː sədʒˈɛst?",
                "ænd, hˈaʊ lˈɒŋ fɔː ɐ wˈiːk ɔː tˈuː?"
            ]
        );
        let gaps: Vec<f64> = pieces.iter().map(|p| p.gap_before_s).collect();
        assert_eq!(gaps, [0.0, CLAUSE_GAP_S, SENTENCE_GAP_S]);
    }

    #[test]
    fn a_short_first_clause_stays_with_its_sentence() {
        let pieces = pieces_of(vec![phonemes("ɪf sˌoʊ, kæn juː dɪskˈʌs ɐ prˈɒdʒɛkt?")]);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].gap_before_s, 0.0);
    }

    #[test]
    fn a_long_first_clause_gets_a_break_before_a_phrase() {
        assert_eq!(
            with_early_break(
                "Based on what you know about our company's projects and products, what would you suggest?"
            ),
            "Based on what you know, about our company's projects and products, what would you suggest?"
        );
        assert_eq!(
            with_early_break(
                "Tell me about a time you disagreed with a technical decision. What did you do?"
            ),
            "Tell me about a time, you disagreed with a technical decision. What did you do?"
        );
        assert_eq!(
            with_early_break("Describe a project or a change of yours that failed badly."),
            "Describe a project, or a change of yours that failed badly."
        );
        // Short first clauses, and long ones with no place to break, stay.
        for text in [
            "Tell me about a time. What did you do?",
            "If so, can you discuss a specific project you have been working on lately?",
            "Supercalifragilistic unbelievably extraordinarily magnificent wonderful excellent database engineering practices?",
        ] {
            assert_eq!(with_early_break(text), text);
        }
    }
}
