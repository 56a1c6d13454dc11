//! The few numbers tracked across answers (history columns, trend charts),
//! and the ranges a good answer falls in.

use serde::{Deserialize, Serialize};

use super::Analysis;

/// The key figures of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Words per minute over the answer.
    pub wpm: f64,
    /// Filler words per minute.
    pub fillers_per_min: f64,
    /// STAR parts present, 0–4.
    pub star_parts: u8,
    /// Length of the answer (first to last word), seconds.
    pub answer_s: f64,
    /// Thinking time before the first word, seconds.
    pub thinking_s: f64,
}

impl Metrics {
    /// The figures of an analysis.
    pub fn of(a: &Analysis) -> Metrics {
        let star_parts = a.star.parts_present() as u8;
        Metrics {
            wpm: a.timing.wpm,
            fillers_per_min: a.fillers.per_minute,
            star_parts,
            answer_s: a.timing.answer_s,
            thinking_s: a.timing.thinking_s,
        }
    }
}

/// A range a figure should fall in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Lowest good value.
    pub low: f64,
    /// Highest good value.
    pub high: f64,
}

impl Target {
    /// How far `value` is outside the range (0 inside it).
    pub fn miss(&self, value: f64) -> f64 {
        if value < self.low {
            self.low - value
        } else if value > self.high {
            value - self.high
        } else {
            0.0
        }
    }
}

/// A conversational interview pace, words per minute.
pub const PACE_WPM: Target = Target {
    low: 130.0,
    high: 160.0,
};

/// Fillers per minute that listeners do not notice.
pub const FILLERS_PER_MIN: Target = Target {
    low: 0.0,
    high: 2.0,
};

/// Thinking time before the first word that reads as composure, seconds.
pub const THINKING_S: Target = Target {
    low: 0.5,
    high: 3.0,
};

/// Answer length as a share of the question's target.
pub const LENGTH_RATIO: Target = Target {
    low: 0.75,
    high: 1.25,
};

/// The length range for a question whose target is `target_s` seconds.
pub fn length_target(target_s: f64) -> Target {
    Target {
        low: target_s * LENGTH_RATIO.low,
        high: target_s * LENGTH_RATIO.high,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miss_is_zero_inside_and_the_distance_outside() {
        assert_eq!(PACE_WPM.miss(140.0), 0.0);
        assert_eq!(PACE_WPM.miss(100.0), 30.0);
        assert_eq!(PACE_WPM.miss(170.0), 10.0);
        assert_eq!(length_target(120.0).high, 150.0);
    }
}
