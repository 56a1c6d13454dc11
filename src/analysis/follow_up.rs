//! Which follow-up question an interviewer would ask: the biggest gap in a
//! behavioural answer, if there is one. Pure.

use serde::{Deserialize, Serialize};

use super::Analysis;
use super::star::PartState;

/// A gap worth one follow-up question, most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// No Result at all.
    Result,
    /// No Action.
    Action,
    /// Actions told only with "we".
    PersonalAction,
    /// A Result with no number in it.
    ResultNumbers,
    /// No Task.
    Task,
    /// No Situation.
    Situation,
}

impl Gap {
    /// Its name in bank files and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Gap::Result => "result",
            Gap::Action => "action",
            Gap::PersonalAction => "personal_action",
            Gap::ResultNumbers => "result_numbers",
            Gap::Task => "task",
            Gap::Situation => "situation",
        }
    }
}

/// The one gap to ask about, for a behavioural answer; technical answers
/// get none (STAR does not apply to them). A weak part is asked about like a
/// missing one: an interviewer who only half heard the outcome asks for it.
pub fn gap(a: &Analysis, behavioral: bool) -> Option<Gap> {
    if !behavioral {
        return None;
    }
    let s = &a.star;
    let unclear = |p: &super::star::Part| p.state != PartState::Present;
    if unclear(&s.result.part) {
        Some(Gap::Result)
    } else if unclear(&s.action.part) {
        Some(Gap::Action)
    } else if s.action.i_count == 0 && s.action.we_count > 0 {
        Some(Gap::PersonalAction)
    } else if !s.result.quantified {
        Some(Gap::ResultNumbers)
    } else if unclear(&s.task) {
        Some(Gap::Task)
    } else if unclear(&s.situation) {
        Some(Gap::Situation)
    } else {
        None
    }
}
