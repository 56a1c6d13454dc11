//! Text normalisation and word error rate. Numbers are spelled out so that
//! "20%" and "twenty percent" compare equal.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Spells out a whole number below one billion.
pub fn number_words(n: u64) -> Vec<&'static str> {
    fn below_thousand(n: u64, out: &mut Vec<&'static str>) {
        if n >= 100 {
            out.push(ONES[(n / 100) as usize]);
            out.push("hundred");
        }
        let r = n % 100;
        if r == 0 && n >= 100 {
            return;
        }
        if r < 20 {
            out.push(ONES[r as usize]);
        } else {
            out.push(TENS[(r / 10) as usize]);
            if !r.is_multiple_of(10) {
                out.push(ONES[(r % 10) as usize]);
            }
        }
    }
    let mut out = Vec::new();
    if n == 0 {
        out.push("zero");
        return out;
    }
    for (scale, name) in [
        (1_000_000, Some("million")),
        (1_000, Some("thousand")),
        (1, None),
    ] {
        let part = (n / scale) % 1000;
        if part > 0 {
            below_thousand(part, &mut out);
            if let Some(name) = name {
                out.push(name);
            }
        }
    }
    out
}

/// "five" → "fifth", "twenty" → "twentieth".
fn ordinal(cardinal: &str) -> String {
    match cardinal {
        "one" => "first".into(),
        "two" => "second".into(),
        "three" => "third".into(),
        "five" => "fifth".into(),
        "eight" => "eighth".into(),
        "nine" => "ninth".into(),
        "twelve" => "twelfth".into(),
        c if c.ends_with('y') => format!("{}ieth", &c[..c.len() - 1]),
        c => format!("{c}th"),
    }
}

/// Whether `word` is a number said in words ("twenty", "ninth").
fn is_number_word(word: &str) -> bool {
    let said = |w: &str| {
        ONES.contains(&w)
            || TENS[2..].contains(&w)
            || ["hundred", "thousand", "million"].contains(&w)
    };
    said(word) || ONES.iter().chain(&TENS[2..]).any(|c| ordinal(c) == word)
}

/// How many words it takes to say `text`: "900" is two ("nine hundred"),
/// "95th" two, "40%" two. Speaking rate counts these, so that an answer full
/// of figures is not taken for a slow one. A hyphenated word without digits
/// counts once, whisper hyphenates the syllables of one word ("post-gers"),
/// unless it is a number in words ("ninety-ninth" is two).
pub fn spoken_words(text: &str) -> usize {
    text.split_whitespace()
        .map(|token| {
            let one_word = usize::from(token.chars().any(char::is_alphanumeric));
            if token.chars().any(|c| c.is_ascii_digit()) {
                return normalize(token).len();
            }
            if !token.contains('-') {
                return one_word;
            }
            let said = normalize(token);
            if said.iter().all(|w| is_number_word(w)) {
                said.len()
            } else {
                one_word
            }
        })
        .sum()
}

/// Lower-cases, strips punctuation, spells out numbers (ordinals too), `%` and `$`.
pub fn normalize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split_whitespace() {
        let lower = raw.to_lowercase();
        let currency = lower.starts_with('$');
        let percent = lower.ends_with('%');
        let core: String = lower
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '.' || *c == '-')
            .collect();
        let core = core.trim_matches(|c| c == '.' || c == '\'' || c == '-');
        for piece in core.split('-').filter(|p| !p.is_empty()) {
            let digits: String = piece.chars().filter(|c| *c != ',').collect();
            if let Some((int, frac)) = digits.split_once('.')
                && let (Ok(i), Ok(_)) = (int.parse::<u64>(), frac.parse::<u64>())
            {
                out.extend(number_words(i).iter().map(|s| s.to_string()));
                out.push("point".into());
                out.extend(
                    frac.chars()
                        .filter_map(|c| c.to_digit(10))
                        .map(|d| ONES[d as usize].to_string()),
                );
                continue;
            }
            if let Ok(n) = digits.parse::<u64>()
                && n < 1_000_000_000
            {
                out.extend(number_words(n).iter().map(|s| s.to_string()));
                continue;
            }
            if let Some(n) = ["st", "nd", "rd", "th"]
                .iter()
                .find_map(|suffix| digits.strip_suffix(suffix))
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|&n| n < 1_000_000_000)
            {
                let mut spelled: Vec<String> =
                    number_words(n).iter().map(|s| s.to_string()).collect();
                if let Some(last) = spelled.last_mut() {
                    *last = ordinal(last);
                }
                out.extend(spelled);
                continue;
            }
            let word: String = piece
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect();
            if !word.is_empty() {
                out.push(word);
            }
        }
        if percent {
            out.push("percent".into());
        }
        if currency {
            out.push("dollars".into());
        }
    }
    out
}

