//! What the STAR classifier reads in a unit: its words (for word 1- and
//! 2-grams) and a few cues of grammar that word lists alone cannot carry:
//! who acted ("I" or "we" or someone else, with a past-tense verb), whether
//! it is a plan or a hope rather than something done, whether it measures a
//! change, and words of outcome, obligation, context and reflection. The
//! cue lists are general English, not phrases from the labelled answers.

/// Hesitations carry no meaning.
const HESITATIONS: &[&str] = &["um", "umm", "uh", "uhh", "er", "erm", "hmm", "mm", "ah"];

/// The unit's words: lower case, letters, digits and apostrophes; a word with
/// a digit is `<num>`; hesitations dropped; "I'd" read as "I" (whisper hears
/// "I also" as "I'd also"). The trainer builds its n-grams from these.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '%' || c == '$'))
        .map(|w| {
            w.trim_matches(|c| c == '\'' || c == '’')
                .to_lowercase()
                .replace('’', "'")
        })
        .filter(|w| !w.is_empty() && !HESITATIONS.contains(&w.as_str()))
        .map(|w| {
            if w.chars().any(|c| c.is_ascii_digit()) || w.contains('%') {
                "<num>".to_string()
            } else if w == "i'd" {
                "i".to_string()
            } else {
                w
            }
        })
        .collect()
}

/// Word 1- and 2-grams, with `<s>` marking the unit's start.
pub fn ngrams(tokens: &[String]) -> Vec<String> {
    let words: Vec<&str> = std::iter::once("<s>")
        .chain(tokens.iter().map(String::as_str))
        .collect();
    let mut out: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
    out.extend(words.windows(2).map(|w| format!("{} {}", w[0], w[1])));
    out
}

/// Past-tense verbs that do not end in "-ed".
const IRREGULAR_PAST: &[&str] = &[
    "built", "wrote", "set", "made", "ran", "found", "led", "took", "chose", "put", "brought",
    "began", "gave", "kept", "sent", "split", "drove", "caught", "cut", "rewrote", "rebuilt",
    "spun", "stood", "broke", "dug", "held", "laid", "met", "paid", "sat", "spoke", "taught",
    "told", "threw", "won", "drew", "did", "got", "went", "read", "sold", "bought", "thought",
    "sought", "fought", "wound", "undid", "shut", "hid", "let", "lit", "fed", "left", "lost",
    "meant", "sped", "swung", "tore", "wore", "woke", "rode", "shook", "struck", "dealt", "felt",
    "knew", "saw", "came", "became", "grew", "fell", "rose", "shrank", "sank",
];

/// Verbs of state, feeling or obligation: a subject with these tells no action.
const NOT_ACTIONS: &[&str] = &[
    "was", "were", "had", "needed", "wanted", "used", "seemed", "felt", "thought", "believed",
    "knew", "liked", "loved", "hoped", "supposed", "expected", "meant", "wished", "assumed",
    "realized", "realised", "noticed", "saw", "came", "became",
];

/// Words that may stand between a subject and its verb.
const ADVERBS: &[&str] = &[
    "then",
    "also",
    "first",
    "quickly",
    "personally",
    "carefully",
    "eventually",
    "finally",
    "next",
    "immediately",
    "manually",
    "gradually",
    "myself",
    "ourselves",
    "actually",
    "basically",
    "just",
    "again",
    "really",
    "even",
    "still",
    "all",
    "both",
    "together",
    "only",
    "later",
    "simply",
    "literally",
    "kind",
    "sort",
    "of",
    "like",
];

/// Subjects other than the speaker and their team.
const OTHERS: &[&str] = &[
    "he",
    "she",
    "they",
    "manager",
    "lead",
    "boss",
    "colleague",
    "colleagues",
    "teammate",
    "teammates",
    "someone",
    "vendor",
    "cto",
    "ceo",
    "director",
    "architect",
    "contractor",
    "contractors",
    "consultant",
    "consultants",
    "partner",
    "client",
    "customer",
    "customers",
];

/// A plan, a hope or a wish, not something done.
const MODALS: &[&str] = &[
    "would",
    "will",
    "i'll",
    "we'll",
    "it'll",
    "gonna",
    "hope",
    "hopefully",
    "should",
    "might",
    "plan",
    "planning",
    "intend",
    "wish",
    "could've",
    "would've",
    "should've",
];

const NUMBER_WORDS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "percent", "half", "twice", "double", "triple",
    "dozen", "zero", "<num>",
];

/// Verbs of a quantity or a state changing.
const CHANGE_VERBS: &[&str] = &[
    "dropped",
    "fell",
    "rose",
    "reduced",
    "improved",
    "increased",
    "decreased",
    "halved",
    "doubled",
    "tripled",
    "stopped",
    "disappeared",
    "eliminated",
    "saved",
    "shrank",
    "grew",
    "jumped",
    "climbed",
    "vanished",
    "recovered",
    "stabilized",
    "stabilised",
    "went",
    "cut",
    "lowered",
    "raised",
    "sped",
    "slowed",
];

