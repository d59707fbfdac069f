//! Client-side token buckets, one per region and ECS action group, shared by every call in the
//! process: a request waits here until its bucket allows it, instead of being sent into an
//! empty bucket and retried. A bucket paces nothing until AWS first throttles one of its
//! requests (an account's quotas may be raised above the published ones); from then on it
//! paces, seeded with ECS's published burst and sustained rates, and learns (AIMD): a throttle
//! empties it and halves its burst and rate (at most once a second); each call that succeeds
//! gives a little back, up to the published rates. A request waiting for a token reserves
//! nothing ahead and asks again: a wait computed at yesterday's rate never outlives a cut or a
//! recovery.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bucket's published capacity: burst (maximum tokens) and sustained (tokens per second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub burst: f64,
    pub sustained: f64,
}

const fn rates(burst: f64, sustained: f64) -> Rates {
    Rates { burst, sustained }
}

/// ECS's action groups and their buckets, per account and region, from the ECS API reference,
/// "Request throttling for the Amazon ECS API"
/// (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html>).
/// Actions ecs-ship does not call share one generous bucket per service.
const ECS_GROUPS: &[(&[&str], Rates)] = &[
    (&["DescribeClusters", "ListClusters"], rates(50.0, 20.0)),
    (
        &["RegisterTaskDefinition", "DeregisterTaskDefinition"],
        rates(20.0, 1.0),
    ),
    (
        &[
            "DescribeTaskDefinition",
            "ListTaskDefinitions",
            "ListTaskDefinitionFamilies",
        ],
        rates(50.0, 20.0),
    ),
    (&["DeleteTaskDefinitions"], rates(5.0, 1.0)),
    (&["DescribeCapacityProviders"], rates(50.0, 20.0)),
    (&["TagResource", "UntagResource"], rates(20.0, 10.0)),
    (&["ListTagsForResource"], rates(50.0, 20.0)),
    (
        &["RunTask", "StartTask", "StopTask", "ExecuteCommand"],
        rates(100.0, 40.0),
    ),
    (
        &[
            "DescribeTasks",
            "ListTasks",
            "DescribeContainerInstances",
            "ListContainerInstances",
        ],
        rates(100.0, 20.0),
    ),
    (
        &["CreateService", "DeleteService", "UpdateService"],
        rates(50.0, 5.0),
    ),
    (&["DescribeServices", "ListServices"], rates(100.0, 20.0)),
    (
        &["DescribeServiceDeployments", "ListServiceDeployments"],
        rates(50.0, 20.0),
    ),
    (&["DescribeServiceRevisions"], rates(50.0, 20.0)),
    (&["ListServicesByNamespace"], rates(10.0, 1.0)),
];

/// Other services' actions (and ECS actions not in the table): paced only once they throttle.
const UNLISTED: Rates = rates(50.0, 20.0);

/// At most one cut per this long: throttles that follow a cut at once answer requests that
/// were paced for the old rate, not for the new one.
const CUT_EVERY: Duration = Duration::from_secs(1);

/// The learned rate never drops below this: a poll every couple of seconds stays possible.
const MIN_RATE: f64 = 0.5;
/// What one success gives back, as a share of the published rates: a bucket cut to its floor
/// is back at full speed after this many calls have gone through.
const SUCCESSES_TO_RECOVER: f64 = 40.0;

/// Which bucket an action draws from: the service's group for it, else the service's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BucketKey {
    region: String,
    service: String,
    group: usize,
}

impl BucketKey {
    pub fn new(region: &str, service: &str, operation: &str) -> Self {
        let group = if service == "ecs" {
            ECS_GROUPS
                .iter()
                .position(|(actions, _)| actions.contains(&operation))
                .unwrap_or(ECS_GROUPS.len())
        } else {
            ECS_GROUPS.len()
        };
        BucketKey {
            region: region.to_string(),
            service: service.to_string(),
            group,
        }
    }

    fn rates(&self) -> Rates {
        ECS_GROUPS
            .get(self.group)
            .map_or(UNLISTED, |(_, rates)| *rates)
    }
}

#[derive(Debug)]
struct Bucket {
    published: Rates,
    /// The share of the published burst and rate this bucket allows now; `None` until AWS first
    /// throttled it (no pacing before that).
    scale: Option<f64>,
    tokens: f64,
    at: Instant,
    /// When the last cut happened: requests sent before it that come back throttled were
    /// sent into the bucket the cut already accounts for, and do not cut again.
    last_cut: Option<Instant>,
}

impl Bucket {
    fn new(published: Rates, now: Instant) -> Self {
        Bucket {
            published,
            scale: None,
            tokens: 0.0,
            at: now,
            last_cut: None,
        }
    }

    /// Tokens per second now.
    fn rate(&self) -> f64 {
        self.published.sustained * self.scale.unwrap_or(1.0)
    }

    fn capacity(&self) -> f64 {
        (self.published.burst * self.scale.unwrap_or(1.0)).max(1.0)
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate()).min(self.capacity());
        self.at = self.at.max(now);
    }

    /// Takes a token if there is one (or the bucket paces nothing yet); else how long until
    /// there is one at the current rate. Nothing is reserved ahead: a request that waits asks
    /// again, so a cut or a recovery applies to every request still waiting.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        // A bucket AWS never throttled paces nothing: no scale, no wait.
        self.scale?;
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return None;
        }
        Some(Duration::from_secs_f64((1.0 - self.tokens) / self.rate()))
    }

    /// A request sent at `sent` came back throttled at `now`.
    fn throttled(&mut self, sent: Instant, now: Instant) {
        self.refill(now);
        // The server's bucket is empty: what this one thought it held is not there.
        self.tokens = 0.0;
        if self
            .last_cut
            .is_some_and(|cut| sent < cut || now.saturating_duration_since(cut) < CUT_EVERY)
        {
            return;
        }
        let floor = (MIN_RATE / self.published.sustained).min(1.0);
        self.scale = Some((self.scale.unwrap_or(1.0) / 2.0).max(floor));
        self.last_cut = Some(now);
    }

    fn succeeded(&mut self) {
        if let Some(scale) = self.scale {
            self.scale = Some((scale + 1.0 / SUCCESSES_TO_RECOVER).min(1.0));
        }
    }
}

