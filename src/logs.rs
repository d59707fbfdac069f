//! Streams the containers' CloudWatch logs while tasks run, then drains them after they stop,
//! so every line is printed once and in order.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::aws::{Aws, Service};
use crate::progress::Progress;

/// How many of the last lines are kept for notifications.
pub const TAIL_LINES: usize = 20;
const FOLLOW_INTERVAL: Duration = Duration::from_secs(2);
const SETTLE: Duration = Duration::from_secs(1);
/// A page loop that never returns the same token twice is cut off here, and resumed next round.
const MAX_PAGES_PER_FETCH: usize = 50;

/// CloudWatch's own maximum; stated so a stand-in cannot answer with everything at once.
const PAGE_LIMIT: u32 = 10_000;

/// A GetLogEvents answer, borrowing from the response body: 10,000 lines stay a few MB.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<'a> {
    #[serde(borrow, default)]
    events: Vec<Event<'a>>,
    next_forward_token: Option<String>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow, default)]
    message: Cow<'a, str>,
}

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
    pub fn start(aws: Aws, progress: Progress, sources: Vec<Source>) -> Self {
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
            // Drain: CloudWatch may still be ingesting the last lines when the task stops.
            loop {
                while fetch_all(&aws, &progress, &mut streams, &mut tail).await > 0 {}
                tokio::time::sleep(SETTLE).await;
                if fetch_all(&aws, &progress, &mut streams, &mut tail).await == 0 {
                    break;
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
        let mut request = json!({
            "logGroupName": stream.source.group,
            "logStreamName": stream.source.stream,
            "startFromHead": true,
            "limit": PAGE_LIMIT,
        });
        if let Some(token) = &stream.next_token {
            request["nextToken"] = json!(token);
        }
        let body = match aws
            .call_raw(
                Service::Logs,
                "GetLogEvents",
                request,
                stream.source.region.as_deref(),
            )
            .await
        {
            Ok(body) => body,
            Err(error) if error.code == "ResourceNotFoundException" => return printed,
            Err(error) => {
                progress.debug(format_args!("logs of {}: {error}", stream.source.stream));
                return printed;
            }
        };
        let page: Page = match serde_json::from_slice(&body) {
            Ok(page) => page,
            Err(error) => {
                progress.debug(format_args!(
                    "logs of {}: unreadable page: {error}",
                    stream.source.stream
                ));
                return printed;
            }
        };
        for event in &page.events {
            progress.log_line(stream.source.label.as_deref(), &event.message);
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(event.message.trim_end().to_string());
        }
        printed += page.events.len();
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
