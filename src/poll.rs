//! The one polling loop every waiter shares: interval (short at first), timeout or attempt
//! limit, tolerance for throttled or failed polls, and cancellation by SIGINT / SIGTERM /
//! SIGHUP.
//! What "done" means is the caller's pure verdict function; this only drives it.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::duration::human;
use crate::error::{Error, Signal};
use crate::render::progress::Progress;

/// What one look at AWS concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    Done(T),
    /// Still going; the text describes the state for the live status line.
    Pending(String),
}

/// How a wait ended, when it did not end with an error.
pub enum Ended<T> {
    Done(T),
    TimedOut,
    Cancelled(Signal),
}

#[derive(Clone, Debug)]
pub struct Schedule {
    pub interval: Duration,
    /// `None`: no limit.
    pub timeout: Option<Duration>,
    pub max_attempts: Option<u32>,
}

impl Schedule {
    /// Polls come quickly at first (1s, 2s, …) so short tasks finish fast, then settle at `interval`.
    fn delay(&self, attempt: u32) -> Duration {
        Duration::from_secs(u64::from(attempt))
            .min(self.interval)
            .max(Duration::from_millis(100).min(self.interval))
    }
}

/// Fires on SIGINT / SIGTERM / SIGHUP; cloned into every waiter.
#[derive(Clone)]
pub struct Cancel {
    receiver: watch::Receiver<Option<Signal>>,
}

impl Cancel {
    /// Installs the signal handlers. Must run inside the tokio runtime.
    pub fn install() -> Self {
        let (sender, receiver) = watch::channel(None);
        tokio::spawn(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                // SIGHUP too: CI agents that lose their terminal send it, and a task left
                // running then is the worst outcome.
                let (Ok(mut interrupt), Ok(mut terminate), Ok(mut hangup)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                ) else {
                    return;
                };
                let received = tokio::select! {
                    _ = interrupt.recv() => Signal::Interrupt,
                    _ = terminate.recv() => Signal::Terminate,
                    _ = hangup.recv() => Signal::Hangup,
                };
                let _ = sender.send(Some(received));
            }
            #[cfg(not(unix))]
            {
                if tokio::signal::ctrl_c().await.is_ok() {
                    let _ = sender.send(Some(Signal::Interrupt));
                }
            }
        });
        Cancel { receiver }
    }

    /// Resolves when a signal arrives.
    pub async fn cancelled(&self) -> Signal {
        let mut receiver = self.receiver.clone();
        loop {
            if let Some(signal) = *receiver.borrow_and_update() {
                return signal;
            }
            if receiver.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Calls `step` until it is done, the schedule runs out, or a signal arrives. A step that fails
/// with a transient AWS error (already retried inside the client) is reported and the wait goes on.
pub async fn wait<T, F, Fut>(
    schedule: &Schedule,
    cancel: &Cancel,
    progress: &Progress,
    mut step: F,
) -> Result<Ended<T>, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Step<T>, Error>>,
{
    let started = Instant::now();
    let deadline = schedule.timeout.map(|t| started + t);
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        // A slow or throttled look at AWS never carries the wait past its deadline.
        let outcome = tokio::select! {
            signal = cancel.cancelled() => return Ok(Ended::Cancelled(signal)),
            () = until(deadline) => {
                progress.clear_status();
                return Ok(Ended::TimedOut);
            }
            outcome = crate::aws::polling(step()) => outcome,
        };
        let state = match outcome {
            Ok(Step::Done(value)) => {
                progress.clear_status();
                return Ok(Ended::Done(value));
            }
            Ok(Step::Pending(state)) => state,
            Err(Error::Aws(error)) if error.is_transient() => {
                progress.warn(format_args!("{error} (will keep waiting)"));
                "last poll failed".to_string()
            }
            Err(error) => {
                progress.clear_status();
                return Err(error);
            }
        };
        if schedule.max_attempts.is_some_and(|max| attempt >= max) {
            progress.clear_status();
            return Ok(Ended::TimedOut);
        }
        let mut delay = schedule.delay(attempt);
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                progress.clear_status();
                return Ok(Ended::TimedOut);
            }
            delay = delay.min(left);
        }
        progress.status(format_args!(
            "{state} · {} elapsed · next poll in {}",
            human(started.elapsed()),
            human(delay.max(Duration::from_secs(1)))
        ));
        tokio::select! {
            signal = cancel.cancelled() => {
                progress.clear_status();
                return Ok(Ended::Cancelled(signal));
            }
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Resolves at `deadline`; never without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AwsError, Service};
    use std::sync::atomic::{AtomicU32, Ordering};

    fn schedule(timeout: Option<Duration>, max_attempts: Option<u32>) -> Schedule {
        Schedule {
            interval: Duration::from_millis(10),
            timeout,
            max_attempts,
        }
    }

    fn never_cancelled() -> Cancel {
        let (sender, receiver) = watch::channel(None);
        std::mem::forget(sender);
        Cancel { receiver }
    }

    #[test]
    fn delays_ramp_up_to_the_interval() {
        let s = Schedule {
            interval: Duration::from_secs(5),
            timeout: None,
            max_attempts: None,
        };
        let delays: Vec<u64> = (1..=7).map(|a| s.delay(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 3, 4, 5, 5, 5]);
    }

    #[tokio::test]
    async fn transient_failures_do_not_end_the_wait() {
        let calls = AtomicU32::new(0);
        let throttled = || {
            AwsError::new(
                Service::Ecs,
                "DescribeTasks",
                "ThrottlingException",
                "Rate exceeded",
                Some(400),
            )
        };
        let ended = wait(
            &schedule(Some(Duration::from_secs(10)), None),
            &never_cancelled(),
            &Progress::new(true, false),
            || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 3 {
                        Err(Error::Aws(throttled()))
                    } else {
                        Ok(Step::Done(n))
                    }
                }
            },
        )
        .await
        .unwrap();
        assert!(matches!(ended, Ended::Done(3)));
    }

    #[tokio::test]
    async fn a_step_that_hangs_ends_at_the_deadline() {
        let ended = wait::<(), _, _>(
            &schedule(Some(Duration::from_millis(50)), None),
            &never_cancelled(),
            &Progress::new(true, false),
            std::future::pending,
        )
        .await
        .unwrap();
        assert!(matches!(ended, Ended::TimedOut));
    }

    #[tokio::test]
    async fn attempt_limit_times_out() {
        let calls = AtomicU32::new(0);
        let ended = wait::<(), _, _>(
            &schedule(None, Some(3)),
            &never_cancelled(),
            &Progress::new(true, false),
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Ok(Step::Pending("RUNNING".into())) }
            },
        )
        .await
        .unwrap();
        assert!(matches!(ended, Ended::TimedOut));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn other_errors_end_the_wait() {
        let result = wait::<(), _, _>(
            &schedule(None, None),
            &never_cancelled(),
            &Progress::new(true, false),
            || async { Err(Error::input("gone")) },
        )
        .await;
        assert!(result.is_err());
    }

    #[tokio::test]
    async fn a_signal_cancels() {
        let (sender, receiver) = watch::channel(None);
        let cancel = Cancel { receiver };
        sender.send(Some(Signal::Terminate)).unwrap();
        let ended = wait::<(), _, _>(
            &schedule(None, None),
            &cancel,
            &Progress::new(true, false),
            || async { Ok(Step::Pending("RUNNING".into())) },
        )
        .await
        .unwrap();
        assert!(matches!(ended, Ended::Cancelled(Signal::Terminate)));
    }
}
