//! A learned second opinion on STAR: a sentence classifier trained on the
//! labelled fixtures' sentences by `scripts/train-star` (word 1- to 3-grams,
//! TF-IDF weighted, and the sentence's place in the answer; multinomial
//! logistic regression). The weights ship inside the binary; nothing is
//! learned or fetched at run time.
//!
//! Hand-written cues are precise on phrasings they know and blind to the rest;
//! the classifier hears implicit phrasings and misheard cues better. How
//! [`super::star`] combines the two, and what each scores on answers neither
//! had seen, is in EVALUATION.md.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The weights `scripts/train-star` wrote from the fixtures in this repository.
const BUILTIN: &str = include_str!("star_model.json");

/// Hesitations carry no meaning (the trainer drops the same ones).
const HESITATIONS: &[&str] = &["um", "uh", "er", "erm", "hmm", "mm"];

/// The classifier's weights, as `scripts/train-star` writes them.
#[derive(Debug, Deserialize)]
struct Weights {
    classes: Vec<char>,
    intercept: Vec<f64>,
    /// Per class, the weights of [`place`]'s five features.
    place: Vec<Vec<f64>>,
    /// Per n-gram: its idf, then one weight per class.
    ngrams: HashMap<String, Vec<f64>>,
}

/// A trained sentence classifier.
#[derive(Debug)]
pub struct Model {
    weights: Weights,
}

/// How likely a sentence is to tell each STAR part, or none of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Probabilities {
    by_class: Vec<(char, f64)>,
}

impl Probabilities {
    /// The probability of `class` ('S', 'T', 'A', 'R', or '-' for none).
    pub fn of(&self, class: char) -> f64 {
        self.by_class
            .iter()
            .find(|(c, _)| *c == class)
            .map_or(0.0, |(_, p)| *p)
    }

    /// The most likely class.
    pub fn likeliest(&self) -> char {
        self.by_class
            .iter()
            .fold(
                ('-', f64::MIN),
                |best, &(c, p)| if p > best.1 { (c, p) } else { best },
            )
            .0
    }
}

impl Model {
    /// Reads weights written by `scripts/train-star`.
    pub fn from_json(json: &str) -> Result<Model, serde_json::Error> {
        let weights: Weights = serde_json::from_str(json)?;
        let classes = weights.classes.len();
        let well_formed = weights.intercept.len() == classes
            && weights.place.len() == classes
            && weights.place.iter().all(|w| w.len() == PLACE_FEATURES)
            && weights.ngrams.values().all(|w| w.len() == classes + 1);
        if !well_formed {
            return Err(serde::de::Error::custom(
                "the weights' sizes do not match their classes",
            ));
        }
        Ok(Model { weights })
    }

    /// The model trained on this repository's fixtures, or `None` if its
    /// weights do not read (a build from a broken checkout: the rules alone
    /// then decide, and a unit test fails).
    pub fn builtin() -> Option<&'static Model> {
        static MODEL: OnceLock<Option<Model>> = OnceLock::new();
        MODEL
            .get_or_init(|| Model::from_json(BUILTIN).ok())
            .as_ref()
    }

    /// Classifies the sentence at `index` of an answer of `count` sentences.
    pub fn probabilities(&self, text: &str, index: usize, count: usize) -> Probabilities {
        let w = &self.weights;
        let mut counts: HashMap<&str, (f64, &[f64])> = HashMap::new();
        let grams = ngrams(text);
        for gram in &grams {
            if let Some((gram, weights)) = w.ngrams.get_key_value(gram.as_str()) {
                counts.entry(gram.as_str()).or_insert((0.0, weights)).0 += 1.0;
            }
        }
        // Sublinear term frequency times idf, then unit length.
        let tfidf: Vec<(f64, &[f64])> = counts
            .values()
            .map(|&(tf, weights)| ((1.0 + tf.ln()) * weights[0], &weights[1..]))
            .collect();
        let norm = tfidf.iter().map(|(v, _)| v * v).sum::<f64>().sqrt();
        let place = place(index, count);
        let scores: Vec<f64> = (0..w.classes.len())
            .map(|k| {
                let text_score: f64 = if norm > 0.0 {
                    tfidf.iter().map(|(v, ws)| v / norm * ws[k]).sum()
                } else {
                    0.0
                };
                let place_score: f64 = place.iter().zip(&w.place[k]).map(|(x, c)| x * c).sum();
                w.intercept[k] + text_score + place_score
            })
            .collect();
        let top = scores.iter().copied().fold(f64::MIN, f64::max);
        let exp: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
        let sum: f64 = exp.iter().sum();
        Probabilities {
            by_class: w
                .classes
                .iter()
                .zip(exp)
                .map(|(&c, e)| (c, e / sum))
                .collect(),
        }
    }
}

