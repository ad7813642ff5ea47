//! When to try a failed delivery again: exponential backoff with full jitter, capped, for a bounded
//! number of attempts.

use std::time::Duration;

/// Retry pacing. After the `n`-th failed attempt the next one waits a random time between zero and
/// `min(max, base × 2^(n-1))` ("full jitter", which spreads the retries of many messages that
/// failed together); after `attempts` attempts the message is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait.
    pub base: Duration,
    /// No wait is longer than this.
    pub max: Duration,
    /// Attempts in all, the first included.
    pub attempts: u32,
}

impl Default for Backoff {
    /// Ten attempts; the waits between them are at most 30 s, 1, 2, 4, 8, 16 and 32 minutes, then
    /// 1 hour twice: a message is given up at most 3 h 4 min after its first attempt (about half
    /// that on average).
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            attempts: 10,
        }
    }
}

impl Backoff {
    /// How long to wait after `attempt` attempts have failed (1 after the first), given `random`
    /// drawn uniformly from `[0, 1)` (values outside are clamped).
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        self.ceiling(attempt).mul_f64(random.clamp(0.0, 1.0))
    }

    /// The longest wait after `attempt` failed attempts: `min(max, base × 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(1023) as i32;
        let ceiling = self.base.as_secs_f64() * 2f64.powi(doublings);
        if ceiling >= self.max.as_secs_f64() {
            self.max
        } else {
            Duration::from_secs_f64(ceiling)
        }
    }

    /// Whether `attempt` attempts are all there may be.
    pub fn is_exhausted(&self, attempt: u32) -> bool {
        attempt >= self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff() -> Backoff {
        Backoff {
            base: Duration::from_secs(10),
            max: Duration::from_secs(300),
            attempts: 5,
        }
    }

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let b = backoff();
        let ceilings: Vec<u64> = (1..=7).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(b.ceiling(0), Duration::from_secs(10));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(300));
    }

    #[test]
    fn delay_is_between_zero_and_the_ceiling() {
        let b = backoff();
        for attempt in 1..40 {
            for random in [0.0, 0.25, 0.5, 0.999_999] {
                let delay = b.delay(attempt, random);
                assert!(
                    delay <= b.ceiling(attempt),
                    "attempt {attempt}, random {random}"
                );
            }
        }
        assert_eq!(b.delay(3, 0.0), Duration::ZERO);
        assert_eq!(b.delay(3, 0.5), Duration::from_secs(20));
        assert_eq!(b.delay(3, -1.0), Duration::ZERO);
        assert_eq!(b.delay(3, 7.0), Duration::from_secs(40));
    }

    #[test]
    fn huge_base_saturates_at_max() {
        let b = Backoff {
            base: Duration::from_secs(u64::MAX / 2),
            max: Duration::from_secs(60),
            attempts: 3,
        };
        assert_eq!(b.ceiling(40), Duration::from_secs(60));
        let tiny = Backoff {
            base: Duration::from_nanos(1),
            max: Duration::from_secs(600),
            attempts: 3,
        };
        let ceiling = tiny.ceiling(40).as_secs_f64();
        assert!((ceiling - 549.755_813_888).abs() < 1e-6, "{ceiling}");
    }

    #[test]
    fn exhausted_after_the_last_attempt() {
        let b = backoff();
        assert!(!b.is_exhausted(0));
        assert!(!b.is_exhausted(4));
        assert!(b.is_exhausted(5));
        assert!(b.is_exhausted(6));
    }

    #[test]
    fn default_gives_up_within_three_hours_and_four_minutes() {
        let b = Backoff::default();
        let total: Duration = (1..b.attempts).map(|n| b.ceiling(n)).sum();
        assert_eq!(total, Duration::from_secs(11_010));
    }
}
