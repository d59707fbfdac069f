//! Streams the containers' CloudWatch logs while tasks run, then drains them after they stop,
//! so every line is printed once and in order.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::aws::{Aws, ErrorKind};
use crate::render::progress::Progress;

/// How many of the last lines are kept for notifications.
pub const TAIL_LINES: usize = 20;
const FOLLOW_INTERVAL: Duration = Duration::from_secs(2);
/// `--log-settle`'s default: CloudWatch can ingest a container's last lines seconds after ECS
/// reports the task STOPPED, and those are the lines a failed migration is read for.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(3);
/// How often a stream is read again while waiting for it to settle.
const SETTLE_POLL: Duration = Duration::from_secs(1);
/// A page loop that never returns the same token twice is cut off here, and resumed next round.
const MAX_PAGES_PER_FETCH: usize = 50;

/// CloudWatch's own maximum; stated so a stand-in cannot answer with everything at once.
const PAGE_LIMIT: i32 = 10_000;

/// One container's log stream.
#[derive(Debug, Clone)]
pub struct Source {
    /// Printed before each line when several streams are followed.
    pub label: Option<String>,
    pub group: String,
    pub stream: String,
    pub region: Option<String>,
}

struct Stream {
    source: Source,
    next_token: Option<String>,
}

pub struct Follower {
    stop: watch::Sender<bool>,
    handle: JoinHandle<VecDeque<String>>,
}

impl Follower {
    /// Follows `sources` until `finish`, then reads on until every stream has been quiet for
    /// `settle` (zero: one last read) or the command's deadline comes.
    pub fn start(aws: Aws, progress: Progress, sources: Vec<Source>, settle: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let handle = tokio::spawn(async move {
            let mut streams: Vec<Stream> = sources
                .into_iter()
                .map(|source| Stream {
                    source,
                    next_token: None,
                })
                .collect();
            let mut tail = VecDeque::new();
            loop {
                fetch_all(&aws, &progress, &mut streams, &mut tail).await;
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(FOLLOW_INTERVAL) => {}
                }
            }
            let mut quiet_since = Instant::now();
            loop {
                let printed = fetch_all(&aws, &progress, &mut streams, &mut tail).await;
                if printed > 0 {
                    quiet_since = Instant::now();
                }
                // The settle window ends at the --timeout deadline, whatever is still coming.
                let left = settle.saturating_sub(quiet_since.elapsed());
                let left = aws
                    .time_left()
                    .map_or(left, |time_left| left.min(time_left));
                if left.is_zero() {
                    break;
                }
                if printed == 0 {
                    tokio::time::sleep(left.min(SETTLE_POLL)).await;
                }
            }
            tail
        });
        Follower { stop, handle }
    }

    /// Stops following, prints what is left, and returns the last lines.
    pub async fn finish(self) -> Vec<String> {
        let _ = self.stop.send(true);
        self.handle.await.map(Vec::from).unwrap_or_default()
    }
}

async fn fetch_all(
    aws: &Aws,
    progress: &Progress,
    streams: &mut [Stream],
    tail: &mut VecDeque<String>,
) -> usize {
    let mut printed = 0;
    for stream in streams.iter_mut() {
        printed += fetch(aws, progress, stream, tail).await;
    }
    printed
}

/// Prints the events after the stream's token; a stream that does not exist yet prints nothing.
async fn fetch(
    aws: &Aws,
    progress: &Progress,
    stream: &mut Stream,
    tail: &mut VecDeque<String>,
) -> usize {
    let mut printed = 0;
    for _ in 0..MAX_PAGES_PER_FETCH {
        let source = &stream.source;
        let page = match aws
            .get_log_events(
                &source.group,
                &source.stream,
                source.region.as_deref(),
                stream.next_token.as_deref(),
                PAGE_LIMIT,
            )
            .await
        {
            Ok(page) => page,
            // Not created yet: the container has not written, or CloudWatch is behind.
            Err(error) if error.kind() == ErrorKind::NotFound => return printed,
            Err(error) => {
                progress.debug(format_args!("logs of {}: {error}", source.stream));
                return printed;
            }
        };
        for message in &page.messages {
            progress.log_line(source.label.as_deref(), message);
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(message.trim_end().to_string());
        }
        printed += page.messages.len();
        let next = page.next_forward_token;
        let at_end = next.is_none() || next == stream.next_token;
        if next.is_some() {
            stream.next_token = next;
        }
        if at_end {
            break;
        }
    }
    printed
}
