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

/// Lower-cases, strips punctuation, spells out numbers, `%` and `$`.
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
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    let mut cur = vec![0; hypothesis.len() + 1];
    for (i, r) in reference.iter().enumerate() {
        cur[0] = i + 1;
        for (j, h) in hypothesis.iter().enumerate() {
            let sub = prev[j] + usize::from(r != h);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[hypothesis.len()]
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
    }

    #[test]
    fn wer_counts_edits() {
        assert_eq!(wer("the cat sat", "the cat sat"), 0.0);
        assert!((wer("the cat sat down", "the bat sat") - 0.5).abs() < 1e-9);
        assert_eq!(wer("forty percent", "40%"), 0.0);
    }
}
