//! The STAR classifier, in two stages, trained by `scripts/train-star` and
//! compiled in (nothing is learned or fetched at run time).
//!
//! 1. Each unit alone: for each part, a logistic regression over the unit's
//!    word 1- and 2-grams (TF-IDF, unit length).
//! 2. The unit in its answer: for each part, gradient-boosted trees over the
//!    first stage's scores for the unit, its two neighbours on each side, the
//!    strongest score of each part before it and after it, its place, and its
//!    cues ([`super::cues`]: who acted, a plan or an outcome, ...). Trees can
//!    weigh a cue by the rest ("went live" after the steps and beside a
//!    plan); measured on answers the model had not seen, they called more
//!    missing parts missing than a logistic regression did, and the cues and
//!    the place help here and hurt in the first stage, where they crowd out
//!    the words.
//!    Answers have an order (context, goal, steps, outcome, with detours), so
//!    a line after the steps that reads like a step is weighed differently
//!    from one before them. Nothing forces the order: answers that open with
//!    the outcome or a lesson are in the training data.
//!
//! The thresholds that turn the second stage's probabilities into present,
//! weak and missing parts are chosen by the trainer on answers each fold did
//! not learn from, weighing a part wrongly called present above one missed.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::cues;

/// The weights `scripts/train-star` wrote.
const BUILTIN: &str = include_str!("model.json");

/// Features of a unit's place in its answer: fraction of the way through,
/// first, last, the only unit.
pub const PLACE_FEATURES: usize = 4;

/// The place features of unit `index` of `count`.
pub fn place(index: usize, count: usize) -> [f64; PLACE_FEATURES] {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    [
        index as f64 / count.saturating_sub(1).max(1) as f64,
        flag(index == 0),
        flag(index + 1 == count),
        flag(count == 1),
    ]
}

/// Number of features the second stage reads for one unit.
pub const CONTEXT_FEATURES: usize = 4 * 7 + PLACE_FEATURES + cues::FEATURES.len();

/// The second stage's features for unit `i`: the first stage's log-odds for
/// the unit and for its neighbours at -1, +1, -2 and +2 (0 past the ends),
/// the highest first-stage probability of each part before the unit and
/// after it, its place, and its cues (`cue_values`).
pub fn context_features(
    logits: &[[f64; 4]],
    i: usize,
    cue_values: &[f64],
) -> [f64; CONTEXT_FEATURES] {
    let n = logits.len();
    let at = |j: isize| -> [f64; 4] {
        usize::try_from(j)
            .ok()
            .and_then(|j| logits.get(j))
            .copied()
            .unwrap_or([0.0; 4])
    };
    let probability = |l: f64| 1.0 / (1.0 + (-l).exp());
    let strongest = |range: std::ops::Range<usize>| {
        let mut m = [0.0f64; 4];
        for l in &logits[range] {
            for k in 0..4 {
                m[k] = m[k].max(probability(l[k]));
            }
        }
        m
    };
    let i_signed = i as isize;
    let mut out = [0.0; CONTEXT_FEATURES];
    let blocks = [
        at(i_signed),
        at(i_signed - 1),
        at(i_signed + 1),
        at(i_signed - 2),
        at(i_signed + 2),
        strongest(0..i),
        strongest((i + 1).min(n)..n),
    ];
    for (b, block) in blocks.iter().enumerate() {
        out[b * 4..b * 4 + 4].copy_from_slice(block);
    }
    out[28..28 + PLACE_FEATURES].copy_from_slice(&place(i, n));
    for (slot, v) in out[28 + PLACE_FEATURES..].iter_mut().zip(cue_values) {
        *slot = *v;
    }
    out
}

/// Per part, the thresholds on the second stage's probability.
#[derive(Debug, Clone, Deserialize)]
pub struct Thresholds {
    /// A unit at or above this shows the part, and the part is present.
    pub present: [f64; 4],
    /// A unit at or above this (but none at `present`) makes the part weak.
    pub weak: [f64; 4],
}

#[derive(Debug, Deserialize)]
struct UnitWeights {
    /// Per n-gram: its idf, then one weight per part (S, T, A, R).
    ngrams: HashMap<String, [f64; 5]>,
    intercept: [f64; 4],
}