/// Every bucket of the process.
#[derive(Debug, Default)]
pub struct Pacer {
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
}

impl Pacer {
    /// Takes a token of `key`'s bucket, or says how long until one is there (then ask again).
    pub fn take(&self, key: &BucketKey, now: Instant) -> Option<Duration> {
        self.with(key, now, |bucket| bucket.take(now))
    }

    /// AWS throttled a request of `key`'s bucket sent at `sent`.
    pub fn throttled(&self, key: &BucketKey, sent: Instant, now: Instant) {
        self.with(key, now, |bucket| bucket.throttled(sent, now));
    }

    /// A request of `key`'s bucket went through.
    pub fn succeeded(&self, key: &BucketKey, now: Instant) {
        self.with(key, now, Bucket::succeeded);
    }

    /// The rate `key`'s bucket allows now (tokens per second).
    #[cfg(test)]
    pub fn rate(&self, key: &BucketKey, now: Instant) -> f64 {
        self.with(key, now, |bucket| bucket.rate())
    }

    fn with<T>(&self, key: &BucketKey, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().expect("pacer lock");
        let bucket = buckets
            .entry(key.clone())
            .or_insert_with(|| Bucket::new(key.rates(), now));
        f(bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(operation: &str) -> BucketKey {
        BucketKey::new("us-east-1", "ecs", operation)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn actions_of_one_group_share_a_bucket_per_region() {
        assert_eq!(key("DescribeTasks"), key("ListTasks"));
        assert_ne!(key("DescribeTasks"), key("DescribeServices"));
        assert_ne!(
            key("UpdateService"),
            BucketKey::new("eu-west-1", "ecs", "UpdateService")
        );
        assert_eq!(key("UpdateService").rates(), rates(50.0, 5.0));
        assert_eq!(key("RegisterTaskDefinition").rates(), rates(20.0, 1.0));
        assert_eq!(key("SomethingNew").rates(), UNLISTED);
        assert_eq!(
            BucketKey::new("us-east-1", "logs", "GetLogEvents").rates(),
            UNLISTED
        );
    }

    #[test]
    fn nothing_waits_before_the_first_throttle_then_requests_are_spaced() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let key = key("UpdateService");
        assert!((0..200).all(|_| pacer.take(&key, start).is_none()));
        pacer.throttled(&key, start, start);
        // Half the published 5/s, from an empty bucket.
        assert_eq!(pacer.take(&key, start), Some(ms(400)));
        assert_eq!(pacer.take(&key, start + ms(400)), None);
        assert_eq!(pacer.take(&key, start + ms(600)), Some(ms(200)));
    }

    #[test]
    fn a_request_waiting_for_a_token_gets_the_rate_of_when_it_asks_again() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let key = key("UpdateService");
        pacer.throttled(&key, start, start);
        assert_eq!(pacer.take(&key, start), Some(ms(400)));
        // A second cut while it waits: the token it waits for now comes at 1.25/s.
        pacer.throttled(&key, start + ms(100), start + CUT_EVERY + ms(100));
        let later = start + CUT_EVERY + ms(100);
        assert_eq!(pacer.take(&key, later), Some(ms(800)));
    }

    #[test]
    fn requests_sent_before_a_cut_do_not_cut_again() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let key = key("DescribeServices");
        for _ in 0..5 {
            pacer.throttled(&key, start, start + ms(10));
        }
        assert_eq!(pacer.rate(&key, start), 10.0);
        // A request sent after the cut and throttled again: the bucket is smaller still.
        let later = start + CUT_EVERY + ms(10);
        pacer.throttled(&key, later, later + ms(10));
        assert_eq!(pacer.rate(&key, start), 5.0);
    }

    #[test]
    fn a_throttle_within_a_second_of_a_cut_empties_the_bucket_but_does_not_cut_again() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let key = key("UpdateService");
        pacer.throttled(&key, start, start);
        assert_eq!(pacer.take(&key, start + ms(400)), None);
        pacer.throttled(&key, start + ms(400), start + ms(500));
        assert_eq!(pacer.rate(&key, start), 2.5);
        assert_eq!(pacer.take(&key, start + ms(500)), Some(ms(400)));
    }

    #[test]
    fn the_rate_never_drops_below_the_floor_and_successes_bring_it_back() {
        let pacer = Pacer::default();
        let mut now = Instant::now();
        let key = key("DescribeTasks");
        for _ in 0..10 {
            pacer.throttled(&key, now, now);
            now += CUT_EVERY;
        }
        assert_eq!(pacer.rate(&key, now), MIN_RATE);
        for _ in 0..SUCCESSES_TO_RECOVER as usize / 2 {
            pacer.succeeded(&key, now);
        }
        let halfway = pacer.rate(&key, now);
        assert!(halfway > 5.0 && halfway < 20.0, "{halfway}");
        for _ in 0..SUCCESSES_TO_RECOVER as usize {
            pacer.succeeded(&key, now);
        }
        assert_eq!(pacer.rate(&key, now), 20.0);
    }
}