const PLACE_FEATURES: usize = 5;

/// The sentence's place in the answer: fraction of the way through, first,
/// last, early (before 35 %), late (from 60 %).
fn place(index: usize, count: usize) -> [f64; PLACE_FEATURES] {
    let p = index as f64 / count.saturating_sub(1).max(1) as f64;
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    [
        p,
        flag(index == 0),
        flag(index + 1 == count),
        flag(p < 0.35),
        flag(p >= 0.6),
    ]
}

/// Lower-case ASCII letter and digit runs, a run with a digit as "<num>",
/// without hesitations and "you know", and without one-letter runs.
fn words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut kept: Vec<String> = Vec::new();
    for run in lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|r| !r.is_empty())
    {
        let run = if run.chars().any(|c| c.is_ascii_digit()) {
            "<num>"
        } else {
            run
        };
        if HESITATIONS.contains(&run) {
            continue;
        }
        if run == "know" && kept.last().is_some_and(|w| w == "you") {
            kept.pop();
            continue;
        }
        kept.push(run.to_string());
    }
    kept.retain(|w| w.len() >= 2);
    kept
}

/// The sentence's word 1-, 2- and 3-grams.
fn ngrams(text: &str) -> Vec<String> {
    let w = words(text);
    (1..=3)
        .flat_map(|n| w.windows(n).map(|g| g.join(" ")).collect::<Vec<_>>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Check {
        sentences: Vec<String>,
        probabilities: Vec<Vec<f64>>,
    }

    #[derive(Deserialize)]
    struct WithCheck {
        check: Check,
    }

    #[test]
    fn the_builtin_weights_reproduce_the_trainers_probabilities() {
        let model = Model::builtin().expect("src/analysis/star_model.json reads");
        let check: WithCheck = serde_json::from_str(BUILTIN).unwrap();
        let n = check.check.sentences.len();
        for (i, (text, expected)) in check
            .check
            .sentences
            .iter()
            .zip(&check.check.probabilities)
            .enumerate()
        {
            let p = model.probabilities(text, i, n);
            for (&class, want) in model.weights.classes.iter().zip(expected) {
                assert!(
                    (p.of(class) - want).abs() < 1e-3,
                    "{text:?}: P({class}) = {} but the trainer said {want}",
                    p.of(class)
                );
            }
        }
    }

    #[test]
    fn words_match_the_trainers_tokens() {
        assert_eq!(
            words("So, um, I cut p99 latency by 40% - you know, a lot. I'd"),
            ["so", "cut", "<num>", "latency", "by", "<num>", "lot"]
        );
        assert_eq!(ngrams("we shipped it").len(), 3 + 2 + 1);
    }

    #[test]
    fn weights_of_the_wrong_shape_are_refused() {
        let json = r#"{"classes":["S","T"],"intercept":[0.0],"place":[[0,0,0,0,0],[0,0,0,0,0]],"ngrams":{}}"#;
        assert!(Model::from_json(json).is_err());
    }

    #[test]
    fn an_empty_sentence_is_judged_by_its_place_alone() {
        let model = Model::builtin().unwrap();
        let p = model.probabilities("", 0, 5);
        let total: f64 = ['-', 'S', 'T', 'A', 'R'].iter().map(|&c| p.of(c)).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