/// Word-level edit distance (substitutions + deletions + insertions).
pub fn word_errors(reference: &[String], hypothesis: &[String]) -> usize {
    let pairs = align(reference, hypothesis);
    let substituted = pairs
        .iter()
        .filter(|&&(r, h)| reference[r] != hypothesis[h])
        .count();
    substituted + (reference.len() - pairs.len()) + (hypothesis.len() - pairs.len())
}

/// A minimal word-level edit alignment: the (reference, hypothesis) index
/// pairs it matches or substitutes, in order; the words left out were deleted
/// or inserted.
pub fn align(reference: &[String], hypothesis: &[String]) -> Vec<(usize, usize)> {
    let (n, m) = (reference.len(), hypothesis.len());
    let mut cost: Vec<Vec<usize>> = (0..=n)
        .map(|i| (0..=m).map(|j| if i == 0 { j } else { i }).collect())
        .collect();
    let step = |i: usize, j: usize| usize::from(reference[i - 1] != hypothesis[j - 1]);
    for i in 1..=n {
        for j in 1..=m {
            cost[i][j] = (cost[i - 1][j - 1] + step(i, j))
                .min(cost[i - 1][j] + 1)
                .min(cost[i][j - 1] + 1);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut pairs = Vec::new();
    while i > 0 && j > 0 {
        if cost[i][j] == cost[i - 1][j - 1] + step(i, j) {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if cost[i][j] == cost[i - 1][j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}

/// Word error rate of `hypothesis` against `reference`, after normalisation.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    word_errors(&r, &h) as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn alignment_pairs_matches_and_substitutions_and_skips_the_rest() {
        let r = words("i added a redis cache today");
        let h = words("i added uh a reddish cache");
        assert_eq!(align(&r, &h), [(0, 0), (1, 1), (2, 3), (3, 4), (4, 5)]);
        // One insertion, one substitution, one deletion.
        assert_eq!(word_errors(&r, &h), 3);
        assert_eq!(word_errors(&r, &[]), 6);
        assert_eq!(word_errors(&[], &h), 6);
    }

    #[test]
    fn numbers_are_spelled_out() {
        assert_eq!(
            normalize("cut it by 40%"),
            ["cut", "it", "by", "forty", "percent"]
        );
        assert_eq!(
            normalize("$1,250"),
            ["one", "thousand", "two", "hundred", "fifty", "dollars"]
        );
        assert_eq!(
            normalize("3.5 seconds"),
            ["three", "point", "five", "seconds"]
        );
        assert_eq!(normalize("Hello, World!"), ["hello", "world"]);
        assert_eq!(
            normalize("the 95th and 1st, 22nd, 3rd, 12th, 40th"),
            [
                "the", "ninety", "fifth", "and", "first", "twenty", "second", "third", "twelfth",
                "fortieth"
            ]
        );
    }

    #[test]
    fn spoken_words_count_what_is_said_not_what_is_written() {
        assert_eq!(spoken_words("about 900 milliseconds"), 4);
        assert_eq!(spoken_words("the 95th percentile, 60% of it"), 8);
        assert_eq!(spoken_words("a read-only replica, a 24-hour window"), 8);
        assert_eq!(spoken_words("the ninety-ninth, twenty-five"), 5);
        assert_eq!(spoken_words("Um, yes."), 2);
        assert_eq!(spoken_words("..."), 0);
    }

    #[test]
    fn wer_counts_edits() {
        assert_eq!(wer("the cat sat", "the cat sat"), 0.0);
        assert!((wer("the cat sat down", "the bat sat") - 0.5).abs() < 1e-9);
        assert_eq!(wer("forty percent", "40%"), 0.0);
    }
}
