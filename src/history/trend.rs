//! Trends across answers to the same question: where each figure started,
//! where it is now, which way it is heading, and whether that is better.
//! Pure: rows in, trends out.

use serde::Serialize;

use super::store::AnswerRow;
use crate::analysis::metrics::{self, Metrics, Target};

/// Which way a figure is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Rising.
    Up,
    /// Falling.
    Down,
    /// Within the noise.
    Flat,
}

impl Direction {
    /// ↑, ↓ or →.
    pub fn arrow(self) -> char {
        match self {
            Direction::Up => '↑',
            Direction::Down => '↓',
            Direction::Flat => '→',
        }
    }
}

/// One figure over a question's answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Oldest first.
    pub values: Vec<f64>,
    /// The first value.
    pub first: f64,
    /// The latest value.
    pub last: f64,
    /// The change over the series along its least-squares line.
    pub change: f64,
    /// Which way it is heading.
    pub direction: Direction,
    /// Whether the latest value is closer to the target range than the first
    /// (`None` when neither is closer).
    pub better: Option<bool>,
}

/// The trends of one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionTrend {
    /// The question id.
    pub question_id: String,
    /// Analysed answers counted.
    pub answers: usize,
    /// Words per minute.
    pub wpm: Series,
    /// Fillers per minute.
    pub fillers_per_min: Series,
    /// STAR parts present, 0–4.
    pub star_parts: Series,
    /// Answer length, seconds.
    pub answer_s: Series,
}

/// Changes smaller than these are noise, not a trend.
const FLAT_WPM: f64 = 5.0;
const FLAT_FILLERS: f64 = 0.5;
const FLAT_STAR: f64 = 0.5;
const FLAT_LENGTH_S: f64 = 5.0;

/// The change along the least-squares line through `values`, first to last.
fn fitted_change(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    num / den * (n - 1.0)
}

/// A series from `values` (oldest first, at least one), judged against `target`.
pub fn series(values: Vec<f64>, flat_within: f64, target: Target) -> Series {
    let first = values.first().copied().unwrap_or(0.0);
    let last = values.last().copied().unwrap_or(0.0);
    let change = fitted_change(&values);
    let direction = if change > flat_within {
        Direction::Up
    } else if change < -flat_within {
        Direction::Down
    } else {
        Direction::Flat
    };
    let (was, is) = (target.miss(first), target.miss(last));
    let better = if (was - is).abs() < 1e-9 {
        None
    } else {
        Some(is < was)
    };
    Series {
        values,
        first,
        last,
        change,
        direction,
        better,
    }
}

/// Trends per question, for questions with at least two analysed answers,
/// in order of question id. `rows` must be oldest first.
pub fn trends(rows: &[AnswerRow]) -> Vec<QuestionTrend> {
    let mut by_question: std::collections::BTreeMap<&str, Vec<(&Metrics, Option<f64>)>> =
        Default::default();
    for r in rows {
        if let (Some(q), Some(m)) = (&r.question_id, &r.metrics) {
            by_question.entry(q).or_default().push((m, r.target_s));
        }
    }
    by_question
        .into_iter()
        .filter(|(_, answers)| answers.len() >= 2)
        .map(|(question_id, answers)| {
            let take = |f: fn(&Metrics) -> f64| answers.iter().map(|(m, _)| f(m)).collect();
            let length_target = answers.last().and_then(|(_, t)| *t).map_or(
                Target {
                    low: 0.0,
                    high: f64::MAX,
                },
                metrics::length_target,
            );
            QuestionTrend {
                question_id: question_id.to_string(),
                answers: answers.len(),
                wpm: series(take(|m| m.wpm), FLAT_WPM, metrics::PACE_WPM),
                fillers_per_min: series(
                    take(|m| m.fillers_per_min),
                    FLAT_FILLERS,
                    metrics::FILLERS_PER_MIN,
                ),
                star_parts: series(
                    take(|m| f64::from(m.star_parts)),
                    FLAT_STAR,
                    Target {
                        low: 4.0,
                        high: 4.0,
                    },
                ),
                answer_s: series(take(|m| m.answer_s), FLAT_LENGTH_S, length_target),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, question: &str, wpm: f64, fillers: f64, star: u8) -> AnswerRow {
        AnswerRow {
            id,
            session_id: 1,
            recorded_at: format!("2026-11-{id:02}T10:00:00Z"),
            question_id: Some(question.into()),
            status: "complete".into(),
            target_s: Some(90.0),
            metrics: Some(Metrics {
                wpm,
                fillers_per_min: fillers,
                star_parts: star,
                answer_s: 80.0,
                thinking_s: 1.0,
            }),
        }
    }

    #[test]
    fn directions_follow_the_fitted_line_and_better_follows_the_target() {
        let rows = [
            row(1, "q", 190.0, 6.0, 2),
            row(2, "q", 170.0, 3.0, 3),
            row(3, "q", 150.0, 1.0, 4),
            row(4, "solo", 150.0, 1.0, 4),
        ];
        let t = trends(&rows);
        assert_eq!(t.len(), 1, "one answer is not a trend");
        let q = &t[0];
        assert_eq!(q.answers, 3);
        assert_eq!(q.wpm.direction, Direction::Down);
        assert_eq!(q.wpm.better, Some(true));
        assert!((q.wpm.change + 40.0).abs() < 1e-9);
        assert_eq!(q.fillers_per_min.direction, Direction::Down);
        assert_eq!(q.fillers_per_min.better, Some(true));
        assert_eq!(q.star_parts.direction, Direction::Up);
        assert_eq!(q.star_parts.better, Some(true));
        assert_eq!(q.answer_s.direction, Direction::Flat);
        assert_eq!(q.answer_s.better, None);
    }

    #[test]
    fn one_outlier_does_not_flip_a_steady_trend() {
        let s = series(
            vec![120.0, 125.0, 200.0, 130.0, 135.0],
            FLAT_WPM,
            metrics::PACE_WPM,
        );
        assert_eq!(s.direction, Direction::Up);
        assert_eq!(fitted_change(&[3.0]), 0.0);
    }
}