const COMPARATIVES: &[&str] = &[
    "faster", "slower", "fewer", "less", "more", "lower", "higher", "better", "worse", "quicker",
    "cheaper", "smaller", "bigger", "shorter", "longer",
];

/// Phrases of an outcome, of an obligation or goal, of context, of
/// reflection, and of effort that names no step.
const OUTCOME_PHRASES: &[&str] = &[
    "result",
    "results",
    "outcome",
    "in the end",
    "ended up",
    "since then",
    "ever since",
    "afterwards",
    "by the end",
    "eventually",
    "turned out",
    "which meant",
    "that meant",
    "no longer",
    "anymore",
    "never again",
    "from then on",
    "after that",
    "these days",
    "now",
];
const TASK_PHRASES: &[&str] = &[
    "my job",
    "my task",
    "my role",
    "responsible",
    "responsibility",
    "asked me",
    "wanted me",
    "needed me",
    "told me to",
    "expected me",
    "had to",
    "needed to",
    "need to",
    "goal",
    "aim",
    "objective",
    "on me",
    "my plate",
    "up to me",
    "volunteered",
    "assigned",
    "in charge",
    "owner",
    "took on",
    "ownership",
    "mandate",
    "charged with",
    "my part",
];
const CONTEXT_PHRASES: &[&str] = &[
    "ago",
    "last year",
    "at the time",
    "back then",
    "when i joined",
    "previous",
    "at my",
    "in my",
    "we had",
    "there was",
    "there were",
    "our team",
    "company",
    "startup",
    "used to",
    "was running",
    "were running",
    "years",
    "at a",
    "worked at",
    "working at",
    "working on",
];
const REFLECTION_PHRASES: &[&str] = &[
    "learned",
    "learnt",
    "lesson",
    "taught me",
    "next time",
    "in hindsight",
    "looking back",
    "i realized",
    "i realised",
    "i think",
    "i believe",
    "i feel",
    "in general",
    "generally",
    "always",
    "usually",
];
const VAGUE_EFFORT: &[&str] = &[
    "everyone",
    "we all",
    "as a team",
    "worked hard",
    "pulled together",
    "team effort",
    "pitched in",
    "rallied",
    "did our best",
    "long hours",
    "worked really hard",
];
const NEGATIONS: &[&str] = &[
    "not", "never", "didn't", "no", "wasn't", "couldn't", "don't", "nothing", "haven't", "hasn't",
    "won't", "can't", "cannot",
];

/// Names of [`features`]' values, in order; the trained weights follow it.
pub const FEATURES: &[&str] = &[
    "i_acted",
    "we_acted",
    "others_acted",
    "says_i",
    "says_we",
    "plan_or_hope",
    "starts_with_if",
    "number",
    "from_to",
    "comparative",
    "change_verb",
    "outcome_words",
    "task_words",
    "context_words",
    "reflection_words",
    "vague_effort",
    "negation",
    "length",
    "question",
    "present_tense",
];

fn is_past(word: &str) -> bool {
    !NOT_ACTIONS.contains(&word)
        && (IRREGULAR_PAST.contains(&word) || (word.len() > 4 && word.ends_with("ed")))
}

/// How many times one of `subjects` is followed (past a few adverbs) by a
/// past-tense action verb.
fn acted(tokens: &[String], subjects: &[&str]) -> usize {
    tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            subjects.contains(&t.as_str()) && {
                let verb = tokens[i + 1..]
                    .iter()
                    .find(|w| !ADVERBS.contains(&w.as_str()));
                verb.is_some_and(|v| is_past(v))
            }
        })
        .count()
}

/// How many of `phrases` occur in `tokens`.
pub(super) fn phrases_in(tokens: &[String], phrases: &[&str]) -> usize {
    phrases
        .iter()
        .filter(|p| {
            let p: Vec<&str> = p.split(' ').collect();
            tokens
                .windows(p.len())
                .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
        })
        .count()
}

/// Whether a unit names a change: a verb of a quantity or a state changing,
/// a number, a comparative, or a change measured at both ends.
pub(super) fn names_a_change(tokens: &[String]) -> bool {
    tokens.iter().any(|t| {
        CHANGE_VERBS.contains(&t.as_str())
            || NUMBER_WORDS.contains(&t.as_str())
            || COMPARATIVES.contains(&t.as_str())
    }) || from_to(tokens)
}

/// Whether a word is a verb in the past: "-ed", or irregular ("took").
pub(super) fn is_past_tense(word: &str) -> bool {
    IRREGULAR_PAST.contains(&word) || (word.len() > 4 && word.ends_with("ed"))
}

