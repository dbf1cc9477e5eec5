//! Calendar dates as the warehouse stores them (`YYYY-MM-DD` text), without a date-time crate:
//! the seeder counts days and the API checks `from`/`to` and stamps new orders.

use std::time::{SystemTime, UNIX_EPOCH};

/// A proleptic Gregorian date; `Ord` is chronological, so ranges compare directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// The date, or `None` when it does not exist (`2026-02-30`).
    pub(crate) fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Self { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (the form SQLite's `date()` writes and the schema checks).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let shape = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape {
            return None;
        }
        let year = text[0..4].parse().ok()?;
        let month = text[5..7].parse().ok()?;
        let day = text[8..10].parse().ok()?;
        Self::new(year, month, day)
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub(crate) fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, by Howard Hinnant's `civil_from_days`.
    pub(crate) fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Today in UTC, from the system clock (1970-01-01 if the clock is before it).
    pub(crate) fn today() -> Self {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self::from_days((seconds / 86_400) as i64)
    }

    /// The month, 1 to 12.
    pub(crate) fn month(self) -> u32 {
        self.month
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(
            Date::parse("2026-02-28").map(|d| d.to_string()),
            Some("2026-02-28".into())
        );
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00:00:00Z",
            "2026/01/01",
            "+026-01-01",
            "",
            "x' OR '1'='1",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_round_trip() {
        assert_eq!(Date::new(1970, 1, 1).map(Date::to_days), Some(0));
        assert_eq!(Date::new(2025, 1, 1).map(Date::to_days), Some(20_089));
        for days in 19_000..22_000 {
            let date = Date::from_days(days);
            assert_eq!(date.to_days(), days);
            assert_eq!(Date::parse(&date.to_string()), Some(date));
        }
    }
}