/// One node of a tree: the feature it splits on (negative at a leaf), the
/// threshold (a value at or under it goes left), the left and right
/// children's indices, and the leaf's value.
type Node = (i64, f64, usize, usize, f64);

#[derive(Debug, Deserialize)]
struct ContextWeights {
    /// Per part, the log-odds before any tree.
    baseline: [f64; 4],
    /// Per part, its trees; each tree's nodes, the root first.
    trees: Vec<Vec<Vec<Node>>>,
}

/// What one tree adds for `x`; `None` if the tree is malformed.
fn tree_value(tree: &[Node], x: &[f64]) -> Option<f64> {
    let mut i = 0;
    // A well-formed tree reaches a leaf in fewer steps than it has nodes.
    for _ in 0..=tree.len() {
        let &(feature, threshold, left, right, value) = tree.get(i)?;
        let Ok(feature) = usize::try_from(feature) else {
            return Some(value);
        };
        i = if *x.get(feature)? <= threshold {
            left
        } else {
            right
        };
    }
    None
}

#[derive(Debug, Deserialize)]
struct Weights {
    unit: UnitWeights,
    context: ContextWeights,
    thresholds: Thresholds,
}

/// A trained two-stage classifier.
#[derive(Debug)]
pub struct Model {
    weights: Weights,
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not the JSON the trainer writes.
    #[error("not STAR weights: {0}")]
    Json(#[from] serde_json::Error),
    /// The weights do not match this build's features.
    #[error("the weights do not match this build's features: {0}")]
    Shape(String),
}

impl Model {
    /// Reads weights written by `scripts/train-star`.
    pub fn from_json(json: &str) -> Result<Model, ModelError> {
        let weights: Weights = serde_json::from_str(json)?;
        let trees = &weights.context.trees;
        let x = [0.0; CONTEXT_FEATURES];
        let well_formed = trees.len() == 4
            && trees.iter().flatten().all(|tree| {
                tree.iter().all(|n| n.0 < CONTEXT_FEATURES as i64) && tree_value(tree, &x).is_some()
            });
        if !well_formed {
            return Err(ModelError::Shape(format!(
                "the second stage needs four sets of trees over {CONTEXT_FEATURES} features"
            )));
        }
        Ok(Model { weights })
    }

    /// The model trained on this repository's labelled answers. `None` only
    /// in a broken checkout, where a unit test fails.
    pub fn builtin() -> Option<&'static Model> {
        static MODEL: OnceLock<Option<Model>> = OnceLock::new();
        MODEL
            .get_or_init(|| Model::from_json(BUILTIN).ok())
            .as_ref()
    }

    /// The thresholds that make a part present or weak.
    pub fn thresholds(&self) -> &Thresholds {
        &self.weights.thresholds
    }

    /// The first stage's log-odds of each part for one unit, alone, from its
    /// tokens ([`cues::tokens`]).
    pub fn unit_logits(&self, tokens: &[String]) -> [f64; 4] {
        let u = &self.weights.unit;
        let mut counts: HashMap<&str, (f64, &[f64; 5])> = HashMap::new();
        for gram in cues::ngrams(tokens) {
            if let Some((gram, w)) = u.ngrams.get_key_value(gram.as_str()) {
                counts.entry(gram.as_str()).or_insert((0.0, w)).0 += 1.0;
            }
        }
        // Sublinear term frequency times idf, then unit length.
        let tfidf: Vec<(f64, &[f64; 5])> = counts
            .values()
            .map(|&(tf, w)| ((1.0 + tf.ln()) * w[0], w))
            .collect();
        let norm = tfidf.iter().map(|(v, _)| v * v).sum::<f64>().sqrt();
        let mut out = u.intercept;
        if norm > 0.0 {
            for (k, logit) in out.iter_mut().enumerate() {
                *logit += tfidf.iter().map(|(v, w)| v / norm * w[k + 1]).sum::<f64>();
            }
        }
        out
    }

