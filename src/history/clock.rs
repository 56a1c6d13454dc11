//! UTC wall-clock times as text: `2026-11-29T23:31:25Z` in the history (it
//! sorts as it reads) and `20261129-233125` for folder names.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC civil time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    /// Year.
    pub year: i64,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
    /// Seconds into the day.
    pub second_of_day: u32,
}

impl Utc {
    /// Now.
    pub fn now() -> Utc {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Utc::from_unix(secs)
    }

    /// The civil time `secs` seconds after 1970-01-01 (H. Hinnant's algorithm).
    pub fn from_unix(secs: u64) -> Utc {
        let (days, rem) = ((secs / 86_400) as i64, (secs % 86_400) as u32);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Utc {
            year,
            month,
            day,
            second_of_day: rem,
        }
    }

    fn hms(&self) -> (u32, u32, u32) {
        let s = self.second_of_day;
        (s / 3600, s / 60 % 60, s % 60)
    }

    /// `2026-11-29T23:31:25Z`.
    pub fn rfc3339(&self) -> String {
        let (h, m, s) = self.hms();
        format!(
            "{:04}-{:02}-{:02}T{h:02}:{m:02}:{s:02}Z",
            self.year, self.month, self.day
        )
    }

    /// `20261129-233125`, for folder names.
    pub fn compact(&self) -> String {
        let (h, m, s) = self.hms();
        format!(
            "{:04}{:02}{:02}-{h:02}{m:02}{s:02}",
            self.year, self.month, self.day
        )
    }
}

/// Checks a `--since` value: `YYYY-MM-DD`, optionally followed by a time
/// (`THH:MM[:SS]Z`). Returns it as the history compares it (text order).
pub fn parse_since(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let date_ok = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    if !date_ok {
        return None;
    }
    let month: u32 = text[5..7].parse().ok()?;
    let day: u32 = text[8..10].parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    match &text[10..] {
        "" => Some(format!("{}T00:00:00Z", &text[..10])),
        rest if rest.starts_with('T')
            && rest.len() >= 6
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16) =>
        {
            Some(
                text.trim_end_matches('Z').to_string() + if rest.len() == 6 { ":00Z" } else { "Z" },
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(Utc::from_unix(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Utc::from_unix(951_782_400).rfc3339(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(Utc::from_unix(1_795_995_085).compact(), "20261129-233125");
    }

    #[test]
    fn since_accepts_dates_and_times_and_refuses_the_rest() {
        assert_eq!(
            parse_since("2026-11-01").as_deref(),
            Some("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            parse_since("2026-11-01T08:30").as_deref(),
            Some("2026-11-01T08:30:00Z")
        );
        assert_eq!(
            parse_since("2026-11-01T08:30:05Z").as_deref(),
            Some("2026-11-01T08:30:05Z")
        );
        assert_eq!(parse_since("2026-13-01"), None);
        assert_eq!(parse_since("yesterday"), None);
        assert_eq!(parse_since("2026-1-1"), None);
    }
}
