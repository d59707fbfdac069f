//! Durations as users type them: `10s`, `5m`, `1h30m`, `500ms`, or a bare number of seconds.

use std::time::Duration;

/// The longest duration any flag takes (a year). Longer ones are refused when parsed, so no
/// deadline computed from one (`Instant::now() + timeout`) can overflow.
pub const MAX: Duration = Duration::from_secs(366 * 24 * 3600);

pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; use e.g. 10s, 5m, 1h30m or a number of seconds".into());
    }
    let too_long = || format!("`{text}` is longer than the 366 days (8784h) a duration may be");
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
            .filter(|d| *d <= MAX)
            .ok_or_else(too_long);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_len = rest[digits..]
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len() - digits);
        let (number, unit) = (&rest[..digits], &rest[digits..digits + unit_len]);
        let value: u64 = number.parse().map_err(|_| {
            format!("invalid duration `{text}`: use e.g. 10s, 5m, 1h30m or a number of seconds")
        })?;
        let millis_per_unit: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => {
                return Err(format!(
                    "invalid duration `{text}`: unknown unit `{unit}` (use ms, s, m or h)"
                ))
            }
        };
        total = value
            .checked_mul(millis_per_unit)
            .map(Duration::from_millis)
            .and_then(|part| total.checked_add(part))
            .filter(|total| *total <= MAX)
            .ok_or_else(too_long)?;
        rest = &rest[digits + unit_len..];
    }
    Ok(total)
}

/// `1m05s`-style rendering for progress lines.
pub fn human(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..=59 => format!("{seconds}s"),
        60..=3599 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!(
            "{}h{:02}m{:02}s",
            seconds / 3600,
            seconds % 3600 / 60,
            seconds % 60
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_units_combinations_and_bare_seconds() {
        assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("42"), Ok(Duration::from_secs(42)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects_garbage_with_a_hint() {
        for bad in ["", "ten", "5x", "m5", "1.5s", "-3"] {
            let error = parse(bad).unwrap_err();
            assert!(
                error.contains("duration") || error.contains("unit"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn durations_that_do_not_fit_are_refused_not_wrapped() {
        for huge in [
            "9223372036854775807",
            "18446744073709551615",
            "99999999999999999999999",
            "18446744073709551615h",
            "9223372036854775807ms9223372036854775807ms",
            "5124095576030431h",
            "367d",
            "8785h",
            "31622401",
        ] {
            let error = parse(huge).unwrap_err();
            assert!(
                error.contains("longer than") || error.contains("unknown unit"),
                "{huge}: {error}"
            );
        }
        assert_eq!(parse("8784h"), Ok(MAX));
        assert_eq!(parse("31622400"), Ok(MAX));
        // The largest accepted duration still gives a deadline.
        assert!(std::time::Instant::now().checked_add(MAX).is_some());
    }

    #[test]
    fn renders_compactly() {
        assert_eq!(human(Duration::from_secs(7)), "7s");
        assert_eq!(human(Duration::from_secs(65)), "1m05s");
        assert_eq!(human(Duration::from_secs(3725)), "1h02m05s");
    }
}