/// A change measured at both ends: "from six hours to forty minutes".
pub(super) fn from_to(tokens: &[String]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        t == "from"
            && tokens[i + 1..]
                .iter()
                .take(4)
                .position(|w| w == "to")
                .is_some_and(|j| {
                    let around = &tokens[i + 1..(i + j + 5).min(tokens.len())];
                    around.iter().any(|w| NUMBER_WORDS.contains(&w.as_str()))
                })
    })
}

/// The cue values of one unit, in the order of [`FEATURES`], each in 0..=1.
pub fn features(text: &str, tokens: &[String]) -> Vec<f64> {
    let capped = |n: usize, cap: usize| n.min(cap) as f64 / cap as f64;
    let has = |list: &[&str]| tokens.iter().any(|t| list.contains(&t.as_str()));
    let past = tokens
        .iter()
        .any(|t| is_past(t) || t == "was" || t == "were" || t == "had");
    let present = tokens
        .iter()
        .any(|t| matches!(t.as_str(), "is" | "are" | "do" | "does" | "it's" | "that's"));
    vec![
        capped(acted(tokens, &["i"]), 2),
        capped(acted(tokens, &["we"]), 2),
        capped(acted(tokens, OTHERS), 2),
        f64::from(u8::from(
            tokens.iter().any(|t| t == "i" || t == "me" || t == "my"),
        )),
        f64::from(u8::from(
            tokens.iter().any(|t| t == "we" || t == "us" || t == "our"),
        )),
        capped(
            tokens
                .iter()
                .filter(|t| MODALS.contains(&t.as_str()))
                .count(),
            2,
        ),
        f64::from(u8::from(tokens.first().is_some_and(|t| t == "if"))),
        f64::from(u8::from(has(NUMBER_WORDS))),
        f64::from(u8::from(from_to(tokens))),
        f64::from(u8::from(has(COMPARATIVES))),
        f64::from(u8::from(has(CHANGE_VERBS))),
        capped(phrases_in(tokens, OUTCOME_PHRASES), 2),
        capped(phrases_in(tokens, TASK_PHRASES), 2),
        capped(phrases_in(tokens, CONTEXT_PHRASES), 2),
        capped(phrases_in(tokens, REFLECTION_PHRASES), 2),
        capped(phrases_in(tokens, VAGUE_EFFORT), 1),
        f64::from(u8::from(has(NEGATIONS))),
        capped(tokens.len(), 40),
        f64::from(u8::from(text.trim_end().ends_with('?'))),
        f64::from(u8::from(present && !past)),
    ]
}

/// Whether a unit holds a measurement: a number, a percentage, money, time.
pub fn is_quantified(text: &str) -> bool {
    tokens(text)
        .iter()
        .any(|t| NUMBER_WORDS.contains(&t.as_str()) || t.contains('$'))
        || text.contains('$')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(text: &str, name: &str) -> f64 {
        let i = FEATURES.iter().position(|n| *n == name).unwrap();
        features(text, &tokens(text))[i]
    }

    #[test]
    fn tokens_drop_hesitations_and_mark_numbers() {
        assert_eq!(
            tokens("So, um, I'd cut p99 latency by 40% - you know."),
            [
                "so", "i", "cut", "<num>", "latency", "by", "<num>", "you", "know"
            ]
        );
    }

    #[test]
    fn ngrams_mark_the_start() {
        let t = tokens("We shipped it");
        assert_eq!(
            ngrams(&t),
            ["we", "shipped", "it", "<s> we", "we shipped", "shipped it"]
        );
    }

    #[test]
    fn who_acted_is_read_past_adverbs() {
        assert_eq!(f("I then quietly rewrote the query", "i_acted"), 0.0); // "quietly" is not listed
        assert_eq!(f("I then rewrote the query", "i_acted"), 0.5);
        assert_eq!(f("We all migrated the jobs", "we_acted"), 0.5);
        assert_eq!(f("My manager rewrote it", "others_acted"), 0.5);
        assert_eq!(f("I was the on-call engineer", "i_acted"), 0.0);
    }

    #[test]
    fn plans_numbers_and_changes_are_seen() {
        assert!(f("Hopefully this will cut our costs", "plan_or_hope") > 0.0);
        assert_eq!(
            f("Latency went from 2 seconds to 200 milliseconds", "from_to"),
            1.0
        );
        assert_eq!(f("We moved from Jenkins to GitHub", "from_to"), 0.0);
        assert_eq!(f("Deploys are usually safe", "present_tense"), 1.0);
        assert!(is_quantified("it saved $5k a month"));
        assert!(!is_quantified("the team was happier"));
    }

    #[test]
    fn every_feature_is_in_range() {
        let text = "If we had, I mean, we all worked hard and I rewrote it from 9 to 5 and it is \
                    faster now, my job was the result, a lesson I learned at my previous company?";
        let v = features(text, &tokens(text));
        assert_eq!(v.len(), FEATURES.len());
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)), "{v:?}");
    }
}