    /// The second stage's probability of each part for every unit of an answer.
    pub fn probabilities(&self, units: &[&str]) -> Vec<[f64; 4]> {
        let tokens: Vec<Vec<String>> = units.iter().map(|t| cues::tokens(t)).collect();
        let logits: Vec<[f64; 4]> = tokens.iter().map(|t| self.unit_logits(t)).collect();
        let cue_values: Vec<Vec<f64>> = units
            .iter()
            .zip(&tokens)
            .map(|(text, t)| cues::features(text, t))
            .collect();
        let c = &self.weights.context;
        (0..units.len())
            .map(|i| {
                let x = context_features(&logits, i, &cue_values[i]);
                let mut p = [0.0; 4];
                for (k, p) in p.iter_mut().enumerate() {
                    let z = c.baseline[k]
                        + c.trees[k]
                            .iter()
                            .filter_map(|t| tree_value(t, &x))
                            .sum::<f64>();
                    *p = 1.0 / (1.0 + (-z).exp());
                }
                p
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Check {
        answers: Vec<Vec<String>>,
        probabilities: Vec<Vec<[f64; 4]>>,
    }

    #[derive(Deserialize)]
    struct WithCheck {
        check: Check,
    }

    #[test]
    fn the_builtin_weights_reproduce_the_trainers_probabilities() {
        let model = Model::builtin().expect("src/analysis/star/model.json reads");
        let check: WithCheck = serde_json::from_str(BUILTIN).unwrap();
        assert!(!check.check.answers.is_empty());
        for (answer, expected) in check.check.answers.iter().zip(&check.check.probabilities) {
            let units: Vec<&str> = answer.iter().map(String::as_str).collect();
            let got = model.probabilities(&units);
            for ((text, got), want) in answer.iter().zip(&got).zip(expected) {
                for k in 0..4 {
                    assert!(
                        (got[k] - want[k]).abs() < 1e-4,
                        "{text:?}: part {k}: {} but the trainer said {}",
                        got[k],
                        want[k]
                    );
                }
            }
        }
    }

    #[test]
    fn weights_of_the_wrong_shape_are_refused() {
        let json = r#"{"unit":{"ngrams":{},"intercept":[0,0,0,0]},
            "context":{"baseline":[0,0,0,0],"trees":[]},
            "thresholds":{"present":[0.5,0.5,0.5,0.5],"weak":[0.3,0.3,0.3,0.3]}}"#;
        assert!(matches!(Model::from_json(json), Err(ModelError::Shape(_))));
        assert!(matches!(Model::from_json("{}"), Err(ModelError::Json(_))));
    }

    #[test]
    fn a_tree_is_walked_from_its_root_to_a_leaf() {
        // x0 <= 0.5 ? (x1 <= 2 ? 1 : 2) : 3
        let tree: Vec<Node> = vec![
            (0, 0.5, 1, 2, 0.0),
            (1, 2.0, 3, 4, 0.0),
            (-1, 0.0, 0, 0, 3.0),
            (-1, 0.0, 0, 0, 1.0),
            (-1, 0.0, 0, 0, 2.0),
        ];
        assert_eq!(tree_value(&tree, &[0.4, 1.0]), Some(1.0));
        assert_eq!(tree_value(&tree, &[0.4, 3.0]), Some(2.0));
        assert_eq!(tree_value(&tree, &[0.6, 0.0]), Some(3.0));
        // A loop or a child that is not there is refused, not followed forever.
        assert_eq!(tree_value(&[(0, 0.5, 0, 0, 0.0)], &[0.0]), None);
        assert_eq!(tree_value(&[(0, 0.5, 7, 7, 0.0)], &[0.0]), None);
    }

    #[test]
    fn context_features_are_zero_past_the_ends() {
        let logits = vec![[1.0, 2.0, 3.0, 4.0]];
        let cue_values = vec![0.5; cues::FEATURES.len()];
        let x = context_features(&logits, 0, &cue_values);
        assert_eq!(&x[0..4], &[1.0, 2.0, 3.0, 4.0]);
        assert!(x[4..28].iter().all(|&v| v == 0.0));
        assert_eq!(&x[28..32], &[0.0, 1.0, 1.0, 1.0]);
        assert!(x[32..].iter().all(|&v| v == 0.5));
    }
}
