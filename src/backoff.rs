//! Jittered exponential backoff, shared by the AWS client and the Slack sender.

use std::time::Duration;

use rand::Rng;

/// `first · 2^(attempt-1)`, capped at `cap`, then a random 50–100% of that: retries spread out
/// instead of arriving together.
pub fn jittered(first: Duration, attempt: u32, cap: Duration) -> Duration {
    let step = first
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(cap);
    step.mul_f64(rand::rng().random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_first_with_jitter_and_stays_under_the_cap() {
        let first = Duration::from_millis(500);
        for attempt in 1..6 {
            let step = first * 2u32.pow(attempt - 1);
            let wait = jittered(first, attempt, Duration::from_secs(60));
            assert!(wait <= step && wait >= step / 2, "{attempt}: {wait:?}");
        }
        for attempt in 1..40 {
            assert!(jittered(first, attempt, Duration::from_secs(20)) <= Duration::from_secs(20));
        }
    }
}
