//! STAR structure: which units of the answer tell the Situation, the Task,
//! the Action and the Result, when each part was said, and how sure the
//! report can be of each.
//!
//! The transcript is cut into sentence-sized units from its punctuation and
//! the audio's pauses ([`units`]); each unit is read for its words and a few
//! grammatical cues ([`cues`]); a two-stage classifier scores every unit for
//! every part, alone and then in the order of the answer ([`model`]); and
//! [`decide`] turns the scores into three states per part: **present** (a
//! unit confidently tells it, and [`evidence`] does not rule the unit out
//! for that part), **weak** (only a doubtful or ruled-out unit does) and
//! **missing**. A part wrongly called present costs the candidate more than
//! one missed, so the thresholds are set by that cost. Pure: no I/O.

pub mod cues;
mod decide;
pub mod evidence;
pub mod model;
pub mod units;

use serde::{Deserialize, Serialize};

use crate::analysis::timing::Span;
use crate::transcribe::Word;
pub use cues::is_quantified;
pub use model::Model;
pub use units::Unit;

/// How sure the report is that the answer tells a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartState {
    /// At least one unit confidently tells it.
    Present,
    /// Only doubtful evidence: a vague or low-confidence unit.
    Weak,
    /// Nothing in the answer tells it.
    #[default]
    Missing,
}

/// Evidence for one STAR part.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "PartRecord")]
pub struct Part {
    /// True only when the part is [`PartState::Present`] (the field older
    /// readers of the JSON know).
    pub present: bool,
    /// Present, weak or missing.
    pub state: PartState,
    /// The units that show it (for a weak part, the doubtful one).
    pub evidence: Vec<String>,
    /// Start of the first such unit.
    pub start_s: Option<f64>,
    /// End of the last such unit.
    pub end_s: Option<f64>,
    /// Fraction of the answer's spoken time these units take.
    pub share: f64,
}

/// A [`Part`] as stored: analyses written before the three states have no
/// `state`, which then follows `present`.
#[derive(Deserialize)]
struct PartRecord {
    present: bool,
    #[serde(default)]
    state: Option<PartState>,
    #[serde(default)]
    evidence: Vec<String>,
    #[serde(default)]
    start_s: Option<f64>,
    #[serde(default)]
    end_s: Option<f64>,
    #[serde(default)]
    share: f64,
}

impl From<PartRecord> for Part {
    fn from(r: PartRecord) -> Part {
        let state = r.state.unwrap_or(if r.present {
            PartState::Present
        } else {
            PartState::Missing
        });
        Part {
            present: state == PartState::Present,
            state,
            evidence: r.evidence,
            start_s: r.start_s,
            end_s: r.end_s,
            share: r.share,
        }
    }
}

/// The Action part, with who did the work.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionPart {
    /// Evidence and timing.
    #[serde(flatten)]
    pub part: Part,
    /// "I" in the actions.
    pub i_count: usize,
    /// "we" in the actions.
    pub we_count: usize,
}

/// The Result part, with whether it is measured.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResultPart {
    /// Evidence and timing.
    #[serde(flatten)]
    pub part: Part,
    /// Numbers, percentages, times or money in the result.
    pub quantified: bool,
}

/// STAR coverage of an answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Star {
    /// Context.
    pub situation: Part,
    /// Goal or responsibility.
    pub task: Part,
    /// What was done.
    pub action: ActionPart,
    /// What changed.
    pub result: ResultPart,
    /// Every unit of the answer with the parts it shows (named `sentences`
    /// in the JSON since the first schema).
    pub sentences: Vec<Labelled>,
}

/// A unit and the STAR parts it shows ('S', 'T', 'A', 'R').
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    /// The unit.
    #[serde(flatten)]
    pub unit: Unit,
    /// The present parts it shows.
    pub parts: Vec<char>,
    /// The weak parts it is the doubtful evidence of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weak: Vec<char>,
}

/// The four parts in order, with their letters.
pub const PARTS: [(char, &str); 4] = [
    ('S', "Situation"),
    ('T', "Task"),
    ('A', "Action"),
    ('R', "Result"),
];

impl Star {
    /// The parts in S, T, A, R order.
    pub fn parts(&self) -> [&Part; 4] {
        [
            &self.situation,
            &self.task,
            &self.action.part,
            &self.result.part,
        ]
    }

    /// How many of the four parts are present.
    pub fn parts_present(&self) -> usize {
        self.parts().iter().filter(|p| p.present).count()
    }

    /// Presence as a string such as "ST-R" (weak parts show as "-": they are
    /// not shown as there).
    pub fn letters(&self) -> String {
        self.parts()
            .iter()
            .zip(PARTS)
            .map(|(p, (letter, _))| if p.present { letter } else { '-' })
            .collect()
    }
}

/// Detects the STAR parts of an answer from its words (snapped onto speech)
/// and its speech stretches, with the built-in classifier.
pub fn star(words: &[Word], spans: &[Span]) -> Star {
    match Model::builtin() {
        Some(model) => star_with(words, spans, model),
        None => decide::nothing_shown(units::units(words, spans)),
    }
}

/// The same with a given classifier (one trained with some answers left out,
/// to score it on them).
pub fn star_with(words: &[Word], spans: &[Span], model: &Model) -> Star {
    let units = units::units(words, spans);
    let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
    let probabilities = model.probabilities(&texts);
    decide::decide(units, &probabilities, model.thresholds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_analysis_without_states_reads_its_states_from_present() {
        let old = r#"{"present":true,"evidence":["x"],"start_s":1.0,"end_s":2.0,"share":0.5}"#;
        let p: Part = serde_json::from_str(old).unwrap();
        assert_eq!(p.state, PartState::Present);
        let old = r#"{"present":false,"evidence":[],"start_s":null,"end_s":null,"share":0.0}"#;
        let p: Part = serde_json::from_str(old).unwrap();
        assert_eq!(p.state, PartState::Missing);
    }

    #[test]
    fn a_weak_part_is_not_present_in_the_json() {
        let p = Part {
            present: false,
            state: PartState::Weak,
            evidence: vec!["we hope it helps".into()],
            start_s: Some(1.0),
            end_s: Some(2.0),
            share: 0.1,
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["state"], "weak");
        assert_eq!(json["present"], false);
        let back: Part = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
    }
}
